//! The line's repository ([`linedesk_line::Repo`]) over one PostgreSQL transaction: the rows
//! of accounts, lines, the per-line event log, messages and appeals (with their routing, SLA
//! timers, closing and type).

use linedesk_domain::ids::SpecialistId;
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::Specialist;
use linedesk_line::{
    AppealRow, CarriedEntry, ClientRow, KeyOwner, NewAppeal, Repo, RepoError, RoutingRepo,
};
use linedesk_protocol::Event;
use tokio_postgres::Row;

use super::db::{Db, id, pg, sql_id};
use crate::sqlite::line_repo::{channel_of, key_owner, stage_code, stage_of, tier_code, tier_of};

pub(crate) const APPEAL_COLUMNS: &str =
    "id, line_id, client_id, channel, tier, opened_at, state, holder, result, spam, stars,
     rating_comment, waiting_since, priority";

pub(crate) fn appeal_row(r: &Row) -> Result<AppealRow, RepoError> {
    Ok(AppealRow {
        id: id(r.try_get(0).map_err(pg)?),
        line: id(r.try_get(1).map_err(pg)?),
        client: id(r.try_get(2).map_err(pg)?),
        channel: channel_of(r.try_get(3).map_err(pg)?),
        tier: tier_of(r.try_get(4).map_err(pg)?),
        opened_ms: r.try_get(5).map_err(pg)?,
        stage: stage_of(r.try_get(6).map_err(pg)?),
        holder: r.try_get::<_, Option<i64>>(7).map_err(pg)?.map(id),
        result: r.try_get(8).map_err(pg)?,
        spam: r.try_get(9).map_err(pg)?,
        stars: r
            .try_get::<_, Option<i64>>(10)
            .map_err(pg)?
            .map(|s| u8::try_from(s).unwrap_or(u8::MAX)),
        rating_comment: r.try_get(11).map_err(pg)?,
        waiting_since_ms: r.try_get(12).map_err(pg)?,
        priority: u8::try_from(r.try_get::<_, i64>(13).map_err(pg)?).unwrap_or(u8::MAX),
    })
}

/// The line's repository over the connection of an open transaction: the caller began it and
/// commits or rolls it back.
pub struct PgRepo<'c> {
    pub(crate) db: &'c Db,
}

/// Append `event` to `line`'s log at its next sequence number: the line's head row, moved in
/// the same transaction, is locked until the COMMIT, so appends to one line are numbered in
/// commit order with no gap, whichever server makes them.
pub(crate) fn append(db: &Db, line: u64, event: &Event, at_ms: i64) -> Result<u64, RepoError> {
    let body = serde_json::to_string(event).map_err(|e| RepoError::new("json", e.to_string()))?;
    let seq: i64 = db
        .one(
            "INSERT INTO line_heads (line_id, seq) VALUES ($1, 1)
             ON CONFLICT (line_id) DO UPDATE SET seq = line_heads.seq + 1 RETURNING seq",
            &[&sql_id(line)],
        )
        .map_err(pg)?
        .get(0);
    db.exec(
        "INSERT INTO events (line_id, seq, at, body) VALUES ($1, $2, $3, $4)",
        &[&sql_id(line), &seq, &at_ms, &body],
    )
    .map_err(pg)?;
    // A6: transfers are kept beside the log for the operator statistics.
    if let Event::AppealTransferred {
        appeal, from, to, ..
    } = event
    {
        db.exec(
            "INSERT INTO appeal_transfers
                 (line_id, seq, appeal_id, from_specialist, to_specialist, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &sql_id(line),
                &seq,
                &sql_id(*appeal),
                &sql_id(*from),
                &to.map(sql_id),
                &at_ms,
            ],
        )
        .map_err(pg)?;
    }
    Ok(id(seq))
}

