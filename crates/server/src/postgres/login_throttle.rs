//! The shared login throttle's state on PostgreSQL (issue 17; the rule is
//! `crate::shared_throttle`): the servers of the database change a key one at a time, each
//! under an advisory lock of the key taken in its transaction.

use super::db::Db;
use crate::shared_throttle::ThrottleState;
use crate::storage::StorageError;

/// The class of the keys' advisory locks (the two-int key space).
const THROTTLE_LOCK: i32 = 0x6c64_6c74; // "ldlt"

/// A key's lock number: FNV-1a, the same in every server (never a per-process hash).
fn lock_of(key: &str) -> i32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

pub(super) fn update(
    db: &Db,
    keys: &[String],
    now_ms: i64,
    forget_before_ms: i64,
    change: &mut dyn FnMut(&mut [ThrottleState]) -> bool,
) -> Result<(), StorageError> {
    db.transaction(|db| {
        // Always in the same order (a login's key, then its address's), so two servers never
        // wait for each other in a circle.
        for key in keys {
            db.exec(
                "SELECT pg_advisory_xact_lock($1, $2)",
                &[&THROTTLE_LOCK, &lock_of(key)],
            )?;
        }
        let mut states = Vec::with_capacity(keys.len());
        for key in keys {
            let row = db.opt(
                "SELECT failures, locked_until, lockouts FROM login_throttle WHERE key = $1",
                &[key],
            )?;
            states.push(match row {
                None => ThrottleState::default(),
                Some(r) => ThrottleState {
                    failures_ms: serde_json::from_str(&r.get::<_, String>(0)).map_err(|e| {
                        StorageError::Corrupt(format!("login_throttle.failures: {e}"))
                    })?,
                    locked_until_ms: r.get(1),
                    lockouts: u32::try_from(r.get::<_, i64>(2)).unwrap_or(u32::MAX),
                },
            });
        }
        if !change(&mut states) {
            return Ok(());
        }
        db.exec(
            "DELETE FROM login_throttle WHERE seen < $1",
            &[&forget_before_ms],
        )?;
        for (key, s) in keys.iter().zip(&states) {
            let failures = serde_json::to_string(&s.failures_ms)
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            db.exec(
                "INSERT INTO login_throttle (key, failures, locked_until, lockouts, seen)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (key) DO UPDATE SET failures = $2, locked_until = $3,
                     lockouts = $4, seen = $5",
                &[
                    key,
                    &failures,
                    &s.locked_until_ms,
                    &i64::from(s.lockouts),
                    &now_ms,
                ],
            )?;
        }
        Ok(())
    })
}
