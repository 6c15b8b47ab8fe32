//! The calls' repository ([`linedesk_line::CallRepo`]) over SQLite, the reads of calls for the
//! server (signalling, downloads, statistics) and the recordings' bytes on disk. The rules are
//! `linedesk_line::calls`.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use linedesk_line::{
    CallRecord, CallRepo, CallStage, Consult, NewCall, RecordingRow, RepoError, TransferLeg,
};
use linedesk_protocol::{CallEndReason, CallQuality, Role};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::batch::{self, Work};
use super::line_repo::{SqliteRepo, run};
use super::{Inner, id, sql_id};
use crate::storage::{CallRecording, RecordingSaved, StorageError, Subject};

/// Where recordings' bytes are kept.
pub(crate) enum RecordingFiles {
    /// One file per call, `call-<id>.ogg`, in this directory.
    Dir(PathBuf),
    /// An in-memory database keeps its recordings in memory too.
    Memory(Mutex<HashMap<u64, Vec<u8>>>),
}

impl RecordingFiles {
    pub(crate) fn path(dir: &std::path::Path, call: u64) -> PathBuf {
        dir.join(format!("call-{call}.ogg"))
    }

    /// Write the whole file durably: a temporary file, fsync, rename.
    pub(crate) fn write(&self, call: u64, bytes: &[u8]) -> Result<(), StorageError> {
        match self {
            RecordingFiles::Dir(dir) => {
                std::fs::create_dir_all(dir)?;
                let tmp = dir.join(format!("call-{call}.ogg.part"));
                let mut file = std::fs::File::create(&tmp)?;
                file.write_all(bytes)?;
                file.sync_all()?;
                std::fs::rename(&tmp, Self::path(dir, call))?;
                Ok(())
            }
            RecordingFiles::Memory(map) => {
                map.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(call, bytes.to_vec());
                Ok(())
            }
        }
    }

    pub(crate) fn read(&self, call: u64) -> Result<Vec<u8>, StorageError> {
        match self {
            RecordingFiles::Dir(dir) => Ok(std::fs::read(Self::path(dir, call))?),
            RecordingFiles::Memory(map) => map
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&call)
                .cloned()
                .ok_or_else(|| StorageError::Corrupt(format!("recording of call {call} is gone"))),
        }
    }
}

pub(crate) fn stage_of(code: &str) -> Result<CallStage, RepoError> {
    match code {
        "ringing" => Ok(CallStage::Ringing),
        "connected" => Ok(CallStage::Connected),
        "ended" => Ok(CallStage::Ended),
        other => Err(RepoError::new("corrupt", format!("call state {other:?}"))),
    }
}

pub(crate) fn party_code(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        _ => "specialist",
    }
}

/// A call by id, or `None`.
pub(crate) fn load(conn: &Connection, call: u64) -> Result<Option<CallRecord>, RepoError> {
    let row = run(|| {
        conn.prepare_cached(
            "SELECT line_id, client_id, specialist_id, appeal_id, from_client, state,
                 consult_of, consulted_by
             FROM calls WHERE id = ?1",
        )?
        .query_row([sql_id(call)], |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, i64>(3)?,
                ),
                r.get::<_, bool>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<i64>>(6)?.zip(r.get::<_, Option<i64>>(7)?),
            ))
        })
        .optional()
    })?;
    row.map(
        |((line, client, specialist, appeal), from_client, state, consult)| {
            Ok(CallRecord {
                id: call,
                line: id(line),
                client: id(client),
                specialist: specialist.map(id),
                appeal: id(appeal),
                from_client,
                stage: stage_of(&state)?,
                consult: consult.map(|(of, by)| Consult {
                    of: id(of),
                    by: id(by),
                }),
            })
        },
    )
    .transpose()
}

