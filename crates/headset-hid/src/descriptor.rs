//! A HID report descriptor parser (HID 1.11, section 6.2.2): short and long items, global state
//! with push/pop, local usages and usage ranges, collections, and the bit layout of every input,
//! output and feature field per report id.
//!
//! Pure and bounded: the descriptor comes from a device (or a file), so every limit is checked
//! before memory is spent and every malformation is a typed [`DescriptorError`], never a panic.
//! The limits are the kernel's where it has one (`HID_MAX_DESCRIPTOR_SIZE`, a report size of at
//! most 256 bits per value).

/// The kernel refuses longer descriptors (`HID_MAX_DESCRIPTOR_SIZE`).
pub const MAX_DESCRIPTOR_LEN: usize = 4096;
/// More fields than any headset has; a descriptor past it is refused rather than stored.
pub const MAX_FIELDS: usize = 1024;
/// Usages one main item may name (ranges included).
pub const MAX_USAGES_PER_FIELD: usize = 1024;
/// Values one main item may declare.
pub const MAX_REPORT_COUNT: u32 = 4096;
/// One value's bits (the kernel's limit).
pub const MAX_REPORT_SIZE: u32 = 256;
/// One report's data, in bytes (the report id byte not counted).
pub const MAX_REPORT_LEN: u32 = 4096;
const MAX_COLLECTION_DEPTH: usize = 32;
const MAX_PUSH_DEPTH: usize = 8;

/// Why a descriptor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescriptorError {
    #[error("the descriptor is empty")]
    Empty,
    #[error("the descriptor is {0} bytes, more than {MAX_DESCRIPTOR_LEN}")]
    TooLong(usize),
    #[error("an item at byte {at} runs past the end")]
    Truncated { at: usize },
    #[error("item tag type 3 (reserved) at byte {at}")]
    ReservedItem { at: usize },
    #[error("an end collection at byte {at} closes nothing")]
    UnbalancedEnd { at: usize },
    #[error("{0} collections are still open at the end")]
    UnclosedCollection(usize),
    #[error("collections nest deeper than {MAX_COLLECTION_DEPTH} at byte {at}")]
    TooDeep { at: usize },
    #[error("push deeper than {MAX_PUSH_DEPTH} at byte {at}")]
    PushOverflow { at: usize },
    #[error("pop without push at byte {at}")]
    PopEmpty { at: usize },
    #[error("report id 0 at byte {at} (reserved)")]
    ReportIdZero { at: usize },
    #[error("report size {size} at byte {at} (at most {MAX_REPORT_SIZE})")]
    ReportSize { at: usize, size: u32 },
    #[error("report count {count} at byte {at} (at most {MAX_REPORT_COUNT})")]
    ReportCount { at: usize, count: u32 },
    #[error("report {id} grows past {MAX_REPORT_LEN} bytes at byte {at}")]
    ReportTooLong { at: usize, id: u8 },
    #[error("a usage range at byte {at} is reversed, too wide or spans pages")]
    UsageRange { at: usize },
    #[error("more than {MAX_USAGES_PER_FIELD} usages before the main item at byte {at}")]
    TooManyUsages { at: usize },
    #[error("more than {MAX_FIELDS} fields")]
    TooManyFields,
}

/// A usage: page and id (HID Usage Tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Usage {
    pub page: u16,
    pub id: u16,
}

impl Usage {
    pub const fn new(page: u16, id: u16) -> Usage {
        Usage { page, id }
    }
}

/// Which report a field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    Input,
    Output,
    Feature,
}

/// One main item: `count` values of `size` bits from `bit_offset` of its report's data (the
/// report id byte excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub kind: ReportKind,
    /// 0 when the device numbers no reports.
    pub report_id: u8,
    pub bit_offset: u32,
    pub size: u32,
    pub count: u32,
    /// Padding: no data.
    pub constant: bool,
    /// One value per usage (buttons, LEDs); otherwise an array whose values select usages.
    pub variable: bool,
    /// Relative: a value reports a change (a press), not a state.
    pub relative: bool,
    pub logical_min: i32,
    pub logical_max: i32,
    /// Variable: the usage of each value (the last one repeats when fewer were named).
    /// Array: the usages the values select, from `logical_min` on.
    pub usages: Vec<Usage>,
}

