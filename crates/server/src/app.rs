//! The names the server's users have always imported from here: the shared context is
//! [`crate::context`], the HTTP side [`crate::http`].

pub use crate::context::{Server, ServerOptions, now_ms};
pub use crate::http::{HttpError, LoginResponse, PeerIp, router, serve};
