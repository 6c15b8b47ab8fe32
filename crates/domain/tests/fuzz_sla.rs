//! Fuzz harnesses of the text the domain parses (bolero; see README, "Fuzzing"): the calendar
//! notation, durations, SLA levels built from them, and ticket numbers.
//!
//! Properties: nothing panics; a parsed calendar prints back to the same calendar; its deadline
//! arithmetic does not panic and gives exactly the asked working time; a level that passes
//! [`SupportLevel::check`] gets its deadlines from any start; durations and ticket numbers
//! round-trip through their text.

use bolero::check;
use chrono::{DateTime, TimeDelta, Utc};
use linedesk_domain::sla::{
    BusinessCalendar, Conditions, Deadlines, SupportLevel, format_duration, parse_calendar,
    parse_duration,
};
use linedesk_domain::ticket::TicketNumber;

const ZONES: &[&str] = &[
    "Europe/Moscow",
    "Europe/Berlin",
    "America/New_York",
    "Pacific/Apia",
    "UTC",
    "Australia/Lord_Howe",
    "Mars/Base",
    "",
];
const DAYS: &[&str] = &[
    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "daily", "sun", "Xyz",
];
/// Odd numbers the fields sometimes get instead of a sane one.
const ODD: &[&str] = &[
    "99999999999999999999",
    "4294967296",
    "-1",
    "",
    "+262143",
    "007",
];

/// One generated item: mostly well formed, with a field now and then replaced by an odd one.
type Item = (u8, [u16; 6]);

fn field(n: u16, sane: impl Fn(u16) -> String) -> String {
    if n.is_multiple_of(97) {
        ODD[usize::from(n / 97) % ODD.len()].to_string()
    } else {
        sane(n)
    }
}

fn clock(h: u16, m: u16) -> String {
    let hour = field(h, |h| format!("{:02}", h % 25));
    match m % 4 {
        0 => hour,
        _ => format!("{hour}:{}", field(m, |m| format!("{:02}", m % 61))),
    }
}

fn shifts(n: &[u16; 6]) -> String {
    if n[0].is_multiple_of(7) {
        return "off".into();
    }
    let count = usize::from(n[0] % 5 / 3) + 1;
    (0..count)
        .map(|i| {
            let (a, b) = (n[(i * 2) % 6], n[(i * 2 + 1) % 6]);
            format!("{}-{}", clock(a, b / 3), clock(b, a / 5))
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn date(a: u16, b: u16) -> String {
    let year = field(a, |y| format!("{}", 2000 + y % 60));
    format!("{year}-{:02}-{:02}", b % 13, (a ^ b) % 32)
}

fn notation(items: &[Item]) -> String {
    let items: Vec<String> = items
        .iter()
        .take(5)
        .map(|(kind, n)| {
            let day = |i: u16| DAYS[usize::from(i) % DAYS.len()];
            match kind % 6 {
                0 => format!("tz {}", ZONES[usize::from(n[0]) % ZONES.len()]),
                1 => format!("{}-{} {}", day(n[4]), day(n[5]), shifts(n)),
                2 => format!("{},{} {}", day(n[4]), day(n[5]), shifts(n)),
                3 => format!("{} {}", date(n[4], n[5]), shifts(n)),
                4 => format!("{}..{} off", date(n[4], n[5]), date(n[4], n[1])),
                _ => format!("{} {}", day(n[4]), shifts(n)),
            }
        })
        .collect();
    items.join(if items.len().is_multiple_of(2) {
        "; "
    } else {
        "\n"
    })
}

/// An instant from 1901 to 2038 (what `now` can be), plus the generated minutes.
fn instant(seconds: i32) -> DateTime<Utc> {
    DateTime::from_timestamp(i64::from(seconds) * 2, 0).unwrap_or_default()
}

fn deadlines_hold(calendar: &BusinessCalendar, from: DateTime<Utc>, work: TimeDelta) {
    let _ = calendar.is_working(from);
    if let Ok(due) = calendar.add_working_time(from, work) {
        assert!(due >= from);
        assert_eq!(
            calendar.working_time_between(from, due),
            work,
            "{calendar} from {from} + {work}"
        );
    }
    let level = SupportLevel {
        name: "L".into(),
        calendar: calendar.clone(),
        reaction: work,
        resolution: work,
        conditions: Conditions::default(),
    };
    if level.check().is_ok() {
        Deadlines::compute(&level, from)
            .unwrap_or_else(|e| panic!("{calendar}: a checked level gets deadlines: {e}"));
    }
}

fn calendar_properties(text: &str, from: i32, minutes: u32) {
    let Ok(calendar) = parse_calendar(text) else {
        return;
    };
    let printed = calendar.to_string();
    assert_eq!(
        parse_calendar(&printed).as_ref(),
        Ok(&calendar),
        "{text:?} printed as {printed:?}"
    );
    // Mostly short amounts; now and then up to what the calendar surely gives.
    let work = if minutes.is_multiple_of(16) {
        let max = calendar.max_deadline_work().num_minutes().max(1);
        TimeDelta::minutes(i64::from(minutes) % max + 1)
    } else {
        TimeDelta::minutes(i64::from(minutes % (60 * 24 * 14)) + 1)
    };
    deadlines_hold(&calendar, instant(from), work);
}

#[test]
fn fuzz_calendar_notation() {
    check!()
        .with_type::<(Vec<Item>, i32, u32)>()
        .with_iterations(1_500)
        .for_each(|(pieces, from, minutes)| {
            calendar_properties(&notation(pieces), *from, *minutes)
        });
}

#[test]
fn fuzz_calendar_text() {
    check!()
        .with_type::<(String, i32, u32)>()
        .with_iterations(5_000)
        .for_each(|(text, from, minutes)| calendar_properties(text, *from, *minutes));
}

#[test]
fn fuzz_durations() {
    const UNITS: [&str; 6] = ["h", "m", "d", "", "x", " "];
    check!()
        .with_type::<Vec<(u64, u8)>>()
        .with_iterations(10_000)
        .for_each(|parts| {
            let text: String = parts
                .iter()
                .take(6)
                .map(|(n, unit)| format!("{n}{}", UNITS[usize::from(*unit) % UNITS.len()]))
                .collect();
            if let Ok(d) = parse_duration(&text) {
                assert!(d > TimeDelta::zero());
                assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{text}");
            }
        });
}

#[test]
fn fuzz_ticket_numbers() {
    check!()
        .with_type::<(String, u16, u32, u8)>()
        .with_iterations(10_000)
        .for_each(|(text, year, seq, sep)| {
            let typed = format!(
                "{year}{}{seq}",
                ["-", " ", "/", "", "№"][usize::from(*sep) % 5]
            );
            for text in [text.as_str(), typed.as_str()] {
                if let Ok(number) = text.parse::<TicketNumber>() {
                    assert_eq!(number.to_string().parse::<TicketNumber>(), Ok(number));
                }
            }
        });
}
