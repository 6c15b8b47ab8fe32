//! [`SipUserAgent`]: the [`Phone`] over `rsipstack`, one UDP socket for signalling.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rsipstack::EndpointBuilder;
use rsipstack::dialog::DialogId;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Method, StatusCode, Uri};
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::account::{Account, Server, Timing};
use crate::inbound::IncomingCall;
use crate::registration::Registrar;
use crate::{Call, Phone, RegistrationState, SipError, call};

/// The user agent of one PBX account: registers at once, keeps the registration alive and
/// places calls. Runs on the caller's tokio runtime until [`Phone::shutdown`].
pub struct SipUserAgent {
    shared: Arc<Shared>,
    registration: watch::Receiver<RegistrationState>,
    stop: watch::Sender<bool>,
    registrar: Mutex<Option<JoinHandle<()>>>,
    incoming: Mutex<Option<mpsc::UnboundedReceiver<IncomingCall>>>,
    listening: Arc<AtomicBool>,
}

/// What the agent's calls need of it.
pub(crate) struct Shared {
    pub(crate) account: Account,
    pub(crate) timing: Timing,
    pub(crate) dialogs: Arc<DialogLayer>,
    /// This side's signalling address, as the Contact of its requests.
    pub(crate) contact: Uri,
    /// The address media sockets bind to (the one that reaches the PBX).
    pub(crate) local_ip: IpAddr,
    /// The calls under way, by Call-ID.
    pub(crate) calls: Arc<Calls>,
    cancel: CancellationToken,
}

/// The dialogs of this agent's calls by Call-ID, from the INVITE until the call's end: the
/// stack forgets a dialog for a moment between its early and its confirmed identity, and the
/// far end's BYE may come right then (it follows the ACK at once).
#[derive(Default)]
pub(crate) struct Calls(Mutex<HashMap<String, InviteDialog>>);

impl Calls {
    pub(crate) fn insert(&self, call_id: &str, dialog: InviteDialog) {
        if let Ok(mut calls) = self.0.lock() {
            calls.insert(call_id.to_string(), dialog);
        }
    }

    pub(crate) fn remove(&self, call_id: &str) {
        if let Ok(mut calls) = self.0.lock() {
            calls.remove(call_id);
        }
    }

    fn get(&self, call_id: &str) -> Option<InviteDialog> {
        self.0.lock().ok()?.get(call_id).cloned()
    }
}

impl Shared {
    pub(crate) fn credential(&self) -> Credential {
        Credential {
            username: self.account.user.clone(),
            password: self.account.password.clone(),
            realm: None,
            auth_username: self.account.auth_user.clone(),
        }
    }
}

impl SipUserAgent {
    /// Check the account, bind the signalling socket on the address that reaches the
    /// registrar and start registering. Fails only when the account is not valid, the
    /// registrar's name does not resolve or the socket cannot be bound; an unreachable
    /// registrar is a [`RegistrationState::Failed`] retried by the agent.
    pub async fn start(account: Account, timing: Timing) -> Result<SipUserAgent, SipError> {
        account.check()?;
        let registrar = resolve(&account.registrar).await?;
        let local_ip = local_ip_towards(registrar)?;
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let udp = UdpConnection::create_connection(
            SocketAddr::new(local_ip, 0),
            None,
            Some(cancel.child_token()),
        )
        .await
        .map_err(SipError::from_stack)?;
        transport.add_transport(udp.into());
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_user_agent(concat!("Linedesk/", env!("CARGO_PKG_VERSION")))
            .build();
        let local = endpoint
            .get_addrs()
            .first()
            .map(|a| a.addr.to_string())
            .ok_or_else(|| SipError::Network("no signalling socket".into()))?;
        let contact = Uri::try_from(format!("sip:{}@{local}", account.user).as_str())
            .map_err(|e| SipError::Protocol(e.to_string()))?;
        let incoming = endpoint
            .incoming_transactions()
            .map_err(SipError::from_stack)?;
        let endpoint_inner: EndpointInnerRef = endpoint.inner.clone();
        let dialogs = Arc::new(DialogLayer::new(endpoint_inner.clone()));
        tokio::spawn(async move { endpoint.serve().await });
        let calls = Arc::new(Calls::default());

        let shared = Arc::new(Shared {
            account,
            timing,
            dialogs,
            contact,
            local_ip,
            calls,
            cancel,
        });
        let (ringing, incoming_calls) = mpsc::unbounded_channel();
        let listening = Arc::new(AtomicBool::new(false));
        tokio::spawn(answer_incoming(
            incoming,
            Arc::clone(&shared),
            Inbound {
                ringing,
                listening: Arc::clone(&listening),
            },
        ));
        let (state, registration) = watch::channel(RegistrationState::Registering);
        let (stop, stopped) = watch::channel(false);
        let registrar = Registrar::new(endpoint_inner, &shared, state)?;
        let task = tokio::spawn(registrar.run(stopped));
        Ok(SipUserAgent {
            shared,
            registration,
            stop,
            registrar: Mutex::new(Some(task)),
            incoming: Mutex::new(Some(incoming_calls)),
            listening,
        })
    }

