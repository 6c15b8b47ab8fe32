//! Calls (V1): what travels through the line server to set one up.
//!
//! Call *state* (ringing, connected, ended and why) is durable: `Action::PlaceCall`,
//! `Action::AnswerCall` and `Action::HangUp` append `Event::CallRinging`, `CallConnected` and
//! `CallEnded` to the line's log, like any action. The WebRTC *transport chatter* (SDP offer and
//! answer, ICE candidates, hold) is not: it is relayed in memory between the two parties of the
//! call with `ClientFrame::Signal` / `ServerFrame::Signal`, never written, and lost if the other
//! party has no live session (its app re-offers when it comes back).

use serde::{Deserialize, Serialize};

use crate::SignalKind;

/// Largest SDP either side accepts, in bytes (an audio-only offer is about 1 KB).
pub const MAX_SDP_BYTES: usize = 16 * 1024;

/// Longest ICE candidate line, in bytes.
pub const MAX_CANDIDATE_BYTES: usize = 512;

/// Longest media id (`sdp_mid`) of a candidate, in bytes.
pub const MAX_SDP_MID_BYTES: usize = 64;

/// Whether `text` has a control character other than CR, LF and tab: none is in an SDP or a
/// candidate line, and each would take six bytes in the relayed JSON frame.
fn has_stray_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t'))
}

/// Largest call recording the server takes (`POST /api/calls/{call}/recording`), in bytes:
/// two 24 kbit/s Opus streams fill it in about two and a half hours.
pub const MAX_RECORDING_BYTES: usize = 50 * 1024 * 1024;

/// What one party of a call measured (V1: call statistics reach reports). Whole numbers in
/// small units, so actions stay comparable and exact on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CallQuality {
    /// How long this side ran the call's audio.
    pub duration_ms: u64,
    pub packets_sent: u64,
    pub packets_received: u64,
    /// Packets of the other side that never arrived, in tenths of a percent.
    pub loss_permille: u32,
    /// Packets that arrived too late to play, in tenths of a percent.
    pub late_permille: u32,
    /// RFC 3550 interarrival jitter.
    pub jitter_ms: u32,
    /// The jitter buffer's delay at the end of the call.
    pub buffer_ms: u32,
    /// Round-trip time, when measured (see the engine's report for how).
    pub rtt_ms: Option<u32>,
    /// E-model MOS estimate times 100 (100-450). `0` (or absent): not estimated by the sender
    /// (a browser's call in the web widget); the line server estimates it from the figures
    /// above by the engine's rule.
    #[serde(default)]
    pub mos_centi: u16,
    /// How the *other* side received this side's audio, from its RTCP receiver reports: the
    /// packets it lost, in tenths of a percent of those sent (`None`: no report came, or an
    /// older app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub far_loss_permille: Option<u32>,
    /// The other side's interarrival jitter of this side's packets, from the same reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub far_jitter_ms: Option<u32>,
}

/// The longest call whose statistics are taken (a week: longer is a broken clock).
pub const MAX_CALL_STATS_MS: u64 = 7 * 24 * 3_600_000;

/// The largest jitter, buffer delay or round trip a party may report, in ms.
pub const MAX_CALL_STATS_DELAY_MS: u32 = 60_000;

