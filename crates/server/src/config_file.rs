//! The TOML files an administrator loads into a line (SLA levels, quick replies, the knowledge
//! base): one array of tables per file, each entry checked on its own, every mistake named by
//! file, entry and field. Nothing is stored unless the whole file is right.

use serde::de::DeserializeOwned;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file as a whole: unreadable, not TOML, unknown top-level keys, no entries.
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    /// One entry: `levels.toml: level 2 "VIP": calendar: ...`.
    #[error("{file}: {item} {index}{}: {reason}", named(.name))]
    Item {
        file: String,
        item: &'static str,
        /// 1-based, in file order.
        index: usize,
        name: Option<String>,
        reason: String,
    },
    /// Checked, but the server refused it (unknown line, ...).
    #[error("{file}: {reason}")]
    Store { file: String, reason: String },
}

fn named(name: &Option<String>) -> String {
    name.as_ref().map(|n| format!(" {n:?}")).unwrap_or_default()
}

/// One entry of a file, parsed into `T`, with where it was.
pub struct Entry<T> {
    pub index: usize,
    pub name: Option<String>,
    pub value: T,
}

/// The display name of a path, as errors show it.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

/// Parse `text` as a file of `[[key]]` entries (no other top-level key), each into `T` (a
/// `deny_unknown_fields` struct). `label` names the field that identifies an entry.
pub fn entries<T: DeserializeOwned>(
    file: &str,
    text: &str,
    key: &str,
    item: &'static str,
    label: &str,
) -> Result<Vec<Entry<T>>, ConfigError> {
    let whole = |reason: String| ConfigError::File {
        file: file.to_string(),
        reason,
    };
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| whole(one_line(&e.to_string())))?;
    if let Some(other) = table.keys().find(|k| k.as_str() != key) {
        return Err(whole(format!(
            "unknown key {other:?} (the file holds [[{key}]] entries)"
        )));
    }
    let list = match table.remove(key) {
        Some(toml::Value::Array(list)) if !list.is_empty() => list,
        Some(toml::Value::Array(_)) | None => return Err(whole(format!("no [[{key}]] entries"))),
        Some(_) => {
            return Err(whole(format!(
                "{key:?} must be an array of tables [[{key}]]"
            )));
        }
    };
    list.into_iter()
        .enumerate()
        .map(|(i, value)| {
            let name = value
                .get(label)
                .and_then(toml::Value::as_str)
                .map(str::to_string);
            let fail = |reason: String| ConfigError::Item {
                file: file.to_string(),
                item,
                index: i + 1,
                name: name.clone(),
                reason,
            };
            let value = value
                .clone()
                .try_into::<T>()
                .map_err(|e| fail(one_line(&e.to_string())))?;
            Ok(Entry {
                index: i + 1,
                name,
                value,
            })
        })
        .collect()
}

impl<T> Entry<T> {
    /// An error about `field` of this entry.
    pub fn error(
        &self,
        file: &str,
        item: &'static str,
        field: &str,
        reason: impl std::fmt::Display,
    ) -> ConfigError {
        ConfigError::Item {
            file: file.to_string(),
            item,
            index: self.index,
            name: self.name.clone(),
            reason: format!("{field}: {reason}"),
        }
    }
}

/// toml's messages span lines (a source excerpt); errors here are one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with('|') && !l.chars().all(|c| c == '^' || c == ' ')
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text of a field: trimmed, not empty, at most `max` characters (a limit of
/// `linedesk_protocol`, where every text field's bound is defined).
pub fn text_field(value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("empty".into());
    }
    linedesk_protocol::check_chars("", value, max)
        .map_err(|_| format!("longer than {max} characters"))?;
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use linedesk_protocol::{
        MAX_KB_BODY_CHARS, MAX_QUICK_REPLY_TEXT_CHARS, MAX_QUICK_REPLY_TITLE_CHARS,
        MAX_SLA_LEVEL_NAME_CHARS,
    };

    use super::ConfigError;
    use crate::knowledge::{parse_kb, parse_quick_replies};
    use crate::sla_file::parse_levels;

    /// The entry and the reason of an error about one entry.
    fn item(error: ConfigError) -> (usize, String) {
        match error {
            ConfigError::Item { index, reason, .. } => (index, reason),
            other => panic!("expected an entry's error, got {other}"),
        }
    }

    #[test]
    fn files_over_the_protocol_limits_are_refused_naming_entry_and_field() {
        let level = |name: &str| {
            format!(
                "[[level]]\nname = \"{name}\"\ncalendar = \"tz UTC; Mon-Fri 09-18\"\nreaction = \"1h\"\nresolution = \"8h\"\n"
            )
        };
        let ok = level(&"у".repeat(MAX_SLA_LEVEL_NAME_CHARS));
        assert!(parse_levels("levels.toml", &ok).is_ok());
        let long = format!(
            "{}{}",
            level("VIP"),
            level(&"у".repeat(MAX_SLA_LEVEL_NAME_CHARS + 1))
        );
        let (index, reason) = item(parse_levels("levels.toml", &long).expect_err("long"));
        assert_eq!(index, 2);
        assert!(reason.starts_with("name: longer than 100"), "{reason}");

        let reply = |title: &str, text: &str| {
            format!("[[reply]]\ntitle = \"{title}\"\ntext = \"{text}\"\n")
        };
        let long = reply(&"т".repeat(MAX_QUICK_REPLY_TITLE_CHARS + 1), "x");
        assert!(
            item(parse_quick_replies("r.toml", &long).expect_err("title"))
                .1
                .starts_with("title:")
        );
        let long = reply("t", &"т".repeat(MAX_QUICK_REPLY_TEXT_CHARS + 1));
        assert!(
            item(parse_quick_replies("r.toml", &long).expect_err("text"))
                .1
                .starts_with("text:")
        );

        let article = format!(
            "[[article]]\ntitle = \"t\"\nbody = \"{}\"\n",
            "б".repeat(MAX_KB_BODY_CHARS + 1)
        );
        assert!(
            item(parse_kb("kb.toml", &article).expect_err("body"))
                .1
                .starts_with("body:")
        );
    }
}
