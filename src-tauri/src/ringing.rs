//! Ringing that reaches the specialist (issue 14): while a call rings in, the ringtone plays
//! on the headset and, unless switched off (`ring_on_speaker`, on by default), on the
//! computer's speaker too (`linedesk_audio::Ringer`); a desktop notification of critical
//! urgency offers Answer and Decline where the notification service supports actions; and
//! the window asks for attention. All of it stops when the call stops ringing: answered,
//! declined, or ended by the caller or the line server's ring time.
//!
//! [`spawn`] follows the call panel's view ([`Calls::view`], a cheap copy, and a call from the
//! company's PBX, [`SipCalls::ringing`], issue 18) every 100 ms, so the calls modules need to
//! know nothing of it. [`call_notice`], [`reply_of`] and [`ring_outputs`]
//! decide, purely (tested here); the rest is IO.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_audio::{DeviceChoice, Ringer};
use linedesk_store::{Language, Settings, Store};
use tauri::{AppHandle, Manager, UserAttentionType};

use crate::calls::{CallView, Calls};
use crate::notices::NoticeKind;
use crate::sip_calls::call::SipCalls;
use crate::state::lock;

/// How often the view is looked at: ringing stops at most this long after an answer.
const FOLLOW_EVERY: Duration = Duration::from_millis(100);

/// The notification's action ids (what the notification service sends back).
pub const ANSWER: &str = "answer";
pub const DECLINE: &str = "decline";

/// What the specialist did with the call's notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeReply {
    Answer,
    Decline,
    /// Clicked the notification itself: bring the window up.
    Open,
    /// Closed it (or it was closed because the call stopped ringing): nothing to do.
    Dismissed,
}

/// The reply of the action id the notification service reported (notify-rust names the
/// notification's own click `default` and a close `__closed`); `None` for anything else.
pub fn reply_of(action: &str) -> Option<NoticeReply> {
    match action {
        ANSWER => Some(NoticeReply::Answer),
        DECLINE => Some(NoticeReply::Decline),
        "default" => Some(NoticeReply::Open),
        "__closed" => Some(NoticeReply::Dismissed),
        _ => None,
    }
}

/// The incoming call's notification as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallNotice {
    pub summary: String,
    pub body: String,
    /// (action id, label); empty where the service shows no buttons.
    pub actions: Vec<(&'static str, String)>,
}

/// The notification of a call from `client`: Answer and Decline only where the service's
/// capabilities (`GetCapabilities`) include `actions`; a service without them would drop the
/// buttons anyway, and the body then says to answer in the app.
pub fn call_notice(lang: Language, client: &str, capabilities: &[String]) -> CallNotice {
    let ru = lang == Language::Ru;
    let pick = |r: &str, e: &str| if ru { r.to_string() } else { e.to_string() };
    let actions_shown = capabilities.iter().any(|c| c == "actions");
    let actions = if actions_shown {
        vec![
            (ANSWER, pick("Ответить", "Answer")),
            (DECLINE, pick("Отклонить", "Decline")),
        ]
    } else {
        Vec::new()
    };
    let body = if actions_shown {
        client.to_string()
    } else {
        format!(
            "{client}\n{}",
            pick("Ответьте в окне Linedesk", "Answer in the Linedesk window")
        )
    };
    CallNotice {
        summary: pick("Входящий звонок", "Incoming call"),
        body,
        actions,
    }
}

/// Where the ring plays: the headset's output (the saved one, else the default) and, with
/// `ring_on_speaker`, the default output as well (the same device rings once); nowhere with
/// sounds off.
pub fn ring_outputs(settings: &Settings) -> Vec<DeviceChoice> {
    if !settings.sounds {
        return Vec::new();
    }
    let headset = settings
        .output_device
        .clone()
        .map_or(DeviceChoice::Default, DeviceChoice::Saved);
    let mut outputs = vec![headset];
    if settings.ring_on_speaker {
        outputs.push(DeviceChoice::Default);
    }
    outputs
}

/// The call ringing in `view`, if one is.
fn ringing_call(view: &CallView) -> Option<u32> {
    (view.state == "ringing_in").then_some(view.call).flatten()
}

