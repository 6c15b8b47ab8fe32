//! The routing state of every line, rebuilt from what is stored: each line's team and its
//! open appeals, where they are (queued, or held by whom) and in which tier. A backend calls
//! [`rebuild_routing`] when it opens, and [`rebuild_line`] when a line's team changed behind
//! its back (another process took a specialist off it).

use std::collections::HashMap;

use linedesk_domain::ids::{AppealId, SpecialistId};
use linedesk_domain::routing::{Dispatcher, Specialist};

use crate::error::{LineError, RepoError};
use crate::repo::{AppealRow, AppealStage};

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
}

/// `line`'s routing state exactly as stored.
pub fn rebuild_line(repo: &mut impl RoutingRepo, line: u64) -> Result<Dispatcher, LineError> {
    let mut d = Dispatcher::new(repo.team(line)?);
    for a in repo.open_appeals_of_line(line)? {
        let holder = match a.stage {
            AppealStage::Assigned => a.holder.map(SpecialistId),
            AppealStage::Queued | AppealStage::Finished => None,
        };
        d.restore_in_tier(AppealId(a.id), 0, holder, a.tier);
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
