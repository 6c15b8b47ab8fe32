//! C8: a line's knowledge base over PostgreSQL: articles (import, add, edit, delete, each with
//! the line's `ReferenceChanged`) and the search of the widget and the app.
//!
//! The search means what SQLite's FTS5 index does: every word of the query is the start of a
//! word of the title or the body, any case, ё read as е; title matches rank first. It is done
//! here over the line's articles rather than with PostgreSQL's text search, whose word splitting
//! and case folding of Cyrillic depend on the database's locale (in the `C` locale `lower()`
//! leaves Cyrillic alone), so the same query finds the same articles on every installation.

use linedesk_protocol::{Event, ReferencePart};

use super::db::{Db, exists, id, sql_id};
use super::line_repo::append;
use crate::storage::{KbArticle, StorageError};

/// Words of a query at most (as SQLite's search).
const MAX_QUERY_WORDS: usize = 16;

fn changed(db: &Db, line: u64, now_ms: i64) -> Result<(), StorageError> {
    append(
        db,
        line,
        &Event::ReferenceChanged {
            part: ReferencePart::KnowledgeBase,
        },
        now_ms,
    )?;
    Ok(())
}

fn known_line(db: &Db, line: u64) -> Result<(), StorageError> {
    db.opt("SELECT 1 FROM lines WHERE id = $1", &[&sql_id(line)])?
        .map(|_| ())
        .ok_or_else(|| StorageError::Invalid(format!("no line {line}")))
}

/// Replace the line's articles with `articles`, in the caller's transaction.
pub(crate) fn import_kb(
    db: &Db,
    line: u64,
    articles: &[KbArticle],
    now_ms: i64,
) -> Result<(), StorageError> {
    known_line(db, line)?;
    db.exec(
        "DELETE FROM kb_articles WHERE line_id = $1",
        &[&sql_id(line)],
    )?;
    for a in articles {
        db.exec(
            "INSERT INTO kb_articles (line_id, title, body) VALUES ($1, $2, $3)",
            &[&sql_id(line), &a.title, &a.body],
        )
        .map_err(|e| exists("article", &a.title, e))?;
    }
    changed(db, line, now_ms)
}

/// Lower case, ё as е.
fn folded(text: &str) -> String {
    text.to_lowercase().replace('ё', "е")
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// How many of `query`'s words start a word of `text` (folded).
fn matched(query: &[String], text: &str) -> Vec<bool> {
    let text = folded(text);
    let found: Vec<&str> = words(&text).collect();
    query
        .iter()
        .map(|q| found.iter().any(|w| w.starts_with(q.as_str())))
        .collect()
}

pub(crate) fn search_kb(
    db: &Db,
    line: u64,
    query: &str,
    limit: u32,
) -> Result<Vec<KbArticle>, StorageError> {
    let query: Vec<String> = words(&folded(query))
        .take(MAX_QUERY_WORDS)
        .map(str::to_string)
        .collect();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // Titles in byte order, as SQLite sorts them.
    let rows = db.rows(
        "SELECT id, title, body FROM kb_articles WHERE line_id = $1 ORDER BY title COLLATE \"C\"",
        &[&sql_id(line)],
    )?;
    let articles = rows.iter().map(|r| KbArticle {
        id: id(r.get(0)),
        title: r.get(1),
        body: r.get(2),
    });
    if query.is_empty() {
        return Ok(articles.take(limit).collect());
    }
    let mut found: Vec<(usize, KbArticle)> = articles
        .filter_map(|a| {
            let in_title = matched(&query, &a.title);
            let in_body = matched(&query, &a.body);
            let all = in_title.iter().zip(&in_body).all(|(t, b)| *t || *b);
            let title_words = in_title.iter().filter(|t| **t).count();
            all.then_some((title_words, a))
        })
        .collect();
    // Title matches weigh more; the sort is stable, so titles stay in order among equals.
    found.sort_by_key(|(title_words, _)| std::cmp::Reverse(*title_words));
    Ok(found.into_iter().take(limit).map(|(_, a)| a).collect())
}

pub(crate) fn article(db: &Db, line: u64, article: u64) -> Result<Option<KbArticle>, StorageError> {
    Ok(db
        .opt(
            "SELECT title, body FROM kb_articles WHERE id = $1 AND line_id = $2",
            &[&sql_id(article), &sql_id(line)],
        )?
        .map(|r| KbArticle {
            id: article,
            title: r.get(0),
            body: r.get(1),
        }))
}

pub(crate) fn add_article(
    db: &Db,
    line: u64,
    title: &str,
    body: &str,
    now_ms: i64,
) -> Result<u64, StorageError> {
    known_line(db, line)?;
    let article = id(db
        .one(
            "INSERT INTO kb_articles (line_id, title, body) VALUES ($1, $2, $3) RETURNING id",
            &[&sql_id(line), &title, &body],
        )
        .map_err(|e| exists("article", title, e))?
        .get(0));
    changed(db, line, now_ms)?;
    Ok(article)
}

pub(crate) fn update_article(
    db: &Db,
    line: u64,
    article: u64,
    title: &str,
    body: &str,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let updated = db
        .exec(
            "UPDATE kb_articles SET title = $3, body = $4 WHERE id = $1 AND line_id = $2",
            &[&sql_id(article), &sql_id(line), &title, &body],
        )
        .map_err(|e| exists("article", title, e))?
        == 1;
    if updated {
        changed(db, line, now_ms)?;
    }
    Ok(updated)
}

pub(crate) fn delete_article(
    db: &Db,
    line: u64,
    article: u64,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let deleted = db.exec(
        "DELETE FROM kb_articles WHERE id = $1 AND line_id = $2",
        &[&sql_id(article), &sql_id(line)],
    )? == 1;
    if deleted {
        changed(db, line, now_ms)?;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_starts_a_word_any_case_with_yo_as_ye() {
        let q: Vec<String> = vec!["печат".into(), "сче".into()];
        assert_eq!(matched(&q, "Печать счёта"), vec![true, true]);
        assert_eq!(matched(&q, "Распечатать отчёт"), vec![false, false]);
    }
}
