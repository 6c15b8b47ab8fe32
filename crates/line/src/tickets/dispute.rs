//! T4 (seed 004): "if the case is CLOSED and the client disagrees with the decision": the
//! client's appeal goes to the line the ticket's category names (BackOffice and the experts'
//! categories to the Retention line, the equipment categories to the Equipment experts' line),
//! which each queue's admin sets (`dispute_line`). The move is A3's transfer to another line
//! (`appeals::transfer` with `TransferTarget::Line`): the appeal finishes here with the code
//! `transferred_to_line`, the conversation is carried there, and the reason (with the ticket's
//! number) stays with the specialists.

use linedesk_domain::appeal::TransferTarget;
use linedesk_domain::ids::LineId;
use linedesk_protocol::AppealChannel;

use crate::error::LineError;
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// The client of closed `ticket` disputes its decision: their appeal (open, or a new one of
/// this specialist's) moves to the dispute line of the ticket's queue.
pub(crate) fn dispute<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    ticket: u64,
    reason: &str,
) -> Result<(), LineError> {
    let specialist = specialist_only(actor)?;
    let row = w
        .repo
        .ticket(ticket)?
        .ok_or_else(|| LineError::Invalid(format!("no ticket {ticket}")))?;
    if !w.serves(specialist, row.line)? {
        return Err(LineError::Forbidden(row.line));
    }
    let dispute_line = match row.ticket.queue() {
        Some(queue) => w.repo.queue_dispute_line(queue.0)?.map(LineId),
        None => None,
    };
    let to = row.ticket.dispute_to(dispute_line)?;
    let reason = reason.trim();
    let reason = if reason.is_empty() {
        row.ticket.number.to_string()
    } else {
        format!("{}: {reason}", row.ticket.number)
    };
    let appeal =
        w.appeal_from_specialist(row.line, row.client, AppealChannel::Manual, specialist)?;
    crate::appeals::transfer(
        w,
        actor,
        appeal,
        None,
        Some(TransferTarget::Line(to)),
        &reason,
    )
}
