//! The client's web widget per line (`[[widget.lines]]` in the config file): which sites may
//! embed it and whether the line takes guests.
//!
//! ```toml
//! [[widget.lines]]
//! line = 1
//! origins = ["https://shop.example.com"]  # sites whose pages may show the widget in a frame
//! guests = true                           # default false: only clients with a login
//! ```
//!
//! A line without an entry has no widget: its page refuses every frame and its public
//! description (`GET /api/widget/lines/{line}`) is 404. The origins are also the only foreign
//! pages whose browser requests reach the widget's public routes (`/api/widget/...`); every
//! other route takes a page's request only from the server's own origin (the widget itself)
//! or `[http] allowed_origins` (see `http/origin.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The widget settings of every line that has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WidgetPolicy {
    lines: BTreeMap<u64, WidgetLine>,
}

/// One line's widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetLine {
    /// Origins (`scheme://host[:port]`, lower case, no trailing slash) whose pages may embed
    /// the widget of this line.
    pub origins: Vec<String>,
    /// Whether a visitor may start a conversation as a guest (name and e-mail or phone).
    pub guests: bool,
}

/// Most lines with a widget, and most origins one line names (a config, not a database).
pub const MAX_WIDGET_LINES: usize = 1_000;
pub const MAX_ORIGINS_PER_LINE: usize = 100;

/// Why `[widget]` was refused: the entry (1-based) and the reason, for the config's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("widget.lines entry {entry}: {reason}")]
pub struct WidgetPolicyError {
    pub entry: usize,
    pub reason: String,
}

/// `[widget]` as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWidget {
    #[serde(default)]
    lines: Vec<RawWidgetLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWidgetLine {
    line: u64,
    #[serde(default)]
    origins: Vec<String>,
    #[serde(default)]
    guests: bool,
}

impl WidgetPolicy {
    /// A policy of the given lines (tests and embedders; the config file goes through
    /// [`WidgetPolicy::from_raw`]). Origins are checked and normalised as in the file.
    pub fn new(
        lines: impl IntoIterator<Item = (u64, WidgetLine)>,
    ) -> Result<WidgetPolicy, WidgetPolicyError> {
        let mut policy = WidgetPolicy::default();
        for (index, (line, widget)) in lines.into_iter().enumerate() {
            policy.add(index + 1, line, widget.origins, widget.guests)?;
        }
        Ok(policy)
    }

    pub(crate) fn from_raw(raw: RawWidget) -> Result<WidgetPolicy, WidgetPolicyError> {
        let mut policy = WidgetPolicy::default();
        for (index, entry) in raw.lines.into_iter().enumerate() {
            policy.add(index + 1, entry.line, entry.origins, entry.guests)?;
        }
        Ok(policy)
    }

    fn add(
        &mut self,
        entry: usize,
        line: u64,
        origins: Vec<String>,
        guests: bool,
    ) -> Result<(), WidgetPolicyError> {
        let fail = |reason: String| WidgetPolicyError { entry, reason };
        if line == 0 {
            return Err(fail("line: must be a line's id (1 or more)".into()));
        }
        if self.lines.contains_key(&line) {
            return Err(fail(format!("line: {line} has another entry above")));
        }
        if self.lines.len() >= MAX_WIDGET_LINES {
            return Err(fail(format!("more than {MAX_WIDGET_LINES} lines")));
        }
        if origins.len() > MAX_ORIGINS_PER_LINE {
            return Err(fail(format!(
                "origins: more than {MAX_ORIGINS_PER_LINE} of them"
            )));
        }
        let mut checked = Vec::with_capacity(origins.len());
        for origin in &origins {
            let origin = normalize_origin(origin).ok_or_else(|| {
                fail(format!(
                    "origins: {origin:?} is not an origin like https://shop.example.com"
                ))
            })?;
            if !checked.contains(&origin) {
                checked.push(origin);
            }
        }
        self.lines.insert(
            line,
            WidgetLine {
                origins: checked,
                guests,
            },
        );
        Ok(())
    }

    /// The widget of `line`, if it has one.
    pub fn line(&self, line: u64) -> Option<&WidgetLine> {
        self.lines.get(&line)
    }

    /// Whether `line` takes guests (a line without a widget takes none).
    pub fn allows_guests(&self, line: u64) -> bool {
        self.lines.get(&line).is_some_and(|l| l.guests)
    }

    /// The lines that have a widget, in order.
    pub fn lines(&self) -> impl Iterator<Item = u64> + '_ {
        self.lines.keys().copied()
    }

    /// No line has a widget (the app's embedded server, a server without `[widget]`).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Whether `origin` (normalised) may embed the widget of some line.
    pub fn embeds_somewhere(&self, origin: &str) -> bool {
        self.lines
            .values()
            .any(|l| l.origins.iter().any(|o| o == origin))
    }
}

/// `scheme://host[:port]` in the form browsers send in `Origin` (lower case, no trailing
/// slash, no path), or `None` for anything else. The one check of origins in the config file
/// (`[http] allowed_origins` and the widget's).
pub fn normalize_origin(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_end_matches('/');
    let (scheme, host) = trimmed.split_once("://")?;
    let scheme_ok = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    (scheme_ok && host_ok).then(|| trimmed.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WidgetPolicy, WidgetPolicyError> {
        #[derive(Deserialize)]
        struct File {
            widget: RawWidget,
        }
        let file: File = toml::from_str(text).map_err(|e| WidgetPolicyError {
            entry: 0,
            reason: e.to_string(),
        })?;
        WidgetPolicy::from_raw(file.widget)
    }

    #[test]
    fn lines_with_their_origins_and_guests() {
        let policy = parse(
            "[[widget.lines]]\nline = 1\norigins = [\"https://Shop.example.com/\", \"http://127.0.0.1:8080\"]\nguests = true\n\
             [[widget.lines]]\nline = 2\n",
        )
        .expect("policy");
        let one = policy.line(1).expect("line 1");
        assert!(one.guests);
        assert_eq!(
            one.origins,
            ["https://shop.example.com", "http://127.0.0.1:8080"]
        );
        let two = policy.line(2).expect("line 2");
        assert!(!two.guests && two.origins.is_empty());
        assert!(policy.line(3).is_none());
        assert!(policy.embeds_somewhere("https://shop.example.com"));
        assert!(!policy.embeds_somewhere("https://evil.example.com"));
        assert_eq!(policy.lines().collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn mistakes_name_the_entry_and_the_field() {
        let cases = [
            ("[[widget.lines]]\nline = 0\n", 1, "line:"),
            (
                "[[widget.lines]]\nline = 1\n[[widget.lines]]\nline = 1\n",
                2,
                "another entry",
            ),
            (
                "[[widget.lines]]\nline = 1\norigins = [\"shop.example.com\"]\n",
                1,
                "origins:",
            ),
            (
                "[[widget.lines]]\nline = 1\norigins = [\"https://shop.example.com/page\"]\n",
                1,
                "origins:",
            ),
            (
                "[[widget.lines]]\nline = 1\norigins = [\"javascript://x\"]\n",
                1,
                "origins:",
            ),
        ];
        for (text, entry, reason) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(err.entry, entry, "{text}: {err}");
            assert!(err.reason.contains(reason), "{text}: {err}");
        }
        assert!(parse("[[widget.lines]]\nline = 1\nguest = true\n").is_err());
    }

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        assert_eq!(
            normalize_origin(" HTTPS://Shop.Example.com/ ").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(
            normalize_origin("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        for bad in [
            "",
            "https://",
            "ftp://x",
            "https://a/b",
            "https://a b",
            "null",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad:?}");
        }
    }
}
