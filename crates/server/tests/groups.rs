//! Issue 16, item 1 (C6) through the wire: a specialist makes a group with the client and a
//! colleague from the client's chat; members add and remove colleagues; the group's
//! specialists and its client write in it and the client sees the group live and in its
//! replay; the domain's group rules answer with their codes; a restart keeps the group.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use common::{Client, ack, events, next_event, submit, world};
use linedesk_protocol::{Action, ErrorCode, Event, GroupMember, ServerFrame};
use linedesk_server::app::{Server, serve};
use linedesk_server::config::HttpPolicy;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sqlite::SqliteStorage;

const ANNA: u64 = 1;
const BORIS: u64 = 2;
const VERA: u64 = 3;

fn refusal(frame: ServerFrame) -> (ErrorCode, Option<String>) {
    match frame {
        ServerFrame::Error { code, rule, .. } => (code, rule),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Every event the client `login` replays from `line`.
async fn client_replay(w: &common::World, login: &str) -> Vec<Event> {
    let mut c = Client::signed_in(w.addr, login, &format!("{login}-pass")).await;
    events(&mut c, w.line_a, 0).await
}

#[tokio::test]
async fn c6_a_group_with_the_client_and_colleagues_is_made_changed_and_written_in() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut vera = Client::signed_in(w.addr, "vera", "vera-pass").await;
    events(&mut vera, w.line_a, 0).await;
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    events(&mut ivanova, w.line_a, 0).await;

    ack(
        &mut anna,
        "g1",
        Action::CreateGroup {
            line: w.line_a,
            client: w.client_a,
            title: "  Обмен с банком  ".into(),
            members: vec![VERA, ANNA],
        },
    )
    .await;
    // The client sees the group live, with its members' names and no key of anyone's.
    let (group, members) = next_event(&mut ivanova, |e| match e {
        Event::GroupCreated {
            group,
            client,
            title,
            by: ANNA,
            members,
            ..
        } if *client == w.client_a && title == "Обмен с банком" => {
            Some((*group, members.clone()))
        }
        _ => None,
    })
    .await;
    assert_eq!(
        members,
        [
            GroupMember {
                specialist: ANNA,
                name: "Анна".into()
            },
            GroupMember {
                specialist: VERA,
                name: "Вера".into()
            }
        ]
    );
    // The colleague's session of the line sees it too, and writes.
    next_event(&mut vera, |e| {
        matches!(e, Event::GroupCreated { group: g, .. } if *g == group).then_some(())
    })
    .await;
    ack(
        &mut vera,
        "v1",
        Action::GroupMessage {
            group,
            text: "Подключаюсь, посмотрю выгрузку".into(),
        },
    )
    .await;
    let from = next_event(&mut ivanova, |e| match e {
        Event::GroupMessagePosted {
            group: g,
            from_specialist,
            text,
            ..
        } if *g == group && text == "Подключаюсь, посмотрю выгрузку" => {
            Some(*from_specialist)
        }
        _ => None,
    })
    .await;
    assert_eq!(from, Some(VERA));
    // The client answers in the group.
    ack(
        &mut ivanova,
        "c1",
        Action::GroupMessage {
            group,
            text: "Спасибо!".into(),
        },
    )
    .await;
    let from = next_event(&mut vera, |e| match e {
        Event::GroupMessagePosted {
            group: g,
            from_specialist,
            text,
            ..
        } if *g == group && text == "Спасибо!" => Some(*from_specialist),
        _ => None,
    })
    .await;
    assert_eq!(from, None);

    // Anna leaves; she may no longer write in it, Vera may not leave as its last specialist.
    ack(
        &mut anna,
        "g-leave",
        Action::RemoveGroupMember {
            group,
            specialist: ANNA,
        },
    )
    .await;
    let (code, rule) = refusal(
        submit(
            &mut anna,
            "a-late",
            Action::GroupMessage {
                group,
                text: "Ещё вопрос".into(),
            },
        )
        .await,
    );
    assert_eq!(
        (code, rule.as_deref()),
        (ErrorCode::Invalid, Some("group.not_member"))
    );
    let (_, rule) = refusal(
        submit(
            &mut vera,
            "v-leave",
            Action::RemoveGroupMember {
                group,
                specialist: VERA,
            },
        )
        .await,
    );
    assert_eq!(rule.as_deref(), Some("group.last_specialist"));
    // Vera brings Anna back; Boris serves another line and cannot be added.
    ack(
        &mut vera,
        "v-add",
        Action::AddGroupMember {
            group,
            specialist: ANNA,
        },
    )
    .await;
    let (_, rule) = refusal(
        submit(
            &mut vera,
            "v-boris",
            Action::AddGroupMember {
                group,
                specialist: BORIS,
            },
        )
        .await,
    );
    assert_eq!(rule.as_deref(), Some("group.not_on_line"));

    // The client's replay holds the whole story of the group, in order.
    let story: Vec<String> = client_replay(&w, "ivanova")
        .await
        .into_iter()
        .filter_map(|e| match e {
            Event::GroupCreated { group: g, .. } if g == group => Some("created".into()),
            Event::GroupMessagePosted { group: g, text, .. } if g == group => Some(text),
            Event::GroupMemberRemoved {
                group: g,
                specialist,
                by,
                ..
            } if g == group => Some(format!("removed {specialist} by {by}")),
            Event::GroupMemberAdded {
                group: g, member, ..
            } if g == group => Some(format!("added {}", member.name)),
            _ => None,
        })
        .collect();
    assert_eq!(
        story,
        [
            "created",
            "Подключаюсь, посмотрю выгрузку",
            "Спасибо!",
            "removed 1 by 1",
            "added Анна"
        ]
    );
    // Another client of the line sees none of it.
    let other = client_replay(&w, "sidorov").await;
    assert!(!other.iter().any(|e| matches!(
        e,
        Event::GroupCreated { .. } | Event::GroupMessagePosted { .. }
    )));
}

#[tokio::test]
async fn c6_who_may_touch_a_group_is_checked_at_the_wire() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let mut boris = Client::signed_in(w.addr, "boris", "boris-pass").await;
    let mut sidorov = Client::signed_in(w.addr, "sidorov", "sidorov-pass").await;
    // Nobody from another line, and no colleague from another line.
    let (code, _) = refusal(
        submit(
            &mut boris,
            "b1",
            Action::CreateGroup {
                line: w.line_a,
                client: w.client_a,
                title: "Чужая".into(),
                members: vec![],
            },
        )
        .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);
    let (_, rule) = refusal(
        submit(
            &mut anna,
            "a0",
            Action::CreateGroup {
                line: w.line_a,
                client: w.client_a,
                title: "С Борисом".into(),
                members: vec![BORIS],
            },
        )
        .await,
    );
    assert_eq!(rule.as_deref(), Some("group.not_on_line"));
    // A title is needed, and a bounded list of members.
    let (code, _) = refusal(
        submit(
            &mut anna,
            "a1",
            Action::CreateGroup {
                line: w.line_a,
                client: w.client_a,
                title: "   ".into(),
                members: vec![],
            },
        )
        .await,
    );
    assert_eq!(code, ErrorCode::Invalid);
    match submit(
        &mut anna,
        "a2",
        Action::CreateGroup {
            line: w.line_a,
            client: w.client_a,
            title: "Много".into(),
            members: (1..=40).collect(),
        },
    )
    .await
    {
        ServerFrame::Error { code, field, .. } => {
            assert_eq!(
                (code, field.as_deref()),
                (ErrorCode::TooLong, Some("members"))
            )
        }
        other => panic!("{other:?}"),
    }
    ack(
        &mut anna,
        "a3",
        Action::CreateGroup {
            line: w.line_a,
            client: w.client_a,
            title: "Только я".into(),
            members: vec![],
        },
    )
    .await;
    let log = events(&mut anna, w.line_a, 0).await;
    let group = log
        .iter()
        .find_map(|e| match e {
            Event::GroupCreated { group, key, .. } if key.as_deref() == Some("a3") => Some(*group),
            _ => None,
        })
        .expect("created, with the creator's key");
    // Another client of the line cannot write in it; Boris cannot touch it.
    let (code, _) = refusal(
        submit(
            &mut sidorov,
            "s1",
            Action::GroupMessage {
                group,
                text: "Я тоже".into(),
            },
        )
        .await,
    );
    assert_eq!(code, ErrorCode::Invalid);
    let (code, _) = refusal(
        submit(
            &mut boris,
            "b2",
            Action::AddGroupMember {
                group,
                specialist: BORIS,
            },
        )
        .await,
    );
    assert_eq!(code, ErrorCode::Forbidden);

    // The group outlives the server: a new server on the same database knows its members.
    drop((anna, boris, sidorov));
    let addr = reopened(&w).await;
    let mut vera = Client::signed_in(addr, "vera", "vera-pass").await;
    let (_, rule) = refusal(
        submit(
            &mut vera,
            "v1",
            Action::GroupMessage {
                group,
                text: "Можно?".into(),
            },
        )
        .await,
    );
    assert_eq!(rule.as_deref(), Some("group.not_member"));
    let mut anna = Client::signed_in(addr, "anna", "anna-pass").await;
    ack(
        &mut anna,
        "a4",
        Action::AddGroupMember {
            group,
            specialist: VERA,
        },
    )
    .await;
    ack(
        &mut vera,
        "v2",
        Action::GroupMessage {
            group,
            text: "Теперь можно".into(),
        },
    )
    .await;
}

/// A second server over `w`'s database (its routing and groups read from what is stored).
async fn reopened(w: &common::World) -> SocketAddr {
    let storage = Arc::new(SqliteStorage::open(&w.dir.path().join("server.db")).expect("reopen"));
    let server = Server::built(
        storage,
        linedesk_server::presence::OFFLINE_GRACE,
        HttpPolicy::default(),
        SessionLimits::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { serve(listener, server).await });
    addr
}
