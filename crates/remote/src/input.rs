//! The specialist's input: [`InputEvent`] as JSON on the `input` channel, checked strictly
//! ([`InputEvent::decode`], [`InputEvent::check`]), and the [`InputSink`] that injects it on
//! the client's PC. The X11 sink is in [`crate::xtest`].

use serde::{Deserialize, Serialize};

use crate::error::RemoteError;

/// Longest clipboard text carried, in bytes of UTF-8.
pub const MAX_CLIPBOARD_BYTES: usize = 8 * 1024;
/// Longest input message accepted (a clipboard event whose text is all escapes fits).
pub const MAX_INPUT_MESSAGE: usize = 60 * 1024;
/// Most keys in one [`InputEvent::Combo`].
pub const MAX_COMBO_KEYS: usize = 8;
/// Most wheel clicks in one event, each way.
pub const MAX_WHEEL_CLICKS: i8 = 10;
/// X keysyms are 29-bit values.
const MAX_KEYSYM: u32 = 0x1fff_ffff;

/// One input action of the viewer, in the remote screen's pixels and X keysyms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InputEvent {
    /// Move the pointer to (`x`, `y`), screen pixels from the top left.
    PointerMove { x: u16, y: u16 },
    /// Press or release a button: 1 left, 2 middle, 3 right, 8 back, 9 forward (the wheel is
    /// [`InputEvent::Wheel`]).
    Button { button: u8, down: bool },
    /// Scroll by clicks: `dy` > 0 down, `dx` > 0 right.
    Wheel { dx: i8, dy: i8 },
    /// Press or release the key producing X keysym `keysym` (`0x61` 'a', `0xff0d` Return).
    Key { keysym: u32, down: bool },
    /// Press these keys in order, then release them in reverse (Ctrl+Alt+Delete is
    /// `[0xffe3, 0xffe9, 0xffff]`).
    Combo { keysyms: Vec<u32> },
    /// Clipboard text: the viewer's, to paste on the host; or the host's, for the viewer.
    Clipboard { text: String },
}

/// Ctrl+Alt+Delete as a combo.
pub fn ctrl_alt_delete() -> InputEvent {
    InputEvent::Combo {
        keysyms: vec![0xffe3, 0xffe9, 0xffff],
    }
}

impl InputEvent {
    /// The JSON form; fails only when a clipboard text is over the limit.
    pub fn encode(&self) -> Result<String, RemoteError> {
        self.check_shape()?;
        let json = serde_json::to_string(self).map_err(|e| RemoteError::BadInput(e.to_string()))?;
        if json.len() > MAX_INPUT_MESSAGE {
            return Err(RemoteError::BadInput("message too long".into()));
        }
        Ok(json)
    }

    /// Parse one message: size limit first, then strict JSON (unknown kinds and fields are
    /// refused), then [`InputEvent::check_shape`]. Screen bounds are checked by the host,
    /// which knows its size ([`InputEvent::check`]).
    pub fn decode(bytes: &[u8]) -> Result<InputEvent, RemoteError> {
        if bytes.len() > MAX_INPUT_MESSAGE {
            return Err(RemoteError::BadInput("message too long".into()));
        }
        let event: InputEvent =
            serde_json::from_slice(bytes).map_err(|e| RemoteError::BadInput(e.to_string()))?;
        event.check_shape()?;
        Ok(event)
    }

