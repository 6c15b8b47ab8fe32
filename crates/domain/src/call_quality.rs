//! Call quality as an E-model (ITU-T G.107) MOS estimate, from what the call measures: the
//! engine estimates its own side's with it, and the line server a browser's (the web widget
//! sends its figures without an estimate; `linedesk_line::calls`), so both are one rule.
//!
//! `R = Ro − Is − Id − Ie,eff + A` with every parameter that is not measured at its G.107
//! default (Table 2: SLR 8, RLR 2, STMR 15, TELR 65 dB, WEPL 110 dB, Nc −70 dBm0p, Ps = Pr =
//! 35 dB(A), A = 0), which gives `Ro = 94.77`, `Is = 1.41` and R = 93.2 at zero delay and loss.
//!
//! - Delay: the mouth-to-ear delay `T = Ta` is the one-way network delay plus the jitter
//!   buffer (taken as twice the measured jitter unless the buffer's own delay is given) plus
//!   the codec (20 ms frame + 6.5 ms Opus lookahead); `Tr = 2T`. `Id = Idte + Idle + Idd` per
//!   G.107 §7.4.
//! - Loss: `Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)` with random loss (BurstR 1);
//!   late packets count as lost.
//! - Opus: ITU-T publishes no Ie/Bpl for Opus (G.113 Appendix I lists none; only research
//!   estimates on the wideband/fullband scales exist). On this narrowband scale we use
//!   Ie = 0 at 24-32 kbit/s, since Opus at these rates is rated at least as good as G.711
//!   (Ie 0) in listening tests, and Bpl = 25.1, G.113 Appendix I's value for G.711 with packet
//!   loss concealment. That is conservative: Opus FEC recovers single losses, which a G.711
//!   PLC cannot. Both are fields of [`CodecImpairment`], so measured values can replace them.

/// A codec's equipment impairment on the narrowband E-model scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    /// Equipment impairment factor `Ie`.
    pub ie: f64,
    /// Packet-loss robustness factor `Bpl`.
    pub bpl: f64,
}

impl CodecImpairment {
    /// Opus at `bitrate` bit/s (see the module doc for the values and their source). Only
    /// the engine's 24-32 kbit/s are covered: the same values are returned for any bitrate.
    pub fn opus(bitrate: u32) -> Self {
        let _ = bitrate;
        Self { ie: 0.0, bpl: 25.1 }
    }
}

/// What the call measured, in the units G.107 uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// One-way network delay (ms), e.g. half the RTCP round-trip time.
    pub one_way_delay_ms: f64,
    /// Packets lost or too late to play (%).
    pub loss_percent: f64,
    /// Interarrival jitter (ms).
    pub jitter_ms: f64,
}

/// Codec delay added to the network delay: one 20 ms frame plus Opus's 6.5 ms lookahead.
pub const CODEC_DELAY_MS: f64 = 26.5;

const RO: f64 = 94.77;
const IS: f64 = 1.41;
const TELR: f64 = 65.0;
const WEPL: f64 = 110.0;
/// `No` with the default noise parameters (G.107 eq. 7-3 to 7-6).
const NO: f64 = -61.18;
const RLR: f64 = 2.0;

/// The transmission rating R for a call.
pub fn r_factor(m: &Measured, codec: CodecImpairment) -> f64 {
    let t = (m.one_way_delay_ms.max(0.0) + 2.0 * m.jitter_ms.max(0.0) + CODEC_DELAY_MS).max(0.0);
    let id = idte(t) + idle(2.0 * t) + idd(t);
    let ppl = m.loss_percent.clamp(0.0, 100.0);
    let ie_eff = codec.ie + (95.0 - codec.ie) * ppl / (ppl + codec.bpl);
    RO - IS - id - ie_eff
}

/// MOS (1-4.5) estimated for a call: [`r_to_mos`] of [`r_factor`].
pub fn mos(m: &Measured, codec: CodecImpairment) -> f64 {
    r_to_mos(r_factor(m, codec))
}

