//! Live fan-out over real sockets: while several sessions write at once, every specialist of
//! the line gets every event once and in order, and every client exactly the events about
//! themselves that clients see, once and in order, with nothing of other clients.

mod common;

use std::time::Duration;

use common::{Client, World, ack, events, world};
use linedesk_protocol::{Action, ClientFrame, Event, ServerFrame};

const EACH: usize = 25;

/// The line's whole log as stored: (seq, event).
fn stored(w: &World, line: u64) -> Vec<(u64, Event)> {
    w.storage
        .events_after(line, 0, 100_000)
        .expect("events")
        .into_iter()
        .map(|e| (e.seq, e.event))
        .collect()
}

/// Signed in and subscribed to line A from its head now: the head.
async fn following(w: &World, login: &str, password: &str) -> (Client, u64) {
    let mut c = Client::signed_in(w.addr, login, password).await;
    let head = stored(w, w.line_a).last().map_or(0, |(seq, _)| *seq);
    c.send(&ClientFrame::Subscribe {
        line: w.line_a,
        after: head,
    })
    .await;
    match c.recv().await {
        ServerFrame::CaughtUp { seq, .. } => assert_eq!(seq, head),
        other => panic!("expected caught up, got {other:?}"),
    }
    (c, head)
}

/// The live events `c` receives until `count` of them came, then whatever else comes within
/// a moment (there should be nothing).
async fn live(c: &mut Client, count: usize) -> Vec<(u64, Event)> {
    let mut got = Vec::new();
    while got.len() < count {
        match c.recv().await {
            ServerFrame::Event { seq, event, .. } => got.push((seq, event)),
            ServerFrame::CaughtUp { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_millis(300), c.try_recv()).await
    {
        if let ServerFrame::Event { seq, event, .. } = frame {
            got.push((seq, event));
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_at_once_reach_every_specialist_once_in_order_and_each_client_only_their_own() {
    let w = world().await;
    let (mut anna, start) = following(&w, "anna", "anna-pass").await;
    let (mut vera, _) = following(&w, "vera", "vera-pass").await;
    let (mut ivanova, _) = following(&w, "ivanova", "ivanova-pass").await;
    let (mut sidorov, _) = following(&w, "sidorov", "sidorov-pass").await;

    // Both clients and a second session of Anna's write at the same time, each on its own
    // connection, so their events are committed and published interleaved.
    let mut writers = Vec::new();
    for (login, password) in [
        ("ivanova", "ivanova-pass"),
        ("sidorov", "sidorov-pass"),
        ("anna", "anna-pass"),
    ] {
        let (addr, line, clients) = (w.addr, w.line_a, [w.client_a, w.client_a2]);
        writers.push(tokio::spawn(async move {
            let mut c = Client::signed_in(addr, login, password).await;
            for n in 0..EACH {
                let action = if login == "anna" {
                    Action::SendMessage {
                        line,
                        client: clients[n % 2],
                        text: format!("{login} {n}"),
                    }
                } else {
                    Action::ClientMessage {
                        text: format!("{login} {n}"),
                    }
                };
                ack(&mut c, &format!("{login}-{n}"), action).await;
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }

    let log: Vec<(u64, Event)> = stored(&w, w.line_a)
        .into_iter()
        .filter(|(seq, _)| *seq > start)
        .collect();
    assert!(log.len() >= 3 * EACH, "{} events", log.len());
    for specialist in [&mut anna, &mut vera] {
        assert_eq!(
            live(specialist, log.len()).await,
            log,
            "every event once, in order"
        );
    }
    for (client, id) in [(&mut ivanova, w.client_a), (&mut sidorov, w.client_a2)] {
        let theirs: Vec<(u64, Event)> = log
            .iter()
            .filter(|(_, e)| e.client() == Some(id) && e.shown_to_client())
            .cloned()
            .collect();
        assert!(theirs.len() >= EACH + EACH / 2, "{} events", theirs.len());
        assert_eq!(
            live(client, theirs.len()).await,
            theirs,
            "their own, once, in order"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_following_two_sessions_gets_its_events_on_both_and_a_reconnect_resumes() {
    let w = world().await;
    let (mut first, start) = following(&w, "ivanova", "ivanova-pass").await;
    let (mut second, _) = following(&w, "ivanova", "ivanova-pass").await;
    let mut writer = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    for n in 0..5 {
        ack(
            &mut writer,
            &format!("k{n}"),
            Action::ClientMessage {
                text: format!("{n}"),
            },
        )
        .await;
    }
    let theirs: Vec<(u64, Event)> = stored(&w, w.line_a)
        .into_iter()
        .filter(|(seq, e)| *seq > start && e.client() == Some(w.client_a) && e.shown_to_client())
        .collect();
    assert_eq!(live(&mut first, theirs.len()).await, theirs);
    assert_eq!(live(&mut second, theirs.len()).await, theirs);

    // The second session leaves; the first still follows, and a fresh session that resumes
    // from the middle gets the rest once.
    drop(second);
    ack(
        &mut writer,
        "after",
        Action::ClientMessage {
            text: "after".into(),
        },
    )
    .await;
    let last = stored(&w, w.line_a)
        .last()
        .map(|(seq, _)| *seq)
        .expect("a log");
    let got = live(&mut first, 1).await;
    assert_eq!(got.last().map(|(seq, _)| *seq), Some(last));
    let mut fresh = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let middle = theirs[theirs.len() / 2].0;
    let resumed = events(&mut fresh, w.line_a, middle).await;
    let expected: Vec<Event> = stored(&w, w.line_a)
        .into_iter()
        .filter(|(seq, e)| *seq > middle && e.client() == Some(w.client_a) && e.shown_to_client())
        .map(|(_, e)| e)
        .collect();
    assert_eq!(resumed, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_appended_outside_the_hub_still_reaches_the_client_once_in_order() {
    let w = world().await;
    let (mut ivanova, start) = following(&w, "ivanova", "ivanova-pass").await;
    let (mut anna, _) = following(&w, "anna", "anna-pass").await;
    let mut writer = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    ack(
        &mut writer,
        "first",
        Action::ClientMessage {
            text: "first".into(),
        },
    )
    .await;
    // Applied straight to storage, as another process would: the hub never hears of it, so
    // the next live event waits for it, then the hub gives up and the sessions read back.
    let subject = linedesk_server::storage::Subject::client(w.client_a);
    w.storage
        .apply(
            subject,
            "outside",
            &Action::ClientMessage {
                text: "outside".into(),
            },
            linedesk_server::app::now_ms(),
        )
        .expect("applied outside");
    ack(
        &mut writer,
        "last",
        Action::ClientMessage {
            text: "last".into(),
        },
    )
    .await;
    let log: Vec<(u64, Event)> = stored(&w, w.line_a)
        .into_iter()
        .filter(|(seq, _)| *seq > start)
        .collect();
    let theirs: Vec<(u64, Event)> = log
        .iter()
        .filter(|(_, e)| e.client() == Some(w.client_a) && e.shown_to_client())
        .cloned()
        .collect();
    assert!(
        theirs
            .iter()
            .any(|(_, e)| matches!(e, Event::MessagePosted { text, .. } if text == "outside"))
    );
    assert_eq!(live(&mut ivanova, theirs.len()).await, theirs);
    assert_eq!(live(&mut anna, log.len()).await, log);
}
