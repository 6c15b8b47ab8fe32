//! A2 and the line's roles set by a line's admin over the real server (issue 15, item 4): the
//! team listed, a colleague's priority, limit and supervisor role changed, routing following
//! the new priority at once (the next appeal goes to them), and the typed refusals: a limit out
//! of range, the admin's own admin role, another line's admin, a specialist not on the line.

mod common;

use common::{Client, http, http_get, next_event, subscribed, token, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::line_admin::TeamMember;
use linedesk_protocol::reports::ReportAccess;
use linedesk_protocol::{Action, Event};

fn id_of(w: &common::World, login: &str) -> u64 {
    w.storage
        .account_by_login(login)
        .expect("account")
        .expect(login)
        .subject
        .id
}

fn settings(priority: u8, limit: u32, supervisor: bool, line_admin: bool) -> Vec<u8> {
    serde_json::json!({
        "priority": priority, "limit": limit, "supervisor": supervisor, "line_admin": line_admin
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a2_a_line_admin_sets_priority_limit_and_roles_and_routing_follows() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let (anna, vera, boris) = (id_of(&w, "anna"), id_of(&w, "vera"), id_of(&w, "boris"));
    let root = token(w.addr, "root", "root-pass").await;
    let grant = format!(
        "/api/admin/lines/{}/specialists/{anna}/line-admin",
        w.line_a
    );
    assert_eq!(
        http(w.addr, "PUT", &grant, Some(&root), b"{\"line_admin\":true}")
            .await
            .0,
        200
    );
    let tok = token(w.addr, "anna", "anna-pass").await;

    let team_path = format!("/api/lines/{}/admin/specialists", w.line_a);
    let (status, body) = http_get(w.addr, &team_path, Some(&tok)).await;
    assert_eq!(status, 200, "{body}");
    let team: Vec<TeamMember> = serde_json::from_value(body).expect("team");
    let names: Vec<&str> = team.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["Анна", "Вера"]);
    assert_eq!(team[0].login, "anna");
    assert_eq!(
        (
            team[0].settings.priority,
            team[0].settings.limit,
            team[0].settings.line_admin
        ),
        (5, 5, true)
    );
    assert_eq!((team[1].settings.priority, team[1].settings.limit), (0, 1));

    // Vera: first in routing now, three appeals at once, the line's supervisor.
    let vera_path = format!("{team_path}/{vera}");
    let (status, body) = http(
        w.addr,
        "PUT",
        &vera_path,
        Some(&tok),
        &settings(9, 3, true, false),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let member: TeamMember = serde_json::from_value(body).expect("member");
    assert_eq!((member.settings.priority, member.settings.limit), (9, 3));
    assert!(member.settings.supervisor && !member.settings.line_admin);
    let vera_tok = token(w.addr, "vera", "vera-pass").await;
    let (_, body) = http_get(w.addr, "/api/reports/lines", Some(&vera_tok)).await;
    let access: ReportAccess = serde_json::from_value(body).expect("access");
    assert!(
        access
            .lines
            .iter()
            .any(|l| l.line == w.line_a && l.supervisor)
    );

    // Routing follows at once: both available, the next appeal goes to Vera, not Anna.
    let mut anna_ws = subscribed(&w, "anna", "anna-pass").await;
    let mut vera_ws = subscribed(&w, "vera", "vera-pass").await;
    for (c, key) in [(&mut anna_ws, "anna-on"), (&mut vera_ws, "vera-on")] {
        common::ack(
            c,
            key,
            Action::SetPresence {
                status: PresenceStatus::Available,
            },
        )
        .await;
    }
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    common::ack(
        &mut ivanova,
        "ask-1",
        Action::ClientMessage {
            text: "Не проходит обмен".into(),
        },
    )
    .await;
    let assigned = next_event(&mut anna_ws, |e| match e {
        Event::AppealAssigned { specialist, .. } => Some(*specialist),
        _ => None,
    })
    .await;
    assert_eq!(assigned, vera, "the higher priority takes it");

    // Refusals, typed; nothing changes.
    let (status, body) = http(
        w.addr,
        "PUT",
        &vera_path,
        Some(&tok),
        &settings(9, 0, true, false),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("limit")));
    assert_eq!(body["rule"], "team.bad_limit");
    let own = format!("{team_path}/{anna}");
    let (status, body) = http(
        w.addr,
        "PUT",
        &own,
        Some(&tok),
        &settings(5, 5, false, false),
    )
    .await;
    assert_eq!(
        (status, body["rule"].as_str()),
        (400, Some("team.own_admin_role"))
    );
    let stranger = format!("{team_path}/{boris}");
    let (status, _) = http(
        w.addr,
        "PUT",
        &stranger,
        Some(&tok),
        &settings(1, 1, false, false),
    )
    .await;
    assert_eq!(status, 404, "Boris does not serve line A");
    let boris_tok = token(w.addr, "boris", "boris-pass").await;
    let grant_b = format!(
        "/api/admin/lines/{}/specialists/{boris}/line-admin",
        w.line_b
    );
    assert_eq!(
        http(
            w.addr,
            "PUT",
            &grant_b,
            Some(&root),
            b"{\"line_admin\":true}"
        )
        .await
        .0,
        200
    );
    let (status, _) = http(
        w.addr,
        "PUT",
        &vera_path,
        Some(&boris_tok),
        &settings(0, 1, false, false),
    )
    .await;
    assert_eq!(status, 403, "line B's admin on line A");
    assert_eq!(http_get(w.addr, &team_path, Some(&boris_tok)).await.0, 403);
    let team: Vec<TeamMember> = w.storage.team(w.line_a).expect("team");
    assert_eq!(team[1].settings.priority, 9, "unchanged by the refusals");
}

/// T2: a line's admin lists the line's ticket queues and adds one; its name reaches the line's
/// live sessions; an empty name or one the line has already is refused; another line's admin
/// is refused.
#[tokio::test]
async fn t2_a_line_admin_adds_a_ticket_queue() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    let root = token(w.addr, "root", "root-pass").await;
    for (line, login) in [(w.line_a, "anna"), (w.line_b, "boris")] {
        let path = format!(
            "/api/admin/lines/{line}/specialists/{}/line-admin",
            id_of(&w, login)
        );
        assert_eq!(
            http(w.addr, "PUT", &path, Some(&root), b"{\"line_admin\":true}")
                .await
                .0,
            200
        );
    }
    let anna = token(w.addr, "anna", "anna-pass").await;
    let mut vera = subscribed(&w, "vera", "vera-pass").await;
    let queues = format!("/api/lines/{}/admin/queues", w.line_a);
    let (status, before) = http_get(w.addr, &queues, Some(&anna)).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before[0]["name"], "Первая линия", "the default queue first");
    let (status, added) = http(
        w.addr,
        "POST",
        &queues,
        Some(&anna),
        "{\"name\":\" Вторая линия \"}".as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["name"], "Вторая линия");
    let named = next_event(&mut vera, |e| match e {
        Event::TicketQueueNamed { name, .. } => Some(name.clone()),
        _ => None,
    })
    .await;
    assert_eq!(named, "Вторая линия");
    let (status, _) = http(
        w.addr,
        "POST",
        &queues,
        Some(&anna),
        "{\"name\":\"Вторая линия\"}".as_bytes(),
    )
    .await;
    assert_eq!(status, 409);
    let (status, body) = http(w.addr, "POST", &queues, Some(&anna), b"{\"name\":\"  \"}").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("name")));
    let boris = token(w.addr, "boris", "boris-pass").await;
    assert_eq!(
        http(w.addr, "POST", &queues, Some(&boris), b"{\"name\":\"x\"}")
            .await
            .0,
        403
    );
    assert_eq!(w.storage.ticket_queues(w.line_a).expect("queues").len(), 2);
}
