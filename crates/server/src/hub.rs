//! Fan-out of newly appended events to the sessions subscribed to their line, and of relayed
//! call signalling to the sessions of its addressee.
//!
//! Each event is encoded once ([`LiveEvent::frame`], shared by every session that sends it)
//! and pushed into the [`Mailbox`] of each session that may see it: every specialist session
//! of the line, and only the sessions of the client the event is about (a client sees nothing
//! else). A session drains its whole mailbox per wake-up and flushes its socket once.
//!
//! Order: the hub hands out a line's events in sequence order. Events committed together can be
//! published out of order by their sessions; the hub holds an early one until the ones before
//! it arrive. Every published event is committed, and so is every number before it: when the
//! gap is still open after [`FILL_AFTER`] (the number was appended outside the hub: the admin
//! API, the CLI in another process), the hub reads the missing events from the storage's log
//! and hands them out in turn ([`Hub::catch_up`] does the same for events appended when nothing
//! after them was published); their own publisher, if any, is then ignored. Only when the log
//! cannot be read (or in a hub without one) is a number skipped, after the hold
//! ([`HOLD`] by default); every skip and every event arriving after its turn starts a new
//! *epoch* of the line. A client session, which
//! sees only its own events and cannot spot a gap, keeps the epoch of its cursor: an event of
//! another epoch sends it back to storage from its cursor. A specialist session sees every
//! event and keeps the gap rule (a gap: read the line back from storage).
//!
//! Bounded: a mailbox holds at most [`MAILBOX`] events; a session that falls behind loses the
//! newer ones and is told which lines to read back from storage, so nothing is lost or sent
//! twice.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use linedesk_protocol::ServerFrame;
use tokio::sync::{Notify, broadcast};

use crate::signal::Relayed;
use crate::storage::{Storage, StorageError, StoredEvent};

/// Events a session may have waiting; past that it reads back from storage.
pub const MAILBOX: usize = 1024;

/// How long an event published ahead of its turn waits for the ones before it. Long enough
/// that a publisher delayed by a busy machine does not make every client session of the line
/// read it back from storage (which would make the machine busier still); only a number
/// appended outside the hub waits this long.
pub const HOLD: Duration = Duration::from_secs(1);

/// How long a gap stays open before the hub reads the missing events from storage: events
/// committed together and published by their own threads close their gaps well within it, so
/// storage is read only for numbers nobody will publish.
pub const FILL_AFTER: Duration = Duration::from_millis(20);

/// Events read from storage at once when filling a gap.
const FILL_PAGE: u32 = 500;

/// Numbers filled from storage remembered until their own publisher comes (beyond that, the
/// oldest are forgotten: a publisher that late is long gone).
const FILLED_KEPT: usize = 4096;

/// Signals in flight; a session that lags behind loses some (the ICE candidates of a call are
/// a handful, so it takes thousands of simultaneous call set-ups).
const SIGNAL_BUFFER: usize = 1024;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Queues and counters: usable whatever a panicking holder left.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One event as every session sends it.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub line: u64,
    pub seq: u64,
    /// The line's epoch when the hub handed the event out (see the module's doc).
    pub epoch: u64,
    /// The client the event is about, when a client may see it.
    pub for_client: Option<u64>,
    /// The `ServerFrame::Event`, encoded once.
    pub frame: Utf8Bytes,
    /// When the hub published it (the fan-out lag is measured from here).
    pub published: std::time::Instant,
}

impl LiveEvent {
    fn new(e: &StoredEvent) -> LiveEvent {
        let frame = ServerFrame::Event {
            line: e.line,
            seq: e.seq,
            at_ms: e.at_ms,
            event: e.event.clone(),
        }
        .encode();
        LiveEvent {
            line: e.line,
            seq: e.seq,
            epoch: 0,
            for_client: e.event.client().filter(|_| e.event.shown_to_client()),
            frame: frame.into(),
            published: std::time::Instant::now(),
        }
    }
}

/// What a session takes from its mailbox at once.
#[derive(Default)]
pub struct Batch {
    pub events: Vec<Arc<LiveEvent>>,
    /// Lines whose newer events did not fit: read them back from storage.
    pub lagged: BTreeSet<u64>,
}

#[derive(Default)]
struct Queue {
    events: Vec<Arc<LiveEvent>>,
    lagged: BTreeSet<u64>,
}

