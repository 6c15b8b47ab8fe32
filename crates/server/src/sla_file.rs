//! A line's SLA levels from a TOML file (S1, S5), for `linedesk-server sla-levels`:
//!
//! ```toml
//! [[level]]
//! name = "VIP"
//! calendar = "tz Europe/Moscow; Mon-Fri 09-13,14-18; 2026-12-31 off"
//! reaction = "30m"              # working time, the notation of linedesk-domain
//! resolution = "4h"
//! conditions = { vip = true }   # optional: kinds, client_statuses, vip, lines, channels
//!
//! [[level]]
//! name = "Default"
//! calendar = "tz Europe/Moscow; Mon-Fri 09-18"
//! reaction = "1h"
//! resolution = "8h"
//! ```
//!
//! Order matters: the first level whose conditions match an appeal applies, else "Default"
//! (S5). A file without a "Default" level gets the built-in one ([`crate::sla::BUILTIN_DEFAULT`])
//! added last. Loading replaces the line's levels; appeals already open keep their deadlines (S3).

use linedesk_domain::appeal::Channel;
use linedesk_domain::ids::LineId;
use linedesk_domain::sla::{
    Conditions, DEFAULT_LEVEL, LevelError, LevelSet, SupportLevel, parse_calendar, parse_duration,
};
use serde::Deserialize;

use crate::config_file::{ConfigError, entries, file_name, text_field};
use crate::sla::builtin_default;
use crate::storage::Storage;

/// Longest level name, in characters (it travels in every `SlaStarted` event).
const MAX_NAME_CHARS: usize = linedesk_protocol::MAX_SLA_LEVEL_NAME_CHARS;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelEntry {
    name: String,
    calendar: String,
    reaction: String,
    resolution: String,
    #[serde(default)]
    conditions: ConditionsEntry,
}

/// The domain's [`Conditions`], spelled for the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionsEntry {
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    client_statuses: Vec<String>,
    vip: Option<bool>,
    #[serde(default)]
    lines: Vec<u64>,
    #[serde(default)]
    channels: Vec<Channel>,
}

/// Checked levels, ready to store.
#[derive(Debug, Clone)]
pub struct Levels {
    pub set: LevelSet,
    /// The file had no "Default" level; the built-in one was added last.
    pub default_added: bool,
}

const ITEM: &str = "level";

/// Check a levels file completely; `file` names it in errors.
pub fn parse_levels(file: &str, text: &str) -> Result<Levels, ConfigError> {
    let mut levels: Vec<SupportLevel> = Vec::new();
    for entry in entries::<LevelEntry>(file, text, "level", ITEM, "name")? {
        let fail = |field: &str, reason: String| entry.error(file, ITEM, field, reason);
        let e = &entry.value;
        let name = text_field(&e.name, MAX_NAME_CHARS).map_err(|r| fail("name", r))?;
        if let Some(first) = levels.iter().position(|l| l.name == name) {
            return Err(fail(
                "name",
                format!("{name:?} is already level {}", first + 1),
            ));
        }
        let calendar = parse_calendar(&e.calendar).map_err(|r| fail("calendar", r.to_string()))?;
        let reaction = parse_duration(&e.reaction).map_err(|r| fail("reaction", r.to_string()))?;
        let resolution =
            parse_duration(&e.resolution).map_err(|r| fail("resolution", r.to_string()))?;
        let c = &e.conditions;
        let level = SupportLevel {
            name,
            calendar,
            reaction,
            resolution,
            conditions: Conditions {
                kinds: c.kinds.clone(),
                client_statuses: c.client_statuses.clone(),
                vip: c.vip,
                lines: c.lines.iter().copied().map(LineId).collect(),
                channels: c.channels.clone(),
            },
        };
        // A level that can never be met is refused here, not at its first appeal.
        level.check().map_err(|e| {
            let (field, reason) = unmeetable(&e);
            fail(field, reason)
        })?;
        levels.push(level);
    }
    let default_added = !levels.iter().any(|l| l.name == DEFAULT_LEVEL);
    if default_added {
        levels.push(builtin_default().map_err(|e| ConfigError::File {
            file: file.to_string(),
            reason: e.to_string(),
        })?);
    }
    let set = LevelSet::new(levels).map_err(|e| ConfigError::File {
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    Ok(Levels { set, default_added })
}

/// The field a level's check failed on, and why (the entry's error names the level).
fn unmeetable(e: &LevelError) -> (&'static str, String) {
    match e {
        LevelError::NoWorkingTime { .. } => ("calendar", "no working hours on any weekday".into()),
        LevelError::Unreachable {
            what, asked, max, ..
        } => (
            if what.starts_with("reaction") {
                "reaction"
            } else {
                "resolution"
            },
            format!(
                "{asked} can never be met: the calendar gives at most {max} of working time \
                 within the ten years a deadline is searched"
            ),
        ),
        other => ("name", other.to_string()),
    }
}

/// Read, check and store the levels of `line` from `path`: all or nothing.
pub fn load_levels(
    storage: &dyn Storage,
    line: u64,
    path: &std::path::Path,
) -> Result<Levels, ConfigError> {
    let file = file_name(path);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        file: file.clone(),
        reason: format!("cannot read: {e}"),
    })?;
    let levels = parse_levels(&file, &text)?;
    storage
        .set_sla_levels(line, &levels.set)
        .map_err(|e| ConfigError::Store {
            file,
            reason: e.to_string(),
        })?;
    Ok(levels)
}
