//! C6 in the clients list (C1): a message in one of a client's groups is the client's latest,
//! like a chat message, with its time, and moves the client up the list; an older one does not
//! cover a newer chat message; the specialist's own (pending) group message shows at once.

use linedesk_store::Author;
use linedesk_store::Store;
use linedesk_store::groups::GroupChange;
use linedesk_store::replica::{ClientRecord, RemoteChange};

const NOW: i64 = 1_764_000_000_000;
const LINE: i64 = 7;
const ME: i64 = 5;
const ORLOVA: i64 = 6;
const IVANOVA: i64 = 40;
const PETROV: i64 = 41;
const GROUP: i64 = 3;

fn client(id: i64, name: &str) -> RemoteChange {
    RemoteChange::Client(Box::new(ClientRecord {
        id,
        name: name.into(),
        ..ClientRecord::default()
    }))
}

fn message(client: i64, text: &str, at: i64) -> RemoteChange {
    RemoteChange::Message {
        client,
        author: Author::Client,
        text: text.into(),
        at,
        origin_key: None,
    }
}

fn group_message(from: Option<i64>, text: &str, at: i64) -> RemoteChange {
    RemoteChange::Group(GroupChange::Message {
        group: GROUP,
        from_specialist: from,
        text: text.into(),
        at,
        origin_key: None,
    })
}

fn seeded(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    store.set_server_me(ME).expect("me");
    store
        .apply_remote(
            LINE,
            &[
                (
                    1,
                    RemoteChange::Line {
                        name: "Линия".into(),
                    },
                ),
                (2, client(IVANOVA, "Иванова Анна")),
                (3, client(PETROV, "Петров Олег")),
                (4, message(IVANOVA, "Где акт?", NOW)),
                (5, message(PETROV, "Спасибо", NOW + 1_000)),
                (
                    6,
                    RemoteChange::Group(GroupChange::Created {
                        group: GROUP,
                        client: IVANOVA,
                        title: "Сверка".into(),
                        by: ME,
                        members: vec![(ME, "Я".into()), (ORLOVA, "Орлова Елена".into())],
                        at: NOW + 1_500,
                    }),
                ),
            ],
        )
        .expect("apply");
    store
}

/// (client, last message, its time) of the list, in its order.
fn list(store: &Store) -> Vec<(i64, Option<String>, Option<i64>)> {
    store
        .client_list(LINE, NOW)
        .expect("list")
        .clients
        .into_iter()
        .map(|c| (c.id, c.last_message, c.last_message_at))
        .collect()
}

#[test]
fn c6_a_group_message_is_the_client_s_latest_in_the_list_and_moves_them_up() {
    let dir = tempfile::tempdir().expect("dir");
    let store = seeded(&dir);
    assert_eq!(list(&store)[0].0, PETROV, "Petrov wrote last");

    store
        .apply_remote(
            LINE,
            &[(7, group_message(Some(ORLOVA), "Акт у меня", NOW + 2_000))],
        )
        .expect("apply");
    assert_eq!(
        list(&store),
        [
            (IVANOVA, Some("Акт у меня".into()), Some(NOW + 2_000)),
            (PETROV, Some("Спасибо".into()), Some(NOW + 1_000)),
        ],
        "the colleague's group message is Ivanova's latest"
    );

    // A newer chat message takes its place again; an older group message changes nothing.
    store
        .apply_remote(
            LINE,
            &[
                (8, message(IVANOVA, "Нашла", NOW + 3_000)),
                (9, group_message(None, "Раньше", NOW + 2_500)),
            ],
        )
        .expect("apply");
    assert_eq!(
        list(&store)[0],
        (IVANOVA, Some("Нашла".into()), Some(NOW + 3_000))
    );

    // Petrov writes, then the specialist's own group message (pending) brings Ivanova back.
    store
        .apply_remote(LINE, &[(10, message(PETROV, "Ещё вопрос", NOW + 4_000))])
        .expect("apply");
    assert_eq!(list(&store)[0].0, PETROV);
    store
        .send_group_message(GROUP, "Отправила акт", NOW + 5_000)
        .expect("send");
    assert_eq!(
        list(&store)[0],
        (IVANOVA, Some("Отправила акт".into()), Some(NOW + 5_000))
    );
    let row = store.client_row(LINE, IVANOVA).expect("row");
    assert_eq!(row.last_message.as_deref(), Some("Отправила акт"));
}

#[test]
fn c6_a_group_message_is_known_as_mine_only_in_my_groups() {
    let dir = tempfile::tempdir().expect("dir");
    let store = seeded(&dir);
    assert_eq!(
        store.my_group_title(GROUP).expect("title").as_deref(),
        Some("Сверка")
    );
    store
        .apply_remote(
            LINE,
            &[(
                7,
                RemoteChange::Group(GroupChange::MemberRemoved {
                    group: GROUP,
                    specialist: ME,
                }),
            )],
        )
        .expect("apply");
    assert_eq!(store.my_group_title(GROUP).expect("title"), None);
    assert_eq!(store.my_group_title(99).expect("title"), None);
}
