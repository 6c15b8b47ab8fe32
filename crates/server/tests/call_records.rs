//! What a call leaves behind (V1), over real sockets: each party's statistics once, stored
//! with the call and in the line's log; the specialist's recording uploaded over HTTP,
//! attached to the appeal, idempotent, and downloadable by the call's client and the line's
//! specialists only.

mod common;

use std::net::SocketAddr;

use common::{Client, World, ack, events, raw_http, refused, submit, subscribed, world};
use linedesk_protocol::{Action, CallQuality, ErrorCode, Event, RecordingGap, Role, ServerFrame};
use linedesk_voice::recording::Recorder;

fn quality(mos_centi: u16) -> CallQuality {
    CallQuality {
        duration_ms: 3000,
        packets_sent: 150,
        packets_received: 148,
        loss_permille: 13,
        late_permille: 0,
        jitter_ms: 2,
        buffer_ms: 40,
        rtt_ms: Some(1),
        mos_centi,
        // How the other side received this party's audio (its RTCP reports): kept too.
        far_loss_permille: Some(25),
        far_jitter_ms: Some(3),
    }
}

/// An upload or a download, sent as Ogg: (status, body bytes).
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let (status, _, body) = raw_http(addr, method, path, token, Some("audio/ogg"), body).await;
    (status, body)
}

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

/// Anna calls Ivanova, who answers: the call id and its appeal.
async fn connected_call(anna: &mut Client, ivanova: &mut Client, w: &World) -> (u64, u64) {
    let place = Action::PlaceCall {
        line: w.line_a,
        client: Some(w.client_a),
    };
    ack(anna, "place", place).await;
    let log = events(anna, w.line_a, 0).await;
    let (call, appeal) = log
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::CallRinging { call, appeal, .. } => Some((*call, *appeal)),
            _ => None,
        })
        .expect("ringing");
    ack(ivanova, "answer", Action::AnswerCall { call }).await;
    (call, appeal)
}

#[tokio::test]
async fn each_party_reports_its_call_statistics_once() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let mut sidorov = subscribed(&w, "sidorov", "sidorov-pass").await;
    let place = Action::PlaceCall {
        line: w.line_a,
        client: Some(w.client_a),
    };
    ack(&mut anna, "place", place).await;
    let call = events(&mut anna, w.line_a, 0)
        .await
        .iter()
        .find_map(|e| match e {
            Event::CallRinging { call, .. } => Some(*call),
            _ => None,
        })
        .expect("ringing");
    let stats = |q| Action::CallStats { call, quality: q };
    // Not before it connected, not by a stranger.
    assert_eq!(
        refused(&mut anna, "early", stats(quality(400))).await,
        ErrorCode::Invalid
    );
    ack(&mut ivanova, "answer", Action::AnswerCall { call }).await;
    assert_eq!(
        refused(&mut sidorov, "s", stats(quality(400))).await,
        ErrorCode::Forbidden
    );
    ack(&mut anna, "s1", stats(quality(430))).await;
    ack(&mut ivanova, "s2", stats(quality(410))).await;
    // The same key is a duplicate; a second report under a new key a conflict.
    match submit(&mut anna, "s1", stats(quality(430))).await {
        ServerFrame::Ack {
            duplicate: true, ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        refused(&mut anna, "s3", stats(quality(100))).await,
        ErrorCode::Conflict
    );
    assert_eq!(
        w.storage.call_stats(call).expect("stats"),
        vec![
            (Role::Specialist, quality(430)),
            (Role::Client, quality(410))
        ]
    );
    let log = events(&mut anna, w.line_a, 0).await;
    let from: Vec<Role> = log
        .iter()
        .filter_map(|e| match e {
            Event::CallStats { call: c, from, .. } if *c == call => Some(*from),
            _ => None,
        })
        .collect();
    assert_eq!(from, [Role::Specialist, Role::Client]);
    // The client's session does not see the line's measurements.
    let seen = events(&mut ivanova, w.line_a, 0).await;
    assert!(!seen.iter().any(|e| matches!(e, Event::CallStats { .. })));
}

