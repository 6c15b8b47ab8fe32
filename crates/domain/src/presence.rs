//! Presence of a specialist (P1-P4).

use serde::{Deserialize, Serialize};

/// P1: the five statuses a specialist can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    Available,
    Away,
    Busy,
    DoNotDisturb,
    Offline,
}

impl PresenceStatus {
    pub const ALL: [PresenceStatus; 5] = [
        PresenceStatus::Available,
        PresenceStatus::Away,
        PresenceStatus::Busy,
        PresenceStatus::DoNotDisturb,
        PresenceStatus::Offline,
    ];

    /// Stable code used in storage and on the wire.
    pub fn code(self) -> &'static str {
        match self {
            PresenceStatus::Available => "available",
            PresenceStatus::Away => "away",
            PresenceStatus::Busy => "busy",
            PresenceStatus::DoNotDisturb => "do_not_disturb",
            PresenceStatus::Offline => "offline",
        }
    }

    pub fn from_code(code: &str) -> Option<PresenceStatus> {
        PresenceStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p1_codes_round_trip() {
        for s in PresenceStatus::ALL {
            assert_eq!(PresenceStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(PresenceStatus::from_code("sleeping"), None);
    }
}

impl PresenceStatus {
    /// P1/P3/P4: whether automatic delivery may give this specialist a new appeal.
    /// Only Available does: Busy sends new appeals to colleagues or the queue (P3), Do not
    /// disturb takes nothing (P4), Away and Offline are not at the workstation.
    pub fn accepts_new_appeals(self) -> bool {
        matches!(self, PresenceStatus::Available)
    }

    /// P3/P4: whether a client's message or call in one of this specialist's open appeals still
    /// reaches them. Busy keeps working on open appeals (P3); Do not disturb and Offline have
    /// them routed to colleagues or the queue (P4); Away keeps them (the specialist returns).
    pub fn receives_open_appeal_messages(self) -> bool {
        matches!(
            self,
            PresenceStatus::Available | PresenceStatus::Busy | PresenceStatus::Away
        )
    }

    /// P5: an offline specialist is still reachable through the company PBX.
    pub fn reachable_by_pbx(self) -> bool {
        true
    }
}

/// P2: the status after `now`, given the last user activity and the auto-away setting in
/// minutes (0 turns it off). Only Available and Busy turn Away automatically; Do not disturb and
/// Offline are deliberate and stay. Returns `None` when nothing changes.
pub fn auto_away(
    current: PresenceStatus,
    last_activity: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    after_minutes: u16,
) -> Option<PresenceStatus> {
    if after_minutes == 0 || !matches!(current, PresenceStatus::Available | PresenceStatus::Busy) {
        return None;
    }
    let idle = now.signed_duration_since(last_activity);
    (idle >= chrono::TimeDelta::minutes(i64::from(after_minutes))).then_some(PresenceStatus::Away)
}

#[cfg(test)]
mod rules {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn p3_p4_what_each_status_allows() {
        use PresenceStatus::*;
        let table = [
            (Available, true, true),
            (Away, false, true),
            (Busy, false, true),
            (DoNotDisturb, false, false),
            (Offline, false, false),
        ];
        for (status, new_appeals, open_messages) in table {
            assert_eq!(status.accepts_new_appeals(), new_appeals, "{status:?}");
            assert_eq!(
                status.receives_open_appeal_messages(),
                open_messages,
                "{status:?}"
            );
        }
        assert!(
            PresenceStatus::ALL.iter().all(|s| s.reachable_by_pbx()),
            "P5"
        );
    }

    #[test]
    fn p2_auto_away_after_n_minutes_exactly() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
        let at = |m: i64| t0 + chrono::TimeDelta::minutes(m) - chrono::TimeDelta::seconds(0);
        assert_eq!(auto_away(PresenceStatus::Available, t0, at(4), 5), None);
        assert_eq!(
            auto_away(
                PresenceStatus::Available,
                t0,
                t0 + chrono::TimeDelta::seconds(299),
                5
            ),
            None
        );
        assert_eq!(
            auto_away(PresenceStatus::Available, t0, at(5), 5),
            Some(PresenceStatus::Away)
        );
        assert_eq!(
            auto_away(PresenceStatus::Busy, t0, at(60), 5),
            Some(PresenceStatus::Away)
        );
        assert_eq!(auto_away(PresenceStatus::DoNotDisturb, t0, at(60), 5), None);
        assert_eq!(auto_away(PresenceStatus::Offline, t0, at(60), 5), None);
        assert_eq!(auto_away(PresenceStatus::Away, t0, at(60), 5), None);
        assert_eq!(
            auto_away(PresenceStatus::Available, t0, at(600), 0),
            None,
            "0 turns it off"
        );
        // A clock that went backwards is not idleness.
        assert_eq!(auto_away(PresenceStatus::Available, t0, at(-10), 5), None);
    }
}
