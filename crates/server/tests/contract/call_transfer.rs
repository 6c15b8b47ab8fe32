//! A3 for calls: a blind transfer rings the colleague on a leg of its own; the call and its
//! appeal move only when the colleague answers; a declined, cancelled or unanswered leg leaves
//! the call with the transferring specialist; each leg keeps its own recording.

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, CallEndReason, Event, Role};
use linedesk_server::auth::hash_password;
use linedesk_server::storage::{
    CallStage, RecordingSaved, Storage, StorageError, StoredEvent, Subject,
};

use super::{NOW, Open, done, fresh, seed};

fn rule(err: StorageError) -> &'static str {
    match err.rule() {
        Some(code) => code,
        None => panic!("expected a rule's refusal, got {err:?}"),
    }
}

fn leg_of(events: &[StoredEvent], to: u64) -> u64 {
    let leg = events
        .iter()
        .find_map(|e| match e.event {
            Event::CallTransferring { leg, to: t, .. } if t == to => Some(leg),
            _ => None,
        })
        .expect("transferring");
    assert!(
        events.iter().any(|e| matches!(e.event,
            Event::CallRinging { call, specialist: Some(s), from: Role::Client, key: None, .. }
                if call == leg && s == to)),
        "the leg rings the colleague like a client's call: {events:?}"
    );
    leg
}

