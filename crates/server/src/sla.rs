//! SLA on the server (S2-S5). The rules are `linedesk-line`'s (`sla.rs`: the level of each
//! new appeal and its deadlines; `sla_timers.rs`: the alerts, each once, and what stops them)
//! over the domain's calendars and clock; the rows are the backend's (`SlaRepo`, in SQLite
//! `sqlite/sla_repo.rs`); [`crate::sla_timer`] runs them with the clock at the edge.
//!
//! S4: while an appeal waits for the client (`Action::WaitForClient`, the line's
//! `waiting.rs`) its resolution clock stands still; when the client writes again the
//! resolution deadline moves by the working time waited (`Event::AppealResumed`).

pub use linedesk_line::{AT_RISK_PERCENT, BUILTIN_DEFAULT, builtin_default};
