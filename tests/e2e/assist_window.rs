//! The client's assistant window (`linedesk-assist-window`) against a real line server seeded
//! with the demo: the client signs in from the window; the demo specialist (the engine's
//! `LineLink` and a `linedesk_remote::Viewer` in the test, over real WebSockets and WebRTC)
//! asks for a session by request; the window says who asks and from which line; Accept starts
//! hosting the window's own X display (the specialist's canvas gets the 1280x800 screen), the
//! "your screen is shared with ..." indicator shows, and End ends it on both sides. A second
//! request is declined (refused on the server, nothing relayed); a third is accepted and ended
//! by the specialist, which the window says. The session password is set and cleared from the
//! window (by password the specialist connects with it, then no longer can), and signing out
//! clears it too. A bare `host:port` and a wrong account password are refused and said.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_engine::EngineError;
use linedesk_engine::line::LineLink;
use linedesk_protocol::{
    Action, ClientFrame, ErrorCode, Event, RemoteEndReason, RemoteMode, Role, SignalPayload,
};
use linedesk_remote::{SessionConfig, SessionState, Viewer};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;

const SPECIALIST_PASSWORD: &str = "smena-2026-окно";
const CLIENT_LOGIN: &str = "client-4";
const SESSION_PASSWORD: &str = "пароль-окна-4";
const WAIT: Duration = Duration::from_secs(30);
/// `--bg` of ui/src/app.css, the window's page background.
const PAGE_BACKGROUND: [u8; 3] = [0xf5, 0xf6, 0xf8];

/// The assistant window's binary beside the app's (both built by `./dev.sh test`).
fn window_binary() -> PathBuf {
    linedesk_e2e::workspace_binary("linedesk-assist-window")
}

