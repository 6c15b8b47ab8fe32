//! A small text notation for business calendars, for tests and for line configuration files.
//!
//! Items are separated by `;` or new lines:
//!
//! ```text
//! tz Europe/Moscow              time zone (IANA name; UTC when absent)
//! Mon-Fri 09-13,14-18           weekdays and their shifts (a lunch break between two shifts)
//! Sat 10:00-14:30               minutes are allowed
//! Mon,Wed,Fri 10-16             a list of weekdays; `daily` is Mon-Sun
//! Mon-Sun 22-06                 an overnight shift (ends the next day)
//! Mon-Sun 00-24                 round the clock
//! Sun off                       no work that weekday (the default)
//! 2026-01-01 off                a holiday
//! 2026-01-01..2026-01-08 off    a range of dates
//! 2026-03-07 09-17              a shortened day, or a working weekend
//! ```
//!
//! Example: `"tz Europe/Moscow; Mon-Fri 09-18; 2026-12-31 09-14"`.
//!
//! A calendar prints back in the same notation ([`BusinessCalendar`]'s `Display`), with runs of
//! weekdays and of dates that share their shifts folded into ranges, so
//! `parse_calendar(&calendar.to_string())` gives the same calendar. Durations are written `2h`,
//! `30m`, `1h30m`, `5d` ([`parse_duration`], [`format_duration`]).
//!
//! SLA test cases built on this notation are in [`super::case`].

use std::fmt;

use chrono::{NaiveDate, NaiveTime, TimeDelta, Timelike, Weekday};
use chrono_tz::Tz;

use super::calendar::{BusinessCalendar, CalendarError, Shift};

/// A mistake in notation text; `item` is the piece of text it is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item:?}: {reason}")]
pub struct NotationError {
    pub item: String,
    pub reason: String,
}

impl NotationError {
    /// A stable code for the UI and the wire (the text itself says what is wrong).
    pub fn code(&self) -> &'static str {
        "sla.notation"
    }
}

pub(super) fn err(item: &str, reason: impl Into<String>) -> NotationError {
    NotationError {
        item: item.to_string(),
        reason: reason.into(),
    }
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

pub(super) fn weekday(item: &str, name: &str) -> Result<Weekday, NotationError> {
    DAYS.iter()
        .find(|(n, _)| name.eq_ignore_ascii_case(n))
        .map(|(_, d)| *d)
        .ok_or_else(|| err(item, format!("{name:?} is not a weekday (Mon..Sun)")))
}

/// `Mon-Fri`, `Sat`, `Mon,Wed,Fri`, `daily`.
fn weekdays(item: &str, spec: &str) -> Result<Vec<Weekday>, NotationError> {
    if spec.eq_ignore_ascii_case("daily") {
        return Ok(DAYS.iter().map(|(_, d)| *d).collect());
    }
    let mut out = Vec::new();
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (mut d, last) = (weekday(item, a)?, weekday(item, b)?);
                loop {
                    out.push(d);
                    if d == last {
                        break;
                    }
                    d = d.succ();
                    if out.len() > 7 {
                        return Err(err(item, "bad weekday range"));
                    }
                }
            }
            None => out.push(weekday(item, part)?),
        }
    }
    Ok(out)
}

/// `09`, `9`, `09:30`, `24` (midnight at the end of the day).
pub(super) fn time(item: &str, text: &str) -> Result<NaiveTime, NotationError> {
    let (h, m) = text.split_once(':').unwrap_or((text, "0"));
    let bad = || err(item, format!("{text:?} is not a time (HH or HH:MM)"));
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 24 || m > 59 || text.len() > 5 {
        return Err(bad());
    }
    if h == 24 && m == 0 {
        return Ok(NaiveTime::MIN);
    }
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)
}

/// `off`, or comma-separated `start-end` shifts.
fn shifts(item: &str, spec: &str) -> Result<Vec<Shift>, NotationError> {
    if spec.eq_ignore_ascii_case("off") {
        return Ok(Vec::new());
    }
    spec.split(',')
        .map(|range| {
            let (a, b) = range
                .split_once('-')
                .ok_or_else(|| err(item, format!("{range:?} is not a shift (start-end)")))?;
            let (start, end) = (time(item, a)?, time(item, b)?);
            // 00-24 is a whole day; any other equal pair is a mistake, not a 24-hour shift.
            if start == end && !(start == NaiveTime::MIN && b.trim_start_matches('0') == "24") {
                return Err(err(item, format!("{range:?} is empty")));
            }
            Ok(Shift::new(start, end))
        })
        .collect()
}

pub(super) fn date(item: &str, text: &str) -> Result<NaiveDate, NotationError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| err(item, format!("{text:?} is not a date (YYYY-MM-DD)")))
}

fn calendar_error(item: &str, e: CalendarError) -> NotationError {
    err(item, e.to_string())
}

