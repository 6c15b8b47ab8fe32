//! Every action and every event at its limits, in the worst case of JSON escaping, fits a
//! frame. The variant matches have no wildcard: a new action or event does not compile until
//! it is listed here (and then has to be built at its limits to pass).

use chrono::{DateTime, Utc};
use linedesk_domain::appeal::{SupportTier, TransferTarget};
use linedesk_domain::ids::{LineId, QueueId, SpecialistId};
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::ticket::{TicketAction, TicketHistoryEntry, TicketNumber, TicketState};

use super::*;
use crate::{
    AppealChannel, CallEndReason, CallQuality, ChatWatcher, ClientFrame, Event,
    MAX_APPEAL_KIND_CHARS, MAX_CANDIDATE_BYTES, MAX_CHAT_WATCHERS, MAX_FILE_NAME_CHARS,
    MAX_FRAME_BYTES, MAX_KEY_BYTES, MAX_REMOTE_PASSWORD_CHARS, MAX_SDP_BYTES, MAX_SDP_MID_BYTES,
    ReferencePart, RemoteEndReason, RemoteMode, Role, ServerFrame, SignalKind, SignalPayload,
    SlaDeadline,
};

/// The character that costs the most bytes in a JSON string: six (`\u0001`).
const WORST: char = '\u{1}';

/// `n` characters of the costliest kind.
fn worst(n: usize) -> String {
    std::iter::repeat_n(WORST, n).collect()
}

fn some_worst(n: usize) -> Option<String> {
    Some(worst(n))
}

const ID: u64 = u64::MAX;

#[test]
fn the_worst_character_is_six_bytes_escaped_and_none_is_worse() {
    let size = |c: char| serde_json::to_string(&c.to_string()).map_or(0, |s| s.len() - 2);
    assert_eq!(size(WORST), 6);
    for c in [
        '"', '\\', '\n', '\u{7f}', '\u{1f}', 'я', '€', '𝄞', '\u{2028}', '\u{feff}',
    ] {
        assert!(size(c) <= size(WORST), "{c:?} takes {} bytes", size(c));
    }
}

