//! Fuzz harnesses of the files an admin hands the server (bolero; see README, "Fuzzing"): the
//! CSV client import, the SLA levels TOML, the quick-replies and knowledge-base TOML, and the
//! server's config file.
//!
//! Properties: nothing panics; every CSV row is either good or reported, each once, with a row
//! number inside the file; a levels file that loads gives every level its deadlines from any
//! start (an SLA level that could never be met is refused at load, not at the first appeal);
//! what the knowledge files accept obeys their limits.

use std::path::Path;

use bolero::check;
use chrono::DateTime;
use linedesk_domain::sla::Deadlines;
use linedesk_server::config::ServerConfig;
use linedesk_server::import;
use linedesk_server::knowledge::{parse_kb, parse_quick_replies};
use linedesk_server::sla_file::parse_levels;

fn csv_properties(bytes: &[u8]) {
    let Ok(parsed) = import::parse(bytes) else {
        return;
    };
    // Rows are a spreadsheet's: a line break ends one, and so does a lone carriage return
    // (old Mac files), as the CSV reader reads them.
    let ends = bytes
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    let lines = ends + 1;
    let mut rows: Vec<usize> = parsed.good.iter().map(|(row, _)| *row).collect();
    for p in &parsed.problems {
        // A row may have several problems; it is then not among the good ones.
        assert!(
            !parsed.good.iter().any(|(row, _)| *row == p.row),
            "row {}",
            p.row
        );
        rows.push(p.row);
    }
    rows.sort_unstable();
    rows.dedup();
    for row in rows {
        assert!((2..=lines).contains(&row), "row {row} of {lines} lines");
    }
    for (_, client) in &parsed.good {
        assert!(!client.name.trim().is_empty());
    }
}

const HEADERS: &[&str] = &[
    "name",
    "ФИО",
    "имя",
    "connect_id",
    "id 1с-коннект",
    "email",
    "почта",
    "phone",
    "company",
    "inn",
    "ИНН",
    "position",
    "region",
    "vip",
    "bogus",
    "",
];
const CELLS: &[&str] = &[
    "Иванова",
    "",
    " ",
    "7707083893",
    "500100732259",
    "1234567890",
    "a@b.ru",
    "a@",
    "+7 (495) 1",
    "да",
    "no",
    "maybe",
    "\"quoted, with comma\"",
    "\"unterminated",
    "\u{feff}",
    "ООО «Ромашка»",
];

#[test]
fn fuzz_csv_bytes() {
    check!()
        .with_type::<Vec<u8>>()
        .with_iterations(5_000)
        .for_each(|bytes| csv_properties(bytes));
}

#[test]
fn fuzz_csv_rows() {
    check!()
        .with_type::<(Vec<u8>, Vec<Vec<(u8, String)>>, bool)>()
        .with_iterations(3_000)
        .for_each(|(header, rows, semicolon)| {
            let sep = if *semicolon { ";" } else { "," };
            let mut text: Vec<String> = vec![
                header
                    .iter()
                    .take(10)
                    .map(|h| HEADERS[usize::from(*h) % HEADERS.len()])
                    .collect::<Vec<_>>()
                    .join(sep),
            ];
            for row in rows.iter().take(20) {
                let cells: Vec<String> = row
                    .iter()
                    .take(12)
                    .map(|(pick, own)| match pick % 4 {
                        0 => own.clone(),
                        _ => CELLS[usize::from(*pick) % CELLS.len()].to_string(),
                    })
                    .collect();
                text.push(cells.join(sep));
            }
            csv_properties(text.join("\n").as_bytes());
        });
}

/// Starts the deadlines of every loaded level are computed from.
const STARTS: [&str; 4] = [
    "2011-12-29T10:00:00Z",
    "2026-03-29T00:30:00Z",
    "2026-12-31T23:59:00Z",
    "2038-01-19T03:14:07Z",
];

