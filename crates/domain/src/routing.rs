//! Routing (A2, P3, P4): who gets an appeal, and the line's queue.
//!
//! [`route`] is the decision for one appeal. [`LineQueue`] is the fair queue: higher priority
//! first, first come first served within a priority, ties by appeal id. [`Dispatcher`] holds a
//! line's whole routing state (specialists, queue, who holds what) and applies arrivals,
//! presence changes, transfers, finishes and manual takes, returning what moved.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::appeal::SupportTier;
use crate::ids::{AppealId, SpecialistId};
use crate::presence::PresenceStatus;

mod appeal_terms;
mod asker;
mod queue;

pub use appeal_terms::{VIP_PRIORITY, appeal_priority, names_specialist, responsible_specialists};
pub use queue::LineQueue;

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
    #[error("appeal {0} is already in that tier")]
    SameTier(AppealId),
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
            RoutingError::SameTier(_) => "routing.same_tier",
        }
    }
}

/// Where an appeal went as the result of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Movement {
    Assigned { appeal: AppealId, to: SpecialistId },
    Queued { appeal: AppealId },
}

fn serves(only: Option<SupportTier>, tier: SupportTier) -> bool {
    only.is_none_or(|only| only == tier)
}

/// One line's routing state. Every appeal on the line is either queued or held by exactly one
/// specialist; finished appeals leave.
///
/// Beyond [`route`]'s rule, the dispatcher knows the two tiers of a two-level line (A3): an
/// appeal goes only to specialists who serve its tier (everyone serves both until
/// [`Dispatcher::set_tiers`] says otherwise), and an appeal handed back to the queue is not
/// routed automatically to the specialist who handed it over (they can still take it by hand).
#[derive(Debug, Clone, Default)]
pub struct Dispatcher {
    /// Each with the only tier they serve (`None`: both).
    specialists: BTreeMap<SpecialistId, (Specialist, Option<SupportTier>)>,
    queue: LineQueue,
    holders: HashMap<AppealId, SpecialistId>,
    priorities: HashMap<AppealId, u8>,
    responsible: HashMap<AppealId, Vec<SpecialistId>>,
    /// Appeals of the second tier (absent: first).
    second_tier: HashMap<AppealId, ()>,
    /// Who handed the appeal back to the queue.
    handed_back_by: HashMap<AppealId, SpecialistId>,
    /// W3: the specialist who asked, as a client of the staff line (`asker.rs`).
    asked_by: HashMap<AppealId, SpecialistId>,
}

impl Dispatcher {
    pub fn new(specialists: impl IntoIterator<Item = Specialist>) -> Dispatcher {
        let mut d = Dispatcher::default();
        for mut s in specialists {
            s.load = 0;
            d.specialists.insert(s.id, (s, None));
        }
        d
    }

    /// A specialist starts serving the line (or their terms change); their load is kept.
    pub fn add_specialist(&mut self, mut s: Specialist) {
        let (load, only) = self
            .specialists
            .get(&s.id)
            .map_or((0, None), |(old, only)| (old.load, *only));
        s.load = load;
        self.specialists.insert(s.id, (s, only));
    }

    /// A2: a specialist no longer serves the line (an admin took them off it). They leave the
    /// team at once, so nothing is routed to them again; the appeals they held go to
    /// colleagues or the queue as any appeal would (to anyone free, in queue order).
    pub fn remove_specialist(&mut self, id: SpecialistId) -> Result<Vec<Movement>, RoutingError> {
        if self.specialists.remove(&id).is_none() {
            return Err(RoutingError::UnknownSpecialist(id));
        }
        for list in self.responsible.values_mut() {
            list.retain(|s| *s != id);
        }
        self.handed_back_by.retain(|_, by| *by != id);
        self.asked_by.retain(|_, by| *by != id);
        let mut moves = Vec::new();
        for appeal in self.held_by(id) {
            self.release(appeal);
            self.place(appeal, &mut moves);
        }
        self.drain_queue(&mut moves);
        Ok(moves)
    }

    /// A3: which tiers of a two-level line a specialist serves (empty or both: both). Appeals
    /// they hold stay with them; the queue is offered to them again.
    pub fn set_tiers(
        &mut self,
        id: SpecialistId,
        tiers: &[SupportTier],
    ) -> Result<Vec<Movement>, RoutingError> {
        let (_, only) = self
            .specialists
            .get_mut(&id)
            .ok_or(RoutingError::UnknownSpecialist(id))?;
        *only = match tiers {
            [one] => Some(*one),
            [first, second] if first == second => Some(*first),
            _ => None,
        };
        let mut moves = Vec::new();
        self.drain_queue(&mut moves);
        Ok(moves)
    }

