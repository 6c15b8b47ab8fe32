//! The store on real SQLite files: migrations, refusals, persistence, validation, list, search.

use linedesk_domain::presence::PresenceStatus;
use linedesk_store::demo::{self, DEMO_SEARCH_CLIENT_NAME, DEMO_SEARCH_INN, DEMO_SEARCH_NAME_PART};
use linedesk_store::{Author, Language, MessageStatus, Profile, Settings, Store, StoreError};

const NOW: i64 = 1_764_000_000_000;
const DAY: i64 = 86_400_000;

fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("linedesk.db");
    (dir, path)
}

fn demo_store() -> (tempfile::TempDir, Store, i64) {
    let (dir, path) = temp_db();
    let store = Store::open(&path).expect("open");
    assert!(demo::seed_if_empty(&store, NOW).expect("seed"));
    let line = store.lines().expect("lines")[0].id;
    (dir, store, line)
}

fn ivanova(store: &Store, line: i64) -> i64 {
    let found = store
        .search_clients(line, DEMO_SEARCH_INN, 10)
        .expect("search");
    found
        .iter()
        .find(|c| c.name == DEMO_SEARCH_CLIENT_NAME)
        .expect("the demo client")
        .id
}

#[test]
fn a_database_at_migration_1_migrates_forward_with_data_intact() {
    let (_dir, path) = temp_db();
    {
        let old = Store::open_at_version(&path, 1).expect("open at 1");
        assert_eq!(old.schema_version().expect("version"), 1);
        demo::seed_if_empty(&old, NOW).expect("seed at version 1");
        old.set_presence(PresenceStatus::Busy, NOW)
            .expect("presence");
    }
    let store = Store::open(&path).expect("migrate forward");
    assert_eq!(
        store.schema_version().expect("version"),
        linedesk_store::migrate::latest_version()
    );
    assert_eq!(store.presence().expect("presence"), PresenceStatus::Busy);
    let line = store.lines().expect("lines")[0].id;
    assert_eq!(store.lines().expect("lines")[0].client_count, 150);
    // Migration 2 indexed the rows that were already there.
    let found = store
        .search_clients(line, DEMO_SEARCH_INN, 10)
        .expect("search");
    assert!(found.iter().any(|c| c.name == DEMO_SEARCH_CLIENT_NAME));
    let hits = store
        .search_history(line, None, "выписк", 10)
        .expect("history search");
    assert!(
        !hits.is_empty(),
        "old messages are searchable after the migration"
    );
}

#[test]
fn an_edited_migration_is_refused_and_the_file_left_alone() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).expect("open"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute(
            "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2",
            [],
        )
        .expect("tamper");
    }
    let before = std::fs::read(&path).expect("read");
    match Store::open(&path) {
        Err(StoreError::MigrationChanged { version: 2, .. }) => {}
        other => panic!("expected MigrationChanged, got {:?}", other.err()),
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn a_damaged_file_is_refused_and_never_overwritten() {
    let (_dir, path) = temp_db();
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i * 31 % 256) as u8).collect();
    std::fs::write(&path, &garbage).expect("write");
    let Err(err) = Store::open(&path) else {
        panic!("must refuse")
    };
    assert!(matches!(err, StoreError::Damaged { .. }), "{err:?}");
    assert_eq!(err.code(), "store.damaged");
    assert_eq!(std::fs::read(&path).expect("read"), garbage);
}

#[test]
fn a_database_with_a_corrupt_page_is_refused() {
    let (_dir, path) = temp_db();
    {
        let store = Store::open(&path).expect("open");
        demo::seed_if_empty(&store, NOW).expect("seed");
    }
    // Checkpoint the WAL into the main file, then overwrite the middle of it.
    rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
        })
        .expect("checkpoint");
    let mut bytes = std::fs::read(&path).expect("read");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).expect("write");
    let Err(err) = Store::open(&path) else {
        panic!("must refuse")
    };
    assert!(
        matches!(err, StoreError::Damaged { .. } | StoreError::Sqlite(_)),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes,
        "the file must not change"
    );
}

