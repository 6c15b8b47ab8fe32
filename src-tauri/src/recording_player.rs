//! Playing a call's recording from the timeline, on the headset.
//!
//! The recording is downloaded from the line server (`GET /api/calls/{call}/recording`, whose
//! permission check decides: the specialists of the call's line), decoded by
//! `linedesk_voice::playback` and played from Rust through the headset the specialist chose
//! for calls (`linedesk_audio`), 20 ms at a time. Why not an `<audio>` element: WebKitGTK
//! plays Ogg Opus only with the right GStreamer plugins installed, and through the desktop's
//! default output rather than the headset a specialist with a USB headset expects; the
//! headset path needs nothing more than calls do. One recording plays at a time, never during
//! a call (the call holds the headset). The page polls [`player_state`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_audio::{AudioIo, Headset, Silence};
use linedesk_engine::{Bare, Connector, EngineError};
use linedesk_voice::playback::Playback;
use serde::Serialize;
use tauri::State;

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::state::{AppState, lock};

/// What the player component shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlayerView {
    /// The call whose recording is loaded.
    pub call: Option<u32>,
    /// `idle`, `loading`, `playing`, `paused`, `ended`.
    pub state: String,
    pub position_ms: u32,
    pub duration_ms: u32,
    /// No headset could be opened: the position moves but nothing is heard.
    pub no_headset: bool,
}

struct Loaded {
    call: u64,
    playback: Playback,
    playing: bool,
}

/// The app's one player.
#[derive(Clone, Default)]
pub struct Player {
    loaded: Arc<Mutex<Option<Loaded>>>,
    loading: Arc<Mutex<Option<u64>>>,
    no_headset: Arc<Mutex<bool>>,
    /// Bumped at each load: the playing task of an older load stops.
    generation: Arc<Mutex<u64>>,
}

/// A download that has not finished by then is given up (a stalled link must not leave the
/// player loading forever); a 50 MiB recording comes in seconds on any working link.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

fn ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn refused(err: EngineError) -> CommandError {
    match err {
        // Not this specialist's to hear, or not uploaded (yet).
        EngineError::Refused {
            status: 403 | 404, ..
        } => CommandError::not_found(err.to_string()),
        other => CommandError::unavailable(other.to_string()),
    }
}

impl Player {
    pub fn view(&self) -> PlayerView {
        let loading = *lock(&self.loading);
        let loaded = lock(&self.loaded);
        let no_headset = *lock(&self.no_headset);
        match (loaded.as_ref(), loading) {
            (_, Some(call)) => PlayerView {
                call: u32::try_from(call).ok(),
                state: "loading".into(),
                ..PlayerView::default()
            },
            (Some(l), None) => PlayerView {
                call: u32::try_from(l.call).ok(),
                state: if l.playing {
                    "playing"
                } else if l.playback.ended() {
                    "ended"
                } else {
                    "paused"
                }
                .into(),
                position_ms: ms(l.playback.position()),
                duration_ms: ms(l.playback.duration()),
                no_headset,
            },
            (None, None) => PlayerView {
                state: "idle".into(),
                ..PlayerView::default()
            },
        }
    }

    /// Download and decode the recording of `call` (the one loaded stops), paused at its
    /// start.
    async fn load(&self, connector: &Connector, token: &str, call: u64) -> CommandResult<()> {
        *lock(&self.generation) += 1;
        *lock(&self.loaded) = None;
        *lock(&self.loading) = Some(call);
        let fetched = tokio::time::timeout(
            DOWNLOAD_TIMEOUT,
            linedesk_engine::download_recording(connector, token, call),
        )
        .await;
        *lock(&self.loading) = None;
        let bytes = fetched
            .map_err(|_| {
                CommandError::unavailable(format!(
                    "the recording of call {call} did not come within {} s",
                    DOWNLOAD_TIMEOUT.as_secs()
                ))
            })?
            .map_err(refused)?;
        let playback =
            Playback::open(bytes).map_err(|e| CommandError::invalid("recording", e.to_string()))?;
        *lock(&self.loaded) = Some(Loaded {
            call,
            playback,
            playing: false,
        });
        Ok(())
    }

