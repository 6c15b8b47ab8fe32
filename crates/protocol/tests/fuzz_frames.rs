//! Fuzz harnesses of the frame decoder (bolero): under `cargo test` each runs a bounded number
//! of random inputs; `BOLERO_RANDOM_ITERATIONS=N` runs more, and `cargo bolero test` runs them
//! under libFuzzer (README, "Fuzzing").
//!
//! Properties: decoding never panics; a decoded frame re-encodes and decodes to the same frame.
//! Random text rarely gets past the first brace, so the structured harness starts from a valid
//! frame of every kind ([`SEEDS`]) and mutates its JSON tree: values swapped for huge, negative,
//! fractional, long or odd ones, fields removed or added, tags changed.

use bolero::check;
use linedesk_protocol::{ClientFrame, MAX_FRAME_BYTES, ServerFrame};
use serde_json::{Map, Value};

/// One valid frame of every kind, both directions; a test below checks each still decodes.
const SEEDS: &[&str] = &[
    r#"{"type":"hello","version":1,"token":"t"}"#,
    r#"{"type":"subscribe","line":1,"after":0}"#,
    r#"{"type":"ping","id":7}"#,
    r#"{"type":"signal","call":1,"payload":{"kind":"offer","sdp":"v=0"}}"#,
    r#"{"type":"remote_signal","session":1,"payload":{"kind":"candidate","candidate":"candidate:1","sdp_mid":"0","sdp_mline_index":0}}"#,
    r#"{"type":"signal","call":1,"payload":{"kind":"hold","on":true}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"send_message","line":1,"client":2,"text":"hi"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"set_presence","status":"do_not_disturb"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"client_message","text":"hi"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"take_appeal","appeal":1}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"transfer_appeal","appeal":1,"to":null,"reason":"r","target":{"to":"tier","id":"second"}}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"transfer_appeal","appeal":1,"to":2,"reason":"r"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"finish_appeal","appeal":1,"result":"done"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"rate_appeal","appeal":1,"stars":5}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"create_ticket","line":1,"client":2,"appeal":null,"subject":"s","text":"t"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"save_ticket","ticket":1}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"dispatch_ticket","ticket":1,"queue":2}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"take_ticket","ticket":1}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"reject_ticket","ticket":1,"reason":"r"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"forward_ticket","ticket":1,"queue":2}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"comment_ticket","ticket":1,"text":"t"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"repeat_ticket","ticket":1,"comment":"c","client_insists":true}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"close_ticket","ticket":1}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"place_call","line":1,"client":null}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"answer_call","call":1}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"hang_up","call":1,"reason":"hung_up"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"call_stats","call":1,"quality":{"duration_ms":1,"packets_sent":1,"packets_received":1,"loss_permille":0,"late_permille":0,"jitter_ms":0,"buffer_ms":0,"rtt_ms":null,"mos_centi":400}}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"set_remote_password","password":"secret"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"request_remote_session","line":1,"client":2,"mode":"by_password","password":"p"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"answer_remote_session","session":1,"accept":true}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"end_remote_session","session":1,"reason":"failed"}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"start_appeal","line":1,"client":2}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"mark_spam","appeal":1}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"save_kb_draft","line":1,"subject":"s","text":"t"}}"#,
    r#"{"type":"welcome","version":1,"role":"specialist","id":1,"lines":[1,2]}"#,
    r#"{"type":"caught_up","line":1,"seq":5}"#,
    r#"{"type":"ack","key":"k","duplicate":false}"#,
    r#"{"type":"error","code":"bad_frame","message":"m","key":null}"#,
    r#"{"type":"pong","id":7}"#,
    r#"{"type":"signal","call":1,"from":"client","payload":{"kind":"answer","sdp":"v=0"}}"#,
    r#"{"type":"remote_signal","session":1,"from":"specialist","payload":{"kind":"offer","sdp":"v=0"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"message_posted","client":1,"from_specialist":2,"text":"t","appeal":3,"key":"k"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"line_named","name":"n"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"specialist_serves","specialist":1,"name":"n"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"client_upserted","client":1,"profile":{"name":"n","vip":true,"responsible":["a"],"inn":"7707083893"}}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"presence_changed","specialist":1,"status":"away"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"appeal_opened","appeal":1,"client":2,"channel":"call"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"appeal_assigned","appeal":1,"client":2,"specialist":3}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"appeal_queued","appeal":1,"client":2}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"appeal_finished","appeal":1,"client":2,"result":"r"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"appeal_transferred","appeal":1,"client":2,"from":3,"to":null,"reason":"r","target":{"to":"line","id":4}}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"appeal_rated","appeal":1,"client":2,"stars":4}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"sla_started","appeal":1,"client":2,"level":"VIP","reaction_due_ms":1,"resolution_due_ms":2}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"sla_at_risk","appeal":1,"client":2,"specialist":null,"deadline":"reaction","due_ms":1}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"sla_breached","appeal":1,"client":2,"specialist":3,"deadline":"resolution","due_ms":1}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"ticket_created","ticket":1,"number":{"year":2026,"seq":4217},"client":2,"appeal":null,"subject":"s","text":"t","entry":{"at":"2026-12-06T04:00:00Z","by":1,"action":{"kind":"created"}}}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"ticket_changed","ticket":1,"number":{"year":2026,"seq":1},"client":2,"state":"open","queue":null,"repeat":false,"entry":{"at":"2026-12-06T04:00:00Z","by":1,"action":{"kind":"replaced_by","number":{"year":2026,"seq":2}}}}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"call_ringing","call":1,"appeal":2,"client":3,"specialist":null,"from":"client","key":"k"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"call_connected","call":1,"appeal":2,"client":3,"specialist":4}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"call_ended","call":1,"appeal":2,"client":3,"specialist":4,"by":"specialist","reason":"no_answer","connected_ms":null}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"call_stats","call":1,"appeal":2,"client":3,"specialist":4,"from":"client","quality":{"duration_ms":1,"packets_sent":1,"packets_received":1,"loss_permille":0,"late_permille":0,"jitter_ms":0,"buffer_ms":0,"rtt_ms":5,"mos_centi":400}}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"call_recorded","call":1,"appeal":2,"client":3,"bytes":4,"duration_ms":5}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"remote_requested","session":1,"appeal":2,"client":3,"specialist":4,"specialist_name":"n","mode":"by_request","key":"k"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"remote_started","session":1,"appeal":2,"client":3,"specialist":4,"mode":"by_request"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"remote_ended","session":1,"appeal":2,"client":3,"specialist":4,"mode":"by_password","by":"client","reason":"declined","duration_ms":null}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"ticket_queue_named","queue":1,"name":"n"}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"appeal_marked_spam","appeal":1,"client":2,"specialist":3}}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"file_shared","file":1,"client":2,"from_specialist":null,"name":"a.pdf","size":3,"appeal":4}}"#,
    r#"{"type":"submit","key":"k","action":{"kind":"send_message_confirmed","line":1,"client":2,"text":"hi"}}"#,
    r#"{"type":"chat_focus","chat":{"line":1,"client":2},"typing":true}"#,
    r#"{"type":"chat_focus","chat":null,"typing":false}"#,
    r#"{"type":"chat_watchers","line":1,"client":2,"watchers":[{"specialist":3,"typing":false}]}"#,
    r#"{"type":"event","line":1,"seq":1,"at_ms":0,"event":{"kind":"conversation_carried","appeal":1,"client":2,"from_line":3,"from_appeal":4,"author":null,"text":"t","file":false,"at_ms":5}}"#,
];

