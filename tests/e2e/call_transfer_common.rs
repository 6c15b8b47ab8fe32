//! What the call transfer scenarios through the real app share: the tones each party says,
//! reading who hears whom off the spectrum, the embedded server's database prepared with a
//! colleague's password, and the call panel's state.

#![allow(dead_code)]

use linedesk_e2e::{App, by_testid};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};

pub const RATE: f32 = 48_000.0;
pub const CLIENT_HZ: f32 = 700.0;
pub const COLLEAGUE_HZ: f32 = 440.0;
pub const COLLEAGUE: &str = "orlova";
pub const COLLEAGUE_PASSWORD: &str = "orlova-pass";

pub fn tone(hz: f32, seconds: f32) -> Vec<f32> {
    (0..(seconds * RATE) as usize)
        .map(|i| 0.3 * (2.0 * std::f32::consts::PI * hz * i as f32 / RATE).sin())
        .collect()
}

/// Power at `hz` (Goertzel) as a share of the signal's power: about 1 for that pure tone.
pub fn share_at(samples: &[f32], hz: f32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f64::from(hz) / f64::from(RATE);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2, mut energy) = (0.0f64, 0.0f64, 0.0f64);
    for &x in samples {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if samples.is_empty() || energy <= 1e-9 {
        return 0.0;
    }
    2.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f64 * energy)
}

/// The embedded server's database made before the app starts (the app seeds an empty one and
/// only renews its own specialist's password in a seeded one), with a password the test knows
/// for the demo colleague Orlova.
pub fn prepare_server(data: &std::path::Path) {
    let dir = data.join("server");
    std::fs::create_dir_all(&dir).expect("server dir");
    let storage = SqliteStorage::open(&dir.join("server.db")).expect("storage");
    let hash = |p: &str| {
        linedesk_server::auth::hash_password(p).map_err(|e| StorageError::Invalid(e.to_string()))
    };
    let now = linedesk_server::app::now_ms();
    let specialist = hash("unused").expect("hash");
    linedesk_server::demo::seed_if_empty(&storage, now, &specialist, &hash)
        .expect("seed")
        .expect("a new database");
    storage
        .set_password(COLLEAGUE, &hash(COLLEAGUE_PASSWORD).expect("hash"))
        .expect("Orlova's password");
}

pub fn colleague_id(data: &std::path::Path) -> u64 {
    let storage =
        SqliteStorage::open(&data.join("server").join("server.db")).expect("the server's db");
    storage
        .account_by_login(COLLEAGUE)
        .expect("read")
        .expect("Orlova")
        .subject
        .id
}

pub async fn panel_state(app: &App, want: &str, what: &str) {
    app.wait_attr(&by_testid("call-panel"), "data-state", what, |s| s == want)
        .await;
}

/// Open the call panel's Transfer dialog and pick `colleague` once the line's rule lets them
/// receive the call (the candidates are read when the dialog opens: it is reopened until
/// their presence reached the app).
pub async fn pick_colleague(app: &App, colleague: u64) {
    app.testid("call-transfer")
        .await
        .click()
        .await
        .expect("transfer");
    app.testid("transfer-dialog").await;
    let pick = format!(
        "{}[data-id=\"{colleague}\"]",
        by_testid("transfer-colleague")
    );
    let deadline = std::time::Instant::now() + linedesk_e2e::UI_TIMEOUT;
    loop {
        let enabled = match app.client.find(fantoccini::Locator::Css(&pick)).await {
            Ok(radio) => radio.attr("disabled").await.ok().flatten().is_none(),
            Err(_) => false,
        };
        if enabled {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the colleague is never offered"
        );
        app.testid("transfer-close")
            .await
            .click()
            .await
            .expect("close");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.testid("call-transfer")
            .await
            .click()
            .await
            .expect("reopen");
    }
    app.wait(&pick)
        .await
        .click()
        .await
        .expect("pick the colleague");
}

/// The colleague's engine on `peer`, saying her tone, once its media is up.
pub async fn talk(
    peer: &std::sync::Arc<linedesk_call::Call>,
    packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    dir: &std::path::Path,
    name: &str,
) -> (linedesk_engine::CallSession, linedesk_engine::SharedIo) {
    talk_at(peer, packets, dir, name, COLLEAGUE_HZ).await
}

