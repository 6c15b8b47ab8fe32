//! The parser and the telephony layout against descriptors recorded from real headsets.

mod common;

use common::*;
use linedesk_headset_hid::descriptor::{ReportDescriptor, ReportKind, Usage};
use linedesk_headset_hid::telephony::{Control, Light, Lights, Reporting, Telephony};
use linedesk_headset_hid::{ControlValue, DescriptorError};

fn telephony(name: &str) -> Telephony {
    let d = ReportDescriptor::parse(&fixture(name)).expect("parses");
    Telephony::from_descriptor(d).expect("has telephony controls")
}

fn value(control: Control, on: bool, reporting: Reporting) -> ControlValue {
    ControlValue {
        control,
        on,
        reporting,
    }
}

#[test]
fn every_fixture_parses() {
    for name in ALL {
        let d = ReportDescriptor::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!d.fields.is_empty(), "{name}");
    }
}

#[test]
fn poly_blackwire_layout_is_read_from_the_descriptor() {
    let d = ReportDescriptor::parse(&fixture(POLY)).expect("parses");
    assert_eq!(
        d.applications,
        vec![Usage::new(0x0B, 0x05)],
        "a Telephony Headset"
    );
    assert!(d.numbered);
    // Input 8: mute (bit 0), hook (bit 1), flash (bit 2), 5 bits padding: one byte.
    assert_eq!(d.report_len(ReportKind::Input, 8), 1);
    let hook = d
        .fields
        .iter()
        .find(|f| f.usages.contains(&Usage::new(0x0B, 0x20)))
        .expect("hook switch");
    assert_eq!(
        (hook.report_id, hook.bit_offset, hook.relative),
        (8, 1, false)
    );
    // Each LED has its own one-byte output report.
    for id in [0x09, 0x17, 0x18, 0x1E, 0x20, 0x2A] {
        assert_eq!(d.report_len(ReportKind::Output, id), 1, "report {id:#x}");
    }
    let t = Telephony::from_descriptor(d).expect("telephony");
    assert_eq!(t.reporting(Control::HookSwitch), Some(Reporting::Absolute));
    assert_eq!(t.reporting(Control::PhoneMute), Some(Reporting::Relative));
    assert_eq!(
        t.lights(),
        vec![Light::Mute, Light::OffHook, Light::Ring, Light::Hold]
    );
}

#[test]
fn poly_input_reports_decode_into_controls() {
    let t = telephony(POLY);
    // Hook switch off hook, nothing else.
    assert_eq!(
        t.decode(&[0x08, 0b010]).expect("decodes"),
        vec![
            value(Control::PhoneMute, false, Reporting::Relative),
            value(Control::HookSwitch, true, Reporting::Absolute),
            value(Control::Flash, false, Reporting::Absolute),
        ]
    );
    // Mute pressed while off hook.
    let v = t.decode(&[0x08, 0b011]).expect("decodes");
    assert!(v.contains(&value(Control::PhoneMute, true, Reporting::Relative)));
    // The consumer keys' report (another id) names no telephony control.
    assert_eq!(t.decode(&[0x01, 0x01]).expect("decodes"), vec![]);
    // Too short for its descriptor, or nothing at all: typed errors.
    assert!(t.decode(&[0x08]).is_err());
    assert!(t.decode(&[]).is_err());
}

#[test]
fn poly_light_reports_carry_each_led_in_its_own_report() {
    let t = telephony(POLY);
    let ringing = t.light_reports(&Lights {
        ring: true,
        ..Lights::default()
    });
    assert_eq!(
        ringing,
        vec![vec![0x09, 0], vec![0x17, 0], vec![0x18, 1], vec![0x20, 0]],
        "ring on, mute, off-hook and hold off"
    );
    let in_call_muted = t.light_reports(&Lights {
        off_hook: true,
        mute: true,
        ..Lights::default()
    });
    assert_eq!(
        in_call_muted,
        vec![vec![0x09, 1], vec![0x17, 1], vec![0x18, 0], vec![0x20, 0]]
    );
}

#[test]
fn media_key_only_headsets_have_no_telephony_layout() {
    for name in [LOGITECH, POLY_CONSUMER] {
        let d = ReportDescriptor::parse(&fixture(name)).expect("parses");
        assert_eq!(
            d.applications,
            vec![Usage::new(0x0C, 0x01)],
            "{name}: Consumer Control"
        );
        assert!(d.has_page(ReportKind::Input, 0x0C), "{name}");
        assert!(
            Telephony::from_descriptor(d).is_none(),
            "{name}: buttons come as media keys"
        );
    }
}

