//! Importing clients from CSV: good rows kept, bad rows reported with row, column and reason.

use linedesk_server::import::{ImportError, import, is_valid_inn};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;

fn storage() -> (SqliteStorage, u64) {
    let s = SqliteStorage::open_in_memory().expect("storage");
    let line = s.add_line("Линия").expect("line");
    (s, line)
}

#[test]
fn good_rows_are_kept_and_bad_rows_reported_per_row() {
    let (s, line) = storage();
    let csv = "name,connect_id,email,phone,company,inn,position,region,vip\n\
               Иванова Мария,1c-001,m.ivanova@romashka.ru,+7 (495) 123-45-67,ООО Ромашка,7701234560,Бухгалтер,Москва,да\n\
               ,1c-002,,,,,,,\n\
               Петров Пётр,1c-003,not-an-email,,,,,,\n\
               Сидоров,1c-004,,телефон,,1234567890,,,может быть\n\
               Козлова Анна,1c-001,,,,,,,нет\n\
               Орлов Олег,1c-005,,,,500100732259,,,1\n";
    let report = import(&s, line, csv.as_bytes()).expect("import");
    assert_eq!((report.imported, report.rejected), (2, 4), "{report:?}");
    let at = |row: usize| {
        report
            .problems
            .iter()
            .filter(|p| p.row == row)
            .map(|p| p.column.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(at(3), vec!["name"]);
    assert_eq!(at(4), vec!["email"]);
    assert_eq!(
        at(5),
        vec!["phone", "inn", "vip"],
        "every problem of a row is reported"
    );
    assert_eq!(at(6), vec!["connect_id"], "a duplicate ID in the file");
    assert!(at(2).is_empty() && at(7).is_empty());
}

#[test]
fn russian_excel_files_with_semicolons_and_russian_headers() {
    let (s, line) = storage();
    let csv = "\u{feff}ФИО;ИНН;E-mail;VIP\nИванова Мария;7701234560;m@r.ru;Да\nПетров;;;нет\n";
    let report = import(&s, line, csv.as_bytes()).expect("import");
    assert_eq!((report.imported, report.rejected), (2, 0), "{report:?}");
}

#[test]
fn an_id_already_on_the_line_is_reported_and_the_rest_kept() {
    let (s, line) = storage();
    import(&s, line, b"name,connect_id\nA,x-1\n").expect("first");
    let report = import(&s, line, b"name,connect_id\nB,x-1\nC,x-2\n").expect("second");
    assert_eq!((report.imported, report.rejected), (1, 1));
    assert_eq!(report.problems[0].row, 2);
}

#[test]
fn files_that_are_not_client_lists_are_refused_whole() {
    let (s, line) = storage();
    assert!(matches!(
        import(&s, line, &[0xff, 0xfe, 0x00, 0x41]),
        Err(ImportError::NotCsv(_))
    ));
    assert!(matches!(
        import(&s, line, b"email,phone\na@b.ru,1\n"),
        Err(ImportError::MissingColumn("name"))
    ));
    assert!(matches!(
        import(&s, line, b"name,password\nA,x\n"),
        Err(ImportError::UnknownColumn(_))
    ));
    assert!(matches!(import(&s, line, b""), Err(ImportError::Empty)));
    assert!(matches!(
        import(&s, line, b"name\n"),
        Err(ImportError::Empty)
    ));
    assert!(import(&s, 999, b"name\nA\n").is_err(), "an unknown line");
}

#[test]
fn fields_over_the_card_limits_are_reported_by_row_and_column_and_not_stored() {
    use linedesk_protocol::card;
    let (s, line) = storage();
    let long_company = "Я".repeat(card::COMPANY + 1);
    let long_name = "Ж".repeat(card::NAME + 1);
    let long_region = "\u{1}".repeat(card::REGION + 1);
    let csv = format!(
        "name,company,region,position\n\
         Иванова,{long_company},Москва,\n\
         {long_name},,{long_region},Бухгалтер\n\
         Петров,{},{},{}\n",
        "К".repeat(card::COMPANY),
        "Р".repeat(card::REGION),
        "Д".repeat(card::POSITION),
    );
    let report = import(&s, line, csv.as_bytes()).expect("import");
    assert_eq!((report.imported, report.rejected), (1, 2), "{report:?}");
    let at = |row: usize| {
        report
            .problems
            .iter()
            .filter(|p| p.row == row)
            .map(|p| (p.column.as_str(), p.reason.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at(2),
        vec![(
            "company",
            format!("company is longer than {} characters", card::COMPANY)
        )]
    );
    let row3: Vec<&str> = at(3).iter().map(|(c, _)| *c).collect();
    assert_eq!(row3, vec!["name", "region"], "every field over its limit");
    let stored = s.clients_of(line).expect("clients");
    assert_eq!(stored.len(), 1, "only the row at the limits: {stored:?}");
}

#[test]
fn inn_check_digits_for_organisations_and_people() {
    assert!(is_valid_inn("7701234560"));
    assert!(!is_valid_inn("7701234561"));
    assert!(is_valid_inn("500100732259"));
    assert!(!is_valid_inn("500100732258"));
    for bad in [
        "",
        "770123456",
        "77012345600",
        "77012345a0",
        "７７０１２３４５６０",
    ] {
        assert!(!is_valid_inn(bad), "{bad:?}");
    }
}

#[test]
fn the_cli_prints_the_report() {
    let dir = tempfile::tempdir().expect("dir");
    let bin = env!("CARGO_BIN_EXE_linedesk-server");
    let data = dir.path().display().to_string();
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .output()
            .expect("run")
    };
    assert!(
        run(&["add-line", "--data-dir", &data, "--name", "Л"])
            .status
            .success()
    );
    let file = dir.path().join("clients.csv");
    std::fs::write(&file, "name,email\nА,a@b.ru\nБ,плохой\n").expect("write");
    let out = run(&[
        "import-clients",
        "--data-dir",
        &data,
        "--line",
        "1",
        "--file",
        &file.display().to_string(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("imported 1, rejected 1") && text.contains("row 3 [email]"),
        "{text}"
    );
    let out = run(&[
        "import-clients",
        "--data-dir",
        &data,
        "--line",
        "1",
        "--file",
        "/nonexistent.csv",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// Found by `fuzz_csv_rows` (seed 176980377462445798757980647712532787727): a cell with a lone
/// carriage return. Rows are numbered as a spreadsheet shows them: a lone carriage return ends
/// a row like a line break (old Mac files), and a quoted cell may hold a line break inside one
/// row.
#[test]
fn rows_are_numbered_as_a_spreadsheet_shows_them() {
    let csv = "name,email\nОрлов,bad\rКозлов,bad\n\"Иванова\nМария\",bad\nПетров,bad\n";
    let parsed = linedesk_server::import::parse(csv.as_bytes()).expect("parsed");
    let rows: Vec<usize> = parsed.problems.iter().map(|p| p.row).collect();
    assert_eq!(rows, [2, 3, 4, 5], "{:?}", parsed.problems);
}

/// C5: the whole card comes in by CSV (issue 15, item 4): registration number, ITS contract,
/// support parameters, department, birth date, status and the responsible specialists; a bad
/// birth date is reported like any other field.
#[test]
fn c5_the_whole_card_is_imported() {
    let (s, line) = storage();
    let csv = "ФИО;ИНН;Рег. номер 1С;Договор ИТС;Параметры поддержки;Подразделение;Дата рождения;Статус;Ответственные\n\
               Иванова Мария;7701234560;800123456;ИТС ПРОФ до 2027-12-31;Линия 2, приоритет;Бухгалтерия;1985-04-12;its_prof;Смирнова А. С.|Кузнецов Д. И.\n\
               Петров;;;;;;1985-13-01;;\n";
    let report = import(&s, line, csv.as_bytes()).expect("import");
    assert_eq!((report.imported, report.rejected), (1, 1), "{report:?}");
    assert_eq!(report.problems[0].column, "birth_date");
    let (_, card) = s
        .clients_of(line)
        .expect("clients")
        .into_iter()
        .find(|(_, c)| c.name == "Иванова Мария")
        .expect("imported");
    assert_eq!(card.company_reg.as_deref(), Some("800123456"));
    assert_eq!(card.its_contract.as_deref(), Some("ИТС ПРОФ до 2027-12-31"));
    assert_eq!(card.support_params.as_deref(), Some("Линия 2, приоритет"));
    assert_eq!(card.department.as_deref(), Some("Бухгалтерия"));
    assert_eq!(card.birth_date.as_deref(), Some("1985-04-12"));
    assert_eq!(card.work_status.as_deref(), Some("its_prof"));
    assert_eq!(card.responsible, vec!["Смирнова А. С.", "Кузнецов Д. И."]);
}
