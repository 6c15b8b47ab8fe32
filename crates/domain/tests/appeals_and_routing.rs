//! Appeals (A1, A3-A6) and routing (A2, P3, P4) by example.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use linedesk_domain::appeal::{
    Actor, Appeal, AppealError, AppealEventKind, AppealState, Channel, SupportTier, TransferTarget,
    idle_long_enough,
};
use linedesk_domain::ids::{AppealId, ClientId, LineId, SpecialistId};
use linedesk_domain::presence::PresenceStatus::{self, *};
use linedesk_domain::routing::{
    Dispatcher, LineQueue, Movement, RoutingError, Specialist, appeal_priority,
    responsible_specialists,
};

fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap() + TimeDelta::minutes(minute)
}

const ANNA: SpecialistId = SpecialistId(1);
const BORIS: SpecialistId = SpecialistId(2);
const CLIENT: ClientId = ClientId(77);

fn opened(channel: Channel) -> Appeal {
    Appeal::open(
        AppealId(10),
        LineId(1),
        CLIENT,
        channel,
        Actor::Client(CLIENT),
        t(0),
    )
    .0
}

#[test]
fn a1_an_appeal_opens_by_message_call_session_file_or_by_hand() {
    for channel in [
        Channel::Message,
        Channel::Call,
        Channel::RemoteSession,
        Channel::File,
        Channel::Manual,
    ] {
        let actor = if channel == Channel::Manual {
            Actor::Specialist(ANNA)
        } else {
            Actor::Client(CLIENT)
        };
        let (appeal, event) = Appeal::open(AppealId(1), LineId(1), CLIENT, channel, actor, t(0));
        assert_eq!(appeal.state(), &AppealState::Queued);
        assert_eq!(event.kind, AppealEventKind::Opened { channel });
        assert_eq!(
            (event.actor, event.at, event.appeal),
            (actor, t(0), AppealId(1))
        );
    }
}

#[test]
fn a3_transfer_needs_a_reason_and_goes_to_a_colleague_tier_or_line() {
    let mut a = opened(Channel::Message);
    a.assign(ANNA, t(1)).expect("assign");
    assert_eq!(
        a.transfer(ANNA, TransferTarget::Colleague(BORIS), "  ", t(2)),
        Err(AppealError::ReasonRequired)
    );
    assert_eq!(
        a.transfer(BORIS, TransferTarget::Colleague(ANNA), "x", t(2)),
        Err(AppealError::NotHolder)
    );
    assert_eq!(
        a.transfer(ANNA, TransferTarget::Colleague(ANNA), "x", t(2)),
        Err(AppealError::SameSpecialist)
    );
    let e = a
        .transfer(
            ANNA,
            TransferTarget::Colleague(BORIS),
            "нужен бухгалтер",
            t(3),
        )
        .expect("transfer");
    assert_eq!(e.actor, Actor::Specialist(ANNA));
    assert_eq!(
        e.kind,
        AppealEventKind::Transferred {
            target: TransferTarget::Colleague(BORIS),
            reason: "нужен бухгалтер".into()
        }
    );
    assert_eq!(a.state().holder(), Some(BORIS));

    a.transfer(
        BORIS,
        TransferTarget::Tier(SupportTier::Second),
        "сложный случай",
        t(4),
    )
    .expect("to tier 2");
    assert_eq!(
        (a.state(), a.tier),
        (&AppealState::Queued, SupportTier::Second)
    );
    a.take_from_queue(ANNA, t(5)).expect("take");
    assert_eq!(
        a.transfer(ANNA, TransferTarget::Line(LineId(1)), "x", t(6)),
        Err(AppealError::SameLine)
    );
    a.transfer(ANNA, TransferTarget::Line(LineId(2)), "не наша линия", t(6))
        .expect("to line 2");
    assert_eq!(
        (a.line, a.tier, a.state()),
        (LineId(2), SupportTier::First, &AppealState::Queued)
    );
}

