//! A simulated client of a support line, over the real wire: `POST /api/login` as the client,
//! then the WebSocket protocol of `linedesk-protocol`, over the server's scheme (HTTPS and
//! WSS with the certificate checked for `https://`: [`SimClient::sign_in_to`] with a
//! [`Connector`]). Used by the demo (`linedesk-client-sim`), the end-to-end tests and load runs.
//!
//! ```no_run
//! # async fn demo() -> Result<(), linedesk_client_sim::SimError> {
//! use std::time::Duration;
//! let mut client = linedesk_client_sim::SimClient::sign_in("127.0.0.1:7700", "client-1", "demo-client").await?;
//! client.write("Здравствуйте! Не проводится документ.").await?;
//! let answer = client.wait_answer(Duration::from_secs(60)).await?;
//! println!("the specialist said: {answer}");
//! # Ok(()) }
//! ```
//!
//! Given several servers of the same lines ([`SimClient::sign_in_any`]: issue 17, servers on
//! one PostgreSQL database), a client whose session drops signs in to the next one, resumes
//! its conversation after the last event it saw and sends an unacknowledged action again with
//! the same idempotency key: nothing is lost or doubled (see `resume`).
//!
//! A client can also send a file to its line's chat ([`SimClient::send_file`], A1: it opens an
//! appeal like a message).
//!
//! A simulated client also takes part in calls ([`place_call`], [`answer_call`], or a
//! [`Phone`] signed in beforehand), with samples (a WAV) as its microphone: see [`call`].

pub mod call;
mod file;
mod http;
mod resume;

