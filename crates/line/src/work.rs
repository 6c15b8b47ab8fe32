//! One action in progress: the backend's transaction, `now`, the events appended so far and
//! the copies of the dispatchers it changed. Shared steps of many actions live here: appending,
//! opening and routing an appeal, recording where routing put appeals.

use std::collections::HashMap;

use linedesk_domain::ids::{AppealId, SpecialistId};
use linedesk_domain::routing::{Dispatcher, Movement, appeal_priority};
use linedesk_protocol::{AppealChannel, Event, MAX_MESSAGE_CHARS, Role};

use crate::error::LineError;
use crate::repo::{AppealRow, AppealStage, NewAppeal, Repo};
use crate::subject::{StoredEvent, Subject};

pub struct Work<'l, R> {
    /// The backend's transaction.
    pub repo: R,
    pub now_ms: i64,
    events: Vec<StoredEvent>,
    /// Copies of the dispatchers this action changed, keyed by line.
    changed: HashMap<u64, Dispatcher>,
    /// The routing state as the actions before this one left it: the changes of the
    /// earlier actions of the same batch (not committed yet) over the committed state.
    batch: Option<&'l HashMap<u64, Dispatcher>>,
    live: &'l HashMap<u64, Dispatcher>,
}

impl<'l, R: Repo> Work<'l, R> {
    pub fn new(repo: R, now_ms: i64, live: &'l HashMap<u64, Dispatcher>) -> Work<'l, R> {
        Work {
            repo,
            now_ms,
            events: Vec::new(),
            changed: HashMap::new(),
            batch: None,
            live,
        }
    }

    /// An action of a batch: `batch` holds the routing changes of the batch's earlier
    /// actions, `live` the committed state under them.
    pub fn layered(
        repo: R,
        now_ms: i64,
        batch: &'l HashMap<u64, Dispatcher>,
        live: &'l HashMap<u64, Dispatcher>,
    ) -> Work<'l, R> {
        Work {
            batch: Some(batch),
            ..Work::new(repo, now_ms, live)
        }
    }

    /// The transaction (to commit), the events appended and the changed dispatchers (to put
    /// in place of the live ones once the transaction is committed).
    pub fn finish(self) -> (R, Vec<StoredEvent>, HashMap<u64, Dispatcher>) {
        (self.repo, self.events, self.changed)
    }

    /// Append `event` to `line`'s log.
    pub fn append(&mut self, line: u64, event: Event) -> Result<(), LineError> {
        let seq = self.repo.append(line, &event, self.now_ms)?;
        self.events.push(StoredEvent {
            line,
            seq,
            at_ms: self.now_ms,
            event,
        });
        Ok(())
    }

    /// The dispatcher of `line` as this action sees it (a copy of the live one, made once).
    pub fn dispatcher(&mut self, line: u64) -> &mut Dispatcher {
        let (batch, live) = (self.batch, self.live);
        self.changed.entry(line).or_insert_with(|| {
            batch
                .and_then(|b| b.get(&line))
                .or_else(|| live.get(&line))
                .cloned()
                .unwrap_or_default()
        })
    }

    /// The dispatcher of `line` as this action sees it, to read (no copy).
    pub fn view(&self, line: u64) -> Option<&Dispatcher> {
        self.changed
            .get(&line)
            .or_else(|| self.batch.and_then(|b| b.get(&line)))
            .or_else(|| self.live.get(&line))
    }

    /// Replace `line`'s dispatcher (a line just created or a specialist who now serves it).
    pub fn put_dispatcher(&mut self, line: u64, dispatcher: Dispatcher) {
        self.changed.insert(line, dispatcher);
    }

    pub fn serves(&mut self, specialist: u64, line: u64) -> Result<bool, LineError> {
        Ok(self.repo.serves(specialist, line)?)
    }

