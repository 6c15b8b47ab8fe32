//! [`Viewer`]: the specialist's end. Opens both channels, keeps a [`Canvas`] of the remote
//! screen up to date, and sends input.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use linedesk_protocol::SignalPayload;
use tokio::sync::{mpsc, watch};
use webrtc::data_channel::{DataChannel, DataChannelEvent, RTCDataChannelInit};

use super::chunk::{KEYFRAME_REQUEST, Reassembler};
use super::link::{Link, Shared};
use super::{EndReason, INPUT_LABEL, SCREEN_LABEL, SessionConfig, SessionState};
use crate::canvas::Canvas;
use crate::error::{RemoteError, transport};
use crate::input::InputEvent;

/// Host clipboard texts the app may fall behind by.
const CLIPBOARD_QUEUE: usize = 8;

/// The app's ends of a viewer.
pub struct ViewerChannels {
    /// The offer first, then trickled candidates, in order: relay them to the host.
    pub signals: mpsc::UnboundedReceiver<SignalPayload>,
    /// The canvas version after every applied update (see [`Viewer::canvas`]).
    pub frames: watch::Receiver<u64>,
    /// The host's clipboard text whenever it changes.
    pub clipboard: mpsc::Receiver<String>,
}

/// What the viewer has received so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewerStats {
    /// Updates applied to the canvas.
    pub updates: u64,
    /// Bytes received on the `screen` channel (chunk headers included).
    pub bytes: u64,
    /// Updates or chunks refused as malformed (each asks for a keyframe).
    pub rejected: u64,
}

#[derive(Default)]
struct Counters {
    updates: AtomicU64,
    bytes: AtomicU64,
    rejected: AtomicU64,
}

/// The specialist's side of a remote session.
pub struct Viewer {
    link: Link,
    screen: Arc<dyn DataChannel>,
    input: Arc<dyn DataChannel>,
    canvas: Arc<Mutex<Canvas>>,
    counters: Arc<Counters>,
}

impl Viewer {
    /// Start a session: the offer is the first item of `signals`.
    pub async fn offer(config: SessionConfig) -> Result<(Viewer, ViewerChannels), RemoteError> {
        let (link, ends) = Link::new(&config, true, 2).await?;
        let reliable = || {
            Some(RTCDataChannelInit {
                ordered: true,
                ..Default::default()
            })
        };
        let screen = link
            .pc
            .create_data_channel(SCREEN_LABEL, reliable())
            .await
            .map_err(transport)?;
        let input = link
            .pc
            .create_data_channel(INPUT_LABEL, reliable())
            .await
            .map_err(transport)?;
        link.offer().await?;
        let canvas = Arc::new(Mutex::new(Canvas::new()));
        let counters = Arc::new(Counters::default());
        let (frames_tx, frames) = watch::channel(0u64);
        let (clipboard_tx, clipboard) = mpsc::channel(CLIPBOARD_QUEUE);
        tokio::spawn(receive_screen(
            screen.clone(),
            link.shared.clone(),
            canvas.clone(),
            counters.clone(),
            frames_tx,
        ));
        tokio::spawn(receive_input(
            input.clone(),
            link.shared.clone(),
            clipboard_tx,
        ));
        let viewer = Viewer {
            link,
            screen,
            input,
            canvas,
            counters,
        };
        Ok((
            viewer,
            ViewerChannels {
                signals: ends.signals,
                frames,
                clipboard,
            },
        ))
    }

    /// A signal the host sent (its answer, its candidates).
    pub async fn signal(&self, payload: SignalPayload) -> Result<(), RemoteError> {
        self.link.signal(payload).await
    }

    /// Send one input event; it is checked here first ([`InputEvent::encode`]).
    pub async fn send_input(&self, event: &InputEvent) -> Result<(), RemoteError> {
        self.send_raw_input(event.encode()?.as_bytes()).await
    }

