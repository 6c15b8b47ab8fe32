//! S2: an appeal's SLA timer after it started. A deadline is **at risk** once
//! [`AT_RISK_PERCENT`](crate::AT_RISK_PERCENT) of its working-time budget is used (by the
//! level's calendar) and **breached** once it passes; each alert fires once per appeal and
//! deadline, and an appeal found already past a deadline (after a restart) gets the breach
//! only, its at-risk alert skipped as stale. The first specialist answer meets the reaction
//! deadline (no reaction alerts after it); finishing resolves the appeal (no alerts at all).
//!
//! The timer at the edge calls [`fire_due_alerts`] with `now`; the backend keeps when each
//! timer must be looked at next ([`next_alert`]) so that finding the due ones is one query.

use linedesk_domain::sla::{BusinessCalendar, parse_calendar};
use linedesk_protocol::{Event, SlaDeadline};

use crate::error::LineError;
use crate::repo::Repo;
use crate::sla::instant;
use crate::sla_repo::{AlertDeadline, SlaRepo, SlaTimer};
use crate::work::Work;

/// What fires of `d` at `now_ms`: `Some(true)` a breach (silencing a stale at-risk),
/// `Some(false)` an at-risk alert, `None` nothing.
fn fire(d: &mut AlertDeadline, now_ms: i64) -> Option<bool> {
    if !d.breach_fired && now_ms >= d.due_ms {
        d.breach_fired = true;
        d.risk_fired = true;
        Some(true)
    } else if !d.risk_fired && now_ms >= d.risk_ms {
        d.risk_fired = true;
        Some(false)
    } else {
        None
    }
}

/// The next instant an alert of `d` is due, if any is left.
fn next_of(d: &AlertDeadline) -> Option<i64> {
    if d.breach_fired {
        None
    } else if d.risk_fired {
        Some(d.due_ms)
    } else {
        Some(d.risk_ms)
    }
}

/// When the timer must look at `t` next: its earliest alert not yet fired, `None` once the
/// appeal is resolved or every alert has fired.
pub fn next_alert(t: &SlaTimer) -> Option<i64> {
    if t.clock.resolved_at().is_some() {
        return None;
    }
    let reaction = if t.clock.reacted_at().is_some() {
        None
    } else {
        next_of(&t.reaction)
    };
    // S4: while the appeal waits for the client its resolution clock stands still.
    let resolution = if t.clock.is_waiting() {
        None
    } else {
        next_of(&t.resolution)
    };
    [reaction, resolution].into_iter().flatten().min()
}

fn calendar_of(t: &SlaTimer) -> Result<BusinessCalendar, LineError> {
    parse_calendar(&t.calendar)
        .map_err(|e| LineError::Invalid(format!("the SLA calendar of appeal {}: {e}", t.appeal)))
}

fn save(repo: &mut impl SlaRepo, t: &SlaTimer) -> Result<(), LineError> {
    Ok(repo.put_sla_timer(t, next_alert(t))?)
}

/// S2: a specialist answered in the appeal: the reaction deadline is met (the first answer
/// counts; later ones change nothing).
pub(crate) fn react(repo: &mut impl SlaRepo, appeal: u64, now_ms: i64) -> Result<(), LineError> {
    let Some(mut t) = repo.sla_timer(appeal)? else {
        return Ok(());
    };
    if t.clock.reacted_at().is_some() {
        return Ok(());
    }
    t.clock.record_reaction(instant(now_ms)?);
    save(repo, &t)
}

/// S2: the appeal is finished: the question is solved, both timers stop.
pub(crate) fn resolve(repo: &mut impl SlaRepo, appeal: u64, now_ms: i64) -> Result<(), LineError> {
    let Some(mut t) = repo.sla_timer(appeal)? else {
        return Ok(());
    };
    if t.clock.resolved_at().is_some() {
        return Ok(());
    }
    let calendar = calendar_of(&t)?;
    t.clock
        .resolve(instant(now_ms)?, &calendar)
        .map_err(|e| LineError::Invalid(e.to_string()))?;
    save(repo, &t)
}

/// S4: the appeal starts waiting for the client: its resolution clock stops.
pub(crate) fn start_waiting(
    repo: &mut impl SlaRepo,
    appeal: u64,
    now_ms: i64,
) -> Result<(), LineError> {
    let Some(mut t) = repo.sla_timer(appeal)? else {
        return Ok(());
    };
    t.clock
        .start_waiting(instant(now_ms)?)
        .map_err(|e| LineError::Invalid(e.to_string()))?;
    save(repo, &t)
}

/// S4: the wait ends: the resolution deadline (and its at-risk instant) move by the working
/// time waited. Returns the resolution deadline now, `None` for an appeal without a timer.
pub(crate) fn stop_waiting(
    repo: &mut impl SlaRepo,
    appeal: u64,
    now_ms: i64,
) -> Result<Option<i64>, LineError> {
    let Some(mut t) = repo.sla_timer(appeal)? else {
        return Ok(None);
    };
    if !t.clock.is_waiting() {
        return Ok(Some(t.resolution.due_ms));
    }
    let calendar = calendar_of(&t)?;
    let waited = t
        .clock
        .stop_waiting(instant(now_ms)?, &calendar)
        .map_err(|e| LineError::Invalid(e.to_string()))?;
    let due = t
        .clock
        .resolution_due(&calendar)
        .map_err(|e| LineError::Invalid(e.to_string()))?;
    let risk = calendar
        .add_working_time(instant(t.resolution.risk_ms)?, waited)
        .map_err(|e| LineError::Invalid(e.to_string()))?;
    t.resolution.due_ms = due.timestamp_millis();
    t.resolution.risk_ms = risk.timestamp_millis();
    save(repo, &t)?;
    Ok(Some(t.resolution.due_ms))
}

/// Fire every alert due at `w.now_ms`, each once: appended to their lines' logs, marked fired
/// in the same transaction.
pub fn fire_due_alerts<R: Repo>(w: &mut Work<'_, R>) -> Result<(), LineError> {
    let now_ms = w.now_ms;
    for mut t in w.repo.due_sla_timers(now_ms)? {
        let Some(appeal) = w.repo.appeal(t.appeal)? else {
            return Err(LineError::Invalid(format!(
                "an SLA timer of a missing appeal {}",
                t.appeal
            )));
        };
        let mut fired = Vec::new();
        if t.clock.reacted_at().is_none()
            && let Some(breach) = fire(&mut t.reaction, now_ms)
        {
            fired.push((SlaDeadline::Reaction, breach, t.reaction.due_ms));
        }
        if t.clock.resolved_at().is_none()
            && !t.clock.is_waiting()
            && let Some(breach) = fire(&mut t.resolution, now_ms)
        {
            fired.push((SlaDeadline::Resolution, breach, t.resolution.due_ms));
        }
        for (deadline, breach, due_ms) in fired {
            let (appeal, client, specialist) = (t.appeal, appeal.client, appeal.holder);
            let event = if breach {
                Event::SlaBreached {
                    appeal,
                    client,
                    specialist,
                    deadline,
                    due_ms,
                }
            } else {
                Event::SlaAtRisk {
                    appeal,
                    client,
                    specialist,
                    deadline,
                    due_ms,
                }
            };
            w.append(t.line, event)?;
        }
        save(&mut w.repo, &t)?;
    }
    Ok(())
}
