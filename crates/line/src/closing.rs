//! Closing an appeal: A4's wait for the client's reaction and A5's auto-finish.
//!
//! The specialist's message in an open appeal makes the client's reply awaited
//! ([`specialist_wrote`]): with the line's auto-finish time (A5) the appeal finishes by itself
//! when no reply comes by then, with the result [`NO_CLIENT_REPLY`]; with one of the line's
//! closing phrases in it (A4) the holder may finish without the client's reaction only after
//! the domain's wait ([`closing::CLIENT_REACTION_WAIT`]). The client's next message, call or
//! file ends both ([`client_replied`]); finishing (by hand or as spam) ends them with the
//! appeal. While the appeal waits for the client (S4) the auto-finish is suspended
//! ([`suspend`]); a wait that ends by a move to a colleague arms it again ([`resume`]).
//! Each change is one [`Event::ReplyAwaited`] that the app shows as a countdown. The
//! backend keeps when each armed appeal is due, so the timer at the edge
//! ([`fire_due_auto_finishes`], with the time passed in) finds them with one query, also after
//! a restart. The decisions are the domain's (`appeal::closing`, `Appeal::auto_finish`).

use linedesk_domain::appeal::closing;
use linedesk_protocol::{Event, NO_CLIENT_REPLY};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::sla::instant;
use crate::work::Work;

/// A line's closing settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClosingSettings {
    /// A5: minutes without the client's reply after the specialist's last message (0: never).
    pub auto_finish_minutes: u32,
    /// A4: the recommended closing phrases, in the order the app offers them.
    pub closing_phrases: Vec<String>,
}

/// The client's reply is awaited in an appeal: since the specialist's message at `since_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyAwaited {
    pub since_ms: i64,
    /// A5: when the appeal finishes by itself without the reply.
    pub auto_finish_at_ms: Option<i64>,
    /// A4: from when the holder may finish without the client's reaction to a closing phrase.
    pub finish_allowed_at_ms: Option<i64>,
}

/// What closing reads and writes, as a backend implements it (a part of [`Repo`]).
pub trait ClosingRepo {
    /// The line's closing settings (the defaults when none were set).
    fn closing_settings(&mut self, line: u64) -> Result<ClosingSettings, RepoError>;
    /// The appeal's awaited reply, if any.
    fn reply_awaited(&mut self, appeal: u64) -> Result<Option<ReplyAwaited>, RepoError>;
    /// Keep (or, with `None`, clear) the appeal's awaited reply.
    fn put_reply_awaited(
        &mut self,
        appeal: u64,
        awaited: Option<ReplyAwaited>,
    ) -> Result<(), RepoError>;
    /// The appeals whose auto-finish is due at `now_ms`, earliest first.
    fn due_auto_finishes(&mut self, now_ms: i64) -> Result<Vec<u64>, RepoError>;
    /// The open appeals of `line` whose client's reply is awaited, in id order.
    fn awaited_appeals(&mut self, line: u64) -> Result<Vec<u64>, RepoError>;
}

fn event(appeal: u64, client: u64, awaited: Option<ReplyAwaited>) -> Event {
    Event::ReplyAwaited {
        appeal,
        client,
        auto_finish_at_ms: awaited.and_then(|a| a.auto_finish_at_ms),
        finish_allowed_at_ms: awaited.and_then(|a| a.finish_allowed_at_ms),
    }
}

/// The specialist wrote `text` in `appeal`: arm A5's auto-finish when the line has one, and
/// A4's wait when the text says goodbye with a closing phrase (an earlier closing phrase the
/// client has not reacted to keeps its wait).
pub(crate) fn specialist_wrote<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    client: u64,
    appeal: u64,
    text: &str,
) -> Result<(), LineError> {
    let settings = w.repo.closing_settings(line)?;
    let before = w.repo.reply_awaited(appeal)?;
    let now = instant(w.now_ms)?;
    // S4: while the appeal waits for the client on purpose, nothing is idle: no auto-finish.
    let waiting = w
        .repo
        .appeal(appeal)?
        .is_some_and(|r| r.waiting_since_ms.is_some());
    let auto_finish_at_ms = closing::auto_finish_at(now, settings.auto_finish_minutes)
        .filter(|_| !waiting)
        .map(|t| t.timestamp_millis());
    let finish_allowed_at_ms = if closing::is_closing(text, &settings.closing_phrases) {
        Some(closing::finish_allowed_at(now).timestamp_millis())
    } else {
        before.and_then(|b| b.finish_allowed_at_ms)
    };
    if auto_finish_at_ms.is_none() && finish_allowed_at_ms.is_none() {
        // Nothing to arm (the line set neither); nothing was armed before either.
        return Ok(());
    }
    let awaited = ReplyAwaited {
        since_ms: w.now_ms,
        auto_finish_at_ms,
        finish_allowed_at_ms,
    };
    w.repo.put_reply_awaited(appeal, Some(awaited))?;
    w.append(line, event(appeal, client, Some(awaited)))
}

/// The client acted in `appeal`: nothing awaits their reply any more.
pub(crate) fn client_replied<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    client: u64,
    appeal: u64,
) -> Result<(), LineError> {
    if w.repo.reply_awaited(appeal)?.is_none() {
        return Ok(());
    }
    w.repo.put_reply_awaited(appeal, None)?;
    w.append(line, event(appeal, client, None))
}

