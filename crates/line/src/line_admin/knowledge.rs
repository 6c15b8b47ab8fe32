//! C8: a line's quick replies (with their files) and KB articles as an admin writes them,
//! checked once for the app's Administration view (the server's HTTP routes) and the CLI's
//! TOML files alike: titles trimmed, present and bounded, unique within the line's list, texts
//! present and bounded, at most [`MAX_QUICK_REPLIES`] replies of at most
//! [`MAX_QUICK_REPLY_FILES`] files each.

use linedesk_protocol::line_admin::{
    ArticleDraft, MAX_QUICK_REPLIES, MAX_QUICK_REPLY_FILES, QuickReply,
};
use linedesk_protocol::{
    MAX_KB_BODY_CHARS, MAX_KB_TITLE_CHARS, MAX_QUICK_REPLY_TEXT_CHARS, MAX_QUICK_REPLY_TITLE_CHARS,
    check_chars,
};

/// Rule codes the app translates (`rule.<code>`).
pub const RULE_EMPTY: &str = "admin.empty";
pub const RULE_TOO_LONG: &str = "admin.too_long";
pub const RULE_DUPLICATE: &str = "admin.duplicate_title";
pub const RULE_TOO_MANY: &str = "admin.too_many";

/// Why an entry cannot be stored: its place in the list (when in one), the field, the rule and
/// a sentence (the TOML files' error says it after the entry and field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    pub index: Option<usize>,
    pub field: &'static str,
    pub rule: &'static str,
    pub message: String,
}

impl EntryProblem {
    fn new(field: &'static str, rule: &'static str, message: String) -> EntryProblem {
        EntryProblem {
            index: None,
            field,
            rule,
            message,
        }
    }

    fn at(self, index: usize) -> EntryProblem {
        EntryProblem {
            index: Some(index),
            ..self
        }
    }

    /// `replies.2.title`, or `title` alone.
    pub fn path(&self, list: &str) -> String {
        match self.index {
            Some(i) => format!("{list}.{i}.{}", self.field),
            None => self.field.to_string(),
        }
    }
}

/// A text field trimmed, present and within `max` characters.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String, EntryProblem> {
    let value = value.trim();
    if value.is_empty() {
        return Err(EntryProblem::new(field, RULE_EMPTY, "empty".into()));
    }
    check_chars(field, value, max).map_err(|_| {
        EntryProblem::new(
            field,
            RULE_TOO_LONG,
            format!("longer than {max} characters"),
        )
    })?;
    Ok(value.to_string())
}

/// One quick reply: its title and text checked, its files at most [`MAX_QUICK_REPLY_FILES`]
/// and none twice (that the files are the line's is the backend's to check).
pub fn reply_of(reply: &QuickReply) -> Result<QuickReply, EntryProblem> {
    let title = text("title", &reply.title, MAX_QUICK_REPLY_TITLE_CHARS)?;
    let body = text("text", &reply.text, MAX_QUICK_REPLY_TEXT_CHARS)?;
    if reply.files.len() > MAX_QUICK_REPLY_FILES {
        return Err(EntryProblem::new(
            "files",
            RULE_TOO_MANY,
            format!("at most {MAX_QUICK_REPLY_FILES} files"),
        ));
    }
    for (i, f) in reply.files.iter().enumerate() {
        if reply.files[..i].iter().any(|g| g.id == f.id) {
            return Err(EntryProblem::new(
                "files",
                RULE_DUPLICATE,
                format!("file {} twice", f.id),
            ));
        }
    }
    Ok(QuickReply {
        title,
        text: body,
        files: reply.files.clone(),
    })
}

/// A line's whole list of quick replies, checked in order; titles unique.
pub fn replies_of(replies: &[QuickReply]) -> Result<Vec<QuickReply>, EntryProblem> {
    if replies.len() > MAX_QUICK_REPLIES {
        return Err(EntryProblem::new(
            "replies",
            RULE_TOO_MANY,
            format!("at most {MAX_QUICK_REPLIES} quick replies"),
        ));
    }
    let mut out: Vec<QuickReply> = Vec::with_capacity(replies.len());
    for (i, reply) in replies.iter().enumerate() {
        let reply = reply_of(reply).map_err(|p| p.at(i))?;
        if let Some(first) = out.iter().position(|r| r.title == reply.title) {
            return Err(EntryProblem::new(
                "title",
                RULE_DUPLICATE,
                format!("already reply {}", first + 1),
            )
            .at(i));
        }
        out.push(reply);
    }
    Ok(out)
}

