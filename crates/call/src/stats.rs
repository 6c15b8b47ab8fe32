//! What the WebRTC stack measures about a call that the app reports (V1: call statistics).

use std::time::{Duration, Instant};

use rtc::statistics::StatsSelector;
use rtc::statistics::report::RTCStatsReportEntry;

use crate::Call;

/// What one reading of WebRTC's statistics says about the transport (read once a second).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TransportHealth {
    /// The round-trip time of the media path: the latest STUN consent check of the nominated
    /// ICE candidate pair (RFC 7675 checks run every few seconds), or the RTCP one from a
    /// receiver report when no STUN answer was timed yet. `None` before either was measured.
    pub rtt: Option<Duration>,
    /// Everything heard from the other side so far on the ICE transport: packets (RTP, RTCP,
    /// DTLS) plus the connectivity and consent checks (STUN, every couple of seconds even
    /// when the other side is silent or muted). A count that stops growing means the path is
    /// gone.
    pub heard: u64,
    /// How the other side receives this side's stream, from its latest RTCP reception report
    /// (`None` until one came; see `far_side.rs` for why it is read off the wire).
    pub far_side: Option<FarSide>,
}

/// What the other side's RTCP receiver reports say about this side's stream (RFC 3550 §6.4).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FarSide {
    /// Packets lost since its previous report, 0-1 (the report's "fraction lost").
    pub fraction_lost: f64,
    /// Packets lost since the stream started (cumulative).
    pub packets_lost: i64,
    /// Its interarrival jitter estimate of this side's packets.
    pub jitter: Duration,
    /// Receiver reports received so far.
    pub reports: u64,
}

impl Call {
    /// The transport's round-trip time and what was heard from the other side, from one
    /// reading of the statistics.
    pub async fn transport_health(&self) -> TransportHealth {
        let report = self.pc.get_stats(Instant::now(), StatsSelector::None).await;
        let mut stun = None;
        let mut rtcp = None;
        let mut heard = report.transport().map_or(0, |t| t.packets_received);
        for entry in report.iter() {
            match entry {
                RTCStatsReportEntry::IceCandidatePair(pair) => {
                    heard += pair.requests_received + pair.responses_received;
                    if pair.nominated && pair.current_round_trip_time > 0.0 {
                        stun = Some(pair.current_round_trip_time);
                    }
                }
                RTCStatsReportEntry::RemoteInboundRtp(remote) if remote.round_trip_time > 0.0 => {
                    rtcp = Some(remote.round_trip_time);
                }
                _ => {}
            }
        }
        TransportHealth {
            rtt: stun
                .or(rtcp)
                .filter(|s| s.is_finite())
                .map(Duration::from_secs_f64),
            heard,
            far_side: self.far_side.get(),
        }
    }

    /// [`TransportHealth::rtt`].
    pub async fn round_trip_time(&self) -> Option<Duration> {
        self.transport_health().await.rtt
    }

    /// [`TransportHealth::heard`].
    pub async fn heard_from_peer(&self) -> u64 {
        self.transport_health().await.heard
    }
}

/// What kind of address one end of the media path is (RFC 8445 candidate types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateKind {
    /// An address of a local interface.
    Host,
    /// The address a STUN server saw (behind NAT).
    ServerReflexive,
    /// An address learnt from the other side's checks.
    PeerReflexive,
    /// An address on a TURN server, which relays every packet.
    Relay,
}

/// The candidate pair the media flows over: this side's candidate and the other side's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaPath {
    pub local: CandidateKind,
    pub remote: CandidateKind,
}

impl MediaPath {
    /// Whether both ends are TURN relays (every packet goes through TURN both ways).
    pub fn relayed_both_ways(self) -> bool {
        self.local == CandidateKind::Relay && self.remote == CandidateKind::Relay
    }
}

fn kind(t: webrtc::peer_connection::RTCIceCandidateType) -> Option<CandidateKind> {
    use webrtc::peer_connection::RTCIceCandidateType as T;
    match t {
        T::Host => Some(CandidateKind::Host),
        T::Srflx => Some(CandidateKind::ServerReflexive),
        T::Prflx => Some(CandidateKind::PeerReflexive),
        T::Relay => Some(CandidateKind::Relay),
        _ => None,
    }
}

impl Call {
    /// The selected ICE candidate pair (from WebRTC's statistics), `None` before there is one.
    pub async fn media_path(&self) -> Option<MediaPath> {
        let report = self.pc.get_stats(Instant::now(), StatsSelector::None).await;
        let selected = report
            .transport()
            .map(|t| t.selected_candidate_pair_id.clone())
            .filter(|id| !id.is_empty());
        let pair = report.candidate_pairs().find(|p| match &selected {
            Some(id) => p.stats.id == *id,
            None => p.nominated,
        })?;
        // A pair names its candidates by the candidate's own id; their entries carry it
        // after a prefix (`RTCLocalIceCandidate_<id>`).
        let named = |entry: &str, id: &str| {
            entry == id || entry.strip_suffix(id).is_some_and(|p| p.ends_with('_'))
        };
        let local = report.iter().find_map(|e| match e {
            RTCStatsReportEntry::LocalCandidate(c)
                if named(&c.stats.id, &pair.local_candidate_id) =>
            {
                kind(c.candidate_type)
            }
            _ => None,
        })?;
        let remote = report.iter().find_map(|e| match e {
            RTCStatsReportEntry::RemoteCandidate(c)
                if named(&c.stats.id, &pair.remote_candidate_id) =>
            {
                kind(c.candidate_type)
            }
            _ => None,
        })?;
        Some(MediaPath { local, remote })
    }
}
