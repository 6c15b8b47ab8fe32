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
use linedesk_domain::sla::{Conditions, DEFAULT_LEVEL, LevelSet, SupportLevel};
use linedesk_line::line_admin::sla::level_of;
use linedesk_protocol::line_admin::LevelDraft;
use serde::Deserialize;

use crate::config_file::{ConfigError, entries, file_name};
use crate::sla::builtin_default;
use crate::storage::Storage;

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
        let c = &e.conditions;
        let draft = LevelDraft {
            name: e.name.clone(),
            calendar: e.calendar.clone(),
            reaction: e.reaction.clone(),
            resolution: e.resolution.clone(),
            conditions: Conditions {
                kinds: c.kinds.clone(),
                client_statuses: c.client_statuses.clone(),
                vip: c.vip,
                lines: c.lines.iter().copied().map(LineId).collect(),
                channels: c.channels.clone(),
            },
        };
        // The rules the app's editor is held to; a level that can never be met is refused
        // here, not at its first appeal.
        let level = level_of(&draft)
            .map_err(|p| fail(&linedesk_protocol::wire_code(p.field), p.message))?;
        if let Some(first) = levels.iter().position(|l| l.name == level.name) {
            return Err(fail(
                "name",
                format!("{:?} is already level {}", level.name, first + 1),
            ));
        }
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
