//! `linedesk-assist-window`: the client's assistant of remote sessions in a small window.
//!
//! The client signs in (server, login, password), sees who asks to see their screen and from
//! which line, accepts or declines; while the screen is shared the window stays on top with
//! "your screen is shared with <name> (<line>)" and End. The session password for sessions by
//! password is set in the window and cleared when the window closes. The behaviour is the
//! `linedesk-assist` library's (the same protocol and server checks as the terminal
//! `linedesk-assist`); the page is `ui/assist.html`, built to `ui/dist-assist`.
//!
//! The shared screen is the X display the window runs on (`$DISPLAY`). The server, login and
//! language are remembered in the app's config dir (`--config-dir PATH` or `LINEDESK_ASSIST_DIR`
//! instead, for tests); no password is ever written. The command line: `cli.rs`.

mod assistant;
mod cli;
mod commands;
mod remembered;
mod view;

use tauri::{Manager, WindowEvent};

use crate::assistant::Assistant;

fn main() {
    linedesk_logging::init_from_env("info");
    let cli = <cli::Cli as clap::Parser>::parse();
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![
            commands::remembered,
            commands::set_lang,
            commands::watch,
            commands::sign_in,
            commands::sign_out,
            commands::answer,
            commands::end_session,
            commands::set_session_password,
        ])
        .setup(move |app| {
            let dir = match cli.config_dir.clone() {
                Some(dir) => dir,
                None => app.path().app_config_dir()?,
            };
            app.manage(Assistant::new(remembered::file_in(&dir), cli.ca.clone()));
            Ok(())
        })
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // Quit only once a running session has ended and the password is cleared.
                api.prevent_close();
                let app = window.app_handle().clone();
                tauri::async_runtime::spawn(async move {
                    app.state::<Assistant>().stop().await;
                    app.exit(0);
                });
            }
        })
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("linedesk-assist-window: the window could not start: {err}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    /// The window's capability grants exactly its commands (the ones its build script makes
    /// permissions for), nothing of Tauri's core.
    #[test]
    fn the_capability_grants_exactly_the_window_commands() {
        let commands: &[&str] = &include!("command_names.in");
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/assist.json"))
                .expect("capability json");
        let mut granted: Vec<String> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .map(|p| p.as_str().expect("a permission name").to_string())
            .collect();
        let mut wanted: Vec<String> = commands
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-")))
            .collect();
        granted.sort();
        wanted.sort();
        assert_eq!(granted, wanted);
        assert_eq!(capability["windows"], serde_json::json!(["assist"]));
    }
}
