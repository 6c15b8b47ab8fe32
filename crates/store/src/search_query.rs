//! C4: what a search box's text means to the client index (FTS5, migrations 0002 and 0026).
//! Words are prefixes, ё is е. A number is looked up by its digits, however it was typed:
//! an INN with spaces or an «ИНН» prefix, a phone as +7 (912) 345-67-89, 8 912 ... or
//! 912 ..., a registration number with dashes. A name's first word (the surname) ranks before
//! the same letters further in (a patronymic): «ивано» lists Иванова before Петровна Ивановна.

/// Words before a number that only say what it is.
const NUMBER_LABELS: [&str; 8] = ["инн", "inn", "огрн", "ogrn", "тел", "tel", "кпп", "kpp"];

/// Fewest digits that make a query a number (fewer could be part of a login or a name).
const MIN_DIGITS: usize = 3;

/// The FTS5 query for `input`, or `None` when there is nothing to look for.
pub fn client_query(input: &str) -> Option<String> {
    number_query(input).or_else(|| crate::clients::folded_prefix_query(input))
}

/// The surname a query starts with: its first word, lower case, ё as е, and whether more
/// words follow; `None` for a number or an empty query. A client whose name starts with it
/// ranks first (the name's first word is the surname).
pub fn surname_prefix(input: &str) -> Option<(String, bool)> {
    if digits_of(input).is_some() {
        return None;
    }
    let mut words = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty());
    let first = words.next()?;
    Some((fold(first), words.next().is_some()))
}

/// Lower case with ё as е: how names compare (the `ru_ci` collation) and how the index holds
/// them.
pub fn fold(text: &str) -> String {
    folded_chars(text).collect()
}

/// [`fold`] without the allocation, for the collation's comparisons.
pub(crate) fn folded_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
}

/// `input` as a number's digits, when it is one (labels, spaces, dashes, brackets, dots,
/// slashes and a plus sign aside).
fn digits_of(input: &str) -> Option<String> {
    let mut rest = input.trim().to_lowercase();
    for label in NUMBER_LABELS {
        if let Some(after) = rest.strip_prefix(label) {
            rest = after.trim_start_matches([':', '№', ' ', '.']).to_string();
            break;
        }
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let only_number = rest
        .chars()
        .all(|c| c.is_ascii_digit() || " -()+./".contains(c));
    (only_number && digits.len() >= MIN_DIGITS).then_some(digits)
}

/// The digits of a number query, looked up in the number columns (and the login, which may
/// be one): a phone given with 8 or without the country code is also looked up with 7.
fn number_query(input: &str) -> Option<String> {
    let digits = digits_of(input)?;
    let mut variants = vec![digits.clone()];
    if digits.len() == 11 && digits.starts_with('8') {
        variants.push(format!("7{}", &digits[1..]));
    } else if digits.starts_with('9') && digits.len() <= 10 {
        variants.push(format!("7{digits}"));
    }
    let terms: Vec<String> = variants.iter().map(|d| format!("\"{d}\"*")).collect();
    Some(format!(
        "{{login_id inn phone reg_number}} : ({})",
        terms.join(" OR ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_their_digits_however_typed() {
        for typed in [
            "7701234560",
            "770 123 4560",
            "ИНН 7701234560",
            "инн: 770-123-4560",
        ] {
            assert_eq!(digits_of(typed).as_deref(), Some("7701234560"), "{typed}");
        }
        assert_eq!(
            digits_of("+7 (912) 345-67-89").as_deref(),
            Some("79123456789")
        );
        assert_eq!(digits_of("12"), None, "too short to be a number");
        assert_eq!(
            digits_of("Иванова 12"),
            None,
            "a name with a number is words"
        );
        assert_eq!(digits_of(""), None);
    }

    #[test]
    fn a_phone_with_8_or_without_the_country_code_is_also_looked_up_with_7() {
        let q = number_query("8 912 345-67-89").expect("a number");
        assert!(
            q.contains("\"89123456789\"*") && q.contains("\"79123456789\"*"),
            "{q}"
        );
        let q = number_query("912 345").expect("a number");
        assert!(
            q.contains("\"912345\"*") && q.contains("\"7912345\"*"),
            "{q}"
        );
        let q = number_query("7701234560").expect("a number");
        assert_eq!(q, "{login_id inn phone reg_number} : (\"7701234560\"*)");
    }

    #[test]
    fn the_first_word_ranks_as_a_surname_and_yo_is_ye() {
        assert_eq!(surname_prefix("Фёдор"), Some(("федор".into(), false)));
        assert_eq!(surname_prefix("  ивано петр"), Some(("ивано".into(), true)));
        assert_eq!(surname_prefix("7701234560"), None);
        assert_eq!(surname_prefix(" , "), None);
    }
}
