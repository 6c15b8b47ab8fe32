//! Calls through the company's PBX in the app (issue 18): the SIP account in the settings
//! (its password in the secret store, [`secret`]), the registration's state in the header
//! ([`phone`]), calls dialled from the dial pad or a client's phone number and run through the
//! headset path and the call panel of line calls ([`call`], [`media`]).
//!
//! The SIP itself is `linedesk-sip` behind its `Phone`/`Call` traits; this module is the
//! app's glue only, apart from `calls.rs` (line calls): the commands that drive the call
//! panel (`call_state`, `hang_up_call`, mute, hold) ask here first whether a PBX call holds
//! it.

pub mod call;
pub mod commands;
pub mod media;
pub mod phone;
pub mod secret;
pub mod settings;

use std::sync::{Arc, Mutex};

use linedesk_sip::{Account, SipError, Timing};
use linedesk_store::Store;

use crate::error::{CommandError, ErrorCode};
use crate::state::{AppState, lock};
use call::{SipCallError, SipCalls};
use phone::PhoneLine;
use secret::{FileSecrets, Secrets};

/// The secret's name of the PBX password.
pub const PASSWORD: &str = "sip_password";

/// The app's PBX phone, once the store is open.
pub struct SipState(pub Option<Arc<Sip>>);

pub struct Sip {
    store: Arc<Mutex<Store>>,
    secrets: Box<dyn Secrets>,
    pub phone: Arc<PhoneLine>,
    pub calls: Arc<SipCalls>,
}

impl SipState {
    /// Start registering the saved account, if there is one with a password.
    pub fn new(state: &AppState) -> SipState {
        let Some(store) = state.shared_store() else {
            return SipState(None);
        };
        let secrets = Box::new(FileSecrets::new(state.data_dir().join("secrets")));
        let (incoming, mut ringing) = tokio::sync::mpsc::unbounded_channel();
        let phone = PhoneLine::new(Timing::default(), incoming);
        let line_calls = state.calls().ok().cloned();
        let calls = SipCalls::new(
            phone.clone(),
            store.clone(),
            state.data_dir(),
            line_calls.clone(),
        );
        // A call from the PBX rings in the panel unless a line call holds the headset.
        let ring = calls.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(call) = ringing.recv().await {
                let busy = line_calls.as_ref().is_some_and(|c| c.busy());
                ring.ring(call, busy);
            }
        });
        let sip = Arc::new(Sip {
            store,
            secrets,
            phone,
            calls,
        });
        let starting = sip.clone();
        tauri::async_runtime::spawn(async move {
            let account = starting.saved_account().ok().flatten();
            starting.phone.restart(account).await;
        });
        SipState(Some(sip))
    }

    pub fn get(&self) -> Result<&Arc<Sip>, CommandError> {
        self.0
            .as_ref()
            .ok_or_else(|| CommandError::unavailable("the store is not open"))
    }
}

impl Sip {
    /// The saved account with its password, checked; `None` when there is none (or no
    /// password is kept for it).
    pub fn saved_account(&self) -> Result<Option<Account>, CommandError> {
        let Some(row) = lock(&self.store).sip_account()? else {
            return Ok(None);
        };
        let Some(password) = self.secrets.get(PASSWORD).map_err(secret_error)? else {
            return Ok(None);
        };
        settings::account(&row, &password)
            .map(Some)
            .map_err(|e| sip_error(&e))
    }
}

fn secret_error(err: secret::SecretError) -> CommandError {
    CommandError::internal(err.to_string())
}

/// The typed error of a SIP failure: its `sip_*` code, the field for an account's.
pub fn sip_error(err: &SipError) -> CommandError {
    let code = match err {
        SipError::InvalidAccount(_) => ErrorCode::SipInvalidAccount,
        SipError::InvalidNumber => ErrorCode::SipInvalidNumber,
        SipError::WrongPassword => ErrorCode::SipWrongPassword,
        SipError::Forbidden => ErrorCode::SipForbidden,
        SipError::RegistrarUnreachable => ErrorCode::SipRegistrarUnreachable,
        SipError::UnknownHost(_) => ErrorCode::SipUnknownHost,
        SipError::Rejected { .. } => ErrorCode::SipRejected,
        SipError::Network(_) => ErrorCode::SipNetwork,
        SipError::Protocol(_) => ErrorCode::SipProtocol,
        SipError::Stopped => ErrorCode::SipStopped,
        SipError::Media(_) => ErrorCode::SipMedia,
    };
    let field = match err {
        SipError::InvalidAccount(_) => Some(settings::field_of(err).to_string()),
        SipError::InvalidNumber => Some("number".to_string()),
        _ => None,
    };
    CommandError {
        code,
        message: err.to_string(),
        field,
        rule: None,
    }
}

impl From<SipCallError> for CommandError {
    fn from(err: SipCallError) -> CommandError {
        match err {
            SipCallError::Busy => CommandError {
                code: ErrorCode::Busy,
                message: err.to_string(),
                field: None,
                rule: None,
            },
            SipCallError::NoCall => CommandError::not_found(err.to_string()),
            SipCallError::Sip(e) => sip_error(&e),
        }
    }
}
