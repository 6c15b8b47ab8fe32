//! Closing an appeal on the server: A4's closing phrases and the 5-minute wait for the
//! client's reaction (refused before it with the rule `appeal.client_reaction_awaited`), A5's
//! auto-finish by the server's timer with the result "no reply from the client". Time is an
//! input through the server's storage (real SQLite); the wire test runs a real server on
//! 127.0.0.1. The restart is in `closing_restart.rs`.

mod common;

use common::{Client, ack, next_event, submit, subscribed, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_line::ClosingSettings;
use linedesk_protocol::{Action, ErrorCode, Event, NO_CLIENT_REPLY, ServerFrame};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Applied, Storage, StorageError, Subject};

const MINUTE: i64 = 60_000;
/// Mon 2026-11-23 10:00 UTC.
const T0: i64 = 1_795_428_000_000;
const GOODBYE: &str = "Могу ли я вам ещё чем-то помочь?";

struct Line {
    s: SqliteStorage,
    line: u64,
    anna: u64,
    client: u64,
}

fn line(settings: &ClosingSettings) -> Line {
    let s = SqliteStorage::open_in_memory().expect("storage");
    let line = s.add_line("Линия").expect("line");
    s.set_closing_settings(line, settings).expect("settings");
    let anna = s.add_specialist("anna", "x", "Анна").expect("anna");
    s.serve_line(anna, line, 0, 5).expect("serve");
    let client = s.add_client(line, "Иванова").expect("client");
    let online = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    s.apply(Subject::specialist(anna), "on", &online, T0)
        .expect("online");
    Line {
        s,
        line,
        anna,
        client,
    }
}

fn apply(s: &SqliteStorage, who: Subject, key: &str, action: Action, now: i64) -> Vec<Event> {
    match s.apply(who, key, &action, now).expect(key) {
        Applied::Done(events) => events.into_iter().map(|e| e.event).collect(),
        Applied::Duplicate => Vec::new(),
    }
}

fn client_writes(l: &Line, key: &str, now: i64) -> Vec<Event> {
    let text = "Помогите".to_string();
    apply(
        &l.s,
        Subject::client(l.client),
        key,
        Action::ClientMessage { text },
        now,
    )
}

fn anna_writes(l: &Line, key: &str, text: &str, now: i64) -> Vec<Event> {
    let send = Action::SendMessage {
        line: l.line,
        client: l.client,
        text: text.to_string(),
    };
    apply(&l.s, Subject::specialist(l.anna), key, send, now)
}

fn assigned(events: &[Event]) -> u64 {
    events
        .iter()
        .find_map(|e| match e {
            Event::AppealAssigned { appeal, .. } => Some(*appeal),
            _ => None,
        })
        .unwrap_or_else(|| panic!("AppealAssigned in {events:?}"))
}

/// (auto-finish at, finish allowed at) of the `ReplyAwaited` among `events`.
fn awaited(events: &[Event]) -> Option<(Option<i64>, Option<i64>)> {
    events.iter().find_map(|e| match e {
        Event::ReplyAwaited {
            auto_finish_at_ms,
            finish_allowed_at_ms,
            ..
        } => Some((*auto_finish_at_ms, *finish_allowed_at_ms)),
        _ => None,
    })
}

/// The appeals the timer finished at `now`, with their results.
fn timer(s: &SqliteStorage, now: i64) -> Vec<(u64, String)> {
    s.due_alerts(now)
        .expect("timer")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::AppealFinished { appeal, result, .. } => Some((appeal, result)),
            _ => None,
        })
        .collect()
}

fn finish(l: &Line, key: &str, appeal: u64, now: i64) -> Result<Applied, StorageError> {
    let action = Action::FinishAppeal {
        appeal,
        result: "Решено".into(),
    };
    l.s.apply(Subject::specialist(l.anna), key, &action, now)
}

#[test]
fn a5_without_the_clients_reply_the_timer_finishes_the_appeal_once() {
    let l = line(&ClosingSettings {
        auto_finish_minutes: 30,
        closing_phrases: Vec::new(),
    });
    let appeal = assigned(&client_writes(&l, "c1", T0));
    // The specialist's message arms it: 30 minutes from the message.
    let armed = anna_writes(&l, "a1", "Смотрю", T0 + MINUTE);
    assert_eq!(awaited(&armed), Some((Some(T0 + 31 * MINUTE), None)));
    assert!(timer(&l.s, T0 + 30 * MINUTE).is_empty(), "not yet");
    // The client's reply disarms it; the next message of the specialist arms it again.
    let replied = client_writes(&l, "c2", T0 + 10 * MINUTE);
    assert_eq!(awaited(&replied), Some((None, None)));
    assert!(
        timer(&l.s, T0 + 31 * MINUTE).is_empty(),
        "the client replied"
    );
    let armed = anna_writes(&l, "a2", "Готово, проверьте", T0 + 12 * MINUTE);
    assert_eq!(awaited(&armed), Some((Some(T0 + 42 * MINUTE), None)));
    assert!(timer(&l.s, T0 + 42 * MINUTE - 1).is_empty());
    assert_eq!(
        timer(&l.s, T0 + 42 * MINUTE),
        vec![(appeal, NO_CLIENT_REPLY.to_string())]
    );
    assert!(timer(&l.s, T0 + 90 * MINUTE).is_empty(), "once");
    // The client's next message opens a new appeal.
    let next = assigned(&client_writes(&l, "c3", T0 + 91 * MINUTE));
    assert_ne!(next, appeal);
}

