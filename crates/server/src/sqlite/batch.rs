//! Applying actions over SQLite, in batches: every action waiting when the storage lock comes
//! free runs in one transaction, each in its own savepoint (a refused action rolls back alone),
//! and one COMMIT (one fsync) makes the whole batch durable before any of its callers is
//! answered. Every action's rules are `linedesk-line`'s (`apply_gated`), run on the action's
//! savepoint through [`SqliteRepo`]. Routing changes chain through the batch and replace the live routing
//! state only after the COMMIT.

use std::collections::HashMap;

use linedesk_domain::routing::Dispatcher;
use linedesk_line::{Gate, Step};
use linedesk_protocol::Action;

use crate::sqlite::Inner;
use crate::sqlite::line_repo::{SqliteRepo, db};
use crate::storage::{Applied, StorageError, StoredEvent, Subject, Then};

/// One action in progress over SQLite.
pub(crate) type Work<'a> = linedesk_line::Work<'a, SqliteRepo<'a>>;

/// An action waiting for the next batch, with where to send its outcome (called on the
/// committer's thread after the COMMIT, in the batch's order).
pub(crate) struct Pending {
    pub actor: Subject,
    pub key: String,
    pub action: Action,
    pub now_ms: i64,
    pub gate: Gate,
    pub then: Then,
}

/// One action of a batch in its own savepoint: its events and routing changes, `None` for a
/// duplicate key.
fn one(
    tx: &mut rusqlite::Transaction<'_>,
    batch: &mut HashMap<u64, Dispatcher>,
    live: &HashMap<u64, Dispatcher>,
    p: &Pending,
) -> Result<Applied, StorageError> {
    let sp = tx.savepoint()?;
    let outcome = {
        let mut w = Work::layered(SqliteRepo { tx: &sp }, p.now_ms, batch, live);
        match linedesk_line::apply_gated(&mut w, p.actor, &p.key, &p.action, &p.gate) {
            Ok(Step::Duplicate) => Ok(None),
            Ok(Step::Done) => Ok(Some(w)),
            Err(e) => Err(StorageError::from(e)),
        }
        .map(|w| {
            w.map(|w| {
                let (_repo, events, changed) = w.finish();
                (events, changed)
            })
        })
    };
    match outcome {
        Ok(Some((events, changed))) => {
            sp.commit()?;
            batch.extend(changed);
            Ok(Applied::Done(events))
        }
        Ok(None) => {
            sp.commit()?;
            Ok(Applied::Duplicate)
        }
        // Dropping the savepoint rolls this action back; the batch goes on.
        Err(e) => Err(e),
    }
}

/// Apply every action of `batch` in one transaction and answer each caller after the COMMIT.
pub(crate) fn run_batch(inner: &mut Inner, batch: Vec<Pending>) {
    let Inner { conn, routing } = inner;
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => {
            let err = db(e);
            for p in batch {
                (p.then)(Err(StorageError::Backend(err.clone())));
            }
            return;
        }
    };
    let mut changed = HashMap::new();
    let outcomes: Vec<_> = batch
        .iter()
        .map(|p| one(&mut tx, &mut changed, routing, p))
        .collect();
    match tx.commit() {
        Ok(()) => {
            routing.extend(changed);
            for (p, outcome) in batch.into_iter().zip(outcomes) {
                // A caller that gave up waiting is fine: its action is durable.
                (p.then)(outcome);
            }
        }
        Err(e) => {
            let err = db(e);
            for p in batch {
                (p.then)(Err(StorageError::Backend(err.clone())));
            }
        }
    }
}

/// Run `f` as one action without an idempotency key (an HTTP upload): its events and routing
/// changes commit together, like a batch's.
pub(crate) fn in_work<T>(
    inner: &mut Inner,
    now_ms: i64,
    f: impl FnOnce(&mut Work<'_>) -> Result<T, StorageError>,
) -> Result<(T, Vec<StoredEvent>), StorageError> {
    let Inner { conn, routing } = inner;
    let tx = conn.transaction()?;
    let (value, events, changed) = {
        let mut w = Work::new(SqliteRepo { tx: &tx }, now_ms, routing);
        let value = f(&mut w)?;
        let (_repo, events, changed) = w.finish();
        (value, events, changed)
    };
    tx.commit()?;
    routing.extend(changed);
    Ok((value, events))
}
