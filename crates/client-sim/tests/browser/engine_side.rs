//! The specialist's side of the browser call tests (browser_call.rs, widget_call.rs): the
//! engine answers Chromium's call with speech as its microphone, and the helpers to line up
//! what each side said and heard on one clock.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use linedesk_call::{Call, CallConfig, CallState};
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, Event, Role, SignalPayload};

pub const SAMPLES_PER_MS: f64 = 48.0;

/// How much earlier than the page's tap of its own microphone the engine may hear a sound.
/// The tap lags the track by WebAudio's latency, an unknown amount that is sometimes larger
/// than the whole browser -> engine path (about 90 ms), which puts the engine's copy at a
/// negative lag that a search from 0 cannot find (it then stops at its edge, 1-9 ms, with a
/// low correlation). Align the tap from this much later and subtract it back.
pub const TAP_SLACK_MS: f64 = 300.0;

/// `samples` at 48 kHz mono as the 16-bit WAV Chromium's fake microphone reads.
pub fn write_wav(path: &Path, samples: &[f32]) {
    linedesk_engine::wav::write(path, samples).expect("wav");
}

pub fn epoch_ms(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH).expect("clock").as_secs_f64() * 1000.0
}

/// `samples` (whose first one is at `origin_ms`) from `at_ms` on, silence-padded when it
/// starts later.
pub fn from(samples: &[f32], origin_ms: f64, at_ms: f64) -> Vec<f32> {
    let skip = ((at_ms - origin_ms) * SAMPLES_PER_MS).round() as i64;
    if skip >= 0 {
        samples.get(skip as usize..).unwrap_or_default().to_vec()
    } else {
        let mut out = vec![0.0; (-skip) as usize];
        out.extend_from_slice(samples);
        out
    }
}

pub struct SpecialistSide {
    pub call: u64,
    pub heard: Vec<f32>,
    /// Unix ms of the engine's first tick: the first sample of `heard` and of its microphone.
    pub started_ms: f64,
    pub recording: PathBuf,
    pub report: linedesk_engine::CallReport,
    /// The selected candidate pair while the call was up.
    pub path: Option<linedesk_call::MediaPath>,
}

/// The engine picks up the browser's call (its peer set up by `config`), says `reply`, holds
/// the call for a moment once it is said, and goes on until the browser hangs up.
pub async fn answer_in_engine(
    spec: &mut LineLink,
    reply: &[f32],
    recording: PathBuf,
    config: CallConfig,
) -> SpecialistSide {
    let call = spec
        .event(|e| match e {
            Event::CallRinging {
                call,
                from: Role::Client,
                ..
            } => Some(*call),
            _ => None,
        })
        .await
        .expect("the browser's call rings");
    spec.submit(Action::AnswerCall { call })
        .await
        .expect("picked up");
    let SignalPayload::Offer { sdp } = spec.signal(call).await.expect("a signal") else {
        panic!("the browser's offer comes first");
    };
    let (peer, channels) = Call::answer(config, &sdp)
        .await
        .expect("the engine answers Chromium's offer");
    talk_in_engine(spec, call, peer, channels, reply, recording).await
}

/// The engine calls `client` of its line (the app's "call the client", its peer set up by
/// `config`, offering while it rings), and once the browser picks up says `reply`, holds the
/// call for a moment and goes on until the browser hangs up.
pub async fn call_from_engine(
    spec: &mut LineLink,
    client: u64,
    reply: &[f32],
    recording: PathBuf,
    config: CallConfig,
) -> SpecialistSide {
    let key = spec
        .submit(Action::PlaceCall {
            line: spec.line,
            client: Some(client),
        })
        .await
        .expect("the specialist places the call");
    let call = spec
        .event(|e| match e {
            Event::CallRinging {
                call,
                key: Some(k),
                from: Role::Specialist,
                ..
            } if *k == key => Some(*call),
            _ => None,
        })
        .await
        .expect("the call rings");
    // The caller offers while it rings: the client is known, the server relays it.
    let (peer, channels) = Call::offer(config).await.expect("the engine's offer");
    let peer = Arc::new(peer);
    spec.attach(call, &peer, channels.signals);
    spec.event_within(Some(Duration::from_secs(40)), |e| match e {
        Event::CallConnected { call: c, .. } if *c == call => Some(()),
        _ => None,
    })
    .await
    .expect("the session")
    .expect("the browser picks up");
    talk_with(spec, call, peer, channels.packets, reply, recording).await
}

/// The answering engine's call from its answer on: media up, talk, until the browser hangs up.
async fn talk_in_engine(
    spec: &mut LineLink,
    call: u64,
    peer: Call,
    channels: linedesk_call::CallChannels,
    reply: &[f32],
    recording: PathBuf,
) -> SpecialistSide {
    let peer = Arc::new(peer);
    spec.attach(call, &peer, channels.signals);
    talk_with(spec, call, peer, channels.packets, reply, recording).await
}

/// Media up on `peer`, `reply` said with a hold after it, until the browser hangs up; the
/// specialist's statistics sent.
async fn talk_with(
    spec: &mut LineLink,
    call: u64,
    peer: Arc<Call>,
    packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    reply: &[f32],
    recording: PathBuf,
) -> SpecialistSide {
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(30),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
    let path = peer.media_path().await;
    let io = SharedIo::new(reply);
    let session = CallSession::start(
        peer.clone(),
        packets,
        Box::new(io.clone()),
        SessionConfig::new(Side::Specialist, recording.clone()),
    )
    .expect("the specialist's engine");
    let started_ms =
        epoch_ms(SystemTime::now()) - session.started().elapsed().as_secs_f64() * 1000.0;
    // Once the reply is said, the specialist holds the call for a moment: the page is told.
    let holder = peer.clone();
    let said_for = Duration::from_secs_f64(reply.len() as f64 / 48_000.0);
    tokio::spawn(async move {
        tokio::time::sleep(said_for + Duration::from_millis(300)).await;
        holder.hold(true).expect("held");
        tokio::time::sleep(Duration::from_millis(600)).await;
        holder.hold(false).expect("resumed");
    });
    let reason = spec
        .event_within(Some(Duration::from_secs(40)), |e| match e {
            Event::CallEnded {
                call: c, reason, ..
            } if *c == call => Some(*reason),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the browser hangs up");
    peer.remote_ended(reason).await;
    let report = session.finish().await.expect("the specialist's report");
    spec.submit(Action::CallStats {
        call,
        quality: report.quality(),
    })
    .await
    .expect("the specialist's stats");
    SpecialistSide {
        call,
        heard: io.played(),
        started_ms,
        recording,
        report,
        path,
    }
}

pub fn energy(x: &[f32]) -> f64 {
    x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len().max(1) as f64
}
