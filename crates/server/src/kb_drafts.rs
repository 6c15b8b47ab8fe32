//! C8: "a reply can be saved as a draft KB article". Drafts are kept per line in their own
//! table: never searched for clients (`GET /api/lines/{line}/kb` serves published articles
//! only) and untouched by a KB import, so an editor can publish them later.

use linedesk_protocol::{KbDraft, MAX_MESSAGE_CHARS, Role};
use rusqlite::{Connection, params};

use crate::sqlite::{id, sql_id};
use crate::storage::{StorageError, Subject};

/// Longest draft subject, in characters.
pub const MAX_DRAFT_SUBJECT_CHARS: usize = 200;

fn checked(text: &str, what: &str, max: usize) -> Result<String, StorageError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(StorageError::Invalid(format!(
            "a draft's {what} is 1 to {max} characters"
        )));
    }
    Ok(text.to_string())
}

/// Keep `actor`'s draft for `line` (a line they serve); returns its id.
pub(crate) fn save(
    conn: &Connection,
    actor: Subject,
    line: u64,
    subject: &str,
    text: &str,
    now_ms: i64,
) -> Result<u64, StorageError> {
    if actor.role != Role::Specialist {
        return Err(StorageError::NotAllowed(
            "only specialists save KB drafts".into(),
        ));
    }
    let subject = checked(subject, "subject", MAX_DRAFT_SUBJECT_CHARS)?;
    let text = checked(text, "text", MAX_MESSAGE_CHARS)?;
    let serves: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2)",
        params![sql_id(line), sql_id(actor.id)],
        |r| r.get(0),
    )?;
    if !serves {
        return Err(StorageError::Forbidden(line));
    }
    conn.execute(
        "INSERT INTO kb_drafts (line_id, specialist_id, subject, text, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sql_id(line), sql_id(actor.id), subject, text, now_ms],
    )?;
    Ok(id(conn.last_insert_rowid()))
}

/// The line's drafts, oldest first.
pub(crate) fn of_line(conn: &Connection, line: u64) -> Result<Vec<KbDraft>, StorageError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, subject, text, specialist_id, at FROM kb_drafts WHERE line_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([sql_id(line)], |r| {
            Ok(KbDraft {
                id: id(r.get(0)?),
                subject: r.get(1)?,
                text: r.get(2)?,
                specialist: id(r.get(3)?),
                at_ms: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
