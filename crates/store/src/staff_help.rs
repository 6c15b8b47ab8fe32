//! W3 (issue 16, item 6): the Help conversation with the company's staff line, where this
//! specialist is a client. Kept like the rest of the app's data so that a restart loses
//! nothing: the identity the server gave (the staff line and the client there), the cursor of
//! the Help session's subscription, the conversation's messages as the staff line told them,
//! the answering specialists' names, and what was typed and not yet acknowledged (the Help
//! conversation's own outbox: sent again with its key until acknowledged or refused).
//!
//! The sync's Help session (`linedesk_sync::staff_help`) writes what the staff line says here;
//! the app reads [`Store::staff_help`] for the panel and queues with [`Store::queue_staff_help`].

use rusqlite::{OptionalExtension, params};

use crate::Store;
use crate::error::Result;

/// At most this many messages are kept (the oldest go first).
pub const MAX_HELP_MESSAGES: i64 = 1000;

/// One message of the Help conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpMessage {
    /// The staff line's event number (the order).
    pub seq: i64,
    pub at_ms: i64,
    /// The staff line's specialist who wrote it; `None`: this specialist (as its client).
    pub from_specialist: Option<i64>,
    /// Their name as the staff line shows it to its clients (W1), once fetched.
    pub from_name: Option<String>,
    pub text: String,
}

/// A message typed into the Help panel and not yet acknowledged by the staff line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpPending {
    pub key: String,
    pub text: String,
    /// The wire's error code when the staff line refused it for good (not sent again).
    pub refused: Option<String>,
}

/// The conversation as kept: `line` and `client` are 0 before the server first gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpConversation {
    pub line: i64,
    pub client: i64,
    pub cursor: i64,
    pub appeal_open: bool,
    pub messages: Vec<HelpMessage>,
    pub pending: Vec<HelpPending>,
}

/// What one event of the staff line means for the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpChange {
    /// A message of the conversation (`from_specialist` `None`: this specialist's own).
    Message {
        from_specialist: Option<i64>,
        text: String,
    },
    /// This specialist's appeal on the staff line opened (`true`) or finished.
    Appeal { open: bool },
    /// Nothing the panel shows (the cursor still moves past it).
    Nothing,
}

