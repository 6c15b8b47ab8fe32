//! C8 and line administration over PostgreSQL: quick replies with their files, the lines a
//! specialist administers, the team's settings and the clients' cards (the same rows as
//! SQLite's `knowledge.rs` and `line_admin.rs`).

use linedesk_protocol::line_admin::{AdminLine, TeamMember, TeamSettings};
use linedesk_protocol::{Event, ReferencePart};

use super::db::{Db, id, is_constraint, sql_id};
use super::line_repo::append;
use crate::storage::{QuickReply, QuickReplyFile, StorageError, StoredClient};

fn known_line(db: &Db, line: u64) -> Result<(), StorageError> {
    db.opt("SELECT 1 FROM lines WHERE id = $1", &[&sql_id(line)])?
        .map(|_| ())
        .ok_or_else(|| StorageError::Invalid(format!("no line {line}")))
}

fn corrupt(e: serde_json::Error) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

/// Replace the line's quick replies with `replies` (in order) in the caller's transaction;
/// a reply carries only files kept for its own line; files no reply uses any more go (the
/// rule and its grace are `linedesk_line::line_admin::knowledge`'s).
pub(crate) fn set_quick_replies(
    db: &Db,
    line: u64,
    replies: &[QuickReply],
    now_ms: i64,
) -> Result<(), StorageError> {
    known_line(db, line)?;
    db.exec(
        "DELETE FROM quick_replies WHERE line_id = $1",
        &[&sql_id(line)],
    )?;
    for (position, r) in replies.iter().enumerate() {
        for f in &r.files {
            if file_meta(db, line, f.id)?.is_none() {
                return Err(StorageError::Invalid(format!(
                    "reply {}: line {line} has no file {}",
                    position + 1,
                    f.id
                )));
            }
        }
        let files: Vec<u64> = r.files.iter().map(|f| f.id).collect();
        let files = serde_json::to_string(&files).map_err(corrupt)?;
        db.exec(
            "INSERT INTO quick_replies (line_id, position, title, text, files)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &sql_id(line),
                &i64::try_from(position).unwrap_or(i64::MAX),
                &r.title,
                &r.text,
                &files,
            ],
        )?;
    }
    let files: Vec<(u64, i64)> = db
        .rows(
            "SELECT id, created_at FROM quick_reply_files WHERE line_id = $1",
            &[&sql_id(line)],
        )?
        .iter()
        .map(|r| (id(r.get(0)), r.get(1)))
        .collect();
    for file in linedesk_line::line_admin::knowledge::unused_reply_files(&files, replies, now_ms) {
        db.exec(
            "DELETE FROM quick_reply_files WHERE id = $1 AND line_id = $2",
            &[&sql_id(file), &sql_id(line)],
        )?;
    }
    append(
        db,
        line,
        &Event::ReferenceChanged {
            part: ReferencePart::QuickReplies,
        },
        now_ms,
    )?;
    Ok(())
}

pub(crate) fn quick_replies(db: &Db, line: u64) -> Result<Vec<QuickReply>, StorageError> {
    let rows = db.rows(
        "SELECT title, text, files FROM quick_replies WHERE line_id = $1 ORDER BY position",
        &[&sql_id(line)],
    )?;
    let mut replies = Vec::with_capacity(rows.len());
    for r in &rows {
        let ids: Vec<u64> = serde_json::from_str(r.get::<_, &str>(2)).map_err(corrupt)?;
        let mut files = Vec::with_capacity(ids.len());
        for file in ids {
            files.extend(file_meta(db, line, file)?);
        }
        replies.push(QuickReply {
            title: r.get(0),
            text: r.get(1),
            files,
        });
    }
    Ok(replies)
}

/// The name and size of file `file` of `line`; `None` when the line has no such file.
fn file_meta(db: &Db, line: u64, file: u64) -> Result<Option<QuickReplyFile>, StorageError> {
    Ok(db
        .opt(
            "SELECT name, octet_length(bytes) FROM quick_reply_files WHERE id = $1 AND line_id = $2",
            &[&sql_id(file), &sql_id(line)],
        )?
        .map(|r| QuickReplyFile {
            id: file,
            name: r.get(0),
            size: u64::try_from(r.get::<_, i32>(1)).unwrap_or_default(),
        }))
}

pub(crate) fn add_quick_reply_file(
    db: &Db,
    line: u64,
    name: &str,
    bytes: &[u8],
    now_ms: i64,
) -> Result<QuickReplyFile, StorageError> {
    known_line(db, line)?;
    let file = id(db
        .one(
            "INSERT INTO quick_reply_files (line_id, name, bytes, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[&sql_id(line), &name, &bytes, &now_ms],
        )?
        .get(0));
    Ok(QuickReplyFile {
        id: file,
        name: name.to_string(),
        size: bytes.len() as u64,
    })
}

