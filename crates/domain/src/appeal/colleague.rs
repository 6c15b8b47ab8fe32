//! C9: two specialists answering the same client at once (what specialists complain about in
//! other products). Anyone of the line may write to a client, but writing into an appeal a
//! colleague holds needs the writer to have been warned and to confirm.

use super::{AppealError, AppealState};
use crate::ids::SpecialistId;

/// C9: whether `writer` may write into an appeal in `state` now; `confirmed`: they were warned
/// that a colleague holds it and chose to write anyway. A queued appeal, one of theirs, or no
/// appeal at all (`None`: their message opens one, A1) needs no confirmation.
pub fn may_write(
    state: Option<&AppealState>,
    writer: SpecialistId,
    confirmed: bool,
) -> Result<(), AppealError> {
    match state.and_then(AppealState::holder) {
        Some(holder) if holder != writer && !confirmed => Err(AppealError::HeldByColleague),
        _ => Ok(()),
    }
}

/// C9: whether writing into an appeal in `state` would warn `writer` (the app asks before
/// sending, the line refuses an unconfirmed message the same way).
pub fn warns(state: Option<&AppealState>, writer: SpecialistId) -> bool {
    may_write(state, writer, false).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c9_writing_into_a_colleague_s_appeal_needs_a_confirmation() {
        let (me, colleague) = (SpecialistId(1), SpecialistId(2));
        let held = AppealState::Assigned {
            specialist: colleague,
        };
        let waiting = AppealState::WaitingForClient {
            specialist: colleague,
        };
        assert_eq!(
            may_write(Some(&held), me, false),
            Err(AppealError::HeldByColleague)
        );
        assert_eq!(
            AppealError::HeldByColleague.code(),
            "appeal.held_by_colleague"
        );
        assert!(warns(Some(&waiting), me));
        assert_eq!(may_write(Some(&held), me, true), Ok(()));
        let mine = AppealState::Assigned { specialist: me };
        assert!(!warns(Some(&mine), me));
        assert!(!warns(Some(&AppealState::Queued), me));
        assert!(!warns(None, me));
    }
}