    /// Put `bytes` on the `input` channel as they are (tests use it to send garbage).
    pub async fn send_raw_input(&self, bytes: &[u8]) -> Result<(), RemoteError> {
        match self.link.shared.state() {
            // While reconnecting input would arrive late and all at once: refused, as before
            // the session connected.
            SessionState::Connecting | SessionState::Reconnecting => {
                return Err(RemoteError::NotConnected);
            }
            SessionState::Ended(_) => return Err(RemoteError::Over),
            SessionState::Connected => {}
        }
        self.input
            .send(BytesMut::from(bytes))
            .await
            .map_err(|_| RemoteError::NotConnected)
    }

    /// Ask the host for a whole frame.
    pub async fn request_keyframe(&self) -> Result<(), RemoteError> {
        self.screen
            .send(BytesMut::from(&[KEYFRAME_REQUEST][..]))
            .await
            .map_err(|_| RemoteError::NotConnected)
    }

    /// A copy of the remote screen as last updated.
    pub fn canvas(&self) -> Canvas {
        self.canvas
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Run `f` on the canvas without copying it.
    pub fn with_canvas<T>(&self, f: impl FnOnce(&Canvas) -> T) -> T {
        f(&self
            .canvas
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    pub fn stats(&self) -> ViewerStats {
        ViewerStats {
            updates: self.counters.updates.load(Ordering::Relaxed),
            bytes: self.counters.bytes.load(Ordering::Relaxed),
            rejected: self.counters.rejected.load(Ordering::Relaxed),
        }
    }

    pub fn state(&self) -> SessionState {
        self.link.shared.state()
    }

    /// Every change of [`Viewer::state`].
    pub fn watch(&self) -> watch::Receiver<SessionState> {
        self.link.shared.watch()
    }

    /// End the session and close the transport.
    pub async fn close(&self) {
        self.link.close().await;
    }
}

async fn receive_screen(
    channel: Arc<dyn DataChannel>,
    shared: Arc<Shared>,
    canvas: Arc<Mutex<Canvas>>,
    counters: Arc<Counters>,
    frames: watch::Sender<u64>,
) {
    let mut chunks = Reassembler::default();
    while let Some(event) = channel.poll().await {
        match event {
            DataChannelEvent::OnOpen => {
                shared.channel_opened();
                let _ = channel.send(BytesMut::from(&[KEYFRAME_REQUEST][..])).await;
            }
            DataChannelEvent::OnMessage(msg) => {
                counters
                    .bytes
                    .fetch_add(msg.data.len() as u64, Ordering::Relaxed);
                let applied = match chunks.push(&msg.data) {
                    Ok(None) => continue,
                    Ok(Some(update)) => canvas
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .apply_bytes(&update),
                    Err(e) => Err(e),
                };
                match applied {
                    Ok(()) => {
                        let n = counters.updates.fetch_add(1, Ordering::Relaxed) + 1;
                        frames.send_replace(n);
                    }
                    Err(_) => {
                        counters.rejected.fetch_add(1, Ordering::Relaxed);
                        let _ = channel.send(BytesMut::from(&[KEYFRAME_REQUEST][..])).await;
                    }
                }
            }
            DataChannelEvent::OnClose => break,
            _ => {}
        }
    }
    shared.end(EndReason::RemoteClosed);
}

async fn receive_input(
    channel: Arc<dyn DataChannel>,
    shared: Arc<Shared>,
    clipboard: mpsc::Sender<String>,
) {
    while let Some(event) = channel.poll().await {
        match event {
            DataChannelEvent::OnOpen => shared.channel_opened(),
            DataChannelEvent::OnMessage(msg) => {
                // Only clipboard text comes this way; anything else is dropped.
                if let Ok(InputEvent::Clipboard { text }) = InputEvent::decode(&msg.data) {
                    let _ = clipboard.try_send(text);
                }
            }
            DataChannelEvent::OnClose => break,
            _ => {}
        }
    }
    shared.end(EndReason::RemoteClosed);
}
