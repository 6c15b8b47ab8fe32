//! The server's Prometheus metrics (`GET /metrics`, [`crate::http::metrics`]): one registry for
//! the process, updated where things happen and read only when scraped.
//!
//! | metric | what |
//! |---|---|
//! | `linedesk_sessions` | signed-in WebSocket sessions now |
//! | `linedesk_actions_total{kind}` | actions acknowledged (not duplicates), by kind (`rate()` gives actions/s) |
//! | `linedesk_action_ack_seconds` | from an action's frame read to its `Ack` sent |
//! | `linedesk_fanout_lag_seconds` | from the hub's publish of a line's events to a session's flush of them (its oldest event; one flush in [`FANOUT_SAMPLE`]) |
//! | `linedesk_sla_alerts_total{alert}` | SLA alerts published: `at_risk`, `breached` |
//! | `linedesk_calls_total` | calls ended |
//! | `linedesk_call_mos` | the MOS of each side's statistics of a call (1.0-4.5) |
//! | `linedesk_logins_total{outcome}` | `POST /api/login` answered: `succeeded`, `failed` |
//!
//! The hot path pays an atomic add (counters, the gauge) or a short lock (a histogram's
//! observation); nothing allocates after the first action of a kind.

use std::cell::Cell;
use std::sync::LazyLock;
use std::time::Instant;

use linedesk_protocol::{Action, Event};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::storage::StoredEvent;

/// One session flush in this many (per thread) is observed in the fan-out lag histogram.
pub const FANOUT_SAMPLE: u32 = 16;

