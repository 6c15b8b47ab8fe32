//! A headset that fails mid-call: the engine forwards the `Lost` event, sends nothing more
//! from the dead microphone, and keeps the call, the other direction and the recording going.

#[path = "common/speech.rs"]
mod speech;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use linedesk_audio::{AudioIo, DeviceEvent, Direction, Frame, MemoryIo};
use linedesk_call::CallState;
use linedesk_engine::loopback::{Connected, LineServer, SharedIo, connect, hang_up};
use linedesk_engine::{CallSession, SessionConfig, Side};
use speech::{rms, speech};

/// A microphone that works for `frames` frames, then is lost (one `Lost` event, no frames);
/// its speaker keeps what it gets.
struct FailingIo {
    inner: MemoryIo,
    frames: usize,
    reported: bool,
    played: Arc<Mutex<Vec<f32>>>,
}

impl AudioIo for FailingIo {
    fn read_frame(&mut self) -> Option<Frame> {
        if self.frames == 0 {
            return None;
        }
        self.frames -= 1;
        self.inner.read_frame()
    }
    fn write_frame(&mut self, frame: &Frame) {
        self.played
            .lock()
            .expect("speaker")
            .extend_from_slice(frame);
    }
    fn poll_events(&mut self) -> Vec<DeviceEvent> {
        if self.frames == 0 && !self.reported {
            self.reported = true;
            return vec![DeviceEvent::Lost {
                direction: Direction::Input,
                why: "unplugged".into(),
            }];
        }
        Vec::new()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_microphone_keeps_the_call_and_the_recording_going() {
    let dir = tempfile::tempdir().expect("dir");
    let talk = speech(
        dir.path(),
        "talk",
        "Алло, вы меня слышите? Сейчас отключится гарнитура.",
    );
    let reply = speech(
        dir.path(),
        "reply",
        "Слышу вас хорошо. Продолжайте, пожалуйста, я слушаю.",
    );
    let server = LineServer::start(dir.path()).await.expect("server");
    let Connected {
        call,
        specialist: (mut spec, caller, caller_packets),
        client: (mut client, callee, callee_packets),
    } = connect(&server).await.expect("connected");

    // The specialist's headset dies after one second; the client talks for longer.
    let played = Arc::new(Mutex::new(Vec::new()));
    let failing = FailingIo {
        inner: MemoryIo::new(&talk),
        frames: 50,
        reported: false,
        played: played.clone(),
    };
    let mut spec_session = CallSession::start(
        caller.clone(),
        caller_packets,
        Box::new(failing),
        SessionConfig::new(Side::Specialist, dir.path().join("specialist.ogg")),
    )
    .expect("engine");
    let client_io = SharedIo::new(&reply);
    let client_session = CallSession::start(
        callee.clone(),
        callee_packets,
        Box::new(client_io.clone()),
        SessionConfig::new(Side::Client, dir.path().join("client.ogg")),
    )
    .expect("engine");
    let mut events = spec_session.device_events().expect("events");
    let levels = spec_session.levels();

    let lost = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("the loss is reported")
        .expect("event");
    assert!(
        matches!(
            lost,
            DeviceEvent::Lost {
                direction: Direction::Input,
                ..
            }
        ),
        "{lost:?}"
    );
    let length = Duration::from_secs_f64(reply.len() as f64 / 48_000.0 + 1.0);
    tokio::time::sleep_until(tokio::time::Instant::from_std(
        spec_session.started() + length,
    ))
    .await;
    assert_eq!(
        caller.state(),
        CallState::Connected,
        "the call survived the headset"
    );
    assert!(levels.borrow().speaker.rms_dbfs > -100.0);
    hang_up(&mut spec, &caller, &mut client, &callee, call)
        .await
        .expect("hang up");
    let spec_report = spec_session.finish().await.expect("report");
    let client_report = client_session.finish().await.expect("report");

    assert_eq!(spec_report.device_events, [lost]);
    // One second of speech was sent (minus DTX silence), nothing after the loss.
    assert!(spec_report.packets_sent <= 50, "{spec_report}");
    assert!(client_report.jitter.received <= 50);
    // The recording went on to the end, and the client's voice is in it after the loss.
    let decoded = linedesk_voice::recording::read(&spec_report.recording).expect("decodes");
    assert!(decoded.duration.abs_diff(spec_report.elapsed) <= Duration::from_millis(100));
    assert!(
        decoded.duration >= length - Duration::from_millis(100),
        "{:?}",
        decoded.duration
    );
    let after_loss = &decoded.client[48_000 * 3 / 2..];
    assert!(
        rms(after_loss) > 0.1 * rms(&reply),
        "the client is recorded after the loss"
    );
    // Nothing from the dead microphone (Opus leaves a residue of about -110 dBFS).
    assert!(rms(&decoded.specialist[48_000 * 3 / 2..]) < 1e-3);
    assert!(rms(&played.lock().expect("speaker")) > 0.0);
}
