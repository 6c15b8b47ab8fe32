//! The ICE servers the line hands both parties of a call or a remote session (`[ice]` in the
//! config file, served by `GET /api/ice`): STUN URLs as they are, and TURN URLs with
//! short-lived credentials by the TURN REST scheme that coturn implements with
//! `use-auth-secret` / `static-auth-secret`:
//!
//! ```text
//! username   = "<unix time the credential expires>:<role>-<account id>"
//! credential = base64(HMAC-SHA1(shared secret, username))
//! ```
//!
//! coturn recomputes the credential from the username and its copy of the secret and refuses
//! an expired one, so the secret itself never leaves the two servers: it is not logged, not
//! sent, and its `Debug` shows nothing. Pure: the time is a parameter.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use linedesk_protocol::{IceServer, MAX_ICE_URLS, Role, check_ice_url, is_turn_url};
use serde::Deserialize;

use crate::config::ConfigError;

/// How long a TURN credential stays valid by default. A TURN client refreshes its allocation
/// with the credential it started with, and coturn refuses an expired one, so the lifetime
/// must cover the longest call (a new call fetches a new credential).
pub const DEFAULT_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// The accepted lifetimes: a minute to a week.
const MIN_LIFETIME_SECONDS: u64 = 60;
const MAX_LIFETIME_SECONDS: u64 = 7 * 24 * 60 * 60;
/// The shortest shared secret accepted (coturn takes any; a short one is guessable offline from
/// one credential).
pub const MIN_SECRET_CHARS: usize = 16;

/// The TURN shared secret. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct TurnSecret(String);

impl TurnSecret {
    pub fn new(secret: impl Into<String>) -> TurnSecret {
        TurnSecret(secret.into())
    }
}

impl std::fmt::Debug for TurnSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TurnSecret(hidden)")
    }
}

/// The checked `[ice]` section. Empty (the default): the parties use host candidates only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceConfig {
    /// `stun:` / `stuns:` URLs.
    pub stun: Vec<String>,
    /// `turn:` / `turns:` URLs, all of one TURN service sharing [`IceConfig::secret`].
    pub turn: Vec<String>,
    /// Present whenever `turn` is not empty.
    pub secret: Option<TurnSecret>,
    pub credential_lifetime: Duration,
}

impl Default for IceConfig {
    fn default() -> IceConfig {
        IceConfig {
            stun: Vec::new(),
            turn: Vec::new(),
            secret: None,
            credential_lifetime: DEFAULT_CREDENTIAL_LIFETIME,
        }
    }
}

/// The TURN REST credential of `username` under `secret`: base64(HMAC-SHA1(secret, username)).
pub fn turn_credential(secret: &TurnSecret, username: &str) -> String {
    let key = ring::hmac::Key::new(
        ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        secret.0.as_bytes(),
    );
    let tag = ring::hmac::sign(&key, username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}

impl IceConfig {
    /// Whether any ICE server is configured.
    pub fn is_empty(&self) -> bool {
        self.stun.is_empty() && self.turn.is_empty()
    }

    /// The ICE servers for the account `(role, id)` at `now_unix` (seconds since 1970): STUN as
    /// configured, TURN with a credential that expires after the configured lifetime.
    pub fn servers_for(&self, role: Role, id: u64, now_unix: u64) -> Vec<IceServer> {
        let mut servers = Vec::new();
        if !self.stun.is_empty() {
            servers.push(IceServer {
                urls: self.stun.clone(),
                username: None,
                credential: None,
            });
        }
        if let (false, Some(secret)) = (self.turn.is_empty(), &self.secret) {
            let expires = now_unix.saturating_add(self.credential_lifetime.as_secs());
            let username = format!("{expires}:{}-{id}", linedesk_protocol::wire_code(role));
            servers.push(IceServer {
                urls: self.turn.clone(),
                credential: Some(turn_credential(secret, &username)),
                username: Some(username),
            });
        }
        servers
    }
}

/// `[ice]` as written in the config file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIce {
    stun: Option<Vec<String>>,
    turn: Option<Vec<String>>,
    turn_secret: Option<String>,
    /// A file holding the secret (its first line), so the config itself can be world-readable.
    turn_secret_file: Option<PathBuf>,
    credential_lifetime_seconds: Option<u64>,
}

