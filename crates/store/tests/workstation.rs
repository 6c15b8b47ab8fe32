//! The workstation's store (issue 6) on a real SQLite file: tickets with creator, queue,
//! worker and history from the line's log (T1-T5), ticket actions through the outbox with
//! typed refusals, the specialist's appeals by status, date and channel (A1, A6), files as
//! chat items and the outgoing files kept until the server has them (A1).

use chrono::{TimeZone, Utc};
use linedesk_domain::appeal::{SupportTier, TransferTarget};
use linedesk_domain::ids::{QueueId, SpecialistId};
use linedesk_domain::ticket::{TicketAction, TicketHistoryEntry, TicketNumber};
use linedesk_store::replica::{ClientRecord, RemoteChange};
use linedesk_store::{AppealListFilter, AppealListStatus, Author, ChatFile, Store, StoreError};

/// (action, by, by name, queue name, text) of a history entry.
type HistoryLine = (String, i64, Option<String>, Option<String>, Option<String>);

const NOW: i64 = 1_764_000_000_000;
const LINE: i64 = 7;
const ME: i64 = 5;
const WORKER: i64 = 6;

fn entry(by: i64, action: TicketAction, at: i64) -> TicketHistoryEntry {
    TicketHistoryEntry {
        at: Utc.timestamp_millis_opt(at).single().expect("time"),
        by: SpecialistId(by as u64),
        action,
    }
}

fn client(id: i64, name: &str) -> RemoteChange {
    RemoteChange::Client(Box::new(ClientRecord {
        id,
        name: name.into(),
        ..ClientRecord::default()
    }))
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("linedesk.db")).expect("open")
}

/// A line with two queues, a client, colleagues, and ticket 100 (`26-000042`) created by me,
/// dispatched to "Бухгалтерия", taken by the worker and returned with a reason.
fn seeded(store: &Store) {
    let number = TicketNumber {
        year: 2026,
        seq: 42,
    };
    let log = vec![
        (
            1,
            RemoteChange::Line {
                name: "Линия".into(),
            },
        ),
        (
            2,
            RemoteChange::TicketQueue {
                id: 1,
                name: "Первая линия".into(),
            },
        ),
        (
            3,
            RemoteChange::TicketQueue {
                id: 2,
                name: "Бухгалтерия".into(),
            },
        ),
        (4, client(40, "Иванова Анна")),
        (
            5,
            RemoteChange::Colleague {
                id: ME,
                name: "Мария".into(),
            },
        ),
        (
            6,
            RemoteChange::Colleague {
                id: WORKER,
                name: "Олег".into(),
            },
        ),
        (
            7,
            RemoteChange::TicketCreated {
                id: 100,
                client: 40,
                number: number.to_string(),
                subject: "Ошибка печати".into(),
                text: "Не печатается счёт".into(),
                state: "open".into(),
                at: NOW,
                appeal: Some(900),
                entry: entry(ME, TicketAction::Created, NOW),
            },
        ),
        (
            8,
            RemoteChange::TicketChanged {
                id: 100,
                state: "open_dispatch".into(),
                repeat: false,
                at: NOW + 1,
                queue: Some(2),
                entry: entry(ME, TicketAction::Dispatched { queue: QueueId(2) }, NOW + 1),
            },
        ),
        (
            9,
            RemoteChange::TicketChanged {
                id: 100,
                state: "open".into(),
                repeat: false,
                at: NOW + 2,
                queue: Some(2),
                entry: entry(WORKER, TicketAction::Taken, NOW + 2),
            },
        ),
        (
            10,
            RemoteChange::TicketChanged {
                id: 100,
                state: "open_reject_return".into(),
                repeat: false,
                at: NOW + 3,
                queue: None,
                entry: entry(
                    WORKER,
                    TicketAction::Rejected {
                        reason: "Не та категория".into(),
                    },
                    NOW + 3,
                ),
            },
        ),
    ];
    assert_eq!(store.apply_remote(LINE, &log).expect("apply"), 10);
    assert_eq!(store.apply_remote(LINE, &log).expect("replay"), 0);
}