pub use call::{CallOutcome, CallPlan, EndedBy, Phone, answer_call, length_of, place_call};

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
pub use linedesk_engine::{Bare, Connector, EndpointError};
use linedesk_protocol::{Action, ClientFrame, Event, ServerFrame};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The server could not be reached or not trusted (typed: an unknown CA, a certificate
    /// for another name, a bare address refused, ...).
    #[error("{0}")]
    Server(#[from] EndpointError),
    #[error("the server refused the login of {0:?}")]
    LoginRefused(String),
    #[error("the connection dropped")]
    Dropped,
    #[error("nothing came within {0:?}")]
    Timeout(Duration),
    #[error("the server said {code:?}: {message}")]
    Refused {
        code: linedesk_protocol::ErrorCode,
        message: String,
    },
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
    /// The voice engine, the WebRTC peer or the engine's line session refused.
    #[error("{0}")]
    Engine(#[from] linedesk_engine::EngineError),
    /// The call ended before anyone picked up (`Cancelled`: this client gave up ringing).
    #[error("call {call} was not answered: {reason:?}")]
    Unanswered {
        call: u64,
        reason: linedesk_protocol::CallEndReason,
    },
    /// The media path never came up (the peer's final state).
    #[error("the call's media did not connect: {0}")]
    MediaFailed(String),
}

impl SimError {
    /// The connection's own error, whichever layer met it (the simulator's session or the
    /// engine's, for calls).
    pub fn endpoint(&self) -> Option<&EndpointError> {
        match self {
            SimError::Server(e) | SimError::Engine(linedesk_engine::EngineError::Endpoint(e)) => {
                Some(e)
            }
            _ => None,
        }
    }
}

impl From<linedesk_call::CallError> for SimError {
    fn from(e: linedesk_call::CallError) -> SimError {
        SimError::Engine(e.into())
    }
}

type Socket = linedesk_engine::WebSocket;

/// What the client saw happen to their conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A specialist wrote to them.
    Answer { appeal: Option<u64>, text: String },
    /// Their appeal was finished with a result: the specialist's words, or the line's code
    /// (`no_client_reply`, A5; `transferred_to_line`, A3: it went on on another line, whose
    /// reason the client never gets).
    Finished { appeal: u64, result: String },
    /// Anything else about them (their own messages coming back, routing).
    Other(Event),
}

pub struct SimClient {
    ws: Socket,
    pub login: String,
    /// The client's id on the server.
    pub id: u64,
    pub line: u64,
    next_key: u64,
    /// Events that arrived while waiting for something else.
    backlog: std::collections::VecDeque<Seen>,
    /// The server and the session's token, for the HTTP calls (files).
    server: Connector,
    token: String,
    /// Every server of the line in the order tried: the session fails over to the next when
    /// there are several (`servers[at]` is `server`).
    servers: Vec<Connector>,
    at: usize,
    password: String,
    /// The last event of the line seen: a new session resumes after it.
    cursor: u64,
    failovers: u32,
    /// When the last failover's new session had caught up.
    resumed_at: Option<std::time::Instant>,
}

async fn login(server: &Connector, login: &str, password: &str) -> Result<String, SimError> {
    let body = serde_json::json!({ "login": login, "password": password }).to_string();
    let (status, bytes) = http::post(
        server,
        "/api/login",
        (hyper::header::CONTENT_TYPE, "application/json".to_string()),
        body.into_bytes(),
    )
    .await?;
    if status == hyper::StatusCode::UNAUTHORIZED {
        return Err(SimError::LoginRefused(login.to_string()));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| SimError::Protocol(format!("login answer: {e}")))?;
    value["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| SimError::Protocol(format!("login answered {status} without a token")))
}

impl SimClient {
    /// Sign in as a client and subscribe to their conversation (history is skipped: only what
    /// happens from now on is reported). `server` is read as the app reads its settings: a
    /// bare `host:port` is plain (the command line refuses it without `--insecure-plain`).
    pub async fn sign_in(
        server: &str,
        login_name: &str,
        password: &str,
    ) -> Result<SimClient, SimError> {
        let server = Connector::parse(server, Bare::Plain, None)?;
        SimClient::sign_in_to(&server, login_name, password).await
    }

    /// [`SimClient::sign_in`] over `server`'s scheme: HTTPS and WSS with its certificate
    /// checked (the platform's roots and the connector's CA file), or plain.
    pub async fn sign_in_to(
        server: &Connector,
        login_name: &str,
        password: &str,
    ) -> Result<SimClient, SimError> {
        SimClient::sign_in_any(std::slice::from_ref(server), login_name, password).await
    }

    /// Sign in to the first of `servers` (several servers of the same lines) that answers;
    /// when its session drops later, the client fails over to the next. A refused login is
    /// final (the same accounts on every server).
    pub async fn sign_in_any(
        servers: &[Connector],
        login_name: &str,
        password: &str,
    ) -> Result<SimClient, SimError> {
        let mut last = SimError::Protocol("no server address".to_string());
        for (at, server) in servers.iter().enumerate() {
            match resume::open(server, login_name, password).await {
                Ok(opened) => {
                    let mut client = SimClient {
                        ws: opened.ws,
                        login: login_name.to_string(),
                        id: opened.id,
                        line: opened.line,
                        next_key: 0,
                        backlog: Default::default(),
                        server: server.clone(),
                        token: opened.token,
                        servers: servers.to_vec(),
                        at,
                        password: password.to_string(),
                        cursor: 0,
                        failovers: 0,
                        resumed_at: None,
                    };
                    // History is skipped: only what happens from now on is reported.
                    client.subscribe(false).await?;
                    return Ok(client);
                }
                Err(e @ SimError::LoginRefused(_)) => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn send(&mut self, frame: &ClientFrame) -> Result<(), SimError> {
        self.ws
            .send(Message::Text(frame.encode().into()))
            .await
            .map_err(|_| SimError::Dropped)
    }

    async fn recv(&mut self, within: Duration) -> Result<ServerFrame, SimError> {
        let deadline = Instant::now() + within;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .map_err(|_| SimError::Timeout(within))?;
            match message {
                Some(Ok(Message::Text(text))) => {
                    let frame = ServerFrame::decode(text.as_str())
                        .map_err(|e| SimError::Protocol(e.to_string()))?;
                    if let ServerFrame::Event { line, seq, .. } = &frame
                        && *line == self.line
                    {
                        self.cursor = self.cursor.max(*seq);
                    }
                    return Ok(frame);
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(SimError::Dropped),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Submit an action and wait for its acknowledgement (events on the way are kept).
    pub async fn submit(&mut self, action: Action) -> Result<(), SimError> {
        self.next_key += 1;
        let key = format!(
            "sim-{}-{}-{}",
            self.login,
            std::process::id(),
            self.next_key
        );
        let submit = ClientFrame::Submit {
            key: key.clone(),
            action,
        };
        if let Err(error) = self.send(&submit).await {
            self.fail_over(error).await?;
            self.send(&submit).await?;
        }
        loop {
            let frame = match self.recv(Duration::from_secs(30)).await {
                Ok(frame) => frame,
                Err(error) => {
                    // Perhaps done, unacknowledged: the same key again on the next server.
                    self.fail_over(error).await?;
                    self.send(&submit).await?;
                    continue;
                }
            };
            match frame {
                ServerFrame::Ack { key: acked, .. } if acked == key => return Ok(()),
                ServerFrame::Event { event, .. } => self.backlog.push_back(seen(event)),
                ServerFrame::Error { code, message, .. } => {
                    return Err(SimError::Refused { code, message });
                }
                ServerFrame::Pong { .. } | ServerFrame::CaughtUp { .. } => {}
                other => return Err(unexpected(other)),
            }
        }
    }

    /// Write to the line: opens an appeal when none is open (A1).
    pub async fn write(&mut self, text: &str) -> Result<(), SimError> {
        self.submit(Action::ClientMessage {
            text: text.to_string(),
        })
        .await
    }

    /// Rate a finished appeal, 1 to 5 stars, with an optional comment (A4).
    pub async fn rate(
        &mut self,
        appeal: u64,
        stars: u8,
        comment: Option<&str>,
    ) -> Result<(), SimError> {
        self.submit(Action::RateAppeal {
            appeal,
            stars,
            comment: comment.map(str::to_string),
        })
        .await
    }

    /// The next thing that happened to this client's conversation.
    pub async fn next_seen(&mut self, within: Duration) -> Result<Seen, SimError> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(seen) = self.backlog.pop_front() {
                return Ok(seen);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = match self.recv(left).await {
                Ok(frame) => frame,
                Err(SimError::Timeout(_)) => return Err(SimError::Timeout(within)),
                Err(error) => {
                    // The next server replays what this one did not deliver.
                    self.fail_over(error).await?;
                    continue;
                }
            };
            match frame {
                ServerFrame::Event { event, .. } => return Ok(seen(event)),
                ServerFrame::Pong { .. }
                | ServerFrame::CaughtUp { .. }
                | ServerFrame::Ack { .. } => {}
                other => return Err(unexpected(other)),
            }
        }
    }

    /// Wait for a specialist's answer; returns its text.
    pub async fn wait_answer(&mut self, within: Duration) -> Result<String, SimError> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Seen::Answer { text, .. } = self.next_seen(left).await.map_err(|e| match e {
                SimError::Timeout(_) => SimError::Timeout(within),
                e => e,
            })? {
                return Ok(text);
            }
        }
    }

    /// Wait until the specialist finishes the appeal; returns its id.
    pub async fn wait_finished(&mut self, within: Duration) -> Result<u64, SimError> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Seen::Finished { appeal, .. } =
                self.next_seen(left).await.map_err(|e| match e {
                    SimError::Timeout(_) => SimError::Timeout(within),
                    e => e,
                })?
            {
                return Ok(appeal);
            }
        }
    }
}

fn seen(event: Event) -> Seen {
    match event {
        Event::MessagePosted {
            from_specialist: Some(_),
            appeal,
            text,
            ..
        } => Seen::Answer { appeal, text },
        Event::AppealFinished { appeal, result, .. } => Seen::Finished { appeal, result },
        other => Seen::Other(other),
    }
}

fn unexpected(frame: ServerFrame) -> SimError {
    match frame {
        ServerFrame::Error { code, message, .. } => SimError::Refused { code, message },
        other => SimError::Protocol(format!("{other:?}")),
    }
}