#[test]
fn a4_finish_with_a_result_then_one_rating() {
    let mut a = opened(Channel::Call);
    assert!(
        matches!(
            a.finish(ANNA, "ok", t(1)),
            Err(AppealError::IllegalTransition { .. })
        ),
        "queued"
    );
    a.assign(ANNA, t(1)).expect("assign");
    assert_eq!(a.finish(ANNA, " ", t(2)), Err(AppealError::ResultRequired));
    assert!(
        matches!(
            a.rate(5, "", t(2)),
            Err(AppealError::IllegalTransition { .. })
        ),
        "not finished yet"
    );
    a.finish(ANNA, "консультация дана", t(3)).expect("finish");
    assert!(matches!(a.state(), AppealState::Finished { .. }));
    assert_eq!(a.rate(0, "", t(4)), Err(AppealError::BadScore(0)));
    assert_eq!(a.rate(6, "", t(4)), Err(AppealError::BadScore(6)));
    let e = a.rate(5, " спасибо ", t(4)).expect("rate");
    assert_eq!(e.actor, Actor::Client(CLIENT));
    assert_eq!(a.rating(), Some(&(5, "спасибо".to_string())));
    assert_eq!(a.rate(4, "", t(5)), Err(AppealError::AlreadyRated));
    assert!(a.assign(BORIS, t(6)).is_err(), "finished is terminal");
    assert_eq!(AppealError::AlreadyRated.code(), "appeal.already_rated");
}

#[test]
fn a5_auto_finish_after_the_idle_time_exactly() {
    let limit = TimeDelta::minutes(30);
    let mut a = opened(Channel::Message);
    a.assign(ANNA, t(0)).expect("assign");
    a.record_activity(t(10));
    assert_eq!(a.auto_finish(t(39), limit), None);
    let e = a.auto_finish(t(40), limit).expect("idle 30 minutes");
    assert_eq!(e.kind, AppealEventKind::AutoFinished { idle_minutes: 30 });
    assert_eq!(e.actor, Actor::System);
    assert_eq!(a.auto_finish(t(90), limit), None, "already finished");
    assert!(
        !idle_long_enough(t(0), t(100), TimeDelta::zero()),
        "a zero limit never fires"
    );
    assert!(
        !idle_long_enough(t(10), t(0), limit),
        "a clock running backwards is not idleness"
    );
}

#[test]
fn a6_spam_from_any_open_state_and_s4_waiting() {
    let mut a = opened(Channel::File);
    a.mark_spam(Actor::Specialist(ANNA), t(1))
        .expect("spam from the queue");
    assert_eq!(a.state(), &AppealState::Spam);
    assert!(a.mark_spam(Actor::Specialist(ANNA), t(2)).is_err());

    let mut b = opened(Channel::Message);
    b.assign(ANNA, t(0)).expect("assign");
    b.wait_for_client(ANNA, t(1)).expect("wait");
    assert!(b.wait_for_client(ANNA, t(2)).is_err());
    assert_eq!(
        b.resume(Actor::Client(CLIENT), t(3)).expect("resume").kind,
        AppealEventKind::Resumed
    );
    b.wait_for_client(ANNA, t(4)).expect("wait");
    b.finish(ANNA, "решено", t(5))
        .expect("finish while waiting");
}

fn team(list: &[(u64, PresenceStatus, u8, u32)]) -> Dispatcher {
    Dispatcher::new(
        list.iter()
            .map(|&(id, presence, priority, limit)| Specialist {
                id: SpecialistId(id),
                presence,
                priority,
                limit,
                load: 0,
            }),
    )
}

#[test]
fn a2_priority_then_responsible_then_capacity_then_queue() {
    let mut d = team(&[(1, Available, 1, 1), (2, Available, 5, 1), (3, Busy, 9, 5)]);
    assert_eq!(
        d.arrive(AppealId(1), 0, vec![]),
        Ok(Movement::Assigned {
            appeal: AppealId(1),
            to: SpecialistId(2)
        })
    );
    assert_eq!(
        d.arrive(AppealId(2), 0, vec![SpecialistId(2)]),
        Ok(Movement::Assigned {
            appeal: AppealId(2),
            to: SpecialistId(1)
        }),
        "the responsible one is full: next eligible"
    );
    assert_eq!(
        d.arrive(AppealId(3), 0, vec![]),
        Ok(Movement::Queued {
            appeal: AppealId(3)
        }),
        "P3: Busy gets none"
    );
    assert_eq!(
        d.arrive(AppealId(3), 0, vec![]),
        Err(RoutingError::DuplicateAppeal(AppealId(3)))
    );
    // A freed place pulls from the queue.
    assert_eq!(
        d.finish(AppealId(1)),
        Ok(vec![Movement::Assigned {
            appeal: AppealId(3),
            to: SpecialistId(2)
        }])
    );
}

