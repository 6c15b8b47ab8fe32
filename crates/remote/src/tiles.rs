//! The screen codec: a [`TileEncoder`] splits each frame into 64x64 tiles, compares them with
//! the previous frame and emits a [`FrameUpdate`] holding only the changed tiles, each one
//! lossless: a single colour as 4 bytes, otherwise LZ4 of its raw RGBA (or raw when LZ4 does
//! not shrink it). A still screen yields no update at all.
//!
//! Why LZ4 (`lz4_flex`, pure safe Rust) on raw pixels: screen content (text, flat UI) is long
//! runs of identical pixels, which LZ4 finds at memory speed. Measured by `remote-bench`
//! (release, 1280x800): an xterm desktop's keyframe is 7 KB of 4 MB raw (0.18 %), a full
//! screen of scrolling terminal text 34-36 KB (0.9 %), each encoded in 2-3 ms; the grab
//! itself (10-30 ms) costs more than the codec. PNG or QOI would shave some bytes off but cost
//! more CPU on the client's PC for a link that already carries a scrolling terminal at 15 fps
//! in ~3 Mbit/s.
//!
//! Wire format (version 1, little-endian), decoded with full validation by
//! [`FrameUpdate::decode`]:
//!
//! ```text
//! u8 version (1) | u8 flags (bit 0: keyframe) | u16 width | u16 height | u16 tile count
//! per tile: u16 x | u16 y | u16 w | u16 h | u8 codec (0 raw, 1 lz4, 2 fill) | u32 len | len bytes
//! ```

use crate::error::RemoteError;
use crate::screen::Frame;

/// The wire version this writes and reads.
pub const VERSION: u8 = 1;
/// Side of a tile in pixels (the last column and row may be narrower).
pub const TILE: u16 = 64;
/// Largest screen side accepted from the wire.
pub const MAX_SIDE: u16 = 8192;
/// Largest screen accepted from the wire, in pixels (64 MiB of RGBA): bounds what a decoder
/// allocates whatever the bytes say.
pub const MAX_PIXELS: usize = 16 * 1024 * 1024;

const FLAG_KEYFRAME: u8 = 1;
const HEADER: usize = 8;
const TILE_HEADER: usize = 13;

/// How one tile's pixels are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileData {
    /// `w * h * 4` bytes of RGBA.
    Raw(Vec<u8>),
    /// LZ4 block of the raw RGBA.
    Lz4(Vec<u8>),
    /// Every pixel this RGBA colour.
    Fill([u8; 4]),
}

/// One changed rectangle of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
    pub data: TileData,
}

/// The changes from one frame to the next (or a whole frame, when `keyframe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameUpdate {
    /// A keyframe covers the whole screen and may change its size.
    pub keyframe: bool,
    pub width: u16,
    pub height: u16,
    pub tiles: Vec<Tile>,
}

