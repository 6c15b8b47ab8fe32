//! `rusqlite` appears only where SQLite is the point: the app's store (`crates/store`), the
//! server's SQLite backend (`crates/server/src/sqlite*`), the manifests that declare it, and
//! the server tests that build old SQLite databases on purpose. The line's rules
//! (`crates/line`) and everything else stay portable to another backend.

use std::path::{Path, PathBuf};

const ALLOWED_PREFIXES: &[&str] = &[
    "crates/store/",
    "crates/server/src/sqlite.rs",
    "crates/server/src/sqlite/",
];

const ALLOWED_FILES: &[&str] = &[
    "Cargo.toml",
    "crates/server/Cargo.toml",
    // Tests that write databases of older servers, or look into the backend's tables.
    "crates/server/tests/migration.rs",
    "crates/server/tests/upgrade_fixture.rs",
    "crates/server/tests/remote_sessions.rs",
    // The reports' bench writes a year of rows straight into the tables.
    "crates/server/benches/reports.rs",
    // This file, which names it in its docs.
    "crates/server/tests/sql_boundary.rs",
];

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(
                name.as_ref(),
                "target" | "node_modules" | ".git" | "dist" | "ui" | "gen"
            ) {
                walk(root, &path, out);
            }
        } else if name.ends_with(".rs") || name == "Cargo.toml" {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
}

#[test]
fn rusqlite_appears_only_in_the_sqlite_backends() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    assert!(files.len() > 50, "the walk found the workspace");
    let needle = "rusqlite";
    let mut outside = Vec::new();
    for file in &files {
        let rel = file.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        let uses = text.contains(needle);
        let allowed = ALLOWED_PREFIXES.iter().any(|p| rel.starts_with(p))
            || ALLOWED_FILES.contains(&rel.as_str());
        if uses && !allowed {
            outside.push(rel);
        }
    }
    assert!(
        outside.is_empty(),
        "{needle} outside the SQLite backends: {outside:?}"
    );
}
