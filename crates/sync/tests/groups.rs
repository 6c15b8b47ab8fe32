//! C6 through the app's store and sync against a real server seeded with the demo world: the
//! specialist makes a group with a client and a colleague, writes in it (pending, then sent,
//! never doubled), the client sees it and answers, a member is removed, and a restart of the
//! sync replays nothing twice.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linedesk_client_sim::{Seen, SimClient};
use linedesk_demo::DEMO_SPECIALIST_LOGIN;
use linedesk_protocol::Event;
use linedesk_server::app::{Server, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::demo::{DEMO_CLIENT_PASSWORD, seed_if_empty};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::StorageError;
use linedesk_store::Store;
use linedesk_store::groups::GroupView;
use linedesk_sync::{SyncConfig, SyncStatus, spawn};
use tokio::net::TcpListener;

fn hash(password: &str) -> Result<String, StorageError> {
    hash_password(password).map_err(|e| StorageError::Invalid(e.to_string()))
}

async fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn groups(store: &Mutex<Store>, line: i64, client: i64) -> Vec<GroupView> {
    store
        .lock()
        .expect("lock")
        .groups_of(line, client)
        .expect("groups")
}

/// The last message and its time as the clients list shows them for `client`.
fn last_in_list(store: &Mutex<Store>, line: i64, client: i64) -> (Option<String>, Option<i64>) {
    let row = store
        .lock()
        .expect("lock")
        .client_row(line, client)
        .expect("row");
    (row.last_message, row.last_message_at)
}

/// The next event the client sees that `pick` wants.
async fn client_sees<T>(client: &mut SimClient, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    loop {
        match client
            .next_seen(Duration::from_secs(10))
            .await
            .expect("seen")
        {
            Seen::Other(event) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
            }
            Seen::Answer { .. } | Seen::Finished { .. } => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c6_a_group_made_in_the_app_reaches_the_client_and_comes_back_once() {
    let sdir = tempfile::tempdir().expect("dir");
    let storage = Arc::new(SqliteStorage::open(&sdir.path().join("server.db")).expect("storage"));
    let now = linedesk_server::app::now_ms();
    let ids = seed_if_empty(&*storage, now, &hash("spec-pass").expect("hash"), &hash)
        .expect("seed")
        .expect("seeded");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(serve(listener, Server::new(storage)));
    let ldir = tempfile::tempdir().expect("dir");
    let store = Arc::new(Mutex::new(
        Store::open(&ldir.path().join("linedesk.db")).expect("store"),
    ));
    let config = SyncConfig {
        server: addr.clone(),
        login: DEMO_SPECIALIST_LOGIN.into(),
        password: "spec-pass".into(),
        ..SyncConfig::default()
    };
    let line = i64::try_from(ids.lines[0]).expect("line");
    let handle = spawn(store.clone(), config.clone());
    wait_until("in sync", Duration::from_secs(60), || {
        *handle.status().borrow() == SyncStatus::InSync
            && store
                .lock()
                .expect("lock")
                .server_me()
                .ok()
                .flatten()
                .is_some()
    })
    .await;
    let orlova = store
        .lock()
        .expect("lock")
        .colleagues(line)
        .expect("colleagues")
        .into_iter()
        .find(|c| c.name.starts_with("Орлова"))
        .expect("Orlova serves the line")
        .id;
    let me = store
        .lock()
        .expect("lock")
        .server_me()
        .expect("me")
        .expect("me");
    let mut client = SimClient::sign_in(&addr, "client-1", DEMO_CLIENT_PASSWORD)
        .await
        .expect("client signs in");
    let ivanova = i64::try_from(client.id).expect("id");

    store
        .lock()
        .expect("lock")
        .create_group(line, ivanova, "Сверка с бухгалтерией", &[orlova], now)
        .expect("create");
    handle.nudge();
    let (group, names) = client_sees(&mut client, |e| match e {
        Event::GroupCreated {
            group,
            title,
            members,
            ..
        } if title == "Сверка с бухгалтерией" => Some((
            *group,
            members.iter().map(|m| m.specialist).collect::<Vec<_>>(),
        )),
        _ => None,
    })
    .await;
    assert_eq!(
        names,
        [
            u64::try_from(me).expect("me"),
            u64::try_from(orlova).expect("o")
        ]
    );
    let gid = i64::try_from(group).expect("group");
    wait_until("the group in the store", Duration::from_secs(10), || {
        groups(&store, line, ivanova)
            .first()
            .is_some_and(|g| g.id == gid && g.mine && g.members.len() == 2)
    })
    .await;

    // The specialist writes: pending at once, the client gets it, then it is sent, once.
    store
        .lock()
        .expect("lock")
        .send_group_message(gid, "Елена Викторовна, посмотрите акт сверки", now)
        .expect("send");
    let pending = groups(&store, line, ivanova);
    assert!(pending[0].messages[0].pending);
    assert_eq!(
        last_in_list(&store, line, ivanova),
        (
            Some("Елена Викторовна, посмотрите акт сверки".into()),
            Some(now)
        ),
        "C1: the own group message is the client's latest in the list at once"
    );
    handle.nudge();
    let text = client_sees(&mut client, |e| match e {
        Event::GroupMessagePosted {
            group: g,
            text,
            from_specialist: Some(_),
            ..
        } if *g == group => Some(text.clone()),
        _ => None,
    })
    .await;
    assert_eq!(text, "Елена Викторовна, посмотрите акт сверки");
    wait_until("the message is sent", Duration::from_secs(10), || {
        let g = groups(&store, line, ivanova);
        g[0].messages.len() == 1 && !g[0].messages[0].pending
    })
    .await;

    // The client answers in the group; the app shows it as the client's.
    client
        .submit(linedesk_protocol::Action::GroupMessage {
            group,
            text: "Акт во вложении к письму".into(),
        })
        .await
        .expect("the client writes");
    wait_until("the client's answer", Duration::from_secs(10), || {
        let g = groups(&store, line, ivanova);
        g[0].messages.len() == 2 && g[0].messages[1].from_specialist.is_none()
    })
    .await;
    let answered_at = groups(&store, line, ivanova)[0].messages[1].sent_at;
    assert_eq!(
        last_in_list(&store, line, ivanova),
        (Some("Акт во вложении к письму".into()), Some(answered_at)),
        "C1: the client's group message is their latest in the list"
    );
    let list = store
        .lock()
        .expect("lock")
        .client_list(line, answered_at)
        .expect("list");
    assert_eq!(
        list.clients.first().map(|c| c.id),
        Some(ivanova),
        "the client who wrote last comes first"
    );

    // Orlova is taken out of the group.
    store
        .lock()
        .expect("lock")
        .remove_group_member(gid, orlova, now)
        .expect("remove");
    handle.nudge();
    wait_until("Orlova removed", Duration::from_secs(10), || {
        groups(&store, line, ivanova)[0].members.len() == 1
    })
    .await;
    let before = groups(&store, line, ivanova);

    // A restart of the sync resumes from the cursor: nothing doubles.
    handle.stop();
    let handle = spawn(store.clone(), config);
    wait_until("in sync again", Duration::from_secs(20), || {
        *handle.status().borrow() == SyncStatus::InSync
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(groups(&store, line, ivanova), before);
}
