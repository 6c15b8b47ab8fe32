//! A started session: answer the specialist's offer with a [`Host`] of the X display, relay
//! the signals through the line server, and end it when either side does or the connection
//! breaks (then as `failed`).

use std::time::{Duration, Instant};

use linedesk_engine::line::LineLink;
use linedesk_protocol::{ClientFrame, RemoteEndReason, SignalPayload};
use linedesk_remote::{Clipboard, EndReason, Host, HostOptions, SessionState};
use tokio::sync::mpsc;

use crate::console::{Console, Input};
use crate::notice::{Ending, Notice};
use crate::request::{Devices, end, ended_of};
use crate::{AssistConfig, AssistError, Next, Request};

/// How long the specialist's app may take to send its offer once the session started.
const OFFER_WAIT: Duration = Duration::from_secs(30);

/// After the viewer closed the connection, how long the server's word that the specialist
/// ended it may take before the assistant ends it as failed.
const END_WAIT: Duration = Duration::from_secs(3);

enum Stop {
    /// The server said it ended (the specialist ended it).
    Server(RemoteEndReason),
    /// The user typed `end` (`quit`: pressed Ctrl+C).
    User { quit: bool },
    /// The connection ended by itself.
    Transport(EndReason),
}

/// What the user reads when the server says the session ended.
fn ended_text(who: &str, reason: RemoteEndReason, took: &str) -> String {
    let how = match reason {
        RemoteEndReason::Failed => "the connection failed",
        RemoteEndReason::EndedByClient => "ended from this computer",
        _ => "ended by the specialist",
    };
    format!("The session with {who} ended ({how}) after {took}.")
}

/// How the window shows a session the server ended.
fn ending_of(reason: RemoteEndReason) -> Ending {
    match reason {
        RemoteEndReason::Failed => Ending::Failed,
        RemoteEndReason::EndedByClient => Ending::ByYou,
        _ => Ending::BySpecialist,
    }
}

/// `end` typed, or the window's End.
fn is_end(input: &Input) -> bool {
    match input {
        Input::End => true,
        Input::Line(line) => line.trim().eq_ignore_ascii_case("end"),
        _ => false,
    }
}

fn minutes(d: Duration) -> String {
    format!("{}:{:02}", d.as_secs() / 60, d.as_secs() % 60)
}

