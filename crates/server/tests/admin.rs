//! Admin accounts over real sockets: login with role `admin`, no line session, and the admin
//! HTTP API (401 without a token, 403 for specialists and clients).

mod common;

use common::{Client, add_root, http, token, world};
use linedesk_protocol::{ErrorCode, ServerFrame};

#[tokio::test]
async fn an_admin_logs_in_as_admin_and_has_no_line_session() {
    let w = world().await;
    let root = add_root(w.storage.as_ref());
    let (status, body) =
        common::http_login(w.addr, r#"{"login":"root","password":"root-pass"}"#).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "admin");
    assert_eq!(body["id"], root);
    let token = body["token"].as_str().expect("token");
    let mut c = Client::connect(w.addr).await;
    assert!(matches!(
        c.hello(token).await,
        ServerFrame::Error {
            code: ErrorCode::Forbidden,
            ..
        }
    ));
    // Logins are unique across specialists, clients and admins.
    assert!(
        w.storage
            .add_admin("anna", "x")
            .expect_err("anna is a specialist")
            .to_string()
            .contains("already exists")
    );
}

#[tokio::test]
async fn the_admin_api_answers_401_without_a_token_and_403_to_specialists_and_clients() {
    let w = world().await;
    add_root(w.storage.as_ref());
    let anna = token(w.addr, "anna", "anna-pass").await;
    let client = token(w.addr, "ivanova", "ivanova-pass").await;
    let import = format!("/api/admin/lines/{}/clients/import", w.line_a);
    let routes: [(&str, &str, &[u8]); 4] = [
        ("GET", "/api/admin/lines", b""),
        ("POST", "/api/admin/lines", br#"{"name":"X"}"#),
        (
            "POST",
            "/api/admin/specialists",
            br#"{"login":"x","password":"x","name":"X","lines":[]}"#,
        ),
        ("POST", &import, b"name\nX\n"),
    ];
    for (method, path, body) in routes {
        let (status, answer) = http(w.addr, method, path, None, body).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (401, Some("unauthenticated")),
            "{path}"
        );
        let (status, _) = http(w.addr, method, path, Some(&"0".repeat(64)), body).await;
        assert_eq!(status, 401, "{path} with an unknown token");
        for who in [&anna, &client] {
            let (status, answer) = http(w.addr, method, path, Some(who), body).await;
            assert_eq!(
                (status, answer["code"].as_str()),
                (403, Some("forbidden")),
                "{path}"
            );
        }
    }
    let (_, lines) = http(
        w.addr,
        "GET",
        "/api/admin/lines",
        Some(&token(w.addr, "root", "root-pass").await),
        b"",
    )
    .await;
    assert_eq!(
        lines.as_array().map(Vec::len),
        Some(2),
        "nothing was added: {lines}"
    );
}

#[tokio::test]
async fn an_admin_sets_up_a_line_a_specialist_and_imports_clients() {
    let w = world().await;
    add_root(w.storage.as_ref());
    let root = token(w.addr, "root", "root-pass").await;
    let admin = |method: &'static str, path: String, body: &'static str| {
        let root = root.clone();
        async move { http(w.addr, method, &path, Some(&root), body.as_bytes()).await }
    };

    let (status, line) = admin("POST", "/api/admin/lines".into(), r#"{"name":"Линия В"}"#).await;
    assert_eq!(status, 201, "{line}");
    let line_c = line["id"].as_u64().expect("id");
    assert_eq!(line["name"], "Линия В");
    let (status, body) = admin("POST", "/api/admin/lines".into(), r#"{"name":"Линия В"}"#).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));
    let (status, body) = admin("POST", "/api/admin/lines".into(), r#"{"name":"  "}"#).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid")));
    let (status, body) = admin("POST", "/api/admin/lines".into(), r#"{"nom":"x"}"#).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_frame")));
    let (status, lines) = admin("GET", "/api/admin/lines".into(), "").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = lines
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(names, ["Линия А", "Линия Б", "Линия В"]);

    let body = format!(
        r#"{{"login":"gleb","password":"gleb-pass","name":"Глеб","lines":[{line_c}],"priority":3,"limit":2}}"#
    );
    let (status, created) = http(
        w.addr,
        "POST",
        "/api/admin/specialists",
        Some(&root),
        body.as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let gleb = created["id"].as_u64().expect("id");
    let mut c = Client::connect(w.addr).await;
    match c.hello(&token(w.addr, "gleb", "gleb-pass").await).await {
        ServerFrame::Welcome { id, lines, .. } => assert_eq!((id, lines), (gleb, vec![line_c])),
        other => panic!("{other:?}"),
    }
    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/specialists",
        Some(&root),
        body.as_bytes(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "login taken"
    );
    let (status, body) = admin(
        "POST",
        "/api/admin/specialists".into(),
        r#"{"login":"dan","password":"p","name":"Дан","lines":[999]}"#,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
    assert!(
        w.storage.account_by_login("dan").expect("lookup").is_none(),
        "nothing half-made"
    );

    let csv =
        "ФИО;E-mail;ИНН\nИванов;ivanov@example.com;7707083893\n;nobody@example.com;\nПетрова;;\n";
    let path = format!("/api/admin/lines/{line_c}/clients/import");
    let (status, report) = http(w.addr, "POST", &path, Some(&root), csv.as_bytes()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["imported"].as_u64(), report["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(report["problems"][0]["row"], 3);
    assert_eq!(report["problems"][0]["column"], "name");
    let (status, body) = http(
        w.addr,
        "POST",
        "/api/admin/lines/999/clients/import",
        Some(&root),
        csv.as_bytes(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("invalid")));
    let (status, body) = http(w.addr, "POST", &path, Some(&root), b"colour\nred\n").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );
}
