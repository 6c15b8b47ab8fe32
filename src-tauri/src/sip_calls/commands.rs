//! The IPC commands of PBX calls; each checks its input before anything is done and answers
//! a typed error (`sip_*` codes for the SIP's own failures).

use linedesk_store::SipAccountRow;
use tauri::State;

use super::phone::SipStatus;
use super::settings::{self, SipAccountInput, SipAccountView};
use super::{PASSWORD, SipState, secret_error, sip_error};
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, lock};

/// The saved PBX account (never its password) and whether a password is kept.
#[tauri::command]
#[specta::specta]
pub async fn sip_account(sip: State<'_, SipState>) -> CommandResult<SipAccountView> {
    let sip = sip.get()?;
    let account = lock(&sip.store).sip_account()?;
    let has_password = sip
        .secrets
        .get(super::PASSWORD)
        .map_err(secret_error)?
        .is_some();
    Ok(SipAccountView {
        account,
        has_password,
    })
}

/// Save the PBX account (the password to the secret store; `None` keeps the kept one) and
/// register it anew.
#[tauri::command]
#[specta::specta]
pub async fn save_sip_account(
    sip: State<'_, SipState>,
    account: SipAccountInput,
) -> CommandResult<SipAccountView> {
    let sip = sip.get()?;
    let row: SipAccountRow = settings::row_of(&account);
    let password = match &account.password {
        Some(p) => p.clone(),
        None => sip
            .secrets
            .get(PASSWORD)
            .map_err(secret_error)?
            .ok_or_else(|| CommandError::invalid("password", "no password is kept"))?,
    };
    // The SIP crate's rule decides, before anything is kept.
    let checked = settings::account(&row, &password).map_err(|e| sip_error(&e))?;
    lock(&sip.store).save_sip_account(&row)?;
    if account.password.is_some() {
        sip.secrets.set(PASSWORD, &password).map_err(secret_error)?;
    }
    sip.phone.restart(Some(checked)).await;
    Ok(SipAccountView {
        account: Some(row),
        has_password: true,
    })
}

/// Forget the PBX account and its password; unregister.
#[tauri::command]
#[specta::specta]
pub async fn forget_sip_account(sip: State<'_, SipState>) -> CommandResult<()> {
    let sip = sip.get()?;
    sip.phone.restart(None).await;
    lock(&sip.store).forget_sip_account()?;
    sip.secrets.delete(PASSWORD).map_err(secret_error)?;
    Ok(())
}

/// The registration, for the header.
#[tauri::command]
#[specta::specta]
pub async fn sip_status(sip: State<'_, SipState>) -> CommandResult<SipStatus> {
    Ok(sip
        .0
        .as_ref()
        .map_or_else(SipStatus::off, |s| s.phone.status()))
}

/// Dial a number through the PBX (the dial pad, or a client's phone: `client_id` and
/// `line_id` name the card).
#[tauri::command]
#[specta::specta]
pub async fn sip_dial(
    state: State<'_, AppState>,
    sip: State<'_, SipState>,
    number: String,
    line_id: Option<i64>,
    client_id: Option<i64>,
) -> CommandResult<()> {
    if number.len() > 128 {
        return Err(sip_error(&linedesk_sip::SipError::InvalidNumber));
    }
    for (field, id) in [("lineId", line_id), ("clientId", client_id)] {
        if id.is_some_and(|id| id <= 0) {
            return Err(CommandError::invalid(field, "not an id"));
        }
    }
    let sip = sip.get()?;
    if state.calls().is_ok_and(|c| c.busy()) {
        return Err(CommandError {
            code: crate::error::ErrorCode::Busy,
            message: "a line call holds the headset".into(),
            field: None,
            rule: None,
        });
    }
    Ok(sip.calls.dial(&number, line_id, client_id).await?)
}

/// A dial-pad key during the PBX call (one of `0-9*#A-D`).
#[tauri::command]
#[specta::specta]
pub async fn sip_press(sip: State<'_, SipState>, key: String) -> CommandResult<()> {
    let mut chars = key.chars();
    let (Some(key), None) = (chars.next(), chars.next()) else {
        return Err(CommandError::invalid("key", "one key"));
    };
    Ok(sip.get()?.calls.press(key)?)
}
