//! Serving the router: plain HTTP and WS ([`serve`]) or HTTPS and WSS on one port
//! ([`serve_tls`], rustls from [`crate::tls`]). The SLA timer and the revocation watch run
//! alongside.
//!
//! The TLS accept loop is written here over hyper's HTTP/1 server connection, which axum
//! already compiles; `axum-server` would bring another crate for the same few lines. A
//! connection that does not complete a TLS handshake (a plain-HTTP client, a scanner, a
//! stalled peer) is dropped on its own task and the server goes on serving.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::Service;

use super::router::router;
use crate::context::Server;

/// A peer must finish the TLS handshake within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve plain HTTP and WS until the listener fails.
pub async fn serve(listener: TcpListener, server: Arc<Server>) -> std::io::Result<()> {
    crate::revocation::start_watching(&server);
    let timer = tokio::spawn(crate::sla_timer::run(server.clone()));
    let served = axum::serve(
        listener,
        router(server).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await;
    timer.abort();
    served
}

/// Serve the router over TLS (never returns but for the signature shared with [`serve`]).
pub async fn serve_tls(
    listener: TcpListener,
    server: Arc<Server>,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    crate::revocation::start_watching(&server);
    let acceptor = TlsAcceptor::from(tls);
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
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(Ok(stream)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
            else {
                return;
            };
            let service = hyper::service::service_fn(move |mut request| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                app.clone().call(request)
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

fn is_per_connection(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
