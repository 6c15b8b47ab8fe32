//! The state of one call, as a pure machine: the peer feeds it what happened (the transport
//! connected, ICE failed, either side held or hung up) and the time, and reads where the call
//! stands. No clock is read here; tests drive it with made-up instants.

use std::time::{Duration, Instant};

use linedesk_protocol::CallEndReason;

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Set up but no media path yet (the other side rings, or ICE and DTLS are running).
    Ringing,
    /// Media flows both ways.
    Connected,
    /// One side or both put the call on hold: nobody sends audio, the connection stays.
    OnHold { local: bool, remote: bool },
    /// The media path was up and broke (the network changed, the other side went silent on
    /// the wire): ICE is being restarted; the call fails if no path comes back in time.
    Reconnecting,
    /// Hung up by one of the parties.
    Ended(EndReason),
    /// The call broke.
    Failed(FailReason),
}

impl CallState {
    /// Ended or failed: nothing changes any more.
    pub fn is_over(self) -> bool {
        matches!(self, CallState::Ended(_) | CallState::Failed(_))
    }
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// This side hung up.
    HungUp,
    /// The other side did, for this reason (`None`: the transport noticed before the reason
    /// arrived through the server; a later reason refines it).
    RemoteHungUp(Option<CallEndReason>),
}

/// Why a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// ICE found no working path, or lost it for good.
    IceFailed,
    /// The media path did not come up within the connect timeout.
    Timeout,
    /// Gathering ended with no local candidate at all: relay-only, and the TURN server refused
    /// the credentials (a wrong or expired secret) or could not be reached.
    NoCandidates,
}

impl FailReason {
    /// What the failing side tells the line server (`HangUp`), and so the other party: a call
    /// whose callee never picked up (`answered` false) and timed out was not answered; every
    /// other failure is `failed` (the media path broke or never came up).
    pub fn end_reason(self, answered: bool) -> CallEndReason {
        match self {
            FailReason::Timeout if !answered => CallEndReason::NoAnswer,
            _ => CallEndReason::Failed,
        }
    }

    /// A stable code for the UI boundary.
    pub fn code(self) -> &'static str {
        match self {
            FailReason::IceFailed => "ice_failed",
            FailReason::Timeout => "timeout",
            FailReason::NoCandidates => "no_candidates",
        }
    }
}

impl std::fmt::Display for FailReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FailReason::IceFailed => "no network path between the parties (ICE failed)",
            FailReason::Timeout => "the media path did not come up in time",
            FailReason::NoCandidates => {
                "no ICE candidate to offer: the TURN server refused the credentials (a wrong \
                 or expired secret) or could not be reached, and relayed paths were the only \
                 ones allowed"
            }
        })
    }
}

/// What happened to the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// ICE and DTLS are up (again, after a reconnection).
    Connected,
    /// ICE failed: fatal while ringing, a reconnection once the call was up.
    IceFailed,
    /// The path is in doubt (ICE disconnected, or this machine's addresses changed).
    Disconnected,
    /// Gathering ended without a single local candidate.
    NoCandidates,
    /// The transport was closed from the other side.
    TransportClosed,
    /// This side holds (`true`) or resumes.
    LocalHold(bool),
    /// The other side holds or resumes.
    RemoteHold(bool),
    LocalHangUp,
    RemoteHangUp(CallEndReason),
    /// Time passed (the timeout is checked).
    Tick,
}

/// How long a broken media path may take to come back before the call fails.
pub const RECONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The machine: the state and the instant by which the media path must be up.
#[derive(Debug, Clone)]
pub struct Machine {
    state: CallState,
    deadline: Instant,
    /// While reconnecting: the state to go back to, and the instant the call fails.
    resume: Option<(CallState, Instant)>,
}

impl Machine {
    /// A call that must connect within `timeout` of `now`.
    pub fn new(now: Instant, timeout: Duration) -> Machine {
        Machine {
            state: CallState::Ringing,
            deadline: now + timeout,
            resume: None,
        }
    }

    pub fn state(&self) -> CallState {
        self.state
    }

