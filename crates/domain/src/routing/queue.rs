//! The line's queue (A2): higher priority first, first come first served within a priority,
//! ties by arrival order, which is unique, so the order is always the same. The two tiers of a
//! two-level line (A3) wait in one order but are kept apart, so finding the first appeal of a
//! tier never walks past the other tier's.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::iter::Peekable;

use serde::{Deserialize, Serialize};

use crate::appeal::SupportTier;
use crate::ids::AppealId;

/// A queued appeal: its priority (e.g. VIP clients higher) and its arrival order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct QueueKey {
    /// Reversed so that the smallest key is the highest priority.
    priority: Reverse<u8>,
    seq: u64,
    appeal: AppealId,
}

fn slot(tier: SupportTier) -> usize {
    match tier {
        SupportTier::First => 0,
        SupportTier::Second => 1,
    }
}

/// The line's queue: fair (FIFO within a priority), deterministic.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LineQueue {
    tiers: [BTreeSet<QueueKey>; 2],
    keys: HashMap<AppealId, (SupportTier, QueueKey)>,
    next_seq: u64,
}

impl LineQueue {
    /// Queue a first-tier appeal (a one-level line has only that tier).
    pub fn push(&mut self, appeal: AppealId, priority: u8) {
        self.push_in_tier(appeal, priority, SupportTier::First);
    }

    /// Queue an appeal behind everything already waiting with its priority. Pushing an appeal
    /// already queued changes nothing.
    pub fn push_in_tier(&mut self, appeal: AppealId, priority: u8, tier: SupportTier) {
        if self.keys.contains_key(&appeal) {
            return;
        }
        let key = QueueKey {
            priority: Reverse(priority),
            seq: self.next_seq,
            appeal,
        };
        self.next_seq += 1;
        self.tiers[slot(tier)].insert(key);
        self.keys.insert(appeal, (tier, key));
    }

    pub fn pop(&mut self) -> Option<AppealId> {
        let front = self.front()?;
        self.remove(front);
        Some(front)
    }

    pub fn remove(&mut self, appeal: AppealId) -> bool {
        match self.keys.remove(&appeal) {
            Some((tier, key)) => self.tiers[slot(tier)].remove(&key),
            None => false,
        }
    }

    /// The appeal that will be served next.
    pub fn front(&self) -> Option<AppealId> {
        self.iter().next()
    }

    pub fn contains(&self, appeal: AppealId) -> bool {
        self.keys.contains_key(&appeal)
    }

    pub fn tier_of(&self, appeal: AppealId) -> Option<SupportTier> {
        self.keys.get(&appeal).map(|(tier, _)| *tier)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Queued appeals in the order they will be served.
    pub fn iter(&self) -> impl Iterator<Item = AppealId> + '_ {
        Merge {
            a: self.tiers[0].iter().peekable(),
            b: self.tiers[1].iter().peekable(),
        }
        .map(|k| k.appeal)
    }

    /// Queued appeals of one tier, in order.
    pub fn iter_tier(&self, tier: SupportTier) -> impl Iterator<Item = AppealId> + '_ {
        self.tiers[slot(tier)].iter().map(|k| k.appeal)
    }

    /// The first appeal of `tier` that `pred` accepts, with its place in the common order.
    pub(crate) fn first_in_tier(
        &self,
        tier: SupportTier,
        mut pred: impl FnMut(AppealId) -> bool,
    ) -> Option<QueueKey> {
        self.tiers[slot(tier)]
            .iter()
            .find(|k| pred(k.appeal))
            .copied()
    }
}

impl QueueKey {
    pub(crate) fn appeal(&self) -> AppealId {
        self.appeal
    }
}

/// Two ordered iterators as one.
struct Merge<'a, I: Iterator<Item = &'a QueueKey>> {
    a: Peekable<I>,
    b: Peekable<I>,
}

impl<'a, I: Iterator<Item = &'a QueueKey>> Iterator for Merge<'a, I> {
    type Item = &'a QueueKey;

    fn next(&mut self) -> Option<Self::Item> {
        match (self.a.peek(), self.b.peek()) {
            (Some(x), Some(y)) if y < x => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}