/// Every action with every field at its limit.
fn maximal_actions() -> Vec<Action> {
    let quality = CallQuality {
        duration_ms: u64::MAX,
        packets_sent: u64::MAX,
        packets_received: u64::MAX,
        loss_permille: u32::MAX,
        late_permille: u32::MAX,
        jitter_ms: u32::MAX,
        buffer_ms: u32::MAX,
        rtt_ms: Some(u32::MAX),
        mos_centi: u16::MAX,
        far_loss_permille: Some(u32::MAX),
        far_jitter_ms: Some(u32::MAX),
    };
    let actions = vec![
        Action::SendMessage {
            line: ID,
            client: ID,
            text: worst(MAX_MESSAGE_CHARS),
        },
        Action::SendMessageConfirmed {
            line: ID,
            client: ID,
            text: worst(MAX_MESSAGE_CHARS),
        },
        Action::SetPresence {
            status: PresenceStatus::DoNotDisturb,
        },
        Action::ClientMessage {
            text: worst(MAX_MESSAGE_CHARS),
        },
        Action::TakeAppeal { appeal: ID },
        Action::TransferAppeal {
            appeal: ID,
            to: Some(ID),
            reason: worst(MAX_TRANSFER_REASON_CHARS),
            target: Some(TransferTarget::Colleague(SpecialistId(ID))),
        },
        Action::FinishAppeal {
            appeal: ID,
            result: worst(MAX_RESULT_CHARS),
        },
        Action::RateAppeal {
            appeal: ID,
            stars: u8::MAX,
            comment: some_worst(MAX_RATING_COMMENT_CHARS),
        },
        Action::CreateTicket {
            line: ID,
            client: ID,
            appeal: Some(ID),
            subject: worst(MAX_TICKET_SUBJECT_CHARS),
            text: worst(MAX_TICKET_TEXT_CHARS),
        },
        Action::SaveTicket { ticket: ID },
        Action::DispatchTicket {
            ticket: ID,
            queue: ID,
        },
        Action::TakeTicket { ticket: ID },
        Action::RejectTicket {
            ticket: ID,
            reason: worst(MAX_TICKET_TEXT_CHARS),
        },
        Action::ForwardTicket {
            ticket: ID,
            queue: ID,
        },
        Action::CommentTicket {
            ticket: ID,
            text: worst(MAX_TICKET_TEXT_CHARS),
        },
        Action::RepeatTicket {
            ticket: ID,
            comment: worst(MAX_TICKET_TEXT_CHARS),
            client_insists: true,
        },
        Action::CloseTicket { ticket: ID },
        Action::PlaceCall {
            line: ID,
            client: Some(ID),
        },
        Action::AnswerCall { call: ID },
        Action::HangUp {
            call: ID,
            reason: CallEndReason::Cancelled,
        },
        Action::CallStats { call: ID, quality },
        Action::RequestCallBack { line: ID },
        Action::SetRemotePassword {
            password: some_worst(MAX_REMOTE_PASSWORD_CHARS),
        },
        Action::RequestRemoteSession {
            line: ID,
            client: ID,
            mode: RemoteMode::ByPassword,
            password: some_worst(MAX_REMOTE_PASSWORD_CHARS),
        },
        Action::AnswerRemoteSession {
            session: ID,
            accept: false,
        },
        Action::EndRemoteSession {
            session: ID,
            reason: Some(RemoteEndReason::EndedBySpecialist),
        },
        Action::StartAppeal {
            appeal_type: Some(worst(MAX_APPEAL_KIND_CHARS)),
            line: ID,
            client: ID,
        },
        Action::MarkSpam { appeal: ID },
        Action::SaveKbDraft {
            line: ID,
            subject: worst(MAX_KB_DRAFT_SUBJECT_CHARS),
            text: worst(MAX_KB_DRAFT_TEXT_CHARS),
        },
        Action::ArticleHelped {
            line: ID,
            article: ID,
        },
        Action::TransferCall {
            call: ID,
            to: ID,
            reason: worst(MAX_TRANSFER_REASON_CHARS),
        },
        Action::WaitForClient { appeal: ID },
        Action::ConsultCall { call: ID, to: ID },
        Action::HandOverCall {
            consultation: ID,
            reason: worst(MAX_TRANSFER_REASON_CHARS),
        },
        Action::SetAppealType {
            appeal: ID,
            appeal_type: worst(MAX_APPEAL_KIND_CHARS),
        },
        Action::CreateGroup {
            line: ID,
            client: ID,
            title: worst(MAX_GROUP_TITLE_CHARS),
            members: vec![ID; crate::MAX_GROUP_SPECIALISTS],
        },
        Action::AddGroupMember {
            group: ID,
            specialist: ID,
        },
        Action::RemoveGroupMember {
            group: ID,
            specialist: ID,
        },
        Action::GroupMessage {
            group: ID,
            text: worst(MAX_MESSAGE_CHARS),
        },
        Action::SetProfile {
            name: worst(MAX_NAME_CHARS),
            position: worst(MAX_NAME_CHARS),
        },
        Action::DisputeTicket {
            ticket: ID,
            reason: worst(MAX_TRANSFER_REASON_CHARS),
        },
        Action::JoinConsultation { consultation: ID },
        Action::PlaceCallConfirmed {
            line: ID,
            client: ID,
        },
        Action::LogPbxCall {
            line: ID,
            client: ID,
            inbound: true,
            connected_ms: crate::MAX_PBX_CALL_MS,
        },
    ];
    assert_every_variant(&actions, action_variant, ACTION_VARIANTS);
    actions
}

const ACTION_VARIANTS: usize = 44;

