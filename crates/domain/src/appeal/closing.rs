//! A4's closing guidance and A5's auto-finish as pure decisions over instants (no clock).
//!
//! A4: before finishing, the specialist asks a control question and says goodbye with one of
//! the line's recommended closing phrases; then they wait [`CLIENT_REACTION_WAIT`] for the
//! client's reaction and may finish without it only after that ([`check_finish`]). The
//! client's reaction (a message, call or file) ends the wait at once.
//!
//! A5: when the line sets an auto-finish time, the specialist's last message in an open appeal
//! arms it ([`auto_finish_at`]); without the client's reply by then, the appeal finishes by
//! itself with the result "no reply from the client" (the line's timer,
//! [`super::Appeal::auto_finish`]).

use chrono::{DateTime, TimeDelta, Utc};

use super::AppealError;

/// A4: how long the specialist waits for the client's reaction to a closing phrase before
/// they may finish without it.
pub const CLIENT_REACTION_WAIT: TimeDelta = TimeDelta::minutes(5);

/// A5: the longest auto-finish time a line may set, in minutes (a week).
pub const MAX_AUTO_FINISH_MINUTES: u32 = 7 * 24 * 60;

/// A5: the shortest auto-finish time (besides 0, "never"): not before A4's wait for the
/// client's reaction is over.
pub const MIN_AUTO_FINISH_MINUTES: u32 = 5;

/// A4: how many closing phrases a line may recommend.
pub const MAX_CLOSING_PHRASES: usize = 20;

/// A4: whether the specialist's message says goodbye with one of the line's closing phrases
/// (contained in it, letter case and surrounding spaces ignored; empty phrases never match).
pub fn is_closing(message: &str, phrases: &[String]) -> bool {
    let message = message.to_lowercase();
    phrases.iter().any(|p| {
        let p = p.trim().to_lowercase();
        !p.is_empty() && message.contains(&p)
    })
}

/// A4: after a closing phrase sent at `sent_at`, the instant from which the specialist may
/// finish without the client's reaction.
pub fn finish_allowed_at(sent_at: DateTime<Utc>) -> DateTime<Utc> {
    sent_at + CLIENT_REACTION_WAIT
}

/// A4: may the specialist finish at `now`? `allowed_from` is [`finish_allowed_at`] of the
/// last closing phrase the client has not reacted to (`None`: nothing to wait for).
pub fn check_finish(
    allowed_from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppealError> {
    match allowed_from {
        Some(until) if now < until => Err(AppealError::ClientReactionAwaited { until }),
        _ => Ok(()),
    }
}

/// A5: whether `minutes` is an auto-finish time a line may set (0: never).
pub fn auto_finish_minutes_valid(minutes: u32) -> bool {
    minutes == 0 || (MIN_AUTO_FINISH_MINUTES..=MAX_AUTO_FINISH_MINUTES).contains(&minutes)
}

/// A5: the specialist wrote at `wrote_at` in a line whose auto-finish time is `minutes`: when
/// the appeal finishes by itself without the client's reply (`None`: the line never does).
pub fn auto_finish_at(wrote_at: DateTime<Utc>, minutes: u32) -> Option<DateTime<Utc>> {
    (minutes > 0).then(|| wrote_at + TimeDelta::minutes(i64::from(minutes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_428_000 + minute * 60, 0).unwrap_or_default()
    }

    #[test]
    fn a4_a_closing_phrase_is_found_in_the_message_whatever_the_case() {
        let phrases = vec![
            "Могу ли я вам ещё чем-то помочь?".to_string(),
            "  ".to_string(),
        ];
        assert!(is_closing(
            "Готово. могу ли я вам ещё чем-то помочь?",
            &phrases
        ));
        assert!(!is_closing("Смотрю", &phrases));
        assert!(!is_closing("", &phrases), "a blank phrase matches nothing");
    }

    #[test]
    fn a4_finishing_waits_five_minutes_for_the_reaction() {
        let allowed = finish_allowed_at(at(0));
        assert_eq!(
            check_finish(Some(allowed), at(4)),
            Err(AppealError::ClientReactionAwaited { until: at(5) })
        );
        assert_eq!(check_finish(Some(allowed), at(5)), Ok(()));
        assert_eq!(check_finish(None, at(0)), Ok(()));
    }

    #[test]
    fn a5_auto_finish_times() {
        assert_eq!(auto_finish_at(at(0), 0), None);
        assert_eq!(auto_finish_at(at(0), 30), Some(at(30)));
        assert!(auto_finish_minutes_valid(0) && auto_finish_minutes_valid(5));
        assert!(!auto_finish_minutes_valid(4));
        assert!(!auto_finish_minutes_valid(MAX_AUTO_FINISH_MINUTES + 1));
    }
}
