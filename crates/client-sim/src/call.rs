//! Calls of a simulated client (V1): a WAV (or any 48 kHz mono samples) as the microphone,
//! a speaker that keeps what it played, the engine's [`CallSession`] in between, and the line
//! server's session through the engine's [`LineLink`].
//!
//! - [`place_call`] ([`Phone::call_line`]): the client calls their own line
//!   (`PlaceCall { client: None }`); once a specialist picks up (`CallConnected`) the client,
//!   the caller, sends the WebRTC offer.
//! - [`answer_call`] ([`Phone::answer`]): the client waits for a specialist's call, takes the
//!   relayed offer, picks up (`AnswerCall`) and answers it.
//!
//! Either way the client then talks: the microphone plays in real time (one 20 ms frame per
//! engine tick) and, after [`CallPlan::talk_for`], the client hangs up, unless the specialist
//! ended the call first. At the end the client sends its `CallStats`, as the app does.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use linedesk_audio::SAMPLE_RATE;
use linedesk_call::{Call, CallConfig, CallError, CallState, EndReason, ReceivedPacket};
use linedesk_engine::SharedIo;
use linedesk_engine::line::{LineLink, WAIT};
use linedesk_engine::{
    Bare, CallReport, CallSession, Connector, Endpoint, EngineError, SessionConfig, Side,
};
use linedesk_protocol::{Action, CallEndReason, Event, Role, SignalPayload};
use tokio::sync::mpsc;

use crate::SimError;

/// What the simulated client does in a call.
#[derive(Debug, Clone)]
pub struct CallPlan {
    /// What the client says, 48 kHz mono; played once from the start of the media, then
    /// silence.
    pub microphone: Vec<f32>,
    /// How long the client stays on the line once the media is up, before hanging up.
    pub talk_for: Duration,
    /// How long a call may ring: the client's own call before it gives up (`Cancelled`), or
    /// the wait for a specialist's call.
    pub ring_timeout: Duration,
    /// `false`: the client never hangs up and waits for the specialist to end the call
    /// (`talk_for` is then not used).
    pub hang_up: bool,
    /// Where the client's engine writes its two-channel recording; `None`: a temporary file,
    /// removed when the call is over (the report's path then names a file that is gone).
    pub recording: Option<PathBuf>,
    /// The WebRTC peer's sockets; `None`: loopback for a server on 127.0.0.1 or localhost
    /// (the app's embedded server), the machine's interfaces otherwise.
    pub network: Option<CallConfig>,
    /// Relayed (TURN) paths only: the line must hand out a TURN server (`GET /api/ice`).
    pub relay_only: bool,
}

impl CallPlan {
    /// Say `microphone`, hang up after `talk_for`, ring for up to a minute.
    pub fn new(microphone: Vec<f32>, talk_for: Duration) -> CallPlan {
        CallPlan {
            microphone,
            talk_for,
            ring_timeout: Duration::from_secs(60),
            hang_up: true,
            recording: None,
            network: None,
            relay_only: false,
        }
    }
}

/// Who ended the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndedBy {
    /// The simulated client hung up after [`CallPlan::talk_for`].
    Client,
    /// The specialist ended it, with the server's reason (`None`: the transport closed and
    /// the server's `CallEnded` did not follow in time).
    Specialist(Option<CallEndReason>),
    /// The media path broke; the client told the server (`HangUp` with `Failed`).
    Failed,
}

/// What came of one call.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    pub call: u64,
    /// The appeal the call belongs to.
    pub appeal: u64,
    /// Everything the client's speaker played, 48 kHz mono, from the engine's start.
    pub heard: Vec<f32>,
    /// The client engine's figures (the same ones went to the server as `CallStats`), of
    /// the first leg whose media came up.
    pub report: CallReport,
    /// Each leg the call went on in after a transfer (`CallTransferred`), in order: its call
    /// id and the client engine's figures of it (`None`: transferred on before its media
    /// came up).
    pub transfers: Vec<(u64, Option<CallReport>)>,
    pub ended_by: EndedBy,
}

/// A simulated client's phone: signed in and following their line, ready for one call. Sign in
/// before the specialist calls: a call that rang before is not picked up (its offer was
/// relayed to nobody).
pub struct Phone {
    link: LineLink,
}

