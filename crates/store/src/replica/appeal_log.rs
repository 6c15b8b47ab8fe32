//! Appeals of a line's log as records (A1, A6): what opened each, who holds it, when and how
//! it ended, for the specialist's list of appeals; and files shared in a chat (A1) as chat
//! items.

use crate::chat::{Author, MessageStatus, insert_message};
use crate::error::Result;

pub(super) fn opened(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    client: i64,
    appeal: i64,
    channel: &str,
    at: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO appeals (id, line_id, client_id, channel, opened_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO NOTHING",
        rusqlite::params![appeal, line, client, channel, at],
    )?;
    Ok(())
}

/// Who holds the appeal now (`None`: it waits in the queue).
pub(super) fn held(tx: &rusqlite::Transaction<'_>, appeal: i64, holder: Option<i64>) -> Result<()> {
    tx.execute(
        "UPDATE appeals SET holder = ?2 WHERE id = ?1 AND finished_at IS NULL",
        rusqlite::params![appeal, holder],
    )?;
    Ok(())
}

pub(super) fn tier(tx: &rusqlite::Transaction<'_>, appeal: i64, tier: &str) -> Result<()> {
    tx.execute(
        "UPDATE appeals SET tier = ?2 WHERE id = ?1",
        rusqlite::params![appeal, tier],
    )?;
    Ok(())
}

/// The appeal ended: with a result, or as spam by `by` (then it is theirs in the list).
pub(super) fn ended(
    tx: &rusqlite::Transaction<'_>,
    appeal: i64,
    result: Option<&str>,
    spam_by: Option<i64>,
    at: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE appeals SET finished_at = ?2, result = ?3, spam = ?4,
             holder = COALESCE(?5, holder)
         WHERE id = ?1",
        rusqlite::params![appeal, at, result, spam_by.is_some(), spam_by],
    )?;
    Ok(())
}

/// A file in the chat: a message whose text is the file's name, with the file's id and size.
#[allow(clippy::too_many_arguments)]
pub(super) fn file_shared(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    client: i64,
    author: Author,
    file: i64,
    name: &str,
    size: i64,
    at: i64,
) -> Result<()> {
    let message = insert_message(tx, line, client, author, name, at, MessageStatus::Delivered)?;
    tx.execute(
        "UPDATE messages SET file_id = ?2, file_size = ?3 WHERE id = ?1",
        [message, file, size],
    )?;
    Ok(())
}
