//! The ringtone of an incoming call: a generated two-tone ring ("ring-ring", then a pause)
//! looped on one or more outputs at once, the headset and the computer's own speaker, until
//! the [`Ringer`] is stopped or dropped (answered, declined, or the call ended).
//!
//! Generated rather than a file: nothing to embed or decode, and the same pattern on every
//! device whatever its rate (each output converts 48 kHz mono to its own format, as the
//! headset's playback does).

use std::f32::consts::TAU;
use std::time::Duration;

use crate::backend::{Backend, Callbacks, OpenStream};
use crate::{AudioError, DeviceChoice, Direction, SAMPLE_RATE};
use linedesk_voice::resample::Converter;

/// The two tones sounded together, Hz (the classic ring of a desk phone).
pub const RING_TONES_HZ: [f32; 2] = [440.0, 480.0];
/// Peak amplitude of the ring: -12 dBFS, as the settings' test tone.
pub const RING_AMPLITUDE: f32 = 0.25;
/// One cycle: ring 0.4 s, pause 0.2 s, ring 0.4 s, pause 2 s.
pub const RING_CYCLE: Duration = Duration::from_millis(3000);
/// The parts of a cycle that sound, as (from, to) milliseconds.
pub const RING_BURSTS_MS: [(u64, u64); 2] = [(0, 400), (600, 1000)];

const FADE: usize = SAMPLE_RATE as usize / 200;

/// The ring as 48 kHz mono samples, endlessly.
#[derive(Debug, Clone, Default)]
pub struct RingPattern {
    /// Samples generated so far.
    at: u64,
}

fn ms_to_samples(ms: u64) -> u64 {
    ms * u64::from(SAMPLE_RATE) / 1000
}

impl RingPattern {
    pub fn new() -> RingPattern {
        RingPattern::default()
    }

    /// The next sample.
    pub fn next_sample(&mut self) -> f32 {
        let cycle = ms_to_samples(RING_CYCLE.as_millis() as u64);
        let pos = self.at % cycle;
        self.at += 1;
        let Some((from, to)) = RING_BURSTS_MS
            .iter()
            .map(|&(a, b)| (ms_to_samples(a), ms_to_samples(b)))
            .find(|&(a, b)| (a..b).contains(&pos))
        else {
            return 0.0;
        };
        // Fades against clicks at each burst's edges.
        let edge = (pos - from).min(to - 1 - pos) as usize;
        let fade = edge.min(FADE) as f32 / FADE as f32;
        let t = pos as f32 / SAMPLE_RATE as f32;
        let tone: f32 = RING_TONES_HZ
            .iter()
            .map(|hz| (TAU * hz * t).sin())
            .sum::<f32>()
            / RING_TONES_HZ.len() as f32;
        RING_AMPLITUDE * fade * tone
    }

    /// Fill `out` with the next samples.
    pub fn fill(&mut self, out: &mut [f32]) {
        for o in out {
            *o = self.next_sample();
        }
    }
}

/// The ring playing on its outputs; dropping it (or [`Ringer::stop`]) silences every one.
pub struct Ringer {
    streams: Vec<OpenStream>,
    /// Outputs that could not be opened, with why (the others ring anyway).
    pub failed: Vec<(String, String)>,
}

impl std::fmt::Debug for Ringer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ringer")
            .field("playing_on", &self.playing_on())
            .field("failed", &self.failed)
            .finish()
    }
}

