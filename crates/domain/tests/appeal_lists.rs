//! Appeals: the full transition table (A1-A6), auto-finish (A5), lists (A6) and operator
//! statistics (A4, A6).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use linedesk_domain::appeal::{
    Actor, Appeal, AppealError, AppealEvent, AppealEventKind, AppealFilter, AppealOrder,
    AppealStatus, Channel, TransferTarget, operator_stats, select,
};
use linedesk_domain::ids::{AppealId, ClientId, LineId, SpecialistId};

fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap() + TimeDelta::minutes(minute)
}

const ANNA: SpecialistId = SpecialistId(1);
const BORIS: SpecialistId = SpecialistId(2);
const CLIENT: ClientId = ClientId(77);

fn open(id: u64, channel: Channel, at: i64) -> Appeal {
    Appeal::open(
        AppealId(id),
        LineId(1),
        CLIENT,
        channel,
        Actor::Client(CLIENT),
        t(at),
    )
    .0
}

/// An appeal brought into `status` (held by Anna where someone holds it).
fn in_status(status: AppealStatus) -> Appeal {
    let mut a = open(1, Channel::Message, 0);
    match status {
        AppealStatus::Queued => {}
        AppealStatus::Assigned => {
            a.assign(ANNA, t(1)).expect("assign");
        }
        AppealStatus::WaitingForClient => {
            a.assign(ANNA, t(1)).expect("assign");
            a.wait_for_client(ANNA, t(2)).expect("wait");
        }
        AppealStatus::Finished => {
            a.assign(ANNA, t(1)).expect("assign");
            a.finish(ANNA, "done", t(2)).expect("finish");
        }
        AppealStatus::Spam => {
            a.mark_spam(Actor::Specialist(ANNA), t(1)).expect("spam");
        }
    }
    a
}

type Action = fn(&mut Appeal) -> Result<AppealEvent, AppealError>;

#[test]
fn a1_a6_every_transition_is_checked_and_a_refused_one_changes_nothing() {
    use AppealStatus::*;
    let actions: [(&str, Action); 9] = [
        ("assign", |a| a.assign(BORIS, t(10))),
        ("take", |a| a.take_from_queue(BORIS, t(10))),
        ("transfer", |a| {
            a.transfer(ANNA, TransferTarget::Colleague(BORIS), "why", t(10))
        }),
        ("wait", |a| a.wait_for_client(ANNA, t(10))),
        ("resume", |a| a.resume(Actor::Client(CLIENT), t(10))),
        ("finish", |a| a.finish(ANNA, "done", t(10))),
        ("spam", |a| a.mark_spam(Actor::Specialist(ANNA), t(10))),
        ("rate", |a| a.rate(5, "", t(10))),
        ("requeue", |a| a.requeue("do not disturb", t(10))),
    ];
    // Which actions each state allows, in the order above.
    let table: [(AppealStatus, [bool; 9]); 5] = [
        (
            Queued,
            [true, true, false, false, false, false, true, false, false],
        ),
        (
            Assigned,
            [false, false, true, true, false, true, true, false, true],
        ),
        (
            WaitingForClient,
            [false, false, true, false, true, true, true, false, true],
        ),
        (
            Finished,
            [false, false, false, false, false, false, false, true, false],
        ),
        (Spam, [false; 9]),
    ];
    for (status, allowed) in table {
        for ((name, action), ok) in actions.iter().zip(allowed) {
            let mut a = in_status(status);
            assert_eq!(a.state().status(), status);
            let before = a.clone();
            match action(&mut a) {
                Ok(event) => {
                    assert!(ok, "{name} from {status:?} must be refused");
                    assert_eq!((event.appeal, event.at), (AppealId(1), t(10)), "{name}");
                }
                Err(e) => {
                    assert!(!ok, "{name} from {status:?} must be allowed: {e}");
                    assert_eq!(a, before, "{name} from {status:?} changed a refused appeal");
                    assert!(e.code().starts_with("appeal."), "{}", e.code());
                }
            }
        }
    }
}

#[test]
fn a5_auto_finish_applies_to_held_appeals_not_to_clients_waiting_in_the_queue() {
    let limit = TimeDelta::minutes(30);
    let mut queued = open(1, Channel::Message, 0);
    assert_eq!(queued.auto_finish(t(600), limit), None);
    assert_eq!(queued.state().status(), AppealStatus::Queued);

    let mut waiting = in_status(AppealStatus::WaitingForClient);
    let e = waiting
        .auto_finish(t(32), limit)
        .expect("idle since minute 2");
    assert_eq!(e.kind, AppealEventKind::AutoFinished { idle_minutes: 30 });
    assert_eq!(waiting.state().status(), AppealStatus::Finished);
}