    /// Rebuild state read back from storage: `appeal` is held by `holder`, or queued when
    /// `None`. Nothing is routed (the state is restored exactly as it was).
    pub fn restore(&mut self, appeal: AppealId, priority: u8, holder: Option<SpecialistId>) {
        self.restore_in_tier(appeal, priority, holder, SupportTier::First);
    }

    /// [`Dispatcher::restore`] an appeal that was sent to a tier of a two-level line (A3).
    pub fn restore_in_tier(
        &mut self,
        appeal: AppealId,
        priority: u8,
        holder: Option<SpecialistId>,
        tier: SupportTier,
    ) {
        if tier == SupportTier::Second {
            self.second_tier.insert(appeal, ());
        }
        self.priorities.insert(appeal, priority);
        self.responsible.entry(appeal).or_default();
        match holder {
            Some(to) => {
                self.give(appeal, to);
            }
            None => self.queue.push(appeal, priority),
        }
    }

    /// After [`Dispatcher::restore`]: the specialists responsible for a restored appeal's
    /// client (C5), offered it first when it is routed again.
    pub fn restore_responsible(&mut self, appeal: AppealId, responsible: Vec<SpecialistId>) {
        if self.priorities.contains_key(&appeal) {
            self.responsible.insert(appeal, responsible);
        }
    }

    pub fn specialist(&self, id: SpecialistId) -> Option<&Specialist> {
        self.specialists.get(&id).map(|(s, _)| s)
    }

    pub fn specialists(&self) -> impl Iterator<Item = &Specialist> {
        self.specialists.values().map(|(s, _)| s)
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

    /// A3: the tier an appeal is in.
    pub fn tier_of(&self, appeal: AppealId) -> SupportTier {
        if self.second_tier.contains_key(&appeal) {
            SupportTier::Second
        } else {
            SupportTier::First
        }
    }

    /// A3: whether a specialist serves a tier.
    pub fn serves(&self, specialist: SpecialistId, tier: SupportTier) -> bool {
        self.specialists
            .get(&specialist)
            .is_some_and(|(_, only)| serves(*only, tier))
    }

    /// Who handed a queued appeal back (automatic delivery skips them for it).
    pub fn handed_back_by(&self, appeal: AppealId) -> Option<SpecialistId> {
        self.handed_back_by.get(&appeal).copied()
    }

    /// The specialist automatic delivery would pick for `appeal` now, if any.
    pub fn candidate(&self, appeal: AppealId) -> Option<SpecialistId> {
        let tier = self.tier_of(appeal);
        let responsible = self.responsible.get(&appeal).map_or(&[][..], Vec::as_slice);
        let asker = self.asked_by(appeal);
        let team = self
            .specialists
            .values()
            .filter(|(s, only)| serves(*only, tier) && Some(s.id) != asker)
            .map(|(s, _)| s);
        match route(team, responsible, self.handed_back_by(appeal)) {
            Decision::Assign(to) => Some(to),
            Decision::Queue => None,
        }
    }

    fn give(&mut self, appeal: AppealId, to: SpecialistId) -> Movement {
        self.holders.insert(appeal, to);
        self.handed_back_by.remove(&appeal);
        if let Some((s, _)) = self.specialists.get_mut(&to) {
            s.load += 1;
        }
        Movement::Assigned { appeal, to }
    }

    fn release(&mut self, appeal: AppealId) -> Option<SpecialistId> {
        let from = self.holders.remove(&appeal)?;
        if let Some((s, _)) = self.specialists.get_mut(&from) {
            s.load = s.load.saturating_sub(1);
        }
        Some(from)
    }

    /// Route an appeal that is neither held nor queued: it joins the queue in its place and
    /// the drain serves the queue in order, so it never overtakes an older appeal someone
    /// could serve. Records where it went.
    fn place(&mut self, appeal: AppealId, moves: &mut Vec<Movement>) {
        let priority = self.priorities.get(&appeal).copied().unwrap_or(0);
        self.queue
            .push_in_tier(appeal, priority, self.tier_of(appeal));
        self.drain_queue(moves);
        if self.queue.contains(appeal) {
            moves.push(Movement::Queued { appeal });
        }
    }

    /// Who could take one more appeal, per tier: at most three ids each, which is enough to
    /// know whether anyone but the one who handed an appeal back and the one who asked it
    /// (W3) is free.
    fn free_per_tier(&self) -> [Vec<SpecialistId>; 2] {
        let mut free: [Vec<SpecialistId>; 2] = Default::default();
        for (s, only) in self.specialists.values().filter(|(s, _)| s.eligible()) {
            for (i, tier) in [SupportTier::First, SupportTier::Second]
                .into_iter()
                .enumerate()
            {
                if free[i].len() < 3 && serves(*only, tier) {
                    free[i].push(s.id);
                }
            }
            if free.iter().all(|f| f.len() == 3) {
                break;
            }
        }
        free
    }

    /// Freed capacity pulls from the queue in queue order, while anyone eligible is left.
    /// An appeal nobody can serve (its tier has nobody free, or only the one who handed it
    /// back is free) does not block those behind it.
    fn drain_queue(&mut self, moves: &mut Vec<Movement>) {
        loop {
            let free = self.free_per_tier();
            if free.iter().all(Vec::is_empty) {
                break;
            }
            // The first servable appeal of each tier; the earlier of the two goes first.
            let next = [SupportTier::First, SupportTier::Second]
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !free[*i].is_empty())
                .filter_map(|(i, tier)| {
                    self.queue.first_in_tier(tier, |appeal| {
                        let skip = [self.handed_back_by(appeal), self.asked_by(appeal)];
                        free[i].iter().any(|id| !skip.contains(&Some(*id)))
                    })
                })
                .min();
            let Some((appeal, to)) =
                next.and_then(|k| Some((k.appeal(), self.candidate(k.appeal())?)))
            else {
                break;
            };
            self.queue.remove(appeal);
            moves.push(self.give(appeal, to));
        }
    }

