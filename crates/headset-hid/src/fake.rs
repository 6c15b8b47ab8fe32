//! A fake headset for tests: it has a real descriptor (recorded from a device), plays the input
//! reports a test queues (recorded ones, or ones built from the descriptor) and records every
//! output report written to it. It can be unplugged and plugged back.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::device::{DeviceError, HeadsetDevice, HeadsetInfo, HeadsetSource};

#[derive(Debug, Default)]
struct State {
    plugged: bool,
    /// Bumped at each unplug: a device opened before it is gone for good.
    generation: u64,
    inputs: VecDeque<Vec<u8>>,
    written: Vec<Vec<u8>>,
    opens: u32,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// The test's handle on the fake headset (clone it freely).
#[derive(Debug, Clone)]
pub struct FakeHeadset {
    info: HeadsetInfo,
    descriptor: Vec<u8>,
    shared: Arc<Shared>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FakeHeadset {
    /// A plugged-in headset with this descriptor.
    pub fn new(info: HeadsetInfo, descriptor: &[u8]) -> FakeHeadset {
        let shared = Arc::new(Shared::default());
        lock(&shared).plugged = true;
        FakeHeadset {
            info,
            descriptor: descriptor.to_vec(),
            shared,
        }
    }

    /// The source the device side opens it through.
    pub fn source(&self) -> Box<dyn HeadsetSource> {
        Box::new(self.clone())
    }

    /// Queue an input report, as if the headset sent it.
    pub fn send(&self, report: &[u8]) {
        lock(&self.shared).inputs.push_back(report.to_vec());
        self.shared.changed.notify_all();
    }

    /// Every output report written so far.
    pub fn written(&self) -> Vec<Vec<u8>> {
        lock(&self.shared).written.clone()
    }

    /// How many times it was opened.
    pub fn opens(&self) -> u32 {
        lock(&self.shared).opens
    }

    pub fn unplug(&self) {
        let mut state = lock(&self.shared);
        state.plugged = false;
        state.generation += 1;
        state.inputs.clear();
        drop(state);
        self.shared.changed.notify_all();
    }

    pub fn plug(&self) {
        lock(&self.shared).plugged = true;
        self.shared.changed.notify_all();
    }
}

impl HeadsetSource for FakeHeadset {
    fn open(&mut self) -> Result<Option<Box<dyn HeadsetDevice>>, DeviceError> {
        let mut state = lock(&self.shared);
        if !state.plugged {
            return Ok(None);
        }
        state.opens += 1;
        let generation = state.generation;
        Ok(Some(Box::new(OpenFake {
            headset: self.clone(),
            generation,
        })))
    }
}

struct OpenFake {
    headset: FakeHeadset,
    generation: u64,
}

impl OpenFake {
    fn check(&self, state: &State) -> Result<(), DeviceError> {
        if state.plugged && state.generation == self.generation {
            Ok(())
        } else {
            Err(DeviceError::Gone)
        }
    }
}

impl HeadsetDevice for OpenFake {
    fn info(&self) -> &HeadsetInfo {
        &self.headset.info
    }

    fn descriptor(&mut self) -> Result<Vec<u8>, DeviceError> {
        self.check(&lock(&self.headset.shared))?;
        Ok(self.headset.descriptor.clone())
    }

    fn read(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, DeviceError> {
        let shared = &self.headset.shared;
        let mut state = lock(shared);
        self.check(&state)?;
        if state.inputs.is_empty() {
            state = shared
                .changed
                .wait_timeout(state, timeout)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
            self.check(&state)?;
        }
        Ok(state.inputs.pop_front())
    }

    fn write(&mut self, report: &[u8]) -> Result<(), DeviceError> {
        let mut state = lock(&self.headset.shared);
        self.check(&state)?;
        state.written.push(report.to_vec());
        Ok(())
    }
}
