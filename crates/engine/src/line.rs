//! [`LineLink`]: a signed-in WebSocket session with the line server, enough to place, answer
//! and hang up calls, relay their signalling into a [`Call`], and report their statistics; and
//! to relay the signalling of remote sessions (V2), which the client's assistant hosts. The
//! command line's loopback, the tests, the client simulator and the assistant use it; the app
//! has its own sync client.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linedesk_call::Call;
use linedesk_endpoint::{Bare, Connector};
use linedesk_protocol::{Action, ClientFrame, Event, PROTOCOL_VERSION, ServerFrame, SignalPayload};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use crate::EngineError;
use crate::upload::login;

/// How long the server may take to answer a frame.
pub const WAIT: Duration = Duration::from_secs(10);

/// Sends frames on a [`LineLink`]'s session from anywhere.
#[derive(Debug, Clone)]
pub struct FrameSender(mpsc::UnboundedSender<ClientFrame>);

impl FrameSender {
    pub fn send(&self, frame: ClientFrame) -> Result<(), EngineError> {
        self.0
            .send(frame)
            .map_err(|_| EngineError::Line("the session closed".into()))
    }
}

/// One signed-in session; call signals are kept apart from the other frames.
pub struct LineLink {
    server: Connector,
    token: String,
    /// The specialist's or client's id from `Welcome`.
    pub id: u64,
    /// The line this session follows.
    pub line: u64,
    out: mpsc::UnboundedSender<ClientFrame>,
    frames: mpsc::UnboundedReceiver<ServerFrame>,
    signals: mpsc::UnboundedReceiver<(u64, SignalPayload)>,
    /// The router of relayed signals to the peers attached, once the first one was: the
    /// signals of calls with no peer go on to `signals`.
    peers: Option<mpsc::UnboundedSender<Route>>,
    /// Each attached call's sender task, asked to give its receiver back on a detach.
    outgoing: std::collections::HashMap<u64, oneshot::Sender<oneshot::Sender<Outgoing>>>,
    /// Relayed signals of remote sessions, by session.
    remote_signals: Option<mpsc::UnboundedReceiver<(u64, SignalPayload)>>,
    /// Frames of the server this session could not read and skipped, described.
    unreadable: Option<mpsc::Receiver<String>>,
    next_key: u64,
    /// Makes this link's idempotency keys its own: a second link of the same account (the same
    /// client signing in again) must not have its actions taken for the first one's resends.
    key_prefix: String,
    /// Live events that came while [`LineLink::submit`] waited for its Ack, oldest first:
    /// the next [`LineLink::event`]/[`LineLink::event_within`] reads them before the socket
    /// (a call's end can arrive before the Ack of the hang-up that caused it).
    held: std::collections::VecDeque<Event>,
    /// The task reading the socket: stopped with the link, so the connection closes once the
    /// writer has sent what was queued (a read half kept alive would answer the server's pings
    /// for a session nobody holds).
    reader: tokio::task::AbortHandle,
}

impl Drop for LineLink {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// At most this many events are held during one submit's wait (the oldest go first).
const MAX_HELD: usize = 4096;

impl LineLink {
    /// Sign in to `server` and subscribe to `line` from now on. `server` is read as the app
    /// reads its settings: `https://...`, `http://...`, or a bare `host:port` taken as plain
    /// (for the command-line tools, which refuse that, build the [`Connector`] and use
    /// [`LineLink::sign_in`]); no CA file besides the platform's roots.
    pub async fn join(
        server: &str,
        login_name: &str,
        password: &str,
        line: u64,
    ) -> Result<LineLink, EngineError> {
        let server = Connector::parse(server, Bare::Plain, None)?;
        LineLink::sign_in(&server, login_name, password, Some(line)).await
    }

