//! ALSA's library reports what it cannot find (no card 0, no PulseAudio to connect to, an
//! unknown PCM in its own configuration) by writing "ALSA lib ..." lines to stderr: on a
//! machine without a sound card, listing the devices printed about thirty of them. Every probe
//! of [`crate::CpalBackend`] runs inside [`quietly`], which gives ALSA a buffer of this
//! thread to write them to instead (`alsa::Output::local_error_handler`, alsa-lib's
//! `snd_lib_error_set_local`); what the app could not find it says itself, once and in plain
//! words (`AudioError`, the devices list's `problem`).

/// Run `probe` with ALSA's error reports on this thread kept in a buffer instead of printed;
/// returns its result and the reports ALSA made meanwhile (empty when none).
pub fn quietly<T>(probe: impl FnOnce() -> T) -> (T, String) {
    // A new buffer per probe: the one before (and what reached it since) is dropped. Without
    // one (alsa-lib could not allocate it), ALSA prints as it always did.
    let buffer = alsa::Output::local_error_handler().ok();
    let result = probe();
    let reports = buffer.map(|b| b.borrow().to_string()).unwrap_or_default();
    (result, reports)
}
