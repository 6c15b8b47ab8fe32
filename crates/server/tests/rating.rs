//! A4 over real sockets: the client rates their own finished appeal once, 1 to 5 stars.

mod common;

use common::{Client, events, submit, world};
use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, ErrorCode, Event, ServerFrame};

fn code(frame: &ServerFrame) -> Option<ErrorCode> {
    match frame {
        ServerFrame::Error { code, .. } => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn a4_the_client_rates_their_finished_appeal_once() {
    let w = world().await;
    let mut anna = Client::signed_in(w.addr, "anna", "anna-pass").await;
    let status = Action::SetPresence {
        status: PresenceStatus::Available,
    };
    assert!(matches!(
        submit(&mut anna, "p", status).await,
        ServerFrame::Ack { .. }
    ));
    let mut ivanova = Client::signed_in(w.addr, "ivanova", "ivanova-pass").await;
    let hello = Action::ClientMessage {
        text: "Не проводится документ".into(),
    };
    assert!(matches!(
        submit(&mut ivanova, "m1", hello).await,
        ServerFrame::Ack { .. }
    ));
    let appeal = 1;
    let rate = |stars: u8| Action::RateAppeal {
        appeal,
        stars,
        comment: None,
    };

    assert_eq!(
        code(&submit(&mut ivanova, "r0", rate(5)).await),
        Some(ErrorCode::Invalid),
        "not finished yet"
    );
    // A ticket may be registered from the appeal.
    let ticket = Action::CreateTicket {
        line: w.line_a,
        client: w.client_a,
        appeal: Some(appeal),
        subject: "Проведение".into(),
        text: "Документ не проводится".into(),
    };
    assert!(matches!(
        submit(&mut anna, "t1", ticket).await,
        ServerFrame::Ack { .. }
    ));
    let finish = Action::FinishAppeal {
        appeal,
        result: "Перепроведён".into(),
    };
    assert!(matches!(
        submit(&mut anna, "f1", finish).await,
        ServerFrame::Ack { .. }
    ));

    let mut sidorov = Client::signed_in(w.addr, "sidorov", "sidorov-pass").await;
    assert_eq!(
        code(&submit(&mut sidorov, "s1", rate(1)).await),
        Some(ErrorCode::Forbidden),
        "not theirs"
    );
    assert_eq!(
        code(&submit(&mut anna, "a1", rate(5)).await),
        Some(ErrorCode::Forbidden),
        "clients rate"
    );
    for (key, stars) in [("r1", 0), ("r2", 6)] {
        assert_eq!(
            code(&submit(&mut ivanova, key, rate(stars)).await),
            Some(ErrorCode::Invalid),
            "{stars}"
        );
    }
    // A comment over its limit is refused naming the field, and nothing is rated.
    let long = Action::RateAppeal {
        appeal,
        stars: 4,
        comment: Some("д".repeat(linedesk_protocol::MAX_RATING_COMMENT_CHARS + 1)),
    };
    match submit(&mut ivanova, "r-long", long).await {
        ServerFrame::Error {
            code: ErrorCode::TooLong,
            field,
            ..
        } => assert_eq!(field.as_deref(), Some("comment")),
        other => panic!("{other:?}"),
    }
    let comment = "Спасибо, <b>быстро</b>!";
    let with_comment = Action::RateAppeal {
        appeal,
        stars: 4,
        comment: Some(format!(" {comment}\n")),
    };
    assert!(matches!(
        submit(&mut ivanova, "r3", with_comment.clone()).await,
        ServerFrame::Ack {
            duplicate: false,
            ..
        }
    ));
    assert!(matches!(
        submit(&mut ivanova, "r3", with_comment).await,
        ServerFrame::Ack {
            duplicate: true,
            ..
        }
    ));
    assert_eq!(
        code(&submit(&mut ivanova, "r4", rate(5)).await),
        Some(ErrorCode::Invalid),
        "once"
    );
    assert_eq!(
        code(
            &submit(
                &mut ivanova,
                "r5",
                Action::RateAppeal {
                    appeal: 77,
                    stars: 5,
                    comment: None,
                }
            )
            .await
        ),
        Some(ErrorCode::Invalid)
    );

    // The specialist and the client read the comment as it was written (trimmed): text.
    let expected = Event::AppealRated {
        appeal,
        client: w.client_a,
        stars: 4,
        comment: Some(comment.into()),
    };
    for (login, password) in [("anna", "anna-pass"), ("ivanova", "ivanova-pass")] {
        let mut reader = Client::signed_in(w.addr, login, password).await;
        let log = events(&mut reader, w.line_a, 0).await;
        let rated: Vec<&Event> = log
            .iter()
            .filter(|e| matches!(e, Event::AppealRated { .. }))
            .collect();
        assert_eq!(rated, [&expected], "{login}: {log:?}");
    }
}