#[test]
fn logitech_array_and_nested_collection_are_laid_out() {
    let d = ReportDescriptor::parse(&fixture(LOGITECH)).expect("parses");
    // Report 1: volume up/down (2), mute (1), padding (2), the 2-bit button array, padding (1).
    assert_eq!(d.report_len(ReportKind::Input, 1), 1);
    let array = d
        .fields
        .iter()
        .find(|f| !f.variable && !f.constant)
        .expect("the array");
    assert_eq!((array.bit_offset, array.size, array.logical_min), (5, 2, 1));
    assert_eq!(array.usages, vec![Usage::new(0x09, 1), Usage::new(0x09, 2)]);
    assert_eq!(d.report_len(ReportKind::Output, 4), 36);
}

#[test]
fn jabra_style_shares_one_report_for_controls_and_lights() {
    let t = telephony(JABRA_STYLE);
    assert_eq!(t.reporting(Control::HookSwitch), Some(Reporting::Absolute));
    assert_eq!(t.reporting(Control::PhoneMute), Some(Reporting::Absolute));
    let reports = t.light_reports(&Lights {
        off_hook: true,
        ring: false,
        mute: true,
        hold: false,
    });
    // Off-Hook bit 0, Mute bit 1, Ring bit 2, Hold bit 3 of report 2.
    assert_eq!(reports, vec![vec![0x02, 0b0011]]);
}

#[test]
fn an_array_of_telephony_usages_selects_one_control() {
    let t = telephony(TOGGLE);
    assert_eq!(t.reporting(Control::HookSwitch), Some(Reporting::Relative));
    // No report ids: the data is the whole report. Value 1 selects the hook switch.
    let v = t.decode(&[0x01]).expect("decodes");
    assert_eq!(
        v,
        vec![
            value(Control::HookSwitch, true, Reporting::Relative),
            value(Control::PhoneMute, false, Reporting::Relative),
            value(Control::Drop, false, Reporting::Relative),
        ]
    );
    let v = t.decode(&[0x02]).expect("decodes");
    assert!(v.contains(&value(Control::PhoneMute, true, Reporting::Relative)));
    // Lights without report ids: a leading 0 for hidraw.
    assert_eq!(
        t.light_reports(&Lights {
            ring: true,
            ..Lights::default()
        }),
        vec![vec![0, 0b10]]
    );
}

#[test]
fn malformed_descriptors_get_typed_errors() {
    let cases: [(&[u8], DescriptorError); 8] = [
        (&[], DescriptorError::Empty),
        (&[0x05], DescriptorError::Truncated { at: 0 }),
        (&[0xA1, 0x01], DescriptorError::UnclosedCollection(1)),
        (&[0xC0], DescriptorError::UnbalancedEnd { at: 0 }),
        (&[0xB4], DescriptorError::PopEmpty { at: 0 }),
        (&[0x85, 0x00], DescriptorError::ReportIdZero { at: 0 }),
        (
            &[0x76, 0x01, 0x01],
            DescriptorError::ReportSize { at: 0, size: 257 },
        ),
        (&[0x0C], DescriptorError::ReservedItem { at: 0 }),
    ];
    for (bytes, want) in cases {
        assert_eq!(ReportDescriptor::parse(bytes), Err(want), "{bytes:02x?}");
    }
    let too_long = vec![0u8; 4097];
    assert_eq!(
        ReportDescriptor::parse(&too_long),
        Err(DescriptorError::TooLong(4097))
    );
    // A report growing past 4096 bytes: 255 x 255 bits, twice.
    let big = [0x75, 0xFF, 0x95, 0xFF, 0x81, 0x02, 0x81, 0x02, 0x81, 0x02];
    assert!(matches!(
        ReportDescriptor::parse(&big),
        Err(DescriptorError::ReportTooLong { .. })
    ));
    // A usage range of the whole page.
    let wide = [0x19, 0x00, 0x2A, 0xFF, 0xFF, 0x81, 0x02];
    assert!(matches!(
        ReportDescriptor::parse(&wide),
        Err(DescriptorError::TooManyUsages { .. })
    ));
}

#[test]
fn usages_take_the_page_in_force_at_the_main_item() {
    // Usage 0x20 then Usage Page (Telephony) then Input: the usage is the hook switch.
    let bytes = [
        0x05, 0x01, 0x09, 0x20, 0x05, 0x0B, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02,
    ];
    let d = ReportDescriptor::parse(&bytes).expect("parses");
    assert_eq!(d.fields[0].usages, vec![Usage::new(0x0B, 0x20)]);
    // A 4-byte usage carries its own page.
    let bytes = [
        0x05, 0x01, 0x0B, 0x2F, 0x00, 0x0B, 0x00, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02,
    ];
    let d = ReportDescriptor::parse(&bytes).expect("parses");
    assert_eq!(d.fields[0].usages, vec![Usage::new(0x0B, 0x2F)]);
}
