//! The crate's one error type.

use std::path::PathBuf;

/// Why a server could not be reached, or a connection to it not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// The server address cannot be read.
    #[error("server address {server:?}: {why}")]
    Address { server: String, why: String },
    /// A bare `host:port` where plain connections were not allowed: the password would go out
    /// in clear.
    #[error(
        "server address {server:?} has no scheme: write https://{server} for TLS, or http://{server} \
         (or --insecure-plain) to connect without encryption"
    )]
    PlainRefused { server: String },
    /// The CA file cannot be read or holds no certificate.
    #[error("CA file {}: {why}", path.display())]
    CaFile { path: PathBuf, why: String },
    /// No TCP connection, or it broke before an answer.
    #[error("the server is unreachable: {0}")]
    Unreachable(String),
    /// The server's certificate is not signed by a CA this program trusts.
    #[error(
        "the server's certificate is not trusted ({0}): it is not signed by a CA of this system \
         or of the CA file given"
    )]
    Untrusted(String),
    /// The server's certificate is valid but for another name.
    #[error("the server's certificate is not for {host}: {detail}")]
    NameMismatch { host: String, detail: String },
    /// The server's certificate is refused for another reason (expired, not yet valid, ...).
    #[error("the server's certificate is refused: {0}")]
    Certificate(String),
    /// The TLS handshake failed otherwise (e.g. a plain server on the https:// port).
    #[error("the secure connection failed: {0}")]
    Tls(String),
    /// The server answered something that is not HTTP or not a WebSocket upgrade.
    #[error("the server answered something unexpected: {0}")]
    Protocol(String),
}

impl EndpointError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            EndpointError::Address { .. } => "endpoint.address",
            EndpointError::PlainRefused { .. } => "endpoint.plain_refused",
            EndpointError::CaFile { .. } => "endpoint.ca_file",
            EndpointError::Unreachable(_) => "endpoint.unreachable",
            EndpointError::Untrusted(_) => "endpoint.untrusted",
            EndpointError::NameMismatch { .. } => "endpoint.name_mismatch",
            EndpointError::Certificate(_) => "endpoint.certificate",
            EndpointError::Tls(_) => "endpoint.tls",
            EndpointError::Protocol(_) => "endpoint.protocol",
        }
    }

    /// A problem of the TLS layer (the certificate or the handshake), as opposed to the
    /// address, the CA file or the network.
    pub fn is_tls(&self) -> bool {
        matches!(
            self,
            EndpointError::Untrusted(_)
                | EndpointError::NameMismatch { .. }
                | EndpointError::Certificate(_)
                | EndpointError::Tls(_)
        )
    }

    /// A setting to fix (the address or the CA file): retrying will not help.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            EndpointError::Address { .. }
                | EndpointError::PlainRefused { .. }
                | EndpointError::CaFile { .. }
        )
    }
}
