//! A6: filter and sort appeals by status, date and channel.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Appeal, Channel};

/// An appeal's state without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    Queued,
    Assigned,
    WaitingForClient,
    Finished,
    Spam,
}

/// Each empty list (or `None`) lets everything through; dates bound `opened_at`, `from`
/// included, `to` excluded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AppealFilter {
    pub statuses: Vec<AppealStatus>,
    pub channels: Vec<Channel>,
    pub opened_from: Option<DateTime<Utc>>,
    pub opened_to: Option<DateTime<Utc>>,
}

impl AppealFilter {
    pub fn matches(&self, appeal: &Appeal) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&appeal.state().status()))
            && (self.channels.is_empty() || self.channels.contains(&appeal.channel))
            && self.opened_from.is_none_or(|from| appeal.opened_at >= from)
            && self.opened_to.is_none_or(|to| appeal.opened_at < to)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AppealOrder {
    /// Newest first (the default list).
    #[default]
    NewestFirst,
    OldestFirst,
    /// Most recent activity first.
    LastActivity,
    /// By status (queued, assigned, waiting, finished, spam), newest first within one.
    Status,
    Channel,
}

impl AppealOrder {
    /// Sort in place; ties fall back to the appeal id so the order is always the same.
    pub fn sort(self, appeals: &mut [&Appeal]) {
        use std::cmp::Reverse;
        match self {
            AppealOrder::NewestFirst => appeals.sort_by_key(|a| (Reverse(a.opened_at), a.id)),
            AppealOrder::OldestFirst => appeals.sort_by_key(|a| (a.opened_at, a.id)),
            AppealOrder::LastActivity => {
                appeals.sort_by_key(|a| (Reverse(a.last_activity), a.id));
            }
            AppealOrder::Status => {
                appeals.sort_by_key(|a| (a.state().status(), Reverse(a.opened_at), a.id));
            }
            AppealOrder::Channel => {
                appeals.sort_by_key(|a| (a.channel as u8, Reverse(a.opened_at), a.id));
            }
        }
    }
}

/// Filter then sort, borrowing.
pub fn select<'a>(
    appeals: impl IntoIterator<Item = &'a Appeal>,
    filter: &AppealFilter,
    order: AppealOrder,
) -> Vec<&'a Appeal> {
    let mut out: Vec<&Appeal> = appeals.into_iter().filter(|a| filter.matches(a)).collect();
    order.sort(&mut out);
    out
}