#[test]
fn t3_t4_the_folder_the_search_by_number_and_the_history_come_from_the_log() {
    let dir = tempfile::tempdir().expect("dir");
    {
        seeded(&open(&dir));
    }
    let store = open(&dir);
    let queues: Vec<(i64, String)> = store
        .ticket_queues(LINE)
        .expect("queues")
        .into_iter()
        .map(|q| (q.id, q.name))
        .collect();
    assert_eq!(
        queues,
        [(1, "Первая линия".into()), (2, "Бухгалтерия".into())]
    );
    let folder = store.ticket_folder(ME).expect("folder");
    assert_eq!(folder.len(), 1);
    let t = &folder[0];
    assert_eq!(
        (t.number.as_str(), t.subject.as_str(), t.state.as_str()),
        ("26-000042", "Ошибка печати", "open_reject_return")
    );
    assert_eq!(
        (t.creator, t.owner, t.queue_id),
        (Some(ME), Some(WORKER), None)
    );
    assert_eq!(
        (t.client_name.as_str(), t.appeal_id),
        ("Иванова Анна", Some(900))
    );
    assert!(store.ticket_folder(WORKER).expect("folder").is_empty());
    let found = store.find_ticket("№ 26 42").expect("find").expect("found");
    assert_eq!(found.id, 100);
    assert!(store.find_ticket("26-000043").expect("find").is_none());
    assert!(matches!(
        store.find_ticket("42"),
        Err(StoreError::Invalid {
            field: "number",
            ..
        })
    ));
    let history: Vec<HistoryLine> = store
        .ticket_history(100)
        .expect("history")
        .into_iter()
        .map(|h| (h.action, h.by, h.by_name, h.queue_name, h.text))
        .collect();
    assert_eq!(
        history,
        [
            ("created".into(), ME, Some("Мария".into()), None, None),
            (
                "dispatched".into(),
                ME,
                Some("Мария".into()),
                Some("Бухгалтерия".into()),
                None
            ),
            ("taken".into(), WORKER, Some("Олег".into()), None, None),
            (
                "rejected".into(),
                WORKER,
                Some("Олег".into()),
                None,
                Some("Не та категория".into())
            ),
        ]
    );
    // Closed: out of the folder, still found by number.
    store
        .apply_remote(
            LINE,
            &[(
                11,
                RemoteChange::TicketChanged {
                    id: 100,
                    state: "closed".into(),
                    repeat: false,
                    at: NOW + 4,
                    queue: None,
                    entry: entry(ME, TicketAction::Closed, NOW + 4),
                },
            )],
        )
        .expect("close");
    assert!(store.ticket_folder(ME).expect("folder").is_empty());
    assert_eq!(
        store
            .find_ticket("26-000042")
            .expect("find")
            .expect("found")
            .state,
        "closed"
    );
}

