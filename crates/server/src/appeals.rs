//! Appeals by hand and their ends (issue 6): a specialist starts one (A1), transfers it to a
//! colleague, the queue, a level of the line or another line (A3), or finishes it as spam
//! (A6). Routing stays the domain's `Dispatcher`; these only add the checks and the events.

use std::collections::HashMap;

use linedesk_domain::appeal::{SupportTier, TransferTarget};
use linedesk_domain::ids::{AppealId, SpecialistId};
use linedesk_domain::routing::{Dispatcher, Movement};
use linedesk_protocol::{AppealChannel, Event};
use rusqlite::{OptionalExtension, params};

use crate::actions::{Work, specialist_only};
use crate::contact;
use crate::sla_alerts;
use crate::sqlite::{id, sql_id};
use crate::storage::{StorageError, Subject};

fn routing_refused(err: linedesk_domain::routing::RoutingError) -> StorageError {
    StorageError::Invalid(err.to_string())
}

fn tier_code(tier: SupportTier) -> &'static str {
    match tier {
        SupportTier::First => "first",
        SupportTier::Second => "second",
    }
}

/// The open appeal `appeal` held by `specialist`: (line, client).
fn held(
    w: &Work<'_>,
    appeal: u64,
    specialist: u64,
    what: &str,
) -> Result<(u64, u64), StorageError> {
    let (line, client, holder) = w.appeal(appeal)?;
    if holder != Some(specialist) {
        return Err(StorageError::Invalid(format!(
            "appeal {appeal} is not yours to {what}"
        )));
    }
    Ok((line, client))
}

/// A1: `actor` starts an appeal of `client` on `line` by hand; it is theirs at once.
pub(crate) fn start(
    w: &mut Work<'_>,
    actor: Subject,
    line: u64,
    client: u64,
    live: &HashMap<u64, Dispatcher>,
) -> Result<(), StorageError> {
    let specialist = specialist_only(actor)?;
    contact::may_contact(&w.tx, specialist, line, client)?;
    if let Some(open) = w.open_appeal_of(line, client)? {
        return Err(StorageError::Conflict(format!(
            "client {client} has the open appeal {open}"
        )));
    }
    let appeal = w.insert_appeal(line, client, AppealChannel::Manual)?;
    let me = SpecialistId(specialist);
    w.dispatcher(line, live)
        .restore(AppealId(appeal), 0, Some(me));
    w.record(
        line,
        &[Movement::Assigned {
            appeal: AppealId(appeal),
            to: me,
        }],
    )
}

/// A6: the holder finishes the appeal as spam; its SLA alerts stop.
pub(crate) fn mark_spam(
    w: &mut Work<'_>,
    actor: Subject,
    appeal: u64,
    live: &HashMap<u64, Dispatcher>,
) -> Result<(), StorageError> {
    let specialist = specialist_only(actor)?;
    let (line, client) = held(w, appeal, specialist, "mark as spam")?;
    let moves = w
        .dispatcher(line, live)
        .finish(AppealId(appeal))
        .map_err(routing_refused)?;
    w.tx.execute(
        "UPDATE appeals SET state = 'finished', holder = ?2, result = 'spam', spam = 1
         WHERE id = ?1",
        params![sql_id(appeal), sql_id(specialist)],
    )?;
    sla_alerts::resolve(&w.tx, appeal, w.now_ms)?;
    w.append(
        line,
        Event::AppealMarkedSpam {
            appeal,
            client,
            specialist,
        },
    )?;
    w.record(line, &moves)
}

