//! The microphone path's stages (echo cancellation, noise suppression, gain control), each a
//! row of the settings table, all on until the specialist switches them off: on a clean voice
//! they leave it as it was (WB-PESQ 4.63 -> 4.43 for the processing alone, see BENCHMARKS.md),
//! and the echo canceller leaves the microphone untouched until it finds an echo, so a headset
//! user does not pay for it while the client talks (WB-PESQ 4.63 with the client talking and
//! no echo; AEC3 alone gave 2.1).

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::Result;

/// Every stage on by default (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VoiceProcessing {
    /// The client's voice coming back through the headset removed (AEC).
    pub echo_cancellation: bool,
    /// Background noise reduced.
    pub noise_suppression: bool,
    /// The specialist's voice kept at a steady level.
    pub gain_control: bool,
}

impl Default for VoiceProcessing {
    fn default() -> Self {
        VoiceProcessing {
            echo_cancellation: true,
            noise_suppression: true,
            gain_control: true,
        }
    }
}

const ECHO: &str = "echo_cancellation";
const NOISE: &str = "noise_suppression";
const GAIN: &str = "gain_control";

impl Store {
    /// The stored stages; a missing or unreadable value is the default's.
    pub fn voice_processing(&self) -> Result<VoiceProcessing> {
        let on = |key: &str| -> Result<bool> { Ok(self.setting(key)?.as_deref() != Some("0")) };
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
