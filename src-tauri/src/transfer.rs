//! Call transfer in the app (A3 for calls, issue 14): the specialist in a connected call hands
//! the client to a colleague (blind). The line's rules decide (`TransferCall`, refused with
//! the domain's rule code, `rule.call_transfer.*` in the UI); this module submits it, follows
//! the leg that rings the colleague, and gives up on it after the domain's ring time
//! (`HangUp { no_answer }`): the call then simply stays here, since this side never left it.
//! When the colleague answers, the line ends this side's leg `transferred` and `calls.rs`
//! finishes it as any ended call (statistics, recording upload: each leg keeps its own).
//!
//! The colleague's side needs nothing of this module: the leg rings their app like a client's
//! call (`CallRinging` from the client), and the client offers anew on it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_domain::call_transfer::{self, CallTransferError, Receiver};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, CallEndReason, ErrorCode as WireCode, Event};
use linedesk_sync::{Incoming, LiveError, SyncHandle};
use serde::Serialize;
use tauri::State;
use tokio::sync::broadcast;

use crate::calls::Calls;
use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::{AppState, lock};

/// What the call panel shows of a transfer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    /// `idle`, `ringing` (the colleague's app rings), or how the last one ended: `transferred`,
    /// `declined`, `no_answer`, `cancelled`, `failed`.
    pub state: String,
    /// The colleague asked.
    pub to: Option<i64>,
    /// The call it is about.
    pub call: Option<i64>,
}

/// A colleague in the transfer dialog, with whether the line's rule lets them receive the
/// call (`why`: the rule's code when not).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TransferCandidate {
    pub id: i64,
    pub name: String,
    pub presence: PresenceStatus,
    pub allowed: bool,
    pub why: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    call: u64,
    to: u64,
    leg: Option<u64>,
    /// Which transfer of this app it is: a ring timer gives up only on its own.
    serial: u64,
}

pub struct Transfers {
    sync: Arc<SyncHandle>,
    calls: Arc<Calls>,
    pending: Mutex<Option<Pending>>,
    view: Mutex<TransferView>,
    serial: std::sync::atomic::AtomicU64,
}

/// The transfers of the app, when it has a line server.
pub struct TransferState(pub Option<Arc<Transfers>>);

impl TransferState {
    pub fn new(state: &AppState) -> TransferState {
        match (state.line(), state.calls()) {
            (Ok(line), Ok(calls)) => {
                TransferState(Some(Transfers::new(line.sync.clone(), calls.clone())))
            }
            _ => TransferState(None),
        }
    }

    fn get(&self) -> CommandResult<&Arc<Transfers>> {
        self.0.as_ref().ok_or_else(|| {
            CommandError::unavailable("transfers need the line server, which is not running")
        })
    }
}

fn idle() -> TransferView {
    TransferView {
        state: "idle".into(),
        ..TransferView::default()
    }
}

/// A refusal by the domain's rule, as the UI's error (`rule.<code>`).
pub(crate) fn rule_error(err: CallTransferError) -> CommandError {
    CommandError {
        code: ErrorCode::Invalid,
        message: err.to_string(),
        field: None,
        rule: Some(err.code().to_string()),
    }
}

/// The server's refusal as the UI's error, with the line's rule.
pub(crate) fn refused(error: LiveError) -> CommandError {
    match error {
        LiveError::Refused {
            code,
            message,
            rule,
        } => CommandError {
            code: match code {
                WireCode::Conflict => ErrorCode::Busy,
                WireCode::Forbidden => ErrorCode::NotFound,
                WireCode::Invalid => ErrorCode::Invalid,
                _ => ErrorCode::Unavailable,
            },
            message,
            field: None,
            rule,
        },
        other => CommandError::unavailable(other.to_string()),
    }
}

pub(crate) fn wire_id(id: i64, field: &str) -> CommandResult<u64> {
    u64::try_from(id).map_err(|_| CommandError::invalid(field, "not an id"))
}

impl Transfers {
    pub fn new(sync: Arc<SyncHandle>, calls: Arc<Calls>) -> Arc<Transfers> {
        let transfers = Arc::new(Transfers {
            sync,
            calls,
            pending: Mutex::new(None),
            view: Mutex::new(idle()),
            serial: std::sync::atomic::AtomicU64::new(0),
        });
        let listener = transfers.clone();
        let incoming = listener.sync.incoming();
        tauri::async_runtime::spawn(async move { listener.listen(incoming).await });
        transfers
    }

    pub fn view(&self) -> TransferView {
        lock(&self.view).clone()
    }

    /// Hand the connected call to colleague `to`, saying why (A3).
    pub async fn start(self: &Arc<Self>, to: u64, reason: &str) -> CommandResult<()> {
        let view = self.calls.view();
        let call = view
            .call
            .map(u64::from)
            .filter(|_| view.state != "idle" && view.state != "ended")
            .ok_or_else(|| rule_error(CallTransferError::NotInCall))?;
        if !matches!(
            view.state.as_str(),
            "connected" | "on_hold" | "reconnecting"
        ) {
            return Err(rule_error(CallTransferError::NotConnected));
        }
        let serial = self
            .serial
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        {
            let mut pending = lock(&self.pending);
            if pending.is_some() {
                return Err(rule_error(CallTransferError::AlreadyTransferring));
            }
            *pending = Some(Pending {
                call,
                to,
                leg: None,
                serial,
            });
        }
        let submitted = self
            .sync
            .submit_now(Action::TransferCall {
                call,
                to,
                reason: reason.to_string(),
            })
            .await;
        if let Err(err) = submitted {
            lock(&self.pending).take();
            return Err(refused(err));
        }
        *lock(&self.view) = TransferView {
            state: "ringing".into(),
            to: i64::try_from(to).ok(),
            call: i64::try_from(call).ok(),
        };
        let me = self.clone();
        tauri::async_runtime::spawn(async move { me.give_up_after_ring_time(serial).await });
        Ok(())
    }

