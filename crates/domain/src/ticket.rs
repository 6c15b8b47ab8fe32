//! Tickets (T1-T5): service requests tracked in the line independently of appeals.
//!
//! States follow T2. Every action is checked against the state and appended to the ticket's
//! history (who, when, what, comment); an illegal one returns [`TicketError`] and changes
//! nothing.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ClientId, LineId, QueueId, SpecialistId};

/// T2: where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// New (saved in the creator's folder) or taken from a queue by a worker.
    Open,
    /// Sent to a queue, not yet worked.
    OpenDispatch,
    /// Returned by the worker as wrongly created, with a reason: the creator must fix it.
    OpenRejectReturn,
    /// Moved to another queue.
    OpenForwarded,
    /// Out of folders; found by search.
    Closed,
}

impl TicketState {
    /// The label the product documents use.
    pub fn label(self) -> &'static str {
        match self {
            TicketState::Open => "OPEN",
            TicketState::OpenDispatch => "OPEN-DISPATCH",
            TicketState::OpenRejectReturn => "OPEN-REJECT RETURN",
            TicketState::OpenForwarded => "OPEN-FORWARDED",
            TicketState::Closed => "CLOSED",
        }
    }
}

/// T4/T5: a number a specialist can read to a client over the phone and find again:
/// two-digit year and a six-digit sequence, `26-004217`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketNumber {
    pub year: u16,
    pub seq: u32,
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:06}", self.year % 100, self.seq)
    }
}

impl FromStr for TicketNumber {
    type Err = TicketError;

    /// Accepts what a person types or dictates: `26-004217`, `26 4217`, `264217` is ambiguous
    /// and refused; spaces and a leading `№` are ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TicketError::BadNumber(s.to_string());
        let cleaned: String = s.trim().trim_start_matches('№').trim().to_string();
        let (year, seq) = cleaned.split_once(['-', ' ', '/']).ok_or_else(bad)?;
        let year: u16 = year.trim().parse().map_err(|_| bad())?;
        let seq: u32 = seq.trim().replace(' ', "").parse().map_err(|_| bad())?;
        if year > 99 || seq == 0 || seq > 999_999 {
            return Err(bad());
        }
        Ok(TicketNumber {
            year: 2000 + year,
            seq,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TicketAction {
    Created,
    Saved,
    Dispatched { queue: QueueId },
    Taken,
    Rejected { reason: String },
    Forwarded { queue: QueueId },
    Commented { text: String },
    MarkedRepeat { comment: String },
    Closed,
    ReplacedBy { number: TicketNumber },
}

/// T4: the action history (who did what, when).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketHistoryEntry {
    pub at: DateTime<Utc>,
    pub by: SpecialistId,
    pub action: TicketAction,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TicketError {
    #[error("a ticket that is {state} cannot be {action}")]
    IllegalTransition {
        state: &'static str,
        action: &'static str,
    },
    #[error("a reason is required")]
    ReasonRequired,
    #[error("a comment is required")]
    CommentRequired,
    #[error("the ticket is already in that queue")]
    SameQueue,
    #[error("{0:?} is not a ticket number (expected e.g. 26-004217)")]
    BadNumber(String),
    #[error("no ticket number is left for this year (or the year is out of 2000-2099)")]
    NumbersExhausted,
    /// T4 (seed 004): the ticket's queue names no line for disputes of its closed tickets.
    #[error("the ticket's queue names no line for disputes")]
    NoDisputeLine,
}

impl TicketError {
    pub fn code(&self) -> &'static str {
        match self {
            TicketError::IllegalTransition { .. } => "ticket.illegal_transition",
            TicketError::ReasonRequired => "ticket.reason_required",
            TicketError::CommentRequired => "ticket.comment_required",
            TicketError::SameQueue => "ticket.same_queue",
            TicketError::BadNumber(_) => "ticket.bad_number",
            TicketError::NumbersExhausted => "ticket.numbers_exhausted",
            TicketError::NoDisputeLine => "ticket.no_dispute_line",
        }
    }
}

/// T3: what saving without dispatching means, for the UI's warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SaveWarning {
    /// Saved only in the creator's folder: no queue will work on it until it is dispatched.
    NotDispatched,
}

/// T5: what a repeat request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RepeatOutcome {
    /// An open ticket in work: a REPEAT comment; it stays with its worker.
    MarkedRepeat,
    /// A dispatched (or forwarded) ticket: marked REPEAT and sent to its queue again.
    MarkedRepeatAndRequeued,
    /// Still within its deadline: only the comment was added.
    Commented,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: TicketNumber,
    pub client: ClientId,
    pub creator: SpecialistId,
    pub category: String,
    state: TicketState,
    queue: Option<QueueId>,
    /// Who works on it now: the creator, or the worker who took it from a queue.
    owner: SpecialistId,
    repeat: bool,
    history: Vec<TicketHistoryEntry>,
}

