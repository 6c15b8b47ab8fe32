//! The media of a three-way join (issue 14, consultative transfer: the specialist talks with the
//! client and the consulted colleague at once). The specialist's headset is shared by two calls
//! (the client's, and the consultation with the colleague), each still run by its own
//! [`CallSession`](crate::CallSession) with its own peer, codec and recording. Each session is
//! given a [`ConferencePort`] as its headset:
//!
//! ```text
//!                  ┌──────────── Conference (the real headset) ────────────┐
//! client's call ── port 0: captures mic + colleague, plays the client ─┐   │
//! consultation  ── port 1: captures mic + client,    plays colleague ──┴─► speaker: both
//! ```
//!
//! - What a port captures is the microphone ([`AudioIo::read_frame`]), and with it what the
//!   *other* call's party said, the frames that call played ([`AudioIo::read_mix`]); the
//!   session adds the second after its microphone path, so echo cancellation, noise
//!   suppression and gain control work on the microphone alone and the colleague's voice goes
//!   out as she said it. The client hears the specialist and the colleague, and the colleague
//!   the specialist and the client: the specialist's engine mixes.
//! - What a port plays is its call's party; the headset plays both, summed. That sum is what
//!   the microphone hears back, so it is each session's echo reference
//!   ([`AudioIo::echo_reference`]), not only its own party.
//! - Each session records what it sends and what it hears, so the client's call's recording
//!   keeps its two channels: the client, and the specialist with the colleague.
//!
//! Port 0 (the client's call) drives the headset: its reads take the microphone's frames
//! (shared with port 1), its writes play the mix, and it gets the device events. When it is
//! dropped (the client hung up: the specialist and the colleague talk on), port 1 drives it. Queues between
//! the two sessions' ticks hold at most [`MAX_QUEUED`] frames (the oldest dropped), so a session
//! that stalls adds no delay to the other.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use linedesk_audio::{AudioIo, DeviceEvent, FRAME_SAMPLES, Frame};

/// Frames a queue between the two sessions holds (60 ms).
pub const MAX_QUEUED: usize = 3;

#[derive(Default)]
struct Port {
    /// Microphone frames this port has not captured yet.
    mic: VecDeque<Frame>,
    /// What this port's call played, for the other port's capture.
    said: VecDeque<Frame>,
    /// What this port's call played, for the headset.
    speaker: VecDeque<Frame>,
    /// What the headset played (both parties), for this port's echo canceller.
    reference: VecDeque<Frame>,
}

struct Shared {
    headset: Box<dyn AudioIo>,
    ports: [Port; 2],
    /// Which port reads, plays and polls the headset: 0 while it lives, then 1.
    driver: usize,
}

fn push(queue: &mut VecDeque<Frame>, frame: Frame) {
    if queue.len() == MAX_QUEUED {
        queue.pop_front();
    }
    queue.push_back(frame);
}

/// Frames of the headset's output a port's echo canceller may be behind by (200 ms: a
/// session that stalled longer loses the oldest, as its canceller would lose the echo).
pub const MAX_REFERENCE: usize = 10;

fn push_reference(queue: &mut VecDeque<Frame>, frame: Frame) {
    if queue.len() == MAX_REFERENCE {
        queue.pop_front();
    }
    queue.push_back(frame);
}

fn add(to: &mut Frame, from: &Frame) {
    for (a, b) in to.iter_mut().zip(from) {
        *a = (*a + b).clamp(-1.0, 1.0);
    }
}

/// One call's side of a shared headset (see the module's documentation).
pub struct ConferencePort {
    shared: Arc<Mutex<Shared>>,
    index: usize,
}

/// Share `headset` between two calls: the first port for the client's call (it drives the
/// headset), the second for the consultation.
pub fn conference(headset: Box<dyn AudioIo>) -> (ConferencePort, ConferencePort) {
    let shared = Arc::new(Mutex::new(Shared {
        headset,
        ports: [Port::default(), Port::default()],
        driver: 0,
    }));
    (
        ConferencePort {
            shared: shared.clone(),
            index: 0,
        },
        ConferencePort { shared, index: 1 },
    )
}

impl ConferencePort {
    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ConferencePort {
    /// The client's call went: the consultation drives the headset from now on (what the
    /// client's call left queued for it is dropped).
    fn drop(&mut self) {
        if self.index == 0 {
            let mut shared = self.shared();
            shared.driver = 1;
            shared.ports[0] = Port::default();
        }
    }
}

impl AudioIo for ConferencePort {
    fn read_frame(&mut self) -> Option<Frame> {
        let index = self.index;
        let mut shared = self.shared();
        // Only the driving port reads the headset (a microphone frame once, for both calls);
        // the other takes what it left.
        if index == shared.driver
            && shared.ports[index].mic.is_empty()
            && let Some(frame) = shared.headset.read_frame()
        {
            for port in &mut shared.ports {
                push(&mut port.mic, frame);
            }
        }
        shared.ports[index].mic.pop_front()
    }

