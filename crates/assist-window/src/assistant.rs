//! The running assistant behind the window: one `linedesk_assist::run` at a time, driven by
//! the window's buttons through its console, its notices folded into the [`View`] and pushed
//! to the page. The window stays on top while the screen is shared.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use linedesk_assist::{Answer, AssistConfig, Console, Input, Notice};
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};
use tokio::sync::mpsc;

use crate::view::{Phase, View};

/// The window's label (tauri.conf.json).
pub const WINDOW: &str = "assist";

/// How long quitting waits for the assistant to end a session and clear the password.
const STOP_WAIT: Duration = Duration::from_secs(5);

struct Running {
    input: mpsc::UnboundedSender<Input>,
    task: JoinHandle<()>,
}

/// The window's state (managed by Tauri).
pub struct Assistant {
    view: Mutex<View>,
    watchers: Mutex<Vec<Channel<View>>>,
    running: tokio::sync::Mutex<Option<Running>>,
    pub remembered_file: PathBuf,
    /// `--ca FILE`: CA certificates trusted besides the system's for an `https://` server.
    ca_file: Option<PathBuf>,
}

impl Assistant {
    pub fn new(remembered_file: PathBuf, ca_file: Option<PathBuf>) -> Assistant {
        Assistant {
            view: Mutex::new(View::default()),
            watchers: Mutex::new(Vec::new()),
            running: tokio::sync::Mutex::new(None),
            remembered_file,
            ca_file,
        }
    }

    pub fn view(&self) -> View {
        self.view.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Send every change of the view to `channel` from now on, starting with the current one.
    pub fn watch(&self, channel: Channel<View>) {
        let _ = channel.send(self.view());
        if let Ok(mut watchers) = self.watchers.lock() {
            watchers.push(channel);
        }
    }

    /// Change the view and push it to every page watching (a closed one is dropped).
    fn update(&self, change: impl FnOnce(&mut View)) -> View {
        let view = match self.view.lock() {
            Ok(mut view) => {
                change(&mut view);
                view.clone()
            }
            Err(_) => return View::default(),
        };
        if let Ok(mut watchers) = self.watchers.lock() {
            watchers.retain(|w| w.send(view.clone()).is_ok());
        }
        view
    }

    /// Pass the user's button to the running assistant; `false` when none runs.
    pub async fn input(&self, input: Input) -> bool {
        self.running
            .lock()
            .await
            .as_ref()
            .is_some_and(|r| r.input.send(input).is_ok())
    }

    /// Stop the running assistant, if any: it ends a running session and clears the session
    /// password on the server before it returns (or `STOP_WAIT` passed).
    pub async fn stop(&self) {
        let Some(running) = self.running.lock().await.take() else {
            return;
        };
        let _ = running.input.send(Input::Interrupt);
        let mut task = running.task;
        if tokio::time::timeout(STOP_WAIT, &mut task).await.is_err() {
            task.abort();
            self.update(|v| v.stopped(None));
        }
    }

    /// Sign in and run the assistant until [`Assistant::stop`] or an error.
    pub async fn start(&self, app: AppHandle, server: String, login: String, password: String) {
        self.stop().await;
        self.update(|v| *v = View::signing_in(&server, &login));
        let mut config = AssistConfig::new(&server, &login, &password, Answer::Ask);
        // A bare `host:port` stays refused (`insecure_plain` is false): the window never sends
        // a password in clear unless the client wrote `http://`.
        config.ca_file = self.ca_file.clone();
        // The account's password lives on only inside the config the run owns.
        drop(password);
        let (mut console, input, mut output) = Console::channels();
        let mut notices = console.notices();
        tauri::async_runtime::spawn(async move {
            // What the terminal would print: the window's log, for whoever runs it from one.
            while let Some(line) = output.recv().await {
                eprintln!("linedesk-assist-window: {line}");
            }
        });
        let task = tauri::async_runtime::spawn(async move {
            let pump = async {
                while let Some(notice) = notices.recv().await {
                    notice_arrived(&app, notice);
                }
            };
            let (outcome, ()) = tokio::join!(linedesk_assist::run(config, console), pump);
            let error = outcome.err().map(|e| {
                eprintln!("linedesk-assist-window: {e}");
                e.code()
            });
            let state = app.state::<Assistant>();
            state.update(|v| v.stopped(error));
            keep_on_top(&app, false);
        });
        *self.running.lock().await = Some(Running { input, task });
    }
}

fn notice_arrived(app: &AppHandle, notice: Notice) {
    let state = app.state::<Assistant>();
    let before = state.view().phase;
    let after = state.update(|v| v.apply(notice)).phase;
    if before == after {
        return;
    }
    match after {
        // A request or a shared screen is never behind other windows or minimized.
        Phase::Asked | Phase::Connecting => bring_forward(app),
        Phase::Sharing => keep_on_top(app, true),
        Phase::Idle | Phase::Waiting => keep_on_top(app, false),
    }
}

fn bring_forward(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn keep_on_top(app: &AppHandle, on: bool) {
    if let Some(window) = app.get_webview_window(WINDOW) {
        if on {
            bring_forward(app);
        }
        let _ = window.set_always_on_top(on);
    }
}
