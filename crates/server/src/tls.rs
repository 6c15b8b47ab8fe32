//! HTTPS and WSS on one port: rustls (ring provider) in front of the same axum router.
//!
//! The accept loop is written here over hyper's HTTP/1 server connection, which axum already
//! compiles for `axum::serve`; `axum-server` would bring another crate (and its own TLS
//! plumbing) for the same few lines. A connection that does not complete a TLS handshake (a
//! plain-HTTP client, a scanner, a stalled peer) is dropped on its own task and the server goes
//! on serving.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::Service;

use crate::app::{Server, router};

/// A peer must finish the TLS handshake within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("cannot read the certificate file {file}: {reason}")]
    Cert { file: PathBuf, reason: String },
    #[error("the certificate file {0} holds no PEM certificate")]
    NoCert(PathBuf),
    #[error("cannot read the private key file {file}: {reason}")]
    Key { file: PathBuf, reason: String },
    #[error("the key {key} does not match the certificate {cert}: {reason}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

impl TlsError {
    /// The config key the error is about.
    pub fn key_name(&self) -> &'static str {
        match self {
            TlsError::Cert { .. } | TlsError::NoCert(_) => "tls.cert",
            TlsError::Key { .. } | TlsError::Mismatch { .. } => "tls.key",
        }
    }
}

/// The ring provider, chosen explicitly so that another crate enabling aws-lc-rs in the same
/// build cannot make rustls's process-wide default ambiguous.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Load a PEM certificate chain and private key and check that they belong together.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Cert {
            file: cert.to_path_buf(),
            reason: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCert(cert.to_path_buf()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        file: key.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mismatch = |e: rustls::Error| TlsError::Mismatch {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        reason: e.to_string(),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(mismatch)?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(mismatch)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serve the router over TLS (never returns but for the signature shared with `app::serve`).
pub async fn serve_tls(
    listener: TcpListener,
    server: Arc<Server>,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    crate::revocation::start_watching(&server);
    let acceptor = TlsAcceptor::from(tls);
    let app = router(server);
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if is_per_connection(&e) => continue,
            Err(_) => {
                // Out of file descriptors and the like: wait rather than spin (as axum does).
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(Ok(stream)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
            else {
                return;
            };
            let service = hyper::service::service_fn(move |mut request| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                app.clone().call(request)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

fn is_per_connection(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