thread_local! {
    static FLUSHES: Cell<u32> = const { Cell::new(0) };
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Alert {
    alert: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LoginOutcome {
    outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    sessions: Gauge,
    actions: Family<Kind, Counter>,
    ack: Histogram,
    fanout_lag: Histogram,
    sla_alerts: Family<Alert, Counter>,
    calls: Counter,
    call_mos: Histogram,
    logins: Family<LoginOutcome, Counter>,
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("linedesk");
        let sessions = Gauge::default();
        registry.register("sessions", "Signed-in WebSocket sessions", sessions.clone());
        let actions = Family::<Kind, Counter>::default();
        registry.register(
            "actions",
            "Actions acknowledged (duplicates not counted), by kind",
            actions.clone(),
        );
        // 0.5 ms to about 16 s.
        let ack = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        registry.register(
            "action_ack_seconds",
            "From an action's frame read to its Ack sent",
            ack.clone(),
        );
        let fanout_lag = Histogram::new(exponential_buckets(0.0001, 2.0, 18));
        registry.register(
            "fanout_lag_seconds",
            "From the hub's publish of events to a session's flush of them (its oldest event)",
            fanout_lag.clone(),
        );
        let sla_alerts = Family::<Alert, Counter>::default();
        registry.register(
            "sla_alerts",
            "SLA alerts published (at_risk, breached)",
            sla_alerts.clone(),
        );
        let calls = Counter::default();
        registry.register("calls", "Calls ended", calls.clone());
        let call_mos = Histogram::new([1.0, 2.0, 2.5, 3.0, 3.5, 3.8, 4.0, 4.2, 4.4]);
        registry.register(
            "call_mos",
            "The MOS of each side's statistics of a call",
            call_mos.clone(),
        );
        let logins = Family::<LoginOutcome, Counter>::default();
        registry.register(
            "logins",
            "Logins answered (succeeded, failed)",
            logins.clone(),
        );
        Metrics {
            registry,
            sessions,
            actions,
            ack,
            fanout_lag,
            sla_alerts,
            calls,
            call_mos,
            logins,
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    pub fn session_started(&self) {
        self.sessions.inc();
    }

    pub fn session_ended(&self) {
        self.sessions.dec();
    }

    /// An action of `kind` ([`action_kind`]) acknowledged after `seconds`.
    pub fn acknowledged(&self, kind: &'static str, seconds: f64) {
        self.actions.get_or_create(&Kind { kind }).inc();
        self.ack.observe(seconds);
    }

    /// A session flushed live events, the oldest published at `oldest`. One flush in
    /// [`FANOUT_SAMPLE`] of each thread is observed: a line's event is flushed by each of its
    /// ~100 sessions, and one histogram's lock taken 100,000 times a second would be felt.
    pub fn fanned_out(&self, oldest: Instant) {
        let due = FLUSHES.with(|n| {
            let seen = n.get().wrapping_add(1);
            n.set(seen);
            seen % FANOUT_SAMPLE == 0
        });
        if due {
            self.fanout_lag.observe(oldest.elapsed().as_secs_f64());
        }
    }

    pub fn login(&self, succeeded: bool) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.logins.get_or_create(&LoginOutcome { outcome }).inc();
    }

    /// Events the hub publishes: SLA alerts, ended calls and their quality.
    pub fn published(&self, events: &[StoredEvent]) {
        for e in events {
            match &e.event {
                Event::SlaAtRisk { .. } => self.alert("at_risk"),
                Event::SlaBreached { .. } => self.alert("breached"),
                Event::CallEnded { .. } => {
                    self.calls.inc();
                }
                Event::CallStats { quality, .. } if quality.mos_centi != 0 => {
                    self.call_mos.observe(f64::from(quality.mos_centi) / 100.0);
                }
                _ => {}
            }
        }
    }

    fn alert(&self, alert: &'static str) {
        self.sla_alerts.get_or_create(&Alert { alert }).inc();
    }
}

/// An action's kind as the wire names it (`"kind"` of its JSON).
pub fn action_kind(action: &Action) -> &'static str {
    match action {
        Action::SendMessage { .. } => "send_message",
        Action::SetPresence { .. } => "set_presence",
        Action::ClientMessage { .. } => "client_message",
        Action::TakeAppeal { .. } => "take_appeal",
        Action::TransferAppeal { .. } => "transfer_appeal",
        Action::FinishAppeal { .. } => "finish_appeal",
        Action::RateAppeal { .. } => "rate_appeal",
        Action::CreateTicket { .. } => "create_ticket",
        Action::SaveTicket { .. } => "save_ticket",
        Action::DispatchTicket { .. } => "dispatch_ticket",
        Action::TakeTicket { .. } => "take_ticket",
        Action::RejectTicket { .. } => "reject_ticket",
        Action::ForwardTicket { .. } => "forward_ticket",
        Action::CommentTicket { .. } => "comment_ticket",
        Action::RepeatTicket { .. } => "repeat_ticket",
        Action::CloseTicket { .. } => "close_ticket",
        Action::PlaceCall { .. } => "place_call",
        Action::AnswerCall { .. } => "answer_call",
        Action::HangUp { .. } => "hang_up",
        Action::CallStats { .. } => "call_stats",
        Action::RequestCallBack { .. } => "request_call_back",
        Action::SetRemotePassword { .. } => "set_remote_password",
        Action::RequestRemoteSession { .. } => "request_remote_session",
        Action::AnswerRemoteSession { .. } => "answer_remote_session",
        Action::EndRemoteSession { .. } => "end_remote_session",
        Action::StartAppeal { .. } => "start_appeal",
        Action::MarkSpam { .. } => "mark_spam",
        Action::SaveKbDraft { .. } => "save_kb_draft",
        Action::ArticleHelped { .. } => "article_helped",
        Action::TransferCall { .. } => "transfer_call",
        Action::WaitForClient { .. } => "wait_for_client",
        Action::ConsultCall { .. } => "consult_call",
        Action::HandOverCall { .. } => "hand_over_call",
        Action::SendMessageConfirmed { .. } => "send_message_confirmed",
        Action::SetAppealType { .. } => "set_appeal_type",
        Action::CreateGroup { .. } => "create_group",
        Action::AddGroupMember { .. } => "add_group_member",
        Action::RemoveGroupMember { .. } => "remove_group_member",
        Action::GroupMessage { .. } => "group_message",
        Action::SetProfile { .. } => "set_profile",
        Action::DisputeTicket { .. } => "dispute_ticket",
        Action::JoinConsultation { .. } => "join_consultation",
        Action::PlaceCallConfirmed { .. } => "place_call_confirmed",
        Action::LogPbxCall { .. } => "log_pbx_call",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are the wire's: what serde writes as the action's `kind`.
    #[test]
    fn kinds_are_the_wire_names() {
        let action = Action::SetPresence {
            status: linedesk_domain::presence::PresenceStatus::Available,
        };
        let json = serde_json::to_value(&action).expect("json");
        assert_eq!(json["kind"], action_kind(&action));
        let finish: Action =
            serde_json::from_str(r#"{"kind":"finish_appeal","appeal":1,"result":"done"}"#)
                .unwrap_or_else(|e| panic!("finish_appeal: {e}"));
        assert_eq!(action_kind(&finish), "finish_appeal");
    }
}
