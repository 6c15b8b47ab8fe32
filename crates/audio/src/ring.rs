//! The two bounded buffers between the device threads and the engine, in 48 kHz mono.
//!
//! Each is a `VecDeque` behind a mutex held only to copy a few hundred samples, never across
//! a conversion or a system call, so the device thread waits at most a few microseconds.
//! Capture keeps the newest audio: when the engine lags, the oldest samples are dropped (the
//! specialist's voice stays current instead of piling up delay). Playback pads underruns with
//! silence and, after one, waits for a small prefill before playing again, so a late frame
//! costs one gap instead of a crackle on every callback.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use crate::tone::Tone;
use crate::{FRAME_SAMPLES, Frame};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic on a device thread must not take the call down with it.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Counters of both buffers, in samples at 48 kHz.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Captured samples that reached the capture buffer.
    pub captured: u64,
    /// Captured samples dropped because the engine did not read them in time.
    pub capture_dropped: u64,
    /// Samples handed to the playback device (including padding).
    pub played: u64,
    /// Silence played because the engine's frames came late (underruns).
    pub playback_padded: u64,
    /// Written samples dropped because the playback buffer was full.
    pub playback_dropped: u64,
    /// Written samples discarded while no output device was open.
    pub playback_discarded: u64,
}

#[derive(Debug)]
struct Capture {
    samples: VecDeque<f32>,
    capacity: usize,
    captured: u64,
    dropped: u64,
}

/// Device thread → engine.
#[derive(Debug)]
pub(crate) struct CaptureRing(Mutex<Capture>);

impl CaptureRing {
    pub(crate) fn new(capacity: usize) -> Self {
        Self(Mutex::new(Capture {
            samples: VecDeque::with_capacity(capacity),
            capacity: capacity.max(FRAME_SAMPLES),
            captured: 0,
            dropped: 0,
        }))
    }

    /// Append captured mono samples, dropping the oldest beyond the capacity.
    pub(crate) fn push(&self, mono: &[f32]) {
        let mut c = lock(&self.0);
        c.captured += mono.len() as u64;
        c.samples.extend(mono);
        let over = c.samples.len().saturating_sub(c.capacity);
        if over > 0 {
            c.samples.drain(..over);
            c.dropped += over as u64;
        }
    }

    /// The oldest whole frame, and how many samples still wait after it.
    pub(crate) fn pop_frame(&self) -> Option<(Frame, usize)> {
        let mut c = lock(&self.0);
        if c.samples.len() < FRAME_SAMPLES {
            return None;
        }
        let mut frame = [0.0; FRAME_SAMPLES];
        for (out, s) in frame.iter_mut().zip(c.samples.drain(..FRAME_SAMPLES)) {
            *out = s;
        }
        Some((frame, c.samples.len()))
    }

    pub(crate) fn stats(&self, stats: &mut Stats) {
        let c = lock(&self.0);
        stats.captured = c.captured;
        stats.capture_dropped = c.dropped;
    }
}

#[derive(Debug)]
struct Playback {
    samples: VecDeque<f32>,
    capacity: usize,
    prefill: usize,
    /// False until the buffer first holds `prefill` samples, and again after an underrun.
    playing: bool,
    tone: Option<Tone>,
    played: u64,
    padded: u64,
    dropped: u64,
    discarded: u64,
}

/// Engine → device thread.
#[derive(Debug)]
pub(crate) struct PlaybackRing(Mutex<Playback>);

impl PlaybackRing {
    pub(crate) fn new(capacity: usize, prefill: usize) -> Self {
        let capacity = capacity.max(2 * FRAME_SAMPLES);
        Self(Mutex::new(Playback {
            samples: VecDeque::with_capacity(capacity),
            capacity,
            prefill: prefill.min(capacity - FRAME_SAMPLES),
            playing: false,
            tone: None,
            played: 0,
            padded: 0,
            dropped: 0,
            discarded: 0,
        }))
    }

