//! The session description of a call: the offer this side sends (Opus, PCMA, PCMU and
//! RFC 4733 telephone events, one audio stream) and what the far end's answer chose.

use std::net::{IpAddr, SocketAddr};

/// An audio codec of the offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Opus, 48 kHz, PT 111 (dynamic).
    Opus,
    /// G.711 A-law, PT 8.
    Pcma,
    /// G.711 µ-law, PT 0.
    Pcmu,
}

impl Codec {
    /// Every codec, in the offer's order of preference.
    pub const OFFERED: [Codec; 3] = [Codec::Opus, Codec::Pcma, Codec::Pcmu];

    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Opus => 111,
            Codec::Pcma => 8,
            Codec::Pcmu => 0,
        }
    }

    fn rtpmap(self) -> &'static str {
        match self {
            Codec::Opus => "opus/48000/2",
            Codec::Pcma => "PCMA/8000",
            Codec::Pcmu => "PCMU/8000",
        }
    }

    /// The codec an answer's `rtpmap` encoding name (or static payload type) means.
    fn from_answer(payload_type: u8, encoding: Option<&str>) -> Option<Codec> {
        match encoding.map(str::to_ascii_lowercase) {
            Some(name) if name.starts_with("opus/") => Some(Codec::Opus),
            Some(name) if name.starts_with("pcma/") => Some(Codec::Pcma),
            Some(name) if name.starts_with("pcmu/") => Some(Codec::Pcmu),
            Some(_) => None,
            None => match payload_type {
                8 => Some(Codec::Pcma),
                0 => Some(Codec::Pcmu),
                _ => None,
            },
        }
    }
}

/// The payload type of telephone events (DTMF) in the offer.
pub const TELEPHONE_EVENT_PT: u8 = 101;

/// The offer: one audio stream at `media` (this side's RTP socket).
pub fn offer(media: SocketAddr, session: u64) -> String {
    let family = if media.is_ipv6() { "IP6" } else { "IP4" };
    let ip = media.ip();
    let port = media.port();
    let types: Vec<String> = Codec::OFFERED
        .iter()
        .map(|c| c.payload_type().to_string())
        .chain([TELEPHONE_EVENT_PT.to_string()])
        .collect();
    let mut sdp = format!(
        "v=0\r\no=linedesk {session} 1 IN {family} {ip}\r\ns=linedesk\r\nc=IN {family} {ip}\r\n\
         t=0 0\r\nm=audio {port} RTP/AVP {}\r\n",
        types.join(" ")
    );
    for codec in Codec::OFFERED {
        sdp.push_str(&format!(
            "a=rtpmap:{} {}\r\n",
            codec.payload_type(),
            codec.rtpmap()
        ));
    }
    sdp.push_str("a=fmtp:111 useinbandfec=1\r\n");
    sdp.push_str(&format!(
        "a=rtpmap:{TELEPHONE_EVENT_PT} telephone-event/8000\r\na=fmtp:{TELEPHONE_EVENT_PT} 0-16\r\n"
    ));
    sdp.push_str("a=ptime:20\r\na=sendrecv\r\n");
    sdp
}

/// Which way an audio stream flows, from the side that wrote the description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction of an answer to an offer in this direction (RFC 3264 6.1).
    pub fn answered(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    /// Whether the writer holds the call: it sends no more than music on hold, if anything.
    pub fn holds(self) -> bool {
        matches!(self, Direction::SendOnly | Direction::Inactive)
    }
}

/// The direction of a description's first audio stream: its own attribute, else the
/// session's; `inactive` for the old hold (connection address 0.0.0.0); `sendrecv` by default.
pub fn direction(text: &str) -> Direction {
    let mut session = None;
    let mut media = None;
    let mut in_audio = false;
    let mut seen_audio = false;
    let mut zero_address = false;
    for line in text.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            in_audio = !seen_audio && m.starts_with("audio ");
            seen_audio |= in_audio;
            continue;
        }
        if seen_audio && !in_audio {
            continue;
        }
        let found = match line {
            "a=sendrecv" => Some(Direction::SendRecv),
            "a=sendonly" => Some(Direction::SendOnly),
            "a=recvonly" => Some(Direction::RecvOnly),
            "a=inactive" => Some(Direction::Inactive),
            _ => None,
        };
        if let Some(found) = found {
            if in_audio {
                media = Some(found);
            } else {
                session = Some(found);
            }
        }
        if line.starts_with("c=") && line.ends_with(" 0.0.0.0") {
            zero_address = true;
        }
    }
    match media.or(session) {
        Some(direction) => direction,
        None if zero_address => Direction::Inactive,
        None => Direction::SendRecv,
    }
}