impl CallRepo for SqliteRepo<'_> {
    fn call(&mut self, call: u64) -> Result<Option<CallRecord>, RepoError> {
        load(self.tx, call)
    }

    fn live_call(
        &mut self,
        line: u64,
        client: u64,
        specialist: Option<u64>,
    ) -> Result<Option<u64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT id FROM calls WHERE state <> 'ended'
                     AND ((line_id = ?1 AND client_id = ?2) OR specialist_id = ?3)",
                    params![sql_id(line), sql_id(client), specialist.map(sql_id)],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .map(id))
        })
    }

    fn ringing_since(&mut self, placed_ms: i64) -> Result<Vec<CallRecord>, RepoError> {
        let ids: Vec<i64> = run(|| {
            self.tx
                .prepare_cached(
                    "SELECT id FROM calls WHERE state = 'ringing' AND placed_at <= ?1
                     ORDER BY placed_at",
                )?
                .query_map([placed_ms], |r| r.get(0))?
                .collect()
        })?;
        ids.into_iter()
            .filter_map(|c| load(self.tx, id(c)).transpose())
            .collect()
    }

    fn insert_call(&mut self, c: &NewCall) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client,
                     state, placed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'ringing', ?6)",
                params![
                    sql_id(c.line),
                    sql_id(c.client),
                    c.specialist.map(sql_id),
                    sql_id(c.appeal),
                    c.from_client,
                    c.placed_ms
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }

    fn call_connected(&mut self, call: u64, specialist: u64, at_ms: i64) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "UPDATE calls SET state = 'connected', specialist_id = ?2, connected_at = ?3
                 WHERE id = ?1",
                params![sql_id(call), sql_id(specialist), at_ms],
            )?;
            Ok(())
        })
    }

    fn call_connected_at(&mut self, call: u64) -> Result<Option<i64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT connected_at FROM calls WHERE id = ?1",
                    [sql_id(call)],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten())
        })
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
        run(|| {
            self.tx.execute(
                "UPDATE calls SET state = 'ended', ended_at = ?2, end_reason = ?3 WHERE id = ?1",
                params![sql_id(call), at_ms, code],
            )?;
            Ok(())
        })
    }

    fn insert_call_stats(
        &mut self,
        call: u64,
        party: Role,
        at_ms: i64,
        q: &CallQuality,
    ) -> Result<bool, RepoError> {
        run(|| {
            let inserted = self.tx.execute(
                "INSERT INTO call_stats (call_id, party, at, duration_ms, packets_sent,
                     packets_received, loss_permille, late_permille, jitter_ms, buffer_ms,
                     rtt_ms, mos_centi, far_loss_permille, far_jitter_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (call_id, party) DO NOTHING",
                params![
                    sql_id(call),
                    party_code(party),
                    at_ms,
                    sql_id(q.duration_ms),
                    sql_id(q.packets_sent),
                    sql_id(q.packets_received),
                    q.loss_permille,
                    q.late_permille,
                    q.jitter_ms,
                    q.buffer_ms,
                    q.rtt_ms,
                    q.mos_centi,
                    q.far_loss_permille,
                    q.far_jitter_ms,
                ],
            )?;
            Ok(inserted == 1)
        })
    }

    fn recording_sha(&mut self, call: u64) -> Result<Option<String>, RepoError> {
        run(|| {
            self.tx
                .query_row(
                    "SELECT sha256 FROM call_recordings WHERE call_id = ?1",
                    [sql_id(call)],
                    |r| r.get(0),
                )
                .optional()
        })
    }

    fn insert_recording(&mut self, r: &RecordingRow) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO call_recordings (call_id, bytes, duration_ms, sha256, uploaded_by,
                     uploaded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    sql_id(r.call),
                    sql_id(r.bytes),
                    sql_id(r.duration_ms),
                    r.sha256,
                    sql_id(r.uploaded_by),
                    r.uploaded_ms
                ],
            )?;
            Ok(())
        })
    }

    fn insert_transfer_leg(&mut self, c: &NewCall, leg: &TransferLeg) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client,
                     state, placed_at, transfer_of, transferred_by, transfer_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'ringing', ?6, ?7, ?8, ?9)",
                params![
                    sql_id(c.line),
                    sql_id(c.client),
                    c.specialist.map(sql_id),
                    sql_id(c.appeal),
                    c.from_client,
                    c.placed_ms,
                    sql_id(leg.of),
                    sql_id(leg.by),
                    leg.reason,
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }

    fn transfer_of(&mut self, call: u64) -> Result<Option<TransferLeg>, RepoError> {
        run(|| {
            self.tx
                .query_row(
                    "SELECT transfer_of, transferred_by, transfer_reason FROM calls
                     WHERE id = ?1 AND transfer_of IS NOT NULL",
                    [sql_id(call)],
                    |r| {
                        Ok(TransferLeg {
                            of: id(r.get(0)?),
                            by: id(r.get(1)?),
                            reason: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        })
                    },
                )
                .optional()
        })
    }

    fn live_leg(&mut self, call: u64) -> Result<Option<u64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT id FROM calls WHERE transfer_of = ?1 AND state <> 'ended'",
                    [sql_id(call)],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .map(id))
        })
    }

    fn insert_consultation(&mut self, c: &NewCall, k: &Consult) -> Result<u64, RepoError> {
        run(|| {
            self.tx.execute(
                "INSERT INTO calls (line_id, client_id, specialist_id, appeal_id, from_client,
                     state, placed_at, consult_of, consulted_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'ringing', ?6, ?7, ?8)",
                params![
                    sql_id(c.line),
                    sql_id(c.client),
                    c.specialist.map(sql_id),
                    sql_id(c.appeal),
                    c.from_client,
                    c.placed_ms,
                    sql_id(k.of),
                    sql_id(k.by),
                ],
            )?;
            Ok(id(self.tx.last_insert_rowid()))
        })
    }

    fn live_consultation(&mut self, call: u64) -> Result<Option<u64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT id FROM calls WHERE consult_of = ?1 AND state <> 'ended'",
                    [sql_id(call)],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .map(id))
        })
    }

    fn consultation_joined(&mut self, consultation: u64, at_ms: i64) -> Result<(), RepoError> {
        run(|| {
            self.tx.execute(
                "UPDATE calls SET joined_at = ?2 WHERE id = ?1 AND joined_at IS NULL",
                params![sql_id(consultation), at_ms],
            )?;
            Ok(())
        })
    }

    fn consultation_joined_at(&mut self, consultation: u64) -> Result<Option<i64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT joined_at FROM calls WHERE id = ?1",
                    [sql_id(consultation)],
                    |r| r.get::<_, Option<i64>>(0),
                )
                .optional()?
                .flatten())
        })
    }

    fn specialist_call(&mut self, specialist: u64) -> Result<Option<u64>, RepoError> {
        run(|| {
            Ok(self
                .tx
                .query_row(
                    "SELECT id FROM calls WHERE specialist_id = ?1 AND state <> 'ended' LIMIT 1",
                    [sql_id(specialist)],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .map(id))
        })
    }
}