    /// After [`Dispatcher::restore`]: serve whatever the restored queue holds that someone
    /// could take now (restoring itself moves nothing).
    pub fn rebalance(&mut self) -> Vec<Movement> {
        let mut moves = Vec::new();
        self.drain_queue(&mut moves);
        moves
    }

    /// A1/A2: a new appeal arrives on the line (first tier).
    pub fn arrive(
        &mut self,
        appeal: AppealId,
        priority: u8,
        responsible: Vec<SpecialistId>,
    ) -> Result<Movement, RoutingError> {
        self.arrive_in_tier(appeal, priority, responsible, SupportTier::First)
    }

    /// A1/A2/A3: a new appeal arrives in a tier (e.g. transferred in from another line).
    pub fn arrive_in_tier(
        &mut self,
        appeal: AppealId,
        priority: u8,
        responsible: Vec<SpecialistId>,
        tier: SupportTier,
    ) -> Result<Movement, RoutingError> {
        if self.priorities.contains_key(&appeal) {
            return Err(RoutingError::DuplicateAppeal(appeal));
        }
        self.priorities.insert(appeal, priority);
        self.responsible.insert(appeal, responsible);
        if tier == SupportTier::Second {
            self.second_tier.insert(appeal, ());
        }
        let mut moves = Vec::new();
        self.place(appeal, &mut moves);
        // From a settled state only this appeal can move; find where it went.
        let placed = moves
            .iter()
            .find(|m| match m {
                Movement::Assigned { appeal: a, .. } | Movement::Queued { appeal: a } => {
                    *a == appeal
                }
            })
            .copied()
            .unwrap_or(Movement::Queued { appeal });
        Ok(placed)
    }

    /// A1/A2: a specialist reached out first (a message, a file, a call, a remote session) to a
    /// client with no open appeal: the new appeal is theirs at once, past their limit as a
    /// manual take is; one in Do not disturb or Offline takes nothing (P4), so it arrives as any
    /// new appeal, `responsible` first.
    pub fn arrive_for(
        &mut self,
        appeal: AppealId,
        priority: u8,
        responsible: Vec<SpecialistId>,
        by: SpecialistId,
    ) -> Result<Movement, RoutingError> {
        let present = self.specialist(by).is_some_and(|s| {
            !matches!(
                s.presence,
                PresenceStatus::DoNotDisturb | PresenceStatus::Offline
            )
        });
        if !present {
            return self.arrive(appeal, priority, responsible);
        }
        if self.priorities.contains_key(&appeal) {
            return Err(RoutingError::DuplicateAppeal(appeal));
        }
        self.priorities.insert(appeal, priority);
        self.responsible.insert(appeal, responsible);
        Ok(self.give(appeal, by))
    }

    /// P1-P4: a specialist's presence changed. Do not disturb and Offline hand their open
    /// appeals to colleagues or the queue; becoming Available pulls from the queue.
    pub fn set_presence(
        &mut self,
        id: SpecialistId,
        presence: PresenceStatus,
    ) -> Result<Vec<Movement>, RoutingError> {
        let (s, _) = self
            .specialists
            .get_mut(&id)
            .ok_or(RoutingError::UnknownSpecialist(id))?;
        s.presence = presence;
        let mut moves = Vec::new();
        if !presence.receives_open_appeal_messages() {
            for appeal in self.held_by(id) {
                self.release(appeal);
                self.place(appeal, &mut moves);
            }
        }
        self.drain_queue(&mut moves);
        Ok(moves)
    }