    /// Like [`LineLink::join`], subscribing to the first line `Welcome` names: a client's own
    /// line, which a client does not otherwise know.
    pub async fn join_own_line(
        server: &str,
        login_name: &str,
        password: &str,
    ) -> Result<LineLink, EngineError> {
        let server = Connector::parse(server, Bare::Plain, None)?;
        LineLink::sign_in(&server, login_name, password, None).await
    }

    /// Sign in over `server`'s scheme (HTTPS and WSS with its certificate checked, or plain)
    /// and subscribe to `line` from now on, or to the first line `Welcome` names (`None`).
    pub async fn sign_in(
        server: &Connector,
        login_name: &str,
        password: &str,
        line: Option<u64>,
    ) -> Result<LineLink, EngineError> {
        let token = login(server, login_name, password).await?;
        let ws = server.websocket().await?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<ClientFrame>();
        let (frames_tx, frames) = mpsc::unbounded_channel();
        let (signals_tx, signals) = mpsc::unbounded_channel();
        let (remote_tx, remote_signals) = mpsc::unbounded_channel();
        // Bounded: nobody may be reading; the first few say enough.
        let (unreadable_tx, unreadable) = mpsc::channel(16);
        tokio::spawn(async move {
            while let Some(frame) = out_rx.recv().await {
                if sink
                    .send(Message::Text(frame.encode().into()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            // The link and every sender of it are gone: the session ends now, said to the
            // server (a closing handshake, not a socket left to its keepalive).
            let _ = sink.close().await;
        });
        let reader = tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                match ServerFrame::decode(text.as_str()) {
                    Ok(ServerFrame::Signal { call, payload, .. }) => {
                        let _ = signals_tx.send((call, payload));
                    }
                    Ok(ServerFrame::RemoteSignal {
                        session, payload, ..
                    }) => {
                        let _ = remote_tx.send((session, payload));
                    }
                    Ok(other) => {
                        let _ = frames_tx.send(other);
                    }
                    // Not the end of the session (issue 12): skipped, and said.
                    Err(error) => {
                        let at = linedesk_protocol::event_position(text.as_str())
                            .map(|(line, seq)| format!(" (line {line}, event {seq})"))
                            .unwrap_or_default();
                        let _ = unreadable_tx.try_send(format!("{error}{at}"));
                    }
                }
            }
        });
        let mut link = LineLink {
            reader: reader.abort_handle(),
            server: server.clone(),
            token: token.clone(),
            id: 0,
            line: 0,
            out,
            frames,
            signals,
            peers: None,
            outgoing: std::collections::HashMap::new(),
            remote_signals: Some(remote_signals),
            unreadable: Some(unreadable),
            next_key: 0,
            held: std::collections::VecDeque::new(),
            key_prefix: {
                let since = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                format!("engine-{}-{}", std::process::id(), since.as_nanos())
            },
        };
        link.send(ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token,
        })?;
        let lines = match link.frame().await? {
            ServerFrame::Welcome { id, lines, .. } => {
                link.id = id;
                lines
            }
            other => {
                return Err(EngineError::Line(format!(
                    "expected Welcome, got {other:?}"
                )));
            }
        };
        link.line = match line.or_else(|| lines.first().copied()) {
            Some(line) => line,
            None => return Err(EngineError::Line(format!("{login_name} is on no line"))),
        };
        link.send(ClientFrame::Subscribe {
            line: link.line,
            after: 0,
        })?;
        while !matches!(link.frame().await?, ServerFrame::CaughtUp { .. }) {}
        Ok(link)
    }

    /// The bearer token of this session (for the HTTP routes).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The server this session is signed in to (for its HTTP routes: files, recordings).
    pub fn server(&self) -> &Connector {
        &self.server
    }

    fn send(&self, frame: ClientFrame) -> Result<(), EngineError> {
        self.out
            .send(frame)
            .map_err(|_| EngineError::Line("the session closed".into()))
    }

