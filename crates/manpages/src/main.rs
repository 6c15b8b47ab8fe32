//! `linedesk-manpages DIR`: the man pages of the packaged binaries, written into DIR from the
//! same `clap` definitions the binaries parse their command lines with, so a page cannot
//! drift from `--help`. `./dev.sh package` runs it and puts the pages into the packages.
//!
//! The server's command line is `linedesk_server::cli`; the others are self-contained files
//! of their crates (clap and std only), included here rather than pulling in Tauri.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;

// Only their `clap::Command` is used here: the parsed fields are read by the binaries.
#[allow(dead_code)]
#[path = "../../../src-tauri/src/cli.rs"]
mod app;
#[allow(dead_code)]
#[path = "../../assist/src/cli.rs"]
mod assist;
#[allow(dead_code)]
#[path = "../../assist-window/src/cli.rs"]
mod assist_window;

/// Every packaged binary's command, its pages named after it (and `linedesk-server-serve.1`
/// and so on for the server's commands).
fn commands() -> Vec<clap::Command> {
    vec![
        app::Cli::command(),
        linedesk_server::cli::Cli::command(),
        assist::Cli::command(),
        assist_window::Cli::command(),
    ]
}

/// Write the pages into `dir`; the files written.
fn write_pages(dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for command in commands() {
        clap_mangen::generate_to(command, dir)
            .map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    }
    let mut written: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "1"))
        .collect();
    written.sort();
    Ok(written)
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!("usage: linedesk-manpages DIR");
        return ExitCode::from(2);
    };
    match write_pages(Path::new(&dir)) {
        Ok(pages) => {
            for page in pages {
                println!("{}", page.display());
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("linedesk-manpages: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every binary's command line is consistent (clap's own checks) and says its version.
    #[test]
    fn every_command_line_is_consistent() {
        for command in commands() {
            assert!(
                command.get_version().is_some(),
                "{} has no --version",
                command.get_name()
            );
            command.debug_assert();
        }
    }

    #[test]
    fn the_pages_name_the_binaries_and_the_server_commands() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pages = write_pages(dir.path()).expect("pages");
        let names: Vec<String> = pages
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .collect();
        for wanted in [
            "linedesk.1",
            "linedesk-server.1",
            "linedesk-server-serve.1",
            "linedesk-server-add-admin.1",
            "linedesk-assist.1",
            "linedesk-assist-window.1",
        ] {
            assert!(
                names.iter().any(|n| n == wanted),
                "no {wanted} in {names:?}"
            );
        }
        let serve = std::fs::read_to_string(dir.path().join("linedesk-server-serve.1"))
            .expect("the serve page");
        assert!(
            serve.contains("config"),
            "the serve page lacks --config: {serve}"
        );
    }
}
