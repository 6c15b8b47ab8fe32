//! What the WebRTC stack measures about a call that the app reports (V1: call statistics).

use std::time::{Duration, Instant};

use rtc::statistics::StatsSelector;
use rtc::statistics::report::RTCStatsReportEntry;

use crate::Call;

impl Call {
    /// The round-trip time of the media path: the latest STUN consent check of the nominated
    /// ICE candidate pair (RFC 7675 checks run every few seconds), or the RTCP one from a
    /// receiver report when no STUN answer was timed yet. `None` before either was measured.
    pub async fn round_trip_time(&self) -> Option<Duration> {
        let report = self.pc.get_stats(Instant::now(), StatsSelector::None).await;
        let mut stun = None;
        let mut rtcp = None;
        for entry in report.iter() {
            match entry {
                RTCStatsReportEntry::IceCandidatePair(pair)
                    if pair.nominated && pair.current_round_trip_time > 0.0 =>
                {
                    stun = Some(pair.current_round_trip_time);
                }
                RTCStatsReportEntry::RemoteInboundRtp(remote) if remote.round_trip_time > 0.0 => {
                    rtcp = Some(remote.round_trip_time);
                }
                _ => {}
            }
        }
        stun.or(rtcp)
            .filter(|s| s.is_finite())
            .map(Duration::from_secs_f64)
    }
}
