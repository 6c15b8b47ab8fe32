//! The viewer's picture for a page that draws it (the desktop app's WebView): the tiles of the
//! canvas that changed since the page last drew, each a PNG, so a still screen costs nothing
//! and a typed character a tile or two. [`PageCopy`] keeps what the page has.

use crate::error::RemoteError;

/// Tile edge in pixels (the codec's tiles are the same size).
pub const PAGE_TILE: usize = 64;

/// One changed rectangle of the picture, as a PNG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageTile {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
    pub png: Vec<u8>,
}

/// What the page draws next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFrame {
    pub width: u16,
    pub height: u16,
    /// Everything was sent (first frame, new size, or asked for): clear first.
    pub full: bool,
    pub tiles: Vec<PageTile>,
}

/// The picture the page has: what the next frame is diffed against.
#[derive(Debug, Default)]
pub struct PageCopy {
    width: u16,
    height: u16,
    pixels: Vec<u8>,
}

impl PageCopy {
    /// The tiles of `pixels` (RGBA, `width` x `height`) that differ from what the page has;
    /// all of them when `full` or the size changed. The copy then matches `pixels`.
    pub fn diff(
        &mut self,
        width: u16,
        height: u16,
        pixels: &[u8],
        full: bool,
    ) -> Result<PageFrame, RemoteError> {
        let (w, h) = (usize::from(width), usize::from(height));
        if pixels.len() != w * h * 4 {
            return Err(RemoteError::Page(format!(
                "the picture is {} bytes, not {}",
                pixels.len(),
                w * h * 4
            )));
        }
        let full = full || width != self.width || height != self.height;
        let mut tiles = Vec::new();
        for ty in (0..h).step_by(PAGE_TILE) {
            for tx in (0..w).step_by(PAGE_TILE) {
                let (tw, th) = (PAGE_TILE.min(w - tx), PAGE_TILE.min(h - ty));
                let changed = full
                    || (ty..ty + th).any(|row| {
                        let at = (row * w + tx) * 4;
                        pixels[at..at + tw * 4] != self.pixels[at..at + tw * 4]
                    });
                if changed {
                    tiles.push(PageTile {
                        x: tx as u16,
                        y: ty as u16,
                        w: tw as u16,
                        h: th as u16,
                        png: png_of(pixels, w, (tx, ty, tw, th))?,
                    });
                }
            }
        }
        self.width = width;
        self.height = height;
        self.pixels.clear();
        self.pixels.extend_from_slice(pixels);
        Ok(PageFrame {
            width,
            height,
            full,
            tiles,
        })
    }
}

/// One tile `(x, y, w, h)` of an RGBA picture `stride` pixels wide as a PNG (fast
/// compression: a screen of text compresses well at any level).
fn png_of(
    pixels: &[u8],
    stride: usize,
    (x, y, w, h): (usize, usize, usize, usize),
) -> Result<Vec<u8>, RemoteError> {
    let mut rgba = Vec::with_capacity(w * h * 4);
    for row in y..y + h {
        let at = (row * stride + x) * 4;
        rgba.extend_from_slice(&pixels[at..at + w * 4]);
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let png_error = |e: png::EncodingError| RemoteError::Page(e.to_string());
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer.write_image_data(&rgba).map_err(png_error)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: usize, h: usize, shade: u8) -> Vec<u8> {
        let mut p = vec![shade; w * h * 4];
        for px in p.chunks_mut(4) {
            px[3] = 255;
        }
        p
    }

    #[test]
    fn first_frame_is_whole_then_only_changed_tiles_then_nothing() {
        let (w, h) = (200usize, 100usize);
        let mut copy = PageCopy::default();
        let mut pixels = picture(w, h, 10);
        let first = copy.diff(200, 100, &pixels, false).expect("diff");
        assert!(first.full);
        // 4 x 2 tiles, the last column and row cut to the picture.
        assert_eq!(first.tiles.len(), 8);
        assert!(
            first
                .tiles
                .iter()
                .any(|t| t.x == 192 && t.w == 8 && t.h == 64)
        );
        assert!(first.tiles.iter().any(|t| t.y == 64 && t.h == 36));

        let still = copy.diff(200, 100, &pixels, false).expect("diff");
        assert!(!still.full);
        assert!(still.tiles.is_empty(), "a still screen costs nothing");

        // One pixel in the second tile of the second row.
        let at = (70 * w + 100) * 4;
        pixels[at] = 200;
        let one = copy.diff(200, 100, &pixels, false).expect("diff");
        assert_eq!(
            one.tiles.iter().map(|t| (t.x, t.y)).collect::<Vec<_>>(),
            vec![(64, 64)]
        );
        assert_eq!(&one.tiles[0].png[1..4], b"PNG");

        let asked = copy.diff(200, 100, &pixels, true).expect("diff");
        assert_eq!(asked.tiles.len(), 8, "the page asked for everything");
        let resized = copy.diff(64, 64, &picture(64, 64, 1), false).expect("diff");
        assert!(resized.full && resized.tiles.len() == 1);
    }

    #[test]
    fn a_picture_of_the_wrong_size_is_refused() {
        let mut copy = PageCopy::default();
        assert!(copy.diff(10, 10, &[0; 12], false).is_err());
    }
}
