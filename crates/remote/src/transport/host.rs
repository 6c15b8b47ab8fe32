//! [`Host`]: the client's end. Grabs the screen at up to `max_fps`, sends only the changed
//! tiles, and injects the viewer's input after checking it; bad input is counted and
//! dropped, never fatal.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use linedesk_protocol::SignalPayload;
use tokio::sync::{Notify, mpsc, watch};
use webrtc::data_channel::{DataChannel, DataChannelEvent};

use super::chunk::{self, KEYFRAME_REQUEST};
use super::link::{Link, Shared};
use super::{EndReason, INPUT_LABEL, SCREEN_LABEL, SessionConfig, SessionState};
use crate::error::RemoteError;
use crate::input::{Clipboard, InputEvent, InputSink};
use crate::screen::Screen;
use crate::tiles::TileEncoder;

/// How the host paces the screen.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Most screen grabs a second.
    pub max_fps: u32,
    /// Skip a grab while more than this many bytes wait unsent on the `screen` channel.
    pub max_backlog: usize,
    /// How often the host's clipboard is read for changes (`None`: never sent to the viewer).
    pub clipboard_poll: Option<Duration>,
}

impl Default for HostOptions {
    fn default() -> HostOptions {
        HostOptions {
            max_fps: 15,
            max_backlog: 1024 * 1024,
            clipboard_poll: Some(Duration::from_secs(1)),
        }
    }
}

/// The app's ends of a host.
pub struct HostChannels {
    /// The answer first, then trickled candidates: relay them to the viewer.
    pub signals: mpsc::UnboundedReceiver<SignalPayload>,
}

/// What the host has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Screen grabs made.
    pub grabs: u64,
    /// Updates sent (a still screen sends none).
    pub frames_sent: u64,
    /// Bytes put on the `screen` channel (chunk headers included).
    pub bytes_sent: u64,
    /// Input events injected.
    pub inputs_applied: u64,
    /// Input messages refused (garbage, over a limit, off the screen) or that failed to apply.
    pub rejected_inputs: u64,
}

#[derive(Default)]
struct Counters {
    grabs: AtomicU64,
    frames_sent: AtomicU64,
    bytes_sent: AtomicU64,
    inputs_applied: AtomicU64,
    rejected_inputs: AtomicU64,
}

/// The parts of the host its tasks share.
struct Core {
    shared: Arc<Shared>,
    counters: Counters,
    keyframe: AtomicBool,
    /// Woken by the first keyframe request: the viewer's channel is open, grabbing starts.
    start: Notify,
    started: AtomicBool,
    size: (u16, u16),
    input: Mutex<Option<Box<dyn InputSink>>>,
    clipboard: Mutex<Option<Box<dyn Clipboard>>>,
    /// The clipboard text last set by or sent to the viewer (not echoed back).
    last_clipboard: Mutex<Option<String>>,
}

/// The client's side of a remote session.
pub struct Host {
    link: Link,
    core: Arc<Core>,
}

impl Host {
    /// Answer the viewer's `offer`: the answer is the first item of `signals`.
    pub async fn answer(
        config: SessionConfig,
        offer: SignalPayload,
        screen: Box<dyn Screen>,
        input: Box<dyn InputSink>,
        clipboard: Option<Box<dyn Clipboard>>,
        options: HostOptions,
    ) -> Result<(Host, HostChannels), RemoteError> {
        let (link, mut ends) = Link::new(&config, false, 0).await?;
        let core = Arc::new(Core {
            shared: link.shared.clone(),
            counters: Counters::default(),
            keyframe: AtomicBool::new(true),
            start: Notify::new(),
            started: AtomicBool::new(false),
            size: screen.size(),
            input: Mutex::new(Some(input)),
            clipboard: Mutex::new(clipboard),
            last_clipboard: Mutex::new(None),
        });
        link.answer(offer).await?;
        let tasks = core.clone();
        tokio::spawn(async move {
            let mut screen = Some(screen);
            while let Some(channel) = ends.channels.recv().await {
                match channel.label().await.as_deref() {
                    Ok(SCREEN_LABEL) => {
                        if let Some(screen) = screen.take() {
                            tokio::spawn(serve_screen(
                                channel,
                                tasks.clone(),
                                screen,
                                options.clone(),
                            ));
                        }
                    }
                    Ok(INPUT_LABEL) => {
                        tokio::spawn(serve_input(channel, tasks.clone(), options.clone()));
                    }
                    // A channel this protocol does not have: refuse it.
                    _ => {
                        let _ = channel.close().await;
                    }
                }
            }
        });
        Ok((
            Host { link, core },
            HostChannels {
                signals: ends.signals,
            },
        ))
    }

    /// A signal the viewer sent (its candidates).
    pub async fn signal(&self, payload: SignalPayload) -> Result<(), RemoteError> {
        self.link.signal(payload).await
    }

    pub fn stats(&self) -> HostStats {
        let c = &self.core.counters;
        HostStats {
            grabs: c.grabs.load(Ordering::Relaxed),
            frames_sent: c.frames_sent.load(Ordering::Relaxed),
            bytes_sent: c.bytes_sent.load(Ordering::Relaxed),
            inputs_applied: c.inputs_applied.load(Ordering::Relaxed),
            rejected_inputs: c.rejected_inputs.load(Ordering::Relaxed),
        }
    }

    pub fn state(&self) -> SessionState {
        self.link.shared.state()
    }

    /// Every change of [`Host::state`].
    pub fn watch(&self) -> watch::Receiver<SessionState> {
        self.link.shared.watch()
    }

