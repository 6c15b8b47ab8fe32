//! The line server on PostgreSQL (issue 17): the same [`Storage`] as [`crate::sqlite`], over a
//! PostgreSQL 15 database named by a `postgres://` URL. Every action runs the line's rules
//! (`linedesk_line::apply_gated`) over [`PgRepo`] in one transaction, committed (durable, with
//! PostgreSQL's default `synchronous_commit`) before the caller is answered; each line's events
//! are numbered by its `line_heads` row, moved in the appending transaction, so numbers have
//! no gap and follow commit order.
//!
//! Like SQLite's, the connection and the routing state of every line (a `Dispatcher`) sit
//! behind one lock, and replays and reports read on a second connection beside it. Every
//! method of the trait is carried over. Every committed event is announced with NOTIFY
//! (`LINE:SEQ` on [`EVENTS_CHANNEL`], migration 3) and each `PgStorage` LISTENs on a connection
//! of its own ([`Storage::appended`]), so a server's sessions hear another server's events at
//! once. Every routing decision (an action, the timers' work) takes one advisory lock for its
//! transaction and first rebuilds the dispatcher of each line another server appended to since
//! (its `line_heads` row moved), so the servers of a database decide one at a time on what is
//! stored. The SLA, auto-finish and ring timers run in one server at a time, the leader
//! elected by a session advisory lock (`leader.rs`, [`Storage::lead_timers`]); each alert
//! fires once whoever runs it (its firing is marked in the transaction that appends it).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

use linedesk_domain::ids::SpecialistId;
use linedesk_domain::routing::Dispatcher;
use linedesk_domain::sla::LevelSet;
use linedesk_line::remote_password::Reservation;
use linedesk_line::tickets::DEFAULT_TICKET_QUEUE;
use linedesk_line::{Gate, Step};
use linedesk_protocol::{Action, Event, RemoteMode, Role};

use crate::app::now_ms;
use crate::remote_password::{self, Policy};
use crate::storage::{
    Account, Applied, BlobId, BlobMeta, CallRecording, KbArticle, LineInfo, QuickReply,
    QuickReplyFile, RecordingSaved, Revocation, Storage, StorageError, StoredClient, StoredEvent,
    StoredFile, Subject, TokenOwner,
};
use crate::transfer::{Cell, RowSink};
use call_repo::substring_range;
use clients::{CLIENT_COLUMNS, client_row, events_after, insert_client, known_line};
use connection::{ANNOUNCED_KEPT, Listened, Runtime, connect, listen};
pub use connection::{EVENTS_CHANNEL, is_url};
use db::{Db, id, sql_id};
use leader::Leader;
use line_repo::PgRepo;
pub use presence::PRESENCE_CLASS;
use presence::Presence;
use signals::{SIGNALS_KEPT, Signaller};

mod accounts;
mod appeal_rows;
mod call_repo;
mod carried;
mod clients;
mod connection;
mod db;
mod group_profile_repo;
mod knowledge;
mod leader;
mod line_admin;
pub mod line_repo;
mod login_throttle;
pub mod migrations;
mod presence;
mod remote_repo;
mod reports;
mod signals;
mod staff_help;
mod transfer;
mod workstation_repo;

/// One action in progress over PostgreSQL.
type Work<'a> = linedesk_line::Work<'a, PgRepo<'a>>;

struct Inner {
    db: Db,
    routing: HashMap<u64, Dispatcher>,
    /// Each line's last sequence number this process's routing has seen: a line whose head
    /// in the database differs was appended to by another server (or the CLI).
    heads: HashMap<u64, u64>,
}

/// The advisory lock every routing decision takes for its transaction: one decision at a
/// time across all the servers of a database (a number the other users of it do not take).
pub const ROUTING_LOCK: i64 = 0x6c69_6e65_726f_7574; // "linerout"

/// The class of the advisory locks (the two-int key space, apart from the one-bigint space of
/// [`ROUTING_LOCK`]) that serialize the session password attempts of a (specialist, client)
/// pair across servers: the throttle counts what is stored, so two servers must not both count
/// before either writes.
pub const REMOTE_PASSWORD_LOCK: i32 = 0x6c64_7270; // "ldrp"

/// A (specialist, client) pair as the second key of [`REMOTE_PASSWORD_LOCK`] (two pairs that
/// share it only wait for each other).
pub fn pair_key(specialist: u64, client: u64) -> i32 {
    let mixed = specialist.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ client;
    (mixed as i32) ^ ((mixed >> 32) as i32)
}

/// Before an action decides anything: take [`ROUTING_LOCK`] and rebuild, from what is stored,
/// the dispatcher of every line whose log moved since this process saw it, so a decision never
/// rests on another server's stale copy.
fn sync_routing(
    db: &Db,
    routing: &mut HashMap<u64, Dispatcher>,
    heads: &mut HashMap<u64, u64>,
) -> Result<(), StorageError> {
    db.exec("SELECT pg_advisory_xact_lock($1)", &[&ROUTING_LOCK])?;
    for r in db.rows("SELECT line_id, seq FROM line_heads", &[])? {
        let (line, seq) = (id(r.get(0)), id(r.get(1)));
        if heads.get(&line) != Some(&seq) {
            routing.insert(line, linedesk_line::rebuild_line(&mut PgRepo { db }, line)?);
            heads.insert(line, seq);
        }
    }
    Ok(())
}

