//! The real `linedesk-server` binary on PostgreSQL (issue 17): a line set up with the
//! subcommands' `--database`, served with `serve --database`, a client writing and a specialist
//! answering over the real wire; after a restart of the server the log and the idempotency
//! keys are the database's. PostgreSQL is a throwaway cluster (`linedesk-pgtest`).

mod common;

use std::net::SocketAddr;
use std::process::Stdio;

use common::{Client, ack, events, next_event, submit};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");

fn ok(args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .args(args)
        .output()
        .expect("run linedesk-server");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

async fn serve(url: &str) -> (tokio::process::Child, SocketAddr) {
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--database", url, "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(common::WAIT, lines.next_line())
        .await
        .expect("in time")
        .expect("read");
    let addr = first
        .as_deref()
        .and_then(|l| l.strip_prefix("listening on "))
        .and_then(|a| a.parse().ok())
        .expect("`listening on ADDR`");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

#[tokio::test]
async fn a_line_on_postgres_served_by_the_binary() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("wire").expect("database");
    let line = ok(&["add-line", "--database", &url, "--name", "Линия"]);
    let specialist: u64 = ok(&[
        "add-specialist",
        "--database",
        &url,
        "--login",
        "anna",
        "--password",
        "anna-pass",
        "--name",
        "Анна",
        "--lines",
        &line,
    ])
    .parse()
    .expect("specialist id");
    let client: u64 = ok(&[
        "add-client",
        "--database",
        &url,
        "--line",
        &line,
        "--name",
        "Иванова",
        "--login",
        "ivanova",
        "--password",
        "client-pass",
    ])
    .parse()
    .expect("client id");
    let line: u64 = line.parse().expect("line id");
    // A data dir and a database at once: refused before anything is opened.
    let both = std::process::Command::new(BIN)
        .args([
            "add-line",
            "--database",
            &url,
            "--data-dir",
            "/nonexistent",
            "--name",
            "x",
        ])
        .output()
        .expect("run");
    assert!(!both.status.success());

    let (mut server, addr) = serve(&url).await;
    let mut anna = Client::signed_in(addr, "anna", "anna-pass").await;
    let before = events(&mut anna, line, 0).await;
    assert!(
        matches!(before.first(), Some(Event::LineNamed { name }) if name == "Линия"),
        "{before:?}"
    );
    ack(
        &mut anna,
        "p1",
        Action::SetPresence {
            status: PresenceStatus::Available,
        },
    )
    .await;
    let mut ivanova = Client::signed_in(addr, "ivanova", "client-pass").await;
    events(&mut ivanova, line, 0).await;
    ack(
        &mut ivanova,
        "m1",
        Action::ClientMessage {
            text: "Здравствуйте, не печатает чек".into(),
        },
    )
    .await;
    // Routed to Anna in the same transaction; she hears the message live.
    let assigned = next_event(&mut anna, |e| match e {
        Event::AppealAssigned {
            specialist: s,
            client: c,
            ..
        } if *s == specialist && *c == client => Some(()),
        _ => None,
    });
    tokio::time::timeout(common::WAIT, assigned)
        .await
        .expect("assigned in time");
    ack(
        &mut anna,
        "r1",
        Action::SendMessage {
            line,
            client,
            text: "Сейчас посмотрю".into(),
        },
    )
    .await;
    let answer = next_event(&mut ivanova, |e| match e {
        Event::MessagePosted {
            from_specialist: Some(s),
            text,
            ..
        } if *s == specialist => Some(text.clone()),
        _ => None,
    })
    .await;
    assert_eq!(answer, "Сейчас посмотрю");
    // The log as a fresh session replays it (anna's own may still hold live events).
    let mut reader = Client::signed_in(addr, "anna", "anna-pass").await;
    let log = events(&mut reader, line, 0).await;
    drop(reader);

    // A restart: the log and the keys are PostgreSQL's.
    server.kill().await.expect("kill");
    drop(anna);
    drop(ivanova);
    let (_server, addr) = serve(&url).await;
    let mut anna = Client::signed_in(addr, "anna", "anna-pass").await;
    // What was logged is there, in order (presence may have moved since: a session ended).
    let after = events(&mut anna, line, 0).await;
    assert_eq!(after.get(..log.len()), Some(&log[..]), "{after:?}");
    match submit(
        &mut anna,
        "r1",
        Action::SendMessage {
            line,
            client,
            text: "Сейчас посмотрю".into(),
        },
    )
    .await
    {
        ServerFrame::Ack { duplicate, .. } => assert!(duplicate, "the key survived the restart"),
        other => panic!("{other:?}"),
    }
}

/// Two servers on one database: what one commits, the other announces (NOTIFY `LINE:SEQ`,
/// exactly the committed events, in order; a refused action is never announced).
#[tokio::test(flavor = "multi_thread")]
async fn every_committed_event_is_announced_to_every_server() {
    use linedesk_server::postgres::PgStorage;
    use linedesk_server::storage::{Applied, Storage, Subject};

    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("notify").expect("database");
    let a = PgStorage::open(&url).expect("server A");
    let b = PgStorage::open(&url).expect("server B");
    let mut heard = a.appended().expect("PostgreSQL announces appends");
    let line = b.add_line("Линия").expect("line");
    let client = b.add_client(line, "Иванова").expect("client");
    let refused = b.apply(
        Subject::client(client),
        "k0",
        &Action::ClientMessage { text: "  ".into() },
        1_795_428_000_000,
    );
    assert!(refused.is_err(), "{refused:?}");
    let Applied::Done(events) = b
        .apply(
            Subject::client(client),
            "k1",
            &Action::ClientMessage {
                text: "Здравствуйте".into(),
            },
            1_795_428_000_000,
        )
        .expect("applied")
    else {
        panic!("a duplicate");
    };
    let mut expected: Vec<(u64, u64)> = b
        .events_after(line, 0, 1000)
        .expect("log")
        .iter()
        .map(|e| (e.line, e.seq))
        .collect();
    assert_eq!(
        expected.last().map(|e| e.1),
        events.last().map(|e| e.seq),
        "the action's events end the log"
    );
    let mut got = Vec::new();
    while got.len() < expected.len() {
        let next = tokio::time::timeout(common::WAIT, heard.recv())
            .await
            .expect("announced in time")
            .expect("announcement");
        got.push(next);
    }
    expected.sort();
    assert_eq!(
        got, expected,
        "every committed event, once, in order; nothing refused"
    );
}

/// Two server processes on one database: a client on server A writes, a specialist signed in
/// to server B hears it live.
#[tokio::test]
async fn a_client_on_one_server_is_heard_by_a_specialist_on_another() {
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("two").expect("database");
    let line: u64 = ok(&["add-line", "--database", &url, "--name", "Линия"])
        .parse()
        .expect("line");
    let line_arg = line.to_string();
    ok(&[
        "add-specialist",
        "--database",
        &url,
        "--login",
        "anna",
        "--password",
        "anna-pass",
        "--name",
        "Анна",
        "--lines",
        &line_arg,
    ]);
    ok(&[
        "add-client",
        "--database",
        &url,
        "--line",
        &line_arg,
        "--name",
        "Иванова",
        "--login",
        "ivanova",
        "--password",
        "client-pass",
    ]);
    let (_a, addr_a) = serve(&url).await;
    let (_b, addr_b) = serve(&url).await;
    let mut anna = Client::signed_in(addr_b, "anna", "anna-pass").await;
    events(&mut anna, line, 0).await;
    let mut ivanova = Client::signed_in(addr_a, "ivanova", "client-pass").await;
    ack(
        &mut ivanova,
        "m1",
        Action::ClientMessage {
            text: "Пишу на сервер А".into(),
        },
    )
    .await;
    let text = next_event(&mut anna, |e| match e {
        Event::MessagePosted {
            from_specialist: None,
            text,
            ..
        } => Some(text.clone()),
        _ => None,
    })
    .await;
    assert_eq!(text, "Пишу на сервер А");
}

/// Two servers on one database route on what is stored: a specialist who became available
/// through server A gets the appeal a client opens through server B; her appeal, finished
/// through A, frees her on B for the next client.
#[tokio::test(flavor = "multi_thread")]
async fn routing_decisions_follow_what_the_other_server_committed() {
    use linedesk_server::auth::hash_password;
    use linedesk_server::postgres::PgStorage;
    use linedesk_server::storage::{Applied, Storage, Subject};

    const NOW: i64 = 1_795_428_000_000;
    let cluster = linedesk_pgtest::Cluster::start().expect("a throwaway PostgreSQL cluster");
    let url = cluster.database("routing").expect("database");
    let a = PgStorage::open(&url).expect("server A");
    let b = PgStorage::open(&url).expect("server B");
    let line = a.add_line("Линия").expect("line");
    let first = a.add_client(line, "Иванова").expect("client");
    let second = a.add_client(line, "Петров").expect("client");
    let anna = a
        .add_specialist("anna", &hash_password("x").expect("hash"), "Анна")
        .expect("anna");
    a.serve_line(anna, line, 0, 1)
        .expect("serve, one appeal at a time");
    let done = |applied: Applied| match applied {
        Applied::Done(events) => events,
        Applied::Duplicate => panic!("a duplicate"),
    };
    done(
        a.apply(
            Subject::specialist(anna),
            "p",
            &Action::SetPresence {
                status: PresenceStatus::Available,
            },
            NOW,
        )
        .expect("available on A"),
    );
    let assigned = |events: &[linedesk_server::storage::StoredEvent]| {
        events.iter().find_map(|e| match e.event {
            Event::AppealAssigned {
                appeal, specialist, ..
            } => Some((appeal, specialist)),
            _ => None,
        })
    };
    let opened = done(
        b.apply(
            Subject::client(first),
            "m",
            &Action::ClientMessage {
                text: "Вопрос".into(),
            },
            NOW,
        )
        .expect("message on B"),
    );
    let (appeal, holder) = assigned(&opened).expect("routed to Anna by B");
    assert_eq!(holder, anna);
    // She is at her limit: the next client waits, whichever server he writes to.
    let waiting = done(
        a.apply(
            Subject::client(second),
            "m",
            &Action::ClientMessage {
                text: "И у меня".into(),
            },
            NOW,
        )
        .expect("message on A"),
    );
    assert_eq!(assigned(&waiting), None, "queued: {waiting:?}");
    // Finished through A, the queue moves to her at once.
    let finished = done(
        a.apply(
            Subject::specialist(anna),
            "f",
            &Action::FinishAppeal {
                appeal,
                result: "готово".into(),
            },
            NOW,
        )
        .expect("finish on A"),
    );
    assert_eq!(
        assigned(&finished).map(|(_, s)| s),
        Some(anna),
        "{finished:?}"
    );
    // B knows: Anna is full again, a third message of the first client queues.
    let third = done(
        b.apply(
            Subject::client(first),
            "m2",
            &Action::ClientMessage {
                text: "Ещё вопрос".into(),
            },
            NOW,
        )
        .expect("message on B"),
    );
    assert_eq!(assigned(&third), None, "queued behind her limit: {third:?}");
}
