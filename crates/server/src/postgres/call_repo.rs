//! Calls (V1) over PostgreSQL: the same rows as SQLite's `call_repo.rs` (calls, their legs and
//! consultations, statistics), with the recording's bytes in `call_recordings.ogg`
//! (migration 2) rather than in a file, so every server of the database reads them.

use linedesk_line::{CallRecord, CallRepo, Consult, NewCall, RecordingRow, RepoError, TransferLeg};
use linedesk_protocol::{CallEndReason, CallQuality, Role};
use tokio_postgres::Row;

use super::db::{Db, id, pg, sql_id};
use super::line_repo::PgRepo;
use crate::sqlite::call_repo::{party_code, stage_of};
use crate::storage::StorageError;

fn record(call: u64, r: &Row) -> Result<CallRecord, RepoError> {
    let consult_of: Option<i64> = r.try_get(6).map_err(pg)?;
    let consulted_by: Option<i64> = r.try_get(7).map_err(pg)?;
    Ok(CallRecord {
        id: call,
        line: id(r.try_get(0).map_err(pg)?),
        client: id(r.try_get(1).map_err(pg)?),
        specialist: r.try_get::<_, Option<i64>>(2).map_err(pg)?.map(id),
        appeal: id(r.try_get(3).map_err(pg)?),
        from_client: r.try_get(4).map_err(pg)?,
        stage: stage_of(r.try_get(5).map_err(pg)?)?,
        consult: consult_of.zip(consulted_by).map(|(of, by)| Consult {
            of: id(of),
            by: id(by),
        }),
    })
}

/// A call by id, or `None`.
pub(crate) fn load(db: &Db, call: u64) -> Result<Option<CallRecord>, RepoError> {
    db.opt(
        "SELECT line_id, client_id, specialist_id, appeal_id, from_client, state,
             consult_of, consulted_by
         FROM calls WHERE id = $1",
        &[&sql_id(call)],
    )
    .map_err(pg)?
    .map(|r| record(call, &r))
    .transpose()
}

fn first_id(db: &Db, sql: &str, params: super::db::Params<'_>) -> Result<Option<u64>, RepoError> {
    Ok(db.opt(sql, params).map_err(pg)?.map(|r| id(r.get(0))))
}

fn permille(v: u32) -> i64 {
    i64::from(v)
}

fn narrow<T: TryFrom<i64> + Default>(v: i64) -> T {
    T::try_from(v).unwrap_or_default()
}

