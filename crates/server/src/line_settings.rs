//! A line's closing settings and their TOML file (for `linedesk-server line-settings`):
//! A5's auto-finish time and A4's recommended closing phrases.
//!
//! ```toml
//! # settings.toml
//! auto_finish_minutes = 30    # 0 (or absent): never; else 5 ..= 10080
//! closing_phrases = ["Могу ли я вам ещё чем-то помочь?", "Спасибо за обращение! Всего доброго."]
//! ```
//!
//! A file replaces the line's settings; a file with any mistake changes nothing. The backend
//! checks the settings again before storing them ([`check`]), whoever sets them.

use linedesk_domain::appeal::closing::{
    MAX_AUTO_FINISH_MINUTES, MAX_CLOSING_PHRASES, MIN_AUTO_FINISH_MINUTES,
    auto_finish_minutes_valid,
};
use linedesk_line::ClosingSettings;
use linedesk_protocol::MAX_CLOSING_PHRASE_CHARS;
use serde::Deserialize;

use crate::config_file::{ConfigError, file_name, text_field};
use crate::storage::{Storage, StorageError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    #[serde(default)]
    auto_finish_minutes: u32,
    #[serde(default)]
    closing_phrases: Vec<String>,
}

/// Whether `settings` may be stored: the auto-finish time in range, at most
/// [`MAX_CLOSING_PHRASES`] phrases, each non-empty, trimmed, not too long and not repeated.
pub fn check(settings: &ClosingSettings) -> Result<(), StorageError> {
    if !auto_finish_minutes_valid(settings.auto_finish_minutes) {
        return Err(StorageError::Invalid(format!(
            "auto_finish_minutes: 0 or {MIN_AUTO_FINISH_MINUTES} to {MAX_AUTO_FINISH_MINUTES}, got {}",
            settings.auto_finish_minutes
        )));
    }
    if settings.closing_phrases.len() > MAX_CLOSING_PHRASES {
        return Err(StorageError::Invalid(format!(
            "closing_phrases: at most {MAX_CLOSING_PHRASES}"
        )));
    }
    for (i, phrase) in settings.closing_phrases.iter().enumerate() {
        let checked = text_field(phrase, MAX_CLOSING_PHRASE_CHARS)
            .map_err(|why| StorageError::Invalid(format!("closing phrase {}: {why}", i + 1)))?;
        if &checked != phrase {
            return Err(StorageError::Invalid(format!(
                "closing phrase {}: spaces around it",
                i + 1
            )));
        }
        if settings.closing_phrases[..i].contains(phrase) {
            return Err(StorageError::Invalid(format!(
                "closing phrase {}: repeated",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Check a settings file completely; `file` names it in errors.
pub fn parse_line_settings(file: &str, text: &str) -> Result<ClosingSettings, ConfigError> {
    let fail = |reason: String| ConfigError::File {
        file: file.to_string(),
        reason,
    };
    let parsed: SettingsFile = toml::from_str(text).map_err(|e| fail(e.message().to_string()))?;
    let settings = ClosingSettings {
        auto_finish_minutes: parsed.auto_finish_minutes,
        closing_phrases: parsed
            .closing_phrases
            .iter()
            .map(|p| p.trim().to_string())
            .collect(),
    };
    check(&settings).map_err(|e| fail(e.to_string()))?;
    Ok(settings)
}

/// Read, check and store the closing settings of `line`: all or nothing.
pub fn load_line_settings(
    storage: &dyn Storage,
    line: u64,
    path: &std::path::Path,
) -> Result<ClosingSettings, ConfigError> {
    let file = file_name(path);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        file: file.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    let settings = parse_line_settings(&file, &text)?;
    storage
        .set_closing_settings(line, &settings)
        .map_err(|e| ConfigError::Store {
            file,
            reason: e.to_string(),
        })?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a4_a5_a_settings_file_is_checked_whole() {
        let ok = parse_line_settings(
            "s.toml",
            "auto_finish_minutes = 30\nclosing_phrases = [\" Всего доброго \"]",
        )
        .expect("ok");
        assert_eq!(ok.auto_finish_minutes, 30);
        assert_eq!(ok.closing_phrases, vec!["Всего доброго".to_string()]);
        for bad in [
            "auto_finish_minutes = 3",
            "auto_finish_minutes = 20000",
            "closing_phrases = [\"\"]",
            "closing_phrases = [\"a\", \"a\"]",
            "colour = 1",
        ] {
            assert!(parse_line_settings("s.toml", bad).is_err(), "{bad}");
        }
        let long = format!("closing_phrases = [\"{}\"]", "я".repeat(501));
        assert!(parse_line_settings("s.toml", &long).is_err());
    }
}
