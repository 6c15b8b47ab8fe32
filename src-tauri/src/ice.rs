//! The ICE setup of the app's calls and remote sessions: the STUN/TURN servers the line hands
//! the signed-in specialist (`GET /api/ice`, fresh TURN credentials for each call or session),
//! and relayed paths only when `LINEDESK_ICE_RELAY_ONLY=1` (tests, and operators who never want
//! a party's address seen by the other).

use std::path::Path;

use linedesk_call::IceSetup;
use linedesk_engine::{Bare, Connector};

/// The environment switch for relay-only peers.
pub const RELAY_ONLY_ENV: &str = "LINEDESK_ICE_RELAY_ONLY";

/// Whether this app's peers may use relayed (TURN) paths only.
pub fn relay_only() -> bool {
    std::env::var(RELAY_ONLY_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The line's ICE servers for this account. Without them a peer still works on the LAN (host
/// candidates), so a failure is only an error when relay-only was asked for.
pub async fn setup(
    server: &str,
    ca_file: Option<&Path>,
    token: Option<String>,
) -> Result<IceSetup, String> {
    let relay_only = relay_only();
    let fetched = match (token, Connector::parse(server, Bare::Plain, ca_file)) {
        (Some(token), Ok(server)) => linedesk_engine::ice::ice_setup(&server, &token, relay_only)
            .await
            .map_err(|e| e.to_string()),
        (None, _) => Err("not signed in".to_string()),
        (_, Err(e)) => Err(e.to_string()),
    };
    match fetched {
        Ok(setup) => Ok(setup),
        Err(why) if relay_only => Err(format!("relay-only, but no TURN server: {why}")),
        Err(why) => {
            eprintln!("linedesk: no STUN/TURN servers from the line ({why}): host candidates only");
            Ok(IceSetup::default())
        }
    }
}
