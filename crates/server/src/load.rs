//! `linedesk-server load`: a load test over loopback.
//!
//! Prepares a data dir (lines, specialists serving them, clients, tokens), starts the real
//! server binary as a child process on 127.0.0.1, connects every specialist (subscribed to
//! their line) and every client, and lets the clients write at an offered rate. Prints the
//! sustained acknowledged messages per second, the delivery latency from a client's send to a
//! specialist's session receiving the event (p50/p99), a routing decision's p99, and the
//! server process's memory (PSS).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use linedesk_domain::ids::SpecialistId;
use linedesk_domain::presence::PresenceStatus;
use linedesk_domain::routing::{Specialist, route};
use linedesk_protocol::{Action, ClientFrame, Event, PROTOCOL_VERSION, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

use crate::auth::token_hash;
use crate::sqlite::SqliteStorage;
use crate::storage::{Storage, Subject};

pub struct LoadPlan {
    pub specialists: u64,
    pub clients: u64,
    pub lines: u64,
    pub seconds: u64,
    /// Offered client messages per second, all clients together.
    pub rate: u64,
}

fn token_of(subject: Subject) -> String {
    format!("load-{:?}-{}", subject.role, subject.id)
}

/// What `prepare` made: specialists with their line, and clients.
struct Prepared {
    specialists: Vec<(u64, u64)>,
    clients: Vec<u64>,
    /// The last sequence number of each line's log after preparing: specialists subscribe from
    /// there, as an app that has synced before does (the preparation's history is not load).
    heads: HashMap<u64, u64>,
}

fn prepare(dir: &Path, plan: &LoadPlan) -> Result<Prepared, String> {
    let storage = SqliteStorage::open(&dir.join("server.db")).map_err(|e| e.to_string())?;
    let far = i64::MAX / 2;
    let lines: Vec<u64> = (0..plan.lines)
        .map(|i| storage.add_line(&format!("Линия {i}")))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut specialists = Vec::new();
    for i in 0..plan.specialists {
        let line = lines[(i % plan.lines) as usize];
        let id = storage
            .add_specialist(&format!("sp{i}"), "-", &format!("Специалист {i}"))
            .map_err(|e| e.to_string())?;
        storage
            .serve_line(id, line, (i % 7) as u8, 20)
            .map_err(|e| e.to_string())?;
        storage
            .save_token(
                &token_hash(&token_of(Subject::specialist(id))),
                Subject::specialist(id),
                far,
            )
            .map_err(|e| e.to_string())?;
        let presence = Action::SetPresence {
            status: PresenceStatus::Available,
        };
        storage
            .apply(Subject::specialist(id), "load-presence", &presence, 0)
            .map_err(|e| e.to_string())?;
        specialists.push((id, line));
    }
    let mut clients = Vec::new();
    for i in 0..plan.clients {
        let line = lines[(i % plan.lines) as usize];
        let id = storage
            .add_client(line, &format!("Клиент {i}"))
            .map_err(|e| e.to_string())?;
        storage
            .save_token(
                &token_hash(&token_of(Subject::client(id))),
                Subject::client(id),
                far,
            )
            .map_err(|e| e.to_string())?;
        clients.push(id);
    }
    let mut heads = HashMap::new();
    for &line in &lines {
        let mut after = 0;
        loop {
            let page = storage
                .events_after(line, after, 10_000)
                .map_err(|e| e.to_string())?;
            let Some(last) = page.last() else { break };
            after = last.seq;
        }
        heads.insert(line, after);
    }
    Ok(Prepared {
        specialists,
        clients,
        heads,
    })
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: &str, subject: Subject) -> Result<Socket, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/ws"))
        .await
        .map_err(|e| e.to_string())?;
    let hello = ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: token_of(subject),
    };
    ws.send(Message::Text(hello.encode().into()))
        .await
        .map_err(|e| e.to_string())?;
    Ok(ws)
}

fn micros_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn pss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// p99 of one routing decision on a line of `team` specialists, in nanoseconds.
fn routing_p99_ns(team: usize) -> u64 {
    let specialists: Vec<Specialist> = (0..team as u64)
        .map(|i| Specialist {
            id: SpecialistId(i),
            presence: PresenceStatus::Available,
            priority: (i % 7) as u8,
            limit: 20,
            load: (i % 20) as u32,
        })
        .collect();
    let mut samples: Vec<u64> = (0..20_000)
        .map(|i| {
            let started = Instant::now();
            std::hint::black_box(route(&specialists, &[SpecialistId(i % team as u64)], None));
            u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
        })
        .collect();
    samples.sort_unstable();
    percentile(&samples, 0.99)
}

