//! Where a line server is and how to reach it, written once for every program that connects:
//! the app's sync client, the voice engine's line session and recording upload, the client
//! simulator and the client's assistant.
//!
//! - [`Endpoint`]: `https://host[:port]` (TLS: HTTPS and WSS), `http://host[:port]` (plain), or
//!   a bare `host:port`, which is plain only where the caller says so ([`Bare::Plain`]: the
//!   app's own embedded server); the client tools refuse it ([`Bare::Refused`]) unless told
//!   `--insecure-plain`, so a password never goes out in clear by accident.
//! - [`addresses`]: several servers of the same lines, separated by commas, tried in order by
//!   the programs that fail over (the app's sync, the client simulator).
//! - [`Connector`]: opens TCP, then TLS for `https://`, checking the server's certificate
//!   against the platform's trusted roots (`rustls-native-certs`: the OS store, so a company CA
//!   installed by IT is trusted as the browser trusts it) plus an optional CA file (a company's
//!   own CA or a self-signed server). rustls with the ring provider, as the server.
//! - [`Connector::request`] (one HTTP/1 request on its own connection) and
//!   [`Connector::websocket`] (the `/api/ws` session) run over that connection.
//! - [`EndpointError`]: typed, with a stable [`EndpointError::code`]: a certificate from an
//!   unknown CA ([`EndpointError::Untrusted`]), one for another name
//!   ([`EndpointError::NameMismatch`]), a bare address refused ([`EndpointError::PlainRefused`]).

mod address;
mod connector;
mod error;
#[cfg(feature = "test-pki")]
pub mod test_pki;

pub use address::{Bare, Endpoint, addresses};
pub use connector::{Connector, Io, WebSocket};
pub use error::EndpointError;
