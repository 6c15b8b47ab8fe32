//! Lines, companies and clients: the list (C1-C3), search (C4) and the info card (C5).

use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub id: i64,
    pub name: String,
    pub client_count: i64,
}

/// C3: a line with more than this many clients is shown in stream mode.
pub const STREAM_MODE_ABOVE: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientList {
    /// The line has more than 100 clients: only actual ones are listed (C3).
    pub stream_mode: bool,
    pub total_clients: i64,
    pub clients: Vec<ClientRow>,
}

/// One row of the clients list (C1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientRow {
    pub id: i64,
    pub name: String,
    pub company: Option<String>,
    pub position: Option<String>,
    pub work_status: Option<String>,
    pub vip: bool,
    pub favourite: bool,
    pub last_message: Option<String>,
    pub last_message_at: Option<i64>,
    /// The ring of C1: the client's appeal is on this specialist.
    pub my_appeal: bool,
    /// A2: the client's appeal waits in the line's queue; anyone may take it.
    pub queued: bool,
    /// S2/S3: the nearest running deadline of the open appeal (unix ms): the reaction until a
    /// specialist answered, then the resolution.
    pub sla_due: Option<i64>,
    /// The server's last SLA alert on the appeal: `at_risk` or `breached`.
    pub sla_alert: Option<String>,
    /// The server's number of the client's open appeal (mine or queued), for `{appeal}` in
    /// quick replies.
    pub appeal_id: Option<i64>,
    /// S4: the open appeal waits for the client (its resolution deadline stands still).
    pub waiting: bool,
    /// A5: when the open appeal finishes by itself without the client's reply (ms).
    pub auto_finish_at: Option<i64>,
    /// A4: from when the specialist may finish without the client's reaction to a closing
    /// phrase (ms).
    pub finish_allowed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CompanyCard {
    pub name: String,
    pub inn: Option<String>,
    pub reg_number: Option<String>,
    pub its_contract: Option<String>,
    pub support_params: Option<String>,
}

/// The info panel (C5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientCard {
    pub client: ClientRow,
    pub login_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub department: Option<String>,
    pub region: Option<String>,
    pub birth_date: Option<String>,
    pub company: Option<CompanyCard>,
    pub responsible: Vec<String>,
    /// K1: a guest of the web widget; name and contact are what they typed, unchecked.
    pub guest: bool,
}

/// Alphabetical order for Russian and English names: case-insensitive over all of Unicode,
/// ё as е (Фёдоров beside Федоров). The index `clients_by_name` (migration 0024) is kept in
/// this order: it must not change without a REINDEX.
pub(crate) fn register_collation(conn: &Connection) -> rusqlite::Result<()> {
    use crate::search_query::folded_chars;
    conn.create_collation("ru_ci", |a, b| folded_chars(a).cmp(folded_chars(b)))
}

/// The columns of a [`ClientRow`], for `line_id = ?1`.
const ROW_SELECT: &str = "
    SELECT c.id, c.name, co.name, c.position, c.work_status, c.vip,
           COALESCE(le.favourite, 0),
           CASE WHEN gm.sent_at > COALESCE(m.sent_at, -1) THEN gm.text ELSE m.text END,
           CASE WHEN gm.sent_at > COALESCE(m.sent_at, -1) THEN gm.sent_at ELSE m.sent_at END
               AS last_at,
           COALESCE(cv.appeal_open, 0),
           COALESCE(cv.queued, 0), COALESCE(cv.reaction_due, cv.resolution_due), cv.sla_alert,
           CASE WHEN cv.appeal_open = 1 OR cv.queued = 1 THEN cv.appeal_id END,
           COALESCE(cv.waiting, 0), cv.auto_finish_at, cv.finish_allowed_at
    FROM line_clients lc
    JOIN clients c ON c.id = lc.client_id
    LEFT JOIN companies co ON co.id = c.company_id
    LEFT JOIN list_entries le ON le.line_id = lc.line_id AND le.client_id = c.id
    LEFT JOIN conversations cv ON cv.line_id = lc.line_id AND cv.client_id = c.id
    LEFT JOIN messages m ON m.id = cv.last_message_id
    LEFT JOIN group_messages gm ON gm.id = cv.last_group_message_id";

