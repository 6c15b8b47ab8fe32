//! Generates the window's ACL: one `allow-<command>` permission per command, so the capability
//! file grants exactly the commands the window uses and nothing else.

fn main() {
    let commands: &[&str] = &include!("src/command_names.in");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .unwrap_or_else(|err| panic!("tauri build script failed: {err:#}"));
}
