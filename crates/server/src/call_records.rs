//! What a call leaves behind (V1): each party's statistics (`Action::CallStats`, once per
//! party) and the specialist's recording of it, attached to the call's appeal with
//! `Event::CallRecorded`. The recording's bytes live in [`RecordingFiles`] (the data dir's
//! `recordings/` beside the database); the `call_recordings` row says the file is complete.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use linedesk_protocol::{CallQuality, Event, Role};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::actions::{Work, append_event};
use crate::calls;
use crate::sqlite::{id, sql_id};
use crate::storage::{
    CallRecord, CallRecording, CallStage, RecordingSaved, StorageError, StoredEvent, Subject,
};

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
    fn write(&self, call: u64, bytes: &[u8]) -> Result<(), StorageError> {
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

    fn read(&self, call: u64) -> Result<Vec<u8>, StorageError> {
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

fn party_code(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        _ => "specialist",
    }
}

fn known(conn: &Connection, call: u64) -> Result<CallRecord, StorageError> {
    calls::load(conn, call)?.ok_or_else(|| StorageError::Invalid(format!("no call {call}")))
}

/// `CallStats`: a party of a call that connected reports its measurements, once.
pub(crate) fn stats(
    w: &mut Work<'_>,
    actor: Subject,
    call: u64,
    q: &CallQuality,
) -> Result<(), StorageError> {
    let c = known(&w.tx, call)?;
    if !c.is_party(actor) {
        return Err(StorageError::NotAllowed(format!(
            "you are not a party of call {call}"
        )));
    }
    if c.stage == CallStage::Ringing {
        return Err(StorageError::Invalid(format!(
            "call {call} never connected"
        )));
    }
    let inserted = w.tx.execute(
        "INSERT INTO call_stats (call_id, party, at, duration_ms, packets_sent, packets_received,
             loss_permille, late_permille, jitter_ms, buffer_ms, rtt_ms, mos_centi)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (call_id, party) DO NOTHING",
        params![
            sql_id(call),
            party_code(actor.role),
            w.now_ms,
            sql_id(q.duration_ms),
            sql_id(q.packets_sent),
            sql_id(q.packets_received),
            q.loss_permille,
            q.late_permille,
            q.jitter_ms,
            q.buffer_ms,
            q.rtt_ms,
            q.mos_centi,
        ],
    )?;
    if inserted == 0 {
        return Err(StorageError::Conflict(format!(
            "your statistics of call {call} are in already"
        )));
    }
    w.append(
        c.line,
        Event::CallStats {
            call,
            appeal: c.appeal,
            client: c.client,
            specialist: c.specialist,
            from: actor.role,
            quality: *q,
        },
    )
}

/// Both parties' statistics of `call` as stored, specialist first.
pub(crate) fn stats_of(
    conn: &Connection,
    call: u64,
) -> Result<Vec<(Role, CallQuality)>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT party, duration_ms, packets_sent, packets_received, loss_permille, late_permille,
             jitter_ms, buffer_ms, rtt_ms, mos_centi
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
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Store the recording of `call` uploaded by its specialist and attach it to the appeal.
/// The same bytes again: [`RecordingSaved::Duplicate`]; different bytes for a recorded call:
/// a conflict (the first upload is the record).
pub(crate) fn save_recording(
    conn: &mut Connection,
    files: &RecordingFiles,
    actor: Subject,
    call: u64,
    ogg: &[u8],
    duration_ms: u64,
    now_ms: i64,
) -> Result<RecordingSaved, StorageError> {
    let c = known(conn, call)?;
    if actor.role != Role::Specialist || c.specialist != Some(actor.id) {
        return Err(StorageError::NotAllowed(format!(
            "only the specialist of call {call} uploads its recording"
        )));
    }
    if c.stage == CallStage::Ringing {
        return Err(StorageError::Invalid(format!(
            "call {call} never connected"
        )));
    }
    let sha = format!("{:x}", Sha256::digest(ogg));
    let tx = conn.transaction()?;
    let stored: Option<String> = tx
        .query_row(
            "SELECT sha256 FROM call_recordings WHERE call_id = ?1",
            [sql_id(call)],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        Some(same) if same == sha => return Ok(RecordingSaved::Duplicate),
        Some(_) => {
            return Err(StorageError::Conflict(format!(
                "call {call} has a different recording already"
            )));
        }
        None => {}
    }
    files.write(call, ogg)?;
    tx.execute(
        "INSERT INTO call_recordings (call_id, bytes, duration_ms, sha256, uploaded_by, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            sql_id(call),
            ogg.len() as i64,
            sql_id(duration_ms),
            sha,
            sql_id(actor.id),
            now_ms
        ],
    )?;
    let event: StoredEvent = append_event(
        &tx,
        c.line,
        Event::CallRecorded {
            call,
            appeal: c.appeal,
            client: c.client,
            bytes: ogg.len() as u64,
            duration_ms,
        },
        now_ms,
    )?;
    tx.commit()?;
    Ok(RecordingSaved::Done(event))
}

/// The call and its recording's bytes (`None` before the upload); `None` for no such call.
pub(crate) fn recording(
    conn: &Connection,
    files: &RecordingFiles,
    call: u64,
) -> Result<Option<CallRecording>, StorageError> {
    let Some(c) = calls::load(conn, call)? else {
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
