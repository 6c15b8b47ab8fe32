//! What a headset's descriptor says about calls: its telephony controls (HID Usage Tables,
//! Telephony Device page 0x0B) in the input reports, and the lights (LED page 0x08) the
//! application is expected to set in the output reports.

use crate::descriptor::{Field, ReportDescriptor, ReportKind, Usage, extract, insert};

pub const TELEPHONY_PAGE: u16 = 0x0B;
pub const LED_PAGE: u16 = 0x08;
pub const CONSUMER_PAGE: u16 = 0x0C;

/// A call control on the headset (Telephony Device page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// 0x20: answer / hang up.
    HookSwitch,
    /// 0x21.
    Flash,
    /// 0x26: reject.
    Drop,
    /// 0x2F.
    PhoneMute,
    /// 0x97: some dongles report the line busy.
    LineBusyTone,
}

impl Control {
    pub fn from_usage(usage: Usage) -> Option<Control> {
        if usage.page != TELEPHONY_PAGE {
            return None;
        }
        Some(match usage.id {
            0x20 => Control::HookSwitch,
            0x21 => Control::Flash,
            0x26 => Control::Drop,
            0x2F => Control::PhoneMute,
            0x97 => Control::LineBusyTone,
            _ => return None,
        })
    }
}

/// A light the application sets (LED page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Light {
    /// 0x09.
    Mute,
    /// 0x17.
    OffHook,
    /// 0x18.
    Ring,
    /// 0x20.
    Hold,
    /// 0x21: microphone muted, the other mute light some headsets wait for.
    Microphone,
}

impl Light {
    pub fn from_usage(usage: Usage) -> Option<Light> {
        if usage.page != LED_PAGE {
            return None;
        }
        Some(match usage.id {
            0x09 => Light::Mute,
            0x17 => Light::OffHook,
            0x18 => Light::Ring,
            0x20 => Light::Hold,
            0x21 => Light::Microphone,
            _ => return None,
        })
    }
}

/// How a control reports: its state (Poly's hook switch: 1 while off hook) or a press (a
/// relative field: each 1 is one press).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reporting {
    Absolute,
    Relative,
}

/// One control's value in one input report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlValue {
    pub control: Control,
    pub on: bool,
    pub reporting: Reporting,
}

/// The lights the application wants on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lights {
    pub off_hook: bool,
    pub ring: bool,
    pub mute: bool,
    pub hold: bool,
}

impl Lights {
    fn get(&self, light: Light) -> bool {
        match light {
            Light::OffHook => self.off_hook,
            Light::Ring => self.ring,
            Light::Mute | Light::Microphone => self.mute,
            Light::Hold => self.hold,
        }
    }
}

/// Why an input report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("an empty report")]
    Empty,
    #[error("report {id} has {got} data bytes, its descriptor says {want}")]
    Short { id: u8, got: usize, want: usize },
}

/// The telephony part of one headset's descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telephony {
    descriptor: ReportDescriptor,
}

impl Telephony {
    /// The telephony layout, or `None` when the descriptor has no telephony control in its input
    /// reports (a headset that only sends media keys: see the evdev fallback).
    pub fn from_descriptor(descriptor: ReportDescriptor) -> Option<Telephony> {
        let has_controls = descriptor
            .fields
            .iter()
            .filter(|f| f.kind == ReportKind::Input && !f.constant)
            .flat_map(|f| f.usages.iter())
            .any(|u| Control::from_usage(*u).is_some());
        has_controls.then_some(Telephony { descriptor })
    }

    pub fn descriptor(&self) -> &ReportDescriptor {
        &self.descriptor
    }

    /// How the descriptor declares `control`, if it has it.
    pub fn reporting(&self, control: Control) -> Option<Reporting> {
        self.inputs().find_map(|f| {
            f.usages
                .iter()
                .any(|u| Control::from_usage(*u) == Some(control))
                .then_some(if f.relative {
                    Reporting::Relative
                } else {
                    Reporting::Absolute
                })
        })
    }

