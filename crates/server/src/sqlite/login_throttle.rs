//! The shared login throttle's state on SQLite (issue 17; the rule is
//! `crate::shared_throttle`): one server per file, and an immediate transaction on its writer
//! serializes the changes (a CLI beside it waits for the file's write lock).

use rusqlite::{Connection, OptionalExtension, params};

use crate::shared_throttle::ThrottleState;
use crate::storage::StorageError;

pub(super) fn update(
    conn: &mut Connection,
    keys: &[String],
    now_ms: i64,
    forget_before_ms: i64,
    change: &mut dyn FnMut(&mut [ThrottleState]) -> bool,
) -> Result<(), StorageError> {
    // Written after it is read: take the write lock first (another process on the file waits).
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut states = Vec::with_capacity(keys.len());
    for key in keys {
        let row: Option<(String, Option<i64>, i64)> = tx
            .query_row(
                "SELECT failures, locked_until, lockouts FROM login_throttle WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        states.push(match row {
            None => ThrottleState::default(),
            Some((failures, locked_until_ms, lockouts)) => ThrottleState {
                failures_ms: serde_json::from_str(&failures)
                    .map_err(|e| StorageError::Corrupt(format!("login_throttle.failures: {e}")))?,
                locked_until_ms,
                lockouts: u32::try_from(lockouts).unwrap_or(u32::MAX),
            },
        });
    }
    if !change(&mut states) {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM login_throttle WHERE seen < ?1",
        [forget_before_ms],
    )?;
    for (key, s) in keys.iter().zip(&states) {
        let failures = serde_json::to_string(&s.failures_ms)
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO login_throttle (key, failures, locked_until, lockouts, seen)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (key) DO UPDATE SET failures = ?2, locked_until = ?3, lockouts = ?4,
                 seen = ?5",
            params![
                key,
                failures,
                s.locked_until_ms,
                i64::from(s.lockouts),
                now_ms
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}
