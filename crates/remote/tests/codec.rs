//! The frame-update decoder against garbage: typed errors, never a panic, and the canvas
//! left as it was.

use linedesk_remote::tiles::{MAX_SIDE, VERSION};
use linedesk_remote::{Canvas, Frame, FrameUpdate, RemoteError, TileEncoder};
use proptest::prelude::*;

fn frame(width: u16, height: u16, seed: u8) -> Frame {
    let mut f = Frame::filled(width, height, [10, 20, 30, 255]);
    for (i, px) in f.pixels.chunks_exact_mut(4).enumerate() {
        if (i / 7 + usize::from(seed)) % 13 == 0 {
            px[0] = seed;
            px[1] = (i % 256) as u8;
        }
    }
    f
}

fn keyframe_bytes() -> Vec<u8> {
    TileEncoder::new()
        .encode(frame(150, 70, 3))
        .expect("keyframe")
        .encode()
}

#[test]
fn hand_made_garbage_gets_typed_errors() {
    let good = keyframe_bytes();
    let mut cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "empty"),
        (vec![VERSION + 1], "version"),
        (vec![VERSION, 0x80, 10, 0, 10, 0, 0, 0], "flags"),
        (vec![VERSION, 1, 0, 0, 10, 0, 0, 0], "zero width"),
        (
            [
                &[VERSION, 1][..],
                &(MAX_SIDE + 1).to_le_bytes(),
                &[10, 0, 0, 0],
            ]
            .concat(),
            "too wide",
        ),
        (
            vec![VERSION, 1, 0xff, 0x1f, 0xff, 0x1f, 0, 0],
            "too many pixels",
        ),
        (
            vec![VERSION, 1, 10, 0, 10, 0, 0xff, 0xff],
            "tile count over the screen",
        ),
        (
            vec![VERSION, 1, 64, 0, 64, 0, 1, 0],
            "tile count over the bytes",
        ),
        // One tile sticking out of a 10x10 screen.
        (
            [
                &[VERSION, 1, 10, 0, 10, 0, 1, 0][..],
                &[5, 0, 5, 0, 8, 0, 8, 0, 2, 4, 0, 0, 0, 1, 2, 3, 4],
            ]
            .concat(),
            "outside",
        ),
        // A raw tile whose length does not match its size.
        (
            [
                &[VERSION, 1, 10, 0, 10, 0, 1, 0][..],
                &[0, 0, 0, 0, 2, 0, 2, 0, 0, 3, 0, 0, 0, 1, 2, 3],
            ]
            .concat(),
            "raw length",
        ),
        // An LZ4 tile that claims 4 GiB.
        (
            [
                &[VERSION, 1, 10, 0, 10, 0, 1, 0][..],
                &[0, 0, 0, 0, 2, 0, 2, 0, 1, 0xff, 0xff, 0xff, 0xff],
            ]
            .concat(),
            "lz4 length",
        ),
        // An LZ4 tile of garbage.
        (
            [
                &[VERSION, 1, 10, 0, 10, 0, 1, 0][..],
                &[
                    0, 0, 0, 0, 2, 0, 2, 0, 1, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                ],
            ]
            .concat(),
            "lz4 garbage",
        ),
        // An unknown codec.
        (
            [
                &[VERSION, 1, 10, 0, 10, 0, 1, 0][..],
                &[0, 0, 0, 0, 2, 0, 2, 0, 9, 4, 0, 0, 0, 1, 2, 3, 4],
            ]
            .concat(),
            "codec",
        ),
        ([good.as_slice(), &[0]].concat(), "trailing byte"),
        (good[..good.len() - 1].to_vec(), "truncated"),
    ];
    let mut delta_first = good.clone();
    delta_first[1] = 0;
    cases.push((delta_first, "a delta before any keyframe"));
    for (bytes, why) in cases {
        let mut canvas = Canvas::new();
        assert!(
            matches!(canvas.apply_bytes(&bytes), Err(RemoteError::BadUpdate(_))),
            "{why}"
        );
        assert_eq!(canvas, Canvas::new(), "{why}: the canvas is untouched");
    }
}

#[test]
fn a_delta_for_another_size_is_refused() {
    let mut canvas = Canvas::new();
    canvas.apply_bytes(&keyframe_bytes()).expect("keyframe");
    let before = canvas.clone();
    let mut enc = TileEncoder::new();
    enc.encode(frame(64, 64, 1));
    let mut delta = enc.encode(frame(64, 64, 2)).expect("delta");
    assert!(!delta.keyframe);
    assert!(canvas.apply(&delta).is_err());
    delta.tiles.clear();
    assert!(canvas.apply(&delta).is_err());
    assert_eq!(canvas, before);
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut canvas = Canvas::new();
        let _ = canvas.apply_bytes(&bytes);
    }

    #[test]
    fn mutated_updates_never_panic_and_fail_cleanly(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut bytes = keyframe_bytes();
        for (at, v) in flips {
            let i = at % bytes.len();
            bytes[i] = v;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        let mut canvas = Canvas::new();
        canvas.apply_bytes(&keyframe_bytes()).expect("keyframe");
        let before = canvas.clone();
        if canvas.apply_bytes(&bytes).is_err() {
            prop_assert_eq!(canvas, before);
        }
    }

    #[test]
    fn encode_then_apply_reproduces_every_frame(
        w in 1u16..200, h in 1u16..150, seeds in proptest::collection::vec(any::<u8>(), 1..5),
    ) {
        let mut enc = TileEncoder::new();
        let mut canvas = Canvas::new();
        for seed in seeds {
            let f = frame(w, h, seed);
            if let Some(update) = enc.encode(f.clone()) {
                let decoded = FrameUpdate::decode(&update.encode()).expect("decode");
                prop_assert_eq!(&decoded, &update);
                canvas.apply(&decoded).expect("apply");
            }
            prop_assert_eq!(canvas.pixels(), f.pixels.as_slice());
        }
    }
}
