use linedesk_protocol::{Event, ServerFrame};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use super::*;

/// What the watcher took before: the whole frame decoded.
fn decoded(frame: &str) -> Option<u64> {
    match ServerFrame::decode(frame) {
        Ok(ServerFrame::Event {
            event:
                Event::MessagePosted {
                    from_specialist: None,
                    text,
                    ..
                },
            ..
        }) => text.strip_prefix("t:")?.parse().ok(),
        _ => None,
    }
}

fn event(event: Event) -> String {
    ServerFrame::Event {
        line: 3,
        seq: 41,
        at_ms: 1_700_000_000_000,
        event,
    }
    .encode()
}

fn message(from_specialist: Option<u64>, text: &str, key: Option<&str>) -> String {
    event(Event::MessagePosted {
        client: 7,
        from_specialist,
        text: text.to_string(),
        appeal: Some(9),
        key: key.map(str::to_string),
    })
}

#[test]
fn the_scan_finds_what_decoding_finds() {
    let frames = [
        message(None, "t:123456", None),
        message(None, "t:0", None),
        message(None, "t:18446744073709551615", None),
        // Not timed: a specialist's, other texts, a marker inside a string.
        message(Some(4), "t:123456", Some("k1")),
        message(None, "hello", None),
        message(None, "t:", None),
        message(None, "t:12x", None),
        message(None, "t:99999999999999999999999", None),
        message(None, r#""text":"t:5""#, None),
        message(
            Some(4),
            r#"x","from_specialist":null,"text":"t:5"#,
            Some("k2"),
        ),
        message(
            None,
            r#""kind":"message_posted","from_specialist":null"#,
            None,
        ),
        event(Event::FileShared {
            file: 1,
            client: 7,
            from_specialist: None,
            name: "t:5".to_string(),
            size: 10,
            appeal: None,
        }),
        ServerFrame::CaughtUp { line: 3, seq: 40 }.encode(),
        ServerFrame::Ack {
            key: "t:5".to_string(),
            duplicate: false,
        }
        .encode(),
    ];
    for frame in &frames {
        assert_eq!(sent_at(frame.as_bytes()), decoded(frame), "{frame}");
    }
    assert_eq!(sent_at(frames[0].as_bytes()), Some(123_456));
}

fn wire(payload: &[u8], opcode: OpCode) -> Vec<u8> {
    let payload = Bytes::copy_from_slice(payload);
    let frame = match opcode {
        OpCode::Control(Control::Ping) => Frame::ping(payload),
        OpCode::Control(_) => Frame::close(None),
        data => Frame::message(payload, data, true),
    };
    let mut out = Vec::new();
    frame.format(&mut out).expect("a Vec takes it");
    out
}

fn owned(seen: Seen<'_>) -> (u8, Vec<u8>) {
    match seen {
        Seen::Text(p) => (1, p.to_vec()),
        Seen::Ping(p) => (9, p.to_vec()),
        Seen::Close => (8, Vec::new()),
        Seen::Other => (0, Vec::new()),
    }
}

#[test]
fn frames_are_found_however_the_reads_cut_them() {
    let big = vec![b'x'; 70_000];
    let stream: Vec<u8> = [
        wire(b"first", OpCode::Data(Data::Text)),
        wire(b"", OpCode::Control(Control::Ping)),
        wire(&big, OpCode::Data(Data::Text)),
        wire(b"abc", OpCode::Data(Data::Binary)),
        wire(b"ping", OpCode::Control(Control::Ping)),
        wire(b"", OpCode::Control(Control::Close)),
    ]
    .concat();
    let expected = vec![
        (1, b"first".to_vec()),
        (9, Vec::new()),
        (1, big.clone()),
        (0, Vec::new()),
        (9, b"ping".to_vec()),
        (8, Vec::new()),
    ];
    for cut in [1, 2, 3, 7, 100, 4096, 200_000] {
        let mut frames = Frames::new(64);
        let mut seen = Vec::new();
        let mut at = 0;
        while at < stream.len() {
            let spare = frames.spare();
            let n = cut.min(spare.len()).min(stream.len() - at);
            spare[..n].copy_from_slice(&stream[at..at + n]);
            frames.read(n);
            at += n;
            while let Some(frame) = frames.next_frame().expect("well formed") {
                seen.push(owned(frame));
            }
        }
        assert_eq!(seen, expected, "reads of {cut} bytes");
    }
}

#[test]
fn a_masked_or_oversized_frame_is_garbled() {
    let mut masked = Vec::new();
    let mut frame = Frame::message(Bytes::from_static(b"hi"), OpCode::Data(Data::Text), true);
    frame.header_mut().mask = Some([1, 2, 3, 4]);
    frame.format(&mut masked).expect("a Vec takes it");
    let mut oversized = Vec::new();
    FrameHeader::default()
        .format(MAX_FRAME as u64 + 1, &mut oversized)
        .expect("a Vec takes it");
    for stream in [masked, oversized] {
        let mut frames = Frames::new(64);
        frames.spare()[..stream.len()].copy_from_slice(&stream);
        frames.read(stream.len());
        assert_eq!(frames.next_frame(), Err(Garbled));
    }
}

#[test]
fn a_pong_is_a_masked_frame_with_the_pings_payload() {
    let out = pong(b"are you there", [9, 8, 7, 6]);
    let mut cursor = Cursor::new(&out[..]);
    let (header, length) = FrameHeader::parse(&mut cursor)
        .expect("a header")
        .expect("whole");
    assert_eq!(header.opcode, OpCode::Control(Control::Pong));
    assert_eq!(header.mask, Some([9, 8, 7, 6]));
    let from = cursor.position() as usize;
    let mut payload = out[from..from + length as usize].to_vec();
    for (i, byte) in payload.iter_mut().enumerate() {
        *byte ^= [9, 8, 7, 6][i % 4];
    }
    assert_eq!(payload, b"are you there");
}