impl Field {
    /// The usage of value `index` of a variable field.
    pub fn usage_of(&self, index: u32) -> Option<Usage> {
        let i = usize::try_from(index).ok()?;
        self.usages.get(i).or(self.usages.last()).copied()
    }
}

/// A parsed descriptor: every field, in order, with its report and bit layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportDescriptor {
    pub fields: Vec<Field>,
    /// The usages of the top-level (application) collections.
    pub applications: Vec<Usage>,
    /// Whether reports carry a report id byte first.
    pub numbered: bool,
}

impl ReportDescriptor {
    /// Parse a descriptor as a device gives it.
    pub fn parse(bytes: &[u8]) -> Result<ReportDescriptor, DescriptorError> {
        Parser::default().run(bytes)
    }

    /// The data length in bytes of report `id` of `kind` (the id byte not counted), 0 if none.
    pub fn report_len(&self, kind: ReportKind, id: u8) -> usize {
        let bits = self
            .fields
            .iter()
            .filter(|f| f.kind == kind && f.report_id == id)
            .map(|f| u64::from(f.bit_offset) + u64::from(f.size) * u64::from(f.count))
            .max()
            .unwrap_or(0);
        usize::try_from(bits.div_ceil(8)).unwrap_or(usize::MAX)
    }

    /// Whether any field of `kind` names a usage of `page`.
    pub fn has_page(&self, kind: ReportKind, page: u16) -> bool {
        self.fields
            .iter()
            .any(|f| f.kind == kind && !f.constant && f.usages.iter().any(|u| u.page == page))
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Globals {
    usage_page: u16,
    logical_min: i32,
    logical_max: i32,
    report_size: u32,
    report_count: u32,
    report_id: u8,
}

/// A local usage as written: a 4-byte one carries its page, a shorter one takes the page in
/// force when the main item comes (HID 1.11, 6.2.2.8).
#[derive(Debug, Clone, Copy)]
enum LocalUsage {
    Full(Usage),
    Short(u16),
}

#[derive(Default)]
struct Parser {
    globals: Globals,
    stack: Vec<Globals>,
    usages: Vec<LocalUsage>,
    usage_min: Option<(u32, bool)>,
    depth: usize,
    fields: Vec<Field>,
    applications: Vec<Usage>,
    numbered: bool,
    /// Next bit per (kind, report id).
    offsets: Vec<(ReportKind, u8, u32)>,
}

/// One item's header and data.
struct Item {
    kind: u8,
    tag: u8,
    data: u32,
    size: usize,
}

fn read_item(bytes: &[u8], at: usize) -> Result<(Item, usize), DescriptorError> {
    let prefix = *bytes.get(at).ok_or(DescriptorError::Truncated { at })?;
    if prefix == 0xFE {
        // Long item: size, tag, data. None is defined; skip it whole.
        let size = *bytes.get(at + 1).ok_or(DescriptorError::Truncated { at })?;
        let end = at + 3 + usize::from(size);
        if end > bytes.len() {
            return Err(DescriptorError::Truncated { at });
        }
        let item = Item {
            kind: 0xFF,
            tag: 0,
            data: 0,
            size: 0,
        };
        return Ok((item, end));
    }
    let size = match prefix & 0x03 {
        0 => 0,
        1 => 1,
        2 => 2,
        _ => 4,
    };
    let data_at = at + 1;
    let raw = bytes
        .get(data_at..data_at + size)
        .ok_or(DescriptorError::Truncated { at })?;
    let data = raw
        .iter()
        .rev()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    let item = Item {
        kind: (prefix >> 2) & 0x03,
        tag: prefix >> 4,
        data,
        size,
    };
    Ok((item, data_at + size))
}

/// An item's data as a signed value of its own width.
fn signed(item: &Item) -> i32 {
    match item.size {
        1 => i32::from(item.data as u8 as i8),
        2 => i32::from(item.data as u16 as i16),
        _ => item.data as i32,
    }
}

impl Parser {
    fn run(mut self, bytes: &[u8]) -> Result<ReportDescriptor, DescriptorError> {
        if bytes.is_empty() {
            return Err(DescriptorError::Empty);
        }
        if bytes.len() > MAX_DESCRIPTOR_LEN {
            return Err(DescriptorError::TooLong(bytes.len()));
        }
        let mut at = 0;
        while at < bytes.len() {
            let (item, next) = read_item(bytes, at)?;
            match item.kind {
                0 => self.main(&item, at)?,
                1 => self.global(&item, at)?,
                2 => self.local(&item, at)?,
                0xFF => {}
                _ => return Err(DescriptorError::ReservedItem { at }),
            }
            at = next;
        }
        if self.depth != 0 {
            return Err(DescriptorError::UnclosedCollection(self.depth));
        }
        Ok(ReportDescriptor {
            fields: self.fields,
            applications: self.applications,
            numbered: self.numbered,
        })
    }

    fn global(&mut self, item: &Item, at: usize) -> Result<(), DescriptorError> {
        let g = &mut self.globals;
        match item.tag {
            0 => g.usage_page = item.data as u16,
            1 => g.logical_min = signed(item),
            2 => g.logical_max = signed(item),
            7 => {
                if item.data > MAX_REPORT_SIZE {
                    return Err(DescriptorError::ReportSize {
                        at,
                        size: item.data,
                    });
                }
                g.report_size = item.data;
            }
            8 => {
                let id = item.data as u8;
                if id == 0 || item.data > 0xFF {
                    return Err(DescriptorError::ReportIdZero { at });
                }
                g.report_id = id;
                self.numbered = true;
            }
            9 => {
                if item.data > MAX_REPORT_COUNT {
                    return Err(DescriptorError::ReportCount {
                        at,
                        count: item.data,
                    });
                }
                g.report_count = item.data;
            }
            10 => {
                if self.stack.len() >= MAX_PUSH_DEPTH {
                    return Err(DescriptorError::PushOverflow { at });
                }
                self.stack.push(*g);
            }
            11 => {
                *g = self.stack.pop().ok_or(DescriptorError::PopEmpty { at })?;
            }
            // Physical extent, unit exponent, unit: no bearing on the layout.
            _ => {}
        }
        Ok(())
    }

    fn local(&mut self, item: &Item, at: usize) -> Result<(), DescriptorError> {
        let full = item.size == 4;
        match item.tag {
            0 => {
                if self.usages.len() >= MAX_USAGES_PER_FIELD {
                    return Err(DescriptorError::TooManyUsages { at });
                }
                self.usages.push(if full {
                    LocalUsage::Full(Usage::new((item.data >> 16) as u16, item.data as u16))
                } else {
                    LocalUsage::Short(item.data as u16)
                });
            }
            1 => self.usage_min = Some((item.data, full)),
            2 => {
                let (min, min_full) = self
                    .usage_min
                    .take()
                    .ok_or(DescriptorError::UsageRange { at })?;
                let max = item.data;
                let page = match (min_full, full) {
                    (true, true) if min >> 16 != max >> 16 => {
                        return Err(DescriptorError::UsageRange { at });
                    }
                    (_, true) => Some((max >> 16) as u16),
                    (true, false) => Some((min >> 16) as u16),
                    (false, false) => None,
                };
                let (lo, hi) = (min & 0xFFFF, max & 0xFFFF);
                if lo > hi {
                    return Err(DescriptorError::UsageRange { at });
                }
                let span = usize::try_from(hi - lo + 1).unwrap_or(usize::MAX);
                if self.usages.len().saturating_add(span) > MAX_USAGES_PER_FIELD {
                    return Err(DescriptorError::TooManyUsages { at });
                }
                for id in lo..=hi {
                    self.usages.push(match page {
                        Some(page) => LocalUsage::Full(Usage::new(page, id as u16)),
                        None => LocalUsage::Short(id as u16),
                    });
                }
            }
            // Designators, strings, delimiters: not needed for the layout.
            _ => {}
        }
        Ok(())
    }

    fn main(&mut self, item: &Item, at: usize) -> Result<(), DescriptorError> {
        match item.tag {
            8 => self.field(ReportKind::Input, item.data, at)?,
            9 => self.field(ReportKind::Output, item.data, at)?,
            11 => self.field(ReportKind::Feature, item.data, at)?,
            10 => {
                if self.depth >= MAX_COLLECTION_DEPTH {
                    return Err(DescriptorError::TooDeep { at });
                }
                if self.depth == 0
                    && let Some(usage) = self.resolved_usages().first()
                {
                    self.applications.push(*usage);
                }
                self.depth += 1;
            }
            12 => {
                if self.depth == 0 {
                    return Err(DescriptorError::UnbalancedEnd { at });
                }
                self.depth -= 1;
            }
            _ => {}
        }
        // Local items end with every main item.
        self.usages.clear();
        self.usage_min = None;
        Ok(())
    }

    fn resolved_usages(&self) -> Vec<Usage> {
        let page = self.globals.usage_page;
        self.usages
            .iter()
            .map(|u| match *u {
                LocalUsage::Full(usage) => usage,
                LocalUsage::Short(id) => Usage::new(page, id),
            })
            .collect()
    }

    fn field(&mut self, kind: ReportKind, flags: u32, at: usize) -> Result<(), DescriptorError> {
        let g = self.globals;
        let bits = g.report_size * g.report_count;
        let id = g.report_id;
        let slot = match self
            .offsets
            .iter()
            .position(|(k, i, _)| *k == kind && *i == id)
        {
            Some(slot) => slot,
            None => {
                self.offsets.push((kind, id, 0));
                self.offsets.len() - 1
            }
        };
        let offset = self.offsets[slot].2;
        let end = offset + bits;
        if end > MAX_REPORT_LEN * 8 {
            return Err(DescriptorError::ReportTooLong { at, id });
        }
        self.offsets[slot].2 = end;
        if bits == 0 {
            return Ok(());
        }
        if self.fields.len() >= MAX_FIELDS {
            return Err(DescriptorError::TooManyFields);
        }
        let usages = self.resolved_usages();
        self.fields.push(Field {
            kind,
            report_id: id,
            bit_offset: offset,
            size: g.report_size,
            count: g.report_count,
            constant: flags & 0x01 != 0,
            variable: flags & 0x02 != 0,
            relative: flags & 0x04 != 0,
            logical_min: g.logical_min,
            logical_max: g.logical_max,
            usages,
        });
        Ok(())
    }
}

/// Value `index` of a field from a report's data (the id byte already taken off): `None` when
/// the data is too short or the value wider than 32 bits. Little-endian bit order (HID 1.11,
/// 5.8), sign-extended when the logical minimum is negative.
pub fn extract(data: &[u8], field: &Field, index: u32) -> Option<i64> {
    if field.size == 0 || field.size > 32 || index >= field.count {
        return None;
    }
    let start = u64::from(field.bit_offset) + u64::from(index) * u64::from(field.size);
    let mut value: u64 = 0;
    for bit in 0..u64::from(field.size) {
        let pos = start + bit;
        let byte = *data.get(usize::try_from(pos / 8).ok()?)?;
        if (byte >> (pos % 8)) & 1 == 1 {
            value |= 1 << bit;
        }
    }
    if field.logical_min < 0 && field.size < 64 && (value >> (field.size - 1)) & 1 == 1 {
        return Some(value as i64 - (1i64 << field.size));
    }
    Some(value as i64)
}

/// Set value `index` of a field in a report's data (the id byte not included); false when the
/// data is too short or the field too wide.
pub fn insert(data: &mut [u8], field: &Field, index: u32, value: u32) -> bool {
    if field.size == 0 || field.size > 32 || index >= field.count {
        return false;
    }
    let start = u64::from(field.bit_offset) + u64::from(index) * u64::from(field.size);
    for bit in 0..u64::from(field.size) {
        let pos = start + bit;
        let Some(byte) = usize::try_from(pos / 8).ok().and_then(|i| data.get_mut(i)) else {
            return false;
        };
        let mask = 1u8 << (pos % 8);
        if (value >> bit) & 1 == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
    true
}
