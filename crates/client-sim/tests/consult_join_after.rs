//! After a three-way join (issue 14), over the real server with real WebRTC on loopback: the
//! demo specialist (engine-driven as the app drives it, every stage of the microphone path on)
//! answers the simulated client, consults a colleague, joins the three (`JoinConsultation`;
//! the client's session shares its headset with the consultation's through
//! `CallSession::share_headset_with`), then:
//! - the client hangs up: the line keeps the joined consultation, and the specialist and the
//!   colleague go on talking (the consultation's session now drives the shared headset);
//! - or the colleague leaves first (hangs up her consultation): the specialist and the client
//!   talk on in the client's call, which keeps the headset;
//! - or the specialist hands the client over after the join: the colleague's link, which had
//!   the consultation attached, reads the leg's offer (`LineLink::attach` no longer takes the
//!   signal channel) and the client and the colleague talk directly.
//!
//! Speech both ways is checked by normalised cross-correlation with each party's own phrase
//! (espeak-ng), at 2 kHz, at its best cyclic lag in each second of what the listener played.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{available_specialist, demo_server, speech};
use linedesk_audio::MemoryIo;
use linedesk_call::{Call, CallConfig, CallState};
use linedesk_client_sim::{CallOutcome, CallPlan, place_call};
use linedesk_domain::presence::PresenceStatus;
use linedesk_engine::line::LineLink;
use linedesk_engine::{CallSession, SessionConfig, SharedIo, Side};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::DEMO_CLIENT_PASSWORD;
use linedesk_server::storage::Storage;

const RATE: usize = 48_000;
/// The correlation is computed at 2 kHz (means of 24 samples): speech's energy is below 1 kHz.
const STEP: usize = 24;

fn decimated(x: &[f32]) -> Vec<f64> {
    x.chunks_exact(STEP)
        .map(|c| c.iter().map(|s| f64::from(*s)).sum::<f64>() / STEP as f64)
        .collect()
}

/// How much of `heard` from sample `from` (48 kHz) for `seconds` is `phrase` (which the party
/// says over and over): second by second, the best normalised correlation with the phrase at
/// any cyclic lag, averaged.
fn hears(phrase: &[f32], heard: &[f32], from: usize, seconds: usize) -> f64 {
    let p = decimated(phrase);
    let h = decimated(heard);
    let n = p.len();
    let per_second = RATE / STEP;
    let mut total = 0.0;
    for i in 0..seconds {
        let start = from / STEP + i * per_second;
        let Some(w) = h.get(start..start + per_second) else {
            panic!(
                "only {:.1} s heard, {:.1}+{seconds} s wanted",
                heard.len() as f64 / RATE as f64,
                from as f64 / RATE as f64
            );
        };
        let we: f64 = w.iter().map(|s| s * s).sum();
        let mut best = 0.0f64;
        for lag in (0..n).step_by(2) {
            let (mut dot, mut pe) = (0.0, 0.0);
            for (k, s) in w.iter().enumerate() {
                let v = p[(lag + k) % n];
                dot += v * s;
                pe += v * v;
            }
            let norm = (pe * we).sqrt();
            if norm > 0.0 {
                best = best.max(dot / norm);
            }
        }
        total += best;
    }
    total / seconds as f64
}

async fn wait_connected(peer: &Call) {
    let mut states = peer.watch();
    tokio::time::timeout(
        Duration::from_secs(20),
        states.wait_for(|s| *s == CallState::Connected),
    )
    .await
    .expect("the media comes up in time")
    .expect("the call stays");
}

/// Wait until `io`'s speaker played `seconds` more than `mark` samples (the engines' ticks).
async fn played_on(io: &SharedIo, mark: usize, seconds: usize, who: &str) {
    let want = mark + seconds * RATE;
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while io.played().len() < want {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "{who}'s speaker played {} samples, {want} wanted",
        io.played().len()
    );
}

