//! The specialist's PBX account (issue 18): where the SIP registrar is and who logs in, rows
//! of the settings table. The password is never here: the app keeps it in its secret store
//! (`src-tauri/src/sip_calls/secret.rs`). What makes an account usable is the SIP crate's
//! rule (`linedesk_sip::Account::check`), applied by the app before saving; the store only
//! bounds what it keeps.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Result, StoreError};

/// The account as saved: all text, as the specialist typed it (checked by the app).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SipAccountRow {
    /// The registrar, `host` or `host:port`.
    pub registrar: String,
    /// The account's domain; the registrar's host when empty.
    pub domain: String,
    pub user: String,
    /// The digest login when it is not `user`; empty otherwise.
    pub auth_user: String,
    /// The name the far end sees (From's display name).
    pub display_name: String,
}

const KEYS: [&str; 5] = [
    "sip_registrar",
    "sip_domain",
    "sip_user",
    "sip_auth_user",
    "sip_display_name",
];

/// The longest any field may be (a host name is at most 253 characters, the port with it).
pub const MAX_FIELD: usize = 260;

impl Store {
    /// The saved account; `None` when none was saved (or it was forgotten).
    pub fn sip_account(&self) -> Result<Option<SipAccountRow>> {
        let get = |key: &str| -> Result<String> { Ok(self.setting(key)?.unwrap_or_default()) };
        let row = SipAccountRow {
            registrar: get(KEYS[0])?,
            domain: get(KEYS[1])?,
            user: get(KEYS[2])?,
            auth_user: get(KEYS[3])?,
            display_name: get(KEYS[4])?,
        };
        Ok((!row.registrar.is_empty() && !row.user.is_empty()).then_some(row))
    }

    pub fn save_sip_account(&self, row: &SipAccountRow) -> Result<()> {
        let fields = [
            (KEYS[0], row.registrar.as_str()),
            (KEYS[1], row.domain.as_str()),
            (KEYS[2], row.user.as_str()),
            (KEYS[3], row.auth_user.as_str()),
            (KEYS[4], row.display_name.as_str()),
        ];
        for (key, value) in fields {
            if value.len() > MAX_FIELD || value.chars().any(char::is_control) {
                return Err(StoreError::Invalid {
                    field: key,
                    reason: "too long or with control characters".into(),
                });
            }
        }
        if row.registrar.is_empty() || row.user.is_empty() {
            return Err(StoreError::Invalid {
                field: if row.registrar.is_empty() {
                    KEYS[0]
                } else {
                    KEYS[2]
                },
                reason: "empty".into(),
            });
        }
        self.save_setting_rows(&fields)
    }

    /// Forget the account (its password is the app's to forget).
    pub fn forget_sip_account(&self) -> Result<()> {
        let empty: Vec<(&str, &str)> = KEYS.iter().map(|k| (*k, "")).collect();
        self.save_setting_rows(&empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> SipAccountRow {
        SipAccountRow {
            registrar: "pbx.example:5060".into(),
            domain: String::new(),
            user: "101".into(),
            auth_user: String::new(),
            display_name: "Анна Смирнова".into(),
        }
    }

    #[test]
    fn an_account_is_saved_read_back_and_forgotten() {
        let store = Store::open_in_memory().expect("store");
        assert_eq!(store.sip_account().expect("read"), None);
        store.save_sip_account(&row()).expect("save");
        assert_eq!(store.sip_account().expect("read"), Some(row()));
        store.forget_sip_account().expect("forget");
        assert_eq!(store.sip_account().expect("read"), None);
    }

    #[test]
    fn empty_long_or_control_fields_are_refused() {
        let store = Store::open_in_memory().expect("store");
        let mut bad = row();
        bad.user = String::new();
        assert!(matches!(
            store.save_sip_account(&bad),
            Err(StoreError::Invalid {
                field: "sip_user",
                ..
            })
        ));
        let mut bad = row();
        bad.display_name = "a\nb".into();
        assert!(store.save_sip_account(&bad).is_err());
        let mut bad = row();
        bad.registrar = "x".repeat(MAX_FIELD + 1);
        assert!(store.save_sip_account(&bad).is_err());
        assert_eq!(store.sip_account().expect("read"), None);
    }
}
