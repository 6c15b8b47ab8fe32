//! One action of the wire, by kind: the idempotency key first, then the action's rules.

use linedesk_protocol::{Action, MAX_KEY_BYTES, Role};

use crate::error::LineError;
use crate::remote_sessions::{self, Gate};
use crate::repo::{KeyOwner, Repo};
use crate::subject::Subject;
use crate::work::Work;
use crate::{
    appeals, call_consult, call_transfer, calls, groups, kb_articles, kb_drafts, messages, tickets,
    waiting,
};

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The action was applied: commit, then publish [`Work::finish`]'s events.
    Done,
    /// The key was applied before: nothing changed (roll back or commit, both are empty).
    Duplicate,
}

/// Whose keys `actor`'s are; admins have no line actions.
pub fn key_owner(actor: Subject) -> Result<KeyOwner, LineError> {
    match actor.role {
        Role::Specialist => Ok(KeyOwner::Specialist(actor.id)),
        Role::Client => Ok(KeyOwner::Client(actor.id)),
        Role::Admin => Err(LineError::NotAllowed("an admin has no line actions".into())),
    }
}

/// Validate and apply `action` of `actor` once per `key`.
pub fn apply<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    action: &Action,
) -> Result<Step, LineError> {
    apply_gated(w, actor, key, action, &Gate::Open)
}

/// [`apply`] with what was settled about a remote session password before the transaction
/// (a new password's hash, a password that matched).
pub fn apply_gated<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    action: &Action,
    gate: &Gate,
) -> Result<Step, LineError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(LineError::Invalid(format!(
            "an idempotency key is 1 to {MAX_KEY_BYTES} bytes"
        )));
    }
    let owner = key_owner(actor)?;
    if !w.repo.claim_key(owner, key, w.now_ms)? {
        return Ok(Step::Duplicate);
    }
    match action {
        Action::SendMessage { line, client, text } => {
            messages::send(w, actor, key, (*line, *client), text, false)?;
        }
        Action::SendMessageConfirmed { line, client, text } => {
            messages::send(w, actor, key, (*line, *client), text, true)?;
        }
        Action::ClientMessage { text } => messages::from_client(w, actor, text)?,
        Action::SetPresence { status } => messages::presence(w, actor, *status)?,
        Action::TakeAppeal { appeal } => appeals::take(w, actor, *appeal)?,
        Action::FinishAppeal { appeal, result } => appeals::finish(w, actor, *appeal, result)?,
        Action::TransferAppeal {
            appeal,
            to,
            reason,
            target,
        } => appeals::transfer(w, actor, *appeal, *to, *target, reason)?,
        Action::StartAppeal {
            line,
            client,
            appeal_type,
        } => {
            let kind = appeal_type.as_deref().unwrap_or_default();
            let kind = crate::appeal_type::given(w, *line, kind)?;
            appeals::start(w, actor, (*line, *client), &kind)?
        }
        Action::MarkSpam { appeal } => appeals::mark_spam(w, actor, *appeal)?,
        Action::RateAppeal {
            appeal,
            stars,
            comment,
        } => appeals::rate(w, actor, *appeal, *stars, comment.as_deref())?,
        Action::PlaceCall { line, client } => calls::place(w, actor, key, *line, *client, false)?,
        Action::PlaceCallConfirmed { line, client } => {
            calls::place(w, actor, key, *line, Some(*client), true)?
        }
        Action::LogPbxCall {
            line,
            client,
            inbound,
            connected_ms,
        } => crate::pbx_calls::log(
            w,
            actor,
            key,
            crate::pbx_calls::PbxCall {
                line: *line,
                client: *client,
                inbound: *inbound,
                connected_ms: *connected_ms,
            },
        )?,
        Action::AnswerCall { call } => calls::answer(w, actor, *call)?,
        Action::HangUp { call, reason } => calls::hang_up(w, actor, *call, *reason)?,
        Action::CallStats { call, quality } => calls::stats(w, actor, *call, quality)?,
        Action::RequestCallBack { line } => calls::request_call_back(w, actor, *line)?,
        Action::SetRemotePassword { .. } => remote_sessions::set_password(w, actor, gate)?,
        Action::RequestRemoteSession {
            line, client, mode, ..
        } => remote_sessions::request(w, actor, key, (*line, *client, *mode), gate)?,
        Action::AnswerRemoteSession { session, accept } => {
            remote_sessions::answer(w, actor, *session, *accept)?
        }
        Action::EndRemoteSession { session, reason } => {
            remote_sessions::end(w, actor, *session, *reason)?
        }
        Action::CreateTicket { .. }
        | Action::SaveTicket { .. }
        | Action::DispatchTicket { .. }
        | Action::TakeTicket { .. }
        | Action::RejectTicket { .. }
        | Action::ForwardTicket { .. }
        | Action::CommentTicket { .. }
        | Action::RepeatTicket { .. }
        | Action::CloseTicket { .. } => tickets::apply(w, actor, action)?,
        Action::SaveKbDraft {
            line,
            subject,
            text,
        } => {
            kb_drafts::save_kb_draft(&mut w.repo, actor, *line, subject, text, w.now_ms)?;
        }
        Action::ArticleHelped { line, article } => {
            kb_articles::article_helped(w, actor, *line, *article)?
        }
        Action::TransferCall { call, to, reason } => {
            call_transfer::transfer(w, actor, *call, *to, reason)?
        }
        Action::WaitForClient { appeal } => waiting::wait(w, actor, *appeal)?,
        Action::ConsultCall { call, to } => call_consult::consult(w, actor, *call, *to)?,
        Action::HandOverCall {
            consultation,
            reason,
        } => call_consult::hand_over(w, actor, *consultation, reason)?,
        Action::JoinConsultation { consultation } => call_consult::join(w, actor, *consultation)?,
        Action::SetAppealType {
            appeal,
            appeal_type,
        } => crate::appeal_type::set(w, actor, *appeal, appeal_type)?,
        Action::CreateGroup {
            line,
            client,
            title,
            members,
        } => groups::create(w, actor, key, (*line, *client), title, members)?,
        Action::AddGroupMember { group, specialist } => groups::add(w, actor, *group, *specialist)?,
        Action::RemoveGroupMember { group, specialist } => {
            groups::remove(w, actor, *group, *specialist)?
        }
        Action::GroupMessage { group, text } => groups::post(w, actor, key, *group, text)?,
        Action::SetProfile { name, position } => crate::profile::set(w, actor, name, position)?,
        Action::DisputeTicket { ticket, reason } => {
            tickets::dispute::dispute(w, actor, *ticket, reason)?
        }
    }
    Ok(Step::Done)
}