impl CallRepo for PgRepo<'_> {
    fn call(&mut self, call: u64) -> Result<Option<CallRecord>, RepoError> {
        load(self.db, call)
    }

    fn live_call(
        &mut self,
        line: u64,
        client: u64,
        specialist: Option<u64>,
    ) -> Result<Option<u64>, RepoError> {
        first_id(
            self.db,
            "SELECT id FROM calls WHERE state <> 'ended'
             AND ((line_id = $1 AND client_id = $2) OR specialist_id = $3) LIMIT 1",
            &[&sql_id(line), &sql_id(client), &specialist.map(sql_id)],
        )
    }

    fn ringing_since(&mut self, placed_ms: i64) -> Result<Vec<CallRecord>, RepoError> {
        let ids = self
            .db
            .rows(
                "SELECT id FROM calls WHERE state = 'ringing' AND placed_at <= $1
                 ORDER BY placed_at",
                &[&placed_ms],
            )
            .map_err(pg)?;
        ids.iter()
            .filter_map(|r| load(self.db, id(r.get(0))).transpose())
            .collect()
    }

    fn insert_call(&mut self, c: &NewCall) -> Result<u64, RepoError> {
        Ok(id(self
            .db
            .one(
                "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client,
                     state, placed_at)
                 VALUES ($1, $2, $3, $4, $5, 'ringing', $6) RETURNING id",
                &[
                    &sql_id(c.line),
                    &sql_id(c.client),
                    &c.specialist.map(sql_id),
                    &sql_id(c.appeal),
                    &c.from_client,
                    &c.placed_ms,
                ],
            )
            .map_err(pg)?
            .get(0)))
    }

    fn call_connected(&mut self, call: u64, specialist: u64, at_ms: i64) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE calls SET state = 'connected', specialist_id = $2, connected_at = $3
                 WHERE id = $1",
                &[&sql_id(call), &sql_id(specialist), &at_ms],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn call_connected_at(&mut self, call: u64) -> Result<Option<i64>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT connected_at FROM calls WHERE id = $1",
                &[&sql_id(call)],
            )
            .map_err(pg)?
            .and_then(|r| r.get(0)))
    }

    fn call_ended(
        &mut self,
        call: u64,
        at_ms: i64,
        reason: CallEndReason,
    ) -> Result<(), RepoError> {
        let code = serde_json::to_value(reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.db
            .exec(
                "UPDATE calls SET state = 'ended', ended_at = $2, end_reason = $3 WHERE id = $1",
                &[&sql_id(call), &at_ms, &code],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn insert_call_stats(
        &mut self,
        call: u64,
        party: Role,
        at_ms: i64,
        q: &CallQuality,
    ) -> Result<bool, RepoError> {
        let inserted = self
            .db
            .exec(
                "INSERT INTO call_stats (call_id, party, at, duration_ms, packets_sent,
                     packets_received, loss_permille, late_permille, jitter_ms, buffer_ms,
                     rtt_ms, mos_centi, far_loss_permille, far_jitter_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT (call_id, party) DO NOTHING",
                &[
                    &sql_id(call),
                    &party_code(party),
                    &at_ms,
                    &sql_id(q.duration_ms),
                    &sql_id(q.packets_sent),
                    &sql_id(q.packets_received),
                    &permille(q.loss_permille),
                    &permille(q.late_permille),
                    &permille(q.jitter_ms),
                    &permille(q.buffer_ms),
                    &q.rtt_ms.map(permille),
                    &i64::from(q.mos_centi),
                    &q.far_loss_permille.map(permille),
                    &q.far_jitter_ms.map(permille),
                ],
            )
            .map_err(pg)?;
        Ok(inserted == 1)
    }

    fn recording_sha(&mut self, call: u64) -> Result<Option<String>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT sha256 FROM call_recordings WHERE call_id = $1",
                &[&sql_id(call)],
            )
            .map_err(pg)?
            .map(|r| r.get(0)))
    }

    fn insert_recording(&mut self, r: &RecordingRow) -> Result<(), RepoError> {
        self.db
            .exec(
                "INSERT INTO call_recordings (call_id, bytes, duration_ms, sha256, uploaded_by,
                     uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &sql_id(r.call),
                    &sql_id(r.bytes),
                    &sql_id(r.duration_ms),
                    &r.sha256,
                    &sql_id(r.uploaded_by),
                    &r.uploaded_ms,
                ],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn insert_transfer_leg(&mut self, c: &NewCall, leg: &TransferLeg) -> Result<u64, RepoError> {
        Ok(id(self
            .db
            .one(
                "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client,
                     state, placed_at, transfer_of, transferred_by, transfer_reason)
                 VALUES ($1, $2, $3, $4, $5, 'ringing', $6, $7, $8, $9) RETURNING id",
                &[
                    &sql_id(c.line),
                    &sql_id(c.client),
                    &c.specialist.map(sql_id),
                    &sql_id(c.appeal),
                    &c.from_client,
                    &c.placed_ms,
                    &sql_id(leg.of),
                    &sql_id(leg.by),
                    &leg.reason,
                ],
            )
            .map_err(pg)?
            .get(0)))
    }

    fn transfer_of(&mut self, call: u64) -> Result<Option<TransferLeg>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT transfer_of, transferred_by, transfer_reason FROM calls
                 WHERE id = $1 AND transfer_of IS NOT NULL",
                &[&sql_id(call)],
            )
            .map_err(pg)?
            .map(|r| TransferLeg {
                of: id(r.get(0)),
                by: id(r.get(1)),
                reason: r.get::<_, Option<String>>(2).unwrap_or_default(),
            }))
    }

    fn live_leg(&mut self, call: u64) -> Result<Option<u64>, RepoError> {
        first_id(
            self.db,
            "SELECT id FROM calls WHERE transfer_of = $1 AND state <> 'ended'",
            &[&sql_id(call)],
        )
    }

    fn specialist_call(&mut self, specialist: u64) -> Result<Option<u64>, RepoError> {
        first_id(
            self.db,
            "SELECT id FROM calls WHERE specialist_id = $1 AND state <> 'ended' LIMIT 1",
            &[&sql_id(specialist)],
        )
    }

    fn insert_consultation(&mut self, c: &NewCall, k: &Consult) -> Result<u64, RepoError> {
        Ok(id(self
            .db
            .one(
                "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client,
                     state, placed_at, consult_of, consulted_by)
                 VALUES ($1, $2, $3, $4, $5, 'ringing', $6, $7, $8) RETURNING id",
                &[
                    &sql_id(c.line),
                    &sql_id(c.client),
                    &c.specialist.map(sql_id),
                    &sql_id(c.appeal),
                    &c.from_client,
                    &c.placed_ms,
                    &sql_id(k.of),
                    &sql_id(k.by),
                ],
            )
            .map_err(pg)?
            .get(0)))
    }

    fn live_consultation(&mut self, call: u64) -> Result<Option<u64>, RepoError> {
        first_id(
            self.db,
            "SELECT id FROM calls WHERE consult_of = $1 AND state <> 'ended'",
            &[&sql_id(call)],
        )
    }

    fn consultation_joined(&mut self, consultation: u64, at_ms: i64) -> Result<(), RepoError> {
        self.db
            .exec(
                "UPDATE calls SET joined_at = $2 WHERE id = $1 AND joined_at IS NULL",
                &[&sql_id(consultation), &at_ms],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn consultation_joined_at(&mut self, consultation: u64) -> Result<Option<i64>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT joined_at FROM calls WHERE id = $1",
                &[&sql_id(consultation)],
            )
            .map_err(pg)?
            .and_then(|r| r.get(0)))
    }
}

