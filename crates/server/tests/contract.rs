//! The backend contract: what any `Storage` backend must do, written against the trait and a
//! constructor (open a database at a path), so every backend runs the same cases: SQLite (a
//! file at the path) and PostgreSQL (a database of a throwaway cluster, named after the path;
//! the cases it does not pass yet are listed in [`PG_NOT_YET`] with the family they wait for).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::ticket::TicketState;
use linedesk_protocol::{
    Action, CallEndReason, CallQuality, Event, GuestSignIn, RemoteEndReason, RemoteMode,
};
use linedesk_server::auth::hash_password;
use linedesk_server::postgres::PgStorage;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{
    Applied, BlobId, CallStage, KbArticle, RecordingSaved, RemoteStage, Storage, StorageError,
    StoredEvent, Subject,
};

#[path = "contract/call_consult.rs"]
mod call_consult;
#[path = "contract/call_join.rs"]
mod call_join;
#[path = "contract/call_transfer.rs"]
mod call_transfer;
#[path = "contract/groups.rs"]
mod groups;
#[path = "contract/leader.rs"]
mod leader;
#[path = "contract/line_admin.rs"]
mod line_admin;
#[path = "contract/login_throttle.rs"]
mod login_throttle;
#[path = "contract/pbx_calls.rs"]
mod pbx_calls;
#[path = "contract/reports.rs"]
mod reports;
#[path = "contract/sla.rs"]
mod sla;
#[path = "contract/staff_help.rs"]
mod staff_help;
#[path = "contract/team.rs"]
mod team;
#[path = "contract/transfer.rs"]
mod transfer;
#[path = "contract/unanswered.rs"]
mod unanswered;
#[path = "contract/waiting.rs"]
mod waiting;

/// Monday 2026-11-23 10:00 UTC (13:00 in Moscow).
const NOW: i64 = 1_795_428_000_000;

struct Line {
    line: u64,
    anna: u64,
    vera: u64,
    client: u64,
}

fn seed<S: Storage>(s: &S) -> Line {
    let line = s.add_line("Линия").expect("line");
    let client = s.add_client(line, "Иванова").expect("client");
    let hash = hash_password("x").expect("hash");
    let anna = s.add_specialist("anna", &hash, "Анна").expect("anna");
    let vera = s.add_specialist("vera", &hash, "Вера").expect("vera");
    s.serve_line(anna, line, 0, 5).expect("serve");
    s.serve_line(vera, line, 0, 5).expect("serve");
    Line {
        line,
        anna,
        vera,
        client,
    }
}

fn done(outcome: Result<Applied, StorageError>) -> Vec<StoredEvent> {
    match outcome {
        Ok(Applied::Done(events)) => events,
        other => panic!("expected applied, got {other:?}"),
    }
}

fn message(text: &str) -> Action {
    Action::ClientMessage { text: text.into() }
}

fn log<S: Storage>(s: &S, line: u64) -> Vec<StoredEvent> {
    s.events_after(line, 0, 10_000).expect("events")
}

/// Opens a backend's database at a path (a new one, or the one there).
type Open<'a, S> = &'a dyn Fn(&Path) -> S;

/// One case of the contract, by name.
type Case<S> = (&'static str, fn(Open<'_, S>));

