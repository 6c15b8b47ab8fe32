//! End to end (V2): a real line server on 127.0.0.1, the `linedesk-assist` binary as the
//! client sharing a fresh Xvfb with an xterm, and the specialist's app side (the sync client
//! and a `linedesk_remote::Viewer`) in the test. By password: a wrong one is refused, the right
//! one shows the screen (the viewer's canvas equals an `import -window root` screenshot) and
//! takes keys (a command typed into the xterm runs), repeated wrong ones are throttled. By
//! request: a declined request shows nothing of the screen ever, an accepted one does, and
//! the client ends it by typing `end`. Each session lands in the line's log and in the
//! specialist's store timeline with its mode, outcome and duration.

mod common;

use std::time::{Duration, Instant};

use common::{
    Assistant, SESSION_PASSWORD, Specialist, World, connected, display_with_xterm, screenshot,
    wait_canvas_equals, world,
};
use linedesk_protocol::{Action, ErrorCode, Event, RemoteMode, Role};
use linedesk_remote::{InputEvent, SessionState, type_text};
use linedesk_server::storage::Storage;
use linedesk_sync::Incoming;

/// Wait until the store's timeline of the client has `count` finished sessions; them.
async fn timeline(
    anna: &Specialist,
    world: &World,
    count: usize,
) -> Vec<linedesk_store::RemoteSessionEntry> {
    let (line, client) = (
        i64::try_from(world.line).expect("line"),
        i64::try_from(world.client).expect("client"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sessions = anna
            .store
            .lock()
            .expect("lock")
            .remote_sessions_of(line, client)
            .expect("timeline");
        if sessions.iter().filter(|s| s.outcome.is_some()).count() >= count {
            return sessions;
        }
        assert!(Instant::now() < deadline, "the timeline has {sessions:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_password_the_screen_shows_keys_reach_the_xterm_and_wrong_passwords_are_throttled() {
    let world = world().await;
    let display = display_with_xterm();
    let name = display.name();
    let assistant = Assistant::start(&world, &name, &["--set-password", "--decline"]);
    assistant.wait_for("Session password set").await;
    let mut anna = Specialist::sign_in(&world).await;

    assert_eq!(
        anna.ask(&world, RemoteMode::ByPassword, Some("not-the-password"))
            .await,
        Err(ErrorCode::WrongPassword)
    );
    // The right one starts it at once, without asking the client (--decline is for requests).
    let session = anna
        .ask(&world, RemoteMode::ByPassword, Some(SESSION_PASSWORD))
        .await
        .expect("started by password");
    assistant
        .wait_for("Анна connected with your session password")
        .await;
    let (viewer, _channels) = anna.view(session).await;
    connected(&viewer).await;
    assistant
        .wait_for("REMOTE SESSION RUNNING: Анна sees and controls this screen")
        .await;
    let shot = screenshot(&name);
    wait_canvas_equals(&viewer, &shot, Duration::from_secs(20)).await;

    // Keys typed in the viewer run a command in the client's xterm.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("typed");
    viewer
        .send_input(&InputEvent::PointerMove { x: 300, y: 150 })
        .await
        .expect("pointer");
    for ev in type_text(&format!("echo ok > {}\n", file.display())) {
        viewer.send_input(&ev).await.expect("key");
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::fs::read_to_string(&file).ok().as_deref() != Some("ok\n") {
        assert!(Instant::now() < deadline, "the typed command did not run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // What the command printed (nothing) and the new prompt reach the viewer too.
    wait_canvas_equals(&viewer, &screenshot(&name), Duration::from_secs(20)).await;

    // The specialist ends it; the assistant says so.
    tokio::time::sleep(Duration::from_millis(300)).await;
    anna.handle
        .submit_now(Action::EndRemoteSession {
            session,
            reason: None,
        })
        .await
        .expect("ended");
    viewer.close().await;
    let (by, reason, duration) = anna.ended(session).await;
    assert_eq!(
        (by, reason.as_str()),
        (Role::Specialist, "EndedBySpecialist")
    );
    assert!(duration.is_some_and(|d| d > 0), "{duration:?}");
    assistant
        .wait_for("The session with Анна ended (ended by the specialist)")
        .await;

    // Four more wrong ones make five in the window: then even the right one waits.
    for i in 0..4 {
        assert_eq!(
            anna.ask(&world, RemoteMode::ByPassword, Some(&format!("guess-{i}")))
                .await,
            Err(ErrorCode::WrongPassword)
        );
    }
    assert_eq!(
        anna.ask(&world, RemoteMode::ByPassword, Some(SESSION_PASSWORD))
            .await,
        Err(ErrorCode::RateLimited)
    );
    let outcomes: Vec<String> = world
        .storage
        .remote_password_attempts(world.client)
        .expect("attempts")
        .into_iter()
        .map(|(_, _, o)| o)
        .collect();
    assert_eq!(
        outcomes,
        [
            "wrong",
            "accepted",
            "wrong",
            "wrong",
            "wrong",
            "wrong",
            "throttled"
        ]
    );

    // The line's log and the specialist's timeline: who, which mode, how it ended, how long.
    let log = world
        .storage
        .events_after(world.line, 0, 1000)
        .expect("log");
    assert!(log.iter().any(|e| matches!(
        e.event,
        Event::RemoteEnded { session: s, mode: RemoteMode::ByPassword, duration_ms: Some(_), .. }
            if s == session
    )));
    let sessions = timeline(&anna, &world, 1).await;
    assert_eq!(sessions.len(), 1, "refused attempts are not sessions");
    let s = &sessions[0];
    assert_eq!(
        (
            s.specialist_name.as_str(),
            s.mode.as_str(),
            s.outcome.as_deref()
        ),
        ("Анна", "by_password", Some("ended_by_specialist"))
    );
    assert!(s.started_at.is_some() && s.duration_ms.is_some_and(|d| d > 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_request_a_declined_one_shows_nothing_and_an_accepted_one_runs_until_the_client_ends_it()
{
    let world = world().await;
    let display = display_with_xterm();
    let name = display.name();
    let mut assistant = Assistant::start(&world, &name, &[]);
    assistant
        .wait_for("Waiting for a specialist's request")
        .await;
    let mut anna = Specialist::sign_in(&world).await;

    // Asked: the viewer offers at once, but the server relays nothing before an answer.
    let first = anna
        .ask(&world, RemoteMode::ByRequest, None)
        .await
        .expect("asked");
    assistant
        .wait_for("Specialist Анна asks to see and control your screen")
        .await;
    assistant.wait_for("Type y or n").await;
    let (viewer, _channels) = anna.view(first).await;
    let code = anna
        .next(|i| match i {
            Incoming::Refused { code, .. } => Some(*code),
            _ => None,
        })
        .await;
    assert_eq!(code, ErrorCode::OutOfOrder);
    assistant.type_line("n");
    let (by, reason, duration) = anna.ended(first).await;
    assert_eq!(
        (by, reason.as_str(), duration),
        (Role::Client, "Declined", None)
    );
    assistant
        .wait_for("Declined: nothing of your screen was shared")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_ne!(viewer.state(), SessionState::Connected);
    assert_eq!(viewer.stats().bytes, 0, "nothing of the screen arrived");
    assert_eq!(viewer.with_canvas(|c| c.version()), 0);
    viewer.close().await;

    // Asked again and accepted on the terminal: the screen flows.
    let second = anna
        .ask(&world, RemoteMode::ByRequest, None)
        .await
        .expect("asked");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !assistant.said(&format!("(session {second})")) {
        assert!(
            Instant::now() < deadline,
            "the second request was not shown"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assistant.type_line("y");
    anna.next(|i| match i {
        Incoming::Event {
            event: Event::RemoteStarted { session, .. },
            ..
        } if *session == second => Some(()),
        _ => None,
    })
    .await;
    let (viewer, _channels) = anna.view(second).await;
    connected(&viewer).await;
    assistant.wait_for("REMOTE SESSION RUNNING: Анна").await;
    wait_canvas_equals(&viewer, &screenshot(&name), Duration::from_secs(20)).await;

    // The client ends it by typing `end`.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assistant.type_line("end");
    let (by, reason, duration) = anna.ended(second).await;
    assert_eq!((by, reason.as_str()), (Role::Client, "EndedByClient"));
    assert!(duration.is_some_and(|d| d > 0), "{duration:?}");
    assistant.wait_for("You ended the session with Анна").await;
    viewer.close().await;

    let sessions = timeline(&anna, &world, 2).await;
    let summary: Vec<(&str, Option<&str>, bool)> = sessions
        .iter()
        .map(|s| {
            (
                s.mode.as_str(),
                s.outcome.as_deref(),
                s.duration_ms.is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("by_request", Some("declined"), false),
            ("by_request", Some("ended_by_client"), true)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_ends_a_running_session_as_the_client_and_quits() {
    let world = world().await;
    let display = display_with_xterm();
    let name = display.name();
    let mut assistant = Assistant::start(&world, &name, &["--set-password"]);
    assistant.wait_for("Session password set").await;
    let mut anna = Specialist::sign_in(&world).await;
    let session = anna
        .ask(&world, RemoteMode::ByPassword, Some(SESSION_PASSWORD))
        .await
        .expect("started");
    let (viewer, _channels) = anna.view(session).await;
    connected(&viewer).await;
    assistant.wait_for("REMOTE SESSION RUNNING").await;
    assistant.interrupt();
    let (by, reason, _) = anna.ended(session).await;
    assert_eq!((by, reason.as_str()), (Role::Client, "EndedByClient"));
    assert!(assistant.exited_cleanly(Duration::from_secs(10)).await);
    viewer.close().await;
}
