//! The audio of an answered PBX call through the same headset path as a line call: every
//! 20 ms frame the far end's RTP stream plays out ([`MediaStream::receive`]) goes to the
//! speaker and to the echo canceller as its reference; the microphone's frame goes through
//! the microphone path (echo cancellation, noise suppression, gain control: the settings'
//! stages, `crate::echo::stages`) to the stream; both go to the two-channel Ogg Opus
//! recording (channel 0 the specialist, channel 1 the far end), as the engine records a line
//! call. Muted or held, this side sends silence; held, it plays none either.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use linedesk_audio::{AudioIo, FRAME_SAMPLES, Frame, SAMPLE_RATE};
use linedesk_sip::MediaStream;
use linedesk_voice::level::{FLOOR_DBFS, LevelMeter};
use linedesk_voice::processing::{MicProcessor, Stages, WebRtcProcessor};
use linedesk_voice::recording::Recorder;
use tokio::sync::{mpsc, oneshot, watch};

/// What the panel's buttons change while the audio runs.
#[derive(Debug, Default)]
pub struct Switches {
    pub muted: AtomicBool,
    pub held: AtomicBool,
}

/// Both levels, dBFS, for the panel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Levels {
    pub mic_dbfs: f32,
    pub speaker_dbfs: f32,
    /// Audio in the recording so far; whether the recorder failed.
    pub recorded: Duration,
    pub recording_failed: bool,
}

impl Default for Levels {
    fn default() -> Levels {
        Levels {
            mic_dbfs: FLOOR_DBFS,
            speaker_dbfs: FLOOR_DBFS,
            recorded: Duration::ZERO,
            recording_failed: false,
        }
    }
}

/// How the audio ended: the recording's file and length (none when it could not be written).
#[derive(Debug)]
pub struct AudioReport {
    pub recording: Option<PathBuf>,
    pub recorded: Duration,
}

/// The running audio of one call.
pub struct Audio {
    stop: Option<oneshot::Sender<()>>,
    keys: mpsc::Sender<char>,
    pub levels: watch::Receiver<Levels>,
    task: tauri::async_runtime::JoinHandle<AudioReport>,
}

/// Keys of the dial pad queued at most.
const KEYS: usize = 32;

impl Audio {
    pub fn start(
        stream: MediaStream,
        io: Box<dyn AudioIo>,
        stages: Stages,
        recording: PathBuf,
        switches: Arc<Switches>,
    ) -> Audio {
        let (stop, stopped) = oneshot::channel();
        let (keys, pressed) = mpsc::channel(KEYS);
        let (levels_tx, levels) = watch::channel(Levels::default());
        let recorder = match Recorder::create(&recording) {
            Ok(recorder) => Some((recorder, recording)),
            Err(err) => {
                eprintln!("linedesk: the PBX call is not recorded: {err}");
                None
            }
        };
        let run = Run {
            stream,
            io,
            processor: WebRtcProcessor::new(stages),
            recorder,
            switches,
            levels: levels_tx,
            mic: LevelMeter::new(),
            speaker: LevelMeter::new(),
        };
        let task = tauri::async_runtime::spawn(run.run(stopped, pressed));
        Audio {
            stop: Some(stop),
            keys,
            levels,
            task,
        }
    }

    /// A key of the dial pad, sent as an RFC 4733 event after those before it.
    pub fn press(&self, key: char) -> bool {
        self.keys.try_send(key).is_ok()
    }

    /// Stop and close the recording.
    pub async fn finish(mut self) -> AudioReport {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap_or(AudioReport {
            recording: None,
            recorded: Duration::ZERO,
        })
    }
}

struct Run {
    stream: MediaStream,
    io: Box<dyn AudioIo>,
    processor: WebRtcProcessor,
    recorder: Option<(Recorder<File>, PathBuf)>,
    switches: Arc<Switches>,
    levels: watch::Sender<Levels>,
    mic: LevelMeter,
    speaker: LevelMeter,
}

impl Run {
    async fn run(
        mut self,
        mut stopped: oneshot::Receiver<()>,
        mut keys: mpsc::Receiver<char>,
    ) -> AudioReport {
        loop {
            tokio::select! {
                _ = &mut stopped => break,
                Some(key) = keys.recv() => {
                    // A key the stream refuses (not a dial-pad key) is dropped.
                    let _ = self.stream.press(key);
                }
                frame = self.stream.receive() => match frame {
                    Some(far) => self.tick(&far),
                    None => break,
                },
            }
        }
        let recording = self.recorder.take().and_then(|(recorder, path)| {
            let recorded = recorder.duration();
            recorder.finish().ok().map(|_| (path, recorded))
        });
        AudioReport {
            recorded: recording.as_ref().map_or(Duration::ZERO, |r| r.1),
            recording: recording.map(|r| r.0),
        }
    }

    /// One 20 ms frame each way.
    fn tick(&mut self, far: &Frame) {
        let held = self.switches.held.load(Ordering::Relaxed);
        let muted = self.switches.muted.load(Ordering::Relaxed);
        let silence = [0.0; FRAME_SAMPLES];
        let played = if held { &silence } else { far };
        self.io.write_frame(played);
        self.processor
            .set_stream_delay(self.io.playback_delay() + self.io.capture_delay());
        // Whole frames divide into the processor's 10 ms chunks; a refusal leaves the
        // microphone as captured.
        let _ = self.processor.analyze_render(played);
        let mine = self.io.read_frame().map(|mut frame| {
            let _ = self.processor.process_capture(&mut frame);
            frame
        });
        let sent = mine.filter(|_| !muted && !held);
        // A full queue (the stream stopped) loses the frame, not the call.
        let _ = self.stream.send(sent.unwrap_or(silence));
        let mic = self
            .mic
            .process(sent.as_ref().map_or(&silence[..], |f| &f[..]), SAMPLE_RATE);
        let speaker = self.speaker.process(played, SAMPLE_RATE);
        if let Some((recorder, _)) = &mut self.recorder {
            let specialist = sent.as_ref().map(|f| &f[..]);
            if let Err(err) = recorder.write(specialist, Some(&far[..])) {
                eprintln!("linedesk: the PBX call's recording stopped: {err}");
                self.recorder = None;
            }
        }
        self.levels.send_replace(Levels {
            mic_dbfs: mic.rms_dbfs,
            speaker_dbfs: speaker.rms_dbfs,
            recorded: self
                .recorder
                .as_ref()
                .map_or(Duration::ZERO, |r| r.0.duration()),
            recording_failed: self.recorder.is_none(),
        });
    }
}
