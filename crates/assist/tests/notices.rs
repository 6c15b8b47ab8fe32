//! The assistant as a window drives it (`linedesk-assist-window`): the library run in-process
//! against a real line server, its console fed the window's buttons (Accept, Decline, End, the
//! session password set and cleared while it runs) and its typed notices read. Who asks comes
//! with their line's name; each request or session ends with the notice that says how.

mod common;

use std::time::Duration;

use common::{CLIENT_LOGIN, CLIENT_PASSWORD, Specialist, connected, display_with_xterm, world};
use linedesk_assist::{Answer, Asker, AssistConfig, Console, Ending, Input, Notice};
use linedesk_protocol::{Action, ErrorCode, RemoteMode, Role};
use tokio::sync::mpsc;

const LINE_NAME: &str = "Линия поддержки";
const WINDOW_PASSWORD: &str = "пароль-из-окна";

/// The next notice `pick` accepts; the ones before it are skipped.
async fn next<T>(
    notices: &mut mpsc::UnboundedReceiver<Notice>,
    mut pick: impl FnMut(&Notice) -> Option<T>,
) -> T {
    loop {
        let notice = tokio::time::timeout(Duration::from_secs(30), notices.recv())
            .await
            .expect("a notice in time")
            .expect("the run is still going");
        eprintln!("notice: {notice:?}");
        if let Some(found) = pick(&notice) {
            return found;
        }
    }
}

fn asker(session: u64, mode: RemoteMode) -> Asker {
    Asker {
        session,
        specialist: "Анна".into(),
        line_name: LINE_NAME.into(),
        mode,
    }
}

async fn ended(notices: &mut mpsc::UnboundedReceiver<Notice>, session: u64) -> Ending {
    next(notices, |n| match n {
        Notice::Ended { session: s, how } if *s == session => Some(*how),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_sees_who_asks_from_which_line_and_drives_the_session_with_its_buttons() {
    let world = world().await;
    let display = display_with_xterm();
    let mut config = AssistConfig::new(&world.url, CLIENT_LOGIN, CLIENT_PASSWORD, Answer::Ask);
    config.display = Some(display.name());
    let (mut console, input, mut lines) = Console::channels();
    tokio::spawn(async move {
        while let Some(line) = lines.recv().await {
            eprintln!("assist> {line}");
        }
    });
    let mut notices = console.notices();
    let run = tokio::spawn(linedesk_assist::run(config, console));
    next(&mut notices, |n| {
        matches!(n, Notice::SignedIn { .. }).then_some(())
    })
    .await;
    next(&mut notices, |n| (*n == Notice::Waiting).then_some(())).await;
    let mut anna = Specialist::sign_in(&world).await;

    // One the server refuses (shorter than the protocol's minimum) is said, and the run goes on.
    input
        .send(Input::SetPassword(Some("abc".into())))
        .expect("input");
    let refused = next(&mut notices, |n| match n {
        Notice::PasswordRefused { code } => Some(*code),
        _ => None,
    })
    .await;
    assert_eq!(refused, ErrorCode::Invalid);

    // The password set from the window while waiting: a session by it starts at once.
    input
        .send(Input::SetPassword(Some(WINDOW_PASSWORD.into())))
        .expect("input");
    next(&mut notices, |n| {
        matches!(n, Notice::PasswordSet { .. }).then_some(())
    })
    .await;
    let session = anna
        .ask(&world, RemoteMode::ByPassword, Some(WINDOW_PASSWORD))
        .await
        .expect("started by the window's password");
    let connecting = next(&mut notices, |n| match n {
        Notice::Connecting(a) => Some(a.clone()),
        _ => None,
    })
    .await;
    assert_eq!(connecting, asker(session, RemoteMode::ByPassword));
    let (viewer, _channels) = anna.view(session).await;
    connected(&viewer).await;
    let sharing = next(&mut notices, |n| match n {
        Notice::Sharing(a) => Some(a.clone()),
        _ => None,
    })
    .await;
    assert_eq!(sharing, asker(session, RemoteMode::ByPassword));
    // End from the window: the specialist's side hears the client ended it.
    input.send(Input::End).expect("input");
    assert_eq!(ended(&mut notices, session).await, Ending::ByYou);
    assert_eq!(anna.ended(session).await.0, Role::Client);
    drop(viewer);

    // Cleared from the window: the password no longer opens anything.
    next(&mut notices, |n| (*n == Notice::Waiting).then_some(())).await;
    input.send(Input::SetPassword(None)).expect("input");
    next(&mut notices, |n| {
        (*n == Notice::PasswordCleared).then_some(())
    })
    .await;
    assert_eq!(
        anna.ask(&world, RemoteMode::ByPassword, Some(WINDOW_PASSWORD))
            .await,
        Err(ErrorCode::NoPassword)
    );

    // By request: the window is asked with who and which line; Decline refuses it.
    let session = anna
        .ask(&world, RemoteMode::ByRequest, None)
        .await
        .expect("asked");
    let asked = next(&mut notices, |n| match n {
        Notice::Asked(a) => Some(a.clone()),
        _ => None,
    })
    .await;
    assert_eq!(asked, asker(session, RemoteMode::ByRequest));
    input.send(Input::Decline).expect("input");
    assert_eq!(ended(&mut notices, session).await, Ending::Declined);
    assert_eq!(anna.ended(session).await.0, Role::Client);

    // Accept starts hosting; the specialist ends it and the window hears so.
    let session = anna
        .ask(&world, RemoteMode::ByRequest, None)
        .await
        .expect("asked");
    next(&mut notices, |n| {
        matches!(n, Notice::Asked(_)).then_some(())
    })
    .await;
    input.send(Input::Accept).expect("input");
    // Accepted on the server before the window waits for the connection: only then may the
    // specialist's offer be relayed.
    next(&mut notices, |n| {
        matches!(n, Notice::Connecting(_)).then_some(())
    })
    .await;
    let (viewer, _channels) = anna.view(session).await;
    connected(&viewer).await;
    next(&mut notices, |n| {
        matches!(n, Notice::Sharing(_)).then_some(())
    })
    .await;
    anna.handle
        .submit_now(Action::EndRemoteSession {
            session,
            reason: None,
        })
        .await
        .expect("the specialist ends it");
    assert_eq!(ended(&mut notices, session).await, Ending::BySpecialist);

    // Quitting the window ends the run cleanly.
    input.send(Input::Interrupt).expect("input");
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the run stops in time")
        .expect("the run's task")
        .expect("the run ends without an error");
}
