//! One direction of a call in simulated time, without a transport: microphone frames →
//! [`Encoder`] → [`NetSim`] (loss, jitter, reorder) → [`JitterBuffer`] → [`Decoder`] → speaker.
//!
//! Deterministic (the same input, settings and seed give the same output, sample for
//! sample), so it is the yardstick the whole engine is compared with ("the bare codec" with
//! this crate's jitter buffer) and a fast way to try concealment and buffer settings. Time
//! advances 20 ms per frame; the network's fixed delay is zero unless `net.delay` says so.

use std::time::Duration;

use crate::VoiceError;
use crate::codec::{CodecConfig, Decoder, Encoder, FRAME_SAMPLES};
use crate::jitter::{JitterBuffer, JitterConfig, JitterStats};
use crate::netsim::{NetConfig, NetSim};

/// What one simulated direction produced.
#[derive(Debug, Clone)]
pub struct Simulated {
    /// The speaker's output, 48 kHz mono, from the first tick (as long as the input plus
    /// `tail`).
    pub output: Vec<f32>,
    /// The receiving jitter buffer's counters at the end.
    pub jitter: JitterStats,
    /// Packets the encoder produced that were sent (DTX silence is not).
    pub sent: u64,
}

/// Run `input` (48 kHz mono) through the pipeline and play `tail` more after it ends.
pub fn simulate(
    input: &[f32],
    codec: &CodecConfig,
    jitter: JitterConfig,
    net: NetConfig,
    seed: u64,
    tail: Duration,
) -> Result<Simulated, VoiceError> {
    let frame = Duration::from_millis(20);
    let mut encoder = Encoder::new(codec)?;
    let mut decoder = Decoder::with_complexity(codec.decoder_complexity)?;
    let mut buffer = JitterBuffer::new(jitter);
    let mut network: NetSim<(u16, u32, Vec<u8>)> = NetSim::new(seed, net);
    let frames = input.len().div_ceil(FRAME_SAMPLES) + (tail.as_millis() / 20) as usize;
    let mut output = Vec::with_capacity(frames * FRAME_SAMPLES);
    let (mut seq, mut timestamp, mut sent) = (0u16, 0u32, 0u64);
    for k in 0..frames {
        let now = frame * k as u32;
        let mut pcm = [0.0f32; FRAME_SAMPLES];
        if let Some(chunk) = input.chunks(FRAME_SAMPLES).nth(k) {
            pcm[..chunk.len()].copy_from_slice(chunk);
        }
        let packet = encoder.encode(&pcm)?;
        if packet.len() > 2 {
            network.send(net.sender_time(now), (seq, timestamp, packet));
            seq = seq.wrapping_add(1);
            sent += 1;
        }
        timestamp = timestamp.wrapping_add(FRAME_SAMPLES as u32);
        for (arrival, (s, ts, payload)) in network.receive(now) {
            buffer.push(s, ts, payload, arrival);
        }
        let playout = buffer.pop(now);
        let heard = match decoder.play(&playout) {
            Ok(heard) => heard,
            Err(_) => decoder.decode(None)?,
        };
        output.extend_from_slice(&heard);
    }
    Ok(Simulated {
        output,
        jitter: buffer.stats(),
        sent,
    })
}
