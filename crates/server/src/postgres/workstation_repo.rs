//! Tickets and their queues (T1-T5), KB drafts and articles (C8), chat files (A1) and the web
//! widget's guests (K1) over PostgreSQL: the same rows as SQLite's `ticket_repo.rs`,
//! `kb_draft_repo.rs`, `file_repo.rs` and `guest_repo.rs`.

use linedesk_domain::ticket::{Ticket, TicketNumber};
use linedesk_line::{
    FileRepo, GuestRepo, KbArticleRepo, KbDraftRepo, KeyOwner, NewFile, NewKbDraft, NewTicket,
    RepoError, TicketRepo, TicketRow,
};
use linedesk_protocol::{ClientProfile, Event, KbDraft, SharedFile};
use sha2::{Digest, Sha256};

use super::db::{Db, id, pg, sql_id};
use super::line_repo::{PgRepo, append};
use crate::sqlite::file_repo::uploader;
use crate::sqlite::ticket_repo::state_code;
use crate::storage::{StorageError, StoredFile};

fn json(e: serde_json::Error) -> RepoError {
    RepoError::new("json", e.to_string())
}

fn queue_taken(e: tokio_postgres::Error, name: &str) -> StorageError {
    super::db::exists("queue", name, e)
}

/// A new queue of `line`, announced in the line's log (`TicketQueueNamed`).
pub(crate) fn add_queue(db: &Db, line: u64, name: &str, now_ms: i64) -> Result<u64, StorageError> {
    let name = linedesk_line::tickets::queue_name(name)?;
    if db
        .opt("SELECT 1 FROM lines WHERE id = $1", &[&sql_id(line)])?
        .is_none()
    {
        return Err(StorageError::Invalid(format!("no line {line}")));
    }
    let queue = id(db
        .one(
            "INSERT INTO ticket_queues (line_id, name) VALUES ($1, $2) RETURNING id",
            &[&sql_id(line), &name],
        )
        .map_err(|e| queue_taken(e, name))?
        .get(0));
    append(
        db,
        line,
        &Event::TicketQueueNamed {
            queue,
            name: name.to_string(),
        },
        now_ms,
    )?;
    Ok(queue)
}

/// T2: queue `queue` of `line` is called `name` from now on (`TicketQueueNamed` again).
pub(crate) fn rename_queue(
    db: &Db,
    line: u64,
    queue: u64,
    name: &str,
    now_ms: i64,
) -> Result<bool, StorageError> {
    let name = linedesk_line::tickets::queue_name(name)?;
    let renamed = db
        .exec(
            "UPDATE ticket_queues SET name = $3 WHERE id = $1 AND line_id = $2",
            &[&sql_id(queue), &sql_id(line), &name],
        )
        .map_err(|e| queue_taken(e, name))?;
    if renamed == 0 {
        return Ok(false);
    }
    append(
        db,
        line,
        &Event::TicketQueueNamed {
            queue,
            name: name.to_string(),
        },
        now_ms,
    )?;
    Ok(true)
}

pub(crate) fn queues(db: &Db, line: u64) -> Result<Vec<(u64, String)>, StorageError> {
    Ok(db
        .rows(
            "SELECT id, name FROM ticket_queues WHERE line_id = $1 ORDER BY id",
            &[&sql_id(line)],
        )?
        .iter()
        .map(|r| (id(r.get(0)), r.get(1)))
        .collect())
}

