//! The Linedesk voice engine: one call end to end (V1).
//!
//! A call is set up by the app through the line server (`PlaceCall`/`AnswerCall` and the
//! relayed signalling, see `linedesk-call`). Once its WebRTC peer exists, the app hands the
//! [`linedesk_call::Call`], its received packets and the headset ([`linedesk_audio::AudioIo`])
//! to [`CallSession::start`]:
//!
//! ```text
//! microphone ─ read_frame ─ MicPath (AEC, NS, AGC) ─ Encoder ─ send_packet ─► the other side
//! the other side ─ packets ─ [impairment] ─ JitterBuffer ─ Decoder ─ write_frame ─ speaker
//!                                                    (echo reference) └─► MicPath
//!                         both frames of every tick ─ Recorder (ch 0 specialist, ch 1 client)
//! ```
//!
//! every 20 ms (see [`session`] for the tick policy). The microphone path (`echo`) cancels
//! the far end's echo, suppresses noise and evens the level, each stage switched by
//! [`SessionConfig::processing`] and [`CallSession::set_processing`]. While it runs, [`CallSession::levels`]
//! streams both directions' level meters and [`CallSession::device_events`] the headset's
//! events (a lost device does not end the call or the recording). When the call ends,
//! [`CallSession::ended`] (or [`CallSession::finish`] to stop early) gives the
//! [`CallReport`]: packets, loss, late, jitter, buffer delay, RTT from WebRTC's stats and an
//! E-model MOS; [`CallReport::quality`] is what `Action::CallStats` sends to the server.
//!
//! Before a call, each party asks the line for its STUN/TURN servers ([`ice::ice_setup`],
//! `GET /api/ice`) and hands them to its `CallConfig`.
//!
//! After the call the specialist's app uploads the recording: [`upload_recording`] once, or
//! through the [`UploadQueue`], which keeps it on disk and retries with backoff until the
//! server acknowledges it (and sets aside what can never succeed). Every connection to the
//! line server follows its scheme (`https://`: HTTPS and WSS with the certificate checked
//! against the platform's roots plus an optional CA file) through the shared
//! [`Connector`](linedesk_endpoint::Connector).
//!
//! `loopback` (feature `loopback`, which links the line server) runs a whole call on one
//! machine (a real server in-process, two engines, real WebRTC on 127.0.0.1); the
//! `linedesk-voice` binary is its command line, and [`analysis`] measures what came out
//! against what went in. [`SharedIo`] is the in-memory headset they use.

pub mod analysis;
pub mod call_recording;
pub mod conference;
mod echo;
mod echo_io;
mod error;
pub mod ice;
pub mod journal;
pub mod line;
#[cfg(feature = "loopback")]
pub mod loopback;
pub mod protection;
pub mod queue;
pub mod recording_gaps;
pub mod report;
pub mod session;
mod shared_io;
pub mod upload;
pub mod wav;

pub use call_recording::RecordingStatus;
pub use echo_io::EchoIo;
pub use error::EngineError;
pub use linedesk_endpoint::{Bare, Connector, Endpoint, EndpointError, WebSocket};
/// The microphone path's stages and the echo canceller's estimates, for the app.
pub use linedesk_voice::processing::{Estimates, Stages};
pub use queue::UploadQueue;
pub use report::{CallReport, DelaySource};
pub use session::{CallSession, Impairment, Levels, LiveQuality, MEDIA_STALL, SessionConfig, Side};
pub use shared_io::SharedIo;
pub use upload::{
    Uploaded, download_recording, get_with_token, send_with_token, upload_recording,
    upload_recording_with_gaps,
};