/// Parse a calendar; every mistake names the item it is in.
pub fn parse_calendar(text: &str) -> Result<BusinessCalendar, NotationError> {
    let items: Vec<&str> = text
        .split([';', '\n'])
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    let tz = match items.iter().find_map(|i| i.strip_prefix("tz ")) {
        Some(name) => name
            .trim()
            .parse::<Tz>()
            .map_err(|_| err(name, "unknown time zone"))?,
        None => Tz::UTC,
    };
    let mut calendar = BusinessCalendar::new(tz);
    for item in items.iter().filter(|i| !i.starts_with("tz ")) {
        let (head, rest) = item
            .split_once(char::is_whitespace)
            .ok_or_else(|| err(item, "expected `<days or date> <shifts or off>`"))?;
        let day_shifts = shifts(item, rest.trim())?;
        if head.starts_with(|c: char| c.is_ascii_digit()) {
            let (first, last) = match head.split_once("..") {
                Some((a, b)) => (date(item, a)?, date(item, b)?),
                None => (date(item, head)?, date(item, head)?),
            };
            if last < first || (last - first).num_days() > 366 {
                return Err(err(item, "a date range must run forward, at most a year"));
            }
            for d in first.iter_days().take_while(|d| *d <= last) {
                calendar
                    .set_date(d, day_shifts.clone())
                    .map_err(|e| calendar_error(item, e))?;
            }
        } else {
            for day in weekdays(item, head)? {
                calendar
                    .set_weekday(day, day_shifts.clone())
                    .map_err(|e| calendar_error(item, e))?;
            }
        }
    }
    Ok(calendar)
}

/// A duration in the notation: `2h`, `30m`, `1h30m`, `45h`, `5d` (a day is 24 hours of working
/// time, not a working day). Zero is refused: a level's times must be positive.
pub fn parse_duration(text: &str) -> Result<chrono::TimeDelta, NotationError> {
    let mut total = chrono::TimeDelta::zero();
    let mut number = String::new();
    for c in text.trim().chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 'd' if !number.is_empty() => {
                // Checked all the way: `99999999999999h` is a mistake to report, not a panic.
                let too_large = || err(text, "duration too large");
                let n: i64 = number.parse().map_err(|_| too_large())?;
                let part = match c {
                    'h' => chrono::TimeDelta::try_hours(n),
                    'm' => chrono::TimeDelta::try_minutes(n),
                    _ => chrono::TimeDelta::try_days(n),
                };
                total = part
                    .and_then(|part| total.checked_add(&part))
                    .ok_or_else(too_large)?;
                number.clear();
            }
            _ => return Err(err(text, "expected a duration like 2h, 30m or 1h30m")),
        }
    }
    if !number.is_empty() || total.is_zero() {
        return Err(err(text, "expected a duration like 2h, 30m or 1h30m"));
    }
    Ok(total)
}

/// A duration as the notation writes it: `1h30m`, `45h`, `0m`. Seconds are dropped.
pub fn format_duration(d: TimeDelta) -> String {
    let minutes = d.num_minutes();
    let sign = if minutes < 0 { "-" } else { "" };
    let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
    match (h, m) {
        (0, m) => format!("{sign}{m}m"),
        (h, 0) => format!("{sign}{h}h"),
        (h, m) => format!("{sign}{h}h{m}m"),
    }
}

fn write_time(f: &mut fmt::Formatter<'_>, t: NaiveTime, end: bool) -> fmt::Result {
    let h = if end && t == NaiveTime::MIN {
        24
    } else {
        t.hour()
    };
    match t.minute() {
        0 => write!(f, "{h:02}"),
        m => write!(f, "{h:02}:{m:02}"),
    }
}

/// `off` or `09-13,14-18`.
struct ShiftsText<'a>(&'a [Shift]);

impl fmt::Display for ShiftsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("off");
        }
        for (i, shift) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write_time(f, shift.start, false)?;
            f.write_str("-")?;
            write_time(f, shift.end, true)?;
        }
        Ok(())
    }
}

impl fmt::Display for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tz {}", self.tz().name())?;
        // Runs of consecutive weekdays with the same shifts: `Mon-Fri 09-18`.
        let mut i = 0;
        while i < DAYS.len() {
            let shifts = self.weekday_shifts(DAYS[i].1);
            let mut j = i;
            while j + 1 < DAYS.len() && self.weekday_shifts(DAYS[j + 1].1) == shifts {
                j += 1;
            }
            if !shifts.is_empty() {
                let name = |k: usize| {
                    let n = DAYS[k].0;
                    format!("{}{}", n[..1].to_uppercase(), &n[1..])
                };
                if i == j {
                    write!(f, "; {} {}", name(i), ShiftsText(shifts))?;
                } else {
                    write!(f, "; {}-{} {}", name(i), name(j), ShiftsText(shifts))?;
                }
            }
            i = j + 1;
        }
        // Runs of consecutive dates with the same shifts: `2027-01-01..2027-01-08 off`.
        let exceptions: Vec<(NaiveDate, &[Shift])> = self.exceptions().collect();
        let mut i = 0;
        while i < exceptions.len() {
            let (first, shifts) = exceptions[i];
            let mut j = i;
            while j + 1 < exceptions.len()
                && exceptions[j + 1].1 == shifts
                && exceptions[j].0.succ_opt() == Some(exceptions[j + 1].0)
                && (exceptions[j + 1].0 - first).num_days() <= 366
            {
                j += 1;
            }
            if i == j {
                write!(f, "; {first} {}", ShiftsText(shifts))?;
            } else {
                write!(f, "; {first}..{} {}", exceptions[j].0, ShiftsText(shifts))?;
            }
            i = j + 1;
        }
        Ok(())
    }
}

impl From<BusinessCalendar> for String {
    fn from(calendar: BusinessCalendar) -> String {
        calendar.to_string()
    }
}

impl TryFrom<String> for BusinessCalendar {
    type Error = NotationError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        parse_calendar(&text)
    }
}

impl std::str::FromStr for BusinessCalendar {
    type Err = NotationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_calendar(text)
    }
}

/// Serde for a working-time amount as notation text (`"1h30m"`), for level configuration.
pub mod duration_text {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_duration(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}
