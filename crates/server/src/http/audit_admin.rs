//! The audit of admin actions over HTTP: every request that may change something (not GET or
//! HEAD) on an admin route (`/api/admin/...`, a line admin's `/api/lines/{line}/admin/...`)
//! is logged with who sent it, from where, what (method and path: the path names whom) and
//! the answer's status ([`crate::audit::admin_action`]). A request without a valid token is
//! logged as such (its route refuses it).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use super::auth::{PeerIp, authenticate, client_ip};
use crate::context::Server;

fn is_admin_change(method: &Method, path: &str) -> bool {
    let changes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let admin = path.starts_with("/api/admin/")
        || (path.starts_with("/api/lines/") && path.contains("/admin/"));
    // A check of a draft changes nothing.
    changes && admin && !path.ends_with("/check")
}

pub async fn audit_admin(
    State(server): State<Arc<Server>>,
    PeerIp(peer): PeerIp,
    request: Request,
    next: Next,
) -> Response {
    if !is_admin_change(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let what = format!("{} {}", request.method(), request.uri().path());
    let ip = client_ip(&server, peer, request.headers());
    let actor = authenticate(&server, request.headers()).await.ok();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    match actor {
        Some((subject, _)) => crate::audit::admin_action(subject, ip, &what, status),
        None => crate::audit::admin_refused(ip, &what, status),
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_changes_are_told_from_reads_and_checks() {
        assert!(is_admin_change(
            &Method::POST,
            "/api/admin/accounts/ivanova/disable"
        ));
        assert!(is_admin_change(&Method::PUT, "/api/lines/3/admin/sla"));
        assert!(!is_admin_change(&Method::GET, "/api/lines/3/admin/sla"));
        assert!(!is_admin_change(
            &Method::POST,
            "/api/lines/3/admin/sla/check"
        ));
        assert!(!is_admin_change(&Method::POST, "/api/login"));
        assert!(!is_admin_change(&Method::POST, "/api/lines/3/kb"));
    }
}