pub(crate) async fn host(
    config: &AssistConfig,
    link: &mut LineLink,
    signals: &mut mpsc::UnboundedReceiver<(u64, SignalPayload)>,
    console: &mut Console,
    request: &Request,
    devices: Devices,
) -> Result<Next, AssistError> {
    let (session, who) = (request.session, request.specialist.as_str());
    let over = |how| Notice::Ended { session, how };
    console.say(format!("Waiting for {who}'s connection..."));
    console.notify(Notice::Connecting(request.asker()));
    let deadline = tokio::time::Instant::now() + OFFER_WAIT;
    let mut early = Vec::new();
    let offer = loop {
        tokio::select! {
            got = tokio::time::timeout_at(deadline, signals.recv()) => match got {
                Err(_) => {
                    end(link, session, Some(RemoteEndReason::Failed)).await?;
                    console.say(format!("No connection came from {who}: the session ended."));
                    console.notify(over(Ending::Failed));
                    return Ok(Next::Wait);
                }
                Ok(None) => return Err(AssistError::Session("the line session closed".into())),
                Ok(Some((s, payload @ SignalPayload::Offer { .. }))) if s == session => break payload,
                Ok(Some((s, payload))) if s == session => early.push(payload),
                Ok(Some(_)) => {}
            },
            ended = link.event_within(None, |e| ended_of(e, session)) => {
                ended?;
                console.say(format!("{who} ended the session before it connected."));
                console.notify(over(Ending::BySpecialist));
                return Ok(Next::Wait);
            }
            input = console.next() => match input {
                Input::Interrupt => {
                    end(link, session, None).await?;
                    console.notify(over(Ending::ByYou));
                    return Ok(Next::Quit);
                }
                input if is_end(&input) => {
                    end(link, session, None).await?;
                    console.say(format!("You ended the session with {who}."));
                    console.notify(over(Ending::ByYou));
                    return Ok(Next::Wait);
                }
                _ => {}
            },
        }
    };
    let clipboard = devices.clipboard.map(|c| Box::new(c) as Box<dyn Clipboard>);
    // The line's STUN/TURN servers for this account, fetched per session (fresh TURN
    // credentials).
    let mut network = config.network.clone();
    network.ice =
        match linedesk_engine::ice::ice_setup(link.server(), link.token(), config.relay_only).await
        {
            Ok(ice) => ice,
            Err(error) => {
                end(link, session, Some(RemoteEndReason::Failed)).await?;
                console.say(format!("The connection with {who} failed: {error}."));
                return Ok(Next::Wait);
            }
        };
    let answered = Host::answer(
        network,
        offer,
        Box::new(devices.screen),
        Box::new(devices.input),
        clipboard,
        HostOptions::default(),
    )
    .await;
    let (host, mut channels) = match answered {
        Ok(host) => host,
        Err(error) => {
            end(link, session, Some(RemoteEndReason::Failed)).await?;
            console.say(format!("The connection with {who} failed: {error}."));
            console.notify(over(Ending::Failed));
            return Ok(Next::Wait);
        }
    };
    for payload in early {
        // A bad relayed candidate is the transport's to judge; its state tells.
        let _ = host.signal(payload).await;
    }
    let sender = link.sender();
    let relay = tokio::spawn(async move {
        while let Some(payload) = channels.signals.recv().await {
            if sender
                .send(ClientFrame::RemoteSignal { session, payload })
                .is_err()
            {
                return;
            }
        }
    });
    console.say(format!(
        "REMOTE SESSION RUNNING: {who} sees and controls this screen. \
         Type `end` and press Enter, or press Ctrl+C, to stop it."
    ));
    console.notify(Notice::Sharing(request.asker()));
    let started = Instant::now();
    let mut state = host.watch();
    let stop = loop {
        tokio::select! {
            Some((s, payload)) = signals.recv() => {
                if s == session {
                    let _ = host.signal(payload).await;
                }
            }
            changed = state.changed() => {
                let now = *state.borrow_and_update();
                if let SessionState::Ended(reason) = now {
                    break Stop::Transport(reason);
                }
                if changed.is_err() {
                    break Stop::Transport(EndReason::Failed);
                }
            }
            ended = link.event_within(None, |e| ended_of(e, session)) => {
                match ended? {
                    Some(reason) => break Stop::Server(reason),
                    None => continue,
                }
            }
            input = console.next() => match input {
                Input::Interrupt => break Stop::User { quit: true },
                input if is_end(&input) => break Stop::User { quit: false },
                Input::Line(_) => console.say("Type `end` and press Enter to stop the session."),
                _ => {}
            },
        }
    };
    host.close().await;
    relay.abort();
    let took = minutes(started.elapsed());
    let (next, how) = match stop {
        Stop::Server(reason) => {
            console.say(ended_text(who, reason, &took));
            (Next::Wait, ending_of(reason))
        }
        Stop::User { quit } => {
            end(link, session, None).await?;
            console.say(format!("You ended the session with {who} after {took}."));
            let next = if quit { Next::Quit } else { Next::Wait };
            (next, Ending::ByYou)
        }
        Stop::Transport(EndReason::RemoteClosed) => {
            let how = match link
                .event_within(Some(END_WAIT), |e| ended_of(e, session))
                .await?
            {
                Some(reason) => {
                    console.say(ended_text(who, reason, &took));
                    ending_of(reason)
                }
                None => {
                    end(link, session, Some(RemoteEndReason::Failed)).await?;
                    console.say(format!(
                        "The connection with {who} closed after {took}; the session ended."
                    ));
                    Ending::Failed
                }
            };
            (Next::Wait, how)
        }
        Stop::Transport(reason) => {
            end(link, session, Some(RemoteEndReason::Failed)).await?;
            console.say(format!(
                "The connection with {who} failed ({reason:?}) after {took}; the session ended."
            ));
            (Next::Wait, Ending::Failed)
        }
    };
    console.notify(over(how));
    Ok(next)
}
