//! A broadcast receiver the session's loop polls on every turn without re-registering: the
//! wait is kept between turns (a fresh `recv()` future per turn would add and remove a waiter
//! in the channel's one list, shared by every session of the server, each time any other
//! branch of the loop wins).
//!
//! Nor does a turn look at the channel unless the channel woke this wait: polling a pending
//! `broadcast::Recv` takes the channel's lock, one lock for all 11,000 sessions of a loaded
//! server, and a session's loop turns at every live event. The wait is registered with a
//! waker of its own ([`Woken`]), which notes that it fired and wakes the session's task; until
//! it fires, a turn answers "pending" at the cost of an atomic swap.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

type Next<T> = Pin<Box<dyn Future<Output = (Result<T, RecvError>, Receiver<T>)> + Send>>;

/// The waker the channel holds for this wait.
#[derive(Default)]
struct Woken {
    fired: AtomicBool,
    /// The session's task, woken in turn.
    task: AtomicWaker,
}

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.fired.store(true, Ordering::Release);
        self.task.wake();
    }
}

pub(super) struct Listen<T> {
    next: Next<T>,
    woken: Arc<Woken>,
    /// `woken` as a waker, made once.
    waker: Waker,
    /// `next` was polled and is registered with `waker`: nothing to look at until it fires.
    registered: bool,
    /// The session's task as registered in `woken` last.
    task: Option<Waker>,
}

impl<T: Clone + Send + 'static> Listen<T> {
    pub(super) fn new(receiver: Receiver<T>) -> Listen<T> {
        let woken = Arc::new(Woken::default());
        Listen {
            next: Self::wait(receiver),
            waker: Waker::from(woken.clone()),
            woken,
            registered: false,
            task: None,
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
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        // Cleared before looking: a wake-up from now on makes the next turn look again.
        let fired = self.woken.fired.swap(false, Ordering::AcqRel);
        // Not fired: `task` still holds the waker registered last (only a wake-up takes it).
        let same_task = self.task.as_ref().is_some_and(|t| t.will_wake(cx.waker()));
        if self.registered && !fired && same_task {
            return Poll::Pending;
        }
        self.woken.task.register(cx.waker());
        if !same_task {
            self.task = Some(cx.waker().clone());
        }
        let mut own = Context::from_waker(&self.waker);
        match self.next.as_mut().poll(&mut own) {
            Poll::Ready((received, receiver)) => {
                self.next = Self::wait(receiver);
                self.registered = false;
                Poll::Ready(received)
            }
            Poll::Pending => {
                self.registered = true;
                Poll::Pending
            }
        }
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

    #[tokio::test]
    async fn a_value_sent_while_waiting_wakes_the_wait() {
        let (send, receiver) = tokio::sync::broadcast::channel(8);
        let mut listen = Listen::new(receiver);
        let sender = tokio::spawn(async move {
            for value in 1..=3 {
                tokio::task::yield_now().await;
                send.send(value).ok();
            }
            send
        });
        for expected in 1..=3 {
            assert_eq!(listen.recv().await.ok(), Some(expected));
        }
        drop(sender.await);
        assert!(matches!(listen.recv().await, Err(RecvError::Closed)));
    }

    #[tokio::test]
    async fn turns_without_a_wake_up_do_not_look_and_lose_nothing() {
        let (send, receiver) = tokio::sync::broadcast::channel(8);
        let mut listen = Listen::new(receiver);
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(listen.poll_recv(&mut cx).is_pending());
        assert!(
            listen.poll_recv(&mut cx).is_pending(),
            "not woken: not looked at"
        );
        send.send(7).ok();
        assert!(
            listen.woken.fired.load(Ordering::Acquire),
            "the send woke the wait"
        );
        assert_eq!(listen.poll_recv(&mut cx), Poll::Ready(Ok(7)));
        assert!(listen.poll_recv(&mut cx).is_pending());
    }
}
