//! The specialist's PBX account and the user agent's timing, checked before use.

use std::fmt;
use std::time::Duration;

use crate::SipError;

/// Where the PBX is: a host name or address and a UDP port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub host: String,
    pub port: u16,
}

/// A SIP account of the company's PBX.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's domain: the address of record is `sip:<user>@<domain>`.
    pub domain: String,
    pub user: String,
    pub password: String,
    /// The login of the digest authentication when it is not `user`.
    pub auth_user: Option<String>,
    /// Where REGISTER goes.
    pub registrar: Server,
    /// Where calls go (the outbound proxy); the registrar when `None`.
    pub proxy: Option<Server>,
    /// The name the far end sees (the display name of From), if any.
    pub display_name: Option<String>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("domain", &self.domain)
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .field("auth_user", &self.auth_user)
            .field("registrar", &self.registrar)
            .field("proxy", &self.proxy)
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// The longest a user, password or host the account may hold.
const MAX_FIELD: usize = 128;
const MAX_HOST: usize = 253;

impl Account {
    /// Refuse an account that cannot be written into SIP messages.
    pub fn check(&self) -> Result<(), SipError> {
        check_host("domain", &self.domain)?;
        check_user("user", &self.user)?;
        if let Some(auth_user) = &self.auth_user {
            check_user("auth_user", auth_user)?;
        }
        if self.password.is_empty()
            || self.password.len() > MAX_FIELD
            || self.password.chars().any(char::is_control)
        {
            return Err(SipError::InvalidAccount("password"));
        }
        check_server("registrar", &self.registrar)?;
        if let Some(proxy) = &self.proxy {
            check_server("proxy", proxy)?;
        }
        if let Some(name) = &self.display_name
            && (name.is_empty()
                || name.chars().count() > MAX_FIELD
                || name
                    .chars()
                    .any(|c| c.is_control() || c == '"' || c == '\\'))
        {
            return Err(SipError::InvalidAccount("display_name"));
        }
        Ok(())
    }

    /// Where calls go.
    pub fn proxy(&self) -> &Server {
        self.proxy.as_ref().unwrap_or(&self.registrar)
    }
}

/// The user part of a SIP URI: unreserved characters only (RFC 3261 `user` without escapes).
fn check_user(field: &'static str, user: &str) -> Result<(), SipError> {
    let fine = !user.is_empty()
        && user.len() <= MAX_FIELD
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()+".contains(c));
    if fine {
        Ok(())
    } else {
        Err(SipError::InvalidAccount(field))
    }
}

fn check_host(field: &'static str, host: &str) -> Result<(), SipError> {
    let fine = !host.is_empty()
        && host.len() <= MAX_HOST
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if fine {
        Ok(())
    } else {
        Err(SipError::InvalidAccount(field))
    }
}

fn check_server(field: &'static str, server: &Server) -> Result<(), SipError> {
    check_host(field, &server.host)?;
    if server.port == 0 {
        return Err(SipError::InvalidAccount(field));
    }
    Ok(())
}

/// When the user agent refreshes, retries and gives up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The registration's lifetime asked of the registrar (it may grant another); refreshed
    /// when half of the granted time has passed.
    pub expires: Duration,
    /// How long a request may wait for its final answer before the PBX counts as unreachable.
    pub response_timeout: Duration,
    /// The first wait before registering again after a failure; doubled up to `retry_max`.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// An outgoing call nobody answers is cancelled after this.
    pub no_answer_after: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            expires: Duration::from_secs(300),
            response_timeout: Duration::from_secs(8),
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            no_answer_after: Duration::from_secs(60),
        }
    }
}

/// The digits, `+`, `*` and `#` of a number to dial (spaces, dashes, dots and brackets
/// dropped), at most 32 of them.
pub fn dialable(number: &str) -> Result<String, SipError> {
    let mut digits = String::with_capacity(number.len().min(64));
    for (i, c) in number.chars().enumerate() {
        match c {
            '0'..='9' | '*' | '#' => digits.push(c),
            '+' if digits.is_empty() => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(SipError::InvalidNumber),
        }
        if i > 64 || digits.len() > 32 {
            return Err(SipError::InvalidNumber);
        }
    }
    if digits.chars().any(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(SipError::InvalidNumber)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            domain: "pbx.example".into(),
            user: "alice".into(),
            password: "s3cret".into(),
            auth_user: None,
            registrar: Server {
                host: "127.0.0.1".into(),
                port: 5060,
            },
            proxy: None,
            display_name: Some("Анна Смирнова".into()),
        }
    }

    #[test]
    fn a_plain_account_passes_and_bad_fields_are_named() {
        assert_eq!(account().check(), Ok(()));
        let mut bad = account();
        bad.user = "al ice".into();
        assert_eq!(bad.check(), Err(SipError::InvalidAccount("user")));
        let mut bad = account();
        bad.password = String::new();
        assert_eq!(bad.check(), Err(SipError::InvalidAccount("password")));
        let mut bad = account();
        bad.domain = "pbx.example>".into();
        assert_eq!(bad.check(), Err(SipError::InvalidAccount("domain")));
        let mut bad = account();
        bad.registrar.port = 0;
        assert_eq!(bad.check(), Err(SipError::InvalidAccount("registrar")));
        let mut bad = account();
        bad.proxy = Some(Server {
            host: String::new(),
            port: 5060,
        });
        assert_eq!(bad.check(), Err(SipError::InvalidAccount("proxy")));
        let mut bad = account();
        bad.display_name = Some("Anna \"<sip:evil>".into());
        assert_eq!(bad.check(), Err(SipError::InvalidAccount("display_name")));
    }

    #[test]
    fn the_password_is_not_printed() {
        assert!(!format!("{:?}", account()).contains("s3cret"));
    }

    #[test]
    fn numbers_keep_their_digits_and_refuse_the_rest() {
        assert_eq!(
            dialable("+7 (495) 123-45-67").as_deref(),
            Ok("+74951234567")
        );
        assert_eq!(dialable("200").as_deref(), Ok("200"));
        assert_eq!(dialable("*21#").as_deref(), Ok("*21#"));
        assert_eq!(dialable(""), Err(SipError::InvalidNumber));
        assert_eq!(dialable("+"), Err(SipError::InvalidNumber));
        assert_eq!(dialable("12+3"), Err(SipError::InvalidNumber));
        assert_eq!(dialable("200@evil"), Err(SipError::InvalidNumber));
        assert_eq!(dialable(&"1".repeat(33)), Err(SipError::InvalidNumber));
        assert_eq!(dialable(&" ".repeat(100)), Err(SipError::InvalidNumber));
    }
}
