//! `linedesk --export-data FILE` and `linedesk --import-data FILE [--force]`: the app's data
//! dir (the one `--data-dir`, `LINEDESK_DATA_DIR` or the platform names) in one file and
//! back, without starting the window ([`linedesk_store::data_export`] does the work; an
//! export may run while the app runs, an import wants it stopped).

use std::path::PathBuf;

use crate::cli::Cli;
use crate::commands::now_ms;

/// The platform's app data dir without a running app: what Tauri's `app_data_dir` gives on
/// Linux (`$XDG_DATA_HOME` or `~/.local/share`, then the bundle identifier).
fn default_data_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("ru.linedesk.app"))
}

enum Asked {
    Export(PathBuf),
    Import(PathBuf, bool),
}

fn asked(cli: &Cli) -> Option<Asked> {
    match (&cli.export_data, &cli.import_data) {
        (Some(file), _) => Some(Asked::Export(file.clone())),
        (None, Some(file)) => Some(Asked::Import(file.clone(), cli.force)),
        (None, None) => None,
    }
}

/// Run an export or an import if the command line asks for one: the process's exit code.
pub fn from_cli(cli: &Cli) -> Option<i32> {
    let asked = asked(cli)?;
    let Some(dir) = cli.data_dir.clone().or_else(default_data_dir) else {
        eprintln!("linedesk: no data dir (pass --data-dir DIR)");
        return Some(2);
    };
    let done = match asked {
        Asked::Export(file) => {
            linedesk_store::data_export::export(&dir, &file, now_ms()).map(|c| {
                format!(
                    "exported {} into {}: {} database(s), {} file(s)",
                    dir.display(),
                    file.display(),
                    c.databases,
                    c.files
                )
            })
        }
        Asked::Import(file, force) => {
            linedesk_store::data_export::import(&file, &dir, force).map(|c| {
                format!(
                    "imported {} into {}: {} database(s), {} file(s)",
                    file.display(),
                    dir.display(),
                    c.databases,
                    c.files
                )
            })
        }
    };
    match done {
        Ok(said) => {
            println!("{said}");
            Some(0)
        }
        Err(e) => {
            eprintln!("linedesk: {e}");
            Some(2)
        }
    }
}
