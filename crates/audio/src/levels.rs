//! Microphone and speaker levels for the UI, measured on the device threads in 20 ms windows
//! of 48 kHz mono and published through a `tokio::sync::watch` channel (the app forwards it
//! over a Tauri channel; a watch keeps only the newest reading, so a slow UI never queues).

use std::sync::Arc;

use linedesk_voice::level::{FLOOR_DBFS, Level, LevelMeter};
use tokio::sync::watch;

use crate::{Direction, FRAME_SAMPLES, SAMPLE_RATE};

/// The latest reading of both meters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Levels {
    /// What the microphone picks up.
    pub input: Level,
    /// What the speaker plays (the other party, or the test tone).
    pub output: Level,
}

pub(crate) const SILENT: Level = Level {
    rms_dbfs: FLOOR_DBFS,
    peak_dbfs: FLOOR_DBFS,
};

impl Default for Levels {
    fn default() -> Self {
        Self {
            input: SILENT,
            output: SILENT,
        }
    }
}

/// One direction's meter, fed any number of samples, publishing every 20 ms of audio.
pub(crate) struct Metering {
    direction: Direction,
    meter: LevelMeter,
    window: Vec<f32>,
    publish: Arc<watch::Sender<Levels>>,
}

impl Metering {
    pub(crate) fn new(direction: Direction, publish: Arc<watch::Sender<Levels>>) -> Self {
        Self {
            direction,
            meter: LevelMeter::new(),
            window: Vec::with_capacity(FRAME_SAMPLES),
            publish,
        }
    }

    pub(crate) fn feed(&mut self, mut samples: &[f32]) {
        while !samples.is_empty() {
            let take = (FRAME_SAMPLES - self.window.len()).min(samples.len());
            self.window.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.window.len() == FRAME_SAMPLES {
                let level = self.meter.process(&self.window, SAMPLE_RATE);
                self.window.clear();
                set(&self.publish, self.direction, level);
            }
        }
    }
}

/// Publish one direction's reading.
pub(crate) fn set(publish: &watch::Sender<Levels>, direction: Direction, level: Level) {
    publish.send_modify(|levels| match direction {
        Direction::Input => levels.input = level,
        Direction::Output => levels.output = level,
    });
}