/// Every case of the contract, in order.
fn cases<S: Storage>() -> Vec<Case<S>> {
    vec![
        ("once per key", once_per_key),
        ("a refused action leaves nothing", refused_leaves_nothing),
        ("sequence numbers per line", sequence_per_line),
        ("appeal rules and codes", appeal_rules),
        ("concurrent actions", concurrent_actions),
        ("durable across reopen", durable),
        ("call rules", call_rules),
        ("remote session rules", remote_rules),
        ("ticket rules and codes", ticket_rules),
        ("KB drafts and chat files", drafts_and_files),
        ("widget guests and KB help", guests_and_kb_help),
        ("SLA alerts fire once", sla::alerts_fire_once),
        ("a specialist taken off a line", team::removed_from_line),
        (
            "what nobody answers ends once",
            unanswered::unanswered_ends_once_at_its_time,
        ),
        ("blind call transfer", call_transfer::blind_transfer),
        (
            "consultative call transfer",
            call_consult::consultative_transfer,
        ),
        (
            "three-way join of a consultation",
            call_join::three_way_join,
        ),
        (
            "waiting moves the deadline",
            waiting::waiting_moves_the_deadline,
        ),
        ("line administration", line_admin::line_administration),
        (
            "reports sum what happened",
            reports::reports_sum_what_happened,
        ),
        ("groups around a client", groups::members_and_messages),
        ("the timers' lead passes on", leader::lead_passes_on),
        ("a copy keeps everything", transfer::a_copy_keeps_everything),
        (
            "the login throttle shared by servers",
            login_throttle::shared_login_throttle,
        ),
        (
            "the staff line's client identity",
            staff_help::identity_once_per_specialist,
        ),
        (
            "a PBX call on the client's appeal",
            pbx_calls::kept_on_the_clients_appeal,
        ),
    ]
}

/// The cases the PostgreSQL backend does not pass yet, with the family they wait for (its
/// methods answer `postgres.not_yet`): none today. A new case that cannot pass on PostgreSQL at
/// once is listed here, with its family, until it does.
const PG_NOT_YET: &[(&str, &str)] = &[];

/// The cases of the contract (all but those `skip` names) against backends that `open` makes
/// at a path.
fn contract<S: Storage>(open: impl Fn(&Path) -> S, skip: &[(&str, &str)]) {
    for (name, case) in cases::<S>() {
        if skip.iter().any(|(skipped, _)| *skipped == name) {
            eprintln!("contract: {name}: not yet on this backend");
            continue;
        }
        eprintln!("contract: {name}");
        case(&open);
    }
}

fn fresh<S>(open: Open<'_, S>) -> (tempfile::TempDir, S) {
    let dir = tempfile::tempdir().expect("dir");
    let s = open(&dir.path().join("server.db"));
    (dir, s)
}

fn once_per_key<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let client = Subject::client(l.client);
    let first = done(s.apply(client, "k1", &message("Здравствуйте"), NOW));
    assert!(!first.is_empty());
    let before = log(&s, l.line).len();
    assert_eq!(
        s.apply(client, "k1", &message("Здравствуйте"), NOW + 1)
            .expect("again"),
        Applied::Duplicate
    );
    assert_eq!(log(&s, l.line).len(), before, "a duplicate appends nothing");
    // Keys are per actor: the same key of another actor is its own.
    done(s.apply(
        Subject::specialist(l.anna),
        "k1",
        &Action::SetPresence {
            status: PresenceStatus::Away,
        },
        NOW + 2,
    ));
}

fn refused_leaves_nothing<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let before = log(&s, l.line).len();
    let empty = s.apply(Subject::client(l.client), "k", &message("   "), NOW);
    assert!(matches!(empty, Err(StorageError::Invalid(_))), "{empty:?}");
    assert_eq!(log(&s, l.line).len(), before);
    // The key was not used up by the refusal.
    done(s.apply(Subject::client(l.client), "k", &message("Вопрос"), NOW));
}

fn sequence_per_line<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let other = s.add_line("Вторая").expect("line");
    let there = s.add_client(other, "Петров").expect("client");
    for i in 0..5 {
        done(s.apply(
            Subject::client(l.client),
            &format!("a{i}"),
            &message("а"),
            NOW,
        ));
        done(s.apply(Subject::client(there), &format!("b{i}"), &message("б"), NOW));
    }
    for line in [l.line, other] {
        let seqs: Vec<u64> = log(&s, line).iter().map(|e| e.seq).collect();
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "line {line}: 1, 2, 3, ... with no gap");
    }
}

