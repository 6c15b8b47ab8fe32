//! A2 and the line's roles, set by a line's admin for a specialist of the line: the routing
//! priority (0-255, higher first), the limit of open appeals routed to them, the supervisor's
//! and the admin's roles. An admin cannot take their own admin role away (someone must be left
//! to administer the line: the server's admin or CLI can).

use linedesk_protocol::line_admin::TeamSettings;

/// The most open appeals routing gives one specialist at once.
pub const MAX_LIMIT: u32 = 100;

pub const RULE_BAD_LIMIT: &str = "team.bad_limit";
pub const RULE_OWN_ADMIN_ROLE: &str = "team.own_admin_role";

/// Why a specialist's settings cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    #[error("a limit of open appeals is 1 to {MAX_LIMIT}, got {0}")]
    BadLimit(u32),
    #[error("you cannot take your own admin role away")]
    OwnAdminRole,
}

impl TeamError {
    pub fn code(&self) -> &'static str {
        match self {
            TeamError::BadLimit(_) => RULE_BAD_LIMIT,
            TeamError::OwnAdminRole => RULE_OWN_ADMIN_ROLE,
        }
    }

    /// The field of the request at fault.
    pub fn field(&self) -> &'static str {
        match self {
            TeamError::BadLimit(_) => "limit",
            TeamError::OwnAdminRole => "line_admin",
        }
    }
}

/// Whether admin `me` may give `specialist` these settings.
pub fn check(me: u64, specialist: u64, settings: &TeamSettings) -> Result<(), TeamError> {
    if !(1..=MAX_LIMIT).contains(&settings.limit) {
        return Err(TeamError::BadLimit(settings.limit));
    }
    if me == specialist && !settings.line_admin {
        return Err(TeamError::OwnAdminRole);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(limit: u32, line_admin: bool) -> TeamSettings {
        TeamSettings {
            priority: 5,
            limit,
            supervisor: false,
            line_admin,
        }
    }

    #[test]
    fn a2_a_limit_is_bounded_and_an_admin_keeps_their_own_role() {
        assert_eq!(check(1, 2, &settings(3, false)), Ok(()));
        assert_eq!(
            check(1, 2, &settings(0, false)),
            Err(TeamError::BadLimit(0))
        );
        assert_eq!(
            check(1, 2, &settings(101, false)),
            Err(TeamError::BadLimit(101))
        );
        assert_eq!(
            check(1, 1, &settings(3, false)),
            Err(TeamError::OwnAdminRole)
        );
        assert_eq!(check(1, 1, &settings(3, true)), Ok(()));
    }
}
