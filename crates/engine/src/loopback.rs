//! One whole call on this machine: a real line server on 127.0.0.1 (in this process), a
//! specialist who calls the client `client-1` through it, real WebRTC on loopback, and a
//! [`CallSession`] on each side. The command line's `loopback` and the tests run it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use linedesk_call::{Call, CallConfig, CallState, MediaPath};
use linedesk_protocol::{Action, CallEndReason, Event};
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::ice::IceConfig;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_voice::codec::CodecConfig;
use linedesk_voice::processing::{EchoPath, Stages};

use crate::EngineError;
pub use crate::SharedIo;
use crate::echo_io::EchoIo;
use crate::line::{LineLink, WAIT};
use crate::queue::UploadQueue;
use crate::report::CallReport;
use crate::session::{CallSession, Impairment, SessionConfig, Side};

/// The accounts of the loopback's line.
pub const SPECIALIST: (&str, &str) = ("specialist", "specialist-pass");
pub const CLIENT: (&str, &str) = ("client-1", "client-pass");

/// A line server on 127.0.0.1 with one line, the specialist and the client `client-1`.
pub struct LineServer {
    /// `host:port`.
    pub addr: String,
    pub line: u64,
    pub client: u64,
    pub storage: Arc<SqliteStorage>,
}

impl LineServer {
    /// Start it with its database in `dir`; it serves until the runtime stops.
    pub async fn start(dir: &Path) -> Result<LineServer, EngineError> {
        LineServer::start_with(dir, IceConfig::default()).await
    }

    /// [`LineServer::start`] handing out `ice` (STUN/TURN) from `GET /api/ice`.
    pub async fn start_with(dir: &Path, ice: IceConfig) -> Result<LineServer, EngineError> {
        let storage = SqliteStorage::open(&dir.join("server.db"))
            .map_err(|e| EngineError::Line(e.to_string()))?;
        let storage = Arc::new(storage);
        let fail = |e: &dyn std::fmt::Display| EngineError::Line(e.to_string());
        let line = storage.add_line("Линия").map_err(|e| fail(&e))?;
        let client = storage.add_client(line, "Клиент").map_err(|e| fail(&e))?;
        let hash = |p: &str| hash_password(p).map_err(|e| fail(&e));
        let specialist = storage
            .add_specialist(SPECIALIST.0, &hash(SPECIALIST.1)?, "Специалист")
            .map_err(|e| fail(&e))?;
        storage
            .serve_line(specialist, line, 0, 5)
            .map_err(|e| fail(&e))?;
        storage
            .set_client_login(client, CLIENT.0, &hash(CLIENT.1)?)
            .map_err(|e| fail(&e))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(EngineError::io(dir))?;
        let addr = listener.local_addr().map_err(EngineError::io(dir))?;
        let server = Server::with_ice(
            storage.clone(),
            linedesk_server::presence::OFFLINE_GRACE,
            linedesk_server::config::HttpPolicy::default(),
            linedesk_server::session_limits::SessionLimits::default(),
            ice,
        );
        tokio::spawn(async move { serve(listener, server).await });
        Ok(LineServer {
            addr: addr.to_string(),
            line,
            client,
            storage,
        })
    }
}

/// A call between two parties, set up through the server and connected.
pub struct Connected {
    pub call: u64,
    pub specialist: (
        LineLink,
        Arc<Call>,
        tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    ),
    pub client: (
        LineLink,
        Arc<Call>,
        tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    ),
}

/// Wait until `call` is connected; a failure says why at once.
pub async fn wait_connected(call: &Call) -> Result<(), EngineError> {
    let mut states = call.watch();
    let state = tokio::time::timeout(
        WAIT,
        states.wait_for(|s| *s == CallState::Connected || s.is_over()),
    )
    .await
    .map_err(|_| EngineError::Line(format!("never connected: {:?}", call.state())))?
    .map_err(|_| EngineError::Line("the call went away".into()))?;
    match *state {
        CallState::Connected => Ok(()),
        CallState::Failed(why) => Err(EngineError::CallFailed(why)),
        other => Err(EngineError::Line(format!("never connected: {other:?}"))),
    }
}

