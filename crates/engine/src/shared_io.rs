//! A [`MemoryIo`] headset that tests and the loopback read back: the microphone plays given
//! samples, the speaker keeps what it played.

use std::sync::{Arc, Mutex};

use linedesk_audio::{AudioIo, DeviceEvent, Frame, MemoryIo};

/// A [`MemoryIo`] shared with whoever wants to read the speaker afterwards.
#[derive(Debug, Clone, Default)]
pub struct SharedIo(pub Arc<Mutex<MemoryIo>>);

impl SharedIo {
    pub fn new(microphone: &[f32]) -> SharedIo {
        SharedIo(Arc::new(Mutex::new(MemoryIo::new(microphone))))
    }

    fn io(&self) -> std::sync::MutexGuard<'_, MemoryIo> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Everything the speaker played so far.
    pub fn played(&self) -> Vec<f32> {
        self.io().played.clone()
    }
}

impl AudioIo for SharedIo {
    fn read_frame(&mut self) -> Option<Frame> {
        self.io().read_frame()
    }
    fn write_frame(&mut self, frame: &Frame) {
        self.io().write_frame(frame);
    }
    fn poll_events(&mut self) -> Vec<DeviceEvent> {
        self.io().poll_events()
    }
}