#[test]
fn a5_a_line_without_auto_finish_never_finishes_by_itself_and_a_requeued_appeal_is_not_idle() {
    let l = line(&ClosingSettings::default());
    client_writes(&l, "c1", T0);
    let said = anna_writes(&l, "a1", "Смотрю", T0 + MINUTE);
    assert_eq!(awaited(&said), None, "nothing armed, nothing said");
    assert!(timer(&l.s, T0 + 1_000 * MINUTE).is_empty());

    let l = line(&ClosingSettings {
        auto_finish_minutes: 10,
        closing_phrases: Vec::new(),
    });
    client_writes(&l, "c1", T0);
    anna_writes(&l, "a1", "Смотрю", T0 + MINUTE);
    // Anna goes Do not disturb: the appeal goes back to the queue (P4). A client waiting in
    // the queue is not an idle conversation: the timer turns the countdown off instead.
    let dnd = Action::SetPresence {
        status: PresenceStatus::DoNotDisturb,
    };
    apply(
        &l.s,
        Subject::specialist(l.anna),
        "dnd",
        dnd,
        T0 + 2 * MINUTE,
    );
    let events: Vec<Event> =
        l.s.due_alerts(T0 + 11 * MINUTE)
            .expect("timer")
            .into_iter()
            .map(|e| e.event)
            .collect();
    assert!(
        events
            .iter()
            .all(|e| !matches!(e, Event::AppealFinished { .. })),
        "{events:?}"
    );
    assert_eq!(awaited(&events), Some((None, None)), "{events:?}");
}

#[test]
fn a4_after_a_closing_phrase_the_holder_waits_five_minutes_for_the_reaction() {
    let l = line(&ClosingSettings {
        auto_finish_minutes: 0,
        closing_phrases: vec![GOODBYE.to_string()],
    });
    let appeal = assigned(&client_writes(&l, "c1", T0));
    // An answer that is not a goodbye arms nothing: the holder may finish at once.
    assert_eq!(awaited(&anna_writes(&l, "a1", "Смотрю", T0 + MINUTE)), None);
    let t1 = T0 + 2 * MINUTE;
    let bye = format!("Готово. {}", GOODBYE.to_lowercase());
    let said = anna_writes(&l, "a2", &bye, t1);
    assert_eq!(awaited(&said), Some((None, Some(t1 + 5 * MINUTE))));
    // Another message does not restart the wait.
    let said = anna_writes(&l, "a3", "Жду ответа", t1 + MINUTE);
    assert_eq!(awaited(&said), Some((None, Some(t1 + 5 * MINUTE))));
    match finish(&l, "f1", appeal, t1 + 5 * MINUTE - 1) {
        Err(StorageError::Rule { code, .. }) => {
            assert_eq!(code, "appeal.client_reaction_awaited");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        finish(&l, "f2", appeal, t1 + 5 * MINUTE),
        Ok(Applied::Done(_))
    ));

    // The client's reaction ends the wait at once.
    let appeal = assigned(&client_writes(&l, "c2", T0 + HOUR));
    anna_writes(&l, "a4", GOODBYE, T0 + HOUR + MINUTE);
    assert!(finish(&l, "f3", appeal, T0 + HOUR + 2 * MINUTE).is_err());
    let reacted = client_writes(&l, "c3", T0 + HOUR + 2 * MINUTE);
    assert_eq!(awaited(&reacted), Some((None, None)));
    assert!(matches!(
        finish(&l, "f4", appeal, T0 + HOUR + 2 * MINUTE),
        Ok(Applied::Done(_))
    ));
}

const HOUR: i64 = 60 * MINUTE;

