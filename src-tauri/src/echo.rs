//! The microphone path's settings (echo cancellation, noise suppression, gain control): read
//! and saved in the store's settings, every stage on by default (`linedesk_store::VoiceProcessing`); a change applies at once, to the
//! call in progress too (from its next frame).

use std::sync::Mutex;

use linedesk_engine::Stages;
use linedesk_store::{Store, VoiceProcessing};
use tauri::State;

use crate::error::CommandResult;
use crate::state::{AppState, lock};

/// The engine's stages for what the store holds (the default's when it cannot be read).
pub fn stages(store: &Mutex<Store>) -> Stages {
    to_stages(lock(store).voice_processing().unwrap_or_default())
}

fn to_stages(v: VoiceProcessing) -> Stages {
    Stages {
        echo_cancellation: v.echo_cancellation,
        noise_suppression: v.noise_suppression,
        gain_control: v.gain_control,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn voice_processing(state: State<'_, AppState>) -> CommandResult<VoiceProcessing> {
    Ok(state.store()?.voice_processing()?)
}

/// Save the stages and switch them in the call in progress, if any.
#[tauri::command]
#[specta::specta]
pub async fn set_voice_processing(
    state: State<'_, AppState>,
    processing: VoiceProcessing,
) -> CommandResult<VoiceProcessing> {
    let saved = state.store()?.save_voice_processing(&processing)?;
    if let Ok(calls) = state.calls() {
        calls.set_processing(to_stages(saved)).await;
    }
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_store_asks_for_every_stage_and_a_saved_choice_is_what_the_engine_gets() {
        let store = Mutex::new(Store::open_in_memory().expect("store"));
        assert_eq!(
            stages(&store),
            Stages {
                echo_cancellation: true,
                noise_suppression: true,
                gain_control: true
            }
        );
        let choice = VoiceProcessing {
            echo_cancellation: false,
            noise_suppression: false,
            gain_control: true,
        };
        lock(&store).save_voice_processing(&choice).expect("saved");
        assert_eq!(
            stages(&store),
            Stages {
                echo_cancellation: false,
                noise_suppression: false,
                gain_control: true
            }
        );
    }
}
