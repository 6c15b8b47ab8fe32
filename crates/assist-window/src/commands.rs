//! The window's IPC commands. Every argument is checked before it is used; errors are stable
//! codes (`assist.*`) the page translates.

use linedesk_assist::Input;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::assistant::Assistant;
use crate::remembered::{self, Lang, MAX_FIELD_CHARS, Remembered};
use crate::view::View;

/// The longest password (account or session) the window passes on; the server has its own
/// limits and answers with a typed code past them.
const MAX_PASSWORD_CHARS: usize = 1000;

type Result<T> = std::result::Result<T, &'static str>;

fn field(value: &str, max: usize) -> Result<()> {
    let chars = value.chars().count();
    if value.trim().is_empty() {
        return Err("assist.empty_field");
    }
    if chars > max {
        return Err("assist.too_long");
    }
    Ok(())
}

/// The server and login of the last sign-in.
#[tauri::command]
pub fn remembered(state: State<'_, Assistant>) -> Remembered {
    remembered::load(&state.remembered_file)
}

/// Remember the window's language (`ru` or `en`; anything else is refused by the IPC's
/// deserialisation).
#[tauri::command]
pub fn set_lang(state: State<'_, Assistant>, lang: Lang) -> Result<()> {
    let mut keep = remembered::load(&state.remembered_file);
    keep.lang = lang;
    remembered::save(&state.remembered_file, &keep).map_err(|error| {
        eprintln!("linedesk-assist-window: the language is not remembered: {error}");
        "assist.not_saved"
    })
}

/// Push every change of the window's view to `on_view`.
#[tauri::command]
pub fn watch(state: State<'_, Assistant>, on_view: Channel<View>) {
    state.watch(on_view);
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, Assistant>,
    server: String,
    login: String,
    password: String,
) -> Result<()> {
    field(&server, MAX_FIELD_CHARS)?;
    field(&login, MAX_FIELD_CHARS)?;
    field(&password, MAX_PASSWORD_CHARS)?;
    let (server, login) = (server.trim().to_string(), login.trim().to_string());
    let keep = Remembered {
        server: server.clone(),
        login: login.clone(),
        lang: remembered::load(&state.remembered_file).lang,
    };
    if let Err(error) = remembered::save(&state.remembered_file, &keep) {
        eprintln!("linedesk-assist-window: the server and login are not remembered: {error}");
    }
    state.start(app, server, login, password).await;
    Ok(())
}

/// Sign out: a running session ends and the session password is cleared first.
#[tauri::command]
pub async fn sign_out(state: State<'_, Assistant>) -> Result<()> {
    state.stop().await;
    Ok(())
}

/// Accept or decline the request being asked.
#[tauri::command]
pub async fn answer(state: State<'_, Assistant>, accept: bool) -> Result<()> {
    let input = if accept {
        Input::Accept
    } else {
        Input::Decline
    };
    running(state.input(input).await)
}

/// End the running session.
#[tauri::command]
pub async fn end_session(state: State<'_, Assistant>) -> Result<()> {
    running(state.input(Input::End).await)
}

/// Set (`Some`) or clear the session password for sessions by password.
#[tauri::command]
pub async fn set_session_password(
    state: State<'_, Assistant>,
    password: Option<String>,
) -> Result<()> {
    if let Some(password) = &password {
        field(password, MAX_PASSWORD_CHARS)?;
    }
    running(state.input(Input::SetPassword(password)).await)
}

fn running(sent: bool) -> Result<()> {
    if sent {
        Ok(())
    } else {
        Err("assist.not_signed_in")
    }
}