/// The joining specialist's engine as the app runs it: every stage of the microphone path on.
fn app_config(recording: std::path::PathBuf) -> SessionConfig {
    let mut config = SessionConfig::new(Side::Specialist, recording);
    config.processing = linedesk_engine::Stages::ALL;
    config
}

struct Voices {
    client: Vec<f32>,
    specialist: Vec<f32>,
    colleague: Vec<f32>,
}

fn looped(phrase: &[f32], seconds: usize) -> Vec<f32> {
    phrase
        .iter()
        .copied()
        .cycle()
        .take(seconds * RATE)
        .collect()
}

fn voices(dir: &std::path::Path) -> Voices {
    Voices {
        client: speech(
            dir,
            "client",
            "У меня не проводится документ реализации, пишет, что не хватает товара.",
        ),
        specialist: speech(
            dir,
            "specialist",
            "Сейчас уточню у коллеги из бухгалтерии, оставайтесь на линии.",
        ),
        colleague: speech(
            dir,
            "colleague",
            "Добрый день, проверьте остатки на складе на дату документа.",
        ),
    }
}

/// Three talking: the specialist's link, the client's task, the colleague's task (her speaker,
/// and what ended her consultation), the two calls' peers and sessions.
struct Joined {
    first: LineLink,
    call: u64,
    consultation: u64,
    client: tokio::task::JoinHandle<Result<CallOutcome, linedesk_client_sim::SimError>>,
    colleague: tokio::task::JoinHandle<CallEndReason>,
    /// Sent: the colleague hangs up her consultation (she leaves the join first).
    leave: Option<tokio::sync::oneshot::Sender<()>>,
    colleague_io: SharedIo,
    headset: SharedIo,
    client_peer: Arc<Call>,
    client_session: CallSession,
    consult_peer: Arc<Call>,
    consult_session: CallSession,
    _dir: tempfile::TempDir,
    _demo: common::Demo,
}

