//! Media of an answered call: G.711 (PCMA, PCMU) and Opus over RTP in 20 ms frames, played
//! out through the engine's jitter buffer and resampled to the pipeline's 48 kHz.

pub mod g711;
mod stream;
mod transcode;

pub use stream::MediaStream;
