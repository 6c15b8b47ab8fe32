//! S4: "waiting for the client". The holder puts an appeal into waiting; the client's next
//! message, call or file ends the wait (as does any move of the appeal to someone else or
//! the queue). While it waits, the resolution clock of its SLA timer stands still (the
//! domain's `SlaClock`), and when the wait ends the resolution deadline moves by the working
//! time waited, by the level's calendar ([`crate::sla_timers::stop_waiting`]).

use linedesk_domain::appeal::Actor;
use linedesk_domain::ids::{ClientId, SpecialistId};
use linedesk_protocol::Event;

use crate::appeals::{restore, store};
use crate::error::LineError;
use crate::repo::{AppealRow, Repo};
use crate::sla::instant;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// S4: the holder waits for the client in `appeal`.
pub(crate) fn wait<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    appeal: u64,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let mut row = w.open_appeal(appeal)?;
    let mut a = restore(&row)?;
    a.wait_for_client(SpecialistId(me), instant(w.now_ms)?)?;
    crate::sla_timers::start_waiting(&mut w.repo, appeal, w.now_ms)?;
    row.waiting_since_ms = Some(w.now_ms);
    store(&mut row, &a);
    w.repo.put_appeal(&row)?;
    w.append(
        row.line,
        Event::AppealWaiting {
            appeal,
            client: row.client,
            specialist: me,
        },
    )?;
    // A5 does not run while the appeal waits.
    crate::closing::suspend(w, row.line, row.client, appeal)
}

/// S4: the client acted in `appeal`: if it was waiting, work goes on and the resolution
/// deadline moves.
pub(crate) fn client_answered<R: Repo>(w: &mut Work<'_, R>, appeal: u64) -> Result<(), LineError> {
    let row = w.open_appeal(appeal)?;
    if row.waiting_since_ms.is_none() {
        return Ok(());
    }
    let mut a = restore(&row)?;
    a.resume(Actor::Client(ClientId(row.client)), instant(w.now_ms)?)?;
    end(w, row)
}

/// S4: routing moves a waiting appeal (to a colleague or the queue): the wait ends with it.
pub(crate) fn moved<R: Repo>(w: &mut Work<'_, R>, row: &mut AppealRow) -> Result<(), LineError> {
    if row.waiting_since_ms.is_none() {
        return Ok(());
    }
    end(w, row.clone())?;
    row.waiting_since_ms = None;
    // The client did not answer: A5's auto-finish runs again, from now.
    crate::closing::resume(w, row.line, row.client, row.id)
}

/// The wait of `row` ends now: the clock runs again, the row is out of waiting, and
/// [`Event::AppealResumed`] says the resolution deadline.
fn end<R: Repo>(w: &mut Work<'_, R>, mut row: AppealRow) -> Result<(), LineError> {
    let resolution_due_ms = crate::sla_timers::stop_waiting(&mut w.repo, row.id, w.now_ms)?;
    row.waiting_since_ms = None;
    w.repo.put_appeal(&row)?;
    w.append(
        row.line,
        Event::AppealResumed {
            appeal: row.id,
            client: row.client,
            resolution_due_ms,
        },
    )
}
