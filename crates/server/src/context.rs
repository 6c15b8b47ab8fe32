//! The server's shared context: storage, the hub, live sessions, the login throttle and the
//! revocation broadcast, used by the HTTP routes ([`crate::http`]), the WebSocket sessions
//! ([`crate::session`]), presence and the SLA timer. Nothing here knows about HTTP.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::config::{GuestPolicy, HttpPolicy};
use crate::hub::Hub;
use crate::ice::IceConfig;
use crate::ip_buckets::IpBuckets;
use crate::presence::{OFFLINE_GRACE, Sessions};
use crate::session_limits::SessionLimits;
use crate::storage::{Revoked, Storage};
use crate::throttle::LoginThrottle;
use crate::widget_policy::WidgetPolicy;
use linedesk_line::RingTimeouts;

pub struct Server {
    pub storage: Arc<dyn Storage>,
    pub hub: Hub,
    /// Live sessions of every account: presence follows a specialist's, and each account has
    /// a cap ([`SessionLimits::sessions_per_account`]).
    pub sessions: Sessions,
    /// Wakes the SLA timer early (an appeal opened).
    pub sla_wake: tokio::sync::Notify,
    /// Failed logins per (login, address) and per address (in memory: a restart forgets them).
    pub throttle: Mutex<LoginThrottle>,
    /// Revoked tokens, accounts and lines, for the live sessions to close or narrow (fed by
    /// [`crate::revocation`] and by the admin routes directly).
    pub revoked: tokio::sync::broadcast::Sender<Revoked>,
    /// Deadlines, connection caps and allowed origins of the HTTP side.
    pub http: HttpPolicy,
    /// The bounds of every WebSocket session (deadlines, keepalive, rate, per-account cap).
    pub limits: SessionLimits,
    /// The web widget's lines: embedding origins and whether guests may sign in.
    pub widget: WidgetPolicy,
    /// Guests' token lifetime and the per-address limit on making guests.
    pub guests: GuestPolicy,
    /// New guests per client address (in memory, bounded: [`GuestPolicy::max_addresses`]).
    pub(crate) guest_buckets: Mutex<IpBuckets>,
    /// The STUN/TURN servers handed out by `GET /api/ice` (the TURN secret stays here).
    pub ice: IceConfig,
    /// How long a call rings and a remote request waits before the ring timer ends it.
    pub ring: RingTimeouts,
    pub(crate) watching_revocations: AtomicBool,
    /// C9: which chats the specialists' sessions have open and who types (live only).
    pub chat_watch: crate::chat_watch::ChatWatch,
    /// Issue 17: other servers share the storage (PostgreSQL): signals and presence cross to
    /// them through it ([`crate::signal`], [`crate::presence`]).
    pub crosses_servers: bool,
}

impl Server {
    pub fn new(storage: Arc<dyn Storage>) -> Arc<Server> {
        Server::with_offline_grace(storage, OFFLINE_GRACE)
    }

    /// A server that sets a disconnected specialist Offline after `grace` (tests use a short one).
    pub fn with_offline_grace(storage: Arc<dyn Storage>, grace: Duration) -> Arc<Server> {
        Server::configured(storage, grace, HttpPolicy::default())
    }

    /// A server with its HTTP policy (from the config file).
    pub fn configured(storage: Arc<dyn Storage>, grace: Duration, http: HttpPolicy) -> Arc<Server> {
        Server::built(storage, grace, http, SessionLimits::default())
    }

    /// A server whose sessions keep `limits` (tests use short ones).
    pub fn with_limits(
        storage: Arc<dyn Storage>,
        grace: Duration,
        limits: SessionLimits,
    ) -> Arc<Server> {
        Server::built(storage, grace, HttpPolicy::default(), limits)
    }

    /// A server with its HTTP policy and its sessions' limits.
    pub fn built(
        storage: Arc<dyn Storage>,
        grace: Duration,
        http: HttpPolicy,
        limits: SessionLimits,
    ) -> Arc<Server> {
        Server::with_options(
            storage,
            grace,
            ServerOptions {
                http,
                limits,
                ..ServerOptions::default()
            },
        )
    }

    /// A server with the web widget's lines and guests configured.
    pub fn with_widget(
        storage: Arc<dyn Storage>,
        grace: Duration,
        http: HttpPolicy,
        limits: SessionLimits,
        widget: WidgetPolicy,
        guests: GuestPolicy,
    ) -> Arc<Server> {
        let options = ServerOptions {
            http,
            limits,
            widget,
            guests,
            ..ServerOptions::default()
        };
        Server::with_options(storage, grace, options)
    }

    /// A server that also hands out ICE servers (`[ice]` of the config file).
    pub fn with_ice(
        storage: Arc<dyn Storage>,
        grace: Duration,
        http: HttpPolicy,
        limits: SessionLimits,
        ice: IceConfig,
    ) -> Arc<Server> {
        let options = ServerOptions {
            http,
            limits,
            ice,
            ..ServerOptions::default()
        };
        Server::with_options(storage, grace, options)
    }

    /// A server with everything the config file says.
    pub fn with_options(
        storage: Arc<dyn Storage>,
        grace: Duration,
        options: ServerOptions,
    ) -> Arc<Server> {
        let ServerOptions {
            http,
            limits,
            widget,
            guests,
            ice,
            ring,
        } = options;
        Arc::new(Server {
            hub: Hub::new(storage.clone(), limits.gap_hold),
            crosses_servers: storage.signals().is_some(),
            storage,
            sessions: Sessions::new(grace),
            sla_wake: tokio::sync::Notify::new(),
            throttle: Mutex::new(LoginThrottle::default()),
            revoked: tokio::sync::broadcast::channel(1024).0,
            http,
            limits,
            widget,
            guest_buckets: Mutex::new(IpBuckets::new(guests.per_ip, guests.max_addresses)),
            guests,
            ice,
            ring,
            watching_revocations: AtomicBool::new(false),
            chat_watch: crate::chat_watch::ChatWatch::default(),
        })
    }

    pub(crate) fn throttle(&self) -> MutexGuard<'_, LoginThrottle> {
        // The throttle's state is counters: usable whatever a panicking holder left.
        self.throttle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Server {
    pub(crate) fn guest_buckets(&self) -> MutexGuard<'_, IpBuckets> {
        // Counters only: usable whatever a panicking holder left.
        self.guest_buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a server is configured with beyond its storage and presence grace (the config file's
/// sections; tests set the ones they need and leave the rest default).
#[derive(Debug, Default)]
pub struct ServerOptions {
    pub http: HttpPolicy,
    pub limits: SessionLimits,
    pub widget: WidgetPolicy,
    pub guests: GuestPolicy,
    pub ice: IceConfig,
    /// `[ringing]`: the ring time of calls and the answer time of remote requests.
    pub ring: RingTimeouts,
}

/// The wall clock, read at the edge.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
