//! Shared by the integration tests: a minute-stepping oracle for working time.

use chrono::{DateTime, TimeDelta, Utc};
use linedesk_domain::sla::BusinessCalendar;

/// Is `at` working time? Counted on wall clocks, independently of the calendar's interval
/// arithmetic: a shift starting on the local date (or an overnight one from the day before)
/// whose wall-clock span contains the local time.
fn wall_clock_working(cal: &BusinessCalendar, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&cal.tz()).naive_local();
    let (date, time) = (local.date(), local.time());
    let today = cal.shifts_on(date).iter().any(|s| {
        if s.is_overnight() {
            time >= s.start
        } else {
            s.start <= time && time < s.end
        }
    });
    let from_yesterday = date.pred_opt().is_some_and(|d| {
        cal.shifts_on(d)
            .iter()
            .any(|s| s.is_overnight() && time < s.end)
    });
    today || from_yesterday
}

/// Working minutes in `[from, to)`, one minute at a time.
pub fn count_minutes(cal: &BusinessCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
    let mut n = 0;
    let mut m = from;
    while m < to {
        if wall_clock_working(cal, m) {
            n += 1;
        }
        m += TimeDelta::minutes(1);
    }
    TimeDelta::minutes(n)
}

/// The end of the minute in which `work` minutes of working time have passed since `from`.
pub fn step_minutes(cal: &BusinessCalendar, from: DateTime<Utc>, work: TimeDelta) -> DateTime<Utc> {
    let mut left = work.num_minutes();
    let mut m = from;
    while left > 0 {
        if wall_clock_working(cal, m) {
            left -= 1;
        }
        m += TimeDelta::minutes(1);
    }
    m
}
