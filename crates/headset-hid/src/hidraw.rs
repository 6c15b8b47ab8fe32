//! The real device side: hidraw through `hidapi`'s pure-Rust Linux backend. A headset is the
//! first HID interface whose top-level collection is on the Telephony page (0x0B); its node needs
//! read and write access for the user (`packaging/udev/70-linedesk-headsets.rules`).

use std::time::Duration;

use hidapi::{HidApi, HidDevice};

use crate::device::{DeviceError, HeadsetDevice, HeadsetInfo, HeadsetSource};
use crate::telephony::TELEPHONY_PAGE;

/// Largest report read at once (the id byte included); headsets send at most 64.
const READ_BUFFER: usize = 4097;

/// Finds telephony headsets among the machine's hidraw nodes.
#[derive(Default)]
pub struct HidrawSource {
    api: Option<HidApi>,
}

impl HidrawSource {
    pub fn new() -> HidrawSource {
        HidrawSource::default()
    }
}

fn io(err: hidapi::HidError) -> DeviceError {
    DeviceError::Io(err.to_string())
}

impl HeadsetSource for HidrawSource {
    fn open(&mut self) -> Result<Option<Box<dyn HeadsetDevice>>, DeviceError> {
        let api = match &mut self.api {
            Some(api) => {
                api.refresh_devices().map_err(io)?;
                api
            }
            None => self.api.insert(HidApi::new().map_err(io)?),
        };
        let Some(found) = api.device_list().find(|d| d.usage_page() == TELEPHONY_PAGE) else {
            return Ok(None);
        };
        let path = found.path().to_string_lossy().into_owned();
        let name = found
            .product_string()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("{:04x}:{:04x}", found.vendor_id(), found.product_id()));
        let info = HeadsetInfo {
            vendor_id: found.vendor_id(),
            product_id: found.product_id(),
            name,
            path: path.clone(),
        };
        let device = found.open_device(api).map_err(|e| {
            let text = e.to_string();
            if text.contains("ermission") || text.contains("EACCES") {
                DeviceError::Denied(path.clone())
            } else {
                DeviceError::Io(text)
            }
        })?;
        Ok(Some(Box::new(Hidraw { info, device })))
    }
}

struct Hidraw {
    info: HeadsetInfo,
    device: HidDevice,
}

impl HeadsetDevice for Hidraw {
    fn info(&self) -> &HeadsetInfo {
        &self.info
    }

    fn descriptor(&mut self) -> Result<Vec<u8>, DeviceError> {
        let mut buf = vec![0u8; crate::descriptor::MAX_DESCRIPTOR_LEN];
        let len = self.device.get_report_descriptor(&mut buf).map_err(io)?;
        buf.truncate(len);
        Ok(buf)
    }

    fn read(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, DeviceError> {
        let mut buf = vec![0u8; READ_BUFFER];
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        // Any read error on an open hidraw node means it went away (POLLHUP on unplug).
        let len = self
            .device
            .read_timeout(&mut buf, ms)
            .map_err(|_| DeviceError::Gone)?;
        if len == 0 {
            return Ok(None);
        }
        buf.truncate(len);
        Ok(Some(buf))
    }

    fn write(&mut self, report: &[u8]) -> Result<(), DeviceError> {
        self.device.write(report).map_err(|_| DeviceError::Gone)?;
        Ok(())
    }
}
