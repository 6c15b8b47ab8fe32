//! The microphone path's stages (echo cancellation, noise suppression, gain control), each a
//! row of the settings table; every one off until the specialist switches it on. Off by
//! default for now: on a clean call each stage costs about one WB-PESQ point of the
//! specialist's voice (3.7 -> 2.6-2.7 through the whole engine, see BENCHMARKS.md), which a
//! headset user, who has little echo to cancel, should not pay without asking.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::Result;

/// Every stage off by default (see the module's doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VoiceProcessing {
    /// The client's voice coming back through the headset removed (AEC).
    pub echo_cancellation: bool,
    /// Background noise reduced.
    pub noise_suppression: bool,
    /// The specialist's voice kept at a steady level.
    pub gain_control: bool,
}

const ECHO: &str = "echo_cancellation";
const NOISE: &str = "noise_suppression";
const GAIN: &str = "gain_control";

impl Store {
    /// The stored stages; a missing or unreadable value is off.
    pub fn voice_processing(&self) -> Result<VoiceProcessing> {
        let on = |key: &str| -> Result<bool> { Ok(self.setting(key)?.as_deref() == Some("1")) };
        Ok(VoiceProcessing {
            echo_cancellation: on(ECHO)?,
            noise_suppression: on(NOISE)?,
            gain_control: on(GAIN)?,
        })
    }

    pub fn save_voice_processing(&self, v: &VoiceProcessing) -> Result<VoiceProcessing> {
        let bit = |on: bool| if on { "1" } else { "0" };
        self.save_setting_rows(&[
            (ECHO, bit(v.echo_cancellation)),
            (NOISE, bit(v.noise_suppression)),
            (GAIN, bit(v.gain_control)),
        ])?;
        self.voice_processing()
    }
}