#[test]
fn a2_responsible_specialist_is_preferred_over_priority() {
    let mut d = team(&[(1, Available, 1, 3), (2, Available, 9, 3)]);
    let m = d
        .arrive(AppealId(1), 0, vec![SpecialistId(1)])
        .expect("arrive");
    assert_eq!(
        m,
        Movement::Assigned {
            appeal: AppealId(1),
            to: SpecialistId(1)
        }
    );
}

#[test]
fn a2_queue_is_fifo_within_priority_and_higher_priority_first() {
    let mut q = LineQueue::default();
    for (appeal, priority) in [(1, 0), (2, 1), (3, 0), (4, 1), (5, 2)] {
        q.push(AppealId(appeal), priority);
    }
    q.push(AppealId(1), 9);
    let order: Vec<u64> = q.iter().map(|a| a.0).collect();
    assert_eq!(
        order,
        vec![5, 2, 4, 1, 3],
        "a re-push keeps the original place"
    );
    assert!(q.remove(AppealId(2)));
    assert_eq!(q.pop(), Some(AppealId(5)));
    assert_eq!(q.pop(), Some(AppealId(4)));
}

#[test]
fn a2_taking_from_the_queue_exactly_one_wins() {
    let mut d = team(&[(1, Busy, 1, 1), (2, Away, 1, 1), (3, DoNotDisturb, 1, 1)]);
    d.arrive(AppealId(1), 0, vec![]).expect("queued");
    assert_eq!(
        d.take(AppealId(1), SpecialistId(3)),
        Err(RoutingError::CannotTake(DoNotDisturb))
    );
    assert!(
        d.take(AppealId(1), SpecialistId(1)).is_ok(),
        "Busy may take by hand (P3)"
    );
    assert_eq!(
        d.take(AppealId(1), SpecialistId(2)),
        Err(RoutingError::NotQueued(AppealId(1)))
    );
    assert_eq!(d.holder(AppealId(1)), Some(SpecialistId(1)));
}

#[test]
fn p3_busy_keeps_open_appeals_p4_do_not_disturb_hands_them_over() {
    let mut d = team(&[(1, Available, 9, 5), (2, Available, 1, 5)]);
    d.arrive(AppealId(1), 0, vec![]).expect("to 1");
    d.arrive(AppealId(2), 0, vec![]).expect("to 1");
    assert_eq!(d.held_by(SpecialistId(1)).len(), 2);

    assert_eq!(
        d.set_presence(SpecialistId(1), Busy),
        Ok(vec![]),
        "P3: open appeals stay"
    );
    assert_eq!(
        d.client_activity(AppealId(1)),
        Ok(None),
        "P3: their messages still reach them"
    );
    let m = d
        .arrive(AppealId(3), 0, vec![SpecialistId(1)])
        .expect("arrive");
    assert_eq!(
        m,
        Movement::Assigned {
            appeal: AppealId(3),
            to: SpecialistId(2)
        },
        "P3: new ones go elsewhere"
    );

    let moves = d.set_presence(SpecialistId(1), DoNotDisturb).expect("dnd");
    assert_eq!(moves.len(), 2, "P4: open appeals move: {moves:?}");
    assert!(d.held_by(SpecialistId(1)).is_empty());
    assert_eq!(d.held_by(SpecialistId(2)).len(), 3);
}

#[test]
fn p4_offline_with_nobody_else_sends_appeals_to_the_queue_and_back() {
    let mut d = team(&[(1, Available, 1, 5)]);
    d.arrive(AppealId(1), 0, vec![]).expect("arrive");
    let moves = d.set_presence(SpecialistId(1), Offline).expect("offline");
    assert_eq!(
        moves,
        vec![Movement::Queued {
            appeal: AppealId(1)
        }]
    );
    let moves = d.set_presence(SpecialistId(1), Available).expect("back");
    assert_eq!(
        moves,
        vec![Movement::Assigned {
            appeal: AppealId(1),
            to: SpecialistId(1)
        }]
    );
    assert_eq!(
        d.set_presence(SpecialistId(9), Available),
        Err(RoutingError::UnknownSpecialist(SpecialistId(9)))
    );
}