fn client_row(r: &Row<'_>) -> rusqlite::Result<ClientRow> {
    Ok(ClientRow {
        id: r.get(0)?,
        name: r.get(1)?,
        company: r.get(2)?,
        position: r.get(3)?,
        work_status: r.get(4)?,
        vip: r.get(5)?,
        favourite: r.get(6)?,
        last_message: r.get(7)?,
        last_message_at: r.get(8)?,
        my_appeal: r.get(9)?,
        queued: r.get(10)?,
        sla_due: r.get(11)?,
        sla_alert: r.get(12)?,
        appeal_id: r.get(13)?,
        waiting: r.get(14)?,
        auto_finish_at: r.get(15)?,
        finish_allowed_at: r.get(16)?,
    })
}

/// An FTS5 query matching every word of `input` as a prefix, or `None` when it has no words.
///
/// Words are split on anything that is not a letter or digit, exactly like the `unicode61`
/// tokenizer splits the indexed text, and each is quoted: no input can inject FTS syntax.
pub fn prefix_query(input: &str) -> Option<String> {
    prefix_query_of(input.split(|c: char| !c.is_alphanumeric()))
}

/// [`prefix_query`] with ё folded to е, as the client index is (migration 0002).
pub fn folded_prefix_query(input: &str) -> Option<String> {
    let folded = input.replace('ё', "е").replace('Ё', "Е");
    prefix_query(&folded)
}

fn prefix_query_of<'a>(words: impl Iterator<Item = &'a str>) -> Option<String> {
    let terms: Vec<String> = words
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

const MS_PER_DAY: i64 = 86_400_000;

/// `NotFound` unless the client is connected to the line (also inside a transaction, which
/// derefs to a connection).
pub(crate) fn require_line_client(conn: &Connection, line_id: i64, client_id: i64) -> Result<()> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM line_clients WHERE line_id = ?1 AND client_id = ?2",
            [line_id, client_id],
            |r| r.get(0),
        )
        .optional()?;
    found.map(|_| ()).ok_or(StoreError::NotFound {
        what: "client",
        id: client_id,
    })
}

