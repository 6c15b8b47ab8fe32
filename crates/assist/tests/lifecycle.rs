//! The assistant's life around the session password and what it cannot read (issue 12), in
//! process against a real line server (no display needed): the password it set is cleared
//! when it stops; a session by a password it did not set in this run is refused; a frame it
//! cannot read is reported and it goes on.

mod common;

use std::time::Duration;

use common::{CLIENT_LOGIN, CLIENT_PASSWORD, SESSION_PASSWORD, world};
use linedesk_assist::{Answer, AssistConfig, AssistError, Console, Input};
use linedesk_engine::EngineError;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{Action, ErrorCode, Event, RemoteEndReason, RemoteMode};
use linedesk_server::auth::hash_password;
use linedesk_server::storage::Storage;
use tokio::sync::mpsc;

/// The assistant running in a task, with its console's far ends.
struct Running {
    input: mpsc::UnboundedSender<Input>,
    output: mpsc::UnboundedReceiver<String>,
    task: tokio::task::JoinHandle<Result<(), AssistError>>,
}

impl Running {
    fn start(addr: &str, session_password: Option<&str>) -> Running {
        let server = format!("http://{addr}");
        let mut config = AssistConfig::new(&server, CLIENT_LOGIN, CLIENT_PASSWORD, Answer::Decline);
        config.session_password = session_password.map(str::to_string);
        // No screen to share, whatever the machine has.
        config.display = Some(":9999".into());
        let (console, input, output) = Console::channels();
        let task = tokio::spawn(linedesk_assist::run(config, console));
        Running {
            input,
            output,
            task,
        }
    }

    /// Wait for a console line containing `text`; every line until then.
    async fn wait_for(&mut self, text: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = tokio::time::timeout(Duration::from_secs(10), self.output.recv())
                .await
                .unwrap_or_else(|_| panic!("no {text:?} in {seen:?}"))
                .expect("console open");
            let found = line.contains(text);
            seen.push(line);
            if found {
                return seen;
            }
        }
    }

    /// Ctrl+C: the run ends well; the lines it said on the way out.
    async fn interrupt(mut self) -> Vec<String> {
        self.input.send(Input::Interrupt).expect("input");
        let outcome = tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("stops in time")
            .expect("task");
        assert!(outcome.is_ok(), "{outcome:?}");
        let mut said = Vec::new();
        while let Ok(line) = self.output.try_recv() {
            said.push(line);
        }
        said
    }
}

fn by_password(line: u64, client: u64) -> Action {
    Action::RequestRemoteSession {
        line,
        client,
        mode: RemoteMode::ByPassword,
        password: Some(SESSION_PASSWORD.into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_password_is_cleared_when_the_assistant_stops() {
    let w = world().await;
    let mut assistant = Running::start(&w.addr, Some(SESSION_PASSWORD));
    assistant.wait_for("Waiting for a specialist").await;
    let said = assistant.interrupt().await;
    assert!(said.iter().any(|l| l.contains("cleared")), "{said:?}");
    let mut anna = LineLink::join(&w.addr, "anna", "anna-pass", w.line)
        .await
        .expect("anna");
    match anna.submit(by_password(w.line, w.client)).await {
        Err(EngineError::Rejected { code, .. }) => assert_eq!(code, ErrorCode::NoPassword),
        other => panic!("the stopped assistant's password still works: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_by_a_password_this_run_did_not_set_is_refused() {
    let w = world().await;
    // An assistant that died without clearing its password left it on the server.
    let mut earlier = LineLink::join_own_line(&w.addr, CLIENT_LOGIN, CLIENT_PASSWORD)
        .await
        .expect("client");
    earlier
        .submit(Action::SetRemotePassword {
            password: Some(SESSION_PASSWORD.into()),
        })
        .await
        .expect("set");
    drop(earlier);
    let mut assistant = Running::start(&w.addr, None);
    assistant.wait_for("Waiting for a specialist").await;
    let mut anna = LineLink::join(&w.addr, "anna", "anna-pass", w.line)
        .await
        .expect("anna");
    anna.submit(by_password(w.line, w.client))
        .await
        .expect("the server checks only the password");
    let reason = anna
        .event(|e| match e {
            Event::RemoteEnded { reason, .. } => Some(*reason),
            _ => None,
        })
        .await
        .expect("ended");
    // Ended by the client at once (an assistant that tried to host would end it `failed`).
    assert_eq!(reason, RemoteEndReason::EndedByClient);
    assistant.wait_for("did not set").await;
    assistant.interrupt().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_the_assistant_cannot_read_is_reported_and_it_goes_on() {
    let w = world().await;
    // A name over every limit, written straight into storage (the admin API checks limits):
    // the client's `RemoteRequested` frame then exceeds the frame limit.
    let long_name = "Б".repeat(linedesk_protocol::MAX_FRAME_BYTES / 2 + 1_000);
    let boris = w
        .storage
        .add_specialist(
            "boris",
            &hash_password("boris-pass").expect("hash"),
            &long_name,
        )
        .expect("boris");
    w.storage.serve_line(boris, w.line, 0, 5).expect("serve");
    let mut assistant = Running::start(&w.addr, None);
    assistant.wait_for("Waiting for a specialist").await;
    let mut boris = LineLink::join(&w.addr, "boris", "boris-pass", w.line)
        .await
        .expect("boris");
    boris
        .submit(Action::RequestRemoteSession {
            line: w.line,
            client: w.client,
            mode: RemoteMode::ByRequest,
            password: None,
        })
        .await
        .expect("request");
    let said = assistant.wait_for("cannot read").await;
    let report = said.last().expect("report");
    assert!(
        report.contains("larger than") && report.contains(&format!("line {}", w.line)),
        "{report}"
    );
    // Still running: Ctrl+C ends it well, not a broken session.
    assistant.interrupt().await;
}