/// G.107 Annex B: the conversational MOS for a rating R.
pub fn r_to_mos(r: f64) -> f64 {
    if r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6
    }
}

/// Talker echo impairment (G.107 eq. 7-21 to 7-24), STMR at its default.
fn idte(t: f64) -> f64 {
    let terv =
        TELR - 40.0 * ((1.0 + t / 10.0) / (1.0 + t / 150.0)).log10() + 6.0 * (-0.3 * t * t).exp();
    let roe = -1.5 * (NO - RLR);
    let re = 80.0 + 2.5 * (terv - 14.0);
    let d = roe - re;
    (d / 2.0 + (d * d / 4.0 + 100.0).sqrt() - 1.0) * (1.0 - (-t).exp())
}

/// Listener echo impairment (G.107 eq. 7-26, 7-27).
fn idle(tr: f64) -> f64 {
    let rle = 10.5 * (WEPL + 7.0) * (tr + 1.0).powf(-0.25);
    let d = RO - rle;
    d / 2.0 + (d * d / 4.0 + 169.0).sqrt()
}

/// Impairment by absolute delay (G.107 eq. 7-28), default mT = 100 ms, sT = 1.
fn idd(ta: f64) -> f64 {
    if ta <= 100.0 {
        return 0.0;
    }
    let x = (ta / 100.0).log2();
    25.0 * ((1.0 + x.powi(6)).powf(1.0 / 6.0) - 3.0 * (1.0 + (x / 3.0).powi(6)).powf(1.0 / 6.0)
        + 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn r_to_mos_matches_hand_computed_points() {
        // 1 + 0.035 R + R (R - 60)(100 - R) 7e-6
        assert!(close(r_to_mos(93.2), 4.41, 0.005), "{}", r_to_mos(93.2));
        assert!(close(r_to_mos(80.0), 4.024, 0.001), "{}", r_to_mos(80.0));
        assert!(close(r_to_mos(50.0), 2.575, 0.001), "{}", r_to_mos(50.0));
        assert!(close(r_to_mos(60.0), 3.1, 1e-9));
        assert_eq!((r_to_mos(-5.0), r_to_mos(120.0)), (1.0, 4.5));
    }

    #[test]
    fn defaults_give_r_93_2_and_idd_as_in_g107() {
        let r0 = RO - IS - idte(0.0) - idle(0.0) - idd(0.0);
        assert!(close(r0, 93.2, 0.05), "default R {r0}");
        // Ta = 200 ms: X = 1, Idd = 25 (2^(1/6) - 3 (1 + 1/729)^(1/6) + 2) = 25 · 0.12177.
        assert!(close(idd(200.0), 3.044, 0.001), "{}", idd(200.0));
        assert_eq!(idd(100.0), 0.0);
    }

    #[test]
    fn loss_and_delay_lower_the_estimate() {
        let opus = CodecImpairment::opus(28_000);
        let clean = Measured {
            one_way_delay_ms: 20.0,
            loss_percent: 0.0,
            jitter_ms: 2.0,
        };
        let lossy = Measured {
            loss_percent: 5.0,
            ..clean
        };
        let slow = Measured {
            one_way_delay_ms: 300.0,
            ..clean
        };
        let (m0, m1, m2) = (mos(&clean, opus), mos(&lossy, opus), mos(&slow, opus));
        assert!(m0 > 4.3, "clean {m0}");
        // 5 % loss: Ie,eff = 95 · 5 / 30.1 = 15.8.
        assert!(m1 < m0 - 0.3 && m1 > 3.8, "lossy {m1}");
        assert!(m2 < m0 - 0.2, "slow {m2}");
        assert!(close(
            r_factor(&lossy, opus),
            r_factor(&clean, opus) - 95.0 * 5.0 / 30.1,
            1e-9
        ));
    }
}
