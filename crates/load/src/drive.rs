//! The run itself: the server binary as a child process, every session over loopback, the
//! clients writing at the offered rate, and the figures of a clean window.
//!
//! The generator must measure the server, not its own backlog: specialists only read (raw
//! frames off the socket; one per line looks for the messages it times, the others count
//! nothing), no timer per frame, and its own CPU is reported beside the server's.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use linedesk_protocol::{Action, ClientFrame, PROTOCOL_VERSION, ServerFrame};
use linedesk_server::storage::Subject;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::LoadPlan;
use crate::frames::{Frames, Garbled, Seen, pong, sent_at};
use crate::measure::{cpu_percent, cpu_ticks, micros_since, percentile, pss_kib, routing_p99_ns};
use crate::prepare::{Roster, token_of};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Per-session socket buffers of the generator (the server's are as small); a specialist
/// session's read buffer grows when a frame does not fit.
const READ_BUFFER: usize = 8 * 1024;

/// A delivery slower than this is late: when it was sent is kept, to tell stalls (late
/// messages bunched in a few moments) from a slow path (spread over the run).
const LATE_MICROS: u64 = 50_000;

/// Samples in microseconds, shared by the sessions that take them.
type Samples = Arc<Mutex<Vec<u64>>>;

fn push(samples: &Samples, value: u64) {
    if let Ok(mut s) = samples.lock() {
        s.push(value);
    }
}

fn take_sorted(samples: &Samples) -> Vec<u64> {
    let mut taken = samples.lock().map(|s| s.clone()).unwrap_or_default();
    taken.sort_unstable();
    taken
}

/// A signed-in session, subscribed to `line` from `after` when `line` is given.
async fn connect(
    addr: &str,
    subject: Subject,
    line: Option<u64>,
    after: u64,
) -> Result<Socket, String> {
    // Small frames: tungstenite's 128 KiB read buffer would be zeroed on every read (the
    // generator's CPU went to clearing pages); no Nagle, as the apps' connector.
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(READ_BUFFER);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(
        format!("ws://{addr}/api/ws"),
        Some(config),
        true,
    )
    .await
    .map_err(|e| e.to_string())?;
    let hello = ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: token_of(subject),
    };
    let subscribe = line.map(|line| ClientFrame::Subscribe { line, after });
    for frame in std::iter::once(hello).chain(subscribe) {
        ws.feed(Message::Text(frame.encode().into()))
            .await
            .map_err(|e| e.to_string())?;
    }
    ws.flush().await.map_err(|e| e.to_string())?;
    Ok(ws)
}

/// Start `server` on a free port of 127.0.0.1 over `data_dir`; its address and process.
async fn start_server(
    server: &Path,
    data_dir: &Path,
) -> Result<(String, tokio::process::Child), String> {
    let mut child = tokio::process::Command::new(server)
        .args([
            "serve",
            "--data-dir",
            &data_dir.display().to_string(),
            "--bind",
            "127.0.0.1:0",
            // Every simulated session comes from 127.0.0.1: lift the per-address cap.
            "--max-connections-per-ip",
            "1000000",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let first = BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let addr = first
        .strip_prefix("listening on ")
        .ok_or("the server did not say where it listens")?
        .to_string();
    Ok((addr, child))
}

/// A specialist's session: reads every frame as it arrives, answers the server's pings, and
/// (the line's watcher) times the clients' messages; raw frames off the socket after the
/// handshake (see [`crate::frames`]).
async fn specialist(ws: Socket, watcher: bool, start: Instant, delivery: Samples, late: Samples) {
    // Nothing was read since the handshake (the server answers the Hello afterwards), so
    // tungstenite holds nothing of the stream.
    let MaybeTlsStream::Plain(mut tcp) = ws.into_inner() else {
        return;
    };
    let mut frames = Frames::new(READ_BUFFER);
    loop {
        let spare = frames.spare();
        if spare.is_empty() {
            return;
        }
        match tcp.read(spare).await {
            Ok(0) | Err(_) => return,
            Ok(n) => frames.read(n),
        }
        let mut pongs = Vec::new();
        loop {
            match frames.next_frame() {
                Ok(Some(Seen::Text(frame))) => {
                    if watcher && let Some(sent) = sent_at(frame) {
                        let took = micros_since(start).saturating_sub(sent);
                        push(&delivery, took);
                        if took > LATE_MICROS {
                            push(&late, sent);
                        }
                    }
                }
                Ok(Some(Seen::Ping(payload))) => pongs.extend(pong(payload, PONG_MASK)),
                Ok(Some(Seen::Other)) => {}
                Ok(None) => break,
                Ok(Some(Seen::Close)) | Err(Garbled) => return,
            }
        }
        if !pongs.is_empty() && tcp.write_all(&pongs).await.is_err() {
            return;
        }
    }
}

/// The mask of a specialist session's pongs (a client must mask its frames; nothing here
/// needs the mask to be unpredictable).
const PONG_MASK: [u8; 4] = [0x5a, 0x11, 0x3c, 0x7e];

struct ClientCounters {
    acked: AtomicU64,
    errors: AtomicU64,
}

/// A client's session: once everyone is connected (`go`), writes one message every `period`
/// (the first after `offset`) and counts the answers; a session acknowledges in order, so the
/// oldest send is the one acknowledged.
async fn client(
    mut ws: Socket,
    mut go: tokio::sync::watch::Receiver<bool>,
    offset: Duration,
    period: Duration,
    start: Instant,
    counters: Arc<ClientCounters>,
    commit: Samples,
) {
    // Meanwhile the socket is not read: the server's answers wait in its buffers.
    if go.wait_for(|go| *go).await.is_err() {
        return;
    }
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut in_flight = VecDeque::new();
    let mut seq = 0u64;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                seq += 1;
                let sent = micros_since(start);
                let frame = ClientFrame::Submit {
                    key: format!("k{seq}"),
                    action: Action::ClientMessage { text: format!("t:{sent}") },
                };
                if ws.send(Message::Text(frame.encode().into())).await.is_err() {
                    return;
                }
                in_flight.push_back(sent);
            }
            reply = ws.next() => match reply {
                Some(Ok(Message::Text(text))) => match ServerFrame::decode(text.as_str()) {
                    Ok(ServerFrame::Ack { .. }) => {
                        counters.acked.fetch_add(1, Ordering::Relaxed);
                        if let Some(sent) = in_flight.pop_front() {
                            push(&commit, micros_since(start).saturating_sub(sent));
                        }
                    }
                    Ok(ServerFrame::Error { key: Some(_), .. }) => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                        in_flight.pop_front();
                    }
                    Ok(ServerFrame::Error { .. }) => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                },
                Some(Ok(_)) => {}
                _ => return,
            },
        }
    }
}

