//! Line administration (issue 15) as every backend keeps it: quick replies with their files
//! (a file of another line refused, an unused one dropped after its grace), the team's settings
//! and roles, the lines a specialist administers, clients' cards with their 1C-Connect ID unique
//! on the line, KB articles with unique titles; each change announced in the line's log.

use linedesk_protocol::line_admin::TeamSettings;
use linedesk_protocol::{Event, ReferencePart};
use linedesk_server::storage::{QuickReply, Storage, StorageError, StoredClient};

use super::{NOW, Open, fresh, log, seed};

fn reply(title: &str, files: Vec<linedesk_server::storage::QuickReplyFile>) -> QuickReply {
    QuickReply {
        title: title.into(),
        text: format!("{title}: текст"),
        files,
    }
}

fn changed<S: Storage>(s: &S, line: u64, part: ReferencePart) -> usize {
    log(s, line)
        .iter()
        .filter(|e| matches!(&e.event, Event::ReferenceChanged { part: p } if *p == part))
        .count()
}

pub(super) fn line_administration<S: Storage>(open: Open<'_, S>) {
    let (_dir, s) = fresh(open);
    let l = seed(&s);
    let other = s.add_line("Другая").expect("line");

    // Quick replies with files of their own line.
    let file = s
        .add_quick_reply_file(l.line, "инструкция.pdf", b"%PDF-1.4", NOW)
        .expect("file");
    assert_eq!(file.size, 8);
    let theirs = s
        .add_quick_reply_file(other, "чужой.pdf", b"x", NOW)
        .expect("file");
    let refused = s.set_quick_replies(l.line, &[reply("Чужой", vec![theirs.clone()])]);
    assert!(
        matches!(refused, Err(StorageError::Invalid(_))),
        "{refused:?}"
    );
    s.set_quick_replies(
        l.line,
        &[
            reply("Привет", vec![]),
            reply("Инструкция", vec![file.clone()]),
        ],
    )
    .expect("replies");
    let replies = s.quick_replies(l.line).expect("replies");
    assert_eq!(
        replies.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["Привет", "Инструкция"]
    );
    assert_eq!(replies[1].files, vec![file.clone()]);
    assert_eq!(
        s.quick_reply_file(l.line, file.id).expect("file"),
        Some(("инструкция.pdf".to_string(), b"%PDF-1.4".to_vec()))
    );
    assert_eq!(s.quick_reply_file(l.line, theirs.id).expect("file"), None);
    assert_eq!(changed(&s, l.line, ReferencePart::QuickReplies), 1);
    // A shorter list replaces the whole one.
    s.set_quick_replies(l.line, &[reply("Привет", vec![])])
        .expect("replies");
    assert_eq!(s.quick_replies(l.line).expect("replies").len(), 1);

    // The team: roles and routing settings; the lines an admin administers.
    assert!(s.set_line_admin(l.anna, l.line, true).expect("admin"));
    assert!(!s.set_line_admin(l.anna, other, true).expect("not served"));
    let admin = s.admin_lines(l.anna).expect("lines");
    assert_eq!(admin.iter().map(|a| a.line).collect::<Vec<_>>(), [l.line]);
    assert_eq!(
        s.line_admin_role(l.vera, l.line).expect("role"),
        Some(false)
    );
    assert_eq!(s.line_admin_role(l.vera, other).expect("role"), None);
    let settings = TeamSettings {
        priority: 7,
        limit: 2,
        supervisor: true,
        line_admin: false,
    };
    assert!(s.set_team_member(l.line, l.vera, &settings).expect("vera"));
    assert!(
        !s.set_team_member(other, l.vera, &settings)
            .expect("not served")
    );
    let team = s.team(l.line).expect("team");
    assert_eq!(
        team.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["Анна", "Вера"]
    );
    assert_eq!(team[1].settings, settings);
    assert_eq!(s.line_role(l.vera, l.line).expect("role"), Some(true));

    // Clients' cards: the 1C-Connect ID once per line; a rewrite is announced.
    let card = StoredClient {
        name: "ООО Ромашка".into(),
        connect_id: Some("1c-42".into()),
        vip: true,
        responsible: vec!["Смирнова А. С.".into()],
        ..StoredClient::default()
    };
    let client = s.add_client_card(l.line, &card).expect("card");
    let again = s.add_client_card(l.line, &card);
    assert!(
        matches!(again, Err(StorageError::Exists { .. })),
        "{again:?}"
    );
    s.add_client_card(other, &card)
        .expect("another line may have it");
    let renamed = StoredClient {
        name: "ООО Ромашка и партнёры".into(),
        ..card.clone()
    };
    assert!(
        s.update_client_card(l.line, client, &renamed)
            .expect("update")
    );
    assert!(
        !s.update_client_card(other, client, &renamed)
            .expect("not its line")
    );
    let stored = s.clients_of(l.line).expect("clients");
    assert_eq!(
        stored.iter().find(|(id, _)| *id == client).map(|(_, c)| c),
        Some(&renamed)
    );
    let upserts = log(&s, l.line)
        .iter()
        .filter(|e| matches!(&e.event, Event::ClientUpserted { client: c, .. } if *c == client))
        .count();
    assert_eq!(upserts, 2, "added and rewritten");

    // KB articles: titles unique on the line; each change announced.
    let article = s
        .add_kb_article(l.line, "Печать счёта", "Откройте документ")
        .expect("article");
    let twice = s.add_kb_article(l.line, "Печать счёта", "ещё");
    assert!(
        matches!(twice, Err(StorageError::Exists { .. })),
        "{twice:?}"
    );
    assert!(
        s.update_kb_article(l.line, article, "Печать счёта на оплату", "Откройте")
            .expect("update")
    );
    let found = s.search_kb(l.line, "счет опл", 10).expect("search");
    assert_eq!(found.iter().map(|a| a.id).collect::<Vec<_>>(), [article]);
    assert!(s.delete_kb_article(l.line, article).expect("delete"));
    assert!(!s.delete_kb_article(l.line, article).expect("gone"));
    assert_eq!(changed(&s, l.line, ReferencePart::KnowledgeBase), 3);
}
