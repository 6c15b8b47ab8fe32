//! The standalone config file: `linedesk-server serve --config linedesk-server.toml`.
//!
//! ```toml
//! bind = "0.0.0.0:7700"          # default 127.0.0.1:7700
//! data_dir = "/var/lib/linedesk" # required, unless `database` is given
//! database = "postgres://linedesk@db.example.com/linedesk" # optional: PostgreSQL, not SQLite
//!                                # (then everything, files and recordings too, is in the
//!                                # database and `data_dir` is not used: leave it out)
//! offline_grace_seconds = 60     # optional
//! remote_password_hours = 12     # optional: how long a remote-session password stays valid
//! [http]                         # optional: deadlines, caps and browser origins
//! max_connections_per_ip = 512
//! header_timeout_seconds = 10
//! body_timeout_seconds = 300
//! allowed_origins = ["https://desk.example.com"]
//! metrics_allow = ["127.0.0.1", "::1", "10.0.0.9"]  # GET /metrics (default: loopback only)
//! [[widget.lines]]               # optional: the client's web widget of a line
//! line = 1
//! origins = ["https://shop.example.com"]
//! guests = true
//! [tls]                          # optional: HTTPS and WSS on the same port
//! cert = "/etc/linedesk/cert.pem"
//! key = "/etc/linedesk/key.pem"
//! [ice]                          # optional: STUN/TURN for calls and remote sessions
//! stun = ["stun:turn.example.com:3478"]
//! turn = ["turn:turn.example.com:3478?transport=udp", "turn:turn.example.com:3478?transport=tcp"]
//! turn_secret_file = "/etc/linedesk/turn-secret"  # or turn_secret = "..." (coturn's static-auth-secret)
//! credential_lifetime_seconds = 43200             # default 12 h
//! [ringing]                      # optional: what nobody answers ends `no_answer`
//! call_seconds = 45              # a ringing call (default 45)
//! remote_request_seconds = 120   # a remote session asked by request (default 120)
//! [log]                          # optional: levels and format (under --log and LINEDESK_LOG)
//! level = "info"                 # RUST_LOG-style, e.g. "warn,audit=info"
//! format = "json"                # or "human" (the default)
//! ```
//!
//! Everything is checked before the server starts: an unknown key, a bad address, a missing or
//! unreadable certificate or key, a key that does not match the certificate. Every error names
//! the file and the key. Relative paths are taken from the config file's folder, so a config
//! next to its certificates works from any working directory.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::ice::{IceConfig, RawIce, ice_config};
use crate::ip_buckets::BucketPolicy;
use crate::log_config::{LogConfig, RawLog, log_config};
use crate::ring_timer::{RawRinging, ring_timeouts};
use crate::tls::{TlsError, server_config};
use crate::widget_policy::{RawWidget, WidgetPolicy, WidgetPolicyError, normalize_origin};
use linedesk_line::RingTimeouts;

pub const DEFAULT_BIND: &str = "127.0.0.1:7700";

/// A checked config: ready to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://...`) to keep the line in instead of the data dir's
    /// SQLite file.
    pub database: Option<String>,
    /// Present when `[tls]` is: certificate and key are loaded and known to match.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub offline_grace: Option<Duration>,
    pub http: HttpPolicy,
    /// V2: how long a client's remote-session password stays valid after it was set.
    pub remote_password_ttl: Duration,
    /// The web widget's lines (`[[widget.lines]]`): origins and guests.
    pub widget: WidgetPolicy,
    /// Guests' tokens and the per-address limit on making guests (`[guests]`).
    pub guests: GuestPolicy,
    /// STUN and TURN handed to the parties of calls and remote sessions (`[ice]`).
    pub ice: IceConfig,
    /// How long a call rings and a remote request waits for its answer (`[ringing]`).
    pub ring: RingTimeouts,
    /// Log levels and format (`[log]`), under the environment and the command line.
    pub log: LogConfig,
}

