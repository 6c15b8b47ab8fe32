//! What a session does with the server's frames that are not replies: events applied to
//! the local store (with the line's cursor), signals and live events handed to the app, and
//! frames it cannot read skipped and reported (see [`crate::unreadable`]).

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use linedesk_protocol::{ErrorCode, Event, Role, ServerFrame};
use linedesk_store::Store;
use linedesk_store::replica::RemoteChange;
use tokio::sync::{broadcast, watch};

use crate::SyncError;
use crate::live::Incoming;
use crate::unreadable::{Unreadable, UnreadableFrame};

/// Any of the session's shared parts: plain data changed whole under the lock, so usable
/// after a panicking holder.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Replayed events written per transaction (see the store's figures); live events are written
/// one by one, at once.
const REPLAY_PAGE: usize = linedesk_store::replica::REPLAY_PAGE;

fn id(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// What a session needs to apply the server's events to the local store.
pub(crate) struct Replica<'a> {
    pub store: &'a Mutex<Store>,
    /// The signed-in specialist's id (from `Welcome`): their appeals get the ring.
    pub me: u64,
    pub changes: &'a watch::Sender<u64>,
    pub incoming: &'a broadcast::Sender<Incoming>,
    /// Lines whose replay reached the present: their call events are news.
    pub live_lines: Mutex<HashSet<u64>>,
    /// Clients' calls that rang during a line's replay and had not been answered or ended by
    /// its last event: still ringing, so they are news when the line catches up (a specialist
    /// who signs in or reconnects while a client's call rings the line hears it ring).
    pub ringing_in_replay: Mutex<Vec<(u64, Event)>>,
    /// Where frames this app cannot read are reported.
    pub unreadable: &'a watch::Sender<Unreadable>,
    /// When the server was last heard from (any frame): the keepalive's clock.
    pub heard: Mutex<tokio::time::Instant>,
    /// Replayed events not yet written: written a page at a time, and before anything else
    /// the session handles (a reply, a live event, a line caught up, a frame skipped).
    pub replayed: Mutex<Vec<(u64, i64, RemoteChange)>>,
    /// The latest outbox action the server refused for good, typed.
    pub refused: &'a watch::Sender<Option<crate::live::Refusal>>,
    /// Lines whose reference data (quick replies, KB, appeal types) the server said changed
    /// while live (`ReferenceChanged`): the session fetches them again.
    pub stale_reference: Mutex<HashSet<u64>>,
}