#[test]
fn a4_a5_settings_are_checked_before_they_are_stored() {
    let l = line(&ClosingSettings::default());
    for bad in [
        ClosingSettings {
            auto_finish_minutes: 4,
            closing_phrases: Vec::new(),
        },
        ClosingSettings {
            auto_finish_minutes: 0,
            closing_phrases: vec![" ".into()],
        },
        ClosingSettings {
            auto_finish_minutes: 0,
            closing_phrases: vec!["a".repeat(501)],
        },
    ] {
        assert!(l.s.set_closing_settings(l.line, &bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        l.s.closing_settings(l.line).expect("read"),
        ClosingSettings::default()
    );
    assert!(
        l.s.set_closing_settings(99, &ClosingSettings::default())
            .is_err(),
        "no line 99"
    );
}

#[tokio::test]
async fn a4_a5_over_the_wire_the_holder_sees_the_countdown_and_an_early_finish_is_refused() {
    let w = world().await;
    let settings = ClosingSettings {
        auto_finish_minutes: 30,
        closing_phrases: vec![GOODBYE.to_string()],
    };
    w.storage
        .set_closing_settings(w.line_a, &settings)
        .expect("settings");
    // The line's specialists read the settings (the app offers the phrases); others may not.
    let anna_token = token(w.addr, "anna", "anna-pass").await;
    let path = format!("/api/lines/{}/closing", w.line_a);
    let (status, body) = common::http_get(w.addr, &path, Some(&anna_token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["auto_finish_minutes"], 30);
    assert_eq!(body["closing_phrases"][0], GOODBYE);
    let client_token = token(w.addr, "ivanova", "ivanova-pass").await;
    let (status, _) = common::http_get(w.addr, &path, Some(&client_token)).await;
    assert_eq!(status, 403);

    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let online = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    ack(&mut anna, "on", online).await;
    let start = Action::StartAppeal {
        line: w.line_a,
        client: w.client_a,
        appeal_type: None,
    };
    ack(&mut anna, "s1", start).await;
    let appeal = next_event(&mut anna, |e| match e {
        Event::AppealAssigned { appeal, .. } => Some(*appeal),
        _ => None,
    })
    .await;
    let send = Action::SendMessage {
        line: w.line_a,
        client: w.client_a,
        text: GOODBYE.to_string(),
    };
    let before = linedesk_server::app::now_ms();
    ack(&mut anna, "m1", send).await;
    let (auto_finish, allowed) = next_event(&mut anna, |e| match e {
        Event::ReplyAwaited {
            appeal: a,
            auto_finish_at_ms,
            finish_allowed_at_ms,
            ..
        } if *a == appeal => Some((*auto_finish_at_ms, *finish_allowed_at_ms)),
        _ => None,
    })
    .await;
    let (auto_finish, allowed) = (auto_finish.expect("armed"), allowed.expect("a wait"));
    assert!(auto_finish >= before + 30 * MINUTE && auto_finish < before + 31 * MINUTE);
    assert_eq!(auto_finish - allowed, 25 * MINUTE);

    let finish = Action::FinishAppeal {
        appeal,
        result: "Решено".into(),
    };
    match submit(&mut anna, "f1", finish.clone()).await {
        ServerFrame::Error { code, rule, .. } => {
            assert_eq!(code, ErrorCode::Invalid);
            assert_eq!(rule.as_deref(), Some("appeal.client_reaction_awaited"));
        }
        other => panic!("{other:?}"),
    }
    // The client reacts: the countdown is off, and the holder may finish.
    let text = "Нет, спасибо".to_string();
    match submit(&mut ivanova, "i1", Action::ClientMessage { text }).await {
        ServerFrame::Ack { .. } => {}
        other => panic!("{other:?}"),
    }
    let off = next_event(&mut anna, |e| match e {
        Event::ReplyAwaited {
            appeal: a,
            auto_finish_at_ms,
            finish_allowed_at_ms,
            ..
        } if *a == appeal => Some((*auto_finish_at_ms, *finish_allowed_at_ms)),
        _ => None,
    })
    .await;
    assert_eq!(off, (None, None));
    ack(&mut anna, "f2", finish).await;
}

#[tokio::test]
async fn a4_a5_changed_closing_settings_reach_the_lines_sessions_live() {
    let w = world().await;
    let mut anna = subscribed(&w, "anna", "anna-pass").await;
    // Set beside the running server, as `line-settings` does from another process: the log's
    // tail hands the event to the live sessions.
    let settings = ClosingSettings {
        auto_finish_minutes: 15,
        closing_phrases: vec![GOODBYE.to_string(), "Всего доброго!".to_string()],
    };
    w.storage
        .set_closing_settings(w.line_a, &settings)
        .expect("settings");
    let said = next_event(&mut anna, |e| match e {
        Event::ClosingSettingsChanged {
            auto_finish_minutes,
            closing_phrases,
        } => Some((*auto_finish_minutes, closing_phrases.clone())),
        _ => None,
    })
    .await;
    assert_eq!(said, (15, settings.closing_phrases.clone()));
    assert!(
        !said_to_clients(&settings),
        "the line's settings are no client's to see"
    );
}

fn said_to_clients(settings: &ClosingSettings) -> bool {
    let event = Event::ClosingSettingsChanged {
        auto_finish_minutes: settings.auto_finish_minutes,
        closing_phrases: settings.closing_phrases.clone(),
    };
    event.client().is_some() || event.shown_to_client()
}
