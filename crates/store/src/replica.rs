//! The local store as the cache of the line server: changes that come from a line's event log,
//! applied in order, exactly once.
//!
//! Lines and clients keep the server's ids. [`Store::apply_remote`] applies one event with its
//! sequence number and advances the line's cursor in the same transaction, so a crash or a
//! dropped connection in the middle of a replay neither loses nor repeats anything: the sync
//! client resubscribes from [`Store::sync_cursor`].

use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::ticket::TicketHistoryEntry;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::chat::{Author, MessageStatus, insert_message};
use crate::error::Result;

mod appeal_log;
mod ticket_log;

/// Replayed events the sync writes per transaction (a line's first sync). One event per
/// transaction, 100,000 client cards took 51 s; in pages of 500, 5.6-6.0 s with the client
/// index deferred to the end; of 2,000, 4.5-5.2 s; of 5,000, 4.1 s (`LINEDESK_SCALE_PAGE=N
/// cargo bench -p linedesk-store --bench scale`, release, BENCHMARKS.md). A page holds the
/// store's lock while it is written (about 50 ms at 2,000 events), which the UI waits for.
pub const REPLAY_PAGE: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompanyRecord {
    pub name: String,
    pub inn: Option<String>,
    pub reg_number: Option<String>,
    pub its_contract: Option<String>,
    pub support_params: Option<String>,
}

/// A client as the server describes them (C5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClientRecord {
    pub id: i64,
    pub name: String,
    pub login_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<CompanyRecord>,
    pub position: Option<String>,
    pub department: Option<String>,
    pub region: Option<String>,
    pub birth_date: Option<String>,
    pub vip: bool,
    pub work_status: Option<String>,
    pub responsible: Vec<String>,
    /// Signed in to the web widget as a guest (K1): name and contact as they typed them.
    #[serde(default)]
    pub guest: bool,
}

