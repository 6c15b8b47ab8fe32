//! The viewer's picture as the page receives it (V2): [`linedesk_remote::page`] diffs the
//! canvas against what the page has and encodes the changed tiles as PNG; here they become
//! base64 for the IPC answer.

use base64::Engine as _;
use linedesk_remote::page::PageFrame;
use serde::Serialize;

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

impl RemoteFrame {
    pub fn new(frame: PageFrame, version: u32) -> RemoteFrame {
        let b64 = base64::engine::general_purpose::STANDARD;
        RemoteFrame {
            version,
            width: frame.width,
            height: frame.height,
            full: frame.full,
            tiles: frame
                .tiles
                .into_iter()
                .map(|t| FrameTile {
                    x: t.x,
                    y: t.y,
                    w: t.w,
                    h: t.h,
                    png: b64.encode(t.png),
                })
                .collect(),
        }
    }
}
