//! Messages (A1) and presence (P1): a specialist's answer, a client's message (which opens or
//! continues their appeal) and a specialist's status (which routing follows).

use linedesk_domain::ids::SpecialistId;
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{AppealChannel, Event, Role};

use crate::error::LineError;
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only, text_of};

/// A specialist writes to a client of a line they serve (S2: the first answer in the open
/// appeal meets its reaction deadline). A1: with no open appeal, their message opens one,
/// theirs at once (`Work::appeal_from_specialist`). C9: into an appeal a colleague holds only
/// when `confirmed` (the specialist was warned and chose to write).
pub(crate) fn send<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    (line, client): (u64, u64),
    text: &str,
    confirmed: bool,
) -> Result<(), LineError> {
    let specialist = specialist_only(actor)?;
    if !w.serves(specialist, line)? {
        return Err(LineError::Forbidden(line));
    }
    let text = text_of(text)?;
    w.client_on_line(line, client)?;
    w.past_colleague_hold(specialist, line, client, confirmed)?;
    let said = text.clone();
    let appeal = w.appeal_from_specialist(line, client, AppealChannel::Chat, specialist)?;
    crate::sla_timers::react(&mut w.repo, appeal, w.now_ms)?;
    w.append(
        line,
        Event::MessagePosted {
            client,
            from_specialist: Some(specialist),
            text,
            appeal: Some(appeal),
            key: Some(key.to_string()),
        },
    )?;
    crate::closing::specialist_wrote(w, line, client, appeal, &said)
}

/// A1: a client's message opens an appeal (or continues the open one); A2: routing assigns
/// or queues it.
pub(crate) fn from_client<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    text: &str,
) -> Result<(), LineError> {
    if actor.role != Role::Client {
        return Err(LineError::NotAllowed(
            "only clients send client messages".into(),
        ));
    }
    let client = actor.id;
    let text = text_of(text)?;
    let line = w
        .repo
        .client(client)?
        .ok_or_else(|| LineError::Invalid(format!("no client {client}")))?
        .line;
    let appeal = w.appeal_from_client(line, client, AppealChannel::Chat)?;
    w.append(
        line,
        Event::MessagePosted {
            client,
            from_specialist: None,
            text,
            appeal: Some(appeal),
            key: None,
        },
    )
}

/// P1: a specialist's status, announced on every line they serve; routing follows it there.
pub(crate) fn presence<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    status: PresenceStatus,
) -> Result<(), LineError> {
    let specialist = specialist_only(actor)?;
    w.repo.put_presence(specialist, status)?;
    for line in w.repo.lines_served(specialist)? {
        w.append(line, Event::PresenceChanged { specialist, status })?;
        let moves = w
            .dispatcher(line)
            .set_presence(SpecialistId(specialist), status)?;
        w.record(line, &moves)?;
    }
    Ok(())
}
