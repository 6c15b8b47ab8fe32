//! The wire protocol between the Linedesk app and the line server.
//!
//! JSON text frames over one WebSocket per session. The client opens with [`ClientFrame::Hello`]
//! (protocol version and the token from `POST /api/login`); nothing else is accepted before it.
//! Then it subscribes to lines from a cursor (the last event sequence number it has) and the
//! server replays everything after the cursor, says [`ServerFrame::CaughtUp`], and streams new
//! events: no gap and no duplicate across reconnects. Actions carry an idempotency key; the
//! server writes them durably before the [`ServerFrame::Ack`], and a resent key is acknowledged
//! again as a duplicate without being applied twice.

use linedesk_domain::appeal::TransferTarget;
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::ticket::{TicketHistoryEntry, TicketNumber, TicketState};
use serde::{Deserialize, Serialize};

mod call;
mod guest;
mod ice;
mod limits;
pub mod line_admin;
mod query;
mod workstation;
pub use call::{
    CallEndReason, CallQuality, GapError, MAX_CANDIDATE_BYTES, MAX_RECORDING_BYTES,
    MAX_RECORDING_GAPS, MAX_SDP_BYTES, MAX_SDP_MID_BYTES, RecordingGap, SignalPayload,
};
mod remote;
pub mod reports;
pub mod sla_explain;
pub use guest::{GuestSignIn, StaffHelpSession};
pub use ice::{
    IceServer, IceServerError, MAX_ICE_FIELD_BYTES, MAX_ICE_SERVERS, MAX_ICE_URLS,
    check_ice_servers, check_ice_url, is_turn_url,
};
pub use limits::{
    FieldError, LimitUnit, MAX_APPEAL_KIND_CHARS, MAX_CLOSING_PHRASE_CHARS,
    MAX_ERROR_MESSAGE_CHARS, MAX_GROUP_TITLE_CHARS, MAX_GUEST_BODY_BYTES, MAX_KB_BODY_CHARS,
    MAX_KB_DRAFT_SUBJECT_CHARS, MAX_KB_DRAFT_TEXT_CHARS, MAX_KB_HITS_FOR_CLIENTS,
    MAX_KB_TITLE_CHARS, MAX_LOGIN_CHARS, MAX_MESSAGE_CHARS, MAX_NAME_CHARS,
    MAX_QUICK_REPLY_TEXT_CHARS, MAX_QUICK_REPLY_TITLE_CHARS, MAX_RATING_COMMENT_CHARS,
    MAX_RESULT_CHARS, MAX_SLA_LEVEL_NAME_CHARS, MAX_TICKET_SUBJECT_CHARS, MAX_TICKET_TEXT_CHARS,
    MAX_TRANSFER_REASON_CHARS, card, check_chars,
};
pub use query::encode_query_value;

/// The snake_case name a unit enum has on the wire (`hung_up`, `open_dispatch`,
/// `by_password`), which stores keep and UIs translate; empty for anything else.
pub fn wire_code(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
pub use remote::{
    MAX_REMOTE_PASSWORD_CHARS, MIN_REMOTE_PASSWORD_CHARS, RemoteEndReason, RemoteMode, SignalKind,
};
pub use workstation::{
    AppealChannel, KbDraft, MAX_FILE_BYTES, MAX_FILE_NAME_CHARS, SharedFile, sanitize_file_name,
};

/// Bumped on any incompatible change of the frames below.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest frame either side accepts, in bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Longest idempotency key, in bytes.
pub const MAX_KEY_BYTES: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello {
        version: u16,
        token: String,
    },
    /// Events of `line` with a sequence number greater than `after` (0: from the start).
    Subscribe {
        line: u64,
        after: u64,
    },
    /// Do `action` once, whatever how often it is sent with the same `key`.
    Submit {
        key: String,
        action: Action,
    },
    Ping {
        id: u64,
    },
    /// WebRTC signalling for the other party of `call` (see [`SignalPayload`]): relayed in
    /// memory, never logged; only the call's two parties may send it.
    Signal {
        call: u64,
        payload: SignalPayload,
    },
    /// WebRTC signalling of a remote session (V2) for its other party: like
    /// [`ClientFrame::Signal`], in memory only, and refused until the session has started.
    RemoteSignal {
        session: u64,
        payload: SignalPayload,
    },
    /// C9: the chat this specialist's session has open now (`None`: none) and whether they are
    /// typing in it. Live only: never logged, forgotten when the session ends; the line must be
    /// one the specialist serves. Each change is told to the sessions with that chat open
    /// ([`ServerFrame::ChatWatchers`]); a session sends at most a few a second.
    ChatFocus {
        chat: Option<ChatRef>,
        typing: bool,
    },
}

/// C9: one client's chat on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChatRef {
    pub line: u64,
    pub client: u64,
}

/// C9: a specialist with a client's chat open, and whether they are typing in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatWatcher {
    pub specialist: u64,
    pub typing: bool,
}