/// The specialist calls `client-1`, who answers; both WebRTC peers connected.
pub async fn connect(server: &LineServer) -> Result<Connected, EngineError> {
    connect_with(server, false).await
}

/// [`connect`], each party with the ICE servers the line hands its account (`GET /api/ice`),
/// over relayed (TURN) paths only when `relay_only`.
pub async fn connect_with(server: &LineServer, relay_only: bool) -> Result<Connected, EngineError> {
    let mut spec = LineLink::join(&server.addr, SPECIALIST.0, SPECIALIST.1, server.line).await?;
    let mut client = LineLink::join(&server.addr, CLIENT.0, CLIENT.1, server.line).await?;
    let network = |ice| CallConfig {
        ice,
        ..CallConfig::loopback()
    };
    let spec_config =
        network(crate::ice::ice_setup(spec.server(), spec.token(), relay_only).await?);
    let client_config =
        network(crate::ice::ice_setup(client.server(), client.token(), relay_only).await?);
    let key = spec
        .submit(Action::PlaceCall {
            line: server.line,
            client: Some(server.client),
        })
        .await?;
    let call = spec
        .event(|e| match e {
            Event::CallRinging { call, key: k, .. } if k.as_deref() == Some(&key) => Some(*call),
            _ => None,
        })
        .await?;
    let (caller, caller_io) = Call::offer(spec_config).await?;
    let caller = Arc::new(caller);
    spec.attach(call, &caller, caller_io.signals);
    client
        .event(|e| matches!(e, Event::CallRinging { call: c, .. } if *c == call).then_some(()))
        .await?;
    let linedesk_protocol::SignalPayload::Offer { sdp } = client.signal(call).await? else {
        return Err(EngineError::Line("the offer must come first".into()));
    };
    client.submit(Action::AnswerCall { call }).await?;
    let (callee, callee_io) = Call::answer(client_config, &sdp).await?;
    let callee = Arc::new(callee);
    client.attach(call, &callee, callee_io.signals);
    wait_connected(&caller).await?;
    wait_connected(&callee).await?;
    Ok(Connected {
        call,
        specialist: (spec, caller, caller_io.packets),
        client: (client, callee, callee_io.packets),
    })
}

