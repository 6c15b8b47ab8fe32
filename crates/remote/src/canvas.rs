//! [`Canvas`]: the viewer's copy of the remote screen, an RGBA buffer that [`FrameUpdate`]s
//! are applied to. Everything from the wire is checked; garbage gives
//! [`RemoteError::BadUpdate`] and leaves the canvas as it was.

use crate::error::RemoteError;
use crate::tiles::{FrameUpdate, TILE, check_size};

/// The remote screen as last updated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Canvas {
    width: u16,
    height: u16,
    /// RGBA, `width * height * 4` bytes; empty before the first keyframe.
    pixels: Vec<u8>,
    /// Updates applied so far (0: nothing to show yet).
    version: u64,
}

impl Canvas {
    pub fn new() -> Canvas {
        Canvas::default()
    }

    pub fn width(&self) -> u16 {
        self.width
    }

    pub fn height(&self) -> u16 {
        self.height
    }

    /// RGBA, rows top to bottom.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// How many updates were applied.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Decode `bytes` ([`FrameUpdate::decode`]) and apply them.
    pub fn apply_bytes(&mut self, bytes: &[u8]) -> Result<(), RemoteError> {
        let update = FrameUpdate::decode(bytes)?;
        self.apply(&update)
    }

    /// Apply one update: a keyframe may set a new size; a delta must match the current size.
    /// All tiles are decompressed and checked before any pixel changes.
    pub fn apply(&mut self, update: &FrameUpdate) -> Result<(), RemoteError> {
        check_size(update.width, update.height)?;
        let resize = update.width != self.width || update.height != self.height;
        if resize && !update.keyframe {
            return Err(RemoteError::BadUpdate("delta for another screen size"));
        }
        if self.pixels.is_empty() && !update.keyframe {
            return Err(RemoteError::BadUpdate("delta before a keyframe"));
        }
        let mut decoded = Vec::with_capacity(update.tiles.len());
        for tile in &update.tiles {
            // The decoder checks this too; an update built in memory is checked the same.
            if tile.w == 0 || tile.h == 0 || tile.w > TILE || tile.h > TILE {
                return Err(RemoteError::BadUpdate("tile size"));
            }
            if u32::from(tile.x) + u32::from(tile.w) > u32::from(update.width)
                || u32::from(tile.y) + u32::from(tile.h) > u32::from(update.height)
            {
                return Err(RemoteError::BadUpdate("tile outside the screen"));
            }
            decoded.push(tile.data.pixels(tile.w, tile.h)?);
        }
        if resize {
            self.width = update.width;
            self.height = update.height;
            self.pixels = vec![0; usize::from(update.width) * usize::from(update.height) * 4];
        }
        let stride = usize::from(self.width) * 4;
        for (tile, pixels) in update.tiles.iter().zip(decoded) {
            let row_len = usize::from(tile.w) * 4;
            for (row, src) in pixels.chunks_exact(row_len).enumerate() {
                let start = (usize::from(tile.y) + row) * stride + usize::from(tile.x) * 4;
                self.pixels[start..start + row_len].copy_from_slice(src);
            }
        }
        self.version += 1;
        Ok(())
    }
}
