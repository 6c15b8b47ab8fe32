//! Tickets (T1-T5) by example.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use linedesk_domain::ids::{ClientId, QueueId, SpecialistId};
use linedesk_domain::ticket::{
    RepeatOutcome, RepeatRequest, SaveWarning, Ticket, TicketAction, TicketError, TicketNumber,
    TicketState, next_ticket_number,
};

fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap() + TimeDelta::minutes(minute)
}

const CREATOR: SpecialistId = SpecialistId(1);
const WORKER: SpecialistId = SpecialistId(2);
const CLIENT: ClientId = ClientId(5);
const ACCOUNTING: QueueId = QueueId(10);
const DEV: QueueId = QueueId(11);

fn number(seq: u32) -> TicketNumber {
    TicketNumber { year: 2026, seq }
}

#[test]
fn t1_any_number_of_tickets_per_client_each_starts_open_in_the_creators_folder() {
    let a = Ticket::create(number(1), CLIENT, CREATOR, "Ошибка 1С", t(0));
    let b = Ticket::create(number(2), CLIENT, CREATOR, "Консультация", t(1));
    for ticket in [&a, &b] {
        assert_eq!(ticket.state(), TicketState::Open);
        assert!(ticket.in_folder_of(CREATOR));
        assert!(!ticket.in_folder_of(WORKER));
        assert_eq!(ticket.history()[0].action, TicketAction::Created);
    }
    assert_ne!(a.number, b.number);
}

#[test]
fn t3_save_warns_dispatch_sends_to_a_queue() {
    let mut saved = Ticket::create(number(1), CLIENT, CREATOR, "Ошибка", t(0));
    assert_eq!(saved.save(CREATOR, t(1)), Ok(SaveWarning::NotDispatched));
    assert_eq!(saved.state(), TicketState::Open);
    assert_eq!(saved.queue(), None);

    saved.dispatch(ACCOUNTING, CREATOR, t(2)).expect("dispatch");
    assert_eq!(
        (saved.state(), saved.queue()),
        (TicketState::OpenDispatch, Some(ACCOUNTING))
    );
    assert!(
        saved.in_folder_of(CREATOR),
        "the creator still sees what they sent"
    );
    assert!(
        saved.dispatch(DEV, CREATOR, t(3)).is_err(),
        "already dispatched"
    );
    assert!(saved.save(CREATOR, t(3)).is_err());
}

#[test]
fn t2_t4_reject_with_a_reason_then_fix_by_closing_and_recreating() {
    let mut ticket = Ticket::create(number(7), CLIENT, CREATOR, "Бухгалтерия", t(0));
    assert!(
        ticket.reject(WORKER, "не туда", t(1)).is_err(),
        "not in a queue yet"
    );
    ticket
        .dispatch(ACCOUNTING, CREATOR, t(1))
        .expect("dispatch");
    ticket.take(WORKER, t(2)).expect("take");
    assert_eq!(
        (ticket.state(), ticket.owner()),
        (TicketState::Open, WORKER)
    );
    // Seed 004: every open ticket stays in its creator's folder, whoever works on it.
    assert!(ticket.in_folder_of(CREATOR) && !ticket.in_folder_of(WORKER));
    assert!(
        !ticket.in_queue(ACCOUNTING),
        "taken: no longer shown in the queue"
    );
    assert_eq!(
        ticket.reject(WORKER, "   ", t(3)),
        Err(TicketError::ReasonRequired)
    );
    ticket
        .reject(WORKER, "Это вопрос разработчикам", t(3))
        .expect("reject");
    assert_eq!(ticket.state(), TicketState::OpenRejectReturn);
    assert!(ticket.in_folder_of(CREATOR), "returned to the creator");

    let replacement = ticket
        .close_and_recreate(number(8), "Разработка", CREATOR, t(4))
        .expect("fix");
    assert_eq!(ticket.state(), TicketState::Closed);
    assert!(
        !ticket.in_folder_of(CREATOR),
        "closed tickets leave folders"
    );
    assert_eq!(
        ticket.history().last().map(|h| &h.action),
        Some(&TicketAction::ReplacedBy { number: number(8) })
    );
    assert_eq!(
        (replacement.state(), replacement.category.as_str()),
        (TicketState::Open, "Разработка")
    );
    assert!(ticket.close(CREATOR, t(5)).is_err(), "closed once");
}

