//! The web widget's per-line settings (`[[widget.lines]]` in the server's config file): the
//! origins a line's widget may be embedded in and whether the line takes guests (K1).
//!
//! ```toml
//! [[widget.lines]]
//! line = 1
//! origins = ["https://shop.example.com"]
//! guests = true
//! ```

use std::collections::BTreeMap;

/// Every line's widget settings; a line not listed has no widget and takes no guests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WidgetPolicy {
    pub lines: BTreeMap<u64, WidgetLine>,
}

/// One line's widget settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WidgetLine {
    /// Sites (`scheme://host[:port]`, lower case) that may embed the line's widget.
    pub origins: Vec<String>,
    /// Whether a visitor may sign in as a guest with a name and an e-mail or phone.
    pub guests: bool,
}

impl WidgetPolicy {
    /// Whether `line` takes guests.
    pub fn allows_guests(&self, line: u64) -> bool {
        self.lines.get(&line).is_some_and(|l| l.guests)
    }
}
