//! A backend without hardware for tests: devices that capture a sine of their own frequency
//! (so a test can hear which microphone it is on), keep what they play, and fail on demand.
//! Time does not pass by itself: [`TestBackend::run`] moves every open stream forward.

use std::collections::BTreeMap;
use std::f32::consts::TAU;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::backend::{Backend, Callbacks, FailureCallback, OpenStream};
use crate::devices::{DeviceInfo, StreamFormat};
use crate::{AudioError, Direction};

/// A device of the test backend.
#[derive(Debug, Clone)]
pub struct TestDevice {
    pub id: String,
    pub direction: Direction,
    pub rate: u32,
    pub channels: u16,
    /// Frequency of the sine a microphone captures.
    pub tone_hz: f32,
}

struct Device {
    spec: TestDevice,
    present: bool,
    /// Interleaved samples played on this device (outputs).
    played: Vec<f32>,
    phase: f32,
}

struct Stream {
    device: String,
    callbacks: Callbacks,
    on_failure: FailureCallback,
    alive: Arc<AtomicBool>,
}

#[derive(Default)]
struct State {
    devices: BTreeMap<String, Device>,
    defaults: BTreeMap<Direction, String>,
    streams: Vec<Stream>,
    opens: usize,
}

/// See the module documentation.
#[derive(Default, Clone)]
pub struct TestBackend(Arc<Mutex<State>>);

impl std::fmt::Debug for TestBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestBackend")
    }
}

/// Dropped with the [`OpenStream`]: the stream stops.
struct Alive(Arc<AtomicBool>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl TestBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Plug a device in; `default` makes it the default of its direction.
    pub fn add(&self, spec: TestDevice, default: bool) {
        let mut state = self.state();
        if default {
            state.defaults.insert(spec.direction, spec.id.clone());
        }
        let device = Device {
            spec,
            present: true,
            played: Vec::new(),
            phase: 0.0,
        };
        state.devices.insert(device.spec.id.clone(), device);
    }

    /// Unplug a device: its streams report a failure and it cannot be opened.
    pub fn unplug(&self, id: &str) {
        let mut state = self.state();
        if let Some(device) = state.devices.get_mut(id) {
            device.present = false;
        }
        for stream in state.streams.iter_mut().filter(|s| s.device == id) {
            (stream.on_failure)(format!("{id} was unplugged"));
        }
    }

    /// Plug an unplugged device back in.
    pub fn plug_in(&self, id: &str) {
        if let Some(device) = self.state().devices.get_mut(id) {
            device.present = true;
        }
    }

    /// Interleaved samples played on an output so far.
    pub fn played(&self, id: &str) -> Vec<f32> {
        self.state()
            .devices
            .get(id)
            .map(|d| d.played.clone())
            .unwrap_or_default()
    }

    /// Streams opened so far (including failed-over ones).
    pub fn opens(&self) -> usize {
        self.state().opens
    }

    /// Move every open stream forward by `time`, in 10 ms device callbacks.
    pub fn run(&self, time: Duration) {
        let mut state = self.state();
        state.streams.retain(|s| s.alive.load(Ordering::Acquire));
        let State {
            devices, streams, ..
        } = &mut *state;
        let steps = (time.as_millis() / 10) as usize;
        for _ in 0..steps {
            for stream in streams.iter_mut() {
                let Some(device) = devices.get_mut(&stream.device) else {
                    continue;
                };
                if !device.present {
                    continue;
                }
                let channels = usize::from(device.spec.channels);
                let frames = device.spec.rate as usize / 100;
                match &mut stream.callbacks {
                    Callbacks::Input(deliver) => {
                        let step = TAU * device.spec.tone_hz / device.spec.rate as f32;
                        let mut data = Vec::with_capacity(frames * channels);
                        for _ in 0..frames {
                            let s = 0.5 * device.phase.sin();
                            device.phase = (device.phase + step) % TAU;
                            data.extend(std::iter::repeat_n(s, channels));
                        }
                        deliver(&data);
                    }
                    Callbacks::Output(fill) => {
                        let mut data = vec![0.0; frames * channels];
                        fill(&mut data);
                        device.played.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

impl Backend for TestBackend {
    fn devices(&self, direction: Direction) -> Result<Vec<DeviceInfo>, AudioError> {
        let state = self.state();
        let default = state.defaults.get(&direction);
        Ok(state
            .devices
            .values()
            .filter(|d| d.present && d.spec.direction == direction)
            .map(|d| DeviceInfo {
                id: d.spec.id.clone(),
                name: d.spec.id.clone(),
                is_default: default == Some(&d.spec.id),
                configs: vec![crate::devices::ConfigRange {
                    channels: d.spec.channels,
                    min_rate: d.spec.rate,
                    max_rate: d.spec.rate,
                    sample_format: "f32".to_owned(),
                }],
            })
            .collect())
    }

    fn default_device(&self, direction: Direction) -> Option<String> {
        self.state().defaults.get(&direction).cloned()
    }

    fn format(&self, direction: Direction, device: &str) -> Result<StreamFormat, AudioError> {
        let state = self.state();
        match state.devices.get(device) {
            Some(d) if d.present && d.spec.direction == direction => Ok(StreamFormat {
                rate: d.spec.rate,
                channels: d.spec.channels,
                sample_format: "f32".to_owned(),
            }),
            _ => Err(AudioError::Open {
                device: device.to_owned(),
                why: "not plugged in".to_owned(),
            }),
        }
    }

    fn open(
        &self,
        device: &str,
        format: &StreamFormat,
        callbacks: Callbacks,
        on_failure: FailureCallback,
    ) -> Result<OpenStream, AudioError> {
        let direction = callbacks.direction();
        if self.format(direction, device)? != *format {
            return Err(AudioError::Open {
                device: device.to_owned(),
                why: "format changed".to_owned(),
            });
        }
        let alive = Arc::new(AtomicBool::new(true));
        let mut state = self.state();
        state.opens += 1;
        state.streams.push(Stream {
            device: device.to_owned(),
            callbacks,
            on_failure,
            alive: Arc::clone(&alive),
        });
        Ok(OpenStream {
            name: device.to_owned(),
            format: format.clone(),
            keep_alive: Box::new(Alive(alive)),
        })
    }
}
