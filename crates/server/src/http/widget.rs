//! The client's web widget (issue 13), served by the line server itself:
//!
//! - `GET /widget/?line=N`: the widget's page (the `ui/` project's second entry, built into
//!   `ui/dist-widget` and embedded at compile time by `build.rs`), with a strict CSP: scripts
//!   and styles only from this server, no inline script, `connect-src 'self'`, and
//!   `frame-ancestors` = the line's configured origins (`'none'` for a line without a widget);
//! - `GET /widget/assets/...`: its hashed files, cached for a year (`immutable`);
//! - `GET /widget/embed.js`: the snippet a site includes (a button in the corner, the widget in
//!   a frame);
//! - `GET /api/widget/lines/{line}` (public): `{"line","name","guests"}` of a line that has a
//!   widget, else 404.
//!
//! A server compiled without the widget's build answers its pages 503 with how to build it.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

use super::error::{Refusal, blocking};
use crate::context::Server;

mod files {
    include!(concat!(env!("OUT_DIR"), "/widget_files.rs"));
}

/// The snippet sites include; plain JavaScript, no build step.
const EMBED_JS: &str = include_str!("widget/embed.js");

/// Whether this binary carries the widget's build.
pub fn widget_built() -> bool {
    file("widget.html").is_some()
}

pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route("/widget", get(to_folder))
        .route("/widget/", get(page))
        .route("/widget/embed.js", get(embed))
        .route("/widget/{*path}", get(asset))
        .route("/api/widget/lines/{line}", get(line_info))
}

fn file(path: &str) -> Option<&'static [u8]> {
    files::WIDGET_FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, bytes)| *bytes)
}

async fn to_folder(RawQuery(query): RawQuery) -> Redirect {
    match query {
        Some(q) => Redirect::permanent(&format!("/widget/?{q}")),
        None => Redirect::permanent("/widget/"),
    }
}

/// The page's policy: nothing inline, nothing from elsewhere; framed only by `ancestors`.
fn content_security_policy(ancestors: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self' blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors {ancestors}"
    )
}

/// The `line` of the page's query, if it is a number.
fn line_of(query: Option<&str>) -> Option<u64> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("line="))
        .and_then(|v| v.parse().ok())
}

async fn page(State(server): State<Arc<Server>>, RawQuery(query): RawQuery) -> Response {
    let Some(html) = file("widget.html") else {
        return not_built();
    };
    let ancestors = line_of(query.as_deref())
        .and_then(|line| server.widget.line(line))
        .map_or_else(
            || "'none'".to_string(),
            |w| {
                std::iter::once("'self'")
                    .chain(w.origins.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        );
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response();
    match HeaderValue::from_str(&content_security_policy(&ancestors)) {
        Ok(csp) => {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, csp);
            response
        }
        // Origins are checked at load (ASCII only): this does not happen; refuse, never serve
        // the page without its policy.
        Err(e) => Refusal::internal(e).into_response(),
    }
}

async fn embed() -> Response {
    if !widget_built() {
        return not_built();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Sites load it on every page: revalidate, but cache.
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin",
            ),
        ],
        EMBED_JS,
    )
        .into_response()
}

async fn asset(Path(path): Path<String>) -> Response {
    if !widget_built() {
        return not_built();
    }
    // Only the build's hashed files: never the page itself under another name.
    let Some(bytes) = path
        .strip_prefix("assets/")
        .filter(|name| !name.contains(".."))
        .and_then(|_| file(&path))
    else {
        return Refusal::not_found(format!("no widget file {path:?}")).into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type(&path)),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("json" | "map") => "application/json",
        _ => "application/octet-stream",
    }
}

fn not_built() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "widget_not_built: this linedesk-server was compiled without the client's web widget. \
         Build it (./dev.sh test, or `cd ui && npm run build:widget`) and rebuild the server.\n",
    )
        .into_response()
}

/// What a widget needs to know about its line before anyone signs in.
#[derive(Debug, Serialize)]
pub struct WidgetLineInfo {
    pub line: u64,
    pub name: String,
    pub guests: bool,
}

async fn line_info(State(server): State<Arc<Server>>, Path(line): Path<u64>) -> Response {
    let Some(widget) = server.widget.line(line) else {
        return Refusal::not_found(format!("line {line} has no web widget")).into_response();
    };
    let guests = widget.guests;
    let name = blocking(&server, move |s| {
        Ok(s.lines()?
            .into_iter()
            .find(|l| l.id == line)
            .map(|l| l.name))
    })
    .await;
    match name {
        Ok(Some(name)) => axum::Json(WidgetLineInfo { line, name, guests }).into_response(),
        Ok(None) => Refusal::not_found(format!("line {line} has no web widget")).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_of_the_query() {
        assert_eq!(line_of(Some("line=3&lang=en")), Some(3));
        assert_eq!(line_of(Some("lang=en&line=12")), Some(12));
        assert_eq!(line_of(Some("line=x")), None);
        assert_eq!(line_of(None), None);
    }

    #[test]
    fn the_policy_allows_nothing_inline() {
        let csp = content_security_policy("'none'");
        assert!(csp.contains("script-src 'self';"));
        assert!(!csp.contains("unsafe"));
        assert!(csp.ends_with("frame-ancestors 'none'"));
    }
}
