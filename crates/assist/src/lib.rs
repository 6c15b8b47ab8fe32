//! `linedesk-assist`: the client's assistant of remote sessions (V2).
//!
//! It signs in to the line server as the client (the engine's [`LineLink`], the session the
//! client simulator uses) over the server's scheme: `https://` is HTTPS and WSS with the
//! server's certificate checked against the system's roots and an optional CA file; `http://`
//! is plain; a bare `host:port` is refused unless [`AssistConfig::insecure_plain`] (the
//! client's password would otherwise go out in clear by a forgotten scheme). It optionally
//! sets the session password, and waits. When a specialist asks:
//! - **by request**, it shows who asks and asks the user (or follows `--accept` /
//!   `--decline`); nothing of the screen is offered before the server has the acceptance;
//! - **by password**, the server already checked the password: it says who connected.
//!
//! Once the session has started it answers the specialist's WebRTC offer with a
//! [`linedesk_remote::Host`] on the X display (`X11Screen`, `XTestInput`, the clipboard),
//! relays the signals through the line server, says clearly that a session is running and with
//! whom, and ends it when the user types `end` or presses Ctrl+C, when the specialist ends it,
//! or (as `failed`) when the connection breaks.
//!
//! ```no_run
//! # async fn demo() -> Result<(), linedesk_assist::AssistError> {
//! use linedesk_assist::{Answer, AssistConfig, Console};
//! let config = AssistConfig::new("https://line.example:7700", "client-1", "demo-client", Answer::Ask);
//! let (console, _input, mut output) = Console::channels();
//! tokio::spawn(async move { while let Some(line) = output.recv().await { println!("{line}") } });
//! linedesk_assist::run(config, console).await
//! # }
//! ```
//!
//! [`LineLink`]: linedesk_engine::line::LineLink

mod console;
mod error;
mod hosting;
mod notice;
mod request;

pub use console::{Console, Input};
pub use error::AssistError;
pub use notice::{Asker, Ending, Notice};

use std::path::PathBuf;

use linedesk_engine::line::LineLink;
use linedesk_engine::{Bare, Connector, Endpoint, EngineError};
use linedesk_protocol::{Action, Event, RemoteMode};
use linedesk_remote::SessionConfig;

/// How a request by request is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Ask the user (`y`/`n` on the console).
    Ask,
    /// Accept every request (`--accept`, for tests and kiosks).
    Accept,
    /// Decline every request (`--decline`).
    Decline,
}

/// What the assistant does.
#[derive(Debug, Clone)]
pub struct AssistConfig {
    /// The line server: `https://host[:port]`, `http://host:port`, or a bare `host:port`
    /// (refused unless `insecure_plain`).
    pub server: String,
    /// PEM certificates of CAs trusted besides the system's, for `https://` (a company's own
    /// CA, or the server's self-signed certificate).
    pub ca_file: Option<PathBuf>,
    /// A bare `host:port` means plain HTTP and WS (`--insecure-plain`).
    pub insecure_plain: bool,
    /// The client's account.
    pub login: String,
    pub password: String,
    /// Set this session password at start (`None`: leave the server's as it is).
    pub session_password: Option<String>,
    pub answer: Answer,
    /// The X display to share (`None`: `$DISPLAY`).
    pub display: Option<String>,
    /// The screen's peer connection: loopback for a server on 127.0.0.1 or localhost.
    pub network: SessionConfig,
    /// Relayed (TURN) paths only (`--relay-only`); the line must hand out a TURN server.
    pub relay_only: bool,
    /// Quit after this many requests were handled (`None`: run until interrupted).
    pub requests: Option<usize>,
}

impl AssistConfig {
    pub fn new(server: &str, login: &str, password: &str, answer: Answer) -> AssistConfig {
        let local = Endpoint::parse(server, Bare::Plain).is_ok_and(|e| e.is_loopback());
        AssistConfig {
            server: server.to_string(),
            ca_file: None,
            insecure_plain: false,
            login: login.to_string(),
            password: password.to_string(),
            session_password: None,
            answer,
            display: None,
            network: if local {
                SessionConfig::loopback()
            } else {
                SessionConfig::default()
            },
            relay_only: false,
            requests: None,
        }
    }
}

impl AssistConfig {
    /// How the server is reached: its scheme, the CA file, and whether a bare address is
    /// allowed (a typed error otherwise).
    pub fn connector(&self) -> Result<Connector, linedesk_engine::EndpointError> {
        let bare = if self.insecure_plain {
            Bare::Plain
        } else {
            Bare::Refused
        };
        Connector::parse(&self.server, bare, self.ca_file.as_deref())
    }
}

/// A specialist's request as the client's session saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub session: u64,
    pub specialist: String,
    pub line_name: String,
    pub mode: RemoteMode,
}

impl Request {
    pub(crate) fn asker(&self) -> Asker {
        Asker {
            session: self.session,
            specialist: self.specialist.clone(),
            line_name: self.line_name.clone(),
            mode: self.mode,
        }
    }
}

/// Whether the assistant goes on after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    Wait,
    Quit,
}

