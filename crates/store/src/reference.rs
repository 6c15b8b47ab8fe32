//! The line's quick replies and knowledge base (C8): a copy of the server's, replaced whole at
//! every connection, searched locally so both work offline; and a reply kept as a draft
//! article ([`Store::queue_kb_draft`]), sent through the outbox.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::clients::prefix_query;
use crate::error::{Result, StoreError};
use rusqlite::OptionalExtension;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QuickReply {
    pub title: String,
    /// May hold `{client}`, `{appeal}` and `{specialist}`, filled in by the UI.
    pub text: String,
    /// The files it carries (kept on the line server; sent into the chat with the reply).
    pub files: Vec<ReplyFile>,
}

/// A file of a quick reply, by its id on the line server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplyFile {
    pub id: i64,
    pub name: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KbArticle {
    pub id: i64,
    pub title: String,
    pub body: String,
}

fn fold(text: &str) -> String {
    text.replace('ё', "е").replace('Ё', "Е")
}

/// Words of a client's message worth looking up: four letters or more, cut to a five-letter
/// prefix so «формируется» finds «формирования» (a poor man's stemmer, enough for hints).
fn hint_query(text: &str) -> Option<String> {
    let folded = fold(text);
    let stems: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(|w| w.chars().take(5).collect::<String>())
        .take(16)
        .collect();
    if stems.is_empty() {
        return None;
    }
    // Each stem is quoted by prefix_query, so nothing in a message is FTS syntax.
    let terms: Vec<String> = stems.iter().filter_map(|s| prefix_query(s)).collect();
    Some(terms.join(" OR "))
}

impl Store {
    /// Replace the line's quick replies (in the server's order).
    pub fn replace_quick_replies(&self, line: i64, replies: &[QuickReply]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM quick_replies WHERE line_id = ?1", [line])?;
        for (position, r) in replies.iter().enumerate() {
            let files = serde_json::to_string(&r.files)
                .map_err(|e| StoreError::invalid("files", e.to_string()))?;
            tx.execute(
                "INSERT INTO quick_replies (line_id, position, title, text, files)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![line, position as i64, r.title, r.text, files],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The line's quick replies whose title or text holds every word of `query` (case and ё
    /// insensitive), in the server's order.
    pub fn quick_replies(&self, line: i64, query: &str) -> Result<Vec<QuickReply>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT title, text, files FROM quick_replies WHERE line_id = ?1 ORDER BY position",
        )?;
        let all = stmt
            .query_map([line], |r| {
                let files: String = r.get(2)?;
                Ok(QuickReply {
                    title: r.get(0)?,
                    text: r.get(1)?,
                    // A copy the store wrote itself; an unreadable one carries no files.
                    files: serde_json::from_str(&files).unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let words: Vec<String> = fold(&query.to_lowercase())
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Ok(all
            .into_iter()
            .filter(|r| {
                let hay = fold(&format!("{} {}", r.title, r.text).to_lowercase());
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect())
    }

    /// Replace the line's knowledge base.
    pub fn replace_kb(&self, line: i64, articles: &[KbArticle]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "DELETE FROM kb_search WHERE rowid IN (SELECT id FROM kb_articles WHERE line_id = ?1)",
            [line],
        )?;
        tx.execute("DELETE FROM kb_articles WHERE line_id = ?1", [line])?;
        for a in articles {
            tx.execute(
                "INSERT INTO kb_articles (id, line_id, title, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET line_id = excluded.line_id,
                     title = excluded.title, body = excluded.body",
                rusqlite::params![a.id, line, a.title, a.body],
            )?;
            tx.execute(
                "INSERT INTO kb_search (rowid, title, body) VALUES (?1, ?2, ?3)",
                rusqlite::params![a.id, fold(&a.title), fold(&a.body)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// KB articles of the line that may answer `text` (a client's message), best first.
    pub fn kb_hints(&self, line: i64, text: &str, limit: u32) -> Result<Vec<KbArticle>> {
        let Some(query) = hint_query(text) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.title, a.body FROM kb_search s JOIN kb_articles a ON a.id = s.rowid
             WHERE kb_search MATCH ?2 AND a.line_id = ?1
             ORDER BY bm25(kb_search, 5.0, 1.0) LIMIT ?3",
        )?;
        let hits = stmt
            .query_map(rusqlite::params![line, query, limit], |r| {
                Ok(KbArticle {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    body: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(hits)
    }
}

impl Store {
    /// C8: keep a reply as a draft KB article of the line; it reaches the server through the
    /// outbox, so a draft written offline is not lost.
    pub fn queue_kb_draft(
        &self,
        line_id: i64,
        subject: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<()> {
        let subject =
            crate::ticket_actions::required("subject", subject, crate::tickets::MAX_SUBJECT_CHARS)?;
        let text = crate::ticket_actions::required("text", text, crate::chat::MAX_MESSAGE_CHARS)?;
        let known: Option<i64> = self
            .conn
            .query_row("SELECT 1 FROM lines WHERE id = ?1", [line_id], |r| r.get(0))
            .optional()?;
        if known.is_none() {
            return Err(StoreError::NotFound {
                what: "line",
                id: line_id,
            });
        }
        let payload = serde_json::json!({ "lineId": line_id, "subject": subject, "text": text });
        self.push_action("kb.draft", payload, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_queries_are_quoted_stems_joined_by_or() {
        assert_eq!(
            hint_query("Не формируется 6-НДФЛ!").as_deref(),
            Some("\"форми\"* OR \"НДФЛ\"*")
        );
        assert_eq!(hint_query("да, ок"), None);
        assert!(
            hint_query("\"NEAR\" * OR )(").is_some_and(|q| q == "\"NEAR\"*"),
            "no syntax gets through"
        );
    }
}
