//! Issue 6, a specialist's shift in the app against its embedded server, with a client and a
//! colleague signed in as real WebSocket clients: a client writes; the appeal arrives with a
//! notification; the specialist answers with a quick reply and transfers the appeal to the
//! colleague with a reason; the colleague finishes it; the client rates it; the specialist
//! registers a ticket from the chat and dispatches it to a queue (after seeing what "Save"
//! would mean); the colleague takes it and rejects it; the specialist fixes it by closing it and
//! registering a new one. Along the way: files both ways, a reply kept as a KB draft, a spam
//! appeal marked as such. My appeals lists the open ones and the spam. Screenshots of each main screen, in
//! Russian and in English.

use std::time::{Duration, Instant};

use linedesk_client_sim::{Seen, SimClient};
use linedesk_e2e::{App, Desktop, by_testid};
use linedesk_protocol::{Action, Event};
use linedesk_server::storage::Storage;

const CLIENT_LOGIN: &str = "client-6";
const COLLEAGUE: &str = "kuznetsov";
const COLLEAGUE_PASSWORD: &str = "смена-коллеги";
const QUESTION: &str = "Добрый день! Не проходит обмен с банком после обновления.";
const TRANSFER_REASON: &str = "Вопрос по банковскому обмену — это к Дмитрию";
const REJECT_REASON: &str = "Не та категория: это вопрос обмена, а не отчётности";

/// The colleague can sign in: an administrator sets their password in the server's database.
fn colleague_password(data: &std::path::Path) {
    let storage =
        linedesk_server::sqlite::SqliteStorage::open(&data.join("server").join("server.db"))
            .expect("the embedded server's database");
    let hash = linedesk_server::auth::hash_password(COLLEAGUE_PASSWORD).expect("hash");
    storage
        .set_password(COLLEAGUE, &hash)
        .expect("the colleague's password");
}

/// The next event `pick` accepts among what `sim` sees.
async fn wait_event<T>(sim: &mut SimClient, what: &str, pick: impl Fn(&Event) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match sim.next_seen(left).await {
            Ok(Seen::Other(event)) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
            }
            Ok(_) => {}
            Err(err) => panic!("{} never saw {what}: {err}", sim.login),
        }
    }
}

