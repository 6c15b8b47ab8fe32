//! Issue 18: a call through the company's PBX kept on the client's appeal (`LogPbxCall`): it
//! opens the client's appeal when none is open, reuses the open one after (A1, even when a
//! colleague holds it: the call took place), is stored ended with the time the two talked,
//! and its recording attaches to it as a line call's, by its specialist only. Refused: a
//! client logging one, a line not served, a call longer than a day.

use linedesk_protocol::{Action, AppealChannel, Event, MAX_PBX_CALL_MS};
use linedesk_server::storage::{CallStage, RecordingSaved, Storage, StorageError, Subject};

use super::{NOW, Open, done, fresh, seed};

fn logged(events: &[linedesk_server::storage::StoredEvent]) -> (u64, u64) {
    events
        .iter()
        .find_map(|e| match e.event {
            Event::PbxCallLogged { call, appeal, .. } => Some((call, appeal)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no PbxCallLogged in {events:?}"))
}

pub(super) fn kept_on_the_clients_appeal<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let (anna, vera, client) = (
        Subject::specialist(l.anna),
        Subject::specialist(l.vera),
        Subject::client(l.client),
    );
    let call = |inbound, connected_ms| Action::LogPbxCall {
        line: l.line,
        client: l.client,
        inbound,
        connected_ms,
    };

    // A1: the first opens the client's appeal, a call's, with the call on it.
    let events = done(s.apply(anna, "pbx-1", &call(false, 42_000), NOW));
    let (first, appeal) = logged(&events);
    assert!(
        events.iter().any(|e| matches!(
            e.event,
            Event::AppealOpened { appeal: a, channel: AppealChannel::Call, .. } if a == appeal
        )),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            &e.event,
            Event::PbxCallLogged { specialist, inbound: false, connected_ms: 42_000, key: Some(k), .. }
                if *specialist == l.anna && k == "pbx-1"
        )),
        "{events:?}"
    );
    let stored = s.call(first).expect("read").expect("the call");
    assert_eq!(
        (stored.stage, stored.appeal, stored.specialist),
        (CallStage::Ended, appeal, Some(l.anna))
    );

    // Its recording attaches as a line call's: by its specialist only, once.
    let not_hers = s.save_recording(vera, first, b"OggS", 1_000, &[], NOW);
    assert!(
        matches!(not_hers, Err(StorageError::NotAllowed(_))),
        "{not_hers:?}"
    );
    let saved = s.save_recording(anna, first, b"OggS1", 41_000, &[], NOW + 1_000);
    assert!(
        matches!(&saved, Ok(RecordingSaved::Done(e))
            if matches!(e.event, Event::CallRecorded { call, appeal: a, .. } if call == first && a == appeal)),
        "{saved:?}"
    );

    // The client called back through the PBX and Vera answered: the same open appeal.
    let events = done(s.apply(vera, "pbx-2", &call(true, 5_000), NOW + 60_000));
    let (second, again) = logged(&events);
    assert_ne!(second, first);
    assert_eq!(again, appeal, "the open appeal is reused");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.event, Event::AppealOpened { .. })),
        "{events:?}"
    );

    // The same key is the same call.
    assert!(
        matches!(
            s.apply(anna, "pbx-1", &call(false, 42_000), NOW),
            Ok(linedesk_server::storage::Applied::Duplicate)
        ),
        "a duplicate"
    );

    let by_client = s
        .apply(client, "pbx-3", &call(true, 1_000), NOW)
        .expect_err("a client logs no PBX call");
    assert!(
        matches!(by_client, StorageError::NotAllowed(_)),
        "{by_client:?}"
    );
    let too_long = s
        .apply(anna, "pbx-4", &call(false, MAX_PBX_CALL_MS + 1), NOW)
        .expect_err("longer than a day");
    assert!(matches!(too_long, StorageError::Invalid(_)), "{too_long:?}");
    let other_line = Action::LogPbxCall {
        line: l.line + 100,
        client: l.client,
        inbound: false,
        connected_ms: 1_000,
    };
    let not_served = s
        .apply(anna, "pbx-5", &other_line, NOW)
        .expect_err("a line she does not serve");
    assert!(
        matches!(not_served, StorageError::Forbidden(_)),
        "{not_served:?}"
    );
}