pub(super) fn blind_transfer<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let hash = hash_password("x").expect("hash");
    let oleg = s.add_specialist("oleg", &hash, "Олег").expect("oleg");
    let (anna, vera, client) = (
        Subject::specialist(l.anna),
        Subject::specialist(l.vera),
        Subject::client(l.client),
    );
    let available = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    done(s.apply(anna, "p1", &available, NOW));
    let rang = done(s.apply(
        client,
        "c1",
        &Action::PlaceCall {
            line: l.line,
            client: None,
        },
        NOW,
    ));
    let call = rang
        .iter()
        .find_map(|e| match e.event {
            Event::CallRinging { call, .. } => Some(call),
            _ => None,
        })
        .expect("ringing");
    let transfer = |to: u64, reason: &str| Action::TransferCall {
        call,
        to,
        reason: reason.into(),
    };
    let ringing = s
        .apply(anna, "t0", &transfer(l.vera, "к бухгалтеру"), NOW)
        .expect_err("not connected yet");
    assert_eq!(rule(ringing), "call_transfer.not_connected");
    done(s.apply(anna, "a1", &Action::AnswerCall { call }, NOW + 1_000));

    // Who may receive it is the domain's rule, with its code.
    let offline = s
        .apply(anna, "t1", &transfer(l.vera, "к бухгалтеру"), NOW)
        .expect_err("Vera is offline");
    assert_eq!(rule(offline), "call_transfer.colleague_unavailable");
    done(s.apply(vera, "p2", &available, NOW));
    let to_self = s.apply(anna, "t2", &transfer(l.anna, "сама"), NOW);
    assert_eq!(rule(to_self.expect_err("to self")), "call_transfer.to_self");
    let stranger = s.apply(anna, "t3", &transfer(oleg, "к Олегу"), NOW);
    assert_eq!(
        rule(stranger.expect_err("Oleg is not on the line")),
        "call_transfer.not_on_line"
    );
    let not_hers = s.apply(vera, "t4", &transfer(l.vera, "себе"), NOW);
    assert_eq!(
        rule(not_hers.expect_err("not Vera's call")),
        "call_transfer.not_in_call"
    );
    let by_client = s.apply(client, "t5", &transfer(l.vera, "к Вере"), NOW);
    assert!(
        matches!(by_client, Err(StorageError::NotAllowed(_))),
        "{by_client:?}"
    );
    let no_reason = s.apply(anna, "t6", &transfer(l.vera, "  "), NOW);
    assert_eq!(
        rule(no_reason.expect_err("A3: a reason")),
        "appeal.reason_required"
    );

    // Declined: the leg ends, the call stays with Anna.
    let leg = leg_of(
        &done(s.apply(anna, "t7", &transfer(l.vera, "к бухгалтеру"), NOW + 2_000)),
        l.vera,
    );
    let twice = s.apply(anna, "t8", &transfer(l.vera, "ещё раз"), NOW);
    assert_eq!(
        rule(twice.expect_err("ringing already")),
        "call_transfer.already_transferring"
    );
    let cancel_by_vera = s.apply(
        vera,
        "h0",
        &Action::HangUp {
            call: leg,
            reason: CallEndReason::Cancelled,
        },
        NOW,
    );
    assert!(
        matches!(cancel_by_vera, Err(StorageError::Invalid(_))),
        "the colleague declines, never cancels: {cancel_by_vera:?}"
    );
    done(s.apply(
        vera,
        "h1",
        &Action::HangUp {
            call: leg,
            reason: CallEndReason::Declined,
        },
        NOW + 3_000,
    ));
    assert_eq!(stage(&s, call), CallStage::Connected);
    assert_eq!(stage(&s, leg), CallStage::Ended);

    // Not answered in time: Anna's app ends the leg `no_answer`; the call is still hers.
    let leg = leg_of(
        &done(s.apply(anna, "t9", &transfer(l.vera, "к бухгалтеру"), NOW + 4_000)),
        l.vera,
    );
    done(s.apply(
        anna,
        "h2",
        &Action::HangUp {
            call: leg,
            reason: CallEndReason::NoAnswer,
        },
        NOW + 34_000,
    ));
    assert_eq!(stage(&s, call), CallStage::Connected);

    // Answered: the appeal (A3, with the reason) and the client move to Vera; Anna's leg ends.
    let leg = leg_of(
        &done(s.apply(anna, "t10", &transfer(l.vera, "к бухгалтеру"), NOW + 35_000)),
        l.vera,
    );
    let moved = done(s.apply(vera, "a2", &Action::AnswerCall { call: leg }, NOW + 40_000));
    let kinds: Vec<&str> = moved
        .iter()
        .map(|e| match &e.event {
            Event::CallConnected { .. } => "connected",
            Event::AppealTransferred { to, reason, .. } => {
                assert_eq!((*to, reason.as_str()), (Some(l.vera), "к бухгалтеру"));
                "appeal"
            }
            Event::CallTransferred {
                call: c,
                leg: g,
                from,
                to,
                ..
            } => {
                assert_eq!((*c, *g, *from, *to), (call, leg, l.anna, l.vera));
                "transferred"
            }
            Event::CallEnded {
                call: c,
                reason: CallEndReason::Transferred,
                connected_ms: Some(39_000),
                ..
            } => {
                assert_eq!(*c, call);
                "ended"
            }
            _ => "other",
        })
        .filter(|k| *k != "other")
        .collect();
    assert_eq!(kinds, ["connected", "appeal", "transferred", "ended"]);
    assert_eq!(stage(&s, call), CallStage::Ended);
    assert_eq!(stage(&s, leg), CallStage::Connected);

    // Each leg's recording is its specialist's.
    let anna_rec = s.save_recording(anna, call, b"OggS-anna", 39_000, &[], NOW + 41_000);
    assert!(
        matches!(anna_rec, Ok(RecordingSaved::Done(_))),
        "{anna_rec:?}"
    );
    let wrong = s.save_recording(anna, leg, b"OggS-x", 1_000, &[], NOW + 41_000);
    assert!(
        matches!(wrong, Err(StorageError::NotAllowed(_))),
        "{wrong:?}"
    );

    // Vera hands it on to Anna; the client hangs up while it rings: the leg ends with it.
    let back = leg_of(
        &done(s.apply(
            vera,
            "t11",
            &Action::TransferCall {
                call: leg,
                to: l.anna,
                reason: "обратно".into(),
            },
            NOW + 50_000,
        )),
        l.anna,
    );
    let hung = done(s.apply(
        client,
        "h3",
        &Action::HangUp {
            call: leg,
            reason: CallEndReason::HungUp,
        },
        NOW + 60_000,
    ));
    assert!(hung.iter().any(|e| matches!(e.event,
        Event::CallEnded { call: c, reason: CallEndReason::Cancelled, .. } if c == back)));
    assert_eq!(stage(&s, back), CallStage::Ended);
    let vera_rec = s.save_recording(vera, leg, b"OggS-vera", 20_000, &[], NOW + 61_000);
    assert!(
        matches!(vera_rec, Ok(RecordingSaved::Done(_))),
        "{vera_rec:?}"
    );
    // The client can place a new call: nothing is left live.
    done(s.apply(
        client,
        "c2",
        &Action::PlaceCall {
            line: l.line,
            client: None,
        },
        NOW + 70_000,
    ));
}

fn stage<S: Storage>(s: &S, call: u64) -> CallStage {
    s.call(call).expect("read").expect("the call").stage
}