/// C9: at most this many specialists are listed as having one chat open.
pub const MAX_CHAT_WATCHERS: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Specialist,
    /// A person served by a line: sees only their own conversation.
    Client,
    /// Sets up lines, specialists and clients over the HTTP admin API. Has no WebSocket
    /// session: a Hello with an admin's token is refused with [`ErrorCode::Forbidden`].
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A specialist's message to a client of a line.
    SendMessage {
        line: u64,
        client: u64,
        text: String,
    },
    SetPresence {
        status: PresenceStatus,
    },
    /// A client writes to their line: opens an appeal when none is open (A1).
    ClientMessage {
        text: String,
    },
    /// A specialist takes a queued appeal by hand (A2); of two takers exactly one wins.
    TakeAppeal {
        appeal: u64,
    },
    /// A3: the holder hands the appeal to a colleague on the line (`to`), or back to the
    /// line's queue (`None`), stating why; the history goes with it. `target`, when given,
    /// says where instead of `to` (which must then be `None`): a colleague, the first or
    /// second level of the line, or another line the client is on (the same 1C-Connect ID).
    TransferAppeal {
        appeal: u64,
        to: Option<u64>,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<TransferTarget>,
    },
    /// The holder finishes the appeal with a result (A4).
    FinishAppeal {
        appeal: u64,
        result: String,
    },
    /// A client rates their own finished appeal once, 1 to 5 stars, with an optional comment
    /// (A4; frames without `comment` decode as none).
    RateAppeal {
        appeal: u64,
        stars: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// T1: a specialist registers a ticket for a client of a line, optionally from an appeal.
    /// It starts OPEN in the creator's folder; `subject` is its type as the folder lists it.
    CreateTicket {
        line: u64,
        client: u64,
        appeal: Option<u64>,
        subject: String,
        text: String,
    },
    /// T3: "Save": keep it in the creator's personal folder only (no queue works on it).
    SaveTicket {
        ticket: u64,
    },
    /// T3: "Dispatch": send it to a ticket queue of its line.
    DispatchTicket {
        ticket: u64,
        queue: u64,
    },
    /// T2: a worker takes a dispatched or forwarded ticket from its queue.
    TakeTicket {
        ticket: u64,
    },
    /// T2: the worker returns it to the creator as wrongly created, with a reason.
    RejectTicket {
        ticket: u64,
        reason: String,
    },
    /// T2: move it to another queue of its line.
    ForwardTicket {
        ticket: u64,
        queue: u64,
    },
    CommentTicket {
        ticket: u64,
        text: String,
    },
    /// T5: the client asks again. Past the ticket's deadline, or when the client insists, it is
    /// marked REPEAT (and a dispatched one goes back to its queue); otherwise only commented.
    RepeatTicket {
        ticket: u64,
        comment: String,
        #[serde(default)]
        client_insists: bool,
    },
    /// T2/T4: close it (out of folders; found by search).
    CloseTicket {
        ticket: u64,
    },
    /// V1: a specialist calls `client` of a line they serve, or (`client: None`) a client calls
    /// their own `line`. Opens an appeal when none is open (A1); a client's call rings the
    /// holder of their open appeal, else whoever routing gives the appeal to (A2), else the
    /// line (any specialist of it may answer). Appends [`Event::CallRinging`].
    PlaceCall {
        line: u64,
        client: Option<u64>,
    },
    /// The callee picks up a ringing call: [`Event::CallConnected`].
    AnswerCall {
        call: u64,
    },
    /// Either party ends the call (the callee declines a ringing one): [`Event::CallEnded`].
    HangUp {
        call: u64,
        reason: CallEndReason,
    },
    /// V1: a party's measurements of a call it took part in (once connected), for reports.
    /// Each party sends its own once: [`Event::CallStats`].
    CallStats {
        call: u64,
        quality: CallQuality,
    },
    /// A client whose call nobody took (or who cannot talk now) asks their `line` to call them
    /// back: the request goes on their open appeal (or opens one, routed as a call's, A1/A2)
    /// as [`Event::CallBackRequested`], which the specialists see on the appeal.
    RequestCallBack {
        line: u64,
    },
    /// V2, a client: set the session password of remote sessions by password (`None` clears
    /// it). The server keeps only its argon2 hash.
    SetRemotePassword {
        password: Option<String>,
    },
    /// V2, a specialist: ask for a remote session with `client` of a line they serve. Opens an
    /// appeal when none is open (A1). By request it waits for the client's answer; by password
    /// (`password` given) the right one starts it at once, a wrong one is refused, and
    /// repeated wrong ones are throttled. Appends [`Event::RemoteRequested`] (and
    /// [`Event::RemoteStarted`] by password).
    RequestRemoteSession {
        line: u64,
        client: u64,
        mode: RemoteMode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<String>,
    },
    /// V2, the client: accept ([`Event::RemoteStarted`]) or decline ([`Event::RemoteEnded`],
    /// `declined`) a request.
    AnswerRemoteSession {
        session: u64,
        accept: bool,
    },
    /// V2, either party: end the session (or withdraw or decline a request). `reason` only
    /// for `failed` (either side) or `refused` (the client's assistant cannot share a
    /// screen); otherwise it follows from who ends it.
    EndRemoteSession {
        session: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<RemoteEndReason>,
    },
    // --- Workstation (issue 6): appeals by hand, spam, KB drafts. ---
    /// A1: a specialist starts an appeal of `client` by hand, assigned to them (`manual`
    /// channel). Refused with `Conflict` when the client has an open appeal on the line.
    /// S5: `appeal_type` is the appeal's type as the specialist chose it; the line's first level whose
    /// conditions match it (with the channel and the client's status) fixes the deadlines.
    StartAppeal {
        line: u64,
        client: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        appeal_type: Option<String>,
    },
    /// A6: the holder finishes the appeal as spam.
    MarkSpam {
        appeal: u64,
    },
    /// C8: a specialist keeps a reply as a draft KB article of a line they serve (also
    /// `POST /api/lines/{line}/kb/drafts`); through the outbox, a draft typed offline is kept.
    SaveKbDraft {
        line: u64,
        subject: String,
        text: String,
    },
    /// C8, a client: article `article` of their `line`'s knowledge base answered their
    /// question without an appeal ([`Event::ArticleHelped`]).
    ArticleHelped {
        line: u64,
        article: u64,
    },
    /// V1/A3, the specialist in a connected call: hand the client's call to colleague `to`
    /// (blind transfer). A new leg of the call rings the colleague ([`Event::CallTransferring`],
    /// then [`Event::CallRinging`] of the leg); the client stays with the transferring
    /// specialist until the colleague answers the leg (`AnswerCall`), when the call and its
    /// appeal move ([`Event::CallTransferred`], `AppealTransferred` with `reason`, and
    /// `CallEnded { reason: transferred }` of the first leg). A leg declined, cancelled by the
    /// transferring specialist, or not answered in time ends alone: the call stays.
    TransferCall {
        call: u64,
        to: u64,
        reason: String,
    },
    /// S4: the holder puts the appeal into "waiting for the client": its resolution clock
    /// stops until the client writes again ([`Event::AppealWaiting`], then
    /// [`Event::AppealResumed`]).
    WaitForClient {
        appeal: u64,
    },
    /// V1/A3, the specialist in a connected call: consult colleague `to` about it first
    /// (consultative transfer). The specialist's app puts the client on hold (a `Hold` signal)
    /// and places a specialist-to-specialist call, the consultation, which rings the colleague
    /// ([`Event::CallConsulting`]); she answers it with `AnswerCall`, either ends it with
    /// `HangUp` (the consulting specialist goes back to the client), and the consulting one
    /// hands the client over with [`Action::HandOverCall`]. The consulting specialist offers
    /// its media.
    ConsultCall {
        call: u64,
        to: u64,
    },
    /// The consulting specialist hands the client over to the colleague of answered
    /// `consultation` (A3 with `reason`): the consultation ends, a leg of the client's call
    /// connects the client with the colleague at once (no ringing: they spoke already), and the
    /// client follows it as in a blind transfer ([`Event::CallTransferred`]).
    HandOverCall {
        consultation: u64,
        reason: String,
    },
    /// C9: [`Action::SendMessage`] after the specialist was warned that a colleague holds the
    /// client's open appeal and confirmed writing into it anyway (a plain `SendMessage` into
    /// such an appeal is refused with the rule `appeal.held_by_colleague`).
    SendMessageConfirmed {
        line: u64,
        client: u64,
        text: String,
    },
    /// S5, the holder: the appeal's type is `appeal_type`, one of the line's types (those its
    /// SLA levels' conditions name, `GET /api/lines/{line}/appeal-types`), chosen while
    /// working on it or when finishing it ([`Event::AppealTyped`]). S3: its deadlines were
    /// fixed at registration and do not move.
    SetAppealType {
        appeal: u64,
        appeal_type: String,
    },
    /// C6: from `client`'s chat, a group with the client, the specialist and colleagues
    /// `members` (specialists of the line; at most [`MAX_GROUP_SPECIALISTS`] with the creator)
    /// named `title` ([`Event::GroupCreated`], which carries the action's key).
    CreateGroup {
        line: u64,
        client: u64,
        title: String,
        members: Vec<u64>,
    },
    /// C6: a member brings colleague `specialist` of the line into `group`.
    AddGroupMember {
        group: u64,
        specialist: u64,
    },
    /// C6: a member takes `specialist` out of `group` (themselves: they leave it).
    RemoveGroupMember {
        group: u64,
        specialist: u64,
    },
    /// C6: a message in `group`, by one of its specialists or its client.
    GroupMessage {
        group: u64,
        text: String,
    },
    /// W1: the specialist's name and position as colleagues and clients see them
    /// ([`Event::SpecialistProfiled`] on every line they serve). The avatar is an upload
    /// (`PUT /api/profile/avatar`).
    SetProfile {
        name: String,
        position: String,
    },
    /// T4 (seed 004): the client disagrees with the decision of closed `ticket`: the client's
    /// appeal (the open one, or a new one of this specialist's, A1) goes to the line the
    /// ticket's queue names for disputes, as an A3 transfer to another line (the conversation
    /// carried, the reason with the ticket's number for the specialists only).
    DisputeTicket {
        ticket: u64,
        reason: String,
    },
    /// Issue 14, the three-way join: the consulting specialist of answered `consultation`
    /// brings the client in ([`Event::ConsultationJoined`]): the client comes off hold and the
    /// three talk, the specialist's app mixing. Then either party may hang up and the other
    /// two talk on (a joined consultation outlives the client's call), and the specialist may
    /// still hand the client over with [`Action::HandOverCall`].
    JoinConsultation {
        consultation: u64,
    },
    /// C9: [`Action::PlaceCall`] to `client` after the specialist was warned that a colleague
    /// holds the client's open appeal and confirmed calling anyway (a plain `PlaceCall` to
    /// such a client is refused with the rule `appeal.held_by_colleague`).
    PlaceCallConfirmed {
        line: u64,
        client: u64,
    },
    /// Issue 18: the specialist talked to `client` of a line they serve through the company's
    /// PBX (`inbound`: the client called; `connected_ms`: how long, at most
    /// [`MAX_PBX_CALL_MS`]), the call just ended. Opens or reuses the client's appeal (A1) and
    /// keeps the call on it, ended, so that its recording is uploaded as a line call's
    /// (`POST /api/calls/{call}/recording`): [`Event::PbxCallLogged`].
    LogPbxCall {
        line: u64,
        client: u64,
        inbound: bool,
        connected_ms: u64,
    },
}

