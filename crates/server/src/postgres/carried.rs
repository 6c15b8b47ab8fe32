//! A3: the conversation a transfer to another line carries, read back from the appeal's line
//! log as SQLite's `carried.rs` does: newest first until the appeal's opening, at most `max`
//! entries and at most [`MAX_SCANNED`] events, a page at a time.

use std::collections::HashMap;

use linedesk_line::{CarriedEntry, RepoError};
use linedesk_protocol::Event;

use super::db::{Db, pg, sql_id};

/// However busy the line, a transfer reads at most this many of its latest events.
const MAX_SCANNED: i64 = 50_000;

/// Events read per query.
const PAGE: i64 = 500;

pub(crate) fn appeal_conversation(
    db: &Db,
    line: u64,
    appeal: u64,
    max: usize,
) -> Result<Vec<CarriedEntry>, RepoError> {
    let mut names = HashMap::<u64, Option<String>>::new();
    let mut found = Vec::new();
    let mut before = i64::MAX;
    let mut scanned = 0;
    'pages: while found.len() < max && scanned < MAX_SCANNED {
        let rows = db
            .rows(
                "SELECT seq, at, body FROM events WHERE line_id = $1 AND seq < $2
                 ORDER BY seq DESC LIMIT $3",
                &[&sql_id(line), &before, &PAGE.min(MAX_SCANNED - scanned)],
            )
            .map_err(pg)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            scanned += 1;
            before = row.get(0);
            if found.len() >= max {
                break 'pages;
            }
            let body: &str = row.get(2);
            // A cheap look before decoding: only events naming an appeal can matter.
            if !body.contains("\"appeal\"") {
                continue;
            }
            let Ok(event) = serde_json::from_str::<Event>(body) else {
                continue;
            };
            let (from, text, file) = match event {
                Event::AppealOpened { appeal: a, .. } if a == appeal => break 'pages,
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
                            let name: Option<String> = db
                                .opt("SELECT name FROM specialists WHERE id = $1", &[&sql_id(s)])
                                .map_err(pg)?
                                .map(|r| r.get(0));
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
                at_ms: row.get(1),
            });
        }
    }
    found.reverse();
    Ok(found)
}