/// The specialists of a line as routing sees them (presence Offline until set).
pub(crate) fn line_team(db: &Db, line: u64) -> Result<Vec<Specialist>, RepoError> {
    let rows = db
        .rows(
            "SELECT ls.specialist_id, COALESCE(p.status, 'offline'), ls.priority, ls.max_load
             FROM line_specialists ls LEFT JOIN presence p ON p.specialist_id = ls.specialist_id
             WHERE ls.line_id = $1",
            &[&sql_id(line)],
        )
        .map_err(pg)?;
    Ok(rows
        .iter()
        .map(|r| Specialist {
            id: SpecialistId(id(r.get(0))),
            presence: PresenceStatus::from_code(r.get(1)).unwrap_or(PresenceStatus::Offline),
            priority: u8::try_from(r.get::<_, i64>(2)).unwrap_or(u8::MAX),
            limit: u32::try_from(r.get::<_, i64>(3)).unwrap_or(0),
            load: 0,
        })
        .collect())
}

fn ids(rows: Vec<Row>) -> Vec<u64> {
    rows.iter().map(|r| id(r.get(0))).collect()
}

impl Repo for PgRepo<'_> {
    fn claim_key(&mut self, owner: KeyOwner, key: &str, at_ms: i64) -> Result<bool, RepoError> {
        let fresh = self
            .db
            .exec(
                "INSERT INTO actions (specialist_id, key, at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&key_owner(owner), &key, &at_ms],
            )
            .map_err(pg)?;
        Ok(fresh == 1)
    }

    fn key_claimed(&mut self, owner: KeyOwner, key: &str) -> Result<bool, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT 1 FROM actions WHERE specialist_id = $1 AND key = $2",
                &[&key_owner(owner), &key],
            )
            .map_err(pg)?
            .is_some())
    }

    fn append(&mut self, line: u64, event: &Event, at_ms: i64) -> Result<u64, RepoError> {
        append(self.db, line, event, at_ms)
    }

    fn serves(&mut self, specialist: u64, line: u64) -> Result<bool, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT 1 FROM line_specialists WHERE line_id = $1 AND specialist_id = $2",
                &[&sql_id(line), &sql_id(specialist)],
            )
            .map_err(pg)?
            .is_some())
    }

    fn lines_served(&mut self, specialist: u64) -> Result<Vec<u64>, RepoError> {
        Ok(ids(self
            .db
            .rows(
                "SELECT line_id FROM line_specialists WHERE specialist_id = $1 ORDER BY line_id",
                &[&sql_id(specialist)],
            )
            .map_err(pg)?))
    }

    fn put_presence(&mut self, specialist: u64, status: PresenceStatus) -> Result<(), RepoError> {
        self.db
            .exec(
                "INSERT INTO presence (specialist_id, status) VALUES ($1, $2)
                 ON CONFLICT (specialist_id) DO UPDATE SET status = EXCLUDED.status",
                &[&sql_id(specialist), &status.code()],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn client(&mut self, client: u64) -> Result<Option<ClientRow>, RepoError> {
        let row = self
            .db
            .opt(
                "SELECT line_id, vip, connect_id, work_status FROM clients WHERE id = $1",
                &[&sql_id(client)],
            )
            .map_err(pg)?;
        Ok(row.map(|r| ClientRow {
            id: client,
            line: id(r.get(0)),
            vip: r.get(1),
            connect_id: r.get(2),
            status: r.get(3),
        }))
    }

    fn client_by_connect_id(
        &mut self,
        line: u64,
        connect_id: &str,
    ) -> Result<Option<u64>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT id FROM clients WHERE line_id = $1 AND connect_id = $2",
                &[&sql_id(line), &connect_id],
            )
            .map_err(pg)?
            .map(|r| id(r.get(0))))
    }

    fn appeal(&mut self, appeal: u64) -> Result<Option<AppealRow>, RepoError> {
        self.db
            .opt(
                &format!("SELECT {APPEAL_COLUMNS} FROM appeals WHERE id = $1"),
                &[&sql_id(appeal)],
            )
            .map_err(pg)?
            .as_ref()
            .map(appeal_row)
            .transpose()
    }

    fn open_appeal_of(&mut self, line: u64, client: u64) -> Result<Option<u64>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT id FROM appeals
                 WHERE line_id = $1 AND client_id = $2 AND state <> 'finished'",
                &[&sql_id(line), &sql_id(client)],
            )
            .map_err(pg)?
            .map(|r| id(r.get(0))))
    }

    fn insert_appeal(&mut self, appeal: &NewAppeal) -> Result<u64, RepoError> {
        let row = self
            .db
            .one(
                "INSERT INTO appeals (line_id, client_id, state, opened_at, channel, priority)
                 VALUES ($1, $2, 'queued', $3, $4, $5) RETURNING id",
                &[
                    &sql_id(appeal.line),
                    &sql_id(appeal.client),
                    &appeal.opened_ms,
                    &appeal.channel.code(),
                    &i64::from(appeal.priority),
                ],
            )
            .map_err(pg)?;
        Ok(id(row.get(0)))
    }

    fn put_appeal(&mut self, a: &AppealRow) -> Result<(), RepoError> {
        let stars = a.stars.map(i64::from);
        self.db
            .exec(
                "UPDATE appeals SET state = $2, holder = $3, tier = $4, result = $5, spam = $6,
                    stars = $7, rating_comment = $8, waiting_since = $9
                 WHERE id = $1",
                &[
                    &sql_id(a.id),
                    &stage_code(a.stage),
                    &a.holder.map(sql_id),
                    &tier_code(a.tier),
                    &a.result,
                    &a.spam,
                    &stars,
                    &a.rating_comment,
                    &a.waiting_since_ms,
                ],
            )
            .map_err(pg)?;
        // R1: the reports' copy of who holds it, spam and stars.
        self.db
            .exec(
                "UPDATE appeal_sla SET holder = $2, spam = $3, stars = $4 WHERE appeal_id = $1",
                &[&sql_id(a.id), &a.holder.map(sql_id), &a.spam, &stars],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn appeal_conversation(
        &mut self,
        line: u64,
        appeal: u64,
        max: usize,
    ) -> Result<Vec<CarriedEntry>, RepoError> {
        super::carried::appeal_conversation(self.db, line, appeal, max)
    }
}

impl RoutingRepo for PgRepo<'_> {
    fn line_ids(&mut self) -> Result<Vec<u64>, RepoError> {
        Ok(ids(self
            .db
            .rows("SELECT id FROM lines ORDER BY id", &[])
            .map_err(pg)?))
    }

    fn team(&mut self, line: u64) -> Result<Vec<Specialist>, RepoError> {
        line_team(self.db, line)
    }

    fn open_appeals_of_line(&mut self, line: u64) -> Result<Vec<AppealRow>, RepoError> {
        self.db
            .rows(
                &format!(
                    "SELECT {APPEAL_COLUMNS} FROM appeals
                     WHERE line_id = $1 AND state <> 'finished' ORDER BY id"
                ),
                &[&sql_id(line)],
            )
            .map_err(pg)?
            .iter()
            .map(appeal_row)
            .collect()
    }

    fn team_names(&mut self, line: u64) -> Result<Vec<(u64, String)>, RepoError> {
        Ok(self
            .db
            .rows(
                "SELECT s.id, s.name FROM line_specialists ls
                 JOIN specialists s ON s.id = ls.specialist_id
                 WHERE ls.line_id = $1 ORDER BY s.id",
                &[&sql_id(line)],
            )
            .map_err(pg)?
            .iter()
            .map(|r| (id(r.get(0)), r.get(1)))
            .collect())
    }

    fn responsible_on_card(&mut self, client: u64) -> Result<Vec<String>, RepoError> {
        let json: Option<String> = self
            .db
            .opt(
                "SELECT responsible FROM clients WHERE id = $1",
                &[&sql_id(client)],
            )
            .map_err(pg)?
            .map(|r| r.get(0));
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    fn staff_asker(&mut self, line: u64, client: u64) -> Result<Option<u64>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT specialist_id FROM staff_clients WHERE line_id = $1 AND client_id = $2",
                &[&sql_id(line), &sql_id(client)],
            )
            .map_err(pg)?
            .map(|r| id(r.get(0))))
    }

    fn remove_from_team(&mut self, line: u64, specialist: u64) -> Result<bool, RepoError> {
        Ok(self
            .db
            .exec(
                "DELETE FROM line_specialists WHERE line_id = $1 AND specialist_id = $2",
                &[&sql_id(line), &sql_id(specialist)],
            )
            .map_err(pg)?
            == 1)
    }
}
