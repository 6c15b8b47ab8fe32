//! Speech both ways with a real far end: baresip behind Kamailio answers the call, sends its
//! WAV and dumps what it heard; this side's `MediaStream` sends Russian speech and plays out
//! baresip's. Both directions are checked by cross-correlation, over PCMA and PCMU. (Opus
//! with baresip 1.0.0: it rings and does not answer with an `aufile` source; not covered yet.)

mod common;
mod speech;

use common::*;
use linedesk_sip::{CallState, Codec, MediaStream, Phone, SipUserAgent};
use linedesk_siptest::Baresip;
use speech::*;

async fn speech_both_ways(baresip_codec: &str, codec: Codec) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ours_wav = speech_wav(
        dir.path(),
        "ours",
        "Здравствуйте, служба поддержки слушает.",
        48_000,
    );
    let ours = read_48k(dir.path(), &ours_wav);
    let rate = if codec == Codec::Opus { 48_000 } else { 8_000 };
    let theirs_wav = speech_wav(
        dir.path(),
        "theirs",
        "Добрый день, у меня не работает касса.",
        rate,
    );
    let theirs = read_48k(dir.path(), &theirs_wav);

    let mut baresip = Baresip::start(NUMBER, &theirs_wav, &[baresip_codec])
        .expect("baresip starts (./dev.sh setup installs it)");
    let kamailio = kamailio(Some(baresip.addr()));
    let agent = SipUserAgent::start(account(kamailio.addr(), PASSWORD), timing())
        .await
        .expect("agent");
    let mut states = agent.registration();
    wait_registration(&mut states, "registered", |s| s.is_registered(), &kamailio).await;
    let mut call = agent.dial(NUMBER).await.expect("dial");
    let seen = wait_call(call.as_mut(), "baresip's answer", |s| {
        matches!(s, CallState::Answered { .. })
    })
    .await;
    let Some(CallState::Answered {
        codec: answered,
        remote_media: Some(remote),
    }) = seen.last().cloned()
    else {
        panic!(
            "no media address in the answer: {seen:?}\n{}",
            baresip.log()
        );
    };
    assert_eq!(answered, codec, "baresip's answer");
    let socket = call.media_socket().expect("the call's RTP socket");
    let mut stream = MediaStream::start(socket, remote, codec).expect("media stream");

    // Everything baresip sends and two seconds more, frame by frame as played out; each frame
    // played out paces one of ours (the stream sends one every 20 ms).
    let frames = theirs.len().max(ours.len()) / FRAME + 100;
    let mut got = Vec::with_capacity(frames * FRAME);
    let mut to_send = ours.chunks(FRAME);
    while got.len() < frames * FRAME {
        let mut frame = [0.0; FRAME];
        if let Some(chunk) = to_send.next() {
            frame[..chunk.len()].copy_from_slice(chunk);
        }
        stream.send(frame).expect("queued");
        let Some(played) = stream.receive().await else {
            panic!("the stream stopped after {} frames", got.len() / FRAME);
        };
        got.extend_from_slice(&played);
    }
    call.hang_up().await.expect("BYE");
    let rest = states_until_end(call.as_mut()).await;
    drop(stream);
    // baresip closes its dump (and writes the WAV's length) when its end of the call closes:
    // wait for a dump that says it holds at least our speech.
    let wanted = ours.len() / 6;
    let deadline = std::time::Instant::now() + WITHIN;
    let heard_wav = loop {
        let heard = baresip.heard().expect("baresip's directory");
        if let Some(done) = heard.iter().find(|f| samples_in(f) >= wanted) {
            let copy = dir.path().join("heard.wav");
            std::fs::copy(done, &copy).expect("copy the dump");
            break copy;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "baresip wrote no complete dump of what it heard (files {heard:?}, call {rest:?})\n{}",
            baresip.log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let log = baresip.stop();
    agent.shutdown().await;

    let at_far_end = read_48k(dir.path(), &heard_wav);
    let c_far = correlation(&ours, &at_far_end);
    assert!(
        c_far >= 0.6,
        "our speech at baresip: correlation {c_far:.3} (rms sent {:.4}, heard {:.4})\n{log}",
        rms(&ours),
        rms(&at_far_end)
    );
    let c_here = correlation(&theirs, &got);
    eprintln!("{codec:?}: our speech at baresip {c_far:.3}, baresip's here {c_here:.3}");
    assert!(
        c_here >= 0.6,
        "baresip's speech here: correlation {c_here:.3} (rms sent {:.4}, got {:.4})\n{log}",
        rms(&theirs),
        rms(&got)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_both_ways_with_baresip_over_pcma() {
    speech_both_ways("PCMA", Codec::Pcma).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_both_ways_with_baresip_over_pcmu() {
    speech_both_ways("PCMU", Codec::Pcmu).await;
}
