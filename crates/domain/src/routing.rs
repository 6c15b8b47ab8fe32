//! Routing (A2, P3, P4): who gets an appeal, and the line's queue.
//!
//! [`route`] is the decision for one appeal. [`LineQueue`] is the fair queue: higher priority
//! first, first come first served within a priority, ties by appeal id. [`Dispatcher`] holds a
//! line's whole routing state (specialists, queue, who holds what) and applies arrivals,
//! presence changes, transfers, finishes and manual takes, returning what moved.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::ids::{AppealId, SpecialistId};
use crate::presence::PresenceStatus;

/// What routing needs to know of a specialist on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specialist {
    pub id: SpecialistId,
    pub presence: PresenceStatus,
    /// Higher is preferred (the line's specialist priorities, A2).
    pub priority: u8,
    /// Per-line limit of appeals held at once (capacity).
    pub limit: u32,
    /// Appeals held now.
    pub load: u32,
}

impl Specialist {
    /// Automatic delivery may give this specialist one more appeal (A2, P3, P4).
    pub fn eligible(&self) -> bool {
        self.presence.accepts_new_appeals() && self.load < self.limit
    }
}

/// The outcome of routing one appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Assign(SpecialistId),
    Queue,
}

/// A2: choose a specialist for a new appeal of a client, or the queue.
///
/// Among eligible specialists (Available and under their limit; never `exclude`): a specialist
/// responsible for the client first, then the highest priority, then the lowest load, then the
/// lowest id, so the same inputs always give the same answer.
pub fn route<'a>(
    specialists: impl IntoIterator<Item = &'a Specialist>,
    responsible: &[SpecialistId],
    exclude: Option<SpecialistId>,
) -> Decision {
    specialists
        .into_iter()
        .filter(|s| s.eligible() && Some(s.id) != exclude)
        .min_by_key(|s| {
            (
                !responsible.contains(&s.id),
                std::cmp::Reverse(s.priority),
                s.load,
                s.id,
            )
        })
        .map_or(Decision::Queue, |s| Decision::Assign(s.id))
}

/// A queued appeal: its priority (e.g. VIP clients higher) and its arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct QueueKey {
    /// Reversed so that the smallest key is the highest priority.
    priority: std::cmp::Reverse<u8>,
    seq: u64,
    appeal: AppealId,
}

/// The line's queue: fair (FIFO within a priority), deterministic.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LineQueue {
    order: BTreeSet<QueueKey>,
    keys: HashMap<AppealId, QueueKey>,
    next_seq: u64,
}

impl LineQueue {
    pub fn push(&mut self, appeal: AppealId, priority: u8) {
        if self.keys.contains_key(&appeal) {
            return;
        }
        let key = QueueKey {
            priority: std::cmp::Reverse(priority),
            seq: self.next_seq,
            appeal,
        };
        self.next_seq += 1;
        self.order.insert(key);
        self.keys.insert(appeal, key);
    }

    pub fn pop(&mut self) -> Option<AppealId> {
        let key = self.order.pop_first()?;
        self.keys.remove(&key.appeal);
        Some(key.appeal)
    }

    pub fn remove(&mut self, appeal: AppealId) -> bool {
        match self.keys.remove(&appeal) {
            Some(key) => self.order.remove(&key),
            None => false,
        }
    }

    /// The appeal that will be served next.
    pub fn front(&self) -> Option<AppealId> {
        self.order.first().map(|k| k.appeal)
    }