#[test]
fn a3_transfer_in_the_dispatcher() {
    let mut d = team(&[(1, Available, 9, 1), (2, Busy, 1, 1), (3, Offline, 1, 1)]);
    d.arrive(AppealId(1), 0, vec![]).expect("to 1");
    assert_eq!(
        d.transfer(AppealId(1), SpecialistId(2), None),
        Err(RoutingError::NotHolder {
            appeal: AppealId(1),
            specialist: SpecialistId(2)
        })
    );
    assert_eq!(
        d.transfer(AppealId(1), SpecialistId(1), Some(SpecialistId(3))),
        Err(RoutingError::CannotTake(Offline))
    );
    let moves = d
        .transfer(AppealId(1), SpecialistId(1), Some(SpecialistId(2)))
        .expect("to a busy colleague");
    assert_eq!(
        moves,
        vec![Movement::Assigned {
            appeal: AppealId(1),
            to: SpecialistId(2)
        }]
    );
}

#[test]
fn a2_restored_state_is_exact_and_routing_goes_on_from_it() {
    let mut d = team(&[(1, Available, 1, 1), (2, Busy, 1, 3)]);
    d.restore(AppealId(5), 0, Some(SpecialistId(2)));
    d.restore(AppealId(6), 0, None);
    d.restore(AppealId(7), 0, Some(SpecialistId(1)));
    assert_eq!(
        d.holder(AppealId(5)),
        Some(SpecialistId(2)),
        "restored as it was, not rerouted"
    );
    assert!(d.queue().contains(AppealId(6)));
    assert_eq!(d.specialist(SpecialistId(1)).map(|s| s.load), Some(1));
    assert_eq!(
        d.finish(AppealId(7)),
        Ok(vec![Movement::Assigned {
            appeal: AppealId(6),
            to: SpecialistId(1)
        }])
    );
    d.add_specialist(Specialist {
        id: SpecialistId(2),
        presence: Available,
        priority: 9,
        limit: 3,
        load: 0,
    });
    assert_eq!(
        d.specialist(SpecialistId(2)).map(|s| (s.load, s.priority)),
        Some((1, 9)),
        "load kept on update"
    );
}

#[test]
fn a3_two_level_line_second_tier_appeals_go_to_second_tier_specialists() {
    let (anna, boris, vera) = (SpecialistId(1), SpecialistId(2), SpecialistId(3));
    let mut d = team(&[
        (1, Available, 5, 2),
        (2, Available, 1, 2),
        (3, Available, 1, 2),
    ]);
    d.set_tiers(anna, &[SupportTier::First]).expect("tiers");
    d.set_tiers(boris, &[SupportTier::Second]).expect("tiers");
    assert_eq!(
        d.arrive(AppealId(1), 0, vec![]),
        Ok(Movement::Assigned {
            appeal: AppealId(1),
            to: anna
        })
    );
    // Anna sends it to the second tier: Boris (second only) or Vera (both) take it, never Anna.
    let moves = d
        .transfer_to_tier(AppealId(1), anna, SupportTier::Second)
        .expect("to tier 2");
    assert_eq!(
        moves,
        [Movement::Assigned {
            appeal: AppealId(1),
            to: boris
        }]
    );
    assert_eq!(d.tier_of(AppealId(1)), SupportTier::Second);
    assert_eq!(
        d.transfer_to_tier(AppealId(1), boris, SupportTier::Second)
            .map_err(|e| e.code()),
        Err("routing.same_tier")
    );
    // With the second tier away, a second-tier appeal waits, but first-tier ones behind it
    // are still served: one waiting appeal does not block the queue.
    d.set_presence(boris, Away).expect("away");
    d.set_presence(vera, Offline).expect("offline");
    d.arrive_in_tier(AppealId(2), 0, vec![], SupportTier::Second)
        .expect("arrive");
    assert!(d.queue().contains(AppealId(2)));
    assert_eq!(
        d.arrive(AppealId(3), 0, vec![]),
        Ok(Movement::Assigned {
            appeal: AppealId(3),
            to: anna
        })
    );
    assert_eq!(
        d.set_presence(vera, Available),
        Ok(vec![Movement::Assigned {
            appeal: AppealId(2),
            to: vera
        }])
    );
}

