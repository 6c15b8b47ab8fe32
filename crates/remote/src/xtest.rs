//! [`XTestInput`]: injects [`InputEvent`]s into an X display through the XTEST extension, as
//! if they came from the real pointer and keyboard.
//!
//! Keysyms become keycodes through the keyboard map (`GetKeyboardMapping`, read once and
//! kept): a keysym in a keycode's second column is typed with Shift held; a keysym on no key
//! is bound to a spare keycode (one with no keysyms) with `ChangeKeyboardMapping`, reusing
//! the spares round-robin; with no spare, [`RemoteError::UnmappableKeysym`].

use std::collections::HashSet;

use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{
    BUTTON_PRESS_EVENT, BUTTON_RELEASE_EVENT, ConnectionExt as _, KEY_PRESS_EVENT,
    KEY_RELEASE_EVENT, Keycode, MOTION_NOTIFY_EVENT, Window,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

use crate::error::{RemoteError, x11};
use crate::input::{InputEvent, InputSink};

const SHIFT_L: u32 = 0xffe1;

/// The keyboard map as read from the server.
struct Keymap {
    min_keycode: u8,
    per_keycode: u8,
    /// `per_keycode` keysyms for each keycode from `min_keycode` on.
    keysyms: Vec<u32>,
    /// Keycodes that had no keysym at all, free to bind on demand.
    spares: Vec<Keycode>,
    next_spare: usize,
}

impl Keymap {
    /// The keycode producing `keysym` and whether Shift is needed (column 1).
    fn find(&self, keysym: u32) -> Option<(Keycode, bool)> {
        let per = usize::from(self.per_keycode).max(1);
        self.keysyms
            .chunks(per)
            .enumerate()
            .find_map(|(i, syms)| {
                let column = syms.iter().take(2).position(|s| *s == keysym)?;
                Some((i, column == 1))
            })
            .and_then(|(i, shifted)| {
                let code = u8::try_from(usize::from(self.min_keycode) + i).ok()?;
                Some((code, shifted))
            })
    }
}

/// Pointer and keyboard injection into one X display.
pub struct XTestInput {
    conn: RustConnection,
    root: Window,
    keymap: Keymap,
    /// Keys the viewer holds down (so Shift is not pressed twice).
    held: HashSet<Keycode>,
    /// Keys pressed with an added Shift, released with it.
    shifted: HashSet<Keycode>,
}

impl XTestInput {
    /// Connect to `display` (`":1"`), or to `$DISPLAY` when `None`.
    pub fn connect(display: Option<&str>) -> Result<XTestInput, RemoteError> {
        let (conn, screen_num) = x11rb::connect(display).map_err(x11)?;
        if conn
            .extension_information(x11rb::protocol::xtest::X11_EXTENSION_NAME)
            .map_err(x11)?
            .is_none()
        {
            return Err(RemoteError::MissingExtension("XTEST"));
        }
        let setup = conn.setup();
        let root = setup
            .roots
            .get(screen_num)
            .ok_or_else(|| RemoteError::X11("no such screen".into()))?
            .root;
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let reply = conn
            .get_keyboard_mapping(min, max.saturating_sub(min).saturating_add(1))
            .map_err(x11)?
            .reply()
            .map_err(x11)?;
        let per = usize::from(reply.keysyms_per_keycode).max(1);
        let spares = reply
            .keysyms
            .chunks(per)
            .enumerate()
            .filter(|(_, syms)| syms.iter().all(|s| *s == 0))
            .filter_map(|(i, _)| u8::try_from(usize::from(min) + i).ok())
            .collect();
        Ok(XTestInput {
            keymap: Keymap {
                min_keycode: min,
                per_keycode: reply.keysyms_per_keycode,
                keysyms: reply.keysyms,
                spares,
                next_spare: 0,
            },
            conn,
            root,
            held: HashSet::new(),
            shifted: HashSet::new(),
        })
    }

    fn fake(&self, kind: u8, detail: u8, x: i16, y: i16) -> Result<(), RemoteError> {
        self.conn
            .xtest_fake_input(kind, detail, 0, self.root, x, y, 0)
            .map_err(x11)?;
        Ok(())
    }

    /// The keycode of `keysym`, binding a spare keycode when no key has it.
    fn keycode(&mut self, keysym: u32) -> Result<(Keycode, bool), RemoteError> {
        if let Some(found) = self.keymap.find(keysym) {
            return Ok(found);
        }
        let spares = &self.keymap.spares;
        let code = *spares
            .get(self.keymap.next_spare % spares.len().max(1))
            .ok_or(RemoteError::UnmappableKeysym(keysym))?;
        self.keymap.next_spare += 1;
        let per = self.keymap.per_keycode.max(1);
        let syms = vec![keysym; usize::from(per)];
        self.conn
            .change_keyboard_mapping(1, code, per, &syms)
            .map_err(x11)?
            .check()
            .map_err(x11)?;
        let at = usize::from(code - self.keymap.min_keycode) * usize::from(per);
        if let Some(slot) = self.keymap.keysyms.get_mut(at..at + usize::from(per)) {
            slot.copy_from_slice(&syms);
        }
        Ok((code, false))
    }

    fn key(&mut self, keysym: u32, down: bool) -> Result<(), RemoteError> {
        let (code, needs_shift) = self.keycode(keysym)?;
        let shift = self.keymap.find(SHIFT_L).map(|(c, _)| c);
        if down {
            if needs_shift
                && let Some(shift) = shift
                && !self.held.contains(&shift)
            {
                self.fake(KEY_PRESS_EVENT, shift, 0, 0)?;
                self.shifted.insert(code);
            }
            self.fake(KEY_PRESS_EVENT, code, 0, 0)?;
            self.held.insert(code);
        } else {
            self.fake(KEY_RELEASE_EVENT, code, 0, 0)?;
            self.held.remove(&code);
            if self.shifted.remove(&code)
                && let Some(shift) = shift
            {
                self.fake(KEY_RELEASE_EVENT, shift, 0, 0)?;
            }
        }
        Ok(())
    }

    fn click(&self, button: u8, times: u8) -> Result<(), RemoteError> {
        for _ in 0..times {
            self.fake(BUTTON_PRESS_EVENT, button, 0, 0)?;
            self.fake(BUTTON_RELEASE_EVENT, button, 0, 0)?;
        }
        Ok(())
    }
}

impl InputSink for XTestInput {
    fn apply(&mut self, ev: &InputEvent) -> Result<(), RemoteError> {
        match ev {
            InputEvent::PointerMove { x, y } => {
                let clamp = |v: u16| i16::try_from(v).unwrap_or(i16::MAX);
                self.fake(MOTION_NOTIFY_EVENT, 0, clamp(*x), clamp(*y))?;
            }
            InputEvent::Button { button, down } => {
                let kind = if *down {
                    BUTTON_PRESS_EVENT
                } else {
                    BUTTON_RELEASE_EVENT
                };
                self.fake(kind, *button, 0, 0)?;
            }
            InputEvent::Wheel { dx, dy } => {
                // X buttons 4/5 scroll up/down, 6/7 left/right.
                self.click(if *dy < 0 { 4 } else { 5 }, dy.unsigned_abs())?;
                self.click(if *dx < 0 { 6 } else { 7 }, dx.unsigned_abs())?;
            }
            InputEvent::Key { keysym, down } => self.key(*keysym, *down)?,
            InputEvent::Combo { keysyms } => {
                for k in keysyms {
                    self.key(*k, true)?;
                }
                for k in keysyms.iter().rev() {
                    self.key(*k, false)?;
                }
            }
            // The host's clipboard, not the keyboard, takes pasted text.
            InputEvent::Clipboard { .. } => {}
        }
        self.conn.flush().map_err(x11)?;
        Ok(())
    }
}