fn action_variant(action: &Action) -> usize {
    match action {
        Action::SendMessage { .. } => 0,
        Action::SetPresence { .. } => 1,
        Action::ClientMessage { .. } => 2,
        Action::TakeAppeal { .. } => 3,
        Action::TransferAppeal { .. } => 4,
        Action::FinishAppeal { .. } => 5,
        Action::RateAppeal { .. } => 6,
        Action::CreateTicket { .. } => 7,
        Action::SaveTicket { .. } => 8,
        Action::DispatchTicket { .. } => 9,
        Action::TakeTicket { .. } => 10,
        Action::RejectTicket { .. } => 11,
        Action::ForwardTicket { .. } => 12,
        Action::CommentTicket { .. } => 13,
        Action::RepeatTicket { .. } => 14,
        Action::CloseTicket { .. } => 15,
        Action::PlaceCall { .. } => 16,
        Action::AnswerCall { .. } => 17,
        Action::HangUp { .. } => 18,
        Action::CallStats { .. } => 19,
        Action::SetRemotePassword { .. } => 20,
        Action::RequestRemoteSession { .. } => 21,
        Action::AnswerRemoteSession { .. } => 22,
        Action::EndRemoteSession { .. } => 23,
        Action::StartAppeal { .. } => 24,
        Action::MarkSpam { .. } => 25,
        Action::SaveKbDraft { .. } => 26,
        Action::ArticleHelped { .. } => 27,
        Action::RequestCallBack { .. } => 28,
        Action::TransferCall { .. } => 29,
        Action::WaitForClient { .. } => 30,
        Action::ConsultCall { .. } => 31,
        Action::HandOverCall { .. } => 32,
        Action::SendMessageConfirmed { .. } => 33,
        Action::SetAppealType { .. } => 34,
        Action::CreateGroup { .. } => 35,
        Action::AddGroupMember { .. } => 36,
        Action::RemoveGroupMember { .. } => 37,
        Action::GroupMessage { .. } => 38,
        Action::SetProfile { .. } => 39,
        Action::DisputeTicket { .. } => 40,
        Action::JoinConsultation { .. } => 41,
        Action::PlaceCallConfirmed { .. } => 42,
        Action::LogPbxCall { .. } => 43,
    }
}

fn assert_every_variant<T>(values: &[T], variant: fn(&T) -> usize, count: usize) {
    let seen: std::collections::BTreeSet<usize> = values.iter().map(variant).collect();
    let missing: Vec<usize> = (0..count).filter(|i| !seen.contains(i)).collect();
    assert!(missing.is_empty(), "variants not built: {missing:?}");
}

fn maximal_profile() -> ClientProfile {
    ClientProfile {
        name: worst(card::NAME),
        connect_id: some_worst(card::CONNECT_ID),
        email: some_worst(card::EMAIL),
        phone: some_worst(card::PHONE),
        company: some_worst(card::COMPANY),
        inn: some_worst(card::INN),
        company_reg: some_worst(card::COMPANY_REG),
        its_contract: some_worst(card::ITS_CONTRACT),
        support_params: some_worst(card::SUPPORT_PARAMS),
        position: some_worst(card::POSITION),
        department: some_worst(card::DEPARTMENT),
        region: some_worst(card::REGION),
        birth_date: some_worst(card::BIRTH_DATE),
        vip: true,
        work_status: some_worst(card::WORK_STATUS),
        guest: true,
        responsible: vec![worst(MAX_NAME_CHARS); card::RESPONSIBLE_COUNT],
    }
}

/// The longest key the server accepts, of the costliest characters.
fn worst_key() -> Option<String> {
    some_worst(MAX_KEY_BYTES)
}

