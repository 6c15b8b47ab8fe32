//! Appeals (A1, A3-A6): one episode of work with a client.
//!
//! An [`Appeal`] is a checked state machine: each transition is a method that either returns
//! the [`AppealEvent`] it caused (who, when, what, why) or an [`AppealError`] and leaves the
//! appeal as it was. Finished and spam appeals are terminal.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AppealId, ClientId, LineId, SpecialistId};

pub mod closing;
pub mod colleague;
pub mod kind;
pub mod list;
pub mod stats;

pub use list::{AppealFilter, AppealOrder, AppealStatus, select};
pub use stats::{OperatorStats, operator_stats};

/// A1: what opened the appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from Tauri Specta's runtime `Channel` in the app's bindings (JSON is the same).
#[serde(rename = "OpeningChannel", rename_all = "snake_case")]
pub enum Channel {
    Message,
    Call,
    RemoteSession,
    File,
    /// Started by the specialist by hand.
    Manual,
}

/// A3: the two levels of a two-level line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SupportTier {
    First,
    Second,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AppealState {
    /// In the line's queue: nobody eligible, or sent to a level or another line.
    Queued,
    /// A specialist works on it.
    Assigned { specialist: SpecialistId },
    /// The specialist waits for the client (S4: the resolution clock pauses).
    WaitingForClient { specialist: SpecialistId },
    /// A4: finished with an outcome.
    Finished { result: String, by: Actor },
    /// A6: marked as spam.
    Spam,
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Actor {
    Specialist(SpecialistId),
    Client(ClientId),
    /// Routing, timers and other automatic rules.
    System,
}

/// A3: where a transfer sends the appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "to", content = "id")]
pub enum TransferTarget {
    Colleague(SpecialistId),
    Tier(SupportTier),
    Line(LineId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AppealEventKind {
    Opened {
        channel: Channel,
    },
    Assigned {
        specialist: SpecialistId,
    },
    TakenFromQueue {
        specialist: SpecialistId,
    },
    Transferred {
        target: TransferTarget,
        reason: String,
    },
    /// Routing took the appeal back from its holder (P4: they went Do not disturb or Offline).
    Requeued {
        reason: String,
    },
    WaitingForClient,
    Resumed,
    Finished {
        result: String,
    },
    AutoFinished {
        idle_minutes: i64,
    },
    MarkedSpam,
    Rated {
        score: u8,
        comment: String,
    },
}

/// Every transition yields one event: the appeal's history and the input of reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppealEvent {
    pub appeal: AppealId,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub kind: AppealEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppealError {
    #[error("the appeal is {state}, which does not allow {action}")]
    IllegalTransition {
        state: &'static str,
        action: &'static str,
    },
    #[error("a transfer needs a reason")]
    ReasonRequired,
    #[error("a finished appeal needs a result")]
    ResultRequired,
    #[error("only the specialist holding the appeal can do that")]
    NotHolder,
    #[error("the appeal is already with that specialist")]
    SameSpecialist,
    #[error("the appeal is already on that line")]
    SameLine,
    #[error("a rating is from 1 to 5, got {0}")]
    BadScore(u8),
    #[error("the appeal was already rated")]
    AlreadyRated,
    /// A4: a closing phrase was sent; the client's reaction is awaited until `until`.
    #[error("the client's reaction to the closing phrase is awaited until {until}")]
    ClientReactionAwaited { until: DateTime<Utc> },
    /// C9: a colleague holds the client's appeal; writing into it needs a confirmation.
    #[error("a colleague holds this appeal: confirm to write into it")]
    HeldByColleague,
    /// S5: the chosen type is none of the line's appeal types.
    #[error("the line has no appeal type {0:?}")]
    UnknownType(String),
}

impl AppealError {
    /// A stable code for the UI and the wire.
    pub fn code(&self) -> &'static str {
        match self {
            AppealError::IllegalTransition { .. } => "appeal.illegal_transition",
            AppealError::ReasonRequired => "appeal.reason_required",
            AppealError::ResultRequired => "appeal.result_required",
            AppealError::NotHolder => "appeal.not_holder",
            AppealError::SameSpecialist => "appeal.same_specialist",
            AppealError::SameLine => "appeal.same_line",
            AppealError::BadScore(_) => "appeal.bad_score",
            AppealError::AlreadyRated => "appeal.already_rated",
            AppealError::ClientReactionAwaited { .. } => "appeal.client_reaction_awaited",
            AppealError::HeldByColleague => "appeal.held_by_colleague",
            AppealError::UnknownType(_) => "appeal.unknown_type",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    pub id: AppealId,
    pub line: LineId,
    pub client: ClientId,
    pub channel: Channel,
    pub tier: SupportTier,
    pub opened_at: DateTime<Utc>,
    /// The last message, call or action in the appeal (A5 counts idleness from here).
    pub last_activity: DateTime<Utc>,
    state: AppealState,
    rating: Option<(u8, String)>,
}

impl AppealState {
    fn name(&self) -> &'static str {
        match self {
            AppealState::Queued => "queued",
            AppealState::Assigned { .. } => "assigned",
            AppealState::WaitingForClient { .. } => "waiting for the client",
            AppealState::Finished { .. } => "finished",
            AppealState::Spam => "spam",
        }
    }

    /// A6: the state without its data, for filters and lists.
    pub fn status(&self) -> AppealStatus {
        match self {
            AppealState::Queued => AppealStatus::Queued,
            AppealState::Assigned { .. } => AppealStatus::Assigned,
            AppealState::WaitingForClient { .. } => AppealStatus::WaitingForClient,
            AppealState::Finished { .. } => AppealStatus::Finished,
            AppealState::Spam => AppealStatus::Spam,
        }
    }

    pub fn holder(&self) -> Option<SpecialistId> {
        match self {
            AppealState::Assigned { specialist } | AppealState::WaitingForClient { specialist } => {
                Some(*specialist)
            }
            _ => None,
        }
    }

    pub fn is_open(&self) -> bool {
        !matches!(self, AppealState::Finished { .. } | AppealState::Spam)
    }
}

impl Appeal {
    /// A1: an appeal opens in the queue; routing then assigns it (or a specialist who opened it
    /// by hand takes it at once with [`Appeal::take_from_queue`]).
    pub fn open(
        id: AppealId,
        line: LineId,
        client: ClientId,
        channel: Channel,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> (Appeal, AppealEvent) {
        let appeal = Appeal {
            id,
            line,
            client,
            channel,
            tier: SupportTier::First,
            opened_at: at,
            last_activity: at,
            state: AppealState::Queued,
            rating: None,
        };
        let event = appeal.event(actor, at, AppealEventKind::Opened { channel });
        (appeal, event)
    }

    /// An appeal as a store kept it (its last state, tier, activity and rating), to apply the
    /// next transition to: the server loads a row, restores it here, calls one method and
    /// stores the result, so the rules above are the only ones.
    #[allow(clippy::too_many_arguments)]
    pub fn restore(
        id: AppealId,
        line: LineId,
        client: ClientId,
        channel: Channel,
        tier: SupportTier,
        opened_at: DateTime<Utc>,
        last_activity: DateTime<Utc>,
        state: AppealState,
        rating: Option<(u8, String)>,
    ) -> Appeal {
        Appeal {
            id,
            line,
            client,
            channel,
            tier,
            opened_at,
            last_activity,
            state,
            rating,
        }
    }

    pub fn state(&self) -> &AppealState {
        &self.state
    }

    pub fn rating(&self) -> Option<&(u8, String)> {
        self.rating.as_ref()
    }

    fn event(&self, actor: Actor, at: DateTime<Utc>, kind: AppealEventKind) -> AppealEvent {
        AppealEvent {
            appeal: self.id,
            at,
            actor,
            kind,
        }
    }

    fn illegal(&self, action: &'static str) -> AppealError {
        AppealError::IllegalTransition {
            state: self.state.name(),
            action,
        }
    }

    fn touch(&mut self, at: DateTime<Utc>) {
        if at > self.last_activity {
            self.last_activity = at;
        }
    }

    /// A2: automatic delivery to a specialist.
    pub fn assign(
        &mut self,
        specialist: SpecialistId,
        at: DateTime<Utc>,
    ) -> Result<AppealEvent, AppealError> {
        if self.state != AppealState::Queued {
            return Err(self.illegal("assignment"));
        }
        self.state = AppealState::Assigned { specialist };
        Ok(self.event(Actor::System, at, AppealEventKind::Assigned { specialist }))
    }

    /// A2: a specialist takes the appeal from the queue by hand.
    pub fn take_from_queue(
        &mut self,
        specialist: SpecialistId,
        at: DateTime<Utc>,
    ) -> Result<AppealEvent, AppealError> {
        if self.state != AppealState::Queued {
            return Err(self.illegal("taking from the queue"));
        }
        self.state = AppealState::Assigned { specialist };
        self.touch(at);
        Ok(self.event(
            Actor::Specialist(specialist),
            at,
            AppealEventKind::TakenFromQueue { specialist },
        ))
    }

    pub(crate) fn require_holder(
        &self,
        by: SpecialistId,
        action: &'static str,
    ) -> Result<(), AppealError> {
        match self.state.holder() {
            Some(holder) if holder == by => Ok(()),
            Some(_) => Err(AppealError::NotHolder),
            None => Err(self.illegal(action)),
        }
    }

    /// A3: transfer with a reason; the history goes with the appeal. To a colleague it stays
    /// assigned (to them); to the other tier or another line it goes to that queue.
    pub fn transfer(
        &mut self,
        by: SpecialistId,
        target: TransferTarget,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<AppealEvent, AppealError> {
        self.require_holder(by, "transfer")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppealError::ReasonRequired);
        }
        match target {
            TransferTarget::Colleague(to) if to == by => return Err(AppealError::SameSpecialist),
            TransferTarget::Colleague(to) => self.state = AppealState::Assigned { specialist: to },
            TransferTarget::Tier(tier) => {
                self.tier = tier;
                self.state = AppealState::Queued;
            }
            TransferTarget::Line(line) if line == self.line => return Err(AppealError::SameLine),
            TransferTarget::Line(line) => {
                self.line = line;
                self.tier = SupportTier::First;
                self.state = AppealState::Queued;
            }
        }
        self.touch(at);
        Ok(self.event(
            Actor::Specialist(by),
            at,
            AppealEventKind::Transferred {
                target,
                reason: reason.to_string(),
            },
        ))
    }

    /// Routing took the appeal back from its holder (P4: they went Do not disturb or Offline
    /// while the client wrote); it waits in the queue of its line and tier.
    pub fn requeue(&mut self, reason: &str, at: DateTime<Utc>) -> Result<AppealEvent, AppealError> {
        if self.state.holder().is_none() {
            return Err(self.illegal("requeueing"));
        }
        self.state = AppealState::Queued;
        Ok(self.event(
            Actor::System,
            at,
            AppealEventKind::Requeued {
                reason: reason.trim().to_string(),
            },
        ))
    }

    /// S4: the specialist waits for the client.
    pub fn wait_for_client(
        &mut self,
        by: SpecialistId,
        at: DateTime<Utc>,
    ) -> Result<AppealEvent, AppealError> {
        self.require_holder(by, "waiting")?;
        if !matches!(self.state, AppealState::Assigned { .. }) {
            return Err(self.illegal("waiting"));
        }
        self.state = AppealState::WaitingForClient { specialist: by };
        self.touch(at);
        Ok(self.event(Actor::Specialist(by), at, AppealEventKind::WaitingForClient))
    }

    /// S4: the client answered (or the specialist resumed): work goes on.
    pub fn resume(&mut self, actor: Actor, at: DateTime<Utc>) -> Result<AppealEvent, AppealError> {
        let AppealState::WaitingForClient { specialist } = self.state else {
            return Err(self.illegal("resuming"));
        };
        self.state = AppealState::Assigned { specialist };
        self.touch(at);
        Ok(self.event(actor, at, AppealEventKind::Resumed))
    }

    /// A message, call or other activity in the appeal (A5 idleness restarts).
    pub fn record_activity(&mut self, at: DateTime<Utc>) {
        self.touch(at);
    }

    /// A4: finish with a result.
    pub fn finish(
        &mut self,
        by: SpecialistId,
        result: &str,
        at: DateTime<Utc>,
    ) -> Result<AppealEvent, AppealError> {
        self.require_holder(by, "finishing")?;
        let result = result.trim();
        if result.is_empty() {
            return Err(AppealError::ResultRequired);
        }
        self.state = AppealState::Finished {
            result: result.to_string(),
            by: Actor::Specialist(by),
        };
        Ok(self.event(
            Actor::Specialist(by),
            at,
            AppealEventKind::Finished {
                result: result.to_string(),
            },
        ))
    }

    /// A5: finish automatically when nothing happened for `idle_limit`. Returns the event when
    /// it finished the appeal, `None` when it is not yet idle long enough or nobody holds it:
    /// auto-finish is the holder's setting, and a queued appeal is a client still waiting for
    /// an answer, not an idle conversation.
    pub fn auto_finish(
        &mut self,
        now: DateTime<Utc>,
        idle_limit: TimeDelta,
    ) -> Option<AppealEvent> {
        self.state.holder()?;
        if !idle_long_enough(self.last_activity, now, idle_limit) {
            return None;
        }
        let idle_minutes = now.signed_duration_since(self.last_activity).num_minutes();
        self.state = AppealState::Finished {
            result: "auto".into(),
            by: Actor::System,
        };
        Some(self.event(
            Actor::System,
            now,
            AppealEventKind::AutoFinished { idle_minutes },
        ))
    }

    /// A6: mark as spam (from any open state).
    pub fn mark_spam(
        &mut self,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<AppealEvent, AppealError> {
        if !self.state.is_open() {
            return Err(self.illegal("marking as spam"));
        }
        self.state = AppealState::Spam;
        Ok(self.event(actor, at, AppealEventKind::MarkedSpam))
    }

    /// A4: the client rates a finished appeal (1-5) with an optional comment, once.
    pub fn rate(
        &mut self,
        score: u8,
        comment: &str,
        at: DateTime<Utc>,
    ) -> Result<AppealEvent, AppealError> {
        if !matches!(self.state, AppealState::Finished { .. }) {
            return Err(self.illegal("rating"));
        }
        if !(1..=5).contains(&score) {
            return Err(AppealError::BadScore(score));
        }
        if self.rating.is_some() {
            return Err(AppealError::AlreadyRated);
        }
        let comment = comment.trim().to_string();
        self.rating = Some((score, comment.clone()));
        Ok(self.event(
            Actor::Client(self.client),
            at,
            AppealEventKind::Rated { score, comment },
        ))
    }
}

/// A5 as a pure decision: idle for at least `limit` (a zero or negative limit never fires).
pub fn idle_long_enough(
    last_activity: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: TimeDelta,
) -> bool {
    limit > TimeDelta::zero() && now.signed_duration_since(last_activity) >= limit
}

#[cfg(test)]
mod restore_tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap_or_default()
    }

    #[test]
    fn a_restored_appeal_keeps_its_rules() {
        let holder = SpecialistId(7);
        let mut a = Appeal::restore(
            AppealId(1),
            LineId(2),
            ClientId(3),
            Channel::Message,
            SupportTier::Second,
            at(10),
            at(20),
            AppealState::Assigned { specialist: holder },
            None,
        );
        assert_eq!(a.tier, SupportTier::Second);
        assert_eq!(
            a.finish(SpecialistId(8), "done", at(30)),
            Err(AppealError::NotHolder)
        );
        assert_eq!(
            a.finish(holder, "  ", at(30)),
            Err(AppealError::ResultRequired)
        );
        assert!(a.finish(holder, "done", at(30)).is_ok());
        let rated = Appeal::restore(
            AppealId(1),
            LineId(2),
            ClientId(3),
            Channel::Message,
            SupportTier::First,
            at(10),
            at(20),
            AppealState::Finished {
                result: "done".into(),
                by: Actor::Specialist(holder),
            },
            Some((4, String::new())),
        );
        assert_eq!(
            rated.clone().rate(5, "", at(40)),
            Err(AppealError::AlreadyRated)
        );
    }
}
