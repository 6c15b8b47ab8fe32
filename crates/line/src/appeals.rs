//! Appeals (A1-A6) through the domain's [`Appeal`]: load the row, restore the appeal, ask it
//! for the transition, store the result. Routing (who holds what) stays the domain's
//! `Dispatcher`; the two agree because every move routing makes is recorded on the row.

use linedesk_domain::appeal::{Actor, Appeal, AppealError, AppealState, Channel, TransferTarget};
use linedesk_domain::ids::{AppealId, ClientId, LineId, SpecialistId};
use linedesk_domain::routing::Movement;
use linedesk_protocol::{
    AppealChannel, Event, MAX_CARRIED_MESSAGES, MAX_RATING_COMMENT_CHARS, Role,
    TRANSFERRED_TO_LINE, check_chars,
};

use crate::error::LineError;
use crate::repo::{AppealRow, AppealStage, Repo};
use crate::sla::instant;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// A1/S5: what opened the appeal, as the domain names it.
pub(crate) fn channel(c: AppealChannel) -> Channel {
    match c {
        AppealChannel::Chat => Channel::Message,
        AppealChannel::Call => Channel::Call,
        AppealChannel::Remote => Channel::RemoteSession,
        AppealChannel::File => Channel::File,
        AppealChannel::Manual => Channel::Manual,
    }
}

/// The stored appeal as the domain's [`Appeal`].
pub(crate) fn restore(row: &AppealRow) -> Result<Appeal, LineError> {
    restore_active_since(row, row.opened_ms)
}

/// The stored appeal as the domain's [`Appeal`], its last activity at `last_ms` (A5).
pub(crate) fn restore_active_since(row: &AppealRow, last_ms: i64) -> Result<Appeal, LineError> {
    let opened = instant(row.opened_ms)?;
    let state = match (row.stage, row.holder) {
        (AppealStage::Queued, _) | (AppealStage::Assigned, None) => AppealState::Queued,
        (AppealStage::Assigned, Some(h)) if row.waiting_since_ms.is_some() => {
            AppealState::WaitingForClient {
                specialist: SpecialistId(h),
            }
        }
        (AppealStage::Assigned, Some(h)) => AppealState::Assigned {
            specialist: SpecialistId(h),
        },
        (AppealStage::Finished, _) if row.spam => AppealState::Spam,
        (AppealStage::Finished, holder) => AppealState::Finished {
            result: row.result.clone().unwrap_or_default(),
            by: holder.map_or(Actor::System, |h| Actor::Specialist(SpecialistId(h))),
        },
    };
    Ok(Appeal::restore(
        AppealId(row.id),
        LineId(row.line),
        ClientId(row.client),
        channel(row.channel),
        row.tier,
        opened,
        instant(last_ms)?,
        state,
        row.stars
            .map(|s| (s, row.rating_comment.clone().unwrap_or_default())),
    ))
}

/// The domain's appeal after a transition, back on the row (stage, holder, result, spam,
/// tier, stars; out of "waiting" unless it waits, whose start the caller sets).
pub(crate) fn store(row: &mut AppealRow, appeal: &Appeal) {
    if !matches!(appeal.state(), AppealState::WaitingForClient { .. }) {
        row.waiting_since_ms = None;
    }
    match appeal.state() {
        AppealState::Queued => {
            row.stage = AppealStage::Queued;
            row.holder = None;
        }
        AppealState::Assigned { specialist } | AppealState::WaitingForClient { specialist } => {
            row.stage = AppealStage::Assigned;
            row.holder = Some(specialist.0);
        }
        AppealState::Finished { result, by } => {
            row.stage = AppealStage::Finished;
            row.result = Some(result.clone());
            if let Actor::Specialist(s) = by {
                row.holder = Some(s.0);
            }
        }
        AppealState::Spam => {
            row.stage = AppealStage::Finished;
            row.spam = true;
            row.result = Some("spam".into());
        }
    }
    row.tier = appeal.tier;
    row.stars = appeal.rating().map(|r| r.0);
    row.rating_comment = appeal
        .rating()
        .map(|r| r.1.clone())
        .filter(|c| !c.is_empty());
}

/// A2: a specialist takes a queued appeal of a line they serve.
pub(crate) fn take<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    appeal: u64,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let row = w.open_appeal(appeal)?;
    if !w.serves(me, row.line)? {
        return Err(LineError::Forbidden(row.line));
    }
    // Routing first: a race lost to a colleague is a conflict, not a mistake.
    let moved = w
        .dispatcher(row.line)
        .take(AppealId(appeal), SpecialistId(me))?;
    restore(&row)?.take_from_queue(SpecialistId(me), instant(w.now_ms)?)?;
    w.record(row.line, &[moved])
}

