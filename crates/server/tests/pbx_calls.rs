//! Issue 18 over real sockets: a call through the company's PBX is kept on the client's
//! appeal (`LogPbxCall`, A1) and its recording uploaded over HTTP as a line call's: the
//! specialist's app finds the call's id by its key in `PbxCallLogged`, the recording attaches
//! to the appeal (`CallRecorded`), and the line's specialists and the client hear it. The
//! client's session is not told of the PBX call itself (the line's work on them).

mod common;

use std::net::SocketAddr;

use common::{ack, events, next_event, raw_http, refused, subscribed, world};
use linedesk_protocol::{Action, ErrorCode, Event, MAX_PBX_CALL_MS};
use linedesk_voice::recording::Recorder;

/// A real recording of `frames` × 20 ms: a tone on the specialist's side.
fn ogg(frames: usize) -> Vec<u8> {
    let mut recorder = Recorder::new(Vec::new()).expect("recorder");
    for k in 0..frames {
        let tone: Vec<f32> = (0..960)
            .map(|i| 0.3 * ((k * 960 + i) as f32 * 0.05).sin())
            .collect();
        recorder.write(Some(&tone), None).expect("write");
    }
    recorder.finish().expect("finish")
}

async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let (status, _, body) =
        raw_http(addr, method, path, Some(token), Some("audio/ogg"), body).await;
    (status, body)
}

#[tokio::test]
async fn a_pbx_call_and_its_recording_land_on_the_clients_appeal() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let log = Action::LogPbxCall {
        line: w.line_a,
        client: w.client_a,
        inbound: false,
        connected_ms: 3_000,
    };
    ack(&mut anna, "pbx-call-1", log).await;
    // The specialist's app finds its call by the action's key; colleagues see it too.
    let (call, appeal) = next_event(&mut anna, |e| match e {
        Event::PbxCallLogged {
            call,
            appeal,
            key: Some(key),
            ..
        } if key == "pbx-call-1" => Some((*call, *appeal)),
        _ => None,
    })
    .await;
    next_event(&mut vera, |e| {
        matches!(e, Event::PbxCallLogged { call: c, .. } if *c == call).then_some(())
    })
    .await;
    let line_log = events(&mut anna, w.line_a, 0).await;
    assert!(
        line_log.iter().any(|e| matches!(
            e,
            Event::AppealOpened { appeal: a, client, .. } if *a == appeal && *client == w.client_a
        )),
        "A1: the call opened the client's appeal: {line_log:?}"
    );

    let path = format!("/api/calls/{call}/recording");
    let anna_t = common::token(w.addr, "anna", "anna-pass").await;
    let vera_t = common::token(w.addr, "vera", "vera-pass").await;
    let ivanova_t = common::token(w.addr, "ivanova", "ivanova-pass").await;
    let file = ogg(150);
    assert_eq!(
        request(w.addr, "POST", &path, &vera_t, &file).await.0,
        403,
        "only the call's specialist uploads"
    );
    let (status, body) = request(w.addr, "POST", &path, &anna_t, &file).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let recorded = next_event(&mut vera, |e| match e {
        Event::CallRecorded {
            call: c,
            appeal,
            duration_ms,
            ..
        } if *c == call => Some((*appeal, *duration_ms)),
        _ => None,
    })
    .await;
    assert_eq!(recorded, (appeal, 3_000), "on the client's appeal");
    for (who, t) in [("vera", &vera_t), ("ivanova", &ivanova_t)] {
        let (status, got) = request(w.addr, "GET", &path, t, b"").await;
        assert_eq!((who, status), (who, 200));
        assert!(got == file, "{who} got other bytes");
    }

    // The client's own session: the recording, not the PBX call's record.
    let mut ivanova = common::Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let theirs = events(&mut ivanova, w.line_a, 0).await;
    assert!(
        theirs
            .iter()
            .any(|e| matches!(e, Event::CallRecorded { call: c, .. } if *c == call)),
        "{theirs:?}"
    );
    assert!(
        !theirs
            .iter()
            .any(|e| matches!(e, Event::PbxCallLogged { .. })),
        "{theirs:?}"
    );

    // Refused with typed codes: a client, a day and more.
    let by_client = Action::LogPbxCall {
        line: w.line_a,
        client: w.client_a,
        inbound: true,
        connected_ms: 1_000,
    };
    assert_eq!(
        refused(&mut ivanova, "pbx-by-client", by_client).await,
        ErrorCode::Forbidden
    );
    let too_long = Action::LogPbxCall {
        line: w.line_a,
        client: w.client_a,
        inbound: true,
        connected_ms: MAX_PBX_CALL_MS + 1,
    };
    assert_eq!(
        refused(&mut anna, "pbx-too-long", too_long).await,
        ErrorCode::Invalid
    );
}