/// The colleague's engine on `peer`, saying a tone of `hz`, once its media is up.
pub async fn talk_at(
    peer: &std::sync::Arc<linedesk_call::Call>,
    packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    dir: &std::path::Path,
    name: &str,
    hz: f32,
) -> (linedesk_engine::CallSession, linedesk_engine::SharedIo) {
    let io = linedesk_engine::SharedIo::new(&tone(hz, 120.0));
    let session = talk_on(peer, packets, dir, name, io.clone()).await;
    (session, io)
}

/// The colleague's engine on `peer` and on headset `io`, once its media is up.
pub async fn talk_on(
    peer: &std::sync::Arc<linedesk_call::Call>,
    packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
    dir: &std::path::Path,
    name: &str,
    io: linedesk_engine::SharedIo,
) -> linedesk_engine::CallSession {
    let mut states = peer.watch();
    tokio::time::timeout(
        std::time::Duration::from_secs(15),
        states.wait_for(|s| *s == linedesk_call::CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
    linedesk_engine::CallSession::start(
        peer.clone(),
        packets,
        Box::new(io),
        linedesk_engine::SessionConfig::new(linedesk_engine::Side::Specialist, dir.join(name)),
    )
    .expect("her engine")
}

/// A consultation after `after` rings her: she picks up, takes the app's offer and talks until
/// it ends; how it ended.
pub async fn consulted(
    link: &mut linedesk_engine::line::LineLink,
    me: u64,
    after: u64,
    dir: &std::path::Path,
) -> (u64, linedesk_protocol::CallEndReason) {
    let io = linedesk_engine::SharedIo::new(&tone(COLLEAGUE_HZ, 120.0));
    consulted_on(link, me, after, dir, io).await
}

/// [`consulted`] on headset `io` (what her speaker plays can be read from a clone of it while
/// she talks).
pub async fn consulted_on(
    link: &mut linedesk_engine::line::LineLink,
    me: u64,
    after: u64,
    dir: &std::path::Path,
    io: linedesk_engine::SharedIo,
) -> (u64, linedesk_protocol::CallEndReason) {
    // The app's specialist picks her in the dialog first (reopened until her presence reached
    // the app): on a loaded machine that may take longer than the link's wait for one frame.
    let consultation = link
        .event_within(Some(std::time::Duration::from_secs(120)), |e| match e {
            linedesk_protocol::Event::CallConsulting {
                consultation, to, ..
            } if *to == me && *consultation > after => Some(*consultation),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the consultation rings her within 2 minutes");
    link.submit(linedesk_protocol::Action::AnswerCall { call: consultation })
        .await
        .expect("she picks up");
    let linedesk_protocol::SignalPayload::Offer { sdp } =
        link.signal(consultation).await.expect("a signal")
    else {
        panic!("the consulting app offers first");
    };
    let (peer, channels) = linedesk_call::Call::answer(linedesk_call::CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let peer = std::sync::Arc::new(peer);
    link.attach(consultation, &peer, channels.signals);
    let session = talk_on(&peer, channels.packets, dir, "consultation.ogg", io).await;
    let reason = link
        .event_within(Some(std::time::Duration::from_secs(90)), |e| match e {
            linedesk_protocol::Event::ConsultationEnded {
                consultation: c,
                reason,
                ..
            } if *c == consultation => Some(*reason),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the consultation ends");
    peer.remote_ended(reason).await;
    session.finish().await.expect("her report");
    (consultation, reason)
}

/// How many whole seconds of `heard` are mostly the tone of `hz` (over half their power at
/// it), and the most power at `own_hz` (the listener's own tone) in any of those seconds.
pub fn seconds_of(heard: &[f32], hz: f32, own_hz: f32) -> (usize, f64) {
    let second = RATE as usize;
    heard
        .chunks_exact(second)
        .filter(|w| share_at(w, hz) > 0.5)
        .fold((0, 0.0), |(n, own), w| {
            (n + 1, own.max(share_at(w, own_hz)))
        })
}

/// Wait until `io`'s speaker has played `seconds` whole seconds mostly of the tone of `hz`
/// (read as it plays; at most 90 s), with `own_hz` the listener's own tone for the message.
pub async fn wait_heard(
    io: &linedesk_engine::SharedIo,
    hz: f32,
    own_hz: f32,
    seconds: usize,
    what: &str,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let (heard, own) = seconds_of(&io.played(), hz, own_hz);
        if heard >= seconds {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: {heard} s of the {hz} Hz tone heard in 90 s, {seconds} s wanted (own tone \
             at most {own:.2} in those); {:.1} s played",
            io.played().len() as f32 / RATE
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
