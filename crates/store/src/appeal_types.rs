//! S5 in the app: the line's appeal types (a copy of the server's, replaced whole at every
//! connection and when the server says they changed) and each appeal's type (the server's
//! `AppealTyped`, [`typed`]). The holder's choice goes to the server through the outbox
//! ([`Store::choose_appeal_type`], or with the finish, [`Store::finish_appeal`]); the server
//! decides whether it is one of the line's types. S3: the choice moves no deadline, so nothing
//! else changes here.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::{Store, outbox};

/// As long as the wire allows an appeal type (`linedesk_protocol::MAX_APPEAL_KIND_CHARS`).
const MAX_APPEAL_TYPE_CHARS: usize = 100;

/// What the appeal panel and the finish dialog offer: the line's types and the open appeal's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppealTypeChoice {
    /// The line's types, in the server's order (empty: the line tells none apart).
    pub types: Vec<String>,
    /// The type of the client's open appeal, if it has one.
    pub current: Option<String>,
}

/// A type as typed: trimmed, present, within the wire's limit.
pub(crate) fn checked(appeal_type: &str) -> Result<String> {
    let t = appeal_type.trim();
    if t.is_empty() {
        return Err(StoreError::invalid("appealType", "it is required"));
    }
    if t.chars().count() > MAX_APPEAL_TYPE_CHARS {
        return Err(StoreError::invalid(
            "appealType",
            format!("it is longer than {MAX_APPEAL_TYPE_CHARS} characters"),
        ));
    }
    Ok(t.to_string())
}

/// Queue the holder's choice of `appeal`'s type (inside the caller's transaction); shown at
/// once, the server's `AppealTyped` confirms it.
pub(crate) fn push_choice(
    tx: &rusqlite::Transaction<'_>,
    device: &str,
    appeal: i64,
    appeal_type: &str,
    now_ms: i64,
) -> Result<()> {
    let payload = serde_json::json!({ "appealId": appeal, "appealType": appeal_type });
    outbox::push(tx, device, "appeal.type", &payload, now_ms)?;
    tx.execute(
        "UPDATE appeals SET appeal_type = ?2 WHERE id = ?1",
        rusqlite::params![appeal, appeal_type],
    )?;
    Ok(())
}

/// The server's `AppealTyped`: the appeal's type (the timeline's note is recorded beside).
pub(crate) fn typed(tx: &rusqlite::Transaction<'_>, appeal: i64, appeal_type: &str) -> Result<()> {
    tx.execute(
        "UPDATE appeals SET appeal_type = ?2 WHERE id = ?1",
        rusqlite::params![appeal, appeal_type],
    )?;
    Ok(())
}

impl Store {
    /// S5: replace the line's appeal types (in the server's order).
    pub fn replace_appeal_types(&self, line: i64, types: &[String]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM appeal_types WHERE line_id = ?1", [line])?;
        for (position, name) in types.iter().enumerate() {
            tx.execute(
                "INSERT INTO appeal_types (line_id, position, name) VALUES (?1, ?2, ?3)",
                rusqlite::params![line, i64::try_from(position).unwrap_or(i64::MAX), name],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// S5: the line's appeal types and the type of the client's open appeal (`None`: the
    /// types alone).
    pub fn appeal_type_choice(&self, line: i64, client: Option<i64>) -> Result<AppealTypeChoice> {
        let types = self
            .conn
            .prepare_cached("SELECT name FROM appeal_types WHERE line_id = ?1 ORDER BY position")?
            .query_map([line], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        let open = match client {
            Some(client) => self.open_appeal_id(line, client)?,
            None => None,
        };
        let current = match open {
            Some(appeal) => self
                .conn
                .query_row(
                    "SELECT appeal_type FROM appeals WHERE id = ?1",
                    [appeal],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten(),
            None => None,
        };
        Ok(AppealTypeChoice { types, current })
    }

    /// S5: the holder chooses the type of the client's open appeal, queued for the server
    /// (which refuses a type the line does not have, or an appeal no longer theirs).
    pub fn choose_appeal_type(
        &self,
        line_id: i64,
        client_id: i64,
        appeal_type: &str,
        now_ms: i64,
    ) -> Result<()> {
        let appeal_type = checked(appeal_type)?;
        let appeal = self.open_appeal_id(line_id, client_id)?.ok_or_else(|| {
            StoreError::invalid("appeal", "this client has no open appeal of yours")
        })?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        push_choice(&tx, &device, appeal, &appeal_type, now_ms)?;
        tx.commit()?;
        Ok(())
    }
}
