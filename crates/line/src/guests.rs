//! K1: a person signs in to a line's web widget as a guest, with a name and an e-mail or a
//! phone. They become a client of the line with a card (C5) marked as a guest, announced like
//! any client (`Event::ClientUpserted`); the account has no password login. Whether the line
//! takes guests at all is the server's configuration, checked before this.
//!
//! [`guest_card`] is the rule on what was typed (pure, so the HTTP side answers with the
//! field before spending anything); [`register_guest`] applies it again inside the
//! transaction and adds the client.

use linedesk_protocol::{ClientProfile, Event, GuestSignIn};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::work::Work;

/// What the guest rules read and write, as a backend implements it (a part of [`Repo`]).
pub trait GuestRepo {
    fn line_exists(&mut self, line: u64) -> Result<bool, RepoError>;
    /// Add `profile` as a client of `line` with an account that has no password (the backend
    /// names it so an admin can revoke or disable it); the client's id.
    fn insert_guest(&mut self, line: u64, profile: &ClientProfile) -> Result<u64, RepoError>;
}

/// What is wrong with a guest's sign-in: the field and why (for people).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct GuestRefusal {
    pub field: &'static str,
    pub reason: &'static str,
}

fn refuse(field: &'static str, reason: &'static str) -> GuestRefusal {
    GuestRefusal { field, reason }
}

/// Digits a phone number may have (E.164 allows 15; some extensions more).
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 5..=20;

/// The guest's card from what they typed: the name trimmed and not empty, no control
/// characters; an e-mail (`local@domain.tld`, no spaces) or a phone (digits with `+ -().`
/// and spaces), at least one; blank fields are none. Bounds first ([`GuestSignIn::validate`]).
pub fn guest_card(sign_in: &GuestSignIn) -> Result<ClientProfile, GuestRefusal> {
    sign_in
        .validate()
        .map_err(|e| refuse(e.field, "too long"))?;
    let name = sign_in.name.trim();
    if name.is_empty() {
        return Err(refuse("name", "a name is needed"));
    }
    if name.chars().any(char::is_control) {
        return Err(refuse("name", "a name is one line of text"));
    }
    let filled = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let email = filled(&sign_in.email);
    let phone = filled(&sign_in.phone);
    if email.is_none() && phone.is_none() {
        return Err(refuse("email", "an e-mail or a phone is needed"));
    }
    if let Some(email) = &email
        && !is_email(email)
    {
        return Err(refuse("email", "not an e-mail address"));
    }
    if let Some(phone) = &phone
        && !is_phone(phone)
    {
        return Err(refuse("phone", "not a phone number"));
    }
    Ok(ClientProfile {
        name: name.to_string(),
        email,
        phone,
        guest: true,
        ..ClientProfile::default()
    })
}

fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let clean = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    clean(local)
        && clean(domain)
        && !domain.contains('@')
        && domain.split('.').filter(|part| !part.is_empty()).count() >= 2
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

fn is_phone(phone: &str) -> bool {
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    phone.chars().all(allowed) && PHONE_DIGITS.contains(&digits)
}

/// Add the guest of `sign_in` to its line (which must exist) and announce them; the client's
/// id.
pub fn register_guest<R: Repo>(
    w: &mut Work<'_, R>,
    sign_in: &GuestSignIn,
) -> Result<u64, LineError> {
    let profile = guest_card(sign_in).map_err(|e| LineError::Invalid(e.to_string()))?;
    if !w.repo.line_exists(sign_in.line)? {
        return Err(LineError::Invalid(format!("no line {}", sign_in.line)));
    }
    let client = w.repo.insert_guest(sign_in.line, &profile)?;
    w.append(
        sign_in.line,
        Event::ClientUpserted {
            client,
            profile: Box::new(profile),
        },
    )?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in(name: &str, email: Option<&str>, phone: Option<&str>) -> GuestSignIn {
        GuestSignIn {
            line: 1,
            name: name.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
        }
    }

    #[test]
    fn a_guest_needs_a_name_and_an_email_or_a_phone() {
        let card =
            guest_card(&sign_in("  Мария  ", Some(" m@example.ru "), Some(""))).expect("a guest");
        assert_eq!(
            (
                card.name.as_str(),
                card.email.as_deref(),
                card.phone,
                card.guest
            ),
            ("Мария", Some("m@example.ru"), None, true)
        );
        let card = guest_card(&sign_in("Ivan", None, Some("+7 (912) 345-67-89"))).expect("phone");
        assert_eq!(card.phone.as_deref(), Some("+7 (912) 345-67-89"));
        let cases = [
            (sign_in(" ", Some("m@example.ru"), None), "name"),
            (sign_in("a\nb", Some("m@example.ru"), None), "name"),
            (sign_in("Мария", None, None), "email"),
            (sign_in("Мария", Some("  "), Some(" ")), "email"),
            (sign_in("Мария", Some("m@example"), None), "email"),
            (sign_in("Мария", Some("m @example.ru"), None), "email"),
            (sign_in("Мария", Some("m@@example.ru"), None), "email"),
            (sign_in("Мария", None, Some("12")), "phone"),
            (sign_in("Мария", None, Some("+7 912 <b>")), "phone"),
            (
                sign_in(&"я".repeat(201), Some("m@example.ru"), None),
                "name",
            ),
        ];
        for (input, field) in cases {
            assert_eq!(
                guest_card(&input).map_err(|e| e.field),
                Err(field),
                "{input:?}"
            );
        }
    }
}
