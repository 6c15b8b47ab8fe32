//! `linedesk --export-data FILE` and `linedesk --import-data FILE [--force]`: the app's data
//! dir (the one `--data-dir`, `LINEDESK_DATA_DIR` or the platform names) in one file and
//! back, without starting the window ([`linedesk_store::data_export`] does the work; an
//! export may run while the app runs, an import wants it stopped).

use std::path::PathBuf;

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

fn asked(args: &[String]) -> Option<Result<Asked, String>> {
    let value = |flag: &str| {
        let at = args.iter().position(|a| a == flag)?;
        Some(
            args.get(at + 1)
                .filter(|v| !v.starts_with("--"))
                .map(PathBuf::from)
                .ok_or_else(|| format!("{flag} needs a file")),
        )
    };
    let force = args.iter().any(|a| a == "--force");
    match (value("--export-data"), value("--import-data")) {
        (Some(_), Some(_)) => Some(Err("--export-data and --import-data: one at a time".into())),
        (Some(file), None) => Some(file.map(Asked::Export)),
        (None, Some(file)) => Some(file.map(|f| Asked::Import(f, force))),
        (None, None) => None,
    }
}

/// Run an export or an import if the command line asks for one: the process's exit code.
pub fn from_args(data_dir: Option<PathBuf>) -> Option<i32> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let asked = match asked(&args)? {
        Ok(asked) => asked,
        Err(message) => {
            eprintln!("linedesk: {message}");
            return Some(2);
        }
    };
    let Some(dir) = data_dir.or_else(default_data_dir) else {
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
