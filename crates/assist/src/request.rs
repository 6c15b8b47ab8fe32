//! One specialist's request: say who asks, get the user's answer (by request) and open the
//! screen before accepting, so an assistant that cannot share one refuses instead of leaving
//! the specialist waiting.

use linedesk_engine::EngineError;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, ErrorCode, Event, RemoteEndReason, RemoteMode, SignalPayload};
use linedesk_remote::{RemoteError, X11Clipboard, X11Screen, XTestInput};
use tokio::sync::mpsc;

use crate::console::{Console, Input};
use crate::notice::{Ending, Notice};
use crate::{Answer, AssistConfig, AssistError, Next, Request, hosting};

/// The X display's screen, keyboard and mouse, and its clipboard when it has one.
pub(crate) struct Devices {
    pub screen: X11Screen,
    pub input: XTestInput,
    pub clipboard: Option<X11Clipboard>,
}

impl Devices {
    fn open(display: Option<&str>) -> Result<Devices, RemoteError> {
        Ok(Devices {
            screen: X11Screen::connect(display)?,
            input: XTestInput::connect(display)?,
            clipboard: X11Clipboard::connect(display).ok(),
        })
    }
}

/// Whether `event` ends `session`: its reason.
pub(crate) fn ended_of(event: &Event, session: u64) -> Option<RemoteEndReason> {
    match event {
        Event::RemoteEnded {
            session: s, reason, ..
        } if *s == session => Some(*reason),
        _ => None,
    }
}

/// End `session` on the server; one that has ended already is fine.
pub(crate) async fn end(
    link: &mut LineLink,
    session: u64,
    reason: Option<RemoteEndReason>,
) -> Result<(), AssistError> {
    match link
        .submit(Action::EndRemoteSession { session, reason })
        .await
    {
        Ok(_)
        | Err(EngineError::Rejected {
            code: ErrorCode::Conflict,
            ..
        }) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// A session by password this run did not set the password of (a password left by an
/// assistant that did not stop cleanly): the screen is not shared and the client ends the
/// session at once (the server started it on the password alone).
pub(crate) async fn refuse_unknown_password(
    link: &mut LineLink,
    console: &Console,
    request: &Request,
) -> Result<Next, AssistError> {
    console.say(format!(
        "Specialist {} connected with a session password this assistant did not set \
         (session {}): refused. Start with --set-password to allow sessions by password.",
        request.specialist, request.session
    ));
    end(link, request.session, None).await?;
    console.notify(Notice::Ended {
        session: request.session,
        how: Ending::Refused,
    });
    Ok(Next::Wait)
}

pub(crate) async fn handle(
    config: &AssistConfig,
    link: &mut LineLink,
    signals: &mut mpsc::UnboundedReceiver<(u64, SignalPayload)>,
    console: &mut Console,
    request: Request,
) -> Result<Next, AssistError> {
    let (session, who) = (request.session, request.specialist.clone());
    if request.mode == RemoteMode::ByPassword {
        console.say(format!(
            "Specialist {who} connected with your session password (session {session})."
        ));
        return match Devices::open(config.display.as_deref()) {
            Ok(devices) => hosting::host(config, link, signals, console, &request, devices).await,
            Err(error) => {
                console.say(format!("This screen cannot be shared: {error}."));
                end(link, session, Some(RemoteEndReason::Failed)).await?;
                console.notify(Notice::Ended {
                    session,
                    how: Ending::Failed,
                });
                Ok(Next::Wait)
            }
        };
    }
    console.say(format!(
        "Specialist {who} asks to see and control your screen (session {session})."
    ));
    console.notify(Notice::Asked(request.asker()));
    let ended = |how| Notice::Ended { session, how };
    let (accept, next) = match decide(config.answer, link, console, &request).await? {
        Decision::Accept => (true, Next::Wait),
        Decision::Decline(next) => (false, next),
        Decision::Withdrawn(reason) => {
            console.say(withdrawn_text(&who, reason));
            console.notify(ended(Ending::Withdrawn));
            return Ok(Next::Wait);
        }
    };
    if !accept {
        answer(link, session, false, console).await?;
        console.say("Declined: nothing of your screen was shared.");
        console.notify(ended(Ending::Declined));
        return Ok(next);
    }
    let devices = match Devices::open(config.display.as_deref()) {
        Ok(devices) => devices,
        Err(error) => {
            console.say(format!("This screen cannot be shared: {error}. Refused."));
            end(link, session, Some(RemoteEndReason::Refused)).await?;
            console.notify(ended(Ending::Refused));
            return Ok(Next::Wait);
        }
    };
    if !answer(link, session, true, console).await? {
        console.notify(ended(Ending::Withdrawn));
        return Ok(Next::Wait);
    }
    hosting::host(config, link, signals, console, &request, devices).await
}

/// Send the answer; `false` when the request was gone meanwhile (withdrawn).
async fn answer(
    link: &mut LineLink,
    session: u64,
    accept: bool,
    console: &Console,
) -> Result<bool, AssistError> {
    match link
        .submit(Action::AnswerRemoteSession { session, accept })
        .await
    {
        Ok(_) => Ok(true),
        Err(EngineError::Rejected {
            code: ErrorCode::Conflict,
            ..
        }) => {
            console.say("The request was withdrawn meanwhile.");
            Ok(false)
        }
        Err(other) => Err(other.into()),
    }
}

enum Decision {
    Accept,
    Decline(Next),
    /// The request ended before the user answered: the specialist withdrew it, or the line
    /// server did when it was not answered in time (`no_answer`).
    Withdrawn(Option<RemoteEndReason>),
}

/// What the user reads when the request ended before they answered.
fn withdrawn_text(who: &str, reason: Option<RemoteEndReason>) -> String {
    match reason {
        Some(RemoteEndReason::NoAnswer) => {
            format!("The request from {who} expired: it was not answered in time.")
        }
        _ => format!("{who} withdrew the request."),
    }
}

async fn decide(
    policy: Answer,
    link: &mut LineLink,
    console: &mut Console,
    request: &Request,
) -> Result<Decision, AssistError> {
    match policy {
        Answer::Accept => {
            console.say("Accepted (--accept).");
            return Ok(Decision::Accept);
        }
        Answer::Decline => return Ok(Decision::Decline(Next::Wait)),
        Answer::Ask => {}
    }
    loop {
        console.say(format!(
            "Allow {} to see and control your screen? Type y or n and press Enter:",
            request.specialist
        ));
        tokio::select! {
            ended = link.event_within(None, |e| ended_of(e, request.session)) => {
                return Ok(Decision::Withdrawn(ended?));
            }
            input = console.next() => match input {
                Input::Interrupt => return Ok(Decision::Decline(Next::Quit)),
                Input::Accept => return Ok(Decision::Accept),
                Input::Decline => return Ok(Decision::Decline(Next::Wait)),
                Input::Line(line) => match line.trim().to_lowercase().as_str() {
                    "y" | "yes" | "д" | "да" => return Ok(Decision::Accept),
                    "n" | "no" | "н" | "нет" => return Ok(Decision::Decline(Next::Wait)),
                    _ => {}
                },
                // A window offers these only while waiting for, or hosting, a session.
                Input::End | Input::SetPassword(_) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_the_server_ended_unanswered_says_it_expired() {
        assert_eq!(
            withdrawn_text("Анна", Some(RemoteEndReason::NoAnswer)),
            "The request from Анна expired: it was not answered in time."
        );
        assert_eq!(
            withdrawn_text("Анна", Some(RemoteEndReason::EndedBySpecialist)),
            "Анна withdrew the request."
        );
    }
}
