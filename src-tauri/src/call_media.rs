//! A call whose media stopped: nothing at all heard from the other side for
//! [`linedesk_engine::MEDIA_STALL`] (10 s) while the call is up. The panel shows it (the
//! quality's `noMediaSeconds`, and `reconnecting` while ICE restarts), the call's report keeps
//! it (`CallReport::media_stalls`), and the specialist gets a notice (the bell, and a desktop
//! notification where there is a service), once per stall.

use std::sync::{Arc, Mutex};

use linedesk_engine::LiveQuality;
use linedesk_store::{Language, Store};
use tokio::sync::watch;

use crate::calls::CallView;
use crate::notices::{Notice, NoticeKind, NoticeLog};
use crate::state::lock;

/// The notice of a stopped call, in the app's language.
pub fn notice(lang: Language, client: u64, name: &str) -> Notice {
    let ru = lang == Language::Ru;
    Notice {
        kind: NoticeKind::Call,
        client,
        title: if ru {
            "Нет звука в звонке"
        } else {
            "No audio in the call"
        }
        .to_string(),
        body: if ru {
            format!("{name}: ничего не слышно 10 с — связь потеряна, идёт переподключение")
        } else {
            format!("{name}: nothing heard for 10 s — the connection is lost, reconnecting")
        },
    }
}

/// Raise the notice each time `quality` says the media stopped, until the engine ends.
pub fn watch_stalls(
    mut quality: watch::Receiver<Option<LiveQuality>>,
    view: Arc<Mutex<CallView>>,
    store: Arc<Mutex<Store>>,
    log: Arc<Mutex<NoticeLog>>,
) {
    tauri::async_runtime::spawn(async move {
        let mut stalled = false;
        while quality.changed().await.is_ok() {
            let now = quality.borrow().is_some_and(|q| q.no_media_for.is_some());
            if now && !stalled {
                let (line, client) = {
                    let v = lock(&view);
                    (v.line_id.unwrap_or(0), v.client_id.unwrap_or(0))
                };
                let (settings, name) = {
                    let s = lock(&store);
                    let name = s
                        .client_card(line, client)
                        .map(|card| card.client.name)
                        .unwrap_or_else(|_| format!("#{client}"));
                    (s.settings().unwrap_or_default(), name)
                };
                let client = u64::try_from(client).unwrap_or(0);
                let notice = notice(settings.language, client, &name);
                let line = u64::try_from(line).unwrap_or(0);
                lock(&log).push(&notice, line, chrono::Utc::now().timestamp_millis());
                if NoticeKind::Call.allowed(&settings) {
                    let _ = tokio::task::spawn_blocking(move || {
                        notify_rust::Notification::new()
                            .appname("Linedesk")
                            .summary(&notice.title)
                            .body(&notice.body)
                            .show()
                            .map(|_| ())
                    })
                    .await;
                }
            }
            stalled = now;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_names_the_client_in_the_apps_language() {
        let ru = notice(Language::Ru, 5, "Иванова");
        assert_eq!(ru.kind, NoticeKind::Call);
        assert_eq!(ru.client, 5);
        assert!(ru.body.starts_with("Иванова: ничего не слышно 10 с"));
        let en = notice(Language::En, 5, "Ivanova");
        assert_eq!(en.title, "No audio in the call");
    }
}
