//! Clients as the server adds and lists them, and the log's reads, over PostgreSQL.

use linedesk_protocol::Event;

use super::db::{Db, id, is_constraint, sql_id};
use super::line_repo;
use crate::app::now_ms;
use crate::storage::{StorageError, StoredClient, StoredEvent};

pub(crate) const CLIENT_COLUMNS: &str = "name, connect_id, email, phone, company, inn, company_reg, \
    its_contract, support_params, position, department, region, birth_date, vip, work_status, \
    responsible, guest";

pub(crate) fn client_row(r: &tokio_postgres::Row, at: usize) -> StoredClient {
    let responsible: String = r.get(at + 15);
    StoredClient {
        name: r.get(at),
        connect_id: r.get(at + 1),
        email: r.get(at + 2),
        phone: r.get(at + 3),
        company: r.get(at + 4),
        inn: r.get(at + 5),
        company_reg: r.get(at + 6),
        its_contract: r.get(at + 7),
        support_params: r.get(at + 8),
        position: r.get(at + 9),
        department: r.get(at + 10),
        region: r.get(at + 11),
        birth_date: r.get(at + 12),
        vip: r.get(at + 13),
        work_status: r.get(at + 14),
        responsible: serde_json::from_str(&responsible).unwrap_or_default(),
        guest: r.get(at + 16),
    }
}

/// Insert a client and announce them on the line's log, in the caller's transaction.
/// `Ok(Err(()))`: a constraint refused the row (a 1C-Connect ID already on the line, or no
/// such line); the row's savepoint is rolled back and the transaction goes on.
pub(crate) fn insert_client(
    db: &Db,
    line: u64,
    c: &StoredClient,
) -> Result<Result<u64, ()>, StorageError> {
    let responsible = serde_json::to_string(&c.responsible).unwrap_or_else(|_| "[]".into());
    db.batch("SAVEPOINT client_row")?;
    let inserted = db.one(
        &format!(
            "INSERT INTO clients (line_id, {CLIENT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18)
             RETURNING id"
        ),
        &[
            &sql_id(line),
            &c.name,
            &c.connect_id,
            &c.email,
            &c.phone,
            &c.company,
            &c.inn,
            &c.company_reg,
            &c.its_contract,
            &c.support_params,
            &c.position,
            &c.department,
            &c.region,
            &c.birth_date,
            &c.vip,
            &c.work_status,
            &responsible,
            &c.guest,
        ],
    );
    let client = match inserted {
        Ok(row) => {
            db.batch("RELEASE SAVEPOINT client_row")?;
            id(row.get(0))
        }
        Err(e) if is_constraint(&e) => {
            db.batch("ROLLBACK TO SAVEPOINT client_row")?;
            return Ok(Err(()));
        }
        Err(e) => return Err(e.into()),
    };
    line_repo::append(
        db,
        line,
        &Event::ClientUpserted {
            client,
            profile: Box::new(c.clone()),
        },
        now_ms(),
    )?;
    Ok(Ok(client))
}

pub(crate) fn known_line(db: &Db, line: u64) -> Result<(), StorageError> {
    db.opt("SELECT 1 FROM lines WHERE id = $1", &[&sql_id(line)])?
        .map(|_| ())
        .ok_or_else(|| StorageError::Invalid(format!("no line {line}")))
}

/// Events of `line` with `seq > after`, in order, at most `limit`.
pub(crate) fn events_after(
    db: &Db,
    line: u64,
    after: u64,
    limit: u32,
) -> Result<Vec<StoredEvent>, StorageError> {
    db.rows(
        "SELECT seq, at, body FROM events WHERE line_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        &[&sql_id(line), &sql_id(after), &i64::from(limit)],
    )?
    .iter()
    .map(|r| {
        let event = serde_json::from_str(r.get::<_, &str>(2))
            .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        Ok(StoredEvent {
            line,
            seq: id(r.get(0)),
            at_ms: r.get(1),
            event,
        })
    })
    .collect()
}
