//! The SLA engine explains itself (issue 15): for one appeal, which level applies and why
//! (S5: each level tried in order, the first condition that failed), the working-time
//! segments each deadline counts (S1-S3), the waits for the client and what each added (S4),
//! and, while the appeal waits, what the resolution deadline becomes if the client answers
//! now. Pure: the clock, the calendar, the levels and `now` are inputs.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{BusinessCalendar, CalendarError};
use super::clock::{DeadlineStatus, SlaClock};
use super::level::{AppealFacts, LevelSet, Selection};

/// Most segments listed per deadline (a resolution time of weeks has a segment per shift).
pub const MAX_SEGMENTS: usize = 200;

/// Whether a stretch of working time counted towards a deadline or was spent waiting for the
/// client (S4: not counted, it moved the resolution deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    Counted,
    Waiting,
}

/// One stretch of working time between registration and a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub kind: SegmentKind,
}

/// One deadline explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineExplanation {
    /// The working time the level gives it (S1).
    pub budget: TimeDelta,
    /// The deadline now: the resolution's moved by the waits (S4); while the appeal waits, as
    /// if the client answered at `now` (see [`WhatIf`]).
    pub due: DateTime<Utc>,
    /// When it was reached: the first reaction (or the finish, which is the answer the client
    /// got), the finish for the resolution.
    pub reached_at: Option<DateTime<Utc>>,
    /// Working time counted so far: to when it was reached, else to `now`; waits left out.
    pub used: TimeDelta,
    pub status: DeadlineStatus,
    /// The working time from registration to `due`, waits marked, in order.
    pub segments: Vec<Segment>,
    /// More segments than [`MAX_SEGMENTS`] were there; the first ones are listed.
    pub truncated: bool,
}

/// S4: one wait for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitExplanation {
    pub from: DateTime<Utc>,
    /// `None` while it goes on.
    pub to: Option<DateTime<Utc>>,
    /// The working time it adds to the resolution deadline (a running wait: so far); zero for
    /// a wait that began after the deadline had passed (a breach stays a breach).
    pub added: TimeDelta,
}

/// While the appeal waits: what happens if the client answers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIf {
    pub answered_at: DateTime<Utc>,
    /// The working time this wait would add.
    pub added: TimeDelta,
    /// The resolution deadline it would give.
    pub resolution_due: DateTime<Utc>,
}

/// An appeal's SLA, explained at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaExplanation {
    /// The level the appeal has had since registration (S3).
    pub level: String,
    pub registered_at: DateTime<Utc>,
    /// What the level was chosen by, when the clock kept it.
    pub facts: Option<AppealFacts>,
    /// How today's levels choose for those facts; its `level` differs from [`Self::level`]
    /// when the levels changed after registration (the appeal keeps its level, S3).
    pub selection: Option<Selection>,
    pub reaction: DeadlineExplanation,
    pub resolution: DeadlineExplanation,
    pub waits: Vec<WaitExplanation>,
    /// Working time added by waits the clock did not list (clocks stored before it kept them).
    pub unlisted_extension: TimeDelta,
    pub what_if: Option<WhatIf>,
    pub now: DateTime<Utc>,
}

/// The status of a deadline not reached yet at `now`: at risk once `at_risk_percent` of the
/// budget is used (the line's alerts say the same).
fn running_status(
    due: DateTime<Utc>,
    used: TimeDelta,
    budget: TimeDelta,
    at_risk_percent: i32,
    now: DateTime<Utc>,
) -> DeadlineStatus {
    if now > due {
        DeadlineStatus::Breached
    } else if used >= budget * at_risk_percent / 100 {
        DeadlineStatus::AtRisk
    } else {
        DeadlineStatus::OnTrack
    }
}

fn reached_status(at: DateTime<Utc>, due: DateTime<Utc>) -> DeadlineStatus {
    if at <= due {
        DeadlineStatus::Met
    } else {
        DeadlineStatus::Breached
    }
}

/// The working segments of `[from, to)` with the parts inside `waits` marked waiting.
fn segments(
    calendar: &BusinessCalendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    waits: &[(DateTime<Utc>, DateTime<Utc>)],
) -> (Vec<Segment>, bool) {
    let plain = calendar.working_segments(from, to, MAX_SEGMENTS + 1);
    let mut out = Vec::new();
    for (start, end) in plain {
        let mut cursor = start;
        for &(wf, wt) in waits {
            let (a, b) = (wf.max(cursor), wt.min(end));
            if b <= a {
                continue;
            }
            if a > cursor {
                out.push(Segment {
                    from: cursor,
                    to: a,
                    kind: SegmentKind::Counted,
                });
            }
            out.push(Segment {
                from: a,
                to: b,
                kind: SegmentKind::Waiting,
            });
            cursor = b;
        }
        if end > cursor {
            out.push(Segment {
                from: cursor,
                to: end,
                kind: SegmentKind::Counted,
            });
        }
    }
    let truncated = out.len() > MAX_SEGMENTS;
    out.truncate(MAX_SEGMENTS);
    (out, truncated)
}

