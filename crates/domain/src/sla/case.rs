//! SLA cases as one line of text (STYLE #9), so a person can check each one by hand:
//!
//! ```text
//! tz Europe/Moscow; Mon-Fri 09-18 | Fri 2026-11-27 17:30 + 2h => Mon 2026-11-30 10:30
//! tz Europe/Moscow; Mon-Fri 09-18 | Fri 2026-11-27 10:00 + 18h, wait Fri 2026-11-27 16:00 .. Mon 2026-11-30 11:00 => Tue 2026-12-01 14:00
//! tz Europe/Moscow; Mon-Fri 09-18 | Fri 2026-11-27 16:00 .. Mon 2026-11-30 11:00 = 4h
//! tz Europe/Berlin; daily 00-24 | Sun 2026-10-25 02:30 +02:00 + 1h => Sun 2026-10-25 02:30 +01:00
//! ```
//!
//! Left of `|` is a calendar in the [`super::notation`]. Right of it, either a deadline (opened
//! `+` working time, optional waits for the client that extend it as S4 says, `=>` the due
//! time) or the working time between two instants (`..`, `=`). Times are local to the
//! calendar's zone: an optional weekday (checked, to catch slips when checking by hand), the
//! date, `HH:MM`, and an offset, which is required where the clocks go back and the wall time
//! happens twice. A wall time inside the spring gap is refused.

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

use super::calendar::BusinessCalendar;
use super::clock::{ClockError, SlaClock};
use super::level::{Conditions, SupportLevel};
use super::notation::{
    NotationError, err, format_duration, parse_calendar, parse_duration, weekday,
};

/// What a case states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// `opened + work [, wait a .. b]* => due`: the resolution deadline after the waits (with no
    /// waits, also the reaction deadline of a level whose reaction time is `work`).
    Deadline {
        opened: DateTime<Utc>,
        work: TimeDelta,
        waits: Vec<(DateTime<Utc>, DateTime<Utc>)>,
        due: DateTime<Utc>,
    },
    /// `from .. to = work`: the working time in between.
    WorkingTime {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        work: TimeDelta,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaCase {
    pub text: String,
    pub calendar: BusinessCalendar,
    pub expectation: Expectation,
}

/// A case whose computed answer differs from the stated one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{case}\n    expected {expected}, got {got}")]
pub struct CaseMismatch {
    pub case: String,
    pub expected: String,
    pub got: String,
}

/// `Mon 2026-11-30 10:30 +03:00` in the calendar's zone.
pub fn format_local(tz: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&tz)
        .format("%a %Y-%m-%d %H:%M %:z")
        .to_string()
}

/// `[Www] YYYY-MM-DD HH:MM [±HH:MM]` in `tz`.
pub fn parse_local(tz: Tz, text: &str) -> Result<DateTime<Utc>, NotationError> {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    let named_day = match words.first() {
        Some(w) if w.starts_with(|c: char| c.is_ascii_alphabetic()) => {
            Some(weekday(text, words.remove(0))?)
        }
        _ => None,
    };
    let (date, clock, offset) = match words.as_slice() {
        [date, clock] => (*date, *clock, None),
        [date, clock, offset] => (*date, *clock, Some(*offset)),
        _ => return Err(err(text, "expected [weekday] YYYY-MM-DD HH:MM [+HH:MM]")),
    };
    let naive = NaiveDateTime::parse_from_str(&format!("{date} {clock}"), "%Y-%m-%d %H:%M")
        .map_err(|_| err(text, "expected [weekday] YYYY-MM-DD HH:MM [+HH:MM]"))?;
    if let Some(day) = named_day
        && naive.weekday() != day
    {
        return Err(err(
            text,
            format!("{} is a {}, not a {day}", naive.date(), naive.weekday()),
        ));
    }
    let at = match offset {
        Some(offset) => {
            let fixed: FixedOffset = offset
                .parse()
                .map_err(|_| err(text, format!("{offset:?} is not an offset like +03:00")))?;
            let at = fixed
                .from_local_datetime(&naive)
                .single()
                .ok_or_else(|| err(text, "out of range"))?
                .to_utc();
            if at.with_timezone(&tz).naive_local() != naive {
                return Err(err(text, format!("{tz} is not at {offset} then")));
            }
            at
        }
        None => match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => t.to_utc(),
            LocalResult::Ambiguous(..) => {
                return Err(err(
                    text,
                    format!("happens twice in {tz} (clocks go back): add the offset"),
                ));
            }
            LocalResult::None => {
                return Err(err(
                    text,
                    format!("does not exist in {tz} (clocks go forward)"),
                ));
            }
        },
    };
    Ok(at)
}