    /// When the next [`Input::Tick`] matters, if ever.
    pub fn next_timeout(&self) -> Option<Instant> {
        match self.state {
            CallState::Ringing => Some(self.deadline),
            CallState::Reconnecting => self.resume.map(|(_, at)| at),
            _ => None,
        }
    }

    /// Whether audio goes out now (connected and nobody holds).
    pub fn sends_audio(&self) -> bool {
        self.state == CallState::Connected
    }

    /// Apply `input` at `now`: the new state when it changed.
    pub fn handle(&mut self, input: Input, now: Instant) -> Option<CallState> {
        use CallState as S;
        let next = match (self.state, input) {
            // A broken path: remember where the call was (hold included) and how long it may
            // take to come back.
            (S::Connected | S::OnHold { .. }, Input::Disconnected | Input::IceFailed) => {
                self.resume = Some((self.state, now + RECONNECT_TIMEOUT));
                S::Reconnecting
            }
            (S::Reconnecting, Input::Connected) => {
                self.resume.take().map_or(S::Connected, |(state, _)| state)
            }
            (S::Reconnecting, Input::Tick) if self.resume.is_some_and(|(_, at)| now >= at) => {
                S::Failed(FailReason::IceFailed)
            }
            (S::Reconnecting, Input::IceFailed | Input::Disconnected) => S::Reconnecting,
            // Hold changes while reconnecting apply to the state the call comes back to.
            (S::Reconnecting, Input::LocalHold(_) | Input::RemoteHold(_)) => {
                if let Some((state, at)) = self.resume {
                    let mut inner = Machine {
                        state,
                        deadline: self.deadline,
                        resume: None,
                    };
                    inner.handle(input, now);
                    self.resume = Some((inner.state, at));
                }
                S::Reconnecting
            }
            _ => self.next(input, now),
        };
        (next != self.state).then(|| {
            self.state = next;
            next
        })
    }

