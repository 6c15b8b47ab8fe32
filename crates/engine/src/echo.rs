//! The microphone path of a call: echo cancellation, noise suppression and gain control
//! (`linedesk_voice::processing`) between the headset and the encoder.
//!
//! Every tick the engine hands the captured frame to [`MicPath::capture`] before metering and
//! encoding it, and the decoded far-end frame to [`MicPath::render`] right after writing it
//! to the speaker: that frame is the echo reference, analysed before the speaker plays it.
//! The headset's buffering ([`AudioIo::playback_delay`] after the write plus
//! [`AudioIo::capture_delay`] after the read) is passed as the stream delay, where the
//! canceller starts looking for the echo; AEC3 then finds the true delay itself (the
//! device's own latency and the room) and follows it when it changes.
//!
//! The stages can be switched while the call runs ([`crate::CallSession::set_processing`]);
//! the canceller's estimates (ERLE, delay) are published once a second.

use std::time::Duration;

use linedesk_audio::{AudioIo, Frame};
use linedesk_voice::processing::{Estimates, MicProcessor, Stages, WebRtcProcessor};
use tokio::sync::watch;

/// The processing of one call's microphone.
pub(crate) struct MicPath {
    processor: Box<dyn MicProcessor>,
    stages: watch::Receiver<Stages>,
    estimates: watch::Sender<Estimates>,
    /// The playback buffering behind the last reference frame.
    playback: Duration,
}

impl MicPath {
    /// Over WebRTC's processing, starting with the stages `stages` holds.
    pub(crate) fn new(
        stages: watch::Receiver<Stages>,
        estimates: watch::Sender<Estimates>,
    ) -> Self {
        let processor = Box::new(WebRtcProcessor::new(*stages.borrow()));
        MicPath {
            processor,
            stages,
            estimates,
            playback: Duration::ZERO,
        }
    }

    /// Process a captured frame in place (a new choice of stages takes effect first).
    pub(crate) fn capture(&mut self, frame: &mut Frame, io: &dyn AudioIo) {
        if self.stages.has_changed().unwrap_or(false) {
            let stages = *self.stages.borrow_and_update();
            self.processor.set_stages(stages);
        }
        self.processor
            .set_stream_delay(self.playback + io.capture_delay());
        // Whole 20 ms frames always divide into 10 ms chunks; should the processing refuse
        // one anyway, the frame goes out as captured rather than not at all.
        let _ = self.processor.process_capture(frame);
    }

    /// The far end's frame just written to the speaker: the echo reference.
    pub(crate) fn render(&mut self, frame: &Frame, io: &dyn AudioIo) {
        self.playback = io.playback_delay();
        let _ = self.processor.analyze_render(frame);
    }

    /// Publish what the canceller estimates (once a second).
    pub(crate) fn publish(&self) {
        self.estimates.send_replace(self.processor.estimates());
    }
}