fn seeded(dir: &std::path::Path) -> Arc<SqliteStorage> {
    let storage = SqliteStorage::open(&dir.join("server.db")).expect("server storage");
    let hash = |p: &str| {
        linedesk_server::auth::hash_password(p)
            .map_err(|e| linedesk_server::storage::StorageError::Invalid(e.to_string()))
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    linedesk_server::demo::seed_if_empty(
        &storage,
        now,
        &hash(SPECIALIST_PASSWORD).expect("hash"),
        &hash,
    )
    .expect("seed the demo lines");
    Arc::new(storage)
}

/// The specialist: a signed-in session on the client's line.
struct Specialist {
    link: LineLink,
    signals: tokio::sync::mpsc::UnboundedReceiver<(u64, SignalPayload)>,
    line: u64,
    client: u64,
}

impl Specialist {
    /// Ask for a session; its id and the line's name the request carries, or the refusal.
    async fn ask(
        &mut self,
        mode: RemoteMode,
        password: Option<&str>,
    ) -> Result<(u64, String), ErrorCode> {
        let key = match self
            .link
            .submit(Action::RequestRemoteSession {
                line: self.line,
                client: self.client,
                mode,
                password: password.map(str::to_string),
            })
            .await
        {
            Ok(key) => key,
            Err(EngineError::Rejected { code, .. }) => return Err(code),
            Err(other) => panic!("the request failed: {other}"),
        };
        let found = self
            .link
            .event_within(Some(WAIT), |e| match e {
                Event::RemoteRequested {
                    session,
                    line_name,
                    key: Some(k),
                    ..
                } if *k == key => Some((*session, line_name.clone())),
                _ => None,
            })
            .await
            .expect("the session")
            .expect("the request in the log in time");
        Ok(found)
    }

    async fn started(&mut self, session: u64) {
        self.link
            .event_within(Some(WAIT), |e| {
                matches!(e, Event::RemoteStarted { session: s, .. } if *s == session).then_some(())
            })
            .await
            .expect("the session")
            .expect("started in time");
    }

    /// Who ended `session` and why.
    async fn ended(&mut self, session: u64) -> (Role, RemoteEndReason) {
        self.link
            .event_within(Some(WAIT), |e| match e {
                Event::RemoteEnded {
                    session: s,
                    by,
                    reason,
                    ..
                } if *s == session => Some((*by, *reason)),
                _ => None,
            })
            .await
            .expect("the session")
            .expect("ended in time")
    }

    /// Open a viewer of `session`, relay its signals through the line server both ways, and
    /// wait until its canvas holds the client's whole screen.
    async fn view(&mut self, session: u64) -> Arc<Viewer> {
        let (viewer, mut channels) = Viewer::offer(SessionConfig::loopback())
            .await
            .expect("the viewer's offer");
        let viewer = Arc::new(viewer);
        let sender = self.link.sender();
        tokio::spawn(async move {
            while let Some(payload) = channels.signals.recv().await {
                if sender
                    .send(ClientFrame::RemoteSignal { session, payload })
                    .is_err()
                {
                    return;
                }
            }
        });
        let deadline = Instant::now() + WAIT;
        loop {
            while let Ok((s, payload)) = self.signals.try_recv() {
                if s == session {
                    let _ = viewer.signal(payload).await;
                }
            }
            // The whole screen, with the window's own page on it (its background colour in
            // the empty part of the window, exact: the tiles are lossless).
            let seen = viewer.with_canvas(|c| {
                let at = (500 * 1280 + 200) * 4;
                (c.width(), c.height()) == (1280, 800)
                    && c.pixels().get(at..at + 3) == Some(&PAGE_BACKGROUND[..])
            });
            if *viewer.watch().borrow() == SessionState::Connected && seen {
                return viewer;
            }
            assert!(Instant::now() < deadline, "the client's screen never came");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn sign_in(window: &App, server: &str, password: &str) {
    for (id, text) in [
        ("assist-server", server),
        ("assist-login", CLIENT_LOGIN),
        ("assist-password", password),
    ] {
        let field = window.testid(id).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }
    window
        .testid("assist-sign-in")
        .await
        .click()
        .await
        .expect("sign in");
}

async fn click(window: &App, id: &str) {
    window.testid(id).await.click().await.unwrap_or_else(|e| {
        panic!("click {id}: {e}");
    });
}

async fn ended_shows(window: &App, session: u64, how: &str) {
    let css = format!("{}[data-session=\"{session}\"]", by_testid("assist-ended"));
    window
        .wait_attr(&css, "data-how", "how the session ended", |h| h == how)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_shows_who_asks_shares_with_an_indicator_ends_and_declines() {
    let server_dir = tempfile::tempdir().expect("server dir");
    let config_dir = tempfile::tempdir().expect("config dir");
    let storage = seeded(server_dir.path());
    let account = storage
        .account_by_login(CLIENT_LOGIN)
        .expect("storage")
        .expect("the demo client");
    let line = storage.lines_of(account.subject).expect("lines")[0];
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(linedesk_server::app::serve(
        listener,
        linedesk_server::app::Server::new(storage.clone()),
    ));
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        let args = vec![
            "--config-dir".to_string(),
            config_dir.path().display().to_string(),
        ];
        let window = desktop
            .launch_binary(&window_binary(), &args, &["assist-window"])
            .await;
        // A bare host:port is refused before anything is sent (no password in clear unless
        // the client wrote http://), then a wrong password is refused; both said.
        let bare = server.trim_start_matches("http://").to_string();
        sign_in(&window, &bare, linedesk_server::demo::DEMO_CLIENT_PASSWORD).await;
        window
            .wait_attr(
                &by_testid("assist-run-error"),
                "data-code",
                "the bare address",
                |c| c == "assist.no_scheme",
            )
            .await;
        sign_in(&window, &server, "не тот пароль").await;
        window
            .wait_attr(
                &by_testid("assist-run-error"),
                "data-code",
                "the refusal",
                |c| c == "assist.wrong_credentials",
            )
            .await;
        window
            .wait_texts(&by_testid("assist-run-error"), "the refusal", |t| {
                t.first()
                    .is_some_and(|s| s.contains("Неверный логин или пароль"))
            })
            .await;
        sign_in(
            &window,
            &server,
            linedesk_server::demo::DEMO_CLIENT_PASSWORD,
        )
        .await;
        window
            .wait_attr(
                &by_testid("assist-connection"),
                "data-state",
                "signed in",
                |s| s == "connected",
            )
            .await;
        window.testid("assist-waiting").await;
        let mut anna = LineLink::join(
            &server,
            linedesk_demo::DEMO_SPECIALIST_LOGIN,
            SPECIALIST_PASSWORD,
            line,
        )
        .await
        .expect("the specialist signs in");
        let signals = anna.take_remote_signals().expect("signals");
        let mut anna = Specialist {
            link: anna,
            signals,
            line,
            client: account.subject.id,
        };

        // By request: the window says who asks and from which line, and what they could do.
        let (session, line_name) = anna.ask(RemoteMode::ByRequest, None).await.expect("asked");
        assert!(!line_name.is_empty(), "the request carries the line's name");
        let specialist = linedesk_demo::DEMO_SPECIALIST_NAME;
        window
            .wait_texts(&by_testid("assist-asker"), "who asks", |t| {
                t.first()
                    .is_some_and(|s| s.contains(specialist) && s.contains(&line_name))
            })
            .await;
        window.screenshot("assist-window-request").await;

        // Accept: the specialist's viewer gets the screen; the indicator names them.
        click(&window, "assist-accept").await;
        anna.started(session).await;
        let viewer = anna.view(session).await;
        let texts = window
            .wait_texts(&by_testid("assist-sharing-text"), "the indicator", |t| {
                t.first().is_some_and(|s| s.contains(specialist))
            })
            .await;
        assert!(
            texts[0].starts_with("Ваш экран виден специалисту") && texts[0].contains(&line_name),
            "{texts:?}"
        );
        window.screenshot("assist-window-sharing").await;

        // End from the window: the server logs the client's end, the viewer's session ends.
        click(&window, "assist-end").await;
        assert_eq!(
            anna.ended(session).await,
            (Role::Client, RemoteEndReason::EndedByClient)
        );
        ended_shows(&window, session, "by_you").await;
        let mut state = viewer.watch();
        tokio::time::timeout(
            WAIT,
            state.wait_for(|s| matches!(s, SessionState::Ended(_))),
        )
        .await
        .expect("the viewer's connection ends in time")
        .expect("the viewer's state");
        drop(viewer);

        // Decline: refused on the server; the window says nothing was shown.
        let (session, _) = anna
            .ask(RemoteMode::ByRequest, None)
            .await
            .expect("asked again");
        window
            .wait(&format!(
                "{}[data-session=\"{session}\"]",
                by_testid("assist-request")
            ))
            .await;
        click(&window, "assist-decline").await;
        assert_eq!(
            anna.ended(session).await,
            (Role::Client, RemoteEndReason::Declined)
        );
        ended_shows(&window, session, "declined").await;

        // The specialist ends one from their side: the window says so.
        let (session, _) = anna.ask(RemoteMode::ByRequest, None).await.expect("asked");
        window
            .wait(&format!(
                "{}[data-session=\"{session}\"]",
                by_testid("assist-request")
            ))
            .await;
        click(&window, "assist-accept").await;
        anna.started(session).await;
        let viewer = anna.view(session).await;
        window.testid("assist-sharing").await;
        anna.link
            .submit(Action::EndRemoteSession {
                session,
                reason: None,
            })
            .await
            .expect("the specialist ends it");
        ended_shows(&window, session, "by_specialist").await;
        drop(viewer);

        // The session password set in the window opens a session by password; cleared, not.
        let field = window.testid("assist-session-password").await;
        field.send_keys(SESSION_PASSWORD).await.expect("type");
        click(&window, "assist-password-set").await;
        window
            .wait_attr(
                &by_testid("assist-password-state"),
                "data-set",
                "the password",
                |s| s == "yes",
            )
            .await;
        let (session, _) = anna
            .ask(RemoteMode::ByPassword, Some(SESSION_PASSWORD))
            .await
            .expect("started by the window's password");
        let viewer = anna.view(session).await;
        window.testid("assist-sharing").await;
        click(&window, "assist-end").await;
        ended_shows(&window, session, "by_you").await;
        drop(viewer);
        click(&window, "assist-password-clear").await;
        window
            .wait_attr(
                &by_testid("assist-password-state"),
                "data-set",
                "no password",
                |s| s == "no",
            )
            .await;
        assert_eq!(
            anna.ask(RemoteMode::ByPassword, Some(SESSION_PASSWORD))
                .await,
            Err(ErrorCode::NoPassword)
        );

        // English on demand (Russian is the default).
        click(&window, "assist-lang").await;
        window
            .wait_texts(&by_testid("assist-waiting"), "English", |t| {
                t.first()
                    .is_some_and(|s| s.starts_with("Waiting for a specialist's request"))
            })
            .await;
        click(&window, "assist-lang").await;

        // Signing out (as closing the window does) clears a password that is set.
        let field = window.testid("assist-session-password").await;
        field.send_keys(SESSION_PASSWORD).await.expect("type");
        click(&window, "assist-password-set").await;
        window
            .wait_attr(
                &by_testid("assist-password-state"),
                "data-set",
                "the password",
                |s| s == "yes",
            )
            .await;
        click(&window, "assist-sign-out").await;
        window
            .wait_attr(
                &by_testid("assist-connection"),
                "data-state",
                "signed out",
                |s| s == "signed_out",
            )
            .await;
        window.testid("assist-signin").await;
        assert_eq!(
            anna.ask(RemoteMode::ByPassword, Some(SESSION_PASSWORD))
                .await,
            Err(ErrorCode::NoPassword)
        );

        // Only the server and login are remembered; no password is written.
        let remembered =
            std::fs::read_to_string(config_dir.path().join("assistant.json")).expect("remembered");
        assert!(remembered.contains(CLIENT_LOGIN), "{remembered}");
        assert!(
            !remembered.contains(linedesk_server::demo::DEMO_CLIENT_PASSWORD)
                && !remembered.contains(SESSION_PASSWORD),
            "{remembered}"
        );
        window.quit().await;
    })
    .await
    .expect("the assistant window scenario took over 300 s");
}