    fn next(&self, input: Input, now: Instant) -> CallState {
        use CallState as S;
        match (self.state, input) {
            // A transport-level close said only "remote"; the server's reason refines it.
            (S::Ended(EndReason::RemoteHungUp(None)), Input::RemoteHangUp(why)) => {
                S::Ended(EndReason::RemoteHungUp(Some(why)))
            }
            (state, _) if state.is_over() => state,
            (_, Input::LocalHangUp) => S::Ended(EndReason::HungUp),
            (_, Input::RemoteHangUp(why)) => S::Ended(EndReason::RemoteHungUp(Some(why))),
            (_, Input::TransportClosed) => S::Ended(EndReason::RemoteHungUp(None)),
            (_, Input::IceFailed) => S::Failed(FailReason::IceFailed),
            (S::Ringing, Input::NoCandidates) => S::Failed(FailReason::NoCandidates),
            (S::Ringing, Input::Connected) => S::Connected,
            (S::Ringing, Input::Tick) if now >= self.deadline => S::Failed(FailReason::Timeout),
            (S::Connected, Input::LocalHold(true)) => S::OnHold {
                local: true,
                remote: false,
            },
            (S::Connected, Input::RemoteHold(true)) => S::OnHold {
                local: false,
                remote: true,
            },
            (S::OnHold { remote, .. }, Input::LocalHold(local))
            | (S::OnHold { local, .. }, Input::RemoteHold(remote)) => {
                if local || remote {
                    S::OnHold { local, remote }
                } else {
                    S::Connected
                }
            }
            (state, _) => state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(10);

    fn run(inputs: &[Input]) -> CallState {
        let start = Instant::now();
        let mut m = Machine::new(start, T);
        for (i, input) in inputs.iter().enumerate() {
            m.handle(*input, start + Duration::from_secs(i as u64));
        }
        m.state()
    }

    #[test]
    fn ringing_connects_holds_from_either_side_and_resumes() {
        use Input::*;
        assert_eq!(run(&[Connected]), CallState::Connected);
        assert_eq!(
            run(&[Connected, LocalHold(true), RemoteHold(true)]),
            CallState::OnHold {
                local: true,
                remote: true
            }
        );
        assert_eq!(
            run(&[
                Connected,
                LocalHold(true),
                RemoteHold(true),
                LocalHold(false)
            ]),
            CallState::OnHold {
                local: false,
                remote: true
            }
        );
        assert_eq!(
            run(&[Connected, RemoteHold(true), RemoteHold(false)]),
            CallState::Connected
        );
        // Hold means nothing before the call is up.
        assert_eq!(run(&[LocalHold(true)]), CallState::Ringing);
    }

    #[test]
    fn ends_and_failures_are_final_and_say_why() {
        use Input::*;
        assert_eq!(
            run(&[Connected, LocalHangUp, Connected]),
            CallState::Ended(EndReason::HungUp)
        );
        assert_eq!(
            run(&[Connected, RemoteHangUp(CallEndReason::HungUp), LocalHangUp]),
            CallState::Ended(EndReason::RemoteHungUp(Some(CallEndReason::HungUp)))
        );
        assert_eq!(
            run(&[
                Connected,
                TransportClosed,
                RemoteHangUp(CallEndReason::Failed)
            ]),
            CallState::Ended(EndReason::RemoteHungUp(Some(CallEndReason::Failed)))
        );
        assert_eq!(
            run(&[IceFailed, Connected]),
            CallState::Failed(FailReason::IceFailed)
        );
    }

    #[test]
    fn a_failure_tells_the_other_side_failed_unless_nobody_picked_up() {
        assert_eq!(
            FailReason::IceFailed.end_reason(true),
            CallEndReason::Failed
        );
        assert_eq!(
            FailReason::IceFailed.end_reason(false),
            CallEndReason::Failed
        );
        assert_eq!(
            FailReason::Timeout.end_reason(false),
            CallEndReason::NoAnswer
        );
        assert_eq!(FailReason::Timeout.end_reason(true), CallEndReason::Failed);
        assert_eq!(
            FailReason::NoCandidates.end_reason(false),
            CallEndReason::Failed
        );
    }

    #[test]
    fn a_broken_path_reconnects_keeping_hold_or_fails_after_the_reconnect_timeout() {
        use Input::*;
        assert_eq!(run(&[Connected, Disconnected]), CallState::Reconnecting);
        assert_eq!(run(&[Connected, IceFailed]), CallState::Reconnecting);
        assert_eq!(
            run(&[Connected, Disconnected, Connected]),
            CallState::Connected
        );
        assert_eq!(
            run(&[
                Connected,
                LocalHold(true),
                IceFailed,
                RemoteHold(true),
                Connected
            ]),
            CallState::OnHold {
                local: true,
                remote: true
            }
        );
        // Failing while ringing is still final.
        assert_eq!(run(&[IceFailed]), CallState::Failed(FailReason::IceFailed));
        let start = Instant::now();
        let mut m = Machine::new(start, T);
        m.handle(Connected, start);
        m.handle(Disconnected, start + T);
        assert_eq!(m.next_timeout(), Some(start + T + RECONNECT_TIMEOUT));
        assert_eq!(m.handle(Tick, start + T + RECONNECT_TIMEOUT / 2), None);
        assert_eq!(
            m.handle(Tick, start + T + RECONNECT_TIMEOUT),
            Some(CallState::Failed(FailReason::IceFailed))
        );
    }

    #[test]
    fn a_call_that_does_not_connect_in_time_fails_with_timeout() {
        let start = Instant::now();
        let mut m = Machine::new(start, T);
        assert_eq!(m.next_timeout(), Some(start + T));
        assert_eq!(m.handle(Input::Tick, start + T / 2), None);
        assert_eq!(
            m.handle(Input::Tick, start + T),
            Some(CallState::Failed(FailReason::Timeout))
        );
        assert_eq!(m.next_timeout(), None);
        let mut connected = Machine::new(start, T);
        connected.handle(Input::Connected, start + T / 2);
        assert_eq!(connected.handle(Input::Tick, start + T * 2), None);
        assert!(connected.sends_audio());
    }
}
