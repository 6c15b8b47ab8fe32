//! HTTPS and WSS on one port: the rustls (ring provider) configuration from the config file's
//! certificate and key. The accept loop is [`crate::http::serve_tls`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

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

pub use crate::http::serve_tls;