    async fn frame(&mut self) -> Result<ServerFrame, EngineError> {
        tokio::time::timeout(WAIT, self.frames.recv())
            .await
            .map_err(|_| EngineError::Line("no answer in time".into()))?
            .ok_or_else(|| EngineError::Line("the session closed".into()))
    }

    /// Submit `action` and wait for its acknowledgement: its idempotency key.
    pub async fn submit(&mut self, action: Action) -> Result<String, EngineError> {
        self.next_key += 1;
        let key = format!("{}-{}-{}", self.key_prefix, self.id, self.next_key);
        self.send(ClientFrame::Submit {
            key: key.clone(),
            action,
        })?;
        loop {
            match self.frame().await? {
                ServerFrame::Event { event, .. } => {
                    if self.held.len() == MAX_HELD {
                        self.held.pop_front();
                    }
                    self.held.push_back(event);
                }
                ServerFrame::CaughtUp { .. } => continue,
                ServerFrame::Ack { .. } => return Ok(key),
                ServerFrame::Error { code, message, .. } => {
                    return Err(EngineError::Rejected { code, message });
                }
                other => return Err(EngineError::Line(format!("{other:?}"))),
            }
        }
    }

    /// The first held event `pick` accepts; the ones before it are skipped as the socket's
    /// would be.
    fn pick_held<T>(&mut self, pick: &mut impl FnMut(&Event) -> Option<T>) -> Option<T> {
        while let Some(event) = self.held.pop_front() {
            if let Some(found) = pick(&event) {
                return Some(found);
            }
        }
        None
    }