pub async fn drive(
    server: &Path,
    data_dir: &Path,
    plan: &LoadPlan,
    roster: Roster,
    heads: HashMap<u64, u64>,
) -> Result<(), String> {
    let (addr, mut child) = start_server(server, data_dir).await?;
    let pid = child
        .id()
        .map_or_else(|| "0".to_string(), |p| p.to_string());

    let start = Instant::now();
    let delivery: Samples = Arc::default();
    let late: Samples = Arc::default();
    let commit: Samples = Arc::default();
    let counters = Arc::new(ClientCounters {
        acked: AtomicU64::new(0),
        errors: AtomicU64::new(0),
    });
    // One specialist per line times delivery; all of them read.
    let mut watcher_of_line: HashMap<u64, u64> = HashMap::new();
    for &(id, line) in &roster.specialists {
        watcher_of_line.entry(line).or_insert(id);
    }
    let head = |line: u64| heads.get(&line).copied().unwrap_or(0);
    let mut tasks = Vec::new();
    for &(id, line) in &roster.specialists {
        let ws = connect(&addr, Subject::specialist(id), Some(line), head(line)).await?;
        let watcher = watcher_of_line.get(&line) == Some(&id);
        tasks.push(tokio::spawn(specialist(
            ws,
            watcher,
            start,
            delivery.clone(),
            late.clone(),
        )));
    }
    let connected_specialists = start.elapsed();
    let clients = roster.clients.len();
    let period = Duration::from_secs_f64(clients as f64 / plan.rate.max(1) as f64);
    // Nobody writes before everyone is connected and caught up: a session that subscribes
    // later would first read back what the others wrote, which is not the load measured.
    let (go, ready) = tokio::sync::watch::channel(false);
    for (n, &(id, line)) in roster.clients.iter().enumerate() {
        let feed = plan.client_feeds.then_some(line);
        let ws = connect(&addr, Subject::client(id), feed, head(line)).await?;
        // Spread the clients' messages evenly over one period.
        let offset = period.mul_f64(n as f64 / clients.max(1) as f64);
        tasks.push(tokio::spawn(client(
            ws,
            ready.clone(),
            offset,
            period,
            start,
            counters.clone(),
            commit.clone(),
        )));
    }
    let connected_all = start.elapsed();
    eprintln!("connected specialists in {connected_specialists:?}, everyone in {connected_all:?}");
    go.send_replace(true);

    // Warm up, then measure a clean window. A client's first message opens its appeal and
    // routes it (several events and a routing decision, where later ones append one event),
    // so the first round costs more than the steady state: at 5,000/s the server was still
    // draining it 0.1-0.3 s into a window that began one round after the start, and those
    // late deliveries were the whole p99. Two rounds (at least 3 s, at most 12 s) pass
    // first; what the warm-up saw is printed on its own line.
    tokio::time::sleep((period * 2).clamp(Duration::from_secs(3), Duration::from_secs(12))).await;
    let warm_up = take_sorted(&delivery);
    let acked_before = counters.acked.load(Ordering::Relaxed);
    for samples in [&delivery, &commit, &late] {
        if let Ok(mut s) = samples.lock() {
            s.clear();
        }
    }
    let (server_cpu, own_cpu) = (cpu_ticks(&pid), cpu_ticks("self"));
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(plan.seconds)).await;
    let elapsed = window.elapsed().as_secs_f64();
    let acked = counters.acked.load(Ordering::Relaxed) - acked_before;
    let server_cpu = cpu_percent(server_cpu, cpu_ticks(&pid), elapsed);
    let own_cpu = cpu_percent(own_cpu, cpu_ticks("self"), elapsed);
    let pss = pss_kib(&pid);
    let delivery = take_sorted(&delivery);
    let commit = take_sorted(&commit);
    let late = take_sorted(&late);
    for task in tasks {
        task.abort();
    }

    let team = (plan.specialists / plan.lines.max(1)) as usize;
    let ms = |micros: u64| micros as f64 / 1000.0;
    let percent = |p: Option<f64>| p.map_or_else(|| "unknown".to_string(), |p| format!("{p:.0}%"));
    println!(
        "connections: {} specialists + {} clients over loopback ({})",
        roster.specialists.len(),
        clients,
        if plan.client_feeds {
            "clients follow their line"
        } else {
            "clients only write"
        }
    );
    println!("offered rate: {} client messages/s", plan.rate);
    println!(
        "sustained: {:.0} acknowledged messages/s over {elapsed:.1} s",
        acked as f64 / elapsed
    );
    println!(
        "commit latency (client send -> its ack): p50 {:.1} ms, p99 {:.1} ms ({} samples)",
        ms(percentile(&commit, 0.5)),
        ms(percentile(&commit, 0.99)),
        commit.len()
    );
    println!(
        "delivery latency (client send -> specialist session): p50 {:.1} ms, p99 {:.1} ms ({} samples)",
        ms(percentile(&delivery, 0.5)),
        ms(percentile(&delivery, 0.99)),
        delivery.len()
    );
    println!("{}", late_moments(&late, window.duration_since(start)));
    println!(
        "warm-up (every client's first message opens its appeal): delivery p50 {:.1} ms, p99 {:.1} ms ({} samples)",
        ms(percentile(&warm_up, 0.5)),
        ms(percentile(&warm_up, 0.99)),
        warm_up.len()
    );
    println!(
        "routing decision p99: {} ns ({team} specialists on a line)",
        routing_p99_ns(team.max(1))
    );
    println!("errors: {}", counters.errors.load(Ordering::Relaxed));
    println!(
        "cpu over the window (100% = one core): server {}, load generator {}",
        percent(server_cpu),
        percent(own_cpu)
    );
    // Robust to a shared machine where latencies are not: the CPU each side spent per
    // thousand acknowledged messages (each delivered to the line's specialists and its client).
    let per_thousand = |p: Option<f64>| {
        p.filter(|_| acked > 0).map_or_else(
            || "unknown".to_string(),
            |p| format!("{:.3} s", p / 100.0 * elapsed * 1000.0 / acked as f64),
        )
    };
    println!(
        "cpu per 1,000 acknowledged messages: server {}, load generator {}",
        per_thousand(server_cpu),
        per_thousand(own_cpu)
    );
    match pss {
        Some(kib) => println!("server memory: {:.1} MB PSS", kib as f64 / 1024.0),
        None => println!("server memory: unknown (no /proc)"),
    }
    child.start_kill().map_err(|e| e.to_string())?;
    let _ = child.wait().await;
    Ok(())
}