pub(crate) fn quick_reply_file(
    db: &Db,
    line: u64,
    file: u64,
) -> Result<Option<(String, Vec<u8>)>, StorageError> {
    Ok(db
        .opt(
            "SELECT name, bytes FROM quick_reply_files WHERE id = $1 AND line_id = $2",
            &[&sql_id(file), &sql_id(line)],
        )?
        .map(|r| (r.get(0), r.get(1))))
}

pub(crate) fn admin_lines(db: &Db, specialist: u64) -> Result<Vec<AdminLine>, StorageError> {
    Ok(db
        .rows(
            "SELECT l.id, l.name FROM line_specialists ls JOIN lines l ON l.id = ls.line_id
             WHERE ls.specialist_id = $1 AND ls.line_admin ORDER BY l.id",
            &[&sql_id(specialist)],
        )?
        .iter()
        .map(|r| AdminLine {
            line: id(r.get(0)),
            name: r.get(1),
        })
        .collect())
}

/// A2 and the roles of each specialist of `line`, by name (in byte order, as SQLite sorts).
pub(crate) fn team(db: &Db, line: u64) -> Result<Vec<TeamMember>, StorageError> {
    Ok(db
        .rows(
            "SELECT s.id, s.name, s.login, ls.priority, ls.max_load, ls.supervisor, ls.line_admin
             FROM line_specialists ls JOIN specialists s ON s.id = ls.specialist_id
             WHERE ls.line_id = $1 ORDER BY s.name COLLATE \"C\", s.id",
            &[&sql_id(line)],
        )?
        .iter()
        .map(|r| TeamMember {
            specialist: id(r.get(0)),
            name: r.get(1),
            login: r.get(2),
            settings: TeamSettings {
                priority: u8::try_from(r.get::<_, i64>(3)).unwrap_or(u8::MAX),
                limit: u32::try_from(r.get::<_, i64>(4)).unwrap_or(0),
                supervisor: r.get(5),
                line_admin: r.get(6),
            },
        })
        .collect())
}

/// Store `specialist`'s settings on `line`; false when they do not serve the line.
pub(crate) fn set_team_member(
    db: &Db,
    line: u64,
    specialist: u64,
    s: &TeamSettings,
) -> Result<bool, StorageError> {
    Ok(db.exec(
        "UPDATE line_specialists SET priority = $3, max_load = $4, supervisor = $5,
             line_admin = $6
         WHERE line_id = $1 AND specialist_id = $2",
        &[
            &sql_id(line),
            &sql_id(specialist),
            &i64::from(s.priority),
            &i64::from(s.limit),
            &s.supervisor,
            &s.line_admin,
        ],
    )? == 1)
}

pub(crate) fn client_exists(card: &StoredClient) -> StorageError {
    StorageError::Exists {
        what: "client with the 1C-Connect ID",
        name: card.connect_id.clone().unwrap_or_default(),
    }
}

/// C5: rewrite the card of `client` of `line` (its guest mark kept) with its `ClientUpserted`;
/// false when the line has no such client.
pub(crate) fn update_client_card(
    db: &Db,
    line: u64,
    client: u64,
    card: &StoredClient,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let Some(guest) = db
        .opt(
            "SELECT guest FROM clients WHERE id = $1 AND line_id = $2",
            &[&sql_id(client), &sql_id(line)],
        )?
        .map(|r| r.get::<_, bool>(0))
    else {
        return Ok(false);
    };
    let card = StoredClient {
        guest,
        ..card.clone()
    };
    let responsible = serde_json::to_string(&card.responsible).map_err(corrupt)?;
    let updated = db.exec(
        "UPDATE clients SET name = $3, connect_id = $4, email = $5, phone = $6, company = $7,
             inn = $8, company_reg = $9, its_contract = $10, support_params = $11,
             position = $12, department = $13, region = $14, birth_date = $15, vip = $16,
             work_status = $17, responsible = $18
         WHERE id = $1 AND line_id = $2",
        &[
            &sql_id(client),
            &sql_id(line),
            &card.name,
            &card.connect_id,
            &card.email,
            &card.phone,
            &card.company,
            &card.inn,
            &card.company_reg,
            &card.its_contract,
            &card.support_params,
            &card.position,
            &card.department,
            &card.region,
            &card.birth_date,
            &card.vip,
            &card.work_status,
            &responsible,
        ],
    );
    match updated {
        Ok(_) => {}
        Err(e) if is_constraint(&e) => return Err(client_exists(&card)),
        Err(e) => return Err(e.into()),
    }
    append(
        db,
        line,
        &Event::ClientUpserted {
            client,
            profile: Box::new(card),
        },
        now_ms,
    )?;
    Ok(true)
}
