//! The line's rules, written once: what each action of a line may do, which events it appends
//! and how routing moves appeals. No SQL, no IO, no clock: a backend implements [`Repo`] (typed
//! rows in and out inside one transaction), the caller passes `now` and the live routing state
//! (one `linedesk-domain` [`Dispatcher`](linedesk_domain::routing::Dispatcher) per line).
//!
//! One action:
//! 1. the backend opens a transaction (or a savepoint of a batch) and wraps it in its [`Repo`];
//! 2. [`Work::new`] takes the repo, `now` and the live dispatchers;
//! 3. [`apply`] claims the idempotency key, checks the rules (the domain's `Appeal`,
//!    `Ticket` and `Dispatcher` decide) and appends the events;
//! 4. on `Ok` the backend commits and replaces the live dispatchers with
//!    [`Work::finish`]'s changed copies; on `Err` it rolls back and keeps the old ones.
//!
//! Errors are a [`LineError`] with a stable [`code`](LineError::code) and, for the domain's
//! refusals, the domain's rule code ([`LineError::rule`]).

pub mod appeal_type;
mod appeals;
mod apply;
mod call_consult;
mod call_repo;
pub mod call_transfer;
pub mod calls;
pub mod closing;
mod error;
mod files;
pub mod groups;
pub mod guests;
mod kb_articles;
mod kb_drafts;
pub mod line_admin;
mod messages;
mod pbx_calls;
pub mod profile;
pub mod remote_password;
mod remote_repo;
pub mod remote_sessions;
mod repo;
pub mod reports;
mod routing;
mod sla;
mod sla_explain;
mod sla_repo;
mod sla_timers;
pub mod staff_help;
mod subject;
pub mod tickets;
mod unanswered;
mod waiting;
mod work;

pub use appeal_type::{AppealTypeRepo, appeal_types};
pub use apply::{Step, apply, apply_gated, key_owner};
pub use call_repo::{CallRecord, CallRepo, CallStage, Consult, NewCall, RecordingRow, TransferLeg};
pub use closing::{
    ClosingRepo, ClosingSettings, ReplyAwaited, fire_due_auto_finishes, settings_changed,
};
pub use error::{LineError, RepoError};
pub use files::{FileRepo, NewFile, Upload, share_file};
pub use groups::{GroupRepo, GroupRow};
pub use guests::{GuestRefusal, GuestRepo, guest_card, register_guest};
pub use kb_articles::KbArticleRepo;
pub use kb_drafts::{KbDraftRepo, MAX_DRAFT_SUBJECT_CHARS, NewKbDraft, save_kb_draft};
pub use remote_repo::{NewRemote, RemoteRecord, RemoteRepo, RemoteStage};
pub use remote_sessions::Gate;
pub use repo::{AppealRow, AppealStage, CarriedEntry, ClientRow, KeyOwner, NewAppeal, Repo};
pub use routing::{RoutingRepo, rebuild_line, rebuild_routing, remove_from_line, responsible_for};
pub use sla::{AT_RISK_PERCENT, BUILTIN_DEFAULT, builtin_default, facts_for, level_for, levels_of};
pub use sla_explain::explain_appeal;
pub use sla_repo::{AlertDeadline, SlaRepo, SlaTimer, sla_outcome};
pub use sla_timers::{fire_due_alerts, next_alert};
pub use staff_help::{StaffHelpRepo, staff_client_for};
pub use subject::{Applied, StoredEvent, Subject};
pub use tickets::repo::{NewTicket, TicketRepo, TicketRow};
pub use unanswered::{DEFAULT_CALL_RING, DEFAULT_REMOTE_REQUEST, RingTimeouts, end_unanswered};
pub use work::{Work, specialist_only, text_of};
