//! Speech quality under loss through the whole engine, scored by WB-PESQ (ITU-T P.862.2, the
//! `pesq` package from PyPI in the venv `./dev.sh setup` makes): the same call at 5 % loss with
//! in-band FEC and without it. With FEC working (the far side's RTCP loss reaching the encoder,
//! wideband so libopus spends the FEC, the jitter buffer holding the next packet) the score is
//! clearly higher. A floor, not a benchmark: the figures are in BENCHMARKS.md.
//!
//! The scorer: `LINEDESK_PESQ_PYTHON` (a python with numpy, scipy and pesq), else the venv
//! `pesq-venv` in the cargo target directory. Missing, the test fails saying how to make it.

#[path = "common/speech.rs"]
mod speech;

use std::path::{Path, PathBuf};
use std::process::Command;

use linedesk_engine::Impairment;
use linedesk_engine::loopback::{Loopback, run};
use linedesk_voice::codec::CodecConfig;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LINEDESK_PESQ_PYTHON") {
        return PathBuf::from(p);
    }
    // target/debug/deps/speech_quality-… → target/pesq-venv
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the target directory")
        .to_path_buf();
    let venv = target.join("pesq-venv/bin/python");
    assert!(
        venv.exists(),
        "no WB-PESQ scorer at {}: run ./dev.sh setup (it makes the venv with numpy, scipy and \
         pesq) or set LINEDESK_PESQ_PYTHON",
        venv.display()
    );
    venv
}

fn pesq(reference: &Path, degraded: &Path) -> f64 {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/pesq_score.py");
    let out = Command::new(python())
        .args([Path::new(script), reference, degraded])
        .output()
        .expect("run the scorer");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scorer failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("scorer said {text:?}"))
}

async fn call_at_5_percent(dir: &Path, talk: &[f32], fec: bool) -> f64 {
    let dir = dir.join(if fec { "fec" } else { "plain" });
    std::fs::create_dir_all(&dir).expect("dir");
    let outcome = run(Loopback {
        talk: talk.to_vec(),
        reply: Vec::new(),
        length: None,
        // Seed 1: the loss pattern the floor below was measured with.
        impairment: Some(Impairment::new(5.0, std::time::Duration::ZERO, 0.0, 1)),
        dir: dir.clone(),
        codec: CodecConfig {
            fec,
            ..CodecConfig::default()
        },
        ice: Default::default(),
        relay_only: false,
        // The codec and the network are scored: the microphone is a clean WAV, and noise
        // suppression and gain control on it cost about one WB-PESQ point by themselves.
        processing: linedesk_voice::processing::Stages::NONE,
        client_echo: None,
    })
    .await
    .expect("the loopback call");
    let heard = dir.join("heard.wav");
    linedesk_engine::wav::write(&heard, &outcome.heard).expect("write");
    let score = pesq(&dir.parent().expect("parent").join("talk.wav"), &heard);
    println!(
        "FEC {fec}: WB-PESQ {score:.2}; client heard {}",
        outcome.client
    );
    score
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fec_keeps_speech_clearly_better_at_five_percent_loss() {
    let dir = tempfile::tempdir().expect("dir");
    let talk = speech::speech(
        dir.path(),
        "talk",
        "Здравствуйте, это служба поддержки. Расскажите, пожалуйста, что у вас случилось с документом.",
    );
    let with_fec = call_at_5_percent(dir.path(), &talk, true).await;
    let without = call_at_5_percent(dir.path(), &talk, false).await;
    // Measured in release on an idle machine: about 3.4 with FEC, 2.1 without.
    assert!(with_fec >= 2.6, "with FEC {with_fec:.2}");
    assert!(
        with_fec >= without + 0.4,
        "with FEC {with_fec:.2}, without {without:.2}"
    );
}