/// Check `[ice]` of `file`; `resolve` makes a path relative to the config file's folder.
pub(crate) fn ice_config(
    file: &Path,
    raw: RawIce,
    resolve: impl Fn(&Path) -> PathBuf,
) -> Result<IceConfig, ConfigError> {
    let bad = |key: &'static str, value: String, reason: &'static str| ConfigError::BadValue {
        file: file.to_path_buf(),
        key,
        value,
        reason,
    };
    let urls = |key: &'static str, list: Option<Vec<String>>, turn: bool| {
        let list: Vec<String> = list
            .unwrap_or_default()
            .into_iter()
            .map(|u| u.trim().to_string())
            .collect();
        if list.len() > MAX_ICE_URLS {
            return Err(bad(key, list.len().to_string(), "at most 8 URLs"));
        }
        for url in &list {
            let reason = if turn {
                "a TURN URL is turn:host[:port][?transport=udp|tcp] or turns:..."
            } else {
                "a STUN URL is stun:host[:port] or stuns:host[:port]"
            };
            if check_ice_url(url).is_err() || is_turn_url(url) != turn {
                return Err(bad(key, format!("{url:?}"), reason));
            }
        }
        Ok(list)
    };
    let stun = urls("ice.stun", raw.stun, false)?;
    let turn = urls("ice.turn", raw.turn, true)?;
    let hidden = || "(hidden)".to_string();
    let secret = match (raw.turn_secret, raw.turn_secret_file) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "ice.turn_secret_file",
                hidden(),
                "give turn_secret or turn_secret_file, not both",
            ));
        }
        (Some(secret), None) => Some(("ice.turn_secret", secret)),
        (None, Some(path)) => {
            let path = resolve(&path);
            let text = read_secret_file(&path).ok_or_else(|| {
                bad(
                    "ice.turn_secret_file",
                    format!("{:?}", path.display().to_string()),
                    "cannot be read (or is over 4 KiB)",
                )
            })?;
            Some(("ice.turn_secret_file", text))
        }
        (None, None) => None,
    };
    let secret = match secret {
        Some((key, s)) => {
            let s = s.trim().to_string();
            if s.chars().count() < MIN_SECRET_CHARS || s.chars().any(char::is_control) {
                return Err(bad(
                    key,
                    hidden(),
                    "the TURN secret must be at least 16 characters on one line",
                ));
            }
            Some(TurnSecret(s))
        }
        None => None,
    };
    match (turn.is_empty(), secret.is_some()) {
        (false, false) => {
            return Err(bad(
                "ice.turn",
                format!("{} URLs", turn.len()),
                "TURN needs turn_secret (coturn's static-auth-secret)",
            ));
        }
        (true, true) => {
            return Err(bad(
                "ice.turn_secret",
                hidden(),
                "a TURN secret without turn URLs is of no use",
            ));
        }
        _ => {}
    }
    let credential_lifetime = match raw.credential_lifetime_seconds {
        None => DEFAULT_CREDENTIAL_LIFETIME,
        Some(s) if !(MIN_LIFETIME_SECONDS..=MAX_LIFETIME_SECONDS).contains(&s) => {
            return Err(bad(
                "ice.credential_lifetime_seconds",
                s.to_string(),
                "must be between 60 and 604800",
            ));
        }
        Some(s) => Duration::from_secs(s),
    };
    Ok(IceConfig {
        stun,
        turn,
        secret,
        credential_lifetime,
    })
}

/// The first line of a small file.
fn read_secret_file(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(4097)
        .read_to_string(&mut text)
        .ok()?;
    (text.len() <= 4096).then(|| text.lines().next().unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_is_coturns_rest_scheme() {
        // Computed independently: python3 hmac.new(secret, username, sha1), base64.
        let secret = TurnSecret::new("north-secret-0123");
        assert_eq!(
            turn_credential(&secret, "1800000000:specialist-7"),
            "yWg2+TtnDhD/+Kf93RoUI4hZMkU="
        );
        let config = IceConfig {
            stun: vec!["stun:stun.example.com:3478".into()],
            turn: vec!["turn:turn.example.com:3478?transport=udp".into()],
            secret: Some(secret),
            credential_lifetime: Duration::from_secs(600),
        };
        let servers = config.servers_for(Role::Specialist, 7, 1_799_999_400);
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[0].username, None);
        assert_eq!(
            servers[1].username.as_deref(),
            Some("1800000000:specialist-7")
        );
        assert_eq!(
            servers[1].credential.as_deref(),
            Some("yWg2+TtnDhD/+Kf93RoUI4hZMkU=")
        );
        assert_eq!(format!("{config:?}").matches("north").count(), 0);
        assert!(
            IceConfig::default()
                .servers_for(Role::Client, 1, 0)
                .is_empty()
        );
    }
}