/// Guests of the web widget (K1): how long their token lives and how many one address may
/// create (`[guests]` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestPolicy {
    /// A guest's token: the browser keeps it and the conversation goes on at the next visit.
    pub token_lifetime: Duration,
    /// New guests per client address (IPv6: per /64).
    pub per_ip: BucketPolicy,
    /// Most addresses remembered by that limit (memory bound).
    pub max_addresses: usize,
}

pub const DEFAULT_GUEST_TOKEN_DAYS: u64 = 30;

impl Default for GuestPolicy {
    fn default() -> GuestPolicy {
        GuestPolicy {
            token_lifetime: Duration::from_secs(DEFAULT_GUEST_TOKEN_DAYS * 24 * 60 * 60),
            per_ip: BucketPolicy {
                burst: 5,
                per_minute: 3,
            },
            max_addresses: 65_536,
        }
    }
}

/// The HTTP side's deadlines, caps and allowed origins (`[http]` in the config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPolicy {
    /// Open connections (HTTP and WebSocket) from one address; more are refused at once.
    pub max_connections_per_ip: usize,
    /// A request's head must arrive within this time (slow-headers attacks).
    pub header_timeout: Duration,
    /// A request's body must arrive within this time (slow-body attacks).
    pub body_timeout: Duration,
    /// `Origin`s a browser request may come from (exact `scheme://host[:port]`). A request
    /// without `Origin` is not from a browser page and passes; empty: no browser page may call.
    pub allowed_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed: from one of these, the client's
    /// address is the last one in that header that is not a trusted proxy itself; from any
    /// other peer the header is ignored and the socket's address counts (login throttle,
    /// guest limit).
    pub trusted_proxies: Vec<IpAddr>,
    /// Peers `GET /metrics` answers (the socket's address; default: loopback only).
    pub metrics_allow: Vec<IpAddr>,
}

/// `GET /metrics` answers these peers unless `[http] metrics_allow` says otherwise.
pub fn loopback() -> Vec<IpAddr> {
    vec![
        IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
    ]
}

pub const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 512;

impl Default for HttpPolicy {
    fn default() -> HttpPolicy {
        HttpPolicy {
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
            header_timeout: Duration::from_secs(10),
            // 50 MiB (the largest recording) in 5 minutes: about 1.4 Mbit/s.
            body_timeout: Duration::from_secs(300),
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            metrics_allow: loopback(),
        }
    }
}

