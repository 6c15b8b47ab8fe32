//! How a session ends or loses part of what it may do: its Hello deadline or its token's
//! expiry passed, its token was revoked, a line was taken away from its specialist.

use std::time::Duration;

use axum::extract::ws::Message;
use linedesk_protocol::ErrorCode;

use super::{Closed, Session};
use crate::context::now_ms;
use crate::storage::{Revoked, StorageError, Subject};

/// How long a closing session waits for the peer to answer its close.
const CLOSING: Duration = Duration::from_secs(2);

/// The refusal of anything on a line taken away from this specialist.
pub(super) fn taken_away(line: u64) -> String {
    format!("line {line} was taken away from you")
}

impl Session {
    /// Say why, then close: the peer's frames still on the way are read and dropped until it
    /// answers the close (for [`CLOSING`] at most). Closing a socket with unread data would reset
    /// the connection, and the peer could lose the frames that say why.
    pub(super) async fn close_with(
        &mut self,
        code: ErrorCode,
        message: &str,
    ) -> Result<(), Closed> {
        self.error(code, message, None).await?;
        if self.send_message(Message::Close(None)).await.is_ok() {
            let _ = tokio::time::timeout(CLOSING, async {
                while let Some(Ok(message)) = self.socket.recv().await {
                    if let Message::Close(_) = message {
                        return;
                    }
                }
            })
            .await;
        }
        Err(Closed)
    }

    /// The session's deadline passed: before the Hello, its deadline; after, the token's expiry.
    pub(super) async fn on_deadline(&mut self, signed_in: bool) -> Result<(), Closed> {
        if signed_in {
            self.close_with(
                ErrorCode::Unauthenticated,
                "the token expired; log in again",
            )
            .await
        } else {
            let seconds = self.server.limits.hello_deadline.as_secs_f64();
            self.close_with(
                ErrorCode::Unauthenticated,
                &format!("no valid hello within {seconds} s"),
            )
            .await
        }
    }

    /// A token was revoked or a line taken away (`None`: some were, unknown which). If it is
    /// this session's token, say so and close; a line, drop it.
    pub(super) async fn on_revoked(&mut self, revoked: Option<&Revoked>) -> Result<(), Closed> {
        let (Some(subject), Some(token)) = (self.subject, self.token.clone()) else {
            return Ok(());
        };
        let mine = match revoked {
            Some(Revoked::Token(hash)) => *hash == token,
            Some(Revoked::Subject(s)) => *s == subject,
            Some(Revoked::Line { specialist, line }) => {
                if subject == Subject::specialist(*specialist) {
                    return self.take_away(*line).await;
                }
                false
            }
            None => {
                let storage = self.server.storage.clone();
                let found = tokio::task::spawn_blocking(move || {
                    let owner = storage.token_owner(&token, now_ms())?;
                    let lines = storage.lines_of(subject)?;
                    Ok::<_, StorageError>((owner, lines))
                })
                .await;
                match found {
                    Ok(Ok((None, _))) => true,
                    Ok(Ok((Some(_), lines))) => {
                        let gone: Vec<u64> = self
                            .lines
                            .iter()
                            .copied()
                            .filter(|l| !lines.contains(l))
                            .collect();
                        for line in gone {
                            self.take_away(line).await?;
                        }
                        false
                    }
                    _ => false,
                }
            }
        };
        if !mine {
            return Ok(());
        }
        self.close_with(
            ErrorCode::Unauthenticated,
            "the token was revoked; log in again",
        )
        .await
    }

    /// `line` is no longer this specialist's: its subscription ends and actions on it are
    /// refused from now on.
    async fn take_away(&mut self, line: u64) -> Result<(), Closed> {
        if !self.lines.remove(&line) {
            return Ok(());
        }
        self.taken.insert(line);
        self.cursors.remove(&line);
        self.replays.retain(|l| *l != line);
        self.feeds.unfollow(line);
        self.error(ErrorCode::Forbidden, taken_away(line), None)
            .await
    }
}