    /// The calls from the PBX, each ringing (180) until answered or declined; taken once.
    /// Until they are taken, an INVITE is answered 480 (not available).
    pub fn incoming_calls(&self) -> Option<mpsc::UnboundedReceiver<IncomingCall>> {
        let taken = self.incoming.lock().ok()?.take();
        if taken.is_some() {
            self.listening.store(true, Ordering::SeqCst);
        }
        taken
    }
}

/// Where calls from the PBX go, once someone listens.
struct Inbound {
    ringing: mpsc::UnboundedSender<IncomingCall>,
    listening: Arc<AtomicBool>,
}

#[async_trait]
impl Phone for SipUserAgent {
    fn registration(&self) -> watch::Receiver<RegistrationState> {
        self.registration.clone()
    }

    async fn dial(&self, number: &str) -> Result<Box<dyn Call>, SipError> {
        if self.shared.cancel.is_cancelled() {
            return Err(SipError::Stopped);
        }
        let call = call::OutboundCall::dial(Arc::clone(&self.shared), number).await?;
        Ok(Box::new(call))
    }

    async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let task = self.registrar.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = task.await;
        }
        for id in self.shared.dialogs.all_dialog_ids() {
            if let Some(Dialog::Invite(dialog)) = self.shared.dialogs.get_dialog_with(&id) {
                let _ = dialog.hangup().await;
            }
        }
        self.shared.cancel.cancel();
    }
}

impl Drop for SipUserAgent {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.shared.cancel.cancel();
    }
}

/// The first address `server` resolves to.
pub(crate) async fn resolve(server: &Server) -> Result<SocketAddr, SipError> {
    let mut addrs = tokio::net::lookup_host((server.host.as_str(), server.port))
        .await
        .map_err(|_| SipError::UnknownHost(server.host.clone()))?;
    addrs
        .next()
        .ok_or_else(|| SipError::UnknownHost(server.host.clone()))
}

/// The local address the system routes `to` from (a connected UDP socket sends nothing).
fn local_ip_towards(to: SocketAddr) -> Result<IpAddr, SipError> {
    let unspecified: SocketAddr = if to.is_ipv6() {
        SocketAddr::from(([0u16; 8], 0))
    } else {
        SocketAddr::from(([0u8; 4], 0))
    };
    let probe =
        std::net::UdpSocket::bind(unspecified).map_err(|e| SipError::Network(e.to_string()))?;
    probe
        .connect(to)
        .map_err(|e| SipError::Network(e.to_string()))?;
    Ok(probe
        .local_addr()
        .map_err(|e| SipError::Network(e.to_string()))?
        .ip())
}

/// Requests from the PBX: those of a call's dialog (the far end's BYE or re-INVITE) go to the
/// dialog; a new INVITE rings ([`IncomingCall`]) once the app listens, 480 until then;
/// OPTIONS (keep-alive probes) are answered.
async fn answer_incoming(mut incoming: TransactionReceiver, shared: Arc<Shared>, inbound: Inbound) {
    let dialogs = Arc::clone(&shared.dialogs);
    let calls = Arc::clone(&shared.calls);
    while let Some(mut tx) = incoming.recv().await {
        // A request within a dialog carries the To tag this side gave (an ACK is its
        // transaction's, not the dialog's).
        let in_dialog = tx.original.method != Method::Ack
            && tx
                .original
                .to_header()
                .ok()
                .and_then(|to| to.tag().ok().flatten())
                .is_some();
        let dialog = match dialogs.match_dialog(&tx) {
            Some(Dialog::Invite(dialog)) => Some(dialog),
            _ if in_dialog => DialogId::try_from(&tx)
                .ok()
                .and_then(|id| calls.get(&id.call_id)),
            _ => None,
        };
        if let Some(mut dialog) = dialog {
            tokio::spawn(async move {
                let _ = dialog.handle(&mut tx).await;
            });
            continue;
        }
        if tx.original.method == Method::Invite
            && !in_dialog
            && inbound.listening.load(Ordering::SeqCst)
        {
            let shared = Arc::clone(&shared);
            let ringing = inbound.ringing.clone();
            tokio::spawn(async move {
                if let Some(call) = IncomingCall::ring(&shared, tx).await {
                    // Nobody listens any more: dropping the call declines it.
                    let _ = ringing.send(call);
                }
            });
            continue;
        }
        let reply = match tx.original.method {
            Method::Options => StatusCode::OK,
            Method::Ack => continue,
            Method::Invite => StatusCode::TemporarilyUnavailable,
            Method::Bye | Method::Cancel => StatusCode::CallTransactionDoesNotExist,
            _ => StatusCode::MethodNotAllowed,
        };
        tokio::spawn(async move {
            let _ = tx.reply(reply).await;
        });
    }
}