/// The default lifetime of a remote-session password.
pub const DEFAULT_REMOTE_PASSWORD_TTL: Duration = Duration::from_secs(12 * 60 * 60);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{file}: cannot read the config file: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    /// Not TOML, an unknown key, or a value of the wrong type (toml's message names the key
    /// and the line).
    #[error("{file}: {message}")]
    Syntax { file: PathBuf, message: String },
    #[error("{file}: `{key}` is required")]
    Missing { file: PathBuf, key: &'static str },
    #[error("{file}: `{key}` = {value:?} is not an address like 127.0.0.1:7700")]
    BadAddress {
        file: PathBuf,
        key: &'static str,
        value: String,
    },
    #[error("{file}: `{key}` = {value}: {reason}")]
    BadValue {
        file: PathBuf,
        key: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("{file}: {source}")]
    Widget {
        file: PathBuf,
        source: WidgetPolicyError,
    },
    #[error("{file}: `{key}`: {source}")]
    Log {
        file: PathBuf,
        key: &'static str,
        source: linedesk_logging::SettingsError,
    },
    #[error("{file}: `{key}`: {source}")]
    Tls {
        file: PathBuf,
        key: &'static str,
        source: TlsError,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    bind: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    tls: Option<RawTls>,
    offline_grace_seconds: Option<u64>,
    http: Option<RawHttp>,
    remote_password_hours: Option<u64>,
    widget: Option<RawWidget>,
    guests: Option<RawGuests>,
    ice: Option<RawIce>,
    ringing: Option<RawRinging>,
    log: Option<RawLog>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuests {
    token_days: Option<u64>,
    per_minute: Option<u32>,
    burst: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    max_connections_per_ip: Option<u64>,
    header_timeout_seconds: Option<u64>,
    body_timeout_seconds: Option<u64>,
    allowed_origins: Option<Vec<String>>,
    trusted_proxies: Option<Vec<String>>,
    metrics_allow: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: PathBuf,
    key: PathBuf,
}

/// Longest accepted grace: a day (a longer one is almost certainly a typo).
const MAX_GRACE_SECONDS: u64 = 24 * 60 * 60;

impl ServerConfig {
    /// Read and check `file`.
    pub fn load(file: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
            file: file.to_path_buf(),
            source,
        })?;
        ServerConfig::parse(file, &text)
    }

    /// Check the text of `file` (paths in it are relative to the file's folder).
    pub fn parse(file: &Path, text: &str) -> Result<ServerConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            file: file.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let base = file.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let bind_text = raw.bind.as_deref().unwrap_or(DEFAULT_BIND);
        let bind = bind_text
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::BadAddress {
                file: file.to_path_buf(),
                key: "bind",
                value: bind_text.to_string(),
            })?;
        // With a PostgreSQL database the data dir holds nothing (files and recordings are in
        // the database): it may be left out.
        let data_dir = match (raw.data_dir, &raw.database) {
            (Some(dir), _) => dir,
            (None, Some(_)) => PathBuf::new(),
            (None, None) => {
                return Err(ConfigError::Missing {
                    file: file.to_path_buf(),
                    key: "data_dir",
                });
            }
        };
        if data_dir.as_os_str().is_empty() && raw.database.is_none() {
            return Err(ConfigError::BadValue {
                file: file.to_path_buf(),
                key: "data_dir",
                value: "\"\"".into(),
                reason: "must name a folder",
            });
        }
        if let Some(database) = &raw.database
            && !crate::postgres::is_url(database)
        {
            return Err(ConfigError::BadValue {
                file: file.to_path_buf(),
                key: "database",
                value: "(not shown: it may hold a password)".into(),
                reason: "must be a postgres:// URL",
            });
        }
        let offline_grace = match raw.offline_grace_seconds {
            None => None,
            Some(s) if s == 0 || s > MAX_GRACE_SECONDS => {
                return Err(ConfigError::BadValue {
                    file: file.to_path_buf(),
                    key: "offline_grace_seconds",
                    value: s.to_string(),
                    reason: "must be between 1 and 86400",
                });
            }
            Some(s) => Some(Duration::from_secs(s)),
        };
        let http = match raw.http {
            None => HttpPolicy::default(),
            Some(h) => http_policy(file, h)?,
        };
        let remote_password_ttl = match raw.remote_password_hours {
            None => DEFAULT_REMOTE_PASSWORD_TTL,
            Some(h) if h == 0 || h > 24 * 30 => {
                return Err(ConfigError::BadValue {
                    file: file.to_path_buf(),
                    key: "remote_password_hours",
                    value: h.to_string(),
                    reason: "must be between 1 and 720",
                });
            }
            Some(h) => Duration::from_secs(h * 60 * 60),
        };
        let widget = match raw.widget {
            None => WidgetPolicy::default(),
            Some(w) => WidgetPolicy::from_raw(w).map_err(|source| ConfigError::Widget {
                file: file.to_path_buf(),
                source,
            })?,
        };
        let guests = match raw.guests {
            None => GuestPolicy::default(),
            Some(g) => guest_policy(file, g)?,
        };
        let ice = match raw.ice {
            None => IceConfig::default(),
            Some(raw) => ice_config(file, raw, resolve)?,
        };
        let ring = match raw.ringing {
            None => RingTimeouts::default(),
            Some(raw) => ring_timeouts(file, raw)?,
        };
        let log = match raw.log {
            None => LogConfig::default(),
            Some(raw) => log_config(file, raw)?,
        };
        let tls = match raw.tls {
            None => None,
            Some(t) => {
                let tls = server_config(&resolve(&t.cert), &resolve(&t.key)).map_err(|source| {
                    ConfigError::Tls {
                        file: file.to_path_buf(),
                        key: source.key_name(),
                        source,
                    }
                })?;
                Some(tls)
            }
        };
        Ok(ServerConfig {
            bind,
            data_dir: if data_dir.as_os_str().is_empty() {
                data_dir
            } else {
                resolve(&data_dir)
            },
            database: raw.database,
            tls,
            offline_grace,
            http,
            remote_password_ttl,
            widget,
            guests,
            ice,
            ring,
            log,
        })
    }
}