/// Every event with every field as large as the server can make it from valid actions and
/// imports (several shapes where a variant has more than one large form).
fn maximal_events() -> Vec<Event> {
    let at = DateTime::<Utc>::MAX_UTC;
    let number = TicketNumber {
        year: u16::MAX,
        seq: u32::MAX,
    };
    let entry = |action| TicketHistoryEntry {
        at,
        by: SpecialistId(ID),
        action,
    };
    let quality = CallQuality {
        duration_ms: u64::MAX,
        packets_sent: u64::MAX,
        packets_received: u64::MAX,
        loss_permille: u32::MAX,
        late_permille: u32::MAX,
        jitter_ms: u32::MAX,
        buffer_ms: u32::MAX,
        rtt_ms: Some(u32::MAX),
        mos_centi: u16::MAX,
        far_loss_permille: Some(u32::MAX),
        far_jitter_ms: Some(u32::MAX),
    };
    let mut events = vec![
        Event::MessagePosted {
            client: ID,
            from_specialist: Some(ID),
            text: worst(MAX_MESSAGE_CHARS),
            appeal: Some(ID),
            key: worst_key(),
        },
        Event::LineNamed {
            name: worst(MAX_NAME_CHARS),
        },
        Event::SpecialistServes {
            specialist: ID,
            name: worst(MAX_NAME_CHARS),
        },
        Event::ClientUpserted {
            client: ID,
            profile: Box::new(maximal_profile()),
        },
        Event::PresenceChanged {
            specialist: ID,
            status: PresenceStatus::DoNotDisturb,
        },
        Event::AppealOpened {
            appeal: ID,
            client: ID,
            channel: AppealChannel::Manual,
        },
        Event::AppealAssigned {
            appeal: ID,
            client: ID,
            specialist: ID,
        },
        Event::AppealQueued {
            appeal: ID,
            client: ID,
        },
        Event::AppealFinished {
            appeal: ID,
            client: ID,
            result: worst(MAX_RESULT_CHARS),
        },
        Event::AppealRated {
            appeal: ID,
            client: ID,
            stars: u8::MAX,
            comment: some_worst(MAX_RATING_COMMENT_CHARS),
        },
        Event::SlaStarted {
            appeal: ID,
            client: ID,
            level: worst(MAX_SLA_LEVEL_NAME_CHARS),
            reaction_due_ms: i64::MIN,
            resolution_due_ms: i64::MIN,
        },
        Event::SlaAtRisk {
            appeal: ID,
            client: ID,
            specialist: Some(ID),
            deadline: SlaDeadline::Resolution,
            due_ms: i64::MIN,
        },
        Event::SlaBreached {
            appeal: ID,
            client: ID,
            specialist: Some(ID),
            deadline: SlaDeadline::Resolution,
            due_ms: i64::MIN,
        },
        Event::TicketCreated {
            ticket: ID,
            number,
            client: ID,
            appeal: Some(ID),
            subject: worst(MAX_TICKET_SUBJECT_CHARS),
            text: worst(MAX_TICKET_TEXT_CHARS),
            entry: entry(TicketAction::Created),
        },
        Event::CallRinging {
            call: ID,
            appeal: ID,
            client: ID,
            specialist: Some(ID),
            from: Role::Specialist,
            key: worst_key(),
        },
        Event::CallConnected {
            call: ID,
            appeal: ID,
            client: ID,
            specialist: ID,
        },
        Event::CallEnded {
            call: ID,
            appeal: ID,
            client: ID,
            specialist: Some(ID),
            by: Role::Specialist,
            reason: CallEndReason::Cancelled,
            connected_ms: Some(i64::MIN),
        },
        Event::CallStats {
            call: ID,
            appeal: ID,
            client: ID,
            specialist: Some(ID),
            from: Role::Specialist,
            quality,
        },
        Event::CallRecorded {
            call: ID,
            appeal: ID,
            client: ID,
            bytes: u64::MAX,
            duration_ms: u64::MAX,
            gaps: vec![
                crate::RecordingGap {
                    at_ms: u64::MAX,
                    length_ms: u64::MAX,
                };
                crate::MAX_RECORDING_GAPS
            ],
        },
        Event::CallBackRequested {
            appeal: ID,
            client: ID,
        },
        Event::RemoteRequested {
            session: ID,
            appeal: ID,
            client: ID,
            specialist: ID,
            specialist_name: worst(MAX_NAME_CHARS),
            line_name: worst(MAX_NAME_CHARS),
            mode: RemoteMode::ByPassword,
            key: worst_key(),
        },
        Event::RemoteStarted {
            session: ID,
            appeal: ID,
            client: ID,
            specialist: ID,
            mode: RemoteMode::ByPassword,
        },
        Event::RemoteEnded {
            session: ID,
            appeal: ID,
            client: ID,
            specialist: ID,
            mode: RemoteMode::ByPassword,
            by: Role::Specialist,
            reason: RemoteEndReason::EndedBySpecialist,
            duration_ms: Some(u64::MAX),
        },
        Event::TicketQueueNamed {
            queue: ID,
            name: worst(MAX_NAME_CHARS),
        },
        Event::AppealMarkedSpam {
            appeal: ID,
            client: ID,
            specialist: ID,
        },
        Event::FileShared {
            file: ID,
            client: ID,
            from_specialist: Some(ID),
            // Names are sanitised: no control characters, at most this many characters.
            name: "𝄞".repeat(MAX_FILE_NAME_CHARS),
            size: u64::MAX,
            appeal: Some(ID),
        },
        Event::ArticleHelped {
            client: ID,
            article: ID,
            title: worst(MAX_KB_TITLE_CHARS),
        },
        Event::CallTransferring {
            call: ID,
            leg: ID,
            appeal: ID,
            client: ID,
            from: ID,
            to: ID,
        },
        Event::CallTransferred {
            call: ID,
            leg: ID,
            appeal: ID,
            client: ID,
            from: ID,
            to: ID,
        },
        Event::AppealWaiting {
            appeal: ID,
            client: ID,
            specialist: ID,
        },
        Event::AppealResumed {
            appeal: ID,
            client: ID,
            resolution_due_ms: Some(i64::MAX),
        },
        Event::ReplyAwaited {
            appeal: ID,
            client: ID,
            auto_finish_at_ms: Some(i64::MAX),
            finish_allowed_at_ms: Some(i64::MAX),
        },
        Event::CallConsulting {
            call: ID,
            consultation: ID,
            appeal: ID,
            client: ID,
            from: ID,
            to: ID,
        },
        Event::ConsultationConnected {
            call: ID,
            consultation: ID,
            appeal: ID,
            client: ID,
            from: ID,
            to: ID,
        },
        Event::ConsultationEnded {
            call: ID,
            consultation: ID,
            appeal: ID,
            client: ID,
            from: ID,
            to: ID,
            by: Some(ID),
            reason: CallEndReason::NoAnswer,
            connected_ms: Some(i64::MAX),
        },
        Event::ClosingSettingsChanged {
            auto_finish_minutes: u32::MAX,
            closing_phrases: vec![
                worst(MAX_CLOSING_PHRASE_CHARS);
                linedesk_domain::appeal::closing::MAX_CLOSING_PHRASES
            ],
        },
        Event::ConversationCarried {
            appeal: ID,
            client: ID,
            from_line: ID,
            from_appeal: ID,
            author: some_worst(MAX_NAME_CHARS),
            text: worst(MAX_MESSAGE_CHARS),
            file: true,
            at_ms: i64::MIN,
        },
        Event::AppealTyped {
            appeal: ID,
            client: ID,
            appeal_type: worst(MAX_APPEAL_KIND_CHARS),
            by: Some(ID),
        },
        Event::ReferenceChanged {
            part: ReferencePart::AppealTypes,
        },
        Event::GroupCreated {
            group: ID,
            client: ID,
            title: worst(MAX_GROUP_TITLE_CHARS),
            by: ID,
            members: vec![
                crate::GroupMember {
                    specialist: ID,
                    name: worst(MAX_NAME_CHARS),
                };
                crate::MAX_GROUP_SPECIALISTS
            ],
            key: worst_key(),
        },
        Event::GroupMemberAdded {
            group: ID,
            client: ID,
            by: ID,
            member: crate::GroupMember {
                specialist: ID,
                name: worst(MAX_NAME_CHARS),
            },
        },
        Event::GroupMemberRemoved {
            group: ID,
            client: ID,
            by: ID,
            specialist: ID,
        },
        Event::GroupMessagePosted {
            group: ID,
            client: ID,
            from_specialist: Some(ID),
            text: worst(MAX_MESSAGE_CHARS),
            key: worst_key(),
        },
        Event::SpecialistProfiled {
            specialist: ID,
            name: worst(MAX_NAME_CHARS),
            position: worst(MAX_NAME_CHARS),
            avatar: u32::MAX,
        },
        Event::ConsultationJoined {
            call: ID,
            consultation: ID,
            appeal: ID,
            client: ID,
            from: ID,
            to: ID,
        },
        Event::PbxCallLogged {
            call: ID,
            appeal: ID,
            client: ID,
            specialist: ID,
            inbound: true,
            connected_ms: crate::MAX_PBX_CALL_MS,
            key: worst_key(),
        },
    ];
    for target in [
        TransferTarget::Colleague(SpecialistId(ID)),
        TransferTarget::Tier(SupportTier::Second),
        TransferTarget::Line(LineId(ID)),
    ] {
        events.push(Event::AppealTransferred {
            appeal: ID,
            client: ID,
            from: ID,
            to: Some(ID),
            reason: worst(MAX_TRANSFER_REASON_CHARS),
            target: Some(target),
        });
    }
    let text = || worst(MAX_TICKET_TEXT_CHARS);
    for action in [
        TicketAction::Rejected { reason: text() },
        TicketAction::Commented { text: text() },
        TicketAction::MarkedRepeat { comment: text() },
        TicketAction::Dispatched { queue: QueueId(ID) },
        TicketAction::ReplacedBy { number },
    ] {
        events.push(Event::TicketChanged {
            ticket: ID,
            number,
            client: ID,
            state: TicketState::OpenRejectReturn,
            queue: Some(ID),
            repeat: true,
            entry: entry(action),
        });
    }
    assert_every_variant(&events, event_variant, EVENT_VARIANTS);
    events
}