    /// `client` is on `line`; otherwise the action is invalid.
    pub fn client_on_line(&mut self, line: u64, client: u64) -> Result<(), LineError> {
        match self.repo.client(client)? {
            Some(c) if c.line == line => Ok(()),
            _ => Err(LineError::Invalid(format!(
                "client {client} is not on line {line}"
            ))),
        }
    }

    /// `specialist` serves `line` (else forbidden) and `client` is on it (else invalid).
    pub fn may_contact(
        &mut self,
        specialist: u64,
        line: u64,
        client: u64,
    ) -> Result<(), LineError> {
        if !self.serves(specialist, line)? {
            return Err(LineError::Forbidden(line));
        }
        self.client_on_line(line, client)
    }

    /// C9, for every way of reaching a client (a message, a file, a quick reply's files, a
    /// call): `specialist` reaches into the client's open appeal only when no colleague holds
    /// it, or when they were warned that one does and `confirmed` (the domain's
    /// `colleague::may_write`; the rule `appeal.held_by_colleague` otherwise).
    pub fn past_colleague_hold(
        &mut self,
        specialist: u64,
        line: u64,
        client: u64,
        confirmed: bool,
    ) -> Result<(), LineError> {
        if let Some(open) = self.open_appeal_of(line, client)? {
            let row = self.open_appeal(open)?;
            let state = crate::appeals::restore(&row)?.state().clone();
            linedesk_domain::appeal::colleague::may_write(
                Some(&state),
                SpecialistId(specialist),
                confirmed,
            )?;
        }
        Ok(())
    }

    /// An open appeal by id.
    pub fn open_appeal(&mut self, appeal: u64) -> Result<AppealRow, LineError> {
        self.repo
            .appeal(appeal)?
            .filter(AppealRow::is_open)
            .ok_or_else(|| LineError::Invalid(format!("no open appeal {appeal}")))
    }

    pub fn open_appeal_of(&mut self, line: u64, client: u64) -> Result<Option<u64>, LineError> {
        Ok(self.repo.open_appeal_of(line, client)?)
    }

    /// The appeal's row, `AppealOpened` (with what opened it) and its SLA deadlines; not
    /// routed yet. Its id and its priority in the line's queue (A2).
    pub fn insert_appeal(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
    ) -> Result<(u64, u8), LineError> {
        self.insert_appeal_of_kind(line, client, channel, "")
    }

    /// [`Self::insert_appeal`] of the type `kind` (S5: chosen by the specialist; "" none).
    pub fn insert_appeal_of_kind(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
        kind: &str,
    ) -> Result<(u64, u8), LineError> {
        let (facts, level) = crate::sla::choose(&mut self.repo, (line, client), (channel, kind))?;
        // A2/S5: the client's VIP mark and the level's reaction time decide its place.
        let priority = appeal_priority(facts.vip, level.reaction);
        let appeal = self.repo.insert_appeal(&NewAppeal {
            line,
            client,
            channel,
            opened_ms: self.now_ms,
            priority,
        })?;
        self.append(
            line,
            Event::AppealOpened {
                appeal,
                client,
                channel,
            },
        )?;
        let started = crate::sla::start(
            &mut self.repo,
            (line, appeal, client),
            (facts, level),
            self.now_ms,
        )?;
        self.append(line, started)?;
        crate::appeal_type::registered(self, line, (appeal, client), kind)?;
        Ok((appeal, priority))
    }

    /// A1/A2: open a new appeal of `client` on `line` by `channel` and route it: to `by`, the
    /// specialist who reached out first, if any (`Dispatcher::arrive_for`), else to the
    /// specialists the client's card names as responsible first (C5), by its priority.
    pub fn open_appeal_via(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
        by: Option<SpecialistId>,
    ) -> Result<u64, LineError> {
        let (appeal, priority) = self.insert_appeal(line, client, channel)?;
        let responsible = crate::routing::responsible_for(&mut self.repo, line, client)?;
        // W3: a specialist's own question to the staff line is never routed to them.
        let asker = match by {
            Some(_) => None,
            None => self.repo.staff_asker(line, client)?,
        };
        let d = self.dispatcher(line);
        let moved = match (by, asker) {
            (Some(by), _) => d.arrive_for(AppealId(appeal), priority, responsible, by)?,
            (None, Some(asker)) => {
                d.arrive_asked_by(AppealId(appeal), priority, responsible, SpecialistId(asker))?
            }
            (None, None) => d.arrive(AppealId(appeal), priority, responsible)?,
        };
        self.record(line, &[moved])?;
        Ok(appeal)
    }

