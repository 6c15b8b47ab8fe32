//! Importing a line's clients from CSV, with a report per row: good rows are kept, bad rows are
//! reported with the spreadsheet row number, the column and the reason.
//!
//! The file is UTF-8 with a header row, separated by `,` or `;` (what Excel writes in a Russian
//! locale). Columns, in any order, by English or Russian name: the whole C5 card:
//! `name`/`ФИО` (required), `connect_id`/`ID 1С-Коннект`, `email`/`E-mail`, `phone`/`Телефон`,
//! `company`/`Компания`, `inn`/`ИНН`, `company_reg`/`Рег. номер 1С`, `its_contract`/`Договор
//! ИТС`, `support_params`/`Параметры поддержки`, `position`/`Должность`,
//! `department`/`Подразделение`, `region`/`Регион`, `birth_date`/`Дата рождения`
//! (YYYY-MM-DD), `vip`/`VIP` (да/нет, yes/no, 1/0), `work_status`/`Статус`,
//! `responsible`/`Ответственные` (names separated by `|`). Each card is checked by the line's
//! rules (`linedesk_line::line_admin::clients`), as the app's client editor is.

use linedesk_line::line_admin::clients::card_problems;
use serde::Serialize;

use crate::storage::{StorageError, StoredClient};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// The spreadsheet row: the header is row 1.
    pub row: usize,
    pub column: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub rejected: usize,
    pub problems: Vec<RowProblem>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not CSV text: {0}")]
    NotCsv(String),
    #[error("the header has no {0:?} column")]
    MissingColumn(&'static str),
    #[error(
        "unknown column {0:?}; known: name, connect_id, email, phone, company, inn, company_reg, \
         its_contract, support_params, position, department, region, birth_date, vip, \
         work_status, responsible"
    )]
    UnknownColumn(String),
    #[error("the file has no rows")]
    Empty,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

const COLUMNS: [(&str, &[&str]); 16] = [
    ("name", &["name", "фио", "имя"]),
    (
        "connect_id",
        &["connect_id", "id 1с-коннект", "id", "логин"],
    ),
    ("email", &["email", "e-mail", "почта"]),
    ("phone", &["phone", "телефон"]),
    ("company", &["company", "компания", "организация"]),
    ("inn", &["inn", "инн"]),
    ("position", &["position", "должность"]),
    ("region", &["region", "регион"]),
    ("vip", &["vip"]),
    (
        "company_reg",
        &["company_reg", "рег. номер 1с", "регистрационный номер"],
    ),
    ("its_contract", &["its_contract", "договор итс"]),
    ("support_params", &["support_params", "параметры поддержки"]),
    ("department", &["department", "подразделение"]),
    ("birth_date", &["birth_date", "дата рождения"]),
    ("work_status", &["work_status", "статус"]),
    ("responsible", &["responsible", "ответственные"]),
];

pub use linedesk_line::line_admin::clients::is_valid_inn;

fn parse_vip(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" | "нет" | "no" | "0" | "false" => Some(false),
        "да" | "yes" | "1" | "true" => Some(true),
        _ => None,
    }
}

/// A parsed file: the good rows with their row number, and the problems of the others.
#[derive(Debug, Default)]
pub struct Parsed {
    pub good: Vec<(usize, StoredClient)>,
    pub problems: Vec<RowProblem>,
}

/// Parse and validate a file.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| ImportError::NotCsv(format!("not UTF-8 ({e})")))?;
    let text = text.trim_start_matches('\u{feff}');
    let header_line = text.lines().next().ok_or(ImportError::Empty)?;
    let delimiter = if header_line.matches(';').count() > header_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::NotCsv(e.to_string()))?
        .clone();
    let mut index = std::collections::HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().to_lowercase();
        let (column, _) = COLUMNS
            .iter()
            .find(|(_, names)| names.contains(&h.as_str()))
            .ok_or_else(|| ImportError::UnknownColumn(h.clone()))?;
        index.insert(*column, i);
    }
    if !index.contains_key("name") {
        return Err(ImportError::MissingColumn("name"));
    }
    let mut good = Vec::new();
    let mut problems = Vec::new();
    let mut seen_ids = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(RowProblem {
                    row,
                    column: String::new(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let get = |c: &str| {
            index
                .get(c)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
                .to_string()
        };
        let opt = |c: &str| Some(get(c)).filter(|v| !v.is_empty());
        let mut bad = |column: &str, reason: &str| {
            problems.push(RowProblem {
                row,
                column: column.to_string(),
                reason: reason.to_string(),
            });
        };
        let mut ok = true;
        let vip = parse_vip(&get("vip"));
        let connect_id = opt("connect_id");
        let client = StoredClient {
            name: get("name"),
            connect_id,
            email: opt("email"),
            phone: opt("phone"),
            company: opt("company"),
            inn: opt("inn"),
            company_reg: opt("company_reg"),
            its_contract: opt("its_contract"),
            support_params: opt("support_params"),
            position: opt("position"),
            department: opt("department"),
            region: opt("region"),
            birth_date: opt("birth_date"),
            vip: vip.unwrap_or(false),
            work_status: opt("work_status"),
            responsible: get("responsible")
                .split('|')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            guest: false,
        };
        // The card's rules and limits (crates/line, crates/protocol): a card over the limits
        // would make an event no app can read.
        for p in card_problems(&client) {
            bad(p.field, &p.reason);
            ok = false;
        }
        if vip.is_none() {
            bad("vip", "expected да/нет, yes/no or 1/0");
            ok = false;
        }
        if let Some(id) = &client.connect_id
            && !seen_ids.insert(id.clone())
        {
            bad("connect_id", "the same ID appears earlier in the file");
            ok = false;
        }
        if ok {
            good.push((row, client));
        }
    }
    if good.is_empty() && problems.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(Parsed { good, problems })
}

/// Parse, validate and store: good rows are kept even when others are bad.
pub fn import(
    storage: &dyn crate::storage::Storage,
    line: u64,
    bytes: &[u8],
) -> Result<ImportReport, ImportError> {
    let Parsed { good, mut problems } = parse(bytes)?;
    let refused = storage.import_clients(line, &good)?;
    for (row, reason) in &refused {
        problems.push(RowProblem {
            row: *row,
            column: "connect_id".into(),
            reason: reason.clone(),
        });
    }
    problems.sort_by_key(|p| p.row);
    let rejected: std::collections::BTreeSet<usize> = problems.iter().map(|p| p.row).collect();
    Ok(ImportReport {
        imported: good.len() - refused.len(),
        rejected: rejected.len(),
        problems,
    })
}