/// Close the appeal on its row and in routing, stop its SLA timers and append `event`.
fn close<R: Repo>(
    w: &mut Work<'_, R>,
    row: AppealRow,
    appeal: &Appeal,
    event: Event,
) -> Result<(), LineError> {
    close_with(w, row, appeal, None, event)
}

/// [`close`] with the result stored as `result` (A5: the wire's code for "no reply from the
/// client", not the domain's word).
pub(crate) fn close_as<R: Repo>(
    w: &mut Work<'_, R>,
    row: AppealRow,
    appeal: &Appeal,
    result: &str,
    event: Event,
) -> Result<(), LineError> {
    close_with(w, row, appeal, Some(result), event)
}

fn close_with<R: Repo>(
    w: &mut Work<'_, R>,
    mut row: AppealRow,
    appeal: &Appeal,
    result: Option<&str>,
    event: Event,
) -> Result<(), LineError> {
    let moves = w.dispatcher(row.line).finish(AppealId(row.id))?;
    store(&mut row, appeal);
    if let Some(result) = result {
        row.result = Some(result.to_string());
    }
    w.repo.put_appeal(&row)?;
    w.repo.put_reply_awaited(row.id, None)?;
    crate::sla_timers::resolve(&mut w.repo, row.id, w.now_ms)?;
    w.append(row.line, event)?;
    w.record(row.line, &moves)
}

/// A4: the holder finishes the appeal with a result.
pub(crate) fn finish<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    appeal: u64,
    result: &str,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let row = w.open_appeal(appeal)?;
    let mut a = restore(&row)?;
    a.finish(SpecialistId(me), result, instant(w.now_ms)?)?;
    crate::closing::check_finish(w, appeal)?;
    let event = Event::AppealFinished {
        appeal,
        client: row.client,
        result: result.trim().to_string(),
    };
    close(w, row, &a, event)
}

/// A6: the holder finishes the appeal as spam; its SLA alerts stop.
pub(crate) fn mark_spam<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    appeal: u64,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let row = w.open_appeal(appeal)?;
    let mut a = restore(&row)?;
    // The server lets only the holder mark an appeal as spam (the domain lets any actor).
    if a.state().holder() != Some(SpecialistId(me)) {
        return Err(AppealError::NotHolder.into());
    }
    a.mark_spam(Actor::Specialist(SpecialistId(me)), instant(w.now_ms)?)?;
    let mut row = row;
    row.holder = Some(me);
    let event = Event::AppealMarkedSpam {
        appeal,
        client: row.client,
        specialist: me,
    };
    close(w, row, &a, event)
}

/// A1: a specialist starts an appeal of `client` on `line` by hand; it is theirs at once.
pub(crate) fn start<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    (line, client): (u64, u64),
    kind: &str,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    w.may_contact(me, line, client)?;
    if let Some(open) = w.open_appeal_of(line, client)? {
        return Err(LineError::Conflict(format!(
            "client {client} has the open appeal {open}"
        )));
    }
    let (appeal, priority) =
        w.insert_appeal_of_kind(line, client, AppealChannel::Manual, kind.trim())?;
    let me = SpecialistId(me);
    w.dispatcher(line)
        .restore(AppealId(appeal), priority, Some(me));
    w.record(
        line,
        &[Movement::Assigned {
            appeal: AppealId(appeal),
            to: me,
        }],
    )
}

/// A3: the holder sends the appeal on, with a reason. `to` (a colleague) and `target` are two
/// spellings of where; at most one may be given, neither means the line's queue.
pub(crate) fn transfer<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    appeal: u64,
    to: Option<u64>,
    target: Option<TransferTarget>,
    reason: &str,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let row = w.open_appeal(appeal)?;
    let target = match (to, target) {
        (Some(_), Some(_)) => {
            return Err(LineError::Invalid(
                "a transfer has `to` or `target`, not both".into(),
            ));
        }
        (Some(colleague), None) => Some(TransferTarget::Colleague(SpecialistId(colleague))),
        (None, target) => target,
    };
    let from = SpecialistId(me);
    let at = instant(w.now_ms)?;
    let mut a = restore(&row)?;
    let line = row.line;
    let reason = reason.trim();
    let event = |to: Option<u64>, target: Option<TransferTarget>| Event::AppealTransferred {
        appeal,
        client: row.client,
        from: me,
        to,
        reason: reason.to_string(),
        target,
    };
    match target {
        None => {
            // To the line's queue: the domain's rules of a transfer, to this line's queue.
            a.transfer(from, TransferTarget::Tier(a.tier), reason, at)?;
            let moves = w.dispatcher(line).transfer(AppealId(appeal), from, None)?;
            w.append(line, event(None, None))?;
            w.record(line, &moves)
        }
        Some(TransferTarget::Colleague(colleague)) => {
            a.transfer(from, TransferTarget::Colleague(colleague), reason, at)?;
            if !w.serves(colleague.0, line)? {
                return Err(LineError::Invalid(format!(
                    "specialist {colleague} does not serve line {line}"
                )));
            }
            let moves = w
                .dispatcher(line)
                .transfer(AppealId(appeal), from, Some(colleague))?;
            w.append(line, event(Some(colleague.0), None))?;
            w.record(line, &moves)
        }
        Some(TransferTarget::Tier(tier)) => {
            a.transfer(from, TransferTarget::Tier(tier), reason, at)?;
            let moves = w
                .dispatcher(line)
                .transfer_to_tier(AppealId(appeal), from, tier)?;
            let mut row = row.clone();
            row.tier = tier;
            w.repo.put_appeal(&row)?;
            w.append(line, event(None, target))?;
            w.record(line, &moves)
        }
        Some(TransferTarget::Line(other)) => {
            a.clone()
                .transfer(from, TransferTarget::Line(other), reason, at)?;
            to_line(w, row, a, from, other.0, reason)
        }
    }
}

