//! Desktop notifications (notify-rust) for what a specialist must not miss: a new appeal given
//! to them, a client's message while the window is not in front, an SLA deadline at risk or
//! breached, an incoming call, every event of a favourite client (C7). Each kind can be switched
//! off in the settings (W1), and all of them at once.
//!
//! [`notice_for`] decides, purely; [`spawn`] listens to the sync client's live events, shows the
//! notice on the desktop and keeps it in the app's [`NoticeLog`] (the header's bell), so a notice
//! reaches the specialist even where the desktop has no notification service.

use std::sync::{Arc, Mutex};

use linedesk_protocol::{Event, Role};
use linedesk_store::{Language, Store};
use linedesk_sync::Incoming;
use tauri::{AppHandle, Manager};
use tokio::sync::broadcast;

pub use crate::notice_log::{NoticeLog, NoticeRow};
use crate::state::lock;

/// What a notice is about: each kind has its own switch in the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Appeal,
    Message,
    Call,
    Sla,
    Favourite,
}

impl NoticeKind {
    pub(crate) const ALL: [NoticeKind; 5] = [
        NoticeKind::Appeal,
        NoticeKind::Message,
        NoticeKind::Call,
        NoticeKind::Sla,
        NoticeKind::Favourite,
    ];

    /// The kind's stable code, as the store keeps it (the same as on the IPC boundary).
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Appeal => "appeal",
            NoticeKind::Message => "message",
            NoticeKind::Call => "call",
            NoticeKind::Sla => "sla",
            NoticeKind::Favourite => "favourite",
        }
    }

    /// The kind of a stored code; `None` for one this version does not know.
    pub fn from_code(code: &str) -> Option<NoticeKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Whether the notice also sounds a short chime (a call has its own ringtone).
    pub fn chimes(self) -> bool {
        !matches!(self, NoticeKind::Call)
    }

    /// Whether the settings let this kind through.
    pub fn allowed(self, s: &linedesk_store::Settings) -> bool {
        s.notifications
            && match self {
                NoticeKind::Appeal => s.notify_appeals,
                NoticeKind::Message => s.notify_messages,
                NoticeKind::Call => s.notify_calls,
                NoticeKind::Sla => s.notify_sla,
                NoticeKind::Favourite => s.notify_favourites,
            }
    }
}

/// One desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The client it is about, so the bell's entry opens their chat.
    pub client: u64,
    pub title: String,
    pub body: String,
}

/// Longest message text shown in a notification, in characters.
const PREVIEW_CHARS: usize = 120;

fn preview(text: &str) -> String {
    let mut out: String = text.chars().take(PREVIEW_CHARS).collect();
    if text.chars().count() > PREVIEW_CHARS {
        out.push('…');
    }
    out
}

/// What the store says about the clients and groups an event names.
pub struct Lookups<'a> {
    /// A client's name.
    pub name: &'a dyn Fn(u64) -> String,
    /// The client's open appeal is this specialist's.
    pub mine: &'a dyn Fn(u64) -> bool,
    /// The client is one of the specialist's favourites (C7).
    pub favourite: &'a dyn Fn(u64) -> bool,
    /// C6: a group's title when the specialist is one of its members.
    pub my_group: &'a dyn Fn(u64) -> Option<String>,
}

