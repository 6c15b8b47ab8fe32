//! Downloads are streamed after a permission check on the metadata: a file of several chunks
//! arrives whole with its length announced, and a stranger is refused.

mod common;

use common::{raw_http, token, world};

#[tokio::test]
async fn a_large_file_streams_whole_to_those_allowed_and_not_to_others() {
    let w = world().await;
    let anna = token(w.addr, "anna", "anna-pass").await;
    let ivanova = token(w.addr, "ivanova", "ivanova-pass").await;
    let boris = token(w.addr, "boris", "boris-pass").await;
    // Several download chunks and a ragged end.
    let bytes: Vec<u8> = (0..(3 * 1024 * 1024 + 17u32))
        .map(|i| (i % 253) as u8)
        .collect();
    let path = format!(
        "/api/lines/{}/clients/{}/files?name=big.bin",
        w.line_a, w.client_a
    );
    let (status, _, body) = raw_http(
        w.addr,
        "POST",
        &path,
        Some(&anna),
        Some("application/octet-stream"),
        &bytes,
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let shared: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let file = shared["file"].as_u64().expect("file id");

    let (status, head, body) = raw_http(
        w.addr,
        "GET",
        &format!("/api/files/{file}"),
        Some(&ivanova),
        None,
        b"",
    )
    .await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}", bytes.len())),
        "{head}"
    );
    assert!(
        body == bytes,
        "{} bytes came, {} sent",
        body.len(),
        bytes.len()
    );

    let (status, _, body) = raw_http(
        w.addr,
        "GET",
        &format!("/api/files/{file}"),
        Some(&boris),
        None,
        b"",
    )
    .await;
    let answer: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")));
}
