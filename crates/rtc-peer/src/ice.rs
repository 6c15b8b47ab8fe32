//! [`IceSetup`]: the STUN/TURN servers a peer connection gathers through (from the line
//! server's `GET /api/ice`) and whether it may use only relayed (TURN) candidates.

use linedesk_protocol::IceServer;
use webrtc::peer_connection::{
    RTCConfiguration, RTCConfigurationBuilder, RTCIceServer, RTCIceTransportPolicy, SettingEngine,
    SettingEngineBuilder,
};

/// How a peer connection finds its paths: host candidates always (unless relay-only), plus
/// server-reflexive ones from STUN and relayed ones from TURN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IceSetup {
    pub servers: Vec<IceServer>,
    /// Only relayed candidates (`ICETransportPolicy::Relay`): every packet goes through TURN.
    /// For tests, and for operators who never want a party's address seen by the other.
    pub relay_only: bool,
}

impl IceSetup {
    /// The servers the line handed out, all paths allowed.
    pub fn with_servers(servers: Vec<IceServer>) -> IceSetup {
        IceSetup {
            servers,
            relay_only: false,
        }
    }

    /// Whether any TURN URL is configured (relay-only needs one).
    pub fn has_turn(&self) -> bool {
        self.servers
            .iter()
            .any(|s| s.urls.iter().any(|u| linedesk_protocol::is_turn_url(u)))
    }

    /// The stack's settings: an ICE restart drops the old generation's candidates and binds
    /// the sockets again, so it follows a network change (new interfaces, new TURN
    /// allocations) rather than retrying addresses that are gone.
    pub fn setting_engine(&self) -> SettingEngine {
        SettingEngineBuilder::new()
            .with_discard_local_candidates_during_ice_restart(true)
            .build()
    }

    /// The WebRTC configuration of this setup.
    pub fn configuration(&self) -> RTCConfiguration {
        let servers = self
            .servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone().unwrap_or_default(),
                credential: s.credential.clone().unwrap_or_default(),
            })
            .collect();
        RTCConfigurationBuilder::new()
            .with_ice_servers(servers)
            .with_ice_transport_policy(if self.relay_only {
                RTCIceTransportPolicy::Relay
            } else {
                RTCIceTransportPolicy::All
            })
            .build()
    }
}
