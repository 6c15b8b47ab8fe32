//! Keepalive (issue 12): a link that goes silent without closing (a half-open socket, a
//! network that drops packets) is detected by the sync's pings, so its status stops saying
//! "in sync" within the keepalive; when the network returns, it syncs again.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_store::{Store, demo};
use linedesk_sync::{SyncConfig, SyncStatus, Timing, spawn_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Copy `from` to `to` while `flowing`; otherwise read and drop (a blackhole: nothing is
/// closed, nothing arrives).
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    flowing: Arc<AtomicBool>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buffer).await {
        if n == 0 {
            return;
        }
        if flowing.load(Ordering::SeqCst) && to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

/// A TCP proxy that can start blackholing every connection's traffic both ways.
async fn proxy(target: SocketAddr, flowing: Arc<AtomicBool>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let flowing = flowing.clone();
            tokio::spawn(async move {
                let Ok(outbound) = TcpStream::connect(target).await else {
                    return;
                };
                let (in_read, in_write) = inbound.into_split();
                let (out_read, out_write) = outbound.into_split();
                tokio::join!(
                    pump(in_read, out_write, flowing.clone()),
                    pump(out_read, in_write, flowing)
                );
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blackholed_link_stops_saying_in_sync_within_the_keepalive() {
    let dir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("storage"));
    let line = storage.add_line(demo::DEMO_LINE_NAME).expect("line");
    let anna = storage
        .add_specialist("anna", &hash_password("anna-pass").expect("hash"), "Анна")
        .expect("anna");
    storage.serve_line(anna, line, 0, 5).expect("serve");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let server = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, Server::new(storage)));
    let flowing = Arc::new(AtomicBool::new(true));
    let addr = proxy(server, flowing.clone()).await;

    let ldir = tempfile::tempdir().expect("dir");
    let local = Store::open(&ldir.path().join("linedesk.db")).expect("store");
    demo::seed_if_empty(&local, 1_764_000_000_000).expect("seed");
    let config = SyncConfig {
        server: addr.to_string(),
        login: "anna".into(),
        password: "anna-pass".into(),
        ca_file: None,
    };
    let keepalive = Duration::from_millis(1_500);
    let timing = Timing {
        keepalive,
        ..Timing::default()
    };
    let handle = spawn_with(Arc::new(std::sync::Mutex::new(local)), config, timing);
    let mut status = handle.status();
    let in_sync = |s: &SyncStatus| *s == SyncStatus::InSync;
    tokio::time::timeout(Duration::from_secs(15), status.wait_for(in_sync))
        .await
        .expect("in sync in time")
        .expect("status");
    // Stays in sync while the link is alive, well past the keepalive (pongs answer pings).
    tokio::time::sleep(keepalive * 3).await;
    assert_eq!(*status.borrow(), SyncStatus::InSync);

    flowing.store(false, Ordering::SeqCst);
    let cut = Instant::now();
    let offline = tokio::time::timeout(
        keepalive * 4,
        status.wait_for(|s| matches!(s, SyncStatus::Offline { .. })),
    )
    .await
    .expect("the dead link is noticed within the keepalive")
    .expect("status")
    .clone();
    assert!(
        cut.elapsed() >= keepalive / 2,
        "noticed by silence, not at once"
    );
    match offline {
        SyncStatus::Offline { reason, .. } => {
            assert!(reason.contains("no answer"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    flowing.store(true, Ordering::SeqCst);
    tokio::time::timeout(Duration::from_secs(30), status.wait_for(in_sync))
        .await
        .expect("in sync again when the network returns")
        .expect("status");
    handle.stop();
}
