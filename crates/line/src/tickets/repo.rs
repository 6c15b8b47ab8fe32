//! What the ticket rules (T1-T5), KB drafts (C8) and chat files (A1) read and write, as a
//! backend implements it: typed rows in and out inside the action's transaction. A part of
//! [`Repo`](crate::Repo), which requires these traits.

use linedesk_domain::ticket::{Ticket, TicketNumber};
use linedesk_protocol::SharedFile;

use crate::error::RepoError;
use crate::repo::KeyOwner;

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

/// A KB draft being kept (C8); the backend gives the id.
#[derive(Debug, Clone)]
pub struct NewKbDraft<'a> {
    pub line: u64,
    pub specialist: u64,
    pub subject: &'a str,
    pub text: &'a str,
    pub at_ms: i64,
}

/// A file shared in a chat (A1); the backend gives the id (and keeps its checksum).
#[derive(Debug, Clone)]
pub struct NewFile<'a> {
    pub line: u64,
    pub client: u64,
    pub from_specialist: Option<u64>,
    pub appeal: Option<u64>,
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// Who uploaded: a retried upload with the same `key` is found by it.
    pub uploader: KeyOwner,
    pub key: Option<&'a str>,
    pub at_ms: i64,
}

pub trait TicketRepo {
    fn ticket(&mut self, ticket: u64) -> Result<Option<TicketRow>, RepoError>;
    /// Whether `queue` is a ticket queue of `line`.
    fn queue_on_line(&mut self, queue: u64, line: u64) -> Result<bool, RepoError>;
    /// The highest ticket number given so far (server-wide).
    fn last_ticket_number(&mut self) -> Result<Option<TicketNumber>, RepoError>;
    fn insert_ticket(&mut self, ticket: &NewTicket<'_>) -> Result<u64, RepoError>;
    /// Write the ticket's value (and the state, queue and owner it implies).
    fn put_ticket(&mut self, ticket: u64, value: &Ticket) -> Result<(), RepoError>;
}

pub trait KbDraftRepo {
    fn insert_kb_draft(&mut self, draft: &NewKbDraft<'_>) -> Result<u64, RepoError>;
}

pub trait FileRepo {
    /// The file `uploader` shared with `key` before, marked as a duplicate.
    fn file_by_key(
        &mut self,
        uploader: KeyOwner,
        key: &str,
    ) -> Result<Option<SharedFile>, RepoError>;
    fn insert_file(&mut self, file: &NewFile<'_>) -> Result<u64, RepoError>;
}
