//! The admin's account controls over the wire: disable and enable an account, reset a
//! password, take a specialist off a line; each closes (or narrows) the live sessions at once.
//! The CLI's commands reach a running server's sessions through the revocation log.

mod common;

use common::{Client, http, http_get, http_login, refused, subscribed, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ErrorCode, Event, ServerFrame};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");

fn credentials(login: &str, password: &str) -> String {
    serde_json::json!({"login": login, "password": password}).to_string()
}

/// The session is told its token was revoked and is closed.
async fn closed_as_revoked(c: &mut Client) {
    loop {
        match c.try_recv().await {
            Some(ServerFrame::Error {
                code: ErrorCode::Unauthenticated,
                ..
            }) => return,
            Some(ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. }) => continue,
            Some(other) => panic!("expected the revocation, got {other:?}"),
            None => panic!("closed without saying why, or still open"),
        }
    }
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_its_sessions_close_at_once() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let root = token(w.addr, "root", "root-pass").await;
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;

    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/accounts/anna/disable",
        Some(&root),
        b"",
    )
    .await;
    assert_eq!((status, body["id"].as_u64()), (200, Some(1)), "{body}");
    closed_as_revoked(&mut anna).await;
    let quick = format!("/api/lines/{}/quick-replies", w.line_a);
    assert_eq!(http_get(w.addr, &quick, Some(&anna_token)).await.0, 401);
    // Logging in again does not undo it.
    let (status, body) = http_login(w.addr, &credentials("anna", "anna-pass")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );

    let (status, _) = http(
        w.addr,
        "POST",
        "/api/admin/accounts/anna/enable",
        Some(&root),
        b"",
    )
    .await;
    assert_eq!(status, 200);
    let again = token(w.addr, "anna", "anna-pass").await;
    assert_eq!(http_get(w.addr, &quick, Some(&again)).await.0, 200);
    assert_eq!(
        http_get(w.addr, &quick, Some(&anna_token)).await.0,
        401,
        "the old token stays revoked"
    );
}

#[tokio::test]
async fn a_reset_password_revokes_the_old_tokens() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let root = token(w.addr, "root", "root-pass").await;
    let old = token(w.addr, "vera", "vera-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/accounts/vera/password",
        Some(&root),
        br#"{"password": "vera-new"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    closed_as_revoked(&mut vera).await;
    let quick = format!("/api/lines/{}/quick-replies", w.line_a);
    assert_eq!(http_get(w.addr, &quick, Some(&old)).await.0, 401);
    assert_eq!(
        http_login(w.addr, &credentials("vera", "vera-pass"))
            .await
            .0,
        401
    );
    token(w.addr, "vera", "vera-new").await;
}

#[tokio::test]
async fn the_account_routes_are_for_admins_only() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let anna = token(w.addr, "anna", "anna-pass").await;
    let root = token(w.addr, "root", "root-pass").await;
    let routes = [
        ("POST", "/api/admin/accounts/vera/disable".to_string()),
        ("POST", "/api/admin/accounts/vera/enable".to_string()),
        ("POST", "/api/admin/accounts/vera/password".to_string()),
        (
            "DELETE",
            format!("/api/admin/lines/{}/specialists/3", w.line_a),
        ),
    ];
    for (method, path) in &routes {
        assert_eq!(http(w.addr, method, path, None, b"").await.0, 401, "{path}");
        assert_eq!(
            http(w.addr, method, path, Some(&anna), b"").await.0,
            403,
            "{path}"
        );
    }
    let (status, _) = http(
        w.addr,
        "POST",
        "/api/admin/accounts/nobody/disable",
        Some(&root),
        b"",
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/accounts/root/disable",
        Some(&root),
        b"",
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));
}