/// A session's queue of live events, filled by the hub.
#[derive(Default)]
pub struct Mailbox {
    queue: Mutex<Queue>,
    ready: Notify,
}

impl Mailbox {
    fn push(&self, event: &Arc<LiveEvent>) {
        let mut queue = lock(&self.queue);
        let was_empty = queue.events.is_empty() && queue.lagged.is_empty();
        if queue.events.len() < MAILBOX {
            queue.events.push(event.clone());
        } else {
            queue.lagged.insert(event.line);
        }
        drop(queue);
        if was_empty {
            // A session that is not waiting finds the permit on its next wait.
            self.ready.notify_one();
        }
    }

    /// Wait until something is queued (kept across the session loop's turns: pinned once,
    /// renewed after it fired).
    pub fn ready(&self) -> tokio::sync::futures::Notified<'_> {
        self.ready.notified()
    }

    /// Everything queued so far.
    pub fn take(&self) -> Batch {
        let mut batch = Batch::default();
        self.take_into(&mut batch);
        batch
    }

    /// Everything queued so far, added to `batch`. An empty batch trades its vector with the
    /// queue's, so a session that reuses its batch neither copies nor allocates per wake-up.
    pub fn take_into(&self, batch: &mut Batch) {
        let mut queue = lock(&self.queue);
        if batch.events.is_empty() {
            std::mem::swap(&mut batch.events, &mut queue.events);
        } else {
            batch.events.append(&mut queue.events);
        }
        batch.lagged.append(&mut queue.lagged);
    }
}

/// Who a subscription is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every event of the line (a specialist).
    Everything,
    /// Only the events about this client that clients see.
    Client(u64),
}

#[derive(Default)]
struct Line {
    /// The next sequence number to hand out; `None` until the first event.
    next: Option<u64>,
    epoch: u64,
    /// Events published ahead of their turn, and since when the oldest waits.
    held: BTreeMap<u64, LiveEvent>,
    held_since: Option<Instant>,
    /// A read of the log for this line's gap is under way.
    filling: bool,
    /// Numbers handed out from storage whose own publisher has not come yet: it is ignored.
    filled: BTreeSet<u64>,
    everything: Vec<Arc<Mailbox>>,
    clients: HashMap<u64, Vec<Arc<Mailbox>>>,
}

impl Line {
    fn hand_out(&mut self, mut event: LiveEvent) {
        match self.next {
            Some(next) if event.seq == next => {}
            // The first event the hub sees, one after a skipped number, or one after its turn:
            // a client session cannot tell what it missed, so a new epoch.
            _ => self.epoch += 1,
        }
        event.epoch = self.epoch;
        self.next = Some(self.next.map_or(event.seq + 1, |n| n.max(event.seq + 1)));
        let event = Arc::new(event);
        for mailbox in &self.everything {
            mailbox.push(&event);
        }
        if let Some(mailboxes) = event.for_client.and_then(|c| self.clients.get(&c)) {
            for mailbox in mailboxes {
                mailbox.push(&event);
            }
        }
    }

    /// Publish one event: in turn (with whatever it unblocks), late, or held; an event
    /// already handed out from storage is dropped.
    fn publish(&mut self, event: LiveEvent) -> bool {
        if self.filled.remove(&event.seq) {
            return !self.held.is_empty();
        }
        match self.next {
            Some(next) if event.seq > next => {
                self.held.entry(event.seq).or_insert(event);
                self.held_since.get_or_insert_with(Instant::now);
                return true;
            }
            _ => self.hand_out(event),
        }
        self.release(false);
        !self.held.is_empty()
    }

    /// Hand out the held events that are now in turn, or all of them (`skip`) when the
    /// numbers before them did not come in time.
    fn release(&mut self, skip: bool) {
        while let Some(&seq) = self.held.keys().next() {
            if !skip && self.next != Some(seq) {
                break;
            }
            if let Some(event) = self.held.remove(&seq) {
                self.hand_out(event);
            }
        }
        if self.held.is_empty() {
            self.held_since = None;
        }
    }

    /// Hand out an event read from storage if it is the next one (earlier numbers were
    /// handed out already), remembering it so that its own publisher is ignored.
    fn fill(&mut self, event: LiveEvent) {
        if self.next.is_some_and(|next| event.seq < next) {
            return;
        }
        self.held.remove(&event.seq);
        self.filled.insert(event.seq);
        while self.filled.len() > FILLED_KEPT {
            self.filled.pop_first();
        }
        self.hand_out(event);
        self.release(false);
    }

