//! Line administration (issue 15, item 4): who may administer a line, and the checks of what a
//! line's admin sends, written once for every way it arrives (the app through the server's
//! HTTP routes, the admin API, the CLI and its TOML files).
//!
//! A line's admin is a specialist of the line with the line-admin role, granted per line like
//! the supervisor's (`set-line-admin`, `PUT /api/admin/lines/{line}/specialists/{id}/line-admin`);
//! serving another line gives no right there.

pub mod clients;
pub mod knowledge;
pub mod sla;
pub mod team;

use linedesk_protocol::line_admin::RULE_NOT_LINE_ADMIN;

/// Why a line's administration was refused to a specialist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// They do not serve the line at all.
    #[error("line {0} is not one you serve")]
    NotServed(u64),
    /// They serve it without the line-admin role.
    #[error("only an admin of line {0} may change its settings")]
    NotLineAdmin(u64),
}

impl AccessError {
    /// The rule's code for the app (`rule.<code>`).
    pub fn code(&self) -> &'static str {
        RULE_NOT_LINE_ADMIN
    }
}

/// Whether a specialist whose role on `line` is `role` (`None`: they do not serve it;
/// `Some(admin)`: they do, as its admin or not) may administer it.
pub fn admin_allowed(line: u64, role: Option<bool>) -> Result<(), AccessError> {
    match role {
        None => Err(AccessError::NotServed(line)),
        Some(false) => Err(AccessError::NotLineAdmin(line)),
        Some(true) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lines_own_admin_administers_it() {
        assert_eq!(admin_allowed(1, Some(true)), Ok(()));
        assert_eq!(
            admin_allowed(2, Some(false)),
            Err(AccessError::NotLineAdmin(2))
        );
        assert_eq!(admin_allowed(2, None), Err(AccessError::NotServed(2)));
    }
}