impl FrameUpdate {
    /// The binary form (see the module doc).
    pub fn encode(&self) -> Vec<u8> {
        let body: usize = self
            .tiles
            .iter()
            .map(|t| TILE_HEADER + t.data.bytes().len())
            .sum();
        let mut out = Vec::with_capacity(HEADER + body);
        out.push(VERSION);
        out.push(if self.keyframe { FLAG_KEYFRAME } else { 0 });
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        // The encoder never makes more than u16::MAX tiles (MAX_SIDE / TILE squared is 16,384).
        out.extend_from_slice(&(self.tiles.len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
        for tile in self.tiles.iter().take(usize::from(u16::MAX)) {
            for v in [tile.x, tile.y, tile.w, tile.h] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            let (codec, bytes) = match &tile.data {
                TileData::Raw(b) => (0u8, b.as_slice()),
                TileData::Lz4(b) => (1, b.as_slice()),
                TileData::Fill(c) => (2, c.as_slice()),
            };
            out.push(codec);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        out
    }

    /// Parse and check the structure: version, sizes, a keyframe with every tile, every tile
    /// inside the screen and at most [`TILE`] a side, lengths that match the codec, no trailing bytes. Decompression
    /// is checked when the update is applied ([`crate::Canvas::apply`]).
    pub fn decode(bytes: &[u8]) -> Result<FrameUpdate, RemoteError> {
        let mut r = Reader { bytes, at: 0 };
        if r.u8()? != VERSION {
            return Err(RemoteError::BadUpdate("unknown version"));
        }
        let flags = r.u8()?;
        if flags & !FLAG_KEYFRAME != 0 {
            return Err(RemoteError::BadUpdate("unknown flags"));
        }
        let width = r.u16()?;
        let height = r.u16()?;
        check_size(width, height)?;
        let count = usize::from(r.u16()?);
        let cols = usize::from(width.div_ceil(TILE));
        let rows = usize::from(height.div_ceil(TILE));
        if count > cols * rows {
            return Err(RemoteError::BadUpdate("more tiles than the screen holds"));
        }
        // A keyframe covers the whole screen, so a few bytes cannot make the decoder allocate
        // a large canvas.
        if flags & FLAG_KEYFRAME != 0 && count != cols * rows {
            return Err(RemoteError::BadUpdate("a keyframe must hold every tile"));
        }
        // Each tile takes at least TILE_HEADER bytes: a count the bytes cannot hold is refused
        // before anything is reserved for it.
        if count * TILE_HEADER > bytes.len() {
            return Err(RemoteError::BadUpdate("truncated"));
        }
        let mut tiles = Vec::with_capacity(count);
        for _ in 0..count {
            let (x, y, w, h) = (r.u16()?, r.u16()?, r.u16()?, r.u16()?);
            if w == 0 || h == 0 || w > TILE || h > TILE {
                return Err(RemoteError::BadUpdate("tile size"));
            }
            if u32::from(x) + u32::from(w) > u32::from(width)
                || u32::from(y) + u32::from(h) > u32::from(height)
            {
                return Err(RemoteError::BadUpdate("tile outside the screen"));
            }
            let codec = r.u8()?;
            let len = r.u32()? as usize;
            let raw_len = usize::from(w) * usize::from(h) * 4;
            let data = match codec {
                0 if len == raw_len => TileData::Raw(r.take(len)?.to_vec()),
                0 => return Err(RemoteError::BadUpdate("raw tile length")),
                // LZ4 cannot expand 255-fold; anything longer is not a compressed tile.
                1 if len > 0 && len <= raw_len + raw_len / 255 + 16 => {
                    TileData::Lz4(r.take(len)?.to_vec())
                }
                1 => return Err(RemoteError::BadUpdate("lz4 tile length")),
                2 if len == 4 => {
                    let c = r.take(4)?;
                    TileData::Fill([c[0], c[1], c[2], c[3]])
                }
                2 => return Err(RemoteError::BadUpdate("fill tile length")),
                _ => return Err(RemoteError::BadUpdate("unknown tile codec")),
            };
            tiles.push(Tile { x, y, w, h, data });
        }
        if r.at != bytes.len() {
            return Err(RemoteError::BadUpdate("trailing bytes"));
        }
        Ok(FrameUpdate {
            keyframe: flags & FLAG_KEYFRAME != 0,
            width,
            height,
            tiles,
        })
    }
}

impl TileData {
    fn bytes(&self) -> &[u8] {
        match self {
            TileData::Raw(b) | TileData::Lz4(b) => b,
            TileData::Fill(c) => c,
        }
    }

    /// The tile's `w * h * 4` RGBA bytes, checked: an LZ4 block must decode to exactly that.
    pub fn pixels(&self, w: u16, h: u16) -> Result<Vec<u8>, RemoteError> {
        let len = usize::from(w) * usize::from(h) * 4;
        match self {
            TileData::Raw(b) if b.len() == len => Ok(b.clone()),
            TileData::Raw(_) => Err(RemoteError::BadUpdate("raw tile length")),
            TileData::Fill(c) => Ok(c.repeat(len / 4)),
            TileData::Lz4(b) => {
                let mut out = vec![0u8; len];
                match lz4_flex::block::decompress_into(b, &mut out) {
                    Ok(n) if n == len => Ok(out),
                    _ => Err(RemoteError::BadUpdate("lz4 tile does not decode")),
                }
            }
        }
    }
}

pub(crate) fn check_size(width: u16, height: u16) -> Result<(), RemoteError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(RemoteError::BadUpdate("screen size"));
    }
    if usize::from(width) * usize::from(height) > MAX_PIXELS {
        return Err(RemoteError::BadUpdate("screen too large"));
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RemoteError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(RemoteError::BadUpdate("truncated"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, RemoteError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, RemoteError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, RemoteError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Turns successive frames into updates: remembers the last frame sent.
#[derive(Default)]
pub struct TileEncoder {
    previous: Option<Frame>,
}

impl TileEncoder {
    pub fn new() -> TileEncoder {
        TileEncoder::default()
    }

    /// Make the next update a keyframe (on connect, on the viewer's request).
    pub fn force_keyframe(&mut self) {
        self.previous = None;
    }

    /// The update from the last frame to `frame`: `None` when nothing changed. The first
    /// frame, one after [`TileEncoder::force_keyframe`] and one of a new size are keyframes
    /// holding every tile.
    pub fn encode(&mut self, frame: Frame) -> Option<FrameUpdate> {
        let previous = self
            .previous
            .take()
            .filter(|p| p.width == frame.width && p.height == frame.height);
        let keyframe = previous.is_none();
        let mut tiles = Vec::new();
        let stride = usize::from(frame.width) * 4;
        let mut y = 0u16;
        while y < frame.height {
            let h = TILE.min(frame.height - y);
            let mut x = 0u16;
            while x < frame.width {
                let w = TILE.min(frame.width - x);
                let rows = (0..usize::from(h)).map(|row| {
                    let start = (usize::from(y) + row) * stride + usize::from(x) * 4;
                    start..start + usize::from(w) * 4
                });
                let changed = match &previous {
                    None => true,
                    Some(p) => rows
                        .clone()
                        .any(|range| p.pixels[range.clone()] != frame.pixels[range]),
                };
                if changed {
                    let mut raw = Vec::with_capacity(usize::from(w) * usize::from(h) * 4);
                    for range in rows {
                        raw.extend_from_slice(&frame.pixels[range]);
                    }
                    tiles.push(Tile {
                        x,
                        y,
                        w,
                        h,
                        data: compress(raw),
                    });
                }
                x += w;
            }
            y += h;
        }
        let update = FrameUpdate {
            keyframe,
            width: frame.width,
            height: frame.height,
            tiles,
        };
        self.previous = Some(frame);
        (keyframe || !update.tiles.is_empty()).then_some(update)
    }
}

fn compress(raw: Vec<u8>) -> TileData {
    if let Some(first) = raw.get(0..4)
        && raw.chunks_exact(4).all(|px| px == first)
    {
        return TileData::Fill([first[0], first[1], first[2], first[3]]);
    }
    let packed = lz4_flex::block::compress(&raw);
    if packed.len() < raw.len() {
        TileData::Lz4(packed)
    } else {
        TileData::Raw(raw)
    }
}
