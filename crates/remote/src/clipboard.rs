//! [`X11Clipboard`]: the X `CLIPBOARD` selection as UTF-8 text, through x11rb selections.
//!
//! X has no clipboard store: the owner of the selection serves every paste. Setting text
//! makes this process the owner, and a thread with its own connection answers
//! `SelectionRequest`s (`TARGETS`, `UTF8_STRING`, `STRING`) until another program takes the
//! selection or this is dropped. Reading converts the selection into a property of a second,
//! private window and waits up to a second for the owner's answer. Texts are at most
//! [`MAX_CLIPBOARD_BYTES`] (longer ones are cut at a character boundary); INCR transfers are
//! not used at that size.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ClientMessageEvent, ConnectionExt as _, CreateWindowAux, EventMask, PropMode,
    SELECTION_NOTIFY_EVENT, SelectionNotifyEvent, Window, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::{CURRENT_TIME, NONE};

use crate::error::RemoteError;
use crate::input::{Clipboard, MAX_CLIPBOARD_BYTES};

const ANSWER_WAIT: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
struct Atoms {
    clipboard: Atom,
    targets: Atom,
    utf8: Atom,
    property: Atom,
    stop: Atom,
}

fn clip(e: impl std::fmt::Display) -> RemoteError {
    RemoteError::Clipboard(e.to_string())
}

fn atoms(conn: &RustConnection) -> Result<Atoms, RemoteError> {
    let atom = |name: &[u8]| -> Result<Atom, RemoteError> {
        Ok(conn
            .intern_atom(false, name)
            .map_err(clip)?
            .reply()
            .map_err(clip)?
            .atom)
    };
    Ok(Atoms {
        clipboard: atom(b"CLIPBOARD")?,
        targets: atom(b"TARGETS")?,
        utf8: atom(b"UTF8_STRING")?,
        property: atom(b"LINEDESK_CLIPBOARD")?,
        stop: atom(b"LINEDESK_CLIPBOARD_STOP")?,
    })
}

fn window(conn: &RustConnection, screen_num: usize) -> Result<Window, RemoteError> {
    let root = conn
        .setup()
        .roots
        .get(screen_num)
        .ok_or_else(|| RemoteError::Clipboard("no such screen".into()))?
        .root;
    let id = conn.generate_id().map_err(clip)?;
    conn.create_window(
        0,
        id,
        root,
        0,
        0,
        1,
        1,
        0,
        WindowClass::INPUT_ONLY,
        0,
        &CreateWindowAux::new().event_mask(EventMask::PROPERTY_CHANGE),
    )
    .map_err(clip)?
    .check()
    .map_err(clip)?;
    Ok(id)
}

/// The clipboard of one X display.
pub struct X11Clipboard {
    owner: Arc<RustConnection>,
    owner_window: Window,
    reader: RustConnection,
    reader_window: Window,
    atoms: Atoms,
    /// The text this process serves while it owns the selection.
    owned: Arc<Mutex<Option<String>>>,
    server: Option<JoinHandle<()>>,
}

impl X11Clipboard {
    /// Connect to `display` (`":1"`), or to `$DISPLAY` when `None`.
    pub fn connect(display: Option<&str>) -> Result<X11Clipboard, RemoteError> {
        let (owner, owner_screen) = x11rb::connect(display).map_err(clip)?;
        let (reader, reader_screen) = x11rb::connect(display).map_err(clip)?;
        let atoms = atoms(&owner)?;
        let owner_window = window(&owner, owner_screen)?;
        let reader_window = window(&reader, reader_screen)?;
        let owner = Arc::new(owner);
        let owned = Arc::new(Mutex::new(None));
        let server = {
            let (conn, owned) = (owner.clone(), owned.clone());
            std::thread::spawn(move || serve(&conn, atoms, &owned))
        };
        Ok(X11Clipboard {
            owner,
            owner_window,
            reader,
            reader_window,
            atoms,
            owned,
            server: Some(server),
        })
    }

