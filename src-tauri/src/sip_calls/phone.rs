//! The app's PBX phone: one [`SipUserAgent`] for the saved account, started at launch and
//! again whenever the account changes, and its registration as the header shows it.
//!
//! The agent registers again by itself after the registrar was gone (a doubling wait); what
//! it cannot retry by itself (the registrar's name not resolving, a socket refused at start)
//! this module retries, with the same doubling wait up to a minute. A wrong password or a
//! 403 is not retried: the account must change.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_sip::{
    Account, IncomingCall, Phone, RegistrationState, SipError, SipUserAgent, Timing,
};
use serde::Serialize;
use tokio::sync::watch;

use crate::state::lock;

/// The registration as the header shows it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SipStatus {
    /// `off` (no account), `registering`, `registered`, `failed`.
    pub state: String,
    /// The `sip_*` code of the failure (`error.sip_*` in the UI).
    pub error: Option<String>,
    /// Whether the app tries again by itself.
    pub retrying: bool,
}

impl SipStatus {
    pub fn off() -> SipStatus {
        SipStatus {
            state: "off".into(),
            error: None,
            retrying: false,
        }
    }

    fn of(state: &RegistrationState) -> SipStatus {
        match state {
            RegistrationState::Unregistered => SipStatus::off(),
            RegistrationState::Registering => SipStatus {
                state: "registering".into(),
                error: None,
                retrying: false,
            },
            RegistrationState::Registered { .. } => SipStatus {
                state: "registered".into(),
                error: None,
                retrying: false,
            },
            RegistrationState::Failed { error, retrying } => failed(error, *retrying),
        }
    }
}

fn failed(error: &SipError, retrying: bool) -> SipStatus {
    SipStatus {
        state: "failed".into(),
        error: Some(error.code().to_string()),
        retrying,
    }
}

/// The first wait before starting again after a failed start, doubled up to [`RETRY_MAX`].
const RETRY_MIN: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// The running agent (if any) and its registration.
pub struct PhoneLine {
    agent: tokio::sync::Mutex<Option<Arc<SipUserAgent>>>,
    status: Arc<Mutex<SipStatus>>,
    /// Bumped at every (re)start: the tasks of an older agent stop writing the status.
    generation: Arc<std::sync::atomic::AtomicU64>,
    timing: Timing,
    /// Where the running agent's incoming calls go.
    incoming: tokio::sync::mpsc::UnboundedSender<IncomingCall>,
}

impl PhoneLine {
    pub fn new(
        timing: Timing,
        incoming: tokio::sync::mpsc::UnboundedSender<IncomingCall>,
    ) -> Arc<PhoneLine> {
        Arc::new(PhoneLine {
            agent: tokio::sync::Mutex::new(None),
            status: Arc::new(Mutex::new(SipStatus::off())),
            generation: Arc::default(),
            timing,
            incoming,
        })
    }

    pub fn status(&self) -> SipStatus {
        lock(&self.status).clone()
    }

    /// The registered agent, for a call.
    pub async fn agent(&self) -> Result<Arc<SipUserAgent>, SipError> {
        let agent = self.agent.lock().await.clone().ok_or(SipError::Stopped)?;
        if agent.registration().borrow().is_registered() {
            Ok(agent)
        } else {
            Err(lock(&self.status)
                .error
                .as_deref()
                .map_or(SipError::RegistrarUnreachable, error_of))
        }
    }

    /// Stop the running agent (unregistering) and, with an account, start one for it.
    pub async fn restart(self: &Arc<Self>, account: Option<Account>) {
        use std::sync::atomic::Ordering;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let old = self.agent.lock().await.take();
        if let Some(old) = old {
            old.shutdown().await;
        }
        let Some(account) = account else {
            *lock(&self.status) = SipStatus::off();
            return;
        };
        *lock(&self.status) = SipStatus::of(&RegistrationState::Registering);
        let line = Arc::clone(self);
        tauri::async_runtime::spawn(async move { line.run(account, generation).await });
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.load(std::sync::atomic::Ordering::SeqCst) == generation
    }

    /// Start the agent, retrying a failed start; then follow its registration.
    async fn run(self: Arc<Self>, account: Account, generation: u64) {
        let mut wait = RETRY_MIN;
        let agent = loop {
            match SipUserAgent::start(account.clone(), self.timing.clone()).await {
                Ok(agent) => break Arc::new(agent),
                Err(error) => {
                    let retry = !matches!(error, SipError::InvalidAccount(_));
                    if !self.current(generation) {
                        return;
                    }
                    *lock(&self.status) = failed(&error, retry);
                    if !retry {
                        return;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(RETRY_MAX);
                    if !self.current(generation) {
                        return;
                    }
                }
            }
        };
        let mut states: watch::Receiver<RegistrationState> = agent.registration();
        {
            let mut slot = self.agent.lock().await;
            if !self.current(generation) {
                drop(slot);
                agent.shutdown().await;
                return;
            }
            *slot = Some(Arc::clone(&agent));
        }
        if let Some(mut calls) = agent.incoming_calls() {
            let to_app = self.incoming.clone();
            tauri::async_runtime::spawn(async move {
                while let Some(call) = calls.recv().await {
                    if to_app.send(call).is_err() {
                        return;
                    }
                }
            });
        }
        loop {
            let status = SipStatus::of(&states.borrow_and_update());
            if !self.current(generation) {
                return;
            }
            *lock(&self.status) = status;
            if states.changed().await.is_err() {
                return;
            }
        }
    }
}

/// The error a status's code stands for (a call refused while not registered says why).
fn error_of(code: &str) -> SipError {
    match code {
        "sip_wrong_password" => SipError::WrongPassword,
        "sip_forbidden" => SipError::Forbidden,
        "sip_invalid_account" => SipError::InvalidAccount("registrar"),
        _ => SipError::RegistrarUnreachable,
    }
}
