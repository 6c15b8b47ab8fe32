//! C6: group chats around a client, as the line's log tells them ([`GroupChange`], applied by
//! the replica), kept with the client's chat; and the specialist's own group actions, queued
//! for the server like every action (a message shows at once as pending, a new group or a
//! member change when the server's event comes back). Who may do what is the server's (the
//! domain's `group::Group`); [`Store::groups_of`] tells the UI whether this specialist is in.

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::chat::MAX_MESSAGE_CHARS;
use crate::error::{Result, StoreError};
use crate::{Store, outbox};

/// C6: a group's title, in characters (the wire's limit).
pub const MAX_GROUP_TITLE_CHARS: usize = 200;

/// One change of a group, from the line's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupChange {
    Created {
        group: i64,
        client: i64,
        title: String,
        by: i64,
        /// The specialists (id, name), the creator first.
        members: Vec<(i64, String)>,
        at: i64,
    },
    MemberAdded {
        group: i64,
        specialist: i64,
        name: String,
    },
    MemberRemoved {
        group: i64,
        specialist: i64,
    },
    Message {
        group: i64,
        /// `None`: the client wrote it.
        from_specialist: Option<i64>,
        text: String,
        at: i64,
        /// The idempotency key of the action that posted it (this app's own: it is here).
        origin_key: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupMemberView {
    pub specialist: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupMessageView {
    pub id: i64,
    /// `None`: the client wrote it.
    pub from_specialist: Option<i64>,
    pub text: String,
    pub sent_at: i64,
    /// Not yet acknowledged by the line server.
    pub pending: bool,
}

/// A group of the client, with its members and its messages in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub id: i64,
    pub title: String,
    pub created_by: i64,
    pub created_at: i64,
    pub members: Vec<GroupMemberView>,
    /// This app's specialist is a member (may write, add and remove).
    pub mine: bool,
    pub messages: Vec<GroupMessageView>,
}

fn checked_text(field: &'static str, text: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::invalid(field, "empty"));
    }
    if text.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("longer than {max} characters"),
        ));
    }
    Ok(text.to_string())
}