/// This side's answer to a new offer within the call (a re-INVITE): the codec already in use
/// and telephone events, at `media`, in `direction`; `version` counts this side's descriptions.
pub fn reanswer(
    media: SocketAddr,
    session: u64,
    version: u64,
    codec: Codec,
    direction: Direction,
) -> String {
    let family = if media.is_ipv6() { "IP6" } else { "IP4" };
    let ip = media.ip();
    let pt = codec.payload_type();
    let mut sdp = format!(
        "v=0\r\no=linedesk {session} {version} IN {family} {ip}\r\ns=linedesk\r\nc=IN {family} {ip}\r\n\
         t=0 0\r\nm=audio {} RTP/AVP {pt} {TELEPHONE_EVENT_PT}\r\na=rtpmap:{pt} {}\r\n",
        media.port(),
        codec.rtpmap()
    );
    if codec == Codec::Opus {
        sdp.push_str("a=fmtp:111 useinbandfec=1\r\n");
    }
    sdp.push_str(&format!(
        "a=rtpmap:{TELEPHONE_EVENT_PT} telephone-event/8000\r\na=fmtp:{TELEPHONE_EVENT_PT} 0-16\r\n\
         a=ptime:20\r\na={}\r\n",
        direction.attribute()
    ));
    sdp
}

/// What the far end's answer says: the codec it chose among those offered, and where its
/// audio is (none when the answer puts the stream on hold or has no address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    pub codec: Codec,
    pub media: Option<SocketAddr>,
}