/// One change of a line's log, as the local store understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteChange {
    Line {
        name: String,
    },
    Client(Box<ClientRecord>),
    Message {
        client: i64,
        author: Author,
        text: String,
        at: i64,
        /// The idempotency key of the action that posted it: when it is one of this device's
        /// outbox keys, the message is already here (it was pending) and is not added twice.
        origin_key: Option<String>,
    },
    /// Where the client's appeal is now: open and held by this specialist (`mine`), open
    /// elsewhere, or finished (`open: false`).
    Appeal {
        client: i64,
        appeal: i64,
        open: bool,
        mine: bool,
    },
    /// The appeal waits in the line's queue (A2): anyone serving the line may take it.
    Queued {
        client: i64,
        appeal: i64,
    },
    /// S3: the appeal's deadlines, fixed when it opened (unix ms).
    Deadlines {
        client: i64,
        reaction_due: i64,
        resolution_due: i64,
    },
    /// S2: the server's alert on a deadline (`breached` when it passed, else at risk).
    SlaAlert {
        client: i64,
        breached: bool,
    },
    /// S4: the appeal waits for the client (`waiting`), or the wait ended and the resolution
    /// deadline moved to `resolution_due`.
    Waiting {
        client: i64,
        waiting: bool,
        resolution_due: Option<i64>,
    },
    /// A4/A5: the client's reply is awaited: the appeal finishes by itself at
    /// `auto_finish_at`, the specialist may finish without the client's reaction from
    /// `finish_allowed_at` (both `None`: the client replied).
    ReplyAwaited {
        client: i64,
        auto_finish_at: Option<i64>,
        finish_allowed_at: Option<i64>,
    },
    /// A4/A5: the line's closing settings changed: its closing phrases (checked at the
    /// boundary), in order, and its auto-finish time (minutes; 0: never).
    ClosingPhrases {
        phrases: Vec<String>,
        auto_finish_minutes: u32,
    },
    /// S5: the appeal's type (given at registration or chosen by its holder), with the
    /// timeline's note (kind `typed`, `detail` the type, `by` who chose it).
    AppealTyped {
        appeal_type: String,
        note: crate::appeal_notes::AppealNoteChange,
    },
    /// A specialist serves the line.
    Colleague {
        id: i64,
        name: String,
    },
    /// A specialist's presence changed (`status` is the presence code).
    Presence {
        id: i64,
        status: String,
    },
    /// V1: a call of the client started ringing (`by_client`: the client called).
    CallRinging {
        call: i64,
        client: i64,
        by_client: bool,
        at: i64,
    },
    /// The call connected. A leg a colleague handed over after a consultation connects
    /// without ringing first: its row starts here (the client placed it, `at`).
    CallConnected {
        call: i64,
        client: i64,
        at: i64,
    },
    CallEnded {
        call: i64,
        reason: String,
        connected_ms: Option<i64>,
    },
    /// Issue 18: a call through the PBX took place (`by_client`: the client called): it
    /// connected at `at` and ended `connected_ms` later. Its recording follows as a line
    /// call's (`CallRecorded`).
    PbxCall {
        call: i64,
        client: i64,
        by_client: bool,
        at: i64,
        connected_ms: i64,
    },
    /// The server holds the call's recording (paused at `gaps`).
    CallRecorded {
        call: i64,
        bytes: i64,
        duration_ms: i64,
        gaps: Vec<RecordingGapEntry>,
    },
    /// T1: a ticket was registered for the client (`entry`: its first history entry, by
    /// the creator).
    TicketCreated {
        id: i64,
        client: i64,
        number: String,
        subject: String,
        text: String,
        state: String,
        at: i64,
        appeal: Option<i64>,
        entry: TicketHistoryEntry,
    },
    /// T2-T5: where the ticket stands now, and the history entry that put it there.
    TicketChanged {
        id: i64,
        state: String,
        repeat: bool,
        at: i64,
        queue: Option<i64>,
        entry: TicketHistoryEntry,
    },
    // --- Workstation (issue 6): queues, appeal records, files. ---
    /// T2: a ticket queue of the line.
    TicketQueue {
        id: i64,
        name: String,
    },
    /// A1: an appeal opened (`channel`: chat, call, remote, file, manual).
    AppealOpened {
        client: i64,
        appeal: i64,
        channel: String,
        at: i64,
    },
    /// The appeal is `specialist`'s now (`mine`: this app's specialist): as
    /// [`RemoteChange::Appeal`] open, and the holder recorded.
    AppealHeld {
        client: i64,
        appeal: i64,
        specialist: i64,
        mine: bool,
    },
    /// A3/A4: a transfer or a rating for the timeline; `tier` when the transfer sent the
    /// appeal to a level of the line (recorded on the appeal too).
    AppealNote {
        note: crate::appeal_notes::AppealNoteChange,
        tier: Option<String>,
    },
    /// A3: the appeal was sent to a level of a two-level line (`first` or `second`).
    AppealTier {
        appeal: i64,
        tier: String,
    },
    /// A4/A6: the appeal ended with a result, or as spam marked by `spam_by`: as
    /// [`RemoteChange::Appeal`] closed, and the end recorded.
    AppealEnded {
        client: i64,
        appeal: i64,
        result: Option<String>,
        spam_by: Option<i64>,
        at: i64,
    },
    /// A1: a file in the client's chat.
    FileShared {
        client: i64,
        file: i64,
        author: Author,
        name: String,
        size: i64,
        at: i64,
    },
    /// V2: a remote session was asked, started or ended.
    RemoteSession(crate::remote_sessions::RemoteSessionChange),
    /// Issue 14: one party's statistics of a finished call.
    CallQuality(crate::call_quality::CallQualityChange),
    /// C6: a group around a client changed or was written in.
    Group(crate::groups::GroupChange),
    /// W1: a colleague's profile changed (name, position, avatar version).
    ColleagueProfile(crate::colleague_profile::ColleagueProfileChange),
    /// Something the store does not keep (yet): only the cursor moves.
    Skip,
}