/// The specialist hangs up; the client learns it from the server.
pub async fn hang_up(
    spec: &mut LineLink,
    caller: &Call,
    client: &mut LineLink,
    callee: &Call,
    call: u64,
) -> Result<(), EngineError> {
    caller.hang_up().await;
    spec.submit(Action::HangUp {
        call,
        reason: CallEndReason::HungUp,
    })
    .await?;
    let reason = client
        .event(|e| match e {
            Event::CallEnded {
                call: c, reason, ..
            } if *c == call => Some(*reason),
            _ => None,
        })
        .await?;
    callee.remote_ended(reason).await;
    Ok(())
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Loopback {
    /// The specialist's (the caller's) microphone, 48 kHz mono.
    pub talk: Vec<f32>,
    /// The client's microphone.
    pub reply: Vec<f32>,
    /// How long the call lasts; by default the longer microphone plus one second.
    pub length: Option<Duration>,
    /// Made worse on both receive paths (different seeds).
    pub impairment: Option<Impairment>,
    /// The server's database, both recordings and the upload queue go here.
    pub dir: PathBuf,
    /// Both engines' encoder settings (FEC on by default).
    pub codec: CodecConfig,
    /// The STUN/TURN servers the line hands out (none: host candidates only).
    pub ice: IceConfig,
    /// Both parties over relayed (TURN) paths only.
    pub relay_only: bool,
    /// Both engines' microphone path (echo cancellation, noise suppression, gain control).
    pub processing: Stages,
    /// The client's speaker heard by the client's microphone through this path: the
    /// specialist then hears their own voice back unless the client's canceller removes it.
    pub client_echo: Option<EchoPath>,
}

/// What came of it.
pub struct Outcome {
    pub call: u64,
    /// The client's speaker output, from the client engine's start.
    pub heard: Vec<f32>,
    /// The specialist's speaker output, from the specialist engine's start.
    pub heard_back: Vec<f32>,
    /// How much later the client's engine started than the specialist's.
    pub client_started_later: Duration,
    pub specialist: CallReport,
    pub client: CallReport,
    /// The calls whose recording the upload queue delivered.
    pub uploaded: Vec<u64>,
    /// The candidate pair each side's media went over, read just before hanging up.
    pub specialist_path: Option<MediaPath>,
    pub client_path: Option<MediaPath>,
    pub server: LineServer,
    pub specialist_token: String,
    pub client_token: String,
}

impl Outcome {
    /// The mouth-to-ear delay from how far the client's speaker output lags the specialist's
    /// microphone *as sample positions* (`heard_lag`, e.g. by cross-correlation): the client's
    /// output starts `client_started_later` after the microphone's, so that much is added.
    pub fn mouth_to_ear(&self, heard_lag: Duration) -> Duration {
        heard_lag + self.client_started_later
    }
}

/// Run the whole call: connect, talk for the length, hang up, report the statistics to the
/// server from both sides, upload the specialist's recording through the queue.
pub async fn run(config: Loopback) -> Result<Outcome, EngineError> {
    let server = LineServer::start_with(&config.dir, config.ice.clone()).await?;
    let Connected {
        call,
        specialist: (mut spec, caller, caller_packets),
        client: (mut client, callee, callee_packets),
    } = connect_with(&server, config.relay_only).await?;
    let (spec_io, client_io) = (SharedIo::new(&config.talk), SharedIo::new(&config.reply));
    let client_headset: Box<dyn linedesk_audio::AudioIo> = match config.client_echo.clone() {
        Some(path) => Box::new(EchoIo::new(client_io.clone(), path)),
        None => Box::new(client_io.clone()),
    };
    let session = |side, name: &str, seed| {
        let mut c = SessionConfig::new(side, config.dir.join(name));
        // Each side's own seed, drawn from the configured one (another seed, other losses):
        // seed 1 gives the specialist 1 and the client 2, the seeds every run used before.
        c.impairment = config.impairment.map(|i| Impairment {
            seed: i.seed.wrapping_mul(2).wrapping_sub(1).wrapping_add(seed),
            ..i
        });
        c.codec = config.codec;
        c.processing = config.processing;
        c
    };
    let spec_session = CallSession::start(
        caller.clone(),
        caller_packets,
        Box::new(spec_io.clone()),
        session(Side::Specialist, "specialist.ogg", 0),
    )?;
    let client_session = CallSession::start(
        callee.clone(),
        callee_packets,
        client_headset,
        session(Side::Client, "client.ogg", 1),
    )?;
    let client_started_later = client_session
        .started()
        .saturating_duration_since(spec_session.started());
    let longest = config.talk.len().max(config.reply.len());
    let length = config
        .length
        .unwrap_or(Duration::from_secs_f64(longest as f64 / 48_000.0 + 1.0));
    tokio::time::sleep_until(tokio::time::Instant::from_std(
        spec_session.started() + length,
    ))
    .await;
    let specialist_path = caller.media_path().await;
    let client_path = callee.media_path().await;
    hang_up(&mut spec, &caller, &mut client, &callee, call).await?;
    let specialist = spec_session.finish().await?;
    let client_report = client_session.finish().await?;
    spec.submit(Action::CallStats {
        call,
        quality: specialist.quality(),
    })
    .await?;
    client
        .submit(Action::CallStats {
            call,
            quality: client_report.quality(),
        })
        .await?;
    let queue = UploadQueue::open(&config.dir.join("pending"))?;
    queue.enqueue(call, &specialist.recording, &server.addr)?;
    let uploaded = queue
        .drain(spec.server(), spec.token(), Duration::from_secs(30))
        .await?
        .uploaded;
    Ok(Outcome {
        call,
        heard: client_io.played(),
        heard_back: spec_io.played(),
        client_started_later,
        specialist,
        client: client_report,
        uploaded,
        specialist_path,
        client_path,
        specialist_token: spec.token().to_string(),
        client_token: client.token().to_string(),
        server,
    })
}
