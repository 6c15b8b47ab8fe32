//! Issue 17, one routing decision at a time across servers: two servers' storages on one
//! throwaway PostgreSQL database. Иванова's appeal waits in the queue (nobody available); Анна
//! goes available on server A and Вера on server B at the same moment. Each server's copy of
//! the line's routing still has the appeal waiting, so without the routing lock (and the
//! rebuild from what is stored that follows it) both would take it. The test holds the lock
//! while both actions start: both are seen waiting for it (a backend that did not take it
//! would answer them at once, and the test fails); once it is let go, the appeal is assigned
//! once, to one of them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event};
use linedesk_server::auth::hash_password;
use linedesk_server::postgres::{PgStorage, ROUTING_LOCK};
use linedesk_server::storage::{Applied, Storage, Subject};

/// Monday 2026-11-23 10:00 UTC.
const NOW: i64 = 1_795_428_000_000;

fn done(outcome: Result<Applied, linedesk_server::storage::StorageError>) {
    match outcome {
        Ok(Applied::Done(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_servers_never_both_take_a_waiting_appeal() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("routing").expect("database");
    let a = Arc::new(PgStorage::open(&url).expect("server A"));
    let b = Arc::new(PgStorage::open(&url).expect("server B"));
    let line = a.add_line("Линия").expect("line");
    let client = a.add_client(line, "Иванова").expect("client");
    let hash = hash_password("x").expect("hash");
    let anna = a.add_specialist("anna", &hash, "Анна").expect("anna");
    let vera = a.add_specialist("vera", &hash, "Вера").expect("vera");
    a.serve_line(anna, line, 0, 5).expect("anna serves");
    a.serve_line(vera, line, 0, 5).expect("vera serves");
    let message = Action::ClientMessage {
        text: "Здравствуйте, не печатает чек".into(),
    };
    done(a.apply(Subject::client(client), "m1", &message, NOW));
    // Both servers' routing has seen the queued appeal.
    let ping = Action::SetPresence {
        status: PresenceStatus::Offline,
    };
    done(a.apply(Subject::specialist(anna), "a0", &ping, NOW + 1));
    done(b.apply(Subject::specialist(vera), "v0", &ping, NOW + 2));

    let rt = tokio::runtime::Runtime::new().expect("the test's runtime");
    let held = rt.block_on(async {
        let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("the test's connection");
        tokio::spawn(connection);
        db.batch_execute("BEGIN").await.expect("begin");
        db.execute("SELECT pg_advisory_xact_lock($1)", &[&ROUTING_LOCK])
            .await
            .expect("the routing lock");
        db
    });
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    let threads: Vec<_> = [(a.clone(), anna, "a1"), (b.clone(), vera, "v1")]
        .into_iter()
        .map(|(server, who, key)| {
            let action = available.clone();
            std::thread::spawn(move || {
                server.apply(Subject::specialist(who), key, &action, NOW + 10)
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting: i64 = rt
            .block_on(held.query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                 AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2",
                &[&(ROUTING_LOCK >> 32), &(ROUTING_LOCK & 0xffff_ffff)],
            ))
            .expect("pg_locks")
            .get(0);
        let finished = threads.iter().filter(|t| t.is_finished()).count();
        assert_eq!(
            finished, 0,
            "{finished} actions finished while the test held the routing lock: they do not take it"
        );
        if waiting == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the two servers' actions did not wait for the routing lock in 60 s ({waiting} wait)"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    rt.block_on(held.batch_execute("COMMIT"))
        .expect("let the lock go");
    for thread in threads {
        done(thread.join().expect("an action's thread"));
    }

    let assigned: Vec<u64> = a
        .events_after(line, 0, 1_000)
        .expect("the log")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::AppealAssigned { specialist, .. } => Some(specialist),
            _ => None,
        })
        .collect();
    assert_eq!(
        assigned.len(),
        1,
        "the waiting appeal is assigned once, to Анна or Вера: {assigned:?}"
    );
    assert!(assigned[0] == anna || assigned[0] == vera, "{assigned:?}");
}
