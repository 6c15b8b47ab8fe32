//! What an event of a line's log means for the local store.

use linedesk_domain::appeal::TransferTarget;
use linedesk_protocol::{ClientProfile, Event, Role, wire_code};
use linedesk_store::colleague_profile::ColleagueProfileChange;
use linedesk_store::groups::GroupChange;
use linedesk_store::remote_sessions::RemoteSessionChange;
use linedesk_store::replica::{ClientRecord, CompanyRecord, RemoteChange};
use linedesk_store::{AppealNoteChange, Author, CallQualityChange, CallQualityEntry};

fn id(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn client_record(client: u64, p: ClientProfile) -> ClientRecord {
    let company = p.company.map(|name| CompanyRecord {
        name,
        inn: p.inn,
        reg_number: p.company_reg,
        its_contract: p.its_contract,
        support_params: p.support_params,
    });
    ClientRecord {
        id: id(client),
        name: p.name,
        login_id: p.connect_id,
        email: p.email,
        phone: p.phone,
        company,
        position: p.position,
        department: p.department,
        region: p.region,
        birth_date: p.birth_date,
        vip: p.vip,
        work_status: p.work_status,
        responsible: p.responsible,
        guest: p.guest,
    }
}

/// The change `event` (stamped `at_ms` by the server) makes in the store of specialist `me`.
pub(crate) fn remote_change(event: Event, at_ms: i64, me: u64) -> RemoteChange {
    match event {
        Event::LineNamed { name } => RemoteChange::Line { name },
        Event::ClientUpserted { client, profile } => {
            RemoteChange::Client(Box::new(client_record(client, *profile)))
        }
        Event::MessagePosted {
            client,
            from_specialist,
            text,
            key,
            ..
        } => RemoteChange::Message {
            client: id(client),
            author: if from_specialist.is_some() {
                Author::Specialist
            } else {
                Author::Client
            },
            text,
            at: at_ms,
            origin_key: key,
        },
        Event::AppealAssigned {
            appeal,
            client,
            specialist,
        } => RemoteChange::AppealHeld {
            client: id(client),
            appeal: id(appeal),
            specialist: id(specialist),
            mine: specialist == me,
        },
        Event::AppealQueued { appeal, client } => RemoteChange::Queued {
            client: id(client),
            appeal: id(appeal),
        },
        Event::SlaStarted {
            client,
            reaction_due_ms,
            resolution_due_ms,
            ..
        } => RemoteChange::Deadlines {
            client: id(client),
            reaction_due: reaction_due_ms,
            resolution_due: resolution_due_ms,
        },
        Event::SlaAtRisk { client, .. } => RemoteChange::SlaAlert {
            client: id(client),
            breached: false,
        },
        Event::SlaBreached { client, .. } => RemoteChange::SlaAlert {
            client: id(client),
            breached: true,
        },
        Event::AppealWaiting { client, .. } => RemoteChange::Waiting {
            client: id(client),
            waiting: true,
            resolution_due: None,
        },
        Event::AppealResumed {
            client,
            resolution_due_ms,
            ..
        } => RemoteChange::Waiting {
            client: id(client),
            waiting: false,
            resolution_due: resolution_due_ms,
        },
        Event::ReplyAwaited {
            client,
            auto_finish_at_ms,
            finish_allowed_at_ms,
            ..
        } => RemoteChange::ReplyAwaited {
            client: id(client),
            auto_finish_at: auto_finish_at_ms,
            finish_allowed_at: finish_allowed_at_ms,
        },
        Event::AppealFinished {
            appeal,
            client,
            result,
        } => RemoteChange::AppealEnded {
            client: id(client),
            appeal: id(appeal),
            result: Some(result),
            spam_by: None,
            at: at_ms,
        },
        // Kept by the server; the store has nothing to show for them yet (SLA badges, tickets
        // and ratings are the workstation issue's).
        Event::CallRinging {
            call, client, from, ..
        } => RemoteChange::CallRinging {
            call: id(call),
            client: id(client),
            by_client: from == Role::Client,
            at: at_ms,
        },
        Event::CallConnected { call, client, .. } => RemoteChange::CallConnected {
            call: id(call),
            client: id(client),
            at: at_ms,
        },
        Event::CallEnded {
            call,
            reason,
            connected_ms,
            ..
        } => RemoteChange::CallEnded {
            call: id(call),
            reason: wire_code(reason),
            connected_ms,
        },
        // Issue 18: a PBX call on the client's timeline as an ended call, from when it
        // connected.
        Event::PbxCallLogged {
            call,
            client,
            inbound,
            connected_ms,
            ..
        } => {
            let connected_ms = id(connected_ms);
            RemoteChange::PbxCall {
                call: id(call),
                client: id(client),
                by_client: inbound,
                at: at_ms.saturating_sub(connected_ms),
                connected_ms,
            }
        }
        Event::CallRecorded {
            call,
            bytes,
            duration_ms,
            gaps,
            ..
        } => RemoteChange::CallRecorded {
            call: id(call),
            bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
            duration_ms: i64::try_from(duration_ms).unwrap_or(i64::MAX),
            gaps: gaps
                .iter()
                .map(|g| linedesk_store::RecordingGapEntry {
                    at_ms: i64::try_from(g.at_ms).unwrap_or(i64::MAX),
                    length_ms: i64::try_from(g.length_ms).unwrap_or(i64::MAX),
                })
                .collect(),
        },
        Event::TicketCreated {
            ticket,
            number,
            client,
            subject,
            text,
            appeal,
            entry,
        } => RemoteChange::TicketCreated {
            id: id(ticket),
            client: id(client),
            number: number.to_string(),
            subject,
            text,
            state: "open".into(),
            at: at_ms,
            appeal: appeal.map(id),
            entry,
        },
        Event::TicketChanged {
            ticket,
            state,
            repeat,
            queue,
            entry,
            ..
        } => RemoteChange::TicketChanged {
            id: id(ticket),
            state: wire_code(state),
            repeat,
            at: at_ms,
            queue: queue.map(id),
            entry,
        },
        Event::SpecialistServes { specialist, name } => RemoteChange::Colleague {
            id: id(specialist),
            name,
        },
        Event::PresenceChanged { specialist, status } => RemoteChange::Presence {
            id: id(specialist),
            status: status.code().to_string(),
        },
        Event::RemoteRequested {
            session,
            client,
            specialist,
            specialist_name,
            mode,
            ..
        } => RemoteChange::RemoteSession(RemoteSessionChange::Requested {
            session: id(session),
            client: id(client),
            specialist: id(specialist),
            specialist_name,
            mode: wire_code(mode),
            at: at_ms,
        }),
        Event::RemoteStarted { session, .. } => {
            RemoteChange::RemoteSession(RemoteSessionChange::Started {
                session: id(session),
                at: at_ms,
            })
        }
        Event::RemoteEnded {
            session,
            by,
            reason,
            duration_ms,
            ..
        } => RemoteChange::RemoteSession(RemoteSessionChange::Ended {
            session: id(session),
            by: wire_code(by),
            reason: wire_code(reason),
            duration_ms: duration_ms.map(|d| i64::try_from(d).unwrap_or(i64::MAX)),
            at: at_ms,
        }),
        // --- Workstation (issue 6) ---
        Event::AppealOpened {
            appeal,
            client,
            channel,
        } => RemoteChange::AppealOpened {
            client: id(client),
            appeal: id(appeal),
            channel: channel.code().to_string(),
            at: at_ms,
        },
        Event::AppealTransferred {
            appeal,
            client,
            from,
            to,
            reason,
            target,
        } => RemoteChange::AppealNote {
            tier: match target {
                Some(TransferTarget::Tier(tier)) => Some(wire_code(tier)),
                _ => None,
            },
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: "transferred",
                by: Some(id(from)),
                to: to.map(id),
                target: match (target, to) {
                    (Some(TransferTarget::Tier(tier)), _) => format!("tier:{}", wire_code(tier)),
                    (Some(TransferTarget::Line(line)), _) => format!("line:{}", line.0),
                    (_, Some(_)) => "colleague".into(),
                    (_, None) => "queue".into(),
                },
                detail: reason,
                at: at_ms,
            },
        },
        Event::AppealRated {
            appeal,
            client,
            stars,
            comment,
        } => RemoteChange::AppealNote {
            tier: None,
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: "rated",
                by: None,
                to: None,
                target: stars.to_string(),
                detail: comment.unwrap_or_default(),
                at: at_ms,
            },
        },
        // C8: no appeal: the note's appeal is 0, the article's id and title are kept.
        Event::ArticleHelped {
            client,
            article,
            title,
        } => RemoteChange::AppealNote {
            tier: None,
            note: AppealNoteChange {
                client: id(client),
                appeal: 0,
                kind: "article_helped",
                by: None,
                to: None,
                target: article.to_string(),
                detail: title,
                at: at_ms,
            },
        },
        // Shown on the appeal's timeline like its other notes.
        Event::CallBackRequested { appeal, client } => RemoteChange::AppealNote {
            tier: None,
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: "call_back",
                by: None,
                to: None,
                target: String::new(),
                detail: String::new(),
                at: at_ms,
            },
        },
        Event::AppealMarkedSpam {
            appeal,
            client,
            specialist,
        } => RemoteChange::AppealEnded {
            client: id(client),
            appeal: id(appeal),
            result: None,
            spam_by: Some(id(specialist)),
            at: at_ms,
        },
        Event::TicketQueueNamed { queue, name } => RemoteChange::TicketQueue {
            id: id(queue),
            name,
        },
        Event::FileShared {
            file,
            client,
            from_specialist,
            name,
            size,
            ..
        } => RemoteChange::FileShared {
            client: id(client),
            file: id(file),
            author: if from_specialist.is_some() {
                Author::Specialist
            } else {
                Author::Client
            },
            name,
            size: id(size),
            at: at_ms,
        },
        Event::CallStats {
            call,
            from,
            quality: q,
            ..
        } => RemoteChange::CallQuality(CallQualityChange {
            call: id(call),
            entry: CallQualityEntry {
                from: if from == Role::Client {
                    "client"
                } else {
                    "specialist"
                }
                .to_string(),
                mos_centi: i64::from(q.mos_centi),
                loss_permille: i64::from(q.loss_permille),
                late_permille: i64::from(q.late_permille),
                jitter_ms: i64::from(q.jitter_ms),
                rtt_ms: q.rtt_ms.map(i64::from),
                far_loss_permille: q.far_loss_permille.map(i64::from),
                far_jitter_ms: q.far_jitter_ms.map(i64::from),
            },
        }),
        // The leg rings the colleague as a call of its own (`CallRinging`); the timeline
        // shows the hand-over once it happened.
        Event::CallTransferring { .. } => RemoteChange::Skip,
        // Who held the call when (A3 for calls): `target` names the call and its new leg.
        Event::CallTransferred {
            call,
            leg,
            appeal,
            client,
            from,
            to,
        } => RemoteChange::AppealNote {
            tier: None,
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: "call_transferred",
                by: Some(id(from)),
                to: Some(id(to)),
                target: format!("{call}>{leg}"),
                detail: String::new(),
                at: at_ms,
            },
        },
        // A consultation rings and connects between the two specialists' apps; the timeline
        // shows it once it ended.
        Event::CallConsulting { .. } | Event::ConsultationConnected { .. } => RemoteChange::Skip,
        // Who held the call when, including the consultation: `target` names the call and the
        // consultation, `detail` how it ended and how long the two talked ("hung_up 61000";
        // "-" when they never did).
        Event::ConsultationEnded {
            call,
            consultation,
            appeal,
            client,
            from,
            to,
            reason,
            connected_ms,
            ..
        } => RemoteChange::AppealNote {
            tier: None,
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: "call_consulted",
                by: Some(id(from)),
                to: Some(id(to)),
                target: format!("{call}>{consultation}"),
                detail: format!(
                    "{} {}",
                    wire_code(reason),
                    connected_ms.map_or_else(|| "-".to_string(), |ms| ms.to_string())
                ),
                at: at_ms,
            },
        },
        // Issue 14: the three-way join, on the timeline when it happened (who brought whom in):
        // `target` names the call and the consultation.
        Event::ConsultationJoined {
            call,
            consultation,
            appeal,
            client,
            from,
            to,
        } => RemoteChange::AppealNote {
            tier: None,
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: "call_joined",
                by: Some(id(from)),
                to: Some(id(to)),
                target: format!("{call}>{consultation}"),
                detail: String::new(),
                at: at_ms,
            },
        },
        Event::ClosingSettingsChanged {
            closing_phrases,
            auto_finish_minutes,
        } => RemoteChange::ClosingPhrases {
            phrases: crate::reference::checked_phrases(closing_phrases),
            auto_finish_minutes,
        },
        // A3: the history that led to a transfer from another line, on the timeline of the
        // appeal it continues in, at the time it was written there.
        Event::ConversationCarried {
            appeal,
            client,
            author,
            text,
            file,
            at_ms: written_at,
            ..
        } => RemoteChange::AppealNote {
            tier: None,
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: if file { "carried_file" } else { "carried" },
                by: None,
                to: None,
                target: author.map_or_else(|| "client".into(), |name| format!("specialist:{name}")),
                detail: text,
                at: written_at,
            },
        },
        Event::AppealTyped {
            appeal,
            client,
            appeal_type,
            by,
        } => RemoteChange::AppealTyped {
            note: AppealNoteChange {
                client: id(client),
                appeal: id(appeal),
                kind: "typed",
                by: by.map(id),
                to: None,
                // S5: given at registration (it chose the SLA level) or chosen later (S3: it
                // moved no deadline).
                target: if by.is_some() { "chosen" } else { "registered" }.to_string(),
                detail: appeal_type.clone(),
                at: at_ms,
            },
            appeal_type,
        },
        // The session fetches that part again (`Replica::stale_reference`).
        Event::ReferenceChanged { .. } => RemoteChange::Skip,
        Event::GroupCreated {
            group,
            client,
            title,
            by,
            members,
            ..
        } => RemoteChange::Group(GroupChange::Created {
            group: id(group),
            client: id(client),
            title,
            by: id(by),
            members: members
                .into_iter()
                .map(|m| (id(m.specialist), m.name))
                .collect(),
            at: at_ms,
        }),
        Event::GroupMemberAdded { group, member, .. } => {
            RemoteChange::Group(GroupChange::MemberAdded {
                group: id(group),
                specialist: id(member.specialist),
                name: member.name,
            })
        }
        Event::GroupMemberRemoved {
            group, specialist, ..
        } => RemoteChange::Group(GroupChange::MemberRemoved {
            group: id(group),
            specialist: id(specialist),
        }),
        Event::GroupMessagePosted {
            group,
            from_specialist,
            text,
            key,
            ..
        } => RemoteChange::Group(GroupChange::Message {
            group: id(group),
            from_specialist: from_specialist.map(id),
            text,
            at: at_ms,
            origin_key: key,
        }),
        // W1: the avatar itself is fetched by the session when its version changed.
        Event::SpecialistProfiled {
            specialist,
            name,
            position,
            avatar,
        } => RemoteChange::ColleagueProfile(ColleagueProfileChange {
            id: id(specialist),
            name,
            position,
            avatar: i64::from(avatar),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a3_a_carried_message_is_a_timeline_note_at_the_time_it_was_written() {
        let event = Event::ConversationCarried {
            appeal: 12,
            client: 4,
            from_line: 1,
            from_appeal: 3,
            author: Some("Смирнова Анна".into()),
            text: "счёт.pdf".into(),
            file: true,
            at_ms: 1_000,
        };
        match remote_change(event, 9_000, 7) {
            RemoteChange::AppealNote { note, tier: None } => {
                assert_eq!(
                    (
                        note.kind,
                        note.target.as_str(),
                        note.detail.as_str(),
                        note.at
                    ),
                    (
                        "carried_file",
                        "specialist:Смирнова Анна",
                        "счёт.pdf",
                        1_000
                    )
                );
                assert_eq!((note.client, note.appeal), (4, 12));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a4_changed_closing_phrases_replace_the_stores_copy_checked_at_the_boundary() {
        let long = "я".repeat(linedesk_protocol::MAX_CLOSING_PHRASE_CHARS + 1);
        let event = Event::ClosingSettingsChanged {
            auto_finish_minutes: 15,
            closing_phrases: vec!["Всего доброго!".into(), long, "Обращайтесь".into()],
        };
        let RemoteChange::ClosingPhrases {
            phrases,
            auto_finish_minutes,
        } = remote_change(event, 1, 1)
        else {
            panic!("closing phrases");
        };
        assert_eq!(phrases, ["Всего доброго!", "Обращайтесь"]);
        // A5: the announced time is kept too (the app shows it).
        assert_eq!(auto_finish_minutes, 15);
    }

    #[test]
    fn a_call_transfer_is_a_note_on_the_appeal_naming_both_holders() {
        let change = remote_change(
            Event::CallTransferred {
                call: 5,
                leg: 6,
                appeal: 7,
                client: 3,
                from: 1,
                to: 2,
            },
            2_000,
            1,
        );
        let RemoteChange::AppealNote { tier: None, note } = change else {
            panic!("{change:?}");
        };
        assert_eq!(
            (note.kind, note.by, note.to, note.target.as_str(), note.at),
            ("call_transferred", Some(1), Some(2), "5>6", 2_000)
        );
    }

    #[test]
    fn a_join_is_a_note_saying_who_brought_whom_in_when() {
        let change = remote_change(
            Event::ConsultationJoined {
                call: 5,
                consultation: 8,
                appeal: 7,
                client: 3,
                from: 1,
                to: 2,
            },
            9_500,
            3,
        );
        let RemoteChange::AppealNote { tier: None, note } = change else {
            panic!("{change:?}");
        };
        assert_eq!(
            (note.kind, note.by, note.to, note.target.as_str(), note.at),
            ("call_joined", Some(1), Some(2), "5>8", 9_500)
        );
    }

    #[test]
    fn a_consultation_is_a_note_saying_with_whom_how_it_ended_and_how_long_they_talked() {
        let ended = |reason, connected_ms| {
            remote_change(
                Event::ConsultationEnded {
                    call: 5,
                    consultation: 8,
                    appeal: 7,
                    client: 3,
                    from: 1,
                    to: 2,
                    by: Some(1),
                    reason,
                    connected_ms,
                },
                9_000,
                2,
            )
        };
        let RemoteChange::AppealNote { tier: None, note } =
            ended(linedesk_protocol::CallEndReason::Transferred, Some(4_000))
        else {
            panic!("a note");
        };
        assert_eq!(
            (note.kind, note.by, note.to, note.target.as_str()),
            ("call_consulted", Some(1), Some(2), "5>8")
        );
        assert_eq!((note.detail.as_str(), note.at), ("transferred 4000", 9_000));
        let RemoteChange::AppealNote { note, .. } =
            ended(linedesk_protocol::CallEndReason::Declined, None)
        else {
            panic!("a note");
        };
        assert_eq!(note.detail, "declined -");
    }

    #[test]
    fn a_partys_call_statistics_go_to_the_calls_quality() {
        let change = remote_change(
            Event::CallStats {
                call: 5,
                appeal: 2,
                client: 40,
                specialist: Some(3),
                from: Role::Specialist,
                quality: linedesk_protocol::CallQuality {
                    loss_permille: 12,
                    jitter_ms: 4,
                    mos_centi: 420,
                    far_loss_permille: Some(48),
                    far_jitter_ms: Some(5),
                    ..Default::default()
                },
            },
            1_000,
            1,
        );
        let RemoteChange::CallQuality(q) = change else {
            panic!("{change:?}");
        };
        assert_eq!((q.call, q.entry.from.as_str()), (5, "specialist"));
        assert_eq!(
            (q.entry.mos_centi, q.entry.loss_permille, q.entry.jitter_ms),
            (420, 12, 4)
        );
        assert_eq!(
            (q.entry.far_loss_permille, q.entry.far_jitter_ms),
            (Some(48), Some(5))
        );
    }

    #[test]
    fn a_call_back_request_is_a_note_on_the_appeal() {
        let change = remote_change(
            Event::CallBackRequested {
                appeal: 7,
                client: 3,
            },
            1_000,
            1,
        );
        let RemoteChange::AppealNote { tier: None, note } = change else {
            panic!("{change:?}");
        };
        assert_eq!(
            (note.client, note.appeal, note.kind, note.at),
            (3, 7, "call_back", 1_000)
        );
    }
}