    fn leave(&mut self, mailbox: &Arc<Mailbox>, audience: Audience) {
        let list = match audience {
            Audience::Everything => &mut self.everything,
            Audience::Client(id) => match self.clients.get_mut(&id) {
                Some(list) => list,
                None => return,
            },
        };
        list.retain(|m| !Arc::ptr_eq(m, mailbox));
        if let Audience::Client(id) = audience
            && self.clients.get(&id).is_some_and(Vec::is_empty)
        {
            self.clients.remove(&id);
        }
    }
}

#[derive(Clone)]
pub struct Hub {
    lines: Arc<Mutex<HashMap<u64, Line>>>,
    signals: broadcast::Sender<Relayed>,
    /// The log the events are committed to, read to fill gaps (none in unit tests).
    log: Option<Arc<dyn Storage>>,
    /// How long an event published ahead of its turn waits before a gap that could not be
    /// filled is skipped.
    hold: Duration,
    /// Committed actions' outcomes on their way to the hub (see [`in_order`]).
    in_order: in_order::InOrder,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            lines: Arc::default(),
            signals: broadcast::channel(SIGNAL_BUFFER).0,
            log: None,
            hold: HOLD,
            in_order: in_order::InOrder::default(),
        }
    }
}

impl Hub {
    /// A hub that fills gaps from `log` and skips a number only after `hold`.
    pub fn new(log: Arc<dyn Storage>, hold: Duration) -> Hub {
        Hub {
            log: Some(log),
            hold,
            ..Hub::default()
        }
    }

    pub fn publish(&self, events: &[StoredEvent]) {
        crate::metrics::metrics().published(events);
        crate::audit::remote_events(events);
        // Encoded before taking the lock: the lock only queues.
        let encoded: Vec<LiveEvent> = events.iter().map(LiveEvent::new).collect();
        let mut waiting = BTreeSet::new();
        {
            let mut lines = lock(&self.lines);
            for event in encoded {
                let line = event.line;
                // No subscriber yet is fine: the event is in storage. The line's place is
                // kept so that its order is known when one comes.
                let routes = lines.entry(line).or_default();
                let stale = routes
                    .held_since
                    .is_some_and(|since| since.elapsed() >= self.hold);
                if routes.publish(event) {
                    if stale {
                        routes.release(true);
                    } else {
                        waiting.insert(line);
                    }
                }
            }
        }
        for line in waiting {
            self.release_later(line);
        }
    }

