//! What the server keeps, behind a trait so a PostgreSQL backend can follow without touching
//! the handlers. Every write is durable when the call returns.

use linedesk_domain::sla::LevelSet;
use linedesk_protocol::{Action, Role};
use serde::{Deserialize, Serialize};

use crate::shared_throttle::ThrottleState;
use crate::transfer::{Cell, RowSink};

pub use linedesk_line::{
    Applied, CallRecord, CallStage, ClosingSettings, LineError, RemoteRecord, RemoteStage,
    RepoError, StoredEvent, Subject,
};

/// Where [`Storage::apply_then`] sends an action's outcome.
pub type Then = Box<dyn FnOnce(Result<Applied, StorageError>) + Send>;

/// A line as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineInfo {
    pub id: u64,
    pub name: String,
}

/// What a revocation took away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// One token, by its hash (a logout).
    Token(String),
    /// Every token of an account.
    Subject(Subject),
    /// A specialist no longer serves a line: their sessions drop its subscription and refuse
    /// actions on it.
    Line { specialist: u64, line: u64 },
}

/// The owner of a live token and when the token expires (ms since the epoch): a session ends
/// then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenOwner {
    pub subject: Subject,
    pub expires_ms: i64,
}

/// An entry of the revocation log, in order of `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub id: u64,
    pub revoked: Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub subject: Subject,
    pub login: String,
    pub password_hash: String,
}

/// A client as an import, the demo seed or the admin console gives it (C5 fields); the same
/// card travels to the app in `Event::ClientUpserted`.
pub type StoredClient = linedesk_protocol::ClientProfile;

/// A saved reply template of a line, with the files it carries.
pub use linedesk_protocol::line_admin::{QuickReply, QuickReplyFile};

/// A knowledge-base article of a line; `id` is given by the server (ignored on import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KbArticle {
    #[serde(default)]
    pub id: u64,
    pub title: String,
    pub body: String,
}

/// A call and its recording's bytes (`None` before the upload).
pub type CallRecording = (CallRecord, Option<Vec<u8>>);

/// The outcome of a recording upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingSaved {
    /// Stored now and attached to the appeal with this event.
    Done(StoredEvent),
    /// The same file was stored before; nothing changed.
    Duplicate,
}

/// A file of a chat with its bytes (A1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub line: u64,
    pub client: u64,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A blob a download streams: a file of a chat or a call's recording, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobId {
    File(u64),
    Recording(u64),
}

/// What a download needs before its first byte: whom the blob belongs to (for the permission
/// check) and its size. No bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    pub line: u64,
    pub client: u64,
    /// A recording's specialist (`None` for a file).
    pub specialist: Option<u64>,
    /// A file's name (empty for a recording).
    pub name: String,
    /// `None`: a call with no recording uploaded yet.
    pub size: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    #[error("line {0} is not served by this specialist")]
    Forbidden(u64),
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{what} {name:?} already exists")]
    Exists { what: &'static str, name: String },
    /// A domain rule refused the action (`code` is the domain's, e.g. `appeal.not_holder`);
    /// `conflict` when someone else's action made it impossible (a race, not a mistake).
    #[error("{message}")]
    Rule {
        code: &'static str,
        message: String,
        conflict: bool,
    },
    /// The backend failed: logged with its code, never sent to a client.
    #[error("storage backend: {0}")]
    Backend(#[from] RepoError),
    #[error("the stored event is unreadable: {0}")]
    Corrupt(String),
    #[error("the database file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database schema is at version {found}, newer than this server ({known})")]
    NewerThanKnown { found: i64, known: i64 },
    /// A migration applied to this database differs from the one this build ships (a shipped
    /// migration was edited): the database is refused, nothing is written.
    #[error(
        "migration {version} ({name}) differs from the one applied to this database; a shipped migration must never be edited"
    )]
    MigrationChanged { version: i64, name: String },
    /// V2: too many wrong session passwords for this client from this specialist lately.
    #[error("too many wrong session passwords; try again in {} s", wait_ms.div_ceil(1000))]
    RateLimited { wait_ms: u64 },
    /// V2: the session password given is not the client's.
    #[error("the session password is wrong")]
    WrongPassword,
    /// V2: the client set no session password: only a session by request is possible.
    #[error("the client has set no session password; ask for a session by request")]
    NoPassword,
}