/// Explain `clock` (under its level's `calendar`) at `now`. `levels` are the line's levels
/// today, to show the choice for the facts the clock kept. `at_risk_percent` is the share of
/// a budget after which a deadline is at risk.
pub fn explain(
    clock: &SlaClock,
    calendar: &BusinessCalendar,
    levels: Option<&LevelSet>,
    now: DateTime<Utc>,
    at_risk_percent: i32,
) -> Result<SlaExplanation, CalendarError> {
    let registered = clock.deadlines().registered_at();
    let work = |to: DateTime<Utc>| calendar.working_time_between(registered, to);

    // S4: the waits, the running one up to `now`.
    let base_due = clock.resolution_due(calendar)?;
    let mut waits: Vec<WaitExplanation> = clock
        .waits()
        .iter()
        .map(|w| WaitExplanation {
            from: w.from,
            to: Some(w.to),
            added: w.added,
        })
        .collect();
    let listed: TimeDelta = clock.waits().iter().map(|w| w.added).sum();
    let mut what_if = None;
    let mut resolution_due = base_due;
    if let Some(since) = clock.waiting_since() {
        let added = if since > base_due {
            TimeDelta::zero()
        } else {
            calendar.working_time_between(since, now)
        };
        waits.push(WaitExplanation {
            from: since,
            to: None,
            added,
        });
        resolution_due = calendar.add_working_time(base_due, added)?;
        what_if = Some(WhatIf {
            answered_at: now,
            added,
            resolution_due,
        });
    }
    let counted_waits: Vec<_> = waits
        .iter()
        .filter(|w| w.added > TimeDelta::zero())
        .map(|w| (w.from, w.to.unwrap_or(now)))
        .collect();

    // S2: the reaction; finishing without an answer is the answer the client got.
    let reaction_due = clock.deadlines().reaction_due();
    let reaction_budget = work(reaction_due);
    let reacted = clock.reacted_at().or(clock.resolved_at());
    let reaction_used = work(reacted.unwrap_or(now).min(now));
    let reaction_status = match reacted {
        Some(at) => reached_status(at, reaction_due),
        None => running_status(
            reaction_due,
            reaction_used,
            reaction_budget,
            at_risk_percent,
            now,
        ),
    };
    let (reaction_segments, reaction_truncated) = segments(calendar, registered, reaction_due, &[]);

    // S2/S4: the resolution, its waits left out of the working time used.
    let resolution_budget = work(clock.deadlines().resolution_due());
    let end = clock.resolved_at().unwrap_or(now).min(now);
    let waited: TimeDelta = counted_waits
        .iter()
        .map(|&(f, t)| calendar.working_time_between(f.max(registered), t.min(end)))
        .sum();
    let resolution_used = (work(end) - waited).max(TimeDelta::zero());
    let resolution_status = match (clock.resolved_at(), clock.waiting_since()) {
        (Some(at), _) => reached_status(at, resolution_due),
        (None, Some(since)) if since > base_due => DeadlineStatus::Breached,
        (None, Some(_)) => DeadlineStatus::Paused,
        (None, None) => running_status(
            resolution_due,
            resolution_used,
            resolution_budget,
            at_risk_percent,
            now,
        ),
    };
    let (resolution_segments, resolution_truncated) =
        segments(calendar, registered, resolution_due, &counted_waits);

    let selection = match (levels, clock.facts()) {
        (Some(levels), Some(facts)) => Some(levels.explain_selection(facts)),
        _ => None,
    };
    Ok(SlaExplanation {
        level: clock.level.clone(),
        registered_at: registered,
        facts: clock.facts().cloned(),
        selection,
        reaction: DeadlineExplanation {
            budget: reaction_budget,
            due: reaction_due,
            reached_at: reacted,
            used: reaction_used,
            status: reaction_status,
            segments: reaction_segments,
            truncated: reaction_truncated,
        },
        resolution: DeadlineExplanation {
            budget: resolution_budget,
            due: resolution_due,
            reached_at: clock.resolved_at(),
            used: resolution_used,
            status: resolution_status,
            segments: resolution_segments,
            truncated: resolution_truncated,
        },
        waits,
        unlisted_extension: (clock.extension() - listed).max(TimeDelta::zero()),
        what_if,
        now,
    })
}

#[cfg(test)]
#[path = "explain_tests.rs"]
mod tests;