fn appeal_rules<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(Subject::specialist(l.anna), "p", &available, NOW));
    let events = done(s.apply(Subject::client(l.client), "m", &message("Помогите"), NOW));
    let (appeal, holder) = events
        .iter()
        .find_map(|e| match e.event {
            Event::AppealAssigned {
                appeal, specialist, ..
            } => Some((appeal, specialist)),
            _ => None,
        })
        .expect("routed to Anna");
    assert_eq!(holder, l.anna);
    let finish = |result: &str| Action::FinishAppeal {
        appeal,
        result: result.into(),
    };
    // The domain's rules, with their codes: only the holder, and with a result.
    let not_holder = s
        .apply(Subject::specialist(l.vera), "f1", &finish("готово"), NOW)
        .expect_err("not the holder");
    assert_eq!(
        not_holder.rule(),
        Some("appeal.not_holder"),
        "{not_holder:?}"
    );
    let no_result = s
        .apply(Subject::specialist(l.anna), "f2", &finish("  "), NOW)
        .expect_err("no result");
    assert_eq!(no_result.rule(), Some("appeal.result_required"));
    let finished = done(s.apply(Subject::specialist(l.anna), "f3", &finish("готово"), NOW));
    assert!(finished.iter().any(|e| matches!(
        &e.event,
        Event::AppealFinished { result, .. } if result == "готово"
    )));
    // The client rates it once, with a comment (trimmed) that the event carries.
    let rate = |stars| Action::RateAppeal {
        appeal,
        stars,
        comment: None,
    };
    let with_comment = Action::RateAppeal {
        appeal,
        stars: 5,
        comment: Some("  Спасибо, быстро!  ".into()),
    };
    let rated = done(s.apply(Subject::client(l.client), "r1", &with_comment, NOW));
    assert!(rated.iter().any(|e| matches!(
        &e.event,
        Event::AppealRated { stars: 5, comment: Some(c), .. } if c == "Спасибо, быстро!"
    )));
    let again = s
        .apply(Subject::client(l.client), "r2", &rate(4), NOW)
        .expect_err("rated twice");
    assert_eq!(again.rule(), Some("appeal.already_rated"));
}

fn concurrent_actions<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let s = Arc::new(s);
    let clients: Vec<u64> = (0..8)
        .map(|i| s.add_client(l.line, &format!("c{i}")).expect("client"))
        .collect();
    let before = log(&*s, l.line).len();
    let threads: Vec<_> = clients
        .into_iter()
        .map(|c| {
            let s = s.clone();
            std::thread::spawn(move || {
                let mut appended = 0;
                for i in 0..20 {
                    let key = format!("k{i}");
                    appended += done(s.apply(Subject::client(c), &key, &message("м"), NOW)).len();
                    // Every resend is a duplicate, even while other actions commit.
                    assert_eq!(
                        s.apply(Subject::client(c), &key, &message("м"), NOW)
                            .expect("resend"),
                        Applied::Duplicate
                    );
                }
                appended
            })
        })
        .collect();
    let appended: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
    let all = log(&*s, l.line);
    assert_eq!(all.len(), before + appended);
    let seqs: HashSet<u64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.len(), all.len(), "no sequence number twice");
    assert_eq!(all.last().map(|e| e.seq), Some(all.len() as u64));
}

fn durable<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let (line, client, before) = {
        let s = open(&path);
        let l = seed(&s);
        done(s.apply(Subject::client(l.client), "k", &message("Сохраните"), NOW));
        (l.line, l.client, log(&s, l.line))
    };
    let s = open(&path);
    assert_eq!(log(&s, line), before);
    assert_eq!(
        s.apply(Subject::client(client), "k", &message("Сохраните"), NOW)
            .expect("resend"),
        Applied::Duplicate,
        "the key survives a restart"
    );
    let next = done(s.apply(Subject::client(client), "k2", &message("Ещё"), NOW));
    assert_eq!(next.first().map(|e| e.seq), Some(before.len() as u64 + 1));
}

