//! Issue 19, item 3, on the real app binary: `linedesk --export-data FILE` copies a data dir
//! in use (the demo line's server database, the local store, a sent message, a draft that only
//! the local store holds) into one file; `linedesk --import-data FILE` restores it into a fresh
//! data dir, refuses a data dir that holds anything unless `--force`; the app started on the
//! restored dir shows the message and the draft.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use linedesk_e2e::{App, Desktop, UI_TIMEOUT, app_binary, by_testid};
use linedesk_store::demo::{DEMO_SEARCH_CLIENT_NAME, DEMO_SEARCH_NAME_PART};

const MESSAGE: &str = "Выгрузка 19: счёт 4711 проведён, проверьте остатки.";
const DRAFT: &str = "Черновик только в локальном хранилище: уточнить у бухгалтерии";
/// The demo's support line: the embedded server's first line.
const DEMO_LINE: u64 = 1;

/// `linedesk ARGS` without a window: the export and the import exit before Tauri starts.
fn linedesk(args: &[&str]) -> Output {
    std::process::Command::new(app_binary())
        .args(args)
        .env_remove("LINEDESK_DATA_DIR")
        .output()
        .expect("run linedesk")
}

fn said(out: &Output) -> String {
    format!(
        "exit {:?}; stdout: {}; stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir` (relative paths), without what SQLite keeps beside an open
/// database and files being written (an export leaves them out).
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read the data dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let name = path
                    .strip_prefix(base)
                    .expect("under the dir")
                    .display()
                    .to_string();
                let beside = ["-wal", "-shm", "-journal", ".part"];
                if !beside.iter().any(|end| name.ends_with(end)) {
                    out.push(name);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The draft the local store holds for the open chat, as the UI asks for it.
async fn stored_draft(app: &App, client: u64) -> Option<String> {
    let answer = app
        .client
        .execute_async(
            "const [line, client, done] = arguments;
             window.__TAURI_INTERNALS__.invoke('get_draft', {lineId: line, clientId: client})
               .then(v => done({ok: v}), e => done({err: e}));",
            vec![serde_json::json!(DEMO_LINE), serde_json::json!(client)],
        )
        .await
        .expect("invoke get_draft");
    answer["ok"].as_str().map(str::to_string)
}

async fn open_demo_client(app: &App) -> u64 {
    app.wait_texts(&by_testid("client-row"), "the demo clients", |t| {
        t.len() > 10
    })
    .await;
    let search = app.testid("client-search").await;
    search
        .send_keys(DEMO_SEARCH_NAME_PART)
        .await
        .expect("type the search");
    app.open_client_named(DEMO_SEARCH_CLIENT_NAME).await;
    app.attr("chat", "data-client-id")
        .await
        .parse()
        .expect("the chat's client id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_data_dir_restores_into_a_fresh_one_with_its_messages_and_drafts() {
    let old = tempfile::tempdir().expect("the first data dir");
    let new = tempfile::tempdir().expect("the data dir to restore into");
    let files_dir = tempfile::tempdir().expect("a folder for the export");
    let export = files_dir.path().join("linedesk-data.export");
    let (old_dir, new_dir, export_file) = (
        old.path().display().to_string(),
        new.path().display().to_string(),
        export.display().to_string(),
    );
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(300), async {
        // A data dir with data: the demo line, a message sent and a draft typed.
        let app = desktop.launch(old.path()).await;
        app.testid("main-window").await;
        app.sync_state("in_sync").await;
        let client = open_demo_client(&app).await;
        app.send_message(MESSAGE).await;
        app.testid("chat-input")
            .await
            .send_keys(DRAFT)
            .await
            .expect("type the draft");
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let draft = stored_draft(&app, client).await;
            if draft.as_deref() == Some(DRAFT) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the store did not get the draft within {UI_TIMEOUT:?}: it holds {draft:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // Exported while the app still runs (the online backup of each database).
        let expected: Vec<String> = files(old.path())
            .into_iter()
            .filter(|f| f != "server/address")
            .collect();
        let out = linedesk(&["--data-dir", &old_dir, "--export-data", &export_file]);
        assert!(out.status.success(), "export: {}", said(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("2 database(s)"),
            "the store and the embedded server's database: {stdout}"
        );
        // An export never overwrites a file.
        let again = linedesk(&["--data-dir", &old_dir, "--export-data", &export_file]);
        assert_eq!(again.status.code(), Some(2), "{}", said(&again));
        app.quit().await;

        let out = linedesk(&["--data-dir", &new_dir, "--import-data", &export_file]);
        assert!(out.status.success(), "import: {}", said(&out));
        let imported = files(new.path());
        for file in &expected {
            assert!(
                imported.contains(file),
                "{file} of the old data dir is not in the new one: {imported:?}"
            );
        }

        // A data dir that holds anything is refused, untouched; --force replaces it.
        let marker = new.path().join("kept-unless-forced.txt");
        std::fs::write(&marker, "x").expect("write the marker");
        let refused = linedesk(&["--data-dir", &new_dir, "--import-data", &export_file]);
        assert_eq!(refused.status.code(), Some(2), "{}", said(&refused));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("is not empty") && stderr.contains("--force"),
            "{stderr}"
        );
        assert!(marker.exists(), "a refused import changed the data dir");
        let forced = linedesk(&[
            "--data-dir",
            &new_dir,
            "--import-data",
            &export_file,
            "--force",
        ]);
        assert!(forced.status.success(), "import --force: {}", said(&forced));
        assert!(!marker.exists(), "--force replaces what the data dir held");

        // The app on the restored dir: the message (the server's and the store's) and the
        // draft (the store's alone).
        let app = desktop.launch(new.path()).await;
        app.testid("main-window").await;
        let opened = open_demo_client(&app).await;
        assert_eq!(opened, client, "the same client, by the same id");
        app.wait_texts(
            &by_testid("message-text"),
            "the message sent before the export",
            |t| t.iter().any(|s| s == MESSAGE),
        )
        .await;
        let input = app.testid("chat-input").await;
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let value = input.prop("value").await.expect("the draft's value");
            if value.as_deref() == Some(DRAFT) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the restored app shows the draft {value:?}, not {DRAFT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.screenshot("data-transfer-restored").await;
        app.quit().await;
    })
    .await
    .expect("the scenario took longer than 5 minutes");
}
