//! The echo canceller in a whole call: the client's headset hears its own speaker (an echo
//! path of 100 ms through a room, 6 dB below the speaker), so without a canceller the
//! specialist hears their own voice come back. Two real engines, a real line server and real
//! WebRTC on 127.0.0.1 (the loopback), once with the microphone path on and once off.

#[path = "common/speech.rs"]
mod speech;

use std::time::Duration;

use linedesk_engine::loopback::{Loopback, Outcome, run};
use linedesk_voice::processing::{EchoPath, Stages};
use speech::{rms, speech};

async fn call(dir: &std::path::Path, talk: &[f32], processing: Stages) -> Outcome {
    run(Loopback {
        talk: talk.to_vec(),
        reply: Vec::new(),
        length: None,
        impairment: None,
        dir: dir.to_path_buf(),
        codec: Default::default(),
        ice: Default::default(),
        relay_only: false,
        processing,
        client_echo: Some(EchoPath::new(Duration::from_millis(100), -6.0, 1)),
    })
    .await
    .expect("the loopback call")
}

/// The specialist's speaker after the first two seconds (the canceller's convergence).
fn heard_back(outcome: &Outcome) -> &[f32] {
    &outcome.heard_back[(2 * 48_000).min(outcome.heard_back.len())..]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_far_side_no_longer_hears_its_own_voice_back() {
    let dir = tempfile::tempdir().expect("dir");
    let talk = speech(
        dir.path(),
        "talk",
        "Здравствуйте, это служба поддержки. Расскажите, пожалуйста, что случилось с вашим \
         заказом, и назовите номер договора. Я проверю оплату и доставку.",
    );
    let off_dir = dir.path().join("off");
    let on_dir = dir.path().join("on");
    std::fs::create_dir_all(&off_dir).expect("dir");
    std::fs::create_dir_all(&on_dir).expect("dir");
    let off = call(&off_dir, &talk, Stages::NONE).await;
    let on = call(&on_dir, &talk, Stages::ALL).await;

    let db = |x: &[f32]| 20.0 * (rms(x) / rms(&talk)).max(1e-10).log10();
    let (echo_off, echo_on) = (db(heard_back(&off)), db(heard_back(&on)));
    let reports = format!(
        "off: specialist {}, client {}; on: specialist {}, client {}",
        off.specialist, off.client, on.specialist, on.client
    );
    println!(
        "the specialist's own voice back: off {echo_off:.1} dB, on {echo_on:.1} dB (relative \
         to their voice); {reports}"
    );
    // Off: the echo comes back loud.
    assert!(echo_off > -30.0, "off: {echo_off:.1} dB; {reports}");
    // On: at least 20 dB quieter than with the processing off.
    assert!(
        echo_on < echo_off - 20.0,
        "on {echo_on:.1} dB vs off {echo_off:.1} dB; {reports}"
    );
    // And the client still hears the specialist at their level (the specialist's own
    // canceller, with nothing coming back to cancel, leaves their voice alone).
    let heard = db(&on.heard);
    assert!(heard > -10.0, "the client heard {heard:.1} dB; {reports}");
}
