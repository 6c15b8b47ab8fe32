//! The header bell's list: every notice the app announced, kept in the local store so a
//! restart does not empty it (the newest 200, see `linedesk_store::notices`). Without a store
//! (it could not be opened) the bell keeps this run's notices in memory.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use linedesk_store::Store;
use linedesk_store::notices::{KEPT_NOTICES, NewNotice, StoredNotice};

use crate::notices::{Notice, NoticeKind};
use crate::state::lock;

/// A notice as the header's bell lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NoticeRow {
    /// Grows by one per notice, across restarts.
    pub id: u32,
    pub at_ms: i64,
    pub kind: NoticeKind,
    pub line: i64,
    pub client: i64,
    pub title: String,
    pub body: String,
}

/// The bell's notices, oldest first.
#[derive(Default)]
pub struct NoticeLog {
    store: Option<Arc<Mutex<Store>>>,
    /// Without a store: this run's notices.
    memory: VecDeque<NoticeRow>,
    next: u32,
}

fn row(n: StoredNotice) -> Option<NoticeRow> {
    Some(NoticeRow {
        id: u32::try_from(n.id).ok()?,
        at_ms: n.at_ms,
        kind: NoticeKind::from_code(&n.kind)?,
        line: n.line_id,
        client: n.client_id,
        title: n.title,
        body: n.body,
    })
}

impl NoticeLog {
    /// A log kept in `store`.
    pub fn kept_in(store: Arc<Mutex<Store>>) -> NoticeLog {
        NoticeLog {
            store: Some(store),
            ..NoticeLog::default()
        }
    }

    /// Keep `notice` about `line` (the caller must not hold the store's lock). A store that
    /// fails to keep it is reported; the desktop notification is shown regardless.
    pub fn push(&mut self, notice: &Notice, line: u64, at_ms: i64) {
        let line = i64::try_from(line).unwrap_or(i64::MAX);
        let client = i64::try_from(notice.client).unwrap_or(i64::MAX);
        if let Some(store) = &self.store {
            let kept = lock(store).push_notice(&NewNotice {
                at_ms,
                kind: notice.kind.code(),
                line_id: line,
                client_id: client,
                title: &notice.title,
                body: &notice.body,
            });
            if let Err(err) = kept {
                eprintln!("linedesk: the bell could not keep a notice: {err}");
            }
            return;
        }
        self.next += 1;
        if self.memory.len() as i64 >= KEPT_NOTICES {
            self.memory.pop_front();
        }
        self.memory.push_back(NoticeRow {
            id: self.next,
            at_ms,
            kind: notice.kind,
            line,
            client,
            title: notice.title.clone(),
            body: notice.body.clone(),
        });
    }

    /// The kept notices newer than `after`, oldest first (a row of a kind this version does
    /// not know is left out).
    pub fn since(&self, after: u32) -> Vec<NoticeRow> {
        match &self.store {
            Some(store) => match lock(store).notices_after(i64::from(after)) {
                Ok(rows) => rows.into_iter().filter_map(row).collect(),
                Err(err) => {
                    eprintln!("linedesk: the bell's notices could not be read: {err}");
                    Vec::new()
                }
            },
            None => self
                .memory
                .iter()
                .filter(|r| r.id > after)
                .cloned()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(kind: NoticeKind) -> Notice {
        Notice {
            kind,
            client: 4,
            title: "Клиент 4".into(),
            body: "Здравствуйте".into(),
        }
    }

    #[test]
    fn the_bell_keeps_its_notices_across_a_restart() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("linedesk.db");
        {
            let store = Arc::new(Mutex::new(Store::open(&path).expect("store")));
            let mut log = NoticeLog::kept_in(store);
            log.push(&notice(NoticeKind::Message), 1, 1_000);
            log.push(&notice(NoticeKind::Sla), 2, 2_000);
        }
        let store = Arc::new(Mutex::new(Store::open(&path).expect("reopen")));
        let mut log = NoticeLog::kept_in(store);
        let kept = log.since(0);
        assert_eq!(kept.len(), 2);
        assert_eq!((kept[0].kind, kept[0].line), (NoticeKind::Message, 1));
        assert_eq!((kept[1].kind, kept[1].at_ms), (NoticeKind::Sla, 2_000));
        log.push(&notice(NoticeKind::Call), 1, 3_000);
        let fresh = log.since(kept[1].id);
        assert_eq!(fresh.len(), 1, "ids go on after the restart");
        assert_eq!(fresh[0].kind, NoticeKind::Call);
    }

    #[test]
    fn without_a_store_the_latest_are_kept_in_memory() {
        let mut log = NoticeLog::default();
        for i in 0..KEPT_NOTICES + 5 {
            log.push(&notice(NoticeKind::Appeal), 1, i);
        }
        let all = log.since(0);
        assert_eq!(all.len() as i64, KEPT_NOTICES);
        assert_eq!(all.first().map(|r| r.id), Some(6), "the oldest went");
        assert!(log.since(all.last().map_or(0, |r| r.id)).is_empty());
    }

    #[test]
    fn every_kind_reads_back_and_an_unknown_one_is_left_out() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(NoticeKind::from_code("horoscope"), None);
    }
}
