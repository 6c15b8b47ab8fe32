//! The microphone path of a call: echo cancellation, noise suppression and gain control
//! (`linedesk_voice::processing`) between the headset and the encoder.
//!
//! Every tick the engine hands the captured frame to [`MicPath::capture`] before metering and
//! encoding it (and adds what the headset has to send unprocessed, [`MicPath::outgoing`]), and the decoded far-end frame to [`MicPath::render`] right after writing it
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

    /// This slot's captured frame from `io`, processed, and what goes out: the processed
    /// microphone plus what `io` has to add to it unprocessed ([`AudioIo::read_mix`], the other
    /// call's party in a three-way join), or that alone when no microphone frame came.
    pub(crate) fn outgoing(&mut self, io: &mut dyn AudioIo) -> (Option<Frame>, Option<Frame>) {
        let captured = io.read_frame().map(|mut frame| {
            self.capture(&mut frame, io);
            frame
        });
        let out = match (captured, io.read_mix()) {
            (Some(mut frame), Some(other)) => {
                for (a, b) in frame.iter_mut().zip(&other) {
                    *a = (*a + b).clamp(-1.0, 1.0);
                }
                Some(frame)
            }
            (frame, None) | (None, frame) => frame,
        };
        (captured, out)
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

    /// The far end's frame just written to the speaker: the echo reference is what the
    /// speaker plays for it ([`AudioIo::echo_reference`]: that frame, or in a three-way join
    /// both calls' parties as the shared headset mixed them).
    pub(crate) fn render(&mut self, frame: &Frame, io: &mut dyn AudioIo) {
        self.playback = io.playback_delay();
        let processor = &mut self.processor;
        io.echo_reference(frame, &mut |played| {
            let _ = processor.analyze_render(played);
        });
    }

    /// Publish what the canceller estimates (once a second).
    pub(crate) fn publish(&self) {
        self.estimates.send_replace(self.processor.estimates());
    }
}

#[cfg(test)]
mod tests {
    use linedesk_audio::FRAME_SAMPLES;
    use linedesk_voice::processing::Stages;

    use super::*;
    use crate::SharedIo;
    use crate::conference::conference;

    fn tone(hz: f32, frame: usize, level: f32) -> Frame {
        let mut out = [0.0; FRAME_SAMPLES];
        for (i, s) in out.iter_mut().enumerate() {
            let t = (frame * FRAME_SAMPLES + i) as f32 / 48_000.0;
            *s = level * (2.0 * std::f32::consts::PI * hz * t).sin();
        }
        out
    }

    fn energy(frames: &[Frame]) -> f64 {
        frames.iter().flatten().map(|s| f64::from(*s).powi(2)).sum()
    }

    /// The three-way join with every stage on (what the app runs): the colleague's steady
    /// voice goes to the client as she said it, sample for sample, while the microphone's own
    /// sound is processed (the noise suppressor would take a steady tone for noise, the gain
    /// control would ride on her level).
    #[test]
    fn a_joined_calls_party_goes_out_unprocessed_beside_the_processed_microphone() {
        const FRAMES: usize = 250;
        // The specialist's microphone: a low steady hum (what the suppressor is for).
        let hum: Vec<f32> = (0..FRAMES).flat_map(|f| tone(100.0, f, 0.01)).collect();
        let headset = SharedIo::new(&hum);
        let (mut client_call, mut consultation) = conference(Box::new(headset));
        let (_stages_tx, stages) = watch::channel(Stages::ALL);
        let (estimates, _) = watch::channel(Estimates::default());
        let mut path = MicPath::new(stages, estimates);
        let (mut mic, mut sent, mut colleague) = (Vec::new(), Vec::new(), Vec::new());
        for f in 0..FRAMES {
            // The client's call plays the client (700 Hz), the consultation the colleague.
            let client = tone(700.0, f, 0.3);
            client_call.write_frame(&client);
            path.render(&client, &mut client_call);
            let her = tone(440.0, f, 0.3);
            consultation.write_frame(&her);
            let (captured, out) = path.outgoing(&mut client_call);
            let (captured, out) = (captured.expect("the microphone"), out.expect("sent"));
            mic.push(captured);
            sent.push(out);
            colleague.push(her);
            // The consultation's port takes its microphone frame too.
            let _ = consultation.read_frame();
        }
        // After the processing's first seconds: what went out is the processed microphone
        // plus her frames, unchanged.
        for f in 150..FRAMES {
            for i in 0..FRAME_SAMPLES {
                let expected = (mic[f][i] + colleague[f][i]).clamp(-1.0, 1.0);
                assert!(
                    (sent[f][i] - expected).abs() < 1e-6,
                    "frame {f} sample {i}: sent {} for {expected}",
                    sent[f][i]
                );
            }
        }
        let ratio = energy(&sent[150..]) / energy(&colleague[150..]);
        assert!(
            (0.9..1.1).contains(&ratio),
            "her voice's energy went out as {ratio:.2} of itself"
        );
        // And the microphone's hum was processed (the suppressor took it down).
        let hum_in: f64 = hum[150 * FRAME_SAMPLES..]
            .iter()
            .map(|s| f64::from(*s).powi(2))
            .sum();
        assert!(
            energy(&mic[150..]) < hum_in * 0.5,
            "the microphone is processed: {:.3} of the hum left",
            energy(&mic[150..]) / hum_in
        );
    }

