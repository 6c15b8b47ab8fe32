//! The device side running: a thread that finds a telephony headset, reads its input reports,
//! turns them into [`Command`]s for the app through [`ButtonLogic`], and writes the lights of the
//! app's call. A headset unplugged is looked for again every `retry` (never a panic, never a
//! busy loop); one without a telephony collection is reported and left alone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::buttons::{AppCall, ButtonLogic, Command, Quirks};
use crate::descriptor::ReportDescriptor;
use crate::device::{DeviceError, HeadsetDevice, HeadsetSource};
use crate::telephony::Telephony;

/// What the device side is doing, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Status {
    /// No telephony headset found (yet).
    #[default]
    Searching,
    /// A headset is open and its buttons work.
    Connected { name: String },
    /// A headset was found but cannot be used.
    Unusable { name: String, why: Unusable },
}

/// Why a found headset cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// No permission on its node: the udev rule is missing.
    NoAccess,
    /// Its descriptor was refused or has no telephony controls; the text says which.
    NotUnderstood(String),
}

impl Unusable {
    fn from_error(err: DeviceError) -> Unusable {
        match err {
            DeviceError::Denied(_) => Unusable::NoAccess,
            other => Unusable::NotUnderstood(other.to_string()),
        }
    }
}

/// How often the device side looks again, and how long one read waits.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub retry: Duration,
    pub poll: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            retry: Duration::from_secs(2),
            poll: Duration::from_millis(50),
        }
    }
}

struct Shared {
    stop: AtomicBool,
    app: Mutex<AppCall>,
    status: Mutex<Status>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The running device side; stops (and joins its thread) when dropped.
pub struct HeadsetButtons {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl HeadsetButtons {
    /// Start looking for a headset in `source`, the app's call being `call`; each command goes
    /// to `on_command` (called on the device thread: hand it on, do not block).
    pub fn spawn(
        source: Box<dyn HeadsetSource>,
        timing: Timing,
        call: AppCall,
        on_command: Box<dyn Fn(Command) + Send>,
    ) -> std::io::Result<HeadsetButtons> {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            app: Mutex::new(call),
            status: Mutex::new(Status::Searching),
        });
        let worker = Worker {
            shared: shared.clone(),
            source,
            timing,
            on_command,
        };
        let thread = std::thread::Builder::new()
            .name("headset-buttons".into())
            .spawn(move || worker.run())?;
        Ok(HeadsetButtons {
            shared,
            thread: Some(thread),
        })
    }

    /// The app's call now (cheap: the thread picks it up at its next poll).
    pub fn set_call(&self, app: AppCall) {
        *lock(&self.shared.app) = app;
    }

    pub fn status(&self) -> Status {
        lock(&self.shared.status).clone()
    }
}

impl Drop for HeadsetButtons {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Worker {
    shared: Arc<Shared>,
    source: Box<dyn HeadsetSource>,
    timing: Timing,
    on_command: Box<dyn Fn(Command) + Send>,
}

impl Worker {
    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }

    fn set_status(&self, status: Status) {
        *lock(&self.shared.status) = status;
    }

    /// Sleep `total` in poll-sized steps so a stop is seen promptly.
    fn pause(&self, total: Duration) {
        let mut left = total;
        while !left.is_zero() && !self.stopped() {
            let step = left.min(self.timing.poll);
            std::thread::sleep(step);
            left = left.saturating_sub(step);
        }
    }

    fn run(mut self) {
        while !self.stopped() {
            match self.source.open() {
                Ok(Some(device)) => {
                    let name = device.info().name.clone();
                    if let Err(why) = self.serve(device) {
                        match why {
                            DeviceError::Gone => self.set_status(Status::Searching),
                            other => self.set_status(Status::Unusable {
                                name,
                                why: Unusable::from_error(other),
                            }),
                        }
                    }
                }
                Ok(None) => self.set_status(Status::Searching),
                Err(DeviceError::Denied(path)) => self.set_status(Status::Unusable {
                    name: path,
                    why: Unusable::NoAccess,
                }),
                Err(_) => self.set_status(Status::Searching),
            }
            self.pause(self.timing.retry);
        }
    }

    /// Serve one open headset until it goes away (an error) or the side stops (`Ok`).
    fn serve(&mut self, mut device: Box<dyn HeadsetDevice>) -> Result<(), DeviceError> {
        let bytes = device.descriptor()?;
        let descriptor = ReportDescriptor::parse(&bytes)
            .map_err(|e| DeviceError::Io(format!("its report descriptor: {e}")))?;
        let telephony = Telephony::from_descriptor(descriptor)
            .ok_or_else(|| DeviceError::Io("no telephony controls".into()))?;
        let info = device.info().clone();
        let mut logic =
            ButtonLogic::new(*lock(&self.shared.app), Quirks::for_vendor(info.vendor_id));
        write_lights(device.as_mut(), &telephony, &logic)?;
        self.set_status(Status::Connected {
            name: info.name.clone(),
        });
        while !self.stopped() {
            let app = *lock(&self.shared.app);
            if logic.set_app(app) {
                write_lights(device.as_mut(), &telephony, &logic)?;
            }
            let Some(report) = device.read(self.timing.poll)? else {
                continue;
            };
            // A report the descriptor does not account for is dropped, not fatal.
            let Ok(values) = telephony.decode(&report) else {
                continue;
            };
            if values.is_empty() {
                continue;
            }
            for command in logic.on_input(&values) {
                (self.on_command)(command);
            }
            // Confirm the state (Jabra and Poly wait for the host's lights after a button).
            write_lights(device.as_mut(), &telephony, &logic)?;
        }
        Ok(())
    }
}

fn write_lights(
    device: &mut dyn HeadsetDevice,
    telephony: &Telephony,
    logic: &ButtonLogic,
) -> Result<(), DeviceError> {
    for report in telephony.light_reports(&logic.lights()) {
        device.write(&report)?;
    }
    Ok(())
}
