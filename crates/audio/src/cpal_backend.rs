//! Real devices through cpal's default host (ALSA on Linux; PulseAudio and PipeWire are
//! reached through ALSA's plugins).
//!
//! Streams run at the device's default format (cpal prefers 48 kHz, then 44.1 kHz, and `f32`,
//! then wider integers); samples are converted to and from `f32` here, on the device thread.

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{ErrorKind, FromSample, SampleFormat, SizedSample, StreamConfig};

use crate::backend::{Backend, Callbacks, FailureCallback, OpenStream};
use crate::devices::{ConfigRange, DeviceInfo, StreamFormat};
use crate::{AudioError, Direction};

/// Configurations with more channels are left out of [`DeviceInfo::configs`]: ALSA plugins
/// offer every count up to 64, and a headset has one or two.
const MAX_LISTED_CHANNELS: u16 = 8;

/// Listed without opening it: ALSA's JACK plugin (libasound2-plugins) starts a JACK client to
/// describe it, and libjack prints half a dozen lines on stderr when no JACK server runs,
/// past ALSA's error handler. Its formats are read when it is chosen.
const UNPROBED: &str = "jack";

/// cpal's default host.
#[derive(Debug, Default, Clone, Copy)]
pub struct CpalBackend;

/// `probe` with ALSA's library messages kept off stderr (`alsa_quiet`).
#[cfg(target_os = "linux")]
fn quietly<T>(probe: impl FnOnce() -> T) -> T {
    crate::alsa_quiet::quietly(probe).0
}

#[cfg(not(target_os = "linux"))]
fn quietly<T>(probe: impl FnOnce() -> T) -> T {
    probe()
}

fn host_error(e: cpal::Error) -> AudioError {
    AudioError::Host(e.to_string())
}

fn device_id(device: &cpal::Device) -> Option<String> {
    device.id().ok().map(|id| id.id().to_owned())
}

fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_owned())
        .or_else(|_| device.id().map(|id| id.id().to_owned()))
        .unwrap_or_else(|_| "unknown device".to_owned())
}

fn default_of(host: &cpal::Host, direction: Direction) -> Option<cpal::Device> {
    match direction {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    }
}

fn find(direction: Direction, id: &str) -> Result<cpal::Device, AudioError> {
    let host = cpal::default_host();
    if let Some(default) = default_of(&host, direction)
        && device_id(&default).as_deref() == Some(id)
    {
        return Ok(default);
    }
    let devices = host.devices().map_err(host_error)?;
    devices
        .into_iter()
        .find(|d| device_id(d).as_deref() == Some(id))
        .ok_or_else(|| AudioError::Open {
            device: id.to_owned(),
            why: "no such device".to_owned(),
        })
}

fn default_config(
    device: &cpal::Device,
    direction: Direction,
) -> Result<cpal::SupportedStreamConfig, AudioError> {
    let config = match direction {
        Direction::Input => device.default_input_config(),
        Direction::Output => device.default_output_config(),
    };
    config.map_err(|e| AudioError::Open {
        device: device_name(device),
        why: e.to_string(),
    })
}

impl CpalBackend {
    fn list(&self, direction: Direction) -> Result<Vec<DeviceInfo>, AudioError> {
        let host = cpal::default_host();
        let default = default_of(&host, direction).and_then(|d| device_id(&d));
        let devices: Vec<cpal::Device> = match direction {
            Direction::Input => host.input_devices().map_err(host_error)?.collect(),
            Direction::Output => host.output_devices().map_err(host_error)?.collect(),
        };
        let mut listed: Vec<DeviceInfo> = devices
            .iter()
            .filter_map(|device| {
                let id = device_id(device)?;
                if id == UNPROBED {
                    return Some(DeviceInfo {
                        is_default: default.as_deref() == Some(id.as_str()),
                        name: device_name(device),
                        id,
                        configs: Vec::new(),
                    });
                }
                let ranges: Vec<cpal::SupportedStreamConfigRange> = match direction {
                    Direction::Input => device.supported_input_configs().ok()?.collect(),
                    Direction::Output => device.supported_output_configs().ok()?.collect(),
                };
                Some(DeviceInfo {
                    is_default: default.as_deref() == Some(id.as_str()),
                    name: device_name(device),
                    id,
                    configs: ranges
                        .iter()
                        .filter(|r| {
                            r.channels() <= MAX_LISTED_CHANNELS && !r.sample_format().is_dsd()
                        })
                        .map(|r| ConfigRange {
                            channels: r.channels(),
                            min_rate: r.min_sample_rate(),
                            max_rate: r.max_sample_rate(),
                            sample_format: r.sample_format().to_string(),
                        })
                        .collect(),
                })
            })
            .collect();
        // ALSA lists its "default" PCM only among the hints, if at all: make sure it is there.
        if let Some(id) = default
            && !listed.iter().any(|d| d.id == id)
            && let Some(device) = default_of(&host, direction)
        {
            listed.push(DeviceInfo {
                name: device_name(&device),
                id,
                is_default: true,
                configs: Vec::new(),
            });
        }
        Ok(listed)
    }

    fn default_id(&self, direction: Direction) -> Option<String> {
        default_of(&cpal::default_host(), direction).and_then(|d| device_id(&d))
    }