#[tokio::test]
async fn the_recording_attaches_to_the_appeal_and_only_the_right_people_hear_it() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let (call, appeal) = connected_call(&mut anna, &mut ivanova, &w).await;
    let path = format!("/api/calls/{call}/recording");
    let token = |login: &'static str| {
        let password = format!("{login}-pass");
        async move { common::token(w.addr, login, &password).await }
    };
    let (anna_t, vera_t, boris_t, ivanova_t, sidorov_t) = (
        token("anna").await,
        token("vera").await,
        token("boris").await,
        token("ivanova").await,
        token("sidorov").await,
    );
    let file = ogg(150);

    assert_eq!(
        request(w.addr, "GET", &path, Some(&anna_t), b"").await.0,
        404
    );
    assert_eq!(request(w.addr, "POST", &path, None, &file).await.0, 401);
    for other in [&vera_t, &ivanova_t] {
        assert_eq!(
            request(w.addr, "POST", &path, Some(other), &file).await.0,
            403
        );
    }
    let (status, _) = request(w.addr, "POST", &path, Some(&anna_t), b"not ogg").await;
    assert_eq!(status, 400);
    let (status, _) = request(
        w.addr,
        "POST",
        &path,
        Some(&anna_t),
        &file[..file.len() - 10],
    )
    .await;
    assert_eq!(status, 400, "a cut file is refused");

    let (status, body) = request(w.addr, "POST", &path, Some(&anna_t), &file).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let answer: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(answer["duration_ms"], 3000);
    assert_eq!(answer["duplicate"], false);
    // Again: idempotent, no second event; other bytes: a conflict.
    let (status, body) = request(w.addr, "POST", &path, Some(&anna_t), &file).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).expect("json")["duplicate"],
        true
    );
    assert_eq!(
        request(w.addr, "POST", &path, Some(&anna_t), &ogg(10))
            .await
            .0,
        409
    );
    assert!(
        w.dir
            .path()
            .join(format!("recordings/call-{call}.ogg"))
            .exists()
    );

    // In the line's log once (the client's live session got it too: checked by the log).
    let recorded: Vec<Event> = w
        .storage
        .events_after(w.line_a, 0, 1000)
        .expect("log")
        .into_iter()
        .map(|e| e.event)
        .filter(|e| matches!(e, Event::CallRecorded { .. }))
        .collect();
    assert_eq!(
        recorded,
        [Event::CallRecorded {
            call,
            appeal,
            client: w.client_a,
            bytes: file.len() as u64,
            duration_ms: 3000,
            gaps: Vec::new(),
        }]
    );
    for (who, t) in [
        ("anna", &anna_t),
        ("vera", &vera_t),
        ("ivanova", &ivanova_t),
    ] {
        let (status, body) = request(w.addr, "GET", &path, Some(t), b"").await;
        assert_eq!((who, status), (who, 200));
        assert!(body == file, "{who} got other bytes");
    }
    for (who, t) in [("boris", &boris_t), ("sidorov", &sidorov_t)] {
        assert_eq!(
            (who, request(w.addr, "GET", &path, Some(t), b"").await.0),
            (who, 403)
        );
    }
}

/// The `code` of a refusal's JSON body.
fn code(body: &[u8]) -> Option<String> {
    let answer: serde_json::Value = serde_json::from_slice(body).ok()?;
    answer["code"].as_str().map(str::to_string)
}

#[tokio::test]
async fn a_paused_recording_lists_its_gaps_and_strangers_get_a_typed_refusal() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = subscribed(&w, "ivanova", "ivanova-pass").await;
    let (call, appeal) = connected_call(&mut anna, &mut ivanova, &w).await;
    let anna_t = common::token(w.addr, "anna", "anna-pass").await;
    let file = ogg(150); // 3 s
    let path = format!("/api/calls/{call}/recording");

    // Gaps that do not read, are out of order or lie past the end: `invalid`, nothing kept.
    for bad in ["x", "1000:500,200:5", "3001:10", "1:2:3"] {
        let (status, body) = request(
            w.addr,
            "POST",
            &format!("{path}?gaps={bad}"),
            Some(&anna_t),
            &file,
        )
        .await;
        assert_eq!(
            (bad, status, code(&body).as_deref()),
            (bad, 400, Some("invalid"))
        );
    }
    let gaps = [
        RecordingGap {
            at_ms: 1000,
            length_ms: 4200,
        },
        RecordingGap {
            at_ms: 3000,
            length_ms: 800,
        },
    ];
    let listed = format!("{path}?gaps={}", RecordingGap::format_list(&gaps));
    let (status, body) = request(w.addr, "POST", &listed, Some(&anna_t), &file).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let recorded: Vec<Event> = w
        .storage
        .events_after(w.line_a, 0, 1000)
        .expect("log")
        .into_iter()
        .map(|e| e.event)
        .filter(|e| matches!(e, Event::CallRecorded { .. }))
        .collect();
    assert_eq!(
        recorded,
        [Event::CallRecorded {
            call,
            appeal,
            client: w.client_a,
            bytes: file.len() as u64,
            duration_ms: 3000,
            gaps: gaps.to_vec(),
        }]
    );
    // The client's own session is told, gaps and all.
    let seen = events(&mut ivanova, w.line_a, 0).await;
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::CallRecorded { gaps: g, .. } if g == &gaps))
    );

    // A specialist of another line and another client: `forbidden`, as a code.
    for (login, password) in [("boris", "boris-pass"), ("sidorov", "sidorov-pass")] {
        let t = common::token(w.addr, login, password).await;
        let (status, body) = request(w.addr, "GET", &path, Some(&t), b"").await;
        assert_eq!(
            (login, status, code(&body).as_deref()),
            (login, 403, Some("forbidden"))
        );
    }
    let (status, body) = request(w.addr, "GET", &path, Some(&anna_t), b"").await;
    assert_eq!((status, body == file), (200, true));
}