    /// Play from where it is (from the start once it ended), on `io`, 20 ms at a time.
    fn play(&self, io: Box<dyn AudioIo>) {
        let generation = {
            let mut g = lock(&self.generation);
            *g += 1;
            *g
        };
        {
            let mut loaded = lock(&self.loaded);
            let Some(l) = loaded.as_mut() else { return };
            if l.playback.ended() && l.playback.seek(Duration::ZERO).is_err() {
                return;
            }
            l.playing = true;
        }
        let player = self.clone();
        tauri::async_runtime::spawn(async move { player.run(io, generation).await });
    }

    async fn run(self, mut io: Box<dyn AudioIo>, generation: u64) {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        loop {
            tick.tick().await;
            if *lock(&self.generation) != generation {
                return;
            }
            let frame = {
                let mut loaded = lock(&self.loaded);
                let Some(l) = loaded.as_mut().filter(|l| l.playing) else {
                    return;
                };
                match l.playback.next_frame() {
                    Ok(Some(frame)) => frame,
                    Ok(None) | Err(_) => {
                        l.playing = false;
                        return;
                    }
                }
            };
            io.write_frame(&frame);
        }
    }

    /// Stop playing for good (a call takes the headset); the recording stays loaded.
    pub fn stop(&self) {
        *lock(&self.generation) += 1;
        self.pause();
    }

    fn pause(&self) {
        if let Some(l) = lock(&self.loaded).as_mut() {
            l.playing = false;
        }
    }

    fn seek(&self, at: Duration) -> CommandResult<()> {
        let mut loaded = lock(&self.loaded);
        let l = loaded
            .as_mut()
            .ok_or_else(|| CommandError::not_found("no recording is loaded"))?;
        l.playback
            .seek(at)
            .map_err(|e| CommandError::internal(e.to_string()))
    }
}

/// Load the recording of call `call_id` from the line server (paused at its start).
#[tauri::command]
#[specta::specta]
pub async fn player_open(state: State<'_, AppState>, call_id: i64) -> CommandResult<PlayerView> {
    let call = u64::try_from(call_id).map_err(|_| CommandError::invalid("callId", "not an id"))?;
    let calls = state.calls()?;
    let token = calls
        .token()
        .ok_or_else(|| CommandError::unavailable("not connected to the line server"))?;
    let connector = Connector::parse(&calls.server(), Bare::Plain, calls.ca_file())
        .map_err(|e| CommandError::unavailable(e.to_string()))?;
    calls.player().load(&connector, &token, call).await?;
    Ok(calls.player().view())
}

/// Play (or go on playing) the loaded recording on the headset.
#[tauri::command]
#[specta::specta]
pub async fn player_play(state: State<'_, AppState>) -> CommandResult<PlayerView> {
    let calls = state.calls()?;
    if calls.busy() {
        return Err(CommandError {
            code: ErrorCode::Busy,
            message: "a call holds the headset".into(),
            field: None,
            rule: None,
        });
    }
    let (input, output) = crate::calls::device_choices(calls.store());
    let (io, no_headset): (Box<dyn AudioIo>, bool) = match Headset::open(input, output) {
        Ok(headset) => (Box::new(headset), false),
        Err(_) => (Box::new(Silence), true),
    };
    *lock(&calls.player().no_headset) = no_headset;
    calls.player().play(io);
    Ok(calls.player().view())
}

#[tauri::command]
#[specta::specta]
pub async fn player_pause(state: State<'_, AppState>) -> CommandResult<PlayerView> {
    let player = state.calls()?.player();
    player.pause();
    Ok(player.view())
}

#[tauri::command]
#[specta::specta]
pub async fn player_seek(
    state: State<'_, AppState>,
    position_ms: u32,
) -> CommandResult<PlayerView> {
    let player = state.calls()?.player();
    player.seek(Duration::from_millis(u64::from(position_ms)))?;
    Ok(player.view())
}

#[tauri::command]
#[specta::specta]
pub async fn player_state(state: State<'_, AppState>) -> CommandResult<PlayerView> {
    Ok(state.calls()?.player().view())
}
