//! Server addresses: `https://host[:port]`, `http://host[:port]`, or a bare `host:port`.

use crate::EndpointError;

/// What a bare `host:port` (no scheme) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bare {
    /// Plain HTTP and WS: the app's own embedded server on 127.0.0.1, older settings, and the
    /// tools given `--insecure-plain`.
    Plain,
    /// Refused with [`EndpointError::PlainRefused`]: the client tools, where a forgotten
    /// `https://` must not send a password in clear.
    Refused,
}

/// The addresses of a server setting: one, or several servers of the same lines separated by
/// commas (issue 17: servers on one PostgreSQL database), in the order they are tried. Blanks
/// around each and empty items are dropped; each is then read by [`Endpoint::parse`].
pub fn addresses(servers: &str) -> Vec<&str> {
    servers
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect()
}

/// A line server: TLS or not, the host and the port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub tls: bool,
    /// A DNS name or an IP address (an IPv6 one without brackets).
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    /// Read `server`; a bare `host:port` is handled as `bare` says.
    pub fn parse(server: &str, bare: Bare) -> Result<Endpoint, EndpointError> {
        let server = server.trim();
        let bad = |why: &str| EndpointError::Address {
            server: server.to_string(),
            why: why.to_string(),
        };
        let (scheme, rest) = if let Some(rest) = strip_scheme(server, "https://") {
            (Some(true), rest)
        } else if let Some(rest) = strip_scheme(server, "http://") {
            (Some(false), rest)
        } else if server.contains("://") {
            return Err(bad("only http:// and https:// are known"));
        } else {
            (None, server)
        };
        let tls = scheme == Some(true);
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            return Err(bad("expected host:port, with no path"));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed ["))?;
            match after.strip_prefix(':') {
                Some(port) => (host, port.parse().map_err(|_| bad("bad port"))?),
                None if after.is_empty() => (host, default_port),
                None => return Err(bad("expected [v6]:port")),
            }
        } else {
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) => (host, port.parse().map_err(|_| bad("bad port"))?),
                None => (authority, default_port),
            };
            if host.contains(':') {
                return Err(bad("an IPv6 address goes in brackets: [::1]:7700"));
            }
            (host, port)
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if host.contains(['@', '?', '#', '[', ']']) || host.contains(char::is_whitespace) {
            return Err(bad("not a host name or address"));
        }
        if scheme.is_none() && bare == Bare::Refused {
            return Err(EndpointError::PlainRefused {
                server: server.to_string(),
            });
        }
        Ok(Endpoint {
            tls,
            host: host.to_string(),
            port,
        })
    }

    /// `host:port`, with an IPv6 address in brackets: for URLs and the Host header.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The session's URL: `wss://host:port/api/ws` or `ws://...`.
    pub fn websocket_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/api/ws", self.authority())
    }

    /// The URL of `path` (which starts with `/`): `https://host:port/path` or `http://...`.
    pub fn http_url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.authority())
    }

    /// This machine (127.0.0.0/8, ::1, localhost): the caller may use loopback sockets.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The same server, whatever the scheme (the host compared without case): a token of one
    /// is good for the other.
    pub fn same_server(&self, other: &Endpoint) -> bool {
        self.port == other.port && self.host.eq_ignore_ascii_case(&other.host)
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.authority())
    }
}

/// `text` after `scheme`, the scheme's letters in any case.
fn strip_scheme<'a>(text: &'a str, scheme: &str) -> Option<&'a str> {
    let head = text.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &text[scheme.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(tls: bool, host: &str, port: u16) -> Endpoint {
        Endpoint {
            tls,
            host: host.into(),
            port,
        }
    }

    #[test]
    fn server_addresses_with_and_without_a_scheme() {
        let cases = [
            ("127.0.0.1:7700", ep(false, "127.0.0.1", 7700)),
            ("http://line.example:7700/", ep(false, "line.example", 7700)),
            ("https://line.example", ep(true, "line.example", 443)),
            ("HTTPS://line.example:7443", ep(true, "line.example", 7443)),
            ("https://[::1]:7443", ep(true, "::1", 7443)),
            ("[::1]:7700", ep(false, "::1", 7700)),
            (
                "  https://line.example:7443  ",
                ep(true, "line.example", 7443),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Endpoint::parse(text, Bare::Plain), Ok(expected), "{text}");
        }
        assert_eq!(
            ep(true, "::1", 7443).websocket_url(),
            "wss://[::1]:7443/api/ws"
        );
        assert_eq!(ep(false, "h", 1).websocket_url(), "ws://h:1/api/ws");
        assert_eq!(
            ep(true, "h", 1).http_url("/api/login"),
            "https://h:1/api/login"
        );
        for bad in [
            "",
            "ftp://h:1",
            "https://h:x",
            "https://h:1/api",
            "https://[::1",
            ":7700",
            "http://https://h:1",
            "https://user@h:1",
            "::1:7700",
        ] {
            assert!(
                matches!(
                    Endpoint::parse(bad, Bare::Plain),
                    Err(EndpointError::Address { .. })
                ),
                "{bad}: {:?}",
                Endpoint::parse(bad, Bare::Plain)
            );
        }
    }

    #[test]
    fn a_bare_address_is_refused_where_plain_is_not_allowed() {
        for bare in ["127.0.0.1:7700", "line.example:7700", "[::1]:7700"] {
            let err = Endpoint::parse(bare, Bare::Refused).expect_err(bare);
            assert_eq!(err.code(), "endpoint.plain_refused", "{bare}");
            assert!(err.to_string().contains("--insecure-plain"), "{err}");
        }
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:7700", Bare::Refused),
            Ok(ep(false, "127.0.0.1", 7700))
        );
        assert_eq!(
            Endpoint::parse("https://line.example", Bare::Refused),
            Ok(ep(true, "line.example", 443))
        );
    }

    #[test]
    fn loopback_and_same_server() {
        assert!(ep(true, "127.0.0.1", 1).is_loopback());
        assert!(ep(false, "::1", 1).is_loopback());
        assert!(ep(false, "LocalHost", 1).is_loopback());
        assert!(!ep(false, "line.example", 1).is_loopback());
        assert!(ep(true, "Line.Example", 7700).same_server(&ep(false, "line.example", 7700)));
        assert!(!ep(true, "line.example", 7700).same_server(&ep(true, "line.example", 7701)));
    }
}