    /// Whether [`Dispatcher::client_activity`] leaves everything as it is: the appeal is
    /// unheld, or held by someone who still receives its messages (most messages of a
    /// client). Lets a caller skip copying the dispatcher to change nothing.
    pub fn client_activity_changes_nothing(&self, appeal: AppealId) -> Result<bool, RoutingError> {
        if !self.priorities.contains_key(&appeal) {
            return Err(RoutingError::UnknownAppeal(appeal));
        }
        let Some(holder) = self.holder(appeal) else {
            return Ok(true);
        };
        Ok(self
            .specialist(holder)
            .is_some_and(|s| s.presence.receives_open_appeal_messages()))
    }

    /// P4: a client wrote or called in an open appeal. If its holder no longer receives such
    /// messages, the appeal moves to a colleague or the queue.
    pub fn client_activity(&mut self, appeal: AppealId) -> Result<Option<Movement>, RoutingError> {
        if self.client_activity_changes_nothing(appeal)? {
            return Ok(None);
        }
        self.release(appeal);
        let mut moves = Vec::new();
        self.place(appeal, &mut moves);
        Ok(moves.into_iter().find(|m| match m {
            Movement::Assigned { appeal: a, .. } | Movement::Queued { appeal: a } => *a == appeal,
        }))
    }

    /// A2: a specialist takes a queued appeal by hand. Exactly one of two racing takes wins.
    /// Manual taking ignores the limit and the tier (the specialist chooses) but not Do not
    /// disturb or Offline.
    pub fn take(&mut self, appeal: AppealId, by: SpecialistId) -> Result<Movement, RoutingError> {
        let s = self
            .specialist(by)
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

    fn check_holder(&self, appeal: AppealId, from: SpecialistId) -> Result<(), RoutingError> {
        if self.holder(appeal) == Some(from) {
            Ok(())
        } else {
            Err(RoutingError::NotHolder {
                appeal,
                specialist: from,
            })
        }
    }

    /// A3: the holder hands the appeal to a colleague (who takes it even when busy or full: it
    /// is a deliberate hand-over, but never to one in Do not disturb or Offline), or back to
    /// the line's queue, from which it goes to anyone but them.
    pub fn transfer(
        &mut self,
        appeal: AppealId,
        from: SpecialistId,
        to: Option<SpecialistId>,
    ) -> Result<Vec<Movement>, RoutingError> {
        self.check_holder(appeal, from)?;
        if let Some(to) = to {
            let colleague = self
                .specialist(to)
                .ok_or(RoutingError::UnknownSpecialist(to))?;
            if !colleague.presence.receives_open_appeal_messages() {
                return Err(RoutingError::CannotTake(colleague.presence));
            }
        }
        self.release(appeal);
        let mut moves = Vec::new();
        match to {
            Some(to) => {
                moves.push(self.give(appeal, to));
                self.drain_queue(&mut moves);
            }
            None => {
                self.handed_back_by.insert(appeal, from);
                self.place(appeal, &mut moves);
            }
        }
        Ok(moves)
    }

    /// A3: the holder sends the appeal to the other tier of a two-level line; it goes to a
    /// specialist of that tier or waits in the queue for one.
    pub fn transfer_to_tier(
        &mut self,
        appeal: AppealId,
        from: SpecialistId,
        tier: SupportTier,
    ) -> Result<Vec<Movement>, RoutingError> {
        self.check_holder(appeal, from)?;
        if self.tier_of(appeal) == tier {
            return Err(RoutingError::SameTier(appeal));
        }
        match tier {
            SupportTier::Second => self.second_tier.insert(appeal, ()),
            SupportTier::First => self.second_tier.remove(&appeal),
        };
        self.release(appeal);
        self.handed_back_by.insert(appeal, from);
        let mut moves = Vec::new();
        self.place(appeal, &mut moves);
        Ok(moves)
    }

    /// A4/A5/A6: the appeal is finished (or spam, or transferred to another line) and leaves
    /// the line; its capacity is freed.
    pub fn finish(&mut self, appeal: AppealId) -> Result<Vec<Movement>, RoutingError> {
        if self.priorities.remove(&appeal).is_none() {
            return Err(RoutingError::UnknownAppeal(appeal));
        }
        self.responsible.remove(&appeal);
        self.second_tier.remove(&appeal);
        self.handed_back_by.remove(&appeal);
        self.asked_by.remove(&appeal);
        self.queue.remove(appeal);
        self.release(appeal);
        let mut moves = Vec::new();
        self.drain_queue(&mut moves);
        Ok(moves)
    }
}