/// Run the assistant until the user interrupts it (or `requests` were handled). When it
/// stops, the session password is cleared on the server: a password lives as long as the
/// assistant that set it runs.
pub async fn run(config: AssistConfig, mut console: Console) -> Result<(), AssistError> {
    let server = config.connector().map_err(EngineError::from)?;
    let mut link = LineLink::sign_in(&server, &config.login, &config.password, None).await?;
    let mut signals = link
        .take_remote_signals()
        .ok_or(AssistError::Session("the remote signals were taken".into()))?;
    // Stopped when the run ends: it holds the console's output, which the binary drains until
    // every sender is gone before it exits.
    let mut reporter = None;
    if let Some(mut unreadable) = link.take_unreadable() {
        let out = console.output();
        reporter = Some(tokio::spawn(async move {
            while let Some(what) = unreadable.recv().await {
                let _ = out.send(format!(
                    "Skipped a message of the line server that this assistant cannot read: {what}."
                ));
            }
        }));
    }
    let me = link.id;
    console.say(format!(
        "Signed in to {} as {} (client {me} of line {}).",
        server.endpoint(),
        config.login,
        link.line
    ));
    console.notify(Notice::SignedIn {
        client: me,
        line: link.line,
    });
    // A password given at start that the server refuses stops the run (the terminal's
    // `--set-password`): the user asked for sessions by password and would not get them.
    let password_set = config.session_password.is_some();
    if let Some(password) = &config.session_password {
        link.submit(Action::SetRemotePassword {
            password: Some(password.clone()),
        })
        .await?;
        console.say("Session password set: a specialist who has it connects without asking.");
        console.notify(Notice::PasswordSet { at_ms: now_ms() });
    }
    let mut password_set = password_set;
    let outcome = serve(
        &config,
        &mut link,
        &mut signals,
        &mut console,
        &mut password_set,
    )
    .await;
    // Whatever ended the run: no password outlives it (when the server is still reachable;
    // otherwise the server's expiry of passwords does it).
    let cleared = link
        .submit(Action::SetRemotePassword { password: None })
        .await;
    if password_set && cleared.is_ok() {
        console.say("Session password cleared.");
        console.notify(Notice::PasswordCleared);
    }
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    outcome
}

/// Set or clear the session password from a window while the assistant runs, and say so. A
/// password the server refuses (too short, too long) is said, not the end of the run; `false`
/// then.
async fn set_password(
    link: &mut LineLink,
    console: &Console,
    password: Option<String>,
) -> Result<bool, AssistError> {
    let setting = password.is_some();
    match link.submit(Action::SetRemotePassword { password }).await {
        Ok(_) if setting => {
            console.say("Session password set: a specialist who has it connects without asking.");
            console.notify(Notice::PasswordSet { at_ms: now_ms() });
            Ok(true)
        }
        Ok(_) => {
            console.say("Session password cleared.");
            console.notify(Notice::PasswordCleared);
            Ok(true)
        }
        Err(linedesk_engine::EngineError::Rejected { code, message }) => {
            console.say(format!(
                "The server refused the session password: {message}"
            ));
            console.notify(Notice::PasswordRefused { code });
            Ok(false)
        }
        Err(other) => Err(other.into()),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Wait for requests and handle them until the user quits (or `requests` were handled).
async fn serve(
    config: &AssistConfig,
    link: &mut LineLink,
    signals: &mut tokio::sync::mpsc::UnboundedReceiver<(u64, linedesk_protocol::SignalPayload)>,
    console: &mut Console,
    password_set: &mut bool,
) -> Result<(), AssistError> {
    let me = link.id;
    let waiting = |console: &Console| {
        console.say("Waiting for a specialist's request. Press Ctrl+C to quit.");
        console.notify(Notice::Waiting);
    };
    waiting(console);
    let mut handled = 0;
    loop {
        let request = tokio::select! {
            found = link.event_within(None, |e| request_of(e, me)) => found?,
            input = console.next() => match input {
                Input::Interrupt => return Ok(()),
                Input::SetPassword(password) => {
                    let clearing = password.is_none();
                    if set_password(link, console, password).await? {
                        *password_set = !clearing;
                    }
                    continue;
                }
                Input::Line(_) | Input::Accept | Input::Decline | Input::End => continue,
            },
        };
        let Some(request) = request else { continue };
        let next = if request.mode == RemoteMode::ByPassword && !*password_set {
            request::refuse_unknown_password(link, console, &request).await?
        } else {
            request::handle(config, link, signals, console, request).await?
        };
        handled += 1;
        if next == Next::Quit || config.requests.is_some_and(|n| handled >= n) {
            return Ok(());
        }
        waiting(console);
    }
}

fn request_of(event: &Event, me: u64) -> Option<Request> {
    match event {
        Event::RemoteRequested {
            session,
            client,
            specialist_name,
            line_name,
            mode,
            ..
        } if *client == me => Some(Request {
            session: *session,
            specialist: specialist_name.clone(),
            line_name: line_name.clone(),
            mode: *mode,
        }),
        _ => None,
    }
}
