//! Who acts and what a line's log holds.

use linedesk_protocol::{Event, Role};

/// Who acts: a specialist, a client or an admin, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subject {
    pub role: Role,
    pub id: u64,
}

impl Subject {
    pub fn specialist(id: u64) -> Subject {
        Subject {
            role: Role::Specialist,
            id,
        }
    }
    pub fn client(id: u64) -> Subject {
        Subject {
            role: Role::Client,
            id,
        }
    }
    pub fn admin(id: u64) -> Subject {
        Subject {
            role: Role::Admin,
            id,
        }
    }
}

/// An event of a line's log with its sequence number and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub line: u64,
    pub seq: u64,
    pub at_ms: i64,
    pub event: Event,
}

/// The outcome of an idempotent action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Applied now; these events were appended.
    Done(Vec<StoredEvent>),
    /// The key was applied before; nothing changed.
    Duplicate,
}
