//! The Linedesk desktop shell.
//!
//! Thin on purpose: it finds the data directory, opens the local store, and registers the IPC
//! commands of [`commands`]; the behaviour is in `crates/`. The UI is `ui/`, built to `ui/dist`.
//!
//! The line server: embedded unless one is named (see [`line`]).
//!
//! Data directory, first match wins: `--data-dir PATH` on the command line, the
//! `LINEDESK_DATA_DIR` environment variable, the platform's app data dir
//! (`~/.local/share/ru.linedesk.app` on Linux). `--export-data FILE` and `--import-data FILE
//! [--force]` carry that dir in one file and back without opening a window ([`data_transfer`]).

pub mod away;
pub mod bindings;
pub mod call_media;
pub mod call_quality;
pub mod calls;
pub mod cli;
pub mod collision;
pub mod commands;
pub mod consult;
mod data_transfer;
pub mod echo;
pub mod error;
pub mod groups;
pub mod headset_buttons;
pub mod ice;
pub mod line;
pub mod line_admin;
pub mod line_admin_clients;
pub mod line_admin_knowledge;
mod line_http;
pub mod notice_log;
pub mod notices;
pub mod recording;
pub mod recording_aside;
pub mod recording_player;
pub mod remote;
pub mod remote_frames;
pub mod reports;
pub mod ringing;
pub mod sip_calls;
pub mod staff_help;
pub mod state;
pub mod transfer;
pub mod waiting;
pub mod workstation;

use tauri::Manager;

use crate::state::AppState;

pub fn run() {
    // `--help` and `--version` print and exit here, before any window.
    let cli = <cli::Cli as clap::Parser>::parse();
    // Said once, in plain words, instead of ALSA's own reports (kept quiet by the backend).
    std::thread::spawn(|| {
        if let Some(words) = linedesk_audio::devices::missing_headset(&linedesk_audio::CpalBackend)
        {
            eprintln!("linedesk: {words}");
        }
    });
    if let Some(code) = data_transfer::from_cli(&cli) {
        std::process::exit(code);
    }
    let specta = bindings::builder();
    let result = tauri::Builder::default()
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            let data_dir = match cli.data_dir.clone() {
                Some(dir) => dir,
                None => app.path().app_data_dir()?,
            };
            let state = AppState::open(&data_dir, line::LineConfig::of(&cli), commands::now_ms());
            if let (Some(store), Ok(line)) = (state.shared_store(), state.line()) {
                notices::spawn(
                    app.handle().clone(),
                    store,
                    state.notices.clone(),
                    line.sync.incoming(),
                );
            }
            if let Some(store) = state.shared_store() {
                away::spawn(state.away.clone(), store, state.nudger());
            }
            let sip = sip_calls::SipState::new(&state);
            if let (Some(store), Ok(calls)) = (state.shared_store(), state.calls()) {
                let pbx = sip.0.as_ref().map(|s| s.calls.clone());
                ringing::spawn(app.handle().clone(), calls.clone(), pbx, store);
            }
            workstation::spawn_upload_loop(&state);
            app.manage(match state.calls() {
                Ok(calls) => headset_buttons::HeadsetButtonsState::start(calls.clone()),
                Err(_) => headset_buttons::HeadsetButtonsState::default(),
            });
            app.manage(transfer::TransferState::new(&state));
            app.manage(consult::ConsultState::new(&state));
            app.manage(sip);
            app.manage(state);
            staff_help::resume_at_launch(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("linedesk: the app could not start: {err}");
        std::process::exit(1);
    }
}
