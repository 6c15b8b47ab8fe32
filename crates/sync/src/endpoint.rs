//! Where the line server is and how to reach it: `https://host:port` (TLS: HTTPS login, WSS
//! session), `http://host:port`, or a bare `host:port` (plain, as before).
//!
//! TLS uses rustls with the ring provider. The server's certificate is checked against the
//! platform's trusted roots (`rustls-native-certs`: the OS store, so a company CA installed by
//! IT is trusted as the browser trusts it) plus an optional CA file from [`SyncConfig`] for a
//! server with its own CA or a self-signed certificate.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::{SyncConfig, SyncError};

/// A plain or a TLS connection.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub tls: bool,
    /// A DNS name or an IP address (an IPv6 one without brackets).
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    pub fn parse(server: &str) -> Result<Endpoint, SyncError> {
        let bad = |why: &str| SyncError::Config(format!("server address {server:?}: {why}"));
        let server = server.trim();
        let (tls, rest) = if let Some(rest) = server.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = server.strip_prefix("http://") {
            (false, rest)
        } else if server.contains("://") {
            return Err(bad("only http:// and https:// are known"));
        } else {
            (false, server)
        };
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
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, port.parse().map_err(|_| bad("bad port"))?),
                None => (authority, default_port),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
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

    pub fn websocket_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/api/ws", self.authority())
    }
}

/// Opens connections to the server: TCP, then TLS for `https://`.
pub(crate) struct Connector {
    pub endpoint: Endpoint,
    tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
}

impl Connector {
    pub fn new(config: &SyncConfig) -> Result<Connector, SyncError> {
        let endpoint = Endpoint::parse(&config.server)?;
        let tls = if endpoint.tls {
            let name = ServerName::try_from(endpoint.host.clone()).map_err(|_| {
                SyncError::Config(format!("{:?} is not a host name", endpoint.host))
            })?;
            let client = client_config(config.ca_file.as_deref())?;
            Some((tokio_rustls::TlsConnector::from(client), name))
        } else {
            None
        };
        Ok(Connector { endpoint, tls })
    }

    pub async fn connect(&self) -> Result<Box<dyn Io>, SyncError> {
        let tcp = tokio::net::TcpStream::connect((self.endpoint.host.as_str(), self.endpoint.port))
            .await
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Box::new(tcp)),
            Some((connector, name)) => {
                let stream = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| SyncError::Tls(e.to_string()))?;
                Ok(Box::new(stream))
            }
        }
    }
}

/// The platform's roots plus the certificates of `ca_file`.
fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, SyncError> {
    let mut roots = rustls::RootCertStore::empty();
    // A store that cannot be read in part still gives the certificates it could read.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(file) = ca_file {
        let bad = |why: String| SyncError::Config(format!("CA file {}: {why}", file.display()));
        let certs = CertificateDer::pem_file_iter(file)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no PEM certificate in it".into()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SyncError::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
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
            ("https://[::1]:7443", ep(true, "::1", 7443)),
            (
                "  https://line.example:7443  ",
                ep(true, "line.example", 7443),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Endpoint::parse(text).expect(text), expected, "{text}");
        }
        assert_eq!(
            ep(true, "::1", 7443).websocket_url(),
            "wss://[::1]:7443/api/ws"
        );
        assert_eq!(ep(false, "h", 1).websocket_url(), "ws://h:1/api/ws");
        for bad in [
            "",
            "ftp://h:1",
            "https://h:x",
            "https://h:1/api",
            "https://[::1",
            ":7700",
        ] {
            assert!(
                matches!(Endpoint::parse(bad), Err(SyncError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_a_config_error() {
        let dir = std::env::temp_dir().join(format!("linedesk-sync-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("empty.pem");
        std::fs::write(&file, "not a certificate\n").expect("write");
        let err = client_config(Some(&file)).expect_err("no certificate");
        assert!(err.to_string().contains("empty.pem"), "{err}");
        assert!(client_config(Some(&dir.join("missing.pem"))).is_err());
        assert!(client_config(None).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
