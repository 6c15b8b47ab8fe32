//! C5: a client's card as a line's admin writes it (the app's Administration view) or a CSV
//! import gives it, checked once for both: a name, an e-mail that looks like one, a phone of
//! digits, an INN with correct check digits, a birth date that is a date (YYYY-MM-DD), named
//! responsible specialists, and every field within the card's limits (`crates/protocol`).

use linedesk_protocol::ClientProfile;

/// A field of the card and why it cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardProblem {
    pub field: &'static str,
    pub rule: &'static str,
    pub reason: String,
}

pub const RULE_NAME_REQUIRED: &str = "card.name_required";
pub const RULE_EMAIL: &str = "card.email";
pub const RULE_PHONE: &str = "card.phone";
pub const RULE_INN: &str = "card.inn";
pub const RULE_BIRTH_DATE: &str = "card.birth_date";
pub const RULE_RESPONSIBLE: &str = "card.responsible";
pub const RULE_TOO_LONG: &str = "card.too_long";

/// A 10-digit (organisation) or 12-digit (person) INN with correct check digits.
pub fn is_valid_inn(inn: &str) -> bool {
    let digits: Vec<u32> = inn.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != inn.chars().count() {
        return false;
    }
    let check = |weights: &[u32], upto: usize| -> u32 {
        weights
            .iter()
            .zip(&digits[..upto])
            .map(|(w, d)| w * d)
            .sum::<u32>()
            % 11
            % 10
    };
    match digits.len() {
        10 => check(&[2, 4, 10, 3, 5, 9, 4, 6, 8], 9) == digits[9],
        12 => {
            check(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 10) == digits[10]
                && check(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 11) == digits[11]
        }
        _ => false,
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
}

fn problem(field: &'static str, rule: &'static str, reason: &str) -> CardProblem {
    CardProblem {
        field,
        rule,
        reason: reason.to_string(),
    }
}

/// Every problem of `card` (an import reports them all; the editor shows the first).
pub fn card_problems(card: &ClientProfile) -> Vec<CardProblem> {
    let mut out = Vec::new();
    if card.name.trim().is_empty() {
        out.push(problem("name", RULE_NAME_REQUIRED, "a name is required"));
    }
    if card.email.as_deref().is_some_and(|e| !is_email(e)) {
        out.push(problem("email", RULE_EMAIL, "not an e-mail address"));
    }
    if card
        .phone
        .as_deref()
        .is_some_and(|p| !p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)))
    {
        out.push(problem(
            "phone",
            RULE_PHONE,
            "only digits, spaces and + - ( )",
        ));
    }
    if card.inn.as_deref().is_some_and(|n| !is_valid_inn(n)) {
        out.push(problem(
            "inn",
            RULE_INN,
            "not a valid INN (10 or 12 digits with correct check digits)",
        ));
    }
    if card
        .birth_date
        .as_deref()
        .is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err())
    {
        out.push(problem(
            "birth_date",
            RULE_BIRTH_DATE,
            "not a date (YYYY-MM-DD)",
        ));
    }
    if card.responsible.iter().any(|r| r.trim().is_empty()) {
        out.push(problem(
            "responsible",
            RULE_RESPONSIBLE,
            "a responsible specialist needs a name",
        ));
    }
    for e in card.field_errors() {
        out.push(CardProblem {
            field: e.field,
            rule: RULE_TOO_LONG,
            reason: e.to_string(),
        });
    }
    out
}

/// The card as stored: every text trimmed, an empty optional field absent; its first problem
/// otherwise. A guest mark is the web widget's alone: an admin's card is never a guest's.
pub fn card_of(card: &ClientProfile) -> Result<ClientProfile, CardProblem> {
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let clean = ClientProfile {
        name: card.name.trim().to_string(),
        connect_id: opt(&card.connect_id),
        email: opt(&card.email),
        phone: opt(&card.phone),
        company: opt(&card.company),
        inn: opt(&card.inn),
        company_reg: opt(&card.company_reg),
        its_contract: opt(&card.its_contract),
        support_params: opt(&card.support_params),
        position: opt(&card.position),
        department: opt(&card.department),
        region: opt(&card.region),
        birth_date: opt(&card.birth_date),
        vip: card.vip,
        work_status: opt(&card.work_status),
        responsible: card
            .responsible
            .iter()
            .map(|r| r.trim().to_string())
            .collect(),
        guest: false,
    };
    match card_problems(&clean).into_iter().next() {
        Some(p) => Err(p),
        None => Ok(clean),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> ClientProfile {
        ClientProfile {
            name: " Иванова Мария ".into(),
            inn: Some("7707083893".into()),
            birth_date: Some("1985-04-12".into()),
            responsible: vec!["Смирнова А. С.".into()],
            email: Some(" ".into()),
            ..ClientProfile::default()
        }
    }

    #[test]
    fn c5_a_card_is_trimmed_and_checked() {
        let ok = card_of(&card()).expect("a good card");
        assert_eq!(ok.name, "Иванова Мария");
        assert_eq!(ok.email, None, "an empty field is absent");
        for (field, rule, bad) in [
            (
                "inn",
                RULE_INN,
                ClientProfile {
                    inn: Some("7707083890".into()),
                    ..card()
                },
            ),
            (
                "birth_date",
                RULE_BIRTH_DATE,
                ClientProfile {
                    birth_date: Some("1985-13-01".into()),
                    ..card()
                },
            ),
            (
                "email",
                RULE_EMAIL,
                ClientProfile {
                    email: Some("maria@".into()),
                    ..card()
                },
            ),
            (
                "name",
                RULE_NAME_REQUIRED,
                ClientProfile {
                    name: "  ".into(),
                    ..card()
                },
            ),
            (
                "responsible",
                RULE_RESPONSIBLE,
                ClientProfile {
                    responsible: vec![" ".into()],
                    ..card()
                },
            ),
        ] {
            let p = card_of(&bad).expect_err(field);
            assert_eq!((p.field, p.rule), (field, rule));
        }
        assert!(is_valid_inn("500100732259"));
    }
}
