//! The fallback for headsets whose buttons arrive only as key events (no Telephony collection:
//! the kernel turns their Consumer page into KEY_PLAYPAUSE, KEY_PHONE, KEY_MICMUTE...), pure:
//! Linux `input_event` records in, presses out, as input reports of a small descriptor of our own
//! (a relative Hook Switch and a relative Phone Mute) so the device side and the call logic stay
//! the same for both kinds of headset.

/// One `struct input_event` on a 64-bit Linux: a `timeval` (16 bytes), type, code (u16 each) and
/// value (i32), native (little) endian.
pub const EVENT_LEN: usize = 24;

const EV_KEY: u16 = 0x01;
/// Key codes of `linux/input-event-codes.h`.
pub const KEY_PLAYPAUSE: u16 = 164;
pub const KEY_PHONE: u16 = 169;
pub const KEY_PLAYCD: u16 = 200;
pub const KEY_PAUSECD: u16 = 201;
pub const KEY_MICMUTE: u16 = 248;
/// The keys a headset's call button sends; any of them marks an input device as a candidate.
pub const HOOK_KEYS: [u16; 4] = [KEY_PHONE, KEY_PLAYPAUSE, KEY_PLAYCD, KEY_PAUSECD];
pub const MUTE_KEYS: [u16; 1] = [KEY_MICMUTE];

/// SYNTHETIC, ours: the descriptor the key fallback presents to the device side. Report 1, bit 0
/// Hook Switch, bit 1 Phone Mute, both relative (a 1 per press); no LEDs.
pub const KEYS_DESCRIPTOR: [u8; 27] = [
    0x05, 0x0B, // Usage Page (Telephony)
    0x09, 0x05, // Usage (Headset)
    0xA1, 0x01, // Collection (Application)
    0x85, 0x01, //   Report ID (1)
    0x15, 0x00, 0x25, 0x01, // Logical Minimum (0), Maximum (1)
    0x09, 0x20, 0x09, 0x2F, //   Usage (Hook Switch), Usage (Phone Mute)
    0x75, 0x01, 0x95, 0x02, //   Report Size (1), Count (2)
    0x81, 0x06, //   Input (Data, Var, Rel)
    0x95, 0x06, //   Report Count (6) (padding: Report Size 1, Input Const)
    0x81, 0x01, //
    0xC0, // End Collection
];

/// The report for one `input_event` record: a press of a hook or mute key, else `None`
/// (releases, repeats, other events, a short record).
pub fn report_for(event: &[u8]) -> Option<[u8; 2]> {
    let field = |at: usize| -> Option<[u8; 2]> { event.get(at..at + 2)?.try_into().ok() };
    let kind = u16::from_ne_bytes(field(16)?);
    let code = u16::from_ne_bytes(field(18)?);
    let value = i32::from_ne_bytes(event.get(20..24)?.try_into().ok()?);
    if kind != EV_KEY || value != 1 {
        return None;
    }
    if HOOK_KEYS.contains(&code) {
        Some([0x01, 0b01])
    } else if MUTE_KEYS.contains(&code) {
        Some([0x01, 0b10])
    } else {
        None
    }
}

/// Whether an input device's `capabilities/key` (sysfs: hex words, most significant first,
/// 64 bits each on a 64-bit kernel) has any of `codes`.
pub fn has_any_key(capabilities: &str, codes: &[u16]) -> bool {
    let words: Vec<u64> = capabilities
        .split_whitespace()
        .rev()
        .map(|w| u64::from_str_radix(w, 16).unwrap_or(0))
        .collect();
    codes.iter().any(|code| {
        let word = usize::from(*code / 64);
        words.get(word).is_some_and(|w| (w >> (code % 64)) & 1 == 1)
    })
}
