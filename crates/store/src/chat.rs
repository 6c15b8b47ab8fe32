//! Conversations and messages (C6): history pages, sending, search in the whole history.

use rusqlite::{OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::clients::require_line_client;
use crate::error::{Result, StoreError};
use crate::outbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Specialist,
    Client,
}

/// Where a message is on its way: written locally, accepted by the server, seen by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Pending,
    Sent,
    Delivered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub line_id: i64,
    pub client_id: i64,
    pub author: Author,
    /// Plain text; the UI shows it as text, never as HTML.
    pub text: String,
    pub sent_at: i64,
    pub status: MessageStatus,
    /// A1: the item is a file (its name is `text`); download it with the id.
    pub file: Option<crate::files::ChatFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageHit {
    pub message: Message,
    pub client_name: String,
    /// Plain text around the hits, each hit between `[[` and `]]`.
    pub snippet: String,
}

/// Longest message a specialist may send, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

impl Author {
    fn code(self) -> &'static str {
        match self {
            Author::Specialist => "specialist",
            Author::Client => "client",
        }
    }
}

impl MessageStatus {
    fn code(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
        }
    }
}

const MESSAGE_SELECT: &str = "
    SELECT m.id, cv.line_id, cv.client_id, m.author, m.text, m.sent_at, m.status, m.file_id,
           m.file_size
    FROM messages m JOIN conversations cv ON cv.id = m.conversation_id";

fn message_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    let bad = |i: usize, what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown {what} {v:?}").into(),
        )
    };
    let author: String = r.get(3)?;
    let status: String = r.get(6)?;
    Ok(Message {
        id: r.get(0)?,
        line_id: r.get(1)?,
        client_id: r.get(2)?,
        author: match author.as_str() {
            "specialist" => Author::Specialist,
            "client" => Author::Client,
            other => return Err(bad(3, "author", other)),
        },
        text: r.get(4)?,
        sent_at: r.get(5)?,
        status: match status.as_str() {
            "pending" => MessageStatus::Pending,
            "sent" => MessageStatus::Sent,
            "delivered" => MessageStatus::Delivered,
            other => return Err(bad(6, "status", other)),
        },
        file: match (r.get::<_, Option<i64>>(7)?, r.get::<_, Option<i64>>(8)?) {
            (Some(id), Some(size)) => Some(crate::files::ChatFile { id, size }),
            _ => None,
        },
    })
}

impl Store {
    /// A page of the chat, returned oldest first: the newest `limit` messages, or the newest
    /// ones before `before_id` when paging back.
    pub fn messages(
        &self,
        line_id: i64,
        client_id: i64,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "{MESSAGE_SELECT}
             WHERE cv.line_id = ?1 AND cv.client_id = ?2 AND (?3 IS NULL OR m.id < ?3)
             ORDER BY m.id DESC LIMIT ?4"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut page = stmt
            .query_map(
                rusqlite::params![line_id, client_id, before_id, limit],
                message_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        page.reverse();
        Ok(page)
    }

    /// Store a message of the specialist as pending and queue it for the server, in one
    /// transaction: once this returns, the message survives a crash.
    pub fn send_message(
        &self,
        line_id: i64,
        client_id: i64,
        text: &str,
        now_ms: i64,
    ) -> Result<Message> {
        self.queue_message(line_id, client_id, text, now_ms, false)
    }

    /// C9: [`Store::send_message`] after the specialist was warned that a colleague holds the
    /// client's appeal and confirmed (the server refuses an unconfirmed one).
    pub fn send_message_confirmed(
        &self,
        line_id: i64,
        client_id: i64,
        text: &str,
        now_ms: i64,
    ) -> Result<Message> {
        self.queue_message(line_id, client_id, text, now_ms, true)
    }

    fn queue_message(
        &self,
        line_id: i64,
        client_id: i64,
        text: &str,
        now_ms: i64,
        confirmed: bool,
    ) -> Result<Message> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("text", "the message is empty"));
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(StoreError::invalid(
                "text",
                format!("the message is longer than {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        let id = insert_message(
            &tx,
            line_id,
            client_id,
            Author::Specialist,
            text,
            now_ms,
            MessageStatus::Pending,
        )?;
        let mut payload = serde_json::json!({
            "lineId": line_id, "clientId": client_id, "messageId": id, "text": text, "sentAt": now_ms,
        });
        if confirmed {
            payload["confirmed"] = serde_json::Value::Bool(true);
        }
        outbox::push(&tx, &device, "message.send", &payload, now_ms)?;
        tx.execute(
            "DELETE FROM drafts WHERE line_id = ?1 AND client_id = ?2",
            [line_id, client_id],
        )?;
        tx.commit()?;
        let sql = format!("{MESSAGE_SELECT} WHERE m.id = ?1");
        Ok(self.conn.query_row(&sql, [id], message_row)?)
    }

    /// The unsent text of the chat with a client ("" when none).
    pub fn draft(&self, line_id: i64, client_id: i64) -> Result<String> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT text FROM drafts WHERE line_id = ?1 AND client_id = ?2",
                [line_id, client_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.unwrap_or_default())
    }

