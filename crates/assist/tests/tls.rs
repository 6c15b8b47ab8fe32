//! The assistant against the real line server with TLS on 127.0.0.1 (a test CA): it signs in
//! over HTTPS and WSS with `--ca` and answers a specialist's request there; a certificate of a
//! CA it was not given is refused, said clearly; a bare `host:port` is refused before anything
//! is sent (the client's password would go in clear) unless `--insecure-plain` says so.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::{Assistant, CLIENT_LOGIN, CLIENT_PASSWORD, Specialist, world, world_tls};
use linedesk_assist::{Answer, AssistConfig, AssistError, Console};
use linedesk_endpoint::EndpointError;
use linedesk_endpoint::test_pki::TestPki;
use linedesk_engine::EngineError;
use linedesk_protocol::RemoteMode;

/// The binary with `args`, to its end.
async fn assist(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_linedesk-assist"))
            .args(args)
            .env("LINEDESK_ASSIST_ACCOUNT_PASSWORD", CLIENT_PASSWORD)
            .output()
            .expect("the assistant runs")
    })
    .await
    .expect("joined")
}

fn args(server: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "--server".to_string(),
        server.to_string(),
        "--login".into(),
        CLIENT_LOGIN.into(),
        "--display".into(),
        ":9999".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assistant_signs_in_over_wss_and_answers_a_request_there() {
    let w = world_tls().await;
    let mut assistant = Assistant::start(
        &w,
        ":9999",
        &["--set-password", "--decline", "--requests", "1"],
    );
    let signed_in = assistant.wait_for("Signed in to").await;
    assert!(
        signed_in.contains(&format!("https://{}", w.addr)),
        "{signed_in}"
    );
    assistant.wait_for("Waiting for a specialist").await;
    // Анна's app over HTTPS and WSS too (its sync with the CA file).
    let mut anna = Specialist::sign_in(&w).await;
    let session = anna
        .ask(&w, RemoteMode::ByRequest, None)
        .await
        .expect("asked");
    let (_, reason, _) = anna.ended(session).await;
    assert_eq!(reason, "Declined");
    assert!(assistant.exited_cleanly(Duration::from_secs(10)).await);
    assert!(assistant.said("Session password cleared"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_certificate_of_an_unknown_ca_is_refused() {
    let w = world_tls().await;
    let dir = tempfile::tempdir().expect("dir");
    let stranger = TestPki::new(dir.path(), "stranger-", &["127.0.0.1"]).expect("pki");
    let stranger_ca = stranger.ca.to_string_lossy().to_string();
    for extra in [vec![], vec!["--ca", stranger_ca.as_str()]] {
        let output = assist(args(&w.url, &extra)).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{extra:?}");
        assert!(stderr.contains("not trusted"), "{extra:?}: {stderr}");
        assert!(!String::from_utf8_lossy(&output.stdout).contains("Signed in"));
    }
    // In the library: the typed error.
    let mut config = AssistConfig::new(&w.url, CLIENT_LOGIN, CLIENT_PASSWORD, Answer::Decline);
    config.ca_file = Some(stranger.ca.clone());
    let (console, _input, _output) = Console::channels();
    match linedesk_assist::run(config, console).await {
        Err(AssistError::Line(EngineError::Endpoint(EndpointError::Untrusted(_)))) => {}
        other => panic!("an unknown CA was trusted: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_address_is_refused_before_the_password_is_sent() {
    // Something listening where the server would be: it must see no connection at all.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let output = assist(args(&addr, &[])).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--insecure-plain") && stderr.contains(&format!("https://{addr}")),
        "{stderr}"
    );
    let connected = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(connected.is_err(), "the assistant connected: {connected:?}");
    let config = AssistConfig::new(&addr, CLIENT_LOGIN, CLIENT_PASSWORD, Answer::Decline);
    assert!(matches!(
        config.connector(),
        Err(EndpointError::PlainRefused { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_insecure_plain_a_bare_address_is_plain() {
    let mut w = world().await;
    w.url = w.addr.clone();
    let assistant = Assistant::start(&w, ":9999", &["--insecure-plain", "--decline"]);
    let signed_in = assistant.wait_for("Signed in to").await;
    assert!(
        signed_in.contains(&format!("http://{}", w.addr)),
        "{signed_in}"
    );
}