#[test]
fn a3_an_appeal_handed_back_to_the_queue_does_not_come_back_automatically() {
    let (anna, boris) = (SpecialistId(1), SpecialistId(2));
    let mut d = team(&[(1, Available, 5, 2), (2, Available, 1, 1)]);
    d.arrive(AppealId(1), 0, vec![]).expect("to Anna");
    d.arrive(AppealId(2), 0, vec![]).expect("to Anna");
    d.arrive(AppealId(3), 0, vec![]).expect("to Boris");
    // Everyone is full; Anna hands appeal 1 back: it waits rather than return to her.
    assert_eq!(
        d.transfer(AppealId(1), anna, None),
        Ok(vec![Movement::Queued {
            appeal: AppealId(1)
        }])
    );
    assert_eq!(d.handed_back_by(AppealId(1)), Some(anna));
    // A newer appeal may take Anna's free place; appeal 1 waits for someone else...
    assert_eq!(
        d.arrive(AppealId(4), 0, vec![]),
        Ok(Movement::Assigned {
            appeal: AppealId(4),
            to: anna
        })
    );
    // ... who comes when Boris is free.
    assert_eq!(
        d.finish(AppealId(3)),
        Ok(vec![Movement::Assigned {
            appeal: AppealId(1),
            to: boris
        }])
    );
    assert_eq!(d.handed_back_by(AppealId(1)), None);
    // Only the last one to hand it back is skipped: Boris hands it back, Anna's freed place
    // takes it.
    d.transfer(AppealId(1), boris, None).expect("back");
    assert_eq!(
        d.finish(AppealId(4)),
        Ok(vec![Movement::Assigned {
            appeal: AppealId(1),
            to: anna
        }])
    );
    // And by hand anyone may take back what they handed over.
    d.set_presence(boris, Busy).expect("busy");
    assert_eq!(
        d.transfer(AppealId(2), anna, None),
        Ok(vec![Movement::Queued {
            appeal: AppealId(2)
        }])
    );
    assert_eq!(
        d.take(AppealId(2), anna),
        Ok(Movement::Assigned {
            appeal: AppealId(2),
            to: anna
        })
    );
}

#[test]
fn a2_rebalance_after_restore_serves_what_the_restored_queue_holds() {
    let mut d = team(&[(1, Available, 1, 2)]);
    d.restore(AppealId(1), 0, None);
    d.restore(AppealId(2), 5, None);
    assert_eq!(d.queue().len(), 2, "restore moves nothing");
    assert_eq!(
        d.rebalance(),
        [
            Movement::Assigned {
                appeal: AppealId(2),
                to: SpecialistId(1)
            },
            Movement::Assigned {
                appeal: AppealId(1),
                to: SpecialistId(1)
            }
        ]
    );
}

#[test]
fn a2_a3_the_queue_keeps_one_order_across_tiers() {
    let mut q = LineQueue::default();
    q.push_in_tier(AppealId(1), 0, SupportTier::Second);
    q.push(AppealId(2), 0);
    q.push_in_tier(AppealId(3), 2, SupportTier::Second);
    q.push(AppealId(4), 2);
    q.push(AppealId(2), 9); // already queued: keeps its place
    let ids = |it: &mut dyn Iterator<Item = AppealId>| it.map(|a| a.0).collect::<Vec<_>>();
    assert_eq!(ids(&mut q.iter()), [3, 4, 1, 2]);
    assert_eq!(ids(&mut q.iter_tier(SupportTier::First)), [4, 2]);
    assert_eq!(q.tier_of(AppealId(1)), Some(SupportTier::Second));
    assert_eq!((q.front(), q.len()), (Some(AppealId(3)), 4));
    assert!(q.remove(AppealId(4)) && !q.remove(AppealId(4)));
    assert_eq!(
        [q.pop(), q.pop(), q.pop(), q.pop()],
        [
            Some(AppealId(3)),
            Some(AppealId(1)),
            Some(AppealId(2)),
            None
        ]
    );
    assert!(q.is_empty());
}