    /// Stop ringing the colleague: the call stays here.
    pub async fn cancel(&self) -> CommandResult<()> {
        let leg = lock(&self.pending)
            .and_then(|p| p.leg)
            .ok_or_else(|| CommandError::not_found("no transfer rings a colleague"))?;
        self.sync
            .submit_now(Action::HangUp {
                call: leg,
                reason: CallEndReason::Cancelled,
            })
            .await
            .map_err(refused)?;
        Ok(())
    }

    /// The domain's ring time passed and the colleague has not answered: the leg ends
    /// `no_answer` and the call is the transferring specialist's again.
    async fn give_up_after_ring_time(&self, serial: u64) {
        let ring = u64::try_from(call_transfer::TRANSFER_RING_MS).unwrap_or(30_000);
        tokio::time::sleep(Duration::from_millis(ring)).await;
        let leg = lock(&self.pending)
            .filter(|p| p.serial == serial)
            .and_then(|p| p.leg);
        if let Some(leg) = leg {
            let _ = self
                .sync
                .submit_now(Action::HangUp {
                    call: leg,
                    reason: CallEndReason::NoAnswer,
                })
                .await;
        }
    }

    fn settle(&self, state: &str) {
        let Some(p) = lock(&self.pending).take() else {
            return;
        };
        *lock(&self.view) = TransferView {
            state: state.into(),
            to: i64::try_from(p.to).ok(),
            call: i64::try_from(p.call).ok(),
        };
    }

    /// Follow the line: the leg that rings the colleague, and how it ends.
    async fn listen(self: Arc<Self>, mut incoming: broadcast::Receiver<Incoming>) {
        loop {
            let event = match incoming.recv().await {
                Ok(Incoming::Event { event, .. }) => event,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let pending = *lock(&self.pending);
            let Some(p) = pending else { continue };
            match event {
                Event::CallTransferring { call, leg, .. } if call == p.call => {
                    if let Some(p) = lock(&self.pending).as_mut() {
                        p.leg = Some(leg);
                    }
                }
                Event::CallTransferred { call, .. } if call == p.call => {
                    self.settle("transferred");
                }
                Event::CallEnded { call, reason, .. } if Some(call) == p.leg => {
                    self.settle(match reason {
                        CallEndReason::Declined => "declined",
                        CallEndReason::NoAnswer => "no_answer",
                        CallEndReason::Cancelled => "cancelled",
                        _ => "failed",
                    });
                }
                Event::CallEnded { call, .. } if call == p.call => self.settle("cancelled"),
                _ => {}
            }
        }
    }
}

/// The colleagues of the line, each with whether the line's rule lets them receive a call
/// now (the same rule the server applies; whether they are in another call only the server
/// knows, and says so when asked).
#[tauri::command]
#[specta::specta]
pub async fn transfer_candidates(
    state: State<'_, AppState>,
    line_id: i64,
) -> CommandResult<Vec<TransferCandidate>> {
    let colleagues = state.store()?.colleagues(line_id)?;
    Ok(colleagues
        .into_iter()
        .map(|c| {
            let verdict = call_transfer::may_receive(Receiver {
                is_asker: false,
                presence: Some(c.presence),
                in_call: false,
            });
            TransferCandidate {
                id: c.id,
                name: c.name,
                presence: c.presence,
                allowed: verdict.is_ok(),
                why: verdict.err().map(|e| e.code().to_string()),
            }
        })
        .collect())
}

/// Hand the call in progress to colleague `to` (blind transfer), with the reason (A3).
#[tauri::command]
#[specta::specta]
pub async fn transfer_call(
    transfers: State<'_, TransferState>,
    to: i64,
    reason: String,
) -> CommandResult<()> {
    let to = wire_id(to, "to")?;
    // The wire's own bounds, checked before anything is sent (the rules, such as a reason
    // being required, are the line's: its refusal names them).
    let check = Action::TransferCall {
        call: 0,
        to,
        reason: reason.clone(),
    };
    if let Err(field) = check.validate() {
        return Err(CommandError::invalid(
            field.field,
            format!("at most {} characters", field.max),
        ));
    }
    transfers.get()?.start(to, &reason).await
}

/// Stop a transfer still ringing the colleague.
#[tauri::command]
#[specta::specta]
pub async fn cancel_transfer(transfers: State<'_, TransferState>) -> CommandResult<()> {
    transfers.get()?.cancel().await
}

/// The transfer in progress, or how the last one ended, for the call panel.
#[tauri::command]
#[specta::specta]
pub async fn transfer_state(transfers: State<'_, TransferState>) -> CommandResult<TransferView> {
    Ok(transfers.0.as_ref().map_or_else(idle, |t| t.view()))
}