#[test]
fn t4_a_returned_ticket_can_also_just_be_closed_and_history_says_who_did_what() {
    let mut ticket = Ticket::create(number(9), CLIENT, CREATOR, "Ошибка", t(0));
    ticket
        .dispatch(ACCOUNTING, CREATOR, t(1))
        .expect("dispatch");
    ticket.reject(WORKER, "дубль", t(2)).expect("reject");
    ticket.close(CREATOR, t(3)).expect("close");
    let who: Vec<(SpecialistId, &str)> = ticket
        .history()
        .iter()
        .map(|h| {
            let what = match &h.action {
                TicketAction::Created => "created",
                TicketAction::Dispatched { .. } => "dispatched",
                TicketAction::Rejected { .. } => "rejected",
                TicketAction::Closed => "closed",
                _ => "other",
            };
            (h.by, what)
        })
        .collect();
    assert_eq!(
        who,
        vec![
            (CREATOR, "created"),
            (CREATOR, "dispatched"),
            (WORKER, "rejected"),
            (CREATOR, "closed")
        ]
    );
    assert!(ticket.history().windows(2).all(|w| w[0].at <= w[1].at));
}

#[test]
fn t2_forward_to_another_queue() {
    let mut ticket = Ticket::create(number(3), CLIENT, CREATOR, "Ошибка", t(0));
    assert!(ticket.forward(DEV, WORKER, t(1)).is_err(), "not in a queue");
    ticket
        .dispatch(ACCOUNTING, CREATOR, t(1))
        .expect("dispatch");
    assert_eq!(
        ticket.forward(ACCOUNTING, WORKER, t(2)),
        Err(TicketError::SameQueue)
    );
    ticket.forward(DEV, WORKER, t(2)).expect("forward");
    assert_eq!(
        (ticket.state(), ticket.queue()),
        (TicketState::OpenForwarded, Some(DEV))
    );
    ticket
        .take(SpecialistId(3), t(3))
        .expect("a developer takes it");
    assert_eq!(ticket.owner(), SpecialistId(3));
}

#[test]
fn t5_repeat_request_marks_repeat_past_the_deadline_or_when_the_client_insists() {
    let mut ticket = Ticket::create(number(4), CLIENT, CREATOR, "Ошибка", t(0));
    ticket
        .dispatch(ACCOUNTING, CREATOR, t(1))
        .expect("dispatch");
    assert!(ticket.in_queue(ACCOUNTING) && ticket.in_folder_of(CREATOR));
    let deadline = Some(t(60));
    let request = |comment, client_insists| RepeatRequest {
        by: CREATOR,
        comment,
        deadline,
        client_insists,
    };
    assert_eq!(
        ticket.repeat_request(request("", false), t(30)),
        Err(TicketError::CommentRequired)
    );
    assert_eq!(
        ticket.repeat_request(request("клиент звонит снова", false), t(60)),
        Ok(RepeatOutcome::Commented)
    );
    assert!(
        !ticket.is_repeat(),
        "exactly at the deadline it has not passed"
    );
    // Dispatched and overdue: marked REPEAT and sent to its queue again.
    assert_eq!(
        ticket.repeat_request(request("третий звонок", false), t(61)),
        Ok(RepeatOutcome::MarkedRepeatAndRequeued)
    );
    assert!(ticket.is_repeat());
    assert_eq!(ticket.state(), TicketState::OpenDispatch);
    let last: Vec<&TicketAction> = ticket
        .history()
        .iter()
        .rev()
        .take(2)
        .map(|h| &h.action)
        .collect();
    assert_eq!(
        last,
        [
            &TicketAction::Dispatched { queue: ACCOUNTING },
            &TicketAction::MarkedRepeat {
                comment: "третий звонок".into()
            }
        ]
    );

    // Open in a worker's hands, before the deadline, but the client insists: a REPEAT comment,
    // the ticket stays with the worker.
    let mut taken = Ticket::create(number(5), CLIENT, CREATOR, "Ошибка", t(0));
    taken.dispatch(ACCOUNTING, CREATOR, t(1)).expect("dispatch");
    taken.take(WORKER, t(2)).expect("take");
    assert_eq!(
        taken.repeat_request(request("настаивает", true), t(3)),
        Ok(RepeatOutcome::MarkedRepeat)
    );
    assert_eq!((taken.state(), taken.owner()), (TicketState::Open, WORKER));

    ticket.close(CREATOR, t(62)).expect("close");
    assert!(
        ticket.repeat_request(request("ещё", true), t(70)).is_err(),
        "closed tickets are not repeated"
    );
}

