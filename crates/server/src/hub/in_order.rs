//! Actions' outcomes from the storage's committer to the hub and to their sessions, in commit
//! order. The committer's thread only queues each outcome ([`Hub::in_order`]); one task of the
//! runtime takes whatever has queued, publishes the events (encoded once, in sequence: nothing
//! is held for an earlier number) and answers each session. The committer goes on with its
//! next batch meanwhile, and a session woken by the task finds the events of every action the
//! task took at once.

use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use super::Hub;
use crate::storage::{Applied, StorageError, StoredEvent};

/// An action's outcome and the session waiting for it.
pub type Outcome = Result<Applied, StorageError>;
pub(super) type Ordered = (Outcome, oneshot::Sender<Outcome>);

/// Outcomes taken by the task at once at most.
const TAKEN: usize = 1024;

/// The queue of [`Hub::in_order`], made on first use (it needs the runtime).
pub(super) type InOrder = Arc<OnceLock<mpsc::UnboundedSender<Ordered>>>;

impl Hub {
    /// Where a committing thread hands each outcome, in commit order ([`Handing::hand`]); made
    /// here, on the runtime (its task starts on first use).
    pub fn in_order(&self) -> Handing {
        let queue = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            self.in_order
                .get_or_init(|| self.start_in_order(&runtime))
                .clone()
        });
        Handing {
            queue,
            hub: self.clone(),
        }
    }

    fn start_in_order(&self, runtime: &tokio::runtime::Handle) -> mpsc::UnboundedSender<Ordered> {
        let (queue, mut queued) = mpsc::unbounded_channel::<Ordered>();
        // The task's hub has no queue of its own: the task ends when the last sender (this
        // hub's) is dropped.
        let hub = Hub {
            in_order: InOrder::default(),
            ..self.clone()
        };
        runtime.spawn(async move {
            let mut taken = Vec::with_capacity(TAKEN);
            while queued.recv_many(&mut taken, TAKEN).await > 0 {
                publish_and_answer(&hub, std::mem::take(&mut taken));
            }
        });
        queue
    }
}

/// One action's way to the hub (see [`Hub::in_order`]).
pub struct Handing {
    /// `None` outside a runtime (a unit test): published at once.
    queue: Option<mpsc::UnboundedSender<Ordered>>,
    hub: Hub,
}

impl Handing {
    /// Hand `outcome` over: its events are published after those of every outcome handed
    /// before it, then `answer` gets it.
    pub fn hand(self, outcome: Outcome, answer: oneshot::Sender<Outcome>) {
        let refused = match &self.queue {
            Some(queue) => match queue.send((outcome, answer)) {
                Ok(()) => return,
                // The task is gone (the runtime is shutting down).
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
