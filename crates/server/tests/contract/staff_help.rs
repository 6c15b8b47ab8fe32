//! W3: the staff line and each specialist's client identity on it, whatever the backend: no
//! staff line, no identity; made once per specialist (announced with `ClientUpserted`, with
//! their name and position), the same one afterwards and across a reopen, also for a specialist
//! who serves the staff line; its tokens are a client's of the staff line. And W1: a profile
//! set before a specialist joins a line is announced there when they join.

use linedesk_protocol::{Action, Event};
use linedesk_server::storage::{Storage, Subject};

use super::{NOW, Open, seed};

pub(super) fn identity_once_per_specialist<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let s = open(&path);
    let l = seed(&s);
    assert_eq!(s.staff_line().expect("none yet"), None);
    assert!(
        s.staff_client_token(l.anna, "h0", NOW + 60_000, NOW)
            .is_err(),
        "no staff line, no identity"
    );
    let staff = s.add_line("Техподдержка сотрудников").expect("line");
    assert!(!s.set_staff_line(Some(999)).expect("no such line"));
    assert!(s.set_staff_line(Some(staff)).expect("set"));
    assert_eq!(s.staff_line().expect("read"), Some(staff));
    let hash = linedesk_server::auth::hash_password("x").expect("hash");
    let pavel = s.add_specialist("pavel", &hash, "Павел").expect("pavel");
    s.serve_line(pavel, staff, 0, 5).expect("serve");
    s.apply(
        Subject::specialist(l.anna),
        "profile",
        &Action::SetProfile {
            name: "Анна".into(),
            position: "Ведущий специалист".into(),
        },
        NOW,
    )
    .expect("profile");
    // W1: Anna joins the staff line as one of its specialists too: her profile, set before,
    // is announced there right after she is named.
    s.serve_line(l.anna, staff, 0, 5)
        .expect("Anna serves the staff line");
    let staff_log = s
        .events_after(staff, 0, 1000)
        .expect("the staff line's log");
    assert!(
        staff_log.iter().any(|e| matches!(
            &e.event,
            Event::SpecialistProfiled { specialist, position, .. }
                if *specialist == l.anna && position == "Ведущий специалист"
        )),
        "{staff_log:?}"
    );

    let (help, events) = s
        .staff_client_token(l.anna, "h1", NOW + 60_000, NOW)
        .expect("help");
    assert_eq!(help.line, staff);
    let card = events
        .iter()
        .find_map(|e| match &e.event {
            Event::ClientUpserted { client, profile } if *client == help.client => {
                Some((e.line, profile.name.clone(), profile.position.clone()))
            }
            _ => None,
        })
        .expect("announced");
    assert_eq!(
        card,
        (
            staff,
            "Анна".to_string(),
            Some("Ведущий специалист".to_string())
        )
    );
    let owner = s.token_owner("h1", NOW).expect("token").expect("live");
    assert_eq!(owner.subject, Subject::client(help.client));
    assert_eq!(s.lines_of(owner.subject).expect("lines"), vec![staff]);

    let (again, events) = s
        .staff_client_token(l.anna, "h2", NOW + 60_000, NOW + 1)
        .expect("again");
    assert_eq!(again, help, "the same identity");
    assert!(events.is_empty(), "nothing announced again: {events:?}");
    let (vera, _) = s
        .staff_client_token(l.vera, "h3", NOW + 60_000, NOW + 2)
        .expect("vera");
    assert_ne!(vera.client, help.client, "one identity per specialist");
    drop(s);

    let s = open(&path);
    let (after, _) = s
        .staff_client_token(l.anna, "h4", NOW + 60_000, NOW + 3)
        .expect("after a reopen");
    assert_eq!(after, help);
    assert!(s.set_staff_line(None).expect("off"));
    assert_eq!(s.staff_line().expect("read"), None);
}