#[test]
fn a3_a_restored_second_tier_appeal_waits_for_the_second_tier() {
    let (anna, boris) = (SpecialistId(1), SpecialistId(2));
    let mut d = team(&[(1, Available, 5, 2), (2, Away, 1, 2)]);
    d.set_tiers(anna, &[SupportTier::First]).expect("tiers");
    d.set_tiers(boris, &[SupportTier::Second]).expect("tiers");
    // Read back after a restart: queued in the second tier, nobody of that tier free.
    d.restore_in_tier(AppealId(7), 0, None, SupportTier::Second);
    assert_eq!(d.tier_of(AppealId(7)), SupportTier::Second);
    assert_eq!(
        d.candidate(AppealId(7)),
        None,
        "anna serves the first tier only"
    );
    assert_eq!(
        d.set_presence(boris, Available).expect("back"),
        [Movement::Assigned {
            appeal: AppealId(7),
            to: boris
        }]
    );
}

#[test]
fn a1_a2_the_specialist_who_reaches_out_first_holds_the_new_appeal() {
    // Busy and full: still theirs (they chose to write), past the limit like a manual take.
    let mut d = team(&[(1, Busy, 1, 1), (2, Available, 9, 5)]);
    d.arrive_for(AppealId(1), 0, vec![], SpecialistId(1))
        .expect("first");
    assert_eq!(
        d.arrive_for(AppealId(2), 0, vec![], SpecialistId(1)),
        Ok(Movement::Assigned {
            appeal: AppealId(2),
            to: SpecialistId(1)
        })
    );
    assert_eq!(d.specialist(SpecialistId(1)).map(|s| s.load), Some(2));
    // P4: in Do not disturb they take nothing; it is routed as any new appeal.
    let mut d = team(&[(1, DoNotDisturb, 1, 1), (2, Available, 1, 5)]);
    assert_eq!(
        d.arrive_for(AppealId(3), 0, vec![], SpecialistId(1)),
        Ok(Movement::Assigned {
            appeal: AppealId(3),
            to: SpecialistId(2)
        })
    );
    assert_eq!(
        d.arrive_for(AppealId(3), 0, vec![], SpecialistId(2)),
        Err(RoutingError::DuplicateAppeal(AppealId(3)))
    );
}

#[test]
fn a2_c5_the_card_s_responsible_specialist_is_routed_first() {
    let team_names = [
        (SpecialistId(1), "Кузнецов Дмитрий Игоревич".to_string()),
        (SpecialistId(2), "Смирнова Анна Сергеевна".to_string()),
    ];
    let responsible = responsible_specialists(&["Смирнова А. С.".to_string()], &team_names);
    assert_eq!(responsible, vec![SpecialistId(2)]);
    let mut d = team(&[(1, Available, 9, 3), (2, Available, 1, 3)]);
    assert_eq!(
        d.arrive(AppealId(1), 0, responsible),
        Ok(Movement::Assigned {
            appeal: AppealId(1),
            to: SpecialistId(2)
        })
    );
}

#[test]
fn a2_s5_a_vip_appeal_and_a_tighter_level_go_first_in_the_queue() {
    let mut d = team(&[(1, Available, 1, 1)]);
    d.arrive(AppealId(1), 0, vec![]).expect("held");
    let slow = appeal_priority(false, TimeDelta::hours(8));
    let fast = appeal_priority(false, TimeDelta::minutes(30));
    let vip = appeal_priority(true, TimeDelta::hours(8));
    for (appeal, priority) in [(2, slow), (3, fast), (4, vip)] {
        d.arrive(AppealId(appeal), priority, vec![])
            .expect("queued");
    }
    let next = |d: &mut Dispatcher, done: u64| match d.finish(AppealId(done)).as_deref() {
        Ok([Movement::Assigned { appeal, .. }]) => appeal.0,
        other => panic!("{other:?}"),
    };
    assert_eq!(next(&mut d, 1), 4, "the VIP first");
    assert_eq!(next(&mut d, 4), 3, "then the tighter reaction time");
    assert_eq!(next(&mut d, 3), 2);
}