    /// The next live event that `pick` accepts (others are skipped).
    pub async fn event<T>(
        &mut self,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Result<T, EngineError> {
        if let Some(found) = self.pick_held(&mut pick) {
            return Ok(found);
        }
        loop {
            if let ServerFrame::Event { event, .. } = self.frame().await?
                && let Some(found) = pick(&event)
            {
                return Ok(found);
            }
        }
    }

    /// Like [`LineLink::event`], but waiting as long as `within` says (`None`: for good)
    /// however quiet the session is; `Ok(None)` when the time ran out. Cancel-safe (for
    /// `select!`): no frame is lost when the wait is dropped.
    pub async fn event_within<T>(
        &mut self,
        within: Option<Duration>,
        mut pick: impl FnMut(&Event) -> Option<T>,
    ) -> Result<Option<T>, EngineError> {
        if let Some(found) = self.pick_held(&mut pick) {
            return Ok(Some(found));
        }
        let deadline = within.map(|w| tokio::time::Instant::now() + w);
        loop {
            let frame = match deadline {
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, self.frames.recv()).await {
                        Ok(frame) => frame,
                        Err(_) => return Ok(None),
                    }
                }
                None => self.frames.recv().await,
            };
            match frame {
                Some(ServerFrame::Event { event, .. }) => {
                    if let Some(found) = pick(&event) {
                        return Ok(Some(found));
                    }
                }
                Some(_) => {}
                None => return Err(EngineError::Line("the session closed".into())),
            }
        }
    }

    /// The next signal relayed for `call` (the offer, for the callee).
    pub async fn signal(&mut self, call: u64) -> Result<SignalPayload, EngineError> {
        loop {
            let (c, payload) = tokio::time::timeout(WAIT, self.signals.recv())
                .await
                .map_err(|_| EngineError::Line("no signal in time".into()))?
                .ok_or_else(|| EngineError::Line("the session closed".into()))?;
            if c == call {
                return Ok(payload);
            }
        }
    }

    /// The relayed signals of remote sessions as (session, payload), for whoever hosts or
    /// views them; `None` once taken.
    pub fn take_remote_signals(&mut self) -> Option<mpsc::UnboundedReceiver<(u64, SignalPayload)>> {
        self.remote_signals.take()
    }

    /// What this session skipped because it could not read it (a frame over the size limit,
    /// an event this version does not know), one description each; `None` once taken.
    pub fn take_unreadable(&mut self) -> Option<mpsc::Receiver<String>> {
        self.unreadable.take()
    }

    /// A sender of frames on this session, usable from other tasks (e.g. a remote session's
    /// signals: `ClientFrame::RemoteSignal`). Fails once the session closed.
    pub fn sender(&self) -> FrameSender {
        FrameSender(self.out.clone())
    }

    /// Wire `peer` to this session for `call`: its signals go out through the server and the
    /// ones relayed here for `call` go into it, until either side stops or the call is
    /// [`detached`](LineLink::detach). Several calls may be attached at once or in turn (a
    /// transferred call goes on as a new leg with a new peer; a consultation runs beside the
    /// client's call). Signals of calls with no peer attached still reach
    /// [`LineLink::signal`]: attaching one call never takes another's (the colleague who
    /// attached a consultation still reads the offer of the leg she is handed).
    pub fn attach(
        &mut self,
        call: u64,
        peer: &Arc<Call>,
        mut outgoing: mpsc::UnboundedReceiver<SignalPayload>,
    ) {
        let out = self.out.clone();
        let (give_back, mut asked) = oneshot::channel::<oneshot::Sender<Outgoing>>();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    biased;
                    ask = &mut asked => {
                        // Detached: the signals not sent yet go with the receiver.
                        if let Ok(reply) = ask {
                            let _ = reply.send(outgoing);
                        }
                        return;
                    }
                    payload = outgoing.recv() => {
                        let Some(payload) = payload else { return };
                        if out.send(ClientFrame::Signal { call, payload }).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        self.outgoing.insert(call, give_back);
        let router = match &self.peers {
            Some(router) => router.clone(),
            None => {
                let (routes, mut changes) = mpsc::unbounded_channel::<Route>();
                let (unrouted, signals) = mpsc::unbounded_channel();
                let mut incoming = std::mem::replace(&mut self.signals, signals);
                tokio::spawn(async move {
                    let mut peers = std::collections::HashMap::new();
                    loop {
                        tokio::select! {
                            // A peer is attached before it sends its first signal, so before
                            // any answer to it can be relayed here.
                            biased;
                            Some(change) = changes.recv() => match change {
                                Route::Attach(c, peer) => {
                                    peers.insert(c, peer);
                                }
                                Route::Detach(c) => {
                                    peers.remove(&c);
                                }
                            },
                            Some((c, payload)) = incoming.recv() => {
                                match peers.get(&c) {
                                    // A bad relayed signal is the peer's typed error; its
                                    // state tells.
                                    Some(peer) => {
                                        let _ = peer.signal(payload).await;
                                    }
                                    None => {
                                        let _ = unrouted.send((c, payload));
                                    }
                                }
                            }
                            else => return,
                        }
                    }
                });
                self.peers = Some(routes.clone());
                routes
            }
        };
        let _ = router.send(Route::Attach(call, peer.clone()));
    }

    /// Stop relaying `call`'s signals on this session and give back what it sends: the peer
    /// and its media go on untouched, and the receiver can be [`attach`](LineLink::attach)ed
    /// again, on this session or another one (the same account signed in anew), so the call's
    /// signalling is re-established without a new peer. Signals relayed here for `call` from
    /// now on reach [`LineLink::signal`]. `None` when `call` is not attached.
    pub async fn detach(&mut self, call: u64) -> Option<Outgoing> {
        let give_back = self.outgoing.remove(&call)?;
        if let Some(router) = &self.peers {
            let _ = router.send(Route::Detach(call));
        }
        let (reply, outgoing) = oneshot::channel();
        give_back.send(reply).ok()?;
        outgoing.await.ok()
    }
}

/// What a peer sends, as [`LineLink::detach`] gives it back.
pub type Outgoing = mpsc::UnboundedReceiver<SignalPayload>;

/// A change of the calls whose relayed signals go to a peer.
enum Route {
    Attach(u64, Arc<Call>),
    Detach(u64),
}