const EVENT_VARIANTS: usize = 48;

fn event_variant(event: &Event) -> usize {
    match event {
        Event::MessagePosted { .. } => 0,
        Event::LineNamed { .. } => 1,
        Event::SpecialistServes { .. } => 2,
        Event::ClientUpserted { .. } => 3,
        Event::PresenceChanged { .. } => 4,
        Event::AppealOpened { .. } => 5,
        Event::AppealAssigned { .. } => 6,
        Event::AppealQueued { .. } => 7,
        Event::AppealFinished { .. } => 8,
        Event::AppealTransferred { .. } => 9,
        Event::AppealRated { .. } => 10,
        Event::SlaStarted { .. } => 11,
        Event::SlaAtRisk { .. } => 12,
        Event::SlaBreached { .. } => 13,
        Event::TicketCreated { .. } => 14,
        Event::TicketChanged { .. } => 15,
        Event::CallRinging { .. } => 16,
        Event::CallConnected { .. } => 17,
        Event::CallEnded { .. } => 18,
        Event::CallStats { .. } => 19,
        Event::CallRecorded { .. } => 20,
        Event::RemoteRequested { .. } => 21,
        Event::RemoteStarted { .. } => 22,
        Event::RemoteEnded { .. } => 23,
        Event::TicketQueueNamed { .. } => 24,
        Event::AppealMarkedSpam { .. } => 25,
        Event::FileShared { .. } => 26,
        Event::ArticleHelped { .. } => 27,
        Event::CallBackRequested { .. } => 28,
        Event::CallTransferring { .. } => 29,
        Event::CallTransferred { .. } => 30,
        Event::AppealWaiting { .. } => 31,
        Event::AppealResumed { .. } => 32,
        Event::ReplyAwaited { .. } => 33,
        Event::CallConsulting { .. } => 34,
        Event::ConsultationConnected { .. } => 35,
        Event::ConsultationEnded { .. } => 36,
        Event::ClosingSettingsChanged { .. } => 37,
        Event::ConversationCarried { .. } => 38,
        Event::AppealTyped { .. } => 39,
        Event::ReferenceChanged { .. } => 40,
        Event::GroupCreated { .. } => 41,
        Event::GroupMemberAdded { .. } => 42,
        Event::GroupMemberRemoved { .. } => 43,
        Event::GroupMessagePosted { .. } => 44,
        Event::SpecialistProfiled { .. } => 45,
        Event::ConsultationJoined { .. } => 46,
        Event::PbxCallLogged { .. } => 47,
    }
}