/// A specialist serving a line, as the transfer dialog lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Colleague {
    pub id: i64,
    pub name: String,
    pub presence: PresenceStatus,
    /// W1: as their profile says ("" when not given).
    pub position: String,
    /// W1: their avatar as a `data:` URL of a checked image, once fetched.
    pub avatar: Option<String>,
}

/// A call in the client's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallEntry {
    pub id: i64,
    /// The client called (else the specialist did).
    pub incoming: bool,
    pub started_at: i64,
    pub connected: bool,
    /// `hung_up`, `declined`, ... once it ended.
    pub ended_reason: Option<String>,
    pub connected_ms: Option<i64>,
    /// The server holds its recording (size in bytes).
    pub recording_bytes: Option<i64>,
    pub recording_ms: Option<i64>,
    /// Where the specialist paused the recording (nothing recorded), in order.
    pub recording_gaps: Vec<RecordingGapEntry>,
}

/// A stretch of a call left out of its recording: where in the recording, and how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecordingGapEntry {
    pub at_ms: i64,
    pub length_ms: i64,
}

impl Store {
    /// The client's calls on the line, oldest first (the chat merges them into its timeline).
    pub fn calls_of(&self, line: i64, client: i64) -> Result<Vec<CallEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, caller = 'client', started_at, connected, ended_reason, connected_ms,
                    recording_bytes, recording_ms, recording_gaps
             FROM calls WHERE line_id = ?1 AND client_id = ?2 ORDER BY started_at, id",
        )?;
        let rows = stmt
            .query_map([line, client], |r| {
                Ok(CallEntry {
                    id: r.get(0)?,
                    incoming: r.get(1)?,
                    started_at: r.get(2)?,
                    connected: r.get(3)?,
                    ended_reason: r.get(4)?,
                    connected_ms: r.get(5)?,
                    recording_bytes: r.get(6)?,
                    recording_ms: r.get(7)?,
                    // Written only by this store, from the server's checked list.
                    recording_gaps: serde_json::from_str(&r.get::<_, String>(8)?)
                        .unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The server's id of this app's specialist (from the sync's welcome).
    pub fn set_server_me(&self, id: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('server_me', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [id.to_string()],
        )?;
        Ok(())
    }

    /// The server's id of this app's specialist, once the sync signed in.
    pub fn server_me(&self) -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'server_me'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The other specialists serving `line`, those who can take an appeal first (P3, P4), then
    /// by name.
    pub fn colleagues(&self, line: i64) -> Result<Vec<Colleague>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT specialist_id, name, presence, position, avatar FROM colleagues
             WHERE line_id = ?1 AND specialist_id IS NOT
                 (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'server_me')
             ORDER BY presence IN ('do_not_disturb', 'offline'), name COLLATE ru_ci",
        )?;
        let rows = stmt
            .query_map([line], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .map(|(id, name, code, position, avatar)| Colleague {
                id,
                name,
                presence: PresenceStatus::from_code(&code).unwrap_or(PresenceStatus::Offline),
                position,
                avatar,
            })
            .collect())
    }

    /// The last sequence number applied for `line` (0: nothing yet).
    pub fn sync_cursor(&self, line: i64) -> Result<i64> {
        cursor_of(&self.conn, line)
    }

    /// Apply the changes of `line` with their sequence numbers, in one transaction. Changes at
    /// or below the cursor are skipped (a replay after a reconnect). Returns how many applied.
    pub fn apply_remote(&self, line: i64, changes: &[(i64, RemoteChange)]) -> Result<usize> {
        let tx = self.conn.unchecked_transaction()?;
        let mut cursor = cursor_of(&tx, line)?;
        let mut applied = 0;
        for (seq, change) in changes {
            if *seq <= cursor {
                continue;
            }
            apply(&tx, line, change)?;
            cursor = *seq;
            applied += 1;
        }
        tx.execute(
            "INSERT INTO sync_cursors (line_id, seq) VALUES (?1, ?2)
             ON CONFLICT (line_id) DO UPDATE SET seq = excluded.seq",
            [line, cursor],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// The server's id of the open appeal of a client, if this store knows one.
    pub fn open_appeal_id(&self, line: i64, client: i64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT appeal_id FROM conversations
                 WHERE line_id = ?1 AND client_id = ?2 AND appeal_open = 1",
                [line, client],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten())
    }
}

fn cursor_of(conn: &rusqlite::Connection, line: i64) -> Result<i64> {
    Ok(conn
        .query_row(
            "SELECT seq FROM sync_cursors WHERE line_id = ?1",
            [line],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// A message or appeal of a client the store has not heard of (a log older than client
/// announcements): keep it under a placeholder card that a later announcement fills in.
fn ensure_client(tx: &rusqlite::Transaction<'_>, line: i64, client: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO lines (id, name) VALUES (?1, '#' || ?1) ON CONFLICT DO NOTHING",
        [line],
    )?;
    tx.execute(
        "INSERT INTO clients (id, name) VALUES (?1, '#' || ?1) ON CONFLICT (id) DO NOTHING",
        [client],
    )?;
    tx.execute(
        "INSERT INTO line_clients (line_id, client_id) VALUES (?1, ?2)
         ON CONFLICT (line_id, client_id) DO NOTHING",
        [line, client],
    )?;
    Ok(())
}

fn apply(tx: &rusqlite::Transaction<'_>, line: i64, change: &RemoteChange) -> Result<()> {
    match change {
        RemoteChange::Message { client, .. }
        | RemoteChange::CallRinging { client, .. }
        | RemoteChange::CallConnected { client, .. }
        | RemoteChange::PbxCall { client, .. }
        | RemoteChange::TicketCreated { client, .. }
        | RemoteChange::Appeal { client, .. }
        | RemoteChange::Queued { client, .. }
        | RemoteChange::Deadlines { client, .. }
        | RemoteChange::SlaAlert { client, .. }
        | RemoteChange::Waiting { client, .. }
        | RemoteChange::ReplyAwaited { client, .. }
        | RemoteChange::AppealOpened { client, .. }
        | RemoteChange::AppealHeld { client, .. }
        | RemoteChange::AppealEnded { client, .. }
        | RemoteChange::FileShared { client, .. } => {
            ensure_client(tx, line, *client)?;
        }
        RemoteChange::AppealNote { note, .. } | RemoteChange::AppealTyped { note, .. } => {
            ensure_client(tx, line, note.client)?
        }
        RemoteChange::RemoteSession(change) => {
            if let Some(client) = change.client() {
                ensure_client(tx, line, client)?;
            }
        }
        RemoteChange::Group(crate::groups::GroupChange::Created { client, .. }) => {
            ensure_client(tx, line, *client)?
        }
        _ => {}
    }
    match change {
        RemoteChange::Line { name } => upsert_line(tx, line, name),
        RemoteChange::Client(client) => upsert_client(tx, line, client),
        RemoteChange::Message {
            client,
            author,
            text,
            at,
            origin_key,
        } => {
            if let Some(key) = origin_key {
                // Our own message coming back: it is here already; the server has it.
                let local: Option<i64> = tx
                    .query_row(
                        "SELECT json_extract(payload, '$.messageId') FROM outbox
                         WHERE idempotency_key = ?1 AND kind = 'message.send'",
                        [key],
                        |r| r.get::<_, Option<i64>>(0),
                    )
                    .optional()?
                    .flatten();
                if let Some(id) = local {
                    tx.execute(
                        "UPDATE messages SET status = 'sent' WHERE id = ?1 AND status = 'pending'",
                        [id],
                    )?;
                    return reaction_met(tx, line, *client);
                }
            }
            insert_message(
                tx,
                line,
                *client,
                *author,
                text,
                *at,
                MessageStatus::Delivered,
            )?;
            if *author == Author::Specialist {
                reaction_met(tx, line, *client)?;
            }
            Ok(())
        }
        RemoteChange::Appeal {
            client,
            appeal,
            open,
            mine,
        } => {
            upsert_conversation(tx, line, *client)?;
            let ring = *open && *mine;
            tx.execute(
                "UPDATE conversations SET appeal_open = ?3, appeal_id = ?4, queued = 0
                 WHERE line_id = ?1 AND client_id = ?2",
                rusqlite::params![line, client, ring, open.then_some(*appeal)],
            )?;
            if !open {
                tx.execute(
                    "UPDATE conversations SET reaction_due = NULL, resolution_due = NULL,
                         sla_alert = NULL, waiting = 0,
                         auto_finish_at = NULL, finish_allowed_at = NULL
                     WHERE line_id = ?1 AND client_id = ?2",
                    [line, *client],
                )?;
            }
            Ok(())
        }
        RemoteChange::Queued { client, appeal } => {
            appeal_log::held(tx, *appeal, None)?;
            upsert_conversation(tx, line, *client)?;
            tx.execute(
                "UPDATE conversations SET appeal_open = 0, appeal_id = ?3, queued = 1
                 WHERE line_id = ?1 AND client_id = ?2",
                [line, *client, *appeal],
            )?;
            Ok(())
        }
        RemoteChange::Deadlines {
            client,
            reaction_due,
            resolution_due,
        } => {
            upsert_conversation(tx, line, *client)?;
            tx.execute(
                "UPDATE conversations SET reaction_due = ?3, resolution_due = ?4, sla_alert = NULL
                 WHERE line_id = ?1 AND client_id = ?2",
                [line, *client, *reaction_due, *resolution_due],
            )?;
            Ok(())
        }
        RemoteChange::SlaAlert { client, breached } => {
            tx.execute(
                "UPDATE conversations SET sla_alert = CASE
                     WHEN ?3 = 1 OR sla_alert = 'breached' THEN 'breached' ELSE 'at_risk' END
                 WHERE line_id = ?1 AND client_id = ?2",
                rusqlite::params![line, client, breached],
            )?;
            Ok(())
        }
        RemoteChange::Waiting {
            client,
            waiting,
            resolution_due,
        } => {
            upsert_conversation(tx, line, *client)?;
            crate::waiting::set(tx, line, *client, *waiting, *resolution_due)
        }
        RemoteChange::ReplyAwaited {
            client,
            auto_finish_at,
            finish_allowed_at,
        } => {
            upsert_conversation(tx, line, *client)?;
            crate::waiting::set_reply_awaited(
                tx,
                line,
                *client,
                *auto_finish_at,
                *finish_allowed_at,
            )
        }
        RemoteChange::ClosingPhrases {
            phrases,
            auto_finish_minutes,
        } => {
            crate::waiting::put_closing_phrases(tx, line, phrases)?;
            crate::waiting::put_auto_finish_minutes(tx, line, *auto_finish_minutes)
        }
        RemoteChange::AppealTyped { appeal_type, note } => {
            crate::appeal_types::typed(tx, note.appeal, appeal_type)?;
            crate::appeal_notes::record(tx, line, note)
        }
        RemoteChange::Colleague { id, name } => {
            tx.execute(
                "INSERT INTO colleagues (line_id, specialist_id, name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (line_id, specialist_id) DO UPDATE SET name = excluded.name",
                rusqlite::params![line, id, name],
            )?;
            Ok(())
        }
        RemoteChange::Presence { id, status } => {
            tx.execute(
                "UPDATE colleagues SET presence = ?3 WHERE line_id = ?1 AND specialist_id = ?2",
                rusqlite::params![line, id, status],
            )?;
            Ok(())
        }
        RemoteChange::CallRinging {
            call,
            client,
            by_client,
            at,
        } => {
            tx.execute(
                "INSERT INTO calls (id, line_id, client_id, caller, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
                rusqlite::params![
                    call,
                    line,
                    client,
                    if *by_client { "client" } else { "specialist" },
                    at
                ],
            )?;
            Ok(())
        }
        RemoteChange::CallConnected { call, client, at } => {
            tx.execute(
                "INSERT INTO calls (id, line_id, client_id, caller, started_at, connected)
                 VALUES (?1, ?2, ?3, 'client', ?4, 1)
                 ON CONFLICT (id) DO UPDATE SET connected = 1",
                rusqlite::params![call, line, client, at],
            )?;
            Ok(())
        }
        RemoteChange::CallEnded {
            call,
            reason,
            connected_ms,
        } => {
            tx.execute(
                "UPDATE calls SET ended_reason = ?2, connected_ms = ?3 WHERE id = ?1",
                rusqlite::params![call, reason, connected_ms],
            )?;
            Ok(())
        }
        RemoteChange::PbxCall {
            call,
            client,
            by_client,
            at,
            connected_ms,
        } => {
            tx.execute(
                "INSERT INTO calls (id, line_id, client_id, caller, started_at, connected,
                                    ended_reason, connected_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, 'hung_up', ?6) ON CONFLICT (id) DO NOTHING",
                rusqlite::params![
                    call,
                    line,
                    client,
                    if *by_client { "client" } else { "specialist" },
                    at,
                    connected_ms
                ],
            )?;
            Ok(())
        }
        RemoteChange::CallRecorded {
            call,
            bytes,
            duration_ms,
            gaps,
        } => {
            let gaps = serde_json::to_string(&gaps).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "UPDATE calls SET recording_bytes = ?2, recording_ms = ?3, recording_gaps = ?4
                 WHERE id = ?1",
                rusqlite::params![call, bytes, duration_ms, gaps],
            )?;
            Ok(())
        }
        RemoteChange::TicketCreated {
            id,
            client,
            number,
            subject,
            text,
            state,
            at,
            appeal,
            entry,
        } => {
            tx.execute(
                "INSERT INTO tickets (id, line_id, client_id, number, subject, text, state,
                                      created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT (id) DO NOTHING",
                rusqlite::params![id, line, client, number, subject, text, state, at],
            )?;
            ticket_log::created(tx, *id, *appeal, entry)
        }
        RemoteChange::TicketChanged {
            id,
            state,
            repeat,
            at,
            queue,
            entry,
        } => {
            tx.execute(
                "UPDATE tickets SET state = ?2, repeat = ?3, updated_at = ?4 WHERE id = ?1",
                rusqlite::params![id, state, repeat, at],
            )?;
            ticket_log::changed(tx, *id, *queue, entry)
        }
        RemoteChange::RemoteSession(change) => crate::remote_sessions::apply(tx, line, change),
        RemoteChange::CallQuality(change) => crate::call_quality::apply(tx, change),
        RemoteChange::TicketQueue { id, name } => ticket_log::queue_named(tx, line, *id, name),
        RemoteChange::AppealOpened {
            client,
            appeal,
            channel,
            at,
        } => appeal_log::opened(tx, line, *client, *appeal, channel, *at),
        RemoteChange::AppealHeld {
            client,
            appeal,
            specialist,
            mine,
        } => {
            let open = RemoteChange::Appeal {
                client: *client,
                appeal: *appeal,
                open: true,
                mine: *mine,
            };
            apply(tx, line, &open)?;
            appeal_log::held(tx, *appeal, Some(*specialist))
        }
        RemoteChange::AppealTier { appeal, tier } => appeal_log::tier(tx, *appeal, tier),
        RemoteChange::AppealNote { note, tier } => {
            if let Some(tier) = tier {
                appeal_log::tier(tx, note.appeal, tier)?;
            }
            crate::appeal_notes::record(tx, line, note)
        }
        RemoteChange::AppealEnded {
            client,
            appeal,
            result,
            spam_by,
            at,
        } => {
            let closed = RemoteChange::Appeal {
                client: *client,
                appeal: *appeal,
                open: false,
                mine: false,
            };
            apply(tx, line, &closed)?;
            appeal_log::ended(tx, *appeal, result.as_deref(), *spam_by, *at)
        }
        RemoteChange::FileShared {
            client,
            file,
            author,
            name,
            size,
            at,
        } => appeal_log::file_shared(tx, line, *client, *author, *file, name, *size, *at),
        RemoteChange::Group(change) => crate::groups::apply(tx, line, change),
        RemoteChange::ColleagueProfile(change) => crate::colleague_profile::apply(tx, change),
        RemoteChange::Skip => Ok(()),
    }
}

fn upsert_conversation(tx: &rusqlite::Transaction<'_>, line: i64, client: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO conversations (line_id, client_id) VALUES (?1, ?2)
         ON CONFLICT (line_id, client_id) DO NOTHING",
        [line, client],
    )?;
    Ok(())
}

/// S2: a specialist answered: the reaction deadline no longer runs (the server stops its alerts
/// the same way).
fn reaction_met(tx: &rusqlite::Transaction<'_>, line: i64, client: i64) -> Result<()> {
    tx.execute(
        "UPDATE conversations SET reaction_due = NULL,
             sla_alert = CASE WHEN sla_alert = 'breached' THEN sla_alert END
         WHERE line_id = ?1 AND client_id = ?2",
        [line, client],
    )?;
    Ok(())
}

pub(crate) fn upsert_line(tx: &rusqlite::Transaction<'_>, line: i64, name: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO lines (id, name) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        rusqlite::params![line, name],
    )?;
    Ok(())
}

fn upsert_company(tx: &rusqlite::Transaction<'_>, company: &CompanyRecord) -> Result<i64> {
    let found: Option<i64> = tx
        .prepare_cached("SELECT id FROM companies WHERE name = ?1 AND inn IS ?2")?
        .query_row(rusqlite::params![company.name, company.inn], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        // Only a change is written: an update re-indexes every client of the company.
        tx.prepare_cached(
            "UPDATE companies SET reg_number = ?2, its_contract = ?3, support_params = ?4
             WHERE id = ?1 AND (reg_number IS NOT ?2 OR its_contract IS NOT ?3
                                OR support_params IS NOT ?4)",
        )?
        .execute(rusqlite::params![
            id,
            company.reg_number,
            company.its_contract,
            company.support_params
        ])?;
        return Ok(id);
    }
    tx.prepare_cached(
        "INSERT INTO companies (name, inn, reg_number, its_contract, support_params)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![
        company.name,
        company.inn,
        company.reg_number,
        company.its_contract,
        company.support_params
    ])?;
    Ok(tx.last_insert_rowid())
}

