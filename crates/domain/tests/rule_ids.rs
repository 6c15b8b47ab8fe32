//! The "done when": every rule id of DOMAIN.md that this crate implements is named by
//! at least one test (test names start with the ids they check, e.g. `t2_t4_reject_...`).

use std::collections::BTreeSet;

const SOURCES: [&str; 8] = [
    include_str!("appeals_and_routing.rs"),
    include_str!("appeal_lists.rs"),
    include_str!("properties.rs"),
    include_str!("sla.rs"),
    include_str!("tickets.rs"),
    include_str!("../src/presence.rs"),
    include_str!("../src/ticket.rs"),
    include_str!("../src/sla/notation.rs"),
];

const RULES: &str = "P1 P2 P3 P4 A1 A2 A3 A4 A5 A6 T1 T2 T3 T4 T5 S1 S2 S3 S4 S5 S6";

/// Rule ids in the names of test functions: `fn p3_p4_what_each_status_allows` names P3, P4.
fn named_in_tests(source: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut next_is_test = false;
    for line in source.lines().map(str::trim) {
        if line.starts_with("#[test]") {
            next_is_test = true;
            continue;
        }
        // Inside `proptest!` every `fn` is a test.
        let is_fn = line.starts_with("fn ") || line.starts_with("pub fn ");
        if !is_fn {
            continue;
        }
        let name = line
            .trim_start_matches("pub ")
            .trim_start_matches("fn ")
            .split(['(', '<'])
            .next()
            .unwrap_or_default();
        if next_is_test || source.contains("proptest!") {
            for token in name.split('_') {
                let mut chars = token.chars();
                if let (Some(letter @ ('p' | 'a' | 't' | 's')), rest) =
                    (chars.next(), chars.as_str())
                    && !rest.is_empty()
                    && rest.chars().all(|c| c.is_ascii_digit())
                {
                    ids.insert(format!("{}{rest}", letter.to_ascii_uppercase()));
                }
            }
        }
        next_is_test = false;
    }
    ids
}

#[test]
fn every_rule_id_is_named_in_a_test() {
    let named: BTreeSet<String> = SOURCES.iter().flat_map(|s| named_in_tests(s)).collect();
    let missing: Vec<&str> = RULES.split(' ').filter(|id| !named.contains(*id)).collect();
    assert!(missing.is_empty(), "rules without a test: {missing:?}");
    assert!(
        named.contains("P2") && !named.contains("S9"),
        "the scan itself works"
    );
}
