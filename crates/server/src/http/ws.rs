//! `GET /api/ws`: the upgrade to the WebSocket of [`crate::session`].

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;

use crate::context::Server;
use crate::session;

/// Frames above the protocol's limit but below this still reach the session, which answers
/// `too_large`; larger ones close the connection (memory protection).
const WS_HARD_LIMIT: usize = 1024 * 1024;

/// Per-connection socket buffers. Frames are small JSON; tungstenite's 128 KiB defaults cost
/// about 140 KB per idle connection (780 MB for 5,500 sessions in the load test).
const WS_BUFFER: usize = 8 * 1024;

/// What one read of the socket takes at most. tungstenite zeroes this much of its read buffer
/// before every read attempt, and a session's loop attempts one at each of its wake-ups (a
/// live event, a timer), so the whole of it stays resident and is cleared again and again:
/// 8 KiB cost 90 MB and a few percent of the CPU with 11,000 sessions. A client's frames are
/// a few hundred bytes; a larger one (up to the hard limit) takes several reads.
const WS_READ: usize = 1024;

pub async fn websocket(State(server): State<Arc<Server>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .read_buffer_size(WS_READ)
        .write_buffer_size(WS_BUFFER)
        .max_message_size(WS_HARD_LIMIT)
        .max_frame_size(WS_HARD_LIMIT)
        .on_upgrade(move |socket| session::run(socket, server))
}
