//! What the settings screen shows and saves: the devices of each direction, and the choice of
//! one of them (or the system default).

use crate::backend::Backend;
use crate::{AudioError, Direction};

/// A device the host offers, for the settings screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Stable identifier to save in the settings (an ALSA PCM name such as `hw:CARD=Headset`).
    pub id: String,
    /// What to show the specialist ("USB Headset, USB Audio").
    pub name: String,
    /// The system default of this direction.
    pub is_default: bool,
    /// The formats the device supports, as far as the host can tell without opening it.
    pub configs: Vec<ConfigRange>,
}

/// One range of formats a device supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRange {
    pub channels: u16,
    pub min_rate: u32,
    pub max_rate: u32,
    /// The sample format, as cpal names it (`f32`, `i16`, `u16`, ...).
    pub sample_format: String,
}

/// The format a stream actually runs at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFormat {
    pub rate: u32,
    pub channels: u16,
    pub sample_format: String,
}

/// The device the specialist chose in the settings, or the system default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// Follow the system default.
    #[default]
    Default,
    /// A saved [`DeviceInfo::id`]. When it is missing, the default is used instead and the
    /// fallback is reported.
    Saved(String),
}

/// The devices of one direction the backend lists, the default first.
pub fn list(backend: &dyn Backend, direction: Direction) -> Result<Vec<DeviceInfo>, AudioError> {
    let mut devices = backend.devices(direction)?;
    devices.sort_by_key(|d| !d.is_default);
    Ok(devices)
}

/// What the app says once at start when this machine has no usable headset: `None` when the
/// system default microphone and speaker both describe a format (a card, or a sound server,
/// is there), else one sentence in plain words. ALSA's own reports stay quiet meanwhile
/// ([`crate::CpalBackend`] probes quietly).
pub fn missing_headset(backend: &dyn Backend) -> Option<String> {
    let usable = |direction| {
        backend
            .default_device(direction)
            .is_some_and(|id| backend.format(direction, &id).is_ok())
    };
    match (usable(Direction::Input), usable(Direction::Output)) {
        (true, true) => None,
        (false, false) => Some(
            "no headset found (no microphone or speaker could be opened): calls and the \
             ringtone stay silent until one is plugged in"
                .to_string(),
        ),
        (false, true) => Some(
            "no microphone found: calls stay one-way until a headset is plugged in".to_string(),
        ),
        (true, false) => Some(
            "no speaker found: calls and the ringtone stay silent until a headset is plugged in"
                .to_string(),
        ),
    }
}
