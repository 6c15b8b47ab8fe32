//! A levels file whose levels can never be met is refused by `sla-levels` with the level and
//! the field named, instead of being stored and failing at the level's first appeal.

use linedesk_server::sla_file::parse_levels;

fn refused(level: &str) -> String {
    let text = format!(
        "[[level]]\n{level}\n\n[[level]]\nname = \"Default\"\ncalendar = \"Mon-Fri 09-18\"\n\
         reaction = \"1h\"\nresolution = \"8h\"\n"
    );
    parse_levels("levels.toml", &text)
        .expect_err("refused when loaded")
        .to_string()
}

#[test]
fn a_resolution_beyond_what_the_calendar_gives_is_refused_when_loaded() {
    let err = refused(
        "name = \"Night\"\ncalendar = \"tz Europe/Moscow; Sun 02-03\"\n\
         reaction = \"1h\"\nresolution = \"5000h\"",
    );
    assert!(
        err.starts_with("levels.toml: level 1 \"Night\": resolution: 5000h can never be met"),
        "{err}"
    );
}

#[test]
fn huge_durations_are_refused_naming_the_level_and_field() {
    for (field, value) in [
        ("reaction", "99999999999999999999h"),
        ("reaction", "9999999999999h"),
        ("resolution", "2000000000000h2000000000000h"),
        ("resolution", "99999999d"),
    ] {
        let other = if field == "reaction" {
            "resolution = \"8h\""
        } else {
            "reaction = \"1h\""
        };
        let err = refused(&format!(
            "name = \"VIP\"\ncalendar = \"Mon-Sun 00-24\"\n{field} = \"{value}\"\n{other}"
        ));
        assert!(
            err.starts_with(&format!("levels.toml: level 1 \"VIP\": {field}: ")),
            "{value}: {err}"
        );
    }
}

#[test]
fn huge_numbers_in_a_calendar_are_refused_naming_the_level() {
    let err = refused(
        "name = \"VIP\"\ncalendar = \"Mon-Fri 99999999999999999999-13\"\n\
         reaction = \"1h\"\nresolution = \"8h\"",
    );
    assert!(
        err.starts_with("levels.toml: level 1 \"VIP\": calendar: "),
        "{err}"
    );
}

#[test]
fn a_calendar_of_holidays_only_is_refused() {
    let err = refused(
        "name = \"Dates\"\ncalendar = \"2026-12-05 09-18\"\nreaction = \"1h\"\nresolution = \"8h\"",
    );
    assert!(
        err.starts_with("levels.toml: level 1 \"Dates\": calendar: no working hours"),
        "{err}"
    );
}
