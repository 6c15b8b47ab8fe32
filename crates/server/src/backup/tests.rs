use super::*;
use crate::sqlite::SqliteStorage;
use crate::storage::Storage;

fn data_dir_with_a_line(dir: &Path) -> u64 {
    let storage = SqliteStorage::open(&dir.join(DATABASE)).expect("storage");
    let line = storage.add_line("Первая линия").expect("line");
    std::fs::create_dir_all(dir.join(RECORDINGS)).expect("recordings");
    std::fs::write(dir.join(RECORDINGS).join("call-7.ogg"), b"OggS recording").expect("ogg");
    // Half written: never in a backup.
    std::fs::write(dir.join(RECORDINGS).join("call-8.ogg.part"), b"OggS").expect("part");
    line
}

#[test]
fn a_backup_restores_the_database_and_the_recordings() {
    let tmp = tempfile::tempdir().expect("tmp");
    let source = tmp.path().join("source");
    let line = data_dir_with_a_line(&source);
    let file = tmp.path().join("linedesk.backup");
    let taken = backup(&source, &file, 1_700_000_000_000).expect("backup");
    assert_eq!(taken.recordings, 1);
    assert!(
        !part_of(&file).exists(),
        "the .part file is renamed into place"
    );

    let target = tmp.path().join("target");
    let restored = restore(&file, &target, false).expect("restore");
    assert_eq!(
        restored,
        Copied {
            taken_ms: 1_700_000_000_000,
            recordings: 1
        }
    );
    assert_eq!(
        std::fs::read(target.join(RECORDINGS).join("call-7.ogg")).expect("ogg"),
        b"OggS recording"
    );
    assert!(!target.join(RECORDINGS).join("call-8.ogg.part").exists());
    let storage = SqliteStorage::open(&target.join(DATABASE)).expect("restored storage");
    let lines = storage.lines().expect("lines");
    assert!(
        lines
            .iter()
            .any(|l| l.id == line && l.name == "Первая линия"),
        "{lines:?}"
    );
}

#[test]
fn restore_refuses_a_non_empty_target_unless_forced_and_a_file_that_is_no_backup() {
    let tmp = tempfile::tempdir().expect("tmp");
    let source = tmp.path().join("source");
    data_dir_with_a_line(&source);
    let file = tmp.path().join("b.backup");
    backup(&source, &file, 1).expect("backup");
    let again = backup(&source, &file, 2).expect_err("never overwrites");
    assert_eq!(again.code(), "backup.target_exists");

    // The source is not empty: refused, untouched.
    let refused = restore(&file, &source, false).expect_err("not empty");
    assert_eq!(refused.code(), "backup.target_not_empty");
    assert!(source.join(RECORDINGS).join("call-8.ogg.part").exists());
    // Forced: replaced (the half-written recording goes with the old recordings/).
    restore(&file, &source, true).expect("forced");
    assert!(!source.join(RECORDINGS).join("call-8.ogg.part").exists());
    assert!(source.join(RECORDINGS).join("call-7.ogg").exists());

    let not_backup = restore(&source.join(DATABASE), &tmp.path().join("t2"), false)
        .expect_err("a server database is not a backup");
    assert_eq!(not_backup.code(), "backup.storage");
    assert!(
        not_backup
            .to_string()
            .contains("not a linedesk-server backup")
    );
    let missing =
        backup(&tmp.path().join("nothing"), &tmp.path().join("x"), 1).expect_err("no data dir");
    assert_eq!(missing.code(), "backup.not_a_data_dir");
}