/// What this process committed is what its routing has seen.
fn saw(heads: &mut HashMap<u64, u64>, events: &[StoredEvent]) {
    for e in events {
        let head = heads.entry(e.line).or_insert(e.seq);
        *head = (*head).max(e.seq);
    }
}

fn heads_of(db: &Db) -> Result<HashMap<u64, u64>, StorageError> {
    Ok(db
        .rows("SELECT line_id, seq FROM line_heads", &[])?
        .iter()
        .map(|r| (id(r.get(0)), id(r.get(1))))
        .collect())
}

pub struct PgStorage {
    inner: Mutex<Inner>,
    /// The announcements of appended events (LISTEN on a connection of its own).
    announced: tokio::sync::broadcast::Sender<(u64, u64)>,
    /// The listening connection's client: the connection lives while it does.
    _listener: std::sync::Arc<tokio_postgres::Client>,
    /// The signals other servers relay to this one's sessions (`signals.rs`).
    signals: tokio::sync::broadcast::Sender<std::sync::Arc<str>>,
    /// Where this server relays signals to the others.
    signaller: Signaller,
    /// This server's holds of its specialists' presence (`presence.rs`).
    presence: Presence,
    /// The candidacy for the timers' lead (a session advisory lock, `leader.rs`).
    leader: Leader,
    /// Replays and reads that need no routing state, beside the writer.
    reader: Mutex<Db>,
    /// V2: the throttle of session passwords and their lifetime.
    remote_policy: Policy,
    // Dropped last: the connections' tasks run on it.
    runtime: Runtime,
}