/// V1: a client's call rings the holder of their appeal; only the callee answers, once; the
/// reason of a hang-up must fit; statistics once per party; one recording, by its specialist.
fn call_rules<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, vera, client) = (
        Subject::specialist(l.anna),
        Subject::specialist(l.vera),
        Subject::client(l.client),
    );
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(anna, "p", &available, NOW));
    let place = Action::PlaceCall {
        line: l.line,
        client: None,
    };
    let events = done(s.apply(client, "c1", &place, NOW));
    let call = events
        .iter()
        .find_map(|e| match e.event {
            Event::CallRinging {
                call, specialist, ..
            } => Some((call, specialist)),
            _ => None,
        })
        .map(|(call, specialist)| {
            assert_eq!(specialist, Some(l.anna), "it rings the appeal's holder");
            call
        })
        .expect("ringing");
    let busy = s
        .apply(client, "c2", &place, NOW)
        .expect_err("one call at a time");
    assert!(matches!(busy, StorageError::Conflict(_)), "{busy:?}");
    let answer = Action::AnswerCall { call };
    let other = s.apply(vera, "a1", &answer, NOW).expect_err("not her call");
    assert!(matches!(other, StorageError::NotAllowed(_)), "{other:?}");
    let hang = |reason| Action::HangUp { call, reason };
    let declined = s
        .apply(client, "h1", &hang(CallEndReason::Declined), NOW)
        .expect_err("the caller cancels, never declines");
    assert!(matches!(declined, StorageError::Invalid(_)), "{declined:?}");
    let stats = Action::CallStats {
        call,
        quality: CallQuality::default(),
    };
    let early = s
        .apply(client, "s0", &stats, NOW)
        .expect_err("never connected");
    assert!(matches!(early, StorageError::Invalid(_)), "{early:?}");
    let early = s.save_recording(anna, call, b"OggS", 1_000, &[], NOW);
    assert!(matches!(early, Err(StorageError::Invalid(_))), "{early:?}");

    done(s.apply(anna, "a2", &answer, NOW + 1_000));
    let again = s.apply(anna, "a3", &answer, NOW).expect_err("answered");
    assert!(matches!(again, StorageError::Conflict(_)), "{again:?}");
    assert_eq!(
        s.call(call).expect("call").map(|c| c.stage),
        Some(CallStage::Connected)
    );
    // Figures no call can have are refused before anything is kept.
    let implausible = Action::CallStats {
        call,
        quality: CallQuality {
            loss_permille: 2_000,
            ..CallQuality::default()
        },
    };
    let refused = s
        .apply(client, "s9", &implausible, NOW)
        .expect_err("2000 per mille");
    assert!(
        matches!(&refused, StorageError::Invalid(m) if m.contains("loss_permille")),
        "{refused:?}"
    );
    // A browser sends no MOS (0): the line estimates it from the figures, by the engine's rule.
    let kept = done(s.apply(client, "s1", &stats, NOW + 2_000));
    assert!(
        kept.iter().any(|e| matches!(
            e.event,
            Event::CallStats {
                quality: CallQuality {
                    mos_centi: 100..=450,
                    ..
                },
                ..
            }
        )),
        "{kept:?}"
    );
    let twice = s
        .apply(client, "s2", &stats, NOW)
        .expect_err("once per party");
    assert!(matches!(twice, StorageError::Conflict(_)), "{twice:?}");
    let ended = done(s.apply(anna, "h2", &hang(CallEndReason::HungUp), NOW + 61_000));
    assert!(ended.iter().any(|e| matches!(
        e.event,
        Event::CallEnded {
            connected_ms: Some(60_000),
            by: linedesk_protocol::Role::Specialist,
            ..
        }
    )));

    let not_hers = s.save_recording(vera, call, b"OggS", 1_000, &[], NOW);
    assert!(
        matches!(not_hers, Err(StorageError::NotAllowed(_))),
        "{not_hers:?}"
    );
    let saved = s.save_recording(anna, call, b"OggS1", 60_000, &[], NOW + 62_000);
    assert!(
        matches!(&saved, Ok(RecordingSaved::Done(e)) if matches!(e.event, Event::CallRecorded { bytes: 5, .. })),
        "{saved:?}"
    );
    assert_eq!(
        s.save_recording(anna, call, b"OggS1", 60_000, &[], NOW)
            .expect("same"),
        RecordingSaved::Duplicate
    );
    let different = s.save_recording(anna, call, b"OggS2", 60_000, &[], NOW);
    assert!(
        matches!(different, Err(StorageError::Conflict(_))),
        "{different:?}"
    );
    let (_, bytes) = s.recording(call).expect("read").expect("the call");
    assert_eq!(bytes.as_deref(), Some(&b"OggS1"[..]));
}

