//! How good a finished call was (issue 14, quality honesty): each party's own measurements
//! (MOS, loss, late packets, jitter) and what the other side's RTCP reports said about the
//! audio this party sent, as the line server's `CallStats` events carry them. Written only
//! from those events ([`crate::replica`]); the timeline shows them under the call.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::Result;

/// One party's statistics of a call, as the timeline shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallQualityEntry {
    /// Who measured: `specialist` or `client`. Their loss and jitter are of what they heard.
    pub from: String,
    /// E-model MOS times 100 (100-450).
    pub mos_centi: i64,
    /// The other side's packets that never arrived, tenths of a percent.
    pub loss_permille: i64,
    /// The other side's packets that came too late to play, tenths of a percent.
    pub late_permille: i64,
    pub jitter_ms: i64,
    pub rtt_ms: Option<i64>,
    /// How the other side received this party's audio (its RTCP receiver reports): loss in
    /// tenths of a percent and jitter. `None` when no report came.
    pub far_loss_permille: Option<i64>,
    pub far_jitter_ms: Option<i64>,
}

/// What one `CallStats` event says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallQualityChange {
    pub call: i64,
    pub entry: CallQualityEntry,
}

/// Apply one change inside the replica's transaction (a party reports once; a replay of the
/// same event changes nothing).
pub(crate) fn apply(tx: &rusqlite::Transaction<'_>, change: &CallQualityChange) -> Result<()> {
    let e = &change.entry;
    tx.execute(
        "INSERT INTO call_quality (call_id, party, mos_centi, loss_permille, late_permille,
             jitter_ms, rtt_ms, far_loss_permille, far_jitter_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (call_id, party) DO NOTHING",
        rusqlite::params![
            change.call,
            e.from,
            e.mos_centi,
            e.loss_permille,
            e.late_permille,
            e.jitter_ms,
            e.rtt_ms,
            e.far_loss_permille,
            e.far_jitter_ms
        ],
    )?;
    Ok(())
}

impl Store {
    /// Both parties' statistics of `call` (the specialist's first); empty until one reported.
    pub fn call_quality(&self, call: i64) -> Result<Vec<CallQualityEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT party, mos_centi, loss_permille, late_permille, jitter_ms, rtt_ms,
                    far_loss_permille, far_jitter_ms
             FROM call_quality WHERE call_id = ?1 ORDER BY party DESC",
        )?;
        let rows = stmt
            .query_map([call], |r| {
                Ok(CallQualityEntry {
                    from: r.get(0)?,
                    mos_centi: r.get(1)?,
                    loss_permille: r.get(2)?,
                    late_permille: r.get(3)?,
                    jitter_ms: r.get(4)?,
                    rtt_ms: r.get(5)?,
                    far_loss_permille: r.get(6)?,
                    far_jitter_ms: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
