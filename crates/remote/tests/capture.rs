//! X11 capture against another tool's screenshot, and the tile codec on real frames.

mod common;

use std::process::Command;

use common::{HEIGHT, WIDTH, display_with_xterm};
use linedesk_remote::{Canvas, InputSink, Screen, TileEncoder, X11Screen, XTestInput, type_text};

/// `xwd -root` of the display, converted to raw RGBA by ImageMagick.
fn screenshot(display: &str) -> Vec<u8> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "xwd -root -silent -display {display} | convert xwd:- -depth 8 rgba:-"
        ))
        .output()
        .expect("xwd | convert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn capture_is_pixel_exact_with_an_xwd_screenshot() {
    let display = display_with_xterm();
    let mut screen = X11Screen::connect(Some(&display.name())).expect("connect");
    assert_eq!(screen.size(), (WIDTH, HEIGHT));
    let frame = screen.grab().expect("grab");
    let shot = screenshot(&display.name());
    assert_eq!(shot.len(), frame.pixels.len());
    // Pixel-exact in colour; xwd carries no alpha (ours is always 255), so compare RGB.
    let differing = frame
        .pixels
        .chunks_exact(4)
        .zip(shot.chunks_exact(4))
        .filter(|(a, b)| a[..3] != b[..3])
        .count();
    assert_eq!(differing, 0, "pixels that differ from xwd's screenshot");
    assert!(frame.pixels.chunks_exact(4).all(|px| px[3] == 255));
    let colours: std::collections::HashSet<&[u8]> = frame.pixels.chunks_exact(4).collect();
    assert!(colours.len() >= 2, "the xterm is on the screen");
}

#[test]
fn the_codec_reproduces_real_frames_and_a_still_screen_costs_nothing() {
    let display = display_with_xterm();
    let name = display.name();
    let mut screen = X11Screen::connect(Some(&name)).expect("connect");
    let mut encoder = TileEncoder::new();
    let mut canvas = Canvas::new();

    let first = screen.grab().expect("grab");
    let key = encoder.encode(first.clone()).expect("a keyframe");
    assert!(key.keyframe);
    let bytes = key.encode();
    assert!(
        bytes.len() < first.pixels.len() / 20,
        "an xterm desktop compresses at least 20x: {} bytes",
        bytes.len()
    );
    canvas.apply_bytes(&bytes).expect("apply");
    assert_eq!(canvas.pixels(), first.pixels.as_slice());

    let still = screen.grab().expect("grab");
    assert_eq!(encoder.encode(still), None, "nothing changed: no update");

    let mut input = XTestInput::connect(Some(&name)).expect("xtest");
    input
        .apply(&linedesk_remote::InputEvent::PointerMove { x: 100, y: 100 })
        .expect("move");
    for ev in type_text("abc") {
        input.apply(&ev).expect("type");
    }
    common::wait_still(&name);
    let changed = screen.grab().expect("grab");
    let delta = encoder.encode(changed.clone()).expect("a delta");
    assert!(!delta.keyframe);
    assert!(
        !delta.tiles.is_empty() && delta.tiles.len() < 10,
        "typing three letters changes a few tiles, not {}",
        delta.tiles.len()
    );
    canvas.apply_bytes(&delta.encode()).expect("apply");
    assert_eq!(canvas.pixels(), changed.pixels.as_slice());
}
