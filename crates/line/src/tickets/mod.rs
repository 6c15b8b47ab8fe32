//! Tickets (T1-T5): every transition is the domain's [`Ticket`] method; the backend stores the
//! domain's value. Each new history entry becomes one `TicketChanged` event.

pub(crate) mod dispute;
pub(crate) mod repo;

use chrono::Datelike;
use linedesk_domain::appeal::Channel;
use linedesk_domain::ids::{ClientId, QueueId, SpecialistId};
use linedesk_domain::ticket::{RepeatRequest, Ticket, next_ticket_number};
use linedesk_protocol::{Action, Event, MAX_MESSAGE_CHARS};

use crate::error::LineError;
use crate::repo::Repo;
use crate::sla::{instant, level_for};
use crate::subject::Subject;
use crate::work::{Work, specialist_only};
use repo::NewTicket;

/// The queue every line has from its creation.
pub const DEFAULT_TICKET_QUEUE: &str = "Первая линия";

/// Longest ticket subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// A ticket queue's name, trimmed and not empty.
pub fn queue_name(name: &str) -> Result<&str, LineError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(LineError::Invalid("a queue needs a name".into()));
    }
    Ok(name)
}

/// T4: where disputes of a queue of `line` may go: another line that exists (`known`), or
/// nowhere (`None`).
pub fn check_dispute_line(
    line: u64,
    dispute: Option<u64>,
    known: &[u64],
) -> Result<Option<u64>, LineError> {
    match dispute {
        Some(other) if other == line => Err(LineError::Invalid(
            "disputes go to another line than the queue's own".into(),
        )),
        Some(other) if !known.contains(&other) => {
            Err(LineError::Invalid(format!("no line {other}")))
        }
        other => Ok(other),
    }
}

/// `text` trimmed, 1 to `max` characters.
pub(crate) fn checked(text: &str, what: &str, max: usize) -> Result<String, LineError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(LineError::Invalid(format!(
            "{what} is 1 to {max} characters"
        )));
    }
    Ok(text.to_string())
}

fn queue_on_line<R: Repo>(
    w: &mut Work<'_, R>,
    queue: u64,
    line: u64,
) -> Result<QueueId, LineError> {
    if w.repo.queue_on_line(queue, line)? {
        Ok(QueueId(queue))
    } else {
        Err(LineError::Invalid(format!(
            "no ticket queue {queue} on line {line}"
        )))
    }
}

/// T5: a ticket's deadline is the resolution time of the level that applies to its client,
/// counted from its registration (tickets are registered by hand: channel `manual`).
fn deadline<R: Repo>(w: &mut Work<'_, R>, line: u64, client: u64) -> Result<i64, LineError> {
    let level = level_for(&mut w.repo, line, client, (Channel::Manual, ""))?;
    Ok(level
        .calendar
        .add_working_time(instant(w.now_ms)?, level.resolution)
        .map_err(|e| LineError::Invalid(format!("the SLA level cannot be applied: {e}")))?
        .timestamp_millis())
}

/// A ticket action of a specialist serving the ticket's line.
pub(crate) fn apply<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    action: &Action,
) -> Result<(), LineError> {
    let by = SpecialistId(specialist_only(actor)?);
    if let Action::CreateTicket {
        line,
        client,
        appeal,
        subject,
        text,
    } = action
    {
        return create(w, by, *line, *client, *appeal, subject, text);
    }
    let ticket = match action {
        Action::SaveTicket { ticket }
        | Action::DispatchTicket { ticket, .. }
        | Action::TakeTicket { ticket }
        | Action::RejectTicket { ticket, .. }
        | Action::ForwardTicket { ticket, .. }
        | Action::CommentTicket { ticket, .. }
        | Action::RepeatTicket { ticket, .. }
        | Action::CloseTicket { ticket } => *ticket,
        _ => return Err(LineError::Invalid("not a ticket action".into())),
    };
    let mut s = w
        .repo
        .ticket(ticket)?
        .ok_or_else(|| LineError::Invalid(format!("no ticket {ticket}")))?;
    if !w.serves(by.0, s.line)? {
        return Err(LineError::Forbidden(s.line));
    }
    let at = instant(w.now_ms)?;
    let before = s.ticket.history().len();
    let queue = match action {
        Action::DispatchTicket { queue, .. } | Action::ForwardTicket { queue, .. } => {
            Some(queue_on_line(w, *queue, s.line)?)
        }
        _ => None,
    };
    let t = &mut s.ticket;
    match (action, queue) {
        (Action::SaveTicket { .. }, _) => t.save(by, at).map(|_| ()),
        (Action::DispatchTicket { .. }, Some(queue)) => t.dispatch(queue, by, at),
        (Action::TakeTicket { .. }, _) => t.take(by, at),
        (Action::RejectTicket { reason, .. }, _) => t.reject(by, reason, at),
        (Action::ForwardTicket { .. }, Some(queue)) => t.forward(queue, by, at),
        (Action::CommentTicket { text, .. }, _) => t.comment(by, text, at),
        (
            Action::RepeatTicket {
                comment,
                client_insists,
                ..
            },
            _,
        ) => {
            let request = RepeatRequest {
                by,
                comment,
                deadline: s.due_ms.map(instant).transpose()?,
                client_insists: *client_insists,
            };
            t.repeat_request(request, at).map(|_| ())
        }
        (Action::CloseTicket { .. }, _) => t.close(by, at),
        _ => Ok(()),
    }?;
    w.repo.put_ticket(ticket, &s.ticket)?;
    for entry in s.ticket.history()[before..].iter().cloned() {
        w.append(
            s.line,
            Event::TicketChanged {
                ticket,
                number: s.ticket.number,
                client: s.client,
                state: s.ticket.state(),
                queue: s.ticket.queue().map(|q| q.0),
                repeat: s.ticket.is_repeat(),
                entry,
            },
        )?;
    }
    Ok(())
}

/// T1: register a ticket with the next readable number (`26-000042`, per year, server-wide).
fn create<R: Repo>(
    w: &mut Work<'_, R>,
    by: SpecialistId,
    line: u64,
    client: u64,
    appeal: Option<u64>,
    subject: &str,
    text: &str,
) -> Result<(), LineError> {
    if !w.serves(by.0, line)? {
        return Err(LineError::Forbidden(line));
    }
    let subject = checked(subject, "a ticket's subject", MAX_SUBJECT_CHARS)?;
    let text = checked(text, "a ticket's text", MAX_MESSAGE_CHARS)?;
    w.client_on_line(line, client)?;
    if let Some(appeal) = appeal {
        let theirs = w
            .repo
            .appeal(appeal)?
            .is_some_and(|a| a.client == client && a.line == line);
        if !theirs {
            return Err(LineError::Invalid(format!(
                "appeal {appeal} is not one of client {client} on line {line}"
            )));
        }
    }
    let last = w.repo.last_ticket_number()?;
    let at = instant(w.now_ms)?;
    let number = next_ticket_number(last, at.year())?;
    let ticket = Ticket::create(number, ClientId(client), by, &subject, at);
    let due_ms = deadline(w, line, client)?;
    let id = w.repo.insert_ticket(&NewTicket {
        line,
        client,
        appeal,
        subject: &subject,
        text: &text,
        creator: by.0,
        due_ms,
        ticket: &ticket,
    })?;
    let entry = ticket
        .history()
        .first()
        .cloned()
        .ok_or_else(|| LineError::Invalid("a new ticket without history".into()))?;
    w.append(
        line,
        Event::TicketCreated {
            ticket: id,
            number,
            client,
            appeal,
            subject,
            text,
            entry,
        },
    )
}
