//! Copying a server to another database (issue 17, `migrate`): every table of a server with
//! traffic (messages, a routed appeal, a file, a recorded call, a KB article, a token) copied
//! into an empty database of the same backend keeps the logs under their numbers, the
//! accounts, the bytes and the tokens; new ids follow the copied ones; routing goes on from
//! the copy; a database that holds anything is refused.

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, CallEndReason, Event};
use linedesk_server::storage::{Storage, Subject};
use linedesk_server::transfer::{TABLES, TransferError, copy};

use super::{NOW, Open, done, fresh, log, message, seed};

pub fn a_copy_keeps_everything<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, client) = (Subject::specialist(l.anna), Subject::client(l.client));
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(anna, "p", &available, NOW));
    done(s.apply(client, "m1", &message("Не печатает чек"), NOW));
    let (shared, _) = s
        .share_file(client, None, "акт.pdf", b"%PDF-1.4", Some("u1"), NOW)
        .expect("file");
    let place = Action::PlaceCall {
        line: l.line,
        client: None,
    };
    let call = done(s.apply(client, "c1", &place, NOW))
        .iter()
        .find_map(|e| match e.event {
            Event::CallRinging { call, .. } => Some(call),
            _ => None,
        })
        .expect("ringing");
    done(s.apply(anna, "a1", &Action::AnswerCall { call }, NOW + 1_000));
    let hang = Action::HangUp {
        call,
        reason: CallEndReason::HungUp,
    };
    done(s.apply(anna, "h1", &hang, NOW + 61_000));
    s.save_recording(anna, call, b"OggS-recording", 60_000, &[], NOW + 62_000)
        .expect("recording");
    let article = s
        .add_kb_article(l.line, "Касса", "Перезапустите кассу")
        .expect("article");
    s.save_token("token-hash", client, NOW + 3_600_000)
        .expect("token");

    let target_dir = tempfile::tempdir().expect("dir");
    let t = open(&target_dir.path().join("server.db"));
    assert_eq!(t.first_table_with_rows().expect("empty?"), None);
    let mut heard = Vec::new();
    let copied = copy(&s, &t, &mut |table, rows| heard.push((table, rows))).expect("copy");
    assert_eq!(copied, heard, "each table reported as copied");
    let tables: Vec<&str> = copied.iter().map(|(table, _)| *table).collect();
    assert_eq!(tables, TABLES, "every table, in order");
    let rows = |name| copied.iter().find(|(t, _)| *t == name).map(|(_, n)| *n);
    assert_eq!(rows("events"), Some(log(&s, l.line).len() as u64));
    assert_eq!(rows("call_recordings"), Some(1));

    assert_eq!(
        log(&t, l.line),
        log(&s, l.line),
        "the log under its numbers"
    );
    assert_eq!(t.lines().expect("lines"), s.lines().expect("lines"));
    for login in ["anna", "vera"] {
        assert_eq!(
            t.account_by_login(login).expect("account"),
            s.account_by_login(login).expect("account"),
            "{login}'s account and password hash"
        );
    }
    assert_eq!(
        t.token_owner("token-hash", NOW).expect("token"),
        s.token_owner("token-hash", NOW).expect("token")
    );
    let file = t.file(shared.file).expect("file").expect("copied");
    assert_eq!(file.bytes, b"%PDF-1.4");
    assert_eq!(
        t.recording(call).expect("recording"),
        s.recording(call).expect("recording")
    );
    assert_eq!(
        t.kb_article(l.line, article).expect("article"),
        s.kb_article(l.line, article).expect("article")
    );
    assert_eq!(
        t.search_kb(l.line, "касс", 5).expect("search").len(),
        1,
        "the copied KB is searchable"
    );
    assert_eq!(
        t.sla_levels(l.line).expect("levels"),
        s.sla_levels(l.line).expect("levels")
    );
    t.finish_import().expect("finish again changes nothing");

    // New ids follow the copied ones; routing goes on from the copy (Анна is available).
    let newcomer = t.add_client(l.line, "Петров").expect("client");
    assert!(newcomer > l.client, "{newcomer} after {}", l.client);
    let routed = done(t.apply(
        Subject::client(newcomer),
        "n1",
        &message("Здравствуйте"),
        NOW + 100_000,
    ));
    assert!(
        routed
            .iter()
            .any(|e| matches!(e.event, Event::AppealAssigned { .. })),
        "{routed:?}"
    );
    let head = log(&s, l.line).len() as u64;
    assert!(
        log(&t, l.line)
            .iter()
            .skip(head as usize)
            .all(|e| e.seq > head),
        "numbers go on from the copied log"
    );

    match copy(&s, &t, &mut |_, _| {}) {
        Err(TransferError::TargetNotEmpty("lines")) => {}
        other => panic!("a database with rows is refused: {other:?}"),
    }
}
