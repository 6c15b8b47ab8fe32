//! The headset's buttons and lights in the app (issue 14, item 2): `linedesk-headset-hid` runs
//! the device side (hidraw, a telephony headset found by its usage page, else the key events of
//! a headset that only sends media keys; replug survived); this
//! module maps its commands onto the app's call actions (answer the ringing call, hang up,
//! toggle mute) and feeds the app's call to it, polled, for the lights (ringing, in a call,
//! muted, on hold).
//!
//! The app is reached through [`CallDesk`], implemented by [`Calls`]; the tests drive the same
//! module with the fake headset of `linedesk-headset-hid` and a desk that keeps a call's state.

use std::sync::Arc;
use std::time::Duration;

use linedesk_headset_hid::{
    AppCall, CallPhase, Command, HeadsetButtons, HeadsetSource, Status, Timing, Unusable,
};
use serde::Serialize;
use tauri::State;

use crate::calls::{CallView, Calls};
use crate::error::CommandResult;

/// The app's calls as the headset needs them.
#[async_trait::async_trait]
pub trait CallDesk: Send + Sync + 'static {
    /// The call now (cheap: polled).
    fn call(&self) -> AppCall;
    async fn answer(self: Arc<Self>) -> Result<(), String>;
    async fn hang_up(self: Arc<Self>) -> Result<(), String>;
    async fn set_muted(self: Arc<Self>, on: bool) -> Result<(), String>;
}

/// The call panel's state as the headset sees it.
pub fn app_call(view: &CallView) -> AppCall {
    let phase = match view.state.as_str() {
        "ringing_in" => CallPhase::Ringing,
        "ringing_out" | "connecting" | "connected" | "reconnecting" => {
            CallPhase::Active { on_hold: false }
        }
        "on_hold" => CallPhase::Active { on_hold: true },
        _ => CallPhase::Idle,
    };
    AppCall {
        phase,
        muted: view.muted,
    }
}

#[async_trait::async_trait]
impl CallDesk for Calls {
    fn call(&self) -> AppCall {
        app_call(&self.view())
    }

    async fn answer(self: Arc<Self>) -> Result<(), String> {
        Calls::answer(&self).await.map_err(|e| e.to_string())
    }

    async fn hang_up(self: Arc<Self>) -> Result<(), String> {
        Calls::hang_up(&self).await.map_err(|e| e.to_string())
    }

    async fn set_muted(self: Arc<Self>, on: bool) -> Result<(), String> {
        Calls::set_muted(&self, on).await.map_err(|e| e.to_string())
    }
}

/// How often the app's call is looked at for the lights.
const CALL_POLL: Duration = Duration::from_millis(100);

/// The running link between a headset and the app's calls; it stops when the last `Arc` goes.
pub struct HeadsetLink {
    buttons: HeadsetButtons,
}

impl HeadsetLink {
    /// Run the device side on `source` for `desk`: its commands go to `desk`, `desk`'s call
    /// (polled) to its lights. `None` when its thread cannot start.
    pub fn start<D: CallDesk>(
        desk: Arc<D>,
        source: Box<dyn HeadsetSource>,
        timing: Timing,
    ) -> Option<Arc<HeadsetLink>> {
        let (tx, mut commands) = tokio::sync::mpsc::unbounded_channel::<Command>();
        let buttons = HeadsetButtons::spawn(
            source,
            timing,
            desk.call(),
            Box::new(move |command| {
                let _ = tx.send(command);
            }),
        )
        .map_err(|err| eprintln!("linedesk: headset buttons are off: {err}"))
        .ok()?;
        let link = Arc::new(HeadsetLink { buttons });
        // Commands, one at a time, in order; ends when the device side (the sender) stops.
        let actor = desk.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(command) = commands.recv().await {
                let done = match command {
                    Command::Answer => actor.clone().answer().await,
                    Command::HangUp => actor.clone().hang_up().await,
                    Command::ToggleMute => {
                        let muted = actor.call().muted;
                        actor.clone().set_muted(!muted).await
                    }
                };
                if let Err(err) = done {
                    eprintln!("linedesk: the headset's {command:?}: {err}");
                }
            }
        });
        // The lights follow the app's call while the link lives.
        let weak = Arc::downgrade(&link);
        tauri::async_runtime::spawn(async move {
            while let Some(link) = weak.upgrade() {
                link.buttons.set_call(desk.call());
                drop(link);
                tokio::time::sleep(CALL_POLL).await;
            }
        });
        Some(link)
    }

    pub fn status(&self) -> Status {
        self.buttons.status()
    }
}

/// The app's headset buttons (Tauri state): the link, when there are calls at all.
#[derive(Default)]
pub struct HeadsetButtonsState {
    link: Option<Arc<HeadsetLink>>,
}

impl HeadsetButtonsState {
    /// Start the hidraw device side for the app's calls.
    pub fn start(calls: Arc<Calls>) -> HeadsetButtonsState {
        let source = Box::new(linedesk_headset_hid::hidraw::HidrawSource::new());
        HeadsetButtonsState {
            link: HeadsetLink::start(calls, source, Timing::default()),
        }
    }
}

/// What the headset indicator shows.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HeadsetStatusView {
    /// `off` (no calls), `searching`, `connected`, `unusable`.
    pub state: String,
    pub name: Option<String>,
    /// Why an unusable headset cannot be used: `no_access` (the udev rule is missing) or
    /// `unsupported` (its descriptor was refused or has no call controls).
    pub reason: Option<String>,
}

pub fn status_view(status: Option<Status>) -> HeadsetStatusView {
    let (state, name, reason) = match status {
        None => ("off", None, None),
        Some(Status::Searching) => ("searching", None, None),
        Some(Status::Connected { name }) => ("connected", Some(name), None),
        Some(Status::Unusable { name, why }) => {
            let reason = match why {
                Unusable::NoAccess => "no_access",
                Unusable::NotUnderstood(_) => "unsupported",
            };
            ("unusable", Some(name), Some(reason.to_string()))
        }
    };
    HeadsetStatusView {
        state: state.into(),
        name,
        reason,
    }
}

/// The headset buttons' indicator: which headset answers and hangs up, if any.
#[tauri::command]
#[specta::specta]
pub async fn headset_status(
    state: State<'_, HeadsetButtonsState>,
) -> CommandResult<HeadsetStatusView> {
    Ok(status_view(state.link.as_ref().map(|l| l.status())))
}

#[cfg(test)]
mod tests;
