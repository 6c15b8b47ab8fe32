//! The data dir of a run: lines, specialists serving them (Available), clients, and a token
//! for each, written through the server's own storage. Preparing takes one durable
//! transaction per row (minutes for 11,000 accounts on a busy disk), so `--prepared DIR`
//! keeps the result and later runs of the same size copy it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::Action;
use linedesk_server::auth::token_hash;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Storage, Subject};
use serde_json::json;

use crate::LoadPlan;

/// The server's database file in a data dir.
const DATABASE: &str = "server.db";
/// Who was prepared, kept beside a kept database.
const ROSTER: &str = "roster.json";

/// The token a load session presents (stored as its hash like any token).
pub fn token_of(subject: Subject) -> String {
    format!("load-{:?}-{}", subject.role, subject.id)
}

/// What a data dir holds: specialists with their line, clients with theirs.
pub struct Roster {
    pub specialists: Vec<(u64, u64)>,
    pub clients: Vec<(u64, u64)>,
}

/// The run's data dir `run_dir`, prepared for `plan` (or copied from `kept`), and the last
/// sequence number of each line: sessions subscribe from there, as an app that has synced
/// before does (the preparation's history is not load).
pub fn data_dir(
    run_dir: &Path,
    plan: &LoadPlan,
    kept: Option<&Path>,
) -> Result<(Roster, HashMap<u64, u64>), String> {
    std::fs::create_dir_all(run_dir).map_err(|e| format!("{}: {e}", run_dir.display()))?;
    let roster = match kept {
        None => prepare(run_dir, plan)?,
        Some(kept) => {
            let template = kept.join(format!(
                "{}-{}-{}",
                plan.specialists, plan.clients, plan.lines
            ));
            let roster = match read_roster(&template) {
                Some(roster) => roster,
                None => {
                    let _ = std::fs::remove_dir_all(&template);
                    std::fs::create_dir_all(&template)
                        .map_err(|e| format!("{}: {e}", template.display()))?;
                    let roster = prepare(&template, plan)?;
                    write_roster(&template, &roster)?;
                    roster
                }
            };
            copy_files(&template, run_dir)?;
            roster
        }
    };
    let heads = heads(run_dir, &roster)?;
    Ok((roster, heads))
}

fn prepare(dir: &Path, plan: &LoadPlan) -> Result<Roster, String> {
    let fail = |e: linedesk_server::storage::StorageError| e.to_string();
    let storage = SqliteStorage::open(&dir.join(DATABASE)).map_err(fail)?;
    let far = i64::MAX / 2;
    let lines: Vec<u64> = (0..plan.lines)
        .map(|i| storage.add_line(&format!("Линия {i}")))
        .collect::<Result<_, _>>()
        .map_err(fail)?;
    let line_of = |i: u64| lines[(i % plan.lines) as usize];
    let mut specialists = Vec::new();
    for i in 0..plan.specialists {
        let line = line_of(i);
        let id = storage
            .add_specialist(&format!("sp{i}"), "-", &format!("Специалист {i}"))
            .map_err(fail)?;
        storage
            .serve_line(id, line, (i % 7) as u8, 20)
            .map_err(fail)?;
        let subject = Subject::specialist(id);
        storage
            .save_token(&token_hash(&token_of(subject)), subject, far)
            .map_err(fail)?;
        let presence = Action::SetPresence {
            status: PresenceStatus::Available,
        };
        storage
            .apply(subject, "load-presence", &presence, 0)
            .map_err(fail)?;
        specialists.push((id, line));
    }
    let mut clients = Vec::new();
    for i in 0..plan.clients {
        let line = line_of(i);
        let id = storage
            .add_client(line, &format!("Клиент {i}"))
            .map_err(fail)?;
        let subject = Subject::client(id);
        storage
            .save_token(&token_hash(&token_of(subject)), subject, far)
            .map_err(fail)?;
        clients.push((id, line));
    }
    Ok(Roster {
        specialists,
        clients,
    })
}

fn heads(dir: &Path, roster: &Roster) -> Result<HashMap<u64, u64>, String> {
    let storage = SqliteStorage::open(&dir.join(DATABASE)).map_err(|e| e.to_string())?;
    let mut heads = HashMap::new();
    for &(_, line) in roster.specialists.iter().chain(&roster.clients) {
        if heads.contains_key(&line) {
            continue;
        }
        let mut after = 0;
        loop {
            let page = storage
                .events_after(line, after, 10_000)
                .map_err(|e| e.to_string())?;
            let Some(last) = page.last() else { break };
            after = last.seq;
        }
        heads.insert(line, after);
    }
    Ok(heads)
}

fn write_roster(dir: &Path, roster: &Roster) -> Result<(), String> {
    let text = json!({ "specialists": roster.specialists, "clients": roster.clients });
    let path = dir.join(ROSTER);
    std::fs::write(&path, text.to_string()).map_err(|e| format!("{}: {e}", path.display()))
}

/// The roster of a kept data dir, if it was prepared to the end.
fn read_roster(dir: &Path) -> Option<Roster> {
    let text = std::fs::read_to_string(dir.join(ROSTER)).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let pairs = |name: &str| -> Option<Vec<(u64, u64)>> {
        serde_json::from_value(value.get(name)?.clone()).ok()
    };
    Some(Roster {
        specialists: pairs("specialists")?,
        clients: pairs("clients")?,
    })
}

/// The kept data dir's files (the database and its WAL), not the roster.
fn copy_files(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let path: PathBuf = entry.map_err(|e| e.to_string())?.path();
        if !path.is_file() || path.file_name().is_some_and(|n| n == ROSTER) {
            continue;
        }
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, to.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}
