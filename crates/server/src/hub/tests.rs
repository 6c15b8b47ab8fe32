use super::*;
use crate::storage::Applied;
use linedesk_protocol::Event;

fn line_named(line: u64, seq: u64) -> StoredEvent {
    StoredEvent {
        line,
        seq,
        at_ms: 0,
        event: Event::LineNamed {
            name: format!("{line}"),
        },
    }
}

fn message(line: u64, seq: u64, client: u64) -> StoredEvent {
    StoredEvent {
        line,
        seq,
        at_ms: 0,
        event: Event::MessagePosted {
            client,
            from_specialist: None,
            text: format!("{seq}"),
            appeal: None,
            key: None,
        },
    }
}

fn seqs(batch: &Batch) -> Vec<u64> {
    batch.events.iter().map(|e| e.seq).collect()
}

fn follow(hub: &Hub, line: u64, audience: Audience) -> Arc<Mailbox> {
    let mailbox = Arc::default();
    hub.subscribe(line, audience, &mailbox);
    mailbox
}

#[test]
fn an_event_reaches_only_the_subscribers_of_its_line() {
    let hub = Hub::default();
    let one = follow(&hub, 1, Audience::Everything);
    let two = follow(&hub, 2, Audience::Everything);
    hub.publish(&[line_named(1, 1), line_named(3, 1), line_named(1, 2)]);
    assert_eq!(seqs(&one.take()), [1, 2]);
    assert!(two.take().events.is_empty(), "line 2 heard nothing");
}

#[test]
fn a_reused_batch_takes_everything_once_in_order() {
    let hub = Hub::default();
    let mailbox = follow(&hub, 1, Audience::Everything);
    let mut batch = Batch::default();
    hub.publish(&[line_named(1, 1), line_named(1, 2)]);
    mailbox.take_into(&mut batch);
    assert_eq!(seqs(&batch), [1, 2]);
    // Taken into a batch still holding events: appended after them.
    hub.publish(&[line_named(1, 3)]);
    mailbox.take_into(&mut batch);
    assert_eq!(seqs(&batch), [1, 2, 3]);
    batch.events.clear();
    hub.publish(&[line_named(1, 4)]);
    mailbox.take_into(&mut batch);
    assert_eq!(seqs(&batch), [4]);
    // The emptied vector went to the mailbox, which fills it again.
    batch.events.clear();
    hub.publish(&[line_named(1, 5), line_named(1, 6)]);
    mailbox.take_into(&mut batch);
    assert_eq!(seqs(&batch), [5, 6]);
    assert!(mailbox.take().events.is_empty(), "nothing taken twice");
}

#[test]
fn each_event_is_encoded_once_for_every_session() {
    let hub = Hub::default();
    let a = follow(&hub, 1, Audience::Everything);
    let b = follow(&hub, 1, Audience::Everything);
    hub.publish(&[line_named(1, 1)]);
    let (a, b) = (a.take(), b.take());
    assert!(Arc::ptr_eq(&a.events[0], &b.events[0]), "one shared event");
    let frame = ServerFrame::decode(a.events[0].frame.as_str()).expect("a frame");
    assert!(matches!(
        frame,
        ServerFrame::Event {
            line: 1,
            seq: 1,
            ..
        }
    ));
}

#[test]
fn a_client_hears_only_the_events_about_them_that_clients_see() {
    let hub = Hub::default();
    let anna = follow(&hub, 1, Audience::Client(7));
    let boris = follow(&hub, 1, Audience::Client(8));
    let specialist = follow(&hub, 1, Audience::Everything);
    hub.publish(&[message(1, 1, 7), message(1, 2, 8), line_named(1, 3)]);
    let sla = StoredEvent {
        line: 1,
        seq: 4,
        at_ms: 0,
        event: Event::SlaBreached {
            appeal: 1,
            client: 7,
            specialist: None,
            deadline: linedesk_protocol::SlaDeadline::Reaction,
            due_ms: 0,
        },
    };
    hub.publish(&[sla]);
    assert_eq!(
        seqs(&anna.take()),
        [1],
        "not Boris's, not the line's, not the SLA's"
    );
    assert_eq!(seqs(&boris.take()), [2]);
    assert_eq!(seqs(&specialist.take()), [1, 2, 3, 4]);
}

