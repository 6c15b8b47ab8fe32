//! Token revocation over real sockets: `POST /api/logout` revokes the bearer token on HTTP and
//! on the WebSocket, and its live sessions are closed with an error frame; other tokens of the
//! same person go on.

mod common;

use std::time::{Duration, Instant};

use common::{Client, add_root, http, token, world};
use linedesk_protocol::{ClientFrame, ErrorCode, ServerFrame};

/// The session is told `unauthenticated` and closed within two seconds.
pub async fn closed_as_revoked(c: &mut Client) {
    let start = Instant::now();
    match c.recv().await {
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            message,
            ..
        } => assert!(message.contains("revoked"), "{message}"),
        other => panic!("expected the revocation error, got {other:?}"),
    }
    assert!(c.try_recv().await.is_none(), "closed after the error");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn logout_revokes_the_token_and_closes_its_live_sessions() {
    let w = world().await;
    add_root(w.storage.as_ref());
    let revoked = token(w.addr, "anna", "anna-pass").await;
    let kept = token(w.addr, "anna", "anna-pass").await;
    let mut a1 = Client::connect(w.addr).await;
    let mut a2 = Client::connect(w.addr).await;
    let mut other = Client::connect(w.addr).await;
    for (c, t) in [
        (&mut a1, &revoked),
        (&mut a2, &revoked),
        (&mut other, &kept),
    ] {
        assert!(matches!(c.hello(t).await, ServerFrame::Welcome { .. }));
    }
    // From the head of the line's log (it starts with the line's name and clients).
    let head = w
        .storage
        .events_after(w.line_a, 0, 1000)
        .expect("events")
        .last()
        .map_or(0, |e| e.seq);
    a1.send(&ClientFrame::Subscribe {
        line: w.line_a,
        after: head,
    })
    .await;
    assert!(matches!(a1.recv().await, ServerFrame::CaughtUp { .. }));

    let (status, _) = http(w.addr, "POST", "/api/logout", Some(&revoked), b"").await;
    assert_eq!(status, 204);
    closed_as_revoked(&mut a1).await;
    closed_as_revoked(&mut a2).await;

    // The token is refused everywhere from now on; the other token of Anna goes on.
    let (status, body) = http(w.addr, "POST", "/api/logout", Some(&revoked), b"").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let mut again = Client::connect(w.addr).await;
    assert!(matches!(
        again.hello(&revoked).await,
        ServerFrame::Error {
            code: ErrorCode::Unauthenticated,
            ..
        }
    ));
    other.send(&ClientFrame::Ping { id: 7 }).await;
    assert_eq!(other.reply().await, ServerFrame::Pong { id: 7 });
    let (status, _) = http(w.addr, "POST", "/api/logout", None, b"").await;
    assert_eq!(status, 401);

    // An admin's logged-out token no longer opens the admin API.
    let root = token(w.addr, "root", "root-pass").await;
    assert_eq!(
        http(w.addr, "GET", "/api/admin/lines", Some(&root), b"")
            .await
            .0,
        200
    );
    assert_eq!(
        http(w.addr, "POST", "/api/logout", Some(&root), b"")
            .await
            .0,
        204
    );
    assert_eq!(
        http(w.addr, "GET", "/api/admin/lines", Some(&root), b"")
            .await
            .0,
        401
    );
}
