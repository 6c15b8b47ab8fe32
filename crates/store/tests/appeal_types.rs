//! S5 and A5 in the store: the line's appeal types as the server gave them (replaced whole),
//! the open appeal's type from the server's `AppealTyped` with the timeline's note, the
//! holder's choice queued for the server (alone, or before the finish in one transaction), and
//! the line's auto-finish time as the server announced it.

use linedesk_store::appeal_notes::AppealNoteChange;
use linedesk_store::replica::RemoteChange;
use linedesk_store::{Author, Store};

const NOW: i64 = 1_764_000_000_000;
const LINE: i64 = 3;
const CLIENT: i64 = 41;
const APPEAL: i64 = 77;

fn store_with_my_open_appeal(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    store.set_server_me(5).expect("me");
    let changes = [
        (
            1,
            RemoteChange::Line {
                name: "Линия".into(),
            },
        ),
        (
            2,
            RemoteChange::Message {
                client: CLIENT,
                author: Author::Client,
                text: "Помогите".into(),
                at: NOW,
                origin_key: None,
            },
        ),
        (
            3,
            RemoteChange::AppealOpened {
                client: CLIENT,
                appeal: APPEAL,
                channel: "chat".into(),
                at: NOW,
            },
        ),
        (
            4,
            RemoteChange::Appeal {
                client: CLIENT,
                appeal: APPEAL,
                open: true,
                mine: true,
            },
        ),
    ];
    store.apply_remote(LINE, &changes).expect("apply");
    store
}

fn typed(appeal_type: &str, by: Option<i64>, at: i64) -> RemoteChange {
    RemoteChange::AppealTyped {
        appeal_type: appeal_type.into(),
        note: AppealNoteChange {
            client: CLIENT,
            appeal: APPEAL,
            kind: "typed",
            by,
            to: None,
            target: if by.is_some() { "chosen" } else { "registered" }.into(),
            detail: appeal_type.into(),
            at,
        },
    }
}

#[test]
fn s5_the_lines_types_and_the_servers_typing_are_kept_with_a_note_in_the_timeline() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_my_open_appeal(&dir);
    let types = vec!["Ошибка".to_string(), "Консультация".to_string()];
    store.replace_appeal_types(LINE, &types).expect("types");
    let choice = store
        .appeal_type_choice(LINE, Some(CLIENT))
        .expect("choice");
    assert_eq!(
        (choice.types.clone(), choice.current),
        (types.clone(), None)
    );
    // Replaced whole, per line.
    store
        .replace_appeal_types(LINE, &types[1..])
        .expect("types");
    assert_eq!(
        store.appeal_type_choice(LINE, None).expect("choice").types,
        types[1..]
    );
    assert!(
        store
            .appeal_type_choice(LINE + 1, None)
            .expect("choice")
            .types
            .is_empty()
    );

    store
        .apply_remote(LINE, &[(5, typed("Ошибка", Some(5), NOW + 1))])
        .expect("typed");
    let choice = store
        .appeal_type_choice(LINE, Some(CLIENT))
        .expect("choice");
    assert_eq!(choice.current.as_deref(), Some("Ошибка"));
    let notes = store.appeal_notes_of(LINE, CLIENT).expect("notes");
    let note = notes.iter().find(|n| n.kind == "typed").expect("a note");
    assert_eq!((note.detail.as_str(), note.by_me), ("Ошибка", true));
    // Applied once: a replayed event at or below the cursor changes nothing.
    store
        .apply_remote(LINE, &[(5, typed("Консультация", Some(5), NOW + 2))])
        .expect("replayed");
    assert_eq!(
        store
            .appeal_type_choice(LINE, Some(CLIENT))
            .expect("choice")
            .current
            .as_deref(),
        Some("Ошибка")
    );
}

#[test]
fn s5_the_holders_choice_is_queued_alone_or_before_the_finish() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_my_open_appeal(&dir);
    assert!(store.choose_appeal_type(LINE, CLIENT, "   ", NOW).is_err());
    assert!(
        store
            .choose_appeal_type(LINE, CLIENT, &"я".repeat(101), NOW)
            .is_err()
    );
    store
        .choose_appeal_type(LINE, CLIENT, " Ошибка ", NOW)
        .expect("chosen");
    // Shown at once (the server's `AppealTyped` confirms it).
    assert_eq!(
        store
            .appeal_type_choice(LINE, Some(CLIENT))
            .expect("choice")
            .current
            .as_deref(),
        Some("Ошибка")
    );
    // From the finish dialog: the type first, then the finish, in one go.
    store
        .finish_appeal(LINE, CLIENT, "Решено", Some("Консультация"), NOW + 1)
        .expect("finished");
    let pending = store.outbox_pending(10).expect("outbox");
    let kinds: Vec<(&str, serde_json::Value)> = pending
        .iter()
        .map(|i| {
            (
                i.kind.as_str(),
                serde_json::from_str(&i.payload).expect("json"),
            )
        })
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert_eq!(kinds[0].0, "appeal.type");
    assert_eq!(kinds[0].1["appealType"], "Ошибка");
    assert_eq!(kinds[1].0, "appeal.type");
    assert_eq!(kinds[1].1["appealType"], "Консультация");
    assert_eq!(kinds[1].1["appealId"], APPEAL);
    assert_eq!(kinds[2].0, "appeal.finish");
    // A bad type refuses the finish too: nothing is queued.
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_my_open_appeal(&dir);
    assert!(
        store
            .finish_appeal(LINE, CLIENT, "Решено", Some(" "), NOW)
            .is_err()
    );
    assert!(store.outbox_pending(10).expect("outbox").is_empty());
}

#[test]
fn s5_a_type_named_when_starting_goes_with_the_start() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    let known = [
        (
            1,
            RemoteChange::Line {
                name: "Линия".into(),
            },
        ),
        (
            2,
            RemoteChange::Message {
                client: CLIENT,
                author: Author::Client,
                text: "Здравствуйте".into(),
                at: NOW,
                origin_key: None,
            },
        ),
    ];
    store.apply_remote(LINE, &known).expect("the line's client");
    assert!(store.start_appeal(LINE, CLIENT, Some("  "), NOW).is_err());
    store
        .start_appeal(LINE, CLIENT, Some(" Ошибка "), NOW)
        .expect("start");
    let pending = store.outbox_pending(10).expect("outbox");
    assert_eq!(pending.len(), 1);
    let payload: serde_json::Value = serde_json::from_str(&pending[0].payload).expect("json");
    assert_eq!(
        (pending[0].kind.as_str(), payload["appealType"].as_str()),
        ("appeal.start", Some("Ошибка"))
    );
}

#[test]
fn a5_the_announced_auto_finish_time_is_kept_per_line() {
    let dir = tempfile::tempdir().expect("dir");
    let store = store_with_my_open_appeal(&dir);
    assert_eq!(store.auto_finish_minutes(LINE).expect("minutes"), 0);
    store
        .replace_closing(LINE, &["Всего доброго".to_string()], 30)
        .expect("closing");
    assert_eq!(store.auto_finish_minutes(LINE).expect("minutes"), 30);
    let changed = RemoteChange::ClosingPhrases {
        phrases: Vec::new(),
        auto_finish_minutes: 15,
    };
    store.apply_remote(LINE, &[(5, changed)]).expect("apply");
    assert_eq!(store.auto_finish_minutes(LINE).expect("minutes"), 15);
    assert!(store.closing_phrases(LINE).expect("phrases").is_empty());
    assert_eq!(store.auto_finish_minutes(LINE + 1).expect("minutes"), 0);
}
