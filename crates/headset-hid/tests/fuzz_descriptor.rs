//! Fuzzing: the descriptor parser and the report decoder never panic, whatever the bytes; a
//! descriptor that parses lays out fields inside the limits. Runs a few thousand inputs inside
//! `cargo test` (bolero's random engine on stable); long runs: see BENCHMARKS.md.

mod common;

use linedesk_headset_hid::descriptor::{MAX_REPORT_LEN, ReportDescriptor, ReportKind};
use linedesk_headset_hid::telephony::{Lights, Telephony};
use linedesk_headset_hid::{AppCall, ButtonLogic, Quirks};

fn exercise(bytes: &[u8], report: &[u8]) {
    let Ok(d) = ReportDescriptor::parse(bytes) else {
        return;
    };
    for f in &d.fields {
        assert!(f.size <= 256 && f.count <= 4096, "{f:?}");
        assert!(
            u64::from(f.bit_offset) + u64::from(f.size) * u64::from(f.count)
                <= u64::from(MAX_REPORT_LEN) * 8
        );
        assert!(d.report_len(f.kind, f.report_id) <= MAX_REPORT_LEN as usize);
    }
    let _ = d.report_len(ReportKind::Input, 0);
    if let Some(t) = Telephony::from_descriptor(d) {
        let mut logic = ButtonLogic::new(AppCall::default(), Quirks::default());
        if let Ok(values) = t.decode(report) {
            let _ = logic.on_input(&values);
        }
        for report in t.light_reports(&Lights {
            off_hook: true,
            ring: true,
            mute: true,
            hold: true,
        }) {
            assert!(!report.is_empty());
        }
    }
}

#[test]
fn fuzz_descriptor_and_reports() {
    bolero::check!()
        .with_type::<(Vec<u8>, Vec<u8>)>()
        .for_each(|(bytes, report)| exercise(bytes, report));
}

/// Mutations of the recorded descriptors reach deeper than random bytes.
#[test]
fn fuzz_mutated_recorded_descriptors() {
    let seeds: Vec<Vec<u8>> = common::ALL.iter().map(|n| common::fixture(n)).collect();
    bolero::check!()
        .with_type::<(u8, u16, u8, Vec<u8>)>()
        .for_each(|(which, at, byte, report)| {
            let mut bytes = seeds[usize::from(*which) % seeds.len()].clone();
            let i = usize::from(*at) % bytes.len();
            bytes[i] = *byte;
            exercise(&bytes, report);
            bytes.truncate(i);
            exercise(&bytes, report);
        });
}