/// V2: by request the session starts when the client accepts; a colleague cannot take over a
/// live one; by password it starts at once when the password matches, and every attempt is
/// kept (a wrong one, one with no password set, the right one) even when it is refused.
fn remote_rules<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, vera, client) = (
        Subject::specialist(l.anna),
        Subject::specialist(l.vera),
        Subject::client(l.client),
    );
    let ask = |mode, password: Option<&str>| Action::RequestRemoteSession {
        line: l.line,
        client: l.client,
        mode,
        password: password.map(str::to_string),
    };
    let started = |events: &[StoredEvent]| {
        events
            .iter()
            .find_map(|e| match e.event {
                Event::RemoteStarted { session, .. } => Some(session),
                _ => None,
            })
            .expect("started")
    };
    let events = done(s.apply(anna, "r1", &ask(RemoteMode::ByRequest, None), NOW));
    let session = events
        .iter()
        .find_map(|e| match e.event {
            Event::RemoteRequested { session, .. } => Some(session),
            _ => None,
        })
        .expect("requested");
    let answer = Action::AnswerRemoteSession {
        session,
        accept: true,
    };
    let not_hers = s
        .apply(anna, "a0", &answer, NOW)
        .expect_err("the client answers");
    assert!(
        matches!(not_hers, StorageError::NotAllowed(_)),
        "{not_hers:?}"
    );
    assert_eq!(
        started(&done(s.apply(client, "a1", &answer, NOW + 1_000))),
        session
    );
    let taken = s
        .apply(vera, "r2", &ask(RemoteMode::ByRequest, None), NOW)
        .expect_err("Anna's session is live");
    assert!(matches!(taken, StorageError::Conflict(_)), "{taken:?}");
    let end = |reason| Action::EndRemoteSession { session, reason };
    let wrong_reason = s
        .apply(
            client,
            "e0",
            &end(Some(RemoteEndReason::EndedBySpecialist)),
            NOW,
        )
        .expect_err("the client does not end it as the specialist");
    assert!(
        matches!(wrong_reason, StorageError::Invalid(_)),
        "{wrong_reason:?}"
    );
    let ended = done(s.apply(anna, "e1", &end(None), NOW + 31_000));
    assert!(ended.iter().any(|e| matches!(
        e.event,
        Event::RemoteEnded {
            reason: RemoteEndReason::EndedBySpecialist,
            duration_ms: Some(30_000),
            ..
        }
    )));
    assert_eq!(
        s.remote_session(session).expect("read").map(|r| r.stage),
        Some(RemoteStage::Ended)
    );

    let unset = s
        .apply(
            vera,
            "p0",
            &ask(RemoteMode::ByPassword, Some("секрет-42")),
            NOW,
        )
        .expect_err("no password set");
    assert!(matches!(unset, StorageError::NoPassword), "{unset:?}");
    let set = |password: &str| Action::SetRemotePassword {
        password: Some(password.into()),
    };
    let short = s.apply(client, "s0", &set("abc"), NOW).expect_err("short");
    assert!(matches!(short, StorageError::Invalid(_)), "{short:?}");
    done(s.apply(client, "s1", &set("секрет-42"), NOW));
    let wrong = s
        .apply(
            vera,
            "p1",
            &ask(RemoteMode::ByPassword, Some("не-тот-1")),
            NOW,
        )
        .expect_err("wrong password");
    assert!(matches!(wrong, StorageError::WrongPassword), "{wrong:?}");
    let events = done(s.apply(
        vera,
        "p2",
        &ask(RemoteMode::ByPassword, Some("секрет-42")),
        NOW + 1,
    ));
    started(&events);
    let outcomes: Vec<String> = s
        .remote_password_attempts(l.client)
        .expect("attempts")
        .into_iter()
        .map(|(specialist, _, outcome)| {
            assert_eq!(specialist, l.vera);
            outcome
        })
        .collect();
    assert_eq!(outcomes, ["no_password", "wrong", "accepted"]);
}