    fn present(&self, direction: Direction, device: &str) -> bool {
        // Enumerating ALSA's hints does not open the devices; describing configs would.
        find(direction, device).is_ok()
    }

    fn format_of(&self, direction: Direction, device: &str) -> Result<StreamFormat, AudioError> {
        let config = default_config(&find(direction, device)?, direction)?;
        Ok(StreamFormat {
            rate: config.sample_rate(),
            channels: config.channels(),
            sample_format: config.sample_format().to_string(),
        })
    }

    fn open_stream(
        &self,
        id: &str,
        format: &StreamFormat,
        callbacks: Callbacks,
        on_failure: FailureCallback,
    ) -> Result<OpenStream, AudioError> {
        let direction = callbacks.direction();
        let device = find(direction, id)?;
        let name = device_name(&device);
        let supported = default_config(&device, direction)?;
        let open_error = |why: String| AudioError::Open {
            device: name.clone(),
            why,
        };
        if supported.sample_rate() != format.rate
            || supported.channels() != format.channels
            || supported.sample_format().to_string() != format.sample_format
        {
            return Err(open_error(format!(
                "format changed to {} Hz, {} channels, {}",
                supported.sample_rate(),
                supported.channels(),
                supported.sample_format()
            )));
        }
        let mut config = supported.config();
        // Ask for 10 ms periods: left to itself, ALSA's pulse plugin delivered capture in
        // half-second bursts, more than the capture buffer holds.
        if let cpal::SupportedBufferSize::Range { min, max } = *supported.buffer_size() {
            config.buffer_size =
                cpal::BufferSize::Fixed((supported.sample_rate() / 100).clamp(min, max));
        }
        let stream = match supported.sample_format() {
            SampleFormat::F32 => build::<f32>(&device, config, callbacks, on_failure),
            SampleFormat::F64 => build::<f64>(&device, config, callbacks, on_failure),
            SampleFormat::I8 => build::<i8>(&device, config, callbacks, on_failure),
            SampleFormat::I16 => build::<i16>(&device, config, callbacks, on_failure),
            SampleFormat::I24 => build::<cpal::I24>(&device, config, callbacks, on_failure),
            SampleFormat::I32 => build::<i32>(&device, config, callbacks, on_failure),
            SampleFormat::U8 => build::<u8>(&device, config, callbacks, on_failure),
            SampleFormat::U16 => build::<u16>(&device, config, callbacks, on_failure),
            SampleFormat::U32 => build::<u32>(&device, config, callbacks, on_failure),
            other => return Err(open_error(format!("unsupported sample format {other}"))),
        }
        .map_err(|e| open_error(e.to_string()))?;
        stream.play().map_err(|e| open_error(e.to_string()))?;
        Ok(OpenStream {
            name,
            format: format.clone(),
            keep_alive: Box::new(stream),
        })
    }
}

/// Every probe of ALSA runs [`quietly`].
impl Backend for CpalBackend {
    fn devices(&self, direction: Direction) -> Result<Vec<DeviceInfo>, AudioError> {
        quietly(|| self.list(direction))
    }

    fn default_device(&self, direction: Direction) -> Option<String> {
        quietly(|| self.default_id(direction))
    }

    fn is_present(&self, direction: Direction, device: &str) -> bool {
        quietly(|| self.present(direction, device))
    }

    fn format(&self, direction: Direction, device: &str) -> Result<StreamFormat, AudioError> {
        quietly(|| self.format_of(direction, device))
    }

    fn open(
        &self,
        id: &str,
        format: &StreamFormat,
        callbacks: Callbacks,
        on_failure: FailureCallback,
    ) -> Result<OpenStream, AudioError> {
        quietly(|| self.open_stream(id, format, callbacks, on_failure))
    }
}

/// Build a stream of samples `T`, converting to and from `f32` in a buffer reused between
/// callbacks.
fn build<T>(
    device: &cpal::Device,
    config: StreamConfig,
    callbacks: Callbacks,
    mut on_failure: FailureCallback,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
    f32: FromSample<T>,
{
    // Only these end a stream: on ALSA the stream thread returns after `DeviceNotAvailable`
    // and carries on after anything else (xruns, and e.g. the pulse plugin's transient EIO
    // from `snd_pcm_avail_delay`, seen in the PulseAudio test), so switching devices on
    // those would drop a working stream.
    let on_error = move |e: cpal::Error| {
        if matches!(
            e.kind(),
            ErrorKind::DeviceNotAvailable | ErrorKind::StreamInvalidated
        ) {
            on_failure(e.to_string());
        }
    };
    let mut buffer: Vec<f32> = Vec::new();
    match callbacks {
        Callbacks::Input(mut deliver) => device.build_input_stream::<T, _, _>(
            config,
            move |data: &[T], _| {
                buffer.clear();
                buffer.extend(data.iter().map(|&s| f32::from_sample_(s)));
                deliver(&buffer);
            },
            on_error,
            None,
        ),
        Callbacks::Output(mut fill) => device.build_output_stream::<T, _, _>(
            config,
            move |data: &mut [T], _| {
                buffer.clear();
                buffer.resize(data.len(), 0.0);
                fill(&mut buffer);
                for (out, &s) in data.iter_mut().zip(&buffer) {
                    *out = T::from_sample_(s);
                }
            },
            on_error,
            None,
        ),
    }
}
