//! The settings screen's test tone: a sine mixed into the speaker for a given time.

use std::f32::consts::TAU;
use std::time::Duration;

use crate::SAMPLE_RATE;

/// Amplitude of the test tone: -12 dBFS, audible without startling anyone wearing a headset.
pub const TONE_AMPLITUDE: f32 = 0.25;

/// A sine of fixed frequency and length at 48 kHz, with 5 ms fades against clicks.
#[derive(Debug, Clone)]
pub(crate) struct Tone {
    step: f32,
    phase: f32,
    done: usize,
    total: usize,
}

const FADE: usize = SAMPLE_RATE as usize / 200;

impl Tone {
    pub(crate) fn new(hz: f32, duration: Duration) -> Self {
        Self {
            step: TAU * hz / SAMPLE_RATE as f32,
            phase: 0.0,
            done: 0,
            total: (duration.as_secs_f64() * f64::from(SAMPLE_RATE)) as usize,
        }
    }

    /// Add the next samples of the tone to `out`; false once the tone is over.
    pub(crate) fn mix_into(&mut self, out: &mut [f32]) -> bool {
        for o in out.iter_mut() {
            if self.done >= self.total {
                return false;
            }
            let left = self.total - self.done;
            let fade = self.done.min(left).min(FADE) as f32 / FADE as f32;
            *o += TONE_AMPLITUDE * fade * self.phase.sin();
            self.phase = (self.phase + self.step) % TAU;
            self.done += 1;
        }
        self.done < self.total
    }
}

/// Play a `hz` sine for `duration` on the chosen output (or the default when it is missing),
/// blocking until it has been played: the settings screen's "test sound" when no call holds
/// the headset. Returns the device it played on.
pub fn play_test_tone(
    backend: &dyn crate::backend::Backend,
    choice: &crate::DeviceChoice,
    hz: f32,
    duration: Duration,
) -> Result<String, crate::AudioError> {
    use crate::backend::Callbacks;
    use crate::{AudioError, DeviceChoice, Direction};
    use linedesk_voice::resample::Converter;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    let direction = Direction::Output;
    let mut candidates = Vec::new();
    if let DeviceChoice::Saved(id) = choice {
        candidates.push(id.clone());
    }
    candidates.extend(backend.default_device(direction));
    let mut why = "no default device".to_owned();
    for id in candidates {
        let format = match backend.format(direction, &id) {
            Ok(format) => format,
            Err(e) => {
                why = e.to_string();
                continue;
            }
        };
        let mut converter = Converter::playback(format.rate, format.channels)?;
        let mut tone = Tone::new(hz, duration);
        let finished = Arc::new(AtomicBool::new(false));
        let failed = Arc::new(Mutex::new(None::<String>));
        let (done, report) = (Arc::clone(&finished), Arc::clone(&failed));
        let mut mono = vec![0.0; SAMPLE_RATE as usize / 100];
        let mut converted = Vec::new();
        let fill = Box::new(move |out: &mut [f32]| {
            while converted.len() < out.len() {
                mono.fill(0.0);
                if !tone.mix_into(&mut mono) {
                    done.store(true, Ordering::Release);
                }
                if converter.process(&mono, &mut converted).is_err() {
                    converted.resize(out.len(), 0.0);
                }
            }
            out.copy_from_slice(&converted[..out.len()]);
            converted.drain(..out.len());
        });
        let on_failure = Box::new(move |e: String| {
            if let Ok(mut slot) = report.lock() {
                slot.get_or_insert(e);
            }
        });
        let stream = match backend.open(&id, &format, Callbacks::Output(fill), on_failure) {
            Ok(stream) => stream,
            Err(e) => {
                why = e.to_string();
                continue;
            }
        };
        let deadline = std::time::Instant::now() + duration + Duration::from_secs(2);
        while !finished.load(Ordering::Acquire) && std::time::Instant::now() < deadline {
            if let Some(e) = failed.lock().ok().and_then(|slot| slot.clone()) {
                return Err(AudioError::Open { device: id, why: e });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // Let the device play out what it has buffered before the stream stops.
        std::thread::sleep(Duration::from_millis(100));
        return Ok(stream.name);
    }
    Err(AudioError::NoDevice { direction, why })
}
