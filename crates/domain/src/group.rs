//! C6: a group chat around a client of a line: the client and colleagues (a second-level
//! expert, the responsible manager) brought in from the client's chat. The client is always
//! in it; specialists are added and removed by its members. Who serves the line is IO: the
//! caller says it with each call.

use serde::{Deserialize, Serialize};

use crate::ids::SpecialistId;

/// At most this many specialists in one group (the client besides them).
pub const MAX_GROUP_SPECIALISTS: usize = 16;

/// Why a group change or message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// The specialist acting is not a member of the group.
    #[error("only the group's members may do this")]
    NotMember,
    /// The specialist to add is already a member.
    #[error("already a member of the group")]
    AlreadyMember,
    /// The specialist to remove is not a member.
    #[error("not a member of the group")]
    NotInGroup,
    /// The group would have more than [`MAX_GROUP_SPECIALISTS`] specialists.
    #[error("a group has at most {MAX_GROUP_SPECIALISTS} specialists")]
    TooMany,
    /// The specialist to add does not serve the group's line.
    #[error("the colleague does not serve the line")]
    NotOnLine,
    /// The last specialist cannot leave: a group is the client and at least one specialist.
    #[error("the last specialist of a group cannot leave it")]
    LastSpecialist,
}

impl GroupError {
    /// Stable code for the wire and the UI (`rule.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            GroupError::NotMember => "group.not_member",
            GroupError::AlreadyMember => "group.already_member",
            GroupError::NotInGroup => "group.not_in_group",
            GroupError::TooMany => "group.too_many",
            GroupError::NotOnLine => "group.not_on_line",
            GroupError::LastSpecialist => "group.last_specialist",
        }
    }

    /// Every code, for the translations' test.
    pub const CODES: [&'static str; 6] = [
        "group.not_member",
        "group.already_member",
        "group.not_in_group",
        "group.too_many",
        "group.not_on_line",
        "group.last_specialist",
    ];
}

/// A group's specialists, in the order they joined (its client is implied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    specialists: Vec<SpecialistId>,
}

impl Group {
    /// `creator` makes a group with `invited` colleagues (duplicates and the creator named
    /// again are ignored); `on_line` says whether a specialist serves the client's line.
    pub fn create(
        creator: SpecialistId,
        invited: &[SpecialistId],
        on_line: impl Fn(SpecialistId) -> bool,
    ) -> Result<Group, GroupError> {
        if !on_line(creator) {
            return Err(GroupError::NotOnLine);
        }
        let mut group = Group {
            specialists: vec![creator],
        };
        for &who in invited {
            if group.has(who) {
                continue;
            }
            group.admit(who, on_line(who))?;
        }
        Ok(group)
    }

    /// The group as stored.
    pub fn restore(specialists: Vec<SpecialistId>) -> Group {
        Group { specialists }
    }

    pub fn specialists(&self) -> &[SpecialistId] {
        &self.specialists
    }

    pub fn has(&self, who: SpecialistId) -> bool {
        self.specialists.contains(&who)
    }

    /// A member `by` adds `who` (`on_line`: `who` serves the group's line).
    pub fn add(
        &mut self,
        by: SpecialistId,
        who: SpecialistId,
        on_line: bool,
    ) -> Result<(), GroupError> {
        self.member(by)?;
        if self.has(who) {
            return Err(GroupError::AlreadyMember);
        }
        self.admit(who, on_line)
    }

    /// A member `by` removes `who` (themselves: they leave).
    pub fn remove(&mut self, by: SpecialistId, who: SpecialistId) -> Result<(), GroupError> {
        self.member(by)?;
        if !self.has(who) {
            return Err(GroupError::NotInGroup);
        }
        if self.specialists.len() == 1 {
            return Err(GroupError::LastSpecialist);
        }
        self.specialists.retain(|&s| s != who);
        Ok(())
    }

    /// Whether specialist `by` may write in the group (its client always may).
    pub fn may_post(&self, by: SpecialistId) -> Result<(), GroupError> {
        self.member(by)
    }

    fn member(&self, by: SpecialistId) -> Result<(), GroupError> {
        if self.has(by) {
            Ok(())
        } else {
            Err(GroupError::NotMember)
        }
    }

    fn admit(&mut self, who: SpecialistId, on_line: bool) -> Result<(), GroupError> {
        if !on_line {
            return Err(GroupError::NotOnLine);
        }
        if self.specialists.len() >= MAX_GROUP_SPECIALISTS {
            return Err(GroupError::TooMany);
        }
        self.specialists.push(who);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNA: SpecialistId = SpecialistId(1);
    const VERA: SpecialistId = SpecialistId(2);
    const EXPERT: SpecialistId = SpecialistId(3);
    const STRANGER: SpecialistId = SpecialistId(9);

    fn team(who: SpecialistId) -> bool {
        who != STRANGER
    }

    #[test]
    fn c6_a_group_is_made_with_colleagues_of_the_line() {
        let g = Group::create(ANNA, &[VERA, ANNA, VERA, EXPERT], team).unwrap();
        assert_eq!(g.specialists(), [ANNA, VERA, EXPERT]);
        assert_eq!(
            Group::create(ANNA, &[STRANGER], team),
            Err(GroupError::NotOnLine)
        );
        assert_eq!(
            Group::create(STRANGER, &[], team),
            Err(GroupError::NotOnLine)
        );
    }

    #[test]
    fn c6_members_add_and_remove_colleagues_and_the_last_one_stays() {
        let mut g = Group::create(ANNA, &[], team).unwrap();
        assert_eq!(g.add(VERA, EXPERT, true), Err(GroupError::NotMember));
        g.add(ANNA, VERA, true).unwrap();
        assert_eq!(g.add(VERA, ANNA, true), Err(GroupError::AlreadyMember));
        assert_eq!(g.add(VERA, STRANGER, false), Err(GroupError::NotOnLine));
        assert_eq!(g.remove(VERA, EXPERT), Err(GroupError::NotInGroup));
        g.remove(VERA, ANNA).unwrap();
        assert_eq!(g.may_post(ANNA), Err(GroupError::NotMember));
        assert_eq!(g.may_post(VERA), Ok(()));
        assert_eq!(g.remove(VERA, VERA), Err(GroupError::LastSpecialist));
    }

    #[test]
    fn c6_a_group_holds_at_most_its_limit() {
        let invited: Vec<_> = (2..=MAX_GROUP_SPECIALISTS as u64)
            .map(SpecialistId)
            .collect();
        let mut g = Group::create(ANNA, &invited, |_| true).unwrap();
        assert_eq!(g.specialists().len(), MAX_GROUP_SPECIALISTS);
        assert_eq!(
            g.add(ANNA, SpecialistId(100), true),
            Err(GroupError::TooMany)
        );
    }

    #[test]
    fn codes_are_listed_once_each() {
        let errors = [
            GroupError::NotMember,
            GroupError::AlreadyMember,
            GroupError::NotInGroup,
            GroupError::TooMany,
            GroupError::NotOnLine,
            GroupError::LastSpecialist,
        ];
        let codes: Vec<_> = errors.iter().map(GroupError::code).collect();
        assert_eq!(codes, GroupError::CODES);
    }
}