fn ticket(line: u64, client: u64, subject: &str) -> Action {
    Action::CreateTicket {
        line,
        client,
        appeal: None,
        subject: subject.into(),
        text: "Не печатается счёт-фактура".into(),
    }
}

fn ticket_rules<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, vera) = (Subject::specialist(l.anna), Subject::specialist(l.vera));
    let first = s.ticket_queues(l.line).expect("queues")[0].0;
    // T1: readable numbers, one after another, server-wide.
    let mut created = Vec::new();
    for (key, subject) in [("t1", "Ошибка 1С"), ("t2", "Ещё одна")] {
        let events = done(s.apply(anna, key, &ticket(l.line, l.client, subject), NOW));
        created.extend(events.iter().filter_map(|e| match e.event {
            Event::TicketCreated { ticket, number, .. } => Some((ticket, number.seq)),
            _ => None,
        }));
    }
    assert_eq!(created.iter().map(|c| c.1).collect::<Vec<_>>(), [1, 2]);
    let id = created[0].0;
    // Only specialists, only of the ticket's line, only with a subject.
    let client = s.apply(
        Subject::client(l.client),
        "c",
        &ticket(l.line, l.client, "x"),
        NOW,
    );
    assert!(
        matches!(client, Err(StorageError::NotAllowed(_))),
        "{client:?}"
    );
    let other = s.add_line("Вторая").expect("line");
    let foreign = s.add_ticket_queue(other, "Чужая").expect("queue");
    let before = log(&s, l.line).len();
    let elsewhere = s.apply(
        anna,
        "d0",
        &Action::DispatchTicket {
            ticket: id,
            queue: foreign,
        },
        NOW,
    );
    assert!(
        matches!(elsewhere, Err(StorageError::Invalid(_))),
        "{elsewhere:?}"
    );
    let blank = s.apply(anna, "t3", &ticket(l.line, l.client, "  "), NOW);
    assert!(matches!(blank, Err(StorageError::Invalid(_))), "{blank:?}");
    assert_eq!(log(&s, l.line).len(), before, "refusals append nothing");
    // T2-T4 are the domain's transitions, refused with its codes.
    done(s.apply(anna, "s", &Action::SaveTicket { ticket: id }, NOW));
    let dispatch = Action::DispatchTicket {
        ticket: id,
        queue: first,
    };
    done(s.apply(anna, "d", &dispatch, NOW));
    done(s.apply(vera, "k", &Action::TakeTicket { ticket: id }, NOW));
    let reject = |reason: &str| Action::RejectTicket {
        ticket: id,
        reason: reason.into(),
    };
    let no_reason = s
        .apply(vera, "r0", &reject(" "), NOW)
        .expect_err("no reason");
    assert_eq!(
        no_reason.rule(),
        Some("ticket.reason_required"),
        "{no_reason:?}"
    );
    done(s.apply(vera, "r1", &reject("Не та категория"), NOW));
    let forward = Action::ForwardTicket {
        ticket: id,
        queue: first,
    };
    let illegal = s.apply(anna, "f", &forward, NOW).expect_err("returned");
    assert_eq!(
        illegal.rule(),
        Some("ticket.illegal_transition"),
        "{illegal:?}"
    );
    let closed = done(s.apply(anna, "x", &Action::CloseTicket { ticket: id }, NOW));
    assert!(closed.iter().any(|e| matches!(
        e.event,
        Event::TicketChanged { ticket, state: TicketState::Closed, .. } if ticket == id
    )));
    let missing = s.apply(anna, "m", &Action::CloseTicket { ticket: 999 }, NOW);
    assert!(
        matches!(missing, Err(StorageError::Invalid(_))),
        "{missing:?}"
    );
}