#[tokio::test]
async fn a_specialist_taken_off_a_line_hands_their_appeals_on() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let root = token(w.addr, "root", "root-pass").await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    common::ack(
        &mut anna,
        "a1",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    common::ack(
        &mut vera,
        "v1",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    common::ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Помогите".into(),
        },
    )
    .await;
    let appeal = common::next_event(&mut vera, |e| match e {
        Event::AppealAssigned {
            appeal,
            specialist: 1,
            ..
        } => Some(*appeal),
        _ => None,
    })
    .await;

    let path = format!("/api/admin/lines/{}/specialists/1", w.line_a);
    let (status, body) = http(w.addr, "DELETE", &path, Some(&root), b"").await;
    assert_eq!(status, 200, "{body}");
    let to = common::next_event(&mut vera, |e| match e {
        Event::AppealAssigned {
            appeal: a,
            specialist,
            ..
        } if *a == appeal => Some(*specialist),
        _ => None,
    })
    .await;
    assert_eq!(to, 3, "Vera, the colleague on the line, takes the appeal");
    // Anna no longer serves the line.
    let code = refused(
        &mut anna,
        "a2",
        Action::SendMessage {
            line: w.line_a,
            client: w.client_a,
            text: "Здравствуйте".into(),
        },
    )
    .await;
    assert_eq!(code, ErrorCode::Forbidden);
    let (status, _) = http(w.addr, "DELETE", &path, Some(&root), b"").await;
    assert_eq!(status, 400, "she does not serve it any more");
    drop(ivanova);
}

#[tokio::test]
async fn the_cli_disables_an_account_and_a_running_server_closes_its_sessions() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(BIN)
            .args(args)
            .arg("--data-dir")
            .arg(w.dir.path())
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["revoke-tokens", "--login", "anna"]);
    closed_as_revoked(&mut anna).await;
    run(&["disable-account", "--login", "anna"]);
    let (status, _) = http_login(w.addr, &credentials("anna", "anna-pass")).await;
    assert_eq!(
        status, 403,
        "revoke-tokens + disable is not undone by logging in"
    );
    run(&["enable-account", "--login", "anna"]);
    run(&["reset-password", "--login", "anna", "--password", "anna-2"]);
    assert_eq!(
        http_login(w.addr, &credentials("anna", "anna-pass"))
            .await
            .0,
        401
    );
    token(w.addr, "anna", "anna-2").await;
    run(&[
        "remove-from-line",
        "--login",
        "vera",
        "--line",
        &w.line_a.to_string(),
    ]);
}

/// The CLI takes Anna off line A while the server runs (another process, the same database):
/// the running server's routing catches up from the revocation log before her session hears
/// of it, so the next appeal goes to Vera. Before, the server kept routing to Anna (higher
/// priority, Available) until a restart.
#[tokio::test]
async fn the_cli_takes_a_specialist_off_a_line_and_a_running_server_stops_routing_to_her() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    common::ack(&mut anna, "a1", available.clone()).await;
    common::ack(&mut vera, "v1", available).await;
    let dir = w.dir.path().to_path_buf();
    let line = w.line_a.to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(BIN)
            .args(["remove-from-line", "--login", "anna", "--line", &line])
            .arg("--data-dir")
            .arg(&dir)
            .output()
            .expect("run")
    })
    .await
    .expect("cli");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Her session learns it from the revocation log: its refusal names the line taken away.
    let mut tries = 0;
    loop {
        let reply = common::submit(
            &mut anna,
            &format!("s{tries}"),
            Action::SendMessage {
                line: w.line_a,
                client: w.client_a,
                text: "Здравствуйте".into(),
            },
        )
        .await;
        match reply {
            ServerFrame::Error { message, .. } if message.contains("taken away") => break,
            ServerFrame::Error {
                code: ErrorCode::Forbidden,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        tries += 1;
        assert!(tries < 200, "the revocation never reached the session");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    common::ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Помогите".into(),
        },
    )
    .await;
    let to = common::next_event(&mut vera, |e| match e {
        Event::AppealAssigned { specialist, .. } => Some(*specialist),
        _ => None,
    })
    .await;
    assert_eq!(to, 3, "Vera, not Anna who no longer serves the line");
}