/// Names a mutation may put in: tags and field names of the protocol, and nonsense.
const WORDS: &[&str] = &[
    "type", "kind", "key", "action", "event", "submit", "hello", "text", "line", "client",
    "appeal", "to", "id", "tier", "reason", "target", "payload", "quality", "profile", "entry",
    "number", "year", "seq", "at", "by", "status", "mode", "password", "", "\u{0}", "é", "🙂",
];

/// Decode as both directions; every decoded frame must re-encode to one that decodes the same.
fn decode_round_trip(text: &str) {
    if let Ok(frame) = ClientFrame::decode(text) {
        let again = frame.encode();
        // The size limit is the transport's; the typed round trip is checked without it.
        let back: ClientFrame = serde_json::from_str(&again).expect("a client frame re-encodes");
        assert_eq!(back, frame, "{text} -> {again}");
        // An action within its field limits travels in one frame (its events are shown to fit
        // by the limits' own test).
        if let ClientFrame::Submit { action, .. } = &frame
            && action.validate().is_ok()
        {
            assert!(again.len() <= linedesk_protocol::MAX_FRAME_BYTES, "{again}");
        }
    }
    if let Ok(frame) = ServerFrame::decode(text) {
        let again = frame.encode();
        let back: ServerFrame = serde_json::from_str(&again).expect("a server frame re-encodes");
        assert_eq!(back, frame, "{text} -> {again}");
    }
}

