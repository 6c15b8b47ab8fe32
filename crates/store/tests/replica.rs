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
    assert!(!card.guest);

    // K1: a guest of the web widget is marked on their card.
    let guest = RemoteChange::Client(Box::new(ClientRecord {
        id: 41,
        name: "Мария".into(),
        email: Some("m@example.ru".into()),
        guest: true,
        ..ClientRecord::default()
    }));
    store.apply_remote(line, &[(9, guest)]).expect("guest");
    let card = store.client_card(line, 41).expect("card");
    assert!(card.guest && card.email.as_deref() == Some("m@example.ru"));
}

#[test]
fn queued_appeals_and_sla_deadlines_show_in_the_list_and_take_goes_to_the_outbox() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    let line = 3;
    let row = |store: &Store| {
        store
            .client_list(line, NOW)
            .expect("list")
            .clients
            .into_iter()
            .find(|c| c.id == 41)
            .expect("listed")
    };
    store
        .apply_remote(
            line,
            &[
                (
                    1,
                    RemoteChange::Line {
                        name: "Линия".into(),
                    },
                ),
                (2, client(41, "Сидоров")),
                (
                    3,
                    RemoteChange::Message {
                        client: 41,
                        author: Author::Client,
                        text: "Помогите".into(),
                        at: NOW,
                        origin_key: None,
                    },
                ),
                (
                    4,
                    RemoteChange::Deadlines {
                        client: 41,
                        reaction_due: NOW + 3_600_000,
                        resolution_due: NOW + 8 * 3_600_000,
                    },
                ),
                (
                    5,
                    RemoteChange::Queued {
                        client: 41,
                        appeal: 77,
                    },
                ),
            ],
        )
        .expect("apply");
    let r = row(&store);
    assert!(r.queued && !r.my_appeal);
    assert_eq!(
        r.sla_due,
        Some(NOW + 3_600_000),
        "the reaction deadline runs first"
    );

    store.take_appeal(line, 41, NOW).expect("take");
    assert!(!row(&store).queued);
    let item = store
        .outbox_pending(10)
        .expect("outbox")
        .pop()
        .expect("item");
    assert_eq!(item.kind, "appeal.take");
    assert!(item.payload.contains("77"), "{}", item.payload);
    let err = store
        .take_appeal(line, 41, NOW)
        .expect_err("not queued any more");
    assert!(err.to_string().contains("appeal"), "{err}");

    store
        .apply_remote(
            line,
            &[
                (
                    6,
                    RemoteChange::Appeal {
                        client: 41,
                        appeal: 77,
                        open: true,
                        mine: true,
                    },
                ),
                (
                    7,
                    RemoteChange::SlaAlert {
                        client: 41,
                        breached: false,
                    },
                ),
            ],
        )
        .expect("apply");
    let r = row(&store);
    assert!(r.my_appeal && !r.queued);
    assert_eq!(r.sla_alert.as_deref(), Some("at_risk"));
    // The specialist answers: the reaction is met, the resolution deadline runs.
    store
        .apply_remote(
            line,
            &[(
                8,
                RemoteChange::Message {
                    client: 41,
                    author: Author::Specialist,
                    text: "Смотрю".into(),
                    at: NOW + 60_000,
                    origin_key: None,
                },
            )],
        )
        .expect("apply");
    let r = row(&store);
    assert_eq!(r.sla_due, Some(NOW + 8 * 3_600_000));
    assert_eq!(r.sla_alert, None);
    store
        .apply_remote(
            line,
            &[(
                9,
                RemoteChange::SlaAlert {
                    client: 41,
                    breached: true,
                },
            )],
        )
        .expect("apply");
    assert_eq!(row(&store).sla_alert.as_deref(), Some("breached"));
    store
        .apply_remote(
            line,
            &[(
                10,
                RemoteChange::Appeal {
                    client: 41,
                    appeal: 77,
                    open: false,
                    mine: false,
                },
            )],
        )
        .expect("apply");
    let r = row(&store);
    assert_eq!((r.sla_due, r.sla_alert, r.my_appeal), (None, None, false));
}
