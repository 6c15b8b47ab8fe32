//! Seeding a server with the demo world of `linedesk-demo`: what the app's embedded server and
//! `linedesk-server seed-demo` start from.
//!
//! Everything goes through the [`Storage`] trait and the same actions real clients and
//! specialists send (a client's message opens an appeal, the specialist takes it, answers and
//! finishes it), only dated in the past, so the event log the app replays is an honest one.

use linedesk_demo::{Author, DEMO_CLIENT_LOGINS, DEMO_SPECIALIST_LOGIN, World};
use std::collections::HashMap;

use linedesk_domain::presence::PresenceStatus;
use linedesk_protocol::{Action, Event};

use crate::storage::{
    Applied, KbArticle, QuickReply, Storage, StorageError, StoredClient, Subject,
};

/// The password of the demo clients `client-1` ... `client-20`, for the client simulator. The
/// embedded server listens on 127.0.0.1 only; a real server never runs `seed_if_empty`.
pub const DEMO_CLIENT_PASSWORD: &str = "demo-client";

/// Colleagues on the demo line (W3 and transfers need someone to transfer to). Their passwords
/// are random: nobody signs in as them unless an admin sets one.
const COLLEAGUES: [(&str, &str); 2] = [
    ("kuznetsov", "Кузнецов Дмитрий Игоревич"),
    ("orlova", "Орлова Елена Викторовна"),
];

/// A4: the demo line's recommended closing phrases (seed 000); no auto-finish (A5), so the
/// demo's past appeals stay as they were.
fn demo_closing() -> linedesk_line::ClosingSettings {
    linedesk_line::ClosingSettings {
        auto_finish_minutes: 0,
        closing_phrases: vec![
            "Могу ли я вам ещё чем-то помочь?".to_string(),
            "Спасибо за ваше обращение! Всего доброго.".to_string(),
        ],
    }
}

/// S1/S5: the demo lines' SLA levels, with conditions so that the level an appeal gets
/// depends on it (seed 002's example: by the appeal's type and the client): VIP clients first,
/// then errors, then consultations, else "Default". The types they name are the ones a
/// specialist chooses from (S5).
fn demo_sla_levels() -> Result<linedesk_domain::sla::LevelSet, StorageError> {
    use linedesk_domain::sla::{
        Conditions, LevelSet, SupportLevel, parse_calendar, parse_duration,
    };
    let bad = |e: &dyn std::fmt::Display| StorageError::Invalid(format!("demo SLA: {e}"));
    let level = |name: &str, calendar: &str, times: [&str; 2], conditions: Conditions| {
        Ok::<_, StorageError>(SupportLevel {
            name: name.to_string(),
            calendar: parse_calendar(calendar).map_err(|e| bad(&e))?,
            reaction: parse_duration(times[0]).map_err(|e| bad(&e))?,
            resolution: parse_duration(times[1]).map_err(|e| bad(&e))?,
            conditions,
        })
    };
    let kinds = |k: &[&str]| Conditions {
        kinds: k.iter().map(|k| k.to_string()).collect(),
        ..Conditions::default()
    };
    let [calendar, reaction, resolution] = linedesk_line::BUILTIN_DEFAULT;
    LevelSet::new(vec![
        level(
            "VIP",
            "tz Europe/Moscow; Mon-Fri 08-20",
            ["15m", "4h"],
            Conditions {
                vip: Some(true),
                ..Conditions::default()
            },
        )?,
        level("Ошибки", calendar, ["30m", "8h"], kinds(&["Ошибка"]))?,
        level(
            "Консультации",
            calendar,
            ["2h", "16h"],
            kinds(&["Консультация", "Вопрос по учёту"]),
        )?,
        level(
            linedesk_domain::sla::DEFAULT_LEVEL,
            calendar,
            [reaction, resolution],
            Conditions::default(),
        )?,
    ])
    .map_err(|e| bad(&e))
}

/// C8: quick replies of the demo line; `{client}`, `{appeal}` and `{specialist}` are filled in
/// by the app.
fn demo_quick_replies() -> Vec<QuickReply> {
    [
        (
            "Приветствие",
            "Здравствуйте, {client}! Меня зовут {specialist}, я помогу с вашим вопросом.",
        ),
        (
            "Уточнить релиз",
            "Подскажите, пожалуйста, номер релиза: «Справка» → «О программе».",
        ),
        (
            "Подключусь удалённо",
            "{client}, разрешите подключиться к вашему компьютеру — так будет быстрее.",
        ),
        (
            "Передаю коллегам",
            "Передаю ваш вопрос коллегам второй линии, они свяжутся с вами.",
        ),
        (
            "Завершение",
            "Рад был помочь! Номер вашего обращения — {appeal}. Хорошего дня!",
        ),
    ]
    .into_iter()
    .map(|(title, text)| QuickReply {
        files: Vec::new(),
        title: title.to_string(),
        text: text.to_string(),
    })
    .collect()
}