impl Ticket {
    /// T1: a specialist registers a ticket for a client; it starts OPEN in their folder.
    pub fn create(
        number: TicketNumber,
        client: ClientId,
        creator: SpecialistId,
        category: &str,
        at: DateTime<Utc>,
    ) -> Ticket {
        Ticket {
            number,
            client,
            creator,
            category: category.trim().to_string(),
            state: TicketState::Open,
            queue: None,
            owner: creator,
            repeat: false,
            history: vec![TicketHistoryEntry {
                at,
                by: creator,
                action: TicketAction::Created,
            }],
        }
    }

    pub fn state(&self) -> TicketState {
        self.state
    }
    pub fn queue(&self) -> Option<QueueId> {
        self.queue
    }
    pub fn owner(&self) -> SpecialistId {
        self.owner
    }
    pub fn is_repeat(&self) -> bool {
        self.repeat
    }
    pub fn history(&self) -> &[TicketHistoryEntry] {
        &self.history
    }

    /// T2/T3: the creator's personal folder lists every ticket they created until it is
    /// closed, whoever works on it.
    pub fn in_folder_of(&self, specialist: SpecialistId) -> bool {
        self.state != TicketState::Closed && self.creator == specialist
    }

    /// T2: dispatched and forwarded tickets are shown in their queue until taken.
    pub fn in_queue(&self, queue: QueueId) -> bool {
        matches!(
            self.state,
            TicketState::OpenDispatch | TicketState::OpenForwarded
        ) && self.queue == Some(queue)
    }

    fn illegal(&self, action: &'static str) -> TicketError {
        TicketError::IllegalTransition {
            state: self.state.label(),
            action,
        }
    }

    fn log(&mut self, at: DateTime<Utc>, by: SpecialistId, action: TicketAction) {
        self.history.push(TicketHistoryEntry { at, by, action });
    }

    /// T3: "Save" keeps it in the creator's folder only; the warning says so.
    pub fn save(
        &mut self,
        by: SpecialistId,
        at: DateTime<Utc>,
    ) -> Result<SaveWarning, TicketError> {
        if self.state != TicketState::Open || self.queue.is_some() {
            return Err(self.illegal("saved"));
        }
        self.log(at, by, TicketAction::Saved);
        Ok(SaveWarning::NotDispatched)
    }

    /// T3: "Dispatch" sends it to a queue.
    pub fn dispatch(
        &mut self,
        queue: QueueId,
        by: SpecialistId,
        at: DateTime<Utc>,
    ) -> Result<(), TicketError> {
        if self.state != TicketState::Open || self.queue.is_some() {
            return Err(self.illegal("dispatched"));
        }
        self.state = TicketState::OpenDispatch;
        self.queue = Some(queue);
        self.log(at, by, TicketAction::Dispatched { queue });
        Ok(())
    }

    /// T2: a worker takes it from its queue; it becomes OPEN in the worker's folder.
    pub fn take(&mut self, worker: SpecialistId, at: DateTime<Utc>) -> Result<(), TicketError> {
        if !matches!(
            self.state,
            TicketState::OpenDispatch | TicketState::OpenForwarded
        ) {
            return Err(self.illegal("taken"));
        }
        self.state = TicketState::Open;
        self.owner = worker;
        self.log(at, worker, TicketAction::Taken);
        Ok(())
    }

