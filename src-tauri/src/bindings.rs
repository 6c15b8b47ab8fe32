//! The typed bridge: commands and their payload types, exported to `ui/src/bindings.ts`.
//!
//! The TypeScript file is generated, never written by hand. `cargo test -p linedesk` fails when
//! it is stale; `LINEDESK_WRITE_BINDINGS=1 cargo test -p linedesk bindings` rewrites it.

use specta_typescript::Typescript;
use tauri_specta::{Builder, collect_commands};

use crate::commands;

pub const BINDINGS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");

/// Ids and times are `i64` in Rust. They are row ids and unix milliseconds, far below 2^53,
/// so exporting them as TypeScript `number` is exact (`dangerously_cast_bigints_to_number`).
pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .dangerously_cast_bigints_to_number()
        .commands(collect_commands![
            commands::app_info,
            commands::get_profile,
            commands::save_profile,
            commands::get_settings,
            commands::save_settings,
            commands::get_presence,
            commands::set_presence,
            commands::list_lines,
            commands::list_clients,
            commands::search_clients,
            commands::add_client_to_list,
            commands::set_favourite,
            commands::client_card,
            commands::list_messages,
            commands::send_message,
            crate::collision::send_message_confirmed,
            crate::collision::colleague_hold,
            crate::collision::chat_focus,
            crate::collision::chat_watchers,
            crate::staff_help::help_open,
            crate::staff_help::help_view,
            crate::staff_help::help_send,
            commands::get_draft,
            commands::save_draft,
            commands::search_history,
            commands::sync_status,
            crate::workstation::appeal_notes,
            crate::transfer::transfer_candidates,
            crate::transfer::transfer_call,
            crate::transfer::cancel_transfer,
            crate::transfer::transfer_state,
            crate::consult::consult_call,
            crate::consult::hand_over_call,
            crate::consult::end_consultation,
            crate::consult::consult_state,
            crate::consult::join_consultation,
            crate::workstation::client_appeals,
            crate::workstation::my_appeals,
            crate::workstation::start_appeal,
            crate::workstation::mark_spam,
            crate::waiting::wait_for_client,
            crate::waiting::closing_phrases,
            crate::waiting::auto_finish_minutes,
            crate::waiting::appeal_types,
            crate::waiting::choose_appeal_type,
            crate::workstation::transfer_appeal_to,
            crate::workstation::ticket_folder,
            crate::workstation::find_ticket,
            crate::workstation::ticket_details,
            crate::workstation::ticket_queues,
            crate::workstation::tickets_in_queue,
            crate::workstation::ticket_action,
            crate::workstation::send_file,
            crate::workstation::list_uploads,
            crate::workstation::answer_held_upload,
            crate::workstation::download_file,
            crate::workstation::save_kb_draft,
            crate::echo::voice_processing,
            crate::echo::set_voice_processing,
            commands::list_remote_sessions,
            commands::remote_dismiss,
            commands::remote_end,
            commands::remote_view_only,
            commands::remote_input,
            commands::remote_frame,
            commands::remote_state,
            commands::remote_request,
            commands::mic_check,
            commands::sign_in,
            commands::client_row,
            commands::list_notices,
            commands::finish_appeal,
            commands::take_appeal,
            commands::list_colleagues,
            commands::quick_replies,
            commands::kb_hints,
            commands::call_state,
            commands::list_calls,
            crate::call_quality::call_quality,
            commands::audio_devices,
            commands::test_tone,
            commands::watch_levels,
            commands::note_activity,
            commands::create_ticket,
            commands::list_tickets,
            commands::place_call,
            commands::answer_call,
            commands::hang_up_call,
            commands::set_call_muted,
            commands::set_call_hold,
            crate::recording::set_recording_paused,
            crate::recording_player::player_open,
            crate::reports::report_lines,
            crate::reports::report_sla,
            crate::reports::report_operators,
            crate::reports::report_calls,
            crate::reports::report_monitor,
            crate::reports::save_csv,
            crate::line_admin::admin_lines,
            crate::line_admin::admin_sla_levels,
            crate::line_admin::admin_check_level,
            crate::line_admin::admin_save_sla_levels,
            crate::line_admin_clients::admin_clients,
            crate::line_admin_clients::admin_save_client,
            crate::line_admin_clients::admin_queues,
            crate::line_admin_clients::admin_add_queue,
            crate::line_admin_clients::admin_rename_queue,
            crate::line_admin::admin_team,
            crate::line_admin::admin_save_member,
            crate::line_admin_knowledge::admin_quick_replies,
            crate::line_admin_knowledge::admin_save_quick_replies,
            crate::line_admin_knowledge::admin_upload_reply_file,
            crate::line_admin_knowledge::admin_kb_articles,
            crate::line_admin_knowledge::admin_save_article,
            crate::line_admin_knowledge::admin_delete_article,
            crate::line_admin_knowledge::send_reply_file,
            crate::reports::appeal_sla,
            crate::recording_player::player_play,
            crate::recording_player::player_pause,
            crate::recording_player::player_seek,
            crate::recording_player::player_state,
            commands::transfer_appeal,
            crate::headset_buttons::headset_status,
            crate::recording_aside::recordings_set_aside,
            crate::recording_aside::retry_recording_upload,
            crate::recording_aside::save_recording_copy,
            crate::groups::client_groups,
            crate::groups::create_group,
            crate::groups::add_group_member,
            crate::groups::remove_group_member,
            crate::groups::send_group_message,
            crate::line_admin_clients::admin_set_dispute_line,
            crate::sip_calls::commands::sip_account,
            crate::sip_calls::commands::save_sip_account,
            crate::sip_calls::commands::forget_sip_account,
            crate::sip_calls::commands::sip_status,
            crate::sip_calls::commands::sip_dial,
            crate::sip_calls::commands::sip_press,
        ])
}

pub fn typescript() -> Typescript {
    Typescript::default().header("// Generated from Rust by tauri-specta (src-tauri/src/bindings.rs). Do not edit.\n// @ts-nocheck")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_current() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fresh = dir.path().join("bindings.ts");
        builder()
            .export(typescript(), &fresh)
            .expect("export bindings");
        let fresh = std::fs::read_to_string(&fresh).expect("read fresh bindings");
        if std::env::var_os("LINEDESK_WRITE_BINDINGS").is_some() {
            std::fs::write(BINDINGS_PATH, &fresh).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(BINDINGS_PATH).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is stale: run `LINEDESK_WRITE_BINDINGS=1 cargo test -p linedesk bindings`"
        );
    }

    #[test]
    fn every_command_is_granted_to_the_main_window_and_nothing_else() {
        let names: Vec<String> = include_str!("command_names.in")
            .split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json"))
                .expect("capability json");
        let granted: Vec<String> = capability["permissions"]
            .as_array()
            .expect("permissions array")
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        let expected: Vec<String> = names
            .iter()
            .map(|n| format!("allow-{}", n.replace('_', "-")))
            .collect();
        assert_eq!(
            granted, expected,
            "capabilities/main.json must grant exactly the app's commands"
        );
        let bindings = std::fs::read_to_string(BINDINGS_PATH).unwrap_or_default();
        for name in &names {
            assert!(
                bindings.contains(&format!("\"{name}\"")),
                "{name} is not in the bindings"
            );
        }
    }
}
