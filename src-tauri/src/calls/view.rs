//! What the call panel shows of the call in progress ([`Calls::view`], polled: a cheap copy)
//! and the level meters streamed to it.

use std::sync::Arc;
use std::time::Duration;

use linedesk_call::CallState;
use serde::Serialize;

use super::Calls;
use crate::state::lock;

/// What the call panel shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// `idle`, `ringing_in`, `ringing_out`, `connecting`, `connected`, `on_hold`,
    /// `reconnecting` (the path broke: ICE restarts, the call goes on), `ended`.
    pub state: String,
    pub call: Option<u32>,
    pub line_id: Option<i64>,
    pub client_id: Option<i64>,
    pub muted: bool,
    /// Milliseconds since the call connected.
    pub connected_ms: Option<u32>,
    /// Why it ended (`hung_up`, `declined`, `failed: ...`).
    pub reason: Option<String>,
    /// Microphone and speaker levels, dBFS.
    pub mic_dbfs: f32,
    pub speaker_dbfs: f32,
    /// The headset during the call: `no_headset` (silence from the start), `switched:NAME`
    /// (unplugged, now on the default NAME), `lost` (no device at all; the call goes on).
    pub device_notice: Option<String>,
    /// The last call's MOS estimate (E-model), once it ended.
    pub mos: Option<f32>,
    /// The quality so far while connected, refreshed every second.
    pub quality: Option<QualityView>,
    /// The recording's indicator while the call runs.
    pub recording: Option<crate::recording::RecordingView>,
    /// A consultation: the colleague who consults this specialist about `client_id`'s call.
    pub consult_from: Option<i64>,
    /// The three-way join (issue 14): the colleague talking with the client and this
    /// specialist in this call, and their name.
    pub joined_with: Option<i64>,
    pub joined_name: Option<String>,
    /// A call through the PBX (issue 18, `sip_calls`): the number dialled.
    pub sip_number: Option<String>,
}

/// The in-call quality indicator's figures (V1: from the call's live statistics).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QualityView {
    /// E-model MOS estimate, 1-4.5.
    pub mos: f32,
    /// The client's packets lost or late, percent.
    pub loss_percent: f32,
    pub jitter_ms: u32,
    pub rtt_ms: Option<u32>,
    /// Nothing received yet from the client: "no audio", whatever the MOS says.
    pub silent: bool,
    /// Nothing at all heard from the client for this many seconds (10 or more): the media
    /// stopped. `None` while it flows.
    pub no_media_seconds: Option<u32>,
}

/// Both levels of the call in progress, streamed to the panel's meters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LevelsView {
    pub mic_dbfs: f32,
    pub speaker_dbfs: f32,
}

/// How often the meters move.
const LEVELS_EVERY: Duration = Duration::from_millis(50);

pub(super) fn idle() -> CallView {
    CallView {
        state: "idle".into(),
        mic_dbfs: -100.0,
        speaker_dbfs: -100.0,
        ..CallView::default()
    }
}

impl Calls {
    pub(super) fn set_view(&self, change: impl FnOnce(&mut CallView)) {
        let mut view = lock(&self.view);
        change(&mut view);
    }

    pub fn view(&self) -> CallView {
        let mut view = lock(&self.view).clone();
        if let Ok(active) = self.active.try_lock()
            && let Some(a) = active.as_ref()
        {
            if let Some(at) = a.connected_at {
                view.connected_ms = u32::try_from(at.elapsed().as_millis()).ok();
            }
            if let Some(session) = &a.session {
                let levels = *session.levels().borrow();
                view.mic_dbfs = levels.microphone.rms_dbfs;
                view.speaker_dbfs = levels.speaker.rms_dbfs;
                view.recording = Some((*session.recording().borrow()).into());
                view.quality = session.quality().borrow().map(|q| QualityView {
                    mos: q.mos as f32,
                    loss_percent: q.loss_percent as f32,
                    jitter_ms: u32::try_from(q.jitter.as_millis()).unwrap_or(u32::MAX),
                    rtt_ms: q.rtt.and_then(|r| u32::try_from(r.as_millis()).ok()),
                    silent: q.received == 0,
                    no_media_seconds: q
                        .no_media_for
                        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
                });
            }
            if let Some(call) = &a.call {
                view.muted = call.is_muted();
                match call.state() {
                    CallState::OnHold { .. } => view.state = "on_hold".into(),
                    CallState::Reconnecting => view.state = "reconnecting".into(),
                    _ => {}
                }
            }
        }
        view
    }

    /// The panel's meters: levels go to `channel` while a call runs (replaces an earlier one).
    pub fn watch_levels(&self, channel: tauri::ipc::Channel<LevelsView>) {
        *lock(&self.levels_sink) = Some(channel);
    }

    pub(super) async fn stream_levels(self: Arc<Self>) {
        let mut tick = tokio::time::interval(LEVELS_EVERY);
        loop {
            tick.tick().await;
            let levels = match self.active.try_lock() {
                Ok(active) => active.as_ref().and_then(|a| a.session.as_ref()).map(|s| {
                    let l = *s.levels().borrow();
                    LevelsView {
                        mic_dbfs: l.microphone.rms_dbfs,
                        speaker_dbfs: l.speaker.rms_dbfs,
                    }
                }),
                Err(_) => None,
            };
            let Some(levels) = levels else { continue };
            let mut sink = lock(&self.levels_sink);
            if let Some(channel) = sink.as_ref()
                && channel.send(levels).is_err()
            {
                // The page went away (reloaded): it asks again.
                *sink = None;
            }
        }
    }
}
