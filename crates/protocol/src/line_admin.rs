//! Line administration in the app (issue 15, item 4), as the line server answers it over HTTP
//! (`crates/server/src/http/line_admin.rs`) for specialists who are a line's admins. The rules
//! that check what an admin sends are `linedesk_line::line_admin`'s; these are only the shapes.
//! Times are Unix milliseconds.

use linedesk_domain::sla::Conditions;
use serde::{Deserialize, Serialize};

/// The rule of the 403 answered to a specialist who is not an admin of the line they name.
pub const RULE_NOT_LINE_ADMIN: &str = "admin.not_line_admin";

/// A line the signed-in specialist administers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdminLine {
    pub line: u64,
    pub name: String,
}

/// `GET /api/line-admin/lines`: who asks and the lines they administer (none: no
/// Administration view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdminAccess {
    pub specialist: u64,
    pub lines: Vec<AdminLine>,
}

/// An SLA level (S1, S5) as an admin edits it: its calendar and times in the domain's notation
/// (`tz Europe/Moscow; Mon-Fri 09-18`, `30m`, `8h`), checked by the line's rules on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct LevelDraft {
    pub name: String,
    pub calendar: String,
    pub reaction: String,
    pub resolution: String,
    /// Which appeals the level is for (S5); kept as they are when the app does not edit them.
    #[serde(default)]
    pub conditions: Conditions,
}

/// A line's levels in order (S5: the first that matches applies, else "Default"):
/// `GET` and `PUT /api/lines/{line}/admin/sla`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct SlaLevels {
    pub levels: Vec<LevelDraft>,
}

/// Which field of a level draft a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LevelField {
    Name,
    Calendar,
    Reaction,
    Resolution,
    /// The levels as a whole (no "Default", a name twice).
    Levels,
}

/// Why a level draft cannot be stored: the field, the rule's code (`sla.notation`,
/// `sla.unreachable`, ... which the app translates as `rule.<code>`), the piece of text the
/// mistake is in when the notation's parser names one, and the rule's own sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LevelProblem {
    /// The level's place in the list (0 first); `None` when checking one level alone.
    pub index: Option<u32>,
    pub field: LevelField,
    pub rule: String,
    pub item: Option<String>,
    pub message: String,
}

/// `POST /api/lines/{line}/admin/sla/check` with a [`LevelDraft`]: its first problem, or when it
/// has none, when an appeal registered now under it is due (the domain's `SlaClock` on the
/// server, at the server's clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LevelCheck {
    pub problem: Option<LevelProblem>,
    pub preview: Option<SlaPreview>,
}

/// "An appeal opened now is due at ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SlaPreview {
    pub now_ms: i64,
    pub reaction_due_ms: i64,
    pub resolution_due_ms: i64,
}

/// Most files one quick reply carries.
pub const MAX_QUICK_REPLY_FILES: usize = 5;
/// Most quick replies of a line.
pub const MAX_QUICK_REPLIES: usize = 500;

/// A file a quick reply carries (C8; peers' users ask for it: Chatwoot #12204): uploaded by
/// the line's admin (`POST /api/lines/{line}/admin/quick-reply-files?name=..`), fetched by the
/// line's specialists (`GET /api/lines/{line}/quick-reply-files/{id}`) to send into a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuickReplyFile {
    pub id: u64,
    pub name: String,
    pub size: u64,
}

/// A quick reply as the line keeps it: `GET /api/lines/{line}/quick-replies` (every
/// specialist), and the admin's list (`GET`/`PUT /api/lines/{line}/admin/quick-replies`, where
/// only the files' ids of a `PUT` count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from the app store's `QuickReply` in the app's bindings (JSON is the same).
#[serde(rename = "LineQuickReply")]
pub struct QuickReply {
    pub title: String,
    pub text: String,
    #[serde(default)]
    pub files: Vec<QuickReplyFile>,
}

/// A line's quick replies in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuickReplies {
    pub replies: Vec<QuickReply>,
}

/// A KB article as its admin writes it (`POST /api/lines/{line}/admin/kb`,
/// `PUT /api/lines/{line}/admin/kb/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct ArticleDraft {
    pub title: String,
    pub body: String,
}

/// A stored KB article of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdminArticle {
    pub id: u64,
    pub title: String,
    pub body: String,
}

/// A specialist of the line as its admin sees them (`GET /api/lines/{line}/admin/specialists`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TeamMember {
    pub specialist: u64,
    pub name: String,
    pub login: String,
    pub settings: TeamSettings,
}

/// What a line's admin sets for a specialist of the line
/// (`PUT /api/lines/{line}/admin/specialists/{id}`): A2's routing priority (higher first) and
/// limit of open appeals, and the line's roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct TeamSettings {
    pub priority: u8,
    pub limit: u32,
    pub supervisor: bool,
    pub line_admin: bool,
}

/// A client of the line with their whole card (C5), as its admin edits it
/// (`GET /api/lines/{line}/admin/clients?q=`, `POST`, `PUT .../clients/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdminClient {
    pub id: u64,
    pub card: crate::ClientProfile,
}

/// Most clients one search of the admin's client list answers.
pub const MAX_ADMIN_CLIENT_HITS: usize = 50;

/// A ticket queue of the line (T2), as its admin lists and adds them
/// (`GET`/`POST /api/lines/{line}/admin/queues`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdminQueue {
    pub id: u64,
    pub name: String,
    /// T4 (seed 004): the line a dispute of this queue's closed tickets goes to (none: not set).
    #[serde(default)]
    pub dispute_line: Option<u64>,
}

/// T4: where disputes of a queue's closed tickets go
/// (`PUT /api/lines/{line}/admin/queues/{queue}/dispute-line`; `None`: nowhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct DisputeLine {
    pub line: Option<u64>,
}

/// A new ticket queue's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct NewQueue {
    pub name: String,
}
