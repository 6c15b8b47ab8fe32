//! Issue 16, item 6 (W1) through the wire: the specialist's name and position reach the
//! colleagues of their lines live (`SpecialistProfiled`), their avatar is kept only when its
//! bytes are an image (type sniffed, size capped) and served with that type, `nosniff` and a
//! CSP that runs nothing, to colleagues and the line's clients only; a client reads the
//! specialist's card.

mod common;

use common::{Client, ack, events, http, next_event, raw_http, token, world};
use linedesk_protocol::{Action, Event, SpecialistCard};

const ANNA: u64 = 1;

/// A tiny but real PNG (1x1, grey).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\0\0\0\0:~\x9bU\0\0\0\nIDATx\x9cc\xf8\x0f\0\x01\x01\x01\0\x18\xdd\x8d\xb4\0\0\0\0IEND\xaeB`\x82";

#[tokio::test]
async fn w1_the_profile_reaches_colleagues_and_clients_and_the_avatar_is_only_an_image() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    events(&mut vera, w.line_a, 0).await;
    ack(
        &mut anna,
        "p1",
        Action::SetProfile {
            name: " Смирнова Анна ".into(),
            position: "Ведущий специалист".into(),
        },
    )
    .await;
    let (name, position, avatar) = next_event(&mut vera, |e| match e {
        Event::SpecialistProfiled {
            specialist: ANNA,
            name,
            position,
            avatar,
        } => Some((name.clone(), position.clone(), *avatar)),
        _ => None,
    })
    .await;
    assert_eq!(
        (name.as_str(), position.as_str(), avatar),
        ("Смирнова Анна", "Ведущий специалист", 0)
    );
    // An empty name is refused.
    match common::submit(
        &mut anna,
        "p2",
        Action::SetProfile {
            name: "  ".into(),
            position: String::new(),
        },
    )
    .await
    {
        linedesk_protocol::ServerFrame::Error { code, .. } => {
            assert_eq!(code, linedesk_protocol::ErrorCode::Invalid)
        }
        other => panic!("{other:?}"),
    }

    let anna_token = token(w.addr, "anna", "anna-pass").await;
    // Not an image (whatever the header claims): refused; too large: refused before reading.
    let (status, _, _) = raw_http(
        w.addr,
        "PUT",
        "/api/profile/avatar",
        Some(&anna_token),
        Some("image/png"),
        b"<html><script>alert(1)</script></html>",
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, _) = raw_http(
        w.addr,
        "PUT",
        "/api/profile/avatar",
        Some(&anna_token),
        Some("image/png"),
        &vec![0u8; 300 * 1024],
    )
    .await;
    assert_eq!(status, 413);
    let (status, _, _) = raw_http(
        w.addr,
        "PUT",
        "/api/profile/avatar",
        Some(&anna_token),
        Some("text/html"),
        PNG,
    )
    .await;
    assert_eq!(status, 204);
    let avatar = next_event(&mut vera, |e| match e {
        Event::SpecialistProfiled {
            specialist: ANNA,
            avatar,
            ..
        } if *avatar > 0 => Some(*avatar),
        _ => None,
    })
    .await;
    assert_eq!(avatar, 1);

    // A client of the line sees it, with the sniffed type and nothing a browser would run.
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;
    let (status, head, body) = raw_http(
        w.addr,
        "GET",
        &format!("/api/specialists/{ANNA}/avatar"),
        Some(&ivanova),
        None,
        b"",
    )
    .await;
    assert_eq!(status, 200, "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: image/png"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    assert_eq!(body, PNG);
    // The client's widget reads who answers.
    let (status, card) = http(
        w.addr,
        "GET",
        &format!("/api/lines/{}/specialists/{ANNA}", w.line_a),
        Some(&ivanova),
        b"",
    )
    .await;
    assert_eq!(status, 200);
    let card: SpecialistCard = serde_json::from_value(card).expect("card");
    assert_eq!(
        card,
        SpecialistCard {
            specialist: ANNA,
            name: "Смирнова Анна".into(),
            position: "Ведущий специалист".into(),
            avatar: 1
        }
    );
    // Boris serves another line: neither the avatar nor the card.
    let boris = token(w.addr, "boris", "boris-pass").await;
    let (status, _, _) = raw_http(
        w.addr,
        "GET",
        &format!("/api/specialists/{ANNA}/avatar"),
        Some(&boris),
        None,
        b"",
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = http(
        w.addr,
        "GET",
        &format!("/api/lines/{}/specialists/{ANNA}", w.line_a),
        Some(&boris),
        b"",
    )
    .await;
    assert_eq!(status, 403);
    // A client may not set an avatar; removing it leaves none.
    let (status, _, _) = raw_http(
        w.addr,
        "PUT",
        "/api/profile/avatar",
        Some(&ivanova),
        None,
        PNG,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = raw_http(
        w.addr,
        "DELETE",
        "/api/profile/avatar",
        Some(&anna_token),
        None,
        b"",
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, _) = raw_http(
        w.addr,
        "GET",
        &format!("/api/specialists/{ANNA}/avatar"),
        Some(&ivanova),
        None,
        b"",
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn w1_a_profile_set_before_joining_a_line_reaches_it_when_the_specialist_joins() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    ack(
        &mut anna,
        "p1",
        Action::SetProfile {
            name: "Смирнова Анна".into(),
            position: "Ведущий специалист".into(),
        },
    )
    .await;
    // Boris serves line B only; Anna joins it now.
    w.storage
        .serve_line(ANNA, w.line_b, 0, 5)
        .expect("Anna joins line B");
    let log = w
        .storage
        .events_after(w.line_b, 0, 1000)
        .expect("line B's log");
    let profiled: Vec<_> = log
        .iter()
        .filter_map(|e| match &e.event {
            Event::SpecialistProfiled {
                specialist: ANNA,
                name,
                position,
                ..
            } => Some((name.clone(), position.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        profiled,
        [(
            "Смирнова Анна".to_string(),
            "Ведущий специалист".to_string()
        )],
        "announced once, right after she joined"
    );
    // Boris's app, replaying line B, learns her position with her.
    let mut late = Client::signed_in(w.addr, "boris", "boris-pass").await;
    let replay = events(&mut late, w.line_b, 0).await;
    assert!(replay.iter().any(|e| matches!(
        e,
        Event::SpecialistProfiled { specialist: ANNA, position, .. } if position == "Ведущий специалист"
    )));
}
