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
//! title or body, in any case (Cyrillic included; ё matches е), best matches first. What is
//! stored, and the search itself, are the backend's (`sqlite/knowledge.rs`).

use linedesk_line::line_admin::knowledge::{article_of, reply_of};
use linedesk_protocol::line_admin::ArticleDraft;
use serde::Deserialize;

use crate::config_file::{ConfigError, entries, file_name};
use crate::storage::{KbArticle, QuickReply, Storage, StorageError};

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
        // The rules the app's Administration view is held to.
        let reply = reply_of(&QuickReply {
            title: entry.value.title.clone(),
            text: entry.value.text.clone(),
            files: Vec::new(),
        })
        .map_err(|p| fail(p.field, p.message))?;
        if let Some(first) = out.iter().position(|r| r.title == reply.title) {
            return Err(fail("title", format!("already reply {}", first + 1)));
        }
        out.push(reply);
    }
    Ok(out)
}

/// Check a knowledge-base file completely; `file` names it in errors.
pub fn parse_kb(file: &str, text: &str) -> Result<Vec<KbArticle>, ConfigError> {
    let mut out: Vec<KbArticle> = Vec::new();
    for entry in entries::<ArticleEntry>(file, text, "article", "article", "title")? {
        let fail = |field: &str, reason: String| entry.error(file, "article", field, reason);
        let ArticleDraft { title, body } = article_of(&ArticleDraft {
            title: entry.value.title.clone(),
            body: entry.value.body.clone(),
        })
        .map_err(|p| fail(p.field, p.message))?;
        if let Some(first) = out.iter().position(|a| a.title == title) {
            return Err(fail("title", format!("already article {}", first + 1)));
        }
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