    /// Limits that do not depend on the screen: buttons, wheel clicks, keysyms, combo length,
    /// clipboard size.
    pub fn check_shape(&self) -> Result<(), RemoteError> {
        let bad = |why: &str| Err(RemoteError::BadInput(why.into()));
        match self {
            InputEvent::PointerMove { .. } => Ok(()),
            InputEvent::Button { button, .. } => match button {
                1..=3 | 8 | 9 => Ok(()),
                _ => bad("unknown button"),
            },
            InputEvent::Wheel { dx, dy } => {
                if (*dx == 0 && *dy == 0)
                    || dx.unsigned_abs() > MAX_WHEEL_CLICKS.unsigned_abs()
                    || dy.unsigned_abs() > MAX_WHEEL_CLICKS.unsigned_abs()
                {
                    bad("wheel clicks")
                } else {
                    Ok(())
                }
            }
            InputEvent::Key { keysym, .. } => check_keysym(*keysym),
            InputEvent::Combo { keysyms } => {
                if keysyms.is_empty() || keysyms.len() > MAX_COMBO_KEYS {
                    return bad("combo length");
                }
                for (i, k) in keysyms.iter().enumerate() {
                    check_keysym(*k)?;
                    if keysyms[..i].contains(k) {
                        return bad("a key twice in a combo");
                    }
                }
                Ok(())
            }
            InputEvent::Clipboard { text } => {
                if text.len() > MAX_CLIPBOARD_BYTES {
                    bad("clipboard text too long")
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Everything [`InputEvent::check_shape`] checks, and the pointer inside a
    /// `width` x `height` screen.
    pub fn check(&self, (width, height): (u16, u16)) -> Result<(), RemoteError> {
        self.check_shape()?;
        if let InputEvent::PointerMove { x, y } = self
            && (*x >= width || *y >= height)
        {
            return Err(RemoteError::BadInput("pointer outside the screen".into()));
        }
        Ok(())
    }
}

fn check_keysym(keysym: u32) -> Result<(), RemoteError> {
    if keysym == 0 || keysym > MAX_KEYSYM {
        Err(RemoteError::BadInput(format!("keysym {keysym:#x}")))
    } else {
        Ok(())
    }
}

/// Where input is injected on the client's PC.
pub trait InputSink: Send {
    /// Inject one checked event.
    fn apply(&mut self, ev: &InputEvent) -> Result<(), RemoteError>;
}

/// The client's clipboard (text only).
pub trait Clipboard: Send {
    /// The current text, `None` when the clipboard is empty or holds no text.
    fn get_text(&mut self) -> Result<Option<String>, RemoteError>;
    /// Own the clipboard with `text`.
    fn set_text(&mut self, text: &str) -> Result<(), RemoteError>;
}

/// The keysyms that type `text` (ASCII and Latin-1 map to themselves, other characters to
/// Unicode keysyms `0x0100_0000 + code point`, `\n` to Return), as key down/up pairs.
pub fn type_text(text: &str) -> Vec<InputEvent> {
    text.chars()
        .flat_map(|c| {
            let keysym = match c {
                '\n' => 0xff0d,
                '\t' => 0xff09,
                ' '..='~' | '\u{a0}'..='\u{ff}' => c as u32,
                _ => 0x0100_0000 + c as u32,
            };
            [
                InputEvent::Key { keysym, down: true },
                InputEvent::Key {
                    keysym,
                    down: false,
                },
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_the_agreed_json() {
        let ev = InputEvent::Key {
            keysym: 0xff0d,
            down: true,
        };
        assert_eq!(
            ev.encode().expect("encode"),
            r#"{"kind":"key","keysym":65293,"down":true}"#
        );
        assert_eq!(
            InputEvent::decode(br#"{"kind":"pointer_move","x":3,"y":4}"#).expect("decode"),
            InputEvent::PointerMove { x: 3, y: 4 }
        );
    }

    #[test]
    fn garbage_is_refused_with_a_typed_error() {
        for bad in [
            &b"\xff\x00garbage"[..],
            br#"{"kind":"teleport","x":1}"#,
            br#"{"kind":"key","keysym":97,"down":true,"extra":1}"#,
            br#"{"kind":"button","button":4,"down":true}"#,
            br#"{"kind":"wheel","dx":0,"dy":0}"#,
            br#"{"kind":"key","keysym":0,"down":true}"#,
            br#"{"kind":"combo","keysyms":[]}"#,
            br#"{"kind":"combo","keysyms":[97,97]}"#,
            br#"{"kind":"pointer_move","x":-1,"y":4}"#,
            br#"{"kind":"pointer_move","x":70000,"y":4}"#,
        ] {
            assert!(
                matches!(InputEvent::decode(bad), Err(RemoteError::BadInput(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let long = format!(
            r#"{{"kind":"clipboard","text":"{}"}}"#,
            "x".repeat(MAX_CLIPBOARD_BYTES + 1)
        );
        assert!(InputEvent::decode(long.as_bytes()).is_err());
        assert!(InputEvent::decode(&vec![b' '; MAX_INPUT_MESSAGE + 1]).is_err());
    }

    #[test]
    fn the_pointer_must_stay_on_the_screen() {
        let ev = InputEvent::PointerMove { x: 1280, y: 10 };
        assert!(ev.check((1280, 800)).is_err());
        assert!(
            InputEvent::PointerMove { x: 1279, y: 799 }
                .check((1280, 800))
                .is_ok()
        );
    }
}
