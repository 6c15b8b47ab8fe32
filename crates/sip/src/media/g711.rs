//! G.711 (ITU-T, 1972): A-law (PCMA) and µ-law (PCMU) companding of 16-bit samples to one
//! byte, the segment arithmetic of the reference implementation (Sun's `g711.c`).

/// Segment ends of 13-bit A-law magnitudes.
const A_SEGMENTS: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
/// Segment ends of biased 14-bit µ-law magnitudes.
const U_SEGMENTS: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
const U_BIAS: i32 = 0x84;
const U_CLIP: i32 = 8159;

fn segment(value: i32, ends: &[i32; 8]) -> usize {
    ends.iter().position(|&end| value <= end).unwrap_or(8)
}

/// One linear sample to A-law.
pub fn alaw_encode(sample: i16) -> u8 {
    let mut value = i32::from(sample) >> 3;
    let mask = if value >= 0 {
        0xD5
    } else {
        value = -value - 1;
        0x55
    };
    let seg = segment(value, &A_SEGMENTS);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let mantissa = if seg < 2 { value >> 1 } else { value >> seg } & 0x0F;
    // `seg` < 8 and `mantissa` < 16: the byte holds them.
    ((seg as u8) << 4 | mantissa as u8) ^ mask
}

/// One A-law byte to a linear sample.
pub fn alaw_decode(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let mut t = i32::from(a & 0x0F) << 4;
    let seg = (a & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    // At most 0x7E00: in range.
    if a & 0x80 != 0 { t as i16 } else { -t as i16 }
}

/// One linear sample to µ-law.
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut value = i32::from(sample) >> 2;
    let mask = if value < 0 {
        value = -value;
        0x7F
    } else {
        0xFF
    };
    value = value.min(U_CLIP) + (U_BIAS >> 2);
    let seg = segment(value, &U_SEGMENTS);
    if seg >= 8 {
        return 0x7F ^ mask;
    }
    let mantissa = (value >> (seg + 1)) & 0x0F;
    ((seg as u8) << 4 | mantissa as u8) ^ mask
}

/// One µ-law byte to a linear sample.
pub fn ulaw_decode(byte: u8) -> i16 {
    let u = !byte;
    let t = ((i32::from(u & 0x0F) << 3) + U_BIAS) << ((u & 0x70) >> 4);
    // At most 32124: in range.
    if u & 0x80 != 0 {
        (U_BIAS - t) as i16
    } else {
        (t - U_BIAS) as i16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_of_the_reference_tables() {
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
        // A mid-range value: 1000 is in segment 2 of A-law and 3 of µ-law.
        assert_eq!(alaw_decode(alaw_encode(1000)), 1008);
        assert_eq!(ulaw_decode(ulaw_encode(1000)), 988);
    }

    #[test]
    fn every_code_decodes_to_a_value_that_encodes_back_to_it() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
            // µ-law has two zeros (0x7F and 0xFF); both decode to 0, which encodes to 0xFF.
            if code != 0x7F {
                assert_eq!(ulaw_encode(ulaw_decode(code)), code, "µ-law {code:#04x}");
            }
        }
    }

    #[test]
    fn the_error_stays_within_half_a_step() {
        for sample in (i16::MIN..=i16::MAX).step_by(7) {
            let a = i32::from(alaw_decode(alaw_encode(sample))) - i32::from(sample);
            let u = i32::from(ulaw_decode(ulaw_encode(sample))) - i32::from(sample);
            let allowed = (i32::from(sample).abs() / 16).max(16);
            assert!(a.abs() <= allowed, "A-law {sample}: off by {a}");
            assert!(u.abs() <= allowed.max(2 * 33), "µ-law {sample}: off by {u}");
        }
    }
}