fn drafts_and_files<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let anna = Subject::specialist(l.anna);
    let hash = hash_password("x").expect("hash");
    let olga = Subject::specialist(s.add_specialist("olga", &hash, "Ольга").expect("olga"));
    // C8: a specialist of the line keeps a draft; others may not.
    let draft = s
        .save_kb_draft(anna, l.line, " Счёт-фактура ", "Перезапустить 1С", NOW)
        .expect("draft");
    let foreign = s.save_kb_draft(olga, l.line, "Тема", "Текст", NOW);
    assert!(
        matches!(foreign, Err(StorageError::Forbidden(_))),
        "{foreign:?}"
    );
    let drafts = s.kb_drafts(l.line).expect("drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        (drafts[0].id, drafts[0].subject.as_str()),
        (draft, "Счёт-фактура")
    );
    // A1: a client's file opens an appeal; a retried upload is the same file.
    let client = Subject::client(l.client);
    let (shared, events) = s
        .share_file(client, None, "акт.pdf", b"%PDF", Some("u1"), NOW)
        .expect("share");
    assert!(!shared.duplicate && shared.appeal.is_some(), "{shared:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e.event, Event::AppealOpened { .. }))
    );
    assert!(events.iter().any(|e| matches!(
        e.event,
        Event::FileShared { file, .. } if file == shared.file
    )));
    let before = log(&s, l.line).len();
    let (again, events) = s
        .share_file(client, None, "акт.pdf", b"%PDF", Some("u1"), NOW)
        .expect("again");
    assert!(again.duplicate && again.file == shared.file && events.is_empty());
    assert_eq!(log(&s, l.line).len(), before);
    let stored = s.file(shared.file).expect("file").expect("stored");
    assert_eq!(stored.bytes, b"%PDF");
    // A download is streamed in chunks: each from its offset, empty past the end.
    let blob = BlobId::File(shared.file);
    let meta = s.blob_meta(blob).expect("meta").expect("known");
    assert_eq!(meta.size, Some(4));
    let chunks: Vec<Vec<u8>> = [(0, 3), (3, 3), (4, 3), (9, 3)]
        .into_iter()
        .map(|(offset, len)| s.blob_chunk(blob, offset, len).expect("chunk"))
        .collect();
    assert_eq!(chunks, [b"%PD".to_vec(), b"F".to_vec(), vec![], vec![]]);
    // Specialists share only to clients of lines they serve; clients only to their own line.
    let to = Some((l.line, l.client));
    let refused = s.share_file(olga, to, "a.txt", b"a", None, NOW);
    assert!(
        matches!(refused, Err(StorageError::Forbidden(_))),
        "{refused:?}"
    );
    let sideways = s.share_file(client, to, "a.txt", b"a", None, NOW);
    assert!(
        matches!(sideways, Err(StorageError::NotAllowed(_))),
        "{sideways:?}"
    );
    let empty = s.share_file(anna, to, "a.txt", b"", None, NOW);
    assert!(matches!(empty, Err(StorageError::Invalid(_))), "{empty:?}");
    assert_eq!(log(&s, l.line).len(), before, "refusals append nothing");
}

fn guest(line: u64, name: &str, email: Option<&str>) -> GuestSignIn {
    GuestSignIn {
        line,
        name: name.into(),
        email: email.map(Into::into),
        phone: None,
    }
}

