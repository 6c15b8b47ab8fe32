//! Why an action was refused, with a stable code for each kind and the domain's rule code
//! where a domain rule said no.

use linedesk_domain::appeal::AppealError;
use linedesk_domain::call_transfer::CallTransferError;
use linedesk_domain::group::GroupError;
use linedesk_domain::routing::RoutingError;
use linedesk_domain::ticket::TicketError;

/// A backend's failure (a lost connection, a constraint, a full disk): a code and a message
/// for the log, never for a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct RepoError {
    /// The backend's own code (e.g. SQLite's extended result code name).
    pub code: String,
    pub message: String,
}

impl RepoError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> RepoError {
        RepoError {
            code: code.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The specialist does not serve this line.
    #[error("line {0} is not served by this specialist")]
    Forbidden(u64),
    /// This actor may not do this at all (a client sending a specialist's action, ...).
    #[error("{0}")]
    NotAllowed(String),
    /// The action names something that is not there or is malformed.
    #[error("{0}")]
    Invalid(String),
    /// Someone else was first (the appeal was taken, the client is in another call).
    #[error("{0}")]
    Conflict(String),
    /// The domain's appeal rules refused the transition.
    #[error(transparent)]
    Appeal(#[from] AppealError),
    /// The domain's ticket rules refused the transition.
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// The line's routing refused (someone took the appeal first, a holder changed, ...).
    #[error(transparent)]
    Routing(#[from] RoutingError),
    /// The domain's call transfer rules refused (colleague unavailable, call not connected...).
    #[error(transparent)]
    CallTransfer(#[from] CallTransferError),
    /// C6: the domain's group rules refused (not a member, the last specialist, ...).
    #[error(transparent)]
    Group(#[from] GroupError),
    /// Too many wrong session passwords for this client from this specialist lately.
    #[error("too many wrong session passwords; try again in {} s", wait_ms.div_ceil(1000))]
    RateLimited { wait_ms: u64 },
    /// The session password given is not the client's.
    #[error("the session password is wrong")]
    WrongPassword,
    /// The client set no session password (or it expired): only a session by request.
    #[error("the client has set no session password; ask for a session by request")]
    NoPassword,
    /// The backend failed; the action did not happen.
    #[error("storage: {0}")]
    Repo(#[from] RepoError),
}

impl LineError {
    /// A stable code per kind of refusal.
    pub fn code(&self) -> &'static str {
        match self {
            LineError::Forbidden(_) => "forbidden",
            LineError::NotAllowed(_) => "not_allowed",
            LineError::Invalid(_) => "invalid",
            LineError::Conflict(_) => "conflict",
            LineError::Appeal(_)
            | LineError::Ticket(_)
            | LineError::CallTransfer(_)
            | LineError::Group(_) => "rule",
            LineError::Routing(RoutingError::NotQueued(_)) => "conflict",
            LineError::Routing(_) => "rule",
            LineError::RateLimited { .. } => "rate_limited",
            LineError::WrongPassword => "wrong_password",
            LineError::NoPassword => "no_password",
            LineError::Repo(_) => "internal",
        }
    }

    /// The domain's rule code when a domain rule refused (`appeal.not_holder`,
    /// `ticket.illegal_transition`, `routing.not_queued`, ...), for the wire and the UI.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            LineError::Appeal(e) => Some(e.code()),
            LineError::Ticket(e) => Some(e.code()),
            LineError::Routing(e) => Some(e.code()),
            LineError::CallTransfer(e) => Some(e.code()),
            LineError::Group(e) => Some(e.code()),
            _ => None,
        }
    }

    /// Whether someone else's action made this one impossible (a race, not a mistake).
    pub fn is_conflict(&self) -> bool {
        self.code() == "conflict"
    }
}
