//! C6: group chats around a client of a line. A specialist makes one from the client's chat
//! with colleagues of the line; its members add and remove colleagues; its specialists and its
//! client write in it. Every change is an event about the client, so the client's widget or
//! client sees the group and the line's apps keep it with the client's timeline. The rules are
//! the domain's `group::Group`; who serves the line is read here.

use linedesk_domain::group::Group;
use linedesk_domain::ids::SpecialistId;
use linedesk_protocol::{Event, GroupMember, MAX_GROUP_TITLE_CHARS, Role};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::{Work, specialist_only, text_of};

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub id: u64,
    pub line: u64,
    pub client: u64,
    pub title: String,
}

/// What the group rules read and write, as a backend implements it (a part of [`Repo`]).
pub trait GroupRepo {
    /// A new group of `client` on `line`, made by `by` (not yet with members); its id.
    fn insert_group(
        &mut self,
        line: u64,
        client: u64,
        title: &str,
        by: u64,
        at_ms: i64,
    ) -> Result<u64, RepoError>;
    fn group(&mut self, group: u64) -> Result<Option<GroupRow>, RepoError>;
    /// The group's specialists, in the order they joined.
    fn group_specialists(&mut self, group: u64) -> Result<Vec<u64>, RepoError>;
    fn add_group_specialist(
        &mut self,
        group: u64,
        specialist: u64,
        at_ms: i64,
    ) -> Result<(), RepoError>;
    fn remove_group_specialist(&mut self, group: u64, specialist: u64) -> Result<(), RepoError>;
}

/// A group's title, trimmed: 1 to [`MAX_GROUP_TITLE_CHARS`] characters.
fn title_of(title: &str) -> Result<String, LineError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_GROUP_TITLE_CHARS {
        return Err(LineError::Invalid(format!(
            "a group's title is 1 to {MAX_GROUP_TITLE_CHARS} characters"
        )));
    }
    Ok(title.to_string())
}

/// A specialist makes a group with `client` of `line` and colleagues `invited`.
pub(crate) fn create<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    (line, client): (u64, u64),
    title: &str,
    invited: &[u64],
) -> Result<(), LineError> {
    let creator = specialist_only(actor)?;
    w.may_contact(creator, line, client)?;
    let title = title_of(title)?;
    let mut on_line = Vec::with_capacity(invited.len() + 1);
    for &who in std::iter::once(&creator).chain(invited) {
        if w.serves(who, line)? {
            on_line.push(SpecialistId(who));
        }
    }
    let invited: Vec<SpecialistId> = invited.iter().copied().map(SpecialistId).collect();
    let group = Group::create(SpecialistId(creator), &invited, |s| on_line.contains(&s))?;
    let id = w
        .repo
        .insert_group(line, client, &title, creator, w.now_ms)?;
    let mut members = Vec::with_capacity(group.specialists().len());
    for &SpecialistId(who) in group.specialists() {
        w.repo.add_group_specialist(id, who, w.now_ms)?;
        members.push(member(w, who)?);
    }
    w.append(
        line,
        Event::GroupCreated {
            group: id,
            client,
            title,
            by: creator,
            members,
            key: Some(key.to_string()),
        },
    )
}

/// A member brings colleague `who` into `group`.
pub(crate) fn add<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    group: u64,
    who: u64,
) -> Result<(), LineError> {
    let by = specialist_only(actor)?;
    let (row, mut members) = load(w, by, group)?;
    let on_line = w.serves(who, row.line)?;
    members.add(SpecialistId(by), SpecialistId(who), on_line)?;
    w.repo.add_group_specialist(group, who, w.now_ms)?;
    let member = member(w, who)?;
    w.append(
        row.line,
        Event::GroupMemberAdded {
            group,
            client: row.client,
            by,
            member,
        },
    )
}

/// A member takes `who` out of `group` (themselves: they leave).
pub(crate) fn remove<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    group: u64,
    who: u64,
) -> Result<(), LineError> {
    let by = specialist_only(actor)?;
    let (row, mut members) = load(w, by, group)?;
    members.remove(SpecialistId(by), SpecialistId(who))?;
    w.repo.remove_group_specialist(group, who)?;
    w.append(
        row.line,
        Event::GroupMemberRemoved {
            group,
            client: row.client,
            by,
            specialist: who,
        },
    )
}

/// A message in `group` by one of its specialists or its client.
pub(crate) fn post<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    key: &str,
    group: u64,
    text: &str,
) -> Result<(), LineError> {
    let text = text_of(text)?;
    let (row, from_specialist) = match actor.role {
        Role::Client => {
            let row = w
                .repo
                .group(group)?
                .filter(|g| g.client == actor.id)
                .ok_or_else(|| LineError::Invalid(format!("no group {group}")))?;
            (row, None)
        }
        Role::Specialist | Role::Admin => {
            let by = specialist_only(actor)?;
            let (row, members) = load(w, by, group)?;
            members.may_post(SpecialistId(by))?;
            (row, Some(by))
        }
    };
    w.append(
        row.line,
        Event::GroupMessagePosted {
            group,
            client: row.client,
            from_specialist,
            text,
            key: Some(key.to_string()),
        },
    )
}

/// The group (invalid when there is none), for a specialist who serves its line (else
/// forbidden), with its specialists.
fn load<R: Repo>(w: &mut Work<'_, R>, by: u64, group: u64) -> Result<(GroupRow, Group), LineError> {
    let row = w
        .repo
        .group(group)?
        .ok_or_else(|| LineError::Invalid(format!("no group {group}")))?;
    if !w.serves(by, row.line)? {
        return Err(LineError::Forbidden(row.line));
    }
    let specialists = w.repo.group_specialists(group)?;
    Ok((
        row,
        Group::restore(specialists.into_iter().map(SpecialistId).collect()),
    ))
}

fn member<R: Repo>(w: &mut Work<'_, R>, specialist: u64) -> Result<GroupMember, LineError> {
    let name = w
        .repo
        .specialist_name(specialist)?
        .ok_or_else(|| LineError::Invalid(format!("no specialist {specialist}")))?;
    Ok(GroupMember { specialist, name })
}
