//! Every route of the server in one table.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::context::Server;

pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/api/login", post(super::login::login))
        .route("/api/logout", post(super::login::logout))
        .route("/api/token/renew", post(super::token::renew))
        .route("/api/widget/guest", post(super::guest::guest))
        .route("/api/ice", get(super::ice::ice_servers))
        .route("/api/ws", get(super::ws::websocket))
        .route("/metrics", get(super::metrics::metrics))
        .route(
            "/api/lines/{line}/quick-replies",
            get(super::api::quick_replies),
        )
        .route("/api/lines/{line}/closing", get(super::api::closing))
        .route(
            "/api/lines/{line}/appeal-types",
            get(super::api::appeal_types),
        )
        .route("/api/lines/{line}/kb", get(super::api::kb))
        .route(
            "/api/lines/{line}/kb/{article}",
            get(super::api::kb_article),
        )
        .merge(super::admin::routes())
        .merge(super::admin_accounts::routes())
        .merge(super::recordings::routes())
        .merge(super::reports::routes())
        .merge(super::line_admin::routes())
        .merge(super::line_admin_knowledge::routes())
        .merge(super::line_admin_team::routes())
        .merge(super::line_admin_clients::routes())
        .merge(super::line_admin_queues::routes())
        .merge(super::appeal_sla::routes())
        .merge(super::files::routes())
        .merge(super::profile::routes())
        .merge(super::staff_help::routes())
        .merge(super::widget::routes())
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            super::audit_admin::audit_admin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            server.clone(),
            super::origin::check_origin,
        ))
        .with_state(server)
}
