//! Applying one action: validation, the line's routing (through `linedesk-domain`) and the
//! events it causes, all in one transaction; the new routing state replaces the old one only
//! after the commit.

use std::collections::HashMap;

use linedesk_domain::ids::{AppealId, SpecialistId};
use linedesk_domain::routing::{Dispatcher, Movement, RoutingError};
use linedesk_protocol::{Action, AppealChannel, Event, MAX_KEY_BYTES, MAX_MESSAGE_CHARS, Role};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::remote_sessions::{self, Gate};
use crate::sqlite::{Inner, id, sql_id};
use crate::storage::{Applied, StorageError, StoredEvent, Subject};
use crate::{appeals, call_records, calls, contact, kb_drafts, rating, sla, sla_alerts, tickets};

pub(crate) struct Work<'a> {
    pub tx: Transaction<'a>,
    pub now_ms: i64,
    events: Vec<StoredEvent>,
    /// Copies of the dispatchers this action changes, keyed by line.
    routing: HashMap<u64, Dispatcher>,
}

/// Append `event` to the log of `line` (the next sequence number) inside `tx`.
pub(crate) fn append_event(
    tx: &Transaction<'_>,
    line: u64,
    event: Event,
    now_ms: i64,
) -> Result<StoredEvent, StorageError> {
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE line_id = ?1",
        [sql_id(line)],
        |r| r.get(0),
    )?;
    let body = serde_json::to_string(&event).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO events (line_id, seq, at, body) VALUES (?1, ?2, ?3, ?4)",
        params![sql_id(line), seq, now_ms, body],
    )?;
    Ok(StoredEvent {
        line,
        seq: id(seq),
        at_ms: now_ms,
        event,
    })
}

