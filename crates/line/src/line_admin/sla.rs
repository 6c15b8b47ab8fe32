//! S1, S5: a line's SLA levels as its admin writes them (the calendar and times in the
//! domain's notation), checked by the domain: the notation's parser, `SupportLevel::check`
//! and `LevelSet::new`. The server's `PUT /api/lines/{line}/admin/sla`, its check-as-you-type
//! route and the CLI's levels file all go through [`level_of`] and [`levels_of`]; the app shows
//! the [`LevelProblem`] next to its field and never parses the notation itself.
//!
//! New levels apply to appeals registered after they are stored; an open appeal keeps the
//! deadlines and calendar fixed at its registration (S3: its timer holds its own copy).

use chrono::DateTime;
use linedesk_domain::sla::{
    LevelError, LevelSet, NotationError, SlaClock, SupportLevel, format_duration, parse_calendar,
    parse_duration,
};
use linedesk_protocol::line_admin::{LevelCheck, LevelDraft, LevelField, LevelProblem, SlaPreview};
use linedesk_protocol::{MAX_SLA_LEVEL_NAME_CHARS, check_chars};

/// Most levels a line keeps (each is matched in order at every appeal's registration).
pub const MAX_LEVELS: usize = 100;
/// Longest calendar text, in characters (a few years of holidays fit).
pub const MAX_CALENDAR_CHARS: usize = 10_000;
/// Longest duration text (`1h30m`, `5d`).
pub const MAX_DURATION_CHARS: usize = 20;

/// Rule codes of the checks that are not the domain's own.
pub const RULE_NAME_EMPTY: &str = "sla.name_empty";
pub const RULE_TOO_LONG: &str = "sla.too_long";
pub const RULE_TOO_MANY: &str = "sla.too_many_levels";

fn problem(field: LevelField, rule: &str, message: String) -> LevelProblem {
    LevelProblem {
        index: None,
        field,
        rule: rule.to_string(),
        item: None,
        message,
    }
}

fn notation(field: LevelField, e: NotationError) -> LevelProblem {
    LevelProblem {
        item: Some(e.item.clone()),
        ..problem(field, e.code(), e.to_string())
    }
}

fn bounded(field: LevelField, value: &str, max: usize) -> Result<(), LevelProblem> {
    check_chars("", value, max).map_err(|_| {
        problem(
            field,
            RULE_TOO_LONG,
            format!("longer than {max} characters"),
        )
    })
}

/// The field a level's own check failed on, and why (the level's name is said by the caller:
/// the editor shows it next to the field, a file's error names the entry).
fn level_problem(e: &LevelError) -> LevelProblem {
    let (field, message) = match e {
        LevelError::NoWorkingTime { .. } => (
            LevelField::Calendar,
            "no working hours on any weekday".to_string(),
        ),
        LevelError::Unreachable {
            what, asked, max, ..
        } => (
            time_field(what),
            format!(
                "{asked} can never be met: the calendar gives at most {max} of working time \
                 within the ten years a deadline is searched"
            ),
        ),
        LevelError::NotPositive { what, .. } => (time_field(what), "must be positive".into()),
        other => (LevelField::Levels, other.to_string()),
    };
    problem(field, e.code(), message)
}

fn time_field(what: &str) -> LevelField {
    if what.starts_with("reaction") {
        LevelField::Reaction
    } else {
        LevelField::Resolution
    }
}

/// One level from its draft: the name trimmed and bounded, the calendar and times parsed by the
/// domain's notation, and the level checked ([`SupportLevel::check`]: it can always get a
/// deadline). The first problem found is returned, naming its field.
pub fn level_of(draft: &LevelDraft) -> Result<SupportLevel, LevelProblem> {
    let name = draft.name.trim();
    if name.is_empty() {
        return Err(problem(LevelField::Name, RULE_NAME_EMPTY, "empty".into()));
    }
    bounded(LevelField::Name, name, MAX_SLA_LEVEL_NAME_CHARS)?;
    bounded(LevelField::Calendar, &draft.calendar, MAX_CALENDAR_CHARS)?;
    bounded(LevelField::Reaction, &draft.reaction, MAX_DURATION_CHARS)?;
    bounded(
        LevelField::Resolution,
        &draft.resolution,
        MAX_DURATION_CHARS,
    )?;
    let calendar =
        parse_calendar(&draft.calendar).map_err(|e| notation(LevelField::Calendar, e))?;
    let reaction =
        parse_duration(draft.reaction.trim()).map_err(|e| notation(LevelField::Reaction, e))?;
    let resolution =
        parse_duration(draft.resolution.trim()).map_err(|e| notation(LevelField::Resolution, e))?;
    let level = SupportLevel {
        name: name.to_string(),
        calendar,
        reaction,
        resolution,
        conditions: draft.conditions.clone(),
    };
    level.check().map_err(|e| level_problem(&e))?;
    Ok(level)
}

/// A line's whole list (S5): every level as [`level_of`] checks it, at most [`MAX_LEVELS`],
/// names unique, one named "Default". A problem names the level's place.
pub fn levels_of(drafts: &[LevelDraft]) -> Result<LevelSet, LevelProblem> {
    if drafts.len() > MAX_LEVELS {
        return Err(problem(
            LevelField::Levels,
            RULE_TOO_MANY,
            format!("at most {MAX_LEVELS} levels"),
        ));
    }
    let mut levels = Vec::with_capacity(drafts.len());
    for (i, draft) in drafts.iter().enumerate() {
        let at = u32::try_from(i).ok();
        let level = level_of(draft).map_err(|p| LevelProblem { index: at, ..p })?;
        if levels.iter().any(|l: &SupportLevel| l.name == level.name) {
            let e = LevelError::Duplicate(level.name.clone());
            return Err(LevelProblem {
                index: at,
                ..problem(LevelField::Name, e.code(), e.to_string())
            });
        }
        levels.push(level);
    }
    LevelSet::new(levels).map_err(|e| level_problem(&e))
}

