//! A line's team and its routing state as stored:
//! - [`remove_from_line`]: an admin takes a specialist off a line; the dispatcher drops them
//!   at once (`Dispatcher::remove_specialist`, A2) and the appeals they held move on, with
//!   their events;
//! - [`rebuild_routing`]: every line's dispatcher rebuilt from the stored team and open
//!   appeals (where each is, queued or held by whom, in which tier), when a backend opens;
//!   [`rebuild_line`] one line's, when its team changed behind the backend's back (another
//!   process, the CLI, took a specialist off it).

use std::collections::HashMap;

use linedesk_domain::ids::{AppealId, SpecialistId};
use linedesk_domain::routing::{Dispatcher, Specialist, responsible_specialists};

use crate::error::{LineError, RepoError};
use crate::repo::{AppealRow, AppealStage, Repo};
use crate::work::Work;

/// What routing reads of the stored lines, as a backend implements it (a part of
/// [`Repo`](crate::Repo)).
pub trait RoutingRepo {
    /// Every line's id.
    fn line_ids(&mut self) -> Result<Vec<u64>, RepoError>;
    /// The specialists serving `line`, with the presence each set (Offline until set), their
    /// priority and limit on the line.
    fn team(&mut self, line: u64) -> Result<Vec<Specialist>, RepoError>;
    /// The open appeals of `line`, in id order.
    fn open_appeals_of_line(&mut self, line: u64) -> Result<Vec<AppealRow>, RepoError>;
    /// `specialist` no longer serves `line`; `false` when they did not.
    fn remove_from_team(&mut self, line: u64, specialist: u64) -> Result<bool, RepoError>;
    /// The specialists serving `line`: id and name, in id order.
    fn team_names(&mut self, line: u64) -> Result<Vec<(u64, String)>, RepoError>;
    /// C5: the responsible specialists written on `client`'s card (names, as written).
    fn responsible_on_card(&mut self, client: u64) -> Result<Vec<String>, RepoError>;
    /// W3: the specialist whose client identity on staff line `line` is `client`, if it is
    /// one (their own question is never routed to them).
    fn staff_asker(&mut self, line: u64, client: u64) -> Result<Option<u64>, RepoError>;
}

/// A2/C5: the specialists of `line` that `client`'s card names as responsible (the domain's
/// `responsible_specialists` over the card's names and the line's team).
pub fn responsible_for(
    repo: &mut impl RoutingRepo,
    line: u64,
    client: u64,
) -> Result<Vec<SpecialistId>, LineError> {
    let on_card = repo.responsible_on_card(client)?;
    if on_card.is_empty() {
        return Ok(Vec::new());
    }
    let team: Vec<(SpecialistId, String)> = repo
        .team_names(line)?
        .into_iter()
        .map(|(id, name)| (SpecialistId(id), name))
        .collect();
    Ok(responsible_specialists(&on_card, &team))
}

/// `specialist` no longer serves `line`: nothing is routed to them there from now on, and the
/// appeals they held go to colleagues or the queue (A2), each move with its event.
pub fn remove_from_line<R: Repo>(
    w: &mut Work<'_, R>,
    specialist: u64,
    line: u64,
) -> Result<(), LineError> {
    if !w.repo.remove_from_team(line, specialist)? {
        return Err(LineError::Invalid(format!(
            "specialist {specialist} does not serve line {line}"
        )));
    }
    let moves = match w
        .dispatcher(line)
        .remove_specialist(SpecialistId(specialist))
    {
        Ok(moves) => moves,
        // The dispatcher never knew them (no presence yet): nothing to move.
        Err(linedesk_domain::routing::RoutingError::UnknownSpecialist(_)) => Vec::new(),
        Err(other) => return Err(other.into()),
    };
    w.record(line, &moves)
}

/// `line`'s routing state exactly as stored.
pub fn rebuild_line(repo: &mut impl RoutingRepo, line: u64) -> Result<Dispatcher, LineError> {
    let mut d = Dispatcher::new(repo.team(line)?);
    for a in repo.open_appeals_of_line(line)? {
        let holder = match a.stage {
            AppealStage::Assigned => a.holder.map(SpecialistId),
            AppealStage::Queued | AppealStage::Finished => None,
        };
        d.restore_in_tier(AppealId(a.id), a.priority, holder, a.tier);
        if let Some(asker) = repo.staff_asker(line, a.client)? {
            d.restore_asked_by(AppealId(a.id), SpecialistId(asker));
        }
        if holder.is_none() {
            // A queued appeal is still offered to the client's responsible specialists first.
            let responsible = responsible_for(repo, line, a.client)?;
            d.restore_responsible(AppealId(a.id), responsible);
        }
    }
    Ok(d)
}

/// Every line's routing state exactly as stored.
pub fn rebuild_routing(repo: &mut impl RoutingRepo) -> Result<HashMap<u64, Dispatcher>, LineError> {
    let mut routing = HashMap::new();
    for line in repo.line_ids()? {
        routing.insert(line, rebuild_line(repo, line)?);
    }
    Ok(routing)
}