impl Phone {
    /// Sign in to `server` as the app reads its settings (a bare `host:port` is plain).
    pub async fn sign_in(server: &str, login: &str, password: &str) -> Result<Phone, SimError> {
        let server = Connector::parse(server, Bare::Plain, None)?;
        Phone::sign_in_to(&server, login, password).await
    }

    /// Sign in over `server`'s scheme (HTTPS and WSS with its certificate checked, or plain).
    pub async fn sign_in_to(
        server: &Connector,
        login: &str,
        password: &str,
    ) -> Result<Phone, SimError> {
        Ok(Phone {
            link: LineLink::sign_in(server, login, password, None).await?,
        })
    }

    /// The client's id on the server.
    pub fn client(&self) -> u64 {
        self.link.id
    }

    /// The client's line.
    pub fn line(&self) -> u64 {
        self.link.line
    }

    /// Call the line and talk once a specialist picks up.
    pub async fn call_line(self, plan: CallPlan) -> Result<CallOutcome, SimError> {
        let mut link = self.link;
        let key = link
            .submit(Action::PlaceCall {
                line: link.line,
                client: None,
            })
            .await?;
        let (call, appeal) = link
            .event(|e| match e {
                Event::CallRinging {
                    call,
                    appeal,
                    key: Some(k),
                    ..
                } if *k == key => Some((*call, *appeal)),
                _ => None,
            })
            .await?;
        let picked_up = link
            .event_within(Some(plan.ring_timeout), |e| match e {
                Event::CallConnected { call: c, .. } if *c == call => Some(None),
                Event::CallEnded {
                    call: c, reason, ..
                } if *c == call => Some(Some(*reason)),
                _ => None,
            })
            .await?;
        match picked_up {
            Some(None) => {}
            Some(Some(reason)) => return Err(SimError::Unanswered { call, reason }),
            None => {
                let reason = CallEndReason::Cancelled;
                link.submit(Action::HangUp { call, reason }).await?;
                return Err(SimError::Unanswered { call, reason });
            }
        }
        // The caller offers once the call is answered: a call ringing the whole line has
        // nobody to relay the offer to before.
        let config = with_ice(&link, &plan).await?;
        let (peer, channels) = Call::offer(config).await?;
        let peer = Arc::new(peer);
        link.attach(call, &peer, channels.signals);
        talk(link, call, appeal, peer, channels.packets, plan).await
    }

    /// Wait (up to [`CallPlan::ring_timeout`]) for a specialist to call, pick up and talk.
    pub async fn answer(self, plan: CallPlan) -> Result<CallOutcome, SimError> {
        let mut link = self.link;
        let me = link.id;
        let (call, appeal) = link
            .event_within(Some(plan.ring_timeout), |e| match e {
                Event::CallRinging {
                    call,
                    appeal,
                    client,
                    from: Role::Specialist,
                    ..
                } if *client == me => Some((*call, *appeal)),
                _ => None,
            })
            .await?
            .ok_or(SimError::Timeout(plan.ring_timeout))?;
        // The specialist offers while it rings (the protocol of `linedesk-call`).
        let SignalPayload::Offer { sdp } = link.signal(call).await? else {
            return Err(SimError::Protocol(format!(
                "call {call}: the offer must come first"
            )));
        };
        link.submit(Action::AnswerCall { call }).await?;
        let config = with_ice(&link, &plan).await?;
        let (peer, channels) = Call::answer(config, &sdp).await?;
        let peer = Arc::new(peer);
        link.attach(call, &peer, channels.signals);
        talk(link, call, appeal, peer, channels.packets, plan).await
    }
}

/// Sign in as `login` and call the line ([`Phone::call_line`]).
pub async fn place_call(
    server: &str,
    login: &str,
    password: &str,
    plan: CallPlan,
) -> Result<CallOutcome, SimError> {
    Phone::sign_in(server, login, password)
        .await?
        .call_line(plan)
        .await
}