impl Store {
    /// The Help conversation as kept (empty, `line` 0, before the first Help).
    pub fn staff_help(&self) -> Result<HelpConversation> {
        let mut conversation = self
            .conn
            .query_row(
                "SELECT line_id, client_id, cursor, appeal_open FROM staff_help",
                [],
                |r| {
                    Ok(HelpConversation {
                        line: r.get(0)?,
                        client: r.get(1)?,
                        cursor: r.get(2)?,
                        appeal_open: r.get(3)?,
                        ..HelpConversation::default()
                    })
                },
            )
            .optional()?
            .unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.seq, m.at_ms, m.from_specialist, n.name, m.text FROM staff_help_messages m
             LEFT JOIN staff_help_names n ON n.specialist_id = m.from_specialist
             ORDER BY m.seq",
        )?;
        conversation.messages = stmt
            .query_map([], |r| {
                Ok(HelpMessage {
                    seq: r.get(0)?,
                    at_ms: r.get(1)?,
                    from_specialist: r.get(2)?,
                    from_name: r.get(3)?,
                    text: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, text, refused FROM staff_help_outbox ORDER BY id")?;
        conversation.pending = stmt
            .query_map([], |r| {
                Ok(HelpPending {
                    key: r.get(0)?,
                    text: r.get(1)?,
                    refused: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(conversation)
    }

    /// The server gave this specialist client `client` of staff line `line`. The same identity
    /// keeps the conversation; another one (the server's staff line changed) starts it anew
    /// from the new line's beginning. Typed messages stay queued either way.
    pub fn set_staff_help_identity(&self, line: i64, client: i64) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        let kept: Option<(i64, i64)> = tx
            .query_row("SELECT line_id, client_id FROM staff_help", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if kept != Some((line, client)) {
            tx.execute_batch("DELETE FROM staff_help_messages; DELETE FROM staff_help_names;")?;
            tx.execute(
                "INSERT OR REPLACE INTO staff_help (only, line_id, client_id, cursor, appeal_open)
                 VALUES (1, ?1, ?2, 0, 0)",
                params![line, client],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Event `seq` of the staff line, at `at_ms`, means `change`. An event at or before the
    /// cursor was applied already and changes nothing; returns whether it was new.
    pub fn apply_staff_help(&self, seq: i64, at_ms: i64, change: HelpChange) -> Result<bool> {
        let tx = self.conn.unchecked_transaction()?;
        let moved = tx.execute(
            "UPDATE staff_help SET cursor = ?1 WHERE cursor < ?1",
            params![seq],
        )?;
        if moved == 0 {
            return Ok(false);
        }
        match change {
            HelpChange::Message {
                from_specialist,
                text,
            } => {
                tx.execute(
                    "INSERT OR IGNORE INTO staff_help_messages (seq, at_ms, from_specialist, text)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![seq, at_ms, from_specialist, text],
                )?;
                tx.execute(
                    "DELETE FROM staff_help_messages WHERE seq NOT IN
                         (SELECT seq FROM staff_help_messages ORDER BY seq DESC LIMIT ?1)",
                    params![MAX_HELP_MESSAGES],
                )?;
            }
            HelpChange::Appeal { open } => {
                tx.execute("UPDATE staff_help SET appeal_open = ?1", params![open])?;
            }
            HelpChange::Nothing => {}
        }
        tx.commit()?;
        Ok(true)
    }

    /// The staff line's replay is caught up at `seq`: the next subscription starts after it.
    pub fn staff_help_caught_up(&self, seq: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE staff_help SET cursor = ?1 WHERE cursor < ?1",
            params![seq],
        )?;
        Ok(())
    }

    /// Queue `text` for the staff line under idempotency key `key` (typed at `at_ms`).
    pub fn queue_staff_help(&self, key: &str, text: &str, at_ms: i64) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO staff_help_outbox (key, text, typed_at) VALUES (?1, ?2, ?3)",
            params![key, text, at_ms],
        )?;
        Ok(())
    }

    /// The staff line acknowledged `key`: its message is in the conversation now.
    pub fn staff_help_sent(&self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM staff_help_outbox WHERE key = ?1", [key])?;
        Ok(())
    }

    /// The staff line refused `key` for good with error code `code`: kept, never sent again.
    pub fn staff_help_refused(&self, key: &str, code: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE staff_help_outbox SET refused = ?2 WHERE key = ?1",
            params![key, code],
        )?;
        Ok(())
    }

    /// The typed messages neither acknowledged nor refused, oldest first: (key, text).
    pub fn staff_help_unsent(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, text FROM staff_help_outbox WHERE refused IS NULL ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The staff line's specialists who answered and whose names are not known yet.
    pub fn staff_help_unnamed(&self) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT from_specialist FROM staff_help_messages
             WHERE from_specialist IS NOT NULL
               AND from_specialist NOT IN (SELECT specialist_id FROM staff_help_names)",
        )?;
        let rows = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// W1: the staff line's specialist `specialist` is called `name` (as its clients see).
    pub fn name_staff_help_specialist(&self, specialist: i64, name: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO staff_help_names (specialist_id, name) VALUES (?1, ?2)",
            params![specialist, name],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mine(text: &str) -> HelpChange {
        HelpChange::Message {
            from_specialist: None,
            text: text.into(),
        }
    }

    #[test]
    fn events_once_each_in_order_and_pending_until_acknowledged() {
        let store = Store::open_in_memory().expect("store");
        assert_eq!(
            store.staff_help().expect("view"),
            HelpConversation::default()
        );
        store
            .queue_staff_help("k1", "Помогите", 1000)
            .expect("queue");
        // Typed before the server gave the identity: kept.
        store.set_staff_help_identity(2, 7).expect("identity");
        assert!(
            store
                .apply_staff_help(3, 10, mine("Помогите"))
                .expect("new")
        );
        assert!(
            !store
                .apply_staff_help(3, 10, mine("Помогите"))
                .expect("again")
        );
        assert_eq!(
            store.staff_help_unsent().expect("unsent"),
            [("k1".to_string(), "Помогите".to_string())]
        );
        store.staff_help_sent("k1").expect("acked");
        store
            .apply_staff_help(
                5,
                20,
                HelpChange::Message {
                    from_specialist: Some(2),
                    text: "Перезапустите".into(),
                },
            )
            .expect("answer");
        store
            .apply_staff_help(6, 21, HelpChange::Appeal { open: true })
            .expect("open");
        assert_eq!(store.staff_help_unnamed().expect("unnamed"), [2]);
        store
            .name_staff_help_specialist(2, "Борис Петров")
            .expect("named");
        store.staff_help_caught_up(4).expect("older caught up");
        let c = store.staff_help().expect("view");
        assert_eq!((c.line, c.client, c.cursor, c.appeal_open), (2, 7, 6, true));
        let shown: Vec<(Option<&str>, &str)> = c
            .messages
            .iter()
            .map(|m| (m.from_name.as_deref(), m.text.as_str()))
            .collect();
        assert_eq!(
            shown,
            [(None, "Помогите"), (Some("Борис Петров"), "Перезапустите")]
        );
        assert!(c.pending.is_empty());
        assert!(store.staff_help_unnamed().expect("unnamed").is_empty());
        // The same identity again keeps everything; another one starts anew.
        store.set_staff_help_identity(2, 7).expect("same");
        assert_eq!(store.staff_help().expect("view").messages.len(), 2);
        store.set_staff_help_identity(3, 9).expect("other");
        let c = store.staff_help().expect("view");
        assert_eq!((c.line, c.client, c.cursor), (3, 9, 0));
        assert!(c.messages.is_empty());
    }

    #[test]
    fn a_refused_message_keeps_its_code_and_is_not_sent_again() {
        let store = Store::open_in_memory().expect("store");
        store.queue_staff_help("k1", "x", 1).expect("queue");
        store.queue_staff_help("k2", "y", 2).expect("queue");
        store.staff_help_refused("k1", "too_long").expect("refused");
        let c = store.staff_help().expect("view");
        assert_eq!(c.pending[0].refused.as_deref(), Some("too_long"));
        assert_eq!(
            store.staff_help_unsent().expect("unsent"),
            [("k2".to_string(), "y".to_string())]
        );
    }

    #[test]
    fn only_the_newest_messages_are_kept() {
        let store = Store::open_in_memory().expect("store");
        store.set_staff_help_identity(2, 7).expect("identity");
        for seq in 1..=MAX_HELP_MESSAGES + 5 {
            store
                .apply_staff_help(seq, seq, mine(&seq.to_string()))
                .expect("apply");
        }
        let c = store.staff_help().expect("view");
        assert_eq!(
            c.messages.len(),
            usize::try_from(MAX_HELP_MESSAGES).expect("n")
        );
        assert_eq!(c.messages[0].seq, 6);
    }
}