/// Both parties' statistics of `call` as stored, specialist first.
pub(crate) fn stats_of(db: &Db, call: u64) -> Result<Vec<(Role, CallQuality)>, StorageError> {
    Ok(db
        .rows(
            "SELECT party, duration_ms, packets_sent, packets_received, loss_permille,
                 late_permille, jitter_ms, buffer_ms, rtt_ms, mos_centi, far_loss_permille,
                 far_jitter_ms
             FROM call_stats WHERE call_id = $1 ORDER BY party DESC",
            &[&sql_id(call)],
        )?
        .iter()
        .map(|r| {
            let role = if r.get::<_, &str>(0) == "client" {
                Role::Client
            } else {
                Role::Specialist
            };
            (
                role,
                CallQuality {
                    duration_ms: id(r.get(1)),
                    packets_sent: id(r.get(2)),
                    packets_received: id(r.get(3)),
                    loss_permille: narrow(r.get(4)),
                    late_permille: narrow(r.get(5)),
                    jitter_ms: narrow(r.get(6)),
                    buffer_ms: narrow(r.get(7)),
                    rtt_ms: r.get::<_, Option<i64>>(8).map(narrow),
                    mos_centi: narrow(r.get(9)),
                    far_loss_permille: r.get::<_, Option<i64>>(10).map(narrow),
                    far_jitter_ms: r.get::<_, Option<i64>>(11).map(narrow),
                },
            )
        })
        .collect())
}

/// Keep the bytes of a recording whose row `insert_recording` wrote in this transaction.
pub(crate) fn keep_bytes(db: &Db, call: u64, ogg: &[u8]) -> Result<(), StorageError> {
    db.exec(
        "UPDATE call_recordings SET ogg = $2 WHERE call_id = $1",
        &[&sql_id(call), &ogg],
    )?;
    Ok(())
}

/// The recording's bytes, if uploaded.
pub(crate) fn recording_bytes(db: &Db, call: u64) -> Result<Option<Vec<u8>>, StorageError> {
    Ok(db
        .opt(
            "SELECT ogg FROM call_recordings WHERE call_id = $1",
            &[&sql_id(call)],
        )?
        .map(|r| r.get(0)))
}

/// The recording's size in bytes, if uploaded.
pub(crate) fn recording_size(db: &Db, call: u64) -> Result<Option<u64>, StorageError> {
    Ok(db
        .opt(
            "SELECT bytes FROM call_recordings WHERE call_id = $1",
            &[&sql_id(call)],
        )?
        .map(|r| id(r.get(0))))
}

/// Up to `len` bytes of the recording from `offset` (empty past its end).
/// `substring(bytea FROM $2 FOR $3)`'s arguments for `len` bytes from `offset`: int4, as
/// PostgreSQL types them (a bytea holds at most 1 GB; an i64 would not bind, and the download
/// would end empty), counted from 1; past the end the answer is empty.
pub(crate) fn substring_range(offset: u64, len: usize) -> (i32, i32) {
    let from = offset
        .checked_add(1)
        .and_then(|from| i32::try_from(from).ok())
        .unwrap_or(i32::MAX);
    (from, i32::try_from(len).unwrap_or(i32::MAX))
}

pub(crate) fn recording_chunk(
    db: &Db,
    call: u64,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, StorageError> {
    let (from, len) = substring_range(offset, len);
    Ok(db
        .opt(
            "SELECT substring(ogg FROM $2 FOR $3) FROM call_recordings WHERE call_id = $1",
            &[&sql_id(call), &from, &len],
        )?
        .map(|r| r.get(0))
        .unwrap_or_default())
}