    fn owned(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.owned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clipboard for X11Clipboard {
    fn get_text(&mut self) -> Result<Option<String>, RemoteError> {
        let a = self.atoms;
        let owner = self
            .reader
            .get_selection_owner(a.clipboard)
            .map_err(clip)?
            .reply()
            .map_err(clip)?
            .owner;
        if owner == NONE {
            return Ok(None);
        }
        if owner == self.owner_window {
            return Ok(self.owned().clone());
        }
        self.reader
            .convert_selection(
                self.reader_window,
                a.clipboard,
                a.utf8,
                a.property,
                CURRENT_TIME,
            )
            .map_err(clip)?;
        self.reader.flush().map_err(clip)?;
        let deadline = Instant::now() + ANSWER_WAIT;
        while Instant::now() < deadline {
            match self.reader.poll_for_event().map_err(clip)? {
                Some(Event::SelectionNotify(ev)) if ev.requestor == self.reader_window => {
                    if ev.property == NONE {
                        return Ok(None);
                    }
                    let reply = self
                        .reader
                        .get_property(
                            true,
                            self.reader_window,
                            a.property,
                            AtomEnum::ANY,
                            0,
                            (MAX_CLIPBOARD_BYTES / 4 + 1) as u32,
                        )
                        .map_err(clip)?
                        .reply()
                        .map_err(clip)?;
                    let text = String::from_utf8_lossy(&reply.value).into_owned();
                    return Ok(Some(cut(text)));
                }
                Some(_) => {}
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        Err(RemoteError::Clipboard("the owner did not answer".into()))
    }

    fn set_text(&mut self, text: &str) -> Result<(), RemoteError> {
        *self.owned() = Some(cut(text.to_owned()));
        self.owner
            .set_selection_owner(self.owner_window, self.atoms.clipboard, CURRENT_TIME)
            .map_err(clip)?
            .check()
            .map_err(clip)?;
        Ok(())
    }
}

impl Drop for X11Clipboard {
    fn drop(&mut self) {
        // Wake the serving thread with a message to its own window.
        let ev = ClientMessageEvent::new(32, self.owner_window, self.atoms.stop, [0u32; 5]);
        let _ = self
            .owner
            .send_event(false, self.owner_window, EventMask::NO_EVENT, ev);
        let _ = self.owner.flush();
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

fn cut(mut text: String) -> String {
    if text.len() > MAX_CLIPBOARD_BYTES {
        let mut end = MAX_CLIPBOARD_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Answer paste requests while this process owns the selection.
fn serve(conn: &RustConnection, a: Atoms, owned: &Mutex<Option<String>>) {
    while let Ok(event) = conn.wait_for_event() {
        match event {
            Event::SelectionRequest(req) => {
                // Old clients name no property: use the target (ICCCM 2.2).
                let property = if req.property == NONE {
                    req.target
                } else {
                    req.property
                };
                let text = owned
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                let answered = if req.target == a.targets {
                    conn.change_property32(
                        PropMode::REPLACE,
                        req.requestor,
                        property,
                        AtomEnum::ATOM,
                        &[a.targets, a.utf8, AtomEnum::STRING.into()],
                    )
                    .is_ok()
                } else if let Some(text) = text
                    .filter(|_| req.target == a.utf8 || req.target == u32::from(AtomEnum::STRING))
                {
                    conn.change_property8(
                        PropMode::REPLACE,
                        req.requestor,
                        property,
                        req.target,
                        text.as_bytes(),
                    )
                    .is_ok()
                } else {
                    false
                };
                let notify = SelectionNotifyEvent {
                    response_type: SELECTION_NOTIFY_EVENT,
                    sequence: 0,
                    time: req.time,
                    requestor: req.requestor,
                    selection: req.selection,
                    target: req.target,
                    property: if answered { property } else { NONE },
                };
                let _ = conn.send_event(false, req.requestor, EventMask::NO_EVENT, notify);
                let _ = conn.flush();
            }
            Event::SelectionClear(_) => {
                *owned
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
            }
            Event::ClientMessage(msg) if msg.type_ == a.stop => return,
            _ => {}
        }
    }
}
