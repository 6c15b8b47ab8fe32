//! Waiting and closing in the app. S4: the specialist puts the open appeal they hold into
//! "waiting for the client" (queued for the server like any appeal action, shown at once), and
//! the server's `AppealWaiting` / `AppealResumed` keep the conversation's `waiting` flag and
//! its moved resolution deadline ([`set`], called by the replica). A4/A5: the server's
//! `ReplyAwaited` keeps when the appeal finishes by itself and from when the specialist may
//! finish without the client's reaction ([`set_reply_awaited`]); the line's closing phrases
//! are copied from the server like its quick replies.

use crate::error::{Result, StoreError};
use crate::{Store, outbox};

impl Store {
    /// S4: wait for the client in their open appeal of mine. The server refuses it (the
    /// outbox item then fails with the reason) when the appeal is no longer mine.
    pub fn wait_for_client(&self, line_id: i64, client_id: i64, now_ms: i64) -> Result<()> {
        let appeal = self.open_appeal_id(line_id, client_id)?.ok_or_else(|| {
            StoreError::invalid("appeal", "this client has no open appeal of yours")
        })?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let payload = serde_json::json!({ "appealId": appeal });
        outbox::push(&tx, &device, "appeal.wait", &payload, now_ms)?;
        set(&tx, line_id, client_id, true, None)?;
        tx.commit()?;
        Ok(())
    }
}

/// The conversation waits (or no longer does); a resumed wait brings the moved resolution
/// deadline.
pub(crate) fn set(
    tx: &rusqlite::Connection,
    line: i64,
    client: i64,
    waiting: bool,
    resolution_due: Option<i64>,
) -> Result<()> {
    tx.execute(
        "UPDATE conversations SET waiting = ?3, resolution_due = COALESCE(?4, resolution_due)
         WHERE line_id = ?1 AND client_id = ?2",
        rusqlite::params![line, client, waiting, resolution_due],
    )?;
    Ok(())
}

/// A4/A5: the client's reply is awaited in the conversation's open appeal (or no longer is:
/// both `None`).
pub(crate) fn set_reply_awaited(
    tx: &rusqlite::Connection,
    line: i64,
    client: i64,
    auto_finish_at: Option<i64>,
    finish_allowed_at: Option<i64>,
) -> Result<()> {
    tx.execute(
        "UPDATE conversations SET auto_finish_at = ?3, finish_allowed_at = ?4
         WHERE line_id = ?1 AND client_id = ?2",
        rusqlite::params![line, client, auto_finish_at, finish_allowed_at],
    )?;
    Ok(())
}

impl Store {
    /// A4: replace the line's recommended closing phrases (in the server's order).
    pub fn replace_closing_phrases(&self, line: i64, phrases: &[String]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        put_closing_phrases(&tx, line, phrases)?;
        tx.commit()?;
        Ok(())
    }

    /// A4: the line's recommended closing phrases, in the server's order.
    pub fn closing_phrases(&self, line: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT text FROM closing_phrases WHERE line_id = ?1 ORDER BY position",
        )?;
        let phrases = stmt
            .query_map([line], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(phrases)
    }
}

/// A4: `line`'s closing phrases are `phrases`, in order (inside the caller's transaction).
pub(crate) fn put_closing_phrases(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    phrases: &[String],
) -> Result<()> {
    tx.execute("DELETE FROM closing_phrases WHERE line_id = ?1", [line])?;
    for (position, text) in phrases.iter().enumerate() {
        tx.execute(
            "INSERT INTO closing_phrases (line_id, position, text) VALUES (?1, ?2, ?3)",
            rusqlite::params![line, i64::try_from(position).unwrap_or(i64::MAX), text],
        )?;
    }
    Ok(())
}

/// A5: `line`'s auto-finish time is `minutes` (0: never), as the server announced it (inside
/// the caller's transaction).
pub(crate) fn put_auto_finish_minutes(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    minutes: u32,
) -> Result<()> {
    tx.execute(
        "INSERT INTO line_auto_finish (line_id, minutes) VALUES (?1, ?2)
         ON CONFLICT (line_id) DO UPDATE SET minutes = excluded.minutes",
        rusqlite::params![line, minutes],
    )?;
    Ok(())
}

impl Store {
    /// A4/A5: replace the line's closing settings as the server gives them at a connection.
    pub fn replace_closing(&self, line: i64, phrases: &[String], minutes: u32) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        put_closing_phrases(&tx, line, phrases)?;
        put_auto_finish_minutes(&tx, line, minutes)?;
        tx.commit()?;
        Ok(())
    }

    /// A5: the line's auto-finish time in minutes, as last announced (0: never, or unknown).
    pub fn auto_finish_minutes(&self, line: i64) -> Result<u32> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT minutes FROM line_auto_finish WHERE line_id = ?1",
                [line],
                |r| r.get::<_, u32>(0),
            )
            .optional()?
            .unwrap_or(0))
    }
}