    /// Queue a frame for the speaker, dropping the oldest queued audio if the buffer is full.
    pub(crate) fn push_frame(&self, frame: &Frame) {
        let mut p = lock(&self.0);
        p.samples.extend(frame);
        let over = p.samples.len().saturating_sub(p.capacity);
        if over > 0 {
            p.samples.drain(..over);
            p.dropped += over as u64;
        }
    }

    /// Count a frame thrown away because no output device is open, and forget queued audio.
    pub(crate) fn discard_frame(&self) {
        let mut p = lock(&self.0);
        p.discarded += FRAME_SAMPLES as u64;
        p.samples.clear();
        p.playing = false;
    }

    /// Samples queued for the speaker (those written, not played yet).
    pub(crate) fn queued(&self) -> usize {
        lock(&self.0).samples.len()
    }

    /// Mix a tone into whatever is played next (the settings screen's test tone).
    pub(crate) fn start_tone(&self, tone: Tone) {
        lock(&self.0).tone = Some(tone);
    }

    /// Fill `out` (48 kHz mono) with queued audio, silence where there is none.
    pub(crate) fn pull(&self, out: &mut [f32]) {
        let mut p = lock(&self.0);
        if !p.playing && p.samples.len() >= p.prefill.max(1) {
            p.playing = true;
        }
        let n = if p.playing {
            p.samples.len().min(out.len())
        } else {
            0
        };
        for (o, s) in out.iter_mut().zip(p.samples.drain(..n)) {
            *o = s;
        }
        out[n..].fill(0.0);
        if p.playing && n < out.len() {
            p.padded += (out.len() - n) as u64;
            p.playing = false;
        }
        p.played += out.len() as u64;
        if let Some(tone) = p.tone.as_mut()
            && !tone.mix_into(out)
        {
            p.tone = None;
        }
    }

    pub(crate) fn stats(&self, stats: &mut Stats) {
        let p = lock(&self.0);
        stats.played = p.played;
        stats.playback_padded = p.padded;
        stats.playback_dropped = p.dropped;
        stats.playback_discarded = p.discarded;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_the_newest_audio_and_counts_what_it_drops() {
        let ring = CaptureRing::new(2 * FRAME_SAMPLES);
        let audio: Vec<f32> = (0..3 * FRAME_SAMPLES).map(|i| i as f32).collect();
        ring.push(&audio);
        let (frame, left) = ring.pop_frame().expect("a frame");
        assert_eq!(frame[0], FRAME_SAMPLES as f32);
        assert_eq!(left, FRAME_SAMPLES);
        assert!(ring.pop_frame().is_some());
        assert!(ring.pop_frame().is_none());
        let mut stats = Stats::default();
        ring.stats(&mut stats);
        assert_eq!(stats.capture_dropped, FRAME_SAMPLES as u64);
        assert_eq!(stats.captured, 3 * FRAME_SAMPLES as u64);
    }

    #[test]
    fn playback_waits_for_the_prefill_pads_underruns_and_bounds_its_delay() {
        let ring = PlaybackRing::new(4 * FRAME_SAMPLES, FRAME_SAMPLES);
        let mut out = vec![1.0; 480];
        ring.pull(&mut out);
        assert!(
            out.iter().all(|&s| s == 0.0),
            "silence before the first frame"
        );
        ring.push_frame(&[0.5; FRAME_SAMPLES]);
        assert_eq!(ring.queued(), FRAME_SAMPLES);
        ring.pull(&mut out);
        assert_eq!(ring.queued(), FRAME_SAMPLES - 480);
        ring.pull(&mut out);
        assert!(out.iter().all(|&s| s == 0.5));
        ring.pull(&mut out);
        let mut stats = Stats::default();
        ring.stats(&mut stats);
        assert_eq!(
            stats.playback_padded, 480,
            "one underrun after playing started"
        );
        for _ in 0..6 {
            ring.push_frame(&[0.25; FRAME_SAMPLES]);
        }
        ring.stats(&mut stats);
        assert_eq!(stats.playback_dropped, 2 * FRAME_SAMPLES as u64);
    }
}