#[test]
fn t4_t5_numbers_run_per_year() {
    let n = |year, seq| TicketNumber { year, seq };
    assert_eq!(next_ticket_number(None, 2026), Ok(n(2026, 1)));
    assert_eq!(next_ticket_number(Some(n(2026, 41)), 2026), Ok(n(2026, 42)));
    assert_eq!(next_ticket_number(Some(n(2026, 999)), 2027), Ok(n(2027, 1)));
    for refused in [
        next_ticket_number(Some(n(2026, 999_999)), 2026),
        next_ticket_number(Some(n(2027, 5)), 2026),
        next_ticket_number(None, 2100),
    ] {
        assert_eq!(refused, Err(TicketError::NumbersExhausted));
    }
    assert_eq!(
        TicketError::NumbersExhausted.code(),
        "ticket.numbers_exhausted"
    );
}

#[test]
fn t5_numbers_read_to_a_client_and_typed_back() {
    let n = TicketNumber {
        year: 2026,
        seq: 4217,
    };
    assert_eq!(n.to_string(), "26-004217");
    for typed in [
        "26-004217",
        " 26-4217 ",
        "№26-004217",
        "26 004 217",
        "26/4217",
    ] {
        assert_eq!(typed.parse::<TicketNumber>(), Ok(n), "{typed:?}");
    }
    for bad in [
        "264217",
        "26-",
        "-4217",
        "26-0",
        "26-1000000",
        "126-5",
        "abc",
        "",
    ] {
        let err = bad
            .parse::<TicketNumber>()
            .err()
            .unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert_eq!(err.code(), "ticket.bad_number");
    }
    assert_eq!(TicketState::OpenRejectReturn.label(), "OPEN-REJECT RETURN");
}

/// T4 (seed 004): only a closed ticket is disputed, and only where its queue names a line.
#[test]
fn t4_a_closed_ticket_is_disputed_to_the_line_its_queue_names() {
    use linedesk_domain::ids::{ClientId, LineId, QueueId, SpecialistId};
    use linedesk_domain::ticket::{Ticket, TicketError, TicketNumber};
    let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let by = SpecialistId(1);
    let mut t = Ticket::create(
        TicketNumber { year: 2026, seq: 7 },
        ClientId(2),
        by,
        "Перерасчёт",
        at,
    );
    t.dispatch(QueueId(3), by, at).expect("dispatch");
    assert_eq!(
        t.dispute_to(Some(LineId(9))).map_err(|e| e.code()),
        Err("ticket.illegal_transition")
    );
    t.close(by, at).expect("close");
    assert_eq!(t.dispute_to(None), Err(TicketError::NoDisputeLine));
    assert_eq!(TicketError::NoDisputeLine.code(), "ticket.no_dispute_line");
    assert_eq!(t.dispute_to(Some(LineId(9))), Ok(LineId(9)));
}

/// The panel's buttons follow from the state machine itself (T2-T5).
#[test]
fn t2_t5_allowed_commands_follow_the_state_machine() {
    use linedesk_domain::ids::QueueId;
    use linedesk_domain::ticket::{TicketCommand as C, TicketState as S, allowed_commands};
    let q = Some(QueueId(3));
    let cases = [
        (
            S::Open,
            None,
            vec![C::Dispatch, C::Save, C::Comment, C::Repeat, C::Close],
        ),
        (
            S::Open,
            q,
            vec![C::Reject, C::Forward, C::Comment, C::Repeat, C::Close],
        ),
        (
            S::OpenDispatch,
            q,
            vec![
                C::Take,
                C::Reject,
                C::Forward,
                C::Comment,
                C::Repeat,
                C::Close,
            ],
        ),
        (
            S::OpenForwarded,
            q,
            vec![
                C::Take,
                C::Reject,
                C::Forward,
                C::Comment,
                C::Repeat,
                C::Close,
            ],
        ),
        (
            S::OpenRejectReturn,
            q,
            vec![C::Comment, C::Close, C::Recreate],
        ),
        (S::Closed, q, vec![C::Dispute]),
    ];
    for (state, queue, allowed) in cases {
        assert_eq!(
            allowed_commands(state, queue),
            allowed,
            "{state:?} {queue:?}"
        );
    }
}
