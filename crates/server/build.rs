//! Embeds the client's web widget (`ui/dist-widget`, built by `./dev.sh` from the `ui/`
//! project's second entry) into the binary, so the server stays one file.
//!
//! Writes `$OUT_DIR/widget_files.rs`: a table of every file of the build (path relative to
//! `ui/dist-widget`, its bytes through `include_bytes!`). Without a build the table is empty:
//! the server still compiles and answers `/widget/` with a 503 that says how to build it
//! (`http::widget`); a warning says so at compile time. `LINEDESK_WIDGET_DIST` names
//! another folder.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=LINEDESK_WIDGET_DIST");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = std::env::var_os("LINEDESK_WIDGET_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../ui/dist-widget"));
    let mut files = Vec::new();
    if dist.join("widget.html").is_file() {
        println!("cargo:rerun-if-changed={}", dist.display());
        collect(&dist, &dist, &mut files);
        files.sort();
    } else {
        // Watch the UI project, so building the widget later re-runs this script (a missing
        // path would re-run it, and rebuild the server, on every cargo command).
        let ui = manifest.join("../../ui");
        println!(
            "cargo:rerun-if-changed={}",
            ui.join("widget.html").display()
        );
        println!("cargo:rerun-if-changed={}", ui.display());
        println!(
            "cargo:warning=the client's web widget is not built ({} has no widget.html): \
             /widget/ will answer 503; run ./dev.sh test or `cd ui && npm run build:widget`",
            dist.display()
        );
    }
    let mut code = String::from("pub static WIDGET_FILES: &[(&str, &[u8])] = &[\n");
    for (relative, absolute) in &files {
        code.push_str(&format!(
            "    ({relative:?}, include_bytes!({:?})),\n",
            absolute.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out.join("widget_files.rs"), code) {
        panic!("cannot write widget_files.rs: {e}");
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative = relative.to_string_lossy().replace('\\', "/");
            let absolute = path.canonicalize().unwrap_or(path.clone());
            files.push((relative, absolute));
        }
    }
}
