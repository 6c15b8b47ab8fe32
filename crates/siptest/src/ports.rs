//! Free loopback UDP ports and whether a program has bound one.

use std::net::UdpSocket;

/// A UDP port of 127.0.0.1 that was free a moment ago (the caller retries when a program
/// finds it taken meanwhile).
pub(crate) fn free_udp_port() -> std::io::Result<u16> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    Ok(socket.local_addr()?.port())
}

/// Whether some socket of this machine is bound to UDP `127.0.0.1:port` (or `0.0.0.0:port`) (read from
/// `/proc/net/udp`, so the check does not disturb the program that binds it).
pub(crate) fn udp_bound(port: u16) -> std::io::Result<bool> {
    let table = std::fs::read_to_string("/proc/net/udp")?;
    let loopback = format!("0100007F:{port:04X}");
    let any = format!("00000000:{port:04X}");
    Ok(table
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .any(|local| local == loopback || local == any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bound_port_is_seen() {
        // (Whether a released one is not cannot be checked: another process may take it.)
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = socket.local_addr().expect("addr").port();
        assert!(udp_bound(port).expect("read"), "{port} is bound");
    }
}
