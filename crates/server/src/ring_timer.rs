//! The ring timer at the edge: every second, ask storage to end what nobody answered in time
//! ([`crate::storage::Storage::end_unanswered`] with the server's `[ringing]` times) and
//! publish the endings to both parties. The decision is the line crate's
//! (`linedesk_line::end_unanswered`, with the time passed in), run by storage in one
//! transaction; this loop only reads the clock.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use linedesk_line::RingTimeouts;
use serde::Deserialize;

use crate::config::ConfigError;
use crate::context::{Server, now_ms};

/// How often the timer looks: a call ends at most this long after its ring time.
pub const RING_TICK: Duration = Duration::from_secs(1);

/// Run until the server is dropped (the task holds a reference, so: for the process's life).
pub async fn run(server: Arc<Server>) {
    let mut tick = tokio::time::interval(RING_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Only the timers' leader ends what nobody answered (issue 17, `sla_timer::leads`).
        if !crate::sla_timer::leads(&server).await {
            continue;
        }
        let storage = server.storage.clone();
        let timeouts = server.ring;
        match tokio::task::spawn_blocking(move || storage.end_unanswered(now_ms(), &timeouts)).await
        {
            Ok(Ok(events)) => server.hub.publish(&events),
            // A failed round changes nothing (its transaction rolled back); the next retries.
            Ok(Err(err)) => eprintln!("linedesk-server: ring timer: {err}"),
            Err(err) => eprintln!("linedesk-server: ring timer: {err}"),
        }
    }
}

/// `[ringing]` of the config file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRinging {
    call_seconds: Option<u64>,
    remote_request_seconds: Option<u64>,
}

/// Longest accepted ring or answer time: an hour (a longer one is almost certainly a typo).
const MAX_RING_SECONDS: u64 = 60 * 60;

/// Check `[ringing]` of `file`; what it leaves out keeps the default.
pub(crate) fn ring_timeouts(file: &Path, raw: RawRinging) -> Result<RingTimeouts, ConfigError> {
    let seconds = |key: &'static str, value: Option<u64>, default: Duration| match value {
        None => Ok(default),
        Some(s) if s == 0 || s > MAX_RING_SECONDS => Err(ConfigError::BadValue {
            file: file.to_path_buf(),
            key,
            value: s.to_string(),
            reason: "must be between 1 and 3600",
        }),
        Some(s) => Ok(Duration::from_secs(s)),
    };
    let defaults = RingTimeouts::default();
    Ok(RingTimeouts {
        call: seconds("ringing.call_seconds", raw.call_seconds, defaults.call)?,
        remote_request: seconds(
            "ringing.remote_request_seconds",
            raw.remote_request_seconds,
            defaults.remote_request,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    fn parse(text: &str) -> Result<ServerConfig, ConfigError> {
        ServerConfig::parse(Path::new("/etc/linedesk/server.toml"), text)
    }

    #[test]
    fn ringing_times_default_and_are_checked() {
        let base = "data_dir = \"d\"\n";
        assert_eq!(parse(base).expect("config").ring, RingTimeouts::default());
        let short = parse(&format!("{base}[ringing]\ncall_seconds = 3\n")).expect("config");
        assert_eq!(short.ring.call, Duration::from_secs(3));
        assert_eq!(
            short.ring.remote_request,
            linedesk_line::DEFAULT_REMOTE_REQUEST
        );
        let example = include_str!("../linedesk-server.example.toml");
        let without_tls = example.split("[tls]").next().unwrap_or_default();
        assert_eq!(
            parse(without_tls).expect("the example").ring,
            RingTimeouts::default(),
            "the example shows the defaults"
        );
        for (text, key) in [
            ("call_seconds = 0", "`ringing.call_seconds` = 0"),
            (
                "remote_request_seconds = 3601",
                "`ringing.remote_request_seconds` = 3601",
            ),
            ("ring_seconds = 5", "unknown field `ring_seconds`"),
        ] {
            let err = parse(&format!("{base}[ringing]\n{text}\n"))
                .expect_err(text)
                .to_string();
            assert!(err.contains(key), "{text:?}: {err}");
        }
    }
}