pub fn run(plan: &LoadPlan) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("linedesk-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let prepared = Instant::now();
    let Prepared {
        specialists,
        clients,
        heads,
    } = prepare(&dir, plan)?;
    eprintln!(
        "prepared {} specialists, {} clients in {:?}",
        specialists.len(),
        clients.len(),
        prepared.elapsed()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = runtime.block_on(drive(&dir, plan, specialists, clients, heads));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn drive(
    dir: &Path,
    plan: &LoadPlan,
    specialists: Vec<(u64, u64)>,
    clients: Vec<u64>,
    heads: HashMap<u64, u64>,
) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut server = tokio::process::Command::new(exe)
        .args([
            "serve",
            "--data-dir",
            &dir.display().to_string(),
            "--bind",
            "127.0.0.1:0",
            // Every simulated session comes from 127.0.0.1: lift the per-address cap.
            "--max-connections-per-ip",
            "1000000",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let pid = server.id().unwrap_or(0);
    let stdout = server.stdout.take().ok_or("no stdout")?;
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

    let start = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));

    // One designated specialist per line records delivery latency; all of them read.
    let mut watcher_of_line: HashMap<u64, u64> = HashMap::new();
    for (id, line) in &specialists {
        watcher_of_line.entry(*line).or_insert(*id);
    }
    let mut tasks = Vec::new();
    for (id, line) in specialists {
        let mut ws = connect(&addr, Subject::specialist(id)).await?;
        let after = heads.get(&line).copied().unwrap_or(0);
        let subscribe = ClientFrame::Subscribe { line, after };
        ws.send(Message::Text(subscribe.encode().into()))
            .await
            .map_err(|e| e.to_string())?;
        let records = watcher_of_line.get(&line) == Some(&id);
        let (latencies, stop) = (latencies.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Ok(Some(Ok(Message::Text(text)))) =
                    tokio::time::timeout(Duration::from_millis(200), ws.next()).await
                else {
                    continue;
                };
                if !records {
                    continue;
                }
                if let Ok(ServerFrame::Event {
                    event:
                        Event::MessagePosted {
                            from_specialist: None,
                            text,
                            ..
                        },
                    ..
                }) = ServerFrame::decode(text.as_str())
                    && let Some(sent) = text.strip_prefix("t:").and_then(|t| t.parse::<u64>().ok())
                    && let Ok(mut l) = latencies.lock()
                {
                    l.push(micros_since(start).saturating_sub(sent));
                }
            }
        }));
    }
    let connected_specialists = start.elapsed();
    let per_client = Duration::from_secs_f64(clients.len() as f64 / plan.rate.max(1) as f64);
    for (n, id) in clients.iter().copied().enumerate() {
        let mut ws = connect(&addr, Subject::client(id)).await?;
        let (stop, acked, errors) = (stop.clone(), acked.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            // Spread the clients' first messages over one period.
            tokio::time::sleep(per_client.mul_f64(n as f64 / 5_000.0 % 1.0)).await;
            let mut ticker = tokio::time::interval(per_client);
            let mut seq = 0u64;
            while !stop.load(Ordering::Relaxed) {
                tokio::select! {
                    _ = ticker.tick() => {
                        seq += 1;
                        let frame = ClientFrame::Submit {
                            key: format!("k{seq}"),
                            action: Action::ClientMessage { text: format!("t:{}", micros_since(start)) },
                        };
                        if ws.send(Message::Text(frame.encode().into())).await.is_err() { break; }
                    }
                    reply = ws.next() => match reply {
                        Some(Ok(Message::Text(text))) => match ServerFrame::decode(text.as_str()) {
                            Ok(ServerFrame::Ack { .. }) => { acked.fetch_add(1, Ordering::Relaxed); }
                            Ok(ServerFrame::Error { .. }) => { errors.fetch_add(1, Ordering::Relaxed); }
                            _ => {}
                        },
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                }
            }
        }));
    }
    let connected_all = start.elapsed();
    eprintln!("connected specialists in {connected_specialists:?}, everyone in {connected_all:?}");
    // Warm up, then measure a clean window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let acked_before = acked.load(Ordering::Relaxed);
    if let Ok(mut l) = latencies.lock() {
        l.clear();
    }
    let window = Instant::now();
    tokio::time::sleep(Duration::from_secs(plan.seconds)).await;
    let acked_in_window = acked.load(Ordering::Relaxed) - acked_before;
    let elapsed = window.elapsed().as_secs_f64();
    let pss = pss_kib(pid);
    stop.store(true, Ordering::Relaxed);
    let mut samples = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    samples.sort_unstable();
    for task in tasks {
        task.abort();
    }
    let team = (plan.specialists / plan.lines.max(1)) as usize;
    println!(
        "connections: {} specialists + {} clients over loopback",
        plan.specialists, plan.clients
    );
    println!("offered rate: {} client messages/s", plan.rate);
    println!(
        "sustained: {:.0} acknowledged messages/s over {:.1} s",
        acked_in_window as f64 / elapsed,
        elapsed
    );
    println!(
        "delivery latency (client send -> specialist session): p50 {:.1} ms, p99 {:.1} ms ({} samples)",
        percentile(&samples, 0.5) as f64 / 1000.0,
        percentile(&samples, 0.99) as f64 / 1000.0,
        samples.len()
    );
    println!(
        "routing decision p99: {} ns ({team} specialists on a line)",
        routing_p99_ns(team.max(1))
    );
    println!("errors: {}", errors.load(Ordering::Relaxed));
    match pss {
        Some(kib) => println!("server memory: {:.1} MB PSS", kib as f64 / 1024.0),
        None => println!("server memory: unknown (no /proc)"),
    }
    server.start_kill().map_err(|e| e.to_string())?;
    Ok(())
}