async fn join_three(v: &Voices, client_talks: Duration) -> Joined {
    let dir = tempfile::tempdir().expect("dir");
    let demo = demo_server().await;
    let colleague = demo
        .storage
        .add_specialist(
            "kolesova",
            &hash_password("kolesova-pass").expect("hash"),
            "Колесова Вера",
        )
        .expect("a colleague");
    demo.storage
        .serve_line(colleague, demo.line, 5, 5)
        .expect("she serves the line");
    let mut first = available_specialist(&demo).await;
    let mut second = LineLink::join(&demo.addr, "kolesova", "kolesova-pass", demo.line)
        .await
        .expect("the colleague signs in");
    second
        .submit(Action::SetPresence {
            status: PresenceStatus::Available,
        })
        .await
        .expect("available");

    let plan = CallPlan::new(looped(&v.client, 90), client_talks);
    let addr = demo.addr.clone();
    let client =
        tokio::spawn(
            async move { place_call(&addr, "client-1", DEMO_CLIENT_PASSWORD, plan).await },
        );

    // The colleague: answers the consultation; if the client is handed over to her, takes
    // the leg on the same headset; talks until her last call ends.
    let colleague_io = SharedIo::new(&looped(&v.colleague, 90));
    let her_io = colleague_io.clone();
    let (leave, mut leaving) = tokio::sync::oneshot::channel::<()>();
    let colleague_side = tokio::spawn(async move {
        let consultation = second
            .event(|e| match e {
                Event::CallConsulting {
                    consultation, to, ..
                } if *to == colleague => Some(*consultation),
                _ => None,
            })
            .await
            .expect("the consultation rings her");
        second
            .submit(Action::AnswerCall { call: consultation })
            .await
            .expect("she answers");
        let SignalPayload::Offer { sdp } = second.signal(consultation).await.expect("a signal")
        else {
            panic!("the consulting specialist's offer comes first");
        };
        let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
            .await
            .expect("answered");
        let peer = Arc::new(peer);
        second.attach(consultation, &peer, channels.signals);
        wait_connected(&peer).await;
        let dir = tempfile::tempdir().expect("dir");
        let session = CallSession::start(
            peer.clone(),
            channels.packets,
            Box::new(her_io.clone()),
            SessionConfig::new(Side::Specialist, dir.path().join("consultation.ogg")),
        )
        .expect("her engine");
        let mut leg = None;
        let ended = tokio::select! {
            Ok(()) = &mut leaving => None,
            ended = second.event_within(Some(Duration::from_secs(120)), |e| match e {
                Event::CallTransferred { leg: l, to, .. } if *to == colleague => {
                    leg = Some(*l);
                    None
                }
                Event::ConsultationEnded {
                    consultation: c,
                    reason,
                    ..
                } if *c == consultation => Some(*reason),
                _ => None,
            }) => Some(ended.expect("the session").expect("the consultation ends")),
        };
        let Some(reason) = ended else {
            // She leaves the join: hangs up her consultation.
            let reason = CallEndReason::HungUp;
            peer.hang_up().await;
            second
                .submit(Action::HangUp {
                    call: consultation,
                    reason,
                })
                .await
                .expect("she hangs up");
            session.finish().await.expect("her report");
            return reason;
        };
        peer.remote_ended(reason).await;
        session.finish().await.expect("her report");
        if reason != CallEndReason::Transferred {
            return reason;
        }
        // Handed over: the leg's events follow the consultation's end.
        let leg = match leg {
            Some(leg) => leg,
            None => second
                .event(|e| match e {
                    Event::CallTransferred { leg, to, .. } if *to == colleague => Some(*leg),
                    _ => None,
                })
                .await
                .expect("the leg is hers"),
        };
        let SignalPayload::Offer { sdp } = second.signal(leg).await.expect("the leg's offer")
        else {
            panic!("the client offers on the leg");
        };
        let (peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
            .await
            .expect("answered");
        let peer = Arc::new(peer);
        second.attach(leg, &peer, channels.signals);
        wait_connected(&peer).await;
        let session = CallSession::start(
            peer.clone(),
            channels.packets,
            Box::new(her_io),
            SessionConfig::new(Side::Specialist, dir.path().join("leg.ogg")),
        )
        .expect("her engine on the leg");
        let reason = second
            .event_within(Some(Duration::from_secs(120)), |e| match e {
                Event::CallEnded { call, reason, .. } if *call == leg => Some(*reason),
                _ => None,
            })
            .await
            .expect("the session")
            .expect("the leg ends");
        peer.remote_ended(reason).await;
        session.finish().await.expect("her leg's report");
        CallEndReason::Transferred
    });

    // The specialist answers the client on the real headset.
    let call = first
        .event(|e| match e {
            Event::CallRinging {
                call,
                from: Role::Client,
                ..
            } => Some(*call),
            _ => None,
        })
        .await
        .expect("the client's call rings");
    first
        .submit(Action::AnswerCall { call })
        .await
        .expect("picked up");
    let SignalPayload::Offer { sdp } = first.signal(call).await.expect("a signal") else {
        panic!("the client's offer comes first");
    };
    let (client_peer, channels) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answered");
    let client_peer = Arc::new(client_peer);
    first.attach(call, &client_peer, channels.signals);
    wait_connected(&client_peer).await;
    let headset = SharedIo::new(&looped(&v.specialist, 90));
    let client_session = CallSession::start(
        client_peer.clone(),
        channels.packets,
        Box::new(headset.clone()),
        app_config(dir.path().join("client-call.ogg")),
    )
    .expect("the client's call's engine");

    // The consultation, on no headset of its own until the join.
    first
        .submit(Action::ConsultCall {
            call,
            to: colleague,
        })
        .await
        .expect("the consultation rings the colleague");
    let consultation = first
        .event_within(Some(Duration::from_secs(20)), |e| match e {
            Event::ConsultationConnected {
                consultation,
                call: c,
                ..
            } if *c == call => Some(*consultation),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("she answers");
    let (consult_peer, channels) = Call::offer(CallConfig::loopback())
        .await
        .expect("the consultation's offer");
    let consult_peer = Arc::new(consult_peer);
    first.attach(consultation, &consult_peer, channels.signals);
    wait_connected(&consult_peer).await;
    let consult_session = CallSession::start(
        consult_peer.clone(),
        channels.packets,
        Box::new(MemoryIo::default()),
        app_config(dir.path().join("consultation.ogg")),
    )
    .expect("the consultation's engine");
    first
        .submit(Action::JoinConsultation { consultation })
        .await
        .expect("the line joins the three");
    client_session.share_headset_with(&consult_session);
    Joined {
        first,
        call,
        consultation,
        client,
        colleague: colleague_side,
        leave: Some(leave),
        colleague_io,
        headset,
        client_peer,
        client_session,
        consult_peer,
        consult_session,
        _dir: dir,
        _demo: demo,
    }
}

/// One's own voice at its best lag is what unrelated speech scores (measured 0.18-0.23); the
/// other's voice scored 0.48-0.88 (the colleague's phrase, with its pauses, the lowest).
fn assert_hears(who: &str, other: f64, own: f64) {
    println!("{who}: the other {other:.2}, own {own:.2}");
    assert!(
        other >= 0.35 && other > own + 0.12,
        "{who} hears the other: {other:.2} (own voice {own:.2})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_join_the_client_hangs_up_and_the_two_specialists_talk_on() {
    let _turn = common::one_call_at_a_time().await;
    let dir = tempfile::tempdir().expect("dir");
    let v = voices(dir.path());
    let mut j = join_three(&v, Duration::from_secs(20)).await;

    let outcome = j
        .client
        .await
        .expect("the client's task")
        .expect("the client's call");
    assert!(
        outcome.transfers.is_empty(),
        "the client hung up on the join"
    );
    j.client_peer.remote_ended(CallEndReason::HungUp).await;
    j.client_session
        .finish()
        .await
        .expect("the client call's report");
    // The line keeps the joined consultation: no end of it came with the client's.
    assert_eq!(j.consult_peer.state(), CallState::Connected);

    let mark = j.headset.played().len();
    let her_mark = j.colleague_io.played().len();
    played_on(&j.headset, mark, 6, "the specialist").await;
    played_on(&j.colleague_io, her_mark, 6, "the colleague").await;
    let heard = j.headset.played();
    let her = j.colleague_io.played();
    let from = mark + 2 * RATE;
    let her_from = her_mark + 2 * RATE;
    assert_hears(
        "the specialist",
        hears(&v.colleague, &heard, from, 4),
        hears(&v.specialist, &heard, from, 4),
    );
    assert_hears(
        "the colleague",
        hears(&v.specialist, &her, her_from, 4),
        hears(&v.colleague, &her, her_from, 4),
    );

    j.first
        .submit(Action::HangUp {
            call: j.consultation,
            reason: CallEndReason::HungUp,
        })
        .await
        .expect("the specialist ends the talk");
    j.consult_peer.remote_ended(CallEndReason::HungUp).await;
    j.consult_session.finish().await.expect("its report");
    assert_eq!(j.colleague.await.expect("her task"), CallEndReason::HungUp);
    let _ = j.call;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_join_the_specialist_hands_over_and_the_client_talks_with_the_colleague() {
    let _turn = common::one_call_at_a_time().await;
    let dir = tempfile::tempdir().expect("dir");
    let v = voices(dir.path());
    let mut j = join_three(&v, Duration::from_secs(45)).await;

    // Three talk for 2 s, then the specialist leaves the conference.
    let mark = j.headset.played().len();
    played_on(&j.headset, mark, 2, "the specialist").await;
    j.first
        .submit(Action::HandOverCall {
            consultation: j.consultation,
            reason: "к Вере".into(),
        })
        .await
        .expect("handed over after the join");
    j.consult_peer
        .remote_ended(CallEndReason::Transferred)
        .await;
    j.client_peer.remote_ended(CallEndReason::Transferred).await;
    j.consult_session.finish().await.expect("its report");
    j.client_session.finish().await.expect("its report");
    let handed_at = std::time::Instant::now();

    // The colleague's leg: she hears the client directly.
    let her_mark = j.colleague_io.played().len();
    played_on(&j.colleague_io, her_mark, 8, "the colleague").await;
    let her = j.colleague_io.played();
    let her_from = her.len() - 4 * RATE;
    assert_hears(
        "the colleague",
        hears(&v.client, &her, her_from, 4),
        hears(&v.colleague, &her, her_from, 4),
    );

    let outcome = j
        .client
        .await
        .expect("the client's task")
        .expect("the client's call");
    let on_leg = handed_at.elapsed();
    assert_eq!(
        outcome.transfers.len(),
        1,
        "one leg: {:?}",
        outcome.transfers
    );
    assert!(
        on_leg >= Duration::from_secs(6),
        "the client talked on the leg long enough to judge: {on_leg:?}"
    );
    // The client's last seconds (less the last half second) are the leg with the colleague.
    let heard = &outcome.heard;
    let from = heard.len() - RATE / 2 - 4 * RATE;
    assert_hears(
        "the client",
        hears(&v.colleague, heard, from, 4),
        hears(&v.client, heard, from, 4),
    );
    assert!(
        hears(&v.specialist, heard, from, 4) < 0.35,
        "the specialist left the client"
    );
    assert_eq!(
        j.colleague.await.expect("her task"),
        CallEndReason::Transferred
    );
    let _ = j.call;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_join_the_colleague_leaves_and_the_specialist_and_the_client_talk_on() {
    let _turn = common::one_call_at_a_time().await;
    let dir = tempfile::tempdir().expect("dir");
    let v = voices(dir.path());
    let mut j = join_three(&v, Duration::from_secs(40)).await;

    // Three talk for 2 s, then the colleague hangs up.
    let mark = j.headset.played().len();
    played_on(&j.headset, mark, 2, "the specialist").await;
    let _ = j.leave.take().expect("not left yet").send(());
    assert_eq!(j.colleague.await.expect("her task"), CallEndReason::HungUp);
    let reason = j
        .first
        .event_within(Some(Duration::from_secs(20)), |e| match e {
            Event::ConsultationEnded {
                consultation,
                reason,
                ..
            } if *consultation == j.consultation => Some(*reason),
            _ => None,
        })
        .await
        .expect("the session")
        .expect("the line ends the consultation");
    assert_eq!(reason, CallEndReason::HungUp);
    // The specialist's side as the app does it: the consultation's session ends, the client's
    // keeps the headset.
    j.consult_peer.remote_ended(reason).await;
    j.consult_session.finish().await.expect("its report");
    let left_at = std::time::Instant::now();
    assert_eq!(
        j.client_peer.state(),
        CallState::Connected,
        "the client's call goes on"
    );

    // The specialist hears the client.
    let mark = j.headset.played().len();
    played_on(&j.headset, mark, 6, "the specialist").await;
    let heard = j.headset.played();
    let from = mark + 2 * RATE;
    assert_hears(
        "the specialist",
        hears(&v.client, &heard, from, 4),
        hears(&v.specialist, &heard, from, 4),
    );

    // The client hears the specialist to the end of the call, and no longer the colleague.
    let outcome = j
        .client
        .await
        .expect("the client's task")
        .expect("the client's call");
    let after = left_at.elapsed();
    assert!(
        after >= Duration::from_secs(6),
        "the client talked on after the colleague left long enough to judge: {after:?}"
    );
    assert!(outcome.transfers.is_empty(), "no transfer");
    let heard = &outcome.heard;
    let from = heard.len() - RATE / 2 - 4 * RATE;
    assert_hears(
        "the client",
        hears(&v.specialist, heard, from, 4),
        hears(&v.client, heard, from, 4),
    );
    assert!(
        hears(&v.colleague, heard, from, 4) < 0.35,
        "the colleague left the client"
    );
    j.client_peer.remote_ended(CallEndReason::HungUp).await;
    j.client_session
        .finish()
        .await
        .expect("the client call's report");
    let _ = j.call;
}
