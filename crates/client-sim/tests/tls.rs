//! The client simulator against the real line server with TLS on 127.0.0.1 (a test CA):
//! a client writes and reads the answer over HTTPS and WSS, a call is signalled over WSS and
//! heard both ways, the command line takes `--server https://... --ca FILE`, refuses a
//! certificate of a CA it was not given, and refuses a bare `host:port` without
//! `--insecure-plain` before sending anything.

mod common;

use std::process::Output;
use std::time::Duration;

use common::{available_specialist, demo_server_tls, speech, take_the_clients_call, with_lead_in};
use linedesk_client_sim::{CallPlan, EndedBy, Phone, SimClient, length_of};
use linedesk_engine::analysis::align;
use linedesk_protocol::{Action, Event};
use linedesk_server::demo::DEMO_CLIENT_PASSWORD;
use linedesk_server::storage::Storage;

/// The binary with `args`, to its end.
async fn client_sim(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_linedesk-client-sim"))
            .args(args)
            .output()
            .expect("the command runs")
    })
    .await
    .expect("joined")
}

/// How many times clients wrote `text` on `line`.
fn written(storage: &impl Storage, line: u64, text: &str) -> usize {
    storage
        .events_after(line, 0, 100_000)
        .expect("log")
        .into_iter()
        .filter_map(|e| match e.event {
            Event::MessagePosted {
                from_specialist: None,
                text,
                ..
            } => Some(text),
            _ => None,
        })
        .filter(|t| t == text)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_wss_a_client_writes_and_reads_the_specialists_answer() {
    let demo = demo_server_tls().await;
    let mut spec = available_specialist(&demo).await;
    let mut client = SimClient::sign_in_to(&demo.connector(), "client-1", DEMO_CLIENT_PASSWORD)
        .await
        .expect("the client signs in over https and wss");
    client
        .write("Пишу по защищённому каналу")
        .await
        .expect("write");
    let from = spec
        .event(|e| match e {
            Event::MessagePosted {
                client,
                from_specialist: None,
                text,
                ..
            } if text == "Пишу по защищённому каналу" => Some(*client),
            _ => None,
        })
        .await
        .expect("the specialist sees it");
    spec.submit(Action::SendMessage {
        line: demo.line,
        client: from,
        text: "Видим, отвечаем".into(),
    })
    .await
    .expect("answered");
    let answer = client
        .wait_answer(Duration::from_secs(10))
        .await
        .expect("the answer");
    assert_eq!(answer, "Видим, отвечаем");
    // A file goes over HTTPS too.
    let shared = client
        .send_file("отчёт.txt", b"over https".to_vec())
        .await
        .expect("the file");
    assert_eq!(shared.size, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_wss_a_call_is_signalled_and_heard_both_ways() {
    let _turn = common::one_call_at_a_time().await;
    let demo = demo_server_tls().await;
    let words = speech(demo.dir.path(), "client", "Алло, слышно меня?");
    let reply = speech(demo.dir.path(), "specialist", "Да, слышно хорошо.");
    let mut spec = available_specialist(&demo).await;
    let phone = Phone::sign_in_to(&demo.connector(), "client-1", DEMO_CLIENT_PASSWORD)
        .await
        .expect("the phone signs in over wss");
    let mut plan = CallPlan::new(
        with_lead_in(&words),
        length_of(&words) + Duration::from_millis(1500),
    );
    plan.ring_timeout = Duration::from_secs(10);
    let client = tokio::spawn(phone.call_line(plan));
    let side = take_the_clients_call(&demo, &mut spec, &with_lead_in(&reply)).await;
    let outcome = client
        .await
        .expect("the client's task")
        .expect("the client's call");
    assert_eq!(
        (outcome.call, outcome.ended_by),
        (side.call, EndedBy::Client)
    );
    let heard = align(&words, &side.heard, Duration::from_secs(1)).expect("aligned");
    let back = align(&reply, &outcome.heard, Duration::from_secs(1)).expect("aligned");
    assert!(heard.segment_correlation > 0.6, "{heard:?}");
    assert!(back.segment_correlation > 0.6, "{back:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_writes_over_https_with_its_ca_and_refuses_an_unknown_one() {
    let demo = demo_server_tls().await;
    let ca = demo.ca.clone().expect("the test CA");
    let run = |extra: &[&str], say: &str| {
        let mut args: Vec<String> = vec![
            "--server".into(),
            demo.url.clone(),
            "--clients".into(),
            "client-2".into(),
            "--messages".into(),
            "1".into(),
            "--wait".into(),
            "1".into(),
            "--say".into(),
            say.into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        client_sim(args)
    };
    // Without the CA: the system does not trust the test CA.
    let refused = run(&[], "без CA").await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("not trusted"), "{stderr}");
    // With it: signed in and written (then no specialist answers within the second).
    let ca_arg = ca.to_string_lossy().to_string();
    let output = run(&["--ca", &ca_arg], "с CA").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("client-2: signed in"), "{stdout}");
    assert!(stdout.contains("client-2 → с CA"), "{stdout}");
    assert_eq!(written(&*demo.storage, demo.line, "с CA"), 1);
    assert_eq!(written(&*demo.storage, demo.line, "без CA"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_address_is_refused_before_anything_is_sent() {
    // Something listening where the server would be: it must see no connection at all.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    for args in [
        vec!["--server", &addr, "--count", "1"],
        vec!["call", "--wav", "/nonexistent.wav", "--server", &addr],
    ] {
        let output = client_sim(args.iter().map(|a| a.to_string()).collect()).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("--insecure-plain") && stderr.contains("https://"),
            "{stderr}"
        );
    }
    let connected = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(connected.is_err(), "the simulator connected: {connected:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_insecure_plain_a_bare_address_is_plain() {
    let demo = common::demo_server().await;
    let output = client_sim(
        [
            "--server",
            &demo.addr,
            "--insecure-plain",
            "--clients",
            "client-3",
            "--messages",
            "1",
            "--wait",
            "1",
            "--say",
            "открытым текстом",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("client-3: signed in"), "{stdout}");
    assert_eq!(written(&*demo.storage, demo.line, "открытым текстом"), 1);
}
