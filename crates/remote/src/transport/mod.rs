//! The WebRTC transport of a remote session: one peer connection (host candidates plus the
//! line's STUN/TURN servers, [`SessionConfig::ice`]; DTLS, SCTP) carrying two reliable, ordered data channels opened by the viewer:
//!
//! - `screen`: host → viewer, [`crate::FrameUpdate`]s cut into 16 KiB chunks
//!   ([`chunk`]); viewer → host, one byte asking for a keyframe.
//! - `input`: viewer → host, [`crate::InputEvent`]s as JSON; host → viewer, the host's
//!   clipboard text as `InputEvent::Clipboard`.
//!
//! Why encoded frames on a data channel rather than a video track: text must stay sharp
//! (every pixel lossless, where a video codec blurs small fonts), a still or nearly still
//! desktop costs only its changed tiles (nothing at all when still, where video sends
//! keyframes and padding), and there is no video codec to build or negotiate (no VP8/H.264
//! dependency, no RTP packetiser, no bitrate estimator); SCTP's own congestion control paces
//! the stream and the host skips frames while the channel is backed up.
//!
//! Signalling is the app's: [`SignalPayload`]s come out of a channel to be relayed (through
//! the line server) and the other side's go in through `signal`.
//!
//! A path that breaks once connected does not end the session: it is
//! [`SessionState::Reconnecting`] while the viewer, the offering side, restarts ICE (a new
//! offer through the same relay every [`RESTART_EVERY`]; the host answers it), as a call
//! does; so does a change of this machine's addresses (an interface up or down, sleep and
//! resume). No path within [`RECONNECT_TIMEOUT`]: it ends `Failed`.

pub mod chunk;
mod host;
mod link;
mod viewer;

use std::net::SocketAddr;
use std::time::Duration;

pub use linedesk_rtc_peer::IceSetup;

pub use host::{Host, HostChannels, HostOptions, HostStats};
pub use viewer::{Viewer, ViewerChannels, ViewerStats};

/// Labels of the two data channels.
pub const SCREEN_LABEL: &str = "screen";
pub const INPUT_LABEL: &str = "input";

/// How a session binds and how long it may take to connect.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Local UDP addresses for host candidates. `0.0.0.0:0` (the default) means every
    /// non-loopback interface (LAN); tests use `127.0.0.1:0`.
    pub udp_addrs: Vec<SocketAddr>,
    /// From creation to open data channels.
    pub connect_timeout: Duration,
    /// The line's STUN/TURN servers (`GET /api/ice`) and whether only relayed paths may be
    /// used. Empty: host candidates only.
    pub ice: IceSetup,
}

impl Default for SessionConfig {
    fn default() -> SessionConfig {
        SessionConfig {
            udp_addrs: vec![SocketAddr::from(([0, 0, 0, 0], 0))],
            connect_timeout: Duration::from_secs(20),
            ice: IceSetup::default(),
        }
    }
}

impl SessionConfig {
    /// Loopback only (one host candidate on 127.0.0.1).
    pub fn loopback() -> SessionConfig {
        SessionConfig {
            udp_addrs: vec![SocketAddr::from(([127, 0, 0, 1], 0))],
            ..SessionConfig::default()
        }
    }
}

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Signalling and ICE under way.
    Connecting,
    /// The transport is up (data channels open or opening).
    Connected,
    /// The path broke once connected (the network changed, the TURN server went away): the
    /// viewer restarts ICE while the session waits, up to [`RECONNECT_TIMEOUT`]; back to
    /// [`SessionState::Connected`] once a path is found again. Nothing is lost meanwhile (the
    /// data channels are reliable: SCTP sends what waited once the path is back).
    Reconnecting,
    Ended(EndReason),
}

impl SessionState {
    pub fn is_over(self) -> bool {
        matches!(self, SessionState::Ended(_))
    }
}

/// Without a path this long after it broke, the session fails (a call's reconnect time).
pub const RECONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// While reconnecting, the viewer (the offering side) offers an ICE restart this often.
pub const RESTART_EVERY: Duration = Duration::from_secs(4);

/// How often this machine's addresses are compared with the last ones.
pub(crate) const ADDRESS_POLL: Duration = Duration::from_secs(2);

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// `close()` on this side.
    Closed,
    /// The other side closed the channels or the connection.
    RemoteClosed,
    /// Not connected within `connect_timeout`.
    Timeout,
    /// ICE or DTLS failed, or no path came back within [`RECONNECT_TIMEOUT`].
    Failed,
}
