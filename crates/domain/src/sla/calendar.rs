//! A business calendar (S1): working days, working hours with breaks, holidays, shortened days
//! and overnight shifts, in the line's time zone.
//!
//! Shifts are wall-clock times: a shift 09:00-18:00 is 9 real hours, except on the night the
//! clocks change, where 00:00-04:00 lasts 3 hours in spring and 5 in autumn. A wall-clock time
//! that does not exist (inside the spring gap) means the first instant after the gap. A shift
//! boundary that happens twice (inside the autumn overlap) starts at its first occurrence and
//! ends at its second, so a night shift works the repeated hour.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone,
    Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// One working period of a day. `end <= start` means it ends the next day (an overnight shift);
/// `00:00-00:00` is the whole day (written `00-24`). Other equal pairs are refused: write a
/// 24-hour duty from 08:00 as `08-24` and `00-08` of the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Shift {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Shift {
        Shift { start, end }
    }

    pub fn is_overnight(&self) -> bool {
        self.end <= self.start
    }

    /// Wall-clock length.
    pub fn length(&self) -> TimeDelta {
        let d = self.end.signed_duration_since(self.start);
        if self.is_overnight() {
            d + TimeDelta::days(1)
        } else {
            d
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    #[error("a shift of {day} is empty (start equals end; a whole day is 00-24)")]
    EmptyShift { day: String },
    #[error("shifts of {day} overlap or are out of order")]
    Overlap { day: String },
    #[error("only the last shift of a day may run past midnight ({day})")]
    OvernightNotLast { day: String },
    #[error("the calendar has no working time within {days} days of {from}")]
    NoWorkingTime { from: DateTime<Utc>, days: i64 },
}

impl CalendarError {
    /// A stable code for the UI and the wire.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::EmptyShift { .. } => "sla.empty_shift",
            CalendarError::Overlap { .. } => "sla.shifts_overlap",
            CalendarError::OvernightNotLast { .. } => "sla.overnight_not_last",
            CalendarError::NoWorkingTime { .. } => "sla.no_working_time",
        }
    }
}

/// How far ahead a deadline may be searched before the calendar is declared empty.
const SEARCH_DAYS: i64 = 3_660;

/// Weeks of the search a deadline may count on whatever the clocks do: the search's whole
/// weeks, less the partial weeks at either end and one lost week for each change of the UTC
/// offset (at most four a year in any zone's history; a week with one may lose up to a day,
/// as Samoa's 2011-12-30 was).
const SURE_WEEKS: i64 = SEARCH_DAYS / 7 - 2 - 4 * (SEARCH_DAYS / 365 + 1);

/// Stored and sent as its notation text (see [`super::notation`]), which a person can read and
/// edit in a line's configuration: `"tz Europe/Moscow; Mon-Fri 09-13,14-18; 2026-12-31 off"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct BusinessCalendar {
    tz: Tz,
    /// Monday first.
    week: [Vec<Shift>; 7],
    /// Holidays (no shifts), shortened days and working weekends.
    exceptions: BTreeMap<NaiveDate, Vec<Shift>>,
}

fn check_day(day: &str, shifts: &[Shift]) -> Result<(), CalendarError> {
    if shifts
        .iter()
        .any(|s| s.start == s.end && s.start != NaiveTime::MIN)
    {
        return Err(CalendarError::EmptyShift {
            day: day.to_string(),
        });
    }
    for pair in shifts.windows(2) {
        if pair[0].is_overnight() {
            return Err(CalendarError::OvernightNotLast {
                day: day.to_string(),
            });
        }
        if pair[1].start < pair[0].end {
            return Err(CalendarError::Overlap {
                day: day.to_string(),
            });
        }
    }
    Ok(())
}

