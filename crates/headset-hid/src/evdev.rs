//! The key fallback's device side: a headset's input device (`/dev/input/eventN`) found through
//! sysfs by its keys (KEY_PHONE, KEY_PLAYPAUSE, KEY_MICMUTE...) and its maker or name, read
//! without blocking (plain `std::fs`, no ioctl, so no `evdev` crate and no third `nix`). Its key
//! presses become reports of [`crate::keys::KEYS_DESCRIPTOR`]. It has no lights. The device is
//! not grabbed: the desktop sees the same keys (a media player may pause too).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::device::{DeviceError, HeadsetDevice, HeadsetInfo, HeadsetSource};
use crate::keys::{EVENT_LEN, HOOK_KEYS, KEYS_DESCRIPTOR, MUTE_KEYS, has_any_key, report_for};

/// Headset makers' USB vendor ids (as in the udev rule).
pub const HEADSET_VENDORS: [u16; 5] = [0x0B0E, 0x047F, 0x1395, 0x6993, 0x046D];
const NAME_HINTS: [&str; 2] = ["headset", "headphone"];

/// Finds a headset's input device under `/sys/class/input`.
pub struct EvdevSource {
    sysfs: PathBuf,
    dev: PathBuf,
}

impl Default for EvdevSource {
    fn default() -> EvdevSource {
        EvdevSource {
            sysfs: "/sys/class/input".into(),
            dev: "/dev/input".into(),
        }
    }
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// One input device as sysfs describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputCandidate {
    pub node: String,
    pub name: String,
    pub vendor_id: u16,
    pub product_id: u16,
    pub keys: String,
}

/// Whether an input device looks like a headset's buttons.
pub fn is_headset_keys(c: &InputCandidate) -> bool {
    let keys = has_any_key(&c.keys, &HOOK_KEYS) || has_any_key(&c.keys, &MUTE_KEYS);
    let lower = c.name.to_lowercase();
    let maker = HEADSET_VENDORS.contains(&c.vendor_id);
    // Logitech (046d) also makes keyboards with media keys: only its named headsets count.
    let named = NAME_HINTS.iter().any(|h| lower.contains(h));
    keys && (named || (maker && c.vendor_id != 0x046D))
}

impl EvdevSource {
    pub fn new() -> EvdevSource {
        EvdevSource::default()
    }

    /// Another sysfs `class/input` and `/dev/input` (tests).
    pub fn at(sysfs: impl Into<PathBuf>, dev: impl Into<PathBuf>) -> EvdevSource {
        EvdevSource {
            sysfs: sysfs.into(),
            dev: dev.into(),
        }
    }

    fn candidates(&self) -> Vec<InputCandidate> {
        let Ok(entries) = std::fs::read_dir(&self.sysfs) else {
            return Vec::new();
        };
        let mut found: Vec<InputCandidate> = entries
            .flatten()
            .filter_map(|e| {
                let node = e.file_name().to_string_lossy().into_owned();
                if !node.starts_with("event") {
                    return None;
                }
                let dev = e.path().join("device");
                let hex = |p: &str| {
                    read_trimmed(&dev.join(p)).and_then(|v| u16::from_str_radix(&v, 16).ok())
                };
                Some(InputCandidate {
                    name: read_trimmed(&dev.join("name")).unwrap_or_default(),
                    vendor_id: hex("id/vendor").unwrap_or(0),
                    product_id: hex("id/product").unwrap_or(0),
                    keys: read_trimmed(&dev.join("capabilities/key")).unwrap_or_default(),
                    node,
                })
            })
            .collect();
        found.sort_by(|a, b| a.node.cmp(&b.node));
        found
    }
}

impl HeadsetSource for EvdevSource {
    fn open(&mut self) -> Result<Option<Box<dyn HeadsetDevice>>, DeviceError> {
        let Some(c) = self.candidates().into_iter().find(is_headset_keys) else {
            return Ok(None);
        };
        let path = self.dev.join(&c.node);
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::PermissionDenied => {
                    DeviceError::Denied(path.display().to_string())
                }
                _ => DeviceError::Io(e.to_string()),
            })?;
        let info = HeadsetInfo {
            vendor_id: c.vendor_id,
            product_id: c.product_id,
            name: c.name,
            path: path.display().to_string(),
        };
        Ok(Some(Box::new(KeyDevice {
            info,
            file,
            partial: Vec::new(),
        })))
    }
}

struct KeyDevice {
    info: HeadsetInfo,
    file: File,
    partial: Vec<u8>,
}

/// How long a read sleeps between tries when nothing is there.
const IDLE_STEP: Duration = Duration::from_millis(10);

impl HeadsetDevice for KeyDevice {
    fn info(&self) -> &HeadsetInfo {
        &self.info
    }

    fn descriptor(&mut self) -> Result<Vec<u8>, DeviceError> {
        Ok(KEYS_DESCRIPTOR.to_vec())
    }

    fn read(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, DeviceError> {
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; EVENT_LEN * 16];
        loop {
            while self.partial.len() >= EVENT_LEN {
                let event: Vec<u8> = self.partial.drain(..EVENT_LEN).collect();
                if let Some(report) = report_for(&event) {
                    return Ok(Some(report.to_vec()));
                }
            }
            match self.file.read(&mut buf) {
                // End of file or ENODEV: the device went away.
                Ok(0) => return Err(DeviceError::Gone),
                Ok(n) => self.partial.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(None);
                    }
                    std::thread::sleep(IDLE_STEP.min(deadline - now));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(DeviceError::Gone),
            }
        }
    }

    fn write(&mut self, _report: &[u8]) -> Result<(), DeviceError> {
        // No lights on a key-only headset (the descriptor declares no output report).
        Ok(())
    }
}

/// Tries each source in turn: the hidraw telephony headset first, then the key fallback.
pub struct FirstOf(pub Vec<Box<dyn HeadsetSource>>);

impl HeadsetSource for FirstOf {
    fn open(&mut self) -> Result<Option<Box<dyn HeadsetDevice>>, DeviceError> {
        let mut first_error = None;
        for source in &mut self.0 {
            match source.open() {
                Ok(Some(device)) => return Ok(Some(device)),
                Ok(None) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(None), Err)
    }
}