/// Which call rings: a line call by its id, or a call from the PBX (issue 18) by its serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RingingCall {
    Line(u32),
    Pbx(u64),
}

/// Where a ringing call is: the line calls or the PBX's; the ring and the notification's
/// buttons act on it.
#[derive(Clone)]
enum Source {
    Line(Arc<Calls>),
    Pbx(Arc<SipCalls>),
}

impl Source {
    /// `release` runs before the call opens the headset.
    fn on_audio_start(&self, release: Box<dyn FnOnce() + Send>) {
        match self {
            Source::Line(calls) => calls.on_audio_start(release),
            Source::Pbx(calls) => calls.on_audio_start(release),
        }
    }

    async fn answer(&self) -> Result<(), String> {
        match self {
            Source::Line(calls) => calls.answer().await.map_err(|e| e.to_string()),
            Source::Pbx(calls) => calls.answer().map_err(|e| e.to_string()),
        }
    }

    async fn decline(&self) {
        match self {
            Source::Line(calls) => {
                let _ = calls.hang_up().await;
            }
            Source::Pbx(calls) => {
                let _ = calls.hang_up();
            }
        }
    }
}

/// The call ringing now, if any: a call from the PBX first (a line call never rings while a
/// PBX call holds the headset, and the other way round), else a line call.
fn ringing_now(
    calls: &Arc<Calls>,
    pbx: Option<&Arc<SipCalls>>,
) -> Option<(RingingCall, CallView, Source)> {
    if let Some(pbx) = pbx
        && let Some((serial, view)) = pbx.ringing()
    {
        return Some((RingingCall::Pbx(serial), view, Source::Pbx(pbx.clone())));
    }
    let view = calls.view();
    let call = ringing_call(&view)?;
    Some((RingingCall::Line(call), view, Source::Line(calls.clone())))
}

/// Follow the calls for the app's life: ring while a call rings in, a line call or one from
/// the PBX (`pbx`, when the app has a PBX phone).
pub fn spawn(
    app: AppHandle,
    calls: Arc<Calls>,
    pbx: Option<Arc<SipCalls>>,
    store: Arc<Mutex<Store>>,
) {
    tauri::async_runtime::spawn(async move {
        let mut current: Option<(RingingCall, Ringing)> = None;
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            let now = ringing_now(&calls, pbx.as_ref());
            if current.as_ref().map(|(call, _)| *call) == now.as_ref().map(|(call, ..)| *call) {
                continue;
            }
            if let Some((_, ringing)) = current.take() {
                ringing.stop(&app).await;
            }
            if let Some((call, view, source)) = now {
                let ringing = Ringing::start(&app, &source, &store, &view).await;
                current = Some((call, ringing));
            }
        }
    });
}

/// One call's ringing: the ringtone's streams and the notification's id.
struct Ringing {
    /// Shared with the calls module, which silences it before the call opens the headset.
    ringer: Arc<Mutex<RingSlot>>,
    /// The notification, once shown, to close when the ringing stops.
    notice: Arc<Mutex<NoticeSlot>>,
}

/// The ring's streams, and whether the call took the audio already (then none are kept).
#[derive(Default)]
struct RingSlot {
    ringer: Option<Ringer>,
    released: bool,
}

/// Where the notification's thread and the ringing meet: whichever comes second (the
/// notification shown, or the ringing stopped) closes it.
#[derive(Default)]
struct NoticeSlot {
    shown: Option<(u32, CallNotice)>,
    stopped: bool,
}

