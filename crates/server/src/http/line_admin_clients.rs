//! C5 from the app's Administration view (issue 15, item 4): a line's admin adds clients and
//! edits their whole card (registration number, ITS contract, support parameters, department,
//! birth date, responsible specialists...), checked by `linedesk_line::line_admin::clients` as
//! the CSV import is. Each change is a `ClientUpserted` in the line's log, handed to the line's
//! sessions at once.
//!
//! - `GET /api/lines/{line}/admin/clients?q=words`: at most 50 [`AdminClient`]s whose name,
//!   company, INN or 1C-Connect ID holds the words (any case), by id.
//! - `POST /api/lines/{line}/admin/clients` a card: 201 the client; `PUT .../clients/{id}`: 200.
//!   A mistake: 400 `invalid` naming the field with the rule (`card.inn`, ...); a 1C-Connect ID
//!   the line has already: 409 `conflict` (field `connect_id`); no such client: 404.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use linedesk_line::line_admin::clients::card_of;
use linedesk_protocol::line_admin::{AdminClient, MAX_ADMIN_CLIENT_HITS};
use linedesk_protocol::{ClientProfile, ErrorCode, MAX_NAME_CHARS, check_chars};
use serde::{Deserialize, Serialize};

use super::error::{Refusal, blocking};
use super::line_admin::{body_json, line_admin};
use crate::context::Server;
use crate::storage::StorageError;

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/api/lines/{line}/admin/clients",
            get(search).post(add_client),
        )
        .route("/api/lines/{line}/admin/clients/{client}", put(edit_client))
}

fn json<T: Serialize>(status: StatusCode, answer: Result<T, Refusal>) -> Response {
    match answer {
        Ok(value) => (status, axum::Json(value)).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

/// The card as the line's rules keep it, or the refusal naming its field.
fn checked(card: &ClientProfile) -> Result<ClientProfile, Refusal> {
    card_of(card).map_err(|p| Refusal {
        rule: Some(p.rule.to_string()),
        ..Refusal::invalid(p.reason).with_field(p.field)
    })
}

fn taken(e: StorageError) -> Refusal {
    match e {
        StorageError::Exists { .. } => Refusal {
            rule: Some("card.connect_id_taken".to_string()),
            ..Refusal::of(ErrorCode::Conflict, e.to_string()).with_field("connect_id")
        },
        other => other.into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn search(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    Query(query): Query<Search>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        check_chars("q", &query.q, MAX_NAME_CHARS)
            .map_err(|e| Refusal::of(e.code(), e.to_string()).with_field("q"))?;
        let words: Vec<String> = query
            .q
            .to_lowercase()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let all = blocking(&server, move |s| Ok(s.clients_of(line)?)).await?;
        Ok(all
            .into_iter()
            .filter(|(_, c)| {
                let hay = [
                    Some(&c.name),
                    c.company.as_ref(),
                    c.inn.as_ref(),
                    c.connect_id.as_ref(),
                ]
                .into_iter()
                .flatten()
                .map(|v| v.to_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .take(MAX_ADMIN_CLIENT_HITS)
            .map(|(id, card)| AdminClient { id, card })
            .collect::<Vec<_>>())
    };
    json(StatusCode::OK, answer.await)
}

async fn add_client(
    State(server): State<Arc<Server>>,
    Path(line): Path<u64>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: ClientProfile = body_json(&server, &headers, body, "a client's card").await?;
        let card = checked(&asked)?;
        let added = blocking(&server, move |s| {
            let id = s.add_client_card(line, &card).map_err(taken)?;
            Ok(AdminClient { id, card })
        })
        .await;
        // The line's sessions get the new client now, in order.
        server.hub.catch_up(line);
        added
    };
    json(StatusCode::CREATED, answer.await)
}

async fn edit_client(
    State(server): State<Arc<Server>>,
    Path((line, client)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        line_admin(&server, &headers, line).await?;
        let asked: ClientProfile = body_json(&server, &headers, body, "a client's card").await?;
        let card = checked(&asked)?;
        let edited = blocking(&server, move |s| {
            if !s.update_client_card(line, client, &card).map_err(taken)? {
                return Err(Refusal::not_found(format!(
                    "line {line} has no client {client}"
                )));
            }
            Ok(AdminClient { id: client, card })
        })
        .await;
        server.hub.catch_up(line);
        edited
    };
    json(StatusCode::OK, answer.await)
}