/// Where the late deliveries were sent, in 100 ms windows from the measured window's start:
/// how many windows hold any, and the five that hold most.
fn late_moments(late_sent: &[u64], window_start: Duration) -> String {
    if late_sent.is_empty() {
        return format!("late deliveries (over {} ms): none", LATE_MICROS / 1000);
    }
    let base = u64::try_from(window_start.as_micros()).unwrap_or(0);
    let mut windows: HashMap<u64, usize> = HashMap::new();
    for &sent in late_sent {
        *windows
            .entry(sent.saturating_sub(base) / 100_000)
            .or_default() += 1;
    }
    let mut worst: Vec<(u64, usize)> = windows.iter().map(|(&w, &n)| (w, n)).collect();
    worst.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown: Vec<String> = worst
        .iter()
        .take(5)
        .map(|(w, n)| format!("{n} sent at {:.1} s", *w as f64 / 10.0))
        .collect();
    format!(
        "late deliveries (over {} ms): {} in {} of the 100 ms windows; most: {}",
        LATE_MICROS / 1000,
        late_sent.len(),
        windows.len(),
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_deliveries_are_told_by_the_moment_they_were_sent() {
        assert_eq!(
            late_moments(&[], Duration::from_secs(4)),
            "late deliveries (over 50 ms): none"
        );
        // Window from 4 s: three sent in its first 100 ms, one at 12.25 s.
        let sent = [4_000_000, 4_050_000, 4_099_999, 16_250_000];
        assert_eq!(
            late_moments(&sent, Duration::from_secs(4)),
            "late deliveries (over 50 ms): 4 in 2 of the 100 ms windows; most: 3 sent at 0.0 s, 1 sent at 12.2 s"
        );
    }
}
