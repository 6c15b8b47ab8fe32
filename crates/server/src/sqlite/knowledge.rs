//! The SQLite side of quick replies and the knowledge base: a line's set replaced in one
//! transaction, and the KB search over the FTS5 index (`kb_search`). The TOML files and their
//! checks are `crate::knowledge`'s.

use linedesk_protocol::{Event, ReferencePart};
use rusqlite::{Connection, OptionalExtension, params};

use super::{id, sql_id};
use crate::storage::{KbArticle, QuickReply, StorageError};

pub(crate) fn known_line(conn: &Connection, line: u64) -> Result<(), StorageError> {
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
    now_ms: i64,
) -> Result<(), StorageError> {
    let tx = conn.transaction()?;
    known_line(&tx, line)?;
    tx.execute(
        "DELETE FROM quick_replies WHERE line_id = ?1",
        [sql_id(line)],
    )?;
    for (position, r) in replies.iter().enumerate() {
        // A reply carries only files kept for its own line.
        for f in &r.files {
            if super::line_admin::quick_reply_file_meta(&tx, line, f.id)?.is_none() {
                return Err(StorageError::Invalid(format!(
                    "reply {}: line {line} has no file {}",
                    position + 1,
                    f.id
                )));
            }
        }
        let files: Vec<u64> = r.files.iter().map(|f| f.id).collect();
        let files =
            serde_json::to_string(&files).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO quick_replies (line_id, position, title, text, files)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sql_id(line),
                i64::try_from(position).unwrap_or(i64::MAX),
                r.title,
                r.text,
                files
            ],
        )?;
    }
    delete_unused_files(&tx, line, replies, now_ms)?;
    changed(&tx, line, ReferencePart::QuickReplies, now_ms)?;
    tx.commit()?;
    Ok(())
}

/// The line's apps learn that `part` changed (`ReferenceChanged`, in the same transaction):
/// they fetch it again at once.
pub(crate) fn changed(
    tx: &Connection,
    line: u64,
    part: ReferencePart,
    now_ms: i64,
) -> Result<(), StorageError> {
    crate::sqlite::append_event(tx, line, Event::ReferenceChanged { part }, now_ms)?;
    Ok(())
}

/// C8: delete the line's reply files no reply uses any more (the rule, with its grace for a
/// file uploaded before its reply is saved, is `linedesk_line::line_admin::knowledge`'s).
fn delete_unused_files(
    tx: &Connection,
    line: u64,
    replies: &[QuickReply],
    now_ms: i64,
) -> Result<(), StorageError> {
    let files: Vec<(u64, i64)> = tx
        .prepare_cached("SELECT id, created_at FROM quick_reply_files WHERE line_id = ?1")?
        .query_map([sql_id(line)], |r| Ok((id(r.get(0)?), r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let unused = linedesk_line::line_admin::knowledge::unused_reply_files(&files, replies, now_ms);
    let mut delete =
        tx.prepare_cached("DELETE FROM quick_reply_files WHERE id = ?1 AND line_id = ?2")?;
    for file in unused {
        delete.execute(params![sql_id(file), sql_id(line)])?;
    }
    Ok(())
}

pub(crate) fn quick_replies(conn: &Connection, line: u64) -> Result<Vec<QuickReply>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT title, text, files FROM quick_replies WHERE line_id = ?1 ORDER BY position",
    )?;
    let rows = stmt
        .query_map([sql_id(line)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut replies = Vec::with_capacity(rows.len());
    for (title, text, files) in rows {
        let ids: Vec<u64> =
            serde_json::from_str(&files).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let mut files = Vec::with_capacity(ids.len());
        for file in ids {
            files.extend(super::line_admin::quick_reply_file_meta(conn, line, file)?);
        }
        replies.push(QuickReply { title, text, files });
    }
    Ok(replies)
}

pub(crate) fn import_kb(
    conn: &mut Connection,
    line: u64,
    articles: &[KbArticle],
    now_ms: i64,
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
    changed(&tx, line, ReferencePart::KnowledgeBase, now_ms)?;
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

/// Article `article` of `line`; `None` when the line has no such article.
pub(crate) fn article(
    conn: &Connection,
    line: u64,
    article: u64,
) -> Result<Option<KbArticle>, StorageError> {
    Ok(conn
        .prepare_cached("SELECT title, body FROM kb_articles WHERE id = ?1 AND line_id = ?2")?
        .query_row(params![sql_id(article), sql_id(line)], |r| {
            Ok(KbArticle {
                id: article,
                title: r.get(0)?,
                body: r.get(1)?,
            })
        })
        .optional()?)
}
