//! R1: the supervisor's reports, the part that is rules and figures rather than SQL: who may
//! see what ([`access`]), and how the sums a storage backend aggregates become the report's
//! figures ([`sla`], [`operators`], [`calls`]). A backend runs one aggregate query per report
//! over what it stores, grouped as these functions expect, and never hands every appeal over.

pub mod access;
pub mod calls;
pub mod operators;
pub mod sla;

pub use access::{ReportError, ReportQuery, check_period, scope};

/// The average of `n` values summing to `sum`, rounded to the nearest; `None` for none.
pub fn average(sum: i64, n: u32) -> Option<i64> {
    if n == 0 {
        return None;
    }
    let n = i64::from(n);
    Some((sum + n / 2).div_euclid(n))
}

#[cfg(test)]
mod tests {
    #[test]
    fn averages_round_to_the_nearest_and_none_of_nothing() {
        assert_eq!(super::average(0, 0), None);
        assert_eq!(super::average(10, 4), Some(3));
        assert_eq!(super::average(9, 4), Some(2));
        assert_eq!(super::average(3_600_000, 1), Some(3_600_000));
    }
}