    /// The lights this headset has.
    pub fn lights(&self) -> Vec<Light> {
        let mut lights: Vec<Light> = Vec::new();
        for light in self
            .led_fields()
            .flat_map(|f| f.usages.iter().filter_map(|u| Light::from_usage(*u)))
        {
            if !lights.contains(&light) {
                lights.push(light);
            }
        }
        lights
    }

    fn inputs(&self) -> impl Iterator<Item = &Field> {
        self.descriptor
            .fields
            .iter()
            .filter(|f| f.kind == ReportKind::Input && !f.constant)
    }

    fn led_fields(&self) -> impl Iterator<Item = &Field> {
        self.descriptor.fields.iter().filter(|f| {
            f.kind == ReportKind::Output
                && !f.constant
                && f.variable
                && f.usages.iter().any(|u| Light::from_usage(*u).is_some())
        })
    }

    /// The telephony controls in one input report as read from hidraw (report id first when the
    /// device numbers its reports). A report of another id (vendor, consumer keys) gives none.
    pub fn decode(&self, report: &[u8]) -> Result<Vec<ControlValue>, ReportError> {
        let (id, data) = match (self.descriptor.numbered, report.split_first()) {
            (_, None) => return Err(ReportError::Empty),
            (true, Some((id, data))) => (*id, data),
            (false, Some(_)) => (0, report),
        };
        let fields: Vec<&Field> = self.inputs().filter(|f| f.report_id == id).collect();
        if fields.is_empty() {
            return Ok(Vec::new());
        }
        let want = self.descriptor.report_len(ReportKind::Input, id);
        if data.len() < want {
            return Err(ReportError::Short {
                id,
                got: data.len(),
                want,
            });
        }
        let mut values = Vec::new();
        for field in fields {
            let reporting = if field.relative {
                Reporting::Relative
            } else {
                Reporting::Absolute
            };
            if field.variable {
                for index in 0..field.count {
                    let Some(control) = field.usage_of(index).and_then(Control::from_usage) else {
                        continue;
                    };
                    let on = extract(data, field, index).is_some_and(|v| v != 0);
                    values.push(ControlValue {
                        control,
                        on,
                        reporting,
                    });
                }
            } else {
                // An array: each value selects a usage (logical_min is the first); every
                // telephony usage it can name and does not is off.
                let selected: Vec<Usage> = (0..field.count)
                    .filter_map(|i| extract(data, field, i))
                    .filter_map(|v| {
                        let index = v.checked_sub(i64::from(field.logical_min))?;
                        field.usages.get(usize::try_from(index).ok()?).copied()
                    })
                    .collect();
                for usage in &field.usages {
                    if let Some(control) = Control::from_usage(*usage) {
                        let on = selected.contains(usage);
                        values.push(ControlValue {
                            control,
                            on,
                            reporting,
                        });
                    }
                }
            }
        }
        Ok(values)
    }

    /// The output reports that set `lights`, each ready for hidraw (report id first; 0 when the
    /// device numbers no reports). Other fields of those reports are written as 0.
    pub fn light_reports(&self, lights: &Lights) -> Vec<Vec<u8>> {
        let mut ids: Vec<u8> = self.led_fields().map(|f| f.report_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| {
                let len = self.descriptor.report_len(ReportKind::Output, id);
                let mut report = vec![0u8; len + 1];
                report[0] = id;
                for field in self.led_fields().filter(|f| f.report_id == id) {
                    for index in 0..field.count {
                        let Some(light) = field.usage_of(index).and_then(Light::from_usage) else {
                            continue;
                        };
                        let value = if lights.get(light) {
                            u32::try_from(field.logical_max.max(1)).unwrap_or(1)
                        } else {
                            u32::try_from(field.logical_min.max(0)).unwrap_or(0)
                        };
                        insert(&mut report[1..], field, index, value);
                    }
                }
                report
            })
            .collect()
    }
}