/// The device ids `outputs` name on `backend`, each once: a saved device that is missing
/// falls back to the default, and a choice that comes to the same device as an earlier one
/// (the headset is the default output) is not opened twice.
pub fn resolve_outputs(backend: &dyn Backend, outputs: &[DeviceChoice]) -> Vec<String> {
    let default = backend.default_device(Direction::Output);
    let mut ids: Vec<String> = Vec::new();
    for choice in outputs {
        let id = match choice {
            DeviceChoice::Saved(id) if backend.is_present(Direction::Output, id) => {
                Some(id.clone())
            }
            _ => default.clone(),
        };
        if let Some(id) = id
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

fn open_ring(backend: &dyn Backend, id: &str) -> Result<OpenStream, AudioError> {
    let format = backend.format(Direction::Output, id)?;
    let mut converter = Converter::playback(format.rate, format.channels)?;
    let mut pattern = RingPattern::new();
    let mut mono = vec![0.0; SAMPLE_RATE as usize / 100];
    let mut converted = Vec::new();
    let fill = Box::new(move |out: &mut [f32]| {
        while converted.len() < out.len() {
            pattern.fill(&mut mono);
            if converter.process(&mono, &mut converted).is_err() {
                converted.resize(out.len(), 0.0);
            }
        }
        out.copy_from_slice(&converted[..out.len()]);
        converted.drain(..out.len());
    });
    // A device that fails mid-ring just stops ringing; the others and the notification go on.
    backend.open(id, &format, Callbacks::Output(fill), Box::new(|_| {}))
}

impl Ringer {
    /// Ring on every output of `outputs` (see [`resolve_outputs`]). An error only when none
    /// could be opened; the ones that failed are listed in [`Ringer::failed`].
    pub fn start(backend: &dyn Backend, outputs: &[DeviceChoice]) -> Result<Ringer, AudioError> {
        let mut streams = Vec::new();
        let mut failed = Vec::new();
        for id in resolve_outputs(backend, outputs) {
            match open_ring(backend, &id) {
                Ok(stream) => streams.push(stream),
                Err(e) => failed.push((id, e.to_string())),
            }
        }
        if streams.is_empty() {
            let why = failed
                .iter()
                .map(|(id, why)| format!("{id}: {why}"))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(AudioError::NoDevice {
                direction: Direction::Output,
                why: if why.is_empty() {
                    "no output device".to_owned()
                } else {
                    why
                },
            });
        }
        Ok(Ringer { streams, failed })
    }

    /// The names of the devices ringing.
    pub fn playing_on(&self) -> Vec<String> {
        self.streams.iter().map(|s| s.name.clone()).collect()
    }

    /// Silence every output (the streams close).
    pub fn stop(self) {
        drop(self.streams);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TestBackend, TestDevice};

    fn output(id: &str, rate: u32, channels: u16) -> TestDevice {
        TestDevice {
            id: id.to_owned(),
            direction: Direction::Output,
            rate,
            channels,
            tone_hz: 0.0,
        }
    }

    #[test]
    fn the_pattern_rings_twice_then_pauses_and_repeats() {
        let mut p = RingPattern::new();
        let cycle = ms_to_samples(3000) as usize;
        let samples: Vec<f32> = (0..2 * cycle).map(|_| p.next_sample()).collect();
        let rms = |from_ms: u64, to_ms: u64| {
            let s = &samples[ms_to_samples(from_ms) as usize..ms_to_samples(to_ms) as usize];
            (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt()
        };
        assert!(rms(50, 350) > 0.1, "first ring");
        assert_eq!(rms(420, 580), 0.0, "the short pause");
        assert!(rms(650, 950) > 0.1, "second ring");
        assert_eq!(rms(1010, 2990), 0.0, "the long pause");
        assert!((rms(3050, 3350) - rms(50, 350)).abs() < 1e-3, "it repeats");
        assert!(samples.iter().all(|s| s.abs() <= RING_AMPLITUDE));
    }

    #[test]
    fn rings_on_the_headset_and_the_speaker_until_stopped() {
        let backend = TestBackend::new();
        backend.add(output("usb-headset", 44_100, 2), false);
        backend.add(output("speaker", 48_000, 2), true);
        let ringer = Ringer::start(
            &backend,
            &[
                DeviceChoice::Saved("usb-headset".into()),
                DeviceChoice::Default,
            ],
        )
        .expect("rings");
        assert_eq!(ringer.playing_on().len(), 2, "{ringer:?}");
        backend.run(Duration::from_millis(1000));
        for id in ["usb-headset", "speaker"] {
            let played = backend.played(id);
            let loud = played.iter().filter(|s| s.abs() > 0.05).count();
            assert!(loud > 1000, "{id}: {loud} loud samples of {}", played.len());
        }
        ringer.stop();
        let before = backend.played("speaker").len();
        backend.run(Duration::from_millis(500));
        assert_eq!(
            backend.played("speaker").len(),
            before,
            "silent once stopped"
        );
    }

    #[test]
    fn the_same_device_rings_once_and_a_missing_one_falls_back() {
        let backend = TestBackend::new();
        backend.add(output("speaker", 48_000, 1), true);
        assert_eq!(
            resolve_outputs(
                &backend,
                &[
                    DeviceChoice::Saved("unplugged".into()),
                    DeviceChoice::Default
                ]
            ),
            vec!["speaker".to_string()]
        );
        let none = TestBackend::new();
        assert!(matches!(
            Ringer::start(&none, &[DeviceChoice::Default]),
            Err(AudioError::NoDevice { .. })
        ));
    }
}
