//! What a finished call measured ([`CallReport`]) and what of it goes to the line server
//! ([`CallReport::quality`] for `Action::CallStats`).

use std::path::PathBuf;
use std::time::Duration;

use linedesk_audio::DeviceEvent;
use linedesk_call::FarSide;
use linedesk_protocol::CallQuality;
use linedesk_voice::jitter::JitterStats;
use linedesk_voice::quality::{self, CodecImpairment, Measured};

/// Where the one-way network delay fed to the E-model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelaySource {
    /// Half the round-trip time WebRTC measured (STUN consent checks of the nominated ICE
    /// pair, or RTCP receiver reports).
    HalfRtt,
    /// No round trip was measured (a very short call): the delay is taken as zero, so the MOS
    /// covers loss, jitter and the codec only.
    Unmeasured,
}

/// One call as this side measured it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallReport {
    /// Audio time the engine ran (ticks × 20 ms), which is also the recording's length plus
    /// its gaps.
    pub duration: Duration,
    /// Wall-clock time from the engine's start to its end: equal to `duration` within a tick
    /// or two when the tick loop kept real time.
    pub elapsed: Duration,
    /// Opus packets sent (DTX silence, mute and hold send none).
    pub packets_sent: u64,
    /// The jitter buffer's counters for the other side's packets.
    pub jitter: JitterStats,
    /// The latest round-trip time WebRTC measured, if any.
    pub rtt: Option<Duration>,
    /// The one-way network delay used for the MOS, and where it came from.
    pub one_way_delay: Duration,
    pub delay_source: DelaySource,
    /// ITU-T G.107 E-model MOS estimate (1-4.5).
    pub mos: f64,
    /// The finished two-channel recording (channel 0 specialist, channel 1 client).
    pub recording: PathBuf,
    /// Why the recording stopped early, or lost its crash journal, if it did (the call went
    /// on regardless).
    pub recording_error: Option<String>,
    /// Where the recording was paused (nothing recorded): `duration` less these is the file's
    /// length.
    pub recording_gaps: Vec<linedesk_protocol::RecordingGap>,
    /// Everything the headset reported during the call, in order.
    pub device_events: Vec<DeviceEvent>,
    /// Received packets the transport dropped because the engine read too slowly.
    pub receive_overflow: u64,
    /// Every time nothing was heard from the other side for at least
    /// [`crate::session::MEDIA_STALL`] while the call was up, and for how long.
    pub media_stalls: Vec<Duration>,
    /// How the other side received this side's stream, from its last RTCP receiver report
    /// (`None` when none came: a very short call, or a peer that sends none).
    pub far_side: Option<FarSide>,
}

impl CallReport {
    /// Build the report: the MOS from the jitter buffer's loss (late packets count as lost),
    /// its jitter, and half the RTT when there is one.
    pub(crate) fn new(
        duration: Duration,
        packets_sent: u64,
        jitter: JitterStats,
        rtt: Option<Duration>,
        recording: PathBuf,
    ) -> CallReport {
        let (one_way_delay, delay_source) = match rtt {
            Some(rtt) => (rtt / 2, DelaySource::HalfRtt),
            None => (Duration::ZERO, DelaySource::Unmeasured),
        };
        let measured = Measured {
            one_way_delay_ms: ms(one_way_delay),
            loss_percent: jitter.loss_percent() + jitter.late_percent(),
            jitter_ms: ms(jitter.jitter),
        };
        let mos = quality::mos(
            &measured,
            CodecImpairment::opus(linedesk_voice::codec::CodecConfig::default().bitrate),
        );
        CallReport {
            duration,
            elapsed: duration,
            packets_sent,
            jitter,
            rtt,
            one_way_delay,
            delay_source,
            mos,
            recording,
            recording_error: None,
            recording_gaps: Vec::new(),
            device_events: Vec::new(),
            receive_overflow: 0,
            media_stalls: Vec::new(),
            far_side: None,
        }
    }

    pub fn loss_percent(&self) -> f64 {
        self.jitter.loss_percent()
    }

    pub fn late_percent(&self) -> f64 {
        self.jitter.late_percent()
    }

    /// The statistics for the line server (`Action::CallStats`).
    pub fn quality(&self) -> CallQuality {
        let permille = |percent: f64| (percent * 10.0).round().clamp(0.0, 1000.0) as u32;
        let whole_ms = |d: Duration| u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
        CallQuality {
            duration_ms: u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX),
            packets_sent: self.packets_sent,
            packets_received: self.jitter.received,
            loss_permille: permille(self.loss_percent()),
            late_permille: permille(self.late_percent()),
            jitter_ms: whole_ms(self.jitter.jitter),
            buffer_ms: whole_ms(self.jitter.current_delay),
            rtt_ms: self.rtt.map(whole_ms),
            mos_centi: (self.mos * 100.0).round().clamp(100.0, 450.0) as u16,
            far_loss_permille: self
                .far_side
                .map(|f| permille(far_loss_percent(&f, self.packets_sent))),
            far_jitter_ms: self.far_side.map(|f| whole_ms(f.jitter)),
        }
    }
}

/// The far side's loss over the whole call, percent of the packets this side sent (its
/// reports' cumulative count), or its latest report's fraction when nothing was sent.
fn far_loss_percent(far: &FarSide, sent: u64) -> f64 {
    if sent == 0 {
        far.fraction_lost * 100.0
    } else {
        far.packets_lost.max(0) as f64 * 100.0 / sent as f64
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl std::fmt::Display for CallReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let j = &self.jitter;
        write!(
            f,
            "{:.2} s, sent {} / received {} packets, loss {:.1} %, late {:.1} %, jitter {:.1} ms, \
             buffer {} ms (target {} ms), concealed {}, skipped {}, inserted {}, rtt {}, MOS {:.2}, \
             far side (RTCP) {}{}",
            self.duration.as_secs_f64(),
            self.packets_sent,
            j.received,
            self.loss_percent(),
            self.late_percent(),
            ms(j.jitter),
            j.current_delay.as_millis(),
            j.target_delay.as_millis(),
            j.concealed,
            j.skipped,
            j.inserted,
            self.rtt.map_or("not measured".to_string(), |r| format!(
                "{:.1} ms (WebRTC)",
                ms(r)
            )),
            self.mos,
            self.far_side.map_or("no report".to_string(), |f| format!(
                "lost {:.1} % lately, {} in all, jitter {:.1} ms ({} reports)",
                f.fraction_lost * 100.0,
                f.packets_lost,
                ms(f.jitter),
                f.reports
            )),
            if self.media_stalls.is_empty() {
                String::new()
            } else {
                format!(
                    ", media stopped {} time(s): {:?}",
                    self.media_stalls.len(),
                    self.media_stalls
                )
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quality_for_the_server_is_in_whole_small_units() {
        let jitter = JitterStats {
            received: 95,
            expected: 100,
            lost: 5,
            late: 1,
            jitter: Duration::from_micros(2500),
            current_delay: Duration::from_millis(40),
            ..JitterStats::default()
        };
        let report = CallReport::new(
            Duration::from_secs(2),
            100,
            jitter,
            Some(Duration::from_millis(10)),
            PathBuf::from("x.ogg"),
        );
        let q = report.quality();
        assert_eq!(
            (q.loss_permille, q.late_permille, q.jitter_ms, q.buffer_ms),
            (50, 10, 2, 40)
        );
        assert_eq!((q.rtt_ms, q.duration_ms), (Some(10), 2000));
        assert_eq!(report.delay_source, DelaySource::HalfRtt);
        assert!((350..=430).contains(&q.mos_centi), "{q:?}");
    }
}