impl Store {
    pub fn lines(&self) -> Result<Vec<Line>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.id, l.name, (SELECT COUNT(*) FROM line_clients lc WHERE lc.line_id = l.id)
             FROM lines l ORDER BY l.id",
        )?;
        let lines = stmt
            .query_map([], |r| {
                Ok(Line {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    client_count: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(lines)
    }

    fn line_client_count(&self, line_id: i64) -> Result<i64> {
        let count: Option<i64> = self
            .conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM line_clients WHERE line_id = ?1) FROM lines WHERE id = ?1",
                [line_id],
                |r| r.get(0),
            )
            .optional()?;
        count.ok_or(StoreError::NotFound {
            what: "line",
            id: line_id,
        })
    }

    /// C1-C3: the clients list of a line. Clients with a conversation first, the most recent
    /// first (the last message of the chat or of one of the client's groups, C6); then the rest alphabetically. In stream mode (more than 100 clients) only actual
    /// clients: added by hand, favourites, in work, or with a message within the actuality
    /// window of the settings (inclusive).
    pub fn client_list(&self, line_id: i64, now_ms: i64) -> Result<ClientList> {
        let total = self.line_client_count(line_id)?;
        let stream_mode = total > STREAM_MODE_ABOVE;
        let window_start = now_ms - i64::from(self.settings()?.actuality_days) * MS_PER_DAY;
        let sql = format!(
            "{ROW_SELECT}
             WHERE lc.line_id = ?1
               AND (?2 = 0 OR le.added_by_hand = 1 OR le.favourite = 1 OR cv.appeal_open = 1
                    OR cv.queued = 1 OR m.sent_at >= ?3 OR gm.sent_at >= ?3)
             ORDER BY (last_at IS NULL), last_at DESC, c.name COLLATE ru_ci, c.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let clients = stmt
            .query_map(
                rusqlite::params![line_id, stream_mode, window_start],
                client_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ClientList {
            stream_mode,
            total_clients: total,
            clients,
        })
    }

    /// C4: clients of the line (all of them, also in stream mode) whose name, login id, e-mail,
    /// company name, INN, phone or registration number has words starting with the words of
    /// `query`. Surnames first: clients whose name starts with the query's first word, in
    /// alphabetical order; then the other matches.
    ///
    /// At 100,000 clients a word matches thousands, so nothing here reads every match: the
    /// surnames come in order from the name index (`clients_by_name`), a range that stops at
    /// `limit`; the other matches come from the word index in its own order, `limit` of them
    /// sorted by name (a one-letter query answers its first page only); then only the page's
    /// rows are read whole (`benches/scale.rs`).
    pub fn search_clients(&self, line_id: i64, query: &str, limit: u32) -> Result<Vec<ClientRow>> {
        self.require_line(line_id)?;
        let Some(fts) = crate::search_query::client_query(query) else {
            return Ok(Vec::new());
        };
        let limit = i64::from(limit);
        let mut page: Vec<i64> = Vec::new();
        if let Some((surname, more_words)) = crate::search_query::surname_prefix(query) {
            // Every name in the range starts with the first word: the index is asked only
            // about the other words.
            let others = more_words.then_some(fts.as_str());
            let upper = format!("{surname}\u{10FFFF}");
            let mut stmt = self.conn.prepare_cached(
                "SELECT c.id FROM clients c
                 CROSS JOIN line_clients lc ON lc.line_id = ?1 AND lc.client_id = c.id
                 WHERE c.name >= ?2 COLLATE ru_ci AND c.name < ?3 COLLATE ru_ci
                   AND (?4 IS NULL
                        OR c.id IN (SELECT rowid FROM client_search WHERE client_search MATCH ?4))
                 ORDER BY c.name COLLATE ru_ci, c.id
                 LIMIT ?5",
            )?;
            page = stmt
                .query_map(
                    rusqlite::params![line_id, surname, upper, others, limit],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
        }
        let surnames = page.len();
        if (surnames as i64) < limit {
            let taken = serde_json::to_string(&page).unwrap_or_else(|_| "[]".into());
            let mut stmt = self.conn.prepare_cached(
                "SELECT s.rowid FROM client_search s
                 CROSS JOIN line_clients lc ON lc.line_id = ?1 AND lc.client_id = s.rowid
                 WHERE client_search MATCH ?2
                   AND s.rowid NOT IN (SELECT value FROM json_each(?3))
                 ORDER BY s.rowid
                 LIMIT ?4",
            )?;
            let rest: Vec<i64> = stmt
                .query_map(
                    rusqlite::params![line_id, fts, taken, limit - surnames as i64],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            page.extend(rest);
        }
        if page.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(&page).unwrap_or_else(|_| "[]".into());
        let sql = format!(
            "{ROW_SELECT}
             WHERE lc.line_id = ?1 AND c.id IN (SELECT value FROM json_each(?2))"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows: Vec<ClientRow> = stmt
            .query_map(rusqlite::params![line_id, ids], client_row)?
            .collect::<rusqlite::Result<_>>()?;
        // The surnames in the index's order, then the rest by name.
        let place = |id: i64| page.iter().position(|p| *p == id).unwrap_or(usize::MAX);
        rows.sort_by_cached_key(|r| {
            let at = place(r.id);
            if at < surnames {
                (0, at, String::new(), r.id)
            } else {
                (1, 0, crate::search_query::fold(&r.name), r.id)
            }
        });
        Ok(rows)
    }

    /// The line exists in this store (`NotFound` otherwise).
    fn require_line(&self, line_id: i64) -> Result<()> {
        self.conn
            .prepare_cached("SELECT 1 FROM lines WHERE id = ?1")?
            .query_row([line_id], |_| Ok(()))
            .optional()?
            .ok_or(StoreError::NotFound {
                what: "line",
                id: line_id,
            })
    }

    /// One client's row (to open their chat from a notice, an appeal or a ticket).
    pub fn client_row(&self, line_id: i64, client_id: i64) -> Result<ClientRow> {
        require_line_client(&self.conn, line_id, client_id)?;
        let sql = format!("{ROW_SELECT} WHERE lc.line_id = ?1 AND c.id = ?2");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([line_id, client_id], client_row)?)
    }

    /// C3/C4: keep a found client in the stream-mode list.
    pub fn add_client_to_list(&self, line_id: i64, client_id: i64) -> Result<()> {
        require_line_client(&self.conn, line_id, client_id)?;
        self.conn.execute(
            "INSERT INTO list_entries (line_id, client_id, added_by_hand) VALUES (?1, ?2, 1)
             ON CONFLICT (line_id, client_id) DO UPDATE SET added_by_hand = 1",
            [line_id, client_id],
        )?;
        Ok(())
    }

    /// C7: follow (or stop following) the client's whole line chat.
    pub fn set_favourite(&self, line_id: i64, client_id: i64, on: bool) -> Result<()> {
        require_line_client(&self.conn, line_id, client_id)?;
        self.conn.execute(
            "INSERT INTO list_entries (line_id, client_id, favourite) VALUES (?1, ?2, ?3)
             ON CONFLICT (line_id, client_id) DO UPDATE SET favourite = ?3",
            rusqlite::params![line_id, client_id, on],
        )?;
        Ok(())
    }

    /// C7: whether the specialist marked the client of the line as a favourite.
    pub fn is_favourite(&self, line_id: i64, client_id: i64) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT favourite FROM list_entries WHERE line_id = ?1 AND client_id = ?2",
                [line_id, client_id],
                |r| r.get::<_, bool>(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// C5: everything the info panel shows about a client of the line.
    pub fn client_card(&self, line_id: i64, client_id: i64) -> Result<ClientCard> {
        require_line_client(&self.conn, line_id, client_id)?;
        let sql = format!("{ROW_SELECT} WHERE lc.line_id = ?1 AND c.id = ?2");
        let client = self
            .conn
            .query_row(&sql, [line_id, client_id], client_row)?;
        let card = self.conn.query_row(
            "SELECT c.login_id, c.email, c.phone, c.department, c.region, c.birth_date,
                    co.name, co.inn, co.reg_number, co.its_contract, co.support_params,
                    lc.responsible, c.guest
             FROM clients c
             JOIN line_clients lc ON lc.client_id = c.id AND lc.line_id = ?1
             LEFT JOIN companies co ON co.id = c.company_id
             WHERE c.id = ?2",
            [line_id, client_id],
            |r| {
                let company = r.get::<_, Option<String>>(6)?.map(|name| {
                    Ok::<_, rusqlite::Error>(CompanyCard {
                        name,
                        inn: r.get(7)?,
                        reg_number: r.get(8)?,
                        its_contract: r.get(9)?,
                        support_params: r.get(10)?,
                    })
                });
                let responsible: String = r.get(11)?;
                Ok(ClientCard {
                    client: client.clone(),
                    login_id: r.get(0)?,
                    email: r.get(1)?,
                    phone: r.get(2)?,
                    department: r.get(3)?,
                    region: r.get(4)?,
                    birth_date: r.get(5)?,
                    company: company.transpose()?,
                    responsible: serde_json::from_str(&responsible).unwrap_or_default(),
                    guest: r.get(12)?,
                })
            },
        )?;
        Ok(card)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c4_prefix_query_quotes_every_word_and_drops_syntax() {
        assert_eq!(prefix_query("Ива 77").as_deref(), Some("\"Ива\"* \"77\"*"));
        assert_eq!(
            prefix_query("a.b@c.ru").as_deref(),
            Some("\"a\"* \"b\"* \"c\"* \"ru\"*")
        );
        assert_eq!(prefix_query("\"*()^:-+"), None);
        assert_eq!(prefix_query("  "), None);
        assert_eq!(
            prefix_query("NEAR/2 AND"),
            Some("\"NEAR\"* \"2\"* \"AND\"*".into())
        );
        assert_eq!(folded_prefix_query("Фёдор").as_deref(), Some("\"Федор\"*"));
    }
}
