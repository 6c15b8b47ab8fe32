//! The workstation's settings: language, actuality window (C3), auto-away (P2), sounds, notifications.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{Result, StoreError};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Ru,
    En,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub language: Language,
    /// C3: how many days a client stays "actual" in stream mode after the last message (7-90).
    pub actuality_days: u16,
    /// P2: minutes without activity before Away; 0 turns it off (0-240).
    pub auto_away_minutes: u16,
    pub sounds: bool,
    /// Desktop notifications at all; the kinds below switch each one off on its own.
    pub notifications: bool,
    /// A new appeal given to this specialist.
    #[serde(default = "yes")]
    pub notify_appeals: bool,
    /// A client's message while the window is not in front.
    #[serde(default = "yes")]
    pub notify_messages: bool,
    /// An incoming call.
    #[serde(default = "yes")]
    pub notify_calls: bool,
    /// An SLA deadline at risk or breached.
    #[serde(default = "yes")]
    pub notify_sla: bool,
    /// C7: every event of a favourite client.
    #[serde(default = "yes")]
    pub notify_favourites: bool,
    /// W2: the headset's microphone and speaker (device ids); `None` follows the system
    /// default. A saved device that is missing falls back to the default for the call.
    #[serde(default)]
    pub input_device: Option<String>,
    #[serde(default)]
    pub output_device: Option<String>,
    /// An incoming call also rings on the computer's speaker (the default output), not only
    /// on the headset, so a specialist who took the headset off hears it.
    #[serde(default = "yes")]
    pub ring_on_speaker: bool,
}

fn yes() -> bool {
    true
}

/// Longest device id kept.
pub const MAX_DEVICE_ID: usize = 200;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            language: Language::Ru,
            actuality_days: 60,
            auto_away_minutes: 5,
            sounds: true,
            notifications: true,
            notify_appeals: true,
            notify_messages: true,
            notify_calls: true,
            notify_sla: true,
            notify_favourites: true,
            input_device: None,
            output_device: None,
            ring_on_speaker: true,
        }
    }
}

pub const ACTUALITY_DAYS: std::ops::RangeInclusive<u16> = 7..=90;
pub const AUTO_AWAY_MINUTES: std::ops::RangeInclusive<u16> = 0..=240;

impl Settings {
    pub fn validate(&self) -> Result<()> {
        if !ACTUALITY_DAYS.contains(&self.actuality_days) {
            return Err(StoreError::invalid(
                "actuality_days",
                "must be from 7 to 90 days",
            ));
        }
        if !AUTO_AWAY_MINUTES.contains(&self.auto_away_minutes) {
            return Err(StoreError::invalid(
                "auto_away_minutes",
                "must be from 0 to 240 minutes",
            ));
        }
        for (field, device) in [
            ("input_device", &self.input_device),
            ("output_device", &self.output_device),
        ] {
            if device
                .as_ref()
                .is_some_and(|d| d.trim().is_empty() || d.len() > MAX_DEVICE_ID)
            {
                return Err(StoreError::invalid(field, "not a device"));
            }
        }
        Ok(())
    }
}

impl Store {
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Stored values that fail to parse fall back to the default: settings never block startup.
    pub fn settings(&self) -> Result<Settings> {
        let d = Settings::default();
        let num = |key: &str, default: u16| -> Result<u16> {
            Ok(self
                .setting(key)?
                .and_then(|v| v.parse().ok())
                .unwrap_or(default))
        };
        let flag = |key: &str, default: bool| -> Result<bool> {
            Ok(self.setting(key)?.map_or(default, |v| v == "1"))
        };
        let language = match self.setting("language")?.as_deref() {
            Some("en") => Language::En,
            _ => Language::Ru,
        };
        let s = Settings {
            language,
            actuality_days: num("actuality_days", d.actuality_days)?,
            auto_away_minutes: num("auto_away_minutes", d.auto_away_minutes)?,
            sounds: flag("sounds", d.sounds)?,
            notifications: flag("notifications", d.notifications)?,
            notify_appeals: flag("notify_appeals", true)?,
            notify_messages: flag("notify_messages", true)?,
            notify_calls: flag("notify_calls", true)?,
            notify_sla: flag("notify_sla", true)?,
            notify_favourites: flag("notify_favourites", true)?,
            input_device: self.setting("input_device")?.filter(|v| !v.is_empty()),
            output_device: self.setting("output_device")?.filter(|v| !v.is_empty()),
            ring_on_speaker: flag("ring_on_speaker", d.ring_on_speaker)?,
        };
        Ok(if s.validate().is_ok() { s } else { d })
    }

    pub fn save_settings(&self, s: &Settings) -> Result<Settings> {
        s.validate()?;
        let language = match s.language {
            Language::Ru => "ru",
            Language::En => "en",
        };
        let bit = |on: bool| if on { "1" } else { "0" }.to_string();
        let pairs = [
            ("language", language.to_string()),
            ("actuality_days", s.actuality_days.to_string()),
            ("auto_away_minutes", s.auto_away_minutes.to_string()),
            ("sounds", bit(s.sounds)),
            ("notifications", bit(s.notifications)),
            ("notify_appeals", bit(s.notify_appeals)),
            ("notify_messages", bit(s.notify_messages)),
            ("notify_calls", bit(s.notify_calls)),
            ("notify_sla", bit(s.notify_sla)),
            ("notify_favourites", bit(s.notify_favourites)),
            ("input_device", s.input_device.clone().unwrap_or_default()),
            ("output_device", s.output_device.clone().unwrap_or_default()),
            ("ring_on_speaker", bit(s.ring_on_speaker)),
        ];
        let tx = self.conn.unchecked_transaction()?;
        for (key, value) in pairs {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                [key, value.as_str()],
            )?;
        }
        tx.commit()?;
        self.settings()
    }

    /// Write some settings rows in one transaction.
    pub(crate) fn save_setting_rows(&self, rows: &[(&str, &str)]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for (key, value) in rows {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                [key, value],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn device_id(&self) -> Result<String> {
        Ok(self.setting("device_id")?.unwrap_or_default())
    }
}
