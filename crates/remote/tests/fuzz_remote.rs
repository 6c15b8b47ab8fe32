//! Fuzz harnesses of what a remote session takes from the wire (bolero; see README,
//! "Fuzzing"): the `FrameUpdate` decoder and the `Canvas` the viewer applies updates to, and
//! the host's `InputEvent` decoder and checks.
//!
//! Properties: nothing panics; a decoded update re-encodes to the same bytes; a canvas either
//! applies an update whole or stays as it was, keeps exactly `width * height * 4` bytes, and a
//! delta changes no pixel outside its tiles; the encoder's updates rebuild its frames exactly;
//! a decoded input event passes its shape check and round-trips, and one that passes the screen
//! check points inside the screen.

use bolero::check;
use linedesk_remote::{Canvas, Frame, FrameUpdate, InputEvent, Tile, TileData, TileEncoder};

/// Apply `update` and check the canvas's invariants either way.
fn apply_checked(canvas: &mut Canvas, update: &FrameUpdate) {
    let before = canvas.clone();
    match canvas.apply(update) {
        Err(_) => assert_eq!(*canvas, before, "a refused update changed the canvas"),
        Ok(()) => {
            let (w, h) = (usize::from(canvas.width()), usize::from(canvas.height()));
            assert_eq!(canvas.pixels().len(), w * h * 4);
            assert_eq!(canvas.version(), before.version() + 1);
            if before.width() == canvas.width() && before.height() == canvas.height() {
                let inside = |px: usize| {
                    let (x, y) = (px % w, px / w);
                    update.tiles.iter().any(|t| {
                        let (tx, ty) = (usize::from(t.x), usize::from(t.y));
                        x >= tx && x < tx + usize::from(t.w) && y >= ty && y < ty + usize::from(t.h)
                    })
                };
                for (px, (new, old)) in canvas
                    .pixels()
                    .chunks_exact(4)
                    .zip(before.pixels().chunks_exact(4))
                    .enumerate()
                {
                    assert!(
                        new == old || inside(px),
                        "pixel {px} outside every tile changed"
                    );
                }
            }
        }
    }
}

/// Found by `fuzz_canvas_updates`: a tile of zero width built in memory (the decoder refuses
/// one) panicked in `Canvas::apply` ("chunk size must be non-zero").
#[test]
fn an_update_with_an_empty_or_oversized_tile_is_refused_by_the_canvas() {
    let mut canvas = Canvas::new();
    let key = FrameUpdate {
        keyframe: true,
        width: 4,
        height: 4,
        tiles: vec![Tile {
            x: 0,
            y: 0,
            w: 4,
            h: 4,
            data: TileData::Fill([1, 2, 3, 255]),
        }],
    };
    canvas.apply(&key).expect("keyframe");
    for (w, h) in [(0, 1), (1, 0), (0, 0), (65, 1)] {
        let mut bad = key.clone();
        bad.tiles[0].w = w;
        bad.tiles[0].h = h;
        bad.tiles[0].data = TileData::Raw(Vec::new());
        apply_checked(&mut canvas, &bad);
        assert!(canvas.apply(&bad).is_err(), "{w}x{h}");
    }
}

#[test]
fn fuzz_frame_update_bytes() {
    check!()
        .with_type::<Vec<u8>>()
        .with_iterations(5_000)
        .for_each(|bytes| {
            let mut canvas = Canvas::new();
            if let Ok(update) = FrameUpdate::decode(bytes) {
                assert_eq!(
                    update.encode(),
                    *bytes,
                    "decode then encode is the identity"
                );
                apply_checked(&mut canvas, &update);
            }
        });
}

/// A generated tile: position, size, codec and material, deliberately often out of bounds.
type TileSpec = (u8, u8, u8, u8, u8, Vec<u8>);

fn tile((x, y, w, h, codec, data): &TileSpec) -> Tile {
    let (w, h) = (u16::from(*w % 70), u16::from(*h % 70));
    let raw_len = usize::from(w) * usize::from(h) * 4;
    let data = match codec % 5 {
        0 => TileData::Fill([data.first().copied().unwrap_or(1), 2, 3, 255]),
        1 => TileData::Raw(data.iter().copied().cycle().take(raw_len).collect()),
        2 => TileData::Raw(data.clone()),
        3 => TileData::Lz4(lz4_flex::block::compress(
            &data
                .iter()
                .copied()
                .cycle()
                .take(raw_len)
                .collect::<Vec<_>>(),
        )),
        _ => TileData::Lz4(data.clone()),
    };
    Tile {
        x: u16::from(*x),
        y: u16::from(*y),
        w,
        h,
        data,
    }
}

