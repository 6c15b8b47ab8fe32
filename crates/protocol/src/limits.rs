//! The bounds of every text field that reaches the line server: the fields of every
//! [`Action`], of a client's card ([`ClientProfile`], C5) and of what an administrator loads
//! (line, queue and specialist names, SLA level names, quick replies, KB articles and drafts).
//! Defined once here; the server checks them at the wire ([`Action::validate`]) and at CSV and
//! TOML import, the fuzz harnesses call the same functions.
//!
//! Why these numbers: every event the server appends must fit one [`crate::MAX_FRAME_BYTES`]
//! frame, or the line's log holds an event no app can read. Limits are in characters and hold
//! in the worst case: JSON escapes a control character as `\u0001`, six bytes for one
//! character (anything else takes at most four). The largest event, `ticket_created` with a
//! full subject and text, is (200 + 10,000) × 6 bytes plus its envelope, under 62 KB; the test
//! below builds every action and every event at its limits and encodes them.

use serde::Serialize;

use crate::{Action, ClientProfile, ErrorCode, GuestSignIn};

/// Longest chat message, in characters (the app's store has the same limit).
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// A ticket's subject (its type as folders list it), in characters (as the app's store).
pub const MAX_TICKET_SUBJECT_CHARS: usize = 200;

/// A ticket's text, a comment, a repeat request's comment or a reject reason, in characters
/// (as the app's store).
pub const MAX_TICKET_TEXT_CHARS: usize = 10_000;

/// Why an appeal is transferred, in characters (the app's store allows 500).
pub const MAX_TRANSFER_REASON_CHARS: usize = 2_000;

/// The result an appeal is finished with, in characters (the app's store allows 500). A
/// transfer to another line finishes the appeal with `→ line N: reason`, which fits too.
pub const MAX_RESULT_CHARS: usize = 2_000;

/// The comment a client writes with their rating (A4), in characters.
pub const MAX_RATING_COMMENT_CHARS: usize = 2_000;

/// A KB draft's subject, in characters.
pub const MAX_KB_DRAFT_SUBJECT_CHARS: usize = 200;

/// A KB draft's text, in characters.
pub const MAX_KB_DRAFT_TEXT_CHARS: usize = MAX_MESSAGE_CHARS;

/// C6: a group's title, in characters.
pub const MAX_GROUP_TITLE_CHARS: usize = 200;

/// A line's, a ticket queue's or a specialist's name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// An SLA level's name, in characters.
/// An account's login (specialists, clients, admins).
pub const MAX_LOGIN_CHARS: usize = 128;

/// The name of an SLA level.
pub const MAX_SLA_LEVEL_NAME_CHARS: usize = 100;

/// S5: an appeal's type as a specialist chose it, in characters.
pub const MAX_APPEAL_KIND_CHARS: usize = 100;

/// A quick reply's title, in characters.
pub const MAX_QUICK_REPLY_TITLE_CHARS: usize = 200;

/// A quick reply's text (sent as a message), in characters.
pub const MAX_QUICK_REPLY_TEXT_CHARS: usize = MAX_MESSAGE_CHARS;

/// A KB article's title, in characters.
pub const MAX_KB_TITLE_CHARS: usize = 200;
/// A4: longest recommended closing phrase of a line, in characters.
pub const MAX_CLOSING_PHRASE_CHARS: usize = 500;

/// A KB article's body, in characters (served over HTTP, never in a frame).
pub const MAX_KB_BODY_CHARS: usize = 50_000;

/// The fields of a client's card (C5), in characters; `responsible` is a list of names.
pub mod card {
    pub const NAME: usize = 200;
    pub const CONNECT_ID: usize = 128;
    pub const EMAIL: usize = 254;
    pub const PHONE: usize = 64;
    pub const COMPANY: usize = 200;
    pub const INN: usize = 32;
    pub const COMPANY_REG: usize = 64;
    pub const ITS_CONTRACT: usize = 128;
    pub const SUPPORT_PARAMS: usize = 2_000;
    pub const POSITION: usize = 200;
    pub const DEPARTMENT: usize = 200;
    pub const REGION: usize = 200;
    pub const BIRTH_DATE: usize = 32;
    pub const WORK_STATUS: usize = 128;
    /// How many responsible specialists a card names, each at most [`super::MAX_NAME_CHARS`].
    pub const RESPONSIBLE_COUNT: usize = 20;
}

