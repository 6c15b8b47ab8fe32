//! Actions' outcomes from the storage's committer to the hub and to their sessions, in commit
//! order. The committer's thread only queues each outcome ([`Handing::hand`]); the hub's own
//! thread takes whatever has queued, publishes the events (encoded once, in sequence: nothing
//! is held for an earlier number) and answers each session. The committer goes on with its
//! next batch meanwhile, and a session woken for these events finds those of every action
//! taken at once. A thread rather than a task of the runtime: publishing must not wait behind
//! the thousands of session tasks it wakes.

use std::sync::mpsc;
use std::sync::{Arc, OnceLock};

use tokio::sync::oneshot;

use super::Hub;
use crate::storage::{Applied, StorageError, StoredEvent};

/// An action's outcome and the session waiting for it.
pub type Outcome = Result<Applied, StorageError>;
pub(super) type Ordered = (Outcome, oneshot::Sender<Outcome>);

/// Outcomes taken at once at most.
const TAKEN: usize = 1024;

/// The queue of [`Hub::in_order`], made on first use; `None` when its thread could not start
/// (then outcomes are published where they are handed).
pub(super) type InOrder = Arc<OnceLock<Option<mpsc::Sender<Ordered>>>>;

impl Hub {
    /// Where a committing thread hands each outcome, in commit order ([`Handing::hand`]).
    pub fn in_order(&self) -> Handing {
        let queue = self.in_order.get_or_init(|| self.start_in_order()).clone();
        Handing {
            queue,
            hub: self.clone(),
        }
    }

    fn start_in_order(&self) -> Option<mpsc::Sender<Ordered>> {
        let (queue, queued) = mpsc::channel::<Ordered>();
        // The thread's hub has no queue of its own: the thread ends when the last sender (this
        // hub's) is dropped.
        let hub = Hub {
            in_order: InOrder::default(),
            ..self.clone()
        };
        // Started from a session: the thread enters its runtime, where a gap left by events
        // published elsewhere (an upload, the CLI) is filled or skipped on a timer.
        let runtime = tokio::runtime::Handle::try_current().ok();
        std::thread::Builder::new()
            .name("linedesk-hub".into())
            .spawn(move || {
                let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
                while let Ok(first) = queued.recv() {
                    let mut taken = vec![first];
                    taken.extend(queued.try_iter().take(TAKEN - 1));
                    publish_and_answer(&hub, taken);
                }
            })
            .ok()
            .map(|_| queue)
    }
}

/// One action's way to the hub (see [`Hub::in_order`]).
pub struct Handing {
    queue: Option<mpsc::Sender<Ordered>>,
    hub: Hub,
}

impl Handing {
    /// Hand `outcome` over: its events are published after those of every outcome handed
    /// before it, then `answer` gets it.
    pub fn hand(self, outcome: Outcome, answer: oneshot::Sender<Outcome>) {
        let refused = match &self.queue {
            Some(queue) => match queue.send((outcome, answer)) {
                Ok(()) => return,
                Err(refused) => refused.0,
            },
            None => (outcome, answer),
        };
        publish_and_answer(&self.hub, vec![refused]);
    }
}

fn publish_and_answer(hub: &Hub, taken: Vec<Ordered>) {
    let events: Vec<StoredEvent> = taken
        .iter()
        .filter_map(|(outcome, _)| match outcome {
            Ok(Applied::Done(events)) => Some(events.iter().cloned()),
            _ => None,
        })
        .flatten()
        .collect();
    hub.publish(&events);
    for (outcome, answer) in taken {
        // A session that is gone is fine: its action is durable.
        let _ = answer.send(outcome);
    }
}
