//! What the assistant tells a window: its state changes, typed, beside the console's lines of
//! text. A window renders them (who asks, from which line, the "screen shared" indicator); the
//! terminal binary prints the lines instead.

use linedesk_protocol::{ErrorCode, RemoteMode};

/// One change of the assistant's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Signed in as client `client` of line `line`.
    SignedIn { client: u64, line: u64 },
    /// The session password is set on the server (valid while the assistant runs, and no
    /// longer than the server's limit after `at_ms`).
    PasswordSet { at_ms: i64 },
    /// The session password is cleared on the server.
    PasswordCleared,
    /// The server refused the session password (its typed code).
    PasswordRefused { code: ErrorCode },
    /// Waiting for a specialist's request.
    Waiting,
    /// A specialist asks (by request): the user answers with [`crate::Input::Accept`] or
    /// [`crate::Input::Decline`].
    Asked(Asker),
    /// The session was accepted (or started on the password): waiting for the specialist's
    /// connection.
    Connecting(Asker),
    /// The screen is shared with the specialist: they see and control it until either ends.
    Sharing(Asker),
    /// The request or session `session` is over.
    Ended { session: u64, how: Ending },
}

/// Who asks, from which line, for which session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asker {
    pub session: u64,
    pub specialist: String,
    /// Empty when the server did not say.
    pub line_name: String,
    pub mode: RemoteMode,
}

/// How a request or session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The user declined: nothing was shared.
    Declined,
    /// The specialist withdrew the request before the user answered.
    Withdrawn,
    /// The user ended it.
    ByYou,
    /// The specialist ended it.
    BySpecialist,
    /// The connection failed or never came.
    Failed,
    /// The assistant refused it: a password it did not set, or a screen it cannot share.
    Refused,
}
