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