fn levels_properties(text: &str) {
    let Ok(levels) = parse_levels("levels.toml", text) else {
        return;
    };
    for level in levels.set.levels() {
        level.check().expect("a loaded level passes its check");
        for start in STARTS {
            let from = DateTime::parse_from_rfc3339(start).expect("start").to_utc();
            Deadlines::compute(level, from).unwrap_or_else(|e| {
                panic!(
                    "level {:?} loaded but gets no deadline from {start}: {e}",
                    level.name
                )
            });
        }
    }
}

const CALENDARS: &[&str] = &[
    "tz Europe/Moscow; Mon-Fri 09-13,14-18; 2026-12-31 off",
    "Mon-Sun 00-24",
    "tz Europe/Berlin; Sun 02-03",
    "tz Pacific/Apia; Fri 09-18; 2011-12-30 off",
    "Mon 09-10",
    "2026-12-05 09-18",
    "Mon-Fri 99999999999999999999-13",
    "Sun off",
    "tz Mars/Base; Mon 09-18",
];

#[test]
fn fuzz_levels_toml() {
    check!()
        .with_type::<Vec<(u8, u8, u64, u8, u64, String)>>()
        .with_iterations(1_500)
        .for_each(|levels| {
            const UNITS: [&str; 8] = ["h", "m", "d", "h", "m", "h", "m", ""];
            let mut text = String::new();
            for (i, (name, cal, reaction, unit, resolution, own)) in
                levels.iter().take(3).enumerate()
            {
                let name = match name % 5 {
                    0 => "Default".to_string(),
                    1 => own.replace(['"', '\\', '\n'], ""),
                    _ => format!("L{}", name % 7),
                };
                // Mostly good calendars (the first five), now and then a bad or random one.
                let calendar = match cal % 32 {
                    31 => own.replace(['"', '\\', '\n'], ""),
                    c if c >= 26 => CALENDARS[usize::from(c - 21) % CALENDARS.len()].to_string(),
                    c => CALENDARS[usize::from(c) % 5].to_string(),
                };
                // Small amounts mostly, huge ones sometimes.
                let amount = |n: u64| if n.is_multiple_of(8) { n } else { n % 500 };
                let unit = UNITS[usize::from(*unit) % UNITS.len()];
                text.push_str(&format!(
                    "[[level]]\nname = \"{name}\"\ncalendar = \"{calendar}\"\n\
                     reaction = \"{}{unit}\"\nresolution = \"{}h\"\n",
                    amount(*reaction),
                    amount(*resolution),
                ));
                if i % 2 == 1 {
                    text.push_str("conditions = { vip = true, channels = [\"message\"] }\n");
                }
                text.push('\n');
            }
            levels_properties(&text);
        });
}

#[test]
fn fuzz_admin_toml_text() {
    check!()
        .with_type::<String>()
        .with_iterations(5_000)
        .for_each(|text| {
            levels_properties(text);
            let _ = parse_quick_replies("replies.toml", text);
            let _ = parse_kb("kb.toml", text);
            let _ = ServerConfig::parse(Path::new("/nonexistent/linedesk-server.toml"), text);
        });
}

#[test]
fn fuzz_knowledge_and_config_fields() {
    check!()
        .with_type::<(String, String, u16, u64)>()
        .with_iterations(1_000)
        .for_each(|(title, body, repeat, grace)| {
            let body = body.repeat(usize::from(*repeat % 40));
            let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
            let replies = format!(
                "[[reply]]\ntitle = \"{}\"\ntext = \"{}\"\n",
                q(title),
                q(&body)
            );
            if let Ok(list) = parse_quick_replies("replies.toml", &replies) {
                for r in list {
                    assert!(!r.title.trim().is_empty() && r.title.chars().count() <= 200);
                }
            }
            let kb = format!(
                "[[article]]\ntitle = \"{}\"\nbody = \"{}\"\n",
                q(title),
                q(&body)
            );
            let _ = parse_kb("kb.toml", &kb);
            let config = format!(
                "bind = \"{}\"\ndata_dir = \"{}\"\noffline_grace_seconds = {}\n",
                q(title),
                q(&body),
                grace % (i64::MAX as u64)
            );
            let _ = ServerConfig::parse(Path::new("/nonexistent/linedesk-server.toml"), &config);
        });
}