/// S4/A5: `appeal` starts waiting for the client: its auto-finish is suspended (a specialist
/// waiting on purpose is no idle conversation); A4's wait for a reaction stays.
pub(crate) fn suspend<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    client: u64,
    appeal: u64,
) -> Result<(), LineError> {
    let Some(mut awaited) = w.repo.reply_awaited(appeal)? else {
        return Ok(());
    };
    if awaited.auto_finish_at_ms.take().is_none() {
        return Ok(());
    }
    w.repo.put_reply_awaited(appeal, Some(awaited))?;
    w.append(line, event(appeal, client, Some(awaited)))
}

/// S4/A5: the wait of `appeal` ended without the client's reply (it moved to a colleague):
/// the auto-finish is armed again, a whole period from now. (A reply from the client ends
/// what was awaited instead, [`client_replied`].)
pub(crate) fn resume<R: Repo>(
    w: &mut Work<'_, R>,
    line: u64,
    client: u64,
    appeal: u64,
) -> Result<(), LineError> {
    let Some(mut awaited) = w.repo.reply_awaited(appeal)? else {
        return Ok(());
    };
    if awaited.auto_finish_at_ms.is_some() {
        return Ok(());
    }
    let minutes = w.repo.closing_settings(line)?.auto_finish_minutes;
    let Some(at) = closing::auto_finish_at(instant(w.now_ms)?, minutes) else {
        return Ok(());
    };
    awaited.since_ms = w.now_ms;
    awaited.auto_finish_at_ms = Some(at.timestamp_millis());
    w.repo.put_reply_awaited(appeal, Some(awaited))?;
    w.append(line, event(appeal, client, Some(awaited)))
}

/// A5: `line`'s auto-finish time changed (its settings were saved): each of its appeals whose
/// client's reply is awaited counts the new time from the specialist's message (none when the
/// line set 0; it is due at once when that time has passed already). An appeal waiting for
/// the client stays suspended (S4). Each change is one [`Event::ReplyAwaited`], so the apps'
/// countdowns follow the setting.
pub fn settings_changed<R: Repo>(w: &mut Work<'_, R>, line: u64) -> Result<(), LineError> {
    let minutes = w.repo.closing_settings(line)?.auto_finish_minutes;
    for appeal in w.repo.awaited_appeals(line)? {
        let (Some(mut awaited), Some(row)) =
            (w.repo.reply_awaited(appeal)?, w.repo.appeal(appeal)?)
        else {
            continue;
        };
        if row.waiting_since_ms.is_some() || !row.is_open() {
            continue;
        }
        let at = closing::auto_finish_at(instant(awaited.since_ms)?, minutes)
            .map(|t| t.timestamp_millis());
        if at == awaited.auto_finish_at_ms {
            continue;
        }
        awaited.auto_finish_at_ms = at;
        let awaited = (at.is_some() || awaited.finish_allowed_at_ms.is_some()).then_some(awaited);
        w.repo.put_reply_awaited(appeal, awaited)?;
        w.append(line, event(appeal, row.client, awaited))?;
    }
    Ok(())
}

/// A4: may the holder finish `appeal` now, or is the client's reaction still awaited?
pub(crate) fn check_finish<R: Repo>(w: &mut Work<'_, R>, appeal: u64) -> Result<(), LineError> {
    let allowed_from = match w.repo.reply_awaited(appeal)? {
        Some(ReplyAwaited {
            finish_allowed_at_ms: Some(ms),
            ..
        }) => Some(instant(ms)?),
        _ => None,
    };
    Ok(closing::check_finish(allowed_from, instant(w.now_ms)?)?)
}

/// A5: finish every appeal whose auto-finish is due at `w.now_ms`, each once, in the same
/// transaction as its events.
pub fn fire_due_auto_finishes<R: Repo>(w: &mut Work<'_, R>) -> Result<(), LineError> {
    for appeal in w.repo.due_auto_finishes(w.now_ms)? {
        let Some(awaited) = w.repo.reply_awaited(appeal)? else {
            continue;
        };
        let Some(at_ms) = awaited.auto_finish_at_ms else {
            continue;
        };
        let Some(row) = w.repo.appeal(appeal)?.filter(|r| r.is_open()) else {
            w.repo.put_reply_awaited(appeal, None)?;
            continue;
        };
        if row.waiting_since_ms.is_some() {
            // S4 (armed by a server before waiting suspended it): suspended, not fired.
            suspend(w, row.line, row.client, appeal)?;
            continue;
        }
        let mut a = crate::appeals::restore_active_since(&row, awaited.since_ms)?;
        let limit = chrono::TimeDelta::milliseconds(at_ms - awaited.since_ms);
        if a.auto_finish(instant(w.now_ms)?, limit).is_none() {
            // Nobody holds it (it went back to the queue): a client waiting for an answer is
            // not an idle conversation. Its countdown is off.
            w.repo.put_reply_awaited(appeal, None)?;
            w.append(row.line, event(appeal, row.client, None))?;
            continue;
        }
        let event = Event::AppealFinished {
            appeal,
            client: row.client,
            result: NO_CLIENT_REPLY.to_string(),
        };
        crate::appeals::close_as(w, row, &a, NO_CLIENT_REPLY, event)?;
    }
    Ok(())
}
