//! The default storage: one SQLite file in the data dir, WAL with `synchronous = FULL`, so a
//! committed write survives a kill -9 or a power cut before it is acknowledged.
//!
//! The connection and the routing state of every line (a `linedesk-domain` `Dispatcher`) sit
//! behind one lock: an action changes a copy of the dispatcher, writes the outcome in one
//! transaction, and only then replaces the dispatcher, so the two never disagree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use linedesk_domain::ids::SpecialistId;
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::{Dispatcher, Specialist};
use linedesk_protocol::{Action, Event, RemoteMode, Role};
use rusqlite::{Connection, OptionalExtension, params};

use linedesk_domain::sla::LevelSet;

use crate::app::now_ms;
use crate::remote_password::{self, Policy};
use crate::storage::{
    Account, Applied, KbArticle, LineInfo, QuickReply, RepoError, Revocation, Storage,
    StorageError, StoredClient, StoredEvent, Subject, Then, TokenOwner,
};
use crate::storage::{CallRecording, RecordingSaved};
use crate::transfer::{Cell, RowSink};
use accounts::role_code;
use call_repo::RecordingFiles;
use line_repo::SqliteRepo;
use linedesk_line::Gate;
use linedesk_line::remote_password::Reservation;
use linedesk_line::tickets::DEFAULT_TICKET_QUEUE;

mod account_admin;
pub(crate) mod accounts;
mod appeal_type_repo;
pub mod backup;
pub(crate) mod batch;
mod blobs;
pub(crate) mod call_repo;
mod carried;
mod closing_repo;
pub(crate) mod file_repo;
mod group_repo;
mod guest_repo;
mod kb_draft_repo;
mod knowledge;
mod line_admin;
pub(crate) mod line_repo;
mod login_throttle;
pub mod migrations;
mod profile_repo;
mod reader;
pub(crate) mod remote_repo;
mod report_people;
pub(crate) mod reports;
mod sla_repo;
mod staff_help;
pub(crate) mod ticket_repo;
mod transfer;

impl From<rusqlite::Error> for StorageError {
    fn from(err: rusqlite::Error) -> StorageError {
        StorageError::Backend(line_repo::db(err))
    }
}

/// Append `event` to the log of `line` (the next sequence number) inside `tx`.
pub(crate) fn append_event(
    tx: &rusqlite::Connection,
    line: u64,
    event: Event,
    now_ms: i64,
) -> Result<StoredEvent, StorageError> {
    let seq = line_repo::append(tx, line, &event, now_ms)?;
    Ok(StoredEvent {
        line,
        seq,
        at_ms: now_ms,
        event,
    })
}

/// C8: a change of `line`'s knowledge base in one transaction with its `ReferenceChanged`
/// (when `change` says it changed something), so every app of the line fetches it again.
fn kb_changed<T>(
    storage: &SqliteStorage,
    line: u64,
    change: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(T, bool), StorageError>,
) -> Result<T, StorageError> {
    let mut inner = storage.inner();
    let tx = inner.conn.transaction()?;
    let (value, changed) = change(&tx)?;
    if changed {
        knowledge::changed(
            &tx,
            line,
            linedesk_protocol::ReferencePart::KnowledgeBase,
            now_ms(),
        )?;
    }
    tx.commit()?;
    Ok(value)
}

pub(crate) struct Inner {
    pub conn: Connection,
    pub routing: HashMap<u64, Dispatcher>,
}