    /// Keep what the specialist typed; an empty (or blank) text removes the draft.
    pub fn save_draft(&self, line_id: i64, client_id: i64, text: &str, now_ms: i64) -> Result<()> {
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(StoreError::invalid(
                "text",
                format!("the draft is longer than {MAX_MESSAGE_CHARS} characters"),
            ));
        }
        if text.trim().is_empty() {
            self.conn.execute(
                "DELETE FROM drafts WHERE line_id = ?1 AND client_id = ?2",
                [line_id, client_id],
            )?;
            return Ok(());
        }
        let changed = self.conn.execute(
            "INSERT INTO drafts (line_id, client_id, text, updated_at)
             SELECT ?1, ?2, ?3, ?4 FROM line_clients WHERE line_id = ?1 AND client_id = ?2
             ON CONFLICT (line_id, client_id) DO UPDATE SET text = ?3, updated_at = ?4",
            rusqlite::params![line_id, client_id, text, now_ms],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "client",
                id: client_id,
            });
        }
        Ok(())
    }

    /// C6: messages of the line (or of one client) with words starting with those of `query`,
    /// newest first (by local arrival: the message id). Ordering by the FTS rowid lets FTS5
    /// stop after `limit` hits instead of building a snippet for every match.
    pub fn search_history(
        &self,
        line_id: i64,
        client_id: Option<i64>,
        query: &str,
        limit: u32,
    ) -> Result<Vec<MessageHit>> {
        // ё is е in the index (migration 0027) and in the query.
        let Some(fts) = crate::clients::folded_prefix_query(query) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, cv.line_id, cv.client_id, m.author, m.text, m.sent_at, m.status,
                    m.file_id, m.file_size, c.name, snippet(message_search, 0, '[[', ']]', '…', 16)
             FROM message_search s
             JOIN messages m ON m.id = s.rowid
             JOIN conversations cv ON cv.id = m.conversation_id
             JOIN clients c ON c.id = cv.client_id
             WHERE message_search MATCH ?1 AND cv.line_id = ?2 AND (?3 IS NULL OR cv.client_id = ?3)
             ORDER BY s.rowid DESC
             LIMIT ?4",
        )?;
        let hits = stmt
            .query_map(rusqlite::params![fts, line_id, client_id, limit], |r| {
                Ok(MessageHit {
                    message: message_row(r)?,
                    client_name: r.get(9)?,
                    snippet: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(hits)
    }
}

/// Insert a message into the (line, client) conversation, creating it when needed, and make it
/// the conversation's last message. The client must be connected to the line.
pub(crate) fn insert_message(
    tx: &rusqlite::Transaction<'_>,
    line_id: i64,
    client_id: i64,
    author: Author,
    text: &str,
    at: i64,
    status: MessageStatus,
) -> Result<i64> {
    require_line_client(tx, line_id, client_id)?;
    tx.execute(
        "INSERT INTO conversations (line_id, client_id) VALUES (?1, ?2)
         ON CONFLICT (line_id, client_id) DO NOTHING",
        [line_id, client_id],
    )?;
    let conversation: i64 = tx.query_row(
        "SELECT id FROM conversations WHERE line_id = ?1 AND client_id = ?2",
        [line_id, client_id],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO messages (conversation_id, author, text, sent_at, status) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![conversation, author.code(), text, at, status.code()],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "UPDATE conversations SET last_message_id = ?2, last_activity_at = ?3
         WHERE id = ?1 AND (last_activity_at IS NULL OR last_activity_at <= ?3)",
        rusqlite::params![conversation, id, at],
    )?;
    Ok(id)
}

impl Store {
    /// Fill the history with `count` client messages made of `words`: for benchmarks only.
    #[doc(hidden)]
    pub fn bulk_insert_client_messages_for_bench(
        &self,
        line_id: i64,
        client_ids: &[i64],
        count: usize,
        words: &[&str],
        now_ms: i64,
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for i in 0..count {
            let client = client_ids[i % client_ids.len().max(1)];
            let text = format!(
                "Сообщение {i}: {} {} {}",
                words[i % words.len()],
                words[(i / 7) % words.len()],
                words[(i / 13) % words.len()]
            );
            insert_message(
                &tx,
                line_id,
                client,
                Author::Client,
                &text,
                now_ms - i as i64 * 1000,
                MessageStatus::Delivered,
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