impl Replica<'_> {
    /// Take one text frame of the server: a reply is returned, anything else is handled
    /// here. A frame this app cannot decode is skipped and reported, never an error of the
    /// session: reconnecting would only fetch it again.
    pub fn receive(&self, text: &str) -> Result<Option<ServerFrame>, SyncError> {
        self.hear();
        match ServerFrame::decode(text) {
            Ok(frame) => self.absorb(frame),
            Err(error) => {
                self.write_replayed()?;
                self.skip(crate::unreadable::inspect(text, &error))?;
                Ok(None)
            }
        }
    }

    /// Something came from the server: the link is alive.
    pub fn hear(&self) {
        *self
            .heard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = tokio::time::Instant::now();
    }

    /// When the server was last heard from.
    pub fn heard(&self) -> tokio::time::Instant {
        *self
            .heard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Report an unreadable frame; when it is the next event of a line, move the line's
    /// cursor past it (the store keeps nothing of it), so the line goes on with the events
    /// after it and a reconnect does not fetch it again.
    fn skip(&self, mut frame: UnreadableFrame) -> Result<(), SyncError> {
        if let (Some(line), Some(seq)) = (frame.line, frame.seq) {
            let store = lock(self.store);
            let cursor = store.sync_cursor(id(line))?;
            // Only the very next one: a bogus number must not jump over real events.
            if cursor.checked_add(1) == Some(id(seq)) {
                store.apply_remote(id(line), &[(id(seq), RemoteChange::Skip)])?;
                frame.cursor_moved = true;
            }
        }
        tracing::warn!(
            line = ?frame.line,
            seq = ?frame.seq,
            bytes = frame.bytes,
            cursor_moved = frame.cursor_moved,
            reason = %frame.reason,
            "skipped a frame of the line server that this app cannot read"
        );
        self.unreadable.send_modify(|u| {
            u.count += 1;
            u.last = Some(frame);
        });
        Ok(())
    }

    /// Apply one event of a line's log (skipped when at or below the cursor).
    fn apply(&self, line: u64, seq: u64, at_ms: i64, event: Event) -> Result<(), SyncError> {
        let change = crate::events::remote_change(event, at_ms, self.me);
        let applied = lock(self.store).apply_remote(id(line), &[(id(seq), change)])?;
        if applied > 0 {
            self.changes.send_modify(|n| *n += 1);
        }
        Ok(())
    }

    /// Keep a replayed event for the page being gathered; a full page is written.
    fn hold(&self, line: u64, seq: u64, at_ms: i64, event: Event) -> Result<(), SyncError> {
        let change = crate::events::remote_change(event, at_ms, self.me);
        let full = {
            let mut replayed = lock(&self.replayed);
            replayed.push((line, id(seq), change));
            replayed.len() >= REPLAY_PAGE
        };
        if full {
            self.write_replayed()?;
        }
        Ok(())
    }

    /// Write the replayed events gathered so far, a transaction per line's run of them.
    /// Nothing is lost when the session ends first: the cursors stay before them and the
    /// next session replays them again.
    pub fn write_replayed(&self) -> Result<(), SyncError> {
        let page = std::mem::take(&mut *lock(&self.replayed));
        if page.is_empty() {
            return Ok(());
        }
        let mut runs: Vec<(u64, Vec<(i64, RemoteChange)>)> = Vec::new();
        for (line, seq, change) in page {
            match runs.last_mut() {
                Some((l, run)) if *l == line => run.push((seq, change)),
                _ => runs.push((line, vec![(seq, change)])),
            }
        }
        let mut applied = 0;
        let store = lock(self.store);
        for (line, changes) in &runs {
            applied += store.apply_remote(id(*line), changes)?;
        }
        drop(store);
        if applied > 0 {
            self.changes.send_modify(|n| *n += 1);
        }
        Ok(())
    }

    /// The lines whose reference data changed since the last call, taken out.
    pub fn take_stale_reference(&self) -> Vec<u64> {
        let mut stale = lock(&self.stale_reference);
        let mut lines: Vec<u64> = stale.drain().collect();
        lines.sort_unstable();
        lines
    }

    /// Keep track of the clients' calls of a line's replay: a ringing one is remembered until
    /// it is answered or ends.
    fn follow_replayed_call(&self, line: u64, event: &Event) {
        let mut ringing = lock(&self.ringing_in_replay);
        match *event {
            Event::CallRinging {
                from: Role::Client, ..
            } => ringing.push((line, event.clone())),
            Event::CallConnected { call, .. } | Event::CallEnded { call, .. } => {
                ringing.retain(
                    |(_, e)| !matches!(e, Event::CallRinging { call: c, .. } if *c == call),
                );
            }
            _ => {}
        }
    }

    /// The calls of `line`'s replay that still ring, taken out.
    fn still_ringing(&self, line: u64) -> Vec<Event> {
        let mut ringing = lock(&self.ringing_in_replay);
        let (of_line, rest): (Vec<_>, Vec<_>) = ringing.drain(..).partition(|(l, _)| *l == line);
        *ringing = rest;
        of_line.into_iter().map(|(_, e)| e).collect()
    }

    /// Handle a frame that is not a reply: returns it back when it is one.
    pub fn absorb(&self, frame: ServerFrame) -> Result<Option<ServerFrame>, SyncError> {
        let replayed = match &frame {
            ServerFrame::Event { line, .. } => !lock(&self.live_lines).contains(line),
            _ => false,
        };
        if !replayed {
            // Whatever comes next is handled over a store that has the replay so far.
            self.write_replayed()?;
        }
        match frame {
            ServerFrame::Event {
                line,
                seq,
                at_ms,
                event,
            } if replayed => {
                self.follow_replayed_call(line, &event);
                self.hold(line, seq, at_ms, event)?;
                Ok(None)
            }
            ServerFrame::Event {
                line,
                seq,
                at_ms,
                event,
            } => {
                // Live: a change of the reference data is fetched again (a replayed one is in
                // the copy fetched at this connection already).
                if matches!(event, Event::ReferenceChanged { .. }) {
                    lock(&self.stale_reference).insert(line);
                }
                let news = (self.incoming.receiver_count() > 0).then(|| event.clone());
                self.apply(line, seq, at_ms, event)?;
                if let Some(event) = news {
                    let _ = self.incoming.send(Incoming::Event {
                        line,
                        event,
                        me: self.me,
                    });
                }
                Ok(None)
            }
            ServerFrame::CaughtUp { line, .. } => {
                lock(&self.live_lines).insert(line);
                for event in self.still_ringing(line) {
                    let _ = self.incoming.send(Incoming::Event {
                        line,
                        event,
                        me: self.me,
                    });
                }
                Ok(None)
            }
            ServerFrame::Signal {
                call,
                from,
                payload,
            } => {
                let _ = self.incoming.send(Incoming::Signal {
                    call,
                    from,
                    payload,
                });
                Ok(None)
            }
            ServerFrame::RemoteSignal {
                session,
                from,
                payload,
            } => {
                let _ = self.incoming.send(Incoming::RemoteSignal {
                    session,
                    from,
                    payload,
                });
                Ok(None)
            }
            // A refusal without a key answers a signal or a subscription, not an action.
            ServerFrame::Error {
                code,
                message,
                key: None,
                ..
            } if code != ErrorCode::Unauthenticated => {
                let _ = self.incoming.send(Incoming::Refused { code, message });
                Ok(None)
            }
            ServerFrame::Pong { .. } => Ok(None),
            reply => Ok(Some(reply)),
        }
    }
}