/// What to tell the specialist `me` about `event`, if anything; `focused` says whether the
/// app's window is in front (a message the specialist sees anyway is not announced). A
/// client's message is for the holder of their appeal; a message in a group (C6) for its
/// members, whoever wrote it but themselves.
pub fn notice_for(
    event: &Event,
    me: u64,
    lang: Language,
    focused: bool,
    look: &Lookups<'_>,
) -> Option<Notice> {
    let Lookups {
        name,
        mine,
        favourite,
        my_group,
    } = *look;
    let ru = lang == Language::Ru;
    let pick = |r: &str, e: &str| if ru { r.to_string() } else { e.to_string() };
    if let Some(notice) = favourite_notice(event, me, ru, name, favourite) {
        return Some(notice);
    }
    match event {
        Event::AppealAssigned {
            client, specialist, ..
        } if *specialist == me => Some(Notice {
            kind: NoticeKind::Appeal,
            client: *client,
            title: pick("Новое обращение", "New appeal"),
            body: name(*client),
        }),
        Event::MessagePosted {
            client,
            from_specialist: None,
            text,
            ..
        } if !focused && mine(*client) => Some(Notice {
            kind: NoticeKind::Message,
            client: *client,
            title: name(*client),
            body: preview(text),
        }),
        Event::GroupMessagePosted {
            group,
            client,
            from_specialist,
            text,
            ..
        } if !focused && *from_specialist != Some(me) => my_group(*group).map(|title| Notice {
            kind: NoticeKind::Message,
            client: *client,
            title: format!("{} · {title}", name(*client)),
            body: preview(text),
        }),
        Event::SlaAtRisk {
            client,
            specialist: Some(s),
            ..
        } if *s == me => Some(Notice {
            kind: NoticeKind::Sla,
            client: *client,
            title: pick("SLA: срок на исходе", "SLA: deadline at risk"),
            body: name(*client),
        }),
        Event::SlaBreached {
            client,
            specialist: Some(s),
            ..
        } if *s == me => Some(Notice {
            kind: NoticeKind::Sla,
            client: *client,
            title: pick("SLA: срок нарушен", "SLA: deadline breached"),
            body: name(*client),
        }),
        Event::CallRinging {
            client,
            specialist,
            from: Role::Client,
            ..
        } if specialist.is_none_or(|s| s == me) => Some(Notice {
            kind: NoticeKind::Call,
            client: *client,
            title: pick("Входящий звонок", "Incoming call"),
            body: name(*client),
        }),
        _ => None,
    }
}

/// C7: every event of a favourite client's chat, also colleagues' work with them (not this
/// specialist's own actions).
fn favourite_notice(
    event: &Event,
    me: u64,
    ru: bool,
    name: &dyn Fn(u64) -> String,
    favourite: &dyn Fn(u64) -> bool,
) -> Option<Notice> {
    let pick = |r: &str, e: &str| if ru { r.to_string() } else { e.to_string() };
    let (client, what) = match event {
        Event::MessagePosted {
            client,
            from_specialist,
            text,
            ..
        }
        | Event::GroupMessagePosted {
            client,
            from_specialist,
            text,
            ..
        } if *from_specialist != Some(me) => (*client, preview(text)),
        Event::AppealAssigned {
            client, specialist, ..
        } if *specialist != me => (
            *client,
            pick("обращение у коллеги", "a colleague took the appeal"),
        ),
        Event::AppealQueued { client, .. } => {
            (*client, pick("обращение в очереди", "the appeal is queued"))
        }
        Event::AppealTransferred { client, from, .. } if *from != me => (
            *client,
            pick("обращение передано", "the appeal was transferred"),
        ),
        Event::AppealFinished { client, result, .. } => (
            *client,
            format!(
                "{}: {result}",
                pick("обращение завершено", "appeal finished")
            ),
        ),
        _ => return None,
    };
    favourite(client).then(|| Notice {
        kind: NoticeKind::Favourite,
        client,
        title: format!("★ {}", name(client)),
        body: what,
    })
}

/// The chime's pitch and length: short enough not to talk over a call.
const CHIME_HZ: f32 = 880.0;
const CHIME: std::time::Duration = std::time::Duration::from_millis(160);

/// A short tone on the chosen speaker (W1 "sounds"); no speaker is fine.
fn chime(store: &Mutex<Store>) {
    let (_, output) = crate::calls::device_choices(store);
    tauri::async_runtime::spawn_blocking(move || {
        let _ =
            linedesk_audio::play_test_tone(&linedesk_audio::CpalBackend, &output, CHIME_HZ, CHIME);
    });
}

