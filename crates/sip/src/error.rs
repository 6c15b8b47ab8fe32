//! What goes wrong with a SIP account or call, as a closed set with stable codes for the UI.

/// Why registration or a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SipError {
    /// A field of the account cannot be used (named).
    #[error("the account's {0} is not valid")]
    InvalidAccount(&'static str),
    /// The dialled number is empty, too long or has characters a number cannot have.
    #[error("not a phone number")]
    InvalidNumber,
    /// The registrar or proxy refused the credentials (a second 401/407 after answering the
    /// challenge).
    #[error("the PBX refused the login or password")]
    WrongPassword,
    /// 403: the credentials are right but the PBX does not allow this.
    #[error("the PBX forbids it (403)")]
    Forbidden,
    /// No answer from the registrar or proxy within the response timeout.
    #[error("the PBX does not answer")]
    RegistrarUnreachable,
    /// The registrar's host name does not resolve.
    #[error("the PBX's address {0} does not resolve")]
    UnknownHost(String),
    /// Another final status from the registrar or proxy.
    #[error("the PBX answered {status}")]
    Rejected { status: u16 },
    /// The local socket or the network failed.
    #[error("network: {0}")]
    Network(String),
    /// The SIP stack failed in another way.
    #[error("SIP: {0}")]
    Protocol(String),
    /// The user agent was shut down.
    #[error("the SIP user agent is stopped")]
    Stopped,
    /// The call's audio could not be carried (socket, codec or resampler).
    #[error("media: {0}")]
    Media(String),
}

impl SipError {
    /// The stable code the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            SipError::InvalidAccount(_) => "sip_invalid_account",
            SipError::InvalidNumber => "sip_invalid_number",
            SipError::WrongPassword => "sip_wrong_password",
            SipError::Forbidden => "sip_forbidden",
            SipError::RegistrarUnreachable => "sip_registrar_unreachable",
            SipError::UnknownHost(_) => "sip_unknown_host",
            SipError::Rejected { .. } => "sip_rejected",
            SipError::Network(_) => "sip_network",
            SipError::Protocol(_) => "sip_protocol",
            SipError::Stopped => "sip_stopped",
            SipError::Media(_) => "sip_media",
        }
    }

    /// The error of the SIP stack's failure to send or receive.
    pub(crate) fn from_stack(error: rsipstack::Error) -> SipError {
        match error {
            rsipstack::Error::IoError(e) => SipError::Network(e.to_string()),
            rsipstack::Error::TransportLayerError(why, _) => SipError::Network(why),
            rsipstack::Error::DnsResolutionError(host) => SipError::UnknownHost(host),
            other => SipError::Protocol(other.to_string()),
        }
    }

    /// The error a final status of the registrar or proxy means.
    pub(crate) fn from_status(status: u16) -> SipError {
        match status {
            401 | 407 => SipError::WrongPassword,
            403 => SipError::Forbidden,
            408 => SipError::RegistrarUnreachable,
            _ => SipError::Rejected { status },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_prefixed() {
        let all = [
            SipError::InvalidAccount("user"),
            SipError::InvalidNumber,
            SipError::WrongPassword,
            SipError::Forbidden,
            SipError::RegistrarUnreachable,
            SipError::UnknownHost("pbx".into()),
            SipError::Rejected { status: 500 },
            SipError::Network("down".into()),
            SipError::Protocol("bad".into()),
            SipError::Stopped,
            SipError::Media("codec".into()),
        ];
        let mut codes: Vec<&str> = all.iter().map(SipError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("sip_")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn statuses_mean_what_a_pbx_means_by_them() {
        assert_eq!(SipError::from_status(401), SipError::WrongPassword);
        assert_eq!(SipError::from_status(407), SipError::WrongPassword);
        assert_eq!(SipError::from_status(403), SipError::Forbidden);
        assert_eq!(
            SipError::from_status(503),
            SipError::Rejected { status: 503 }
        );
    }
}
