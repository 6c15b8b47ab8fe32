//! A broadcast receiver the session's loop polls on every turn without re-registering: the
//! wait is kept between turns (a fresh `recv()` future per turn would add and remove a waiter
//! in the channel's one list, shared by every session of the server, each time any other
//! branch of the loop wins).

use std::future::Future;
use std::pin::Pin;

use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

type Next<T> = Pin<Box<dyn Future<Output = (Result<T, RecvError>, Receiver<T>)> + Send>>;

pub(super) struct Listen<T> {
    next: Next<T>,
}

impl<T: Clone + Send + 'static> Listen<T> {
    pub(super) fn new(receiver: Receiver<T>) -> Listen<T> {
        Listen {
            next: Self::wait(receiver),
        }
    }

    fn wait(mut receiver: Receiver<T>) -> Next<T> {
        Box::pin(async move {
            let received = receiver.recv().await;
            (received, receiver)
        })
    }

    /// The next value; cancel-safe (a wait cut short goes on at the next call).
    pub(super) async fn recv(&mut self) -> Result<T, RecvError> {
        let (received, receiver) = (&mut self.next).await;
        self.next = Self::wait(receiver);
        received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_cut_short_loses_nothing() {
        let (send, receiver) = tokio::sync::broadcast::channel(8);
        let mut listen = Listen::new(receiver);
        // Cut short while nothing was sent.
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(5), listen.recv())
                .await
                .is_err()
        );
        send.send(1).ok();
        send.send(2).ok();
        assert_eq!(listen.recv().await.ok(), Some(1));
        assert_eq!(listen.recv().await.ok(), Some(2));
        drop(send);
        assert!(matches!(listen.recv().await, Err(RecvError::Closed)));
    }
}
