//! The viewer's picture for the app's page: diffing the canvas against what the page has and
//! encoding the changed tiles as PNG, for a 1280x800 screen of terminal text.

use criterion::{Criterion, criterion_group, criterion_main};
use linedesk_remote::page::PageCopy;

const W: usize = 1280;
const H: usize = 800;

/// A white screen with dark "text": 6x13 cells, a deterministic pattern of glyph-like strokes
/// on `rows` lines, shifted by `offset` (a scrolled terminal).
fn terminal(rows: usize, offset: usize) -> Vec<u8> {
    let mut p = vec![255u8; W * H * 4];
    for row in 0..rows.min(H / 13) {
        for col in 0..W / 6 {
            let glyph = (row + offset) * 31 + col * 7;
            if glyph.is_multiple_of(5) {
                continue;
            }
            for dy in 2..11 {
                for dx in 1..5 {
                    if (glyph >> ((dx + dy) % 6)) & 1 == 1 {
                        let at = ((row * 13 + dy) * W + col * 6 + dx) * 4;
                        p[at..at + 3].copy_from_slice(&[20, 20, 20]);
                    }
                }
            }
        }
    }
    p
}

fn page(c: &mut Criterion) {
    let screen = terminal(60, 0);
    let scrolled = terminal(60, 1);
    let mut typed = screen.clone();
    typed[(10 * W + 10) * 4..(10 * W + 10) * 4 + 3].copy_from_slice(&[0, 0, 0]);

    let mut copy = PageCopy::default();
    let first = copy.diff(W as u16, H as u16, &screen, true).expect("diff");
    let bytes: usize = first.tiles.iter().map(|t| t.png.len()).sum();
    println!(
        "page: whole 1280x800 terminal screen = {} tiles, {bytes} bytes of PNG",
        first.tiles.len()
    );

    c.bench_function("page_whole_screen_1280x800", |b| {
        let mut copy = PageCopy::default();
        b.iter(|| copy.diff(W as u16, H as u16, &screen, true).expect("diff"))
    });
    c.bench_function("page_still_screen", |b| {
        let mut copy = PageCopy::default();
        copy.diff(W as u16, H as u16, &screen, true).expect("diff");
        b.iter(|| copy.diff(W as u16, H as u16, &screen, false).expect("diff"))
    });
    c.bench_function("page_one_typed_character", |b| {
        let mut copy = PageCopy::default();
        let mut flip = false;
        b.iter(|| {
            flip = !flip;
            let pixels = if flip { &typed } else { &screen };
            copy.diff(W as u16, H as u16, pixels, false).expect("diff")
        })
    });
    c.bench_function("page_scrolled_terminal", |b| {
        let mut copy = PageCopy::default();
        let mut flip = false;
        b.iter(|| {
            flip = !flip;
            let pixels = if flip { &scrolled } else { &screen };
            copy.diff(W as u16, H as u16, pixels, false).expect("diff")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = page
}
criterion_main!(benches);
