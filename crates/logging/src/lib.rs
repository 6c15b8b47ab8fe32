//! Logs of every Linedesk binary, written once: a `tracing` subscriber writing to stderr
//! (journald reads it under systemd), as human-readable lines or JSON lines, its levels from a
//! `RUST_LOG`-style filter (`info`, `linedesk_server=debug,audit=info`, ...), and [`Secret`],
//! the type that carries a password or a token and never prints it.
//!
//! Where the settings come from ([`Settings::from_env`]): `LINEDESK_LOG` (else `RUST_LOG`,
//! else the binary's default level) and `LINEDESK_LOG_FORMAT` (`human`, the default, or
//! `json`); a binary's options may override both ([`Settings::with`]).
//!
//! Security-relevant events (logins, admin actions, remote sessions) go to the [`AUDIT`]
//! target, so that `LINEDESK_LOG=warn,audit=info` keeps them while hiding the rest.

mod secret;

pub use secret::Secret;

use std::io::Write;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The target of audit events: `tracing::info!(target: AUDIT, ...)`.
pub const AUDIT: &str = "audit";

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `2026-12-07T04:00:00.000Z  INFO audit: login succeeded login="ivanova" ...`
    #[default]
    Human,
    /// One JSON object a line: `{"timestamp":...,"level":"INFO","fields":{...},"target":...}`.
    Json,
}

impl Format {
    /// `human` or `json` (case-insensitive).
    pub fn parse(text: &str) -> Result<Format, SettingsError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "human" | "text" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            _ => Err(SettingsError::Format(text.to_string())),
        }
    }
}

/// A log option that does not parse.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("log format {0:?}: expected \"human\" or \"json\"")]
    Format(String),
    #[error(
        "log levels {0:?}: {1} (expected e.g. \"info\" or \"linedesk_server=debug,audit=info\")"
    )]
    Filter(String, String),
}

/// What to log and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// A `RUST_LOG`-style filter.
    pub filter: String,
    pub format: Format,
}

impl Settings {
    /// From `LINEDESK_LOG` (else `RUST_LOG`, else `default_filter`) and `LINEDESK_LOG_FORMAT`.
    pub fn from_env(default_filter: &str) -> Result<Settings, SettingsError> {
        Settings::from_env_over(Settings {
            filter: default_filter.to_string(),
            format: Format::Human,
        })
    }

    /// `base` (a config file's `[log]`, or a binary's defaults) under the environment:
    /// `LINEDESK_LOG` (else `RUST_LOG`) replaces its filter, `LINEDESK_LOG_FORMAT` its format;
    /// a variable that is unset or blank leaves `base`'s.
    pub fn from_env_over(base: Settings) -> Result<Settings, SettingsError> {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let filter = set("LINEDESK_LOG")
            .or_else(|| set("RUST_LOG"))
            .unwrap_or(base.filter);
        let format = match set("LINEDESK_LOG_FORMAT") {
            Some(text) => Format::parse(&text)?,
            None => base.format,
        };
        Ok(Settings { filter, format })
    }

    /// Whether `filter` parses as a `RUST_LOG`-style filter (a config file checks its levels
    /// before anything starts).
    pub fn check_filter(filter: &str) -> Result<(), SettingsError> {
        Settings {
            filter: filter.to_string(),
            format: Format::Human,
        }
        .env_filter()
        .map(|_| ())
    }

    /// These settings with a binary's options over them (each `None`: unchanged).
    pub fn with(
        mut self,
        filter: Option<&str>,
        format: Option<&str>,
    ) -> Result<Settings, SettingsError> {
        if let Some(filter) = filter {
            self.filter = filter.to_string();
        }
        if let Some(format) = format {
            self.format = Format::parse(format)?;
        }
        Ok(self)
    }

    fn env_filter(&self) -> Result<EnvFilter, SettingsError> {
        EnvFilter::builder()
            .parse(&self.filter)
            .map_err(|e| SettingsError::Filter(self.filter.clone(), e.to_string()))
    }
}

/// Install the process's subscriber, writing to stderr. A second call (a test that starts two
/// servers in one process) keeps the first subscriber.
pub fn init(settings: &Settings) -> Result<(), SettingsError> {
    install(settings, std::io::stderr)
}

/// [`init`] from the environment, with `default_filter` when neither `LINEDESK_LOG` nor
/// `RUST_LOG` is set: the one line a binary's `main` needs. A bad setting is said on stderr and
/// the default is used (a log option never stops a program).
pub fn init_from_env(default_filter: &str) {
    let settings = Settings::from_env(default_filter).unwrap_or_else(|e| {
        let _ = writeln!(std::io::stderr(), "{e}; logging {default_filter:?} instead");
        Settings {
            filter: default_filter.to_string(),
            format: Format::Human,
        }
    });
    if let Err(e) = init(&settings) {
        let _ = writeln!(std::io::stderr(), "{e}; logging {default_filter:?} instead");
        let _ = init(&Settings {
            filter: default_filter.to_string(),
            format: settings.format,
        });
    }
}

/// Install a subscriber writing through `writer` (a test's buffer).
pub fn install<W>(settings: &Settings, writer: W) -> Result<(), SettingsError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = settings.env_filter()?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false);
    // Already set (tests, or a library that set one): the first stays.
    let _ = match settings.format {
        Format::Human => builder.try_init(),
        Format::Json => builder.json().try_init(),
    };
    Ok(())
}

#[cfg(test)]
mod tests;
