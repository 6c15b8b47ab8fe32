//! Every IPC command of the app. Each one validates nothing itself and decides nothing: it reads
//! the clock (the shell is the edge), calls into a crate and maps the error.

use linedesk_domain::presence::PresenceStatus;
use linedesk_store::{
    CallEntry, ClientCard, ClientList, ClientRow, Colleague, KbArticle, Line, Message, MessageHit,
    Profile, QuickReply, Settings,
};
use linedesk_sync::SyncStatus;
use serde::Serialize;
use tauri::State;

use crate::calls::CallView;
use crate::error::{CommandError, CommandResult};
use crate::state::AppState;
use crate::state::lock;

/// The wall clock, read here at the edge and passed down as a parameter.
pub(crate) fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Search and paging limits the UI may ask for; larger asks are clamped, not refused.
const MAX_PAGE: u32 = 200;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.data_dir().display().to_string(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn get_profile(state: State<'_, AppState>) -> CommandResult<Profile> {
    Ok(state.store()?.profile()?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_profile(state: State<'_, AppState>, profile: Profile) -> CommandResult<Profile> {
    // W1: what the line must learn of it is queued with it (name, position, avatar).
    let saved = state.store()?.save_profile_for_line(&profile, now_ms())?;
    state.nudge();
    Ok(saved)
}

#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(state.store()?.settings()?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<Settings> {
    Ok(state.store()?.save_settings(&settings)?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_presence(state: State<'_, AppState>) -> CommandResult<PresenceStatus> {
    Ok(state.store()?.presence()?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_presence(
    state: State<'_, AppState>,
    status: PresenceStatus,
) -> CommandResult<PresenceStatus> {
    let store = state.store()?;
    store.set_presence(status, now_ms())?;
    let now = store.presence()?;
    drop(store);
    if let Ok(mut away) = state.away.lock() {
        away.chosen();
    }
    state.nudge();
    Ok(now)
}

/// P2: the specialist touched the app (the UI says so at most every few seconds): an
/// automatic Away ends.
#[tauri::command]
#[specta::specta]
pub async fn note_activity(state: State<'_, AppState>) -> CommandResult<()> {
    let store = state
        .shared_store()
        .ok_or_else(|| CommandError::internal("the store is not open"))?;
    crate::away::activity(&state.away, &store, &*state.nudger());
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn list_lines(state: State<'_, AppState>) -> CommandResult<Vec<Line>> {
    Ok(state.store()?.lines()?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_clients(state: State<'_, AppState>, line_id: i64) -> CommandResult<ClientList> {
    Ok(state.store()?.client_list(line_id, now_ms())?)
}

#[tauri::command]
#[specta::specta]
pub async fn search_clients(
    state: State<'_, AppState>,
    line_id: i64,
    query: String,
) -> CommandResult<Vec<ClientRow>> {
    Ok(state.store()?.search_clients(line_id, &query, 50)?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_client_to_list(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<()> {
    Ok(state.store()?.add_client_to_list(line_id, client_id)?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_favourite(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    on: bool,
) -> CommandResult<()> {
    Ok(state.store()?.set_favourite(line_id, client_id, on)?)
}

#[tauri::command]
#[specta::specta]
pub async fn client_card(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<ClientCard> {
    Ok(state.store()?.client_card(line_id, client_id)?)
}

#[tauri::command]
#[specta::specta]
pub async fn list_messages(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    before_id: Option<i64>,
    limit: u32,
) -> CommandResult<Vec<Message>> {
    Ok(state
        .store()?
        .messages(line_id, client_id, before_id, limit.min(MAX_PAGE))?)
}

#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    text: String,
) -> CommandResult<Message> {
    let message = {
        let store = state.store()?;
        // C9: into a colleague's appeal only after a warning (`send_message_confirmed`).
        if let Some(hold) = store.colleague_hold(line_id, client_id)? {
            return Err(crate::collision::held_by_colleague(&hold));
        }
        store.send_message(line_id, client_id, &text, now_ms())?
    };
    state.nudge();
    Ok(message)
}

#[tauri::command]
#[specta::specta]
pub async fn get_draft(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<String> {
    Ok(state.store()?.draft(line_id, client_id)?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_draft(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    text: String,
) -> CommandResult<()> {
    Ok(state
        .store()?
        .save_draft(line_id, client_id, &text, now_ms())?)
}

#[tauri::command]
#[specta::specta]
pub async fn search_history(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: Option<i64>,
    query: String,
) -> CommandResult<Vec<MessageHit>> {
    Ok(state
        .store()?
        .search_history(line_id, client_id, &query, MAX_PAGE)?)
}

/// A4: finish the client's open appeal (this specialist's) with a result; S5: with the type
/// chosen in the finish dialog, if any (recorded first; S3: no deadline moves).
#[tauri::command]
#[specta::specta]
pub async fn finish_appeal(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    result: String,
    appeal_type: Option<String>,
) -> CommandResult<()> {
    state.store()?.finish_appeal(
        line_id,
        client_id,
        &result,
        appeal_type.as_deref(),
        now_ms(),
    )?;
    state.nudge();
    Ok(())
}

/// C8: the line's quick replies holding every word of `query` (all when empty).
#[tauri::command]
#[specta::specta]
pub async fn quick_replies(
    state: State<'_, AppState>,
    line_id: i64,
    query: String,
) -> CommandResult<Vec<QuickReply>> {
    Ok(state.store()?.quick_replies(line_id, &query)?)
}

/// C8: knowledge-base articles that may answer a client's message.
#[tauri::command]
#[specta::specta]
pub async fn kb_hints(
    state: State<'_, AppState>,
    line_id: i64,
    text: String,
) -> CommandResult<Vec<KbArticle>> {
    Ok(state.store()?.kb_hints(line_id, &text, 3)?)
}

/// A3: the other specialists of the line, for the transfer dialog.
#[tauri::command]
#[specta::specta]
pub async fn list_colleagues(
    state: State<'_, AppState>,
    line_id: i64,
) -> CommandResult<Vec<Colleague>> {
    Ok(state.store()?.colleagues(line_id)?)
}

/// A2: take the client's appeal from the line's queue.
#[tauri::command]
#[specta::specta]
pub async fn take_appeal(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<()> {
    state.store()?.take_appeal(line_id, client_id, now_ms())?;
    state.nudge();
    Ok(())
}

/// A3: hand the client's open appeal to a colleague (their id) or back to the line's queue.
#[tauri::command]
#[specta::specta]
pub async fn transfer_appeal(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    to: Option<i64>,
    reason: String,
) -> CommandResult<()> {
    state
        .store()?
        .transfer_appeal(line_id, client_id, to, &reason, now_ms())?;
    state.nudge();
    Ok(())
}

/// Where the connection to the line server stands, for the header.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    /// `connecting`, `offline`, `sending`, `in_sync`, `login_refused`, `sign_in_needed` (a
    /// remote server before the specialist signed in), or `unavailable` when the line server
    /// could not be started at all.
    pub state: String,
    /// Actions in the outbox not yet acknowledged.
    pub pending: i64,
    /// Why it is offline, in the server's or the network's words.
    pub reason: Option<String>,
    pub retry_in_ms: Option<u32>,
    /// `host:port` of the line server.
    pub server: Option<String>,
    pub embedded: bool,
    /// Who the app signs in as (prefills the sign-in form).
    pub login: Option<String>,
    /// Bumped each time the server's events changed the local store: the UI reloads then.
    pub changes: u32,
    /// The newest action the server refused for good, for a one-time notice.
    pub last_failure: Option<RefusedAction>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RefusedAction {
    /// Its outbox id: the UI shows each refusal once.
    pub id: i64,
    /// `message.send`, `presence.set`, `appeal.take`, `appeal.finish`, `appeal.transfer`.
    pub kind: String,
    pub reason: String,
    /// The line's rule that refused it (`ticket.illegal_transition`...), when the server said:
    /// the UI shows `rule.<code>` instead of the server's English reason.
    pub rule: Option<String>,
    /// The wire's error code (`forbidden`, `conflict`, ...), when the sync saw the refusal:
    /// without a rule the UI shows `refusal.<code>`, never the server's English text.
    pub code: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> CommandResult<SyncState> {
    let (pending, last_failure) = {
        let store = state.store()?;
        let failure = store
            .outbox_last_failure()?
            .map(|(id, kind, reason)| RefusedAction {
                id,
                kind,
                reason,
                rule: None,
                code: None,
            });
        (store.outbox_pending_count()?, failure)
    };
    let line = match state.line() {
        Ok(line) => line,
        Err(why) => {
            return Ok(SyncState {
                state: "unavailable".into(),
                pending,
                reason: Some(why.to_string()),
                retry_in_ms: None,
                server: None,
                embedded: false,
                login: None,
                changes: 0,
                last_failure,
            });
        }
    };
    // The sync keeps the typed refusal (code, rule) of the newest one it saw.
    let last_failure = last_failure.map(|mut failure| {
        if let Some(refusal) = line.sync.refused().borrow().as_ref()
            && refusal.outbox_id == failure.id
        {
            failure.rule = refusal.rule.clone();
            failure.code = Some(linedesk_protocol::wire_code(refusal.code));
        }
        failure
    });
    let status = line.sync.status().borrow().clone();
    let changes = u32::try_from(*line.sync.changes().borrow() % u64::from(u32::MAX)).unwrap_or(0);
    let (name, reason, retry_in_ms) = match status {
        SyncStatus::Connecting => ("connecting", None, None),
        SyncStatus::Offline {
            retry_in_ms,
            reason,
        } => (
            "offline",
            Some(reason),
            Some(u32::try_from(retry_in_ms).unwrap_or(u32::MAX)),
        ),
        SyncStatus::Sending { .. } => ("sending", None, None),
        SyncStatus::InSync => ("in_sync", None, None),
        SyncStatus::LoginRefused => ("login_refused", None, None),
        SyncStatus::SignInNeeded => ("sign_in_needed", None, None),
    };
    Ok(SyncState {
        state: name.into(),
        pending,
        reason,
        retry_in_ms,
        server: Some(line.server.clone()),
        embedded: line.embedded,
        login: Some(line.sync.login()),
        changes,
        last_failure,
    })
}

/// V1, A7: the client's calls, for the chat's timeline.
#[tauri::command]
#[specta::specta]
pub async fn list_calls(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<CallEntry>> {
    Ok(state.store()?.calls_of(line_id, client_id)?)
}

/// The call panel: state, who, levels, quality (polled while a call is on).
#[tauri::command]
#[specta::specta]
pub async fn call_state(
    state: State<'_, AppState>,
    sip: State<'_, crate::sip_calls::SipState>,
) -> CommandResult<CallView> {
    let line = state.calls().map(|c| c.view());
    // A PBX call shows in the same panel: while it runs, or once it ended when no line
    // call is under way.
    if let Some(calls) = sip.0.as_ref().map(|s| &s.calls)
        && let Some(view) = calls.view()
        && (calls.active()
            || !line
                .as_ref()
                .is_ok_and(|l| l.state != "idle" && l.state != "ended"))
    {
        return Ok(view);
    }
    line
}

/// The PBX call (issue 18) when one holds the panel.
fn pbx_call(sip: &crate::sip_calls::SipState) -> Option<&crate::sip_calls::call::SipCalls> {
    sip.0
        .as_ref()
        .map(|s| s.calls.as_ref())
        .filter(|c| c.active())
}

/// V1: call a client of a line. C9: a client whose appeal a colleague holds only when
/// `confirmed` after the warning (the rule `appeal.held_by_colleague` otherwise).
#[tauri::command]
#[specta::specta]
pub async fn place_call(
    state: State<'_, AppState>,
    sip: State<'_, crate::sip_calls::SipState>,
    line_id: i64,
    client_id: i64,
    confirmed: bool,
) -> CommandResult<()> {
    let line = u64::try_from(line_id).map_err(|_| CommandError::invalid("lineId", "not an id"))?;
    let client =
        u64::try_from(client_id).map_err(|_| CommandError::invalid("clientId", "not an id"))?;
    if pbx_call(&sip).is_some() {
        return Err(crate::calls::CallsError::Busy.into());
    }
    crate::collision::past_hold(&*state.store()?, line_id, client_id, confirmed)?;
    Ok(state.calls()?.place(line, client, confirmed).await?)
}

/// Pick up the ringing call.
#[tauri::command]
#[specta::specta]
pub async fn answer_call(
    state: State<'_, AppState>,
    sip: State<'_, crate::sip_calls::SipState>,
) -> CommandResult<()> {
    if let Some(pbx) = pbx_call(&sip) {
        return Ok(pbx.answer()?);
    }
    Ok(state.calls()?.answer().await?)
}

/// Decline, cancel or hang up the call.
#[tauri::command]
#[specta::specta]
pub async fn hang_up_call(
    state: State<'_, AppState>,
    sip: State<'_, crate::sip_calls::SipState>,
) -> CommandResult<()> {
    if let Some(pbx) = pbx_call(&sip) {
        return Ok(pbx.hang_up()?);
    }
    Ok(state.calls()?.hang_up().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_call_muted(
    state: State<'_, AppState>,
    sip: State<'_, crate::sip_calls::SipState>,
    on: bool,
) -> CommandResult<()> {
    if let Some(pbx) = pbx_call(&sip) {
        return Ok(pbx.set_muted(on)?);
    }
    Ok(state.calls()?.set_muted(on).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_call_hold(
    state: State<'_, AppState>,
    sip: State<'_, crate::sip_calls::SipState>,
    on: bool,
) -> CommandResult<()> {
    if let Some(pbx) = pbx_call(&sip) {
        return Ok(pbx.set_hold(on)?);
    }
    Ok(state.calls()?.set_hold(on).await?)
}

/// An audio device as the settings list it (W2).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AudioDevice {
    pub id: String,
    pub name: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AudioDevices {
    pub inputs: Vec<AudioDevice>,
    pub outputs: Vec<AudioDevice>,
    /// Why a list is empty (no sound card, no audio server).
    pub problem: Option<String>,
}

/// W2: the microphones and speakers this machine has, defaults first.
#[tauri::command]
#[specta::specta]
pub async fn audio_devices() -> CommandResult<AudioDevices> {
    let listed = tokio::task::spawn_blocking(|| {
        use linedesk_audio::{CpalBackend, devices};
        let backend = CpalBackend;
        let list = |direction| {
            devices::list(&backend, direction).map(|found| {
                found
                    .into_iter()
                    .map(|d| AudioDevice {
                        id: d.id,
                        name: d.name,
                        is_default: d.is_default,
                    })
                    .collect::<Vec<_>>()
            })
        };
        let mut problem = None;
        let inputs = list(linedesk_audio::Direction::Input).unwrap_or_else(|e| {
            problem = Some(e.to_string());
            Vec::new()
        });
        let outputs = list(linedesk_audio::Direction::Output).unwrap_or_else(|e| {
            problem = Some(e.to_string());
            Vec::new()
        });
        AudioDevices {
            inputs,
            outputs,
            problem,
        }
    })
    .await
    .map_err(|e| CommandError::internal(e.to_string()))?;
    Ok(listed)
}

/// W2: a one-second 1 kHz tone on the chosen speaker; returns the device that played it.
#[tauri::command]
#[specta::specta]
pub async fn test_tone(state: State<'_, AppState>) -> CommandResult<String> {
    let store = state
        .shared_store()
        .ok_or_else(|| CommandError::internal("the store is not open"))?;
    let (_, output) = crate::calls::device_choices(&store);
    tokio::task::spawn_blocking(move || {
        linedesk_audio::play_test_tone(
            &linedesk_audio::CpalBackend,
            &output,
            1000.0,
            std::time::Duration::from_secs(1),
        )
    })
    .await
    .map_err(|e| CommandError::internal(e.to_string()))?
    .map_err(|e| CommandError::unavailable(e.to_string()))
}

/// The call panel's level meters: the app streams both levels to `on_levels` while a call runs.
#[tauri::command]
#[specta::specta]
pub async fn watch_levels(
    state: State<'_, AppState>,
    on_levels: tauri::ipc::Channel<crate::calls::LevelsView>,
) -> CommandResult<()> {
    state.calls()?.watch_levels(on_levels);
    Ok(())
}

/// T1: register a ticket for the client (through the outbox; numbered by the server).
#[tauri::command]
#[specta::specta]
pub async fn create_ticket(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    subject: String,
    text: String,
) -> CommandResult<()> {
    state
        .store()?
        .create_ticket(line_id, client_id, &subject, &text, now_ms())?;
    state.nudge();
    Ok(())
}

/// C5: the client's tickets, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_tickets(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<linedesk_store::TicketRow>> {
    Ok(state.store()?.tickets_of(line_id, client_id)?)
}

/// The kept notices newer than `after` (the header's bell, kept across restarts), oldest first.
#[tauri::command]
#[specta::specta]
pub async fn list_notices(
    state: State<'_, AppState>,
    after: u32,
) -> CommandResult<Vec<crate::notices::NoticeRow>> {
    Ok(lock(&state.notices).since(after))
}

/// One client's row of the list, to open their chat from a notice, an appeal or a ticket.
#[tauri::command]
#[specta::specta]
pub async fn client_row(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<linedesk_store::ClientRow> {
    Ok(state.store()?.client_row(line_id, client_id)?)
}

/// Longest login and password the sign-in form takes.
const MAX_LOGIN_CHARS: usize = 100;
const MAX_PASSWORD_CHARS: usize = 1000;

/// Sign in to a remote line server (the embedded one signs in by itself). The password stays
/// in memory; a wrong one shows as `login_refused` in the sync status.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    state: State<'_, AppState>,
    login: String,
    password: String,
) -> CommandResult<()> {
    let login = login.trim();
    if login.is_empty() || login.chars().count() > MAX_LOGIN_CHARS {
        return Err(CommandError::invalid("login", "enter your login"));
    }
    if password.is_empty() || password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(CommandError::invalid("password", "enter your password"));
    }
    let line = state
        .line()
        .map_err(|why| CommandError::unavailable(why.to_string()))?;
    if line.embedded {
        return Err(CommandError::invalid(
            "login",
            "the embedded line server signs in by itself",
        ));
    }
    line.sync.sign_in(login, &password);
    Ok(())
}

/// How long the settings' microphone check runs.
const MIC_CHECK: std::time::Duration = std::time::Duration::from_secs(6);

/// W1/W2: the settings' live level meter. Opens the saved headset (or the default) for a few
/// seconds, streams the microphone's level to `on_levels` every 50 ms, and answers with the
/// microphone's name. Refused during a call (the call has the headset).
#[tauri::command]
#[specta::specta]
pub async fn mic_check(
    state: State<'_, AppState>,
    on_levels: tauri::ipc::Channel<crate::calls::LevelsView>,
) -> CommandResult<String> {
    if let Ok(calls) = state.calls()
        && !matches!(calls.view().state.as_str(), "idle" | "ended")
    {
        return Err(CommandError::unavailable(
            "the headset is in a call: check the microphone after it",
        ));
    }
    let store = state
        .shared_store()
        .ok_or_else(|| CommandError::internal("the store is not open"))?;
    let (input, output) = crate::calls::device_choices(&store);
    tokio::task::spawn_blocking(move || {
        use linedesk_audio::AudioIo;
        let mut headset = linedesk_audio::Headset::open(input, output)
            .map_err(|e| CommandError::unavailable(e.to_string()))?;
        let name = headset
            .device(linedesk_audio::Direction::Input)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let levels = headset.levels();
        let end = std::time::Instant::now() + MIC_CHECK;
        while std::time::Instant::now() < end {
            std::thread::sleep(std::time::Duration::from_millis(50));
            // Keep the capture buffer drained; the meter reads the callback's levels.
            while headset.read_frame().is_some() {}
            let l = *levels.borrow();
            let view = crate::calls::LevelsView {
                mic_dbfs: l.input.rms_dbfs,
                speaker_dbfs: l.output.rms_dbfs,
            };
            if on_levels.send(view).is_err() {
                break;
            }
        }
        Ok(name)
    })
    .await
    .map_err(|e| CommandError::internal(e.to_string()))?
}

/// V2: ask the client for a remote session, `by_request` (they accept or decline) or
/// `by_password` (the session password they set in their assistant).
#[tauri::command]
#[specta::specta]
pub async fn remote_request(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
    by_password: bool,
    password: Option<String>,
) -> CommandResult<()> {
    let mode = if by_password {
        linedesk_protocol::RemoteMode::ByPassword
    } else {
        linedesk_protocol::RemoteMode::ByRequest
    };
    let line = u64::try_from(line_id).map_err(|_| CommandError::invalid("line", "no such line"))?;
    let client =
        u64::try_from(client_id).map_err(|_| CommandError::invalid("client", "no such client"))?;
    state.store()?.client_row(line_id, client_id)?;
    state.remote()?.request(line, client, mode, password).await
}

/// V2: where the remote session stands (polled by the viewer).
#[tauri::command]
#[specta::specta]
pub async fn remote_state(state: State<'_, AppState>) -> CommandResult<crate::remote::RemoteView> {
    Ok(state.remote()?.view())
}

/// V2: the client's screen, the tiles changed since the last call (all when `full`).
#[tauri::command]
#[specta::specta]
pub async fn remote_frame(
    state: State<'_, AppState>,
    full: bool,
) -> CommandResult<crate::remote_frames::RemoteFrame> {
    state.remote()?.frame(full).await
}

/// V2: the specialist's mouse, keys, key combinations or clipboard text for the client.
#[tauri::command]
#[specta::specta]
pub async fn remote_input(
    state: State<'_, AppState>,
    input: crate::remote::RemoteInput,
) -> CommandResult<()> {
    state.remote()?.input(input).await
}

/// V2: watch only (no input reaches the client) or control.
#[tauri::command]
#[specta::specta]
pub async fn remote_view_only(state: State<'_, AppState>, on: bool) -> CommandResult<()> {
    state.remote()?.set_view_only(on);
    Ok(())
}

/// V2: end the session, or withdraw a request the client has not answered.
#[tauri::command]
#[specta::specta]
pub async fn remote_end(state: State<'_, AppState>) -> CommandResult<()> {
    state.remote()?.end().await
}

/// V2: close the viewer's window of an ended session.
#[tauri::command]
#[specta::specta]
pub async fn remote_dismiss(state: State<'_, AppState>) -> CommandResult<()> {
    state.remote()?.dismiss().await;
    Ok(())
}

/// V2, A7: the client's remote sessions, for the chat's timeline.
#[tauri::command]
#[specta::specta]
pub async fn list_remote_sessions(
    state: State<'_, AppState>,
    line_id: i64,
    client_id: i64,
) -> CommandResult<Vec<linedesk_store::RemoteSessionEntry>> {
    Ok(state.store()?.remote_sessions_of(line_id, client_id)?)
}
