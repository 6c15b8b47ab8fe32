//! A call end to end: a real line server on 127.0.0.1 relays the signalling between real
//! WebSocket sessions, two real WebRTC peers in this process carry the audio.

#[path = "common/media.rs"]
mod media;
#[path = "common/signalling.rs"]
mod signalling;

use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_call::{Call, CallConfig, CallState, EndReason, Sent};
use linedesk_protocol::{
    Action, CallEndReason, ClientFrame, ErrorCode, Event, Role, ServerFrame, SignalPayload,
};
use media::{collect, drain, no_loss, percentiles, send};
use signalling::{Party, WAIT, world};

async fn wait_for(call: &Call, want: CallState) {
    let mut states = call.watch();
    tokio::time::timeout(WAIT, states.wait_for(|s| *s == want))
        .await
        .unwrap_or_else(|_| panic!("never {want:?}, still {:?}", call.state()))
        .expect("watch");
}

/// 5 s of audio: 250 packets of 20 ms.
const PACKETS: u64 = 250;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_specialist_calls_a_client_audio_flows_both_ways_hold_mute_and_hang_up() {
    let w = world().await;
    let mut anna = Party::join(w.addr, "anna", "anna-pass", w.line).await;
    let mut ivanova = Party::join(w.addr, "ivanova", "ivanova-pass", w.line).await;
    let mut sidorov = Party::join(w.addr, "sidorov", "sidorov-pass", w.line).await;

    // Anna places the call and offers while it rings.
    let key = anna
        .ack(Action::PlaceCall {
            line: w.line,
            client: Some(w.client),
        })
        .await;
    let call = anna
        .event(|e| match e {
            Event::CallRinging { call, key: k, .. } if k.as_deref() == Some(&key) => Some(*call),
            _ => None,
        })
        .await;
    let (caller, caller_io) = Call::offer(CallConfig::loopback()).await.expect("offer");
    let caller = Arc::new(caller);
    anna.attach(call, &caller, caller_io.signals);
    let mut to_anna = caller_io.packets;

    // Ivanova's app rings; she picks up and answers the offer it was relayed.
    let ringing = ivanova
        .event(|e| match e {
            Event::CallRinging {
                call: c,
                specialist,
                from,
                ..
            } if *c == call => Some((*specialist, *from)),
            _ => None,
        })
        .await;
    assert_eq!(ringing, (Some(w.anna), Role::Specialist));
    let SignalPayload::Offer { sdp } = ivanova.signal(call).await else {
        panic!("the offer comes first");
    };
    let picked_up = Instant::now();
    ivanova.ack(Action::AnswerCall { call }).await;
    let (callee, callee_io) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answer");
    let callee = Arc::new(callee);
    ivanova.attach(call, &callee, callee_io.signals);
    let mut to_ivanova = callee_io.packets;
    wait_for(&caller, CallState::Connected).await;
    wait_for(&callee, CallState::Connected).await;
    let setup = picked_up.elapsed();

    // 5 s both ways, while a third party sends garbage: no loss, nobody disturbed.
    let third_party = async {
        sidorov.send(ClientFrame::Signal {
            call,
            payload: SignalPayload::Hold { on: true },
        });
        let forbidden = sidorov.frame().await;
        sidorov.send(ClientFrame::Signal {
            call: call + 1000,
            payload: SignalPayload::Hold { on: true },
        });
        let unknown = sidorov.frame().await;
        (forbidden, unknown)
    };
    let quiet = Duration::from_millis(500);
    let (to_callee, to_caller, (forbidden, unknown), at_ivanova, at_anna) = tokio::join!(
        send(&caller, 0, PACKETS),
        send(&callee, 10_000, PACKETS),
        third_party,
        collect(&mut to_ivanova, PACKETS, quiet),
        collect(&mut to_anna, PACKETS, quiet),
    );
    assert_eq!((to_callee, to_caller), (PACKETS, PACKETS));
    assert!(
        matches!(
            forbidden,
            ServerFrame::Error {
                code: ErrorCode::Forbidden,
                ..
            }
        ),
        "{forbidden:?}"
    );
    assert!(
        matches!(
            unknown,
            ServerFrame::Error {
                code: ErrorCode::Invalid,
                ..
            }
        ),
        "{unknown:?}"
    );
    let mut delays = no_loss(&at_ivanova, 0, PACKETS);
    delays.extend(no_loss(&at_anna, 10_000, PACKETS));
    assert_eq!(caller.receive_overflow() + callee.receive_overflow(), 0);
    let (p50, p99) = percentiles(delays);
    println!(
        "call set-up (pick-up to connected): {setup:?}; one-way delay over loopback, {} packets: p50 {p50:?}, p99 {p99:?}",
        2 * PACKETS
    );
    assert!(p99 < Duration::from_millis(100), "p99 {p99:?}");
    assert_eq!(caller.state(), CallState::Connected);

    // The client holds: both sides go silent and Anna's side shows it; then resumes.
    callee.hold(true).expect("hold");
    let held = CallState::OnHold {
        local: false,
        remote: true,
    };
    wait_for(&caller, held).await;
    assert_eq!(
        caller
            .send_packet(media::payload(0), 0)
            .await
            .expect("send"),
        Sent::OnHold
    );
    assert_eq!(
        callee
            .send_packet(media::payload(0), 0)
            .await
            .expect("send"),
        Sent::OnHold
    );
    callee.hold(false).expect("resume");
    wait_for(&caller, CallState::Connected).await;

    // Anna mutes: she sends nothing, the connection stays, Ivanova is still heard.
    caller.set_muted(true);
    let (muted, heard) = tokio::join!(send(&caller, 500, 10), send(&callee, 20_000, 10));
    assert_eq!((muted, heard), (0, 10));
    no_loss(&drain(&mut to_anna, quiet).await, 20_000, 10);
    assert!(
        drain(&mut to_ivanova, Duration::from_millis(100))
            .await
            .is_empty()
    );
    caller.set_muted(false);
    assert_eq!(send(&caller, 600, 10).await, 10);
    no_loss(&drain(&mut to_ivanova, quiet).await, 600, 10);

    // Anna hangs up; Ivanova learns it from the line with the reason.
    caller.hang_up().await;
    anna.ack(Action::HangUp {
        call,
        reason: CallEndReason::HungUp,
    })
    .await;
    let (by, reason) = ivanova
        .event(|e| match e {
            Event::CallEnded {
                call: c,
                by,
                reason,
                ..
            } if *c == call => Some((*by, *reason)),
            _ => None,
        })
        .await;
    assert_eq!(by, Role::Specialist);
    callee.remote_ended(reason).await;
    assert_eq!(
        callee.state(),
        CallState::Ended(EndReason::RemoteHungUp(Some(CallEndReason::HungUp)))
    );

    // The line's log has the appeal the call opened and the call's states, and no SDP.
    let mut reader = Party::join(w.addr, "anna", "anna-pass", w.line).await;
    reader.send(ClientFrame::Subscribe {
        line: w.line,
        after: 0,
    });
    let mut log = Vec::new();
    loop {
        match reader.frame().await {
            ServerFrame::Event { event, .. } => log.push(event),
            ServerFrame::CaughtUp { .. } => break,
            other => panic!("{other:?}"),
        }
    }
    let opened = log
        .iter()
        .position(|e| matches!(e, Event::AppealOpened { client, .. } if *client == w.client));
    let call_states: Vec<&Event> = log
        .iter()
        .filter(|e| {
            matches!(e,
                Event::CallRinging { call: c, .. }
                | Event::CallConnected { call: c, .. }
                | Event::CallEnded { call: c, .. } if *c == call)
        })
        .collect();
    assert!(opened.is_some(), "{log:#?}");
    assert!(
        matches!(
            call_states.as_slice(),
            [
                Event::CallRinging { .. },
                Event::CallConnected { .. },
                Event::CallEnded {
                    reason: CallEndReason::HungUp,
                    connected_ms: Some(_),
                    ..
                }
            ]
        ),
        "{call_states:#?}"
    );
    let text = serde_json::to_string(&log).expect("json");
    assert!(!text.contains("v=0") && !text.contains("candidate:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_call_rings_the_specialist_who_answers() {
    let w = world().await;
    let mut anna = Party::join(w.addr, "anna", "anna-pass", w.line).await;
    let mut ivanova = Party::join(w.addr, "ivanova", "ivanova-pass", w.line).await;
    anna.ack(Action::SetPresence {
        status: linedesk_domain::presence::PresenceStatus::Available,
    })
    .await;
    ivanova
        .ack(Action::PlaceCall {
            line: w.line,
            client: None,
        })
        .await;
    let call = anna
        .event(|e| match e {
            Event::CallRinging {
                call,
                specialist: Some(s),
                from: Role::Client,
                ..
            } if *s == w.anna => Some(*call),
            _ => None,
        })
        .await;
    anna.ack(Action::AnswerCall { call }).await;
    ivanova
        .event(|e| matches!(e, Event::CallConnected { call: c, .. } if *c == call).then_some(()))
        .await;
    // The client's app offers once the call is answered.
    let (caller, caller_io) = Call::offer(CallConfig::loopback()).await.expect("offer");
    let caller = Arc::new(caller);
    ivanova.attach(call, &caller, caller_io.signals);
    let SignalPayload::Offer { sdp } = anna.signal(call).await else {
        panic!("the offer comes first");
    };
    let (callee, callee_io) = Call::answer(CallConfig::loopback(), &sdp)
        .await
        .expect("answer");
    let callee = Arc::new(callee);
    anna.attach(call, &callee, callee_io.signals);
    let mut to_anna = callee_io.packets;
    wait_for(&callee, CallState::Connected).await;
    wait_for(&caller, CallState::Connected).await;
    assert_eq!(send(&caller, 0, 25).await, 25);
    no_loss(
        &drain(&mut to_anna, Duration::from_millis(500)).await,
        0,
        25,
    );
    caller.hang_up().await;
    ivanova
        .ack(Action::HangUp {
            call,
            reason: CallEndReason::HungUp,
        })
        .await;
    let (by, reason) = anna
        .event(|e| match e {
            Event::CallEnded { by, reason, .. } => Some((*by, *reason)),
            _ => None,
        })
        .await;
    assert_eq!((by, reason), (Role::Client, CallEndReason::HungUp));
    callee.remote_ended(reason).await;
    assert!(callee.state().is_over());
}