fn guests_and_kb_help<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let before = log(&s, l.line).len();
    // K1: a guest is a client of the line with a card marked guest, announced, and signed in.
    let (subject, events) = s
        .add_guest(
            &guest(l.line, " Мария ", Some("m@example.ru")),
            "h1",
            NOW + 1_000,
            NOW,
        )
        .expect("guest");
    assert_eq!(subject.role, linedesk_protocol::Role::Client);
    match events.as_slice() {
        [e] => match &e.event {
            Event::ClientUpserted { client, profile } => {
                assert_eq!(*client, subject.id);
                assert!(profile.guest && profile.name == "Мария", "{profile:?}");
                assert_eq!(profile.email.as_deref(), Some("m@example.ru"));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let owner = s.token_owner("h1", NOW).expect("owner").expect("signed in");
    assert_eq!(owner.subject, subject);
    assert_eq!(s.lines_of(subject).expect("lines"), vec![l.line]);
    let card = s.clients_of(l.line).expect("clients");
    assert!(card.iter().any(|(id, c)| *id == subject.id && c.guest));
    assert!(s.is_guest(subject.id).expect("guest"));
    assert!(!s.is_guest(l.client).expect("not a guest"));
    // No password opens the account; the admin finds it by its login to revoke or disable.
    let login = format!("guest-{}", subject.id);
    let account = s.account_by_login(&login).expect("account").expect("found");
    assert!(account.password_hash.is_empty());
    assert_eq!(
        s.set_account_disabled(&login, true, NOW).expect("disable"),
        Some(subject)
    );
    assert_eq!(s.token_owner("h1", NOW).expect("owner"), None);
    // Refusals: no such line, a card the rules refuse; nothing appended.
    let no_line = s.add_guest(&guest(9_999, "Мария", Some("m@example.ru")), "h2", NOW, NOW);
    assert!(
        matches!(no_line, Err(StorageError::Invalid(_))),
        "{no_line:?}"
    );
    let no_contact = s.add_guest(&guest(l.line, "Мария", None), "h3", NOW, NOW);
    assert!(
        matches!(no_contact, Err(StorageError::Invalid(_))),
        "{no_contact:?}"
    );
    assert_eq!(log(&s, l.line).len(), before + 1);
    // C8: articles of the line, one by id; a client says one answered their question.
    let other = s.add_line("Другая").expect("line");
    let article = |title: &str| KbArticle {
        id: 0,
        title: title.into(),
        body: format!("{title}: как сделать"),
    };
    s.import_kb(l.line, &[article("Печать счёта")]).expect("kb");
    s.import_kb(other, &[article("Чужая статья")]).expect("kb");
    let ours = s.search_kb(l.line, "", 10).expect("search")[0].id;
    let theirs = s.search_kb(other, "", 10).expect("search")[0].id;
    let found = s.kb_article(l.line, ours).expect("article").expect("ours");
    assert_eq!(found.title, "Печать счёта");
    assert_eq!(s.kb_article(l.line, theirs).expect("article"), None);
    let client = Subject::client(l.client);
    let helped = |article| Action::ArticleHelped {
        line: l.line,
        article,
    };
    let events = done(s.apply(client, "h1", &helped(ours), NOW));
    assert!(matches!(
        &events[..],
        [StoredEvent { event: Event::ArticleHelped { article, title, client }, .. }]
            if *article == ours && title == "Печать счёта" && *client == l.client
    ));
    let foreign = s.apply(client, "h2", &helped(theirs), NOW);
    assert!(
        matches!(foreign, Err(StorageError::Invalid(_))),
        "{foreign:?}"
    );
    let by_specialist = s.apply(Subject::specialist(l.anna), "h3", &helped(ours), NOW);
    assert!(
        matches!(by_specialist, Err(StorageError::NotAllowed(_))),
        "{by_specialist:?}"
    );
}

#[test]
fn sqlite_keeps_the_backend_contract() {
    contract(|path| SqliteStorage::open(path).expect("open"), &[]);
}

/// The same cases on PostgreSQL 15: a throwaway cluster (`linedesk-pgtest`: initdb and pg_ctl
/// in a temporary directory), a database per path the case opens, so a reopen (`durable`)
/// finds the same one.
#[test]
fn postgres_keeps_the_backend_contract() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    contract(
        |path| {
            let name = format!("c{}", linedesk_schema::checksum(&path.to_string_lossy()))
                .chars()
                .take(24)
                .collect::<String>();
            let url = cluster.database(&name).expect("database");
            PgStorage::open(&url).expect("open")
        },
        PG_NOT_YET,
    );
}

#[test]
fn every_case_not_yet_on_postgres_is_a_case() {
    let names: Vec<&str> = cases::<SqliteStorage>().iter().map(|(n, _)| *n).collect();
    for (name, family) in PG_NOT_YET {
        assert!(
            names.contains(name),
            "{name:?} ({family}) is no case of the contract"
        );
    }
}