/// C8: the demo line's knowledge base.
fn demo_kb() -> Vec<KbArticle> {
    [
        ("Как загрузить банковскую выписку", "Раздел «Банк и касса» → «Банковские выписки» → «Загрузить». Выберите файл 1c_to_kl.txt из клиент-банка."),
        ("Не проводится реализация: не хватает остатков", "Проверьте дату документа и склад списания; сформируйте отчёт «Остатки товаров» на дату документа. Отрицательные остатки можно разрешить в «Настройках учёта»."),
        ("Ошибка 6-НДФЛ за квартал", "Перед формированием 6-НДФЛ выполните «Проверку расчётов» и обновите конфигурацию до последнего релиза."),
        ("Обмен с сайтом", "Настройки обмена: «Администрирование» → «Обмен данными» → «Обмен с сайтом». Расписание задаётся в регламентном задании."),
        ("Счёт-фактура печатается пустым", "Откройте «Печать» → «Счёт-фактура» и проверьте макет: после обновления восстановите стандартный макет."),
        ("Отчёт по НДС не открывается после обновления", "Выполните «Тестирование и исправление» информационной базы, затем откройте отчёт заново."),
    ]
    .into_iter()
    .map(|(title, body)| KbArticle {
        id: 0,
        title: title.to_string(),
        body: body.to_string(),
    })
    .collect()
}

/// What the seed created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoIds {
    pub lines: Vec<u64>,
    pub specialist: u64,
}

pub fn client_profile(world: &World, client: &linedesk_demo::Client) -> StoredClient {
    let company = world.company_of(client);
    StoredClient {
        name: client.name.clone(),
        connect_id: client.login_id.clone(),
        email: Some(client.email.clone()),
        phone: client.phone.clone(),
        company: company.map(|c| c.name.clone()),
        inn: company.map(|c| c.inn.clone()),
        company_reg: company.map(|c| c.reg_number.clone()),
        its_contract: company.map(|c| c.its_contract.clone()),
        support_params: company.map(|c| c.support_params.clone()),
        position: Some(client.position.clone()),
        department: Some(client.department.clone()),
        region: Some(client.region.clone()),
        birth_date: client.birth_date.clone(),
        vip: client.vip,
        work_status: client.work_status.clone(),
        responsible: client.responsible.clone(),
        guest: false,
    }
}