/// Both parties' statistics of `call` as stored, specialist first.
pub(crate) fn stats_of(
    conn: &Connection,
    call: u64,
) -> Result<Vec<(Role, CallQuality)>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT party, duration_ms, packets_sent, packets_received, loss_permille, late_permille,
             jitter_ms, buffer_ms, rtt_ms, mos_centi, far_loss_permille, far_jitter_ms
         FROM call_stats WHERE call_id = ?1 ORDER BY party DESC",
    )?;
    let rows = stmt
        .query_map([sql_id(call)], |r| {
            let role = if r.get::<_, String>(0)? == "client" {
                Role::Client
            } else {
                Role::Specialist
            };
            Ok((
                role,
                CallQuality {
                    duration_ms: id(r.get(1)?),
                    packets_sent: id(r.get(2)?),
                    packets_received: id(r.get(3)?),
                    loss_permille: r.get(4)?,
                    late_permille: r.get(5)?,
                    jitter_ms: r.get(6)?,
                    buffer_ms: r.get(7)?,
                    rtt_ms: r.get(8)?,
                    mos_centi: r.get(9)?,
                    far_loss_permille: r.get(10)?,
                    far_jitter_ms: r.get(11)?,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Store the recording of `call` uploaded by its specialist and attach it to the appeal (the
/// rules are `linedesk_line::calls::may_record`/`recorded`): the bytes are written durably
/// first, then the row that says they are complete commits with the event.
/// An uploaded recording: the file, its length and where it was paused.
pub(crate) struct Upload<'a> {
    pub ogg: &'a [u8],
    pub duration_ms: u64,
    pub gaps: &'a [linedesk_protocol::RecordingGap],
}

pub(crate) fn save_recording(
    inner: &mut Inner,
    files: &RecordingFiles,
    actor: Subject,
    call: u64,
    upload: Upload<'_>,
    now_ms: i64,
) -> Result<RecordingSaved, StorageError> {
    let Upload {
        ogg,
        duration_ms,
        gaps,
    } = upload;
    let sha = format!("{:x}", Sha256::digest(ogg));
    let (saved, events) = batch::in_work(inner, now_ms, |w: &mut Work<'_>| {
        let Some(c) = linedesk_line::calls::may_record(w, actor, call, &sha)? else {
            return Ok(false);
        };
        files.write(call, ogg)?;
        let row = RecordingRow {
            call,
            bytes: ogg.len() as u64,
            duration_ms,
            sha256: sha.clone(),
            uploaded_by: actor.id,
            uploaded_ms: now_ms,
        };
        linedesk_line::calls::recorded(w, &c, &row, gaps)?;
        Ok(true)
    })?;
    match (saved, events.into_iter().next()) {
        (true, Some(event)) => Ok(RecordingSaved::Done(event)),
        _ => Ok(RecordingSaved::Duplicate),
    }
}

/// The call and its recording's bytes (`None` before the upload); `None` for no such call.
pub(crate) fn recording(
    conn: &Connection,
    files: &RecordingFiles,
    call: u64,
) -> Result<Option<CallRecording>, StorageError> {
    let Some(c) = load(conn, call)? else {
        return Ok(None);
    };
    let uploaded: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM call_recordings WHERE call_id = ?1",
            [sql_id(call)],
            |r| r.get(0),
        )
        .optional()?;
    let bytes = match uploaded {
        Some(_) => Some(files.read(call)?),
        None => None,
    };
    Ok(Some((c, bytes)))
}
