//! [`EchoIo`]: a headset whose microphone hears its own speaker, for tests and the loopback.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use linedesk_audio::{AudioIo, DeviceEvent, FRAME_SAMPLES, Frame};
use linedesk_voice::processing::EchoPath;

use crate::SharedIo;

/// A [`SharedIo`] whose speaker output comes back into its microphone through an
/// [`EchoPath`] (delay, room, level), mixed over the microphone's own samples, as a speaker
/// next to a microphone (or a leaky headset) does. The microphone always delivers a frame:
/// once its own samples end, it hears the echo alone.
#[derive(Clone)]
pub struct EchoIo {
    inner: SharedIo,
    path: Arc<Mutex<EchoPath>>,
    /// Echo on its way to the microphone: played by the speaker, not captured yet.
    echo: Arc<Mutex<VecDeque<f32>>>,
}

impl std::fmt::Debug for EchoIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoIo").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl EchoIo {
    pub fn new(inner: SharedIo, path: EchoPath) -> EchoIo {
        EchoIo {
            inner,
            path: Arc::new(Mutex::new(path)),
            echo: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    /// The shared headset underneath (its speaker's output).
    pub fn inner(&self) -> &SharedIo {
        &self.inner
    }
}

impl AudioIo for EchoIo {
    fn read_frame(&mut self) -> Option<Frame> {
        let mut frame = self.inner.read_frame().unwrap_or([0.0; FRAME_SAMPLES]);
        let mut echo = lock(&self.echo);
        let ready = FRAME_SAMPLES.min(echo.len());
        for (s, e) in frame.iter_mut().zip(echo.drain(..ready)) {
            *s += e;
        }
        Some(frame)
    }

    fn write_frame(&mut self, frame: &Frame) {
        self.inner.write_frame(frame);
        let echo = lock(&self.path).feed(frame);
        lock(&self.echo).extend(echo);
    }

    fn poll_events(&mut self) -> Vec<DeviceEvent> {
        self.inner.poll_events()
    }
}
