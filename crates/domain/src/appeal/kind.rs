//! S5: an appeal's type ("consultation", "error", ...). A line's types are the ones its SLA
//! levels' conditions name ([`line_types`]); the holder chooses one while working on the
//! appeal or when finishing it ([`Appeal::choose_type`]).
//!
//! S3: both deadlines are computed when the appeal is registered and cannot be edited. The
//! type known then (a specialist who starts an appeal by hand names it) takes part in the
//! level's choice; a type chosen later is recorded, shown and reported, but moves no deadline:
//! otherwise choosing a slower level's type would erase a breach.

use super::{Appeal, AppealError};
use crate::ids::SpecialistId;
use crate::sla::LevelSet;

/// S5: the appeal types a line's levels tell apart: every type named by a level's
/// conditions, in the order the levels first name them, each once.
pub fn line_types(levels: &LevelSet) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for level in levels.levels() {
        for kind in &level.conditions.kinds {
            if !types.contains(kind) {
                types.push(kind.clone());
            }
        }
    }
    types
}

/// S5: `given` (trimmed) when it is one of the line's `types`; a type given when a specialist
/// starts an appeal is checked with it too.
pub fn known_type(given: &str, types: &[String]) -> Result<String, AppealError> {
    let given = given.trim();
    if !types.iter().any(|t| t == given) {
        return Err(AppealError::UnknownType(given.to_string()));
    }
    Ok(given.to_string())
}

impl Appeal {
    /// S5: the holder chooses the appeal's type among the line's `types`; the chosen type,
    /// trimmed. Only an open appeal's holder may (a finished appeal's type stays as it was
    /// finished). S3: this changes no deadline; the caller records it and nothing else.
    pub fn choose_type(
        &self,
        by: SpecialistId,
        chosen: &str,
        types: &[String],
    ) -> Result<String, AppealError> {
        self.require_holder(by, "choosing its type")?;
        known_type(chosen, types)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::appeal::{Actor, AppealState, Channel};
    use crate::ids::{AppealId, ClientId, LineId};
    use crate::sla::{
        AppealFacts, Conditions, DEFAULT_LEVEL, SlaClock, SupportLevel, parse_calendar,
    };

    fn level(name: &str, kinds: &[&str], reaction_minutes: i64) -> SupportLevel {
        SupportLevel {
            name: name.into(),
            calendar: parse_calendar("tz UTC; Mon-Sun 00-24").unwrap(),
            reaction: TimeDelta::minutes(reaction_minutes),
            resolution: TimeDelta::hours(8),
            conditions: Conditions {
                kinds: kinds.iter().map(|k| k.to_string()).collect(),
                ..Default::default()
            },
        }
    }

    fn levels() -> LevelSet {
        LevelSet::new(vec![
            level("Errors", &["error", "outage"], 15),
            level("Questions", &["consultation", "error"], 60),
            level(DEFAULT_LEVEL, &[], 120),
        ])
        .unwrap()
    }

    fn held_by(specialist: u64) -> Appeal {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let (mut a, _) = Appeal::open(
            AppealId(1),
            LineId(1),
            ClientId(1),
            Channel::Message,
            Actor::System,
            at,
        );
        a.take_from_queue(SpecialistId(specialist), at).unwrap();
        a
    }

    #[test]
    fn s5_a_lines_types_are_those_its_levels_name_in_order_each_once() {
        assert_eq!(line_types(&levels()), ["error", "outage", "consultation"]);
        let plain = LevelSet::new(vec![level(DEFAULT_LEVEL, &[], 60)]).unwrap();
        assert!(line_types(&plain).is_empty());
    }

    #[test]
    fn s5_only_the_holder_chooses_one_of_the_lines_types() {
        let types = line_types(&levels());
        let a = held_by(7);
        assert_eq!(
            a.choose_type(SpecialistId(7), " error ", &types),
            Ok("error".into())
        );
        assert_eq!(
            a.choose_type(SpecialistId(8), "error", &types),
            Err(AppealError::NotHolder)
        );
        assert_eq!(
            a.choose_type(SpecialistId(7), "spam?", &types),
            Err(AppealError::UnknownType("spam?".into()))
        );
        let mut finished = held_by(7);
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 11, 0, 0).unwrap();
        finished.finish(SpecialistId(7), "done", at).unwrap();
        assert!(matches!(
            finished.choose_type(SpecialistId(7), "error", &types),
            Err(AppealError::IllegalTransition { .. })
        ));
        assert!(matches!(finished.state(), AppealState::Finished { .. }));
    }

    /// S3: the deadlines are fixed when the appeal is registered, with the type known then;
    /// S5 picks the level with it. A type chosen later would pick a faster level, but the
    /// clock started at registration keeps its deadlines: choosing moves nothing.
    #[test]
    fn s3_s5_a_type_known_at_registration_picks_the_level_a_later_choice_moves_no_deadline() {
        let set = levels();
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let facts = |kind: &str| AppealFacts {
            kind: kind.into(),
            client_status: String::new(),
            vip: false,
            line: LineId(1),
            channel: Channel::Message,
        };
        // Registered as a consultation: "Questions", due in an hour.
        let registered = set.select(&facts("consultation")).clone();
        assert_eq!(registered.name, "Questions");
        let clock = SlaClock::start_for(&registered, facts("consultation"), at).unwrap();
        let due = clock.deadlines().reaction_due();
        assert_eq!(due, at + TimeDelta::minutes(60));
        // Later the holder says it is an error ("Errors", 15 minutes, had it been known).
        let chosen = held_by(7)
            .choose_type(SpecialistId(7), "error", &line_types(&set))
            .unwrap();
        assert_eq!(set.select(&facts(&chosen)).name, "Errors");
        // Choosing is a record only: the clock is the one registration started.
        assert_eq!(clock.deadlines().reaction_due(), due);
    }
}