/// Seed the demo world unless the demo specialist exists already. `hash` turns a password into
/// a stored hash (argon2 in production; tests may pass a cheap one). Returns `None` when the
/// server was seeded before.
pub fn seed_if_empty(
    storage: &dyn Storage,
    now_ms: i64,
    specialist_password_hash: &str,
    hash: &dyn Fn(&str) -> Result<String, StorageError>,
) -> Result<Option<DemoIds>, StorageError> {
    if storage.account_by_login(DEMO_SPECIALIST_LOGIN)?.is_some() {
        return Ok(None);
    }
    let world = linedesk_demo::world();
    let specialist = storage.add_specialist(
        DEMO_SPECIALIST_LOGIN,
        specialist_password_hash,
        &world.specialist.full_name,
    )?;
    let mut colleagues = Vec::new();
    for (login, name) in COLLEAGUES {
        let password = crate::auth::new_token()
            .map_err(|e| StorageError::Invalid(e.to_string()))?
            .0;
        colleagues.push(storage.add_specialist(login, &hash(&password)?, name)?);
    }
    let client_hash = hash(DEMO_CLIENT_PASSWORD)?;
    let mut lines = Vec::new();
    // Every step of every client's past, replayed in time order across clients.
    let mut history: Vec<Step> = Vec::new();
    for (index, line) in world.lines.iter().enumerate() {
        let line_id = storage.add_line(&line.name)?;
        lines.push(line_id);
        if line.name == linedesk_demo::DEMO_STAFF_LINE_NAME {
            // W3: the specialists' own support line, where the Help button asks.
            storage.set_staff_line(Some(line_id))?;
        }
        storage.serve_line(specialist, line_id, 10, 8)?;
        // The demo's specialist supervises its lines: the Reports view shows the whole line.
        storage.set_supervisor(specialist, line_id, true)?;
        // ... and administers the first one (issue 15, item 4: Administration, Alt+5): a line
        // admin's role is per line, so the second line's settings stay out of her hands.
        storage.set_line_admin(specialist, line_id, index == 0)?;
        storage.set_sla_levels(line_id, &demo_sla_levels()?)?;
        for colleague in &colleagues {
            storage.serve_line(*colleague, line_id, 5, 5)?;
        }
        if index == 0 {
            storage.set_quick_replies(line_id, &demo_quick_replies())?;
            storage.set_closing_settings(line_id, &demo_closing())?;
            storage.import_kb(line_id, &demo_kb())?;
        }
        let rows: Vec<(usize, StoredClient)> = line
            .clients
            .iter()
            .enumerate()
            .map(|(row, c)| (row + 1, client_profile(&world, c)))
            .collect();
        let refused = storage.import_clients(line_id, &rows)?;
        if let Some((row, why)) = refused.first() {
            return Err(StorageError::Invalid(format!("demo client {row}: {why}")));
        }
        let ids = storage.clients_of(line_id)?;
        for (n, ((client_id, _), client)) in ids.iter().zip(&line.clients).enumerate() {
            if index == 0 && n < DEMO_CLIENT_LOGINS {
                storage.set_client_login(*client_id, &format!("client-{}", n + 1), &client_hash)?;
            }
            plan_history(&mut history, now_ms, line_id, *client_id, client);
        }
    }
    history.sort_by_key(|step| step.at);
    let me = Subject::specialist(specialist);
    let mut open: HashMap<u64, u64> = HashMap::new();
    // Busy: routing gives nothing by itself, but the specialist may take appeals by hand (P3).
    let first = history.first().map_or(now_ms, |s| s.at) - 1;
    storage.apply(
        me,
        "demo-busy",
        &Action::SetPresence {
            status: PresenceStatus::Busy,
        },
        first,
    )?;
    for (n, step) in history.iter().enumerate() {
        let (actor, action) = match &step.what {
            What::ClientWrites(text) => (
                Subject::client(step.client),
                Action::ClientMessage { text: text.clone() },
            ),
            What::SpecialistAnswers(text) => (
                me,
                Action::SendMessage {
                    line: step.line,
                    client: step.client,
                    text: text.clone(),
                },
            ),
            What::Take | What::Finish => {
                let Some(appeal) = open.get(&step.client).copied() else {
                    continue;
                };
                if matches!(step.what, What::Take) {
                    (me, Action::TakeAppeal { appeal })
                } else {
                    open.remove(&step.client);
                    (
                        me,
                        Action::FinishAppeal {
                            appeal,
                            result: "Консультация оказана".into(),
                        },
                    )
                }
            }
        };
        let applied = storage.apply(actor, &format!("demo-{n}"), &action, step.at)?;
        if let Applied::Done(events) = applied {
            for e in events {
                if let Event::AppealOpened { appeal, client, .. } = e.event {
                    open.insert(client, appeal);
                }
            }
        }
    }
    storage.apply(
        me,
        "demo-offline",
        &Action::SetPresence {
            status: PresenceStatus::Offline,
        },
        now_ms,
    )?;
    Ok(Some(DemoIds { lines, specialist }))
}

struct Step {
    at: i64,
    line: u64,
    client: u64,
    what: What,
}

enum What {
    ClientWrites(String),
    SpecialistAnswers(String),
    /// The demo specialist takes the client's open appeal.
    Take,
    Finish,
}

/// The steps of a client's past: their first message opens an appeal that the demo specialist
/// takes at once and finishes after the last answer. A still open appeal is left in the line's
/// queue: routing gives it to the specialist when they go Available.
fn plan_history(
    out: &mut Vec<Step>,
    now_ms: i64,
    line: u64,
    client: u64,
    demo: &linedesk_demo::Client,
) {
    let last = demo.history.len();
    let mut step = |at: i64, what: What| {
        out.push(Step {
            at,
            line,
            client,
            what,
        });
    };
    for (i, m) in demo.history.iter().enumerate() {
        let at = now_ms - m.ago_ms;
        match m.author {
            Author::Client => step(at, What::ClientWrites(m.text.clone())),
            Author::Specialist => step(at, What::SpecialistAnswers(m.text.clone())),
        }
        if i == 0 && !demo.open_appeal {
            step(at + 1, What::Take);
        }
        if i + 1 == last && !demo.open_appeal {
            step(at + 1, What::Finish);
        }
    }
}
