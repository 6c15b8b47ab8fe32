//! A5: auto-finish. When a line sets minutes of auto-finish, the specialist's message in an
//! open appeal arms it: without the client's reply for that long the appeal finishes by
//! itself with the result [`NO_CLIENT_REPLY`]. The client's next message, call or file
//! disarms it; finishing (by hand or as spam) ends it. The decision ("idle long enough") is
//! the domain's `Appeal::auto_finish`; the backend keeps when each armed appeal is due, so the
//! timer at the edge ([`fire_due_auto_finishes`], with the time passed in) finds them with one
//! query, also after a restart.

use chrono::TimeDelta;
use linedesk_protocol::{Event, NO_CLIENT_REPLY};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::sla::instant;
use crate::work::Work;

/// Longest auto-finish a line may set: a week, in minutes.
pub const MAX_AUTO_FINISH_MINUTES: u32 = 7 * 24 * 60;

/// An armed auto-finish: since when the client's reply is awaited, and when the appeal
/// finishes without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Armed {
    pub since_ms: i64,
    pub at_ms: i64,
}

/// What auto-finish reads and writes, as a backend implements it (a part of [`Repo`]).
pub trait AutoFinishRepo {
    /// A5: the line's auto-finish time in minutes (0: never).
    fn auto_finish_minutes(&mut self, line: u64) -> Result<u32, RepoError>;
    /// The appeal's armed auto-finish, if any.
    fn armed_auto_finish(&mut self, appeal: u64) -> Result<Option<Armed>, RepoError>;
    /// Arm (or, with `None`, disarm) the appeal's auto-finish.
    fn put_auto_finish(&mut self, appeal: u64, armed: Option<Armed>) -> Result<(), RepoError>;
    /// The appeals whose auto-finish is due at `now_ms`, earliest first.
    fn due_auto_finishes(&mut self, now_ms: i64) -> Result<Vec<u64>, RepoError>;
}

/// A5: the specialist wrote in `appeal`: arm its auto-finish when the line has one.
pub(crate) fn specialist_wrote<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    client: u64,
    appeal: u64,
) -> Result<(), LineError> {
    let minutes = w.repo.auto_finish_minutes(line)?;
    if minutes == 0 {
        return Ok(());
    }
    let at_ms = w.now_ms + i64::from(minutes) * 60_000;
    let armed = Armed {
        since_ms: w.now_ms,
        at_ms,
    };
    w.repo.put_auto_finish(appeal, Some(armed))?;
    w.append(
        line,
        Event::AutoFinishArmed {
            appeal,
            client,
            at_ms: Some(at_ms),
        },
    )
}

/// A5: the client acted in `appeal`: its auto-finish, if armed, is off.
pub(crate) fn client_replied<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    client: u64,
    appeal: u64,
) -> Result<(), LineError> {
    if w.repo.armed_auto_finish(appeal)?.is_none() {
        return Ok(());
    }
    w.repo.put_auto_finish(appeal, None)?;
    w.append(
        line,
        Event::AutoFinishArmed {
            appeal,
            client,
            at_ms: None,
        },
    )
}

/// A5: finish every appeal whose auto-finish is due at `w.now_ms`, each once, in the same
/// transaction as the events.
pub fn fire_due_auto_finishes<R: Repo>(w: &mut Work<'_, R>) -> Result<(), LineError> {
    for appeal in w.repo.due_auto_finishes(w.now_ms)? {
        let armed = w.repo.armed_auto_finish(appeal)?;
        w.repo.put_auto_finish(appeal, None)?;
        let Some(armed) = armed else { continue };
        let Some(row) = w.repo.appeal(appeal)?.filter(|r| r.is_open()) else {
            continue;
        };
        let mut a = crate::appeals::restore_active_since(&row, armed.since_ms)?;
        let limit = TimeDelta::milliseconds(armed.at_ms - armed.since_ms);
        if a.auto_finish(instant(w.now_ms)?, limit).is_none() {
            // Nobody holds it (queued): a client waiting for an answer is not idle.
            continue;
        }
        let event = Event::AppealFinished {
            appeal,
            client: row.client,
            result: NO_CLIENT_REPLY.to_string(),
        };
        crate::appeals::close_as(w, row, &a, NO_CLIENT_REPLY, event)?;
    }
    Ok(())
}