/// Read an answer: its first audio stream's first offered codec. `None` when the answer has
/// no audio stream or none of the offered codecs.
pub fn answer(text: &str) -> Option<Answer> {
    let mut session_ip: Option<IpAddr> = None;
    let mut media_ip: Option<IpAddr> = None;
    let mut port: Option<u16> = None;
    let mut formats: Vec<u8> = Vec::new();
    let mut rtpmaps: Vec<(u8, String)> = Vec::new();
    let mut in_audio = false;
    let mut seen_audio = false;
    for line in text.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            if seen_audio {
                in_audio = false;
                continue;
            }
            let mut parts = m.split_whitespace();
            if parts.next() == Some("audio") {
                in_audio = true;
                seen_audio = true;
                port = parts.next().and_then(|p| p.parse().ok());
                formats = parts.skip(1).filter_map(|f| f.parse().ok()).collect();
            } else {
                in_audio = false;
            }
        } else if let Some(c) = line.strip_prefix("c=") {
            let ip = c.split_whitespace().nth(2).and_then(|a| a.parse().ok());
            if in_audio {
                media_ip = ip;
            } else if !seen_audio {
                session_ip = ip;
            }
        } else if let Some(map) = line.strip_prefix("a=rtpmap:")
            && (in_audio || !seen_audio)
        {
            let mut parts = map.splitn(2, ' ');
            if let (Some(pt), Some(name)) = (parts.next(), parts.next())
                && let Ok(pt) = pt.parse()
            {
                rtpmaps.push((pt, name.to_string()));
            }
        }
    }
    let codec = formats.iter().find_map(|pt| {
        let name = rtpmaps
            .iter()
            .find(|(p, _)| p == pt)
            .map(|(_, n)| n.as_str());
        Codec::from_answer(*pt, name)
    })?;
    let ip = media_ip.or(session_ip).filter(|ip| !ip.is_unspecified());
    let media = match (ip, port) {
        (Some(ip), Some(port)) if port != 0 => Some(SocketAddr::new(ip, port)),
        _ => None,
    };
    Some(Answer { codec, media })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offer_lists_opus_g711_and_telephone_events() {
        let sdp = offer("192.0.2.7:40000".parse().expect("addr"), 42);
        assert!(
            sdp.contains("m=audio 40000 RTP/AVP 111 8 0 101\r\n"),
            "{sdp}"
        );
        assert!(sdp.contains("c=IN IP4 192.0.2.7\r\n"));
        assert!(sdp.contains("a=rtpmap:111 opus/48000/2\r\n"));
        assert!(sdp.contains("a=rtpmap:8 PCMA/8000\r\n"));
        assert!(sdp.contains("a=rtpmap:0 PCMU/8000\r\n"));
        assert!(sdp.contains("a=rtpmap:101 telephone-event/8000\r\n"));
        // Its own answer reads back as Opus at the same address.
        assert_eq!(
            answer(&sdp),
            Some(Answer {
                codec: Codec::Opus,
                media: Some("192.0.2.7:40000".parse().expect("addr")),
            })
        );
    }

    #[test]
    fn an_answer_picks_its_first_known_codec() {
        let sdp = "v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n\
                   m=audio 6000 RTP/AVP 101 8\r\na=rtpmap:101 telephone-event/8000\r\n\
                   a=rtpmap:8 PCMA/8000\r\n";
        assert_eq!(
            answer(sdp),
            Some(Answer {
                codec: Codec::Pcma,
                media: Some("10.0.0.2:6000".parse().expect("addr")),
            })
        );
        // A static payload type without an rtpmap.
        let sdp = "v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 6000 RTP/AVP 0\r\n";
        assert_eq!(answer(sdp).map(|a| a.codec), Some(Codec::Pcmu));
    }

    #[test]
    fn the_media_line_address_wins_and_hold_has_none() {
        let sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 7000 RTP/AVP 111\r\nc=IN IP4 10.0.0.9\r\n\
                   a=rtpmap:111 OPUS/48000/2\r\n";
        assert_eq!(
            answer(sdp).and_then(|a| a.media),
            Some("10.0.0.9:7000".parse().expect("addr"))
        );
        let sdp = "v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 7000 RTP/AVP 8\r\n";
        assert_eq!(answer(sdp).and_then(|a| a.media), None);
    }

    #[test]
    fn directions_are_read_and_answered() {
        assert_eq!(
            direction("v=0\r\nm=audio 5 RTP/AVP 8\r\n"),
            Direction::SendRecv
        );
        let held = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5 RTP/AVP 8\r\na=sendonly\r\n";
        assert_eq!(direction(held), Direction::SendOnly);
        assert!(direction(held).holds());
        assert_eq!(direction(held).answered(), Direction::RecvOnly);
        // A session-level attribute, overridden by the stream's own.
        assert_eq!(
            direction("v=0\r\na=inactive\r\nm=audio 5 RTP/AVP 8\r\n"),
            Direction::Inactive
        );
        assert_eq!(
            direction("v=0\r\na=inactive\r\nm=audio 5 RTP/AVP 8\r\na=sendrecv\r\n"),
            Direction::SendRecv
        );
        // RFC 2543's hold.
        assert_eq!(
            direction("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 5 RTP/AVP 8\r\n"),
            Direction::Inactive
        );
        // A video stream's attribute is not the audio's.
        assert_eq!(
            direction("v=0\r\nm=audio 5 RTP/AVP 8\r\nm=video 6 RTP/AVP 96\r\na=inactive\r\n"),
            Direction::SendRecv
        );
    }

    #[test]
    fn a_reanswer_keeps_the_codec_and_says_its_direction() {
        let media = "192.0.2.7:40000".parse().expect("addr");
        let sdp = reanswer(media, 42, 2, Codec::Pcma, Direction::RecvOnly);
        assert!(
            sdp.contains("o=linedesk 42 2 IN IP4 192.0.2.7\r\n"),
            "{sdp}"
        );
        assert!(sdp.contains("m=audio 40000 RTP/AVP 8 101\r\n"), "{sdp}");
        assert!(sdp.contains("a=recvonly\r\n"), "{sdp}");
        assert_eq!(direction(&sdp), Direction::RecvOnly);
        assert_eq!(answer(&sdp).map(|a| a.codec), Some(Codec::Pcma));
    }

    #[test]
    fn an_answer_without_an_offered_codec_or_audio_is_none() {
        assert_eq!(answer(""), None);
        assert_eq!(answer("v=0\r\nm=video 5000 RTP/AVP 96\r\n"), None);
        let sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 5000 RTP/AVP 9\r\na=rtpmap:9 G722/8000\r\n";
        assert_eq!(answer(sdp), None);
    }
}
