//! Quick replies and the knowledge base: checked files (nothing partial), and the bearer-token
//! HTTP reads over a real server: 401 without a token, 403 for another line, Cyrillic search
//! in any case.

mod common;

use common::{http_get, token, world};
use linedesk_protocol::encode_query_value as encode;
use linedesk_server::knowledge::{load_kb, load_quick_replies, parse_kb, parse_quick_replies};

const REPLIES: &str = r#"
[[reply]]
title = "Приветствие"
text = "Здравствуйте! Чем могу помочь?"

[[reply]]
title = "Прощание"
text = "Всего доброго!"
"#;

const KB: &str = r#"
[[article]]
title = "Не проводится документ"
body = """Проверьте дату запрета изменения данных и права пользователя."""

[[article]]
title = "Обмен с банком"
body = "Выгрузите платёжные поручения в формате 1С:Предприятие — Клиент банка."

[[article]]
title = "Ёлки и праздничный график"
body = "Как настроить производственный календарь."
"#;

#[test]
fn files_are_checked_whole_and_mistakes_named() {
    assert_eq!(
        parse_quick_replies("replies.toml", REPLIES)
            .expect("good")
            .len(),
        2
    );
    assert_eq!(parse_kb("kb.toml", KB).expect("good").len(), 3);
    for (text, expected) in [
        (
            REPLIES.replace("Всего доброго!", " "),
            "replies.toml: reply 2 \"Прощание\": text: empty",
        ),
        (
            REPLIES.replace("Прощание", "Приветствие"),
            "replies.toml: reply 2 \"Приветствие\": title: already reply 1",
        ),
        (
            REPLIES.replace("text = \"Всего", "txt = \"Всего"),
            "replies.toml: reply 2 \"Прощание\": unknown field",
        ),
        (
            REPLIES.replace("[[reply]]", "[[replies]]"),
            "replies.toml: unknown key \"replies\"",
        ),
    ] {
        let message = parse_quick_replies("replies.toml", &text)
            .expect_err("bad")
            .to_string();
        assert!(message.starts_with(expected), "{expected} <- {message}");
    }
    let message = parse_kb("kb.toml", &KB.replace("body = \"Как", "bodi = \"Как"))
        .expect_err("bad")
        .to_string();
    assert!(
        message.starts_with("kb.toml: article 3 \"Ёлки и праздничный график\": "),
        "{message}"
    );
    let long = format!(
        "[[article]]\ntitle = \"Длинная\"\nbody = \"{}\"\n",
        "я".repeat(50_001)
    );
    let message = parse_kb("kb.toml", &long)
        .expect_err("too long")
        .to_string();
    assert_eq!(
        message,
        "kb.toml: article 1 \"Длинная\": body: longer than 50000 characters"
    );
}

#[tokio::test]
async fn quick_replies_and_kb_over_http_with_a_bearer_token() {
    let w = world().await;
    let dir = tempfile::tempdir().expect("dir");
    let (replies, kb, broken) = (
        dir.path().join("replies.toml"),
        dir.path().join("kb.toml"),
        dir.path().join("broken.toml"),
    );
    std::fs::write(&replies, REPLIES).expect("write");
    std::fs::write(&kb, KB).expect("write");
    assert_eq!(
        load_quick_replies(w.storage.as_ref(), w.line_a, &replies).expect("replies"),
        2
    );
    assert_eq!(load_kb(w.storage.as_ref(), w.line_a, &kb).expect("kb"), 3);
    std::fs::write(
        &broken,
        KB.replace("title = \"Обмен с банком\"", "title = \"\""),
    )
    .expect("write");
    let err = load_kb(w.storage.as_ref(), w.line_a, &broken).expect_err("bad");
    assert!(
        err.to_string()
            .starts_with("broken.toml: article 2 \"\": title: empty"),
        "{err}"
    );
    assert_eq!(
        w.storage.search_kb(w.line_a, "", 50).expect("kb").len(),
        3,
        "nothing partial"
    );

    let anna = token(w.addr, "anna", "anna-pass").await;
    let boris = token(w.addr, "boris", "boris-pass").await;
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;
    let replies_path = format!("/api/lines/{}/quick-replies", w.line_a);

    let (status, body) = http_get(w.addr, &replies_path, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, _) = http_get(w.addr, &replies_path, Some(&"0".repeat(64))).await;
    assert_eq!(status, 401);
    let (status, body) = http_get(w.addr, &replies_path, Some(&boris)).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let (status, _) = http_get(w.addr, &replies_path, Some(&ivanova)).await;
    assert_eq!(status, 403, "quick replies are the specialists'");
    let (status, body) = http_get(w.addr, &replies_path, Some(&anna)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["title"], "Приветствие");
    assert_eq!(body[1]["text"], "Всего доброго!");

    let search = |q: &str| format!("/api/lines/{}/kb?q={}", w.line_a, encode(q));
    let titles = |body: &serde_json::Value| -> Vec<String> {
        body.as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["title"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (status, _) = http_get(w.addr, &search("документ"), None).await;
    assert_eq!(status, 401);
    let (status, _) = http_get(w.addr, &search("документ"), Some(&boris)).await;
    assert_eq!(status, 403);
    for (q, expected) in [
        ("ДОКУМЕНТ", vec!["Не проводится документ"]),
        ("провод", vec!["Не проводится документ"]),
        ("платежные", vec!["Обмен с банком"]),
        ("елки", vec!["Ёлки и праздничный график"]),
        ("ЁЛКИ", vec!["Ёлки и праздничный график"]),
        ("банк поручения", vec!["Обмен с банком"]),
        ("банк документ", vec![]),
        ("\"OR* NEAR(", vec![]),
    ] {
        let (status, body) = http_get(w.addr, &search(q), Some(&anna)).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_eq!(titles(&body), expected, "{q}");
    }
    let (status, body) = http_get(w.addr, &search("обмен"), Some(&ivanova)).await;
    assert_eq!(
        (status, titles(&body)),
        (200, vec!["Обмен с банком".to_string()]),
        "clients get KB hints (C8)"
    );
    let (status, body) =
        http_get(w.addr, &format!("/api/lines/{}/kb", w.line_a), Some(&anna)).await;
    assert_eq!(
        (status, titles(&body).len()),
        (200, 3),
        "no query: all articles"
    );
}
