//! One direction's hold on a device: open the chosen one or fall back to the default, notice
//! when the stream fails, switch, and when nothing opens, retry on a timer. Driven by the
//! engine's calls (every 20 ms), so no thread of its own.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::backend::{Backend, Callbacks, OpenStream};
use crate::devices::{DeviceChoice, StreamFormat};
use crate::{AudioError, DeviceEvent, Direction};

/// Builds the data callback for a device running at the given format.
pub(crate) type MakeCallbacks =
    Box<dyn FnMut(Direction, &StreamFormat) -> Result<Callbacks, AudioError> + Send>;

/// The device a direction is using.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveDevice {
    pub id: String,
    pub name: String,
    pub format: StreamFormat,
    /// The chosen device could not be used and this is the system default instead.
    pub fell_back: bool,
}

struct Current {
    device: ActiveDevice,
    /// Set by the device thread when the stream fails; each stream has its own, so a late
    /// report from a replaced stream cannot touch the new one.
    failure: Arc<Mutex<Option<String>>>,
    _stream: OpenStream,
}

pub(crate) struct Link {
    direction: Direction,
    backend: Arc<dyn Backend>,
    choice: DeviceChoice,
    make: MakeCallbacks,
    current: Option<Current>,
    /// The name of the last device used, for the event when one opens again.
    last_name: String,
    retry_every: Duration,
    next_retry: Instant,
    events: Vec<DeviceEvent>,
}

impl Link {
    /// Open the chosen device, or the default when it cannot be used (reported as a
    /// `Switched` event and [`ActiveDevice::fell_back`]).
    pub(crate) fn open(
        direction: Direction,
        backend: Arc<dyn Backend>,
        choice: DeviceChoice,
        make: MakeCallbacks,
        retry_every: Duration,
    ) -> Result<Self, AudioError> {
        let mut link = Self {
            direction,
            backend,
            choice,
            make,
            current: None,
            last_name: String::new(),
            retry_every,
            next_retry: Instant::now(),
            events: Vec::new(),
        };
        let current = link.open_preferred()?;
        link.install(current);
        Ok(link)
    }

    pub(crate) fn active(&self) -> Option<&ActiveDevice> {
        self.current.as_ref().map(|c| &c.device)
    }

    pub(crate) fn drain_events(&mut self) -> Vec<DeviceEvent> {
        std::mem::take(&mut self.events)
    }

    /// Notice a failed stream and replace it; retry when lost; go back to the chosen device
    /// when it reappears. Returns whether a device is open.
    pub(crate) fn check(&mut self, now: Instant) -> bool {
        let failed = self.current.as_ref().and_then(|c| {
            c.failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        });
        if let Some(why) = failed {
            self.replace_failed(why, now);
        } else if now >= self.next_retry {
            self.next_retry = now + self.retry_every;
            match &self.current {
                None => self.reopen(),
                Some(c) if c.device.fell_back => self.return_to_choice(),
                Some(_) => {}
            }
        }
        self.current.is_some()
    }

    fn replace_failed(&mut self, why: String, now: Instant) {
        let from = self.last_name.clone();
        // Stop the failed stream before opening another: it may hold the device.
        self.current = None;
        match self.open_default(None) {
            Ok(current) => {
                self.events.push(DeviceEvent::Switched {
                    direction: self.direction,
                    from,
                    to: current.device.name.clone(),
                    why,
                });
                self.install(current);
            }
            Err(e) => {
                self.events.push(DeviceEvent::Lost {
                    direction: self.direction,
                    why: format!("{why}; {e}"),
                });
                self.next_retry = now + self.retry_every;
            }
        }
    }

    fn reopen(&mut self) {
        if let Ok(current) = self.open_preferred() {
            self.events.push(DeviceEvent::Switched {
                direction: self.direction,
                from: self.last_name.clone(),
                to: current.device.name.clone(),
                why: "a device can be opened again".to_owned(),
            });
            self.install(current);
        }
    }

    fn return_to_choice(&mut self) {
        let DeviceChoice::Saved(id) = &self.choice else {
            return;
        };
        if !self.backend.is_present(self.direction, id) {
            return;
        }
        let id = id.clone();
        if let Ok(current) = self.open_device(&id, false) {
            self.events.push(DeviceEvent::Switched {
                direction: self.direction,
                from: self.last_name.clone(),
                to: current.device.name.clone(),
                why: "the chosen device is back".to_owned(),
            });
            self.install(current);
        }
    }

    fn install(&mut self, current: Current) {
        self.last_name = current.device.name.clone();
        self.current = Some(current);
    }

    /// The chosen device, else the default (with a `Switched` event saying why).
    fn open_preferred(&mut self) -> Result<Current, AudioError> {
        let DeviceChoice::Saved(id) = self.choice.clone() else {
            return self.open_default(None);
        };
        match self.open_device(&id, false) {
            Ok(current) => Ok(current),
            Err(e) => {
                let current = self.open_default(Some(&id))?;
                self.events.push(DeviceEvent::Switched {
                    direction: self.direction,
                    from: id,
                    to: current.device.name.clone(),
                    why: e.to_string(),
                });
                Ok(current)
            }
        }
    }

    fn open_default(&mut self, tried: Option<&str>) -> Result<Current, AudioError> {
        let direction = self.direction;
        let no_device = move |why: String| AudioError::NoDevice { direction, why };
        let id = self
            .backend
            .default_device(self.direction)
            .ok_or_else(|| no_device("no default device".to_owned()))?;
        if tried == Some(id.as_str()) {
            return Err(no_device(format!("the default device {id} failed too")));
        }
        let fell_back = matches!(&self.choice, DeviceChoice::Saved(saved) if *saved != id);
        self.open_device(&id, fell_back)
            .map_err(|e| no_device(e.to_string()))
    }

    fn open_device(&mut self, id: &str, fell_back: bool) -> Result<Current, AudioError> {
        let format = self.backend.format(self.direction, id)?;
        let callbacks = (self.make)(self.direction, &format)?;
        let failure = Arc::new(Mutex::new(None));
        let report = Arc::clone(&failure);
        let stream = self.backend.open(
            id,
            &format,
            callbacks,
            Box::new(move |why| {
                let mut slot = report
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                slot.get_or_insert(why);
            }),
        )?;
        Ok(Current {
            device: ActiveDevice {
                id: id.to_owned(),
                name: stream.name.clone(),
                format: stream.format.clone(),
                fell_back,
            },
            failure,
            _stream: stream,
        })
    }
}
