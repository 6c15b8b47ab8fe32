//! Remote-session benchmark: a viewer and a host over real WebRTC on 127.0.0.1, the host on
//! its own Xvfb 1280x800 with xterms. Prints frames per second and bandwidth for a still
//! screen and for a scrolling terminal (`yes | cat -n` in a full-screen xterm), the
//! input-to-screen latency (a key sent by the viewer until its canvas changes), and the
//! codec's cost on those screens.
//!
//! `cargo run --release -p linedesk-remote --bin remote-bench -- [--seconds 5] [--fps 15]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_remote::xvfb::VirtualDisplay;
use linedesk_remote::{
    Host, HostOptions, InputEvent, Screen, SessionConfig, SessionState, TileEncoder, Viewer,
    ViewerChannels, X11Screen, XTestInput,
};

type Failure = Box<dyn std::error::Error>;

/// Frames per second, bandwidth, input latency and codec cost of remote sessions over
/// loopback WebRTC, the host on its own Xvfb.
#[derive(clap::Parser)]
#[command(name = "remote-bench", version)]
struct Args {
    /// How long each measured screen runs.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// The host's frame rate cap.
    #[arg(long, default_value_t = 15)]
    fps: u32,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Failure> {
    let args = <Args as clap::Parser>::parse();
    let mut display = VirtualDisplay::with_xterm(1280, 800)?;
    let name = display.name();

    println!(
        "remote-bench: 1280x800 Xvfb {name}, loopback WebRTC, max {} fps",
        args.fps
    );
    codec_cost("xterm desktop", &name)?;

    let options = HostOptions {
        max_fps: args.fps,
        clipboard_poll: None,
        ..HostOptions::default()
    };
    let (viewer, mut channels, host) = connect(&name, options).await?;
    let connected = Instant::now();
    while viewer.stats().updates == 0 {
        if connected.elapsed() > Duration::from_secs(10) {
            return Err("no keyframe".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let key = viewer.stats();
    println!(
        "keyframe: {} bytes on the wire, {:.0} ms from connected to the first canvas",
        key.bytes,
        connected.elapsed().as_secs_f64() * 1e3
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    measure("still screen", &viewer, &host, args.seconds).await;

    latency(&viewer, &mut channels).await?;

    display.spawn(
        "xterm",
        &["-geometry", "213x61+0+0", "-e", "sh", "-c", "yes | cat -n"],
    )?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    codec_cost("scrolling xterm", &name)?;
    measure(
        "scrolling terminal (yes | cat -n)",
        &viewer,
        &host,
        args.seconds,
    )
    .await;
    println!(
        "rejected: viewer {} updates, host {} inputs",
        viewer.stats().rejected,
        host.stats().rejected_inputs
    );
    viewer.close().await;
    Ok(())
}

async fn connect(
    display: &str,
    options: HostOptions,
) -> Result<(Arc<Viewer>, ViewerChannels, Arc<Host>), Failure> {
    let (viewer, mut channels) = Viewer::offer(SessionConfig::loopback()).await?;
    let offer = channels.signals.recv().await.ok_or("no offer")?;
    let (host, mut host_channels) = Host::answer(
        SessionConfig::loopback(),
        offer,
        Box::new(X11Screen::connect(Some(display))?),
        Box::new(XTestInput::connect(Some(display))?),
        None,
        options,
    )
    .await?;
    let (viewer, host) = (Arc::new(viewer), Arc::new(host));
    let mut viewer_signals = std::mem::replace(
        &mut channels.signals,
        tokio::sync::mpsc::unbounded_channel().1,
    );
    let to_host = host.clone();
    tokio::spawn(async move {
        while let Some(s) = viewer_signals.recv().await {
            let _ = to_host.signal(s).await;
        }
    });
    let to_viewer = viewer.clone();
    tokio::spawn(async move {
        while let Some(s) = host_channels.signals.recv().await {
            let _ = to_viewer.signal(s).await;
        }
    });
    let mut states = viewer.watch();
    tokio::time::timeout(
        Duration::from_secs(20),
        states.wait_for(|s| *s == SessionState::Connected),
    )
    .await??;
    Ok((viewer, channels, host))
}

/// Updates a second and kbit/s received by the viewer over `seconds`.
async fn measure(what: &str, viewer: &Viewer, host: &Host, seconds: u64) {
    let (v0, h0, t0) = (viewer.stats(), host.stats(), Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (v1, h1, dt) = (viewer.stats(), host.stats(), t0.elapsed().as_secs_f64());
    println!(
        "{what}: {:.1} updates/s applied ({:.1} grabs/s), {:.1} kbit/s, {:.0} bytes/update",
        (v1.updates - v0.updates) as f64 / dt,
        (h1.grabs - h0.grabs) as f64 / dt,
        (v1.bytes - v0.bytes) as f64 * 8.0 / 1000.0 / dt,
        (v1.bytes - v0.bytes) as f64 / ((v1.updates - v0.updates).max(1)) as f64,
    );
}

/// A key typed through the viewer until the viewer's canvas changes: p50, p95, max.
async fn latency(viewer: &Viewer, channels: &mut ViewerChannels) -> Result<(), Failure> {
    viewer
        .send_input(&InputEvent::PointerMove { x: 300, y: 150 })
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut samples = Vec::new();
    for i in 0..40 {
        // Alternate a letter and BackSpace so the line does not grow.
        let keysym = if i % 2 == 0 { 0x78 } else { 0xff08 };
        channels.frames.borrow_and_update();
        let sent = Instant::now();
        viewer
            .send_input(&InputEvent::Key { keysym, down: true })
            .await?;
        viewer
            .send_input(&InputEvent::Key {
                keysym,
                down: false,
            })
            .await?;
        tokio::time::timeout(Duration::from_secs(5), channels.frames.changed()).await??;
        samples.push(sent.elapsed().as_secs_f64() * 1e3);
        // A gap that moves the key's moment across the host's grab period, so the samples
        // are not locked to one phase of it.
        tokio::time::sleep(Duration::from_millis(200 + (i * 23) % 67)).await;
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "input-to-screen latency ({} keys): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        samples.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
    Ok(())
}

/// Grab and encode costs on the screen as it is now.
fn codec_cost(what: &str, display: &str) -> Result<(), Failure> {
    let mut screen = X11Screen::connect(Some(display))?;
    let rounds = 20;
    let t = Instant::now();
    let mut frames = Vec::new();
    for _ in 0..rounds {
        frames.push(screen.grab()?);
    }
    let grab_ms = t.elapsed().as_secs_f64() * 1e3 / f64::from(rounds);
    let raw = frames.first().map(|f| f.pixels.len()).unwrap_or(0);
    let t = Instant::now();
    let mut key_bytes = 0;
    for f in &frames {
        let mut enc = TileEncoder::new();
        key_bytes = enc.encode(f.clone()).map(|u| u.encode().len()).unwrap_or(0);
    }
    let key_ms = t.elapsed().as_secs_f64() * 1e3 / f64::from(rounds);
    let mut enc = TileEncoder::new();
    let _keyframe = frames.first().map(|f| enc.encode(f.clone()));
    let t = Instant::now();
    let mut delta_bytes = 0;
    for f in frames.iter().skip(1) {
        delta_bytes += enc.encode(f.clone()).map(|u| u.encode().len()).unwrap_or(0);
    }
    let delta_ms = t.elapsed().as_secs_f64() * 1e3 / f64::from(rounds - 1);
    println!(
        "codec, {what}: grab {grab_ms:.1} ms; keyframe {key_bytes} bytes of {raw} raw ({:.2} %) in {key_ms:.1} ms; \
         successive grabs {:.0} bytes/frame in {delta_ms:.1} ms/frame (clone included)",
        key_bytes as f64 * 100.0 / raw.max(1) as f64,
        delta_bytes as f64 / f64::from(rounds - 1),
    );
    Ok(())
}