    /// End the session and close the transport.
    pub async fn close(&self) {
        self.link.close().await;
    }
}

/// Keyframe requests in, screen updates out, until the session ends.
async fn serve_screen(
    channel: Arc<dyn DataChannel>,
    core: Arc<Core>,
    screen: Box<dyn Screen>,
    options: HostOptions,
) {
    tokio::spawn(capture(channel.clone(), core.clone(), screen, options));
    while let Some(event) = channel.poll().await {
        match event {
            DataChannelEvent::OnMessage(msg) if msg.data.as_ref() == [KEYFRAME_REQUEST] => {
                core.keyframe.store(true, Ordering::SeqCst);
                if !core.started.swap(true, Ordering::SeqCst) {
                    core.start.notify_one();
                }
            }
            DataChannelEvent::OnClose => break,
            _ => {}
        }
    }
    core.shared.end(EndReason::RemoteClosed);
}

/// Grab, encode and send at up to `max_fps`, from the viewer's first keyframe request on.
async fn capture(
    channel: Arc<dyn DataChannel>,
    core: Arc<Core>,
    screen: Box<dyn Screen>,
    options: HostOptions,
) {
    let mut states = core.shared.watch();
    tokio::select! {
        () = core.start.notified() => {}
        _ = states.wait_for(|s| s.is_over()) => return,
    }
    let period = Duration::from_secs(1) / options.max_fps.max(1);
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut work = Some((screen, TileEncoder::new()));
    let mut seq = 0u32;
    loop {
        ticks.tick().await;
        if core.shared.state().is_over() {
            return;
        }
        // A slow link: let SCTP drain before the next grab (the next update then carries
        // everything that changed meanwhile).
        if channel.outstanding_bytes().await.unwrap_or(0) > options.max_backlog {
            continue;
        }
        let Some((mut screen, mut encoder)) = work.take() else {
            return;
        };
        if core.keyframe.swap(false, Ordering::SeqCst) {
            encoder.force_keyframe();
        }
        let joined = tokio::task::spawn_blocking(move || {
            let update = screen
                .grab()
                .map(|frame| encoder.encode(frame).map(|u| u.encode()));
            (screen, encoder, update)
        })
        .await;
        let Ok((screen, encoder, update)) = joined else {
            core.shared.end(EndReason::Failed);
            return;
        };
        work = Some((screen, encoder));
        core.counters.grabs.fetch_add(1, Ordering::Relaxed);
        let bytes = match update {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            // A failed grab (the X server went away): try again next tick, send a keyframe.
            Err(_) => {
                core.keyframe.store(true, Ordering::SeqCst);
                continue;
            }
        };
        seq = seq.wrapping_add(1);
        for part in chunk::split(seq, &bytes) {
            let len = part.len() as u64;
            if channel.send(BytesMut::from(&part[..])).await.is_err() {
                return;
            }
            core.counters.bytes_sent.fetch_add(len, Ordering::Relaxed);
        }
        core.counters.frames_sent.fetch_add(1, Ordering::Relaxed);
    }
}

/// Input in (checked, injected in order), the host's clipboard out.
async fn serve_input(channel: Arc<dyn DataChannel>, core: Arc<Core>, options: HostOptions) {
    if let Some(every) = options.clipboard_poll {
        tokio::spawn(watch_clipboard(channel.clone(), core.clone(), every));
    }
    while let Some(event) = channel.poll().await {
        match event {
            DataChannelEvent::OnMessage(msg) => {
                let ok = match InputEvent::decode(&msg.data).and_then(|ev| {
                    ev.check(core.size)?;
                    Ok(ev)
                }) {
                    Ok(ev) => apply(&core, ev).await.is_ok(),
                    Err(_) => false,
                };
                let counter = if ok {
                    &core.counters.inputs_applied
                } else {
                    &core.counters.rejected_inputs
                };
                counter.fetch_add(1, Ordering::Relaxed);
            }
            DataChannelEvent::OnClose => break,
            _ => {}
        }
    }
    core.shared.end(EndReason::RemoteClosed);
}

/// Inject one checked event (X calls block: off the async threads).
async fn apply(core: &Arc<Core>, ev: InputEvent) -> Result<(), RemoteError> {
    let core = core.clone();
    tokio::task::spawn_blocking(move || {
        if let InputEvent::Clipboard { text } = &ev {
            *core
                .last_clipboard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(text.clone());
            return match core
                .clipboard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_mut()
            {
                Some(clipboard) => clipboard.set_text(text),
                None => Err(RemoteError::Clipboard("no clipboard on this host".into())),
            };
        }
        match core
            .input
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
        {
            Some(sink) => sink.apply(&ev),
            None => Err(RemoteError::Over),
        }
    })
    .await
    .map_err(|e| RemoteError::Transport(e.to_string()))?
}

/// Send the host's clipboard text to the viewer whenever it changes.
async fn watch_clipboard(channel: Arc<dyn DataChannel>, core: Arc<Core>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if core.shared.state().is_over() {
            return;
        }
        let reader = core.clone();
        let text = tokio::task::spawn_blocking(move || {
            reader
                .clipboard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_mut()
                .map(|c| c.get_text())
        })
        .await;
        let Ok(Some(Ok(Some(text)))) = text else {
            continue;
        };
        {
            let mut last = core
                .last_clipboard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if last.as_deref() == Some(text.as_str()) {
                continue;
            }
            *last = Some(text.clone());
        }
        let Ok(json) = (InputEvent::Clipboard { text }).encode() else {
            continue;
        };
        if channel.send(BytesMut::from(json.as_bytes())).await.is_err() {
            return;
        }
    }
}
