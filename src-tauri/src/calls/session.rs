//! The engine of a call on the headset: the saved devices (or silence on a machine without a
//! sound card), the microphone path's stages, the recording, and the watchers of a stopped
//! media path and of an unplugged headset.

use std::sync::{Arc, Mutex};

use linedesk_audio::{AudioIo, DeviceChoice, DeviceEvent, Headset, Silence};
use linedesk_call::Call;
use linedesk_engine::{CallSession, SessionConfig, Side};
use linedesk_store::Store;

use super::{Calls, CallsError};
use crate::state::lock;

/// The headset, or silence when there is none (a machine without a sound card): the call and
/// its recording go on, and the panel says why nothing is heard.
pub(super) fn headset(
    input: DeviceChoice,
    output: DeviceChoice,
) -> (Box<dyn AudioIo>, Option<String>) {
    match Headset::open(input, output) {
        Ok(headset) => (Box::new(headset), None),
        Err(err) => (Box::new(Silence), Some(err.to_string())),
    }
}

/// The saved microphone and speaker (W2), or the system defaults.
pub fn device_choices(store: &Mutex<Store>) -> (DeviceChoice, DeviceChoice) {
    let settings = lock(store).settings().unwrap_or_default();
    let choice = |d: Option<String>| d.map_or(DeviceChoice::Default, DeviceChoice::Saved);
    (
        choice(settings.input_device),
        choice(settings.output_device),
    )
}

impl Calls {
    /// The microphone path's stages for the call in progress (from its next frame).
    pub async fn set_processing(&self, stages: linedesk_engine::Stages) {
        if let Some(session) = self
            .active
            .lock()
            .await
            .as_ref()
            .and_then(|a| a.session.as_ref())
        {
            session.set_processing(stages);
        }
    }

    pub(super) fn start_session(
        &self,
        call: &Arc<Call>,
        packets: tokio::sync::mpsc::Receiver<linedesk_call::ReceivedPacket>,
        id: u64,
        consultation: bool,
    ) -> Result<CallSession, CallsError> {
        if let Some(release) = lock(&self.release_ring).take() {
            release();
        }
        // The call takes the headset: a recording being played stops.
        self.player.stop();
        // A consultation's scratch recording is never journalled: nothing recovers it.
        let dir = match consultation {
            true => self.recordings().join("consultations"),
            false => self.recordings(),
        };
        std::fs::create_dir_all(&dir).map_err(|e| CallsError::Call(e.to_string()))?;
        let (input, output) = device_choices(&self.store);
        let (io, missing) = headset(input, output);
        self.set_view(|v| v.device_notice = missing.map(|_| "no_headset".to_string()));
        let mut config = SessionConfig::new(Side::Specialist, dir.join(format!("call-{id}.ogg")));
        if !consultation {
            config.journal = Some(linedesk_engine::journal::Journal::new(id, &self.server()));
        }
        config.processing = crate::echo::stages(&self.store);
        let mut session = CallSession::start(call.clone(), packets, io, config)
            .map_err(|e| CallsError::Call(e.to_string()))?;
        crate::call_media::watch_stalls(
            session.quality(),
            self.view.clone(),
            self.store.clone(),
            self.notices.clone(),
        );
        // An unplugged headset: the call and its recording go on; the panel says what happened.
        if let Some(mut events) = session.device_events() {
            let view = self.view.clone();
            tauri::async_runtime::spawn(async move {
                while let Some(event) = events.recv().await {
                    let notice = match event {
                        DeviceEvent::Switched { to, .. } => format!("switched:{to}"),
                        DeviceEvent::Lost { .. } => "lost".to_string(),
                    };
                    lock(&view).device_notice = Some(notice);
                }
            });
        }
        Ok(session)
    }
}