#[test]
fn p4_requeue_is_an_event_with_its_reason() {
    let mut a = in_status(AppealStatus::Assigned);
    let e = a.requeue(" do not disturb ", t(5)).expect("requeue");
    assert_eq!(e.actor, Actor::System);
    assert_eq!(
        e.kind,
        AppealEventKind::Requeued {
            reason: "do not disturb".into()
        }
    );
    assert_eq!(a.state().status(), AppealStatus::Queued);
}

#[test]
fn a6_filter_and_sort_by_status_date_and_channel() {
    let mut call = open(1, Channel::Call, 10);
    call.assign(ANNA, t(11)).expect("assign");
    let message = open(2, Channel::Message, 20);
    let mut file = open(3, Channel::File, 30);
    file.mark_spam(Actor::Specialist(ANNA), t(31))
        .expect("spam");
    let mut old = open(4, Channel::Message, 5);
    old.assign(BORIS, t(6)).expect("assign");
    old.record_activity(t(50));
    let all = [&call, &message, &file, &old];
    let ids = |v: Vec<&Appeal>| v.iter().map(|a| a.id.0).collect::<Vec<_>>();

    let every = AppealFilter::default();
    assert_eq!(
        ids(select(all, &every, AppealOrder::NewestFirst)),
        [3, 2, 1, 4]
    );
    assert_eq!(
        ids(select(all, &every, AppealOrder::OldestFirst)),
        [4, 1, 2, 3]
    );
    assert_eq!(
        ids(select(all, &every, AppealOrder::LastActivity)),
        [4, 3, 2, 1]
    );
    assert_eq!(ids(select(all, &every, AppealOrder::Status)), [2, 1, 4, 3]);
    assert_eq!(ids(select(all, &every, AppealOrder::Channel)), [2, 4, 1, 3]);

    let messages = AppealFilter {
        channels: vec![Channel::Message],
        ..Default::default()
    };
    assert_eq!(ids(select(all, &messages, AppealOrder::default())), [2, 4]);
    let in_work = AppealFilter {
        statuses: vec![AppealStatus::Assigned, AppealStatus::WaitingForClient],
        opened_from: Some(t(10)),
        opened_to: Some(t(30)),
        ..Default::default()
    };
    assert_eq!(ids(select(all, &in_work, AppealOrder::default())), [1]);
}

#[test]
fn a4_a6_operator_statistics_speed_and_quality() {
    // Anna: takes at 0, finishes at 20, rated 5. Boris: gets a transfer at 10 from Anna, finishes
    // at 40 (handled 30 min), rated 3. A third appeal auto-finishes while Boris holds it.
    let mut one = Vec::new();
    let (mut a, e) = Appeal::open(
        AppealId(1),
        LineId(1),
        CLIENT,
        Channel::Message,
        Actor::Client(CLIENT),
        t(0),
    );
    one.push(e);
    one.push(a.take_from_queue(ANNA, t(0)).expect("take"));
    one.push(a.finish(ANNA, "ok", t(20)).expect("finish"));
    one.push(a.rate(5, "", t(21)).expect("rate"));

    let mut two = Vec::new();
    let mut b = open(2, Channel::Call, 0);
    two.push(b.assign(ANNA, t(0)).expect("assign"));
    two.push(
        b.transfer(ANNA, TransferTarget::Colleague(BORIS), "1C expert", t(10))
            .expect("transfer"),
    );
    two.push(b.finish(BORIS, "ok", t(40)).expect("finish"));
    two.push(b.rate(3, "slow", t(41)).expect("rate"));

    let mut three = Vec::new();
    let mut c = open(3, Channel::Message, 0);
    three.push(c.assign(BORIS, t(0)).expect("assign"));
    three.push(c.auto_finish(t(60), TimeDelta::minutes(60)).expect("auto"));

    let mut four = Vec::new();
    let mut d = open(4, Channel::File, 0);
    four.push(d.mark_spam(Actor::Specialist(ANNA), t(1)).expect("spam"));

    let stats = operator_stats([&one[..], &two[..], &three[..], &four[..]]);
    let anna = stats[&ANNA];
    assert_eq!((anna.finished, anna.spam), (1, 1));
    assert_eq!(anna.average_handling(), Some(TimeDelta::minutes(20)));
    assert_eq!(anna.average_rating(), Some(5.0));
    let boris = stats[&BORIS];
    assert_eq!(boris.finished, 2);
    assert_eq!(
        boris.average_handling(),
        Some(TimeDelta::minutes(45)),
        "(30 + 60) / 2"
    );
    assert_eq!(boris.average_rating(), Some(3.0));
}