/// A3: the holder sends the appeal on, with a reason. `to` (a colleague) and `target` are two
/// spellings of where; at most one may be given, neither means the line's queue.
#[allow(clippy::too_many_arguments)]
pub(crate) fn transfer(
    w: &mut Work<'_>,
    actor: Subject,
    appeal: u64,
    to: Option<u64>,
    target: Option<TransferTarget>,
    reason: &str,
    live: &HashMap<u64, Dispatcher>,
) -> Result<(), StorageError> {
    let specialist = specialist_only(actor)?;
    let (line, client) = held(w, appeal, specialist, "transfer")?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StorageError::Invalid("a transfer needs a reason".into()));
    }
    let target = match (to, target) {
        (Some(_), Some(_)) => {
            return Err(StorageError::Invalid(
                "a transfer has `to` or `target`, not both".into(),
            ));
        }
        (Some(colleague), None) => Some(TransferTarget::Colleague(SpecialistId(colleague))),
        (None, target) => target,
    };
    let from = SpecialistId(specialist);
    let event = |to: Option<u64>, target: Option<TransferTarget>| Event::AppealTransferred {
        appeal,
        client,
        from: specialist,
        to,
        reason: reason.to_string(),
        target,
    };
    match target {
        None | Some(TransferTarget::Colleague(_)) => {
            let to = target.and_then(|t| match t {
                TransferTarget::Colleague(c) => Some(c.0),
                _ => None,
            });
            if let Some(colleague) = to
                && !w.serves(colleague, line)?
            {
                return Err(StorageError::Invalid(format!(
                    "specialist {colleague} does not serve line {line}"
                )));
            }
            let moves = w
                .dispatcher(line, live)
                .transfer(AppealId(appeal), from, to.map(SpecialistId))
                .map_err(routing_refused)?;
            w.append(line, event(to, None))?;
            w.record(line, &moves)
        }
        Some(TransferTarget::Tier(tier)) => {
            let moves = w
                .dispatcher(line, live)
                .transfer_to_tier(AppealId(appeal), from, tier)
                .map_err(routing_refused)?;
            w.tx.execute(
                "UPDATE appeals SET tier = ?2 WHERE id = ?1",
                params![sql_id(appeal), tier_code(tier)],
            )?;
            w.append(line, event(None, target))?;
            w.record(line, &moves)
        }
        Some(TransferTarget::Line(other)) => {
            to_line(w, appeal, line, client, from, other.0, reason, live)
        }
    }
}

/// A3: to another line the client is on (the same 1C-Connect ID there): the appeal ends on
/// this line and goes on as the client's appeal of the other line, with the same reason in
/// both logs.
#[allow(clippy::too_many_arguments)]
fn to_line(
    w: &mut Work<'_>,
    appeal: u64,
    line: u64,
    client: u64,
    from: SpecialistId,
    other: u64,
    reason: &str,
    live: &HashMap<u64, Dispatcher>,
) -> Result<(), StorageError> {
    if other == line {
        return Err(StorageError::Invalid(
            "the appeal is on that line already".into(),
        ));
    }
    let there: Option<i64> =
        w.tx.query_row(
            "SELECT o.id FROM clients c JOIN clients o
                 ON o.connect_id = c.connect_id AND o.line_id = ?2
             WHERE c.id = ?1 AND c.connect_id IS NOT NULL",
            params![sql_id(client), sql_id(other)],
            |r| r.get(0),
        )
        .optional()?;
    let there = there.map(id).ok_or_else(|| {
        StorageError::Invalid(format!("client {client} is not a client of line {other}"))
    })?;
    let channel: String = w.tx.query_row(
        "SELECT channel FROM appeals WHERE id = ?1",
        [sql_id(appeal)],
        |r| r.get(0),
    )?;
    let moves = w
        .dispatcher(line, live)
        .finish(AppealId(appeal))
        .map_err(routing_refused)?;
    let result = format!("→ line {other}: {reason}");
    w.tx.execute(
        "UPDATE appeals SET state = 'finished', holder = ?2, result = ?3 WHERE id = ?1",
        params![sql_id(appeal), sql_id(from.0), result],
    )?;
    sla_alerts::resolve(&w.tx, appeal, w.now_ms)?;
    let target = Some(TransferTarget::Line(linedesk_domain::ids::LineId(other)));
    w.append(
        line,
        Event::AppealTransferred {
            appeal,
            client,
            from: from.0,
            to: None,
            reason: reason.to_string(),
            target,
        },
    )?;
    w.append(
        line,
        Event::AppealFinished {
            appeal,
            client,
            result,
        },
    )?;
    w.record(line, &moves)?;
    let continued = match w.open_appeal_of(other, there)? {
        Some(open) => open,
        None => {
            let channel = serde_json::from_value(serde_json::Value::String(channel))
                .unwrap_or(AppealChannel::Chat);
            w.open_appeal_via(other, there, channel, Vec::new(), live)?
        }
    };
    w.append(
        other,
        Event::AppealTransferred {
            appeal: continued,
            client: there,
            from: from.0,
            to: None,
            reason: reason.to_string(),
            target,
        },
    )
}