    pub fn contains(&self, appeal: AppealId) -> bool {
        self.keys.contains_key(&appeal)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Queued appeals in the order they will be served.
    pub fn iter(&self) -> impl Iterator<Item = AppealId> + '_ {
        self.order.iter().map(|k| k.appeal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RoutingError {
    #[error("specialist {0} is not on this line")]
    UnknownSpecialist(SpecialistId),
    #[error("appeal {0} is not on this line")]
    UnknownAppeal(AppealId),
    #[error("appeal {0} is already on this line")]
    DuplicateAppeal(AppealId),
    #[error("appeal {0} is not in the queue (someone took it first)")]
    NotQueued(AppealId),
    #[error("a specialist who is {0:?} cannot take appeals")]
    CannotTake(PresenceStatus),
    #[error("appeal {appeal} is not held by specialist {specialist}")]
    NotHolder {
        appeal: AppealId,
        specialist: SpecialistId,
    },
}

impl RoutingError {
    pub fn code(&self) -> &'static str {
        match self {
            RoutingError::UnknownSpecialist(_) => "routing.unknown_specialist",
            RoutingError::UnknownAppeal(_) => "routing.unknown_appeal",
            RoutingError::DuplicateAppeal(_) => "routing.duplicate_appeal",
            RoutingError::NotQueued(_) => "routing.not_queued",
            RoutingError::CannotTake(_) => "routing.cannot_take",
            RoutingError::NotHolder { .. } => "routing.not_holder",
        }
    }
}

/// Where an appeal went as the result of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Movement {
    Assigned { appeal: AppealId, to: SpecialistId },
    Queued { appeal: AppealId },
}

/// One line's routing state. Every appeal on the line is either queued or held by exactly one
/// specialist; finished appeals leave.
#[derive(Debug, Clone, Default)]
pub struct Dispatcher {
    specialists: BTreeMap<SpecialistId, Specialist>,
    queue: LineQueue,
    holders: HashMap<AppealId, SpecialistId>,
    priorities: HashMap<AppealId, u8>,
    responsible: HashMap<AppealId, Vec<SpecialistId>>,
}

impl Dispatcher {
    pub fn new(specialists: impl IntoIterator<Item = Specialist>) -> Dispatcher {
        let mut d = Dispatcher::default();
        for mut s in specialists {
            s.load = 0;
            d.specialists.insert(s.id, s);
        }
        d
    }

    /// A specialist starts serving the line (or their terms change); their load is kept.
    pub fn add_specialist(&mut self, mut s: Specialist) {
        s.load = self.specialists.get(&s.id).map_or(0, |old| old.load);
        self.specialists.insert(s.id, s);
    }

    /// Rebuild state read back from storage: `appeal` is held by `holder`, or queued when
    /// `None`. Nothing is routed (the state is restored exactly as it was).
    pub fn restore(&mut self, appeal: AppealId, priority: u8, holder: Option<SpecialistId>) {
        self.priorities.insert(appeal, priority);
        self.responsible.entry(appeal).or_default();
        match holder {
            Some(to) => {
                self.give(appeal, to);
            }
            None => self.queue.push(appeal, priority),
        }
    }

    pub fn specialist(&self, id: SpecialistId) -> Option<&Specialist> {
        self.specialists.get(&id)
    }

    pub fn specialists(&self) -> impl Iterator<Item = &Specialist> {
        self.specialists.values()
    }

    pub fn queue(&self) -> &LineQueue {
        &self.queue
    }

    pub fn holder(&self, appeal: AppealId) -> Option<SpecialistId> {
        self.holders.get(&appeal).copied()
    }

    pub fn held_by(&self, specialist: SpecialistId) -> Vec<AppealId> {
        let mut held: Vec<AppealId> = self
            .holders
            .iter()
            .filter(|(_, s)| **s == specialist)
            .map(|(a, _)| *a)
            .collect();
        held.sort();
        held
    }

    /// Every appeal the line knows (queued or held).
    pub fn appeals(&self) -> impl Iterator<Item = AppealId> + '_ {
        self.priorities.keys().copied()
    }

    fn give(&mut self, appeal: AppealId, to: SpecialistId) -> Movement {
        self.holders.insert(appeal, to);
        if let Some(s) = self.specialists.get_mut(&to) {
            s.load += 1;
        }
        Movement::Assigned { appeal, to }
    }

    fn release(&mut self, appeal: AppealId) -> Option<SpecialistId> {
        let from = self.holders.remove(&appeal)?;
        if let Some(s) = self.specialists.get_mut(&from) {
            s.load = s.load.saturating_sub(1);
        }
        Some(from)
    }

    fn place(&mut self, appeal: AppealId, exclude: Option<SpecialistId>) -> Movement {
        let responsible = self.responsible.get(&appeal).cloned().unwrap_or_default();
        match route(self.specialists.values(), &responsible, exclude) {
            Decision::Assign(to) => self.give(appeal, to),
            Decision::Queue => {
                let priority = self.priorities.get(&appeal).copied().unwrap_or(0);
                self.queue.push(appeal, priority);
                Movement::Queued { appeal }
            }
        }
    }

    /// Freed capacity pulls from the queue, front first, while anyone is eligible.
    fn drain_queue(&mut self, moves: &mut Vec<Movement>) {
        while let Some(front) = self.queue.front() {
            let responsible = self.responsible.get(&front).cloned().unwrap_or_default();
            let Decision::Assign(to) = route(self.specialists.values(), &responsible, None) else {
                break;
            };
            self.queue.remove(front);
            moves.push(self.give(front, to));
        }
    }