/// Sign in as `login` and wait for a specialist's call ([`Phone::answer`]).
pub async fn answer_call(
    server: &str,
    login: &str,
    password: &str,
    plan: CallPlan,
) -> Result<CallOutcome, SimError> {
    Phone::sign_in(server, login, password)
        .await?
        .answer(plan)
        .await
}

/// The peer's sockets and the line's STUN/TURN servers for this account (`GET /api/ice`).
async fn with_ice(link: &LineLink, plan: &CallPlan) -> Result<CallConfig, SimError> {
    let mut config = network(link.server().endpoint(), plan);
    config.ice =
        linedesk_engine::ice::ice_setup(link.server(), link.token(), plan.relay_only).await?;
    Ok(config)
}

/// Loopback sockets for a server on this machine, the interfaces otherwise.
fn network(server: &Endpoint, plan: &CallPlan) -> CallConfig {
    if let Some(config) = &plan.network {
        return config.clone();
    }
    if server.is_loopback() {
        CallConfig::loopback()
    } else {
        CallConfig::default()
    }
}

/// Media up, microphone on, until one side ends the call; then the statistics. A transfer
/// (`CallTransferred`) moves the client to the colleague's leg without hanging up: this leg's
/// engine stops (its statistics go to the server), and the client, the transferred party,
/// offers anew on the leg with a new peer; the microphone and the speaker go on.
async fn talk(
    mut link: LineLink,
    call: u64,
    appeal: u64,
    mut peer: Arc<Call>,
    mut packets: mpsc::Receiver<ReceivedPacket>,
    plan: CallPlan,
) -> Result<CallOutcome, SimError> {
    let (recording, scratch) = match &plan.recording {
        Some(path) => (path.clone(), None),
        None => {
            let dir = tempfile::tempdir().map_err(|e| SimError::Engine(io_error(e)))?;
            (dir.path().join("call.ogg"), Some(dir))
        }
    };
    let io = SharedIo::new(&plan.microphone);
    let hang_up_at = tokio::time::Instant::now() + plan.talk_for;
    let mut current = call;
    // Each leg: its call id and, when its media came up, the client engine's figures.
    let mut legs: Vec<(u64, Option<CallReport>)> = Vec::new();
    let ended_by = loop {
        // A transfer (or the end) may come before this leg's media is up.
        let early = tokio::select! {
            up = media_up(&peer) => match up {
                Ok(()) => None,
                Err(e) => {
                    peer.hang_up().await;
                    let reason = CallEndReason::Failed;
                    // Tell the server; the call may have ended there already.
                    let _ = link.submit(Action::HangUp { call: current, reason }).await;
                    return Err(e);
                }
            },
            what = link.event_within(None, |e| leg_over(e, current)) => Some(what?),
        };
        let ended = match early {
            Some(what) => {
                legs.push((current, None));
                over(&peer, what).await
            }
            None => {
                let path = match legs.len() {
                    0 => recording.clone(),
                    n => recording.with_extension(format!("leg{n}.ogg")),
                };
                let session = CallSession::start(
                    peer.clone(),
                    packets,
                    Box::new(io.clone()),
                    SessionConfig::new(Side::Client, path),
                )?;
                let ended = until_ended(&mut link, current, &peer, &plan, hang_up_at).await?;
                let report = session.finish().await?;
                link.submit(Action::CallStats {
                    call: current,
                    quality: report.quality(),
                })
                .await?;
                legs.push((current, Some(report)));
                ended
            }
        };
        let leg = match ended {
            Ended::By(by) => break by,
            Ended::Transferred(leg) => leg,
        };
        peer.remote_ended(CallEndReason::Transferred).await;
        let config = with_ice(&link, &plan).await?;
        let (next, channels) = Call::offer(config).await?;
        peer = Arc::new(next);
        packets = channels.packets;
        link.attach(leg, &peer, channels.signals);
        current = leg;
    };
    drop(scratch);
    // The first leg's figures, or the first leg that had media (transferred before its media
    // came up, the call's first figures are its colleague's leg's).
    let Some(report) = legs.iter().find_map(|(_, report)| report.clone()) else {
        return Err(SimError::MediaFailed(
            "the call was transferred or ended before its media came up".into(),
        ));
    };
    let legs = legs.into_iter().skip(1);
    Ok(CallOutcome {
        call,
        appeal,
        heard: io.played(),
        report,
        transfers: legs.collect(),
        ended_by,
    })
}