impl Ringing {
    async fn start(
        app: &AppHandle,
        calls: &Source,
        store: &Arc<Mutex<Store>>,
        view: &CallView,
    ) -> Ringing {
        let (settings, client) = {
            let s = lock(store);
            let settings = s.settings().unwrap_or_default();
            let client = match (view.line_id, view.client_id) {
                (Some(line), Some(client)) => s
                    .client_card(line, client)
                    .map(|card| card.client.name)
                    .unwrap_or_else(|_| format!("#{client}")),
                // A call from the PBX: the caller's number.
                _ => view.sip_number.clone().unwrap_or_default(),
            };
            (settings, client)
        };
        // Registered before the devices open: a call picked up meanwhile finds the ring
        // released, and the ring, once open, then closes at once.
        let slot = Arc::new(Mutex::new(RingSlot::default()));
        let release = slot.clone();
        calls.on_audio_start(Box::new(move || {
            let mut slot = lock(&release);
            slot.released = true;
            slot.ringer.take();
        }));
        let outputs = ring_outputs(&settings);
        let ringer = if outputs.is_empty() {
            None
        } else {
            // Opening devices blocks (ALSA can take a while): off the async threads.
            let opened = tokio::task::spawn_blocking(move || {
                Ringer::start(&linedesk_audio::CpalBackend, &outputs)
            })
            .await;
            match opened {
                Ok(Ok(ringer)) => {
                    for (device, why) in &ringer.failed {
                        eprintln!("linedesk: the ringtone cannot play on {device}: {why}");
                    }
                    Some(ringer)
                }
                // No output at all (a machine without a sound card): the notification and the
                // window's attention still reach the specialist.
                Ok(Err(err)) => {
                    eprintln!("linedesk: no ringtone: {err}");
                    None
                }
                Err(_) => None,
            }
        };
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.request_user_attention(Some(UserAttentionType::Critical));
        }
        {
            let mut held = lock(&slot);
            if !held.released {
                held.ringer = ringer;
            }
        }
        let notice = Arc::new(Mutex::new(NoticeSlot::default()));
        if NoticeKind::Call.allowed(&settings) {
            show_notice(
                app.clone(),
                calls.clone(),
                settings.language,
                client,
                notice.clone(),
            );
        }
        Ringing {
            ringer: slot,
            notice,
        }
    }

    async fn stop(self, app: &AppHandle) {
        let ringer = lock(&self.ringer).ringer.take();
        if let Some(ringer) = ringer {
            ringer.stop();
        }
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.request_user_attention(None);
        }
        let shown = {
            let mut slot = lock(&self.notice);
            slot.stopped = true;
            slot.shown.take()
        };
        if let Some((id, shown)) = shown {
            // Closing by id: the service then reports it closed, which ends the thread that
            // waits for its actions.
            let _ = tokio::task::spawn_blocking(move || close_call_notice(id, &shown)).await;
        }
    }
}

/// Show `notice` (critical urgency, never expiring, with its actions), report its id to
/// `shown`, then wait until the service says what became of it: the reply, or `None` for an
/// action this app did not offer. Blocks: run it on a blocking thread. `Err` when there is no
/// notification service.
pub fn show_call_notice(
    notice: &CallNotice,
    shown: impl FnOnce(u32),
) -> Result<Option<NoticeReply>, String> {
    let mut n = notify_rust::Notification::new();
    n.appname("Linedesk")
        .summary(&notice.summary)
        .body(&notice.body)
        .urgency(notify_rust::Urgency::Critical)
        .timeout(notify_rust::Timeout::Never)
        .hint(notify_rust::Hint::Category("call.incoming".into()));
    for (id, label) in &notice.actions {
        n.action(id, label);
    }
    let handle = n.show().map_err(|e| e.to_string())?;
    shown(handle.id());
    let mut reply = None;
    handle.wait_for_action(|action| reply = reply_of(action));
    Ok(reply)
}

/// Close the call's notification `id` (the call stopped ringing): the service then reports it
/// closed, which ends [`show_call_notice`]'s wait. Blocks.
pub fn close_call_notice(id: u32, notice: &CallNotice) -> Result<(), String> {
    // notify-rust closes through a handle: replacing the notification (same id, same text,
    // no buttons) gives one, and closing it closes `id`.
    notify_rust::Notification::new()
        .id(id)
        .appname("Linedesk")
        .summary(&notice.summary)
        .body(&notice.body)
        .show()
        .map(notify_rust::NotificationHandle::close)
        .map_err(|e| e.to_string())
}

/// The call's notification as this desktop's notification service can show it.
pub fn call_notice_here(lang: Language, client: &str) -> CallNotice {
    let capabilities = notify_rust::get_capabilities().unwrap_or_default();
    call_notice(lang, client, &capabilities)
}

