//! The web widget's guest sign-in (K1): `POST /api/widget/guest` with this body answers a
//! token like `POST /api/login`. The bounds are in [`crate::limits`]; what makes a name, an
//! e-mail or a phone acceptable is the line's rule (`linedesk_line::guests`).

use serde::{Deserialize, Serialize};

/// A person who signs in to a line's widget as a guest: a name and an e-mail or a phone (at
/// least one), as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestSignIn {
    pub line: u64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// W3: `POST /api/help/session` (a signed-in specialist, no body) answers the specialist's own
/// client identity on the server's staff line and a token for it: the app opens a second
/// session with it (`Hello` as that client), so the staff line sees the specialist as one of its
/// clients and the specialist sees only their own conversation there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffHelpSession {
    pub token: String,
    /// The staff line.
    pub line: u64,
    /// The specialist's client on it.
    pub client: u64,
    /// When the token expires (Unix ms); ask for a new one after.
    pub expires_ms: i64,
}
