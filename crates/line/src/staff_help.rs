//! W3: the specialist's own support line. The server may mark one line as the staff line (its
//! specialists support the company's own specialists); a specialist who asks for help there
//! does it as a client of that line: each specialist has one client identity on the staff line,
//! made on first use and linked to their account (no password of its own: the server issues
//! it a token on the specialist's behalf), so every client rule (a client sees only their own
//! conversation; A1 opens an appeal at their first message, routed to that line's specialists)
//! applies to it unchanged.

use linedesk_protocol::{ClientProfile, Event};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::work::Work;

/// What the staff line's rules read and write, as a backend implements it (a part of
/// [`Repo`]).
pub trait StaffHelpRepo {
    /// The line marked as the staff line, if any.
    fn staff_line(&mut self) -> Result<Option<u64>, RepoError>;
    /// The client of `line` linked to `specialist`, if one was made.
    fn staff_client(&mut self, specialist: u64, line: u64) -> Result<Option<u64>, RepoError>;
    /// Add `profile` as a client of `line` with no password login, linked to `specialist`;
    /// the client's id.
    fn insert_staff_client(
        &mut self,
        specialist: u64,
        line: u64,
        profile: &ClientProfile,
    ) -> Result<u64, RepoError>;
}

/// Why a specialist cannot reach the staff line.
pub const NO_STAFF_LINE: &str = "no staff line is set on this server";

/// The staff line and `specialist`'s client on it: the one linked to them, or a new one made
/// from their profile (name and position) and announced to the staff line's specialists
/// (`ClientUpserted`). Refused (`Invalid`) when no staff line is set or the specialist is
/// unknown.
pub fn staff_client_for<R: Repo>(
    w: &mut Work<'_, R>,
    specialist: u64,
) -> Result<(u64, u64), LineError> {
    let Some(line) = w.repo.staff_line()? else {
        return Err(LineError::Invalid(NO_STAFF_LINE.into()));
    };
    if let Some(client) = w.repo.staff_client(specialist, line)? {
        return Ok((line, client));
    }
    let Some(me) = w.repo.specialist_profile(specialist)? else {
        return Err(LineError::Invalid(format!("no specialist {specialist}")));
    };
    let position = me.position.trim();
    let profile = ClientProfile {
        name: me.name,
        position: (!position.is_empty()).then(|| position.to_string()),
        ..ClientProfile::default()
    };
    let client = w.repo.insert_staff_client(specialist, line, &profile)?;
    w.append(
        line,
        Event::ClientUpserted {
            client,
            profile: Box::new(profile),
        },
    )?;
    Ok((line, client))
}
