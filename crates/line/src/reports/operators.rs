//! A6: operator statistics from a backend's sums of finished appeals per specialist, with the
//! transfers each made in the period.

use std::collections::BTreeMap;

use linedesk_protocol::reports::OperatorRow;

use super::average;

/// One specialist's finished (not spam) appeals of the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorSums {
    pub specialist: u64,
    pub name: String,
    pub handled: u32,
    /// Working time to the first reaction: sum and count.
    pub reaction_work_ms: i64,
    pub reacted: u32,
    /// Opening to finishing: sum and count.
    pub handling_ms: i64,
    pub timed: u32,
    /// Ratings: how many gave 1..=5 stars.
    pub stars: [u32; 5],
}

/// The rows: every specialist with finished appeals or transfers (`transfers`: specialist,
/// name, count), by name.
pub fn rows(sums: Vec<OperatorSums>, transfers: &[(u64, String, u32)]) -> Vec<OperatorRow> {
    let mut by: BTreeMap<u64, OperatorRow> = BTreeMap::new();
    for s in sums {
        let rated: u32 = s.stars.iter().sum();
        let star_sum: i64 = s
            .stars
            .iter()
            .zip(1i64..)
            .map(|(n, stars)| i64::from(*n) * stars * 100)
            .sum();
        by.insert(
            s.specialist,
            OperatorRow {
                specialist: s.specialist,
                name: s.name,
                handled: s.handled,
                avg_first_reaction_work_ms: average(s.reaction_work_ms, s.reacted),
                avg_handling_ms: average(s.handling_ms, s.timed),
                transfers: 0,
                rated,
                avg_stars_centi: average(star_sum, rated).and_then(|a| u32::try_from(a).ok()),
                stars: s.stars,
            },
        );
    }
    for (specialist, name, count) in transfers {
        by.entry(*specialist)
            .or_insert_with(|| OperatorRow {
                specialist: *specialist,
                name: name.clone(),
                handled: 0,
                avg_first_reaction_work_ms: None,
                avg_handling_ms: None,
                transfers: 0,
                rated: 0,
                avg_stars_centi: None,
                stars: [0; 5],
            })
            .transfers += count;
    }
    let mut rows: Vec<OperatorRow> = by.into_values().collect();
    rows.sort_by(|a, b| (&a.name, a.specialist).cmp(&(&b.name, b.specialist)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_average_in_hundredths_and_transfers_join_their_specialist() {
        let sums = vec![OperatorSums {
            specialist: 1,
            name: "Анна".into(),
            handled: 3,
            reaction_work_ms: 600_000,
            reacted: 3,
            handling_ms: 9_000_000,
            timed: 3,
            stars: [0, 0, 1, 0, 2],
        }];
        let r = rows(sums, &[(1, "Анна".into(), 2), (2, "Борис".into(), 1)]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].avg_first_reaction_work_ms, Some(200_000));
        assert_eq!(r[0].avg_handling_ms, Some(3_000_000));
        assert_eq!((r[0].rated, r[0].avg_stars_centi), (3, Some(433)));
        assert_eq!(r[0].transfers, 2);
        assert_eq!(
            (r[1].name.as_str(), r[1].handled, r[1].transfers),
            ("Борис", 0, 1)
        );
        assert_eq!(r[1].avg_stars_centi, None);
    }
}