impl TicketRepo for PgRepo<'_> {
    fn ticket(&mut self, ticket: u64) -> Result<Option<TicketRow>, RepoError> {
        let Some(r) = self
            .db
            .opt(
                "SELECT line_id, client_id, due_at, body FROM tickets WHERE id = $1",
                &[&sql_id(ticket)],
            )
            .map_err(pg)?
        else {
            return Ok(None);
        };
        Ok(Some(TicketRow {
            id: ticket,
            line: id(r.get(0)),
            client: id(r.get(1)),
            due_ms: r.get(2),
            ticket: serde_json::from_str(r.get::<_, &str>(3)).map_err(json)?,
        }))
    }

    fn queue_dispute_line(&mut self, queue: u64) -> Result<Option<u64>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT dispute_line FROM ticket_queues WHERE id = $1",
                &[&sql_id(queue)],
            )
            .map_err(pg)?
            .and_then(|r| r.get::<_, Option<i64>>(0))
            .map(id))
    }

    fn queue_on_line(&mut self, queue: u64, line: u64) -> Result<bool, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT 1 FROM ticket_queues WHERE id = $1 AND line_id = $2",
                &[&sql_id(queue), &sql_id(line)],
            )
            .map_err(pg)?
            .is_some())
    }

    fn last_ticket_number(&mut self) -> Result<Option<TicketNumber>, RepoError> {
        let Some(r) = self
            .db
            .opt(
                "SELECT year, seq FROM tickets ORDER BY year DESC, seq DESC LIMIT 1",
                &[],
            )
            .map_err(pg)?
        else {
            return Ok(None);
        };
        let (year, seq): (i64, i64) = (r.get(0), r.get(1));
        Ok(Some(TicketNumber {
            year: u16::try_from(year)
                .map_err(|_| RepoError::new("corrupt", format!("ticket year {year}")))?,
            seq: u32::try_from(seq)
                .map_err(|_| RepoError::new("corrupt", format!("ticket number {seq}")))?,
        }))
    }

    fn insert_ticket(&mut self, t: &NewTicket<'_>) -> Result<u64, RepoError> {
        let body = serde_json::to_string(t.ticket).map_err(json)?;
        let row = self
            .db
            .one(
                "INSERT INTO tickets (line_id, client_id, appeal_id, year, seq, subject, text,
                     state, queue_id, creator, owner, due_at, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $9, $10, $11) RETURNING id",
                &[
                    &sql_id(t.line),
                    &sql_id(t.client),
                    &t.appeal.map(sql_id),
                    &i64::from(t.ticket.number.year),
                    &i64::from(t.ticket.number.seq),
                    &t.subject,
                    &t.text,
                    &state_code(t.ticket.state()),
                    &sql_id(t.creator),
                    &t.due_ms,
                    &body,
                ],
            )
            .map_err(pg)?;
        Ok(id(row.get(0)))
    }

    fn put_ticket(&mut self, ticket: u64, value: &Ticket) -> Result<(), RepoError> {
        let body = serde_json::to_string(value).map_err(json)?;
        self.db
            .exec(
                "UPDATE tickets SET state = $2, queue_id = $3, owner = $4, body = $5
                 WHERE id = $1",
                &[
                    &sql_id(ticket),
                    &state_code(value.state()),
                    &value.queue().map(|q| sql_id(q.0)),
                    &sql_id(value.owner().0),
                    &body,
                ],
            )
            .map_err(pg)?;
        Ok(())
    }
}

impl KbDraftRepo for PgRepo<'_> {
    fn insert_kb_draft(&mut self, d: &NewKbDraft<'_>) -> Result<u64, RepoError> {
        let row = self
            .db
            .one(
                "INSERT INTO kb_drafts (line_id, specialist_id, subject, text, at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &sql_id(d.line),
                    &sql_id(d.specialist),
                    &d.subject,
                    &d.text,
                    &d.at_ms,
                ],
            )
            .map_err(pg)?;
        Ok(id(row.get(0)))
    }
}

/// The line's KB drafts, oldest first.
pub(crate) fn drafts_of_line(db: &Db, line: u64) -> Result<Vec<KbDraft>, StorageError> {
    Ok(db
        .rows(
            "SELECT id, subject, text, specialist_id, at FROM kb_drafts WHERE line_id = $1
             ORDER BY id",
            &[&sql_id(line)],
        )?
        .iter()
        .map(|r| KbDraft {
            id: id(r.get(0)),
            subject: r.get(1),
            text: r.get(2),
            specialist: id(r.get(3)),
            at_ms: r.get(4),
        })
        .collect())
}

