//! C5 from the app's Administration view over the real server (issue 15, item 4): a line's
//! admin adds a client with the whole card and edits it; the line's live sessions get each
//! card (`ClientUpserted`); mistakes are refused naming the field and rule; another line's
//! admin is refused.

mod common;

use common::{http, http_get, next_event, subscribed, token, world};
use linedesk_protocol::line_admin::AdminClient;
use linedesk_protocol::{ClientProfile, Event};

fn id_of(w: &common::World, login: &str) -> u64 {
    w.storage
        .account_by_login(login)
        .expect("account")
        .expect(login)
        .subject
        .id
}

fn card() -> ClientProfile {
    ClientProfile {
        name: "Соколова Ирина".into(),
        connect_id: Some("1c-777".into()),
        company: Some("ООО Ромашка".into()),
        inn: Some("7707083893".into()),
        company_reg: Some("800123456".into()),
        its_contract: Some("ИТС ПРОФ до 2027-12-31".into()),
        support_params: Some("Линия 2".into()),
        department: Some("Бухгалтерия".into()),
        birth_date: Some("1985-04-12".into()),
        responsible: vec!["Анна".into()],
        ..ClientProfile::default()
    }
}

#[tokio::test]
async fn c5_a_line_admin_adds_and_edits_the_whole_card_and_the_line_sees_it() {
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
    let clients = format!("/api/lines/{}/admin/clients", w.line_a);

    let body = serde_json::to_vec(&card()).expect("json");
    let (status, answer) = http(w.addr, "POST", &clients, Some(&anna), &body).await;
    assert_eq!(status, 201, "{answer}");
    let added: AdminClient = serde_json::from_value(answer).expect("client");
    assert_eq!(added.card, card());
    let seen = next_event(&mut vera, |e| match e {
        Event::ClientUpserted { client, profile } if *client == added.id => Some(profile.clone()),
        _ => None,
    })
    .await;
    assert_eq!(seen.its_contract.as_deref(), Some("ИТС ПРОФ до 2027-12-31"));

    // Edited: the new card reaches the line too; the search finds it by company.
    let edited = ClientProfile {
        department: Some("Казначейство".into()),
        responsible: vec!["Анна".into(), "Вера".into()],
        ..card()
    };
    let one = format!("{clients}/{}", added.id);
    let body = serde_json::to_vec(&edited).expect("json");
    let (status, answer) = http(w.addr, "PUT", &one, Some(&anna), &body).await;
    assert_eq!(status, 200, "{answer}");
    let seen = next_event(&mut vera, |e| match e {
        Event::ClientUpserted { client, profile } if *client == added.id => Some(profile.clone()),
        _ => None,
    })
    .await;
    assert_eq!(seen.department.as_deref(), Some("Казначейство"));
    assert_eq!(seen.responsible.len(), 2);
    let (_, found) = http_get(w.addr, &format!("{clients}?q=ромашка"), Some(&anna)).await;
    let found: Vec<AdminClient> = serde_json::from_value(found).expect("hits");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].card, edited);

    // Mistakes, typed; nothing stored.
    for (bad, field, rule) in [
        (
            ClientProfile {
                inn: Some("7707083890".into()),
                ..card()
            },
            "inn",
            "card.inn",
        ),
        (
            ClientProfile {
                birth_date: Some("12.04.1985".into()),
                ..card()
            },
            "birth_date",
            "card.birth_date",
        ),
        (
            ClientProfile {
                name: " ".into(),
                ..card()
            },
            "name",
            "card.name_required",
        ),
    ] {
        let body = serde_json::to_vec(&bad).expect("json");
        let (status, answer) = http(w.addr, "PUT", &one, Some(&anna), &body).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(
            (answer["field"].as_str(), answer["rule"].as_str()),
            (Some(field), Some(rule))
        );
    }
    let twin = serde_json::to_vec(&ClientProfile {
        name: "Двойник".into(),
        ..card()
    })
    .expect("json");
    let (status, answer) = http(w.addr, "POST", &clients, Some(&anna), &twin).await;
    assert_eq!(
        (status, answer["field"].as_str()),
        (409, Some("connect_id"))
    );
    let (_, stored) = w
        .storage
        .clients_of(w.line_a)
        .expect("clients")
        .into_iter()
        .find(|(id, _)| *id == added.id)
        .expect("stored");
    assert_eq!(stored, edited);

    // Line B's admin: not line A's clients; line A's path: not line B's client.
    let boris = token(w.addr, "boris", "boris-pass").await;
    assert_eq!(http(w.addr, "PUT", &one, Some(&boris), &body).await.0, 403);
    let other = format!("{clients}/{}", w.client_b);
    assert_eq!(http(w.addr, "PUT", &other, Some(&anna), &body).await.0, 404);
}
