//! A3: the conversation a transfer to another line carries: an appeal's messages and files,
//! read back from its line's log (the log is where messages live), newest first until the
//! appeal's opening, at most `max` of them and at most [`MAX_SCANNED`] events.

use linedesk_line::{CarriedEntry, RepoError};
use linedesk_protocol::Event;
use rusqlite::{Connection, OptionalExtension};

use super::line_repo::run;
use super::sql_id;

/// However busy the line, a transfer reads at most this many of its latest events (inside
/// the writer's transaction); an appeal older than that carries what was found.
const MAX_SCANNED: usize = 50_000;

pub(super) fn appeal_conversation(
    tx: &Connection,
    line: u64,
    appeal: u64,
    max: usize,
) -> Result<Vec<CarriedEntry>, RepoError> {
    run(|| {
        let mut stmt = tx.prepare_cached(
            "SELECT at, body FROM events WHERE line_id = ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let limit = i64::try_from(MAX_SCANNED).unwrap_or(i64::MAX);
        let mut rows = stmt.query(rusqlite::params![sql_id(line), limit])?;
        // The author's name, once per specialist.
        let mut names = std::collections::HashMap::<u64, Option<String>>::new();
        let mut found = Vec::new();
        while found.len() < max {
            let Some(row) = rows.next()? else { break };
            let body: String = row.get(1)?;
            // A cheap look before decoding: only events naming an appeal can matter.
            if !body.contains("\"appeal\"") {
                continue;
            }
            let Ok(event) = serde_json::from_str::<Event>(&body) else {
                continue;
            };
            let at_ms: i64 = row.get(0)?;
            let (from, text, file) = match event {
                Event::AppealOpened { appeal: a, .. } if a == appeal => break,
                Event::MessagePosted {
                    appeal: Some(a),
                    from_specialist,
                    text,
                    ..
                } if a == appeal => (from_specialist, text, false),
                Event::FileShared {
                    appeal: Some(a),
                    from_specialist,
                    name,
                    ..
                } if a == appeal => (from_specialist, name, true),
                _ => continue,
            };
            let author = match from {
                None => None,
                Some(s) => {
                    let name = match names.get(&s) {
                        Some(name) => name.clone(),
                        None => {
                            let name: Option<String> = tx
                                .prepare_cached("SELECT name FROM specialists WHERE id = ?1")?
                                .query_row([sql_id(s)], |r| r.get(0))
                                .optional()?;
                            names.insert(s, name.clone());
                            name
                        }
                    };
                    Some(name.unwrap_or_else(|| format!("#{s}")))
                }
            };
            found.push(CarriedEntry {
                author,
                text,
                file,
                at_ms,
            });
        }
        found.reverse();
        Ok(found)
    })
}