impl CallQuality {
    /// Whether the figures can be what a call measured: a share is at most 1000 ‰, a delay
    /// at most [`MAX_CALL_STATS_DELAY_MS`], the call at most [`MAX_CALL_STATS_MS`], the MOS
    /// 100-450 or 0 (not estimated). The field at fault and why otherwise.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let share = |field: &'static str, v: Option<u32>| match v {
            Some(v) if v > 1000 => Err((field, format!("{v} is more than 1000 per mille"))),
            _ => Ok(()),
        };
        let delay = |field: &'static str, v: Option<u32>| match v {
            Some(v) if v > MAX_CALL_STATS_DELAY_MS => Err((
                field,
                format!("{v} ms is more than {MAX_CALL_STATS_DELAY_MS} ms"),
            )),
            _ => Ok(()),
        };
        share("loss_permille", Some(self.loss_permille))?;
        share("late_permille", Some(self.late_permille))?;
        share("far_loss_permille", self.far_loss_permille)?;
        delay("jitter_ms", Some(self.jitter_ms))?;
        delay("buffer_ms", Some(self.buffer_ms))?;
        delay("rtt_ms", self.rtt_ms)?;
        delay("far_jitter_ms", self.far_jitter_ms)?;
        if self.duration_ms > MAX_CALL_STATS_MS {
            return Err(("duration_ms", "longer than a week".into()));
        }
        if self.mos_centi != 0 && !(100..=450).contains(&self.mos_centi) {
            return Err((
                "mos_centi",
                format!("{} is not 0 or 100-450", self.mos_centi),
            ));
        }
        Ok(())
    }
}

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEndReason {
    /// A party hung up a connected call.
    HungUp,
    /// The caller gave up while it rang.
    Cancelled,
    /// The callee refused it while it rang.
    Declined,
    /// Nobody answered in time: the caller gave up, or the line server ended the call after
    /// its ring time (then `by` is the caller's side).
    NoAnswer,
    /// The media connection failed (ICE failed, or it did not come up in time).
    Failed,
    /// The call went on with a colleague ([`crate::Event::CallTransferred`]): this leg ended.
    Transferred,
}

/// WebRTC signalling between the two parties of a call, relayed as is by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignalPayload {
    /// The caller's SDP offer.
    Offer { sdp: String },
    /// The callee's SDP answer.
    Answer { sdp: String },
    /// A trickled ICE candidate (`candidate:...` line of RFC 8839).
    Candidate {
        candidate: String,
        #[serde(default)]
        sdp_mid: Option<String>,
        #[serde(default)]
        sdp_mline_index: Option<u16>,
    },
    /// The sender put the call on hold (`true`) or resumed it: both sides stay silent meanwhile.
    Hold { on: bool },
}

impl SignalPayload {
    /// A cheap shape check of a call's signal made by the server before relaying (the peer
    /// parses for real): the reason when it is not a plausible SDP or candidate.
    pub fn check(&self) -> Result<(), String> {
        self.check_for(SignalKind::Call)
    }

    /// [`SignalPayload::check`] for a call's or a remote session's signal: an SDP must have
    /// the section that kind carries (audio, or the data channel of a remote session).
    pub fn check_for(&self, kind: SignalKind) -> Result<(), String> {
        match self {
            SignalPayload::Offer { sdp } | SignalPayload::Answer { sdp } => {
                if sdp.len() > MAX_SDP_BYTES {
                    Err(format!("an SDP is at most {MAX_SDP_BYTES} bytes"))
                } else if has_stray_control(sdp) {
                    Err("an SDP has no control characters".into())
                } else if !sdp.starts_with("v=0") || !sdp.contains(kind.media_line()) {
                    Err(match kind {
                        SignalKind::Call => "not an SDP with an audio section".into(),
                        SignalKind::Remote => "not an SDP with a data channel section".into(),
                    })
                } else {
                    Ok(())
                }
            }
            SignalPayload::Candidate {
                candidate, sdp_mid, ..
            } => {
                let body = candidate.strip_prefix("a=").unwrap_or(candidate);
                let bad_mid = sdp_mid
                    .as_deref()
                    .is_some_and(|m| m.len() > MAX_SDP_MID_BYTES || has_stray_control(m));
                if candidate.len() > MAX_CANDIDATE_BYTES
                    || !body.starts_with("candidate:")
                    || has_stray_control(candidate)
                    || bad_mid
                {
                    Err("not an ICE candidate line".into())
                } else {
                    Ok(())
                }
            }
            SignalPayload::Hold { .. } => Ok(()),
        }
    }
}

/// Most pauses one recording may list (`RecordingGap`); a call paused more often than this
/// is refused at upload rather than listed in part.
pub const MAX_RECORDING_GAPS: usize = 200;

/// A stretch of a call that was not recorded: the specialist paused the recording (a card
/// number, a password). The recording has no audio for it (a gap, not silence): `at_ms` is
/// where in the recording it falls, `length_ms` how much of the call it left out. The file's
/// length plus every gap's is the call's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordingGap {
    pub at_ms: u64,
    pub length_ms: u64,
}

