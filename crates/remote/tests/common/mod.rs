//! What the remote-session tests share: a virtual display with an xterm on it, and a viewer
//! and a host connected over real WebRTC on 127.0.0.1, signals exchanged in-process.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_remote::xvfb::{self, VirtualDisplay};
use linedesk_remote::{
    Clipboard, Host, HostOptions, Screen, SessionConfig, SessionState, Viewer, ViewerChannels,
    X11Screen, XTestInput,
};

pub const WIDTH: u16 = 1280;
pub const HEIGHT: u16 = 800;

/// Xvfb 1280x800 with an xterm running `sh` in the top left corner, drawn and idle.
pub fn display_with_xterm() -> VirtualDisplay {
    VirtualDisplay::with_xterm(WIDTH, HEIGHT).expect("Xvfb with an xterm")
}

/// Wait until the screen shows something and stops changing.
pub fn wait_still(display: &str) {
    xvfb::wait_still(display).expect("the display settles");
}

/// A viewer and a host of `display`, connected, with signals pumped between them.
pub struct Session {
    pub viewer: Arc<Viewer>,
    pub channels: ViewerChannels,
    pub host: Arc<Host>,
}

pub async fn connect(display: &str, options: HostOptions) -> Session {
    connect_with_clipboard(display, options, None).await
}

pub async fn connect_with_clipboard(
    display: &str,
    options: HostOptions,
    clipboard: Option<Box<dyn Clipboard>>,
) -> Session {
    let (viewer, mut channels) = Viewer::offer(SessionConfig::loopback())
        .await
        .expect("offer");
    let offer = channels.signals.recv().await.expect("the offer");
    let screen = X11Screen::connect(Some(display)).expect("screen");
    let input = XTestInput::connect(Some(display)).expect("xtest");
    let (host, mut host_channels) = Host::answer(
        SessionConfig::loopback(),
        offer,
        Box::new(screen),
        Box::new(input),
        clipboard,
        options,
    )
    .await
    .expect("answer");
    let (viewer, host) = (Arc::new(viewer), Arc::new(host));
    let mut viewer_signals = std::mem::replace(
        &mut channels.signals,
        tokio::sync::mpsc::unbounded_channel().1,
    );
    {
        let host = host.clone();
        tokio::spawn(async move {
            while let Some(s) = viewer_signals.recv().await {
                let _ = host.signal(s).await;
            }
        });
    }
    {
        let viewer = viewer.clone();
        tokio::spawn(async move {
            while let Some(s) = host_channels.signals.recv().await {
                let _ = viewer.signal(s).await;
            }
        });
    }
    let mut states = viewer.watch();
    tokio::time::timeout(
        Duration::from_secs(20),
        states.wait_for(|s| *s == SessionState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("state");
    Session {
        viewer,
        channels,
        host,
    }
}

/// Wait until the viewer's canvas equals a fresh grab of `display`; panics after `within`.
pub async fn wait_canvas_matches(session: &Session, display: &str, within: Duration) {
    let mut screen = X11Screen::connect(Some(display)).expect("screen");
    let deadline = Instant::now() + within;
    loop {
        let frame = screen.grab().expect("grab");
        let same = session.viewer.with_canvas(|c| {
            c.width() == frame.width && c.height() == frame.height && c.pixels() == frame.pixels
        });
        if same {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the viewer's canvas does not match the screen"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
