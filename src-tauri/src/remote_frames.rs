//! The viewer's picture for the page (V2): the client's screen as PNG tiles of the parts that
//! changed since the page last drew, so a still screen costs nothing and a typed character a
//! tile or two. The canvas itself lives in `linedesk_remote::Viewer`; this only diffs it.

use base64::Engine as _;
use serde::Serialize;

/// Tile edge in pixels (the remote codec's tiles are the same size).
pub const TILE: usize = 64;

/// One changed rectangle, a PNG as base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FrameTile {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
    pub png: String,
}

/// What the page draws next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RemoteFrame {
    /// The viewer's canvas version these tiles bring the page to.
    pub version: u32,
    pub width: u16,
    pub height: u16,
    /// Everything was sent (first frame, new size, or the page asked): clear first.
    pub full: bool,
    pub tiles: Vec<FrameTile>,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the screen picture is {got} bytes, not {want}")]
    Size { got: usize, want: usize },
    #[error("a tile could not be encoded: {0}")]
    Png(String),
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
        version: u32,
    ) -> Result<RemoteFrame, FrameError> {
        let (w, h) = (usize::from(width), usize::from(height));
        if pixels.len() != w * h * 4 {
            return Err(FrameError::Size {
                got: pixels.len(),
                want: w * h * 4,
            });
        }
        let full = full || width != self.width || height != self.height;
        let mut tiles = Vec::new();
        for ty in (0..h).step_by(TILE) {
            for tx in (0..w).step_by(TILE) {
                let (tw, th) = (TILE.min(w - tx), TILE.min(h - ty));
                let changed = full
                    || (ty..ty + th).any(|row| {
                        let at = (row * w + tx) * 4;
                        pixels[at..at + tw * 4] != self.pixels[at..at + tw * 4]
                    });
                if changed {
                    tiles.push(FrameTile {
                        x: tx as u16,
                        y: ty as u16,
                        w: tw as u16,
                        h: th as u16,
                        png: png_of(pixels, w, tx, ty, tw, th)?,
                    });
                }
            }
        }
        self.width = width;
        self.height = height;
        self.pixels.clear();
        self.pixels.extend_from_slice(pixels);
        Ok(RemoteFrame {
            version,
            width,
            height,
            full,
            tiles,
        })
    }
}

/// One tile of an RGBA picture `stride` pixels wide as a base64 PNG (fast compression: a
/// screen of text compresses well at any level).
fn png_of(
    pixels: &[u8],
    stride: usize,
    x: usize,
    y: usize,
    w: usize,
    h: usize,
) -> Result<String, FrameError> {
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
        let mut writer = encoder
            .write_header()
            .map_err(|e| FrameError::Png(e.to_string()))?;
        writer
            .write_image_data(&rgba)
            .map_err(|e| FrameError::Png(e.to_string()))?;
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
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
        let first = copy.diff(200, 100, &pixels, false, 1).expect("diff");
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

        let still = copy.diff(200, 100, &pixels, false, 2).expect("diff");
        assert!(!still.full);
        assert!(still.tiles.is_empty(), "a still screen costs nothing");

        // One pixel in the second tile of the second row.
        let at = (70 * w + 100) * 4;
        pixels[at] = 200;
        let one = copy.diff(200, 100, &pixels, false, 3).expect("diff");
        assert_eq!(
            one.tiles.iter().map(|t| (t.x, t.y)).collect::<Vec<_>>(),
            vec![(64, 64)]
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(&one.tiles[0].png)
            .expect("base64");
        assert_eq!(&png[1..4], b"PNG");

        let asked = copy.diff(200, 100, &pixels, true, 4).expect("diff");
        assert_eq!(asked.tiles.len(), 8, "the page asked for everything");
        let resized = copy
            .diff(64, 64, &picture(64, 64, 1), false, 5)
            .expect("diff");
        assert!(resized.full && resized.tiles.len() == 1);
    }

    #[test]
    fn a_picture_of_the_wrong_size_is_refused() {
        let mut copy = PageCopy::default();
        assert!(matches!(
            copy.diff(10, 10, &[0; 12], false, 1),
            Err(FrameError::Size { got: 12, want: 400 })
        ));
    }
}
