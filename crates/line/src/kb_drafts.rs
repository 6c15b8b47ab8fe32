//! C8: "a reply can be saved as a draft KB article". A specialist keeps a draft for a line
//! they serve; drafts are never searched for clients, an editor publishes them later.

use linedesk_protocol::{MAX_MESSAGE_CHARS, Role};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::subject::Subject;
use crate::tickets::checked;

/// A KB draft being kept (C8); the backend gives the id.
#[derive(Debug, Clone)]
pub struct NewKbDraft<'a> {
    pub line: u64,
    pub specialist: u64,
    pub subject: &'a str,
    pub text: &'a str,
    pub at_ms: i64,
}

/// What the KB draft rules write, as a backend implements it (a part of [`Repo`]).
pub trait KbDraftRepo {
    fn insert_kb_draft(&mut self, draft: &NewKbDraft<'_>) -> Result<u64, RepoError>;
}

/// Longest draft subject, in characters.
pub const MAX_DRAFT_SUBJECT_CHARS: usize = 200;

/// Keep `actor`'s draft for `line` (a line they serve); its id.
pub fn save_kb_draft(
    repo: &mut impl Repo,
    actor: Subject,
    line: u64,
    subject: &str,
    text: &str,
    now_ms: i64,
) -> Result<u64, LineError> {
    if actor.role != Role::Specialist {
        return Err(LineError::NotAllowed(
            "only specialists save KB drafts".into(),
        ));
    }
    let subject = checked(subject, "a draft's subject", MAX_DRAFT_SUBJECT_CHARS)?;
    let text = checked(text, "a draft's text", MAX_MESSAGE_CHARS)?;
    if !repo.serves(actor.id, line)? {
        return Err(LineError::Forbidden(line));
    }
    Ok(repo.insert_kb_draft(&NewKbDraft {
        line,
        specialist: actor.id,
        subject: &subject,
        text: &text,
        at_ms: now_ms,
    })?)
}