    /// T2: the worker returns it as wrongly created, with a reason.
    pub fn reject(
        &mut self,
        worker: SpecialistId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), TicketError> {
        let in_queue_work = matches!(
            self.state,
            TicketState::OpenDispatch | TicketState::OpenForwarded
        ) || (self.state == TicketState::Open && self.queue.is_some());
        if !in_queue_work {
            return Err(self.illegal("rejected"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(TicketError::ReasonRequired);
        }
        self.state = TicketState::OpenRejectReturn;
        self.owner = self.creator;
        self.log(
            at,
            worker,
            TicketAction::Rejected {
                reason: reason.to_string(),
            },
        );
        Ok(())
    }

    /// T2: moved to another queue.
    pub fn forward(
        &mut self,
        queue: QueueId,
        by: SpecialistId,
        at: DateTime<Utc>,
    ) -> Result<(), TicketError> {
        let queued = matches!(
            self.state,
            TicketState::OpenDispatch | TicketState::OpenForwarded
        ) || (self.state == TicketState::Open && self.queue.is_some());
        if !queued {
            return Err(self.illegal("forwarded"));
        }
        if self.queue == Some(queue) {
            return Err(TicketError::SameQueue);
        }
        self.state = TicketState::OpenForwarded;
        self.queue = Some(queue);
        self.owner = self.creator;
        self.log(at, by, TicketAction::Forwarded { queue });
        Ok(())
    }

    pub fn comment(
        &mut self,
        by: SpecialistId,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<(), TicketError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TicketError::CommentRequired);
        }
        if self.state == TicketState::Closed {
            return Err(self.illegal("commented"));
        }
        self.log(
            at,
            by,
            TicketAction::Commented {
                text: text.to_string(),
            },
        );
        Ok(())
    }

    /// T2/T4: close (out of folders).
    pub fn close(&mut self, by: SpecialistId, at: DateTime<Utc>) -> Result<(), TicketError> {
        if self.state == TicketState::Closed {
            return Err(self.illegal("closed"));
        }
        self.state = TicketState::Closed;
        self.log(at, by, TicketAction::Closed);
        Ok(())
    }

    /// T4 (seed 004): the client disagrees with the decision of a closed ticket: the dispute
    /// goes to the line its category's queue names for disputes (`dispute_line`, that queue's
    /// setting: the Retention line, the Equipment experts' line). Only a closed ticket is
    /// disputed; an open one is a repeat request (T5).
    pub fn dispute_to(&self, dispute_line: Option<LineId>) -> Result<LineId, TicketError> {
        if self.state != TicketState::Closed {
            return Err(self.illegal("disputed"));
        }
        dispute_line.ok_or(TicketError::NoDisputeLine)
    }

    /// T4: a returned ticket is fixed by closing it and creating a new one in the right category.
    pub fn close_and_recreate(
        &mut self,
        new_number: TicketNumber,
        category: &str,
        by: SpecialistId,
        at: DateTime<Utc>,
    ) -> Result<Ticket, TicketError> {
        if self.state != TicketState::OpenRejectReturn {
            return Err(self.illegal("replaced"));
        }
        self.close(by, at)?;
        self.log(at, by, TicketAction::ReplacedBy { number: new_number });
        Ok(Ticket::create(new_number, self.client, by, category, at))
    }

    /// T5: the client asks again about an open or dispatched ticket. When its deadline has
    /// passed or the client insists, it is a repeat (seed 004): a dispatched ticket is marked
    /// REPEAT and sent back to its queue ("take it, mark the subject, send it to the queue");
    /// an open one being worked gets a REPEAT comment and stays with its worker. Otherwise only
    /// the comment is added.
    pub fn repeat_request(
        &mut self,
        request: RepeatRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<RepeatOutcome, TicketError> {
        if !matches!(
            self.state,
            TicketState::Open | TicketState::OpenDispatch | TicketState::OpenForwarded
        ) {
            return Err(self.illegal("repeated"));
        }
        let comment = request.comment.trim();
        if comment.is_empty() {
            return Err(TicketError::CommentRequired);
        }
        let overdue = request.deadline.is_some_and(|deadline| now > deadline);
        let by = request.by;
        if !(overdue || request.client_insists) {
            self.log(
                now,
                by,
                TicketAction::Commented {
                    text: comment.to_string(),
                },
            );
            return Ok(RepeatOutcome::Commented);
        }
        self.repeat = true;
        self.log(
            now,
            by,
            TicketAction::MarkedRepeat {
                comment: comment.to_string(),
            },
        );
        match (self.state, self.queue) {
            (TicketState::OpenDispatch | TicketState::OpenForwarded, Some(queue)) => {
                self.log(now, by, TicketAction::Dispatched { queue });
                Ok(RepeatOutcome::MarkedRepeatAndRequeued)
            }
            _ => Ok(RepeatOutcome::MarkedRepeat),
        }
    }
}

/// T5: a client's repeat request about a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatRequest<'a> {
    pub by: SpecialistId,
    pub comment: &'a str,
    /// The ticket's resolution deadline, if it has one.
    pub deadline: Option<DateTime<Utc>>,
    /// The client insists on a solution now.
    pub client_insists: bool,
}