fn assert_fits(what: &str, frame: &str) {
    assert!(
        frame.len() <= MAX_FRAME_BYTES,
        "{what}: {} bytes, over {MAX_FRAME_BYTES}",
        frame.len()
    );
}

#[test]
fn every_maximal_action_is_valid_and_its_submit_fits_a_frame() {
    for action in maximal_actions() {
        assert_eq!(action.validate(), Ok(()), "{}", action_variant(&action));
        let submit = ClientFrame::Submit {
            key: worst(MAX_KEY_BYTES),
            action,
        };
        assert_fits("submit", &submit.encode());
    }
}

#[test]
fn every_maximal_event_fits_a_frame() {
    let mut largest = 0;
    for event in maximal_events() {
        let name = event_variant(&event);
        let frame = ServerFrame::Event {
            line: ID,
            seq: ID,
            at_ms: i64::MIN,
            event,
        }
        .encode();
        assert_fits(&format!("event variant {name}"), &frame);
        largest = largest.max(frame.len());
    }
    // The margin the envelope has left (a frame rarely grows, but a new field could).
    assert!(
        largest + 2_000 < MAX_FRAME_BYTES,
        "largest event: {largest}"
    );
}

/// Every other frame the server sends, at its largest.
#[test]
fn every_other_server_frame_fits() {
    let sdp = format!("v=0\r\nm=audio {}", "\"".repeat(MAX_SDP_BYTES - 14));
    let payloads = [
        SignalPayload::Offer { sdp: sdp.clone() },
        SignalPayload::Answer { sdp },
        SignalPayload::Candidate {
            candidate: format!("candidate:{}", "\\".repeat(MAX_CANDIDATE_BYTES - 10)),
            sdp_mid: Some("\"".repeat(MAX_SDP_MID_BYTES)),
            sdp_mline_index: Some(u16::MAX),
        },
        SignalPayload::Hold { on: false },
    ];
    let mut frames = Vec::new();
    for payload in payloads {
        assert_eq!(payload.check_for(SignalKind::Call), Ok(()), "{payload:?}");
        frames.push(ServerFrame::Signal {
            call: ID,
            from: Role::Specialist,
            payload: payload.clone(),
        });
        frames.push(ServerFrame::RemoteSignal {
            session: ID,
            from: Role::Specialist,
            payload,
        });
    }
    frames.extend([
        // However long the refused frame's message and key were.
        ServerFrame::error(
            ErrorCode::UnsupportedVersion,
            worst(MAX_FRAME_BYTES),
            some_worst(MAX_FRAME_BYTES),
        ),
        ServerFrame::too_long(
            &FieldError {
                field: "profile.support_params",
                max: usize::MAX,
                unit: LimitUnit::Characters,
            },
            worst_key(),
        ),
        ServerFrame::Ack {
            key: worst(MAX_KEY_BYTES),
            duplicate: false,
        },
        ServerFrame::CaughtUp { line: ID, seq: ID },
        ServerFrame::Pong { id: ID },
        // A specialist of a thousand lines.
        ServerFrame::Welcome {
            version: u16::MAX,
            role: Role::Specialist,
            id: ID,
            lines: vec![ID; 1_000],
        },
        ServerFrame::ChatWatchers {
            line: ID,
            client: ID,
            watchers: vec![
                ChatWatcher {
                    specialist: ID,
                    typing: true,
                };
                MAX_CHAT_WATCHERS
            ],
        },
    ]);
    for frame in frames {
        let kind = match &frame {
            ServerFrame::Welcome { .. } => "welcome",
            ServerFrame::Event { .. } => "event",
            ServerFrame::CaughtUp { .. } => "caught_up",
            ServerFrame::Ack { .. } => "ack",
            ServerFrame::Error { .. } => "error",
            ServerFrame::Pong { .. } => "pong",
            ServerFrame::Signal { .. } => "signal",
            ServerFrame::RemoteSignal { .. } => "remote_signal",
            ServerFrame::ChatWatchers { .. } => "chat_watchers",
        };
        assert_fits(kind, &frame.encode());
    }
}