/// Why a list of gaps was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GapError {
    #[error("a gap is written AT:LENGTH in milliseconds, gaps separated by commas")]
    Syntax,
    #[error("more than {MAX_RECORDING_GAPS} gaps")]
    TooMany,
    #[error("the gaps are not in order")]
    Order,
    #[error("a gap lies past the end of the recording")]
    PastEnd,
}

impl RecordingGap {
    /// The gaps as the upload's `gaps` query value: `AT:LENGTH,AT:LENGTH` (milliseconds).
    pub fn format_list(gaps: &[RecordingGap]) -> String {
        gaps.iter()
            .map(|g| format!("{}:{}", g.at_ms, g.length_ms))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Read [`RecordingGap::format_list`]'s text (empty: no gaps), refusing more than
    /// [`MAX_RECORDING_GAPS`] before reading them all.
    pub fn parse_list(text: &str) -> Result<Vec<RecordingGap>, GapError> {
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let mut gaps = Vec::new();
        for item in text.split(',') {
            if gaps.len() == MAX_RECORDING_GAPS {
                return Err(GapError::TooMany);
            }
            let (at, length) = item.split_once(':').ok_or(GapError::Syntax)?;
            let number = |t: &str| {
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(GapError::Syntax);
                }
                t.parse::<u64>().map_err(|_| GapError::Syntax)
            };
            gaps.push(RecordingGap {
                at_ms: number(at)?,
                length_ms: number(length)?,
            });
        }
        Ok(gaps)
    }

