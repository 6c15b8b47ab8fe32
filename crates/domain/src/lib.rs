//! Linedesk domain: every rule of `../shared/DOMAIN.md` that is not IO.
//!
//! Nothing here reads a clock, touches a file or a socket, spawns or logs: the current time is
//! always a parameter (`now`, `at`), so every rule replays exactly in tests, on the server and
//! in the desktop app alike. Callers keep the state (in SQLite, in memory) and feed events in.
//!
//! # Map
//!
//! | module | rules | what it holds |
//! |---|---|---|
//! | [`presence`] | P1-P5 | [`presence::PresenceStatus`], what each allows, [`presence::auto_away`] |
//! | [`appeal`] | A1, A3-A6 | [`appeal::Appeal`]: a checked state machine whose every transition returns an [`appeal::AppealEvent`]; lists and operator statistics |
//! | [`routing`] | A2, A3, P3, P4 | [`routing::route`] (one decision), [`routing::LineQueue`], [`routing::Dispatcher`] (a line's whole routing state) |
//! | [`ticket`] | T1-T5 | [`ticket::Ticket`] and its states, history, REPEAT, readable numbers |
//! | [`sla`] | S1-S6 | business calendars, levels, an appeal's [`sla::SlaClock`], evaluation and reports, the text notation |
//! | [`avatar`] | W1 | what an avatar may be: its type read from its bytes, its size |
//! | [`call_transfer`] | A3 (calls) | who may hand a live call to whom, the transfer's ring time |
//! | [`call_consult`] | A3 (calls) | consultative transfer: consulting a colleague while the client holds, handing over, ending |
//! | [`group`] | C6 | a group chat around a client: who may add, remove and write |
//! | [`ids`] | | newtype ids |
//!
//! # Conventions
//!
//! - Instants are `DateTime<Utc>`; local time exists only inside a calendar, which has its
//!   line's time zone.
//! - A refused transition returns an error and changes nothing. Errors are one
//!   `#[non_exhaustive]` enum per area, each with `code()`: a stable string such as
//!   `"appeal.reason_required"` or `"routing.not_queued"` for the UI and the wire.
//! - Data types derive serde; types the UI sees also derive `specta::Type` with the `specta`
//!   feature. Calendars and levels serialize as readable notation text (`"Mon-Fri 09-18"`,
//!   `"1h30m"`).
//!
//! # Routing a line
//!
//! ```
//! use linedesk_domain::ids::{AppealId, SpecialistId};
//! use linedesk_domain::presence::PresenceStatus;
//! use linedesk_domain::routing::{Dispatcher, Movement, Specialist};
//!
//! let anna = Specialist { id: SpecialistId(1), presence: PresenceStatus::Available,
//!                         priority: 1, limit: 1, load: 0 };
//! let mut line = Dispatcher::new([anna]);
//! assert_eq!(line.arrive(AppealId(10), 0, vec![]).unwrap(),
//!            Movement::Assigned { appeal: AppealId(10), to: SpecialistId(1) });
//! // Anna is full: the next one waits, and her finish pulls it from the queue.
//! assert_eq!(line.arrive(AppealId(11), 0, vec![]).unwrap(),
//!            Movement::Queued { appeal: AppealId(11) });
//! assert_eq!(line.finish(AppealId(10)).unwrap(),
//!            [Movement::Assigned { appeal: AppealId(11), to: SpecialistId(1) }]);
//! ```
//!
//! # SLA deadlines
//!
//! ```
//! use linedesk_domain::sla::{parse_calendar, parse_duration, Conditions, SlaClock, SupportLevel};
//! let level = SupportLevel {
//!     name: "Default".into(),
//!     calendar: parse_calendar("tz Europe/Moscow; Mon-Fri 09-13,14-18; 2026-12-31 off").unwrap(),
//!     reaction: parse_duration("2h").unwrap(),
//!     resolution: parse_duration("16h").unwrap(),
//!     conditions: Conditions::default(),
//! };
//! let opened = "2026-11-27T14:30:00Z".parse().unwrap(); // Fri 17:30 in Moscow
//! let mut clock = SlaClock::start(&level, opened).unwrap(); // S3: fixed from now on
//! assert_eq!(clock.deadlines().reaction_due().to_rfc3339(),
//!            "2026-11-30T07:30:00+00:00"); // Mon 10:30 in Moscow
//! // S4: waiting for the client from Mon 10:00 to 12:00 adds 2 working hours.
//! clock.start_waiting("2026-11-30T07:00:00Z".parse().unwrap()).unwrap();
//! let added = clock.stop_waiting("2026-11-30T09:00:00Z".parse().unwrap(), &level.calendar).unwrap();
//! assert_eq!(added, chrono::TimeDelta::hours(2));
//! ```
//!
//! Hand-checked cases are written one per line in the [`sla::case`] notation:
//! `tz Europe/Moscow; Mon-Fri 09-18 | Fri 2026-11-27 17:30 + 2h => Mon 2026-11-30 10:30`.

pub mod appeal;
pub mod avatar;
pub mod call_consult;
pub mod call_quality;
pub mod call_transfer;
pub mod group;
pub mod ids;
pub mod presence;
pub mod routing;
pub mod sla;
pub mod ticket;
