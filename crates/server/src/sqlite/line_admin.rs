//! The line-admin role of `line_specialists` (migration 22), read and granted; what an admin
//! changes goes through the storage methods every other way of changing it uses.

use linedesk_domain::ids::SpecialistId;
use linedesk_protocol::line_admin::{AdminLine, QuickReplyFile, TeamMember, TeamSettings};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Inner, id, line_team, sql_id};
use crate::storage::{StorageError, StoredClient};

/// Whether `specialist` serves `line`, and as its admin.
pub(super) fn line_admin_role(
    conn: &Connection,
    specialist: u64,
    line: u64,
) -> Result<Option<bool>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT line_admin FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
        )?
        .query_row(params![sql_id(line), sql_id(specialist)], |r| r.get(0))
        .optional()?)
}

pub(super) fn set_line_admin(
    conn: &Connection,
    specialist: u64,
    line: u64,
    admin: bool,
) -> Result<bool, StorageError> {
    Ok(conn.execute(
        "UPDATE line_specialists SET line_admin = ?3 WHERE line_id = ?1 AND specialist_id = ?2",
        params![sql_id(line), sql_id(specialist), admin],
    )? == 1)
}

pub(super) fn admin_lines(
    conn: &Connection,
    specialist: u64,
) -> Result<Vec<AdminLine>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT l.id, l.name FROM line_specialists ls JOIN lines l ON l.id = ls.line_id
             WHERE ls.specialist_id = ?1 AND ls.line_admin = 1 ORDER BY l.id",
        )?
        .query_map([sql_id(specialist)], |r| {
            Ok(AdminLine {
                line: id(r.get(0)?),
                name: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

pub(super) fn add_quick_reply_file(
    conn: &Connection,
    line: u64,
    name: &str,
    bytes: &[u8],
    now_ms: i64,
) -> Result<QuickReplyFile, StorageError> {
    super::knowledge::known_line(conn, line)?;
    conn.execute(
        "INSERT INTO quick_reply_files (line_id, name, bytes, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![sql_id(line), name, bytes, now_ms],
    )?;
    Ok(QuickReplyFile {
        id: id(conn.last_insert_rowid()),
        name: name.to_string(),
        size: bytes.len() as u64,
    })
}

pub(super) fn quick_reply_file(
    conn: &Connection,
    line: u64,
    file: u64,
) -> Result<Option<(String, Vec<u8>)>, StorageError> {
    Ok(conn
        .prepare_cached("SELECT name, bytes FROM quick_reply_files WHERE id = ?1 AND line_id = ?2")?
        .query_row(params![sql_id(file), sql_id(line)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// The name and size of file `file` of `line`; `None` when the line has no such file.
pub(super) fn quick_reply_file_meta(
    conn: &Connection,
    line: u64,
    file: u64,
) -> Result<Option<QuickReplyFile>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT name, length(bytes) FROM quick_reply_files WHERE id = ?1 AND line_id = ?2",
        )?
        .query_row(params![sql_id(file), sql_id(line)], |r| {
            Ok(QuickReplyFile {
                id: file,
                name: r.get(0)?,
                size: id(r.get(1)?),
            })
        })
        .optional()?)
}

/// A KB title `line` has already (besides `except`): `Exists`.
fn title_free(
    conn: &Connection,
    line: u64,
    title: &str,
    except: Option<u64>,
) -> Result<(), StorageError> {
    let taken: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM kb_articles WHERE line_id = ?1 AND title = ?2 AND id IS NOT ?3",
        )?
        .query_row(params![sql_id(line), title, except.map(sql_id)], |r| {
            r.get(0)
        })
        .optional()?;
    match taken {
        Some(_) => Err(StorageError::Exists {
            what: "article",
            name: title.to_string(),
        }),
        None => Ok(()),
    }
}

pub(super) fn add_kb_article(
    conn: &Connection,
    line: u64,
    title: &str,
    body: &str,
) -> Result<u64, StorageError> {
    super::knowledge::known_line(conn, line)?;
    title_free(conn, line, title, None)?;
    conn.execute(
        "INSERT INTO kb_articles (line_id, title, body) VALUES (?1, ?2, ?3)",
        params![sql_id(line), title, body],
    )?;
    Ok(id(conn.last_insert_rowid()))
}

pub(super) fn update_kb_article(
    conn: &Connection,
    line: u64,
    article: u64,
    title: &str,
    body: &str,
) -> Result<bool, StorageError> {
    title_free(conn, line, title, Some(article))?;
    Ok(conn.execute(
        "UPDATE kb_articles SET title = ?3, body = ?4 WHERE id = ?1 AND line_id = ?2",
        params![sql_id(article), sql_id(line), title, body],
    )? == 1)
}

pub(super) fn delete_kb_article(
    conn: &Connection,
    line: u64,
    article: u64,
) -> Result<bool, StorageError> {
    Ok(conn.execute(
        "DELETE FROM kb_articles WHERE id = ?1 AND line_id = ?2",
        params![sql_id(article), sql_id(line)],
    )? == 1)
}

/// A2 and the roles of each specialist of `line`, by name.
pub(super) fn team(conn: &Connection, line: u64) -> Result<Vec<TeamMember>, StorageError> {
    Ok(conn
        .prepare_cached(
            "SELECT s.id, s.name, s.login, ls.priority, ls.max_load, ls.supervisor, ls.line_admin
             FROM line_specialists ls JOIN specialists s ON s.id = ls.specialist_id
             WHERE ls.line_id = ?1 ORDER BY s.name, s.id",
        )?
        .query_map([sql_id(line)], |r| {
            Ok(TeamMember {
                specialist: id(r.get(0)?),
                name: r.get(1)?,
                login: r.get(2)?,
                settings: TeamSettings {
                    priority: u8::try_from(r.get::<_, i64>(3)?).unwrap_or(u8::MAX),
                    limit: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                    supervisor: r.get(5)?,
                    line_admin: r.get(6)?,
                },
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Store `specialist`'s settings on `line` and give the live dispatcher their new priority and
/// limit at once (their load and tier kept); false when they do not serve the line.
pub(super) fn set_team_member(
    inner: &mut Inner,
    line: u64,
    specialist: u64,
    s: &TeamSettings,
) -> Result<bool, StorageError> {
    let changed = inner.conn.execute(
        "UPDATE line_specialists SET priority = ?3, max_load = ?4, supervisor = ?5, line_admin = ?6
         WHERE line_id = ?1 AND specialist_id = ?2",
        params![
            sql_id(line),
            sql_id(specialist),
            s.priority,
            s.limit,
            s.supervisor,
            s.line_admin
        ],
    )? == 1;
    if changed {
        let member = line_team(&inner.conn, line)?
            .into_iter()
            .find(|m| m.id == SpecialistId(specialist));
        if let (Some(member), Some(dispatcher)) = (member, inner.routing.get_mut(&line)) {
            dispatcher.add_specialist(member);
        }
    }
    Ok(changed)
}

/// C5: a new client of `line` with the whole card; `Exists` when the line has a client with
/// its 1C-Connect ID already. Its `ClientUpserted` is in the line's log.
pub(super) fn add_client_card(
    conn: &mut Connection,
    line: u64,
    card: &StoredClient,
) -> Result<u64, StorageError> {
    let tx = conn.transaction()?;
    super::knowledge::known_line(&tx, line)?;
    let added = super::insert_client(&tx, line, card)?.map_err(|()| StorageError::Exists {
        what: "client with the 1C-Connect ID",
        name: card.connect_id.clone().unwrap_or_default(),
    })?;
    tx.commit()?;
    Ok(added)
}

/// C5: rewrite the card of `client` of `line` (its guest mark kept); false when the line has
/// no such client. Its `ClientUpserted` is in the line's log.
pub(super) fn update_client_card(
    conn: &mut Connection,
    line: u64,
    client: u64,
    card: &StoredClient,
) -> Result<bool, StorageError> {
    let tx = conn.transaction()?;
    let guest: Option<bool> = tx
        .query_row(
            "SELECT guest FROM clients WHERE id = ?1 AND line_id = ?2",
            params![sql_id(client), sql_id(line)],
            |r| r.get(0),
        )
        .optional()?;
    let Some(guest) = guest else {
        return Ok(false);
    };
    let card = StoredClient {
        guest,
        ..card.clone()
    };
    let responsible = serde_json::to_string(&card.responsible)
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let updated = tx.execute(
        "UPDATE clients SET name = ?3, connect_id = ?4, email = ?5, phone = ?6, company = ?7,
             inn = ?8, company_reg = ?9, its_contract = ?10, support_params = ?11,
             position = ?12, department = ?13, region = ?14, birth_date = ?15, vip = ?16,
             work_status = ?17, responsible = ?18
         WHERE id = ?1 AND line_id = ?2",
        params![
            sql_id(client),
            sql_id(line),
            card.name,
            card.connect_id,
            card.email,
            card.phone,
            card.company,
            card.inn,
            card.company_reg,
            card.its_contract,
            card.support_params,
            card.position,
            card.department,
            card.region,
            card.birth_date,
            card.vip,
            card.work_status,
            responsible
        ],
    );
    match updated {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            return Err(StorageError::Exists {
                what: "client with the 1C-Connect ID",
                name: card.connect_id.clone().unwrap_or_default(),
            });
        }
        Err(other) => return Err(other.into()),
    }
    super::append_event(
        &tx,
        line,
        linedesk_protocol::Event::ClientUpserted {
            client,
            profile: Box::new(card),
        },
        crate::context::now_ms(),
    )?;
    tx.commit()?;
    Ok(true)
}