    /// What the other call's party said, sent with this port's microphone (after its
    /// processing). Without a microphone frame (no headset at all, a lost one, or not yet) it
    /// still goes out alone, so the client and the colleague hear each other.
    fn read_mix(&mut self) -> Option<Frame> {
        let index = self.index;
        self.shared().ports[1 - index].said.pop_front()
    }

    fn write_frame(&mut self, frame: &Frame) {
        let index = self.index;
        let mut shared = self.shared();
        push(&mut shared.ports[index].said, *frame);
        push(&mut shared.ports[index].speaker, *frame);
        if index == shared.driver {
            let mut mix = [0.0; FRAME_SAMPLES];
            for port in 0..2 {
                if let Some(said) = shared.ports[port].speaker.pop_front() {
                    add(&mut mix, &said);
                }
            }
            shared.headset.write_frame(&mix);
            for port in &mut shared.ports {
                push_reference(&mut port.reference, mix);
            }
        }
    }

    /// What the headset played since this port's last turn: the mix of both parties, which is
    /// what the microphone hears back (the driving port gets the frame it just wrote, the
    /// other the frames written meanwhile).
    fn echo_reference(&mut self, _written: &Frame, each: &mut dyn FnMut(&Frame)) {
        let index = self.index;
        // Not locked while `each` runs: the other call's session goes on meanwhile.
        while let Some(frame) = self.shared().ports[index].reference.pop_front() {
            each(&frame);
        }
    }

    fn poll_events(&mut self) -> Vec<DeviceEvent> {
        let mut shared = self.shared();
        match self.index == shared.driver {
            true => shared.headset.poll_events(),
            false => Vec::new(),
        }
    }

    fn playback_delay(&self) -> Duration {
        self.shared().headset.playback_delay()
    }

