//! C9 through the wire for every way of reaching a client besides a message (issue 16, item
//! 2): a file (a quick reply's files travel the same upload) and a call into an appeal a
//! colleague holds are refused with the rule `appeal.held_by_colleague` until the specialist
//! confirms; the holder needs no confirmation. A real server on 127.0.0.1, real WebSocket and
//! HTTP clients.

mod common;

use common::{Client, ack, events, http, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event, ServerFrame, SharedFile};

const ANNA: u64 = 1;
const VERA: u64 = 3;

#[tokio::test]
async fn c9_a_file_or_a_call_into_a_colleague_s_appeal_needs_a_confirmation() {
    let w = world().await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    ack(
        &mut vera,
        "p",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    // Vera writes first: the appeal is hers (A1).
    ack(
        &mut vera,
        "v1",
        Action::SendMessage {
            line: w.line_a,
            client: w.client_a,
            text: "Здравствуйте, смотрю ваш вопрос".into(),
        },
    )
    .await;

    // Anna's file: refused with the rule, then sent once confirmed.
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let upload = |query: &str| {
        format!(
            "/api/lines/{}/clients/{}/files?name=act.pdf{query}",
            w.line_a, w.client_a
        )
    };
    let (status, body) = http(w.addr, "POST", &upload(""), Some(&anna_token), b"%PDF").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["rule"], "appeal.held_by_colleague", "{body}");
    let (status, body) = http(
        w.addr,
        "POST",
        &upload("&confirmed=true"),
        Some(&anna_token),
        b"%PDF",
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let shared: SharedFile = serde_json::from_value(body).expect("answer");

    // Vera's own file needs nothing.
    let vera_token = token(w.addr, "vera", "vera-pass").await;
    let (status, body) = http(w.addr, "POST", &upload(""), Some(&vera_token), b"%PDF").await;
    assert_eq!(status, 201, "{body}");

    // Anna's call: refused with the rule, then placed once confirmed.
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let call = Action::PlaceCall {
        line: w.line_a,
        client: Some(w.client_a),
    };
    match common::submit(&mut anna, "c1", call).await {
        ServerFrame::Error { rule, .. } => {
            assert_eq!(rule.as_deref(), Some("appeal.held_by_colleague"));
        }
        other => panic!("expected the refusal, got {other:?}"),
    }
    ack(
        &mut anna,
        "c2",
        Action::PlaceCallConfirmed {
            line: w.line_a,
            client: w.client_a,
        },
    )
    .await;

    let log = events(&mut anna, w.line_a, 0).await;
    let files: Vec<Option<u64>> = log
        .iter()
        .filter_map(|e| match e {
            Event::FileShared {
                from_specialist,
                client,
                ..
            } if *client == w.client_a => Some(*from_specialist),
            _ => None,
        })
        .collect();
    assert_eq!(
        files,
        [Some(ANNA), Some(VERA)],
        "the refused file left nothing"
    );
    assert!(log.iter().any(|e| matches!(e,
        Event::FileShared { file, .. } if *file == shared.file)));
    let calls: Vec<Option<u64>> = log
        .iter()
        .filter_map(|e| match e {
            Event::CallRinging {
                specialist, client, ..
            } if *client == w.client_a => Some(*specialist),
            _ => None,
        })
        .collect();
    assert_eq!(calls, [Some(ANNA)], "one call, the confirmed one");
    // The appeal stays Vera's: reaching into it does not take it.
    assert!(!log.iter().any(|e| matches!(e,
        Event::AppealAssigned { specialist, client, .. }
            if *specialist == ANNA && *client == w.client_a)));
}

#[tokio::test]
async fn c9_a_call_or_a_file_with_no_colleague_holding_needs_no_confirmation() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    ack(
        &mut anna,
        "c1",
        Action::PlaceCall {
            line: w.line_a,
            client: Some(w.client_a),
        },
    )
    .await;
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let path = format!(
        "/api/lines/{}/clients/{}/files?name=act.pdf",
        w.line_a, w.client_a
    );
    let (status, body) = http(w.addr, "POST", &path, Some(&anna_token), b"%PDF").await;
    assert_eq!(status, 201, "her own appeal: {body}");
}