#[test]
fn t2_t5_ticket_actions_go_through_the_outbox_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir);
    seeded(&store);
    assert!(matches!(
        store.dispatch_ticket(100, 99, NOW),
        Err(StoreError::Invalid { field: "queue", .. })
    ));
    assert!(matches!(
        store.reject_ticket(100, "   ", NOW),
        Err(StoreError::Invalid {
            field: "reason",
            ..
        })
    ));
    assert!(matches!(
        store.comment_ticket(100, "", NOW),
        Err(StoreError::Invalid {
            field: "comment",
            ..
        })
    ));
    assert!(matches!(
        store.take_ticket(555, NOW),
        Err(StoreError::NotFound { what: "ticket", .. })
    ));
    assert!(store.outbox_pending(10).expect("outbox").is_empty());

    store.save_ticket(100, NOW).expect("save");
    store.dispatch_ticket(100, 1, NOW).expect("dispatch");
    store.take_ticket(100, NOW).expect("take");
    store.reject_ticket(100, "Нет данных", NOW).expect("reject");
    store.forward_ticket(100, 2, NOW).expect("forward");
    store
        .comment_ticket(100, "Позвонил клиенту", NOW)
        .expect("comment");
    store
        .repeat_ticket(100, "Опять не печатает", true, NOW)
        .expect("repeat");
    store
        .close_and_recreate_ticket(100, "Настройка принтера", "Принтер не настроен", NOW)
        .expect("replace");
    let kinds: Vec<String> = store
        .outbox_pending(20)
        .expect("outbox")
        .into_iter()
        .map(|i| i.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "ticket.save",
            "ticket.dispatch",
            "ticket.take",
            "ticket.reject",
            "ticket.forward",
            "ticket.comment",
            "ticket.repeat",
            "ticket.close",
            "ticket.create"
        ]
    );
    let create = store
        .outbox_pending(20)
        .expect("outbox")
        .pop()
        .expect("create");
    let payload: serde_json::Value = serde_json::from_str(&create.payload).expect("json");
    assert_eq!(
        (
            payload["clientId"].as_i64(),
            payload["lineId"].as_i64(),
            payload["subject"].as_str()
        ),
        (Some(40), Some(LINE), Some("Настройка принтера"))
    );
    // Only a returned ticket is replaced; a closed one is not closed again.
    store
        .apply_remote(
            LINE,
            &[(
                11,
                RemoteChange::TicketChanged {
                    id: 100,
                    state: "closed".into(),
                    repeat: false,
                    at: NOW + 4,
                    queue: None,
                    entry: entry(ME, TicketAction::Closed, NOW + 4),
                },
            )],
        )
        .expect("close");
    assert!(matches!(
        store.close_and_recreate_ticket(100, "a", "b", NOW),
        Err(StoreError::Invalid {
            field: "ticket",
            ..
        })
    ));
    assert!(matches!(
        store.close_ticket(100, NOW),
        Err(StoreError::Invalid {
            field: "ticket",
            ..
        })
    ));
    assert_eq!(
        store.tickets_in_queue(2).expect("queue").len(),
        0,
        "a closed ticket leaves its queue"
    );
    // C8: a KB draft goes the same way.
    assert!(matches!(
        store.queue_kb_draft(LINE, "", "x", NOW),
        Err(StoreError::Invalid {
            field: "subject",
            ..
        })
    ));
    assert!(matches!(
        store.queue_kb_draft(99, "Печать", "x", NOW),
        Err(StoreError::NotFound { what: "line", .. })
    ));
    store
        .queue_kb_draft(LINE, "Печать", "Проверьте принтер", NOW)
        .expect("draft");
    let last = store
        .outbox_pending(20)
        .expect("outbox")
        .pop()
        .expect("draft");
    assert_eq!(last.kind, "kb.draft");
}

