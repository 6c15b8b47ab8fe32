//! Remote sessions (V2): a specialist sees and drives a client's screen, by request (the client
//! accepts or declines) or by password (set beforehand in the client's assistant).
//!
//! Like calls, the session's *state* is durable: `Action::RequestRemoteSession`,
//! `Action::AnswerRemoteSession` and `Action::EndRemoteSession` append
//! `Event::RemoteRequested`, `RemoteStarted` and `RemoteEnded` to the line's log (who, when,
//! how long, which mode: the client's timeline, A7). The WebRTC chatter that sets up the
//! screen's data channel is relayed in memory with `ClientFrame::RemoteSignal` /
//! `ServerFrame::RemoteSignal`, and only once the session has started: nothing of the screen
//! can flow before the client accepted or the password matched.

use serde::{Deserialize, Serialize};

/// Shortest session password the assistant may set, in characters.
pub const MIN_REMOTE_PASSWORD_CHARS: usize = 6;

/// Longest session password, in characters (argon2 takes any length; this bounds the work).
pub const MAX_REMOTE_PASSWORD_CHARS: usize = 128;

/// How the specialist asks for the session (C6, V2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteMode {
    /// The client sees who asks and accepts or declines.
    ByRequest,
    /// The specialist gives the password the client set in the assistant: it starts at once.
    ByPassword,
}

/// Why a remote session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteEndReason {
    /// The client declined the request.
    Declined,
    /// The client ended it.
    EndedByClient,
    /// The specialist ended it, or withdrew a request the client had not answered.
    EndedBySpecialist,
    /// The screen's connection could not be set up or broke (either side says so).
    Failed,
    /// The client's assistant refused without asking: it has no screen to share.
    Refused,
    /// The client did not answer the request within the line server's time: the server
    /// withdrew it (on behalf of the specialist who asked).
    NoAnswer,
}

/// Which relayed signalling a payload belongs to: what its SDP must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalKind {
    /// A call (V1): an audio section.
    Call,
    /// A remote session (V2): a data-channel (`m=application`) section.
    Remote,
}

impl SignalKind {
    /// The media line an SDP of this kind must have.
    pub fn media_line(self) -> &'static str {
        match self {
            SignalKind::Call => "\nm=audio ",
            SignalKind::Remote => "\nm=application ",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, ClientFrame, Event, Role, ServerFrame, SignalPayload};

    #[test]
    fn remote_frames_have_the_agreed_shapes() {
        let request = ClientFrame::Submit {
            key: "r1".into(),
            action: Action::RequestRemoteSession {
                line: 1,
                client: 2,
                mode: RemoteMode::ByPassword,
                password: Some("secret".into()),
            },
        };
        assert_eq!(
            request.encode(),
            r#"{"type":"submit","key":"r1","action":{"kind":"request_remote_session","line":1,"client":2,"mode":"by_password","password":"secret"}}"#
        );
        let by_request =
            r#"{"kind":"request_remote_session","line":1,"client":2,"mode":"by_request"}"#;
        assert_eq!(
            serde_json::from_str::<Action>(by_request).expect("decode"),
            Action::RequestRemoteSession {
                line: 1,
                client: 2,
                mode: RemoteMode::ByRequest,
                password: None
            }
        );
        let answer = r#"{"kind":"answer_remote_session","session":5,"accept":false}"#;
        assert_eq!(
            serde_json::from_str::<Action>(answer).expect("decode"),
            Action::AnswerRemoteSession {
                session: 5,
                accept: false
            }
        );
        let end = r#"{"kind":"end_remote_session","session":5}"#;
        assert_eq!(
            serde_json::from_str::<Action>(end).expect("decode"),
            Action::EndRemoteSession {
                session: 5,
                reason: None
            }
        );
        let clear = r#"{"kind":"set_remote_password","password":null}"#;
        assert_eq!(
            serde_json::from_str::<Action>(clear).expect("decode"),
            Action::SetRemotePassword { password: None }
        );
        let requested = Event::RemoteRequested {
            session: 5,
            appeal: 4,
            client: 2,
            specialist: 1,
            specialist_name: "Анна".into(),
            line_name: "Поддержка".into(),
            mode: RemoteMode::ByRequest,
            key: Some("r1".into()),
        };
        assert_eq!(
            serde_json::to_string(&requested).expect("json"),
            r#"{"kind":"remote_requested","session":5,"appeal":4,"client":2,"specialist":1,"specialist_name":"Анна","line_name":"Поддержка","mode":"by_request","key":"r1"}"#
        );
        // Logged before the line's name was carried: read with an empty one.
        let older = r#"{"kind":"remote_requested","session":5,"appeal":4,"client":2,"specialist":1,"specialist_name":"Анна","mode":"by_request"}"#;
        assert!(matches!(
            serde_json::from_str::<Event>(older).expect("decode"),
            Event::RemoteRequested { line_name, .. } if line_name.is_empty()
        ));
        let ended = Event::RemoteEnded {
            session: 5,
            appeal: 4,
            client: 2,
            specialist: 1,
            mode: RemoteMode::ByPassword,
            by: Role::Client,
            reason: RemoteEndReason::EndedByClient,
            duration_ms: Some(61_000),
        };
        assert_eq!(
            serde_json::to_string(&ended).expect("json"),
            r#"{"kind":"remote_ended","session":5,"appeal":4,"client":2,"specialist":1,"mode":"by_password","by":"client","reason":"ended_by_client","duration_ms":61000}"#
        );
        for e in [&requested, &ended] {
            assert!(e.shown_to_client() && e.client() == Some(2));
        }
        let signal = ClientFrame::RemoteSignal {
            session: 5,
            payload: SignalPayload::Answer {
                sdp: "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n".into(),
            },
        };
        assert_eq!(
            signal.encode(),
            r#"{"type":"remote_signal","session":5,"payload":{"kind":"answer","sdp":"v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"}}"#
        );
        let relayed = ServerFrame::RemoteSignal {
            session: 5,
            from: Role::Specialist,
            payload: SignalPayload::Hold { on: false },
        };
        assert_eq!(
            ServerFrame::decode(&relayed.encode()).expect("decode"),
            relayed
        );
    }

    #[test]
    fn remote_sdps_need_a_data_channel_and_calls_audio() {
        let data = SignalPayload::Offer {
            sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                .into(),
        };
        let audio = SignalPayload::Offer {
            sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n".into(),
        };
        assert!(data.check_for(SignalKind::Remote).is_ok());
        assert!(data.check_for(SignalKind::Call).is_err());
        assert!(data.check().is_err(), "check() stays the call's");
        assert!(audio.check_for(SignalKind::Call).is_ok());
        assert!(audio.check_for(SignalKind::Remote).is_err());
        let candidate = SignalPayload::Candidate {
            candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
            sdp_mid: None,
            sdp_mline_index: None,
        };
        assert!(candidate.check_for(SignalKind::Remote).is_ok());
    }
}
