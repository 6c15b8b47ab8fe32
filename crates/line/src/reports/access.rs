//! Who sees which figures (R1): a line's specialists see its reports; a supervisor of the line
//! sees everyone's figures and the online monitor, any other specialist only their own.

use linedesk_protocol::reports::{
    MAX_REPORT_SPAN_MS, RULE_BAD_PERIOD, RULE_NOT_SUPERVISOR, RULE_PERIOD_TOO_LONG,
};

/// A report's period and filters, as asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportQuery {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Only this specialist's appeals or calls.
    pub specialist: Option<u64>,
    /// Only this SLA level's appeals (the SLA report).
    pub level: Option<String>,
    /// S5: only appeals of this type (the SLA report), as recorded at registration or chosen
    /// since.
    pub appeal_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("only a supervisor of the line sees other specialists' figures and the monitor")]
    NotSupervisor,
    #[error("the period must end after it starts")]
    BadPeriod,
    #[error("a report covers at most a year")]
    PeriodTooLong,
}

impl ReportError {
    /// The rule's code the app translates (`rule.report.*`).
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::NotSupervisor => RULE_NOT_SUPERVISOR,
            ReportError::BadPeriod => RULE_BAD_PERIOD,
            ReportError::PeriodTooLong => RULE_PERIOD_TOO_LONG,
        }
    }

    /// A refusal of who asks (403) rather than of what was asked (400).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, ReportError::NotSupervisor)
    }
}

/// The period `[from_ms, to_ms)` must be non-empty and at most [`MAX_REPORT_SPAN_MS`] long.
pub fn check_period(from_ms: i64, to_ms: i64) -> Result<(), ReportError> {
    if to_ms <= from_ms {
        return Err(ReportError::BadPeriod);
    }
    if to_ms.saturating_sub(from_ms) > MAX_REPORT_SPAN_MS {
        return Err(ReportError::PeriodTooLong);
    }
    Ok(())
}

/// The query a report runs for `asker` (a specialist of the line): a supervisor's as asked; a
/// non-supervisor's narrowed to their own figures, refused when it names a colleague. Returns
/// the query and whether it is narrowed to the asker.
pub fn scope(
    asker: u64,
    supervisor: bool,
    asked: ReportQuery,
) -> Result<(ReportQuery, bool), ReportError> {
    check_period(asked.from_ms, asked.to_ms)?;
    if supervisor {
        return Ok((asked, false));
    }
    match asked.specialist {
        Some(other) if other != asker => Err(ReportError::NotSupervisor),
        _ => Ok((
            ReportQuery {
                specialist: Some(asker),
                ..asked
            },
            true,
        )),
    }
}

/// The online monitor shows everyone: supervisors only.
pub fn monitor_allowed(supervisor: bool) -> Result<(), ReportError> {
    if supervisor {
        Ok(())
    } else {
        Err(ReportError::NotSupervisor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(specialist: Option<u64>) -> ReportQuery {
        ReportQuery {
            from_ms: 0,
            to_ms: 1000,
            specialist,
            level: None,
            appeal_type: None,
        }
    }

    #[test]
    fn a_supervisor_sees_everyone_and_a_specialist_only_themselves() {
        assert_eq!(scope(7, true, asked(None)), Ok((asked(None), false)));
        assert_eq!(scope(7, true, asked(Some(8))), Ok((asked(Some(8)), false)));
        assert_eq!(scope(7, false, asked(None)), Ok((asked(Some(7)), true)));
        assert_eq!(scope(7, false, asked(Some(7))), Ok((asked(Some(7)), true)));
        assert_eq!(
            scope(7, false, asked(Some(8))),
            Err(ReportError::NotSupervisor)
        );
        assert_eq!(monitor_allowed(false), Err(ReportError::NotSupervisor));
        assert_eq!(monitor_allowed(true), Ok(()));
    }

    #[test]
    fn periods_are_non_empty_and_at_most_a_year() {
        assert_eq!(check_period(5, 5), Err(ReportError::BadPeriod));
        assert_eq!(check_period(6, 5), Err(ReportError::BadPeriod));
        assert_eq!(check_period(0, MAX_REPORT_SPAN_MS), Ok(()));
        assert_eq!(
            check_period(0, MAX_REPORT_SPAN_MS + 1),
            Err(ReportError::PeriodTooLong)
        );
        assert_eq!(
            check_period(i64::MIN, i64::MAX),
            Err(ReportError::PeriodTooLong)
        );
        assert_eq!(
            scope(1, true, ReportQuery::default()),
            Err(ReportError::BadPeriod)
        );
    }
}
