//! The audit log: who signed in (or failed to, from where), which admin did what to whom, and
//! the remote sessions (asked, granted, ended, wrong passwords), as `tracing` events on the
//! [`AUDIT`] target. They go wherever the process's logs go (stderr: journald under systemd);
//! `LINEDESK_LOG=warn,audit=info` keeps them alone. No event carries a password or a token.

use std::net::IpAddr;

pub use linedesk_logging::AUDIT;
use linedesk_protocol::Event;

use crate::storage::{StoredEvent, Subject};

/// Shown for an address the server does not know (a test's router without a socket).
fn shown(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "-".to_string(), |ip| ip.to_string())
}

/// `POST /api/login` decided: `account` is the subject on success.
pub fn login(login: &str, ip: Option<IpAddr>, account: Option<Subject>) {
    let address = shown(ip);
    match account {
        Some(subject) => tracing::info!(
            target: AUDIT,
            login,
            %address,
            role = ?subject.role,
            id = subject.id,
            "login succeeded"
        ),
        None => tracing::warn!(target: AUDIT, login, %address, "login failed"),
    }
}

/// A login refused before its password was checked (too many failures).
pub fn login_throttled(login: &str, ip: Option<IpAddr>) {
    let address = shown(ip);
    tracing::warn!(target: AUDIT, login, %address, "login throttled");
}

/// An admin route that changes something answered `status`: `what` is its method and path
/// (the path names whom: `/api/admin/accounts/{login}/disable`, `/api/lines/{line}/admin/...`).
pub fn admin_action(actor: Subject, ip: Option<IpAddr>, what: &str, status: u16) {
    let address = shown(ip);
    tracing::info!(
        target: AUDIT,
        actor_role = ?actor.role,
        actor = actor.id,
        %address,
        action = what,
        status,
        "admin action"
    );
}

/// A request to an admin route without a valid token (refused with `status`).
pub fn admin_refused(ip: Option<IpAddr>, what: &str, status: u16) {
    let address = shown(ip);
    tracing::warn!(
        target: AUDIT,
        %address,
        action = what,
        status,
        "admin action without a valid token"
    );
}

/// A command of `linedesk-server` run on the data dir (add-admin, reset-password, ...).
pub fn admin_command(command: &str, login: Option<&str>) {
    tracing::info!(
        target: AUDIT,
        command,
        login = login.unwrap_or("-"),
        "admin command"
    );
}

/// A remote-session password set or cleared (the client's own action; never the password).
pub fn remote_password_changed(actor: Subject, set: bool) {
    tracing::info!(
        target: AUDIT,
        actor_role = ?actor.role,
        actor = actor.id,
        set,
        "remote session password changed"
    );
}

/// The remote sessions' events, whoever appended them (a session, the ring timer): asked,
/// granted (started) and ended. Called for every event the hub publishes.
pub fn remote_events(events: &[StoredEvent]) {
    for e in events {
        match &e.event {
            Event::RemoteRequested {
                session,
                client,
                specialist,
                ..
            } => tracing::info!(
                target: AUDIT,
                line = e.line,
                session,
                client,
                specialist,
                "remote session requested"
            ),
            Event::RemoteStarted {
                session,
                client,
                specialist,
                ..
            } => tracing::info!(
                target: AUDIT,
                line = e.line,
                session,
                client,
                specialist,
                "remote session granted"
            ),
            Event::RemoteEnded {
                session,
                client,
                specialist,
                by,
                reason,
                ..
            } => tracing::info!(
                target: AUDIT,
                line = e.line,
                session,
                client,
                specialist,
                by = ?by,
                reason = ?reason,
                "remote session ended"
            ),
            _ => {}
        }
    }
}
