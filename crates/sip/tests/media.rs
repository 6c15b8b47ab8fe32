//! RTP media streams on loopback: speech sent by one stream arrives at the other, for each
//! codec (G.711 through the 8 kHz resampling, Opus), checked by cross-correlation.

mod speech;

use linedesk_sip::{Codec, MediaStream};
use speech::*;

/// Two streams talking to each other on 127.0.0.1; `a` sends the speech, `b` plays it out.
async fn speech_arrives(codec: Codec, floor: f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = speech_wav(
        dir.path(),
        "hello",
        "Здравствуйте, служба поддержки слушает.",
        48_000,
    );
    let sent = read_48k(dir.path(), &wav);
    let a_socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let b_socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let (a_addr, b_addr) = (
        a_socket.local_addr().expect("addr"),
        b_socket.local_addr().expect("addr"),
    );
    let a = MediaStream::start(a_socket, b_addr, codec).expect("stream a");
    let mut b = MediaStream::start(b_socket, a_addr, codec).expect("stream b");
    // Everything sent, then two seconds more of frames: the jitter buffer's delay and the
    // resampler's are far less.
    let frames = sent.len() / FRAME + 100;
    let listener = tokio::spawn(async move {
        let mut got = Vec::with_capacity(frames * FRAME);
        while got.len() < frames * FRAME {
            let Some(frame) = b.receive().await else {
                break;
            };
            got.extend_from_slice(&frame);
        }
        got
    });
    send_all(&a, &sent).await;
    let got = listener.await.expect("listener");
    assert_eq!(got.len(), frames * FRAME, "the stream stopped early");
    let c = correlation(&sent, &got);
    assert!(
        c >= floor,
        "{codec:?}: the speech's correlation with what arrived is {c:.3} (rms sent {:.4}, got {:.4})",
        rms(&sent),
        rms(&got)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_arrives_over_pcma() {
    speech_arrives(Codec::Pcma, 0.8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_arrives_over_pcmu() {
    speech_arrives(Codec::Pcmu, 0.8).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_arrives_over_opus() {
    speech_arrives(Codec::Opus, 0.6).await;
}
