//! ICE servers (STUN and TURN) as the line server hands them out (`GET /api/ice`): the
//! browser's `RTCIceServer` JSON shape, `[{"urls": [...], "username": "...", "credential":
//! "..."}]`, so the app, the client tools and a browser page read the same answer.
//!
//! TURN credentials are short-lived (the TURN REST scheme: the username carries its expiry),
//! made by the server from a shared secret it never sends.

use serde::{Deserialize, Serialize};

/// Most ICE servers one answer may list.
pub const MAX_ICE_SERVERS: usize = 16;
/// Most URLs of one ICE server.
pub const MAX_ICE_URLS: usize = 8;
/// Longest URL, username or credential, in bytes.
pub const MAX_ICE_FIELD_BYTES: usize = 512;

/// One STUN or TURN server (or several URLs of the same one), with its credentials for TURN.
/// `Debug` leaves the credential out (a log line must not hand out a working TURN login).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `turns:...`.
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl std::fmt::Debug for IceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceServer")
            .field("urls", &self.urls)
            .field("username", &self.username)
            .field("credential", &self.credential.as_ref().map(|_| "(hidden)"))
            .finish()
    }
}

/// Why a list of ICE servers is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IceServerError {
    #[error("more than {MAX_ICE_SERVERS} ICE servers")]
    TooMany,
    #[error("an ICE server has no URL or more than {MAX_ICE_URLS}")]
    Urls,
    #[error("{0:?} is not a stun:, stuns:, turn: or turns: URL")]
    Scheme(String),
    #[error("a URL, username or credential is longer than {MAX_ICE_FIELD_BYTES} bytes")]
    TooLong,
    #[error("the TURN URL {0:?} comes without a username and credential")]
    NoCredential(String),
}

/// Whether `url` is a TURN URL (`turn:` or `turns:`), which needs credentials.
pub fn is_turn_url(url: &str) -> bool {
    url.starts_with("turn:") || url.starts_with("turns:")
}

/// Check a STUN or TURN URL's shape: a known scheme, a host, no spaces, bounded.
pub fn check_ice_url(url: &str) -> Result<(), IceServerError> {
    if url.len() > MAX_ICE_FIELD_BYTES {
        return Err(IceServerError::TooLong);
    }
    let rest = ["stun:", "stuns:", "turn:", "turns:"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme));
    let host = rest.map(|r| r.split(['?', ':']).next().unwrap_or(""));
    match host {
        Some(host)
            if !host.is_empty()
                && !host.starts_with('/')
                && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(())
        }
        _ => Err(IceServerError::Scheme(url.to_string())),
    }
}

impl IceServer {
    /// Check one server: URLs of a known scheme, TURN only with credentials, every field bounded.
    pub fn check(&self) -> Result<(), IceServerError> {
        if self.urls.is_empty() || self.urls.len() > MAX_ICE_URLS {
            return Err(IceServerError::Urls);
        }
        let long = |f: &Option<String>| f.as_ref().is_some_and(|f| f.len() > MAX_ICE_FIELD_BYTES);
        if long(&self.username) || long(&self.credential) {
            return Err(IceServerError::TooLong);
        }
        for url in &self.urls {
            check_ice_url(url)?;
            if is_turn_url(url) && (self.username.is_none() || self.credential.is_none()) {
                return Err(IceServerError::NoCredential(url.clone()));
            }
        }
        Ok(())
    }
}

/// Check what a server answered to `GET /api/ice` before using it.
pub fn check_ice_servers(servers: &[IceServer]) -> Result<(), IceServerError> {
    if servers.len() > MAX_ICE_SERVERS {
        return Err(IceServerError::TooMany);
    }
    servers.iter().try_for_each(IceServer::check)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(urls: &[&str], creds: bool) -> IceServer {
        IceServer {
            urls: urls.iter().map(|u| u.to_string()).collect(),
            username: creds.then(|| "1700000000:specialist-1".into()),
            credential: creds.then(|| "c2VjcmV0".into()),
        }
    }

    #[test]
    fn the_json_is_the_browsers_rtc_ice_server() {
        let json = serde_json::to_string(&[
            server(&["stun:stun.example.com:3478"], false),
            server(&["turn:turn.example.com:3478?transport=udp"], true),
        ])
        .expect("json");
        assert_eq!(
            json,
            r#"[{"urls":["stun:stun.example.com:3478"]},{"urls":["turn:turn.example.com:3478?transport=udp"],"username":"1700000000:specialist-1","credential":"c2VjcmV0"}]"#
        );
    }

    #[test]
    fn urls_credentials_and_counts_are_checked() {
        assert!(check_ice_servers(&[server(&["stun:127.0.0.1:3478"], false)]).is_ok());
        assert!(check_ice_servers(&[server(&["turns:t.example.com"], true)]).is_ok());
        assert_eq!(
            server(&["turn:t.example.com"], false).check(),
            Err(IceServerError::NoCredential("turn:t.example.com".into()))
        );
        for bad in [
            "http://x",
            "stun:",
            "stun:a b",
            "turn:?transport=udp",
            "stun://x",
        ] {
            assert!(
                matches!(check_ice_url(bad), Err(IceServerError::Scheme(_))),
                "{bad}"
            );
        }
        assert_eq!(server(&[], false).check(), Err(IceServerError::Urls));
        assert!(!format!("{:?}", server(&["turn:t"], true)).contains("c2VjcmV0"));
        let many = vec![server(&["stun:x"], false); MAX_ICE_SERVERS + 1];
        assert_eq!(check_ice_servers(&many), Err(IceServerError::TooMany));
        let long = format!("stun:{}", "x".repeat(MAX_ICE_FIELD_BYTES));
        assert_eq!(check_ice_url(&long), Err(IceServerError::TooLong));
    }
}