#[test]
fn a1_a6_my_appeals_filter_by_status_date_and_channel_newest_first() {
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir);
    let mut log = vec![
        (
            1,
            RemoteChange::Line {
                name: "Линия".into(),
            },
        ),
        (2, client(40, "Иванова Анна")),
        (3, client(41, "Петров Пётр")),
    ];
    let mut seq = 3;
    let mut next = || {
        seq += 1;
        seq
    };
    // 900: chat, mine, finished; 901: file, mine, spam; 902: manual, mine, open;
    // 903: call, a colleague's.
    for (appeal, client, channel, holder, at) in [
        (900, 40, "chat", ME, NOW),
        (901, 41, "file", ME, NOW + 10),
        (902, 40, "manual", ME, NOW + 20),
        (903, 41, "call", WORKER, NOW + 30),
    ] {
        log.push((
            next(),
            RemoteChange::AppealOpened {
                client,
                appeal,
                channel: channel.into(),
                at,
            },
        ));
        log.push((
            next(),
            RemoteChange::AppealHeld {
                client,
                appeal,
                specialist: holder,
                mine: holder == ME,
            },
        ));
        if appeal == 900 {
            log.push((
                next(),
                RemoteChange::AppealEnded {
                    client,
                    appeal,
                    result: Some("Помогли".into()),
                    spam_by: None,
                    at: at + 5,
                },
            ));
        }
        if appeal == 901 {
            log.push((
                next(),
                RemoteChange::AppealEnded {
                    client,
                    appeal,
                    result: None,
                    spam_by: Some(ME),
                    at: at + 5,
                },
            ));
        }
    }
    log.push((
        next(),
        RemoteChange::AppealTier {
            appeal: 902,
            tier: "second".into(),
        },
    ));
    store.apply_remote(LINE, &log).expect("apply");

    let ids = |filter: AppealListFilter| -> Vec<i64> {
        store
            .my_appeals(ME, &filter)
            .expect("list")
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(ids(AppealListFilter::default()), [902, 901, 900]);
    let by_status = |status| {
        ids(AppealListFilter {
            status: Some(status),
            ..AppealListFilter::default()
        })
    };
    assert_eq!(by_status(AppealListStatus::Open), [902]);
    assert_eq!(by_status(AppealListStatus::Finished), [900]);
    assert_eq!(by_status(AppealListStatus::Spam), [901]);
    assert_eq!(
        ids(AppealListFilter {
            channel: Some("file".into()),
            ..AppealListFilter::default()
        }),
        [901]
    );
    assert_eq!(
        ids(AppealListFilter {
            from: Some(NOW + 5),
            to: Some(NOW + 20),
            ..AppealListFilter::default()
        }),
        [901]
    );
    let all = store
        .my_appeals(ME, &AppealListFilter::default())
        .expect("list");
    assert_eq!(
        (all[0].client_name.as_str(), all[0].line_name.as_str()),
        ("Иванова Анна", "Линия")
    );
    assert_eq!(all[0].tier.as_deref(), Some("second"));
    assert_eq!(
        (all[2].result.as_deref(), all[2].finished_at),
        (Some("Помогли"), Some(NOW + 5))
    );
    assert!(all[1].spam);
    // A7: the client's whole list, a colleague's included, oldest first.
    let of_41: Vec<i64> = store
        .appeals_of(LINE, 41)
        .expect("the client's appeals")
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(of_41, [901, 903]);
    assert_eq!(store.open_appeal_id(LINE, 40).expect("open"), Some(902));
    assert_eq!(
        store.open_appeal_id(LINE, 41).expect("open"),
        None,
        "903 is not mine"
    );

    // The specialist's own actions on appeals go through the outbox.
    assert!(matches!(
        store.start_appeal(LINE, 40, None, NOW),
        Err(StoreError::Invalid {
            field: "appeal",
            ..
        })
    ));
    store.start_appeal(LINE, 41, None, NOW).expect("start");
    store
        .transfer_appeal_to(
            LINE,
            40,
            TransferTarget::Tier(SupportTier::Second),
            "Сложно",
            NOW,
        )
        .expect("transfer");
    let items = store.outbox_pending(10).expect("outbox");
    assert_eq!(items[0].kind, "appeal.start");
    let transfer: serde_json::Value = serde_json::from_str(&items[1].payload).expect("json");
    assert_eq!(
        transfer["target"],
        serde_json::json!({"to": "tier", "id": "second"})
    );
    assert!(
        matches!(
            store.mark_spam(LINE, 40, NOW),
            Err(StoreError::Invalid {
                field: "appeal",
                ..
            })
        ),
        "no longer mine once transferred"
    );
}

#[test]
fn a1_files_are_chat_items_and_outgoing_files_wait_in_the_store() {
    let dir = tempfile::tempdir().expect("dir");
    let upload = {
        let store = open(&dir);
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
                    (2, client(40, "Иванова Анна")),
                    (
                        3,
                        RemoteChange::FileShared {
                            client: 40,
                            file: 77,
                            author: Author::Client,
                            name: "отчёт.xlsx".into(),
                            size: 70_000,
                            at: NOW,
                        },
                    ),
                ],
            )
            .expect("apply");
        let chat = store.messages(LINE, 40, None, 10).expect("chat");
        assert_eq!(chat.len(), 1);
        assert_eq!(chat[0].text, "отчёт.xlsx");
        assert_eq!(
            chat[0].file,
            Some(ChatFile {
                id: 77,
                size: 70_000
            })
        );
        assert!(matches!(
            store.queue_upload(LINE, 40, "big.bin", &vec![0; 10 * 1024 * 1024 + 1], NOW),
            Err(StoreError::Invalid { field: "file", .. })
        ));
        assert!(matches!(
            store.queue_upload(LINE, 40, "empty.txt", &[], NOW),
            Err(StoreError::Invalid { field: "file", .. })
        ));
        store
            .queue_upload(LINE, 40, "invoice.pdf", b"%PDF-1.4", NOW)
            .expect("queue")
    };
    // The app died before the upload: the file is still there after a restart.
    let store = open(&dir);
    let pending = store.pending_uploads(10).expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].id, pending[0].bytes.as_slice()),
        (upload, &b"%PDF-1.4"[..])
    );
    assert!(pending[0].key.contains(":file:"));
    assert_eq!(store.uploads_of(LINE, 40).expect("uploads")[0].size, 8);
    let second = store
        .queue_upload(LINE, 40, "b.txt", b"b", NOW)
        .expect("queue");
    store.mark_uploaded(upload, 78, NOW + 1).expect("uploaded");
    assert!(matches!(
        store.mark_uploaded(upload, 78, NOW + 2),
        Err(StoreError::NotFound { .. })
    ));
    store
        .mark_upload_failed(second, "refused: not a client of the line")
        .expect("failed");
    assert!(store.pending_uploads(10).expect("pending").is_empty());
    let listed = store.uploads_of(LINE, 40).expect("uploads");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].failed_reason.is_some());
}

