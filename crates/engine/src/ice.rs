//! The line's ICE servers for this session: `GET /api/ice` with the session's bearer token,
//! checked before use (at most [`linedesk_protocol::MAX_ICE_SERVERS`], known URL schemes,
//! TURN with credentials). The answer is the browser's `RTCIceServer` list; an empty one means
//! host candidates only.

use linedesk_call::IceSetup;
use linedesk_protocol::{IceServer, check_ice_servers};

use crate::upload::request;
use crate::{Connector, EngineError};

/// Largest answer read (16 servers of 8 URLs of 512 bytes fit well below it).
const MAX_ANSWER_BYTES: usize = 128 * 1024;

/// The ICE servers the line hands this session's account (fresh TURN credentials each time).
pub async fn ice_servers(server: &Connector, token: &str) -> Result<Vec<IceServer>, EngineError> {
    let (status, bytes) = request(
        server,
        hyper::Method::GET,
        "/api/ice",
        Some(token),
        "application/json",
        Vec::new(),
    )
    .await?;
    if !status.is_success() {
        return Err(EngineError::Refused {
            status: status.as_u16(),
            message: String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned(),
        });
    }
    if bytes.len() > MAX_ANSWER_BYTES {
        return Err(EngineError::IceServers(format!(
            "an answer of {} bytes",
            bytes.len()
        )));
    }
    let servers: Vec<IceServer> =
        serde_json::from_slice(&bytes).map_err(|e| EngineError::IceServers(e.to_string()))?;
    check_ice_servers(&servers).map_err(|e| EngineError::IceServers(e.to_string()))?;
    Ok(servers)
}

/// The ICE setup of a call or remote session of this session: the line's servers, and
/// relayed paths only when `relay_only` (which needs a TURN server: refused without one, so a
/// relay-only call never silently goes without TURN).
pub async fn ice_setup(
    server: &Connector,
    token: &str,
    relay_only: bool,
) -> Result<IceSetup, EngineError> {
    let setup = IceSetup {
        servers: ice_servers(server, token).await?,
        relay_only,
    };
    if relay_only && !setup.has_turn() {
        return Err(EngineError::IceServers(
            "relay-only was asked for, but the line server hands out no TURN server ([ice] turn)"
                .into(),
        ));
    }
    Ok(setup)
}
