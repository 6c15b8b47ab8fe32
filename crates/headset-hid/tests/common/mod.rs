//! The recorded (and the labelled synthetic) descriptors of `tests/fixtures/`.
#![allow(dead_code)]

use std::path::PathBuf;

/// A fixture's bytes: hex pairs, `#` lines are comments (where it came from).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.split_whitespace())
        .map(|h| u8::from_str_radix(h, 16).unwrap_or_else(|e| panic!("{name}: {h}: {e}")))
        .collect()
}

pub const POLY: &str = "poly_blackwire_3220_telephony.hex";
pub const POLY_CONSUMER: &str = "poly_blackwire_3220_consumer.hex";
pub const LOGITECH: &str = "logitech_0a37_consumer.hex";
pub const JABRA_STYLE: &str = "synthetic_jabra_style.hex";
pub const TOGGLE: &str = "synthetic_toggle_hook.hex";

pub const ALL: [&str; 5] = [POLY, POLY_CONSUMER, LOGITECH, JABRA_STYLE, TOGGLE];