#[test]
fn a_version_10_database_migrates_to_the_workstation_schema() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("linedesk.db");
    {
        let old = Store::open_at_version(&path, 10).expect("open at 10");
        assert_eq!(old.schema_version().expect("version"), 10);
        old.apply_remote(
            LINE,
            &[(
                1,
                RemoteChange::Line {
                    name: "Линия".into(),
                },
            )],
        )
        .expect("old data");
    }
    let store = Store::open(&path).expect("migrate");
    assert_eq!(
        store.schema_version().expect("version"),
        linedesk_store::migrate::latest_version()
    );
    assert_eq!(store.sync_cursor(LINE).expect("cursor"), 1);
    assert!(store.ticket_folder(ME).expect("folder").is_empty());
    assert!(
        store
            .my_appeals(ME, &AppealListFilter::default())
            .expect("list")
            .is_empty()
    );
}

#[test]
fn a7_transfers_and_ratings_are_notes_of_the_clients_timeline() {
    use linedesk_store::AppealNoteChange;
    let dir = tempfile::tempdir().expect("dir");
    let store = open(&dir);
    store.set_server_me(ME).expect("me");
    let note = |appeal, kind, by, to, target: &str, detail: &str, at| RemoteChange::AppealNote {
        note: AppealNoteChange {
            client: 40,
            appeal,
            kind,
            by,
            to,
            target: target.into(),
            detail: detail.into(),
            at,
        },
        tier: (target == "tier:second").then(|| "second".into()),
    };
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
                (2, client(40, "Иванова Анна")),
                (
                    3,
                    RemoteChange::Colleague {
                        id: WORKER,
                        name: "Дмитрий".into(),
                    },
                ),
                (
                    4,
                    note(
                        900,
                        "transferred",
                        Some(ME),
                        Some(WORKER),
                        "colleague",
                        "Это к Дмитрию",
                        NOW,
                    ),
                ),
                (
                    5,
                    note(
                        900,
                        "transferred",
                        Some(WORKER),
                        None,
                        "tier:second",
                        "Сложно",
                        NOW + 1,
                    ),
                ),
                (
                    6,
                    note(
                        900,
                        "rated",
                        None,
                        None,
                        "5",
                        "Спасибо, <b>быстро</b>",
                        NOW + 2,
                    ),
                ),
                (
                    7,
                    note(
                        0,
                        "article_helped",
                        None,
                        None,
                        "12",
                        "Печать счёта",
                        NOW + 3,
                    ),
                ),
            ],
        )
        .expect("apply");
    let notes = store.appeal_notes_of(LINE, 40).expect("notes");
    assert_eq!(notes.len(), 4);
    assert!(notes[0].by_me, "my own transfer");
    assert_eq!(notes[0].to_name.as_deref(), Some("Дмитрий"));
    assert_eq!(notes[0].detail, "Это к Дмитрию");
    assert_eq!(
        (
            notes[1].by_name.as_deref(),
            notes[1].target.as_str(),
            notes[1].by_me
        ),
        (Some("Дмитрий"), "tier:second", false)
    );
    assert_eq!(
        (
            notes[2].kind.as_str(),
            notes[2].target.as_str(),
            notes[2].detail.as_str()
        ),
        ("rated", "5", "Спасибо, <b>быстро</b>")
    );
    assert_eq!(
        (
            notes[3].appeal,
            notes[3].kind.as_str(),
            notes[3].detail.as_str()
        ),
        (0, "article_helped", "Печать счёта")
    );
    assert!(store.appeal_notes_of(LINE, 41).expect("none").is_empty());
}