/// The largest body of `POST /api/widget/guest` ([`GuestSignIn`]), in bytes: its fields at
/// their limits, every character escaped as JSON's worst case (six bytes), fit with room for
/// the keys; a body announcing more is refused before it is read.
pub const MAX_GUEST_BODY_BYTES: usize = 4 * 1024;

/// Most KB articles one client's search answers (C8 hints while typing).
pub const MAX_KB_HITS_FOR_CLIENTS: u32 = 10;

/// Longest message of an `Error` frame, in characters (longer ones are cut).
pub const MAX_ERROR_MESSAGE_CHARS: usize = 500;

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    Characters,
    /// Entries of a list.
    Entries,
}

/// A field over its limit: which field (its name on the wire, e.g. `text`, `profile.email`),
/// the limit and what it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{field} is longer than {max} {}", match .unit {
    LimitUnit::Characters => "characters",
    LimitUnit::Entries => "entries",
})]
pub struct FieldError {
    pub field: &'static str,
    pub max: usize,
    pub unit: LimitUnit,
}

impl FieldError {
    /// The wire's code for it.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::TooLong
    }
}

/// `value` has at most `max` characters, else an error naming `field`.
/// At most `max` items in a list field (its unit is items).
pub fn check_count(field: &'static str, count: usize, max: usize) -> Result<(), FieldError> {
    if count <= max {
        Ok(())
    } else {
        Err(FieldError {
            field,
            max,
            unit: LimitUnit::Entries,
        })
    }
}

pub fn check_chars(field: &'static str, value: &str, max: usize) -> Result<(), FieldError> {
    // A string of at most `max` bytes has at most `max` characters: skip the count.
    if value.len() <= max || value.chars().count() <= max {
        Ok(())
    } else {
        Err(FieldError {
            field,
            max,
            unit: LimitUnit::Characters,
        })
    }
}

fn check_opt(field: &'static str, value: &Option<String>, max: usize) -> Result<(), FieldError> {
    value
        .as_deref()
        .map_or(Ok(()), |v| check_chars(field, v, max))
}

impl Action {
    /// Every text field within its limit (see the module's constants). Only bounds: whether
    /// a text may be empty, or a password is long enough, are the line's rules.
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            Action::SendMessage { text, .. }
            | Action::SendMessageConfirmed { text, .. }
            | Action::ClientMessage { text } => check_chars("text", text, MAX_MESSAGE_CHARS),
            Action::TransferAppeal { reason, .. }
            | Action::TransferCall { reason, .. }
            | Action::HandOverCall { reason, .. } => {
                check_chars("reason", reason, MAX_TRANSFER_REASON_CHARS)
            }
            Action::FinishAppeal { result, .. } => check_chars("result", result, MAX_RESULT_CHARS),
            Action::RateAppeal { comment, .. } => {
                check_opt("comment", comment, MAX_RATING_COMMENT_CHARS)
            }
            Action::CreateTicket { subject, text, .. } => {
                check_chars("subject", subject, MAX_TICKET_SUBJECT_CHARS)?;
                check_chars("text", text, MAX_TICKET_TEXT_CHARS)
            }
            Action::RejectTicket { reason, .. } => {
                check_chars("reason", reason, MAX_TICKET_TEXT_CHARS)
            }
            Action::CommentTicket { text, .. } => check_chars("text", text, MAX_TICKET_TEXT_CHARS),
            Action::RepeatTicket { comment, .. } => {
                check_chars("comment", comment, MAX_TICKET_TEXT_CHARS)
            }
            Action::SetRemotePassword { password }
            | Action::RequestRemoteSession { password, .. } => {
                check_opt("password", password, crate::MAX_REMOTE_PASSWORD_CHARS)
            }
            Action::SaveKbDraft { subject, text, .. } => {
                check_chars("subject", subject, MAX_KB_DRAFT_SUBJECT_CHARS)?;
                check_chars("text", text, MAX_KB_DRAFT_TEXT_CHARS)
            }
            Action::SetPresence { .. }
            | Action::TakeAppeal { .. }
            | Action::SaveTicket { .. }
            | Action::DispatchTicket { .. }
            | Action::TakeTicket { .. }
            | Action::ForwardTicket { .. }
            | Action::CloseTicket { .. }
            | Action::PlaceCall { .. }
            | Action::PlaceCallConfirmed { .. }
            | Action::LogPbxCall { .. }
            | Action::AnswerCall { .. }
            | Action::HangUp { .. }
            | Action::CallStats { .. }
            | Action::RequestCallBack { .. }
            | Action::AnswerRemoteSession { .. }
            | Action::EndRemoteSession { .. }
            | Action::MarkSpam { .. }
            | Action::ArticleHelped { .. }
            | Action::WaitForClient { .. }
            | Action::ConsultCall { .. }
            | Action::JoinConsultation { .. } => Ok(()),
            Action::StartAppeal { appeal_type, .. } => {
                check_opt("appeal_type", appeal_type, MAX_APPEAL_KIND_CHARS)
            }
            Action::SetAppealType { appeal_type, .. } => {
                check_chars("appeal_type", appeal_type, MAX_APPEAL_KIND_CHARS)
            }
            Action::CreateGroup { title, members, .. } => {
                check_chars("title", title, MAX_GROUP_TITLE_CHARS)?;
                check_count("members", members.len(), crate::MAX_GROUP_SPECIALISTS)
            }
            Action::GroupMessage { text, .. } => check_chars("text", text, MAX_MESSAGE_CHARS),
            Action::AddGroupMember { .. } | Action::RemoveGroupMember { .. } => Ok(()),
            Action::DisputeTicket { reason, .. } => {
                check_chars("reason", reason, MAX_TRANSFER_REASON_CHARS)
            }
            Action::SetProfile { name, position } => {
                check_chars("name", name, MAX_NAME_CHARS)?;
                check_chars("position", position, MAX_NAME_CHARS)
            }
        }
    }
}

