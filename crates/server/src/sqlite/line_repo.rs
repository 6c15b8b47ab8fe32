//! The line's repository ([`linedesk_line::Repo`]) over one SQLite transaction: the SQL of the
//! rows the line's rules read and write, and nothing else.

use linedesk_domain::appeal::SupportTier;
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::Specialist;
use linedesk_line::{
    AppealRow, AppealStage, CarriedEntry, ClientRow, KeyOwner, NewAppeal, Repo, RepoError,
    RoutingRepo,
};
use linedesk_protocol::{AppealChannel, Event};
use rusqlite::{Connection, OptionalExtension, params};

use super::{id, sql_id};
use crate::storage::StorageError;

const APPEAL_COLUMNS: &str =
    "id, line_id, client_id, channel, tier, opened_at, state, holder, result, spam, stars,
     rating_comment, waiting_since, priority";

fn appeal_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AppealRow> {
    Ok(AppealRow {
        id: id(r.get(0)?),
        line: id(r.get(1)?),
        client: id(r.get(2)?),
        channel: channel_of(&r.get::<_, String>(3)?),
        tier: tier_of(&r.get::<_, String>(4)?),
        opened_ms: r.get(5)?,
        stage: stage_of(&r.get::<_, String>(6)?),
        holder: r.get::<_, Option<i64>>(7)?.map(id),
        result: r.get(8)?,
        spam: r.get(9)?,
        stars: r.get(10)?,
        rating_comment: r.get(11)?,
        waiting_since_ms: r.get(12)?,
        priority: r.get(13)?,
    })
}

/// The line's repository over the connection of an open transaction (or savepoint): the
/// caller opened it and commits or rolls it back.
pub struct SqliteRepo<'c> {
    pub tx: &'c Connection,
}

/// A SQLite error as the line sees it: the extended code's name and the message.
pub(crate) fn db(err: rusqlite::Error) -> RepoError {
    let code = match &err {
        rusqlite::Error::SqliteFailure(e, _) => format!("sqlite.{:?}", e.code),
        _ => "sqlite".to_string(),
    };
    RepoError::new(code, err.to_string())
}

/// A storage helper's error as the line sees it.
pub(crate) fn store(err: StorageError) -> RepoError {
    match err {
        StorageError::Backend(e) => e,
        other => RepoError::new("storage", other.to_string()),
    }
}

pub(crate) fn run<T>(f: impl FnOnce() -> rusqlite::Result<T>) -> Result<T, RepoError> {
    f().map_err(db)
}

pub(crate) fn key_owner(owner: KeyOwner) -> i64 {
    // Keys are per actor; clients' ids live in another table, so their keys are negated.
    match owner {
        KeyOwner::Specialist(s) => sql_id(s),
        KeyOwner::Client(c) => -sql_id(c),
    }
}

pub(crate) fn tier_code(tier: SupportTier) -> &'static str {
    match tier {
        SupportTier::First => "first",
        SupportTier::Second => "second",
    }
}

pub(crate) fn tier_of(code: &str) -> SupportTier {
    if code == "second" {
        SupportTier::Second
    } else {
        SupportTier::First
    }
}

pub(crate) fn channel_of(code: &str) -> AppealChannel {
    match code {
        "call" => AppealChannel::Call,
        "remote" => AppealChannel::Remote,
        "file" => AppealChannel::File,
        "manual" => AppealChannel::Manual,
        _ => AppealChannel::Chat,
    }
}

pub(crate) fn stage_code(stage: AppealStage) -> &'static str {
    match stage {
        AppealStage::Queued => "queued",
        AppealStage::Assigned => "assigned",
        AppealStage::Finished => "finished",
    }
}

pub(crate) fn stage_of(code: &str) -> AppealStage {
    match code {
        "assigned" => AppealStage::Assigned,
        "finished" => AppealStage::Finished,
        _ => AppealStage::Queued,
    }
}

