//! A4: a client rates their finished appeal, once, 1 to 5 stars. The rule is the domain's
//! [`Appeal::rate`]: the stored appeal is replayed into the domain's state machine (opened,
//! assigned and finished as stored, rated if it was) and asked to take the new rating.

use linedesk_domain::appeal::{Actor, Appeal, AppealError, Channel};
use linedesk_domain::ids::{AppealId, ClientId, LineId, SpecialistId};
use linedesk_protocol::{Event, Role};
use rusqlite::{OptionalExtension, params};

use crate::actions::Work;
use crate::sla::instant;
use crate::sqlite::{id, sql_id};
use crate::storage::{StorageError, Subject};

struct StoredAppeal {
    line: u64,
    client: u64,
    state: String,
    holder: Option<u64>,
    opened_at: i64,
    result: Option<String>,
    stars: Option<u8>,
}

fn invalid(e: AppealError) -> StorageError {
    StorageError::Invalid(e.to_string())
}

/// The stored appeal as the domain's [`Appeal`].
fn replay(appeal: u64, s: &StoredAppeal, now_ms: i64) -> Result<Appeal, StorageError> {
    let at = instant(s.opened_at.min(now_ms))?;
    let (mut a, _) = Appeal::open(
        AppealId(appeal),
        LineId(s.line),
        ClientId(s.client),
        Channel::Message,
        Actor::Client(ClientId(s.client)),
        at,
    );
    if s.state == "finished" {
        let by = SpecialistId(s.holder.unwrap_or_default());
        a.assign(by, at).map_err(invalid)?;
        let result = s.result.as_deref().unwrap_or("finished");
        a.finish(by, result, at).map_err(invalid)?;
        if let Some(stars) = s.stars {
            a.rate(stars, "", at).map_err(invalid)?;
        }
    }
    Ok(a)
}

pub(crate) fn rate(
    w: &mut Work<'_>,
    actor: Subject,
    appeal: u64,
    stars: u8,
) -> Result<(), StorageError> {
    if actor.role != Role::Client {
        return Err(StorageError::NotAllowed(
            "only the client rates their appeal".into(),
        ));
    }
    let stored =
        w.tx.query_row(
            "SELECT line_id, client_id, state, holder, opened_at, result, stars
             FROM appeals WHERE id = ?1",
            [sql_id(appeal)],
            |r| {
                Ok(StoredAppeal {
                    line: id(r.get(0)?),
                    client: id(r.get(1)?),
                    state: r.get(2)?,
                    holder: r.get::<_, Option<i64>>(3)?.map(id),
                    opened_at: r.get(4)?,
                    result: r.get(5)?,
                    stars: r.get(6)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| StorageError::Invalid(format!("no appeal {appeal}")))?;
    if stored.client != actor.id {
        return Err(StorageError::NotAllowed(format!(
            "appeal {appeal} is not yours to rate"
        )));
    }
    let mut domain = replay(appeal, &stored, w.now_ms)?;
    domain
        .rate(stars, "", instant(w.now_ms)?)
        .map_err(invalid)?;
    w.tx.execute(
        "UPDATE appeals SET stars = ?2 WHERE id = ?1",
        params![sql_id(appeal), stars],
    )?;
    w.append(
        stored.line,
        Event::AppealRated {
            appeal,
            client: stored.client,
            stars,
        },
    )
}