    /// When `line`'s gap is still open after [`FILL_AFTER`], fill it from the log; after the
    /// hold, hand out the held events anyway if the numbers before them never came.
    fn release_later(&self, line: u64) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime (a unit test): the next publish releases them.
            return;
        };
        let hub = self.clone();
        runtime.spawn(async move {
            if hub.log.is_some() {
                let stuck_at = |hub: &Hub| lock(&hub.lines).get(&line).and_then(|l| l.next);
                let before = stuck_at(&hub);
                tokio::time::sleep(FILL_AFTER).await;
                // Only the same gap, still open: one that closed on its own (the usual case
                // under load, publishers racing) costs no read.
                let gap = lock(&hub.lines).get(&line).and_then(|l| {
                    let first_held = *l.held.keys().next()?;
                    (l.next == before).then_some(first_held)
                });
                if let Some(first_held) = gap {
                    hub.fill(line, Some(first_held)).await;
                }
            }
            loop {
                let left = {
                    let mut lines = lock(&hub.lines);
                    let Some(routes) = lines.get_mut(&line) else {
                        return;
                    };
                    let Some(since) = routes.held_since else {
                        return;
                    };
                    let left = hub.hold.saturating_sub(since.elapsed());
                    if left.is_zero() {
                        routes.release(true);
                        return;
                    }
                    left
                };
                tokio::time::sleep(left).await;
            }
        });
    }

    /// Events of `line` were appended without being published here (the admin API, the CLI
    /// in another process): read them from the log and hand them out now, in order.
    pub fn catch_up(&self, line: u64) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let hub = self.clone();
        runtime.spawn(async move { hub.fill(line, None).await });
    }

    /// Whether the log's `head` of `line` is past what the hub handed out (while the hub
    /// follows the line at all).
    pub fn lags(&self, line: u64, head: u64) -> bool {
        lock(&self.lines)
            .get(&line)
            .and_then(|l| l.next)
            .is_some_and(|next| head >= next)
    }

    /// Read `line`'s events after the last one handed out from the log (up to `until`, or
    /// to the log's head) and hand them out, one read at a time per line.
    async fn fill(&self, line: u64, until: Option<u64>) {
        let Some(log) = self.log.clone() else {
            return;
        };
        let after = {
            let mut lines = lock(&self.lines);
            let Some(routes) = lines.get_mut(&line) else {
                return;
            };
            let Some(next) = routes.next else {
                // Nobody follows the line from a known place: sessions read it from storage.
                return;
            };
            if routes.filling {
                return;
            }
            routes.filling = true;
            next.saturating_sub(1)
        };
        let hub = self.clone();
        let read = tokio::task::spawn_blocking(move || -> Result<(), StorageError> {
            let mut after = after;
            loop {
                let wanted = until.map_or(FILL_PAGE, |until| {
                    let gap = until.saturating_sub(after + 1);
                    u32::try_from(gap).unwrap_or(FILL_PAGE).min(FILL_PAGE)
                });
                if wanted == 0 {
                    return Ok(());
                }
                let page = log.events_after(line, after, wanted)?;
                let Some(last) = page.last().map(|e| e.seq) else {
                    return Ok(());
                };
                after = last;
                let encoded: Vec<LiveEvent> = page.iter().map(LiveEvent::new).collect();
                let mut lines = lock(&hub.lines);
                let routes = lines.entry(line).or_default();
                for event in encoded {
                    routes.fill(event);
                }
                drop(lines);
                if page.len() < wanted as usize {
                    return Ok(());
                }
            }
        })
        .await;
        if let Ok(Err(err)) = read {
            // The hold skips the gap instead.
            eprintln!("linedesk-server: reading line {line} for the hub: {err}");
        }
        if let Some(routes) = lock(&self.lines).get_mut(&line) {
            routes.filling = false;
        }
    }

    /// Send `line`'s events for `audience` to `mailbox` from now on; the line's epoch now,
    /// which the session keeps with the cursor it reads from storage next.
    pub fn subscribe(&self, line: u64, audience: Audience, mailbox: &Arc<Mailbox>) -> u64 {
        let mut lines = lock(&self.lines);
        let routes = lines.entry(line).or_default();
        match audience {
            Audience::Everything => routes.everything.push(mailbox.clone()),
            Audience::Client(id) => routes.clients.entry(id).or_default().push(mailbox.clone()),
        }
        routes.epoch
    }

    /// Tell the hub where `line` stands when it has handed out nothing of it yet: every
    /// event up to `head` is committed (a session just read them from storage). Its next
    /// events are then in turn instead of starting an epoch each client session must read
    /// back from storage for. Sessions that followed the line before may have read less, so
    /// the epoch changes: the new epoch when the hub took it (the caller, who read up to
    /// `head`, keeps it), `None` when the hub already knew.
    pub fn seed(&self, line: u64, head: u64) -> Option<u64> {
        let mut lines = lock(&self.lines);
        let routes = lines.entry(line).or_default();
        if routes.next.is_some() {
            return None;
        }
        routes.next = Some(head + 1);
        routes.epoch += 1;
        Some(routes.epoch)
    }

    /// Whether the hub knows where `line` stands (see [`Hub::seed`]).
    pub fn knows(&self, line: u64) -> bool {
        lock(&self.lines)
            .get(&line)
            .is_some_and(|l| l.next.is_some())
    }

    /// The line's epoch now (read before reading the line back from storage).
    pub fn epoch(&self, line: u64) -> u64 {
        lock(&self.lines).get(&line).map_or(0, |l| l.epoch)
    }

    /// Stop sending `lines` to `mailbox`.
    pub fn leave(&self, lines: &[u64], audience: Audience, mailbox: &Arc<Mailbox>) {
        let mut routes = lock(&self.lines);
        for line in lines {
            if let Some(line) = routes.get_mut(line) {
                line.leave(mailbox, audience);
            }
        }
    }

    /// Hand a call signal to every live session; only its addressee's forward it.
    pub fn relay(&self, signal: Relayed) {
        let _ = self.signals.send(signal);
    }

    pub fn signals(&self) -> broadcast::Receiver<Relayed> {
        self.signals.subscribe()
    }
}

mod in_order;
pub use in_order::Outcome;

#[cfg(test)]
mod tests;