    /// Whether `gaps` can belong to a recording of `duration_ms`: at most
    /// [`MAX_RECORDING_GAPS`], in order of `at_ms`, none past the end.
    pub fn check_list(gaps: &[RecordingGap], duration_ms: u64) -> Result<(), GapError> {
        if gaps.len() > MAX_RECORDING_GAPS {
            return Err(GapError::TooMany);
        }
        if gaps.windows(2).any(|w| w[1].at_ms < w[0].at_ms) {
            return Err(GapError::Order);
        }
        if gaps.iter().any(|g| g.at_ms > duration_ms) {
            return Err(GapError::PastEnd);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, ClientFrame, Event, Role, ServerFrame};

    #[test]
    fn call_frames_have_the_agreed_shapes() {
        let place = ClientFrame::Submit {
            key: "c1".into(),
            action: Action::PlaceCall {
                line: 1,
                client: Some(2),
            },
        };
        assert_eq!(
            place.encode(),
            r#"{"type":"submit","key":"c1","action":{"kind":"place_call","line":1,"client":2}}"#
        );
        let hang = r#"{"kind":"hang_up","call":3,"reason":"declined"}"#;
        assert_eq!(
            serde_json::from_str::<Action>(hang).expect("decode"),
            Action::HangUp {
                call: 3,
                reason: CallEndReason::Declined
            }
        );
        let signal = ClientFrame::Signal {
            call: 3,
            payload: SignalPayload::Candidate {
                candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_mline_index: Some(0),
            },
        };
        assert_eq!(
            signal.encode(),
            r#"{"type":"signal","call":3,"payload":{"kind":"candidate","candidate":"candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host","sdp_mid":"0","sdp_mline_index":0}}"#
        );
        let relayed = ServerFrame::Signal {
            call: 3,
            from: Role::Client,
            payload: SignalPayload::Hold { on: true },
        };
        assert_eq!(
            relayed.encode(),
            r#"{"type":"signal","call":3,"from":"client","payload":{"kind":"hold","on":true}}"#
        );
        let ended = Event::CallEnded {
            call: 3,
            appeal: 4,
            client: 2,
            specialist: Some(1),
            by: Role::Specialist,
            reason: CallEndReason::HungUp,
            connected_ms: Some(5000),
        };
        assert_eq!(
            serde_json::to_string(&ended).expect("json"),
            r#"{"kind":"call_ended","call":3,"appeal":4,"client":2,"specialist":1,"by":"specialist","reason":"hung_up","connected_ms":5000}"#
        );
        assert!(ended.shown_to_client() && ended.client() == Some(2));
        let quality = CallQuality {
            duration_ms: 5000,
            packets_sent: 250,
            packets_received: 240,
            loss_permille: 40,
            late_permille: 0,
            jitter_ms: 3,
            buffer_ms: 40,
            rtt_ms: None,
            mos_centi: 420,
            ..CallQuality::default()
        };
        let stats = Action::CallStats { call: 3, quality };
        assert_eq!(
            serde_json::to_string(&stats).expect("json"),
            r#"{"kind":"call_stats","call":3,"quality":{"duration_ms":5000,"packets_sent":250,"packets_received":240,"loss_permille":40,"late_permille":0,"jitter_ms":3,"buffer_ms":40,"rtt_ms":null,"mos_centi":420}}"#
        );
        let recorded = Event::CallRecorded {
            call: 3,
            appeal: 4,
            client: 2,
            bytes: 1000,
            duration_ms: 5000,
            gaps: Vec::new(),
        };
        assert_eq!(
            serde_json::to_string(&recorded).expect("json"),
            r#"{"kind":"call_recorded","call":3,"appeal":4,"client":2,"bytes":1000,"duration_ms":5000}"#
        );
        assert!(recorded.shown_to_client() && recorded.client() == Some(2));
        let measured = Event::CallStats {
            call: 3,
            appeal: 4,
            client: 2,
            specialist: Some(1),
            from: Role::Client,
            quality,
        };
        assert!(!measured.shown_to_client() && measured.client() == Some(2));
    }

    #[test]
    fn signal_payloads_are_checked_for_shape() {
        let offer = |sdp: &str| SignalPayload::Offer { sdp: sdp.into() };
        assert!(
            offer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n")
                .check()
                .is_ok()
        );
        assert!(offer("hello").check().is_err());
        assert!(
            offer(&format!("v=0\nm=audio {}", "x".repeat(MAX_SDP_BYTES)))
                .check()
                .is_err()
        );
        let candidate = |c: &str| SignalPayload::Candidate {
            candidate: c.into(),
            sdp_mid: None,
            sdp_mline_index: None,
        };
        assert!(
            candidate("candidate:1 1 udp 1 127.0.0.1 9 typ host")
                .check()
                .is_ok()
        );
        assert!(candidate("rm -rf /").check().is_err());
    }

    #[test]
    fn gaps_read_back_and_bad_lists_are_refused() {
        let gaps = [
            RecordingGap {
                at_ms: 1200,
                length_ms: 5000,
            },
            RecordingGap {
                at_ms: 3000,
                length_ms: 20,
            },
        ];
        let text = RecordingGap::format_list(&gaps);
        assert_eq!(text, "1200:5000,3000:20");
        assert_eq!(RecordingGap::parse_list(&text), Ok(gaps.to_vec()));
        assert_eq!(RecordingGap::parse_list(""), Ok(Vec::new()));
        for bad in [
            "1",
            "1:",
            ":2",
            "1:2,",
            "-1:2",
            "+1:2",
            "1:2:3",
            "99999999999999999999:1",
        ] {
            assert_eq!(
                RecordingGap::parse_list(bad),
                Err(GapError::Syntax),
                "{bad}"
            );
        }
        let many = vec!["1:1"; MAX_RECORDING_GAPS + 1].join(",");
        assert_eq!(RecordingGap::parse_list(&many), Err(GapError::TooMany));
        assert_eq!(RecordingGap::check_list(&gaps, 3000), Ok(()));
        assert_eq!(
            RecordingGap::check_list(&gaps, 2999),
            Err(GapError::PastEnd)
        );
        let reversed = [gaps[1], gaps[0]];
        assert_eq!(
            RecordingGap::check_list(&reversed, 9000),
            Err(GapError::Order)
        );
        // The old event (no gaps) reads, and an event without gaps is written as before.
        let old = r#"{"kind":"call_recorded","call":3,"appeal":4,"client":2,"bytes":1000,"duration_ms":5000}"#;
        let event: crate::Event = serde_json::from_str(old).expect("old event");
        assert!(matches!(event, crate::Event::CallRecorded { ref gaps, .. } if gaps.is_empty()));
    }
}
