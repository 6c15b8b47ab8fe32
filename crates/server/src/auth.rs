//! Passwords (argon2) and session tokens (random, kept only as their sha256).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error("the system random generator failed: {0}")]
    Random(String),
}

/// An argon2id hash in PHC form, with a random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored hash; a malformed stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).ok().is_some_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// What an unknown login is checked against: an argon2id hash with the same parameters as
/// [`hash_password`]'s (a test checks it). Its password does not matter: an unknown login
/// never gets in, whatever the dummy's verification says.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Fp1H1WjOcNS9goLyouhNTQ$FJ5Fl9mSLtTQYAY//87hIYOwcmBWs9bNvi6cmMI9YrQ";

/// Whether `password` opens an account whose stored hash is `stored` (`None`: no such login).
/// An unknown login runs the same argon2 verification against [`DUMMY_HASH`], so the answer
/// takes as long as for a known login with a wrong password and does not tell logins apart.
pub fn verify_login(password: &str, stored: Option<&str>) -> bool {
    verify_login_with(password, stored, verify_password)
}

fn verify_login_with(
    password: &str,
    stored: Option<&str>,
    verify: impl FnOnce(&str, &str) -> bool,
) -> bool {
    let matched = verify(password, stored.unwrap_or(DUMMY_HASH));
    matched && stored.is_some()
}

/// A new random token (256 bits, hex) and the hash under which it is stored.
pub fn new_token() -> Result<(String, String), AuthError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = token_hash(&token);
    Ok((token, hash))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_hashes_are_salted() {
        let a = hash_password("пароль-1").expect("hash");
        let b = hash_password("пароль-1").expect("hash");
        assert_ne!(a, b, "random salt");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("пароль-1", &a));
        assert!(!verify_password("пароль-2", &a));
        assert!(!verify_password("пароль-1", "not a hash"));
    }

    #[test]
    fn unknown_and_known_logins_run_the_same_verification() {
        let known = hash_password("anna-pass").expect("hash");
        let mut seen = Vec::new();
        for stored in [Some(known.as_str()), None] {
            let mut calls = 0;
            verify_login_with("guess", stored, |p, h| {
                calls += 1;
                seen.push(h.to_string());
                verify_password(p, h)
            });
            assert_eq!(calls, 1, "{stored:?}");
        }
        // The dummy is a real argon2id hash with the parameters of a stored one.
        let params = |h: &str| h.split('$').take(4).collect::<Vec<_>>().join("$");
        assert_eq!(params(&seen[0]), params(&seen[1]));
        // A hash that verifies: the full argon2 work runs, not an early parse failure.
        assert!(verify_password("linedesk: nobody's password", DUMMY_HASH));
        assert!(!verify_login("linedesk: nobody's password", None));
        assert!(!verify_login("", None) && !verify_login("anything", None));
        assert!(verify_login("anna-pass", Some(&known)));
        assert!(!verify_login("guess", Some(&known)));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (t1, h1) = new_token().expect("token");
        let (t2, _) = new_token().expect("token");
        assert_ne!(t1, t2);
        assert_eq!(t1.len(), 64);
        assert_eq!(token_hash(&t1), h1);
        assert_ne!(t1, h1);
    }
}
