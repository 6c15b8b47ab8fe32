//! T2's ticket queues from the app's Administration view (issue 15, item 4): a line's admin
//! lists the line's queues and adds one (`linedesk_line::tickets::queue_name` checks the name,
//! as for `add-ticket-queue`); its `TicketQueueNamed` reaches the line's apps at once.
//!
//! - `GET /api/lines/{line}/admin/queues`: every [`AdminQueue`], the default one first.
//! - `POST /api/lines/{line}/admin/queues` [`NewQueue`]: 201 the queue; an empty name 400
//!   `invalid` (field `name`), a longer one than a name may be `too_long`, a name the line has
//!   already 409 `conflict` with the rule `admin.duplicate_title`.
//! - `PUT /api/lines/{line}/admin/queues/{queue}` [`NewQueue`]: 200 the renamed queue, checked
//!   as a new one's name; 404 for a queue the line does not have. Its `TicketQueueNamed`
//!   carries the new name to the line's apps, which replace the old one.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use linedesk_line::line_admin::knowledge::RULE_DUPLICATE;
use linedesk_protocol::line_admin::{AdminQueue, DisputeLine, NewQueue};
use linedesk_protocol::{ErrorCode, MAX_NAME_CHARS, check_chars};

use super::error::{Refusal, blocking};
use super::line_admin::{body_json, line_admin};
use crate::context::Server;
use crate::storage::StorageError;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/api/lines/{line}/admin/queues",
            get(queues).post(add_queue),
        )
        .route("/api/lines/{line}/admin/queues/{queue}", put(rename_queue))
        .route(
            "/api/lines/{line}/admin/queues/{queue}/dispute-line",
            put(set_dispute_line),
        )
}

/// A queue's name as asked: `queue_name`'s check, then its length.
fn checked_name(asked: &NewQueue) -> Result<String, Refusal> {
    let name = linedesk_line::tickets::queue_name(&asked.name)
        .map_err(|e| Refusal::invalid(e.to_string()).with_field("name"))?
        .to_string();
    check_chars("name", &name, MAX_NAME_CHARS)
        .map_err(|e| Refusal::of(e.code(), e.to_string()).with_field("name"))?;
    Ok(name)
}

/// A name another queue of the line has: 409 with the rule the app translates.
fn duplicate(e: StorageError) -> Refusal {
    match e {
        StorageError::Exists { .. } => Refusal {
            rule: Some(RULE_DUPLICATE.to_string()),
            ..Refusal::of(ErrorCode::Conflict, e.to_string()).with_field("name")
        },
        other => other.into(),
    }
}

async fn queues(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let all = blocking(&server, move |s| {
            let mut all = Vec::new();
            for (id, name) in s.ticket_queues(line)? {
                let dispute_line = s.queue_dispute_line(id)?;
                all.push(AdminQueue {
                    id,
                    name,
                    dispute_line,
                });
            }
            Ok(all)
        })
        .await?;
        Ok::<_, Refusal>(all)
    };
    match answer.await {
        Ok(all) => axum::Json(all).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn add_queue(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: NewQueue = body_json(&server, &headers, body, "a queue").await?;
        let name = checked_name(&asked)?;
        let added = blocking(&server, move |s| {
            let id = s.add_ticket_queue(line, &name).map_err(duplicate)?;
            Ok(AdminQueue {
                id,
                name,
                dispute_line: None,
            })
        })
        .await;
        // The line's apps learn the queue's name now.
        server.hub.catch_up(line);
        added
    };
    match answer.await {
        Ok(queue) => (StatusCode::CREATED, axum::Json(queue)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn rename_queue(
    State(server): State<Arc<Server>>,
    Path((line, queue)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: NewQueue = body_json(&server, &headers, body, "a queue").await?;
        let name = checked_name(&asked)?;
        let renamed = blocking(&server, move |s| {
            if !s
                .rename_ticket_queue(line, queue, &name)
                .map_err(duplicate)?
            {
                return Err(Refusal::not_found(format!(
                    "line {line} has no queue {queue}"
                )));
            }
            let dispute_line = s.queue_dispute_line(queue)?;
            Ok(AdminQueue {
                id: queue,
                name,
                dispute_line,
            })
        })
        .await;
        // The line's apps learn the new name now.
        server.hub.catch_up(line);
        renamed
    };
    match answer.await {
        Ok(queue) => axum::Json(queue).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// T4: where disputes of the queue's closed tickets go: 200 the queue; another line that
/// exists or none (400 `invalid` otherwise), 404 for a queue the line does not have.
async fn set_dispute_line(
    State(server): State<Arc<Server>>,
    Path((line, queue)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: DisputeLine = body_json(&server, &headers, body, "a dispute line").await?;
        blocking(&server, move |s| {
            if !s.set_queue_dispute_line(line, queue, asked.line)? {
                return Err(Refusal::not_found(format!(
                    "line {line} has no queue {queue}"
                )));
            }
            let name = s
                .ticket_queues(line)?
                .into_iter()
                .find_map(|(id, name)| (id == queue).then_some(name))
                .unwrap_or_default();
            Ok(AdminQueue {
                id: queue,
                name,
                dispute_line: asked.line,
            })
        })
        .await
    };
    match answer.await {
        Ok(queue) => axum::Json(queue).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}