impl GuestSignIn {
    /// Every field within the card's limit ([`card`]): the first one over it.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_chars("name", &self.name, card::NAME)?;
        check_opt("email", &self.email, card::EMAIL)?;
        check_opt("phone", &self.phone, card::PHONE)
    }
}

impl ClientProfile {
    /// Every field of the card within its limit ([`card`]): the first one over it.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.field_errors().into_iter().next().map_or(Ok(()), Err)
    }

    /// Every field of the card over its limit, in card order (an import reports them all);
    /// field names as in the profile.
    pub fn field_errors(&self) -> Vec<FieldError> {
        // Destructured so that a new field cannot be forgotten here.
        let ClientProfile {
            name,
            connect_id,
            email,
            phone,
            company,
            inn,
            company_reg,
            its_contract,
            support_params,
            position,
            department,
            region,
            birth_date,
            vip: _,
            guest: _,
            work_status,
            responsible,
        } = self;
        let mut checks = vec![
            check_chars("name", name, card::NAME),
            check_opt("connect_id", connect_id, card::CONNECT_ID),
            check_opt("email", email, card::EMAIL),
            check_opt("phone", phone, card::PHONE),
            check_opt("company", company, card::COMPANY),
            check_opt("inn", inn, card::INN),
            check_opt("company_reg", company_reg, card::COMPANY_REG),
            check_opt("its_contract", its_contract, card::ITS_CONTRACT),
            check_opt("support_params", support_params, card::SUPPORT_PARAMS),
            check_opt("position", position, card::POSITION),
            check_opt("department", department, card::DEPARTMENT),
            check_opt("region", region, card::REGION),
            check_opt("birth_date", birth_date, card::BIRTH_DATE),
            check_opt("work_status", work_status, card::WORK_STATUS),
        ];
        if responsible.len() > card::RESPONSIBLE_COUNT {
            checks.push(Err(FieldError {
                field: "responsible",
                max: card::RESPONSIBLE_COUNT,
                unit: LimitUnit::Entries,
            }));
        }
        checks.push(
            responsible
                .iter()
                .try_for_each(|n| check_chars("responsible", n, MAX_NAME_CHARS)),
        );
        checks.into_iter().filter_map(Result::err).collect()
    }
}

/// `message` cut to [`MAX_ERROR_MESSAGE_CHARS`] (on a character boundary, with `…`).
pub(crate) fn bounded_message(message: String) -> String {
    match message.char_indices().nth(MAX_ERROR_MESSAGE_CHARS) {
        None => message,
        Some((cut, _)) => format!("{}…", &message[..cut]),
    }
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