impl Work<'_> {
    pub(crate) fn append(&mut self, line: u64, event: Event) -> Result<(), StorageError> {
        let stored = append_event(&self.tx, line, event, self.now_ms)?;
        self.events.push(stored);
        Ok(())
    }

    pub(crate) fn dispatcher<'d>(
        &'d mut self,
        line: u64,
        live: &HashMap<u64, Dispatcher>,
    ) -> &'d mut Dispatcher {
        self.routing
            .entry(line)
            .or_insert_with(|| live.get(&line).cloned().unwrap_or_default())
    }

    pub(crate) fn serves(&self, specialist: u64, line: u64) -> Result<bool, StorageError> {
        Ok(self
            .tx
            .query_row(
                "SELECT 1 FROM line_specialists WHERE line_id = ?1 AND specialist_id = ?2",
                params![sql_id(line), sql_id(specialist)],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some())
    }

    /// (line, client, holder) of an open appeal.
    pub(crate) fn appeal(&self, appeal: u64) -> Result<(u64, u64, Option<u64>), StorageError> {
        self.tx
            .query_row(
                "SELECT line_id, client_id, holder FROM appeals WHERE id = ?1 AND state <> 'finished'",
                [sql_id(appeal)],
                |r| Ok((id(r.get(0)?), id(r.get(1)?), r.get::<_, Option<i64>>(2)?.map(id))),
            )
            .optional()?
            .ok_or_else(|| StorageError::Invalid(format!("no open appeal {appeal}")))
    }

    pub(crate) fn open_appeal_of(
        &self,
        line: u64,
        client: u64,
    ) -> Result<Option<u64>, StorageError> {
        Ok(self
            .tx
            .query_row(
                "SELECT id FROM appeals WHERE line_id = ?1 AND client_id = ?2 AND state <> 'finished'",
                params![sql_id(line), sql_id(client)],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(id))
    }

    /// The appeal's row, `AppealOpened` (with what opened it) and its SLA deadlines; not
    /// routed yet.
    pub(crate) fn insert_appeal(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
    ) -> Result<u64, StorageError> {
        self.tx.execute(
            "INSERT INTO appeals (line_id, client_id, state, opened_at, channel)
             VALUES (?1, ?2, 'queued', ?3, ?4)",
            params![sql_id(line), sql_id(client), self.now_ms, channel.code()],
        )?;
        let appeal = id(self.tx.last_insert_rowid());
        self.append(
            line,
            Event::AppealOpened {
                appeal,
                client,
                channel,
            },
        )?;
        let started = sla::start(&self.tx, line, appeal, client, self.now_ms)?;
        self.append(line, started)?;
        Ok(appeal)
    }

    /// A1/A2: open a new appeal of `client` on `line` by `channel` (a message, a call, a
    /// file, ...; S3: its SLA deadlines fixed now) and route it, `responsible` first.
    pub(crate) fn open_appeal_via(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
        responsible: Vec<SpecialistId>,
        live: &HashMap<u64, Dispatcher>,
    ) -> Result<u64, StorageError> {
        let appeal = self.insert_appeal(line, client, channel)?;
        let moved = self
            .dispatcher(line, live)
            .arrive(AppealId(appeal), 0, responsible)
            .map_err(routing_error)?;
        self.record(line, &[moved])?;
        Ok(appeal)
    }

    /// P4: the client acted in their open appeal; its holder may no longer take that.
    pub(crate) fn client_activity(
        &mut self,
        line: u64,
        appeal: u64,
        live: &HashMap<u64, Dispatcher>,
    ) -> Result<(), StorageError> {
        let moved = self
            .dispatcher(line, live)
            .client_activity(AppealId(appeal))
            .map_err(routing_error)?;
        self.record(line, &moved.into_iter().collect::<Vec<_>>())
    }

    /// A2: `specialist` takes the queued `appeal` by hand.
    pub(crate) fn take_appeal(
        &mut self,
        line: u64,
        appeal: u64,
        specialist: u64,
        live: &HashMap<u64, Dispatcher>,
    ) -> Result<(), StorageError> {
        let moved = self
            .dispatcher(line, live)
            .take(AppealId(appeal), SpecialistId(specialist))
            .map_err(routing_error)?;
        self.record(line, &[moved])
    }

    /// Write where routing put appeals, with their events.
    pub(crate) fn record(&mut self, line: u64, moves: &[Movement]) -> Result<(), StorageError> {
        for m in moves {
            let (appeal, holder) = match *m {
                Movement::Assigned { appeal, to } => (appeal.0, Some(to.0)),
                Movement::Queued { appeal } => (appeal.0, None),
            };
            self.tx.execute(
                "UPDATE appeals SET state = ?2, holder = ?3 WHERE id = ?1",
                params![
                    sql_id(appeal),
                    if holder.is_some() {
                        "assigned"
                    } else {
                        "queued"
                    },
                    holder.map(sql_id)
                ],
            )?;
            let (_, client, _) = self.appeal(appeal)?;
            let event = match holder {
                Some(specialist) => Event::AppealAssigned {
                    appeal,
                    client,
                    specialist,
                },
                None => Event::AppealQueued { appeal, client },
            };
            self.append(line, event)?;
        }
        Ok(())
    }
}

fn routing_error(err: RoutingError) -> StorageError {
    match err {
        RoutingError::NotQueued(appeal) => {
            StorageError::Conflict(format!("appeal {appeal} was already taken"))
        }
        other => StorageError::Invalid(other.to_string()),
    }
}

pub(crate) fn text_of(text: &str) -> Result<String, StorageError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(StorageError::Invalid(format!(
            "a message is 1 to {MAX_MESSAGE_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}

pub(crate) fn specialist_only(actor: Subject) -> Result<u64, StorageError> {
    match actor.role {
        Role::Specialist => Ok(actor.id),
        Role::Client | Role::Admin => Err(StorageError::NotAllowed(
            "only specialists can do that".into(),
        )),
    }
}

pub(crate) fn apply(
    inner: &mut Inner,
    actor: Subject,
    key: &str,
    action: &Action,
    now_ms: i64,
    gate: &Gate,
) -> Result<Applied, StorageError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(StorageError::Invalid(format!(
            "an idempotency key is 1 to {MAX_KEY_BYTES} bytes"
        )));
    }
    let Inner { conn, routing } = inner;
    let tx = conn.transaction()?;
    // Keys are per actor; clients' ids live in another table, so their keys are namespaced.
    let key_owner = match actor.role {
        Role::Specialist => sql_id(actor.id),
        Role::Client => -sql_id(actor.id),
        Role::Admin => {
            return Err(StorageError::NotAllowed(
                "an admin has no line actions".into(),
            ));
        }
    };
    let fresh = tx.execute(
        "INSERT OR IGNORE INTO actions (specialist_id, key, at) VALUES (?1, ?2, ?3)",
        params![key_owner, key, now_ms],
    )?;
    if fresh == 0 {
        return Ok(Applied::Duplicate);
    }
    let mut w = Work {
        tx,
        now_ms,
        events: Vec::new(),
        routing: HashMap::new(),
    };
    match action {
        Action::SendMessage { line, client, text } => {
            let specialist = specialist_only(actor)?;
            if !w.serves(specialist, *line)? {
                return Err(StorageError::Forbidden(*line));
            }
            let text = text_of(text)?;
            contact::client_on_line(&w.tx, *line, *client)?;
            let appeal = w.open_appeal_of(*line, *client)?;
            if let Some(appeal) = appeal {
                // S2: the first answer meets the reaction deadline.
                sla_alerts::react(&w.tx, appeal, now_ms)?;
            }
            w.append(
                *line,
                Event::MessagePosted {
                    client: *client,
                    from_specialist: Some(specialist),
                    text,
                    appeal,
                    key: Some(key.to_string()),
                },
            )?;
        }
        Action::SetPresence { status } => {
            let specialist = specialist_only(actor)?;
            w.tx.execute(
                "INSERT INTO presence (specialist_id, status) VALUES (?1, ?2)
                 ON CONFLICT (specialist_id) DO UPDATE SET status = ?2",
                params![sql_id(specialist), status.code()],
            )?;
            let lines: Vec<u64> = {
                let mut stmt = w.tx.prepare_cached(
                    "SELECT line_id FROM line_specialists WHERE specialist_id = ?1",
                )?;
                stmt.query_map([sql_id(specialist)], |r| r.get::<_, i64>(0))?
                    .map(|r| r.map(id))
                    .collect::<Result<_, _>>()?
            };
            for line in lines {
                w.append(
                    line,
                    Event::PresenceChanged {
                        specialist,
                        status: *status,
                    },
                )?;
                let moves = w
                    .dispatcher(line, routing)
                    .set_presence(SpecialistId(specialist), *status)
                    .map_err(routing_error)?;
                w.record(line, &moves)?;
            }
        }
        Action::ClientMessage { text } => {
            if actor.role != Role::Client {
                return Err(StorageError::NotAllowed(
                    "only clients send client messages".into(),
                ));
            }
            let client = actor.id;
            let text = text_of(text)?;
            let line: u64 = id(w.tx.query_row(
                "SELECT line_id FROM clients WHERE id = ?1",
                [sql_id(client)],
                |r| r.get(0),
            )?);
            // A1: a message opens an appeal; A2: routing assigns or queues it.
            let appeal = w.appeal_from_client(line, client, AppealChannel::Chat, routing)?;
            w.append(
                line,
                Event::MessagePosted {
                    client,
                    from_specialist: None,
                    text,
                    appeal: Some(appeal),
                    key: None,
                },
            )?;
        }
        Action::TakeAppeal { appeal } => {
            let specialist = specialist_only(actor)?;
            let (line, _, _) = w.appeal(*appeal)?;
            if !w.serves(specialist, line)? {
                return Err(StorageError::Forbidden(line));
            }
            w.take_appeal(line, *appeal, specialist, routing)?;
        }
        Action::FinishAppeal { appeal, result } => {
            let specialist = specialist_only(actor)?;
            let (line, client, holder) = w.appeal(*appeal)?;
            if holder != Some(specialist) {
                return Err(StorageError::Invalid(format!(
                    "appeal {appeal} is not yours to finish"
                )));
            }
            let result = result.trim();
            if result.is_empty() {
                return Err(StorageError::Invalid(
                    "a finished appeal needs a result".into(),
                ));
            }
            let moves = w
                .dispatcher(line, routing)
                .finish(AppealId(*appeal))
                .map_err(routing_error)?;
            w.tx.execute(
                "UPDATE appeals SET state = 'finished', holder = ?2, result = ?3 WHERE id = ?1",
                params![sql_id(*appeal), sql_id(specialist), result],
            )?;
            sla_alerts::resolve(&w.tx, *appeal, now_ms)?;
            w.append(
                line,
                Event::AppealFinished {
                    appeal: *appeal,
                    client,
                    result: result.to_string(),
                },
            )?;
            w.record(line, &moves)?;
        }
        Action::TransferAppeal {
            appeal,
            to,
            reason,
            target,
        } => appeals::transfer(&mut w, actor, *appeal, *to, *target, reason, routing)?,
        Action::RateAppeal { appeal, stars } => rating::rate(&mut w, actor, *appeal, *stars)?,
        Action::CreateTicket { .. }
        | Action::SaveTicket { .. }
        | Action::DispatchTicket { .. }
        | Action::TakeTicket { .. }
        | Action::RejectTicket { .. }
        | Action::ForwardTicket { .. }
        | Action::CommentTicket { .. }
        | Action::RepeatTicket { .. }
        | Action::CloseTicket { .. } => tickets::apply(&mut w, actor, action)?,
        Action::PlaceCall { line, client } => {
            calls::place(&mut w, actor, key, *line, *client, routing)?;
        }
        Action::AnswerCall { call } => calls::answer(&mut w, actor, *call, routing)?,
        Action::HangUp { call, reason } => calls::hang_up(&mut w, actor, *call, *reason)?,
        Action::CallStats { call, quality } => call_records::stats(&mut w, actor, *call, quality)?,
        Action::SetRemotePassword { .. } => remote_sessions::set_password(&mut w, actor, gate)?,
        Action::RequestRemoteSession {
            line, client, mode, ..
        } => remote_sessions::request(&mut w, actor, key, (*line, *client, *mode), gate, routing)?,
        Action::AnswerRemoteSession { session, accept } => {
            remote_sessions::answer(&mut w, actor, *session, *accept)?;
        }
        Action::EndRemoteSession { session, reason } => {
            remote_sessions::end(&mut w, actor, *session, *reason)?;
        }
        Action::StartAppeal { line, client } => {
            appeals::start(&mut w, actor, *line, *client, routing)?;
        }
        Action::MarkSpam { appeal } => appeals::mark_spam(&mut w, actor, *appeal, routing)?,
        Action::SaveKbDraft {
            line,
            subject,
            text,
        } => {
            kb_drafts::save(&w.tx, actor, *line, subject, text, now_ms)?;
        }
    }
    let Work {
        tx,
        events,
        routing: changed,
        ..
    } = w;
    tx.commit()?;
    routing.extend(changed);
    Ok(Applied::Done(events))
}

/// Run `f` as one action without an idempotency key (an HTTP upload): its events and routing
/// changes commit together, like [`apply`]'s.
pub(crate) fn in_work<T>(
    inner: &mut Inner,
    now_ms: i64,
    f: impl FnOnce(&mut Work<'_>, &HashMap<u64, Dispatcher>) -> Result<T, StorageError>,
) -> Result<(T, Vec<StoredEvent>), StorageError> {
    let Inner { conn, routing } = inner;
    let mut w = Work {
        tx: conn.transaction()?,
        now_ms,
        events: Vec::new(),
        routing: HashMap::new(),
    };
    let value = f(&mut w, routing)?;
    let Work {
        tx,
        events,
        routing: changed,
        ..
    } = w;
    tx.commit()?;
    routing.extend(changed);
    Ok((value, events))
}