    fn capture_delay(&self) -> Duration {
        self.shared().headset.capture_delay()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SharedIo;

    fn frame(value: f32) -> Frame {
        [value; FRAME_SAMPLES]
    }

    /// A headset whose microphone says `0.1`, `0.2`, ... one frame each.
    fn headset(frames: usize) -> SharedIo {
        let samples: Vec<f32> = (0..frames)
            .flat_map(|i| [0.1 * (i + 1) as f32; FRAME_SAMPLES])
            .collect();
        SharedIo::new(&samples)
    }

    #[test]
    fn each_call_captures_the_microphone_and_gets_the_other_calls_party_to_add() {
        let io = headset(2);
        let (mut client_call, mut consultation) = conference(Box::new(io.clone()));
        // The client says 0.01, the colleague 0.3.
        client_call.write_frame(&frame(0.01));
        consultation.write_frame(&frame(0.3));
        // The client's call reads the first microphone frame, and the colleague to add.
        assert!((client_call.read_frame().expect("the microphone")[0] - 0.1).abs() < 1e-6);
        assert!((client_call.read_mix().expect("the colleague")[0] - 0.3).abs() < 1e-6);
        assert!((consultation.read_frame().expect("the microphone")[0] - 0.1).abs() < 1e-6);
        assert!((consultation.read_mix().expect("the client")[0] - 0.01).abs() < 1e-6);
        // Each microphone frame once to each call, in order; each party's frame once.
        assert!((client_call.read_frame().expect("second")[0] - 0.2).abs() < 1e-6);
        assert!((consultation.read_frame().expect("second")[0] - 0.2).abs() < 1e-6);
        assert!(client_call.read_mix().is_none());
        assert!(consultation.read_mix().is_none());
        assert!(client_call.read_frame().is_none());
        assert!(consultation.read_frame().is_none());
    }

    #[test]
    fn only_the_client_call_reads_the_headset() {
        let io = headset(2);
        let (mut client_call, mut consultation) = conference(Box::new(io.clone()));
        assert!(consultation.read_frame().is_none(), "nothing read yet");
        assert!((client_call.read_frame().expect("first")[0] - 0.1).abs() < 1e-6);
        assert!((consultation.read_frame().expect("first")[0] - 0.1).abs() < 1e-6);
        assert!((client_call.read_frame().expect("second")[0] - 0.2).abs() < 1e-6);
        assert!((consultation.read_frame().expect("second")[0] - 0.2).abs() < 1e-6);
        assert!(client_call.read_frame().is_none());
        assert!(consultation.read_frame().is_none());
    }

    #[test]
    fn the_headset_plays_both_parties() {
        let io = headset(0);
        let (mut client_call, mut consultation) = conference(Box::new(io.clone()));
        consultation.write_frame(&frame(0.3));
        assert!(
            io.played().is_empty(),
            "the client's call drives the speaker"
        );
        client_call.write_frame(&frame(0.01));
        let played = io.played();
        assert_eq!(played.len(), FRAME_SAMPLES);
        assert!((played[0] - 0.31).abs() < 1e-6, "{}", played[0]);
        // The colleague silent (a stalled consultation): the client alone.
        client_call.write_frame(&frame(0.01));
        assert!((io.played()[FRAME_SAMPLES] - 0.01).abs() < 1e-6);
    }

    #[test]
    fn a_stalled_call_adds_no_delay_to_the_other() {
        let io = headset(3);
        let (mut client_call, mut consultation) = conference(Box::new(io.clone()));
        // The colleague's session plays 10 frames while the client's call reads nothing: only
        // the newest MAX_QUEUED are kept for it.
        for i in 0..10 {
            consultation.write_frame(&frame(0.01 * i as f32));
        }
        let first = client_call.read_mix().expect("a frame");
        assert!((first[0] - 0.07).abs() < 1e-6, "{}", first[0]);
        // The consultation never reads: its microphone queue stays bounded.
        for _ in 0..3 {
            client_call.read_frame();
        }
        let shared = consultation.shared();
        assert!(shared.ports[1].mic.len() <= MAX_QUEUED);
    }

    #[test]
    fn when_the_clients_call_goes_the_consultation_drives_the_headset() {
        let io = headset(2);
        let (client_call, mut consultation) = conference(Box::new(io.clone()));
        assert!(consultation.read_frame().is_none(), "port 0 drives");
        drop(client_call);
        assert!((consultation.read_frame().expect("first")[0] - 0.1).abs() < 1e-6);
        consultation.write_frame(&frame(0.3));
        assert!(
            (io.played()[0] - 0.3).abs() < 1e-6,
            "it plays the colleague"
        );
        assert!((consultation.read_frame().expect("second")[0] - 0.2).abs() < 1e-6);
    }

    #[test]
    fn without_a_microphone_each_call_still_sends_the_other_calls_party() {
        let io = SharedIo::new(&[]);
        let (mut client_call, mut consultation) = conference(Box::new(io.clone()));
        client_call.write_frame(&frame(0.01));
        consultation.write_frame(&frame(0.3));
        assert!(client_call.read_frame().is_none(), "no microphone");
        assert!((client_call.read_mix().expect("the colleague")[0] - 0.3).abs() < 1e-6);
        assert!((consultation.read_mix().expect("the client")[0] - 0.01).abs() < 1e-6);
        assert!(client_call.read_mix().is_none(), "nobody said anything");
    }

    /// Everything the reference hands out, in order.
    fn reference(port: &mut ConferencePort, written: &Frame) -> Vec<f32> {
        let mut out = Vec::new();
        port.echo_reference(written, &mut |f| out.push(f[0]));
        out
    }

    #[test]
    fn each_calls_echo_reference_is_what_the_headset_played_both_parties_summed() {
        let io = headset(0);
        let (mut client_call, mut consultation) = conference(Box::new(io.clone()));
        // The consultation's tick comes first: nothing played yet, nothing to cancel.
        consultation.write_frame(&frame(0.3));
        assert!(reference(&mut consultation, &frame(0.3)).is_empty());
        // The client's call plays the mix: that is its reference, not the client alone.
        client_call.write_frame(&frame(0.01));
        let mine = reference(&mut client_call, &frame(0.01));
        assert_eq!(mine.len(), 1);
        assert!((mine[0] - 0.31).abs() < 1e-6, "{mine:?}");
        // Two ticks of the client's call before the consultation's next: it gets both mixes.
        client_call.write_frame(&frame(0.02));
        assert_eq!(reference(&mut client_call, &frame(0.02)).len(), 1);
        let theirs = reference(&mut consultation, &frame(0.3));
        assert_eq!(theirs.len(), 2, "{theirs:?}");
        assert!((theirs[0] - 0.31).abs() < 1e-6, "{theirs:?}");
        assert!((theirs[1] - 0.02).abs() < 1e-6, "{theirs:?}");
        // A session that stalls is handed at most the last MAX_REFERENCE frames.
        for _ in 0..(MAX_REFERENCE + 5) {
            client_call.write_frame(&frame(0.01));
        }
        assert_eq!(
            reference(&mut consultation, &frame(0.3)).len(),
            MAX_REFERENCE
        );
    }

    #[test]
    fn sums_are_clipped_to_full_scale() {
        let io = headset(0);
        let (mut client_call, mut consultation) = conference(Box::new(io.clone()));
        consultation.write_frame(&frame(0.8));
        client_call.write_frame(&frame(0.7));
        assert_eq!(io.played()[0], 1.0);
    }
}
