//! The specialist's profile (W1).

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Result, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub phone: String,
    /// A `data:image/...;base64,` URL, or none.
    pub avatar: Option<String>,
}

const MAX_TEXT: usize = 200;
/// The line's largest avatar (the domain's), base64-encoded in a `data:` URL.
const MAX_AVATAR_CHARS: usize = linedesk_domain::avatar::MAX_AVATAR_BYTES.div_ceil(3) * 4 + 100;

impl Profile {
    /// Trimmed copy, or the first field that is wrong.
    pub fn validated(&self) -> Result<Profile> {
        let p = Profile {
            full_name: self.full_name.trim().to_string(),
            position: self.position.trim().to_string(),
            email: self.email.trim().to_string(),
            phone: self.phone.trim().to_string(),
            avatar: self.avatar.clone().filter(|a| !a.is_empty()),
        };
        for (field, value) in [
            ("full_name", &p.full_name),
            ("position", &p.position),
            ("phone", &p.phone),
        ] {
            if value.chars().count() > MAX_TEXT {
                return Err(StoreError::invalid(
                    field,
                    format!("longer than {MAX_TEXT} characters"),
                ));
            }
        }
        if !p.email.is_empty() && !is_email(&p.email) {
            return Err(StoreError::invalid("email", "not an e-mail address"));
        }
        if !p
            .phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        {
            return Err(StoreError::invalid(
                "phone",
                "only digits, spaces and + - ( ) are allowed",
            ));
        }
        if let Some(avatar) = &p.avatar {
            let is_image = [
                "data:image/png;base64,",
                "data:image/jpeg;base64,",
                "data:image/webp;base64,",
            ]
            .iter()
            .any(|prefix| avatar.starts_with(prefix));
            if !is_image {
                return Err(StoreError::invalid(
                    "avatar",
                    "must be a PNG, JPEG or WebP image",
                ));
            }
            if avatar.len() > MAX_AVATAR_CHARS {
                return Err(StoreError::invalid("avatar", "larger than 256 KiB"));
            }
        }
        Ok(p)
    }
}

/// A plausible address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

impl Store {
    pub fn profile(&self) -> Result<Profile> {
        let profile = self
            .conn
            .query_row(
                "SELECT full_name, position, email, phone, avatar FROM profile WHERE id = 1",
                [],
                |r| {
                    Ok(Profile {
                        full_name: r.get(0)?,
                        position: r.get(1)?,
                        email: r.get(2)?,
                        phone: r.get(3)?,
                        avatar: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(profile.unwrap_or_default())
    }

    pub fn save_profile(&self, profile: &Profile) -> Result<Profile> {
        let p = profile.validated()?;
        put(&self.conn, &p)?;
        self.profile()
    }
}

/// Write a validated profile.
pub(crate) fn put(conn: &rusqlite::Connection, p: &Profile) -> Result<()> {
    conn.execute(
        "INSERT INTO profile (id, full_name, position, email, phone, avatar)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET full_name = ?1, position = ?2, email = ?3,
             phone = ?4, avatar = ?5",
        rusqlite::params![p.full_name, p.position, p.email, p.phone, p.avatar],
    )?;
    Ok(())
}
