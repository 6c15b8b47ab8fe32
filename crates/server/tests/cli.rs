//! The real `linedesk-server` binary's command line: what it refuses before touching the data
//! dir, and a password taken from the environment instead of the process list.

use std::process::{Command, Output};

use linedesk_server::auth::verify_password;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;

const BIN: &str = env!("CARGO_BIN_EXE_linedesk-server");

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).env_remove("LINEDESK_PASSWORD");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run linedesk-server")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_arguments_are_refused_with_a_message_and_write_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    for (args, says) in [
        (
            vec!["add-line", "--data-dir", data, "--name", "  "],
            "must not be empty",
        ),
        (
            vec![
                "add-client",
                "--data-dir",
                data,
                "--line",
                "x",
                "--name",
                "A",
            ],
            "invalid value 'x'",
        ),
        (
            vec!["serve", "--config", "a.toml", "--bind", "127.0.0.1:1"],
            "cannot be used with",
        ),
        (vec!["serve"], "--data-dir"),
        (
            vec![
                "add-specialist",
                "--data-dir",
                data,
                "--login",
                "a",
                "--name",
                "A",
                "--lines",
                "1",
            ],
            "--password",
        ),
        (vec!["frobnicate"], "unrecognized subcommand"),
    ] {
        let out = run(&args, &[]);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    assert!(
        !dir.path().join("data").exists(),
        "a refused command wrote the data dir"
    );
}