/// What ends leg `call` for the client: the server's end (`Err(reason)`), or a transfer to
/// a colleague's leg (`Ok(leg)`).
fn leg_over(e: &Event, call: u64) -> Option<Result<u64, CallEndReason>> {
    match e {
        Event::CallEnded {
            call: c, reason, ..
        } if *c == call => Some(Err(*reason)),
        Event::CallTransferred { call: c, leg, .. } if *c == call => Some(Ok(*leg)),
        _ => None,
    }
}

/// The leg ended as the server said (`None`: the session gave no reason in time).
async fn over(peer: &Call, what: Option<Result<u64, CallEndReason>>) -> Ended {
    match what {
        Some(Ok(leg)) => Ended::Transferred(leg),
        Some(Err(reason)) => {
            peer.remote_ended(reason).await;
            Ended::By(EndedBy::Specialist(Some(reason)))
        }
        None => Ended::By(EndedBy::Specialist(None)),
    }
}

fn io_error(source: std::io::Error) -> EngineError {
    EngineError::Io {
        path: std::env::temp_dir(),
        source,
    }
}

/// Wait for ICE and DTLS (the peer's own connect timeout applies).
async fn media_up(peer: &Call) -> Result<(), SimError> {
    let mut states = peer.watch();
    let state = *states
        .wait_for(|s| *s == CallState::Connected || s.is_over())
        .await
        .map_err(|_| SimError::Engine(CallError::Over.into()))?;
    if state == CallState::Connected {
        Ok(())
    } else {
        Err(SimError::MediaFailed(format!("{state:?}")))
    }
}

/// How one leg of the call ended for the client.
enum Ended {
    By(EndedBy),
    /// The call went on with a colleague on this leg.
    Transferred(u64),
}

/// Talk until the client hangs up, the server says the call ended or was transferred, or the
/// media breaks.
async fn until_ended(
    link: &mut LineLink,
    call: u64,
    peer: &Call,
    plan: &CallPlan,
    hang_up_at: tokio::time::Instant,
) -> Result<Ended, SimError> {
    let mut states = peer.watch();
    let time_up = tokio::time::sleep_until(hang_up_at);
    tokio::pin!(time_up);
    tokio::select! {
        _ = &mut time_up, if plan.hang_up => {
            peer.hang_up().await;
            link.submit(Action::HangUp { call, reason: CallEndReason::HungUp }).await?;
            Ok(Ended::By(EndedBy::Client))
        }
        what = link.event_within(None, |e| leg_over(e, call)) => Ok(over(peer, what?).await),
        state = async { states.wait_for(|s| s.is_over()).await.map(|s| *s) } => {
            let state = state.unwrap_or(CallState::Ended(EndReason::HungUp));
            if let CallState::Ended(EndReason::RemoteHungUp(_)) = state {
                // The transport closed first; the server's reason (or the transfer) is on its
                // way.
                let what = link.event_within(Some(WAIT), |e| leg_over(e, call)).await?;
                return Ok(over(peer, what).await);
            }
            let _ = link.submit(Action::HangUp { call, reason: CallEndReason::Failed }).await;
            Ok(Ended::By(EndedBy::Failed))
        }
    }
}

/// How long 48 kHz samples play.
pub fn length_of(samples: &[f32]) -> Duration {
    Duration::from_secs_f64(samples.len() as f64 / f64::from(SAMPLE_RATE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_on_this_machine_means_loopback_sockets() {
        let plan = CallPlan::new(Vec::new(), Duration::ZERO);
        let loopback = CallConfig::loopback().udp_addrs;
        let at = |server| Endpoint::parse(server, Bare::Plain).expect(server);
        for server in ["127.0.0.1:7700", "https://localhost:7700", "[::1]:7700"] {
            assert_eq!(network(&at(server), &plan).udp_addrs, loopback, "{server}");
        }
        let lan = network(&at("https://192.168.1.5:7700"), &plan).udp_addrs;
        assert_eq!(lan, CallConfig::default().udp_addrs);
    }
}
