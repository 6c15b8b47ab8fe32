//! Linedesk domain: the rules of `../shared/DOMAIN.md` that are not IO.
//!
//! Nothing here reads a clock, touches a file or a socket: the current time is always a
//! parameter, so every rule replays exactly in tests.
//!
//! - [`presence`] (P1-P5): the five statuses, what each allows, automatic Away.
//! - [`appeal`] (A1, A3-A6): the appeal state machine; every transition returns an event.
//! - [`routing`] (A2, P3, P4): who gets an appeal, the fair queue, and a line's
//!   [`routing::Dispatcher`].
//! - [`ticket`] (T1-T5): ticket states, queues, REPEAT, history, readable numbers.
//! - [`sla`] (S1-S6): business calendars in the line's time zone, deadlines fixed at
//!   registration, waiting that extends the resolution deadline, levels, evaluation.
//!
//! ```
//! use linedesk_domain::sla::{parse_calendar, parse_duration};
//! let calendar = parse_calendar("tz Europe/Moscow; Mon-Fri 09-18; 2026-12-31 off").unwrap();
//! let opened = "2026-11-27T14:30:00Z".parse().unwrap(); // Fri 17:30 in Moscow
//! let due = calendar.add_working_time(opened, parse_duration("2h").unwrap()).unwrap();
//! assert_eq!(due.to_rfc3339(), "2026-11-30T07:30:00+00:00"); // Mon 10:30 in Moscow
//! ```
//!
//! Errors are one enum per area with a stable `code()` for the UI and the wire.

pub mod appeal;
pub mod ids;
pub mod presence;
pub mod routing;
pub mod sla;
pub mod ticket;