#[test]
fn fuzz_canvas_updates() {
    check!()
        .with_type::<Vec<(bool, u8, u8, Vec<TileSpec>)>>()
        .with_iterations(150)
        .for_each(|updates| {
            let mut canvas = Canvas::new();
            for (keyframe, width, height, tiles) in updates.iter().take(6) {
                let update = FrameUpdate {
                    keyframe: *keyframe,
                    width: u16::from(*width % 100),
                    height: u16::from(*height % 100),
                    tiles: tiles.iter().take(12).map(tile).collect(),
                };
                // Straight to the canvas (as a caller holding a FrameUpdate may) and through
                // the wire form, where the decoder checks first.
                apply_checked(&mut canvas, &update);
                if let Ok(decoded) = FrameUpdate::decode(&update.encode()) {
                    apply_checked(&mut canvas, &decoded);
                }
            }
        });
}

#[test]
fn fuzz_encoder_rebuilds_frames() {
    check!()
        .with_type::<(u8, u8, Vec<(u16, u16, u8, [u8; 4])>)>()
        .with_iterations(100)
        .for_each(|(width, height, strokes)| {
            let (w, h) = (u16::from(*width % 130 + 1), u16::from(*height % 130 + 1));
            let mut frame = Frame::filled(w, h, [0, 0, 0, 255]);
            let (mut encoder, mut canvas) = (TileEncoder::new(), Canvas::new());
            for (x, y, len, rgba) in strokes.iter().take(5) {
                // A horizontal stroke of `len` pixels from (x, y), wrapping at the edge.
                let start = (usize::from(*y % h) * usize::from(w) + usize::from(*x % w)) * 4;
                for px in frame
                    .pixels
                    .chunks_exact_mut(4)
                    .skip(start / 4)
                    .take(usize::from(*len))
                {
                    px.copy_from_slice(rgba);
                }
                if let Some(update) = encoder.encode(frame.clone()) {
                    let bytes = update.encode();
                    canvas
                        .apply_bytes(&bytes)
                        .expect("the encoder's update applies");
                }
                assert_eq!(canvas.pixels(), frame.pixels.as_slice());
            }
        });
}

fn check_input(event: &InputEvent, screen: (u16, u16)) {
    event
        .check_shape()
        .expect("a decoded event passes its shape check");
    let json = event.encode().expect("a decoded event encodes");
    assert_eq!(
        InputEvent::decode(json.as_bytes()).expect("re-decodes"),
        *event
    );
    if event.check(screen).is_ok()
        && let InputEvent::PointerMove { x, y } = event
    {
        assert!(*x < screen.0 && *y < screen.1);
    }
}

#[test]
fn fuzz_input_event_bytes() {
    check!()
        .with_type::<(u16, u16, Vec<u8>)>()
        .with_iterations(5_000)
        .for_each(|(w, h, bytes)| {
            if let Ok(event) = InputEvent::decode(bytes) {
                check_input(&event, (*w, *h));
            }
        });
}

/// Input events built from generated fields, so the decoder sees every kind with odd values.
#[test]
fn fuzz_input_event_fields() {
    check!()
        .with_type::<(u8, u32, u32, i8, i8, Vec<u32>, String, (u16, u16))>()
        .with_iterations(3_000)
        .for_each(|(kind, a, b, dx, dy, keysyms, text, screen)| {
            let event = match kind % 6 {
                0 => InputEvent::PointerMove {
                    x: *a as u16,
                    y: *b as u16,
                },
                1 => InputEvent::Button {
                    button: *a as u8,
                    down: b.is_multiple_of(2),
                },
                2 => InputEvent::Wheel { dx: *dx, dy: *dy },
                3 => InputEvent::Key {
                    keysym: *a,
                    down: b.is_multiple_of(2),
                },
                4 => InputEvent::Combo {
                    keysyms: keysyms.clone(),
                },
                _ => InputEvent::Clipboard {
                    text: text.repeat(usize::try_from(*a % 600).unwrap_or(1)),
                },
            };
            // As JSON from any sender: the decoder must agree with the shape check.
            let json = serde_json::to_string(&event).expect("json");
            match InputEvent::decode(json.as_bytes()) {
                Ok(decoded) => {
                    assert_eq!(decoded, event);
                    check_input(&decoded, *screen);
                }
                Err(_) => assert!(event.check_shape().is_err() || json.len() > 16 * 1024),
            }
        });
}