#[test]
fn signals_with_control_characters_or_a_long_mid_are_refused() {
    let control = SignalPayload::Offer {
        sdp: format!("v=0\r\nm=audio 9{}", worst(10)),
    };
    assert!(control.check().is_err());
    let mid = SignalPayload::Candidate {
        candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
        sdp_mid: Some("m".repeat(MAX_SDP_MID_BYTES + 1)),
        sdp_mline_index: None,
    };
    assert!(mid.check().is_err());
}

#[test]
fn one_character_over_names_the_field_and_its_limit() {
    let over = |n: usize| "я".repeat(n + 1);
    let cases = [
        (
            Action::CommentTicket {
                ticket: 1,
                text: over(MAX_TICKET_TEXT_CHARS),
            },
            "text",
            MAX_TICKET_TEXT_CHARS,
        ),
        (
            Action::TransferAppeal {
                appeal: 1,
                to: None,
                reason: over(MAX_TRANSFER_REASON_CHARS),
                target: None,
            },
            "reason",
            MAX_TRANSFER_REASON_CHARS,
        ),
        (
            Action::CreateTicket {
                line: 1,
                client: 1,
                appeal: None,
                subject: over(MAX_TICKET_SUBJECT_CHARS),
                text: "t".into(),
            },
            "subject",
            MAX_TICKET_SUBJECT_CHARS,
        ),
        (
            Action::SetRemotePassword {
                password: Some(over(MAX_REMOTE_PASSWORD_CHARS)),
            },
            "password",
            MAX_REMOTE_PASSWORD_CHARS,
        ),
    ];
    for (action, field, max) in cases {
        let err = action.validate().expect_err(field);
        assert_eq!(
            (err.field, err.max, err.code()),
            (field, max, ErrorCode::TooLong)
        );
        assert!(err.to_string().contains(&max.to_string()), "{err}");
    }
    // Characters, not bytes: the limit in Cyrillic is the same number.
    let at_limit = Action::ClientMessage {
        text: "я".repeat(MAX_MESSAGE_CHARS),
    };
    assert_eq!(at_limit.validate(), Ok(()));
}