    /// A1/A2: a new appeal arrives on the line.
    pub fn arrive(
        &mut self,
        appeal: AppealId,
        priority: u8,
        responsible: Vec<SpecialistId>,
    ) -> Result<Movement, RoutingError> {
        if self.priorities.contains_key(&appeal) {
            return Err(RoutingError::DuplicateAppeal(appeal));
        }
        self.priorities.insert(appeal, priority);
        self.responsible.insert(appeal, responsible);
        Ok(self.place(appeal, None))
    }

    /// P1-P4: a specialist's presence changed. Do not disturb and Offline hand their open
    /// appeals to colleagues or the queue; becoming Available pulls from the queue.
    pub fn set_presence(
        &mut self,
        id: SpecialistId,
        presence: PresenceStatus,
    ) -> Result<Vec<Movement>, RoutingError> {
        let s = self
            .specialists
            .get_mut(&id)
            .ok_or(RoutingError::UnknownSpecialist(id))?;
        s.presence = presence;
        let mut moves = Vec::new();
        if !presence.receives_open_appeal_messages() {
            for appeal in self.held_by(id) {
                self.release(appeal);
                moves.push(self.place(appeal, Some(id)));
            }
        }
        self.drain_queue(&mut moves);
        Ok(moves)
    }

    /// P4: a client wrote or called in an open appeal. If its holder no longer receives such
    /// messages, the appeal moves to a colleague or the queue.
    pub fn client_activity(&mut self, appeal: AppealId) -> Result<Option<Movement>, RoutingError> {
        if !self.priorities.contains_key(&appeal) {
            return Err(RoutingError::UnknownAppeal(appeal));
        }
        let Some(holder) = self.holder(appeal) else {
            return Ok(None);
        };
        let receives = self
            .specialists
            .get(&holder)
            .is_some_and(|s| s.presence.receives_open_appeal_messages());
        if receives {
            return Ok(None);
        }
        self.release(appeal);
        Ok(Some(self.place(appeal, Some(holder))))
    }

    /// A2: a specialist takes a queued appeal by hand. Exactly one of two racing takes wins.
    /// Manual taking ignores the limit (the specialist chooses) but not Do not disturb or
    /// Offline.
    pub fn take(&mut self, appeal: AppealId, by: SpecialistId) -> Result<Movement, RoutingError> {
        let s = self
            .specialists
            .get(&by)
            .ok_or(RoutingError::UnknownSpecialist(by))?;
        if matches!(
            s.presence,
            PresenceStatus::DoNotDisturb | PresenceStatus::Offline
        ) {
            return Err(RoutingError::CannotTake(s.presence));
        }
        if !self.queue.remove(appeal) {
            return Err(RoutingError::NotQueued(appeal));
        }
        Ok(self.give(appeal, by))
    }

    /// A3: the holder hands the appeal to a colleague (who takes it even when busy or full: it
    /// is a deliberate hand-over, but never to one in Do not disturb or Offline), or back to the
    /// line's queue (another tier or line).
    pub fn transfer(
        &mut self,
        appeal: AppealId,
        from: SpecialistId,
        to: Option<SpecialistId>,
    ) -> Result<Vec<Movement>, RoutingError> {
        if self.holder(appeal) != Some(from) {
            return Err(RoutingError::NotHolder {
                appeal,
                specialist: from,
            });
        }
        if let Some(to) = to {
            let colleague = self
                .specialists
                .get(&to)
                .ok_or(RoutingError::UnknownSpecialist(to))?;
            if !colleague.presence.receives_open_appeal_messages() {
                return Err(RoutingError::CannotTake(colleague.presence));
            }
        }
        self.release(appeal);
        let mut moves = vec![match to {
            Some(to) => self.give(appeal, to),
            None => {
                let priority = self.priorities.get(&appeal).copied().unwrap_or(0);
                self.queue.push(appeal, priority);
                Movement::Queued { appeal }
            }
        }];
        self.drain_queue(&mut moves);
        Ok(moves)
    }

    /// A4/A5/A6: the appeal is finished (or spam) and leaves the line; its capacity is freed.
    pub fn finish(&mut self, appeal: AppealId) -> Result<Vec<Movement>, RoutingError> {
        if self.priorities.remove(&appeal).is_none() {
            return Err(RoutingError::UnknownAppeal(appeal));
        }
        self.responsible.remove(&appeal);
        self.queue.remove(appeal);
        self.release(appeal);
        let mut moves = Vec::new();
        self.drain_queue(&mut moves);
        Ok(moves)
    }
}
