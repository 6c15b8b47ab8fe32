//! Events appended outside a session's action (the admin API, the CLI in another process)
//! reach live sessions at once and in order. The hub's hold (how long an event published ahead
//! of its turn waits for the numbers before it) is a minute here, far beyond the wait of these
//! tests: an event that waited for it would fail them. Before, the clients imported over the
//! API were never published (the next event, the removal's, waited out the hold behind them),
//! and nothing the CLI appended reached a live session until something after it did.

mod common;

use std::time::Duration;

use common::{Client, World, http, subscribed, token};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event, ServerFrame};
use linedesk_server::presence::OFFLINE_GRACE;
use linedesk_server::session_limits::SessionLimits;

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");

const CSV: &str = "name,connect_id\nОрлов Олег,1c-101\nКозлова Анна,1c-102\n";

async fn world_holding_gaps_a_minute() -> World {
    let limits = SessionLimits {
        gap_hold: Duration::from_secs(60),
        ..SessionLimits::default()
    };
    common::world_with_limits(OFFLINE_GRACE, limits).await.0
}

/// The line's last sequence number in storage.
fn head(w: &World) -> u64 {
    w.storage
        .events_after(w.line_a, 0, 100_000)
        .expect("events")
        .last()
        .map_or(0, |e| e.seq)
}

/// Read `c`'s live events of line A up to `seq`.
async fn read_to(c: &mut Client, line: u64, seq: u64) {
    loop {
        if let ServerFrame::Event {
            line: l, seq: s, ..
        } = c.recv().await
            && l == line
            && s >= seq
        {
            return;
        }
    }
}

/// The next `n` live events of `line`, which must follow `after` without a gap.
async fn next_in_order(c: &mut Client, line: u64, after: u64, n: usize) -> Vec<Event> {
    let mut out = Vec::new();
    let mut expected = after + 1;
    while out.len() < n {
        if let ServerFrame::Event {
            line: l,
            seq,
            event,
            ..
        } = c.recv().await
            && l == line
        {
            assert_eq!(seq, expected, "in order, nothing missed or doubled");
            expected += 1;
            out.push(event);
        }
    }
    out
}

fn upserted(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ClientUpserted { profile, .. } => Some(profile.name.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn clients_imported_and_a_line_taken_away_over_the_api_reach_live_sessions_at_once() {
    let w = world_holding_gaps_a_minute().await;
    common::add_root(w.storage.as_ref());
    let root = token(w.addr, "root", "root-pass").await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    common::ack(&mut anna, "a1", available.clone()).await;
    common::ack(&mut vera, "v1", available).await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    common::ack(
        &mut ivanova,
        "c1",
        Action::ClientMessage {
            text: "Помогите".into(),
        },
    )
    .await;
    let before = head(&w);
    read_to(&mut vera, w.line_a, before).await;

    let import = format!("/api/admin/lines/{}/clients/import", w.line_a);
    let (status, body) = http(w.addr, "POST", &import, Some(&root), CSV.as_bytes()).await;
    assert_eq!(status, 200, "{body}");
    let imported = next_in_order(&mut vera, w.line_a, before, 2).await;
    assert_eq!(upserted(&imported), ["Орлов Олег", "Козлова Анна"]);

    // The removal's events come right after, in turn: Anna's appeal goes to Vera.
    let remove = format!("/api/admin/lines/{}/specialists/1", w.line_a);
    let (status, body) = http(w.addr, "DELETE", &remove, Some(&root), b"").await;
    assert_eq!(status, 200, "{body}");
    let moved = next_in_order(&mut vera, w.line_a, before + 2, 1).await;
    assert!(
        matches!(moved[..], [Event::AppealAssigned { specialist: 3, .. }]),
        "{moved:?}"
    );
}

#[tokio::test]
async fn clients_imported_by_the_cli_reach_a_running_servers_sessions() {
    let w = world_holding_gaps_a_minute().await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    // Something of line A handed out through the hub, so that it follows the line.
    common::ack(
        &mut vera,
        "v1",
        Action::SendMessage {
            line: w.line_a,
            client: w.client_a,
            text: "Добрый день".into(),
        },
    )
    .await;
    let before = head(&w);
    read_to(&mut vera, w.line_a, before).await;

    let file = w.dir.path().join("clients.csv");
    std::fs::write(&file, CSV).expect("csv");
    let (dir, line) = (w.dir.path().to_path_buf(), w.line_a.to_string());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(BIN)
            .args(["import-clients", "--line", &line, "--file"])
            .arg(&file)
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
    let imported = next_in_order(&mut vera, w.line_a, before, 2).await;
    assert_eq!(upserted(&imported), ["Орлов Олег", "Козлова Анна"]);
}