/// Append `event` to `line`'s log at its next sequence number (the line's head, moved in the
/// same transaction), inside `tx`.
pub(crate) fn append(
    tx: &Connection,
    line: u64,
    event: &Event,
    at_ms: i64,
) -> Result<u64, RepoError> {
    let body = serde_json::to_string(event).map_err(|e| RepoError::new("json", e.to_string()))?;
    run(|| {
        let seq: i64 = tx
            .prepare_cached(
                "INSERT INTO line_heads (line_id, seq) VALUES (?1, 1)
                 ON CONFLICT (line_id) DO UPDATE SET seq = seq + 1 RETURNING seq",
            )?
            .query_row([sql_id(line)], |r| r.get(0))?;
        tx.prepare_cached("INSERT INTO events (line_id, seq, at, body) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![sql_id(line), seq, at_ms, body])?;
        // A6: transfers are kept beside the log for the operator statistics (migration 20).
        if let Event::AppealTransferred {
            appeal, from, to, ..
        } = event
        {
            tx.prepare_cached(
                "INSERT INTO appeal_transfers
                     (line_id, seq, appeal_id, from_specialist, to_specialist, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                sql_id(line),
                seq,
                sql_id(*appeal),
                sql_id(*from),
                to.map(sql_id),
                at_ms
            ])?;
        }
        Ok(id(seq))
    })
}

impl Repo for SqliteRepo<'_> {
    fn claim_key(&mut self, owner: KeyOwner, key: &str, at_ms: i64) -> Result<bool, RepoError> {
        run(|| {
            let fresh = self
                .tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO actions (specialist_id, key, at) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![key_owner(owner), key, at_ms])?;
            Ok(fresh == 1)
        })
    }

    fn key_claimed(&mut self, owner: KeyOwner, key: &str) -> Result<bool, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT 1 FROM actions WHERE specialist_id = ?1 AND key = ?2",
                    params![key_owner(owner), key],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .is_some())
        })
    }

    fn append(&mut self, line: u64, event: &Event, at_ms: i64) -> Result<u64, RepoError> {
        append(self.tx, line, event, at_ms)
    }

    fn serves(&mut self, specialist: u64, line: u64) -> Result<bool, RepoError> {
        run(|| {
            Ok(self
                .tx
                .prepare_cached(
                    "SELECT 1 FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
                )?
                .query_row(params![sql_id(line), sql_id(specialist)], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
                .is_some())
        })
    }

    fn lines_served(&mut self, specialist: u64) -> Result<Vec<u64>, RepoError> {
        run(|| {
            let mut stmt = self.tx.prepare_cached(
                "SELECT line_id FROM line_specialists WHERE specialist_id = ?1 ORDER BY line_id",
            )?;
            stmt.query_map([sql_id(specialist)], |r| r.get::<_, i64>(0))?
                .map(|r| r.map(id))
                .collect()
        })
    }

    fn put_presence(&mut self, specialist: u64, status: PresenceStatus) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO presence (specialist_id, status) VALUES (?1, ?2)
                 ON CONFLICT (specialist_id) DO UPDATE SET status = ?2",
                params![sql_id(specialist), status.code()],
            )?;
            Ok(())
        })
    }

    fn client(&mut self, client: u64) -> Result<Option<ClientRow>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT line_id, vip, connect_id, work_status FROM clients WHERE id = ?1",
                )?
                .query_row([sql_id(client)], |r| {
                    Ok(ClientRow {
                        id: client,
                        line: id(r.get(0)?),
                        vip: r.get(1)?,
                        connect_id: r.get(2)?,
                        status: r.get(3)?,
                    })
                })
                .optional()
        })
    }

    fn client_by_connect_id(
        &mut self,
        line: u64,
        connect_id: &str,
    ) -> Result<Option<u64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT id FROM clients WHERE line_id = ?1 AND connect_id = ?2",
                    params![sql_id(line), connect_id],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .map(id))
        })
    }

    fn appeal(&mut self, appeal: u64) -> Result<Option<AppealRow>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(&format!(
                    "SELECT {APPEAL_COLUMNS} FROM appeals WHERE id = ?1"
                ))?
                .query_row([sql_id(appeal)], appeal_row)
                .optional()
        })
    }

    fn open_appeal_of(&mut self, line: u64, client: u64) -> Result<Option<u64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .prepare_cached(
                    "SELECT id FROM appeals
                     WHERE line_id = ?1 AND client_id = ?2 AND state <> 'finished'",
                )?
                .query_row(params![sql_id(line), sql_id(client)], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()?
                .map(id))
        })
    }

    fn insert_appeal(&mut self, appeal: &NewAppeal) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO appeals (line_id, client_id, state, opened_at, channel, priority)
                 VALUES (?1, ?2, 'queued', ?3, ?4, ?5)",
                params![
                    sql_id(appeal.line),
                    sql_id(appeal.client),
                    appeal.opened_ms,
                    appeal.channel.code(),
                    appeal.priority
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }

    fn put_appeal(&mut self, a: &AppealRow) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "UPDATE appeals SET state = ?2, holder = ?3, tier = ?4, result = ?5, spam = ?6,
                    stars = ?7, rating_comment = ?8, waiting_since = ?9
                 WHERE id = ?1",
                params![
                    sql_id(a.id),
                    stage_code(a.stage),
                    a.holder.map(sql_id),
                    tier_code(a.tier),
                    a.result,
                    a.spam,
                    a.stars,
                    a.rating_comment,
                    a.waiting_since_ms
                ],
            )?;
            // R1: the reports' copy of who holds it, spam and stars (migration 20).
            self.tx
                .prepare_cached(
                    "UPDATE appeal_sla SET holder = ?2, spam = ?3, stars = ?4 WHERE appeal_id = ?1",
                )?
                .execute(params![sql_id(a.id), a.holder.map(sql_id), a.spam, a.stars])?;
            Ok(())
        })
    }

    fn appeal_conversation(
        &mut self,
        line: u64,
        appeal: u64,
        max: usize,
    ) -> Result<Vec<CarriedEntry>, RepoError> {
        super::carried::appeal_conversation(self.tx, line, appeal, max)
    }
}

