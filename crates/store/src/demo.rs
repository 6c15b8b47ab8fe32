//! The demo world of `linedesk-demo` written straight into a store, for the store's tests and
//! benches. The app does not call this: its demo data comes from the embedded line server.

pub use linedesk_demo::{
    DEMO_CLIENTS, DEMO_COMPANIES, DEMO_LINE_NAME, DEMO_SEARCH_CLIENT_NAME, DEMO_SEARCH_COMPANY,
    DEMO_SEARCH_INN, DEMO_SEARCH_NAME_PART, DEMO_STAFF_LINE_NAME, is_valid_inn,
};

use crate::Store;
use crate::chat::Author;
use crate::error::Result;
use crate::replica::{ClientRecord, CompanyRecord, insert_history, upsert_client, upsert_line};

/// A demo client as the server would describe it, with the id the server gives it (line by
/// line, in order, from 1).
pub fn client_record(
    world: &linedesk_demo::World,
    client: &linedesk_demo::Client,
    id: i64,
) -> ClientRecord {
    ClientRecord {
        id,
        name: client.name.clone(),
        login_id: client.login_id.clone(),
        email: Some(client.email.clone()),
        phone: client.phone.clone(),
        company: world.company_of(client).map(|c| CompanyRecord {
            name: c.name.clone(),
            inn: Some(c.inn.clone()),
            reg_number: Some(c.reg_number.clone()),
            its_contract: Some(c.its_contract.clone()),
            support_params: Some(c.support_params.clone()),
        }),
        position: Some(client.position.clone()),
        department: Some(client.department.clone()),
        region: Some(client.region.clone()),
        birth_date: client.birth_date.clone(),
        vip: client.vip,
        work_status: client.work_status.clone(),
        responsible: client.responsible.clone(),
        guest: false,
    }
}

/// Fill an empty database with the demo lines. Returns `false` (and changes nothing) when the
/// database already has lines.
pub fn seed_if_empty(store: &Store, now_ms: i64) -> Result<bool> {
    let lines: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM lines", [], |r| r.get(0))?;
    if lines > 0 {
        return Ok(false);
    }
    let world = linedesk_demo::world();
    let tx = store.conn.unchecked_transaction()?;
    let mut next_client = 1;
    for (index, line) in world.lines.iter().enumerate() {
        let line_id = index as i64 + 1;
        upsert_line(&tx, line_id, &line.name)?;
        for client in &line.clients {
            let id = next_client;
            next_client += 1;
            upsert_client(&tx, line_id, &client_record(&world, client, id))?;
            for m in &client.history {
                let author = match m.author {
                    linedesk_demo::Author::Client => Author::Client,
                    linedesk_demo::Author::Specialist => Author::Specialist,
                };
                insert_history(&tx, line_id, id, author, &m.text, now_ms - m.ago_ms)?;
            }
            if client.open_appeal {
                tx.execute(
                    "UPDATE conversations SET appeal_open = 1 WHERE line_id = ?1 AND client_id = ?2",
                    [line_id, id],
                )?;
            }
        }
    }
    let p = &world.specialist;
    tx.execute(
        "INSERT INTO profile (id, full_name, position, email, phone) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO NOTHING",
        rusqlite::params![p.full_name, p.position, p.email, p.phone],
    )?;
    tx.commit()?;
    Ok(true)
}