#[test]
fn a_newer_database_is_refused_untouched() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).expect("open"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (99, '0099_future', 'x', 0)",
            [],
        )
        .expect("future migration");
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
    }
    let before = std::fs::read(&path).expect("read");
    match Store::open(&path) {
        Err(StoreError::NewerThanKnown { found: 99, known }) => {
            assert_eq!(known, linedesk_store::migrate::latest_version())
        }
        other => panic!("expected NewerThanKnown, got {:?}", other.err()),
    }
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn a_sent_message_survives_reopening_with_its_outbox_row() {
    let (_dir, path) = temp_db();
    let (line, client, id) = {
        let store = Store::open(&path).expect("open");
        demo::seed_if_empty(&store, NOW).expect("seed");
        let line = store.lines().expect("lines")[0].id;
        let client = ivanova(&store, line);
        let m = store
            .send_message(line, client, "  Проверьте выписку, пожалуйста  ", NOW)
            .expect("send");
        assert_eq!(m.text, "Проверьте выписку, пожалуйста");
        assert_eq!(m.status, MessageStatus::Pending);
        assert_eq!(m.author, Author::Specialist);
        (line, client, m.id)
    };
    let store = Store::open(&path).expect("reopen");
    let page = store.messages(line, client, None, 50).expect("messages");
    assert_eq!(page.last().map(|m| m.id), Some(id));
    let outbox = store.outbox_pending(10).expect("outbox");
    let item = outbox
        .iter()
        .find(|o| o.kind == "message.send")
        .expect("queued");
    let payload: serde_json::Value = serde_json::from_str(&item.payload).expect("json");
    assert_eq!(payload["messageId"], id);
    assert!(item.idempotency_key.contains(':'));
    store.outbox_mark_sent(item.id).expect("mark sent");
    assert!(
        store
            .outbox_pending(10)
            .expect("outbox")
            .iter()
            .all(|o| o.id != item.id)
    );
    assert!(matches!(
        store.outbox_mark_sent(999_999),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn idempotency_keys_are_unique() {
    let (_dir, store, line) = demo_store();
    let client = ivanova(&store, line);
    for i in 0..50 {
        store
            .send_message(line, client, &format!("m{i}"), NOW + i)
            .expect("send");
    }
    let items = store.outbox_pending(100).expect("outbox");
    let keys: std::collections::HashSet<_> = items.iter().map(|o| &o.idempotency_key).collect();
    assert_eq!(keys.len(), items.len());
    assert!(items.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
}

#[test]
fn bad_input_gets_typed_errors_and_changes_nothing() {
    let (_dir, store, line) = demo_store();
    let client = ivanova(&store, line);
    let before = store
        .messages(line, client, None, 200)
        .expect("messages")
        .len();
    for text in ["", "   \n\t"] {
        let Err(err) = store.send_message(line, client, text, NOW) else {
            panic!("empty refused")
        };
        assert!(
            matches!(err, StoreError::Invalid { field: "text", .. }),
            "{err:?}"
        );
    }
    let long = "я".repeat(10_001);
    assert!(matches!(
        store.send_message(line, client, &long, NOW),
        Err(StoreError::Invalid { .. })
    ));
    assert!(
        store
            .send_message(line, client, &"я".repeat(10_000), NOW)
            .is_ok()
    );
    assert!(matches!(
        store.send_message(line, 999_999, "привет", NOW),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.send_message(999, client, "привет", NOW),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store
            .messages(line, client, None, 200)
            .expect("messages")
            .len(),
        before + 1
    );

    for days in [0, 6, 91, 1000] {
        let s = Settings {
            actuality_days: days,
            ..Settings::default()
        };
        assert!(matches!(
            store.save_settings(&s),
            Err(StoreError::Invalid {
                field: "actuality_days",
                ..
            })
        ));
    }
    let s = Settings {
        auto_away_minutes: 241,
        ..Settings::default()
    };
    assert!(matches!(
        store.save_settings(&s),
        Err(StoreError::Invalid {
            field: "auto_away_minutes",
            ..
        })
    ));
    assert_eq!(store.settings().expect("settings"), Settings::default());

    let saved = store.profile().expect("profile");
    for email in ["no-at-sign", "a@b", "a b@c.ru", "@c.ru", "a@.ru"] {
        let p = Profile {
            email: email.into(),
            ..saved.clone()
        };
        assert!(
            matches!(
                store.save_profile(&p),
                Err(StoreError::Invalid { field: "email", .. })
            ),
            "{email}"
        );
    }
    let p = Profile {
        avatar: Some("javascript:alert(1)".into()),
        ..saved.clone()
    };
    assert!(matches!(
        store.save_profile(&p),
        Err(StoreError::Invalid {
            field: "avatar",
            ..
        })
    ));
    let p = Profile {
        full_name: "Я".repeat(201),
        ..saved.clone()
    };
    assert!(matches!(
        store.save_profile(&p),
        Err(StoreError::Invalid {
            field: "full_name",
            ..
        })
    ));
    assert_eq!(store.profile().expect("profile"), saved);
}

#[test]
fn profile_and_settings_round_trip() {
    let (_dir, path) = temp_db();
    {
        let store = Store::open(&path).expect("open");
        assert_eq!(store.profile().expect("profile"), Profile::default());
        let p = Profile {
            full_name: " Петрова Ольга ".into(),
            position: "Специалист".into(),
            email: "o.petrova@example.ru".into(),
            phone: "+7 (495) 123-45-67".into(),
            avatar: Some("data:image/png;base64,iVBORw0KGgo=".into()),
        };
        assert_eq!(
            store.save_profile(&p).expect("save").full_name,
            "Петрова Ольга"
        );
        let s = Settings {
            language: Language::En,
            actuality_days: 7,
            auto_away_minutes: 0,
            sounds: false,
            notifications: true,
            notify_appeals: true,
            notify_messages: false,
            notify_calls: true,
            notify_sla: false,
            notify_favourites: true,
            input_device: Some("hw:CARD=Headset,DEV=0".into()),
            output_device: None,
            ring_on_speaker: false,
        };
        assert_eq!(store.save_settings(&s).expect("save"), s);
        let blank = Settings {
            output_device: Some("  ".into()),
            ..s.clone()
        };
        assert!(
            store.save_settings(&blank).is_err(),
            "a blank device is refused"
        );
    }
    let store = Store::open(&path).expect("reopen");
    assert_eq!(
        store.profile().expect("profile").email,
        "o.petrova@example.ru"
    );
    assert_eq!(store.settings().expect("settings").language, Language::En);
    assert_eq!(store.settings().expect("settings").actuality_days, 7);
    assert!(!store.settings().expect("settings").ring_on_speaker);
    assert!(Settings::default().ring_on_speaker, "on by default");
}

#[test]
fn p1_presence_history_persists_and_the_last_status_wins() {
    let (_dir, path) = temp_db();
    {
        let store = Store::open(&path).expect("open");
        assert_eq!(
            store.presence().expect("presence"),
            PresenceStatus::Available
        );
        for (i, s) in PresenceStatus::ALL.into_iter().enumerate() {
            store.set_presence(s, NOW + i as i64).expect("set");
        }
        store
            .set_presence(PresenceStatus::DoNotDisturb, NOW + 10)
            .expect("set");
    }
    let store = Store::open(&path).expect("reopen");
    assert_eq!(
        store.presence().expect("presence"),
        PresenceStatus::DoNotDisturb
    );
    let history = store.presence_history(10).expect("history");
    assert_eq!(history.len(), 6);
    assert_eq!(history[0], (PresenceStatus::DoNotDisturb, NOW + 10));
    let queued = store.outbox_pending(10).expect("outbox");
    assert_eq!(
        queued.iter().filter(|o| o.kind == "presence.set").count(),
        6
    );
}

#[test]
fn the_demo_seed_is_idempotent_with_150_clients_in_40_companies() {
    let (_dir, store, line) = demo_store();
    assert!(!demo::seed_if_empty(&store, NOW).expect("second seed"));
    let lines = store.lines().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].name, demo::DEMO_LINE_NAME);
    assert_eq!(lines[0].client_count, 150);
    assert_eq!(lines[1].client_count, 10);
    let all = store
        .search_clients(line, "1c", 500)
        .expect("all clients by login prefix");
    assert_eq!(all.len(), 150);
    let companies: std::collections::HashSet<_> =
        all.iter().filter_map(|c| c.company.clone()).collect();
    assert_eq!(companies.len(), 40);
    let with_history = all.iter().filter(|c| c.last_message.is_some()).count();
    assert!(
        (40..=60).contains(&with_history),
        "{with_history} clients with history"
    );
}

#[test]
fn c1_c2_conversations_first_most_recent_first_then_alphabetical() {
    let (_dir, store, line) = demo_store();
    // Turn stream mode's window to the maximum so the whole order is visible.
    store
        .save_settings(&Settings {
            actuality_days: 90,
            ..Settings::default()
        })
        .expect("settings");
    let list = store.client_list(line, NOW).expect("list");
    assert!(list.stream_mode);
    for row in list.clients.iter().take(3) {
        assert_eq!(
            &store.client_row(line, row.id).expect("one row"),
            row,
            "one client's row is the list's"
        );
    }
    assert!(
        store.client_row(line, 999_999).is_err(),
        "not a client of the line"
    );
    let (talked, rest): (Vec<_>, Vec<_>) = list
        .clients
        .iter()
        .partition(|c| c.last_message_at.is_some());
    let first_rest = list
        .clients
        .iter()
        .position(|c| c.last_message_at.is_none())
        .unwrap_or(list.clients.len());
    assert_eq!(first_rest, talked.len(), "conversations come first");
    assert!(
        talked
            .windows(2)
            .all(|w| w[0].last_message_at >= w[1].last_message_at)
    );
    let lower: Vec<String> = rest.iter().map(|c| c.name.to_lowercase()).collect();
    assert!(
        lower.windows(2).all(|w| w[0] <= w[1]),
        "the rest alphabetically: {lower:?}"
    );
    // The clients waiting on an open appeal wrote minutes ago; Ivanova's chat is of today too.
    let ivanova_at = talked
        .iter()
        .position(|c| c.name == DEMO_SEARCH_CLIENT_NAME)
        .expect("Ivanova has a conversation");
    assert!(
        ivanova_at < 6,
        "recent conversations come first: {ivanova_at}"
    );
    assert!(
        list.clients.iter().any(|c| c.my_appeal),
        "some appeals are on this specialist (ring)"
    );
}

#[test]
fn c3_stream_mode_lists_only_actual_clients_with_an_inclusive_window() {
    let (_dir, store, line) = demo_store();
    let client = ivanova(&store, line);
    let sent = store
        .send_message(line, client, "граница окна", NOW)
        .expect("send")
        .sent_at;
    store
        .save_settings(&Settings {
            actuality_days: 7,
            ..Settings::default()
        })
        .expect("settings");
    let at_edge = store.client_list(line, sent + 7 * DAY).expect("list");
    assert!(at_edge.stream_mode);
    assert!(
        at_edge.clients.iter().any(|c| c.id == client),
        "exactly at the window's edge: still actual"
    );
    let past = store.client_list(line, sent + 7 * DAY + 1).expect("list");
    assert!(
        past.clients.iter().all(|c| c.id != client),
        "one ms past the window: not actual"
    );
    assert!(past.clients.len() < 150);

    // Added by hand and favourites stay whatever the window.
    let far = sent + 400 * DAY;
    store.add_client_to_list(line, client).expect("add");
    let other = store.search_clients(line, "1c", 200).expect("all")[5].id;
    store.set_favourite(line, other, true).expect("favourite");
    let list = store.client_list(line, far).expect("list");
    let ids: Vec<i64> = list.clients.iter().map(|c| c.id).collect();
    assert!(ids.contains(&client) && ids.contains(&other));
    assert!(
        list.clients
            .iter()
            .find(|c| c.id == other)
            .is_some_and(|c| c.favourite)
    );
    assert!(matches!(
        store.add_client_to_list(line, 999_999),
        Err(StoreError::NotFound { .. })
    ));

    // A small line is never in stream mode.
    let staff = store.lines().expect("lines")[1].id;
    let small = store.client_list(staff, far).expect("list");
    assert!(!small.stream_mode);
    assert_eq!(small.clients.len(), 10);
}

#[test]
fn c4_search_by_inn_name_login_email_and_company() {
    let (_dir, store, line) = demo_store();
    let find = |q: &str| store.search_clients(line, q, 50).expect("search");
    let by_inn = find(DEMO_SEARCH_INN);
    assert!(by_inn.iter().any(|c| c.name == DEMO_SEARCH_CLIENT_NAME));
    assert!(
        by_inn
            .iter()
            .all(|c| c.company.as_deref() == Some("ООО \"Ромашка\"")),
        "INN is the company's"
    );
    assert!(
        find("770123")
            .iter()
            .any(|c| c.name == DEMO_SEARCH_CLIENT_NAME),
        "INN prefix"
    );
    for q in [DEMO_SEARCH_NAME_PART, "ИВАНО", "Иванова Мар", "мария петр"] {
        assert!(
            find(q).iter().any(|c| c.name == DEMO_SEARCH_CLIENT_NAME),
            "name query {q:?}"
        );
    }
    let card = store
        .client_card(line, ivanova(&store, line))
        .expect("card");
    let login = card.login_id.clone().expect("login id");
    assert!(
        find(&login)
            .iter()
            .any(|c| c.name == DEMO_SEARCH_CLIENT_NAME),
        "login id"
    );
    let email = card.email.clone().expect("email");
    assert_eq!(find(&email)[0].name, DEMO_SEARCH_CLIENT_NAME, "e-mail");
    let by_company = find("ромаш");
    assert!(
        by_company.len() >= 3
            && by_company
                .iter()
                .all(|c| c.company.as_deref() == Some("ООО \"Ромашка\""))
    );
    assert!(find("zzzzqqq").is_empty());
    assert!(find("").is_empty());
    // ё and е, й and и are the same to search.
    let fedorov = find("Федоров");
    assert_eq!(fedorov.len(), find("Фёдоров").len());
    // Search covers the whole line in stream mode, beyond the actual list.
    store
        .save_settings(&Settings {
            actuality_days: 7,
            ..Settings::default()
        })
        .expect("settings");
    assert_eq!(find("1c").len(), 50, "limited to the asked 50 of 150");
}

#[test]
fn c4_numbers_are_found_however_typed_and_surnames_rank_first() {
    let (_dir, store, line) = demo_store();
    let find = |q: &str| store.search_clients(line, q, 50).expect("search");
    let ivanova = ivanova(&store, line);
    // The INN with spaces, dashes, an «ИНН» prefix (it found nothing typed with spaces).
    for q in [
        "770 123 4560",
        "ИНН 7701234560",
        "инн: 770-123-45-60",
        "7701 2345 60",
    ] {
        assert!(
            find(q).iter().any(|c| c.id == ivanova),
            "INN typed as {q:?}"
        );
    }
    // The phone as the card holds it (+7 9XX XXX-XX-XX), typed with 8, +7, or without the code.
    let card = store.client_card(line, ivanova).expect("card");
    let phone = card.phone.clone().expect("the demo client has a phone");
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 11, "{phone}");
    let local = &digits[1..];
    for q in [
        phone.clone(),
        digits.clone(),
        format!("8{local}"),
        format!(
            "8 ({}) {}-{}-{}",
            &local[..3],
            &local[3..6],
            &local[6..8],
            &local[8..]
        ),
        local.to_string(),
        local[..6].to_string(),
    ] {
        assert!(
            find(&q).iter().any(|c| c.id == ivanova),
            "phone typed as {q:?}"
        );
    }
    // The company's registration number, with dashes.
    let reg = card
        .company
        .as_ref()
        .and_then(|co| co.reg_number.clone())
        .expect("the demo company has a registration number");
    let dashed: String = reg
        .chars()
        .enumerate()
        .flat_map(|(i, c)| (i > 0 && i % 3 == 0).then_some('-').into_iter().chain([c]))
        .collect();
    assert!(
        find(&dashed).iter().any(|c| c.id == ivanova),
        "registration number {dashed:?}"
    );
    // A surname before a patronymic with the same letters.
    let by_surname = find("ивано");
    let first_other = by_surname
        .iter()
        .position(|c| !c.name.to_lowercase().starts_with("ивано"))
        .unwrap_or(by_surname.len());
    assert!(
        by_surname[first_other..]
            .iter()
            .all(|c| !c.name.to_lowercase().starts_with("ивано")),
        "every surname match comes first: {:?}",
        by_surname.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    assert!(first_other > 0, "some surnames match");
    assert!(
        by_surname.len() > first_other,
        "and some patronymics: {:?}",
        by_surname.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
}

/// Issue 16, item 5: surnames come first in alphabetical order (case-insensitive, ё as е),
/// then the other matches by name; a second word narrows the surnames; a page stops at its
/// limit.
#[test]
fn c4_surnames_come_first_alphabetically_with_yo_as_ye() {
    use linedesk_store::replica::{ClientRecord, RemoteChange};
    let (_dir, path) = temp_db();
    let store = Store::open(&path).expect("open");
    let names = [
        "Петров Фёдор Иванович",
        "федорова Анна Сергеевна",
        "Фёдоров Илья Петрович",
        "Федоренко Олег Николаевич",
        "Сидоров Олег Федорович",
    ];
    let mut changes = vec![(
        1,
        RemoteChange::Line {
            name: "Линия".into(),
        },
    )];
    for (i, name) in names.iter().enumerate() {
        changes.push((
            i as i64 + 2,
            RemoteChange::Client(Box::new(ClientRecord {
                id: i as i64 + 1,
                name: name.to_string(),
                login_id: None,
                email: None,
                phone: None,
                company: None,
                position: None,
                department: None,
                region: None,
                birth_date: None,
                vip: false,
                work_status: None,
                responsible: Vec::new(),
                guest: false,
            })),
        ));
    }
    assert_eq!(store.apply_remote(7, &changes).expect("apply"), 6);
    let find = |q: &str, limit: u32| -> Vec<String> {
        store
            .search_clients(7, q, limit)
            .expect("search")
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    assert_eq!(
        find("фёдор", 50),
        [
            "Федоренко Олег Николаевич",
            "Фёдоров Илья Петрович",
            "федорова Анна Сергеевна",
            "Петров Фёдор Иванович",
            "Сидоров Олег Федорович",
        ]
    );
    assert_eq!(find("ФЕДОР ИЛ", 50), ["Фёдоров Илья Петрович"]);
    assert_eq!(
        find("федор", 2),
        ["Федоренко Олег Николаевич", "Фёдоров Илья Петрович"]
    );
    assert_eq!(
        find("олег", 50),
        ["Сидоров Олег Федорович", "Федоренко Олег Николаевич"]
    );
    assert!(find("федор", 50).len() == 5 && find("ж", 50).is_empty());
    assert!(matches!(
        store.search_clients(99, "федор", 5),
        Err(linedesk_store::StoreError::NotFound { what: "line", .. })
    ));
}

#[test]
fn hostile_search_input_never_errors() {
    let (_dir, store, line) = demo_store();
    for q in [
        "\"",
        "*",
        "AND",
        "OR NOT",
        "(",
        ")",
        "NEAR/3",
        "a:b",
        "^x",
        "'; DROP TABLE clients; --",
        "\u{0}",
        "💥",
        "{}[]",
    ] {
        store
            .search_clients(line, q, 10)
            .unwrap_or_else(|e| panic!("client search {q:?}: {e}"));
        store
            .search_history(line, None, q, 10)
            .unwrap_or_else(|e| panic!("history search {q:?}: {e}"));
    }
    assert_eq!(store.lines().expect("lines")[0].client_count, 150);
}

#[test]
fn c6_history_search_marks_hits_in_plain_text() {
    let (_dir, store, line) = demo_store();
    let client = ivanova(&store, line);
    store
        .send_message(
            line,
            client,
            "<b>Выписка</b> загружена, проверьте банк",
            NOW,
        )
        .expect("send");
    let hits = store
        .search_history(line, Some(client), "выписк", 20)
        .expect("search");
    assert!(!hits.is_empty());
    let top = &hits[0];
    assert_eq!(top.client_name, DEMO_SEARCH_CLIENT_NAME);
    assert!(top.snippet.contains("[[Выписка]]"), "{}", top.snippet);
    assert!(
        top.snippet.contains("<b>"),
        "markup stays literal text for the UI to escape"
    );
    let whole_line = store
        .search_history(line, None, "выписк", 200)
        .expect("search");
    assert!(whole_line.len() >= hits.len());
    assert!(
        whole_line.iter().any(|h| h.message.client_id != client),
        "the whole line's history"
    );
}

#[test]
fn c6_history_search_folds_yo_both_ways_and_shows_the_text_as_written() {
    let (_dir, store, line) = demo_store();
    let client = ivanova(&store, line);
    store
        .send_message(line, client, "Курьер пришёл, Фёдоров всё подписал", NOW)
        .expect("send");
    store
        .send_message(line, client, "Счет ушел в банк", NOW + 1)
        .expect("send");
    for q in ["пришел", "пришёл", "федоров", "ФЁДОРОВ"] {
        let hits = store
            .search_history(line, Some(client), q, 20)
            .expect("search");
        assert_eq!(hits.len(), 1, "{q:?}");
        assert!(
            hits[0].snippet.contains("[[пришёл]]") || hits[0].snippet.contains("[[Фёдоров]]"),
            "the hit marked in the text as written: {}",
            hits[0].snippet
        );
    }
    let hits = store
        .search_history(line, Some(client), "ушёл", 20)
        .expect("search");
    assert_eq!(hits.len(), 1, "ё typed, е written");
    assert!(hits[0].snippet.contains("[[ушел]]"), "{}", hits[0].snippet);
}

#[test]
fn c5_card_has_company_person_vip_and_responsible() {
    let (_dir, store, line) = demo_store();
    let card = store
        .client_card(line, ivanova(&store, line))
        .expect("card");
    assert!(card.client.vip);
    let company = card.company.expect("company");
    assert_eq!(company.inn.as_deref(), Some(DEMO_SEARCH_INN));
    assert!(company.reg_number.is_some() && company.its_contract.is_some());
    assert!(!card.responsible.is_empty());
    assert!(card.region.is_some() && card.birth_date.is_some() && card.phone.is_some());
    let staff = store.lines().expect("lines")[1].id;
    assert!(
        matches!(
            store.client_card(staff, card.client.id),
            Err(StoreError::NotFound { .. })
        ),
        "not on that line"
    );
}

#[test]
fn message_pages_go_back_in_time() {
    let (_dir, store, line) = demo_store();
    let client = ivanova(&store, line);
    for i in 0..30 {
        store
            .send_message(line, client, &format!("сообщение {i}"), NOW + i)
            .expect("send");
    }
    let newest = store.messages(line, client, None, 10).expect("page");
    assert_eq!(newest.len(), 10);
    assert_eq!(newest.last().map(|m| m.text.as_str()), Some("сообщение 29"));
    assert!(
        newest.windows(2).all(|w| w[0].id < w[1].id),
        "oldest first within a page"
    );
    let older = store
        .messages(line, client, newest.first().map(|m| m.id), 10)
        .expect("page");
    assert_eq!(older.last().map(|m| m.text.as_str()), Some("сообщение 19"));
}

#[test]
fn a_draft_survives_reopening_and_sending_clears_it() {
    let (_dir, path) = temp_db();
    let (line, client) = {
        let store = Store::open(&path).expect("open");
        demo::seed_if_empty(&store, NOW).expect("seed");
        let line = store.lines().expect("lines")[0].id;
        let client = ivanova(&store, line);
        assert_eq!(store.draft(line, client).expect("draft"), "");
        store
            .save_draft(line, client, "Добрый день,", NOW)
            .expect("save");
        store
            .save_draft(line, client, "Добрый день, сейчас проверю", NOW + 1)
            .expect("save");
        (line, client)
    };
    let store = Store::open(&path).expect("reopen");
    assert_eq!(
        store.draft(line, client).expect("draft"),
        "Добрый день, сейчас проверю"
    );
    assert!(matches!(
        store.save_draft(line, 999_999, "x", NOW),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.save_draft(line, client, &"я".repeat(10_001), NOW),
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(
        store.draft(line, client).expect("draft"),
        "Добрый день, сейчас проверю"
    );
    store
        .send_message(line, client, "Добрый день, сейчас проверю", NOW + 2)
        .expect("send");
    assert_eq!(
        store.draft(line, client).expect("draft"),
        "",
        "sending clears the draft"
    );
    store
        .save_draft(line, client, "ещё", NOW + 3)
        .expect("save");
    store
        .save_draft(line, client, "   ", NOW + 4)
        .expect("blank clears");
    assert_eq!(store.draft(line, client).expect("draft"), "");
}

#[test]
fn acknowledged_messages_become_sent_and_refused_actions_step_aside() {
    let (_dir, store, line) = demo_store();
    let client = ivanova(&store, line);
    let first = store
        .send_message(line, client, "первое", NOW)
        .expect("send");
    store
        .send_message(line, client, "второе", NOW + 1)
        .expect("send");
    let pending = store.outbox_pending(10).expect("outbox");
    assert_eq!(store.outbox_pending_count().expect("count"), 2);
    store
        .outbox_mark_failed(pending[0].id, "forbidden")
        .expect("fail");
    assert!(
        store.outbox_mark_failed(pending[0].id, "again").is_err(),
        "only pending items fail"
    );
    let left = store.outbox_pending(10).expect("outbox");
    assert_eq!(left.len(), 1, "the refused one no longer blocks the queue");
    store.outbox_mark_sent(left[0].id).expect("sent");
    let page = store.messages(line, client, None, 50).expect("messages");
    let status = |text: &str| page.iter().find(|m| m.text == text).map(|m| m.status);
    assert_eq!(status("второе"), Some(MessageStatus::Sent));
    assert_eq!(
        status("первое"),
        Some(MessageStatus::Pending),
        "a refused message is not shown as sent"
    );
    assert_eq!(first.status, MessageStatus::Pending);
    assert_eq!(store.outbox_pending_count().expect("count"), 0);
}

#[test]
fn voice_processing_has_every_stage_on_until_switched_off_and_survives_a_restart() {
    use linedesk_store::VoiceProcessing;
    let (_dir, path) = temp_db();
    let store = Store::open(&path).expect("open");
    let default = VoiceProcessing {
        echo_cancellation: true,
        noise_suppression: true,
        gain_control: true,
    };
    assert_eq!(store.voice_processing().expect("read"), default);
    assert_eq!(VoiceProcessing::default(), default);
    let all = VoiceProcessing {
        echo_cancellation: true,
        noise_suppression: true,
        gain_control: true,
    };
    let off = VoiceProcessing {
        echo_cancellation: false,
        noise_suppression: true,
        gain_control: false,
    };
    assert_eq!(store.save_voice_processing(&off).expect("save"), off);
    drop(store);
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.voice_processing().expect("read"), off);
    // Each stage switches back on, and off again, alone.
    let none = VoiceProcessing {
        echo_cancellation: false,
        noise_suppression: false,
        gain_control: false,
    };
    assert_eq!(store.save_voice_processing(&none).expect("save"), none);
    assert_eq!(store.save_voice_processing(&all).expect("save"), all);
    // The other settings are untouched.
    assert_eq!(store.settings().expect("settings"), Settings::default());
}

/// Settings saved before the stages were on by default (the echo canceller off, or every
/// stage) come back on at the upgrade (migration 0031); a stage switched off after it is the
/// specialist's choice and stays off across restarts.
#[test]
fn stages_saved_off_before_the_upgrade_come_back_on_and_a_later_choice_is_kept() {
    use linedesk_store::VoiceProcessing;
    let (_dir, path) = temp_db();
    let before = VoiceProcessing {
        echo_cancellation: false,
        noise_suppression: true,
        gain_control: false,
    };
    {
        let old = Store::open_at_version(&path, 30).expect("open at 30");
        assert_eq!(old.save_voice_processing(&before).expect("save"), before);
        old.save_settings(&Settings {
            language: Language::En,
            ..Settings::default()
        })
        .expect("other settings");
    }
    let store = Store::open(&path).expect("migrate forward");
    assert_eq!(
        store.voice_processing().expect("read"),
        VoiceProcessing::default(),
        "every stage on after the upgrade"
    );
    assert_eq!(
        store.settings().expect("settings").language,
        Language::En,
        "the other settings are kept"
    );
    let choice = VoiceProcessing {
        echo_cancellation: false,
        noise_suppression: true,
        gain_control: true,
    };
    assert_eq!(store.save_voice_processing(&choice).expect("save"), choice);
    drop(store);
    let store = Store::open(&path).expect("reopen");
    assert_eq!(
        store.voice_processing().expect("read"),
        choice,
        "a choice made after the upgrade is kept"
    );
}
