//! Taking a specialist off a line (A2): the appeals they held move on with their events, and
//! nothing is routed to them there again, before or after a reopen.

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event};
use linedesk_server::storage::{Storage, StoredEvent, Subject};

use super::{NOW, Open, done, message, seed};

fn assigned_to(events: &[StoredEvent]) -> Vec<(u64, u64)> {
    events
        .iter()
        .filter_map(|e| match e.event {
            Event::AppealAssigned {
                appeal, specialist, ..
            } => Some((appeal, specialist)),
            _ => None,
        })
        .collect()
}

pub(super) fn removed_from_line<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let s = open(&path);
    let l = seed(&s);
    let presence = |status| Action::SetPresence { status };
    let (anna, vera) = (Subject::specialist(l.anna), Subject::specialist(l.vera));
    done(s.apply(anna, "p1", &presence(PresenceStatus::Available), NOW));
    let opened = done(s.apply(Subject::client(l.client), "m1", &message("Помогите"), NOW));
    let [(appeal, holder)] = assigned_to(&opened)[..] else {
        panic!("assigned once: {opened:?}");
    };
    assert_eq!(holder, l.anna);

    // Vera is Offline: Anna's appeal waits in the queue, then goes to Vera when she comes.
    let moved = s
        .remove_from_line(l.anna, l.line, NOW + 1)
        .expect("removed");
    assert!(
        moved
            .iter()
            .any(|e| matches!(e.event, Event::AppealQueued { appeal: a, .. } if a == appeal)),
        "{moved:?}"
    );
    let back = done(s.apply(vera, "p2", &presence(PresenceStatus::Available), NOW + 2));
    assert_eq!(assigned_to(&back), [(appeal, l.vera)]);
    assert!(
        s.remove_from_line(l.anna, l.line, NOW + 3).is_err(),
        "she no longer serves it"
    );

    // Anna Available again: still nothing of the line reaches her, now or after a reopen.
    done(s.apply(anna, "p3", &presence(PresenceStatus::Available), NOW + 4));
    let other = s.add_client(l.line, "Петров").expect("client");
    let second = done(s.apply(Subject::client(other), "m2", &message("Тоже"), NOW + 5));
    assert!(
        assigned_to(&second).iter().all(|(_, to)| *to == l.vera),
        "{second:?}"
    );
    drop(s);
    let s = open(&path);
    let third_client = s.add_client(l.line, "Сидоров").expect("client");
    let third = done(s.apply(
        Subject::client(third_client),
        "m3",
        &message("И я"),
        NOW + 6,
    ));
    assert!(
        assigned_to(&third).iter().all(|(_, to)| *to == l.vera),
        "{third:?}"
    );
}
