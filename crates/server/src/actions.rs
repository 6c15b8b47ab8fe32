//! Applying one action over SQLite: the line's rules (`linedesk-line`) run against the
//! transaction's repository; the action families whose rules have not moved there yet
//! (calls, call stats, remote sessions, tickets, KB drafts) still run here, on the same
//! transaction. The new routing state replaces the old one only after the commit.

use linedesk_line::Step;
use linedesk_protocol::Action;

use crate::remote_sessions::{self, Gate};
use crate::sqlite::Inner;
use crate::sqlite::line_repo::SqliteRepo;
use crate::storage::{Applied, StorageError, StoredEvent, Subject};
use crate::{call_records, calls, kb_drafts, tickets};

/// One action in progress over SQLite.
pub(crate) type Work<'a> = linedesk_line::Work<'a, SqliteRepo<'a>>;

pub(crate) use crate::sqlite::append_event;
pub(crate) use linedesk_line::specialist_only;

/// The families still applied here, on the transaction `linedesk_line::apply` claimed the
/// key in.
fn apply_here(
    w: &mut Work<'_>,
    actor: Subject,
    key: &str,
    action: &Action,
    gate: &Gate,
) -> Result<(), StorageError> {
    match action {
        Action::CreateTicket { .. }
        | Action::SaveTicket { .. }
        | Action::DispatchTicket { .. }
        | Action::TakeTicket { .. }
        | Action::RejectTicket { .. }
        | Action::ForwardTicket { .. }
        | Action::CommentTicket { .. }
        | Action::RepeatTicket { .. }
        | Action::CloseTicket { .. } => tickets::apply(w, actor, action),
        Action::PlaceCall { line, client } => calls::place(w, actor, key, *line, *client),
        Action::AnswerCall { call } => calls::answer(w, actor, *call),
        Action::HangUp { call, reason } => calls::hang_up(w, actor, *call, *reason),
        Action::CallStats { call, quality } => call_records::stats(w, actor, *call, quality),
        Action::SetRemotePassword { .. } => remote_sessions::set_password(w, actor, gate),
        Action::RequestRemoteSession {
            line, client, mode, ..
        } => remote_sessions::request(w, actor, key, (*line, *client, *mode), gate),
        Action::AnswerRemoteSession { session, accept } => {
            remote_sessions::answer(w, actor, *session, *accept)
        }
        Action::EndRemoteSession { session, reason } => {
            remote_sessions::end(w, actor, *session, *reason)
        }
        Action::SaveKbDraft {
            line,
            subject,
            text,
        } => kb_drafts::save(&w.repo.tx, actor, *line, subject, text, w.now_ms).map(|_| ()),
        _ => Err(StorageError::Invalid("this action has no rules".into())),
    }
}

pub(crate) fn apply(
    inner: &mut Inner,
    actor: Subject,
    key: &str,
    action: &Action,
    now_ms: i64,
    gate: &Gate,
) -> Result<Applied, StorageError> {
    let Inner { conn, routing } = inner;
    let repo = SqliteRepo {
        tx: conn.transaction()?,
    };
    let mut w = Work::new(repo, now_ms, routing);
    match linedesk_line::apply(&mut w, actor, key, action)? {
        Step::Duplicate => return Ok(Applied::Duplicate),
        Step::Done => {}
        Step::Elsewhere => apply_here(&mut w, actor, key, action, gate)?,
    }
    let (repo, events, changed) = w.finish();
    repo.commit()?;
    routing.extend(changed);
    Ok(Applied::Done(events))
}

/// Run `f` as one action without an idempotency key (an HTTP upload): its events and routing
/// changes commit together, like [`apply`]'s.
pub(crate) fn in_work<T>(
    inner: &mut Inner,
    now_ms: i64,
    f: impl FnOnce(&mut Work<'_>) -> Result<T, StorageError>,
) -> Result<(T, Vec<StoredEvent>), StorageError> {
    let Inner { conn, routing } = inner;
    let repo = SqliteRepo {
        tx: conn.transaction()?,
    };
    let mut w = Work::new(repo, now_ms, routing);
    let value = f(&mut w)?;
    let (repo, events, changed) = w.finish();
    repo.commit()?;
    routing.extend(changed);
    Ok((value, events))
}