impl PgStorage {
    /// Connect to the database at `url`, migrate it, and rebuild every line's routing.
    pub fn open(url: &str) -> Result<PgStorage, StorageError> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StorageError::Invalid(format!("the database URL: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("linedesk-pg")
            .enable_all()
            .build()?;
        let db = connect(&rt, &config)?;
        let reader = connect(&rt, &config)?;
        migrations::migrate(&db, now_ms())?;
        let (announced, _) = tokio::sync::broadcast::channel(ANNOUNCED_KEPT);
        let (signals, _) = tokio::sync::broadcast::channel(SIGNALS_KEPT);
        let signaller = Signaller::new(connect(&rt, &config)?)?;
        let listener = listen(
            &rt,
            &config,
            Listened {
                announced: announced.clone(),
                signals: signals.clone(),
                own_pid: signaller.pid(),
            },
        )?;
        let presence = Presence::start(&rt, config.clone());
        let routing = linedesk_line::rebuild_routing(&mut PgRepo { db: &db })?;
        let heads = heads_of(&db)?;
        Ok(PgStorage {
            inner: Mutex::new(Inner { db, routing, heads }),
            reader: Mutex::new(reader),
            remote_policy: Policy::default(),
            announced,
            _listener: listener,
            signals,
            signaller,
            presence,
            leader: Leader::new(config),
            runtime: Runtime(Some(rt)),
        })
    }

    /// V2: session passwords expire `ttl` after they were set (default 12 h).
    pub fn with_remote_password_ttl(mut self, ttl: std::time::Duration) -> PgStorage {
        self.remote_policy.password_ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// Settle a remote session password before the action's transaction, without holding the
    /// lock while argon2 runs (as SQLite's backend does): hash a new one, or reserve an attempt
    /// (it counts against the throttle before argon2 runs), verify, and settle it. A refused
    /// attempt is logged and ends the action here.
    fn gate(
        &self,
        actor: Subject,
        key: &str,
        action: &Action,
        now_ms: i64,
    ) -> Result<Gate, StorageError> {
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
                let asked = (actor.id, *line, *client);
                let policy = self.remote_policy;
                let reservation = self.tx(|db| {
                    // Across servers: one reservation of the pair at a time, so of parallel
                    // guesses on several servers at most the limit are verified.
                    db.exec(
                        "SELECT pg_advisory_xact_lock($1, $2)",
                        &[&REMOTE_PASSWORD_LOCK, &pair_key(actor.id, *client)],
                    )?;
                    Ok(linedesk_line::remote_password::reserve(
                        &mut PgRepo { db },
                        asked,
                        key,
                        now_ms,
                        policy,
                    )?)
                })?;
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
                let outcome = self.tx(|db| {
                    Ok(linedesk_line::remote_password::settle(
                        &mut PgRepo { db },
                        attempt,
                        matched,
                    )?)
                })?;
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

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves no half-written transaction (the next BEGIN
        // finds the connection failed or idle) and the dispatchers are only replaced after a
        // commit, so the state stays usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reader(&self) -> MutexGuard<'_, Db> {
        self.reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Run `f` on the writer's connection, in a transaction.
    fn tx<T>(&self, f: impl FnOnce(&Db) -> Result<T, StorageError>) -> Result<T, StorageError> {
        self.inner().db.transaction(f)
    }

    /// Run `f` as one action without an idempotency key: its events and routing changes
    /// commit together.
    fn in_work<T>(
        &self,
        now_ms: i64,
        f: impl FnOnce(&mut Work<'_>) -> Result<T, StorageError>,
    ) -> Result<(T, Vec<StoredEvent>), StorageError> {
        let mut inner = self.inner();
        let Inner { db, routing, heads } = &mut *inner;
        let (value, events, changed) = db.transaction(|db| {
            sync_routing(db, routing, heads)?;
            let mut w = Work::new(PgRepo { db }, now_ms, routing);
            let value = f(&mut w)?;
            let (_repo, events, changed) = w.finish();
            Ok::<_, StorageError>((value, events, changed))
        })?;
        routing.extend(changed);
        saw(heads, &events);
        Ok((value, events))
    }
}

impl Storage for PgStorage {
    fn add_line(&self, name: &str) -> Result<u64, StorageError> {
        let mut inner = self.inner();
        let line = inner.db.transaction(|db| {
            let line = id(db
                .one(
                    "INSERT INTO lines (name) VALUES ($1) RETURNING id",
                    &[&name],
                )
                .map_err(|e| db::exists("line", name, e))?
                .get(0));
            line_repo::append(
                db,
                line,
                &Event::LineNamed {
                    name: name.to_string(),
                },
                now_ms(),
            )?;
            workstation_repo::add_queue(db, line, DEFAULT_TICKET_QUEUE, now_ms())?;
            Ok::<_, StorageError>(line)
        })?;
        inner.routing.insert(line, Dispatcher::default());
        Ok(line)
    }

    fn add_client(&self, line: u64, name: &str) -> Result<u64, StorageError> {
        let client = StoredClient {
            name: name.to_string(),
            ..StoredClient::default()
        };
        self.tx(|db| {
            insert_client(db, line, &client)?
                .map_err(|_| StorageError::Invalid(format!("no line {line}")))
        })
    }

    fn add_specialist(
        &self,
        login: &str,
        password_hash: &str,
        name: &str,
    ) -> Result<u64, StorageError> {
        self.tx(|db| {
            accounts::ensure_login_free(db, login)?;
            Ok(id(db
                .one(
                    "INSERT INTO specialists (login, password_hash, name) VALUES ($1, $2, $3)
                     RETURNING id",
                    &[&login, &password_hash, &name],
                )
                .map_err(|e| db::exists("specialist", login, e))?
                .get(0)))
        })
    }

    fn serve_line(
        &self,
        specialist: u64,
        line: u64,
        priority: u8,
        limit: u32,
    ) -> Result<(), StorageError> {
        let mut inner = self.inner();
        let team = inner.db.transaction(|db| {
            db.exec(
                "INSERT INTO line_specialists (line_id, specialist_id, priority, max_load)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (line_id, specialist_id)
                 DO UPDATE SET priority = EXCLUDED.priority, max_load = EXCLUDED.max_load",
                &[
                    &sql_id(line),
                    &sql_id(specialist),
                    &i64::from(priority),
                    &i64::from(limit),
                ],
            )
            .map_err(|_| {
                StorageError::Invalid(format!("no line {line} or specialist {specialist}"))
            })?;
            // Colleagues learn who serves the line (A3: whom to transfer to).
            let name: String = db
                .one(
                    "SELECT name FROM specialists WHERE id = $1",
                    &[&sql_id(specialist)],
                )?
                .get(0);
            let now = now_ms();
            line_repo::append(db, line, &Event::SpecialistServes { specialist, name }, now)?;
            // W1: a profile set before joining reaches this line too.
            if let Some(profiled) = group_profile_repo::profile(db, specialist)?
                .and_then(|p| linedesk_line::profile::on_joining(specialist, &p))
            {
                line_repo::append(db, line, &profiled, now)?;
            }
            Ok::<_, StorageError>(line_repo::line_team(db, line)?)
        })?;
        let dispatcher = inner.routing.entry(line).or_default();
        for s in team
            .into_iter()
            .filter(|s| s.id == SpecialistId(specialist))
        {
            dispatcher.add_specialist(s);
        }
        Ok(())
    }

    fn set_password(&self, login: &str, password_hash: &str) -> Result<(), StorageError> {
        self.tx(|db| {
            let changed = db.exec(
                "UPDATE specialists SET password_hash = $2 WHERE login = $1",
                &[&login, &password_hash],
            )? + db.exec(
                "UPDATE clients SET password_hash = $2 WHERE login = $1",
                &[&login, &password_hash],
            )?;
            if changed == 0 {
                return Err(StorageError::Invalid(format!("no account {login:?}")));
            }
            Ok(())
        })
    }

    fn clients_of(&self, line: u64) -> Result<Vec<(u64, StoredClient)>, StorageError> {
        Ok(self
            .reader()
            .rows(
                &format!("SELECT id, {CLIENT_COLUMNS} FROM clients WHERE line_id = $1 ORDER BY id"),
                &[&sql_id(line)],
            )?
            .iter()
            .map(|r| (id(r.get(0)), client_row(r, 1)))
            .collect())
    }

    fn set_client_login(
        &self,
        client: u64,
        login: &str,
        password_hash: &str,
    ) -> Result<(), StorageError> {
        self.tx(|db| {
            let current: Option<String> = db
                .opt(
                    "SELECT login FROM clients WHERE id = $1",
                    &[&sql_id(client)],
                )?
                .and_then(|r| r.get(0));
            if current.as_deref() != Some(login) {
                accounts::ensure_login_free(db, login)?;
            }
            let changed = db
                .exec(
                    "UPDATE clients SET login = $2, password_hash = $3 WHERE id = $1",
                    &[&sql_id(client), &login, &password_hash],
                )
                .map_err(|e| db::exists("login", login, e))?;
            if changed == 0 {
                return Err(StorageError::Invalid(format!("no client {client}")));
            }
            Ok(())
        })
    }

    fn add_admin(&self, login: &str, password_hash: &str) -> Result<u64, StorageError> {
        self.tx(|db| accounts::add_admin(db, login, password_hash))
    }

    fn lines(&self) -> Result<Vec<LineInfo>, StorageError> {
        accounts::lines(&self.reader())
    }

    fn account_by_login(&self, login: &str) -> Result<Option<Account>, StorageError> {
        accounts::account(&self.reader(), login)
    }

    fn lines_of(&self, subject: Subject) -> Result<Vec<u64>, StorageError> {
        let sql = match subject.role {
            Role::Specialist => {
                "SELECT line_id FROM line_specialists WHERE specialist_id = $1 ORDER BY line_id"
            }
            Role::Client => "SELECT line_id FROM clients WHERE id = $1",
            Role::Admin => return Ok(Vec::new()),
        };
        Ok(self
            .reader()
            .rows(sql, &[&sql_id(subject.id)])?
            .iter()
            .map(|r| id(r.get(0)))
            .collect())
    }

    fn save_token(
        &self,
        token_hash: &str,
        subject: Subject,
        expires_ms: i64,
    ) -> Result<(), StorageError> {
        accounts::save_token(&self.inner().db, token_hash, subject, expires_ms)
    }

    fn token_owner(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<TokenOwner>, StorageError> {
        accounts::token_owner(&self.reader(), token_hash, now_ms)
    }

    fn delete_expired_tokens(&self, now_ms: i64) -> Result<usize, StorageError> {
        accounts::delete_expired_tokens(&self.inner().db, now_ms)
    }

    fn revoke_token(&self, token_hash: &str, now_ms: i64) -> Result<bool, StorageError> {
        accounts::revoke_token(&self.inner().db, token_hash, now_ms)
    }

    fn revoke_login(
        &self,
        login: &str,
        now_ms: i64,
    ) -> Result<Option<(Subject, usize)>, StorageError> {
        accounts::revoke_login(&self.inner().db, login, now_ms)
    }

    fn revocations_after(&self, after: u64) -> Result<Vec<Revocation>, StorageError> {
        accounts::revocations_after(&self.reader(), after)
    }

    fn last_revocation(&self) -> Result<u64, StorageError> {
        accounts::last_revocation(&self.reader())
    }

    fn apply(
        &self,
        actor: Subject,
        key: &str,
        action: &Action,
        now_ms: i64,
    ) -> Result<Applied, StorageError> {
        let gate = self.gate(actor, key, action, now_ms)?;
        let mut inner = self.inner();
        let Inner { db, routing, heads } = &mut *inner;
        let outcome = db.transaction(|db| {
            sync_routing(db, routing, heads)?;
            let mut w = Work::new(PgRepo { db }, now_ms, routing);
            match linedesk_line::apply_gated(&mut w, actor, key, action, &gate)? {
                Step::Duplicate => Ok::<_, StorageError>(None),
                Step::Done => {
                    let (_repo, events, changed) = w.finish();
                    Ok(Some((events, changed)))
                }
            }
        })?;
        Ok(match outcome {
            None => Applied::Duplicate,
            Some((events, changed)) => {
                routing.extend(changed);
                saw(heads, &events);
                Applied::Done(events)
            }
        })
    }

    fn import_clients(
        &self,
        line: u64,
        clients: &[(usize, StoredClient)],
    ) -> Result<Vec<(usize, String)>, StorageError> {
        self.tx(|db| {
            known_line(db, line)?;
            let mut refused = Vec::new();
            for (row, c) in clients {
                if insert_client(db, line, c)?.is_err() {
                    refused.push((
                        *row,
                        "a client with this ID is already on the line".to_string(),
                    ));
                }
            }
            Ok(refused)
        })
    }

    fn set_sla_levels(&self, line: u64, levels: &LevelSet) -> Result<(), StorageError> {
        self.tx(|db| {
            appeal_rows::set_levels(db, line, levels)?;
            // S5: the line's appeal types are those the levels name: the apps fetch them again.
            line_repo::append(
                db,
                line,
                &Event::ReferenceChanged {
                    part: linedesk_protocol::ReferencePart::AppealTypes,
                },
                now_ms(),
            )?;
            Ok(())
        })
    }

    fn sla_levels(&self, line: u64) -> Result<LevelSet, StorageError> {
        let inner = self.inner();
        Ok(linedesk_line::levels_of(
            &mut PgRepo { db: &inner.db },
            line,
        )?)
    }

    fn due_alerts(&self, now_ms: i64) -> Result<Vec<StoredEvent>, StorageError> {
        let ((), events) = self.in_work(now_ms, |w| {
            linedesk_line::fire_due_alerts(w)?;
            Ok(linedesk_line::fire_due_auto_finishes(w)?)
        })?;
        Ok(events)
    }

    fn lead_timers(&self) -> Result<bool, StorageError> {
        match self.runtime.0.as_ref() {
            Some(rt) => self.leader.lead(rt),
            None => Ok(false),
        }
    }

    fn update_login_throttle(
        &self,
        keys: &[String],
        now_ms: i64,
        forget_before_ms: i64,
        change: &mut dyn FnMut(&mut [crate::shared_throttle::ThrottleState]) -> bool,
    ) -> Result<(), StorageError> {
        login_throttle::update(&self.inner().db, keys, now_ms, forget_before_ms, change)
    }

    fn first_table_with_rows(&self) -> Result<Option<String>, StorageError> {
        transfer::first_table_with_rows(&self.reader())
    }

    fn export_table(&self, table: &str, sink: RowSink<'_>) -> Result<(), StorageError> {
        transfer::export_table(&self.reader(), table, sink)
    }

    fn import_rows(
        &self,
        table: &str,
        columns: &[String],
        rows: &[Vec<Cell>],
    ) -> Result<(), StorageError> {
        transfer::import_rows(&self.inner().db, table, columns, rows)
    }

    fn finish_import(&self) -> Result<(), StorageError> {
        let mut inner = self.inner();
        transfer::settle_ids(&inner.db)?;
        let routing = linedesk_line::rebuild_routing(&mut PgRepo { db: &inner.db })?;
        let heads = heads_of(&inner.db)?;
        inner.routing = routing;
        inner.heads = heads;
        Ok(())
    }

    fn end_unanswered(
        &self,
        now_ms: i64,
        timeouts: &linedesk_line::RingTimeouts,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let ((), events) =
            self.in_work(now_ms, |w| Ok(linedesk_line::end_unanswered(w, timeouts)?))?;
        Ok(events)
    }

    fn line_heads(&self) -> Result<Vec<(u64, u64)>, StorageError> {
        Ok(self
            .reader()
            .rows("SELECT line_id, seq FROM line_heads", &[])?
            .iter()
            .map(|r| (id(r.get(0)), id(r.get(1))))
            .collect())
    }

    fn appended(&self) -> Option<tokio::sync::broadcast::Receiver<(u64, u64)>> {
        Some(self.announced.subscribe())
    }

    fn send_signal(&self, body: &str) -> Result<(), StorageError> {
        self.signaller.send(body, now_ms())
    }

    fn signals(&self) -> Option<tokio::sync::broadcast::Receiver<std::sync::Arc<str>>> {
        Some(self.signals.subscribe())
    }

    fn hold_presence(&self, specialist: u64, live: bool) {
        self.presence.hold(specialist, live);
    }

    fn present_elsewhere(&self, specialist: u64) -> Result<bool, StorageError> {
        self.presence.elsewhere(specialist)
    }

    fn add_ticket_queue(&self, line: u64, name: &str) -> Result<u64, StorageError> {
        self.tx(|db| workstation_repo::add_queue(db, line, name, now_ms()))
    }

    fn rename_ticket_queue(&self, line: u64, queue: u64, name: &str) -> Result<bool, StorageError> {
        self.tx(|db| workstation_repo::rename_queue(db, line, queue, name, now_ms()))
    }

    fn ticket_queues(&self, line: u64) -> Result<Vec<(u64, String)>, StorageError> {
        workstation_repo::queues(&self.reader(), line)
    }

    fn set_queue_dispute_line(
        &self,
        line: u64,
        queue: u64,
        dispute: Option<u64>,
    ) -> Result<bool, StorageError> {
        let known: Vec<u64> = self.lines()?.into_iter().map(|l| l.id).collect();
        let dispute = linedesk_line::tickets::check_dispute_line(line, dispute, &known)?;
        self.tx(|db| {
            let changed = db.exec(
                "UPDATE ticket_queues SET dispute_line = $3 WHERE id = $2 AND line_id = $1",
                &[
                    &db::sql_id(line),
                    &db::sql_id(queue),
                    &dispute.map(db::sql_id),
                ],
            )?;
            Ok(changed == 1)
        })
    }

    fn queue_dispute_line(&self, queue: u64) -> Result<Option<u64>, StorageError> {
        let reader = self.reader();
        Ok(linedesk_line::TicketRepo::queue_dispute_line(
            &mut PgRepo { db: &reader },
            queue,
        )?)
    }

    fn set_quick_replies(&self, line: u64, replies: &[QuickReply]) -> Result<(), StorageError> {
        self.tx(|db| line_admin::set_quick_replies(db, line, replies, now_ms()))
    }

    fn quick_replies(&self, line: u64) -> Result<Vec<QuickReply>, StorageError> {
        line_admin::quick_replies(&self.reader(), line)
    }

    fn set_closing_settings(
        &self,
        line: u64,
        settings: &linedesk_line::ClosingSettings,
    ) -> Result<(), StorageError> {
        crate::line_settings::check(settings)?;
        known_line(&self.reader(), line)?;
        // The change and its event in one transaction; A5: the countdowns running on the
        // line follow the new time.
        self.in_work(now_ms(), |w| {
            appeal_rows::save_closing_settings(w.repo.db, line, settings)?;
            w.append(
                line,
                Event::ClosingSettingsChanged {
                    auto_finish_minutes: settings.auto_finish_minutes,
                    closing_phrases: settings.closing_phrases.clone(),
                },
            )?;
            Ok(linedesk_line::settings_changed(w, line)?)
        })?;
        Ok(())
    }

    fn closing_settings(&self, line: u64) -> Result<linedesk_line::ClosingSettings, StorageError> {
        appeal_rows::closing_settings(&self.reader(), line).map_err(StorageError::Backend)
    }

    fn import_kb(&self, line: u64, articles: &[KbArticle]) -> Result<(), StorageError> {
        self.tx(|db| knowledge::import_kb(db, line, articles, now_ms()))
    }

    fn search_kb(
        &self,
        line: u64,
        query: &str,
        limit: u32,
    ) -> Result<Vec<KbArticle>, StorageError> {
        knowledge::search_kb(&self.reader(), line, query, limit)
    }

    fn call(&self, call: u64) -> Result<Option<crate::storage::CallRecord>, StorageError> {
        Ok(call_repo::load(&self.reader(), call)?)
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
        use sha2::Digest;
        let sha = format!("{:x}", sha2::Sha256::digest(ogg));
        // The row, the bytes and the event commit together: a recording is whole or absent.
        let (saved, events) = self.in_work(now_ms, |w| {
            let Some(c) = linedesk_line::calls::may_record(w, actor, call, &sha)? else {
                return Ok(false);
            };
            let row = linedesk_line::RecordingRow {
                call,
                bytes: ogg.len() as u64,
                duration_ms,
                sha256: sha.clone(),
                uploaded_by: actor.id,
                uploaded_ms: now_ms,
            };
            linedesk_line::calls::recorded(w, &c, &row, gaps)?;
            call_repo::keep_bytes(w.repo.db, call, ogg)?;
            Ok(true)
        })?;
        match (saved, events.into_iter().next()) {
            (true, Some(event)) => Ok(RecordingSaved::Done(event)),
            _ => Ok(RecordingSaved::Duplicate),
        }
    }

    fn recording(&self, call: u64) -> Result<Option<CallRecording>, StorageError> {
        let reader = self.reader();
        let Some(c) = call_repo::load(&reader, call)? else {
            return Ok(None);
        };
        Ok(Some((c, call_repo::recording_bytes(&reader, call)?)))
    }

    fn call_stats(
        &self,
        call: u64,
    ) -> Result<Vec<(Role, linedesk_protocol::CallQuality)>, StorageError> {
        call_repo::stats_of(&self.reader(), call)
    }

    fn remote_session(
        &self,
        session: u64,
    ) -> Result<Option<crate::storage::RemoteRecord>, StorageError> {
        Ok(remote_repo::load(&self.reader(), session)?)
    }

    fn remote_password_attempts(
        &self,
        client: u64,
    ) -> Result<Vec<(u64, i64, String)>, StorageError> {
        remote_repo::attempts(&self.reader(), client)
    }

    fn share_upload(
        &self,
        actor: Subject,
        upload: &linedesk_line::Upload<'_>,
        now_ms: i64,
    ) -> Result<(linedesk_protocol::SharedFile, Vec<StoredEvent>), StorageError> {
        self.in_work(now_ms, |w| Ok(linedesk_line::share_file(w, actor, upload)?))
    }

    fn file(&self, file: u64) -> Result<Option<StoredFile>, StorageError> {
        workstation_repo::file(&self.reader(), file)
    }

    fn set_avatar(
        &self,
        actor: Subject,
        bytes: Option<&[u8]>,
        now_ms: i64,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let ((), events) = self.in_work(now_ms, |w| {
            Ok(linedesk_line::profile::set_avatar(w, actor, bytes)?)
        })?;
        Ok(events)
    }

    fn specialist_profile(
        &self,
        specialist: u64,
    ) -> Result<Option<linedesk_line::profile::SpecialistProfile>, StorageError> {
        Ok(group_profile_repo::profile(&self.reader(), specialist)?)
    }

    fn specialist_avatar(
        &self,
        specialist: u64,
    ) -> Result<Option<(Vec<u8>, linedesk_line::profile::ImageType)>, StorageError> {
        Ok(group_profile_repo::avatar(&self.reader(), specialist)?)
    }

    fn save_kb_draft(
        &self,
        actor: Subject,
        line: u64,
        subject: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<u64, StorageError> {
        self.tx(|db| {
            Ok(linedesk_line::save_kb_draft(
                &mut PgRepo { db },
                actor,
                line,
                subject,
                text,
                now_ms,
            )?)
        })
    }

    fn kb_drafts(&self, line: u64) -> Result<Vec<linedesk_protocol::KbDraft>, StorageError> {
        workstation_repo::drafts_of_line(&self.reader(), line)
    }

    fn add_guest(
        &self,
        sign_in: &linedesk_protocol::GuestSignIn,
        token_hash: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(Subject, Vec<StoredEvent>), StorageError> {
        self.in_work(now_ms, |w| {
            let client = linedesk_line::register_guest(w, sign_in)?;
            let subject = Subject::client(client);
            if !accounts::issue_token(w.repo.db, token_hash, subject, expires_ms)? {
                return Err(StorageError::Invalid(
                    "the guest could not be signed in".into(),
                ));
            }
            Ok(subject)
        })
    }

    fn is_guest(&self, client: u64) -> Result<bool, StorageError> {
        workstation_repo::is_guest(&self.reader(), client)
    }

    fn set_staff_line(&self, line: Option<u64>) -> Result<bool, StorageError> {
        staff_help::set_staff_line(&self.inner().db, line)
    }

    fn staff_line(&self) -> Result<Option<u64>, StorageError> {
        staff_help::staff_line(&self.reader())
    }

    fn staff_client_token(
        &self,
        specialist: u64,
        token_hash: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<(crate::storage::StaffHelp, Vec<StoredEvent>), StorageError> {
        self.in_work(now_ms, |w| {
            let (line, client) = linedesk_line::staff_client_for(w, specialist)?;
            if !accounts::issue_token(w.repo.db, token_hash, Subject::client(client), expires_ms)? {
                return Err(StorageError::Invalid(
                    "the staff line's client is disabled".into(),
                ));
            }
            Ok(crate::storage::StaffHelp { line, client })
        })
    }

    fn kb_article(&self, line: u64, article: u64) -> Result<Option<KbArticle>, StorageError> {
        knowledge::article(&self.reader(), line, article)
    }

    fn events_after(
        &self,
        line: u64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        events_after(&self.reader(), line, after, limit)
    }

    fn set_account_disabled(
        &self,
        login: &str,
        disabled: bool,
        now_ms: i64,
    ) -> Result<Option<Subject>, StorageError> {
        accounts::set_disabled(&self.inner().db, login, disabled, now_ms)
    }

    fn reset_password(
        &self,
        login: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<Option<Subject>, StorageError> {
        accounts::reset_password(&self.inner().db, login, password_hash, now_ms)
    }

    fn issue_token(
        &self,
        token_hash: &str,
        subject: Subject,
        expires_ms: i64,
    ) -> Result<bool, StorageError> {
        accounts::issue_token(&self.inner().db, token_hash, subject, expires_ms)
    }

    fn resync_team(&self, line: u64, specialist: u64) -> Result<bool, StorageError> {
        let mut inner = self.inner();
        let Inner { db, routing, .. } = &mut *inner;
        let stale = routing
            .get(&line)
            .is_some_and(|d| d.specialist(SpecialistId(specialist)).is_some());
        if !stale {
            return Ok(false);
        }
        let rebuilt = linedesk_line::rebuild_line(&mut PgRepo { db }, line)?;
        if rebuilt.specialist(SpecialistId(specialist)).is_some() {
            // Served again since (added back): nothing to catch up on.
            return Ok(false);
        }
        routing.insert(line, rebuilt);
        Ok(true)
    }

    fn remove_from_line(
        &self,
        specialist: u64,
        line: u64,
        now_ms: i64,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let ((), events) = self.in_work(now_ms, |w| {
            linedesk_line::remove_from_line(w, specialist, line)?;
            accounts::note(
                w.repo.db,
                &crate::storage::Revoked::Line { specialist, line },
                now_ms,
            )
        })?;
        Ok(events)
    }

    fn blob_meta(&self, blob: BlobId) -> Result<Option<BlobMeta>, StorageError> {
        match blob {
            BlobId::File(file) => Ok(self
                .reader()
                .opt(
                    "SELECT line_id, client_id, name, size FROM files WHERE id = $1",
                    &[&sql_id(file)],
                )?
                .map(|r| BlobMeta {
                    line: id(r.get(0)),
                    client: id(r.get(1)),
                    specialist: None,
                    name: r.get(2),
                    size: Some(id(r.get(3))),
                })),
            BlobId::Recording(call) => {
                let reader = self.reader();
                let Some(c) = call_repo::load(&reader, call)? else {
                    return Ok(None);
                };
                Ok(Some(BlobMeta {
                    line: c.line,
                    client: c.client,
                    specialist: c.specialist,
                    name: String::new(),
                    size: call_repo::recording_size(&reader, call)?,
                }))
            }
        }
    }

    fn blob_chunk(&self, blob: BlobId, offset: u64, len: usize) -> Result<Vec<u8>, StorageError> {
        match blob {
            BlobId::File(file) => {
                // substring() counts from 1; past the end it gives an empty string. Its
                // arguments are int4 (a bytea holds at most 1 GB): an i64 would not bind.
                let (from, len) = substring_range(offset, len);
                Ok(self
                    .reader()
                    .opt(
                        "SELECT substring(bytes FROM $2 FOR $3) FROM files WHERE id = $1",
                        &[&sql_id(file), &from, &len],
                    )?
                    .map(|r| r.get(0))
                    .unwrap_or_default())
            }
            BlobId::Recording(call) => {
                call_repo::recording_chunk(&self.reader(), call, offset, len)
            }
        }
    }

    fn set_supervisor(
        &self,
        specialist: u64,
        line: u64,
        supervisor: bool,
    ) -> Result<bool, StorageError> {
        let changed = self.inner().db.exec(
            "UPDATE line_specialists SET supervisor = $3 WHERE specialist_id = $1 AND line_id = $2",
            &[&sql_id(specialist), &sql_id(line), &supervisor],
        )?;
        Ok(changed == 1)
    }

    fn line_role(&self, specialist: u64, line: u64) -> Result<Option<bool>, StorageError> {
        Ok(self
            .reader()
            .opt(
                "SELECT supervisor FROM line_specialists WHERE specialist_id = $1 AND line_id = $2",
                &[&sql_id(specialist), &sql_id(line)],
            )?
            .map(|r| r.get(0)))
    }

    fn report_lines(
        &self,
        specialist: u64,
    ) -> Result<Vec<linedesk_protocol::reports::ReportLine>, StorageError> {
        reports::report_lines(&self.reader(), specialist)
    }

    fn sla_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
        now_ms: i64,
    ) -> Result<linedesk_protocol::reports::SlaReport, StorageError> {
        reports::sla_report(&self.reader(), line, query, own_only, now_ms)
    }

    fn operator_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
    ) -> Result<linedesk_protocol::reports::OperatorReport, StorageError> {
        reports::operator_report(&self.reader(), line, query, own_only)
    }

    fn call_report(
        &self,
        line: u64,
        query: &linedesk_line::reports::ReportQuery,
        own_only: bool,
    ) -> Result<linedesk_protocol::reports::CallReport, StorageError> {
        reports::call_report(&self.reader(), line, query, own_only)
    }

    fn monitor(
        &self,
        line: u64,
        now_ms: i64,
    ) -> Result<linedesk_protocol::reports::MonitorReport, StorageError> {
        reports::monitor(&self.reader(), line, now_ms)
    }

    fn set_line_admin(
        &self,
        specialist: u64,
        line: u64,
        admin: bool,
    ) -> Result<bool, StorageError> {
        let changed = self.inner().db.exec(
            "UPDATE line_specialists SET line_admin = $3 WHERE specialist_id = $1 AND line_id = $2",
            &[&sql_id(specialist), &sql_id(line), &admin],
        )?;
        Ok(changed == 1)
    }

    fn line_admin_role(&self, specialist: u64, line: u64) -> Result<Option<bool>, StorageError> {
        Ok(self
            .reader()
            .opt(
                "SELECT line_admin FROM line_specialists WHERE specialist_id = $1 AND line_id = $2",
                &[&sql_id(specialist), &sql_id(line)],
            )?
            .map(|r| r.get(0)))
    }

    fn admin_lines(
        &self,
        specialist: u64,
    ) -> Result<Vec<linedesk_protocol::line_admin::AdminLine>, StorageError> {
        line_admin::admin_lines(&self.reader(), specialist)
    }

    fn add_quick_reply_file(
        &self,
        line: u64,
        name: &str,
        bytes: &[u8],
        now_ms: i64,
    ) -> Result<QuickReplyFile, StorageError> {
        self.tx(|db| line_admin::add_quick_reply_file(db, line, name, bytes, now_ms))
    }

    fn quick_reply_file(
        &self,
        line: u64,
        file: u64,
    ) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        line_admin::quick_reply_file(&self.reader(), line, file)
    }

    fn add_kb_article(&self, line: u64, title: &str, body: &str) -> Result<u64, StorageError> {
        self.tx(|db| knowledge::add_article(db, line, title, body, now_ms()))
    }

    fn update_kb_article(
        &self,
        line: u64,
        article: u64,
        title: &str,
        body: &str,
    ) -> Result<bool, StorageError> {
        self.tx(|db| knowledge::update_article(db, line, article, title, body, now_ms()))
    }

    fn delete_kb_article(&self, line: u64, article: u64) -> Result<bool, StorageError> {
        self.tx(|db| knowledge::delete_article(db, line, article, now_ms()))
    }

    fn team(
        &self,
        line: u64,
    ) -> Result<Vec<linedesk_protocol::line_admin::TeamMember>, StorageError> {
        line_admin::team(&self.reader(), line)
    }

    fn set_team_member(
        &self,
        line: u64,
        specialist: u64,
        settings: &linedesk_protocol::line_admin::TeamSettings,
    ) -> Result<bool, StorageError> {
        let mut inner = self.inner();
        let Inner { db, routing, .. } = &mut *inner;
        let changed = db.transaction(|db| {
            if !line_admin::set_team_member(db, line, specialist, settings)? {
                return Ok::<_, StorageError>(None);
            }
            Ok(line_repo::line_team(db, line)?
                .into_iter()
                .find(|m| m.id == SpecialistId(specialist)))
        })?;
        // Routing uses the new priority and limit at once (their load and tier kept).
        let Some(member) = changed else {
            return Ok(false);
        };
        if let Some(dispatcher) = routing.get_mut(&line) {
            dispatcher.add_specialist(member);
        }
        Ok(true)
    }

    fn add_client_card(&self, line: u64, card: &StoredClient) -> Result<u64, StorageError> {
        self.tx(|db| {
            known_line(db, line)?;
            insert_client(db, line, card)?.map_err(|()| line_admin::client_exists(card))
        })
    }

    fn update_client_card(
        &self,
        line: u64,
        client: u64,
        card: &StoredClient,
    ) -> Result<bool, StorageError> {
        self.tx(|db| line_admin::update_client_card(db, line, client, card, now_ms()))
    }

    fn appeal_sla(
        &self,
        line: u64,
        appeal: u64,
        now_ms: i64,
    ) -> Result<Option<linedesk_protocol::sla_explain::AppealSla>, StorageError> {
        let reader = self.reader();
        Ok(linedesk_line::explain_appeal(
            &mut PgRepo { db: &reader },
            line,
            appeal,
            now_ms,
        )?)
    }
}