impl StorageError {
    /// The domain's rule code when a domain rule refused (for the wire's `rule` field).
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            StorageError::Rule { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl From<LineError> for StorageError {
    fn from(err: LineError) -> StorageError {
        let rule = err.rule();
        let conflict = err.is_conflict();
        match err {
            LineError::Forbidden(line) => StorageError::Forbidden(line),
            LineError::NotAllowed(why) => StorageError::NotAllowed(why),
            LineError::Invalid(why) => StorageError::Invalid(why),
            LineError::Conflict(why) => StorageError::Conflict(why),
            LineError::RateLimited { wait_ms } => StorageError::RateLimited { wait_ms },
            LineError::WrongPassword => StorageError::WrongPassword,
            LineError::NoPassword => StorageError::NoPassword,
            LineError::Repo(e) => StorageError::Backend(e),
            other => StorageError::Rule {
                code: rule.unwrap_or("rule"),
                message: other.to_string(),
                conflict,
            },
        }
    }
}

pub trait Storage: Send + Sync + 'static {
    fn add_line(&self, name: &str) -> Result<u64, StorageError>;
    fn add_client(&self, line: u64, name: &str) -> Result<u64, StorageError>;
    fn add_specialist(
        &self,
        login: &str,
        password_hash: &str,
        name: &str,
    ) -> Result<u64, StorageError>;
    /// The specialist serves the line with a priority (higher first) and a limit of appeals.
    fn serve_line(
        &self,
        specialist: u64,
        line: u64,
        priority: u8,
        limit: u32,
    ) -> Result<(), StorageError>;
    /// A new password for an existing specialist's or client's account (the embedded server
    /// gives its specialist a fresh one at every start).
    fn set_password(&self, login: &str, password_hash: &str) -> Result<(), StorageError>;
    /// The clients of a line with their ids, in id order.
    fn clients_of(&self, line: u64) -> Result<Vec<(u64, StoredClient)>, StorageError>;
    /// Let a client sign in.
    fn set_client_login(
        &self,
        client: u64,
        login: &str,
        password_hash: &str,
    ) -> Result<(), StorageError>;
    /// An admin account (the login must not be a specialist's or a client's).
    fn add_admin(&self, login: &str, password_hash: &str) -> Result<u64, StorageError>;
    fn lines(&self) -> Result<Vec<LineInfo>, StorageError>;
    /// A specialist's, a client's or an admin's account (logins are unique across all three).
    fn account_by_login(&self, login: &str) -> Result<Option<Account>, StorageError>;
    /// The lines a specialist serves, or the one line of a client.
    fn lines_of(&self, subject: Subject) -> Result<Vec<u64>, StorageError>;
    fn save_token(
        &self,
        token_hash: &str,
        subject: Subject,
        expires_ms: i64,
    ) -> Result<(), StorageError>;
    fn token_owner(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<TokenOwner>, StorageError>;
    /// Delete the tokens expired at `now_ms`; how many.
    fn delete_expired_tokens(&self, now_ms: i64) -> Result<usize, StorageError>;
    /// Revoke one token (logout); false when it was unknown or had expired.
    fn revoke_token(&self, token_hash: &str, now_ms: i64) -> Result<bool, StorageError>;
    /// Revoke every token of `login`'s account: the account and how many tokens, or `None`
    /// when there is no such login.
    fn revoke_login(
        &self,
        login: &str,
        now_ms: i64,
    ) -> Result<Option<(Subject, usize)>, StorageError>;
    /// Revocations with `id > after`, in order; [`Storage::last_revocation`] gives the start.
    fn revocations_after(&self, after: u64) -> Result<Vec<Revocation>, StorageError>;
    fn last_revocation(&self) -> Result<u64, StorageError>;
    /// Validate and apply `action` of `actor` once per `key`, appending its events; routing
    /// decisions (assign or queue) are made by `linedesk-domain` in the same transaction.
    fn apply(
        &self,
        actor: Subject,
        key: &str,
        action: &Action,
        now_ms: i64,
    ) -> Result<Applied, StorageError>;
    /// [`Storage::apply`] without holding the caller's thread, where the backend can: the
    /// action is queued and `then` is called with its outcome on the backend's own thread,
    /// once it is durable, in commit order with the other actions queued this way (so that
    /// their events reach the hub in sequence). A backend that cannot (or an action that needs
    /// blocking work first) gives `then` back: call [`Storage::apply`] instead.
    fn apply_then(
        &self,
        _actor: Subject,
        _key: &str,
        _action: &Action,
        _now_ms: i64,
        then: Then,
    ) -> Result<(), Then> {
        Err(then)
    }
    /// Add clients of a file (row number, client) in one transaction; returns the rows refused
    /// (a 1C-Connect ID already on the line) with the reason. Unknown line: an error.
    fn import_clients(
        &self,
        line: u64,
        clients: &[(usize, StoredClient)],
    ) -> Result<Vec<(usize, String)>, StorageError>;
    /// S5: replace the line's SLA levels, in order (checked by [`crate::sla_file`]).
    fn set_sla_levels(&self, line: u64, levels: &LevelSet) -> Result<(), StorageError>;
    /// The line's SLA levels in order; the built-in default alone when none were set.
    fn sla_levels(&self, line: u64) -> Result<LevelSet, StorageError>;
    /// Fire every SLA alert due at `now_ms`, each once per appeal and deadline ever: the
    /// events are appended to their lines' logs and marked fired in one transaction, and
    /// returned for the hub. A5: in the same transaction, finish every appeal whose
    /// auto-finish is due (`linedesk_line::fire_due_auto_finishes`, each once). Deterministic in
    /// `now_ms`; the timer at the edge calls it.
    fn due_alerts(&self, now_ms: i64) -> Result<Vec<StoredEvent>, StorageError>;
    /// Issue 17: whether this server runs the timers ([`Storage::due_alerts`],
    /// [`Storage::end_unanswered`]) now, taking the lead when no other server of the database
    /// holds it. SQLite's server is alone on its file and always leads; PostgreSQL's servers
    /// elect one with a session advisory lock that PostgreSQL releases when its holder dies
    /// (`postgres/leader.rs`), and the others take over at their next try.
    fn lead_timers(&self) -> Result<bool, StorageError>;
    /// End every call still ringing and every remote request still unanswered past
    /// `timeouts` at `now_ms` (`no_answer`), each once, in one transaction; the events are
    /// returned for the hub. The rules are `linedesk_line::end_unanswered`; the ring timer at
    /// the edge calls it.
    fn end_unanswered(
        &self,
        now_ms: i64,
        timeouts: &linedesk_line::RingTimeouts,
    ) -> Result<Vec<StoredEvent>, StorageError>;
    /// The last sequence number of every line's log, as (line, seq).
    fn line_heads(&self) -> Result<Vec<(u64, u64)>, StorageError>;
    /// Where the backend announces the events any process appends, as (line, seq) once
    /// committed (PostgreSQL's LISTEN/NOTIFY): a hint for the log's tail to read them now rather
    /// than at its next poll. `None` (the default, SQLite) when the backend has no such news.
    fn appended(&self) -> Option<tokio::sync::broadcast::Receiver<(u64, u64)>> {
        None
    }
    /// Issue 17: hand `body` (a relayed WebRTC signal, opaque here: `crate::signal` encodes
    /// it) to the other servers of the database, whose [`Storage::signals`] give it to their
    /// sessions. Never the line's log: best effort, like the relay within one server. SQLite's
    /// server is alone on its file: nothing to do (the default).
    fn send_signal(&self, _body: &str) -> Result<(), StorageError> {
        Ok(())
    }
    /// The signals the other servers of the database sent ([`Storage::send_signal`]), in the
    /// order each sent them; never this server's own. `None` (the default) when it is alone.
    fn signals(&self) -> Option<tokio::sync::broadcast::Receiver<std::sync::Arc<str>>> {
        None
    }
    /// Issue 17: `specialist` has live sessions on this server (`live`), or no longer has any,
    /// for the other servers' [`Storage::present_elsewhere`]. A server that dies drops its
    /// holds with it (PostgreSQL: shared advisory locks of a connection of its own). Returns at
    /// once; the default (SQLite, alone) keeps nothing.
    fn hold_presence(&self, _specialist: u64, _live: bool) {}
    /// Whether another server of the database holds `specialist`'s presence (a live session
    /// there): the grace rule then leaves their status alone. `false` (the default) when alone.
    fn present_elsewhere(&self, _specialist: u64) -> Result<bool, StorageError> {
        Ok(false)
    }
    /// T2: a new ticket queue of a line; returns its id.
    fn add_ticket_queue(&self, line: u64, name: &str) -> Result<u64, StorageError>;
    /// T2: rename queue `queue` of `line` (`TicketQueueNamed` again); `false`: no such queue.
    /// A name another queue of the line has: `Exists`.
    fn rename_ticket_queue(&self, line: u64, queue: u64, name: &str) -> Result<bool, StorageError>;
    /// T4: disputes of `queue`'s closed tickets go to line `dispute` (`None`: nowhere); `false`
    /// when `line` has no such queue. Another line that exists, never the queue's own.
    fn set_queue_dispute_line(
        &self,
        line: u64,
        queue: u64,
        dispute: Option<u64>,
    ) -> Result<bool, StorageError>;
    /// T4: where disputes of `queue`'s closed tickets go.
    fn queue_dispute_line(&self, queue: u64) -> Result<Option<u64>, StorageError>;
    /// The line's ticket queues (id, name), the default one first.
    fn ticket_queues(&self, line: u64) -> Result<Vec<(u64, String)>, StorageError>;
    /// Replace the line's quick replies with `replies` (in order), in one transaction.
    fn set_quick_replies(&self, line: u64, replies: &[QuickReply]) -> Result<(), StorageError>;
    fn quick_replies(&self, line: u64) -> Result<Vec<QuickReply>, StorageError>;
    /// A4/A5: replace the line's closing settings (auto-finish minutes, closing phrases),
    /// checked with [`crate::line_settings::check`] first.
    fn set_closing_settings(
        &self,
        line: u64,
        settings: &linedesk_line::ClosingSettings,
    ) -> Result<(), StorageError>;
    /// The line's closing settings (the defaults when none were set).
    fn closing_settings(&self, line: u64) -> Result<linedesk_line::ClosingSettings, StorageError>;
    /// Replace the line's knowledge base with `articles`, in one transaction.
    fn import_kb(&self, line: u64, articles: &[KbArticle]) -> Result<(), StorageError>;
    /// Articles of `line` whose title or body has every word of `query` (as a word prefix,
    /// any case), best first; all articles by title when `query` has no words.
    fn search_kb(&self, line: u64, query: &str, limit: u32)
    -> Result<Vec<KbArticle>, StorageError>;
    /// A call by id (V1), for relaying its signalling between its parties.
    fn call(&self, call: u64) -> Result<Option<CallRecord>, StorageError>;
    /// V1: keep the recording of `call` (an Ogg Opus file of `duration_ms`) uploaded by
    /// `actor`, who must be the call's specialist, and attach it to the call's appeal with
    /// `Event::CallRecorded` (with where it was paused, `gaps`). The same bytes again are a
    /// duplicate; other bytes a conflict.
    fn save_recording(
        &self,
        actor: Subject,
        call: u64,
        ogg: &[u8],
        duration_ms: u64,
        gaps: &[linedesk_protocol::RecordingGap],
        now_ms: i64,
    ) -> Result<RecordingSaved, StorageError>;
    /// The call and its recording (`None` before the upload); `None` for no such call.
    fn recording(&self, call: u64) -> Result<Option<CallRecording>, StorageError>;
    /// Each party's `CallStats` of `call`, the specialist's first.
    fn call_stats(
        &self,
        call: u64,
    ) -> Result<Vec<(Role, linedesk_protocol::CallQuality)>, StorageError>;
    /// A remote session by id (V2), for relaying its signalling between its parties.
    fn remote_session(&self, session: u64) -> Result<Option<RemoteRecord>, StorageError>;
    /// V2: every session password attempt for `client` as (specialist, at, outcome code),
    /// oldest first: the audit of who tried to get in.
    fn remote_password_attempts(
        &self,
        client: u64,
    ) -> Result<Vec<(u64, i64, String)>, StorageError>;
    // --- Workstation (issue 6): files and KB drafts. ---
    /// A1: keep a file of a chat and append `Event::FileShared` (returned for the hub): a
    /// specialist's to `to` = (line, client), a client's (`to: None`) to their own line, where
    /// it opens an appeal when none is open. An upload with a `key` seen before from the same
    /// uploader answers that file again (`duplicate`) and appends nothing. Not confirmed
    /// past a colleague's hold (C9): [`Storage::share_upload`].
    fn share_file(
        &self,
        actor: Subject,
        to: Option<(u64, u64)>,
        name: &str,
        bytes: &[u8],
        key: Option<&str>,
        now_ms: i64,
    ) -> Result<(linedesk_protocol::SharedFile, Vec<StoredEvent>), StorageError> {
        let upload = linedesk_line::Upload {
            to,
            name,
            bytes,
            key,
            confirmed: false,
        };
        self.share_upload(actor, &upload, now_ms)
    }
    /// [`Storage::share_file`] as the wire gave it, with C9's confirmation: a specialist's
    /// file into an appeal a colleague holds is refused (`appeal.held_by_colleague`) unless
    /// `upload.confirmed`.
    fn share_upload(
        &self,
        actor: Subject,
        upload: &linedesk_line::Upload<'_>,
        now_ms: i64,
    ) -> Result<(linedesk_protocol::SharedFile, Vec<StoredEvent>), StorageError>;
    /// A file by id with its bytes; `None` for no such file.
    fn file(&self, file: u64) -> Result<Option<StoredFile>, StorageError>;
    /// W1: the specialist's avatar (`None`: remove it), checked by the line's rules, then
    /// `SpecialistProfiled` on every line they serve.
    fn set_avatar(
        &self,
        actor: Subject,
        bytes: Option<&[u8]>,
        now_ms: i64,
    ) -> Result<Vec<StoredEvent>, StorageError>;
    /// W1: a specialist's name, position and avatar version; `None`: no such specialist.
    fn specialist_profile(
        &self,
        specialist: u64,
    ) -> Result<Option<linedesk_line::profile::SpecialistProfile>, StorageError>;
    /// W1: a specialist's avatar with its type; `None`: none set.
    fn specialist_avatar(
        &self,
        specialist: u64,
    ) -> Result<Option<(Vec<u8>, linedesk_line::profile::ImageType)>, StorageError>;
    /// C8: a specialist's reply kept as a draft KB article of a line they serve; its id.
    fn save_kb_draft(
        &self,
        actor: Subject,
        line: u64,
        subject: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<u64, StorageError>;
    /// The line's KB drafts, oldest first.
    fn kb_drafts(&self, line: u64) -> Result<Vec<linedesk_protocol::KbDraft>, StorageError>;
    // --- The web widget (issue 13; SQLite side in sqlite/guest_repo.rs). ---
    /// K1: a guest of `sign_in.line` by the line's rules (`linedesk_line::register_guest`):
    /// a client with a card marked guest and no password, announced with `ClientUpserted`,
    /// and their token (`token_hash` until `expires_ms`) kept in the same transaction. The
    /// guest and the events for the hub. Whether the line takes guests is the caller's check.
    fn add_guest(
        &self,
        sign_in: &linedesk_protocol::GuestSignIn,
        token_hash: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(Subject, Vec<StoredEvent>), StorageError>;
    /// Whether `client` signed in as a guest (K1).
    fn is_guest(&self, client: u64) -> Result<bool, StorageError>;
    // --- W3: the staff line (issue 16; SQLite side in sqlite/staff_help.rs). ---
    /// Mark `line` as the staff line, where specialists ask for help as its clients (`None`:
    /// no staff line); `false` when there is no such line.
    fn set_staff_line(&self, line: Option<u64>) -> Result<bool, StorageError>;
    /// The staff line, if one is set.
    fn staff_line(&self) -> Result<Option<u64>, StorageError>;
    /// `specialist`'s client identity on the staff line by the line's rules
    /// (`linedesk_line::staff_client_for`: the one linked to them, or a new one announced with
    /// `ClientUpserted`) and a token for it (`token_hash` until `expires_ms`), in one
    /// transaction. Refused (`Invalid`) when no staff line is set.
    fn staff_client_token(
        &self,
        specialist: u64,
        token_hash: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(StaffHelp, Vec<StoredEvent>), StorageError>;
    /// C8: article `article` of `line`'s knowledge base; `None` when the line has no such one.
    fn kb_article(&self, line: u64, article: u64) -> Result<Option<KbArticle>, StorageError>;
    /// Events of `line` with `seq > after`, in order, at most `limit`.
    fn events_after(
        &self,
        line: u64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError>;
    // --- Account administration (issue 12; SQLite side in sqlite/account_admin.rs). ---
    /// Disable (or enable) `login`'s account. Disabling revokes every token of the account
    /// (noted for the live sessions); a disabled account gets no new token
    /// ([`Storage::issue_token`]). The account, or `None` for no such login.
    fn set_account_disabled(
        &self,
        login: &str,
        disabled: bool,
        now_ms: i64,
    ) -> Result<Option<Subject>, StorageError>;
    /// A new password for `login`'s account; every token of the old one is revoked.
    fn reset_password(
        &self,
        login: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<Option<Subject>, StorageError>;
    /// Keep a login's new token, unless the account is disabled (then `false`, nothing kept).
    fn issue_token(
        &self,
        token_hash: &str,
        subject: Subject,
        expires_ms: i64,
    ) -> Result<bool, StorageError>;
    /// The revocation log says `specialist` was taken off `line`: if this server's routing
    /// still has them (another process, the CLI, did it), rebuild the line's routing from
    /// what is stored. `true` when it was rebuilt.
    fn resync_team(&self, line: u64, specialist: u64) -> Result<bool, StorageError>;
    /// `specialist` no longer serves `line`: the appeals they hold there go to colleagues or
    /// the queue (the events returned for the hub) and [`Revoked::Line`] is noted.
    fn remove_from_line(
        &self,
        specialist: u64,
        line: u64,
        now_ms: i64,
    ) -> Result<Vec<StoredEvent>, StorageError>;
    // --- Blob downloads (issue 12; SQLite side in sqlite/blobs.rs). ---
    /// A blob's owner and size, without its bytes; `None` for no such file or call.
    fn blob_meta(&self, blob: BlobId) -> Result<Option<BlobMeta>, StorageError>;
    /// Up to `len` bytes of a blob from `offset` (empty past its end), read without holding
    /// the writers' lock, so a download is streamed in chunks.
    fn blob_chunk(&self, blob: BlobId, offset: u64, len: usize) -> Result<Vec<u8>, StorageError>;
    // --- R1: the supervisor's reports (issue 15). ---
    /// Make `specialist` a supervisor of `line` or not; false when they do not serve it.
    fn set_supervisor(
        &self,
        specialist: u64,
        line: u64,
        supervisor: bool,
    ) -> Result<bool, StorageError>;
    /// `None` when `specialist` does not serve `line`, else whether they supervise it.
    fn line_role(&self, specialist: u64, line: u64) -> Result<Option<bool>, StorageError>;
    /// The lines `specialist` serves, each with whether they supervise it.
    fn report_lines(
        &self,
        specialist: u64,
    ) -> Result<Vec<linedesk_protocol::reports::ReportLine>, StorageError>;
    /// S6 over `line`'s appeals opened in the query's period (scoped already:
    /// `linedesk_line::reports::scope`), evaluated at `now_ms`.
    fn sla_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
        now_ms: i64,
    ) -> Result<linedesk_protocol::reports::SlaReport, StorageError>;
    /// A6 over `line`'s finished appeals of the period.
    fn operator_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
    ) -> Result<linedesk_protocol::reports::OperatorReport, StorageError>;
    /// `line`'s calls placed in the period, with their quality.
    fn call_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
    ) -> Result<linedesk_protocol::reports::CallReport, StorageError>;
    /// `line` now: presence and load of its specialists, its queue.
    fn monitor(
        &self,
        line: u64,
        now_ms: i64,
    ) -> Result<linedesk_protocol::reports::MonitorReport, StorageError>;
    // --- Line administration in the app (issue 15, item 4; sqlite/line_admin.rs). ---
    /// Make `specialist` an admin of `line` or not; false when they do not serve it.
    fn set_line_admin(&self, specialist: u64, line: u64, admin: bool)
    -> Result<bool, StorageError>;
    /// `None` when `specialist` does not serve `line`, else whether they administer it.
    fn line_admin_role(&self, specialist: u64, line: u64) -> Result<Option<bool>, StorageError>;
    /// The lines `specialist` administers.
    fn admin_lines(
        &self,
        specialist: u64,
    ) -> Result<Vec<linedesk_protocol::line_admin::AdminLine>, StorageError>;
    /// C8: keep a file for `line`'s quick replies (`name` sanitized already); its id, name
    /// and size.
    fn add_quick_reply_file(
        &self,
        line: u64,
        name: &str,
        bytes: &[u8],
        now_ms: i64,
    ) -> Result<QuickReplyFile, StorageError>;
    /// A quick reply's file of `line`: its name and bytes; `None` when the line has no such.
    fn quick_reply_file(
        &self,
        line: u64,
        file: u64,
    ) -> Result<Option<(String, Vec<u8>)>, StorageError>;
    /// C8: a new KB article of `line`; its id. A title the line has already: `Exists`.
    fn add_kb_article(&self, line: u64, title: &str, body: &str) -> Result<u64, StorageError>;
    /// Rewrite article `article` of `line`; false when the line has no such article.
    fn update_kb_article(
        &self,
        line: u64,
        article: u64,
        title: &str,
        body: &str,
    ) -> Result<bool, StorageError>;
    /// Delete article `article` of `line`; false when the line has no such article.
    fn delete_kb_article(&self, line: u64, article: u64) -> Result<bool, StorageError>;
    /// A2 and the roles of each specialist of `line`.
    fn team(
        &self,
        line: u64,
    ) -> Result<Vec<linedesk_protocol::line_admin::TeamMember>, StorageError>;
    /// Set `specialist`'s priority, limit and roles on `line` (checked by
    /// `linedesk_line::line_admin::team::check` first); routing uses the new priority and limit
    /// at once. False when they do not serve the line.
    fn set_team_member(
        &self,
        line: u64,
        specialist: u64,
        settings: &linedesk_protocol::line_admin::TeamSettings,
    ) -> Result<bool, StorageError>;
    /// C5: a new client of `line` with the whole card (checked by
    /// `linedesk_line::line_admin::clients::card_of` first); its id. A 1C-Connect ID the line
    /// has already: `Exists`.
    fn add_client_card(&self, line: u64, card: &StoredClient) -> Result<u64, StorageError>;
    /// C5: rewrite the card of `client` of `line`; false when the line has no such client.
    fn update_client_card(
        &self,
        line: u64,
        client: u64,
        card: &StoredClient,
    ) -> Result<bool, StorageError>;
    /// The SLA of `appeal` of `line` explained at `now_ms` (issue 15); `None` when the line has
    /// no such appeal or it has no SLA timer.
    fn appeal_sla(
        &self,
        line: u64,
        appeal: u64,
        now_ms: i64,
    ) -> Result<Option<linedesk_protocol::sla_explain::AppealSla>, StorageError>;
    // --- Copying a server to another backend (issue 17, `migrate`; `crate::transfer`). ---
    /// The first of [`crate::transfer::TABLES`] holding a row; `None`: the database is empty.
    fn first_table_with_rows(&self) -> Result<Option<String>, StorageError>;
    /// Every row of `table` (one of [`crate::transfer::TABLES`]) as stored, given to `sink`
    /// with the table's columns; what the backend keeps outside its tables travels as the
    /// column the other backend keeps it in (`call_recordings.ogg`).
    fn export_table(&self, table: &str, sink: RowSink<'_>) -> Result<(), StorageError>;
    /// Write `rows` of `table` as they are (ids included) in one transaction; a column this
    /// backend does not keep is refused unless it is one of
    /// [`crate::transfer::LOCAL_COLUMNS`] (left out).
    fn import_rows(
        &self,
        table: &str,
        columns: &[String],
        rows: &[Vec<Cell>],
    ) -> Result<(), StorageError>;
    /// After an import: new ids follow the ones written, and the routing is rebuilt from the
    /// rows.
    fn finish_import(&self) -> Result<(), StorageError>;
    /// Issue 17: the shared login throttle's states of `keys` (`crate::shared_throttle::keys`;
    /// a key not kept starts empty), given to `change` in one transaction that other servers'
    /// changes of the same keys wait for, and kept when `change` says it changed them (with
    /// `now_ms` as when they were seen; states seen before `forget_before_ms` are forgotten).
    fn update_login_throttle(
        &self,
        keys: &[String],
        now_ms: i64,
        forget_before_ms: i64,
        change: &mut dyn FnMut(&mut [ThrottleState]) -> bool,
    ) -> Result<(), StorageError>;
}

/// W3: a specialist's client identity on the staff line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffHelp {
    pub line: u64,
    pub client: u64,
}
