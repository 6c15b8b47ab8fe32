//! XTEST injection of keysyms that are not on the keyboard: a spare keycode is bound to them.

use linedesk_remote::xvfb::VirtualDisplay;
use linedesk_remote::{InputEvent, InputSink, XTestInput};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::ConnectionExt as _;

fn keycodes_of(display: &str, keysym: u32) -> Vec<u8> {
    let (conn, _) = x11rb::connect(Some(display)).expect("connect");
    let (min, max) = (conn.setup().min_keycode, conn.setup().max_keycode);
    let map = conn
        .get_keyboard_mapping(min, max - min + 1)
        .expect("request")
        .reply()
        .expect("reply");
    let per = usize::from(map.keysyms_per_keycode);
    map.keysyms
        .chunks(per)
        .enumerate()
        .filter(|(_, syms)| syms.contains(&keysym))
        .map(|(i, _)| min + i as u8)
        .collect()
}

#[test]
fn a_keysym_off_the_keyboard_is_bound_to_a_spare_keycode() {
    let display = VirtualDisplay::start(320, 200).expect("Xvfb");
    let name = display.name();
    let cyrillic_zhe = 0x0100_0436; // Unicode keysym of 'ж', not on the US map of Xvfb
    assert!(keycodes_of(&name, cyrillic_zhe).is_empty());
    let mut input = XTestInput::connect(Some(&name)).expect("xtest");
    for down in [true, false] {
        input
            .apply(&InputEvent::Key {
                keysym: cyrillic_zhe,
                down,
            })
            .expect("typed");
    }
    assert_eq!(keycodes_of(&name, cyrillic_zhe).len(), 1);
    // Keys on the map stay where they are: 'a' is not rebound.
    let a_before = keycodes_of(&name, 0x61);
    input
        .apply(&InputEvent::Key {
            keysym: 0x61,
            down: true,
        })
        .expect("a");
    input
        .apply(&InputEvent::Key {
            keysym: 0x61,
            down: false,
        })
        .expect("a");
    assert_eq!(keycodes_of(&name, 0x61), a_before);
}