/// Issue 18: the longest PBX call [`Action::LogPbxCall`] keeps (a day).
pub const MAX_PBX_CALL_MS: u64 = 24 * 60 * 60 * 1000;

/// W1: a specialist of a line as a client of it sees them
/// (`GET /api/lines/{line}/specialists/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialistCard {
    pub specialist: u64,
    pub name: String,
    pub position: String,
    /// The avatar's version (0: none): `GET /api/specialists/{id}/avatar`.
    pub avatar: u32,
}

/// C6: a specialist of a group, with the name the client and colleagues see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub specialist: u64,
    pub name: String,
}

pub use linedesk_domain::group::MAX_GROUP_SPECIALISTS;

/// Which SLA deadline an alert is about (S2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaDeadline {
    /// The first answer to the client.
    Reaction,
    /// The question solved.
    Resolution,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// `role` says who signed in; `id` is the specialist's or the client's id.
    Welcome {
        version: u16,
        role: Role,
        id: u64,
        lines: Vec<u64>,
    },
    Event {
        line: u64,
        seq: u64,
        at_ms: i64,
        event: Event,
    },
    /// The replay of `line` reached the present: what follows is live.
    CaughtUp {
        line: u64,
        seq: u64,
    },
    /// `key` is durably done; `duplicate` when it had been done before.
    Ack {
        key: String,
        duplicate: bool,
    },
    Error {
        code: ErrorCode,
        message: String,
        key: Option<String>,
        /// The line's rule that refused the action, when one did: a domain code such as
        /// `ticket.illegal_transition` or `appeal.not_holder`, which the app translates.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<String>,
        /// The action's field that was refused ([`ErrorCode::TooLong`]: `text`, `reason`...).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    Pong {
        id: u64,
    },
    /// Signalling from the other party of `call` (who is `from`), relayed as sent.
    Signal {
        call: u64,
        from: Role,
        payload: SignalPayload,
    },
    /// Signalling from the other party of remote `session` (who is `from`), relayed as sent.
    RemoteSignal {
        session: u64,
        from: Role,
        payload: SignalPayload,
    },
    /// C9: who has `client`'s chat of `line` open now (at most [`MAX_CHAT_WATCHERS`], each
    /// specialist once, this session's own included), sent to every session with that chat
    /// open when it changes: a session opening or closing it, typing or stopping, or ending.
    ChatWatchers {
        line: u64,
        client: u64,
        watchers: Vec<ChatWatcher>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    MessagePosted {
        client: u64,
        from_specialist: Option<u64>,
        text: String,
        #[serde(default)]
        appeal: Option<u64>,
        /// The idempotency key of the specialist's action that posted it, so the sending app
        /// recognises its own pending message instead of showing it twice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// The line's name (the first event of every line, and again on a rename).
    LineNamed {
        name: String,
    },
    /// A specialist serves the line (A3: colleagues to transfer to).
    SpecialistServes {
        specialist: u64,
        name: String,
    },
    /// A client joined the line or their card changed (C5).
    ClientUpserted {
        client: u64,
        profile: Box<ClientProfile>,
    },
    PresenceChanged {
        specialist: u64,
        status: PresenceStatus,
    },
    AppealOpened {
        appeal: u64,
        client: u64,
        /// A1: what opened it (logs older than this field decode as `chat`).
        #[serde(default)]
        channel: AppealChannel,
    },
    AppealAssigned {
        appeal: u64,
        client: u64,
        specialist: u64,
    },
    AppealQueued {
        appeal: u64,
        client: u64,
    },
    AppealFinished {
        appeal: u64,
        client: u64,
        result: String,
    },
    /// A3: `from` handed the appeal to `to` (or back to the queue) because of `reason`; where it
    /// went follows as `AppealAssigned` or `AppealQueued`.
    AppealTransferred {
        appeal: u64,
        client: u64,
        from: u64,
        to: Option<u64>,
        reason: String,
        /// Where it was sent when more than a colleague or the queue: a level of the line or
        /// another line (then the appeal ends here and a new one opens there).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<TransferTarget>,
    },
    /// A4: the client rated their finished appeal (with the comment they wrote, if any;
    /// older logs decode as none).
    AppealRated {
        appeal: u64,
        client: u64,
        stars: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// S3: the deadlines fixed when the appeal opened, under the level that applies (S5).
    SlaStarted {
        appeal: u64,
        client: u64,
        level: String,
        reaction_due_ms: i64,
        resolution_due_ms: i64,
    },
    /// A deadline is near: 80% of its working-time budget is used and it is not met yet.
    SlaAtRisk {
        appeal: u64,
        client: u64,
        specialist: Option<u64>,
        deadline: SlaDeadline,
        due_ms: i64,
    },
    /// A deadline passed without being met.
    SlaBreached {
        appeal: u64,
        client: u64,
        specialist: Option<u64>,
        deadline: SlaDeadline,
        due_ms: i64,
    },
    /// T1: a ticket was registered; `entry` is its first history entry.
    TicketCreated {
        ticket: u64,
        number: TicketNumber,
        client: u64,
        appeal: Option<u64>,
        subject: String,
        text: String,
        entry: TicketHistoryEntry,
    },
    /// T2-T5: one new entry of a ticket's history and where the ticket stands after it.
    TicketChanged {
        ticket: u64,
        number: TicketNumber,
        client: u64,
        state: TicketState,
        queue: Option<u64>,
        repeat: bool,
        entry: TicketHistoryEntry,
    },
    /// V1: a call was placed and rings. `from` is the caller's side; `specialist` is the
    /// specialist party (the caller, or the one it rings; `None`: it rings the whole line).
    /// `key` is the idempotency key of the `PlaceCall`, so the caller finds its call id.
    CallRinging {
        call: u64,
        appeal: u64,
        client: u64,
        specialist: Option<u64>,
        from: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// The callee answered: both parties are fixed and the media may flow.
    CallConnected {
        call: u64,
        appeal: u64,
        client: u64,
        specialist: u64,
    },
    /// The call ended: who ended it and why, and how long it was connected.
    CallEnded {
        call: u64,
        appeal: u64,
        client: u64,
        specialist: Option<u64>,
        by: Role,
        reason: CallEndReason,
        connected_ms: Option<i64>,
    },
    /// V1: one party's statistics of a call (`from` says which side measured them).
    CallStats {
        call: u64,
        appeal: u64,
        client: u64,
        specialist: Option<u64>,
        from: Role,
        quality: CallQuality,
    },
    /// V1: the call's recording was uploaded (`POST /api/calls/{call}/recording`) and is
    /// attached to the appeal; the client of the call may download it.
    CallRecorded {
        call: u64,
        appeal: u64,
        client: u64,
        bytes: u64,
        duration_ms: u64,
        /// Where the specialist paused the recording (in order; none in older events).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        gaps: Vec<RecordingGap>,
    },
    /// The client asked to be called back (`Action::RequestCallBack`), on `appeal`.
    CallBackRequested {
        appeal: u64,
        client: u64,
    },
    /// V2: a specialist asked for a remote session (`specialist_name`, so the client's
    /// assistant shows who asks). `key` is the idempotency key of the request, so the
    /// specialist finds its session id.
    RemoteRequested {
        session: u64,
        appeal: u64,
        client: u64,
        specialist: u64,
        specialist_name: String,
        /// The line's name, so the client sees from which line the specialist asks (empty in
        /// events logged before it was carried).
        #[serde(default)]
        line_name: String,
        mode: RemoteMode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// The client accepted, or the password matched: the screen may flow now.
    RemoteStarted {
        session: u64,
        appeal: u64,
        client: u64,
        specialist: u64,
        mode: RemoteMode,
    },
    /// The session ended: who ended it and why, and how long it ran (`None`: never started).
    RemoteEnded {
        session: u64,
        appeal: u64,
        client: u64,
        specialist: u64,
        mode: RemoteMode,
        by: Role,
        reason: RemoteEndReason,
        duration_ms: Option<u64>,
    },
    // --- Workstation (issue 6): ticket queues, spam, files. ---
    /// T2: a ticket queue of the line (at its creation; existing queues were announced by
    /// the server's migration 9).
    TicketQueueNamed {
        queue: u64,
        name: String,
    },
    /// A6: the holder finished the appeal as spam.
    AppealMarkedSpam {
        appeal: u64,
        client: u64,
        specialist: u64,
    },
    /// A1: a file in the client's chat (`from_specialist`: sent by that specialist, else by
    /// the client); a client's file opens an appeal like a message. Bytes: `GET /api/files/{file}`.
    FileShared {
        file: u64,
        client: u64,
        from_specialist: Option<u64>,
        name: String,
        size: u64,
        appeal: Option<u64>,
    },
    /// C8: a KB article (its id and title as they were) answered the client's question
    /// without an appeal; the client's timeline shows it and reports count it.
    ArticleHelped {
        client: u64,
        article: u64,
        title: String,
    },
    /// A3 for calls: `from` hands call `call` to `to`; leg `leg` (a call of its own, with its
    /// own signalling, statistics and recording) rings `to` now. Not shown to the client, who
    /// stays with `from` until the leg is answered.
    CallTransferring {
        call: u64,
        leg: u64,
        appeal: u64,
        client: u64,
        from: u64,
        to: u64,
    },
    /// The colleague answered leg `leg`: the client's call goes on there. The client starts
    /// a new WebRTC negotiation on `leg` as its caller (SIP's REFER: the transferred party
    /// places the new call) without hanging up; `call` ends `transferred` right after.
    CallTransferred {
        call: u64,
        leg: u64,
        appeal: u64,
        client: u64,
        from: u64,
        to: u64,
    },
    /// S4: the holder waits for the client; the resolution deadline stands still.
    AppealWaiting {
        appeal: u64,
        client: u64,
        specialist: u64,
    },
    /// S4: the client wrote, the wait is over: the appeal is in progress again and its
    /// resolution deadline moved by the working time waited (`resolution_due_ms`, unchanged
    /// when the deadline had passed before the wait; none without an SLA timer).
    AppealResumed {
        appeal: u64,
        client: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution_due_ms: Option<i64>,
    },
    /// The specialist wrote last and the client's reply is awaited: A5, without it the appeal
    /// finishes by itself at `auto_finish_at_ms` (result [`NO_CLIENT_REPLY`]); A4, after a
    /// closing phrase the holder may finish without the client's reaction from
    /// `finish_allowed_at_ms`. Both `None`: the client replied, nothing is awaited.
    ReplyAwaited {
        appeal: u64,
        client: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auto_finish_at_ms: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        finish_allowed_at_ms: Option<i64>,
    },
    /// A3, consultative: `from`, in call `call` with the client (on hold now), consults `to`;
    /// `consultation` (a specialist-to-specialist call of its own signalling) rings `to`.
    /// Neither this nor the consultation's other events are shown to the client.
    CallConsulting {
        call: u64,
        consultation: u64,
        appeal: u64,
        client: u64,
        from: u64,
        to: u64,
    },
    /// The colleague answered the consultation: the two specialists talk.
    ConsultationConnected {
        call: u64,
        consultation: u64,
        appeal: u64,
        client: u64,
        from: u64,
        to: u64,
    },
    /// The consultation ended: `reason` `transferred` when the client was handed over
    /// (followed by the hand-over's `CallConnected` of the leg and `CallTransferred`), else
    /// how it ended (`hung_up`: back to the client; `declined`, `cancelled`, `no_answer`,
    /// `failed`). `by`: the specialist who ended it (`None`: the line, when the client's call
    /// ended or its ring time ran out). `connected_ms`: how long they talked.
    ConsultationEnded {
        call: u64,
        consultation: u64,
        appeal: u64,
        client: u64,
        from: u64,
        to: u64,
        by: Option<u64>,
        reason: CallEndReason,
        connected_ms: Option<i64>,
    },
    /// A4/A5: the line's closing settings changed (`line-settings`, the demo seed): the
    /// auto-finish time (minutes; 0: never) and the recommended closing phrases, in order. The
    /// app replaces its copy at once instead of at its next reconnect.
    ClosingSettingsChanged {
        auto_finish_minutes: u32,
        closing_phrases: Vec<String>,
    },
    /// A3: one message (or file) of the conversation that led to a transfer from another line,
    /// carried into this line's log with the appeal it continues, so this line's specialists,
    /// who see only their own lines, read the history that led to it (the last
    /// [`MAX_CARRIED_MESSAGES`] of the appeal there, in order). Never shown to the client.
    ConversationCarried {
        /// The appeal on this line the transfer continues in, and its client here.
        appeal: u64,
        client: u64,
        from_line: u64,
        from_appeal: u64,
        /// Who wrote it there: `None` the client, else the specialist's name.
        author: Option<String>,
        /// The message's text, or the shared file's name when `file`.
        text: String,
        #[serde(default)]
        file: bool,
        /// When it was written there.
        at_ms: i64,
    },
    /// S5: the appeal's type: given at registration (`by: None`; a specialist who starts an
    /// appeal names it, and it took part in choosing the SLA level), or chosen by `by`, its
    /// holder, while working on it or when finishing it. S3: deadlines fixed at registration
    /// stay as they are.
    AppealTyped {
        appeal: u64,
        client: u64,
        appeal_type: String,
        by: Option<u64>,
    },
    /// Something the apps copy of the line changed (its admin saved it, or the CLI did): the
    /// app fetches that part again (`GET /api/lines/{line}/quick-replies`, `/kb`,
    /// `/appeal-types`) instead of at its next connection.
    ReferenceChanged {
        part: ReferencePart,
    },
    /// C6: `by` made group `group` with `client` and `members` (the creator first), named
    /// `title`. `key`: the `CreateGroup`'s idempotency key, so the creator finds its id.
    GroupCreated {
        group: u64,
        client: u64,
        title: String,
        by: u64,
        members: Vec<GroupMember>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// C6: `by` brought `member` into `group`.
    GroupMemberAdded {
        group: u64,
        client: u64,
        by: u64,
        member: GroupMember,
    },
    /// C6: `by` took `specialist` out of `group` (`by == specialist`: they left).
    GroupMemberRemoved {
        group: u64,
        client: u64,
        by: u64,
        specialist: u64,
    },
    /// C6: a message in `group` (`from_specialist`: by that specialist, else by the client).
    /// `key`: the idempotency key of the action that posted it.
    GroupMessagePosted {
        group: u64,
        client: u64,
        from_specialist: Option<u64>,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// W1: the specialist's profile changed: the name and position colleagues and clients
    /// see, and the avatar's version (0: none; `GET /api/specialists/{id}/avatar`).
    SpecialistProfiled {
        specialist: u64,
        name: String,
        position: String,
        avatar: u32,
    },
    /// Issue 14: consulting specialist `from` joined the client of `call` with colleague `to`
    /// of `consultation`: the three talk ([`Action::JoinConsultation`]).
    ConsultationJoined {
        call: u64,
        consultation: u64,
        appeal: u64,
        client: u64,
        from: u64,
        to: u64,
    },
    /// Issue 18: a call through the PBX between `specialist` and `client` took place
    /// ([`Action::LogPbxCall`]), on `appeal`; it ended `connected_ms` after it connected.
    /// `key` is the action's idempotency key, so the specialist's app finds the call's id for
    /// its recording's upload.
    PbxCallLogged {
        call: u64,
        appeal: u64,
        client: u64,
        specialist: u64,
        inbound: bool,
        connected_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
}

/// Which of a line's reference data changed ([`Event::ReferenceChanged`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferencePart {
    /// C8: the quick replies (and their files).
    QuickReplies,
    /// C8: the knowledge base's articles.
    KnowledgeBase,
    /// S5: the appeal types (the SLA levels were saved).
    AppealTypes,
}

/// A3: how many of an appeal's last messages and files a transfer to another line carries.
pub const MAX_CARRIED_MESSAGES: usize = 50;

/// A3: the result of an appeal that went on on another line (the reason stays with the
/// line's specialists, in `AppealTransferred`; the client only learns it went on).
pub const TRANSFERRED_TO_LINE: &str = "transferred_to_line";

/// A line's closing settings, as `GET /api/lines/{line}/closing` gives them to its
/// specialists: A5's auto-finish time (minutes; 0: never) and A4's recommended closing phrases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineClosing {
    pub auto_finish_minutes: u32,
    pub closing_phrases: Vec<String>,
}

/// A5: the result of an appeal the server finished because the client did not reply in the
/// line's auto-finish time (the app translates it).
pub const NO_CLIENT_REPLY: &str = "no_client_reply";

impl Event {
    /// The client the event is about, if any: a client's session sees only its own.
    pub fn client(&self) -> Option<u64> {
        match self {
            Event::MessagePosted { client, .. }
            | Event::AppealOpened { client, .. }
            | Event::AppealAssigned { client, .. }
            | Event::AppealQueued { client, .. }
            | Event::AppealFinished { client, .. }
            | Event::AppealTransferred { client, .. }
            | Event::ClientUpserted { client, .. }
            | Event::AppealRated { client, .. }
            | Event::SlaStarted { client, .. }
            | Event::SlaAtRisk { client, .. }
            | Event::SlaBreached { client, .. }
            | Event::TicketCreated { client, .. }
            | Event::TicketChanged { client, .. }
            | Event::CallRinging { client, .. }
            | Event::CallConnected { client, .. }
            | Event::CallEnded { client, .. }
            | Event::CallStats { client, .. }
            | Event::CallRecorded { client, .. }
            | Event::CallBackRequested { client, .. }
            | Event::RemoteRequested { client, .. }
            | Event::RemoteStarted { client, .. }
            | Event::RemoteEnded { client, .. }
            | Event::AppealMarkedSpam { client, .. }
            | Event::FileShared { client, .. }
            | Event::ArticleHelped { client, .. }
            | Event::CallTransferring { client, .. }
            | Event::CallTransferred { client, .. }
            | Event::AppealWaiting { client, .. }
            | Event::AppealResumed { client, .. }
            | Event::ReplyAwaited { client, .. }
            | Event::CallConsulting { client, .. }
            | Event::ConsultationConnected { client, .. }
            | Event::ConsultationEnded { client, .. }
            | Event::ConsultationJoined { client, .. }
            | Event::ConversationCarried { client, .. }
            | Event::AppealTyped { client, .. }
            | Event::GroupCreated { client, .. }
            | Event::GroupMemberAdded { client, .. }
            | Event::GroupMemberRemoved { client, .. }
            | Event::GroupMessagePosted { client, .. }
            | Event::PbxCallLogged { client, .. } => Some(*client),
            Event::TicketQueueNamed { .. }
            | Event::ClosingSettingsChanged { .. }
            | Event::ReferenceChanged { .. } => None,
            Event::PresenceChanged { .. }
            | Event::LineNamed { .. }
            | Event::SpecialistServes { .. }
            | Event::SpecialistProfiled { .. } => None,
        }
    }

    /// Whether the client it is about may see it: their conversation, their appeals and their
    /// rating, but not the line's internal work on them (SLA timers, tickets' history with
    /// reasons and comments).
    pub fn shown_to_client(&self) -> bool {
        match self {
            Event::MessagePosted { .. }
            | Event::AppealOpened { .. }
            | Event::AppealAssigned { .. }
            | Event::AppealQueued { .. }
            | Event::AppealFinished { .. }
            | Event::AppealRated { .. }
            | Event::CallRinging { .. }
            | Event::CallConnected { .. }
            | Event::CallEnded { .. }
            | Event::CallRecorded { .. }
            | Event::CallBackRequested { .. }
            | Event::RemoteRequested { .. }
            | Event::RemoteStarted { .. }
            | Event::RemoteEnded { .. }
            | Event::FileShared { .. }
            | Event::ArticleHelped { .. }
            | Event::CallTransferred { .. }
            | Event::GroupCreated { .. }
            | Event::GroupMemberAdded { .. }
            | Event::GroupMemberRemoved { .. }
            | Event::GroupMessagePosted { .. } => true,
            Event::TicketQueueNamed { .. } | Event::AppealMarkedSpam { .. } => false,
            Event::PresenceChanged { .. }
            | Event::LineNamed { .. }
            | Event::SpecialistServes { .. }
            | Event::ClientUpserted { .. }
            | Event::AppealTransferred { .. }
            | Event::SlaStarted { .. }
            | Event::SlaAtRisk { .. }
            | Event::SlaBreached { .. }
            | Event::AppealWaiting { .. }
            | Event::AppealResumed { .. }
            | Event::ReplyAwaited { .. }
            | Event::TicketCreated { .. }
            | Event::TicketChanged { .. }
            | Event::CallStats { .. }
            | Event::CallTransferring { .. }
            | Event::CallConsulting { .. }
            | Event::ConsultationConnected { .. }
            | Event::ConsultationEnded { .. }
            | Event::ConsultationJoined { .. }
            | Event::ClosingSettingsChanged { .. }
            | Event::ConversationCarried { .. }
            | Event::AppealTyped { .. }
            | Event::ReferenceChanged { .. }
            | Event::SpecialistProfiled { .. }
            | Event::PbxCallLogged { .. } => false,
        }
    }
}

/// What a line knows of a client (C5): the card of the app's info panel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ClientProfile {
    pub name: String,
    /// The 1C-Connect login ID.
    pub connect_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub inn: Option<String>,
    pub company_reg: Option<String>,
    pub its_contract: Option<String>,
    pub support_params: Option<String>,
    pub position: Option<String>,
    pub department: Option<String>,
    pub region: Option<String>,
    pub birth_date: Option<String>,
    pub vip: bool,
    pub work_status: Option<String>,
    /// Names of the specialists responsible for the client.
    pub responsible: Vec<String>,
    /// Signed in as a guest from the web widget (K1): a name and an e-mail or phone the
    /// person typed, not checked by anyone.
    pub guest: bool,
}

/// Stable error codes of the wire: the app switches on them and translates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or not a frame of this protocol.
    BadFrame,
    TooLarge,
    /// No valid Hello yet, or a bad, expired or revoked token. A live session whose token is
    /// revoked gets this error and is closed.
    Unauthenticated,
    /// The line is not one this specialist serves, or the call is not one this subject is a
    /// party of (a third party's signal).
    Forbidden,
    UnsupportedVersion,
    /// Too many frames, or (HTTP 429 on `POST /api/login`) too many failed logins: wait.
    RateLimited,
    /// A well-formed action with bad content (empty text, unknown client, ...).
    Invalid,
    /// A frame that makes no sense now (a second Hello, a signal for a call that has ended or
    /// that nobody has answered yet, ...).
    OutOfOrder,
    /// Someone else got there first (an appeal already taken, a call already answered).
    Conflict,
    Internal,
    /// V2: the remote session password given is not the client's (the attempt is logged;
    /// repeated ones are [`ErrorCode::RateLimited`] for a while).
    WrongPassword,
    /// V2: the client has set no session password: only a session by request is possible.
    NoPassword,
    /// A text field of the action is over its limit (see [`Action::validate`]); the error's
    /// `field` names it. Nothing was stored.
    TooLong,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("frame of {0} bytes is larger than {MAX_FRAME_BYTES}")]
    TooLarge(usize),
    #[error("not a frame: {0}")]
    Bad(#[from] serde_json::Error),
}

impl DecodeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::TooLarge(_) => ErrorCode::TooLarge,
            DecodeError::Bad(_) => ErrorCode::BadFrame,
        }
    }
}