/// The thread of group commit: actions queue here; it takes every queued one (up to
/// [`MAX_BATCH`]) and runs them as one batch (one transaction, one fsync), answering each
/// caller after the COMMIT. Each caller sleeps on its own answer, woken once.
struct Committer {
    queue: Option<std::sync::mpsc::Sender<batch::Pending>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Actions in one transaction at most: a batch's callers all wait for its COMMIT.
const MAX_BATCH: usize = 1024;

/// Prepared statements the writing connection keeps.
const STATEMENTS_KEPT: usize = 256;

impl Committer {
    fn start(inner: Arc<Mutex<Inner>>) -> Result<Committer, StorageError> {
        let (queue, queued) = std::sync::mpsc::channel::<batch::Pending>();
        let thread = std::thread::Builder::new()
            .name("linedesk-commit".into())
            .spawn(move || {
                while let Ok(first) = queued.recv() {
                    let mut actions = vec![first];
                    actions.extend(queued.try_iter().take(MAX_BATCH - 1));
                    let mut inner = inner
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    batch::run_batch(&mut inner, actions);
                }
            })?;
        Ok(Committer {
            queue: Some(queue),
            thread: Some(thread),
        })
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        // The thread finishes what is queued, then ends; the connection closes with it.
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An action that must settle a remote session password before its transaction (see
/// [`SqliteStorage::gate`]): everything else goes to the committer as it is.
fn needs_gate(actor: Subject, action: &Action) -> bool {
    match action {
        Action::SetRemotePassword { .. } => true,
        Action::RequestRemoteSession {
            mode: RemoteMode::ByPassword,
            ..
        } => actor.role == Role::Specialist,
        _ => false,
    }
}

fn batch_lost() -> StorageError {
    StorageError::Backend(RepoError::new(
        "batch.lost",
        "the batch of this action failed before its answer",
    ))
}

pub struct SqliteStorage {
    inner: Arc<Mutex<Inner>>,
    committer: Committer,
    /// Replays read beside the writer (`None` in memory, where only one connection sees the
    /// data).
    readers: Option<reader::Readers>,
    /// V2: the throttle of session passwords and their lifetime.
    remote_policy: Policy,
    /// Call recordings: `recordings/` beside the database file.
    files: RecordingFiles,
}

pub(crate) fn id(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

pub(crate) fn sql_id(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The specialists of a line as routing sees them (presence Offline until set).
pub(crate) fn line_team(conn: &Connection, line: u64) -> Result<Vec<Specialist>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT ls.specialist_id, COALESCE(p.status, 'offline'), ls.priority, ls.max_load
         FROM line_specialists ls LEFT JOIN presence p ON p.specialist_id = ls.specialist_id
         WHERE ls.line_id = ?1",
    )?;
    let rows = stmt
        .query_map([sql_id(line)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(|(sid, status, priority, limit)| Specialist {
            id: SpecialistId(id(sid)),
            presence: PresenceStatus::from_code(&status).unwrap_or(PresenceStatus::Offline),
            priority: u8::try_from(priority).unwrap_or(u8::MAX),
            limit: u32::try_from(limit).unwrap_or(0),
            load: 0,
        })
        .collect())
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let recordings = path
            .parent()
            .map_or_else(|| PathBuf::from("recordings"), |d| d.join("recordings"));
        let mut storage =
            SqliteStorage::prepare(Connection::open(path)?, RecordingFiles::Dir(recordings))?;
        storage.readers = Some(reader::Readers::new(path));
        Ok(storage)
    }

    pub fn open_in_memory() -> Result<SqliteStorage, StorageError> {
        SqliteStorage::prepare(
            Connection::open_in_memory()?,
            RecordingFiles::Memory(Mutex::default()),
        )
    }

    fn prepare(mut conn: Connection, files: RecordingFiles) -> Result<SqliteStorage, StorageError> {
        migrations::check(&conn)?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        // temp_store: the savepoint of every action of a batch journals the pages it changes
        // in a sub-journal, a temporary file (on the system's disk, not the database's) once
        // it outgrows 64 KiB; in memory it is emptied at each savepoint's release. It holds
        // nothing durable: the WAL and its fsync at COMMIT are unchanged.
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;
             PRAGMA temp_store = MEMORY;",
        )?;
        // Every statement of the actions' rules stays prepared (rusqlite keeps 16 by default,
        // fewer than one client message uses with its appeal's bookkeeping).
        conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
        migrations::migrate(&mut conn, now_ms())?;
        reports::fill_outcomes(&mut conn)?;
        let routing = linedesk_line::rebuild_routing(&mut SqliteRepo { tx: &conn })?;
        let inner = Arc::new(Mutex::new(Inner { conn, routing }));
        Ok(SqliteStorage {
            committer: Committer::start(inner.clone())?,
            inner,
            readers: None,
            remote_policy: Policy::default(),
            files,
        })
    }

    /// V2: session passwords expire `ttl` after they were set (default 12 h).
    pub fn with_remote_password_ttl(mut self, ttl: std::time::Duration) -> SqliteStorage {
        self.remote_policy.password_ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// Settle a remote session password before the action's transaction, without holding the
    /// lock while argon2 runs: hash a new one, or check (throttle, then hash) and log an
    /// attempt. A refused attempt is logged and ends the action here.
    fn gate(
        &self,
        actor: Subject,
        key: &str,
        action: &Action,
        now_ms: i64,
    ) -> Result<Gate, StorageError> {
        if !needs_gate(actor, action) {
            return Ok(Gate::Open);
        }
        match action {
            Action::SetRemotePassword { password } => Ok(Gate::NewHash(
                password
                    .as_deref()
                    .map(remote_password::hash_new)
                    .transpose()?,
            )),
            Action::RequestRemoteSession {
                line,
                client,
                mode: RemoteMode::ByPassword,
                password,
            } if actor.role == Role::Specialist => {
                let policy = self.remote_policy;
                let asked = (actor.id, *line, *client);
                // Check and reserve the attempt under the lock (each statement commits on
                // its own): it counts against the limit before argon2 runs, so parallel
                // guesses cannot all be verified.
                let reservation = {
                    let inner = self.inner();
                    let mut repo = SqliteRepo { tx: &inner.conn };
                    linedesk_line::remote_password::reserve(&mut repo, asked, key, now_ms, policy)?
                };
                let (hash, attempt) = match reservation {
                    Reservation::Duplicate => return Ok(Gate::Open),
                    Reservation::Refused(outcome, err) => {
                        remote_password::log(actor.id, *client, outcome);
                        return Err(err.into());
                    }
                    Reservation::Verify { hash, attempt } => (hash, attempt),
                };
                let given = password.as_deref().unwrap_or_default();
                let matched = crate::auth::verify_password(given, &hash);
                let outcome = {
                    let inner = self.inner();
                    let mut repo = SqliteRepo { tx: &inner.conn };
                    linedesk_line::remote_password::settle(&mut repo, attempt, matched)?
                };
                remote_password::log(actor.id, *client, outcome);
                if matched {
                    Ok(Gate::PasswordMatched)
                } else {
                    Err(StorageError::WrongPassword)
                }
            }
            _ => Ok(Gate::Open),
        }
    }

    /// Group commit: the committer thread applies every action queued by then in one
    /// transaction and calls each one's `then` after the COMMIT. `then` back when the
    /// committer is gone.
    fn queue(
        &self,
        actor: Subject,
        key: &str,
        action: &Action,
        now_ms: i64,
        gate: Gate,
        then: Then,
    ) -> Result<(), Then> {
        let Some(queue) = self.committer.queue.as_ref() else {
            return Err(then);
        };
        queue
            .send(batch::Pending {
                actor,
                key: key.to_string(),
                action: action.clone(),
                now_ms,
                gate,
                then,
            })
            .map_err(|refused| refused.0.then)
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back) and the dispatchers are only replaced after a commit, so the state stays usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn exists(what: &'static str, name: &str, err: rusqlite::Error) -> StorageError {
    match err {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StorageError::Exists {
                what,
                name: name.to_string(),
            }
        }
        other => other.into(),
    }
}

const CLIENT_COLUMNS: &str = "name, connect_id, email, phone, company, inn, company_reg, \
    its_contract, support_params, position, department, region, birth_date, vip, work_status, \
    responsible, guest";

fn client_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<StoredClient> {
    let responsible: String = r.get(at + 15)?;
    Ok(StoredClient {
        name: r.get(at)?,
        connect_id: r.get(at + 1)?,
        email: r.get(at + 2)?,
        phone: r.get(at + 3)?,
        company: r.get(at + 4)?,
        inn: r.get(at + 5)?,
        company_reg: r.get(at + 6)?,
        its_contract: r.get(at + 7)?,
        support_params: r.get(at + 8)?,
        position: r.get(at + 9)?,
        department: r.get(at + 10)?,
        region: r.get(at + 11)?,
        birth_date: r.get(at + 12)?,
        vip: r.get(at + 13)?,
        work_status: r.get(at + 14)?,
        responsible: serde_json::from_str(&responsible).unwrap_or_default(),
        guest: r.get(at + 16)?,
    })
}

/// Insert a client and announce them on the line's log. `Ok(Err(()))`: a constraint refused
/// the row (a 1C-Connect ID already on the line, or no such line).
fn insert_client(
    tx: &rusqlite::Connection,
    line: u64,
    c: &StoredClient,
) -> Result<Result<u64, ()>, StorageError> {
    let responsible = serde_json::to_string(&c.responsible).unwrap_or_else(|_| "[]".into());
    let inserted = tx.execute(
        &format!(
            "INSERT INTO clients (line_id, {CLIENT_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
        ),
        params![
            sql_id(line),
            c.name,
            c.connect_id,
            c.email,
            c.phone,
            c.company,
            c.inn,
            c.company_reg,
            c.its_contract,
            c.support_params,
            c.position,
            c.department,
            c.region,
            c.birth_date,
            c.vip,
            c.work_status,
            responsible,
            c.guest
        ],
    );
    match inserted {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            return Ok(Err(()));
        }
        Err(other) => return Err(other.into()),
    }
    let client = id(tx.last_insert_rowid());
    append_event(
        tx,
        line,
        Event::ClientUpserted {
            client,
            profile: Box::new(c.clone()),
        },
        now_ms(),
    )?;
    Ok(Ok(client))
}

impl Storage for SqliteStorage {
    fn add_line(&self, name: &str) -> Result<u64, StorageError> {
        let mut inner = self.inner();
        let tx = inner.conn.transaction()?;
        tx.execute("INSERT INTO lines (name) VALUES (?1)", [name])
            .map_err(|e| exists("line", name, e))?;
        let line = id(tx.last_insert_rowid());
        append_event(
            &tx,
            line,
            Event::LineNamed {
                name: name.to_string(),
            },
            now_ms(),
        )?;
        ticket_repo::add_queue(&tx, line, DEFAULT_TICKET_QUEUE, now_ms())?;
        tx.commit()?;
        inner.routing.insert(line, Dispatcher::default());
        Ok(line)
    }

    fn add_client(&self, line: u64, name: &str) -> Result<u64, StorageError> {
        let mut inner = self.inner();
        let tx = inner.conn.transaction()?;
        let client = StoredClient {
            name: name.to_string(),
            ..StoredClient::default()
        };
        let id = insert_client(&tx, line, &client)?
            .map_err(|_| StorageError::Invalid(format!("no line {line}")))?;
        tx.commit()?;
        Ok(id)
    }

    fn set_password(&self, login: &str, password_hash: &str) -> Result<(), StorageError> {
        let inner = self.inner();
        let changed = inner.conn.execute(
            "UPDATE specialists SET password_hash = ?2 WHERE login = ?1",
            params![login, password_hash],
        )? + inner.conn.execute(
            "UPDATE clients SET password_hash = ?2 WHERE login = ?1",
            params![login, password_hash],
        )?;
        if changed == 0 {
            return Err(StorageError::Invalid(format!("no account {login:?}")));
        }
        Ok(())
    }

    fn clients_of(&self, line: u64) -> Result<Vec<(u64, StoredClient)>, StorageError> {
        let inner = self.inner();
        let mut stmt = inner.conn.prepare_cached(&format!(
            "SELECT id, {CLIENT_COLUMNS} FROM clients WHERE line_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([sql_id(line)], |r| Ok((id(r.get(0)?), client_row(r, 1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn add_specialist(
        &self,
        login: &str,
        password_hash: &str,
        name: &str,
    ) -> Result<u64, StorageError> {
        let inner = self.inner();
        accounts::ensure_login_free(&inner.conn, login)?;
        inner
            .conn
            .execute(
                "INSERT INTO specialists (login, password_hash, name) VALUES (?1, ?2, ?3)",
                params![login, password_hash, name],
            )
            .map_err(|e| exists("specialist", login, e))?;
        Ok(id(inner.conn.last_insert_rowid()))
    }

    fn serve_line(
        &self,
        specialist: u64,
        line: u64,
        priority: u8,
        limit: u32,
    ) -> Result<(), StorageError> {
        let mut inner = self.inner();
        let tx = inner.conn.transaction()?;
        tx.execute(
            "INSERT INTO line_specialists (line_id, specialist_id, priority, max_load) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (line_id, specialist_id) DO UPDATE SET priority = ?3, max_load = ?4",
            params![sql_id(line), sql_id(specialist), priority, limit],
        )
        .map_err(|_| StorageError::Invalid(format!("no line {line} or specialist {specialist}")))?;
        // Colleagues learn who serves the line (A3: whom to transfer to).
        let name: String = tx.query_row(
            "SELECT name FROM specialists WHERE id = ?1",
            [sql_id(specialist)],
            |r| r.get(0),
        )?;
        let now = now_ms();
        append_event(&tx, line, Event::SpecialistServes { specialist, name }, now)?;
        // W1: a profile set before joining reaches this line too.
        if let Some(profiled) = profile_repo::profile(&tx, specialist)?
            .and_then(|p| linedesk_line::profile::on_joining(specialist, &p))
        {
            append_event(&tx, line, profiled, now)?;
        }
        tx.commit()?;
        let team = line_team(&inner.conn, line)?;
        let dispatcher = inner.routing.entry(line).or_default();
        for s in team
            .into_iter()
            .filter(|s| s.id == SpecialistId(specialist))
        {
            dispatcher.add_specialist(s);
        }
        Ok(())
    }

    fn set_client_login(
        &self,
        client: u64,
        login: &str,
        password_hash: &str,
    ) -> Result<(), StorageError> {
        let inner = self.inner();
        let current: Option<String> = inner
            .conn
            .query_row(
                "SELECT login FROM clients WHERE id = ?1",
                [sql_id(client)],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        if current.as_deref() != Some(login) {
            accounts::ensure_login_free(&inner.conn, login)?;
        }
        let changed = inner
            .conn
            .execute(
                "UPDATE clients SET login = ?2, password_hash = ?3 WHERE id = ?1",
                params![sql_id(client), login, password_hash],
            )
            .map_err(|e| exists("login", login, e))?;
        if changed == 0 {
            return Err(StorageError::Invalid(format!("no client {client}")));
        }
        Ok(())
    }

    fn add_admin(&self, login: &str, password_hash: &str) -> Result<u64, StorageError> {
        accounts::add_admin(&self.inner().conn, login, password_hash)
    }

    fn lines(&self) -> Result<Vec<LineInfo>, StorageError> {
        accounts::lines(&self.inner().conn)
    }

    fn account_by_login(&self, login: &str) -> Result<Option<Account>, StorageError> {
        accounts::account(&self.inner().conn, login)
    }

    fn lines_of(&self, subject: Subject) -> Result<Vec<u64>, StorageError> {
        let inner = self.inner();
        let sql = match subject.role {
            Role::Specialist => {
                "SELECT line_id FROM line_specialists WHERE specialist_id = ?1 ORDER BY line_id"
            }
            Role::Client => "SELECT line_id FROM clients WHERE id = ?1",
            Role::Admin => return Ok(Vec::new()),
        };
        let mut stmt = inner.conn.prepare_cached(sql)?;
        let lines = stmt
            .query_map([sql_id(subject.id)], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.into_iter().map(id).collect())
    }

    fn save_token(
        &self,
        token_hash: &str,
        subject: Subject,
        expires_ms: i64,
    ) -> Result<(), StorageError> {
        self.inner().conn.execute(
            "INSERT INTO tokens (token_hash, role, subject_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                token_hash,
                role_code(subject.role),
                sql_id(subject.id),
                expires_ms
            ],
        )?;
        Ok(())
    }

    fn token_owner(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<TokenOwner>, StorageError> {
        accounts::token_owner(&self.inner().conn, token_hash, now_ms)
    }

    fn delete_expired_tokens(&self, now_ms: i64) -> Result<usize, StorageError> {
        accounts::delete_expired_tokens(&self.inner().conn, now_ms)
    }

    fn revoke_token(&self, token_hash: &str, now_ms: i64) -> Result<bool, StorageError> {
        accounts::revoke_token(&mut self.inner().conn, token_hash, now_ms)
    }

    fn revoke_login(
        &self,
        login: &str,
        now_ms: i64,
    ) -> Result<Option<(Subject, usize)>, StorageError> {
        accounts::revoke_login(&mut self.inner().conn, login, now_ms)
    }

    fn revocations_after(&self, after: u64) -> Result<Vec<Revocation>, StorageError> {
        accounts::revocations_after(&self.inner().conn, after)
    }

    fn last_revocation(&self) -> Result<u64, StorageError> {
        accounts::last_revocation(&self.inner().conn)
    }

    fn apply(
        &self,
        actor: Subject,
        key: &str,
        action: &Action,
        now_ms: i64,
    ) -> Result<Applied, StorageError> {
        let gate = self.gate(actor, key, action, now_ms)?;
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        let then: Then = Box::new(move |outcome| {
            let _ = reply.send(outcome);
        });
        if self.queue(actor, key, action, now_ms, gate, then).is_err() {
            return Err(batch_lost());
        }
        answer.recv().unwrap_or_else(|_| Err(batch_lost()))
    }

    fn apply_then(
        &self,
        actor: Subject,
        key: &str,
        action: &Action,
        now_ms: i64,
        then: Then,
    ) -> Result<(), Then> {
        if needs_gate(actor, action) {
            // Argon2 or a throttle read first: on the caller's (blocking) thread.
            return Err(then);
        }
        self.queue(actor, key, action, now_ms, Gate::Open, then)
    }

    fn remote_session(
        &self,
        session: u64,
    ) -> Result<Option<crate::storage::RemoteRecord>, StorageError> {
        Ok(remote_repo::load(&self.inner().conn, session)?)
    }

    fn remote_password_attempts(
        &self,
        client: u64,
    ) -> Result<Vec<(u64, i64, String)>, StorageError> {
        remote_repo::attempts(&self.inner().conn, client)
    }

    fn import_clients(
        &self,
        line: u64,
        clients: &[(usize, StoredClient)],
    ) -> Result<Vec<(usize, String)>, StorageError> {
        let mut inner = self.inner();
        let tx = inner.conn.transaction()?;
        let known: Option<i64> = tx
            .query_row("SELECT 1 FROM lines WHERE id = ?1", [sql_id(line)], |r| {
                r.get(0)
            })
            .optional()?;
        if known.is_none() {
            return Err(StorageError::Invalid(format!("no line {line}")));
        }
        let mut refused = Vec::new();
        for (row, c) in clients {
            if insert_client(&tx, line, c)?.is_err() {
                refused.push((
                    *row,
                    "a client with this ID is already on the line".to_string(),
                ));
            }
        }
        tx.commit()?;
        Ok(refused)
    }

    fn set_sla_levels(&self, line: u64, levels: &LevelSet) -> Result<(), StorageError> {
        sla_repo::set_levels(&mut self.inner().conn, line, levels)
    }

    fn sla_levels(&self, line: u64) -> Result<LevelSet, StorageError> {
        let inner = self.inner();
        Ok(linedesk_line::levels_of(
            &mut SqliteRepo { tx: &inner.conn },
            line,
        )?)
    }

    fn due_alerts(&self, now_ms: i64) -> Result<Vec<StoredEvent>, StorageError> {
        let ((), events) = batch::in_work(&mut self.inner(), now_ms, |w| {
            linedesk_line::fire_due_alerts(w)?;
            Ok(linedesk_line::fire_due_auto_finishes(w)?)
        })?;
        Ok(events)
    }

    fn lead_timers(&self) -> Result<bool, StorageError> {
        // One server per SQLite file: it always runs the timers.
        Ok(true)
    }

    fn update_login_throttle(
        &self,
        keys: &[String],
        now_ms: i64,
        forget_before_ms: i64,
        change: &mut dyn FnMut(&mut [crate::shared_throttle::ThrottleState]) -> bool,
    ) -> Result<(), StorageError> {
        login_throttle::update(
            &mut self.inner().conn,
            keys,
            now_ms,
            forget_before_ms,
            change,
        )
    }

    fn first_table_with_rows(&self) -> Result<Option<String>, StorageError> {
        transfer::first_table_with_rows(&self.inner().conn)
    }

    fn export_table(&self, table: &str, sink: RowSink<'_>) -> Result<(), StorageError> {
        transfer::export_table(&self.inner().conn, &self.files, table, sink)
    }

    fn import_rows(
        &self,
        table: &str,
        columns: &[String],
        rows: &[Vec<Cell>],
    ) -> Result<(), StorageError> {
        transfer::import_rows(&mut self.inner().conn, &self.files, table, columns, rows)
    }

    fn finish_import(&self) -> Result<(), StorageError> {
        let mut inner = self.inner();
        let routing = linedesk_line::rebuild_routing(&mut SqliteRepo { tx: &inner.conn })?;
        inner.routing = routing;
        Ok(())
    }

    fn end_unanswered(
        &self,
        now_ms: i64,
        timeouts: &linedesk_line::RingTimeouts,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let ((), events) = batch::in_work(&mut self.inner(), now_ms, |w| {
            Ok(linedesk_line::end_unanswered(w, timeouts)?)
        })?;
        Ok(events)
    }

    fn call(&self, call: u64) -> Result<Option<crate::storage::CallRecord>, StorageError> {
        Ok(call_repo::load(&self.inner().conn, call)?)
    }

    fn save_recording(
        &self,
        actor: Subject,
        call: u64,
        ogg: &[u8],
        duration_ms: u64,
        gaps: &[linedesk_protocol::RecordingGap],
        now_ms: i64,
    ) -> Result<RecordingSaved, StorageError> {
        call_repo::save_recording(
            &mut self.inner(),
            &self.files,
            actor,
            call,
            call_repo::Upload {
                ogg,
                duration_ms,
                gaps,
            },
            now_ms,
        )
    }

    fn recording(&self, call: u64) -> Result<Option<CallRecording>, StorageError> {
        call_repo::recording(&self.inner().conn, &self.files, call)
    }

    fn call_stats(
        &self,
        call: u64,
    ) -> Result<Vec<(Role, linedesk_protocol::CallQuality)>, StorageError> {
        call_repo::stats_of(&self.inner().conn, call)
    }

    fn add_ticket_queue(&self, line: u64, name: &str) -> Result<u64, StorageError> {
        let mut inner = self.inner();
        let tx = inner.conn.transaction()?;
        let queue = ticket_repo::add_queue(&tx, line, name, now_ms())?;
        tx.commit()?;
        Ok(queue)
    }

    fn rename_ticket_queue(&self, line: u64, queue: u64, name: &str) -> Result<bool, StorageError> {
        let mut inner = self.inner();
        let tx = inner.conn.transaction()?;
        let renamed = ticket_repo::rename_queue(&tx, line, queue, name, now_ms())?;
        tx.commit()?;
        Ok(renamed)
    }

    fn set_queue_dispute_line(
        &self,
        line: u64,
        queue: u64,
        dispute: Option<u64>,
    ) -> Result<bool, StorageError> {
        let known: Vec<u64> = self.lines()?.into_iter().map(|l| l.id).collect();
        let dispute = linedesk_line::tickets::check_dispute_line(line, dispute, &known)?;
        let inner = self.inner();
        let changed = inner.conn.execute(
            "UPDATE ticket_queues SET dispute_line = ?3 WHERE id = ?2 AND line_id = ?1",
            rusqlite::params![sql_id(line), sql_id(queue), dispute.map(sql_id)],
        )?;
        Ok(changed == 1)
    }

    fn queue_dispute_line(&self, queue: u64) -> Result<Option<u64>, StorageError> {
        let mut repo = SqliteRepo {
            tx: &self.inner().conn,
        };
        Ok(linedesk_line::TicketRepo::queue_dispute_line(
            &mut repo, queue,
        )?)
    }

    fn ticket_queues(&self, line: u64) -> Result<Vec<(u64, String)>, StorageError> {
        ticket_repo::queues(&self.inner().conn, line)
    }

    fn set_quick_replies(&self, line: u64, replies: &[QuickReply]) -> Result<(), StorageError> {
        knowledge::set_quick_replies(&mut self.inner().conn, line, replies, now_ms())
    }

    fn quick_replies(&self, line: u64) -> Result<Vec<QuickReply>, StorageError> {
        knowledge::quick_replies(&self.inner().conn, line)
    }

    fn set_closing_settings(
        &self,
        line: u64,
        settings: &linedesk_line::ClosingSettings,
    ) -> Result<(), StorageError> {
        crate::line_settings::check(settings)?;
        let mut inner = self.inner();
        knowledge::known_line(&inner.conn, line)?;
        // The change and its event in one transaction: live sessions (through the log's tail,
        // also when the CLI set it) and the apps (which replace their copy) learn it at once.
        batch::in_work(&mut inner, now_ms(), |w| {
            closing_repo::save(w.repo.tx, line, settings)?;
            let event = linedesk_protocol::Event::ClosingSettingsChanged {
                auto_finish_minutes: settings.auto_finish_minutes,
                closing_phrases: settings.closing_phrases.clone(),
            };
            w.append(line, event)?;
            // A5: the countdowns running on the line follow the new time.
            Ok(linedesk_line::settings_changed(w, line)?)
        })?;
        Ok(())
    }

    fn closing_settings(&self, line: u64) -> Result<linedesk_line::ClosingSettings, StorageError> {
        closing_repo::load(&self.inner().conn, line).map_err(StorageError::Backend)
    }

    fn import_kb(&self, line: u64, articles: &[KbArticle]) -> Result<(), StorageError> {
        knowledge::import_kb(&mut self.inner().conn, line, articles, now_ms())
    }

    fn search_kb(
        &self,
        line: u64,
        query: &str,
        limit: u32,
    ) -> Result<Vec<KbArticle>, StorageError> {
        knowledge::search_kb(&self.inner().conn, line, query, limit)
    }

    fn share_upload(
        &self,
        actor: Subject,
        upload: &linedesk_line::Upload<'_>,
        now_ms: i64,
    ) -> Result<(linedesk_protocol::SharedFile, Vec<StoredEvent>), StorageError> {
        let mut inner = self.inner();
        batch::in_work(&mut inner, now_ms, |w| {
            Ok(linedesk_line::share_file(w, actor, upload)?)
        })
    }

    fn file(&self, file: u64) -> Result<Option<crate::storage::StoredFile>, StorageError> {
        file_repo::load(&self.inner().conn, file)
    }

    fn set_avatar(
        &self,
        actor: Subject,
        bytes: Option<&[u8]>,
        now_ms: i64,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let mut inner = self.inner();
        let ((), events) = batch::in_work(&mut inner, now_ms, |w| {
            Ok(linedesk_line::profile::set_avatar(w, actor, bytes)?)
        })?;
        Ok(events)
    }

    fn specialist_profile(
        &self,
        specialist: u64,
    ) -> Result<Option<linedesk_line::profile::SpecialistProfile>, StorageError> {
        Ok(profile_repo::profile(&self.inner().conn, specialist)?)
    }

    fn specialist_avatar(
        &self,
        specialist: u64,
    ) -> Result<Option<(Vec<u8>, linedesk_line::profile::ImageType)>, StorageError> {
        Ok(profile_repo::avatar(&self.inner().conn, specialist)?)
    }

    fn save_kb_draft(
        &self,
        actor: Subject,
        line: u64,
        subject: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<u64, StorageError> {
        let mut repo = SqliteRepo {
            tx: &self.inner().conn,
        };
        Ok(linedesk_line::save_kb_draft(
            &mut repo, actor, line, subject, text, now_ms,
        )?)
    }

    fn kb_drafts(&self, line: u64) -> Result<Vec<linedesk_protocol::KbDraft>, StorageError> {
        kb_draft_repo::of_line(&self.inner().conn, line)
    }

    fn add_guest(
        &self,
        sign_in: &linedesk_protocol::GuestSignIn,
        token_hash: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(Subject, Vec<StoredEvent>), StorageError> {
        guest_repo::add_guest(&mut self.inner(), sign_in, token_hash, expires_ms, now_ms)
    }

    fn is_guest(&self, client: u64) -> Result<bool, StorageError> {
        guest_repo::is_guest(&self.inner().conn, client)
    }

    fn set_staff_line(&self, line: Option<u64>) -> Result<bool, StorageError> {
        staff_help::set_staff_line(&self.inner().conn, line)
    }

    fn staff_line(&self) -> Result<Option<u64>, StorageError> {
        staff_help::get_staff_line(&self.inner().conn)
    }

    fn staff_client_token(
        &self,
        specialist: u64,
        token_hash: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(crate::storage::StaffHelp, Vec<StoredEvent>), StorageError> {
        staff_help::staff_client_token(
            &mut self.inner(),
            specialist,
            token_hash,
            expires_ms,
            now_ms,
        )
    }

    fn kb_article(&self, line: u64, article: u64) -> Result<Option<KbArticle>, StorageError> {
        knowledge::article(&self.inner().conn, line, article)
    }

    fn events_after(
        &self,
        line: u64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        match &self.readers {
            Some(readers) => readers.events_after(line, after, limit),
            None => reader::events_after(&self.inner().conn, line, after, limit),
        }
    }

    fn set_account_disabled(
        &self,
        login: &str,
        disabled: bool,
        now_ms: i64,
    ) -> Result<Option<Subject>, StorageError> {
        account_admin::set_disabled(&mut self.inner().conn, login, disabled, now_ms)
    }

    fn reset_password(
        &self,
        login: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<Option<Subject>, StorageError> {
        account_admin::reset_password(&mut self.inner().conn, login, password_hash, now_ms)
    }

    fn issue_token(
        &self,
        token_hash: &str,
        subject: Subject,
        expires_ms: i64,
    ) -> Result<bool, StorageError> {
        account_admin::issue_token(&self.inner().conn, token_hash, subject, expires_ms)
    }

    fn remove_from_line(
        &self,
        specialist: u64,
        line: u64,
        now_ms: i64,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        account_admin::remove_from_line(&mut self.inner(), specialist, line, now_ms)
    }

    fn line_heads(&self) -> Result<Vec<(u64, u64)>, StorageError> {
        let inner = self.inner();
        let mut stmt = inner
            .conn
            .prepare_cached("SELECT line_id, seq FROM line_heads")?;
        let heads = stmt
            .query_map([], |r| Ok((id(r.get(0)?), id(r.get(1)?))))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(heads)
    }

    fn resync_team(&self, line: u64, specialist: u64) -> Result<bool, StorageError> {
        account_admin::resync_team(&mut self.inner(), line, specialist)
    }

    fn set_supervisor(
        &self,
        specialist: u64,
        line: u64,
        supervisor: bool,
    ) -> Result<bool, StorageError> {
        reports::set_supervisor(&self.inner().conn, specialist, line, supervisor)
    }

    fn line_role(&self, specialist: u64, line: u64) -> Result<Option<bool>, StorageError> {
        reports::with_reader(self, |c| reports::line_role(c, specialist, line))
    }

    fn report_lines(
        &self,
        specialist: u64,
    ) -> Result<Vec<linedesk_protocol::reports::ReportLine>, StorageError> {
        reports::with_reader(self, |c| reports::report_lines(c, specialist))
    }

    fn sla_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
        now_ms: i64,
    ) -> Result<linedesk_protocol::reports::SlaReport, StorageError> {
        reports::with_reader(self, |c| {
            reports::sla_report(c, line, query, own_only, now_ms)
        })
    }

    fn operator_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
    ) -> Result<linedesk_protocol::reports::OperatorReport, StorageError> {
        reports::with_reader(self, |c| {
            report_people::operator_report(c, line, query, own_only)
        })
    }

    fn call_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
    ) -> Result<linedesk_protocol::reports::CallReport, StorageError> {
        reports::with_reader(self, |c| {
            report_people::call_report(c, line, query, own_only)
        })
    }

    fn monitor(
        &self,
        line: u64,
        now_ms: i64,
    ) -> Result<linedesk_protocol::reports::MonitorReport, StorageError> {
        reports::with_reader(self, |c| reports::monitor(c, line, now_ms))
    }

    fn blob_meta(
        &self,
        blob: crate::storage::BlobId,
    ) -> Result<Option<crate::storage::BlobMeta>, StorageError> {
        blobs::meta(self, blob)
    }

    fn blob_chunk(
        &self,
        blob: crate::storage::BlobId,
        offset: u64,
        len: usize,
    ) -> Result<Vec<u8>, StorageError> {
        blobs::chunk(self, blob, offset, len)
    }

    fn set_line_admin(
        &self,
        specialist: u64,
        line: u64,
        admin: bool,
    ) -> Result<bool, StorageError> {
        line_admin::set_line_admin(&self.inner().conn, specialist, line, admin)
    }

    fn line_admin_role(&self, specialist: u64, line: u64) -> Result<Option<bool>, StorageError> {
        reports::with_reader(self, |c| line_admin::line_admin_role(c, specialist, line))
    }

    fn admin_lines(
        &self,
        specialist: u64,
    ) -> Result<Vec<linedesk_protocol::line_admin::AdminLine>, StorageError> {
        reports::with_reader(self, |c| line_admin::admin_lines(c, specialist))
    }

    fn add_quick_reply_file(
        &self,
        line: u64,
        name: &str,
        bytes: &[u8],
        now_ms: i64,
    ) -> Result<crate::storage::QuickReplyFile, StorageError> {
        line_admin::add_quick_reply_file(&self.inner().conn, line, name, bytes, now_ms)
    }

    fn quick_reply_file(
        &self,
        line: u64,
        file: u64,
    ) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        reports::with_reader(self, |c| line_admin::quick_reply_file(c, line, file))
    }

    fn add_kb_article(&self, line: u64, title: &str, body: &str) -> Result<u64, StorageError> {
        kb_changed(self, line, |tx| {
            let article = line_admin::add_kb_article(tx, line, title, body)?;
            Ok((article, true))
        })
    }

    fn update_kb_article(
        &self,
        line: u64,
        article: u64,
        title: &str,
        body: &str,
    ) -> Result<bool, StorageError> {
        kb_changed(self, line, |tx| {
            let updated = line_admin::update_kb_article(tx, line, article, title, body)?;
            Ok((updated, updated))
        })
    }

    fn delete_kb_article(&self, line: u64, article: u64) -> Result<bool, StorageError> {
        kb_changed(self, line, |tx| {
            let deleted = line_admin::delete_kb_article(tx, line, article)?;
            Ok((deleted, deleted))
        })
    }

    fn team(
        &self,
        line: u64,
    ) -> Result<Vec<linedesk_protocol::line_admin::TeamMember>, StorageError> {
        reports::with_reader(self, |c| line_admin::team(c, line))
    }

    fn set_team_member(
        &self,
        line: u64,
        specialist: u64,
        settings: &linedesk_protocol::line_admin::TeamSettings,
    ) -> Result<bool, StorageError> {
        line_admin::set_team_member(&mut self.inner(), line, specialist, settings)
    }

    fn add_client_card(&self, line: u64, card: &StoredClient) -> Result<u64, StorageError> {
        line_admin::add_client_card(&mut self.inner().conn, line, card)
    }

    fn update_client_card(
        &self,
        line: u64,
        client: u64,
        card: &StoredClient,
    ) -> Result<bool, StorageError> {
        line_admin::update_client_card(&mut self.inner().conn, line, client, card)
    }

    fn appeal_sla(
        &self,
        line: u64,
        appeal: u64,
        now_ms: i64,
    ) -> Result<Option<linedesk_protocol::sla_explain::AppealSla>, StorageError> {
        reports::with_reader(self, |c| {
            Ok(linedesk_line::explain_appeal(
                &mut SqliteRepo { tx: c },
                line,
                appeal,
                now_ms,
            )?)
        })
    }
}