impl Store {
    /// The groups of `client` on `line`, oldest first.
    pub fn groups_of(&self, line: i64, client: i64) -> Result<Vec<GroupView>> {
        let me = self.server_me()?;
        let heads: Vec<(i64, String, i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT id, title, created_by, created_at FROM client_groups
                 WHERE line_id = ?1 AND client_id = ?2 ORDER BY created_at, id",
            )?
            .query_map([line, client], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(heads.len());
        for (id, title, created_by, created_at) in heads {
            let members: Vec<GroupMemberView> = self
                .conn
                .prepare_cached(
                    "SELECT specialist_id, name FROM client_group_members
                     WHERE group_id = ?1 ORDER BY rowid",
                )?
                .query_map([id], |r| {
                    Ok(GroupMemberView {
                        specialist: r.get(0)?,
                        name: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let messages = self
                .conn
                .prepare_cached(
                    "SELECT id, from_specialist, text, sent_at, status FROM group_messages
                     WHERE group_id = ?1 ORDER BY sent_at, id",
                )?
                .query_map([id], |r| {
                    Ok(GroupMessageView {
                        id: r.get(0)?,
                        from_specialist: r.get(1)?,
                        text: r.get(2)?,
                        sent_at: r.get(3)?,
                        pending: r.get::<_, String>(4)? == "pending",
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mine = me.is_some_and(|me| members.iter().any(|m| m.specialist == me));
            out.push(GroupView {
                id,
                title,
                created_by,
                created_at,
                members,
                mine,
                messages,
            });
        }
        Ok(out)
    }

    /// C6: make a group with `client` of `line` and colleagues `members` (queued; the group
    /// shows when the server's `GroupCreated` comes back).
    pub fn create_group(
        &self,
        line: i64,
        client: i64,
        title: &str,
        members: &[i64],
        now_ms: i64,
    ) -> Result<()> {
        let title = checked_text("title", title, MAX_GROUP_TITLE_CHARS)?;
        let payload = serde_json::json!({
            "lineId": line, "clientId": client, "title": title, "members": members,
        });
        self.queue_group_action("group.create", &payload, now_ms)
    }

    /// C6: bring colleague `specialist` into `group` (queued).
    pub fn add_group_member(&self, group: i64, specialist: i64, now_ms: i64) -> Result<()> {
        let payload = serde_json::json!({ "groupId": group, "specialistId": specialist });
        self.queue_group_action("group.add", &payload, now_ms)
    }

    /// C6: take `specialist` out of `group` (this app's specialist: leave it) (queued).
    pub fn remove_group_member(&self, group: i64, specialist: i64, now_ms: i64) -> Result<()> {
        let payload = serde_json::json!({ "groupId": group, "specialistId": specialist });
        self.queue_group_action("group.remove", &payload, now_ms)
    }

    /// C6: write in `group`: pending at once, queued for the server in the same transaction.
    pub fn send_group_message(&self, group: i64, text: &str, now_ms: i64) -> Result<i64> {
        let text = checked_text("text", text, MAX_MESSAGE_CHARS)?;
        let me = self.server_me()?;
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO group_messages (group_id, from_specialist, text, sent_at, status)
             VALUES (?1, ?2, ?3, ?4, 'pending')",
            rusqlite::params![group, me, text, now_ms],
        )?;
        let id = tx.last_insert_rowid();
        show_in_list(&tx, group, id, now_ms)?;
        let payload = serde_json::json!({ "groupId": group, "messageId": id, "text": text });
        outbox::push(&tx, &device, "group.message", &payload, now_ms)?;
        tx.commit()?;
        Ok(id)
    }

    /// The title of `group` when this app's specialist is one of its members (C6: a message
    /// in it is for them), else `None`.
    pub fn my_group_title(&self, group: i64) -> Result<Option<String>> {
        let Some(me) = self.server_me()? else {
            return Ok(None);
        };
        Ok(self
            .conn
            .query_row(
                "SELECT g.title FROM client_groups g
                 JOIN client_group_members m ON m.group_id = g.id AND m.specialist_id = ?2
                 WHERE g.id = ?1",
                [group, me],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn queue_group_action(
        &self,
        kind: &str,
        payload: &serde_json::Value,
        now_ms: i64,
    ) -> Result<()> {
        let device = self.device_id()?;
        let tx = self.conn.unchecked_transaction()?;
        outbox::push(&tx, &device, kind, payload, now_ms)?;
        tx.commit()?;
        Ok(())
    }
}

/// Apply one group change of `line`'s log (inside the replica's transaction).
pub(crate) fn apply(tx: &rusqlite::Transaction<'_>, line: i64, change: &GroupChange) -> Result<()> {
    match change {
        GroupChange::Created {
            group,
            client,
            title,
            by,
            members,
            at,
        } => {
            tx.execute(
                "INSERT OR REPLACE INTO client_groups (id, line_id, client_id, title, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![group, line, client, title, by, at],
            )?;
            for (specialist, name) in members {
                add_member(tx, *group, *specialist, name)?;
            }
        }
        GroupChange::MemberAdded {
            group,
            specialist,
            name,
        } => add_member(tx, *group, *specialist, name)?,
        GroupChange::MemberRemoved { group, specialist } => {
            tx.execute(
                "DELETE FROM client_group_members WHERE group_id = ?1 AND specialist_id = ?2",
                [group, specialist],
            )?;
        }
        GroupChange::Message {
            group,
            from_specialist,
            text,
            at,
            origin_key,
        } => {
            if let Some(key) = origin_key {
                // Our own message coming back: it is here already, pending; the server has it.
                let local: Option<i64> = tx
                    .query_row(
                        "SELECT json_extract(payload, '$.messageId') FROM outbox
                         WHERE idempotency_key = ?1 AND kind = 'group.message'",
                        [key],
                        |r| r.get::<_, Option<i64>>(0),
                    )
                    .optional()?
                    .flatten();
                if let Some(id) = local {
                    tx.execute(
                        "UPDATE group_messages SET status = 'sent' WHERE id = ?1",
                        [id],
                    )?;
                    return Ok(());
                }
            }
            tx.execute(
                "INSERT INTO group_messages (group_id, from_specialist, text, sent_at, status)
                 VALUES (?1, ?2, ?3, ?4, 'sent')",
                rusqlite::params![group, from_specialist, text, at],
            )?;
            show_in_list(tx, *group, tx.last_insert_rowid(), *at)?;
        }
    }
    Ok(())
}

/// The settings key that says the groups written in before migration 23 are in the list.
const EARLIER_IN_LIST: &str = "groups_in_client_list";

/// Once per store (migration 23 came after migration 28 for a store that had groups): each
/// conversation's newest group message, for the clients list.
pub(crate) fn show_earlier_in_list(conn: &rusqlite::Connection) -> Result<()> {
    let done: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [EARLIER_IN_LIST],
            |r| r.get(0),
        )
        .optional()?;
    if done.is_some() {
        return Ok(());
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO conversations (line_id, client_id)
         SELECT DISTINCT g.line_id, g.client_id FROM client_groups g
         JOIN line_clients lc ON lc.line_id = g.line_id AND lc.client_id = g.client_id
         WHERE EXISTS (SELECT 1 FROM group_messages gm WHERE gm.group_id = g.id)
         ON CONFLICT (line_id, client_id) DO NOTHING",
        [],
    )?;
    tx.execute(
        "UPDATE conversations SET last_group_message_id = (
             SELECT gm.id FROM group_messages gm JOIN client_groups g ON g.id = gm.group_id
             WHERE g.line_id = conversations.line_id AND g.client_id = conversations.client_id
             ORDER BY gm.sent_at DESC, gm.id DESC LIMIT 1)
         WHERE EXISTS (SELECT 1 FROM client_groups g
                       WHERE g.line_id = conversations.line_id
                         AND g.client_id = conversations.client_id)",
        [],
    )?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES (?1, '1')",
        [EARLIER_IN_LIST],
    )?;
    tx.commit()?;
    Ok(())
}

/// C1: group message `message` of `group`, written at `at`, is the client's latest in the
/// clients list unless a newer one of their groups is (the chat's own last message is compared
/// when the list is read). A group this store does not know, or whose client is not on its
/// line, changes nothing.
fn show_in_list(tx: &rusqlite::Connection, group: i64, message: i64, at: i64) -> Result<()> {
    let Some((line, client)) = tx
        .query_row(
            "SELECT line_id, client_id FROM client_groups WHERE id = ?1",
            [group],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?
    else {
        return Ok(());
    };
    tx.execute(
        "INSERT INTO conversations (line_id, client_id)
         SELECT ?1, ?2 WHERE EXISTS
             (SELECT 1 FROM line_clients WHERE line_id = ?1 AND client_id = ?2)
         ON CONFLICT (line_id, client_id) DO NOTHING",
        [line, client],
    )?;
    tx.execute(
        "UPDATE conversations SET last_group_message_id = ?3
         WHERE line_id = ?1 AND client_id = ?2
           AND (last_group_message_id IS NULL
                OR (SELECT sent_at FROM group_messages WHERE id = last_group_message_id) <= ?4)",
        rusqlite::params![line, client, message, at],
    )?;
    Ok(())
}

fn add_member(
    tx: &rusqlite::Transaction<'_>,
    group: i64,
    specialist: i64,
    name: &str,
) -> Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO client_group_members (group_id, specialist_id, name)
         VALUES (?1, ?2, ?3)",
        rusqlite::params![group, specialist, name],
    )?;
    Ok(())
}
