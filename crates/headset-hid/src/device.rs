//! The device side behind a trait: something that finds a telephony headset and opens it
//! ([`HeadsetSource`]), and the open headset ([`HeadsetDevice`]): its descriptor, its input
//! reports, its output reports. [`crate::hidraw`] is the real one, [`crate::fake`] the one the
//! tests drive.

use std::time::Duration;

/// Who the headset is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadsetInfo {
    pub vendor_id: u16,
    pub product_id: u16,
    /// The product string, or `VVVV:PPPP` when the device has none.
    pub name: String,
    /// Where it is (the hidraw path), for logs.
    pub path: String,
}

/// Why the device side failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// Unplugged (or its node went away): find it again.
    #[error("the headset is gone")]
    Gone,
    /// No permission on the hidraw node: the udev rule is missing.
    #[error("no access to {0} (is the udev rule installed?)")]
    Denied(String),
    #[error("the headset: {0}")]
    Io(String),
}

/// An open headset.
pub trait HeadsetDevice: Send {
    fn info(&self) -> &HeadsetInfo;
    /// Its report descriptor, as the kernel gives it.
    fn descriptor(&mut self) -> Result<Vec<u8>, DeviceError>;
    /// One input report (report id first when the device numbers them), or `None` after
    /// `timeout` without one.
    fn read(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, DeviceError>;
    /// One output report, report id first (0 when the device numbers none).
    fn write(&mut self, report: &[u8]) -> Result<(), DeviceError>;
}

/// Finds and opens a telephony headset.
pub trait HeadsetSource: Send {
    /// The first headset with a telephony collection, opened; `None` when there is none.
    fn open(&mut self) -> Result<Option<Box<dyn HeadsetDevice>>, DeviceError>;
}
