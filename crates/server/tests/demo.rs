//! The demo world seeded into a real server database through the storage trait.

use linedesk_demo::{
    DEMO_CLIENTS, DEMO_SEARCH_CLIENT_NAME, DEMO_SEARCH_INN, DEMO_SPECIALIST_LOGIN,
};
use linedesk_protocol::Event;
use linedesk_server::demo::seed_if_empty;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, StorageError};

const NOW: i64 = 1_764_000_000_000;

fn cheap_hash(password: &str) -> Result<String, StorageError> {
    Ok(format!("test:{password}"))
}

#[test]
fn the_demo_world_seeds_once_with_an_honest_log() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = SqliteStorage::open(&dir.path().join("server.db")).expect("open");
    let ids = seed_if_empty(&storage, NOW, "test:x", &cheap_hash)
        .expect("seed")
        .expect("first seed");
    assert_eq!(ids.lines.len(), 2);
    // W3: the second line is the specialists' own support line, where Help asks.
    assert_eq!(
        storage.staff_line().expect("staff line"),
        Some(ids.lines[1])
    );
    assert!(
        seed_if_empty(&storage, NOW, "test:x", &cheap_hash)
            .expect("again")
            .is_none()
    );
    assert!(
        storage
            .account_by_login(DEMO_SPECIALIST_LOGIN)
            .expect("acc")
            .is_some()
    );
    assert!(storage.account_by_login("client-1").expect("acc").is_some());

    let clients = storage.clients_of(ids.lines[0]).expect("clients");
    assert_eq!(clients.len(), DEMO_CLIENTS);
    assert_eq!(clients[0].1.name, DEMO_SEARCH_CLIENT_NAME);
    assert_eq!(clients[0].1.inn.as_deref(), Some(DEMO_SEARCH_INN));

    let log = storage.events_after(ids.lines[0], 0, 100_000).expect("log");
    assert!(
        matches!(log[0].event, Event::LineNamed { .. }),
        "{:?}",
        log[0]
    );
    let upserts = log
        .iter()
        .filter(|e| matches!(e.event, Event::ClientUpserted { .. }))
        .count();
    assert_eq!(upserts, DEMO_CLIENTS);
    let messages = log
        .iter()
        .filter(|e| matches!(e.event, Event::MessagePosted { .. }))
        .count();
    assert!(messages > 200, "{messages}");
    let finished = log
        .iter()
        .filter(|e| matches!(e.event, Event::AppealFinished { .. }))
        .count();
    let opened = log
        .iter()
        .filter(|e| matches!(e.event, Event::AppealOpened { .. }))
        .count();
    assert!(
        opened > finished && finished > 20,
        "opened {opened}, finished {finished}"
    );
    // Dated in the past, in order: the newest is not after the seed's "now".
    let posted: Vec<i64> = log
        .iter()
        .filter(|e| matches!(e.event, Event::MessagePosted { .. }))
        .map(|e| e.at_ms)
        .collect();
    assert!(posted.iter().all(|at| *at <= NOW));
    assert!(
        posted.windows(2).all(|w| w[0] <= w[1]),
        "history in time order"
    );
}