/// T4/T5: ticket numbers run per year from 1: `26-000001`, `26-000002`, ... and restart with
/// `27-000001` in a new year. `last` is the last number given (any year), `year` today's.
pub fn next_ticket_number(
    last: Option<TicketNumber>,
    year: i32,
) -> Result<TicketNumber, TicketError> {
    let year = u16::try_from(year)
        .ok()
        .filter(|y| (2000..2100).contains(y))
        .ok_or(TicketError::NumbersExhausted)?;
    let seq = match last {
        Some(last) if last.year == year => last.seq + 1,
        Some(last) if last.year > year => return Err(TicketError::NumbersExhausted),
        _ => 1,
    };
    if seq > 999_999 {
        return Err(TicketError::NumbersExhausted);
    }
    Ok(TicketNumber { year, seq })
}

/// T2-T5: what a specialist can do with a ticket, as the ticket panel's buttons. `Recreate` is
/// "close and create a new one" (T4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TicketCommand {
    Dispatch,
    Save,
    Take,
    Reject,
    Forward,
    Comment,
    Repeat,
    Close,
    Recreate,
    /// T4 (seed 004): the client disagrees with a closed ticket's decision.
    Dispute,
}

impl TicketCommand {
    pub const ALL: [TicketCommand; 10] = [
        TicketCommand::Dispatch,
        TicketCommand::Save,
        TicketCommand::Take,
        TicketCommand::Reject,
        TicketCommand::Forward,
        TicketCommand::Comment,
        TicketCommand::Repeat,
        TicketCommand::Close,
        TicketCommand::Recreate,
        TicketCommand::Dispute,
    ];
}

impl Ticket {
    /// What this ticket allows now, in [`TicketCommand::ALL`]'s order. Not a second copy of
    /// the rules: each command is tried on a copy through the same method that would do it
    /// (with a plausible reason, comment and another queue), so this list cannot disagree
    /// with what the line server accepts.
    pub fn allowed_commands(&self) -> Vec<TicketCommand> {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let by = self.owner;
        let other_queue = QueueId(self.queue.map_or(1, |q| q.0.wrapping_add(1)));
        TicketCommand::ALL
            .into_iter()
            .filter(|command| {
                let mut probe = self.clone();
                match command {
                    TicketCommand::Dispatch => probe.dispatch(other_queue, by, at).is_ok(),
                    TicketCommand::Save => probe.save(by, at).is_ok(),
                    TicketCommand::Take => probe.take(by, at).is_ok(),
                    TicketCommand::Reject => probe.reject(by, "reason", at).is_ok(),
                    TicketCommand::Forward => probe.forward(other_queue, by, at).is_ok(),
                    TicketCommand::Comment => probe.comment(by, "comment", at).is_ok(),
                    TicketCommand::Repeat => probe
                        .repeat_request(
                            RepeatRequest {
                                by,
                                comment: "comment",
                                deadline: None,
                                client_insists: false,
                            },
                            at,
                        )
                        .is_ok(),
                    TicketCommand::Close => probe.close(by, at).is_ok(),
                    TicketCommand::Recreate => probe
                        .close_and_recreate(self.number, &self.category, by, at)
                        .is_ok(),
                    // Whether its queue names a dispute line is the line's to say.
                    TicketCommand::Dispute => probe.dispute_to(Some(LineId(0))).is_ok(),
                }
            })
            .collect()
    }
}

/// What a ticket in `state` allows, `queue` being the queue it belongs to (an OPEN ticket
/// taken from a queue has one, a new one has none): for a ticket known only by its stored
/// state, as the app's store keeps it. The same rules as [`Ticket::allowed_commands`].
pub fn allowed_commands(state: TicketState, queue: Option<QueueId>) -> Vec<TicketCommand> {
    let at = DateTime::<Utc>::UNIX_EPOCH;
    let mut ticket = Ticket::create(
        TicketNumber { year: 2000, seq: 1 },
        ClientId(0),
        SpecialistId(0),
        "",
        at,
    );
    ticket.state = state;
    ticket.queue = queue;
    ticket.allowed_commands()
}