#[test]
fn a_card_over_its_limits_names_the_field() {
    assert_eq!(maximal_profile().validate(), Ok(()));
    let mut card = maximal_profile();
    card.email = Some("e".repeat(card::EMAIL + 1));
    assert_eq!(card.validate().map_err(|e| e.field), Err("email"));
    let mut card = maximal_profile();
    card.responsible.push("one too many".into());
    let err = card.validate().expect_err("too many");
    assert_eq!((err.field, err.unit), ("responsible", LimitUnit::Entries));
    let mut card = maximal_profile();
    card.responsible[3] = "x".repeat(MAX_NAME_CHARS + 1);
    assert_eq!(card.validate().map_err(|e| e.field), Err("responsible"));
}

#[test]
fn error_frames_keep_the_field_and_old_ones_still_decode() {
    let err = FieldError {
        field: "text",
        max: 10,
        unit: LimitUnit::Characters,
    };
    let frame = ServerFrame::too_long(&err, Some("k".into()));
    let text = frame.encode();
    assert!(text.contains(r#""code":"too_long""#) && text.contains(r#""field":"text""#));
    assert!(!text.contains("rule"), "None is skipped: {text}");
    assert_eq!(ServerFrame::decode(&text).expect("decode"), frame);
    let old = r#"{"type":"error","code":"invalid","message":"m","key":null}"#;
    assert!(matches!(
        ServerFrame::decode(old).expect("old"),
        ServerFrame::Error {
            rule: None,
            field: None,
            ..
        }
    ));
    let message = worst(MAX_ERROR_MESSAGE_CHARS + 100);
    match ServerFrame::error(ErrorCode::Invalid, message, None) {
        ServerFrame::Error { message, .. } => {
            assert_eq!(message.chars().count(), MAX_ERROR_MESSAGE_CHARS + 1)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_guest_sign_in_at_its_limits_fits_its_body_cap_and_one_over_is_named() {
    let at_limits = GuestSignIn {
        line: ID,
        name: worst(card::NAME),
        email: some_worst(card::EMAIL),
        phone: some_worst(card::PHONE),
    };
    assert_eq!(at_limits.validate(), Ok(()));
    let body = serde_json::to_string(&at_limits).expect("json");
    assert!(
        body.len() <= MAX_GUEST_BODY_BYTES,
        "{} bytes, over {MAX_GUEST_BODY_BYTES}",
        body.len()
    );
    for (field, over) in [
        (
            "name",
            GuestSignIn {
                name: "я".repeat(card::NAME + 1),
                ..at_limits.clone()
            },
        ),
        (
            "email",
            GuestSignIn {
                email: Some("e".repeat(card::EMAIL + 1)),
                ..at_limits.clone()
            },
        ),
        (
            "phone",
            GuestSignIn {
                phone: Some("1".repeat(card::PHONE + 1)),
                ..at_limits.clone()
            },
        ),
    ] {
        assert_eq!(over.validate().map_err(|e| e.field), Err(field));
    }
}

#[test]
fn a_rating_without_a_comment_still_decodes_and_one_over_the_limit_is_named() {
    let old = r#"{"type":"submit","key":"r","action":{"kind":"rate_appeal","appeal":7,"stars":5}}"#;
    match ClientFrame::decode(old).expect("old frame") {
        ClientFrame::Submit {
            action: Action::RateAppeal { comment: None, .. },
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    let old_event = r#"{"kind":"appeal_rated","appeal":7,"client":3,"stars":5}"#;
    assert!(matches!(
        serde_json::from_str::<Event>(old_event).expect("old event"),
        Event::AppealRated { comment: None, .. }
    ));
    let over = Action::RateAppeal {
        appeal: 7,
        stars: 5,
        comment: Some("к".repeat(MAX_RATING_COMMENT_CHARS + 1)),
    };
    assert_eq!(over.validate().map_err(|e| e.field), Err("comment"));
}
