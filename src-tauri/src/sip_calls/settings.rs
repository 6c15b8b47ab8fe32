//! The SIP account as the settings dialog sends it, checked by the SIP crate's rule
//! (`linedesk_sip::Account::check`) before anything is kept: a registrar `host` or
//! `host:port` (5060 by default), the domain (the registrar's host when empty), the user, the
//! digest login when it differs, the display name; the password goes to the secret store.

use linedesk_sip::{Account, Server, SipError};
use linedesk_store::SipAccountRow;
use serde::{Deserialize, Serialize};

/// The default SIP port.
pub const SIP_PORT: u16 = 5060;

/// What the settings dialog saves. `password`: `None` keeps the one kept already.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SipAccountInput {
    pub registrar: String,
    pub domain: String,
    pub user: String,
    pub auth_user: String,
    pub display_name: String,
    pub password: Option<String>,
}

/// What the settings dialog shows: the account without its password, and whether one is kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SipAccountView {
    pub account: Option<SipAccountRow>,
    pub has_password: bool,
}

/// The input, trimmed, as the row the store keeps.
pub fn row_of(input: &SipAccountInput) -> SipAccountRow {
    SipAccountRow {
        registrar: input.registrar.trim().to_string(),
        domain: input.domain.trim().to_string(),
        user: input.user.trim().to_string(),
        auth_user: input.auth_user.trim().to_string(),
        display_name: input.display_name.trim().to_string(),
    }
}

/// `host` or `host:port` (a bracketed IPv6 address is read, and refused by the account's rule).
fn server(registrar: &str) -> Result<Server, SipError> {
    let bad = || SipError::InvalidAccount("registrar");
    let (host, port) = match registrar.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => {
            (host, port.parse::<u16>().map_err(|_| bad())?)
        }
        _ => (registrar, SIP_PORT),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad());
    }
    Ok(Server {
        host: host.to_string(),
        port,
    })
}

/// The account the user agent registers, from a saved row and its password: every field
/// checked by the SIP crate.
pub fn account(row: &SipAccountRow, password: &str) -> Result<Account, SipError> {
    let registrar = server(&row.registrar)?;
    let domain = match row.domain.is_empty() {
        true => registrar.host.clone(),
        false => row.domain.clone(),
    };
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let account = Account {
        domain,
        user: row.user.clone(),
        password: password.to_string(),
        auth_user: some(&row.auth_user),
        registrar,
        proxy: None,
        display_name: some(&row.display_name),
    };
    match account.check() {
        // The domain taken from the registrar: the registrar is what to fix.
        Err(SipError::InvalidAccount("domain")) if row.domain.is_empty() => {
            Err(SipError::InvalidAccount("registrar"))
        }
        Err(e) => Err(e),
        Ok(()) => Ok(account),
    }
}

/// The settings dialog's field a refused account points at.
pub fn field_of(error: &SipError) -> &'static str {
    match error {
        SipError::InvalidAccount("auth_user") => "authUser",
        SipError::InvalidAccount("display_name") => "displayName",
        SipError::InvalidAccount("domain") => "domain",
        SipError::InvalidAccount("password") => "password",
        SipError::InvalidAccount("user") => "user",
        _ => "registrar",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SipAccountInput {
        SipAccountInput {
            registrar: " pbx.example.ru:5070 ".into(),
            domain: String::new(),
            user: "101".into(),
            auth_user: String::new(),
            display_name: "Анна Смирнова".into(),
            password: Some("s3cret".into()),
        }
    }

    #[test]
    fn a_typical_account_becomes_the_agents() {
        let account = account(&row_of(&input()), "s3cret").expect("valid");
        assert_eq!(account.registrar.host, "pbx.example.ru");
        assert_eq!(account.registrar.port, 5070);
        assert_eq!(account.domain, "pbx.example.ru");
        assert_eq!(account.auth_user, None);
        assert_eq!(account.display_name.as_deref(), Some("Анна Смирнова"));
    }

    #[test]
    fn the_port_defaults_and_the_domain_and_login_may_differ() {
        let mut i = input();
        i.registrar = "10.0.0.5".into();
        i.domain = "corp.example".into();
        i.auth_user = "anna".into();
        let account = account(&row_of(&i), "s3cret").expect("valid");
        assert_eq!(account.registrar.port, SIP_PORT);
        assert_eq!(account.domain, "corp.example");
        assert_eq!(account.auth_user.as_deref(), Some("anna"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |change: fn(&mut SipAccountInput), password: &str| {
            let mut i = input();
            change(&mut i);
            account(&row_of(&i), password)
                .map(|_| ())
                .map_err(|e| field_of(&e))
        };
        assert_eq!(
            field(|i| i.registrar = "pbx:99999".into(), "p"),
            Err("registrar")
        );
        assert_eq!(
            field(|i| i.registrar = "pbx:".into(), "p"),
            Err("registrar")
        );
        assert_eq!(
            field(|i| i.registrar = ":5060".into(), "p"),
            Err("registrar")
        );
        assert_eq!(
            field(|i| i.registrar = "pbx/x".into(), "p"),
            Err("registrar")
        );
        assert_eq!(field(|i| i.user = "10 1".into(), "p"), Err("user"));
        assert_eq!(field(|i| i.user = "101@evil".into(), "p"), Err("user"));
        assert_eq!(field(|i| i.auth_user = "a;b".into(), "p"), Err("authUser"));
        assert_eq!(field(|i| i.domain = "a b".into(), "p"), Err("domain"));
        assert_eq!(
            field(|i| i.display_name = "A\" <sip:x>".into(), "p"),
            Err("displayName")
        );
        assert_eq!(field(|_| {}, ""), Err("password"));
        assert_eq!(field(|_| {}, "a\nb"), Err("password"));
    }
}
