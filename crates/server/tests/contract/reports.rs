//! R1: the supervisor's reports as every backend sums them: an appeal reacted to, finished and
//! rated with a comment shows in the SLA and operator reports; the monitor shows the team and
//! the queue; the call report of a period without calls is empty; roles are the line's.

use linedesk_domain::presence::PresenceStatus;
use linedesk_line::reports::ReportQuery;
use linedesk_protocol::{Action, Event};
use linedesk_server::storage::{Storage, Subject};

use super::{NOW, Open, done, fresh, message, seed};

const HOUR: i64 = 60 * 60 * 1000;

pub(super) fn reports_sum_what_happened<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let anna = Subject::specialist(l.anna);
    done(s.apply(
        anna,
        "p",
        &Action::SetPresence {
            status: PresenceStatus::Available,
        },
        NOW,
    ));
    let events = done(s.apply(Subject::client(l.client), "m", &message("Помогите"), NOW));
    let appeal = events
        .iter()
        .find_map(|e| match e.event {
            Event::AppealAssigned { appeal, .. } => Some(appeal),
            _ => None,
        })
        .expect("assigned");
    done(s.apply(
        anna,
        "r",
        &Action::SendMessage {
            line: l.line,
            client: l.client,
            text: "Сейчас".into(),
        },
        NOW + 60_000,
    ));
    done(s.apply(
        anna,
        "f",
        &Action::FinishAppeal {
            appeal,
            result: "помогли".into(),
        },
        NOW + 120_000,
    ));
    done(s.apply(
        Subject::client(l.client),
        "s",
        &Action::RateAppeal {
            appeal,
            stars: 5,
            comment: Some("Спасибо!".into()),
        },
        NOW + 180_000,
    ));

    let lines = s.report_lines(l.anna).expect("lines");
    assert_eq!(lines.len(), 1);
    assert!(!lines[0].supervisor);
    assert!(s.set_supervisor(l.anna, l.line, true).expect("supervisor"));
    assert!(s.report_lines(l.anna).expect("lines")[0].supervisor);

    let day = ReportQuery {
        from_ms: NOW - HOUR,
        to_ms: NOW + HOUR,
        specialist: None,
        level: None,
        appeal_type: None,
    };
    let sla = s
        .sla_report(l.line, &day, false, NOW + HOUR)
        .expect("SLA report");
    assert_eq!(sla.total.appeals, 1);
    assert_eq!(sla.by_level.len(), 1);
    let nobody = ReportQuery {
        specialist: Some(l.vera),
        ..day.clone()
    };
    assert_eq!(
        s.sla_report(l.line, &nobody, true, NOW + HOUR)
            .expect("Vera's")
            .total
            .appeals,
        0
    );
    let operators = s.operator_report(l.line, &day, false).expect("A6");
    assert_eq!(
        operators
            .rows
            .iter()
            .map(|r| (r.specialist, r.handled))
            .collect::<Vec<_>>(),
        [(l.anna, 1)]
    );
    assert_eq!(operators.comments_total, 1);
    assert_eq!(operators.comments[0].comment, "Спасибо!");
    assert_eq!(operators.comments[0].stars, 5);
    let calls = s.call_report(l.line, &day, false).expect("calls");
    assert_eq!(calls.calls_total, 0);
    assert!(calls.calls.is_empty());

    done(s.apply(
        Subject::client(l.client),
        "m2",
        &message("Ещё вопрос"),
        NOW + HOUR,
    ));
    let monitor = s.monitor(l.line, NOW + HOUR).expect("monitor");
    assert_eq!(
        monitor
            .specialists
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["Анна", "Вера"]
    );
    assert_eq!(monitor.queued + monitor.assigned, 1, "{monitor:?}");
}
