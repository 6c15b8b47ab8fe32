//! Where the line server is and how to reach it: the shared `linedesk-endpoint` crate with
//! the sync's settings. A bare `host:port` is plain here (the app's embedded server on
//! 127.0.0.1, and settings written before TLS); the server's certificate is checked against
//! the platform's trusted roots plus the optional CA file of [`SyncConfig`]. Several servers
//! of the same lines are separated by commas ([`addresses`]).

use linedesk_endpoint::{Bare, EndpointError, addresses};

pub(crate) use linedesk_endpoint::Connector;

use crate::{SyncConfig, SyncError};

/// The connector of `config`'s first server.
pub(crate) fn connector(config: &SyncConfig) -> Result<Connector, SyncError> {
    let mut all = connectors(config)?;
    Ok(all.swap_remove(0))
}

/// The connectors of every server of `config`, in its order (at least one).
pub(crate) fn connectors(config: &SyncConfig) -> Result<Vec<Connector>, SyncError> {
    let all = addresses(&config.server)
        .into_iter()
        .map(|address| Connector::parse(address, Bare::Plain, config.ca_file.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    if all.is_empty() {
        return Err(SyncError::Config("no line server address".into()));
    }
    Ok(all)
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

    #[test]
    fn several_servers_are_tried_in_the_order_given() {
        let config = SyncConfig {
            server: "http://127.0.0.1:7701, http://127.0.0.1:7702,".into(),
            ..SyncConfig::default()
        };
        let all = connectors(&config).expect("two servers");
        let ports: Vec<u16> = all.iter().map(|c| c.endpoint().port).collect();
        assert_eq!(ports, [7701, 7702]);
        assert!(matches!(
            connectors(&SyncConfig::default()),
            Err(SyncError::Config(_))
        ));
        let one_bad = SyncConfig {
            server: "http://127.0.0.1:7701,ftp://h:1".into(),
            ..SyncConfig::default()
        };
        assert!(matches!(connectors(&one_bad), Err(SyncError::Config(_))));
    }
}