/// The ticket detail's state, once it is `want`.
async fn ticket_state(app: &App, want: &str) {
    app.wait_attr(&by_testid("ticket-detail"), "data-state", want, |s| {
        s == want
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_from_the_first_message_to_a_fixed_ticket() {
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    tokio::time::timeout(Duration::from_secs(420), async {
        let app = desktop.launch(data.path()).await;
        app.sync_state("in_sync").await;
        app.testid("presence-select")
            .await
            .select_by_value("available")
            .await
            .expect("Available");
        let server = linedesk_e2e::server_address(data.path()).await;
        colleague_password(data.path());
        let mut colleague = SimClient::sign_in(&server, COLLEAGUE, COLLEAGUE_PASSWORD)
            .await
            .expect("the colleague signs in");
        colleague
            .submit(Action::SetPresence {
                status: linedesk_domain::presence::PresenceStatus::Available,
            })
            .await
            .expect("the colleague is Available");

        // 1. A client writes: the appeal is the specialist's and the bell says so.
        let mut client = SimClient::sign_in(&server, CLIENT_LOGIN, "demo-client")
            .await
            .expect("the client signs in");
        client.write(QUESTION).await.expect("the client writes");
        let notice = format!(
            "{}[data-kind=\"appeal\"][data-client-id=\"{}\"]",
            by_testid("notice"),
            client.id
        );
        app.wait_attr(
            &by_testid("notices-button"),
            "data-unseen",
            "a notice",
            |n| n.parse::<u32>().is_ok_and(|n| n > 0),
        )
        .await;
        app.click("notices-button").await;
        app.wait(&notice).await;
        app.screenshot("shift-1-notification").await;
        app.wait(&notice)
            .await
            .click()
            .await
            .expect("open the notice");
        app.wait_texts(&by_testid("message-text"), "the client's question", |t| {
            t.iter().any(|m| m == QUESTION)
        })
        .await;

        // 2. The answer is a quick reply with the client's name filled in.
        app.click("quick-replies-toggle").await;
        app.wait(&by_testid("quick-reply"))
            .await
            .click()
            .await
            .expect("pick");
        app.click("chat-send").await;
        let answer = client
            .wait_answer(Duration::from_secs(30))
            .await
            .expect("the client gets the answer");
        assert!(!answer.contains('{'), "the variables are filled: {answer}");

        // Files both ways (A1): the client's file is downloaded, the specialist's reaches them.
        let scan = "Выписка за ноябрь: 1С:Бухгалтерия 3.0.150"
            .repeat(40)
            .into_bytes();
        client
            .send_file("выписка.txt", scan.clone())
            .await
            .expect("the client sends a file");
        app.wait(&by_testid("message-file")).await;
        app.click("file-download").await;
        let saved = app.testid("file-saved").await.text().await.expect("path");
        let path = saved
            .split_once(": ")
            .map(|(_, p)| p.to_string())
            .expect("a path");
        assert_eq!(std::fs::read(&path).expect("the saved file"), scan);
        let outgoing = data.path().join("инструкция.txt");
        std::fs::write(
            &outgoing,
            "1. Откройте обмен с банком\n2. Обновите настройки",
        )
        .expect("file");
        app.testid("file-input")
            .await
            .send_keys(&outgoing.display().to_string())
            .await
            .expect("choose the file");
        let received = wait_event(&mut client, "the specialist's file", |e| match e {
            Event::FileShared {
                name,
                from_specialist: Some(_),
                ..
            } => Some(name.clone()),
            _ => None,
        })
        .await;
        assert_eq!(received, "инструкция.txt");

        // The reply is kept as a KB draft (C8).
        app.click("kb-draft-save").await;
        app.wait_attr(
            &by_testid("kb-draft-save"),
            "disabled",
            "the draft saved",
            |_| true,
        )
        .await;
        app.screenshot("shift-2-chat").await;

        // 3. Transfer to the colleague with a reason; the colleague finishes it.
        app.click("appeal-transfer-toggle").await;
        app.testid("appeal-transfer-to")
            .await
            .select_by_value(&colleague.id.to_string())
            .await
            .expect("choose the colleague");
        app.retype("appeal-transfer-reason", TRANSFER_REASON).await;
        app.screenshot("shift-3-transfer").await;
        app.click("appeal-transfer").await;
        let colleague_id = colleague.id;
        let appeal = wait_event(&mut colleague, "the transferred appeal", |e| match e {
            Event::AppealTransferred {
                appeal,
                to: Some(to),
                reason,
                ..
            } if *to == colleague_id && reason == TRANSFER_REASON => Some(*appeal),
            _ => None,
        })
        .await;
        colleague
            .submit(Action::FinishAppeal {
                appeal,
                result: "Настроили обмен с банком".into(),
            })
            .await
            .expect("the colleague finishes it");
        let finished = client
            .wait_finished(Duration::from_secs(30))
            .await
            .expect("the client sees it finished");
        assert_eq!(finished, appeal);
        client
            .rate(appeal, 5, None)
            .await
            .expect("the client rates it");

        // A spammer's appeal is marked as spam (A6).
        let mut spammer = SimClient::sign_in(&server, "client-7", "demo-client")
            .await
            .expect("another client");
        spammer
            .write("Продаём базы клиентов недорого!!!")
            .await
            .expect("spam");
        app.open_client(spammer.id).await;
        app.wait_attr(
            &format!(
                "{}[data-client-id=\"{}\"]",
                by_testid("client-row"),
                spammer.id
            ),
            "data-my-appeal",
            "the spam appeal on the specialist",
            |m| m == "true",
        )
        .await;
        app.click("appeal-spam").await;
        let spammer_id = spammer.id;
        let spam_appeal = wait_event(&mut colleague, "the spam mark", |e| match e {
            Event::AppealMarkedSpam { appeal, client, .. } if *client == spammer_id => {
                Some(*appeal)
            }
            _ => None,
        })
        .await;
        app.open_client(client.id).await;

        // 4. A ticket from the chat, dispatched to a queue (Save would only keep it in the folder).
        app.click("ticket-create-toggle").await;
        app.retype("ticket-subject", "Ошибка отчётности").await;
        app.retype("ticket-text", "После обновления не проходит обмен с банком")
            .await;
        app.click("ticket-create").await;
        let (ticket, number) = wait_event(&mut colleague, "the new ticket", |e| match e {
            Event::TicketCreated { ticket, number, .. } => Some((*ticket, number.to_string())),
            _ => None,
        })
        .await;
        app.click("view-tickets").await;
        app.click("tickets-tab-folder").await;
        let row = format!("{}[data-number=\"{number}\"]", by_testid("ticket-row"));
        app.wait(&row).await.click().await.expect("open the ticket");
        ticket_state(&app, "open").await;
        app.click("ticket-save").await;
        app.testid("ticket-save-warning").await;
        app.screenshot("shift-4-save-warning").await;
        // Not saved: the warning is cancelled and the ticket dispatched instead.
        app.testid("ticket-save-warning")
            .await
            .find(fantoccini::Locator::Css("button[type=\"button\"]"))
            .await
            .expect("the warning's cancel")
            .click()
            .await
            .expect("cancel");
        app.click("ticket-dispatch").await;
        app.click("ticket-dispatch-confirm").await;
        ticket_state(&app, "open_dispatch").await;
        // Seed 004: the number told to the client, in their chat.
        app.click("ticket-give-number").await;
        app.testid("ticket-number-given").await;
        let told = number.clone();
        let given = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match client.next_seen(Duration::from_secs(30)).await {
                    Ok(Seen::Answer { text, .. }) if text.contains(told.as_str()) => return text,
                    Ok(_) => {}
                    Err(err) => panic!("the client never got the ticket's number: {err}"),
                }
            }
        })
        .await
        .expect("the ticket's number reaches the client");
        assert_eq!(given, format!("Номер вашей заявки: {number}"));

        // 5. The colleague takes it and returns it as wrongly created.
        wait_event(&mut colleague, "the dispatch", |e| match e {
            Event::TicketChanged { ticket: t, .. } if *t == ticket => Some(()),
            _ => None,
        })
        .await;
        colleague
            .submit(Action::TakeTicket { ticket })
            .await
            .expect("take");
        colleague
            .submit(Action::RejectTicket {
                ticket,
                reason: REJECT_REASON.into(),
            })
            .await
            .expect("reject");
        ticket_state(&app, "open_reject_return").await;
        app.wait_texts(
            &by_testid("ticket-history-item"),
            "the reason in the history",
            |t| t.iter().any(|s| s.contains(REJECT_REASON)),
        )
        .await;
        app.screenshot("shift-5-rejected").await;

        // 6. The creator fixes it: closes it and registers a new one in the right category.
        app.click("ticket-recreate").await;
        app.retype("ticket-recreate-subject", "Обмен с банком")
            .await;
        app.click("ticket-recreate-confirm").await;
        ticket_state(&app, "closed").await;
        let fresh = wait_event(&mut colleague, "the new ticket", |e| match e {
            Event::TicketCreated {
                number, subject, ..
            } if subject == "Обмен с банком" => Some(number.to_string()),
            _ => None,
        })
        .await;
        app.click("tickets-tab-folder").await;
        app.wait(&format!(
            "{}[data-number=\"{fresh}\"]",
            by_testid("ticket-row")
        ))
        .await;
        app.screenshot("shift-6-tickets").await;

        // 7. My appeals (A6): the ones this specialist holds, filtered by status.
        app.click("view-appeals").await;
        app.testid("my-appeals-status")
            .await
            .select_by_value("open")
            .await
            .expect("open ones");
        app.wait_texts(&by_testid("my-appeal-row"), "my open appeals", |rows| {
            !rows.is_empty()
        })
        .await;
        let statuses = app
            .client
            .find_all(fantoccini::Locator::Css(&by_testid("my-appeal-row")))
            .await
            .expect("rows");
        for row in statuses {
            assert_eq!(
                row.attr("data-status").await.expect("status").as_deref(),
                Some("open")
            );
        }
        app.screenshot("shift-7-my-appeals").await;
        app.testid("my-appeals-status")
            .await
            .select_by_value("spam")
            .await
            .expect("spam");
        app.wait(&format!(
            "{}[data-appeal-id=\"{spam_appeal}\"][data-status=\"spam\"]",
            by_testid("my-appeal-row")
        ))
        .await;
        // The KB draft reached the server.
        let storage = linedesk_server::sqlite::SqliteStorage::open(
            &data.path().join("server").join("server.db"),
        )
        .expect("the server's database");
        let drafts = storage.kb_drafts(client.line).expect("drafts");
        assert!(
            drafts
                .iter()
                .any(|d| d.text.contains("я помогу с вашим вопросом")),
            "{drafts:?}"
        );

        // 8. The same screens in English.
        app.to_english().await;
        app.screenshot("shift-en-my-appeals").await;
        app.click("view-tickets").await;
        app.testid("tickets-panel").await;
        app.screenshot("shift-en-tickets").await;
        app.click("view-clients").await;
        app.open_client(client.id).await;
        // A7: the client's timeline holds the appeal, finished by the colleague, and the tickets.
        app.wait(&format!(
            "{}[data-appeal-id=\"{appeal}\"][data-end=\"true\"]",
            by_testid("timeline-appeal")
        ))
        .await;
        app.wait(&format!(
            "{}[data-number=\"{fresh}\"]",
            by_testid("timeline-ticket")
        ))
        .await;
        for kind in ["transferred", "rated"] {
            app.wait(&format!(
                "{}[data-kind=\"{kind}\"][data-appeal-id=\"{appeal}\"]",
                by_testid("timeline-note")
            ))
            .await;
        }
        app.screenshot("shift-en-chat").await;
        app.quit().await;
    })
    .await
    .expect("the shift took over 420 s");
}