    /// Noise-like frames (AEC3 treats a tone apart), a party's own sequence per `seed`.
    struct Noise(u64);

    impl Noise {
        fn frame(&mut self) -> Frame {
            std::array::from_fn(|_| {
                self.0 = self
                    .0
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((self.0 >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 0.2
            })
        }
    }

    /// The three-way join on a headset whose microphone hears its speaker (60 ms, 6 dB down,
    /// through a room): the speaker plays the client and the colleague summed, so each call's
    /// canceller needs that sum as its reference. With only its own party, the consultation's
    /// canceller would send the colleague the client's echo, and the client's call the
    /// colleague's. Every stage on, as the app runs it; the two calls' ticks interleaved as
    /// the engine runs them (capture, then play and analyse).
    #[test]
    fn in_a_join_each_calls_canceller_removes_the_echo_of_both_parties() {
        use crate::EchoIo;
        use linedesk_voice::processing::EchoPath;

        const FRAMES: usize = 400;
        const CONVERGED: usize = 250;
        let path = || EchoPath::new(Duration::from_millis(60), -6.0, 5);
        let headset = EchoIo::new(SharedIo::new(&[]), path());
        let (mut client_call, mut consultation) = conference(Box::new(headset.clone()));
        let mic_path = || {
            let (stages_tx, stages) = watch::channel(Stages::ALL);
            let (estimates, _) = watch::channel(Estimates::default());
            (stages_tx, MicPath::new(stages, estimates))
        };
        let ((_a, mut client_path), (_b, mut consultation_path)) = (mic_path(), mic_path());
        let (mut client, mut colleague) = (Noise(11), Noise(29));
        let (mut to_client, mut to_colleague) = (Vec::new(), Vec::new());
        for _ in 0..FRAMES {
            let (captured, _) = client_path.outgoing(&mut client_call);
            to_client.push(captured.expect("the microphone"));
            let heard = client.frame();
            client_call.write_frame(&heard);
            client_path.render(&heard, &mut client_call);

            let (captured, _) = consultation_path.outgoing(&mut consultation);
            to_colleague.push(captured.expect("the microphone"));
            let heard = colleague.frame();
            consultation.write_frame(&heard);
            consultation_path.render(&heard, &mut consultation);
        }
        // The echo the microphone heard: the speaker's output through the same path.
        let echo = path().feed(&headset.inner().played());
        let at = CONVERGED * FRAME_SAMPLES;
        let echo_energy: f64 = echo[at..FRAMES * FRAME_SAMPLES]
            .iter()
            .map(|s| f64::from(*s).powi(2))
            .sum();
        let erle =
            |sent: &[Frame]| 10.0 * (echo_energy / energy(&sent[CONVERGED..]).max(1e-20)).log10();
        let (client_erle, colleague_erle) = (erle(&to_client), erle(&to_colleague));
        println!(
            "echo removed over 5-8 s: {client_erle:.1} dB to the client, {colleague_erle:.1} dB \
             to the colleague"
        );
        assert!(client_erle >= 20.0, "to the client: {client_erle:.1} dB");
        assert!(
            colleague_erle >= 20.0,
            "to the colleague: {colleague_erle:.1} dB"
        );
    }
}
