//! The server actions of the workstation's outbox items (issue 6): appeals started by hand
//! and marked as spam, every ticket action after its creation (T2-T5), KB drafts (C8) and groups (C6). The store writes
//! these payloads (camelCase ids); a payload that cannot be read fails its item for good.

use linedesk_protocol::Action;

/// The action of an outbox item of `kind`, or why it can never be sent.
pub(crate) fn action_of(kind: &str, payload: &serde_json::Value) -> Result<Action, String> {
    let number = |name: &str| {
        payload[name]
            .as_i64()
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| format!("payload has no {name}"))
    };
    let text = |name: &str| {
        payload[name]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("payload has no {name}"))
    };
    let ticket = || number("ticketId");
    Ok(match kind {
        "appeal.start" => Action::StartAppeal {
            line: number("lineId")?,
            client: number("clientId")?,
            appeal_type: payload
                .get("appealType")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string),
        },
        "appeal.spam" => Action::MarkSpam {
            appeal: number("appealId")?,
        },
        "appeal.wait" => Action::WaitForClient {
            appeal: number("appealId")?,
        },
        "appeal.type" => Action::SetAppealType {
            appeal: number("appealId")?,
            appeal_type: text("appealType")?,
        },
        "ticket.save" => Action::SaveTicket { ticket: ticket()? },
        "ticket.dispatch" => Action::DispatchTicket {
            ticket: ticket()?,
            queue: number("queueId")?,
        },
        "ticket.take" => Action::TakeTicket { ticket: ticket()? },
        "ticket.reject" => Action::RejectTicket {
            ticket: ticket()?,
            reason: text("reason")?,
        },
        "ticket.forward" => Action::ForwardTicket {
            ticket: ticket()?,
            queue: number("queueId")?,
        },
        "ticket.comment" => Action::CommentTicket {
            ticket: ticket()?,
            text: text("text")?,
        },
        "ticket.repeat" => Action::RepeatTicket {
            ticket: ticket()?,
            comment: text("comment")?,
            client_insists: payload["clientInsists"].as_bool().unwrap_or(false),
        },
        "ticket.close" => Action::CloseTicket { ticket: ticket()? },
        "ticket.dispute" => Action::DisputeTicket {
            ticket: ticket()?,
            reason: text("reason")?,
        },
        "kb.draft" => Action::SaveKbDraft {
            line: number("lineId")?,
            subject: text("subject")?,
            text: text("text")?,
        },
        "group.create" => Action::CreateGroup {
            line: number("lineId")?,
            client: number("clientId")?,
            title: text("title")?,
            members: payload["members"]
                .as_array()
                .ok_or("payload has no members")?
                .iter()
                .map(|m| m.as_u64().ok_or("a member is not an id"))
                .collect::<Result<_, _>>()?,
        },
        "group.add" => Action::AddGroupMember {
            group: number("groupId")?,
            specialist: number("specialistId")?,
        },
        "group.remove" => Action::RemoveGroupMember {
            group: number("groupId")?,
            specialist: number("specialistId")?,
        },
        "profile.set" => Action::SetProfile {
            name: text("name")?,
            position: text("position")?,
        },
        "group.message" => Action::GroupMessage {
            group: number("groupId")?,
            text: text("text")?,
        },
        other => return Err(format!("unknown action kind {other:?}")),
    })
}
