//! Linedesk domain: the rules of ../shared/DOMAIN.md that are not IO.
//!
//! Nothing here reads a clock, touches a file or a socket: the current time is always a parameter.

pub mod presence;