#[test]
fn events_published_out_of_order_are_handed_out_in_order_in_one_epoch() {
    let hub = Hub::default();
    let anna = follow(&hub, 1, Audience::Client(7));
    hub.publish(&[message(1, 1, 7)]);
    let first = anna.take();
    hub.publish(&[message(1, 3, 7)]);
    assert!(anna.take().events.is_empty(), "3 waits for 2");
    hub.publish(&[message(1, 2, 7)]);
    let rest = anna.take();
    assert_eq!(seqs(&rest), [2, 3]);
    let epochs: Vec<u64> = first
        .events
        .iter()
        .chain(&rest.events)
        .map(|e| e.epoch)
        .collect();
    assert!(epochs.iter().all(|e| *e == epochs[0]), "{epochs:?}");
    assert_eq!(hub.epoch(1), epochs[0]);
}

#[test]
fn a_number_that_never_comes_is_skipped_in_a_new_epoch() {
    let hub = Hub::default();
    let anna = follow(&hub, 1, Audience::Client(7));
    hub.publish(&[message(1, 1, 7)]);
    let before = anna.take().events[0].epoch;
    // 2 was appended outside the hub.
    hub.publish(&[message(1, 3, 7)]);
    std::thread::sleep(HOLD);
    hub.publish(&[message(1, 4, 7)]);
    let after = anna.take();
    assert_eq!(seqs(&after), [3, 4]);
    assert!(after.events.iter().all(|e| e.epoch > before));
    // One that comes after its turn: another epoch.
    hub.publish(&[message(1, 2, 7)]);
    let late = anna.take();
    assert_eq!(seqs(&late), [2]);
    assert!(late.events[0].epoch > after.events[0].epoch);
}

#[tokio::test]
async fn held_events_are_released_after_the_hold_without_another_publish() {
    let hub = Hub::default();
    let specialist = follow(&hub, 1, Audience::Everything);
    hub.publish(&[line_named(1, 1)]);
    hub.publish(&[line_named(1, 3)]);
    assert_eq!(seqs(&specialist.take()), [1]);
    // A wake-up may be spurious (the permit of the first push): wait for the event itself.
    let released = tokio::time::timeout(HOLD * 10, async {
        loop {
            specialist.ready().await;
            let batch = specialist.take();
            if !batch.events.is_empty() {
                return seqs(&batch);
            }
        }
    })
    .await;
    assert_eq!(released.ok(), Some(vec![3]));
}

#[test]
fn a_full_mailbox_names_the_line_to_read_back() {
    let hub = Hub::default();
    let slow = follow(&hub, 1, Audience::Everything);
    let events: Vec<StoredEvent> = (1..=MAILBOX as u64 + 5)
        .map(|seq| line_named(1, seq))
        .collect();
    hub.publish(&events);
    let batch = slow.take();
    assert_eq!(batch.events.len(), MAILBOX);
    assert_eq!(batch.lagged, BTreeSet::from([1]));
    assert!(slow.take().events.is_empty(), "taken once");
}

#[test]
fn a_mailbox_that_left_hears_nothing() {
    let hub = Hub::default();
    let gone = follow(&hub, 1, Audience::Client(7));
    let stays = follow(&hub, 1, Audience::Client(7));
    hub.leave(&[1], Audience::Client(7), &gone);
    hub.publish(&[message(1, 1, 7)]);
    assert!(gone.take().events.is_empty());
    assert_eq!(seqs(&stays.take()), [1]);
}

#[test]
fn a_seeded_line_hands_out_its_next_event_in_the_seeding_epoch() {
    let hub = Hub::default();
    let early = follow(&hub, 1, Audience::Client(7));
    let before = hub.epoch(1);
    assert!(!hub.knows(1));
    let seeded = hub.seed(1, 41).expect("the hub knew nothing");
    assert!(seeded > before, "who followed before may have read less");
    assert_eq!(hub.seed(1, 50), None, "once");
    hub.publish(&[message(1, 42, 7)]);
    let batch = early.take();
    assert_eq!(seqs(&batch), [42]);
    assert_eq!(batch.events[0].epoch, seeded, "in turn: no new epoch");
    // One committed before the seed and published after it: a new epoch.
    hub.publish(&[message(1, 40, 7)]);
    assert!(early.take().events[0].epoch > seeded);
}

