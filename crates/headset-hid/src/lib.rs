//! Headset buttons and lights (issue 14, item 2).
//!
//! USB headsets report their answer/hang-up button (Hook Switch) and their mute button (Phone
//! Mute) on the HID Telephony page (0x0B), which the kernel does not turn into key events, and
//! expect the application to set their lights (LED page 0x08: Off-Hook, Ring, Mute, Hold). This
//! crate:
//!
//! - [`descriptor`] parses a report descriptor (pure, bounded, typed errors, fuzzed):
//!   every field with its report id and bit offset;
//! - [`telephony`] finds the telephony controls and the lights in it, decodes input reports into
//!   [`ControlValue`]s and builds the output reports for [`Lights`];
//! - [`buttons`] is the call logic, pure: ringing lights the ring LED, the hook button answers a
//!   ringing call and hangs up an active one (absolute and relative hook switches both), the mute
//!   button toggles the app's mute, the app's mute lights the mute LED; vendor quirks;
//! - [`device`] is the device side behind traits, [`hidraw`] the real one (hidapi's pure-Rust
//!   backend, feature `hidraw`), [`fake`] one for tests that plays recorded reports and records
//!   what is written;
//! - [`keys`] and [`evdev`]: the fallback for headsets that only send media keys (KEY_PHONE,
//!   KEY_PLAYPAUSE, KEY_MICMUTE from their input device), presented as a relative hook switch and
//!   mute so the same logic drives them (no lights);
//! - [`runner`] runs it on a thread: finds the headset, survives unplug and replug.
//!
//! The app (`src-tauri/src/headset_buttons.rs`) feeds the call state in and maps the
//! [`Command`]s onto its call actions.

pub mod buttons;
pub mod descriptor;
pub mod device;
pub mod evdev;
pub mod fake;
#[cfg(feature = "hidraw")]
pub mod hidraw;
pub mod keys;
pub mod runner;
pub mod telephony;

pub use buttons::{AppCall, ButtonLogic, CallPhase, Command, Quirks};
pub use descriptor::{DescriptorError, ReportDescriptor};
pub use device::{DeviceError, HeadsetDevice, HeadsetInfo, HeadsetSource};
pub use runner::{HeadsetButtons, Status, Timing, Unusable};
pub use telephony::{Control, ControlValue, Light, Lights, Reporting, Telephony};
