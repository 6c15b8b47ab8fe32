//! S4 and A4/A5 in the store: "wait for the client" goes to the outbox and shows at once; the
//! server's waiting and resumed events keep the list's flag and the moved resolution deadline;
//! a finished appeal waits no more. The server's countdowns (`ReplyAwaited`) are kept until the
//! client replies or the appeal ends; the line's closing phrases are kept in order.

use linedesk_store::replica::RemoteChange;
use linedesk_store::{Author, Store};

const NOW: i64 = 1_764_000_000_000;
const HOUR: i64 = 3_600_000;

#[test]
fn s4_waiting_shows_in_the_list_and_the_resumed_deadline_replaces_the_old_one() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    let line = 3;
    let row = |store: &Store| {
        store
            .client_list(line, NOW)
            .expect("list")
            .clients
            .into_iter()
            .find(|c| c.id == 41)
            .expect("listed")
    };
    let opened = [
        (
            1,
            RemoteChange::Line {
                name: "Линия".into(),
            },
        ),
        (
            2,
            RemoteChange::Message {
                client: 41,
                author: Author::Client,
                text: "Помогите".into(),
                at: NOW,
                origin_key: None,
            },
        ),
        (
            3,
            RemoteChange::Deadlines {
                client: 41,
                reaction_due: NOW + HOUR,
                resolution_due: NOW + 8 * HOUR,
            },
        ),
        (
            4,
            RemoteChange::Appeal {
                client: 41,
                appeal: 77,
                open: true,
                mine: true,
            },
        ),
        (
            5,
            RemoteChange::Message {
                client: 41,
                author: Author::Specialist,
                text: "Смотрю".into(),
                at: NOW,
                origin_key: None,
            },
        ),
    ];
    store.apply_remote(line, &opened).expect("apply");
    assert!(!row(&store).waiting);
    assert!(
        store.wait_for_client(line, 99, NOW).is_err(),
        "no appeal of mine"
    );

    store.wait_for_client(line, 41, NOW).expect("wait");
    assert!(row(&store).waiting, "shown at once");
    let item = store
        .outbox_pending(10)
        .expect("outbox")
        .pop()
        .expect("item");
    assert_eq!(item.kind, "appeal.wait");
    assert!(item.payload.contains("77"), "{}", item.payload);

    let waiting = RemoteChange::Waiting {
        client: 41,
        waiting: true,
        resolution_due: None,
    };
    store.apply_remote(line, &[(6, waiting)]).expect("apply");
    let r = row(&store);
    assert_eq!((r.waiting, r.sla_due), (true, Some(NOW + 8 * HOUR)));
    let resumed = RemoteChange::Waiting {
        client: 41,
        waiting: false,
        resolution_due: Some(NOW + 10 * HOUR),
    };
    store.apply_remote(line, &[(7, resumed)]).expect("apply");
    let r = row(&store);
    assert_eq!((r.waiting, r.sla_due), (false, Some(NOW + 10 * HOUR)));

    // Waiting again, then finished: the flag goes with the appeal.
    let waiting = RemoteChange::Waiting {
        client: 41,
        waiting: true,
        resolution_due: None,
    };
    let closed = RemoteChange::Appeal {
        client: 41,
        appeal: 77,
        open: false,
        mine: false,
    };
    store
        .apply_remote(line, &[(8, waiting), (9, closed)])
        .expect("apply");
    let r = row(&store);
    assert_eq!((r.waiting, r.sla_due), (false, None));
}

#[test]
fn a4_a5_the_servers_countdowns_are_kept_until_the_client_replies_or_the_appeal_ends() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&dir.path().join("linedesk.db")).expect("open");
    let line = 3;
    let row = |store: &Store| {
        store
            .client_list(line, NOW)
            .expect("list")
            .clients
            .into_iter()
            .find(|c| c.id == 41)
            .expect("listed")
    };
    let opened = [
        (
            1,
            RemoteChange::Line {
                name: "Линия".into(),
            },
        ),
        (
            2,
            RemoteChange::Message {
                client: 41,
                author: Author::Client,
                text: "Помогите".into(),
                at: NOW,
                origin_key: None,
            },
        ),
        (
            3,
            RemoteChange::Appeal {
                client: 41,
                appeal: 77,
                open: true,
                mine: true,
            },
        ),
        (
            4,
            RemoteChange::ReplyAwaited {
                client: 41,
                auto_finish_at: Some(NOW + HOUR),
                finish_allowed_at: Some(NOW + 300_000),
            },
        ),
    ];
    store.apply_remote(line, &opened).expect("apply");
    let r = row(&store);
    assert_eq!(
        (r.auto_finish_at, r.finish_allowed_at),
        (Some(NOW + HOUR), Some(NOW + 300_000))
    );
    let replied = RemoteChange::ReplyAwaited {
        client: 41,
        auto_finish_at: None,
        finish_allowed_at: None,
    };
    store.apply_remote(line, &[(5, replied)]).expect("apply");
    let r = row(&store);
    assert_eq!((r.auto_finish_at, r.finish_allowed_at), (None, None));

    // Armed again, then finished by the server's timer: nothing is left to count down.
    let armed = RemoteChange::ReplyAwaited {
        client: 41,
        auto_finish_at: Some(NOW + HOUR),
        finish_allowed_at: None,
    };
    let ended = RemoteChange::AppealEnded {
        client: 41,
        appeal: 77,
        result: Some("no_client_reply".into()),
        spam_by: None,
        at: NOW + HOUR,
    };
    store
        .apply_remote(line, &[(6, armed), (7, ended)])
        .expect("apply");
    let r = row(&store);
    assert_eq!((r.auto_finish_at, r.finish_allowed_at), (None, None));

    // A4: the line's closing phrases, replaced whole, in the server's order.
    let phrases = vec![
        "Могу ли я вам ещё чем-то помочь?".to_string(),
        "Всего доброго".to_string(),
    ];
    store.replace_closing_phrases(line, &phrases).expect("keep");
    assert_eq!(store.closing_phrases(line).expect("read"), phrases);
    store
        .replace_closing_phrases(line, &phrases[1..])
        .expect("keep");
    assert_eq!(store.closing_phrases(line).expect("read"), phrases[1..]);
    assert!(store.closing_phrases(line + 1).expect("read").is_empty());
}