#[test]
fn an_unseeded_line_starts_an_epoch_with_its_first_event() {
    let hub = Hub::default();
    let early = follow(&hub, 1, Audience::Client(7));
    let before = hub.epoch(1);
    hub.publish(&[message(1, 42, 7)]);
    assert!(early.take().events[0].epoch > before);
    assert!(hub.knows(1));
}

#[test]
fn an_event_filled_from_the_log_is_not_handed_out_again_by_its_publisher() {
    let hub = Hub::default();
    let specialist = follow(&hub, 1, Audience::Everything);
    hub.publish(&[line_named(1, 1)]);
    hub.publish(&[line_named(1, 3)]);
    // 2 read from the log (as `Hub::fill` does when the gap stays open).
    lock(&hub.lines)
        .get_mut(&1)
        .expect("line")
        .fill(LiveEvent::new(&line_named(1, 2)));
    let filled = specialist.take();
    assert_eq!(seqs(&filled), [1, 2, 3]);
    let epochs: Vec<u64> = filled.events.iter().map(|e| e.epoch).collect();
    assert!(epochs.iter().all(|e| *e == epochs[0]), "{epochs:?}");
    // Its own publisher comes late: already handed out, nothing again.
    hub.publish(&[line_named(1, 2)]);
    assert!(specialist.take().events.is_empty());
    hub.publish(&[line_named(1, 4)]);
    assert_eq!(seqs(&specialist.take()), [4]);
}

#[test]
fn a_late_event_does_not_push_the_next_one_out_of_turn() {
    let hub = Hub::default();
    let anna = follow(&hub, 1, Audience::Client(7));
    hub.publish(&[message(1, 1, 7)]);
    hub.publish(&[message(1, 3, 7)]);
    std::thread::sleep(HOLD);
    hub.publish(&[message(1, 4, 7)]);
    assert_eq!(seqs(&anna.take()), [1, 3, 4]);
    hub.publish(&[message(1, 2, 7)]);
    let late = anna.take().events[0].epoch;
    hub.publish(&[message(1, 5, 7)]);
    let next = anna.take();
    assert_eq!(seqs(&next), [5]);
    assert_eq!(next.events[0].epoch, late, "5 was in turn");
}

#[tokio::test]
async fn outcomes_handed_by_a_committing_thread_are_published_in_order_then_answered() {
    let hub = Hub::default();
    let mailbox = follow(&hub, 1, Audience::Everything);
    let mut answers = Vec::new();
    let mut handings = Vec::new();
    for _ in 0..3 {
        let (answer, answered) = tokio::sync::oneshot::channel();
        handings.push((hub.in_order(), answer));
        answers.push(answered);
    }
    // The committer's thread: outside the runtime, one outcome after the other (a refused
    // one between them publishes nothing).
    std::thread::spawn(move || {
        let outcomes = [
            Ok(Applied::Done(vec![message(1, 1, 7), line_named(1, 2)])),
            Err(StorageError::WrongPassword),
            Ok(Applied::Done(vec![message(1, 3, 7)])),
        ];
        for ((handing, answer), outcome) in handings.into_iter().zip(outcomes) {
            handing.hand(outcome, answer);
        }
    })
    .join()
    .expect("the committing thread");
    let mut outcomes = Vec::new();
    for answered in answers {
        outcomes.push(answered.await.expect("answered"));
    }
    assert!(matches!(&outcomes[0], Ok(Applied::Done(events)) if events.len() == 2));
    assert!(matches!(outcomes[1], Err(StorageError::WrongPassword)));
    let batch = mailbox.take();
    assert_eq!(
        seqs(&batch),
        [1, 2, 3],
        "every event, in order, before the answers"
    );
    let epochs: BTreeSet<u64> = batch.events.iter().map(|e| e.epoch).collect();
    assert_eq!(epochs.len(), 1, "nothing held or skipped: one epoch");
}
