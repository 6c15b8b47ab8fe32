//! C8 from the app's Administration view over the real server (issue 15, item 4): a line's
//! admin uploads a file, keeps quick replies carrying it (the line's specialists read them and
//! fetch the file), adds, rewrites and deletes KB articles (searchable at once); mistakes are
//! refused naming the entry and rule, nothing stored; the admin of another line is refused.

mod common;

use common::{http, http_get, raw_http, token, world};
use linedesk_protocol::line_admin::{AdminArticle, QuickReplies, QuickReplyFile};

fn id_of(w: &common::World, login: &str) -> u64 {
    w.storage
        .account_by_login(login)
        .expect("account")
        .expect(login)
        .subject
        .id
}

async fn grant(w: &common::World, line: u64, login: &str) {
    let root = token(w.addr, "root", "root-pass").await;
    let path = format!(
        "/api/admin/lines/{line}/specialists/{}/line-admin",
        id_of(w, login)
    );
    let (status, body) = http(w.addr, "PUT", &path, Some(&root), b"{\"line_admin\":true}").await;
    assert_eq!(status, 200, "{body}");
}

async fn upload(
    w: &common::World,
    line: u64,
    tok: &str,
    name: &str,
    bytes: &[u8],
) -> QuickReplyFile {
    let path = format!("/api/lines/{line}/admin/quick-reply-files?name={name}");
    let (status, _, body) = raw_http(w.addr, "POST", &path, Some(tok), None, bytes).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).expect("a file")
}

#[tokio::test]
async fn c8_a_line_admin_keeps_quick_replies_with_files_that_specialists_fetch() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    grant(&w, w.line_a, "anna").await;
    grant(&w, w.line_b, "boris").await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let pdf = b"%PDF-1.4 price list".to_vec();
    let file = upload(&w, w.line_a, &anna, "price.pdf", &pdf).await;
    assert_eq!(
        (file.name.as_str(), file.size),
        ("price.pdf", pdf.len() as u64)
    );

    let path = format!("/api/lines/{}/admin/quick-replies", w.line_a);
    let list = serde_json::json!({"replies": [
        {"title": " Прайс ", "text": "Высылаю прайс-лист.", "files": [{"id": file.id, "name": "", "size": 0}]},
        {"title": "Привет", "text": "Здравствуйте!"},
    ]});
    let (status, body) = http(
        w.addr,
        "PUT",
        &path,
        Some(&anna),
        list.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let stored: QuickReplies = serde_json::from_value(body).expect("replies");
    assert_eq!(stored.replies[0].title, "Прайс");
    assert_eq!(stored.replies[0].files, vec![file.clone()]);

    // Vera (a specialist of the line, no admin) reads them as the app's sync does, and fetches
    // the file.
    let vera = token(w.addr, "vera", "vera-pass").await;
    let (status, body) = http_get(
        w.addr,
        &format!("/api/lines/{}/quick-replies", w.line_a),
        Some(&vera),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["files"][0]["name"], "price.pdf");
    let fetch = format!("/api/lines/{}/quick-reply-files/{}", w.line_a, file.id);
    let (status, _, bytes) = raw_http(w.addr, "GET", &fetch, Some(&vera), None, b"").await;
    assert_eq!((status, bytes), (200, pdf));
    // Boris serves line B only: not its file.
    let boris = token(w.addr, "boris", "boris-pass").await;
    assert_eq!(
        raw_http(w.addr, "GET", &fetch, Some(&boris), None, b"")
            .await
            .0,
        403
    );
    // ... nor its quick replies, though he administers line B.
    let (status, _) = http(
        w.addr,
        "PUT",
        &path,
        Some(&boris),
        list.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 403);

    // Mistakes are refused whole, naming the entry: a title twice, another line's file.
    let twice = serde_json::json!({"replies": [
        {"title": "a", "text": "b"}, {"title": "a", "text": "c"},
    ]});
    let (status, body) = http(
        w.addr,
        "PUT",
        &path,
        Some(&anna),
        twice.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "replies.1.title");
    assert_eq!(body["rule"], "admin.duplicate_title");
    let other = upload(&w, w.line_b, &boris, "b.txt", b"line B").await;
    let foreign = serde_json::json!({"replies": [
        {"title": "a", "text": "b", "files": [{"id": other.id, "name": "b.txt", "size": 6}]},
    ]});
    let (status, _) = http(
        w.addr,
        "PUT",
        &path,
        Some(&anna),
        foreign.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 400);
    let (_, body) = http_get(w.addr, &path, Some(&anna)).await;
    let unchanged: QuickReplies = serde_json::from_value(body).expect("replies");
    assert_eq!(unchanged, stored, "nothing stored");
    // An empty file or no name: refused.
    let empty = format!("/api/lines/{}/admin/quick-reply-files?name=x.txt", w.line_a);
    assert_eq!(
        raw_http(w.addr, "POST", &empty, Some(&anna), None, b"")
            .await
            .0,
        400
    );
    let (status, _) = http(w.addr, "DELETE", &path, Some(&anna), b"").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn c8_a_line_admin_adds_rewrites_and_deletes_kb_articles() {
    let w = world().await;
    common::add_root(w.storage.as_ref());
    grant(&w, w.line_a, "anna").await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let kb = format!("/api/lines/{}/admin/kb", w.line_a);
    let article =
        serde_json::json!({"title": "Обмен с банком", "body": "Проверьте настройки обмена."});
    let (status, body) = http(
        w.addr,
        "POST",
        &kb,
        Some(&anna),
        article.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let added: AdminArticle = serde_json::from_value(body).expect("article");
    let (status, _) = http(
        w.addr,
        "POST",
        &kb,
        Some(&anna),
        article.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 409, "the title is taken");
    let no_body = serde_json::json!({"title": "Пусто", "body": "  "});
    let (status, body) = http(
        w.addr,
        "POST",
        &kb,
        Some(&anna),
        no_body.to_string().as_bytes(),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("body")));
    assert_eq!(body["rule"], "admin.empty");

    // Rewritten: the specialists' search finds the new words at once.
    let one = format!("{kb}/{}", added.id);
    let rewritten =
        serde_json::json!({"title": "Обмен с банком", "body": "Обновите сертификат ЭЦП."});
    let (status, body) = http(
        w.addr,
        "PUT",
        &one,
        Some(&anna),
        rewritten.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let found = w
        .storage
        .search_kb(w.line_a, "сертификат", 10)
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, added.id);
    let (_, body) = http_get(w.addr, &kb, Some(&anna)).await;
    let all: Vec<AdminArticle> = serde_json::from_value(body).expect("articles");
    assert_eq!(all.len(), 1);

    // Another line's admin: refused; deleted once, then not found.
    grant(&w, w.line_b, "boris").await;
    let boris = token(w.addr, "boris", "boris-pass").await;
    assert_eq!(http(w.addr, "DELETE", &one, Some(&boris), b"").await.0, 403);
    assert_eq!(http(w.addr, "DELETE", &one, Some(&anna), b"").await.0, 200);
    assert_eq!(http(w.addr, "DELETE", &one, Some(&anna), b"").await.0, 404);
    assert!(
        w.storage
            .search_kb(w.line_a, "сертификат", 10)
            .expect("search")
            .is_empty()
    );
}
