//! A client's session: opened on one server, and resumed on another server of the same lines
//! when it drops (issue 17: servers on one PostgreSQL database). The new session signs in
//! again, subscribes after the last event the client saw (the server replays the rest, so no
//! event is missed or seen twice), and the caller sends an unacknowledged action again with
//! its idempotency key (acknowledged as a duplicate if the dead server had done it).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linedesk_protocol::{ClientFrame, PROTOCOL_VERSION, ServerFrame};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::{Connector, SimClient, SimError, Socket, login, seen, unexpected};

/// How long a client keeps trying the servers, round after round, before it gives up.
const FAILOVER_PATIENCE: Duration = Duration::from_secs(60);
/// The pause after a round in which no server answered.
const ROUND_PAUSE: Duration = Duration::from_millis(250);

/// A signed-in session before it subscribes.
pub(crate) struct Opened {
    pub ws: Socket,
    pub token: String,
    /// The client's id and line.
    pub id: u64,
    pub line: u64,
}

/// Log in to `server`, open the WebSocket and say hello; the welcome names the client's line.
pub(crate) async fn open(
    server: &Connector,
    login_name: &str,
    password: &str,
) -> Result<Opened, SimError> {
    let token = login(server, login_name, password).await?;
    let mut ws = server.websocket().await?;
    let hello = ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: token.clone(),
    };
    ws.send(Message::Text(hello.encode().into()))
        .await
        .map_err(|_| SimError::Dropped)?;
    let within = Duration::from_secs(10);
    let deadline = Instant::now() + within;
    let welcome = loop {
        let message = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| SimError::Timeout(within))?;
        match message {
            Some(Ok(Message::Text(text))) => {
                break ServerFrame::decode(text.as_str())
                    .map_err(|e| SimError::Protocol(e.to_string()))?;
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(SimError::Dropped),
            Some(Ok(_)) => {}
        }
    };
    match welcome {
        ServerFrame::Welcome { id, lines, .. } => Ok(Opened {
            ws,
            token,
            id,
            line: lines
                .first()
                .copied()
                .ok_or_else(|| SimError::Protocol("the client is on no line".to_string()))?,
        }),
        other => Err(unexpected(other)),
    }
}

/// Whether a session that ended with `error` may go on on another server: the connection
/// dropped, went silent or could not be made; not a refusal or a garbled answer.
fn worth_failing_over(error: &SimError) -> bool {
    matches!(
        error,
        SimError::Dropped | SimError::Timeout(_) | SimError::Server(_)
    )
}

impl SimClient {
    /// Subscribe to the client's line after the last event seen and read up to the server's
    /// "caught up": the replayed events are kept for the caller when `keep` (a resumed
    /// session: they are new to this client), skipped otherwise (the history at sign-in).
    pub(crate) async fn subscribe(&mut self, keep: bool) -> Result<(), SimError> {
        self.send(&ClientFrame::Subscribe {
            line: self.line,
            after: self.cursor,
        })
        .await?;
        loop {
            match self.recv(Duration::from_secs(30)).await? {
                ServerFrame::CaughtUp { line, seq } if line == self.line => {
                    self.cursor = self.cursor.max(seq);
                    return Ok(());
                }
                ServerFrame::Event { event, .. } => {
                    if keep {
                        self.backlog.push_back(seen(event));
                    }
                }
                ServerFrame::Pong { .. } | ServerFrame::Ack { .. } => {}
                other => return Err(unexpected(other)),
            }
        }
    }

    /// The session ended with `error`: with several servers, sign in to the next one (round
    /// after round, for up to [`FAILOVER_PATIENCE`]) and resume the line after the cursor;
    /// otherwise, or when the error is not the connection's, `error` is the answer.
    pub(crate) async fn fail_over(&mut self, error: SimError) -> Result<(), SimError> {
        if self.servers.len() < 2 || !worth_failing_over(&error) {
            return Err(error);
        }
        let deadline = Instant::now() + FAILOVER_PATIENCE;
        let mut last = error;
        loop {
            for _ in 0..self.servers.len() {
                self.at = (self.at + 1) % self.servers.len();
                let server = self.servers[self.at].clone();
                match self.resume_on(&server).await {
                    Ok(()) => {
                        self.failovers += 1;
                        self.resumed_at = Some(std::time::Instant::now());
                        return Ok(());
                    }
                    Err(e @ SimError::LoginRefused(_)) => return Err(e),
                    Err(e) => last = e,
                }
            }
            if Instant::now() + ROUND_PAUSE >= deadline {
                return Err(last);
            }
            tokio::time::sleep(ROUND_PAUSE).await;
        }
    }

    /// A new session on `server` for the same client, subscribed after the cursor.
    async fn resume_on(&mut self, server: &Connector) -> Result<(), SimError> {
        let opened = open(server, &self.login, &self.password).await?;
        if (opened.id, opened.line) != (self.id, self.line) {
            return Err(SimError::Protocol(format!(
                "{} knows this client as {} of line {}, not {} of line {}",
                server.endpoint(),
                opened.id,
                opened.line,
                self.id,
                self.line
            )));
        }
        self.ws = opened.ws;
        self.token = opened.token;
        self.server = server.clone();
        self.subscribe(true).await
    }

    /// How many times this client moved to another server after its session dropped.
    pub fn failovers(&self) -> u32 {
        self.failovers
    }

    /// When the last failover's session on the next server had caught up with the line
    /// (subscribed after the cursor and replayed to the server's "caught up").
    pub fn resumed_at(&self) -> Option<std::time::Instant> {
        self.resumed_at
    }

    /// The server the client's session is on now.
    pub fn server(&self) -> &Connector {
        &self.server
    }
}
