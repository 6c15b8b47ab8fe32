//! Serving the router: plain HTTP and WS ([`serve`]) or HTTPS and WSS on one port
//! ([`serve_tls`], rustls from [`crate::tls`]). The SLA timer and the revocation watch run
//! alongside.
//!
//! One accept loop for both, over hyper's HTTP/1 server connection (which axum already
//! compiles; `axum-server` would bring another crate for the same few lines):
//! - each address may hold at most `max_connections_per_ip` open connections (WebSocket
//!   sessions included); one more is answered `429 rate_limited` and closed (over TLS it is
//!   closed before the handshake: there is no HTTP to answer in yet);
//! - a request head must arrive within `header_timeout`, a TLS handshake within
//!   [`HANDSHAKE_TIMEOUT`]; bodies have their own deadline ([`super::body`]).
//!
//! A connection that fails (a plain-HTTP client on the TLS port, a scanner, a stalled peer) is
//! dropped on its own task and the server goes on serving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use linedesk_protocol::ErrorCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::Service;

use super::connections::{Counted, PerAddress};
use super::error::HttpError;
use super::router::router;
use crate::context::Server;

/// A peer must finish the TLS handshake within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a refused connection is given to read its refusal.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// Serve plain HTTP and WS until the listener fails (it does not: errors of one connection
/// are that connection's).
pub async fn serve(listener: TcpListener, server: Arc<Server>) -> std::io::Result<()> {
    accept_loop(listener, server, None).await
}

/// Serve the router over TLS.
pub async fn serve_tls(
    listener: TcpListener,
    server: Arc<Server>,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    accept_loop(listener, server, Some(TlsAcceptor::from(tls))).await
}

/// Stops the SLA timer when serving stops (the serving future dropped).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    server: Arc<Server>,
    tls: Option<TlsAcceptor>,
) -> std::io::Result<()> {
    crate::revocation::start_watching(&server);
    crate::log_tail::start(&server);
    crate::signal::follow_other_servers(&server);
    let _timer = AbortOnDrop(tokio::spawn(crate::sla_timer::run(server.clone())));
    let _ring_timer = AbortOnDrop(tokio::spawn(crate::ring_timer::run(server.clone())));
    let open = Arc::new(PerAddress::default());
    let cap = server.http.max_connections_per_ip;
    let header_timeout = server.http.header_timeout;
    let app = router(server);
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if is_per_connection(&e) => continue,
            Err(_) => {
                // Out of file descriptors and the like: wait rather than spin (as axum does).
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Frames go out as soon as a session flushes them: with Nagle's algorithm a small
        // frame waits for the ACK of the one before, which a peer that only reads delays by
        // up to 40 ms (delayed ACK), the tail of the delivery latency under load.
        let _ = tcp.set_nodelay(true);
        let Some(slot) = PerAddress::admit(&open, peer.ip(), cap) else {
            tracing::warn!(%peer, cap, "too many connections from one address: refused");
            if tls.is_none() {
                tokio::spawn(refuse(tcp, cap));
            }
            continue;
        };
        let io = Counted::new(tcp, slot);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(io, peer, app, header_timeout).await,
                Some(acceptor) => {
                    if let Ok(Ok(stream)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(io)).await
                    {
                        serve_connection(stream, peer, app, header_timeout).await;
                    }
                }
            }
        });
    }
}

async fn serve_connection<S>(io: S, peer: SocketAddr, app: Router, header_timeout: Duration)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request| {
        request
            .extensions_mut()
            .insert(ConnectInfo::<SocketAddr>(peer));
        app.clone().call(request)
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let _ = http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades()
        .await;
}

/// Answer a connection over the cap with `429 rate_limited` and close it.
async fn refuse(mut tcp: TcpStream, cap: usize) {
    let body = serde_json::to_string(&HttpError {
        code: ErrorCode::RateLimited,
        message: format!("too many connections from your address (at most {cap} at once)"),
        field: None,
        rule: None,
    })
    .unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        tcp.write_all(answer.as_bytes()).await?;
        tcp.shutdown().await?;
        // Read what the peer sent until it closes, so that closing does not reset the
        // connection before the peer has read the answer.
        let mut sink = [0u8; 1024];
        while tcp.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await;
}

fn is_per_connection(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