/// One KB article: title and body checked.
pub fn article_of(draft: &ArticleDraft) -> Result<ArticleDraft, EntryProblem> {
    Ok(ArticleDraft {
        title: text("title", &draft.title, MAX_KB_TITLE_CHARS)?,
        body: text("body", &draft.body, MAX_KB_BODY_CHARS)?,
    })
}

/// C8: how long a file uploaded for a quick reply is kept before any reply uses it: the admin
/// uploads the file first and saves the list with it after, and another save of the list in
/// between (a second admin, the CLI) must not take it away.
pub const UNUSED_REPLY_FILE_GRACE_MS: i64 = 60 * 60 * 1000;

/// C8: which of a line's reply files (`(id, uploaded at)`) may be deleted at `now_ms` once the
/// line's replies are `replies`: those no reply uses, uploaded longer than
/// [`UNUSED_REPLY_FILE_GRACE_MS`] ago. A chat that got such a file keeps its own copy.
pub fn unused_reply_files(files: &[(u64, i64)], replies: &[QuickReply], now_ms: i64) -> Vec<u64> {
    files
        .iter()
        .filter(|(id, uploaded_ms)| {
            now_ms.saturating_sub(*uploaded_ms) > UNUSED_REPLY_FILE_GRACE_MS
                && !replies.iter().any(|r| r.files.iter().any(|f| f.id == *id))
        })
        .map(|(id, _)| *id)
        .collect()
}

#[cfg(test)]
mod tests {
    use linedesk_protocol::line_admin::QuickReplyFile;

    use super::*;

    fn reply(title: &str, text: &str, files: &[u64]) -> QuickReply {
        QuickReply {
            title: title.into(),
            text: text.into(),
            files: files
                .iter()
                .map(|&id| QuickReplyFile {
                    id,
                    name: format!("{id}.pdf"),
                    size: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn c8_quick_replies_are_trimmed_bounded_and_unique() {
        let ok = replies_of(&[reply(" Привет ", "Здравствуйте!", &[1, 2])]).expect("ok");
        assert_eq!(ok[0].title, "Привет");
        let p = replies_of(&[reply("a", "b", &[]), reply("a", "c", &[])]).expect_err("twice");
        assert_eq!(
            (p.path("replies"), p.rule),
            ("replies.1.title".into(), RULE_DUPLICATE)
        );
        let p = replies_of(&[reply("a", " ", &[])]).expect_err("empty");
        assert_eq!(
            (p.path("replies"), p.rule),
            ("replies.0.text".into(), RULE_EMPTY)
        );
        let p = reply_of(&reply("a", "b", &[1, 2, 3, 4, 5, 6])).expect_err("too many");
        assert_eq!(p.field, "files");
        let p = reply_of(&reply("a", "b", &[1, 1])).expect_err("twice");
        assert_eq!(p.rule, RULE_DUPLICATE);
        let long = "я".repeat(MAX_QUICK_REPLY_TITLE_CHARS + 1);
        assert_eq!(
            reply_of(&reply(&long, "b", &[])).expect_err("long").rule,
            RULE_TOO_LONG
        );
    }

    #[test]
    fn c8_an_article_needs_a_title_and_a_body() {
        let draft = |t: &str, b: &str| ArticleDraft {
            title: t.into(),
            body: b.into(),
        };
        assert!(article_of(&draft("Обмен", "Проверьте период")).is_ok());
        assert_eq!(
            article_of(&draft("", "x")).expect_err("no title").field,
            "title"
        );
        assert_eq!(
            article_of(&draft("x", "")).expect_err("no body").field,
            "body"
        );
    }

    #[test]
    fn c8_only_files_no_reply_uses_and_older_than_the_grace_are_unused() {
        use linedesk_protocol::line_admin::QuickReplyFile;
        let file = |id| QuickReplyFile {
            id,
            name: "f.pdf".into(),
            size: 1,
        };
        let replies = vec![QuickReply {
            title: "t".into(),
            text: "x".into(),
            files: vec![file(1)],
        }];
        let now = 10 * UNUSED_REPLY_FILE_GRACE_MS;
        let old = now - UNUSED_REPLY_FILE_GRACE_MS - 1;
        let fresh = now - UNUSED_REPLY_FILE_GRACE_MS;
        // 1: used; 2: unused and old; 3: unused but just uploaded (its reply not saved yet).
        let files = [(1, old), (2, old), (3, fresh)];
        assert_eq!(unused_reply_files(&files, &replies, now), [2]);
        assert_eq!(unused_reply_files(&files, &[], now), [1, 2]);
    }
}