impl KbArticleRepo for PgRepo<'_> {
    fn kb_article_title(&mut self, line: u64, article: u64) -> Result<Option<String>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT title FROM kb_articles WHERE id = $1 AND line_id = $2",
                &[&sql_id(article), &sql_id(line)],
            )
            .map_err(pg)?
            .map(|r| r.get(0)))
    }
}

impl FileRepo for PgRepo<'_> {
    fn file_by_key(&mut self, owner: KeyOwner, key: &str) -> Result<Option<SharedFile>, RepoError> {
        Ok(self
            .db
            .opt(
                "SELECT id, name, size, appeal_id FROM files WHERE uploader = $1 AND key = $2",
                &[&uploader(owner), &key],
            )
            .map_err(pg)?
            .map(|r| SharedFile {
                file: id(r.get(0)),
                name: r.get(1),
                size: id(r.get(2)),
                appeal: r.get::<_, Option<i64>>(3).map(id),
                duplicate: true,
            }))
    }

    fn insert_file(&mut self, f: &NewFile<'_>) -> Result<u64, RepoError> {
        let row = self
            .db
            .one(
                "INSERT INTO files (line_id, client_id, from_specialist, appeal_id, name, size,
                     sha256, bytes, uploader, key, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &[
                    &sql_id(f.line),
                    &sql_id(f.client),
                    &f.from_specialist.map(sql_id),
                    &f.appeal.map(sql_id),
                    &f.name,
                    &sql_id(f.bytes.len() as u64),
                    &format!("{:x}", Sha256::digest(f.bytes)),
                    &f.bytes,
                    &uploader(f.uploader),
                    &f.key,
                    &f.at_ms,
                ],
            )
            .map_err(pg)?;
        Ok(id(row.get(0)))
    }
}

/// A chat's file with its bytes.
pub(crate) fn file(db: &Db, file: u64) -> Result<Option<StoredFile>, StorageError> {
    Ok(db
        .opt(
            "SELECT line_id, client_id, name, bytes FROM files WHERE id = $1",
            &[&sql_id(file)],
        )?
        .map(|r| StoredFile {
            line: id(r.get(0)),
            client: id(r.get(1)),
            name: r.get(2),
            bytes: r.get(3),
        }))
}

impl GuestRepo for PgRepo<'_> {
    fn line_exists(&mut self, line: u64) -> Result<bool, RepoError> {
        Ok(self
            .db
            .opt("SELECT 1 FROM lines WHERE id = $1", &[&sql_id(line)])
            .map_err(pg)?
            .is_some())
    }

    fn insert_guest(&mut self, line: u64, profile: &ClientProfile) -> Result<u64, RepoError> {
        let client: i64 = self
            .db
            .one(
                "INSERT INTO clients (line_id, name, email, phone, guest)
                 VALUES ($1, $2, $3, $4, TRUE) RETURNING id",
                &[&sql_id(line), &profile.name, &profile.email, &profile.phone],
            )
            .map_err(pg)?
            .get(0);
        // Logins are unique across accounts: a specialist or admin who already has this one
        // leaves the guest without a login.
        self.db
            .exec(
                "UPDATE clients SET login = 'guest-' || id WHERE id = $1
                 AND NOT EXISTS (SELECT 1 FROM specialists WHERE login = 'guest-' || $1::TEXT)
                 AND NOT EXISTS (SELECT 1 FROM admins WHERE login = 'guest-' || $1::TEXT)",
                &[&client],
            )
            .map_err(pg)?;
        Ok(id(client))
    }
}

/// Whether `client` signed in as a guest (K1).
pub(crate) fn is_guest(db: &Db, client: u64) -> Result<bool, StorageError> {
    Ok(db
        .opt(
            "SELECT guest FROM clients WHERE id = $1",
            &[&sql_id(client)],
        )?
        .is_some_and(|r| r.get(0)))
}
