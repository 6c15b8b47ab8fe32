//! C6: a group around a client, whatever the backend: made with colleagues of the line only,
//! its members kept in the order they joined and across a reopen, the domain's group rules
//! answered with their codes, its messages in the line's log.

use linedesk_protocol::{Action, Event};
use linedesk_server::storage::{Storage, StorageError, Subject};

use super::{NOW, Open, done, seed};

fn rule<T: std::fmt::Debug>(outcome: Result<T, StorageError>) -> Option<&'static str> {
    match outcome {
        Err(e) => e.rule(),
        Ok(other) => panic!("expected a refusal, got {other:?}"),
    }
}

pub(super) fn members_and_messages<S: Storage>(open: Open<'_, S>) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.db");
    let s = open(&path);
    let l = seed(&s);
    let (anna, vera) = (Subject::specialist(l.anna), Subject::specialist(l.vera));
    let create = |members: Vec<u64>| Action::CreateGroup {
        line: l.line,
        client: l.client,
        title: "Сверка".into(),
        members,
    };
    // Nobody from outside the line.
    assert_eq!(
        rule(s.apply(anna, "g0", &create(vec![999]), NOW)),
        Some("group.not_on_line")
    );
    let made = done(s.apply(anna, "g1", &create(vec![l.vera]), NOW));
    let (group, members) = made
        .iter()
        .find_map(|e| match &e.event {
            Event::GroupCreated { group, members, .. } => Some((*group, members.clone())),
            _ => None,
        })
        .expect("created");
    let ids: Vec<u64> = members.iter().map(|m| m.specialist).collect();
    assert_eq!(ids, [l.anna, l.vera], "the creator first");
    let post = |text: &str| Action::GroupMessage {
        group,
        text: text.into(),
    };
    done(s.apply(
        Subject::client(l.client),
        "c1",
        &post("Здравствуйте"),
        NOW + 1,
    ));
    done(s.apply(
        vera,
        "r1",
        &Action::RemoveGroupMember {
            group,
            specialist: l.anna,
        },
        NOW + 2,
    ));
    assert_eq!(
        rule(s.apply(anna, "a2", &post("Я тут"), NOW + 3)),
        Some("group.not_member")
    );
    drop(s);

    // Reopened: the members are as they were.
    let s = open(&path);
    assert_eq!(
        rule(s.apply(
            vera,
            "r2",
            &Action::RemoveGroupMember {
                group,
                specialist: l.vera,
            },
            NOW + 4,
        )),
        Some("group.last_specialist")
    );
    done(s.apply(
        vera,
        "a3",
        &Action::AddGroupMember {
            group,
            specialist: l.anna,
        },
        NOW + 5,
    ));
    let posted = done(s.apply(anna, "a4", &post("Вернулась"), NOW + 6));
    assert!(posted.iter().any(|e| matches!(&e.event,
        Event::GroupMessagePosted { group: g, from_specialist: Some(by), .. }
            if *g == group && *by == l.anna)));
}