fn guest_policy(file: &Path, raw: RawGuests) -> Result<GuestPolicy, ConfigError> {
    let bad = |key: &'static str, value: String, reason: &'static str| ConfigError::BadValue {
        file: file.to_path_buf(),
        key,
        value,
        reason,
    };
    let mut policy = GuestPolicy::default();
    if let Some(days) = raw.token_days {
        if days == 0 || days > 365 {
            return Err(bad(
                "guests.token_days",
                days.to_string(),
                "must be between 1 and 365",
            ));
        }
        policy.token_lifetime = Duration::from_secs(days * 24 * 60 * 60);
    }
    if let Some(n) = raw.per_minute {
        if n == 0 || n > 10_000 {
            return Err(bad(
                "guests.per_minute",
                n.to_string(),
                "must be between 1 and 10000",
            ));
        }
        policy.per_ip.per_minute = n;
    }
    if let Some(n) = raw.burst {
        if n == 0 || n > 10_000 {
            return Err(bad(
                "guests.burst",
                n.to_string(),
                "must be between 1 and 10000",
            ));
        }
        policy.per_ip.burst = n;
    }
    Ok(policy)
}

/// An origin as a browser sends it: `scheme://host[:port]`, lower case, no trailing slash.
fn origin_of(file: &Path, key: &'static str, origin: &str) -> Result<String, ConfigError> {
    normalize_origin(origin).ok_or_else(|| ConfigError::BadValue {
        file: file.to_path_buf(),
        key,
        value: format!("{origin:?}"),
        reason: "an origin is scheme://host[:port], like https://desk.example.com",
    })
}

/// Longest accepted HTTP deadline: an hour.
const MAX_TIMEOUT_SECONDS: u64 = 60 * 60;

