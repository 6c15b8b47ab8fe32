//! S5: an appeal's type. A line's types are those its SLA levels' conditions name
//! (`linedesk_domain::appeal::kind::line_types`). A type given at registration (a specialist
//! who starts an appeal names it) took part in choosing the level and is recorded with it
//! ([`registered`]); the holder chooses one later while working on the appeal or when
//! finishing it ([`set`]). S3: deadlines are fixed at registration, so choosing records the
//! type (for the timeline and the reports by type) and moves no deadline: the SLA timer is
//! not touched here.

use linedesk_domain::appeal::kind::{known_type, line_types};
use linedesk_domain::ids::SpecialistId;
use linedesk_protocol::Event;

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::sla::levels_of;
use crate::sla_repo::SlaRepo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

/// What the appeal's type reads and writes, as a backend implements it (a part of [`Repo`]).
pub trait AppealTypeRepo {
    /// The appeal's type as last recorded (at registration or chosen since), if any.
    fn appeal_type(&mut self, appeal: u64) -> Result<Option<String>, RepoError>;
    /// Record the appeal's type (also where the reports by type read it).
    fn put_appeal_type(&mut self, appeal: u64, appeal_type: &str) -> Result<(), RepoError>;
}

/// S5: the line's appeal types, in the order its levels name them.
pub fn appeal_types(repo: &mut impl SlaRepo, line: u64) -> Result<Vec<String>, LineError> {
    Ok(line_types(&levels_of(repo, line)?))
}

/// S5: a type a specialist gives when starting an appeal by hand ("" none) is one of the
/// line's types, trimmed.
pub(crate) fn given<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    kind: &str,
) -> Result<String, LineError> {
    if kind.trim().is_empty() {
        return Ok(String::new());
    }
    let types = appeal_types(&mut w.repo, line)?;
    Ok(known_type(kind, &types)?)
}

/// S5: the type `kind` given when the appeal was registered ("" none): recorded, and said.
pub(crate) fn registered<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    (appeal, client): (u64, u64),
    kind: &str,
) -> Result<(), LineError> {
    let kind = kind.trim();
    if kind.is_empty() {
        return Ok(());
    }
    w.repo.put_appeal_type(appeal, kind)?;
    w.append(
        line,
        Event::AppealTyped {
            appeal,
            client,
            appeal_type: kind.to_string(),
            by: None,
        },
    )
}

/// S5: the holder chooses the appeal's type among the line's. Choosing the type it has is no
/// change (no event).
pub(crate) fn set<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    appeal: u64,
    chosen: &str,
) -> Result<(), LineError> {
    let me = specialist_only(actor)?;
    let row = w.open_appeal(appeal)?;
    if !w.serves(me, row.line)? {
        return Err(LineError::Forbidden(row.line));
    }
    let types = appeal_types(&mut w.repo, row.line)?;
    let chosen = crate::appeals::restore(&row)?.choose_type(SpecialistId(me), chosen, &types)?;
    if w.repo.appeal_type(appeal)?.as_deref() == Some(chosen.as_str()) {
        return Ok(());
    }
    w.repo.put_appeal_type(appeal, &chosen)?;
    w.append(
        row.line,
        Event::AppealTyped {
            appeal,
            client: row.client,
            appeal_type: chosen,
            by: Some(me),
        },
    )
}