impl RoutingRepo for SqliteRepo<'_> {
    fn line_ids(&mut self) -> Result<Vec<u64>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached("SELECT id FROM lines ORDER BY id")?
                .query_map([], |r| r.get::<_, i64>(0).map(id))?
                .collect()
        })
    }

    fn team(&mut self, line: u64) -> Result<Vec<Specialist>, RepoError> {
        super::line_team(self.tx, line).map_err(store)
    }

    fn open_appeals_of_line(&mut self, line: u64) -> Result<Vec<AppealRow>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(&format!(
                    "SELECT {APPEAL_COLUMNS} FROM appeals
                     WHERE line_id = ?1 AND state <> 'finished' ORDER BY id"
                ))?
                .query_map([sql_id(line)], appeal_row)?
                .collect()
        })
    }

    fn team_names(&mut self, line: u64) -> Result<Vec<(u64, String)>, RepoError> {
        run(|| {
            self.tx
                .prepare_cached(
                    "SELECT s.id, s.name FROM line_specialists ls
                     JOIN specialists s ON s.id = ls.specialist_id
                     WHERE ls.line_id = ?1 ORDER BY s.id",
                )?
                .query_map([sql_id(line)], |r| Ok((id(r.get(0)?), r.get(1)?)))?
                .collect()
        })
    }

    fn responsible_on_card(&mut self, client: u64) -> Result<Vec<String>, RepoError> {
        let json: Option<String> = run(|| {
            self.tx
                .prepare_cached("SELECT responsible FROM clients WHERE id = ?1")?
                .query_row([sql_id(client)], |r| r.get(0))
                .optional()
        })?;
        // The card's list as written by the import or the admin (a JSON array of names).
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    fn staff_asker(&mut self, line: u64, client: u64) -> Result<Option<u64>, RepoError> {
        let found: Option<i64> = run(|| {
            self.tx
                .prepare_cached(
                    "SELECT specialist_id FROM staff_clients WHERE line_id = ?1 AND client_id = ?2",
                )?
                .query_row([sql_id(line), sql_id(client)], |r| r.get(0))
                .optional()
        })?;
        Ok(found.and_then(|id| u64::try_from(id).ok()))
    }

    fn remove_from_team(&mut self, line: u64, specialist: u64) -> Result<bool, RepoError> {
        run(|| {
            Ok(self.tx.execute(
                "DELETE FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
                params![sql_id(line), sql_id(specialist)],
            )? == 1)
        })
    }
}