/// One mutation: `at` picks a node of the tree (pre-order), `op` what to do, `n` and `text`
/// are the material.
type Mutation = (u16, u8, u64, String);

fn value_for(op: u8, n: u64, text: &str) -> Value {
    match op % 12 {
        0 => Value::from(n),
        1 => Value::from(-(n as i64).abs().max(1)),
        2 => Value::from(u64::MAX - (n % 4)),
        3 => serde_json::Number::from_f64(n as f64 / 7.0).map_or(Value::Null, Value::Number),
        4 => Value::from(text),
        5 => Value::from(text.repeat(usize::try_from(n % 700).unwrap_or(0))),
        6 => Value::Bool(n.is_multiple_of(2)),
        7 => Value::Null,
        8 => Value::Array(vec![Value::from(n), Value::from(text)]),
        9 => Value::Object(Map::new()),
        10 => Value::from(WORDS[usize::try_from(n).unwrap_or(0) % WORDS.len()]),
        _ => Value::from(i64::MIN + i64::try_from(n % 4).unwrap_or(0)),
    }
}

/// Count nodes in pre-order; apply the mutation at node `target`.
fn mutate(v: &mut Value, target: &mut u16, (op, n, text): (u8, u64, &str)) -> bool {
    if *target == 0 {
        match (op / 12, &mut *v) {
            // Remove or add a field of an object.
            (1, Value::Object(map)) => {
                let victim = map
                    .keys()
                    .nth(usize::try_from(n).unwrap_or(0) % map.len().max(1));
                if let Some(k) = victim.cloned() {
                    map.remove(&k);
                }
            }
            (2, Value::Object(map)) => {
                let word = WORDS[usize::try_from(n).unwrap_or(0) % WORDS.len()];
                map.insert(word.to_string(), value_for(op, n / 3, text));
            }
            _ => *v = value_for(op, n, text),
        }
        return true;
    }
    *target -= 1;
    match v {
        Value::Object(map) => map.values_mut().any(|c| mutate(c, target, (op, n, text))),
        Value::Array(items) => items.iter_mut().any(|c| mutate(c, target, (op, n, text))),
        _ => false,
    }
}

#[test]
fn every_seed_is_a_frame() {
    for seed in SEEDS {
        let client = ClientFrame::decode(seed).is_ok();
        let server = ServerFrame::decode(seed).is_ok();
        assert!(client || server, "{seed} decodes as neither");
        decode_round_trip(seed);
    }
}

#[test]
fn fuzz_frame_text() {
    check!()
        .with_type::<String>()
        .with_iterations(5_000)
        .for_each(|text| decode_round_trip(text));
}

#[test]
fn fuzz_frame_mutated_seeds() {
    check!()
        .with_type::<(u8, Vec<Mutation>)>()
        .with_iterations(5_000)
        .for_each(|(seed, mutations)| {
            let seed = SEEDS[usize::from(*seed) % SEEDS.len()];
            let mut tree: Value = serde_json::from_str(seed).expect("seed");
            for (at, op, n, text) in mutations.iter().take(8) {
                let mut target = *at % 64;
                mutate(&mut tree, &mut target, (*op % 36, *n, text));
            }
            let text = tree.to_string();
            if text.len() <= MAX_FRAME_BYTES {
                decode_round_trip(&text);
            }
        });
}
