//! What the window shows, as one value: the connection, the request or session at hand, how
//! the last one ended, the session password. [`View::apply`] folds the assistant's
//! [`Notice`]s into it; every change is pushed whole to the page.

use linedesk_assist::{Asker, Ending, Notice};
use linedesk_protocol::RemoteMode;
use serde::Serialize;

/// The connection with the line server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    SignedOut,
    SigningIn,
    Connected,
    /// The run stopped on an error: `View::error` has its code.
    Failed,
}

/// Where the assistant is with specialists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Idle,
    Waiting,
    /// A specialist asks: Accept / Decline.
    Asked,
    /// Accepted (or the password matched): waiting for their connection.
    Connecting,
    /// The screen is shared.
    Sharing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AskerView {
    pub session: u64,
    pub specialist: String,
    pub line_name: String,
    /// `by_request` or `by_password`.
    pub mode: &'static str,
}

impl From<Asker> for AskerView {
    fn from(a: Asker) -> AskerView {
        AskerView {
            session: a.session,
            specialist: a.specialist,
            line_name: a.line_name,
            mode: match a.mode {
                RemoteMode::ByPassword => "by_password",
                _ => "by_request",
            },
        }
    }
}

/// How the last request or session ended, with whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndedView {
    pub session: u64,
    pub specialist: String,
    pub line_name: String,
    /// `declined`, `withdrawn`, `by_you`, `by_specialist`, `failed`, `refused`.
    pub how: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    pub connection: Connection,
    /// The code of why the run stopped (`assist.*`), for `Failed`.
    pub error: Option<&'static str>,
    pub server: String,
    pub login: String,
    pub phase: Phase,
    pub asker: Option<AskerView>,
    pub ended: Option<EndedView>,
    /// When the session password was set (unix ms); `None`: none set.
    pub password_set_at: Option<i64>,
    /// The server's code for a refused session password.
    pub password_error: Option<String>,
}

impl Default for View {
    fn default() -> View {
        View {
            connection: Connection::SignedOut,
            error: None,
            server: String::new(),
            login: String::new(),
            phase: Phase::Idle,
            asker: None,
            ended: None,
            password_set_at: None,
            password_error: None,
        }
    }
}

fn how(ending: Ending) -> &'static str {
    match ending {
        Ending::Declined => "declined",
        Ending::Withdrawn => "withdrawn",
        Ending::ByYou => "by_you",
        Ending::BySpecialist => "by_specialist",
        Ending::Failed => "failed",
        Ending::Refused => "refused",
    }
}

impl View {
    /// Signing in to `server` as `login`: what the last run showed is gone.
    pub fn signing_in(server: &str, login: &str) -> View {
        View {
            connection: Connection::SigningIn,
            server: server.to_string(),
            login: login.to_string(),
            ..View::default()
        }
    }

    pub fn apply(&mut self, notice: Notice) {
        match notice {
            Notice::SignedIn { .. } => {
                self.connection = Connection::Connected;
                self.error = None;
            }
            Notice::PasswordSet { at_ms } => {
                self.password_set_at = Some(at_ms);
                self.password_error = None;
            }
            Notice::PasswordCleared => self.password_set_at = None,
            Notice::PasswordRefused { code } => {
                self.password_error = serde_json::to_value(code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string));
            }
            Notice::Waiting => {
                self.phase = Phase::Waiting;
                self.asker = None;
            }
            Notice::Asked(asker) => self.at(Phase::Asked, asker),
            Notice::Connecting(asker) => self.at(Phase::Connecting, asker),
            Notice::Sharing(asker) => self.at(Phase::Sharing, asker),
            Notice::Ended {
                session,
                how: ending,
            } => {
                let asker = self.asker.take().filter(|a| a.session == session);
                self.ended = Some(EndedView {
                    session,
                    specialist: asker
                        .as_ref()
                        .map(|a| a.specialist.clone())
                        .unwrap_or_default(),
                    line_name: asker.map(|a| a.line_name).unwrap_or_default(),
                    how: how(ending),
                });
                self.phase = Phase::Waiting;
            }
        }
    }

    fn at(&mut self, phase: Phase, asker: Asker) {
        self.phase = phase;
        self.asker = Some(asker.into());
        if phase == Phase::Asked {
            self.ended = None;
        }
    }

    /// The run stopped: signed out, or failed with `error`.
    pub fn stopped(&mut self, error: Option<&'static str>) {
        self.connection = match error {
            Some(_) => Connection::Failed,
            None => Connection::SignedOut,
        };
        self.error = error;
        self.phase = Phase::Idle;
        self.asker = None;
        self.password_set_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anna(session: u64) -> Asker {
        Asker {
            session,
            specialist: "Анна".into(),
            line_name: "Поддержка".into(),
            mode: RemoteMode::ByRequest,
        }
    }

    #[test]
    fn a_session_from_the_request_to_its_end() {
        let mut view = View::signing_in("127.0.0.1:7700", "client-1");
        view.apply(Notice::SignedIn { client: 1, line: 1 });
        view.apply(Notice::Waiting);
        assert_eq!(
            (view.connection, view.phase),
            (Connection::Connected, Phase::Waiting)
        );
        view.apply(Notice::Asked(anna(5)));
        assert_eq!(view.phase, Phase::Asked);
        view.apply(Notice::Sharing(anna(5)));
        assert_eq!(
            view.asker.as_ref().map(|a| a.line_name.as_str()),
            Some("Поддержка")
        );
        view.apply(Notice::Ended {
            session: 5,
            how: Ending::BySpecialist,
        });
        assert_eq!(view.phase, Phase::Waiting);
        assert_eq!(view.asker, None);
        let ended = view.ended.clone().expect("ended");
        assert_eq!(
            (ended.specialist.as_str(), ended.how),
            ("Анна", "by_specialist")
        );
    }

    #[test]
    fn a_refused_password_carries_the_wire_code_and_stopping_forgets_the_password() {
        let mut view = View::default();
        view.apply(Notice::PasswordRefused {
            code: linedesk_protocol::ErrorCode::TooLarge,
        });
        assert_eq!(view.password_error.as_deref(), Some("too_large"));
        view.apply(Notice::PasswordSet { at_ms: 10 });
        assert_eq!(
            (view.password_set_at, view.password_error.as_deref()),
            (Some(10), None)
        );
        view.stopped(Some("assist.unreachable"));
        assert_eq!(view.connection, Connection::Failed);
        assert_eq!(view.password_set_at, None);
    }
}
