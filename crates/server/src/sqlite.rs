//! The default storage: one SQLite file in the data dir, WAL with `synchronous = FULL`, so a
//! committed write survives a kill -9 or a power cut before it is acknowledged.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use linedesk_protocol::{Action, Event, MAX_KEY_BYTES, MAX_MESSAGE_CHARS};
use rusqlite::{Connection, OptionalExtension, params};

use crate::storage::{Account, Applied, Storage, StorageError, StoredEvent};

const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_server.sql"))];

pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

fn id(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

fn sql_id(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        SqliteStorage::prepare(conn)
    }

    pub fn open_in_memory() -> Result<SqliteStorage, StorageError> {
        SqliteStorage::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut conn: Connection) -> Result<SqliteStorage, StorageError> {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if version > known {
            return Err(StorageError::NewerThanKnown {
                found: version,
                known,
            });
        }
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )?;
        let tx = conn.transaction()?;
        for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > version) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", v)?;
        }
        tx.commit()?;
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so the connection stays usable.
        self.conn
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

fn append(
    tx: &rusqlite::Transaction<'_>,
    line: u64,
    at_ms: i64,
    event: Event,
) -> Result<StoredEvent, StorageError> {
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE line_id = ?1",
        [sql_id(line)],
        |r| r.get(0),
    )?;
    let body = serde_json::to_string(&event).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO events (line_id, seq, at, body) VALUES (?1, ?2, ?3, ?4)",
        params![sql_id(line), seq, at_ms, body],
    )?;
    Ok(StoredEvent {
        line,
        seq: id(seq),
        at_ms,
        event,
    })
}

impl Storage for SqliteStorage {
    fn add_line(&self, name: &str) -> Result<u64, StorageError> {
        let conn = self.conn();
        conn.execute("INSERT INTO lines (name) VALUES (?1)", [name])
            .map_err(|e| exists("line", name, e))?;
        Ok(id(conn.last_insert_rowid()))
    }

    fn add_client(&self, line: u64, name: &str) -> Result<u64, StorageError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO clients (line_id, name) VALUES (?1, ?2)",
            params![sql_id(line), name],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(..) => StorageError::Invalid(format!("no line {line}")),
            other => other.into(),
        })?;
        Ok(id(conn.last_insert_rowid()))
    }

    fn add_specialist(
        &self,
        login: &str,
        password_hash: &str,
        name: &str,
    ) -> Result<u64, StorageError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO specialists (login, password_hash, name) VALUES (?1, ?2, ?3)",
            params![login, password_hash, name],
        )
        .map_err(|e| exists("specialist", login, e))?;
        Ok(id(conn.last_insert_rowid()))
    }

    fn serve_line(&self, specialist: u64, line: u64) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "INSERT OR IGNORE INTO line_specialists (line_id, specialist_id) VALUES (?1, ?2)",
                params![sql_id(line), sql_id(specialist)],
            )
            .map_err(|_| {
                StorageError::Invalid(format!("no line {line} or specialist {specialist}"))
            })?;
        Ok(())
    }

    fn account_by_login(&self, login: &str) -> Result<Option<Account>, StorageError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, login, password_hash, name FROM specialists WHERE login = ?1",
                [login],
                |r| {
                    Ok(Account {
                        id: id(r.get(0)?),
                        login: r.get(1)?,
                        password_hash: r.get(2)?,
                        name: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn lines_of(&self, specialist: u64) -> Result<Vec<u64>, StorageError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT line_id FROM line_specialists WHERE specialist_id = ?1 ORDER BY line_id",
        )?;
        let lines = stmt
            .query_map([sql_id(specialist)], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.into_iter().map(id).collect())
    }

    fn save_token(
        &self,
        token_hash: &str,
        specialist: u64,
        expires_ms: i64,
    ) -> Result<(), StorageError> {
        self.conn().execute(
            "INSERT INTO tokens (token_hash, specialist_id, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash, sql_id(specialist), expires_ms],
        )?;
        Ok(())
    }

    fn token_owner(&self, token_hash: &str, now_ms: i64) -> Result<Option<u64>, StorageError> {
        let owner: Option<i64> = self
            .conn()
            .query_row(
                "SELECT specialist_id FROM tokens WHERE token_hash = ?1 AND expires_at > ?2",
                params![token_hash, now_ms],
                |r| r.get(0),
            )
            .optional()?;
        Ok(owner.map(id))
    }

    fn apply(
        &self,
        specialist: u64,
        key: &str,
        action: &Action,
        now_ms: i64,
    ) -> Result<Applied, StorageError> {
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(StorageError::Invalid(format!(
                "an idempotency key is 1 to {MAX_KEY_BYTES} bytes"
            )));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let fresh = tx.execute(
            "INSERT OR IGNORE INTO actions (specialist_id, key, at) VALUES (?1, ?2, ?3)",
            params![sql_id(specialist), key, now_ms],
        )?;
        if fresh == 0 {
            return Ok(Applied::Duplicate);
        }
        let serves = |line: u64| -> Result<bool, StorageError> {
            Ok(tx
                .query_row(
                    "SELECT 1 FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
                    params![sql_id(line), sql_id(specialist)],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .is_some())
        };
        let events = match action {
            Action::SendMessage { line, client, text } => {
                if !serves(*line)? {
                    return Err(StorageError::Forbidden(*line));
                }
                let text = text.trim();
                if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
                    return Err(StorageError::Invalid(format!(
                        "a message is 1 to {MAX_MESSAGE_CHARS} characters"
                    )));
                }
                let on_line: Option<i64> = tx
                    .query_row(
                        "SELECT 1 FROM clients WHERE id = ?1 AND line_id = ?2",
                        params![sql_id(*client), sql_id(*line)],
                        |r| r.get(0),
                    )
                    .optional()?;
                if on_line.is_none() {
                    return Err(StorageError::Invalid(format!(
                        "client {client} is not on line {line}"
                    )));
                }
                let event = Event::MessagePosted {
                    client: *client,
                    from_specialist: Some(specialist),
                    text: text.to_string(),
                };
                vec![append(&tx, *line, now_ms, event)?]
            }
            Action::SetPresence { status } => {
                let lines: Vec<i64> = {
                    let mut stmt = tx.prepare_cached(
                        "SELECT line_id FROM line_specialists WHERE specialist_id = ?1",
                    )?;
                    stmt.query_map([sql_id(specialist)], |r| r.get(0))?
                        .collect::<Result<Vec<_>, _>>()?
                };
                lines
                    .into_iter()
                    .map(|line| {
                        append(
                            &tx,
                            id(line),
                            now_ms,
                            Event::PresenceChanged {
                                specialist,
                                status: *status,
                            },
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        tx.commit()?;
        Ok(Applied::Done(events))
    }

    fn events_after(
        &self,
        line: u64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StorageError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, at, body FROM events WHERE line_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![sql_id(line), sql_id(after), limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, at_ms, body)| {
                let event = serde_json::from_str(&body)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                Ok(StoredEvent {
                    line,
                    seq: id(seq),
                    at_ms,
                    event,
                })
            })
            .collect()
    }
}
