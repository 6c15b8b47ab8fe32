//! C9 in the app: whether writing to a client would go into an appeal a colleague holds (the
//! domain's `appeal::colleague` rule over the appeal as this store knows it), so the chat warns
//! before sending and asks to confirm.

use linedesk_domain::appeal::{AppealState, colleague};
use linedesk_domain::ids::SpecialistId;
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::Store;
use crate::error::Result;

/// The client's open appeal a colleague holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ColleagueHold {
    pub appeal: i64,
    pub holder: i64,
    /// The colleague's name as the line announced it (`None`: not announced yet).
    pub name: Option<String>,
}

impl Store {
    /// C9: the client's open appeal on `line_id` when writing into it needs a confirmation
    /// (a colleague holds it); `None` when it does not (no appeal, queued, or this
    /// specialist's own).
    pub fn colleague_hold(&self, line_id: i64, client_id: i64) -> Result<Option<ColleagueHold>> {
        let Some(me) = self.server_me()? else {
            return Ok(None);
        };
        let open: Option<(i64, Option<i64>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT a.id, a.holder, c.name FROM appeals a
                 LEFT JOIN colleagues c ON c.line_id = a.line_id AND c.specialist_id = a.holder
                 WHERE a.line_id = ?1 AND a.client_id = ?2 AND a.finished_at IS NULL
                 ORDER BY a.id DESC LIMIT 1",
                [line_id, client_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((appeal, Some(holder), name)) = open else {
            return Ok(None);
        };
        let id = |v: i64| SpecialistId(u64::try_from(v).unwrap_or(0));
        let state = AppealState::Assigned {
            specialist: id(holder),
        };
        Ok(
            colleague::warns(Some(&state), id(me)).then_some(ColleagueHold {
                appeal,
                holder,
                name,
            }),
        )
    }
}