/// How a stored level reads in the editor: the domain prints its calendar and times back in
/// the notation (`parse_calendar(&calendar.to_string())` is the same calendar).
pub fn draft_of(level: &SupportLevel) -> LevelDraft {
    LevelDraft {
        name: level.name.clone(),
        calendar: level.calendar.to_string(),
        reaction: format_duration(level.reaction),
        resolution: format_duration(level.resolution),
        conditions: level.conditions.clone(),
    }
}

/// S3 for an appeal registered at `now_ms` under `level`: its deadlines, by the same
/// `SlaClock::start` an appeal's registration uses.
pub fn preview(level: &SupportLevel, now_ms: i64) -> Result<SlaPreview, LevelProblem> {
    let at = DateTime::from_timestamp_millis(now_ms).ok_or_else(|| {
        problem(
            LevelField::Levels,
            "sla.bad_time",
            format!("{now_ms} is not a time"),
        )
    })?;
    let clock = SlaClock::start(level, at)
        .map_err(|e| problem(LevelField::Calendar, "sla.no_deadline", e.to_string()))?;
    Ok(SlaPreview {
        now_ms,
        reaction_due_ms: clock.deadlines().reaction_due().timestamp_millis(),
        resolution_due_ms: clock.deadlines().resolution_due().timestamp_millis(),
    })
}

/// Check one draft as the admin types it: its first problem, else its preview at `now_ms`.
pub fn check(draft: &LevelDraft, now_ms: i64) -> LevelCheck {
    match level_of(draft).and_then(|level| preview(&level, now_ms)) {
        Ok(preview) => LevelCheck {
            problem: None,
            preview: Some(preview),
        },
        Err(problem) => LevelCheck {
            problem: Some(problem),
            preview: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str, calendar: &str, reaction: &str, resolution: &str) -> LevelDraft {
        LevelDraft {
            name: name.into(),
            calendar: calendar.into(),
            reaction: reaction.into(),
            resolution: resolution.into(),
            conditions: Default::default(),
        }
    }

    /// 2026-12-07 (a Monday) 08:00 UTC = 11:00 in Moscow.
    const MONDAY_11_MSK: i64 = 1_796_630_400_000;

    #[test]
    fn s1_a_calendar_mistake_is_named_with_its_item_and_field() {
        let c = check(
            &draft("VIP", "tz Europe/Moscow; Mon-Fr 09-18", "1h", "8h"),
            0,
        );
        let p = c.problem.expect("a problem");
        assert_eq!(p.field, LevelField::Calendar);
        assert_eq!(p.rule, "sla.notation");
        assert_eq!(p.item.as_deref(), Some("Mon-Fr 09-18"));
        assert!(c.preview.is_none());
        let p = level_of(&draft("VIP", "Mon-Fri 09-18", "1x", "8h")).expect_err("a problem");
        assert_eq!(
            (p.field, p.rule.as_str()),
            (LevelField::Reaction, "sla.notation")
        );
        let p = level_of(&draft("VIP", "Sun off", "1h", "8h")).expect_err("no hours");
        assert_eq!(
            (p.field, p.rule.as_str()),
            (LevelField::Calendar, "sla.no_working_time")
        );
        let p = level_of(&draft(" ", "Mon-Fri 09-18", "1h", "8h")).expect_err("no name");
        assert_eq!(
            (p.field, p.rule.as_str()),
            (LevelField::Name, RULE_NAME_EMPTY)
        );
    }

    #[test]
    fn s3_the_preview_is_the_domains_deadline_from_now() {
        let c = check(
            &draft(
                "Default",
                "tz Europe/Moscow; Mon-Fri 09-13,14-18",
                "1h",
                "4h",
            ),
            MONDAY_11_MSK,
        );
        let p = c.preview.expect("a preview");
        assert_eq!(p.reaction_due_ms, MONDAY_11_MSK + 3_600_000, "12:00");
        // 11-13 and 14-16: four working hours end at 16:00, the lunch hour not counted.
        assert_eq!(p.resolution_due_ms, MONDAY_11_MSK + 5 * 3_600_000);
    }

    #[test]
    fn s5_a_list_needs_a_default_and_unique_names_and_says_which_level_is_wrong() {
        let ok = draft("Default", "Mon-Fri 09-18", "1h", "8h");
        let vip = draft("VIP", "Mon-Fri 09-18", "30m", "4h");
        assert!(levels_of(&[vip.clone(), ok.clone()]).is_ok());
        let p = levels_of(std::slice::from_ref(&vip)).expect_err("no Default");
        assert_eq!(p.rule, "sla.no_default_level");
        let p = levels_of(&[vip.clone(), vip.clone(), ok.clone()]).expect_err("twice");
        assert_eq!((p.index, p.rule.as_str()), (Some(1), "sla.duplicate_level"));
        let bad = draft("B", "daily 25-26", "1h", "8h");
        let p = levels_of(&[ok.clone(), bad]).expect_err("bad calendar");
        assert_eq!((p.index, p.field), (Some(1), LevelField::Calendar));
    }

    #[test]
    fn a_stored_level_reads_back_as_the_same_draft() {
        let level = level_of(&draft(
            "VIP",
            "tz Europe/Moscow; Mon-Fri 09-18; 2027-01-01 off",
            "1h30m",
            "2d",
        ))
        .expect("level");
        let again = level_of(&draft_of(&level)).expect("again");
        assert_eq!(level, again);
    }
}
