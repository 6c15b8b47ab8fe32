//! A damaged database file: the app opens, says so in plain words, and leaves the file untouched.

use std::time::Duration;

use linedesk_e2e::Desktop;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_database_is_reported_and_left_untouched() {
    let data = tempfile::tempdir().expect("data dir");
    let db = data.path().join("linedesk.db");
    let garbage: Vec<u8> = (0..64 * 1024).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&db, &garbage).expect("write garbage");

    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(120), async {
        let app = desktop.launch(data.path()).await;
        let fatal = app.testid("fatal-error").await;
        let text = fatal.text().await.expect("fatal text");
        assert!(
            text.contains("повреждён"),
            "the screen should say the file is damaged: {text}"
        );
        app.screenshot("damaged-database").await;
        app.quit().await;
    })
    .await
    .expect("took longer than 2 minutes");

    assert_eq!(
        std::fs::read(&db).expect("read db"),
        garbage,
        "the damaged file must not change"
    );
}
