use super::*;
use crate::Store;

const NOW: i64 = 1_764_000_000_000;

fn app_dir(dir: &Path) -> Store {
    std::fs::create_dir_all(dir.join("downloads")).expect("downloads");
    std::fs::write(dir.join("downloads").join("счёт.pdf"), b"%PDF-1.7").expect("file");
    std::fs::write(dir.join("downloads").join("half.pdf.part"), b"%PD").expect("part");
    let store = Store::open(&dir.join("linedesk.db")).expect("store");
    crate::demo::seed_if_empty(&store, NOW).expect("demo");
    store
}

#[test]
fn an_export_of_an_open_store_imports_whole() {
    let tmp = tempfile::tempdir().expect("tmp");
    let source = tmp.path().join("app");
    // The store stays open (the app running): its WAL holds the latest writes.
    let store = app_dir(&source);
    let lines = store.lines().expect("lines");
    assert!(!lines.is_empty());
    let file = tmp.path().join("linedesk.export");
    let exported = export(&source, &file, NOW).expect("export");
    assert_eq!((exported.databases, exported.files), (1, 1));

    let target = tmp.path().join("restored");
    let imported = import(&file, &target, false).expect("import");
    assert_eq!(imported, exported);
    assert_eq!(
        std::fs::read(target.join("downloads").join("счёт.pdf")).expect("file"),
        b"%PDF-1.7"
    );
    assert!(!target.join("downloads").join("half.pdf.part").exists());
    let restored = Store::open(&target.join("linedesk.db")).expect("restored store");
    assert_eq!(restored.lines().expect("lines"), lines);
}

#[test]
fn import_refuses_a_non_empty_dir_a_foreign_file_and_a_path_outside() {
    let tmp = tempfile::tempdir().expect("tmp");
    let source = tmp.path().join("app");
    drop(app_dir(&source));
    let file = tmp.path().join("e.export");
    export(&source, &file, NOW).expect("export");
    assert_eq!(
        export(&source, &file, NOW)
            .expect_err("no overwrite")
            .code(),
        "export.target_exists"
    );
    let refused = import(&file, &source, false).expect_err("not empty");
    assert_eq!(refused.code(), "export.target_not_empty");
    assert!(
        source.join("downloads").join("half.pdf.part").exists(),
        "untouched"
    );
    import(&file, &source, true).expect("forced");
    assert!(
        !source.join("downloads").join("half.pdf.part").exists(),
        "replaced"
    );

    let foreign = import(&source.join("linedesk.db"), &tmp.path().join("x"), false)
        .expect_err("a store is not an export");
    assert_eq!(foreign.code(), "export.not_an_export");

    // An export naming a path outside the data dir writes nothing at all.
    let evil = tmp.path().join("evil.export");
    std::fs::copy(&file, &evil).expect("copy");
    let conn = Connection::open(&evil).expect("open");
    conn.execute(
        "INSERT INTO export_files (path, database, bytes) VALUES ('../outside.txt', 0, x'00')",
        [],
    )
    .expect("insert");
    drop(conn);
    let target = tmp.path().join("t");
    assert_eq!(
        import(&evil, &target, false).expect_err("outside").code(),
        "export.bad_path"
    );
    assert!(!tmp.path().join("outside.txt").exists());
    assert!(!target.join("linedesk.db").exists());
}