#[test]
fn a_password_from_the_environment_is_stored_like_one_from_the_flag() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let line = run(&["add-line", "--data-dir", data, "--name", "Линия"], &[]);
    assert!(line.status.success(), "{}", stderr(&line));
    let out = run(
        &[
            "add-specialist",
            "--data-dir",
            data,
            "--login",
            "anna",
            "--name",
            "Анна",
            "--lines",
            "1",
        ],
        &[("LINEDESK_PASSWORD", "secret-from-env")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stored = |login: &str| {
        let storage = SqliteStorage::open(&dir.path().join("server.db")).expect("open");
        storage
            .account_by_login(login)
            .expect("read")
            .expect("account")
            .password_hash
    };
    assert!(verify_password("secret-from-env", &stored("anna")));
    // A reset by environment works and says so without echoing the password.
    let reset = run(
        &["reset-password", "--data-dir", data, "--login", "anna"],
        &[("LINEDESK_PASSWORD", "another-secret")],
    );
    assert!(reset.status.success(), "{}", stderr(&reset));
    let said = String::from_utf8_lossy(&reset.stdout);
    assert!(said.contains("anna: new password set"), "{said}");
    assert!(!said.contains("another-secret"), "the password was printed");
    assert!(verify_password("another-secret", &stored("anna")));
    assert!(!verify_password("secret-from-env", &stored("anna")));
}

/// R1: `set-supervisor` grants and takes back the supervisor role of a line the specialist
/// serves, and refuses a line they do not serve or an unknown login.
#[test]
fn r1_set_supervisor_grants_and_takes_back_the_role() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8 path");
    for name in ["Линия", "Другая"] {
        let line = run(&["add-line", "--data-dir", data, "--name", name], &[]);
        assert!(line.status.success(), "{}", stderr(&line));
    }
    let add = run(
        &[
            "add-specialist",
            "--data-dir",
            data,
            "--login",
            "anna",
            "--name",
            "Анна",
            "--lines",
            "1",
        ],
        &[("LINEDESK_PASSWORD", "secret")],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let role = || {
        let storage = SqliteStorage::open(&dir.path().join("server.db")).expect("open");
        let anna = storage
            .account_by_login("anna")
            .expect("read")
            .expect("anna")
            .subject
            .id;
        storage.line_role(anna, 1).expect("role")
    };
    assert_eq!(role(), Some(false));
    let grant = run(
        &[
            "set-supervisor",
            "--data-dir",
            data,
            "--login",
            "anna",
            "--line",
            "1",
        ],
        &[],
    );
    assert!(grant.status.success(), "{}", stderr(&grant));
    assert!(String::from_utf8_lossy(&grant.stdout).contains("anna supervises line 1"));
    assert_eq!(role(), Some(true));
    let off = [
        "set-supervisor",
        "--data-dir",
        data,
        "--login",
        "anna",
        "--line",
        "1",
        "--off",
    ];
    assert!(run(&off, &[]).status.success());
    assert_eq!(role(), Some(false));
    let other = run(
        &[
            "set-supervisor",
            "--data-dir",
            data,
            "--login",
            "anna",
            "--line",
            "2",
        ],
        &[],
    );
    assert!(!other.status.success());
    assert!(
        stderr(&other).contains("does not serve line 2"),
        "{}",
        stderr(&other)
    );
    let nobody = run(
        &[
            "set-supervisor",
            "--data-dir",
            data,
            "--login",
            "bob",
            "--line",
            "1",
        ],
        &[],
    );
    assert!(!nobody.status.success());
    assert!(
        stderr(&nobody).contains("no specialist"),
        "{}",
        stderr(&nobody)
    );
}

/// Issue 15, item 4: `set-line-admin` grants and takes back the line-admin role of a line the
/// specialist serves (the same command shape as `set-supervisor`), and refuses another line.
#[test]
fn set_line_admin_grants_and_takes_back_the_role() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8 path");
    for name in ["Линия", "Другая"] {
        let line = run(&["add-line", "--data-dir", data, "--name", name], &[]);
        assert!(line.status.success(), "{}", stderr(&line));
    }
    let add = run(
        &[
            "add-specialist",
            "--data-dir",
            data,
            "--login",
            "anna",
            "--name",
            "Анна",
            "--lines",
            "1",
        ],
        &[("LINEDESK_PASSWORD", "secret")],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let role = |line: u64| {
        let storage = SqliteStorage::open(&dir.path().join("server.db")).expect("open");
        let anna = storage
            .account_by_login("anna")
            .expect("read")
            .expect("anna")
            .subject
            .id;
        storage.line_admin_role(anna, line).expect("role")
    };
    assert_eq!(role(1), Some(false));
    let args = |line: &'static str, off: bool| {
        let mut a = vec![
            "set-line-admin",
            "--data-dir",
            data,
            "--login",
            "anna",
            "--line",
            line,
        ];
        if off {
            a.push("--off");
        }
        a
    };
    let grant = run(&args("1", false), &[]);
    assert!(grant.status.success(), "{}", stderr(&grant));
    assert!(String::from_utf8_lossy(&grant.stdout).contains("anna administers line 1"));
    assert_eq!(role(1), Some(true));
    let other = run(&args("2", false), &[]);
    assert!(!other.status.success());
    assert!(stderr(&other).contains("does not serve line 2"));
    assert_eq!(role(2), None);
    assert!(run(&args("1", true), &[]).status.success());
    assert_eq!(role(1), Some(false));
}

#[test]
fn w3_staff_line_sets_and_clears_the_help_buttons_line() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let line = run(
        &[
            "add-line",
            "--data-dir",
            data,
            "--name",
            "Поддержка сотрудников",
        ],
        &[],
    );
    assert!(line.status.success(), "{}", stderr(&line));
    let staff = || {
        SqliteStorage::open(&dir.path().join("server.db"))
            .expect("open")
            .staff_line()
            .expect("read")
    };
    let missing = run(&["staff-line", "--data-dir", data, "--line", "7"], &[]);
    assert!(!missing.status.success(), "no line 7");
    assert_eq!(staff(), None);
    let set = run(&["staff-line", "--data-dir", data, "--line", "1"], &[]);
    assert!(set.status.success(), "{}", stderr(&set));
    assert_eq!(staff(), Some(1));
    let off = run(&["staff-line", "--data-dir", data, "--off"], &[]);
    assert!(off.status.success(), "{}", stderr(&off));
    assert_eq!(staff(), None);
    let neither = run(&["staff-line", "--data-dir", data], &[]);
    assert!(!neither.status.success(), "a line or --off is needed");
}
