//! W1: the specialist's profile as the line knows it: the name and position colleagues and
//! clients see, and the avatar. Each change is `Event::SpecialistProfiled` on every line the
//! specialist serves (the colleagues' apps follow it; a client asks
//! `GET /api/lines/{line}/specialists/{id}`). An avatar's bytes are checked here before they
//! are kept: their type is read from the bytes themselves (PNG, JPEG, WebP; never what the
//! uploader claims), at most [`MAX_AVATAR_BYTES`].

use linedesk_protocol::{Event, MAX_NAME_CHARS};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only};

pub use linedesk_domain::avatar::{ImageType, MAX_AVATAR_BYTES, sniff_image};

/// A specialist's profile as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialistProfile {
    pub name: String,
    pub position: String,
    /// How many times the avatar changed (0: never set); 0 also when it was removed.
    pub avatar: u32,
}

/// What the profile rules read and write, as a backend implements it (a part of [`Repo`]).
pub trait ProfileRepo {
    fn specialist_profile(
        &mut self,
        specialist: u64,
    ) -> Result<Option<SpecialistProfile>, RepoError>;
    fn put_specialist_profile(
        &mut self,
        specialist: u64,
        name: &str,
        position: &str,
    ) -> Result<(), RepoError>;
    /// Keep the avatar (`None`: remove it); its new version (0 when removed).
    fn put_avatar(
        &mut self,
        specialist: u64,
        avatar: Option<(&[u8], ImageType)>,
    ) -> Result<u32, RepoError>;
}

fn field(name: &str, value: &str, required: bool) -> Result<String, LineError> {
    let value = value.trim();
    if (required && value.is_empty()) || value.chars().count() > MAX_NAME_CHARS {
        return Err(LineError::Invalid(format!(
            "the {name} is {} to {MAX_NAME_CHARS} characters",
            u8::from(required)
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(LineError::Invalid(format!(
            "the {name} has a control character"
        )));
    }
    Ok(value.to_string())
}

/// W1: what a line learns of a specialist who starts serving it, after `SpecialistServes`
/// (which names them): their position and avatar, when they set any (`None`: nothing to add).
/// So a profile set before they joined reaches the line's colleagues and clients at once.
pub fn on_joining(specialist: u64, profile: &SpecialistProfile) -> Option<Event> {
    (!profile.position.is_empty() || profile.avatar > 0).then(|| Event::SpecialistProfiled {
        specialist,
        name: profile.name.clone(),
        position: profile.position.clone(),
        avatar: profile.avatar,
    })
}

/// W1: the specialist's name and position, as colleagues and clients will see them.
pub(crate) fn set<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    name: &str,
    position: &str,
) -> Result<(), LineError> {
    let specialist = specialist_only(actor)?;
    let (name, position) = (
        field("name", name, true)?,
        field("position", position, false)?,
    );
    w.repo
        .put_specialist_profile(specialist, &name, &position)?;
    announce(w, specialist)
}

/// W1: the specialist's avatar (`None`: remove it), checked before it is kept.
pub fn set_avatar<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    bytes: Option<&[u8]>,
) -> Result<(), LineError> {
    let specialist = specialist_only(actor)?;
    let avatar = match bytes {
        None => None,
        Some(bytes) => Some((
            bytes,
            linedesk_domain::avatar::check_avatar(bytes)
                .map_err(|e| LineError::Invalid(e.to_string()))?,
        )),
    };
    w.repo.put_avatar(specialist, avatar)?;
    announce(w, specialist)
}

/// `SpecialistProfiled` on every line the specialist serves.
fn announce<R: Repo>(w: &mut Work<'_, R>, specialist: u64) -> Result<(), LineError> {
    let profile = w
        .repo
        .specialist_profile(specialist)?
        .ok_or_else(|| LineError::Invalid(format!("no specialist {specialist}")))?;
    for line in w.repo.lines_served(specialist)? {
        w.append(
            line,
            Event::SpecialistProfiled {
                specialist,
                name: profile.name.clone(),
                position: profile.position.clone(),
                avatar: profile.avatar,
            },
        )?;
    }
    Ok(())
}
