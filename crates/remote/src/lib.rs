//! Remote sessions of Linedesk (V2): a specialist sees and drives a client's PC.
//!
//! Both ends use this crate:
//! - the client's assistant runs a [`Host`]: it grabs the screen ([`Screen`], X11 through
//!   [`X11Screen`]), turns frames into [`FrameUpdate`]s of changed tiles ([`TileEncoder`]),
//!   and injects the specialist's input ([`InputSink`], X11 through [`XTestInput`]) and
//!   clipboard ([`Clipboard`], X11 through [`X11Clipboard`]);
//! - the specialist's app runs a [`Viewer`]: it keeps a [`Canvas`] of the remote screen and
//!   sends [`InputEvent`]s.
//!
//! The two talk over WebRTC data channels ([`transport`]); signalling ([`SignalPayload`]s)
//! is relayed by the app, through the line server, like a call's:
//! 1. The viewer makes [`Viewer::offer`] and relays every item of
//!    [`ViewerChannels::signals`] to the host.
//! 2. The host makes [`Host::answer`] with the offer and relays its signals back.
//! 3. Both feed what they are relayed to `signal`, and follow `watch()`:
//!    connecting → connected → ended.
//! 4. The viewer reads [`ViewerChannels::frames`] and [`Viewer::canvas`], and sends with
//!    [`Viewer::send_input`]; either side ends with `close()`.
//!
//! [`SignalPayload`]: linedesk_protocol::SignalPayload

mod canvas;
mod clipboard;
mod error;
mod input;
pub mod page;
mod screen;
pub mod tiles;
pub mod transport;
pub mod xtest;
pub mod xvfb;

pub use canvas::Canvas;
pub use clipboard::X11Clipboard;
pub use error::RemoteError;
pub use input::{
    Clipboard, InputEvent, InputSink, MAX_CLIPBOARD_BYTES, MAX_INPUT_MESSAGE, ctrl_alt_delete,
    type_text,
};
pub use screen::{Frame, Screen, X11Screen};
pub use tiles::{FrameUpdate, Tile, TileData, TileEncoder};
pub use transport::{
    EndReason, Host, HostChannels, HostOptions, HostStats, RECONNECT_TIMEOUT, RESTART_EVERY,
    SessionConfig, SessionState, Viewer, ViewerChannels, ViewerStats,
};
pub use xtest::XTestInput;
