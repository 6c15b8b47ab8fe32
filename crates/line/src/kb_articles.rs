//! C8, the client's side: an article of the line's knowledge base answered the client's
//! question without an appeal. Recorded as `Event::ArticleHelped` (the article's title as it
//! was then), which the client's timeline shows and reports count.

use linedesk_protocol::{Event, Role};

use crate::error::{LineError, RepoError};
use crate::repo::Repo;
use crate::subject::Subject;
use crate::work::Work;

/// What the KB article rules read, as a backend implements it (a part of [`Repo`]).
pub trait KbArticleRepo {
    /// The title of article `article` of `line`'s knowledge base; `None`: no such article
    /// on that line.
    fn kb_article_title(&mut self, line: u64, article: u64) -> Result<Option<String>, RepoError>;
}

/// A client says article `article` of their `line` answered their question.
pub(crate) fn article_helped<R: Repo>(
    w: &mut Work<'_, R>,
    actor: Subject,
    line: u64,
    article: u64,
) -> Result<(), LineError> {
    if actor.role != Role::Client {
        return Err(LineError::NotAllowed(
            "only a client says an article answered their question".into(),
        ));
    }
    let client = w
        .repo
        .client(actor.id)?
        .ok_or_else(|| LineError::Invalid(format!("no client {}", actor.id)))?;
    if client.line != line {
        return Err(LineError::Forbidden(line));
    }
    let title = w
        .repo
        .kb_article_title(line, article)?
        .ok_or_else(|| LineError::Invalid(format!("no article {article} on line {line}")))?;
    w.append(
        line,
        Event::ArticleHelped {
            client: client.id,
            article,
            title,
        },
    )
}