pub(crate) fn upsert_client(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    c: &ClientRecord,
) -> Result<()> {
    let company = c
        .company
        .as_ref()
        .map(|company| upsert_company(tx, company))
        .transpose()?;
    tx.prepare_cached(
        "INSERT INTO clients (id, name, login_id, email, phone, company_id, position, department,
                              region, birth_date, vip, work_status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, login_id = excluded.login_id,
             email = excluded.email, phone = excluded.phone, company_id = excluded.company_id,
             position = excluded.position, department = excluded.department,
             region = excluded.region, birth_date = excluded.birth_date, vip = excluded.vip,
             work_status = excluded.work_status",
    )?
    .execute(rusqlite::params![
        c.id,
        c.name,
        c.login_id,
        c.email,
        c.phone,
        company,
        c.position,
        c.department,
        c.region,
        c.birth_date,
        c.vip,
        c.work_status
    ])?;
    // K1: only a guest's card writes the mark (a guest stays one), so the demo seed still
    // runs on a database of migration 1, before the column existed (the migration test).
    if c.guest {
        tx.execute("UPDATE clients SET guest = 1 WHERE id = ?1", [c.id])?;
    }
    let responsible = serde_json::to_string(&c.responsible).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT INTO line_clients (line_id, client_id, responsible) VALUES (?1, ?2, ?3)
         ON CONFLICT (line_id, client_id) DO UPDATE SET responsible = excluded.responsible",
    )?
    .execute(rusqlite::params![line, c.id, responsible])?;
    Ok(())
}

/// Messages of the demo seed and of tests, written like remote ones.
pub(crate) fn insert_history(
    tx: &rusqlite::Transaction<'_>,
    line: i64,
    client: i64,
    author: Author,
    text: &str,
    at: i64,
) -> Result<()> {
    insert_message(tx, line, client, author, text, at, MessageStatus::Delivered)?;
    Ok(())
}
