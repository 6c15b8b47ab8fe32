//! Connections to a line server: TCP, then TLS for `https://`, and HTTP/1 requests and the
//! WebSocket session over them.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::{Bare, Endpoint, EndpointError};

/// A plain or a TLS connection.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The session's WebSocket over a plain or TLS connection.
pub type WebSocket = tokio_tungstenite::WebSocketStream<Box<dyn Io>>;

/// Opens connections to one server; cheap to clone (the TLS settings are shared).
#[derive(Clone)]
pub struct Connector {
    endpoint: Endpoint,
    tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// Connections to `endpoint`; for TLS the platform's roots and the certificates of
    /// `ca_file` are trusted (the file is read now: a bad one is an error here).
    pub fn new(endpoint: Endpoint, ca_file: Option<&Path>) -> Result<Connector, EndpointError> {
        let tls = if endpoint.tls {
            let name = ServerName::try_from(endpoint.host.clone()).map_err(|_| {
                EndpointError::Address {
                    server: endpoint.to_string(),
                    why: format!("{:?} is not a host name", endpoint.host),
                }
            })?;
            let config = client_config(ca_file)?;
            Some((tokio_rustls::TlsConnector::from(config), name))
        } else {
            None
        };
        Ok(Connector { endpoint, tls })
    }

    /// [`Endpoint::parse`] then [`Connector::new`].
    pub fn parse(
        server: &str,
        bare: Bare,
        ca_file: Option<&Path>,
    ) -> Result<Connector, EndpointError> {
        Connector::new(Endpoint::parse(server, bare)?, ca_file)
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// A new connection: TCP, and the TLS handshake with the certificate checked.
    pub async fn connect(&self) -> Result<Box<dyn Io>, EndpointError> {
        let tcp = tokio::net::TcpStream::connect((self.endpoint.host.as_str(), self.endpoint.port))
            .await
            .map_err(|e| EndpointError::Unreachable(format!("{}: {e}", self.endpoint)))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Box::new(tcp)),
            Some((connector, name)) => {
                let stream = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| tls_failure(&self.endpoint.host, &e))?;
                Ok(Box::new(stream))
            }
        }
    }

    /// One HTTP/1 request on its own connection: the status and the whole body. The request's
    /// URI is the path (`/api/login`); the Host header is added when missing. No deadline:
    /// the caller sets one where it wants one.
    pub async fn request(
        &self,
        mut request: hyper::Request<Full<Bytes>>,
    ) -> Result<(hyper::StatusCode, Bytes), EndpointError> {
        if !request.headers().contains_key(hyper::header::HOST) {
            let host = hyper::header::HeaderValue::from_str(&self.endpoint.authority())
                .map_err(|e| EndpointError::Protocol(e.to_string()))?;
            request.headers_mut().insert(hyper::header::HOST, host);
        }
        let broke = |e: hyper::Error| EndpointError::Unreachable(e.to_string());
        let stream = self.connect().await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(broke)?;
        let driver = tokio::spawn(connection);
        let answer = async {
            let response = sender.send_request(request).await.map_err(broke)?;
            let status = response.status();
            let bytes = response.into_body().collect().await.map_err(broke)?;
            Ok((status, bytes.to_bytes()))
        }
        .await;
        driver.abort();
        answer
    }

    /// The session's WebSocket (`/api/ws`) over a new connection.
    pub async fn websocket(&self) -> Result<WebSocket, EndpointError> {
        let stream = self.connect().await?;
        let (ws, _) = tokio_tungstenite::client_async(self.endpoint.websocket_url(), stream)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Io(e) => {
                    EndpointError::Unreachable(e.to_string())
                }
                other => EndpointError::Protocol(format!("the WebSocket upgrade: {other}")),
            })?;
        Ok(ws)
    }
}

/// The platform's trusted roots, read once per process (the store does not change under a
/// running program, and reading it takes a while).
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    // A store that cannot be read in part still gives the certificates it could read.
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// The platform's roots plus the certificates of `ca_file`.
fn client_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, EndpointError> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(native_roots().iter().cloned());
    if let Some(file) = ca_file {
        let bad = |why: String| EndpointError::CaFile {
            path: file.to_path_buf(),
            why,
        };
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
    .map_err(|e| EndpointError::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// What a failed handshake means, from the rustls error inside the IO error.
fn tls_failure(host: &str, error: &std::io::Error) -> EndpointError {
    let inner = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(why)) => match why {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                EndpointError::Untrusted(format!("{why:?}"))
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                EndpointError::NameMismatch {
                    host: host.to_string(),
                    detail: why.to_string(),
                }
            }
            other => EndpointError::Certificate(other.to_string()),
        },
        Some(other) => EndpointError::Tls(other.to_string()),
        None => EndpointError::Tls(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_a_config_error() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("empty.pem");
        std::fs::write(&file, "not a certificate\n").expect("write");
        let err = client_config(Some(&file)).expect_err("no certificate");
        assert_eq!(err.code(), "endpoint.ca_file");
        assert!(err.to_string().contains("empty.pem"), "{err}");
        let missing = client_config(Some(&dir.path().join("missing.pem"))).expect_err("missing");
        assert!(missing.is_config(), "{missing}");
        assert!(client_config(None).is_ok());
    }
}
