//! Quick replies and knowledge-base articles of a line: their TOML files (for
//! `linedesk-server quick-replies` and `kb-import`), their storage and the KB search.
//!
//! ```toml
//! # replies.toml                      # kb.toml
//! [[reply]]                           [[article]]
//! title = "Приветствие"               title = "Не проводится документ"
//! text = "Здравствуйте! Чем помочь?"  body = """Проверьте период..."""
//! ```
//!
//! A file replaces the line's whole set (re-running it is harmless); a file with any mistake
//! changes nothing. KB search is SQLite FTS5: every word of the query must start a word of the
//! title or body, in any case (Cyrillic included; ё matches е), best matches first.

use linedesk_protocol::MAX_MESSAGE_CHARS;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use crate::config_file::{ConfigError, entries, file_name, text_field};
use crate::sqlite::{id, sql_id};
use crate::storage::{KbArticle, QuickReply, Storage, StorageError};

const MAX_TITLE_CHARS: usize = linedesk_protocol::MAX_KB_TITLE_CHARS;
/// Longest article body, in characters.
pub const MAX_BODY_CHARS: usize = linedesk_protocol::MAX_KB_BODY_CHARS;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyEntry {
    title: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleEntry {
    title: String,
    body: String,
}

/// Check a quick-replies file completely; `file` names it in errors.
pub fn parse_quick_replies(file: &str, text: &str) -> Result<Vec<QuickReply>, ConfigError> {
    let mut out: Vec<QuickReply> = Vec::new();
    for entry in entries::<ReplyEntry>(file, text, "reply", "reply", "title")? {
        let fail = |field: &str, reason: String| entry.error(file, "reply", field, reason);
        let title =
            text_field(&entry.value.title, MAX_TITLE_CHARS).map_err(|r| fail("title", r))?;
        if let Some(first) = out.iter().position(|r| r.title == title) {
            return Err(fail("title", format!("already reply {}", first + 1)));
        }
        let text = text_field(&entry.value.text, MAX_MESSAGE_CHARS).map_err(|r| fail("text", r))?;
        out.push(QuickReply { title, text });
    }
    Ok(out)
}

/// Check a knowledge-base file completely; `file` names it in errors.
pub fn parse_kb(file: &str, text: &str) -> Result<Vec<KbArticle>, ConfigError> {
    let mut out: Vec<KbArticle> = Vec::new();
    for entry in entries::<ArticleEntry>(file, text, "article", "article", "title")? {
        let fail = |field: &str, reason: String| entry.error(file, "article", field, reason);
        let title =
            text_field(&entry.value.title, MAX_TITLE_CHARS).map_err(|r| fail("title", r))?;
        if let Some(first) = out.iter().position(|a| a.title == title) {
            return Err(fail("title", format!("already article {}", first + 1)));
        }
        let body = text_field(&entry.value.body, MAX_BODY_CHARS).map_err(|r| fail("body", r))?;
        out.push(KbArticle { id: 0, title, body });
    }
    Ok(out)
}

fn read(path: &std::path::Path) -> Result<(String, String), ConfigError> {
    let file = file_name(path);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        file: file.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    Ok((file, text))
}

fn stored(file: String) -> impl FnOnce(StorageError) -> ConfigError {
    move |e| ConfigError::Store {
        file,
        reason: e.to_string(),
    }
}

/// Read, check and store the quick replies of `line`: all or nothing. Returns how many.
pub fn load_quick_replies(
    storage: &dyn Storage,
    line: u64,
    path: &std::path::Path,
) -> Result<usize, ConfigError> {
    let (file, text) = read(path)?;
    let replies = parse_quick_replies(&file, &text)?;
    storage
        .set_quick_replies(line, &replies)
        .map_err(stored(file))?;
    Ok(replies.len())
}

/// Read, check and store the knowledge base of `line`: all or nothing. Returns how many.
pub fn load_kb(
    storage: &dyn Storage,
    line: u64,
    path: &std::path::Path,
) -> Result<usize, ConfigError> {
    let (file, text) = read(path)?;
    let articles = parse_kb(&file, &text)?;
    storage.import_kb(line, &articles).map_err(stored(file))?;
    Ok(articles.len())
}

fn known_line(conn: &Connection, line: u64) -> Result<(), StorageError> {
    conn.query_row("SELECT 1 FROM lines WHERE id = ?1", [sql_id(line)], |r| {
        r.get::<_, i64>(0)
    })
    .optional()?
    .map(|_| ())
    .ok_or_else(|| StorageError::Invalid(format!("no line {line}")))
}

pub(crate) fn set_quick_replies(
    conn: &mut Connection,
    line: u64,
    replies: &[QuickReply],
) -> Result<(), StorageError> {
    let tx = conn.transaction()?;
    known_line(&tx, line)?;
    tx.execute(
        "DELETE FROM quick_replies WHERE line_id = ?1",
        [sql_id(line)],
    )?;
    for (position, r) in replies.iter().enumerate() {
        tx.execute(
            "INSERT INTO quick_replies (line_id, position, title, text) VALUES (?1, ?2, ?3, ?4)",
            params![
                sql_id(line),
                i64::try_from(position).unwrap_or(i64::MAX),
                r.title,
                r.text
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn quick_replies(conn: &Connection, line: u64) -> Result<Vec<QuickReply>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT title, text FROM quick_replies WHERE line_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([sql_id(line)], |r| {
            Ok(QuickReply {
                title: r.get(0)?,
                text: r.get(1)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub(crate) fn import_kb(
    conn: &mut Connection,
    line: u64,
    articles: &[KbArticle],
) -> Result<(), StorageError> {
    let tx = conn.transaction()?;
    known_line(&tx, line)?;
    tx.execute("DELETE FROM kb_articles WHERE line_id = ?1", [sql_id(line)])?;
    for a in articles {
        tx.execute(
            "INSERT INTO kb_articles (line_id, title, body) VALUES (?1, ?2, ?3)",
            params![sql_id(line), a.title, a.body],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The words of a query as an FTS5 query: each a quoted prefix, all required, ё written е as
/// in the index. Quoting keeps FTS5 syntax (`OR`, `NEAR`, `*`, `"`) typed by a user from being
/// interpreted.
fn fts_query(query: &str) -> String {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"*", w.replace('ё', "е").replace('Ё', "Е")))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn search_kb(
    conn: &Connection,
    line: u64,
    query: &str,
    limit: u32,
) -> Result<Vec<KbArticle>, StorageError> {
    let fts = fts_query(query);
    let article = |r: &rusqlite::Row<'_>| {
        Ok(KbArticle {
            id: id(r.get(0)?),
            title: r.get(1)?,
            body: r.get(2)?,
        })
    };
    let rows = if fts.is_empty() {
        conn.prepare_cached(
            "SELECT id, title, body FROM kb_articles WHERE line_id = ?1 ORDER BY title LIMIT ?2",
        )?
        .query_map(params![sql_id(line), limit], article)?
        .collect::<Result<Vec<_>, _>>()?
    } else {
        // Title matches weigh more than body matches.
        conn.prepare_cached(
            "SELECT a.id, a.title, a.body FROM kb_search JOIN kb_articles a ON a.id = kb_search.rowid
             WHERE kb_search MATCH ?1 AND a.line_id = ?2
             ORDER BY bm25(kb_search, 5.0, 1.0) LIMIT ?3",
        )?
        .query_map(params![fts, sql_id(line), limit], article)?
        .collect::<Result<Vec<_>, _>>()?
    };
    Ok(rows)
}
