//! The SLA engine explains itself (issue 15): an appeal's stored timer, its level's calendar
//! and the line's levels today, handed to the domain's `sla::explain` at `now`. Nothing is
//! written.

use linedesk_domain::sla::{explain, parse_calendar};
use linedesk_protocol::sla_explain::AppealSla;

use crate::error::LineError;
use crate::repo::Repo;
use crate::sla::{AT_RISK_PERCENT, instant, levels_of};

/// `appeal` of `line` explained at `now_ms`; `None` when the line has no such appeal or it has
/// no SLA timer.
pub fn explain_appeal(
    repo: &mut impl Repo,
    line: u64,
    appeal: u64,
    now_ms: i64,
) -> Result<Option<AppealSla>, LineError> {
    if repo.appeal(appeal)?.is_none_or(|row| row.line != line) {
        return Ok(None);
    }
    let Some(timer) = repo.sla_timer(appeal)? else {
        return Ok(None);
    };
    let calendar = parse_calendar(&timer.calendar)
        .map_err(|e| LineError::Invalid(format!("the SLA calendar of appeal {appeal}: {e}")))?;
    let levels = levels_of(repo, line)?;
    let explained = explain(
        &timer.clock,
        &calendar,
        Some(&levels),
        instant(now_ms)?,
        AT_RISK_PERCENT,
    )
    .map_err(|e| LineError::Invalid(e.to_string()))?;
    Ok(Some(AppealSla::of(
        appeal,
        line,
        timer.calendar,
        &explained,
    )))
}