    /// P4: the client acted in their open appeal; its holder may no longer take that.
    /// S4: a wait for the client ends. A5: the auto-finish is off.
    pub fn client_activity(&mut self, line: u64, appeal: u64) -> Result<(), LineError> {
        crate::waiting::client_answered(self, appeal)?;
        if let Some(row) = self.repo.appeal(appeal)? {
            crate::closing::client_replied(self, line, row.client, appeal)?;
        }
        // Most messages change nothing: seen without copying the line's dispatcher.
        if let Some(view) = self.view(line)
            && view.client_activity_changes_nothing(AppealId(appeal))?
        {
            return Ok(());
        }
        let moved = self.dispatcher(line).client_activity(AppealId(appeal))?;
        self.record(line, &moved.into_iter().collect::<Vec<_>>())
    }

    /// A2: `specialist` takes the queued `appeal` by hand.
    pub fn take_appeal(
        &mut self,
        line: u64,
        appeal: u64,
        specialist: u64,
    ) -> Result<(), LineError> {
        let moved = self
            .dispatcher(line)
            .take(AppealId(appeal), SpecialistId(specialist))?;
        self.record(line, &[moved])
    }

    /// The client reached out by `channel`: their open appeal (P4: its holder may no longer
    /// take that), or a new one that routing assigns or queues.
    pub fn appeal_from_client(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
    ) -> Result<u64, LineError> {
        match self.open_appeal_of(line, client)? {
            Some(appeal) => {
                self.client_activity(line, appeal)?;
                Ok(appeal)
            }
            None => self.open_appeal_via(line, client, channel, None),
        }
    }

    /// A1: `specialist` reached out to the client by `channel`: the client's open appeal as
    /// it is, or a new one that is theirs (unless they may take none, P4).
    pub fn appeal_from_specialist(
        &mut self,
        line: u64,
        client: u64,
        channel: AppealChannel,
        specialist: u64,
    ) -> Result<u64, LineError> {
        match self.open_appeal_of(line, client)? {
            Some(appeal) => Ok(appeal),
            None => self.open_appeal_via(line, client, channel, Some(SpecialistId(specialist))),
        }
    }

    /// Write where routing put appeals, with their events.
    pub fn record(&mut self, line: u64, moves: &[Movement]) -> Result<(), LineError> {
        for m in moves {
            let (appeal, holder) = match *m {
                Movement::Assigned { appeal, to } => (appeal.0, Some(to.0)),
                Movement::Queued { appeal } => (appeal.0, None),
            };
            let mut row = self.open_appeal(appeal)?;
            if row.holder != holder {
                crate::waiting::moved(self, &mut row)?;
            }
            row.stage = if holder.is_some() {
                AppealStage::Assigned
            } else {
                AppealStage::Queued
            };
            row.holder = holder;
            self.repo.put_appeal(&row)?;
            let client = row.client;
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

/// A message's text, trimmed: 1 to [`MAX_MESSAGE_CHARS`] characters.
pub fn text_of(text: &str) -> Result<String, LineError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(LineError::Invalid(format!(
            "a message is 1 to {MAX_MESSAGE_CHARS} characters"
        )));
    }
    Ok(text.to_string())
}

/// The specialist's id, or a refusal for clients and admins.
pub fn specialist_only(actor: Subject) -> Result<u64, LineError> {
    match actor.role {
        Role::Specialist => Ok(actor.id),
        Role::Client | Role::Admin => {
            Err(LineError::NotAllowed("only specialists can do that".into()))
        }
    }
}