fn working_time(text: &str) -> Result<TimeDelta, NotationError> {
    match text.trim() {
        "0" | "0m" | "0h" => Ok(TimeDelta::zero()),
        other => parse_duration(other),
    }
}

fn interval(tz: Tz, text: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), NotationError> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| err(text, "expected `<from> .. <to>`"))?;
    let (from, to) = (parse_local(tz, a)?, parse_local(tz, b)?);
    if to < from {
        return Err(err(text, "the interval runs backwards"));
    }
    Ok((from, to))
}

/// One case; the error names the piece of text that is wrong.
pub fn parse_case(line: &str) -> Result<SlaCase, NotationError> {
    let (calendar_text, body) = line
        .split_once('|')
        .ok_or_else(|| err(line, "expected `<calendar> | <case>`"))?;
    let calendar = parse_calendar(calendar_text)?;
    let tz = calendar.tz();
    let expectation = if let Some((left, due)) = body.split_once("=>") {
        let mut parts = left.split(',');
        let first = parts.next().unwrap_or_default();
        let (opened, work) = first
            .split_once(" + ")
            .ok_or_else(|| err(first, "expected `<opened> + <working time>`"))?;
        let mut waits = Vec::new();
        for part in parts {
            let wait = part
                .trim()
                .strip_prefix("wait ")
                .ok_or_else(|| err(part, "expected `wait <from> .. <to>`"))?;
            let (from, to) = interval(tz, wait)?;
            if waits.last().is_some_and(|(_, end)| from < *end) {
                return Err(err(part, "waits must be in order and not overlap"));
            }
            waits.push((from, to));
        }
        let opened = parse_local(tz, opened)?;
        if waits.first().is_some_and(|(from, _)| *from < opened) {
            return Err(err(left, "a wait starts before the appeal is opened"));
        }
        Expectation::Deadline {
            opened,
            work: parse_duration(work)?,
            waits,
            due: parse_local(tz, due)?,
        }
    } else if let Some((range, work)) = body.split_once(" = ") {
        let (from, to) = interval(tz, range)?;
        Expectation::WorkingTime {
            from,
            to,
            work: working_time(work)?,
        }
    } else {
        return Err(err(body, "expected `=> <due>` or `= <working time>`"));
    };
    Ok(SlaCase {
        text: line.trim().to_string(),
        calendar,
        expectation,
    })
}

/// Every case of a file: blank lines and `#` comments are skipped; an error names its line.
pub fn parse_cases(text: &str) -> Result<Vec<SlaCase>, NotationError> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            parse_case(line).map_err(|e| NotationError {
                item: format!("line {n}: {}", e.item),
                reason: e.reason,
            })
        })
        .collect()
}

impl SlaCase {
    /// Compute the case with the real SLA clock (S2-S4) and compare.
    pub fn run(&self) -> Result<(), CaseMismatch> {
        let tz = self.calendar.tz();
        let mismatch = |expected: String, got: String| CaseMismatch {
            case: self.text.clone(),
            expected,
            got,
        };
        match &self.expectation {
            Expectation::Deadline {
                opened,
                work,
                waits,
                due,
            } => {
                let level = SupportLevel {
                    name: "case".into(),
                    calendar: self.calendar.clone(),
                    reaction: *work,
                    resolution: *work,
                    conditions: Conditions::default(),
                };
                let got = (|| {
                    let mut clock = SlaClock::start(&level, *opened)?;
                    for (from, to) in waits {
                        clock.start_waiting(*from)?;
                        clock.stop_waiting(*to, &self.calendar)?;
                    }
                    let resolution = clock.resolution_due(&self.calendar)?;
                    // With no waits the reaction deadline is the same sum: check it too.
                    let reaction = clock.deadlines().reaction_due();
                    Ok::<_, ClockError>(if waits.is_empty() && reaction != resolution {
                        None
                    } else {
                        Some(resolution)
                    })
                })();
                match got {
                    Ok(Some(got)) if got == *due => Ok(()),
                    Ok(Some(got)) => Err(mismatch(format_local(tz, *due), format_local(tz, got))),
                    Ok(None) => Err(mismatch(
                        format_local(tz, *due),
                        "different reaction and resolution deadlines".into(),
                    )),
                    Err(e) => Err(mismatch(format_local(tz, *due), e.to_string())),
                }
            }
            Expectation::WorkingTime { from, to, work } => {
                let got = self.calendar.working_time_between(*from, *to);
                if got == *work {
                    Ok(())
                } else {
                    Err(mismatch(format_duration(*work), format_duration(got)))
                }
            }
        }
    }
}