/// Show notices for the live events of `incoming` until the sync client goes away.
pub fn spawn(
    app: AppHandle,
    store: Arc<Mutex<Store>>,
    log: Arc<Mutex<NoticeLog>>,
    mut incoming: broadcast::Receiver<Incoming>,
) {
    tauri::async_runtime::spawn(async move {
        let mut warned = false;
        loop {
            let (line, event, me) = match incoming.recv().await {
                Ok(Incoming::Event { line, event, me }) => (line, event, me),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let focused = app
                .get_webview_window("main")
                .and_then(|w| w.is_focused().ok())
                .unwrap_or(false);
            let notice = {
                let s = lock(&store);
                let settings = s.settings().unwrap_or_default();
                if !settings.notifications {
                    continue;
                }
                let line = i64::try_from(line).unwrap_or(i64::MAX);
                let name = |client: u64| {
                    let id = i64::try_from(client).unwrap_or(i64::MAX);
                    s.client_card(line, id)
                        .map(|card| card.client.name)
                        .unwrap_or_else(|_| format!("#{client}"))
                };
                let mine = |client: u64| {
                    let id = i64::try_from(client).unwrap_or(i64::MAX);
                    matches!(s.open_appeal_id(line, id), Ok(Some(_)))
                };
                let favourite = |client: u64| {
                    let id = i64::try_from(client).unwrap_or(i64::MAX);
                    s.is_favourite(line, id).unwrap_or(false)
                };
                let my_group = |group: u64| {
                    let id = i64::try_from(group).unwrap_or(i64::MAX);
                    s.my_group_title(id).ok().flatten()
                };
                let look = Lookups {
                    name: &name,
                    mine: &mine,
                    favourite: &favourite,
                    my_group: &my_group,
                };
                notice_for(&event, me, settings.language, focused, &look)
                    .filter(|n| n.kind.allowed(&settings))
            };
            let Some(notice) = notice else { continue };
            if notice.kind.chimes() && lock(&store).settings().is_ok_and(|s| s.sounds) {
                chime(&store);
            }
            lock(&log).push(&notice, line, chrono::Utc::now().timestamp_millis());
            if notice.kind == NoticeKind::Call {
                // The call's own notification, with Answer and Decline, is `ringing.rs`'s.
                continue;
            }
            let shown = tokio::task::spawn_blocking(move || {
                notify_rust::Notification::new()
                    .appname("Linedesk")
                    .summary(&notice.title)
                    .body(&notice.body)
                    .show()
                    .map(|_| ())
            })
            .await;
            if let Ok(Err(err)) = shown
                && !warned
            {
                // No notification service (a bare X session): say it once, keep working.
                eprintln!("linedesk: desktop notifications are unavailable: {err}");
                warned = true;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use linedesk_protocol::SlaDeadline;

    const ME: u64 = 7;

    fn decide(event: &Event, focused: bool) -> Option<Notice> {
        let look = Lookups {
            name: &|c| format!("Клиент {c}"),
            mine: &|c| c == 1,
            favourite: &|c| c == 9,
            my_group: &|g| (g == 4).then(|| "Сверка".to_string()),
        };
        notice_for(event, ME, Language::Ru, focused, &look)
    }

    #[test]
    fn c6_a_group_message_is_announced_to_its_members_but_not_their_own() {
        let message = |group, from_specialist| Event::GroupMessagePosted {
            group,
            client: 2,
            from_specialist,
            text: "Акт у меня".into(),
            key: None,
        };
        assert_eq!(
            decide(&message(4, Some(8)), false),
            Some(Notice {
                kind: NoticeKind::Message,
                client: 2,
                title: "Клиент 2 · Сверка".into(),
                body: "Акт у меня".into()
            }),
            "a colleague wrote in my group"
        );
        assert!(
            decide(&message(4, None), false).is_some(),
            "the client wrote in my group"
        );
        assert_eq!(decide(&message(4, Some(ME)), false), None, "my own");
        assert_eq!(
            decide(&message(4, Some(8)), true),
            None,
            "the window is in front"
        );
        assert_eq!(decide(&message(5, Some(8)), false), None, "not my group");
        let favourite = Event::GroupMessagePosted {
            group: 5,
            client: 9,
            from_specialist: Some(8),
            text: "В группе".into(),
            key: None,
        };
        assert_eq!(
            decide(&favourite, true).map(|n| n.kind),
            Some(NoticeKind::Favourite),
            "C7: a favourite's group too"
        );
    }

    #[test]
    fn a_new_appeal_of_mine_is_announced_not_a_colleagues() {
        let mine = Event::AppealAssigned {
            appeal: 5,
            client: 1,
            specialist: ME,
        };
        assert_eq!(
            decide(&mine, true),
            Some(Notice {
                kind: NoticeKind::Appeal,
                client: 1,
                title: "Новое обращение".into(),
                body: "Клиент 1".into()
            })
        );
        let theirs = Event::AppealAssigned {
            appeal: 6,
            client: 2,
            specialist: 8,
        };
        assert_eq!(decide(&theirs, false), None);
    }

    #[test]
    fn a_message_is_announced_only_when_the_window_is_not_in_front_and_the_appeal_is_mine() {
        let text = "ж".repeat(300);
        let message = |client| Event::MessagePosted {
            client,
            from_specialist: None,
            text: text.clone(),
            appeal: Some(5),
            key: None,
        };
        let shown = decide(&message(1), false).expect("announced");
        assert_eq!(shown.body.chars().count(), PREVIEW_CHARS + 1, "a preview");
        assert_eq!(decide(&message(1), true), None, "the window is in front");
        assert_eq!(decide(&message(2), false), None, "not my appeal");
        let own = Event::MessagePosted {
            client: 1,
            from_specialist: Some(ME),
            text: "ответ".into(),
            appeal: Some(5),
            key: None,
        };
        assert_eq!(decide(&own, false), None);
    }

    #[test]
    fn sla_alerts_and_incoming_calls_for_me_in_either_language() {
        let at_risk = Event::SlaAtRisk {
            appeal: 5,
            client: 1,
            specialist: Some(ME),
            deadline: SlaDeadline::Reaction,
            due_ms: 0,
        };
        assert_eq!(
            decide(&at_risk, true).map(|n| n.title),
            Some("SLA: срок на исходе".into())
        );
        let look = Lookups {
            name: &|_| "x".into(),
            mine: &|_| true,
            favourite: &|_| false,
            my_group: &|_| None,
        };
        let english = notice_for(&at_risk, ME, Language::En, true, &look);
        assert_eq!(
            english.map(|n| n.title),
            Some("SLA: deadline at risk".into())
        );
        let ringing = Event::CallRinging {
            call: 3,
            appeal: 5,
            client: 1,
            specialist: None,
            from: Role::Client,
            key: None,
        };
        assert_eq!(
            decide(&ringing, true).map(|n| n.title),
            Some("Входящий звонок".into())
        );
        let outgoing = Event::CallRinging {
            call: 4,
            appeal: 5,
            client: 1,
            specialist: Some(ME),
            from: Role::Specialist,
            key: None,
        };
        assert_eq!(
            decide(&outgoing, true),
            None,
            "my own call does not ring me"
        );
    }

    #[test]
    fn c7_every_event_of_a_favourite_client_but_my_own_actions() {
        let colleague_answered = Event::MessagePosted {
            client: 9,
            from_specialist: Some(8),
            text: "Коллега ответил".into(),
            appeal: Some(3),
            key: None,
        };
        assert_eq!(
            decide(&colleague_answered, true),
            Some(Notice {
                kind: NoticeKind::Favourite,
                client: 9,
                title: "★ Клиент 9".into(),
                body: "Коллега ответил".into()
            }),
            "even with the window in front"
        );
        let mine = Event::MessagePosted {
            client: 9,
            from_specialist: Some(ME),
            text: "мой ответ".into(),
            appeal: Some(3),
            key: None,
        };
        assert_eq!(decide(&mine, false), None, "not my own message");
        let finished = Event::AppealFinished {
            appeal: 3,
            client: 9,
            result: "Готово".into(),
        };
        assert_eq!(
            decide(&finished, true).map(|n| n.body),
            Some("обращение завершено: Готово".into())
        );
        let not_favourite = Event::AppealFinished {
            appeal: 4,
            client: 2,
            result: "Готово".into(),
        };
        assert_eq!(decide(&not_favourite, false), None);
    }

    #[test]
    fn each_kind_has_its_own_switch() {
        let mut settings = linedesk_store::Settings::default();
        assert!(NoticeKind::Sla.allowed(&settings));
        settings.notify_sla = false;
        assert!(!NoticeKind::Sla.allowed(&settings));
        assert!(NoticeKind::Call.allowed(&settings));
        settings.notifications = false;
        assert!(!NoticeKind::Call.allowed(&settings), "all of them off");
    }
}
