//! C9 in the app's store (issue 16, item 2) and A3's carried conversation on the timeline:
//! writing into an appeal a colleague holds is known before sending (`colleague_hold`), a
//! confirmed message or file says so to the server (the outbox payload, the upload), and the
//! messages a transfer from another line carried are notes of the client's timeline at the
//! time they were written.

use linedesk_store::replica::{ClientRecord, RemoteChange};
use linedesk_store::{AppealNoteChange, Store};

const NOW: i64 = 1_764_000_000_000;
const LINE: i64 = 7;
const ME: i64 = 5;
const ORLOVA: i64 = 6;
const CLIENT: i64 = 40;

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
                (
                    2,
                    RemoteChange::Client(Box::new(ClientRecord {
                        id: CLIENT,
                        name: "Иванова Анна".into(),
                        ..ClientRecord::default()
                    })),
                ),
                (
                    3,
                    RemoteChange::Colleague {
                        id: ORLOVA,
                        name: "Орлова Елена".into(),
                    },
                ),
                (
                    4,
                    RemoteChange::AppealOpened {
                        client: CLIENT,
                        appeal: 9,
                        channel: "chat".into(),
                        at: NOW,
                    },
                ),
            ],
        )
        .expect("apply");
    store
}

fn held_by(store: &Store, seq: i64, specialist: i64) {
    store
        .apply_remote(
            LINE,
            &[(
                seq,
                RemoteChange::AppealHeld {
                    client: CLIENT,
                    appeal: 9,
                    specialist,
                    mine: specialist == ME,
                },
            )],
        )
        .expect("held");
}

#[test]
fn c9_a_colleague_s_appeal_is_known_before_writing_and_a_confirmed_message_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let store = seeded(&dir);
    // Queued: anyone may write.
    assert_eq!(store.colleague_hold(LINE, CLIENT).expect("hold"), None);
    held_by(&store, 5, ORLOVA);
    let hold = store
        .colleague_hold(LINE, CLIENT)
        .expect("hold")
        .expect("Orlova's");
    assert_eq!((hold.appeal, hold.holder), (9, ORLOVA));
    assert_eq!(hold.name.as_deref(), Some("Орлова Елена"));

    store
        .send_message_confirmed(LINE, CLIENT, "Я подключусь", NOW + 1)
        .expect("confirmed");
    store
        .send_message(LINE, CLIENT, "Без подтверждения", NOW + 2)
        .expect("plain");
    let pending = store.outbox_pending(10).expect("outbox");
    let confirmed: Vec<Option<bool>> = pending
        .iter()
        .map(|item| {
            let payload: serde_json::Value = serde_json::from_str(&item.payload).expect("json");
            payload["confirmed"].as_bool()
        })
        .collect();
    assert_eq!(confirmed, [Some(true), None]);

    // Mine: no warning.
    held_by(&store, 6, ME);
    assert_eq!(store.colleague_hold(LINE, CLIENT).expect("hold"), None);
}

#[test]
fn c9_a_file_sent_past_a_colleague_s_hold_says_so_to_the_server() {
    let dir = tempfile::tempdir().expect("dir");
    let store = seeded(&dir);
    held_by(&store, 5, ORLOVA);
    store
        .queue_upload_as(LINE, CLIENT, ("акт.pdf", b"%PDF"), true, NOW)
        .expect("confirmed");
    store
        .queue_upload(LINE, CLIENT, "счёт.pdf", b"%PDF", NOW + 1)
        .expect("plain");
    let pending: Vec<(String, bool)> = store
        .pending_uploads(10)
        .expect("pending")
        .into_iter()
        .map(|u| (u.name, u.confirmed))
        .collect();
    assert_eq!(
        pending,
        [
            ("акт.pdf".to_string(), true),
            ("счёт.pdf".to_string(), false)
        ]
    );
}

#[test]
fn a3_a_carried_conversation_is_on_the_timeline_when_it_was_written() {
    let dir = tempfile::tempdir().expect("dir");
    let store = seeded(&dir);
    let carried = |seq, kind, target: &str, text: &str, at| {
        (
            seq,
            RemoteChange::AppealNote {
                tier: None,
                note: AppealNoteChange {
                    client: CLIENT,
                    appeal: 9,
                    kind,
                    by: None,
                    to: None,
                    target: target.into(),
                    detail: text.into(),
                    at,
                },
            },
        )
    };
    store
        .apply_remote(
            LINE,
            &[
                carried(5, "carried", "client", "Не проходит оплата", NOW - 3_000),
                carried(
                    6,
                    "carried_file",
                    "specialist:Анна",
                    "счёт.pdf",
                    NOW - 2_000,
                ),
            ],
        )
        .expect("carried");
    let notes = store.appeal_notes_of(LINE, CLIENT).expect("notes");
    let got: Vec<(&str, &str, &str, i64)> = notes
        .iter()
        .map(|n| (n.kind.as_str(), n.target.as_str(), n.detail.as_str(), n.at))
        .collect();
    assert_eq!(
        got,
        [
            ("carried", "client", "Не проходит оплата", NOW - 3_000),
            ("carried_file", "specialist:Анна", "счёт.pdf", NOW - 2_000),
        ]
    );
}
