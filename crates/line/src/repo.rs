//! The repository a backend implements: typed rows in and out, inside the one transaction (or
//! savepoint) of the action being applied. Nothing here decides anything; the rules are in
//! this crate's other modules and in `linedesk-domain`.

use linedesk_domain::appeal::SupportTier;
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{AppealChannel, Event};

use crate::appeal_type::AppealTypeRepo;
use crate::call_repo::CallRepo;
use crate::closing::ClosingRepo;
use crate::error::RepoError;
use crate::files::FileRepo;
use crate::groups::GroupRepo;
use crate::guests::GuestRepo;
use crate::kb_articles::KbArticleRepo;
use crate::kb_drafts::KbDraftRepo;
use crate::profile::ProfileRepo;
use crate::remote_repo::RemoteRepo;
use crate::routing::RoutingRepo;
use crate::sla_repo::SlaRepo;
use crate::staff_help::StaffHelpRepo;
use crate::tickets::repo::TicketRepo;

/// Whose idempotency keys: specialists and clients have separate id spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyOwner {
    Specialist(u64),
    Client(u64),
}

/// Where a stored appeal stands. Spam is a finished appeal with `spam` set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealStage {
    Queued,
    Assigned,
    Finished,
}

/// An appeal as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealRow {
    pub id: u64,
    pub line: u64,
    pub client: u64,
    pub channel: AppealChannel,
    pub tier: SupportTier,
    pub opened_ms: i64,
    pub stage: AppealStage,
    /// The specialist holding it (assigned), or who finished it (finished).
    pub holder: Option<u64>,
    pub result: Option<String>,
    pub spam: bool,
    pub stars: Option<u8>,
    /// A4: what the client wrote with their rating (`None`: nothing).
    pub rating_comment: Option<String>,
    /// S4: since when the holder waits for the client (the appeal is "waiting"), if it does.
    pub waiting_since_ms: Option<i64>,
    /// A2: its place in the line's queue (the domain's `appeal_priority`, fixed at opening).
    pub priority: u8,
}

impl AppealRow {
    pub fn is_open(&self) -> bool {
        self.stage != AppealStage::Finished
    }
}

/// A new appeal (queued, first tier); the backend gives the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppeal {
    pub line: u64,
    pub client: u64,
    pub channel: AppealChannel,
    pub opened_ms: i64,
    /// A2: its place in the line's queue.
    pub priority: u8,
}

/// What the rules need of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRow {
    pub id: u64,
    pub line: u64,
    pub vip: bool,
    /// The 1C-Connect ID: the same client on another line has the same one.
    pub connect_id: Option<String>,
    /// S5: the client's work status (the card's `work_status`), if set.
    pub status: Option<String>,
}

/// A3: one message or file of an appeal, as a transfer to another line carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedEntry {
    /// The specialist's name who wrote it (`None`: the client).
    pub author: Option<String>,
    /// The text, or the file's name when `file`.
    pub text: String,
    pub file: bool,
    pub at_ms: i64,
}

/// One transaction of a backend, as the line's rules use it. Every method reads or writes
/// inside the action's transaction; nothing is visible to others before the backend commits.
pub trait Repo:
    CallRepo
    + RemoteRepo
    + TicketRepo
    + KbDraftRepo
    + KbArticleRepo
    + FileRepo
    + GuestRepo
    + SlaRepo
    + RoutingRepo
    + ClosingRepo
    + AppealTypeRepo
    + GroupRepo
    + ProfileRepo
    + StaffHelpRepo
{
    /// Claim `key` for `owner` (at `at_ms`); `false` when it was claimed before (a duplicate).
    fn claim_key(&mut self, owner: KeyOwner, key: &str, at_ms: i64) -> Result<bool, RepoError>;
    /// Whether `owner` claimed `key` before (without claiming it).
    fn key_claimed(&mut self, owner: KeyOwner, key: &str) -> Result<bool, RepoError>;
    /// Append `event` to `line`'s log at the line's next sequence number; returns it.
    fn append(&mut self, line: u64, event: &Event, at_ms: i64) -> Result<u64, RepoError>;

    /// Whether `specialist` serves `line`.
    fn serves(&mut self, specialist: u64, line: u64) -> Result<bool, RepoError>;
    /// The lines `specialist` serves, in id order.
    fn lines_served(&mut self, specialist: u64) -> Result<Vec<u64>, RepoError>;
    /// P1: keep the presence a specialist set.
    fn put_presence(&mut self, specialist: u64, status: PresenceStatus) -> Result<(), RepoError>;

    fn client(&mut self, client: u64) -> Result<Option<ClientRow>, RepoError>;
    /// The client of `line` with `connect_id` (A3: the same client on another line).
    fn client_by_connect_id(
        &mut self,
        line: u64,
        connect_id: &str,
    ) -> Result<Option<u64>, RepoError>;

    fn appeal(&mut self, appeal: u64) -> Result<Option<AppealRow>, RepoError>;
    /// The open appeal of `client` on `line`.
    fn open_appeal_of(&mut self, line: u64, client: u64) -> Result<Option<u64>, RepoError>;
    /// Insert a new queued appeal; its id.
    fn insert_appeal(&mut self, appeal: &NewAppeal) -> Result<u64, RepoError>;
    /// Write the appeal's stage, holder, tier, result, spam mark, stars and rating comment.
    fn put_appeal(&mut self, appeal: &AppealRow) -> Result<(), RepoError>;
    /// A3: the last `max` messages and files posted in `appeal` of `line`, oldest first.
    fn appeal_conversation(
        &mut self,
        line: u64,
        appeal: u64,
        max: usize,
    ) -> Result<Vec<CarriedEntry>, RepoError>;
}