fn http_policy(file: &Path, raw: RawHttp) -> Result<HttpPolicy, ConfigError> {
    let bad = |key: &'static str, value: String, reason: &'static str| ConfigError::BadValue {
        file: file.to_path_buf(),
        key,
        value,
        reason,
    };
    let defaults = HttpPolicy::default();
    let seconds = |key: &'static str, value: Option<u64>, default: Duration| match value {
        None => Ok(default),
        Some(s) if s == 0 || s > MAX_TIMEOUT_SECONDS => {
            Err(bad(key, s.to_string(), "must be between 1 and 3600"))
        }
        Some(s) => Ok(Duration::from_secs(s)),
    };
    let max_connections_per_ip = match raw.max_connections_per_ip {
        None => defaults.max_connections_per_ip,
        Some(n) if n == 0 || n > 1_000_000 => {
            return Err(bad(
                "http.max_connections_per_ip",
                n.to_string(),
                "must be between 1 and 1000000",
            ));
        }
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let mut allowed_origins = Vec::new();
    for origin in raw.allowed_origins.unwrap_or_default() {
        allowed_origins.push(origin_of(file, "http.allowed_origins", &origin)?);
    }
    let mut trusted_proxies = Vec::new();
    for proxy in raw.trusted_proxies.unwrap_or_default() {
        let ip = proxy.trim().parse::<IpAddr>().map_err(|_| {
            bad(
                "http.trusted_proxies",
                format!("{proxy:?}"),
                "a proxy is an IP address, like 127.0.0.1 or ::1",
            )
        })?;
        trusted_proxies.push(ip);
    }
    let metrics_allow = match raw.metrics_allow {
        None => defaults.metrics_allow,
        Some(list) => {
            let mut allowed = Vec::new();
            for peer in list {
                let ip = peer.trim().parse::<IpAddr>().map_err(|_| {
                    bad(
                        "http.metrics_allow",
                        format!("{peer:?}"),
                        "an address is an IP address, like 127.0.0.1 or ::1",
                    )
                })?;
                allowed.push(ip);
            }
            allowed
        }
    };
    Ok(HttpPolicy {
        max_connections_per_ip,
        header_timeout: seconds(
            "http.header_timeout_seconds",
            raw.header_timeout_seconds,
            defaults.header_timeout,
        )?,
        body_timeout: seconds(
            "http.body_timeout_seconds",
            raw.body_timeout_seconds,
            defaults.body_timeout,
        )?,
        allowed_origins,
        trusted_proxies,
        metrics_allow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ServerConfig, ConfigError> {
        ServerConfig::parse(Path::new("/etc/linedesk/server.toml"), text)
    }

    #[test]
    fn remote_passwords_last_twelve_hours_unless_configured() {
        let base = "data_dir = \"/var/lib/linedesk\"\n";
        let default = parse(base).expect("config");
        assert_eq!(default.remote_password_ttl, DEFAULT_REMOTE_PASSWORD_TTL);
        let two = parse(&format!("{base}remote_password_hours = 2\n")).expect("config");
        assert_eq!(two.remote_password_ttl, Duration::from_secs(2 * 3600));
        assert!(matches!(
            parse(&format!("{base}remote_password_hours = 0\n")),
            Err(ConfigError::BadValue {
                key: "remote_password_hours",
                ..
            })
        ));
    }

    #[test]
    fn widget_lines_guests_and_trusted_proxies() {
        let c = parse(
            "data_dir = \"d\"\n[http]\ntrusted_proxies = [\"127.0.0.1\", \"::1\"]\n\
             [guests]\ntoken_days = 7\nper_minute = 2\nburst = 4\n\
             [[widget.lines]]\nline = 1\norigins = [\"https://Shop.example.com/\"]\nguests = true\n\
             [[widget.lines]]\nline = 2\n",
        )
        .expect("config");
        assert_eq!(c.http.trusted_proxies.len(), 2);
        assert_eq!(c.guests.token_lifetime, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(
            c.guests.per_ip,
            BucketPolicy {
                burst: 4,
                per_minute: 2
            }
        );
        assert!(c.widget.allows_guests(1) && !c.widget.allows_guests(2));
        assert!(!c.widget.allows_guests(3));
        assert_eq!(
            c.widget.line(1).map(|l| l.origins.clone()),
            Some(vec!["https://shop.example.com".to_string()])
        );
        let defaults = parse("data_dir = \"d\"").expect("config");
        assert_eq!(defaults.guests, GuestPolicy::default());
        assert_eq!(defaults.widget, WidgetPolicy::default());
        for (text, key) in [
            (
                "[http]\ntrusted_proxies = [\"proxy\"]",
                "`http.trusted_proxies`",
            ),
            ("[guests]\ntoken_days = 0", "`guests.token_days`"),
            ("[guests]\nburst = 0", "`guests.burst`"),
            (
                "[[widget.lines]]\nline = 1\n[[widget.lines]]\nline = 1",
                "widget.lines entry 2: line:",
            ),
            (
                "[[widget.lines]]\nline = 1\norigins = [\"shop\"]",
                "widget.lines entry 1: origins:",
            ),
            ("[guests]\nlifetime = 1", "unknown field `lifetime`"),
        ] {
            let err = parse(&format!("data_dir = \"d\"\n{text}"))
                .expect_err(text)
                .to_string();
            assert!(err.contains(key), "{text:?}: {err}");
        }
    }

    #[test]
    fn defaults_and_relative_paths() {
        let c = parse("data_dir = \"data\"").expect("config");
        assert_eq!(c.bind.to_string(), DEFAULT_BIND);
        assert_eq!(c.data_dir, PathBuf::from("/etc/linedesk/data"));
        assert!(c.tls.is_none() && c.offline_grace.is_none());
        assert_eq!(c.http, HttpPolicy::default());
        let c = parse("bind = \"[::1]:9000\"\ndata_dir = \"/srv/l\"\noffline_grace_seconds = 5")
            .expect("config");
        assert_eq!(c.bind.to_string(), "[::1]:9000");
        assert_eq!(c.data_dir, PathBuf::from("/srv/l"));
        assert_eq!(c.offline_grace, Some(Duration::from_secs(5)));
    }

    #[test]
    fn a_postgres_database_instead_of_the_data_dirs_sqlite() {
        assert_eq!(parse("data_dir = \"d\"").expect("config").database, None);
        let alone = parse("database = \"postgres://linedesk@db:5432/desk\"")
            .expect("a database needs no data dir");
        assert_eq!(alone.data_dir, PathBuf::new());
        let c = parse("data_dir = \"d\"\ndatabase = \"postgres://linedesk@db:5432/desk\"")
            .expect("config");
        assert_eq!(
            c.database.as_deref(),
            Some("postgres://linedesk@db:5432/desk")
        );
        let err = parse("data_dir = \"d\"\ndatabase = \"mysql://root:secret@db/desk\"")
            .expect_err("not PostgreSQL");
        let text = err.to_string();
        assert!(text.contains("database"), "{text}");
        assert!(
            !text.contains("secret"),
            "the URL's password is never shown: {text}"
        );
    }

    #[test]
    fn the_http_section() {
        let c = parse(
            "data_dir = \"d\"\n[http]\nmax_connections_per_ip = 20000\nheader_timeout_seconds = 2\n\
             body_timeout_seconds = 30\nallowed_origins = [\"https://Desk.example.com/\"]",
        )
        .expect("config");
        assert_eq!(
            c.http,
            HttpPolicy {
                max_connections_per_ip: 20000,
                header_timeout: Duration::from_secs(2),
                body_timeout: Duration::from_secs(30),
                allowed_origins: vec!["https://desk.example.com".into()],
                trusted_proxies: Vec::new(),
                metrics_allow: loopback(),
            }
        );
    }

    #[test]
    fn the_shipped_example_parses_up_to_its_certificate_files() {
        let example = include_str!("../linedesk-server.example.toml");
        match parse(example) {
            Err(ConfigError::Tls {
                key: "tls.cert", ..
            }) => {}
            other => panic!("expected only the missing certificate: {other:?}"),
        }
        let without_tls = example.split("[tls]").next().unwrap_or_default();
        let c = parse(without_tls).expect("the example without [tls]");
        assert_eq!(c.bind.to_string(), "0.0.0.0:7700");
    }

    /// The config the Debian package installs in /etc: the service's state directory, this
    /// machine only until TLS is set.
    #[test]
    fn the_packaged_config_parses() {
        let packaged = include_str!("../../../packaging/server/linedesk-server.toml");
        let c = parse(packaged).expect("the packaged config");
        assert_eq!(c.bind.to_string(), "127.0.0.1:7700");
        assert_eq!(c.data_dir, std::path::Path::new("/var/lib/linedesk-server"));
        assert!(c.tls.is_none() && c.database.is_none());
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        let cases = [
            ("data_dir = \"d\"\nport = 1", "unknown field `port`"),
            (
                "data_dir = \"d\"\n[tls]\ncert = \"c\"\nkey = \"k\"\nca = \"x\"",
                "`ca`",
            ),
            (
                "bind = \"localhost\"\ndata_dir = \"d\"",
                "`bind` = \"localhost\"",
            ),
            ("bind = 7700\ndata_dir = \"d\"", "bind"),
            ("bind = \"127.0.0.1:7700\"", "`data_dir` is required"),
            (
                "data_dir = \"d\"\noffline_grace_seconds = 0",
                "`offline_grace_seconds`",
            ),
            (
                "data_dir = \"d\"\n[tls]\ncert = \"c.pem\"",
                "missing field `key`",
            ),
            ("data_dir = = \"d\"", "server.toml"),
            (
                "data_dir = \"d\"\n[http]\nmax_connections_per_ip = 0",
                "`http.max_connections_per_ip` = 0",
            ),
            (
                "data_dir = \"d\"\n[http]\nbody_timeout_seconds = 0",
                "`http.body_timeout_seconds`",
            ),
            (
                "data_dir = \"d\"\n[http]\nallowed_origins = [\"desk.example.com\"]",
                "`http.allowed_origins`",
            ),
            (
                "data_dir = \"d\"\n[http]\norigins = []",
                "unknown field `origins`",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).expect_err(text).to_string();
            assert!(err.starts_with("/etc/linedesk/server.toml"), "{err}");
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }
}