/// A3: to another line the client is on (the same 1C-Connect ID there): the appeal ends on
/// this line and goes on as the client's appeal of the other line, with the same reason in
/// both logs (specialists only) and the conversation that led to it carried into the other
/// line's log (`ConversationCarried`: the other line's specialists see only their lines). The
/// client learns only that it went on ([`TRANSFERRED_TO_LINE`]), never the reason.
fn to_line<R: Repo>(
    w: &mut Work<'_, R>,
    row: AppealRow,
    mut a: Appeal,
    from: SpecialistId,
    other: u64,
    reason: &str,
) -> Result<(), LineError> {
    let (appeal, line, client) = (row.id, row.line, row.client);
    let connect_id = w.repo.client(client)?.and_then(|c| c.connect_id);
    let there = match connect_id {
        Some(cid) => w.repo.client_by_connect_id(other, &cid)?,
        None => None,
    }
    .ok_or_else(|| {
        LineError::Invalid(format!("client {client} is not a client of line {other}"))
    })?;
    let result = TRANSFERRED_TO_LINE.to_string();
    a.finish(from, &result, instant(w.now_ms)?)?;
    let carried = w
        .repo
        .appeal_conversation(line, appeal, MAX_CARRIED_MESSAGES)?;
    let target = Some(TransferTarget::Line(LineId(other)));
    let transferred = |appeal, client| Event::AppealTransferred {
        appeal,
        client,
        from: from.0,
        to: None,
        reason: reason.to_string(),
        target,
    };
    w.append(line, transferred(appeal, client))?;
    let channel = row.channel;
    close(
        w,
        row,
        &a,
        Event::AppealFinished {
            appeal,
            client,
            result,
        },
    )?;
    let continued = match w.open_appeal_of(other, there)? {
        Some(open) => open,
        None => w.open_appeal_via(other, there, channel, None)?,
    };
    w.append(other, transferred(continued, there))?;
    for entry in carried {
        w.append(
            other,
            Event::ConversationCarried {
                appeal: continued,
                client: there,
                from_line: line,
                from_appeal: appeal,
                author: entry.author,
                text: entry.text,
                file: entry.file,
                at_ms: entry.at_ms,
            },
        )?;
    }
    Ok(())
}

/// A4: a client rates their finished appeal, once, 1 to 5 stars, with an optional comment
/// (trimmed; an empty one is none).
pub(crate) fn rate<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    appeal: u64,
    stars: u8,
    comment: Option<&str>,
) -> Result<(), LineError> {
    if actor.role != Role::Client {
        return Err(LineError::NotAllowed(
            "only the client rates their appeal".into(),
        ));
    }
    let mut row = w
        .repo
        .appeal(appeal)?
        .ok_or_else(|| LineError::Invalid(format!("no appeal {appeal}")))?;
    if row.client != actor.id {
        return Err(LineError::NotAllowed(format!(
            "appeal {appeal} is not yours to rate"
        )));
    }
    let mut a = restore(&row)?;
    check_chars(
        "comment",
        comment.unwrap_or_default(),
        MAX_RATING_COMMENT_CHARS,
    )
    .map_err(|e| LineError::Invalid(e.to_string()))?;
    a.rate(stars, comment.unwrap_or_default(), instant(w.now_ms)?)?;
    store(&mut row, &a);
    w.repo.put_appeal(&row)?;
    let comment = row.rating_comment.clone();
    w.append(
        row.line,
        Event::AppealRated {
            appeal,
            client: row.client,
            stars,
            comment,
        },
    )
}
