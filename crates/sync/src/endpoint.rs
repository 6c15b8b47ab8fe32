//! Where the line server is and how to reach it: the shared `linedesk-endpoint` crate with
//! the sync's settings. A bare `host:port` is plain here (the app's embedded server on
//! 127.0.0.1, and settings written before TLS); the server's certificate is checked against
//! the platform's trusted roots plus the optional CA file of [`SyncConfig`].

use linedesk_endpoint::{Bare, EndpointError};

pub(crate) use linedesk_endpoint::Connector;

use crate::{SyncConfig, SyncError};

/// The connector of `config`'s server.
pub(crate) fn connector(config: &SyncConfig) -> Result<Connector, SyncError> {
    Ok(Connector::parse(
        &config.server,
        Bare::Plain,
        config.ca_file.as_deref(),
    )?)
}

impl From<EndpointError> for SyncError {
    fn from(error: EndpointError) -> SyncError {
        if error.is_config() {
            SyncError::Config(error.to_string())
        } else if error.is_tls() {
            SyncError::Tls(error.to_string())
        } else {
            SyncError::Unreachable(error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_errors_keep_the_sync_s_meaning() {
        let config = |server: &str| SyncConfig {
            server: server.into(),
            ..SyncConfig::default()
        };
        // The embedded server's bare address stays plain for the app.
        assert!(connector(&config("127.0.0.1:7700")).is_ok_and(|c| !c.endpoint().tls));
        assert!(matches!(
            connector(&config("ftp://h:1")),
            Err(SyncError::Config(_))
        ));
        let untrusted = SyncError::from(EndpointError::Untrusted("UnknownIssuer".into()));
        assert!(matches!(&untrusted, SyncError::Tls(m) if m.contains("not trusted")));
        let down = SyncError::from(EndpointError::Unreachable("refused".into()));
        assert!(matches!(down, SyncError::Unreachable(_)));
    }
}