fn decode<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, DecodeError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(DecodeError::TooLarge(text.len()));
    }
    Ok(serde_json::from_str(text)?)
}

/// The line and sequence number of an event frame that does not decode (too large, or an
/// event this version does not know), read from its raw JSON: what a reader reports and skips.
pub fn event_position(text: &str) -> Option<(u64, u64)> {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: String,
        line: u64,
        seq: u64,
    }
    serde_json::from_str::<Envelope>(text)
        .ok()
        .filter(|e| e.kind == "event")
        .map(|e| (e.line, e.seq))
}

impl ClientFrame {
    pub fn decode(text: &str) -> Result<ClientFrame, DecodeError> {
        decode(text)
    }
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ServerFrame {
    pub fn decode(text: &str) -> Result<ServerFrame, DecodeError> {
        decode(text)
    }
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    /// An error frame; the message is cut to [`MAX_ERROR_MESSAGE_CHARS`] and a key longer
    /// than [`MAX_KEY_BYTES`] (never one the server accepted) is not echoed, so the frame
    /// stays small whatever the refused frame held.
    pub fn error(code: ErrorCode, message: impl Into<String>, key: Option<String>) -> ServerFrame {
        ServerFrame::Error {
            code,
            message: limits::bounded_message(message.into()),
            key: key.filter(|k| k.len() <= MAX_KEY_BYTES),
            rule: None,
            field: None,
        }
    }

    /// The same error frame naming the line's rule that refused the action (a domain code
    /// such as `AppealError::code()`, which the app translates as `rule.<code>`).
    pub fn with_rule(self, refused_by: Option<&str>) -> ServerFrame {
        match self {
            ServerFrame::Error {
                code,
                message,
                key,
                field,
                ..
            } => ServerFrame::Error {
                code,
                message,
                key,
                rule: refused_by.map(str::to_string),
                field,
            },
            other => other,
        }
    }

    /// The refusal of an action whose field is over its limit: [`ErrorCode::TooLong`] naming
    /// the field.
    pub fn too_long(error: &FieldError, key: Option<String>) -> ServerFrame {
        ServerFrame::Error {
            code: error.code(),
            message: error.to_string(),
            key: key.filter(|k| k.len() <= MAX_KEY_BYTES),
            rule: None,
            field: Some(error.field.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn wire_code_is_the_snake_case_name_of_a_unit_enum() {
        assert_eq!(super::wire_code(CallEndReason::NoAnswer), "no_answer");
        assert_eq!(super::wire_code(RemoteMode::ByPassword), "by_password");
        assert_eq!(super::wire_code(7_u8), "", "not a name");
    }

    use super::*;

    #[test]
    fn frames_round_trip_and_have_stable_tags() {
        let f = ClientFrame::Submit {
            key: "k1".into(),
            action: Action::SendMessage {
                line: 1,
                client: 2,
                text: "Привет".into(),
            },
        };
        let text = f.encode();
        assert!(
            text.contains("\"type\":\"submit\"") && text.contains("\"kind\":\"send_message\""),
            "{text}"
        );
        assert_eq!(ClientFrame::decode(&text).expect("decode"), f);
        let s = ServerFrame::error(ErrorCode::Forbidden, "no", None);
        assert_eq!(ServerFrame::decode(&s.encode()).expect("decode"), s);
    }

    #[test]
    fn new_actions_and_events_have_the_agreed_shapes() {
        let rate = ClientFrame::Submit {
            key: "r".into(),
            action: Action::RateAppeal {
                appeal: 7,
                stars: 5,
                comment: None,
            },
        };
        assert_eq!(
            rate.encode(),
            r#"{"type":"submit","key":"r","action":{"kind":"rate_appeal","appeal":7,"stars":5}}"#
        );
        let rated = Event::AppealRated {
            appeal: 7,
            client: 3,
            stars: 5,
            comment: None,
        };
        assert_eq!(
            serde_json::to_string(&rated).expect("json"),
            r#"{"kind":"appeal_rated","appeal":7,"client":3,"stars":5}"#
        );
        let risk = Event::SlaAtRisk {
            appeal: 7,
            client: 3,
            specialist: Some(1),
            deadline: SlaDeadline::Reaction,
            due_ms: 1_000,
        };
        assert_eq!(
            serde_json::to_string(&risk).expect("json"),
            r#"{"kind":"sla_at_risk","appeal":7,"client":3,"specialist":1,"deadline":"reaction","due_ms":1000}"#
        );
        let breached = r#"{"kind":"sla_breached","appeal":7,"client":3,"specialist":null,"deadline":"resolution","due_ms":5}"#;
        let e: Event = serde_json::from_str(breached).expect("decode");
        assert_eq!(e.client(), Some(3));
        assert!(!e.shown_to_client() && rated.shown_to_client());
        let create = r#"{"kind":"create_ticket","line":1,"client":2,"appeal":null,"subject":"Ошибка","text":"Не печатает"}"#;
        assert!(matches!(
            serde_json::from_str::<Action>(create).expect("decode"),
            Action::CreateTicket { appeal: None, .. }
        ));
        let repeat = r#"{"kind":"repeat_ticket","ticket":4,"comment":"Опять"}"#;
        assert_eq!(
            serde_json::from_str::<Action>(repeat).expect("decode"),
            Action::RepeatTicket {
                ticket: 4,
                comment: "Опять".into(),
                client_insists: false
            }
        );
    }

    #[test]
    fn garbage_and_oversized_frames_are_typed_errors() {
        for bad in [
            "",
            "{",
            "null",
            "[]",
            "{\"type\":\"launch\"}",
            "{\"type\":\"subscribe\",\"line\":-1,\"after\":0}",
        ] {
            let err = ClientFrame::decode(bad).expect_err(bad);
            assert_eq!(err.code(), ErrorCode::BadFrame, "{bad}");
        }
        let huge = format!(
            "{{\"type\":\"ping\",\"id\":1,\"pad\":\"{}\"}}",
            "x".repeat(MAX_FRAME_BYTES)
        );
        assert_eq!(
            ClientFrame::decode(&huge).expect_err("huge").code(),
            ErrorCode::TooLarge
        );
    }
}
