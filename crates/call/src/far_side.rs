//! The other side's RTCP reception reports about this side's stream, read off the wire.
//!
//! webrtc 0.21 generates and sends sender and receiver reports once its interceptors are
//! registered, but its statistics never read the reports that come in (`remote-inbound-rtp`
//! stays at zero: the handler's RTCP-to-stats hook is never called). So this interceptor sits
//! in the chain below the report interceptors, looks at every inbound RTCP packet, and keeps
//! the latest reception report block about this side's SSRC: from a receiver report, or from
//! a sender report when the other side is also sending (RFC 3550 §6.4: report blocks ride in
//! both). It changes nothing and passes everything on.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rtc::interceptor::{Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::reception_report::ReceptionReport;
use rtc::rtcp::sender_report::SenderReport;
use rtc::sansio::Protocol;
use rtc::shared::error::Error;

use crate::OPUS_CLOCK_RATE;
use crate::stats::FarSide;

/// The latest report, shared between the interceptor and [`crate::Call::transport_health`].
#[derive(Debug, Default)]
pub(crate) struct FarSideCell(Mutex<Option<FarSide>>);

impl FarSideCell {
    pub fn get(&self) -> Option<FarSide> {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<FarSide>> {
        // Plain data replaced whole: usable whatever a panicking holder left.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Take one reception report block about our stream.
    pub fn record(&self, block: &ReceptionReport) {
        let mut far = self.lock();
        let reports = far.map_or(0, |f| f.reports) + 1;
        // `total_lost` is a signed 24-bit count (duplicates can make it negative).
        let total = block.total_lost & 0x00ff_ffff;
        let packets_lost = if total & 0x0080_0000 != 0 {
            i64::from(total) - 0x0100_0000
        } else {
            i64::from(total)
        };
        *far = Some(FarSide {
            fraction_lost: f64::from(block.fraction_lost) / 256.0,
            packets_lost,
            jitter: Duration::from_secs_f64(f64::from(block.jitter) / f64::from(OPUS_CLOCK_RATE)),
            reports,
        });
    }
}

/// Reads reception reports about `ssrc` into the cell; passes every packet on unchanged.
pub(crate) struct FarSideObserver {
    ssrc: u32,
    cell: Arc<FarSideCell>,
    read: VecDeque<TaggedPacket>,
    write: VecDeque<TaggedPacket>,
}

impl FarSideObserver {
    pub fn new(ssrc: u32, cell: Arc<FarSideCell>) -> FarSideObserver {
        FarSideObserver {
            ssrc,
            cell,
            read: VecDeque::new(),
            write: VecDeque::new(),
        }
    }

    fn observe(&self, packets: &[Box<dyn rtc::rtcp::Packet>]) {
        for packet in packets {
            let any = packet.as_any();
            let blocks = if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
                &rr.reports
            } else if let Some(sr) = any.downcast_ref::<SenderReport>() {
                &sr.reports
            } else {
                continue;
            };
            for block in blocks.iter().filter(|b| b.ssrc == self.ssrc) {
                self.cell.record(block);
            }
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for FarSideObserver {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet {
            self.observe(packets);
        }
        self.read.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.read.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Error> {
        self.write.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<TaggedPacket> {
        self.write.pop_front()
    }
}

impl Interceptor for FarSideObserver {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_block_becomes_the_far_side() {
        let cell = FarSideCell::default();
        assert_eq!(cell.get(), None);
        cell.record(&ReceptionReport {
            ssrc: 7,
            fraction_lost: 26,
            total_lost: 12,
            jitter: 480,
            ..ReceptionReport::default()
        });
        cell.record(&ReceptionReport {
            ssrc: 7,
            fraction_lost: 0,
            total_lost: 0x00ff_ffff,
            jitter: 96,
            ..ReceptionReport::default()
        });
        let far = cell.get().expect("recorded");
        assert_eq!((far.reports, far.packets_lost), (2, -1));
        assert_eq!(far.jitter, Duration::from_millis(2));
        assert_eq!(far.fraction_lost, 0.0);
    }
}
