//! Screen capture behind the [`Screen`] trait, so another platform's capture can follow; the
//! X11 one ([`X11Screen`]) reads the root window with core `GetImage` through x11rb.
//!
//! MIT-SHM would save one copy of the frame through the socket, but setting up a shared
//! segment needs `mmap`, which is `unsafe` (forbidden in this workspace); on a local Unix
//! socket a 1280x800 `GetImage` takes a few milliseconds, which is enough for 10-20 fps.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder, VisualClass, Window};
use x11rb::rust_connection::RustConnection;

use crate::error::{RemoteError, x11};

/// One captured screen image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u16,
    pub height: u16,
    /// RGBA, 4 bytes a pixel, rows top to bottom without padding (`width * height * 4`
    /// bytes); alpha is always 255.
    pub pixels: Vec<u8>,
}

impl Frame {
    /// A frame of one colour (RGBA).
    pub fn filled(width: u16, height: u16, rgba: [u8; 4]) -> Frame {
        let n = usize::from(width) * usize::from(height);
        Frame {
            width,
            height,
            pixels: rgba.repeat(n),
        }
    }
}

/// A source of screen images.
pub trait Screen: Send {
    /// Width and height in pixels.
    fn size(&self) -> (u16, u16);
    /// The whole screen now.
    fn grab(&mut self) -> Result<Frame, RemoteError>;
}

/// The root window of one X display, read with `GetImage`.
pub struct X11Screen {
    conn: RustConnection,
    root: Window,
    width: u16,
    height: u16,
}

impl X11Screen {
    /// Connect to `display` (`":1"`), or to `$DISPLAY` when `None`. Only TrueColor screens
    /// with 32 bits a pixel, 8 bits a channel and LSB-first byte order are captured (what
    /// Xorg and Xvfb use at depth 24); others give [`RemoteError::PixelFormat`].
    pub fn connect(display: Option<&str>) -> Result<X11Screen, RemoteError> {
        let (conn, screen_num) = x11rb::connect(display).map_err(x11)?;
        let setup = conn.setup();
        let screen = setup
            .roots
            .get(screen_num)
            .ok_or_else(|| RemoteError::X11("no such screen".into()))?;
        let depth = screen.root_depth;
        let bpp = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == depth)
            .map(|f| f.bits_per_pixel)
            .unwrap_or(0);
        let visual = screen
            .allowed_depths
            .iter()
            .flat_map(|d| d.visuals.iter())
            .find(|v| v.visual_id == screen.root_visual)
            .ok_or_else(|| RemoteError::PixelFormat("root visual not listed".into()))?;
        let ok = bpp == 32
            && setup.image_byte_order == ImageOrder::LSB_FIRST
            && visual.class == VisualClass::TRUE_COLOR
            && visual.red_mask == 0x00ff_0000
            && visual.green_mask == 0x0000_ff00
            && visual.blue_mask == 0x0000_00ff;
        if !ok {
            return Err(RemoteError::PixelFormat(format!(
                "depth {depth}, {bpp} bits a pixel, masks {:#x}/{:#x}/{:#x}",
                visual.red_mask, visual.green_mask, visual.blue_mask
            )));
        }
        Ok(X11Screen {
            root: screen.root,
            width: screen.width_in_pixels,
            height: screen.height_in_pixels,
            conn,
        })
    }
}

impl Screen for X11Screen {
    fn size(&self) -> (u16, u16) {
        (self.width, self.height)
    }

    fn grab(&mut self) -> Result<Frame, RemoteError> {
        let reply = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                0,
                0,
                self.width,
                self.height,
                u32::MAX,
            )
            .map_err(x11)?
            .reply()
            .map_err(x11)?;
        let expected = usize::from(self.width) * usize::from(self.height) * 4;
        if reply.data.len() != expected {
            return Err(RemoteError::X11(format!(
                "GetImage gave {} bytes, expected {expected}",
                reply.data.len()
            )));
        }
        Ok(Frame {
            width: self.width,
            height: self.height,
            pixels: bgrx_to_rgba(reply.data),
        })
    }
}

/// X's little-endian 0x00RRGGBB pixels (bytes B, G, R, X) to RGBA, in place.
fn bgrx_to_rgba(mut data: Vec<u8>) -> Vec<u8> {
    for px in data.chunks_exact_mut(4) {
        px.swap(0, 2);
        px[3] = 255;
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bgrx_becomes_opaque_rgba() {
        assert_eq!(
            bgrx_to_rgba(vec![1, 2, 3, 0, 10, 20, 30, 7]),
            vec![3, 2, 1, 255, 30, 20, 10, 255]
        );
    }
}
