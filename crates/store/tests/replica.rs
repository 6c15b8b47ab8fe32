//! The store as the cache of the line server: events applied once, in order, with own messages
//! recognised.

use linedesk_store::replica::{ClientRecord, CompanyRecord, RemoteChange};
use linedesk_store::{Author, MessageStatus, Store};

const NOW: i64 = 1_764_000_000_000;

fn client(id: i64, name: &str) -> RemoteChange {
    RemoteChange::Client(Box::new(ClientRecord {
        id,
        name: name.into(),
        company: Some(CompanyRecord {
            name: "ООО \"Тест\"".into(),
            inn: Some("7701234560".into()),
            ..CompanyRecord::default()
        }),
        ..ClientRecord::default()
    }))
}

#[test]
fn a_replayed_log_applies_once_and_own_messages_are_not_doubled() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    let line = 7;
    let first = vec![
        (
            1,
            RemoteChange::Line {
                name: "Линия".into(),
            },
        ),
        (2, client(40, "Петров Пётр")),
        (
            3,
            RemoteChange::Message {
                client: 40,
                author: Author::Client,
                text: "Здравствуйте".into(),
                at: NOW,
                origin_key: None,
            },
        ),
        (
            4,
            RemoteChange::Appeal {
                client: 40,
                appeal: 900,
                open: true,
                mine: true,
            },
        ),
    ];
    assert_eq!(store.apply_remote(line, &first).expect("apply"), 4);
    // A reconnect replays from an older cursor: nothing doubles.
    assert_eq!(store.apply_remote(line, &first).expect("replay"), 0);
    assert_eq!(store.sync_cursor(line).expect("cursor"), 4);
    assert_eq!(store.lines().expect("lines")[0].name, "Линия");
    assert_eq!(
        store.messages(line, 40, None, 50).expect("messages").len(),
        1
    );
    assert_eq!(store.open_appeal_id(line, 40).expect("appeal"), Some(900));
    let list = store.client_list(line, NOW).expect("list");
    assert!(list.clients.iter().any(|c| c.id == 40 && c.my_appeal));

    // The specialist answers: pending locally; the server's echo carries the outbox key.
    let sent = store
        .send_message(line, 40, "Добрый день", NOW + 1)
        .expect("send");
    assert_eq!(sent.status, MessageStatus::Pending);
    let key = store.outbox_pending(10).expect("outbox")[0]
        .idempotency_key
        .clone();
    let echo = vec![
        (
            5,
            RemoteChange::Message {
                client: 40,
                author: Author::Specialist,
                text: "Добрый день".into(),
                at: NOW + 2,
                origin_key: Some(key),
            },
        ),
        (
            6,
            RemoteChange::Appeal {
                client: 40,
                appeal: 900,
                open: false,
                mine: true,
            },
        ),
        (7, RemoteChange::Skip),
    ];
    assert_eq!(store.apply_remote(line, &echo).expect("echo"), 3);
    let messages = store.messages(line, 40, None, 50).expect("messages");
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1].status, MessageStatus::Sent);
    assert_eq!(store.open_appeal_id(line, 40).expect("appeal"), None);
    assert_eq!(store.sync_cursor(line).expect("cursor"), 7);

    // A client update keeps one company row and changes the name.
    store
        .apply_remote(line, &[(8, client(40, "Петров Пётр Ильич"))])
        .expect("update");
    let card = store.client_card(line, 40).expect("card");
    assert_eq!(card.client.name, "Петров Пётр Ильич");
}
