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

pub async fn websocket(State(server): State<Arc<Server>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .read_buffer_size(WS_BUFFER)
        .write_buffer_size(WS_BUFFER)
        .max_message_size(WS_HARD_LIMIT)
        .max_frame_size(WS_HARD_LIMIT)
        .on_upgrade(move |socket| session::run(socket, server))
}