/// Show the call's notification and act on its buttons (on a blocking thread: the service's
/// answer is waited for). No notification service: said on stderr; the bell and the ringing
/// still reach the specialist.
fn show_notice(
    app: AppHandle,
    calls: Source,
    lang: Language,
    client: String,
    slot: Arc<Mutex<NoticeSlot>>,
) {
    let runtime = tokio::runtime::Handle::current();
    tauri::async_runtime::spawn_blocking(move || {
        let notice = call_notice_here(lang, &client);
        let kept = notice.clone();
        let shown = |id| {
            let mut slot = lock(&slot);
            if !slot.stopped {
                slot.shown = Some((id, kept));
                return;
            }
            // The call stopped ringing while the notification was on its way: close it once
            // the wait below listens for the service's signals.
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                let _ = close_call_notice(id, &kept);
            });
        };
        let reply = match show_call_notice(&notice, shown) {
            Ok(Some(reply)) => reply,
            Ok(None) => return,
            Err(err) => {
                eprintln!("linedesk: the incoming call's notification cannot be shown: {err}");
                return;
            }
        };
        runtime.spawn(async move {
            match reply {
                NoticeReply::Answer => {
                    bring_up(&app);
                    if let Err(err) = calls.answer().await {
                        eprintln!("linedesk: answering from the notification: {err}");
                    }
                }
                NoticeReply::Decline => calls.decline().await,
                NoticeReply::Open => bring_up(&app),
                NoticeReply::Dismissed => {}
            }
        });
    });
}

fn bring_up(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_services_actions_map_to_replies() {
        assert_eq!(reply_of("answer"), Some(NoticeReply::Answer));
        assert_eq!(reply_of("decline"), Some(NoticeReply::Decline));
        assert_eq!(reply_of("default"), Some(NoticeReply::Open));
        assert_eq!(reply_of("__closed"), Some(NoticeReply::Dismissed));
        assert_eq!(reply_of("reply"), None);
        assert_eq!(reply_of(""), None);
    }

    #[test]
    fn answer_and_decline_only_where_the_service_shows_actions() {
        let caps = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let with = call_notice(Language::Ru, "Иванова", &caps(&["body", "actions"]));
        assert_eq!(with.summary, "Входящий звонок");
        assert_eq!(with.body, "Иванова");
        assert_eq!(
            with.actions,
            vec![(ANSWER, "Ответить".into()), (DECLINE, "Отклонить".into())]
        );
        for (id, _) in &with.actions {
            assert!(
                reply_of(id).is_some(),
                "{id} is understood when it comes back"
            );
        }
        let without = call_notice(Language::En, "Ivanova", &caps(&["body"]));
        assert!(without.actions.is_empty());
        assert_eq!(without.body, "Ivanova\nAnswer in the Linedesk window");
        assert!(
            call_notice(Language::En, "x", &[]).actions.is_empty(),
            "no service"
        );
    }

    #[test]
    fn the_ring_plays_on_the_headset_and_the_speaker_unless_switched_off() {
        let mut s = Settings {
            output_device: Some("usb-headset".into()),
            ..Settings::default()
        };
        assert_eq!(
            ring_outputs(&s),
            vec![
                DeviceChoice::Saved("usb-headset".into()),
                DeviceChoice::Default
            ]
        );
        s.ring_on_speaker = false;
        assert_eq!(
            ring_outputs(&s),
            vec![DeviceChoice::Saved("usb-headset".into())]
        );
        s.sounds = false;
        assert!(ring_outputs(&s).is_empty(), "sounds off");
        assert_eq!(
            ring_outputs(&Settings::default()),
            vec![DeviceChoice::Default, DeviceChoice::Default],
            "no headset chosen: the default, rung once (resolve_outputs merges them)"
        );
    }

    #[test]
    fn only_a_call_ringing_in_rings() {
        let mut view = CallView {
            state: "ringing_in".into(),
            call: Some(4),
            ..CallView::default()
        };
        assert_eq!(ringing_call(&view), Some(4));
        for state in ["ringing_out", "connecting", "connected", "ended", "idle"] {
            view.state = state.into();
            assert_eq!(ringing_call(&view), None, "{state}");
        }
    }
}
