//! A4 from the command line: `linedesk-client-sim --stars N --comment TEXT` rates the finished
//! appeal with the comment, and the line's log (what the specialist's app replays) has it.

mod common;

use std::time::Duration;

use common::{available_specialist, demo_server};
use linedesk_protocol::{Action, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_rates_with_a_comment() {
    let demo = demo_server().await;
    let mut spec = available_specialist(&demo).await;
    let question = "Вопрос для оценки с комментарием";
    let comment = "Спасибо, помогли <b>быстро</b>";
    let args: Vec<String> = [
        "--server",
        &demo.url,
        "--clients",
        "client-5",
        "--messages",
        "1",
        "--say",
        question,
        "--wait",
        "20",
        "--rate-share",
        "1",
        "--stars",
        "4",
        "--comment",
        comment,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cli = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_linedesk-client-sim"))
            .args(args)
            .output()
            .expect("the command runs")
    });
    let within = Some(Duration::from_secs(20));
    let (client, appeal) = spec
        .event_within(within, |e| match e {
            Event::MessagePosted {
                client,
                from_specialist: None,
                text,
                appeal: Some(appeal),
                ..
            } if text == question => Some((*client, *appeal)),
            _ => None,
        })
        .await
        .expect("the link")
        .expect("the client's question in time");
    spec.submit(Action::SendMessage {
        line: demo.line,
        client,
        text: "Ответ".into(),
    })
    .await
    .expect("answer");
    spec.submit(Action::FinishAppeal {
        appeal,
        result: "Помогли".into(),
    })
    .await
    .expect("finish");
    let rated = spec
        .event_within(within, |e| match e {
            Event::AppealRated {
                appeal: a,
                stars,
                comment,
                ..
            } if *a == appeal => Some((*stars, comment.clone())),
            _ => None,
        })
        .await
        .expect("the link")
        .expect("the rating in time");
    assert_eq!(rated, (4, Some(comment.to_string())));
    let output = cli.await.expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("rated appeal {appeal} with 4 stars: {comment}")),
        "{stdout}"
    );
}
