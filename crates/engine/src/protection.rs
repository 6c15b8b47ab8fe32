//! How much the outgoing stream protects itself against loss: the Opus encoder's expected
//! packet loss (how much in-band FEC it spends) and its bitrate, from the loss the *other*
//! side reports in its RTCP receiver reports ([`FarSide`]).
//!
//! The loss this side sees on its own receive path says nothing about the path the other way
//! (in a one-way call it is zero while the far side loses every tenth packet), so it is not
//! used. Pure: the session feeds it the transport's reading once a second.
//!
//! On a lossy path the encoder also codes wideband (up to 8 kHz) at the top of
//! [`BITRATE_RANGE`]: libopus adds in-band FEC only when the bitrate covers it at the coded
//! band, and at 28 kbit/s fullband it declines up to 5 % expected loss (see
//! [`linedesk_voice::codec::Band`]); wideband with FEC at 32 kbit/s scored best under loss
//! (BENCHMARKS.md, "Speech quality under loss"). A clean path keeps the configured band and
//! bitrate and spends nothing on FEC (expected loss 0): at 32 kbit/s wideband the in-band FEC
//! of a 5 % expectation costs about 0.35 WB-PESQ of clean speech.
//!
//! A report's "fraction lost" covers the packets since the previous report (about one second,
//! 50 packets): one lost packet is 2 %. So the estimate rises at once to a worse report and
//! falls by half per better report, and the encoder is told somewhat more than the estimate:
//! FEC that was not needed costs a little bitrate, missing FEC costs speech. Until the first
//! report (the first second or two of a call) the path is taken to lose the configured
//! expected loss, so the first words are protected too.

use linedesk_call::FarSide;
use linedesk_voice::codec::{BITRATE_RANGE, Band, CodecConfig};

/// What the encoder is told to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protect {
    /// `Encoder::set_expected_loss`, percent.
    pub expected_loss_percent: u8,
    /// `Encoder::set_bitrate`, bit/s.
    pub bitrate: u32,
    /// `Encoder::set_max_band`.
    pub band: Band,
}

/// From this estimated far-side loss (percent) the path counts as lossy.
const LOSSY_FROM: f64 = 1.0;
/// The most loss worth protecting against with in-band FEC (libopus's useful range).
const MOST: f64 = 30.0;

/// The far side's loss, smoothed, turned into encoder settings.
#[derive(Debug, Clone)]
pub struct LossProtection {
    /// The configured settings: the floor of the expected loss and the bitrate of a clean path.
    base: CodecConfig,
    /// Estimated far-side loss, percent.
    estimate: f64,
    /// Reports seen so far: a reading without a new report changes nothing.
    reports: u64,
}

impl LossProtection {
    pub fn new(base: CodecConfig) -> LossProtection {
        LossProtection {
            base,
            estimate: f64::from(base.expected_loss_percent),
            reports: 0,
        }
    }

    /// The loss the far side reported, percent, as estimated so far.
    pub fn far_loss_percent(&self) -> f64 {
        self.estimate
    }

    /// Feed the transport's latest reading of the far side (`None`: no report yet) and get the
    /// encoder's settings.
    pub fn update(&mut self, far: Option<FarSide>) -> Protect {
        if let Some(far) = far
            && far.reports > self.reports
        {
            self.reports = far.reports;
            let sample = (far.fraction_lost * 100.0).clamp(0.0, 100.0);
            self.estimate = if sample >= self.estimate {
                sample
            } else {
                (self.estimate + sample) / 2.0
            };
        }
        self.protect()
    }

    /// The settings for the current estimate.
    pub fn protect(&self) -> Protect {
        // One loss in a second's report is 2 %; protect against a bit more than was seen.
        let wanted = (self.estimate * 1.5).ceil().min(MOST) as u8;
        let expected_loss_percent = wanted.max(self.base.expected_loss_percent);
        if self.estimate >= LOSSY_FROM {
            Protect {
                expected_loss_percent,
                bitrate: *BITRATE_RANGE.end(),
                band: Band::Wide,
            }
        } else {
            Protect {
                expected_loss_percent: 0,
                bitrate: self.base.bitrate,
                band: self.base.max_band,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(fraction_lost: f64, reports: u64) -> Option<FarSide> {
        Some(FarSide {
            fraction_lost,
            reports,
            ..FarSide::default()
        })
    }

    fn clean() -> CodecConfig {
        CodecConfig {
            expected_loss_percent: 0,
            ..CodecConfig::default()
        }
    }

    #[test]
    fn the_far_sides_loss_drives_fec_and_bitrate() {
        let mut p = LossProtection::new(CodecConfig::default());
        // Before any report: protected against the configured expected loss.
        let first = p.update(None);
        assert_eq!(first.band, Band::Wide);
        assert_eq!(first.expected_loss_percent, 8);
        // Clean reports bring it to the configured settings within a few seconds.
        for n in 1..=4 {
            p.update(report(0.0, n));
        }
        assert_eq!(p.protect().band, CodecConfig::default().max_band);
        assert_eq!(p.protect().bitrate, CodecConfig::default().bitrate);
        // A clean path spends nothing on FEC.
        assert_eq!(p.protect().expected_loss_percent, 0);

        let mut p = LossProtection::new(clean());
        let quiet = p.update(None);
        assert_eq!(quiet.expected_loss_percent, 0);
        assert_eq!(quiet.bitrate, clean().bitrate);
        let lossy = p.update(report(0.10, 1));
        assert_eq!(lossy.expected_loss_percent, 15);
        assert_eq!(lossy.bitrate, *BITRATE_RANGE.end());
        assert_eq!(lossy.band, Band::Wide);
        // The same report read again is not a new sample.
        assert_eq!(p.update(report(0.0, 1)), lossy);
        // Better reports bring it down slowly, then back to the clean settings.
        let better = p.update(report(0.0, 2));
        assert!(better.expected_loss_percent < 15 && better.expected_loss_percent > 5);
        for n in 3..12 {
            p.update(report(0.0, n));
        }
        assert_eq!(p.protect().expected_loss_percent, 0);
        assert_eq!(p.protect().bitrate, clean().bitrate);
        assert_eq!(p.protect().band, clean().max_band);
    }

    #[test]
    fn the_configured_floor_and_the_ceiling_hold() {
        let mut p = LossProtection::new(CodecConfig::default());
        assert_eq!(p.update(report(0.9, 1)).expected_loss_percent, 30);
        assert!((p.far_loss_percent() - 90.0).abs() < 1e-9);
    }
}
