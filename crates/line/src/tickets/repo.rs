//! What the ticket rules (T1-T5) read and write, as a backend implements it: typed rows in
//! and out inside the action's transaction. A part of [`Repo`](crate::Repo), which requires
//! it.

use linedesk_domain::ticket::{Ticket, TicketNumber};

use crate::error::RepoError;

/// A ticket as stored: where it is, its deadline and the domain's value.
#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: u64,
    pub line: u64,
    pub client: u64,
    /// T5: the deadline fixed at registration.
    pub due_ms: Option<i64>,
    pub ticket: Ticket,
}

/// A ticket being registered (T1); the backend gives the id.
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub line: u64,
    pub client: u64,
    pub appeal: Option<u64>,
    pub subject: &'a str,
    pub text: &'a str,
    pub creator: u64,
    pub due_ms: i64,
    pub ticket: &'a Ticket,
}

pub trait TicketRepo {
    fn ticket(&mut self, ticket: u64) -> Result<Option<TicketRow>, RepoError>;
    /// Whether `queue` is a ticket queue of `line`.
    fn queue_on_line(&mut self, queue: u64, line: u64) -> Result<bool, RepoError>;
    /// T4: the line disputes of `queue`'s closed tickets go to (none: not set).
    fn queue_dispute_line(&mut self, queue: u64) -> Result<Option<u64>, RepoError>;
    /// The highest ticket number given so far (server-wide).
    fn last_ticket_number(&mut self) -> Result<Option<TicketNumber>, RepoError>;
    fn insert_ticket(&mut self, ticket: &NewTicket<'_>) -> Result<u64, RepoError>;
    /// Write the ticket's value (and the state, queue and owner it implies).
    fn put_ticket(&mut self, ticket: u64, value: &Ticket) -> Result<(), RepoError>;
}