impl BusinessCalendar {
    /// A calendar with no working time yet.
    pub fn new(tz: Tz) -> BusinessCalendar {
        BusinessCalendar {
            tz,
            week: Default::default(),
            exceptions: BTreeMap::new(),
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The shifts of a weekday (sorted by start; validated).
    pub fn set_weekday(
        &mut self,
        day: Weekday,
        mut shifts: Vec<Shift>,
    ) -> Result<(), CalendarError> {
        shifts.sort_by_key(|s| s.start);
        check_day(&format!("{day}"), &shifts)?;
        self.week[day.num_days_from_monday() as usize] = shifts;
        Ok(())
    }

    /// A date with its own shifts: empty for a holiday, shorter for a shortened day, some for a
    /// working weekend.
    pub fn set_date(
        &mut self,
        date: NaiveDate,
        mut shifts: Vec<Shift>,
    ) -> Result<(), CalendarError> {
        shifts.sort_by_key(|s| s.start);
        check_day(&date.to_string(), &shifts)?;
        self.exceptions.insert(date, shifts);
        Ok(())
    }

    /// The shifts of a weekday when no date exception applies.
    pub fn weekday_shifts(&self, day: Weekday) -> &[Shift] {
        &self.week[day.num_days_from_monday() as usize]
    }

    /// Holidays, shortened days and working weekends, in date order.
    pub fn exceptions(&self) -> impl Iterator<Item = (NaiveDate, &[Shift])> + '_ {
        self.exceptions.iter().map(|(d, s)| (*d, s.as_slice()))
    }

    /// The wall-clock working time of a week without exceptions: the union of its shifts,
    /// so an overnight shift running into the next day's shift is not counted twice.
    pub fn weekly_working_time(&self) -> TimeDelta {
        const WEEK: i64 = 7 * 24 * 60;
        let mut spans: Vec<(i64, i64)> = Vec::new();
        for (day, shifts) in (0..).zip(&self.week) {
            for shift in shifts {
                let start = day * 24 * 60 + i64::from(shift.start.num_seconds_from_midnight() / 60);
                let end = start + shift.length().num_minutes();
                // Sunday's overnight shift wraps to Monday morning.
                if end > WEEK {
                    spans.extend([(start, WEEK), (0, end - WEEK)]);
                } else {
                    spans.push((start, end));
                }
            }
        }
        spans.sort_unstable();
        let (mut total, mut reached) = (0, 0);
        for (start, end) in spans {
            let start = start.max(reached);
            if end > start {
                total += end - start;
                reached = end;
            }
        }
        TimeDelta::minutes(total)
    }

    /// The most working time [`Self::add_working_time`] is sure to find from any instant
    /// (zero when the week has no working time): a level asking for more could fail at an
    /// appeal, so it is refused when loaded. Each exception date that differs from its
    /// weekday is counted as a whole lost week, and so is each change of the UTC offset.
    pub fn max_deadline_work(&self) -> TimeDelta {
        let weekly = self.weekly_working_time();
        let differing = self
            .exceptions
            .iter()
            .filter(|(date, shifts)| shifts.as_slice() != self.weekday_shifts(date.weekday()))
            .count();
        let weeks = SURE_WEEKS.saturating_sub(i64::try_from(differing).unwrap_or(i64::MAX));
        if weeks <= 0 {
            return TimeDelta::zero();
        }
        // At most 7 * 24 h a week times ~500 weeks: far inside TimeDelta's range.
        weekly * i32::try_from(weeks).unwrap_or(0)
    }

    /// The shifts that start on `date` (an exception, else its weekday's).
    pub fn shifts_on(&self, date: NaiveDate) -> &[Shift] {
        self.exceptions
            .get(&date)
            .unwrap_or(&self.week[date.weekday().num_days_from_monday() as usize])
    }

    /// A wall-clock time as an instant. In the autumn overlap `late` picks the second
    /// occurrence; in the spring gap the first instant after the gap is used.
    fn instant(&self, local: NaiveDateTime, late: bool) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.to_utc(),
            LocalResult::Ambiguous(early, later) => if late { later } else { early }.to_utc(),
            LocalResult::None => {
                let mut probe = local;
                for _ in 0..(24 * 60) {
                    probe += TimeDelta::minutes(1);
                    // Shifts are whole minutes, so the first minute that exists is the gap's edge.
                    if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                        return t.to_utc();
                    }
                }
                Utc.from_utc_datetime(&local)
            }
        }
    }

    /// The working intervals of shifts that start on `date`, in order, as instants.
    fn intervals(
        &self,
        date: NaiveDate,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        self.shifts_on(date).iter().filter_map(move |shift| {
            let start = self.instant(date.and_time(shift.start), false);
            let end_date = if shift.is_overnight() {
                date.succ_opt()?
            } else {
                date
            };
            let end = self.instant(end_date.and_time(shift.end), true);
            (end > start).then_some((start, end))
        })
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Whether `at` is inside a working interval.
    pub fn is_working(&self, at: DateTime<Utc>) -> bool {
        let day = self.local_date(at);
        [day.pred_opt(), Some(day)]
            .into_iter()
            .flatten()
            .any(|d| self.intervals(d).any(|(s, e)| s <= at && at < e))
    }

    /// S1/S2: the instant when `work` of working time has passed since `from`. Counting starts
    /// at `from` if it is working time, else at the next working instant; a deadline that ends
    /// exactly at the end of a shift is that end, not the next morning.
    pub fn add_working_time(
        &self,
        from: DateTime<Utc>,
        work: TimeDelta,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if work <= TimeDelta::zero() {
            return Ok(from);
        }
        let mut remaining = work;
        let mut cursor = from;
        let mut day = self.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        for _ in 0..SEARCH_DAYS {
            for (start, end) in self.intervals(day) {
                let begin = start.max(cursor);
                if end <= begin {
                    continue;
                }
                let available = end - begin;
                if remaining <= available {
                    return Ok(begin + remaining);
                }
                remaining -= available;
                cursor = end;
            }
            day = match day.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        Err(CalendarError::NoWorkingTime {
            from,
            days: SEARCH_DAYS,
        })
    }

    /// The working intervals inside `[from, to)`, in order, at most `limit` of them (the
    /// explanation of a deadline lists what it counted; see [`super::explain`]).
    pub fn working_segments(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut segments = Vec::new();
        if to <= from {
            return segments;
        }
        let mut cursor = from;
        let mut day = self.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = self.local_date(to);
        while day <= last && segments.len() < limit {
            for (start, end) in self.intervals(day) {
                let begin = start.max(cursor);
                let finish = end.min(to);
                if finish > begin && segments.len() < limit {
                    segments.push((begin, finish));
                    cursor = finish;
                }
            }
            day = match day.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        segments
    }

    /// S4: working time inside `[from, to)`; zero when `to <= from`.
    pub fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        if to <= from {
            return TimeDelta::zero();
        }
        let mut total = TimeDelta::zero();
        let mut cursor = from;
        let mut day = self.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = self.local_date(to);
        while day <= last {
            for (start, end) in self.intervals(day) {
                let begin = start.max(cursor);
                let finish = end.min(to);
                if finish > begin {
                    total += finish - begin;
                    cursor = finish;
                }
            }
            day = match day.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        total
    }
}
