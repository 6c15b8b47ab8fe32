//! `[log]` of the config file: the server's log levels and format, under the environment and
//! the command line.
//!
//! ```toml
//! [log]
//! level = "info"            # RUST_LOG-style: "warn,audit=info", "linedesk_server=debug"
//! format = "json"           # or "human" (the default)
//! ```
//!
//! Precedence, highest first: `--log`/`--log-format`, then `LINEDESK_LOG` (else `RUST_LOG`) and
//! `LINEDESK_LOG_FORMAT`, then this section, then `info` as human text.

use std::path::Path;

use linedesk_logging::{Format, Settings, SettingsError};
use serde::Deserialize;

use crate::config::ConfigError;

/// The level the server logs at when nothing sets one.
pub const DEFAULT_LEVEL: &str = "info";

/// A checked `[log]`: what it leaves out is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogConfig {
    pub level: Option<String>,
    pub format: Option<Format>,
}

impl LogConfig {
    /// The settings this section gives, before the environment and the options.
    pub fn settings(&self) -> Settings {
        Settings {
            filter: self
                .level
                .clone()
                .unwrap_or_else(|| DEFAULT_LEVEL.to_string()),
            format: self.format.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLog {
    level: Option<String>,
    format: Option<String>,
}

/// Check `[log]` of `file`: a filter that does not parse or an unknown format is an error
/// naming the key.
pub(crate) fn log_config(file: &Path, raw: RawLog) -> Result<LogConfig, ConfigError> {
    let bad = |key: &'static str, source: SettingsError| ConfigError::Log {
        file: file.to_path_buf(),
        key,
        source,
    };
    if let Some(level) = &raw.level {
        Settings::check_filter(level).map_err(|e| bad("log.level", e))?;
    }
    let format = match &raw.format {
        None => None,
        Some(text) => Some(Format::parse(text).map_err(|e| bad("log.format", e))?),
    };
    Ok(LogConfig {
        level: raw.level,
        format,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    fn parse(text: &str) -> Result<ServerConfig, ConfigError> {
        ServerConfig::parse(Path::new("/etc/linedesk/server.toml"), text)
    }

    #[test]
    fn levels_and_format_from_the_file_else_info_as_text() {
        let config = parse("data_dir = \"/d\"\n").expect("config");
        assert_eq!(config.log, LogConfig::default());
        assert_eq!(
            config.log.settings(),
            Settings {
                filter: "info".into(),
                format: Format::Human
            }
        );
        let config =
            parse("data_dir = \"/d\"\n[log]\nlevel = \"warn,audit=info\"\nformat = \"json\"\n")
                .expect("config");
        assert_eq!(
            config.log.settings(),
            Settings {
                filter: "warn,audit=info".into(),
                format: Format::Json
            }
        );
    }

    #[test]
    fn a_bad_level_format_or_key_is_refused_naming_it() {
        let error = parse("data_dir = \"/d\"\n[log]\nlevel = \"linedesk_server=loud\"\n")
            .expect_err("bad level")
            .to_string();
        assert!(
            error.contains("server.toml") && error.contains("`log.level`"),
            "{error}"
        );
        let error = parse("data_dir = \"/d\"\n[log]\nformat = \"xml\"\n")
            .expect_err("bad format")
            .to_string();
        assert!(error.contains("`log.format`"), "{error}");
        let error = parse("data_dir = \"/d\"\n[log]\nlevels = \"info\"\n")
            .expect_err("unknown key")
            .to_string();
        assert!(error.contains("levels"), "{error}");
    }
}
