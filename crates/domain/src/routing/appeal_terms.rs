//! What an arriving appeal brings to routing besides itself (A2, C5, S5): its place in the
//! queue ([`appeal_priority`]: the client's VIP mark and the SLA level's reaction time) and
//! the specialists responsible for the client ([`responsible_specialists`]: the names on the
//! client's card, C5, matched to the line's team).

use chrono::TimeDelta;

use crate::ids::SpecialistId;

/// A VIP client's appeal (seed 003) comes before every other appeal of the line's queue.
pub const VIP_PRIORITY: u8 = 10;

/// The reaction times (minutes) of the SLA level, tightest first; an appeal whose level's
/// reaction time is within the first bound ranks highest. Beyond the last: no extra rank.
const REACTION_STEPS_MIN: [i64; 6] = [15, 30, 60, 120, 240, 480];

/// A2/S5: an appeal's priority in its line's queue (higher first; within one priority first
/// come, first served). A VIP client's appeal comes before any other; among equals the SLA
/// level whose reaction deadline is tighter comes first, since the level (S5, chosen by the
/// client's status, the appeal's type, ...) is what the line promised that client.
pub fn appeal_priority(vip: bool, reaction: TimeDelta) -> u8 {
    let minutes = reaction.num_minutes();
    let steps = REACTION_STEPS_MIN.len();
    let urgency = REACTION_STEPS_MIN
        .iter()
        .position(|bound| minutes <= *bound)
        .map_or(0, |i| steps - i);
    let urgency = u8::try_from(urgency).unwrap_or(0);
    if vip { VIP_PRIORITY + urgency } else { urgency }
}

/// The words of a name as compared: lower case, `ё` as `е`, split on spaces and dots.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '.')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('ё', "е"))
        .collect()
}

/// C5: whether a name written on a client's card (`Смирнова А. С.`, `Смирнова Анна`, the
/// full name) names the specialist called `full`: the same surname, and each further word an
/// initial or the start of the specialist's word in the same place.
pub fn names_specialist(on_card: &str, full: &str) -> bool {
    let (card, full) = (words(on_card), words(full));
    match (card.split_first(), full.split_first()) {
        (Some((surname, rest)), Some((their_surname, their_rest))) => {
            surname == their_surname
                && rest.len() <= their_rest.len()
                && rest
                    .iter()
                    .zip(their_rest)
                    .all(|(w, t)| t.starts_with(w.as_str()))
        }
        _ => false,
    }
}

/// A2/C5: the specialists of a line's `team` (id and name) that the client's card names as
/// responsible, in the team's order, each once.
pub fn responsible_specialists(
    on_card: &[String],
    team: &[(SpecialistId, String)],
) -> Vec<SpecialistId> {
    team.iter()
        .filter(|(_, name)| on_card.iter().any(|c| names_specialist(c, name)))
        .map(|(id, _)| *id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a2_vip_first_then_the_tighter_reaction() {
        let m = TimeDelta::minutes;
        assert_eq!(appeal_priority(false, m(600)), 0);
        assert_eq!(appeal_priority(false, m(480)), 1);
        assert_eq!(appeal_priority(false, m(60)), 4);
        assert_eq!(appeal_priority(false, m(10)), 6);
        assert_eq!(appeal_priority(true, m(600)), VIP_PRIORITY);
        // A VIP with the slowest level still comes before anyone else with the fastest.
        assert!(appeal_priority(true, m(24 * 60)) > appeal_priority(false, m(1)));
    }

    #[test]
    fn c5_card_names_match_surname_and_initials() {
        let full = "Смирнова Анна Сергеевна";
        assert!(names_specialist("Смирнова А. С.", full));
        assert!(names_specialist("смирнова  анна", full));
        assert!(names_specialist(full, full));
        assert!(!names_specialist("Смирнова Б. С.", full));
        assert!(!names_specialist("Смирнов А. С.", full));
        assert!(!names_specialist("", full));
        assert!(!names_specialist("Смирнова А. С. Х.", full));
        assert!(names_specialist("Королёва Е.", "Королева Елена"));
    }
}
