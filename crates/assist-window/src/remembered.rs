//! What the window remembers between starts: the server, the login and the language, nothing
//! else. The account's password is never written anywhere: it is typed at each sign-in, used for it and
//! dropped; the session password lives on the server only while the window runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The longest server address or login the window takes (the server's names are at most 200
/// characters; an address is a URL).
pub const MAX_FIELD_CHARS: usize = 300;

/// A remembered file larger than this is not read (it holds two short strings).
const MAX_FILE_BYTES: u64 = 4096;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    pub server: String,
    pub login: String,
    /// `ru` (the default, also for anything else) or `en`.
    #[serde(default)]
    pub lang: Lang,
}

/// The window's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ru,
    En,
}

pub fn file_in(dir: &Path) -> PathBuf {
    dir.join("assistant.json")
}

/// The remembered fields; empty ones when there is no readable file.
pub fn load(file: &Path) -> Remembered {
    let fits = std::fs::metadata(file).is_ok_and(|m| m.len() <= MAX_FILE_BYTES);
    if !fits {
        return Remembered::default();
    }
    std::fs::read(file)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Remembered>(&bytes).ok())
        .filter(|r| {
            r.server.chars().count() <= MAX_FIELD_CHARS
                && r.login.chars().count() <= MAX_FIELD_CHARS
        })
        .unwrap_or_default()
}

/// Remember `server` and `login`; a failure only means the fields are empty next time.
pub fn save(file: &Path, remembered: &Remembered) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::to_vec_pretty(remembered).map_err(std::io::Error::other)?;
    std::fs::write(file, json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_server_and_login_are_kept_and_a_bad_file_reads_as_empty() {
        let dir = std::env::temp_dir().join(format!("assist-remembered-{}", std::process::id()));
        let file = file_in(&dir);
        let r = Remembered {
            server: "https://line.example".into(),
            login: "client-1".into(),
            lang: Lang::En,
        };
        save(&file, &r).expect("save");
        assert_eq!(load(&file), r);
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(!text.contains("password"), "{text}");
        std::fs::write(&file, br#"{"server":"s","login":"l"}"#).expect("write");
        assert_eq!(load(&file).lang, Lang::Ru, "an older file reads in Russian");
        std::fs::write(&file, b"{not json").expect("write");
        assert_eq!(load(&file), Remembered::default());
        std::fs::write(&file, vec![b' '; 5000]).expect("write");
        assert_eq!(load(&file), Remembered::default());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
