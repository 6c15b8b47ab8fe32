//! Signalling helpers the call tests share (transfer, consultation): an offer, the next
//! signal a client gets, a signal the server refuses, and going available.

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ClientFrame, ErrorCode, Role, ServerFrame, SignalPayload};

use super::Client;

pub const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";

pub fn offer() -> SignalPayload {
    SignalPayload::Offer { sdp: SDP.into() }
}

pub async fn next_signal(c: &mut Client) -> (u64, Role, SignalPayload) {
    loop {
        match c.recv().await {
            ServerFrame::Signal {
                call,
                from,
                payload,
            } => return (call, from, payload),
            ServerFrame::Event { .. } | ServerFrame::CaughtUp { .. } => continue,
            other => panic!("expected a signal, got {other:?}"),
        }
    }
}

pub async fn signal_refused(c: &mut Client, call: u64) -> ErrorCode {
    c.send(&ClientFrame::Signal {
        call,
        payload: offer(),
    })
    .await;
    match c.reply().await {
        ServerFrame::Error {
            code, key: None, ..
        } => code,
        other => panic!("expected an error, got {other:?}"),
    }
}

pub fn available() -> Action {
    Action::SetPresence {
        status: PresenceStatus::Available,
    }
}
