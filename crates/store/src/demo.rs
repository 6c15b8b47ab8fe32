//! The demo line: the one place where Linedesk invents data. The line server issue replaces it
//! with data that comes from the server.
//!
//! [`seed_if_empty`] fills an empty database with the line «Линия поддержки 1С» (150 clients in
//! 40 companies, chat history for about 50 of them, spread over the last 120 days so the
//! actuality window of stream mode matters) and the small line «Техподдержка сотрудников» (W3,
//! 10 colleagues). The data is deterministic: the same every time.
//!
//! Fixed facts for tests: the client [`DEMO_SEARCH_CLIENT_NAME`] of company «ООО "Ромашка"» has
//! the INN [`DEMO_SEARCH_INN`], is VIP and has a recent conversation; searching
//! [`DEMO_SEARCH_NAME_PART`] finds her.

use crate::Store;
use crate::chat::{Author, MessageStatus, insert_message};
use crate::error::Result;

pub const DEMO_LINE_NAME: &str = "Линия поддержки 1С";
pub const DEMO_STAFF_LINE_NAME: &str = "Техподдержка сотрудников";
pub const DEMO_SEARCH_CLIENT_NAME: &str = "Иванова Мария Петровна";
pub const DEMO_SEARCH_COMPANY: &str = "ООО \"Ромашка\"";
/// A valid 10-digit INN (checksum included).
pub const DEMO_SEARCH_INN: &str = "7701234560";
/// Lower case on purpose: search is case-insensitive.
pub const DEMO_SEARCH_NAME_PART: &str = "ивано";
pub const DEMO_CLIENTS: usize = 150;
pub const DEMO_COMPANIES: usize = 40;

const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_MINUTE: i64 = 60_000;

/// A small linear congruential generator: deterministic, good enough to vary demo data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The check digit of a 10-digit INN of an organisation.
pub fn inn_check_digit(first_nine: &[u8; 9]) -> u8 {
    const WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    let sum: u32 = first_nine
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    (sum % 11 % 10) as u8
}

/// Whether `inn` is a 10-digit organisation INN with a correct check digit.
pub fn is_valid_inn(inn: &str) -> bool {
    let digits: Vec<u8> = inn
        .bytes()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect();
    if digits.len() != 10 || inn.len() != 10 {
        return false;
    }
    let mut first = [0u8; 9];
    first.copy_from_slice(&digits[..9]);
    inn_check_digit(&first) == digits[9]
}

fn make_inn(rng: &mut Lcg) -> String {
    let region = [77u8, 78, 50, 66, 16, 54, 23, 63][rng.below(8)];
    let mut d = [0u8; 9];
    d[0] = region / 10;
    d[1] = region % 10;
    for x in d.iter_mut().skip(2) {
        *x = rng.below(10) as u8;
    }
    let check = inn_check_digit(&d);
    d.iter()
        .chain(std::iter::once(&check))
        .map(|x| char::from(b'0' + x))
        .collect()
}

const COMPANY_NAMES: [&str; 39] = [
    "Вектор",
    "Альфа-Трейд",
    "СтройИнвест",
    "Северный ветер",
    "Техносфера",
    "Гранит",
    "Меридиан",
    "Аврора",
    "Континент",
    "Прогресс",
    "Восток-Логистик",
    "Орбита",
    "Сфера",
    "Лотос",
    "Консалт-Плюс",
    "Бизнес Решения",
    "Янтарь",
    "Полюс",
    "Фортуна",
    "Зенит",
    "Радуга",
    "Ладога",
    "Сибирские сети",
    "Уральский завод металлоконструкций",
    "Агрохолдинг Кубань",
    "Дельта",
    "Импульс",
    "Кристалл",
    "Магистраль",
    "Нева-Сервис",
    "Олимп",
    "Пеликан",
    "Рубикон",
    "Садко",
    "Тайга",
    "Ферзь",
    "Хронос",
    "Эталон",
    "Юпитер",
];
const SURNAMES: [&str; 24] = [
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
];
const MALE: [&str; 12] = [
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артём",
    "Илья",
    "Кирилл",
    "Михаил",
    "Николай",
    "Павел",
];
const FEMALE: [&str; 12] = [
    "Анна",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Екатерина",
    "Светлана",
    "Юлия",
    "Дарья",
    "Марина",
    "Ксения",
];
/// (male, female) patronymics.
const PATRONYMICS: [(&str, &str); 8] = [
    ("Александрович", "Александровна"),
    ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"),
    ("Владимирович", "Владимировна"),
    ("Николаевич", "Николаевна"),
    ("Игоревич", "Игоревна"),
    ("Олегович", "Олеговна"),
    ("Иванович", "Ивановна"),
];
const POSITIONS: [&str; 8] = [
    "Главный бухгалтер",
    "Бухгалтер",
    "Директор",
    "Менеджер по продажам",
    "Кладовщик",
    "Экономист",
    "Специалист по кадрам",
    "Системный администратор",
];
const DEPARTMENTS: [&str; 6] = [
    "Бухгалтерия",
    "Дирекция",
    "Отдел продаж",
    "Склад",
    "Отдел кадров",
    "ИТ-отдел",
];
const REGIONS: [&str; 8] = [
    "Москва",
    "Санкт-Петербург",
    "Московская область",
    "Свердловская область",
    "Республика Татарстан",
    "Новосибирская область",
    "Краснодарский край",
    "Самарская область",
];
const WORK_STATUSES: [&str; 4] = ["На работе", "На работе", "В отпуске", "На больничном"];
const RESPONSIBLE: [&str; 3] = ["Смирнова А. С.", "Кузнецов Д. И.", "Орлова Е. В."];
const CLIENT_LINES: [&str; 10] = [
    "Добрый день! Не проводится документ «Реализация товаров и услуг», пишет, что не хватает остатков.",
    "Здравствуйте, после обновления 1С:Бухгалтерии не открывается отчёт по НДС.",
    "Подскажите, как загрузить банковскую выписку из клиент-банка?",
    "Не формируется 6-НДФЛ за квартал, выдаёт ошибку.",
    "Как перенести остатки из старой базы в новую?",
    "У нас не печатается счёт-фактура, макет пустой.",
    "Спасибо, всё получилось!",
    "Можно ли настроить обмен с сайтом автоматически?",
    "Не приходят сообщения из 1С-Коннекта на телефон.",
    "Подскажите по сроку действия договора ИТС.",
];
const SPECIALIST_LINES: [&str; 10] = [
    "Здравствуйте! Сейчас посмотрю, подождите пару минут.",
    "Проверьте, пожалуйста, дату документа и склад списания.",
    "Обновите, пожалуйста, конфигурацию до последнего релиза, ошибка там исправлена.",
    "Выписку загружают через «Банк и касса» → «Банковские выписки» → «Загрузить».",
    "Отправил инструкцию в чат, проверьте, пожалуйста.",
    "Подключусь к вам удалённо, если вы не против.",
    "Отчёт нужно перезаполнить после закрытия месяца.",
    "Рад был помочь! Обращайтесь.",
    "Уточните, пожалуйста, номер релиза в «О программе».",
    "Передам вопрос коллегам из второй линии, они свяжутся с вами.",
];

fn translit(s: &str) -> String {
    const MAP: [(char, &str); 33] = [
        ('а', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ё', "e"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('о', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ф', "f"),
        ('х', "h"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "sch"),
        ('ъ', ""),
        ('ы', "y"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
    ];
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            MAP.iter()
                .find(|(k, _)| *k == c)
                .map_or_else(|| c.to_string(), |(_, v)| v.to_string())
        })
        .filter(|p| p.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect()
}

struct Person {
    name: String,
    email_local: String,
}

fn person(rng: &mut Lcg) -> Person {
    let surname = rng.pick(&SURNAMES);
    let female = rng.below(2) == 0;
    let (first, patronymic) = if female {
        (
            rng.pick(&FEMALE),
            PATRONYMICS[rng.below(PATRONYMICS.len())].1,
        )
    } else {
        (rng.pick(&MALE), PATRONYMICS[rng.below(PATRONYMICS.len())].0)
    };
    let surname = if female {
        format!("{surname}а")
    } else {
        surname.to_string()
    };
    Person {
        email_local: format!(
            "{}.{}",
            translit(&first.chars().take(1).collect::<String>()),
            translit(&surname)
        ),
        name: format!("{surname} {first} {patronymic}"),
    }
}

/// Fill an empty database with the demo lines. Returns `false` (and changes nothing) when the
/// database already has lines.
pub fn seed_if_empty(store: &Store, now_ms: i64) -> Result<bool> {
    let lines: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM lines", [], |r| r.get(0))?;
    if lines > 0 {
        return Ok(false);
    }
    let mut rng = Lcg(20_261_124);
    let tx = store.conn.unchecked_transaction()?;
    tx.execute("INSERT INTO lines (name) VALUES (?1)", [DEMO_LINE_NAME])?;
    let line = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO lines (name) VALUES (?1)",
        [DEMO_STAFF_LINE_NAME],
    )?;
    let staff_line = tx.last_insert_rowid();

    let mut companies = Vec::with_capacity(DEMO_COMPANIES);
    {
        let mut insert = tx.prepare(
            "INSERT INTO companies (name, inn, reg_number, its_contract, support_params)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for i in 0..DEMO_COMPANIES {
            let (name, inn) = if i == 0 {
                (DEMO_SEARCH_COMPANY.to_string(), DEMO_SEARCH_INN.to_string())
            } else {
                let form = ["ООО", "АО", "ООО", "ЗАО"][rng.below(4)];
                (
                    format!("{form} \"{}\"", COMPANY_NAMES[i - 1]),
                    make_inn(&mut rng),
                )
            };
            let reg = format!("80{:07}", rng.below(10_000_000));
            let its = [
                "ИТС ПРОФ до 31.12.2026",
                "ИТС ТЕХНО до 30.06.2026",
                "ИТС ПРОФ до 31.03.2027",
            ][rng.below(3)];
            let params = [
                "Уровень поддержки «Стандарт», 8×5",
                "Уровень поддержки «Расширенный», 12×5",
                "Уровень поддержки «VIP», 24×7",
            ][rng.below(3)];
            insert.execute(rusqlite::params![name, inn, reg, its, params])?;
            companies.push(tx.last_insert_rowid());
        }
    }

    let mut insert_client = tx.prepare(
        "INSERT INTO clients (name, login_id, email, phone, company_id, position, department,
                              region, birth_date, vip, work_status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut connect = tx.prepare(
        "INSERT INTO line_clients (line_id, client_id, responsible) VALUES (?1, ?2, ?3)",
    )?;
    let mut open_appeal = tx.prepare(
        "UPDATE conversations SET appeal_open = 1 WHERE line_id = ?1 AND client_id = ?2",
    )?;
    for i in 0..DEMO_CLIENTS {
        let mut p = person(&mut rng);
        if i == 0 {
            p = Person {
                name: DEMO_SEARCH_CLIENT_NAME.into(),
                email_local: "m.ivanova".into(),
            };
        } else if p.name == DEMO_SEARCH_CLIENT_NAME {
            p.name = format!("{} (2)", p.name);
        }
        let company = companies[i % DEMO_COMPANIES];
        let domain = format!("client{}.ru", i % DEMO_COMPANIES + 1);
        let birth = format!(
            "{}-{:02}-{:02}",
            1960 + rng.below(40),
            1 + rng.below(12),
            1 + rng.below(28)
        );
        let phone = format!(
            "+7 9{:02} {:03}-{:02}-{:02}",
            rng.below(100),
            rng.below(1000),
            rng.below(100),
            rng.below(100)
        );
        let vip = i == 0 || i % 17 == 5;
        let work_status = (i % 5 != 4).then(|| rng.pick(&WORK_STATUSES));
        insert_client.execute(rusqlite::params![
            p.name,
            format!("1c-{:06}", 100_000 + i * 37),
            format!("{}@{domain}", p.email_local),
            phone,
            company,
            rng.pick(&POSITIONS),
            rng.pick(&DEPARTMENTS),
            rng.pick(&REGIONS),
            birth,
            vip,
            work_status,
        ])?;
        let client = tx.last_insert_rowid();
        let responsible = serde_json::json!([RESPONSIBLE[i % RESPONSIBLE.len()]]).to_string();
        connect.execute(rusqlite::params![line, client, responsible])?;

        // Chat history for a third of the clients; a day offset up to 120 days back.
        if i == 0 || i % 3 == 1 {
            let days_back = if i == 0 { 0 } else { 1 + (i as i64 * 7) % 119 };
            let count = 2 + rng.below(14);
            let end = now_ms - days_back * MS_PER_DAY - 3 * 60 * MS_PER_MINUTE;
            for j in 0..count {
                let at = end - (count - j) as i64 * 13 * MS_PER_MINUTE;
                let (author, text) = if j % 2 == 0 {
                    (Author::Client, rng.pick(&CLIENT_LINES))
                } else {
                    (Author::Specialist, rng.pick(&SPECIALIST_LINES))
                };
                insert_message(
                    &tx,
                    line,
                    client,
                    author,
                    text,
                    at,
                    MessageStatus::Delivered,
                )?;
            }
            if i % 9 == 1 {
                open_appeal.execute([line, client])?;
            }
        }
    }

    for _ in 0..10 {
        let p = person(&mut rng);
        insert_client.execute(rusqlite::params![
            p.name,
            Option::<String>::None,
            format!("{}@linedesk.example", p.email_local),
            Option::<String>::None,
            Option::<i64>::None,
            rng.pick(&POSITIONS),
            rng.pick(&DEPARTMENTS),
            "Москва",
            Option::<String>::None,
            false,
            "На работе",
        ])?;
        connect.execute(rusqlite::params![staff_line, tx.last_insert_rowid(), "[]"])?;
    }
    drop((insert_client, connect, open_appeal));

    tx.execute(
        "INSERT INTO profile (id, full_name, position, email, phone)
         VALUES (1, 'Смирнова Анна Сергеевна', 'Специалист линии консультаций',
                 'a.smirnova@linedesk.example', '+7 495 000-00-00')
         ON CONFLICT (id) DO NOTHING",
        [],
    )?;
    tx.commit()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_inn_is_valid_and_generated_ones_too() {
        assert!(is_valid_inn(DEMO_SEARCH_INN));
        assert!(!is_valid_inn("7701234561"));
        assert!(!is_valid_inn("77012345"));
        let mut rng = Lcg(1);
        for _ in 0..100 {
            assert!(is_valid_inn(&make_inn(&mut rng)));
        }
    }

    #[test]
    fn translit_gives_ascii() {
        assert_eq!(translit("Фёдорова"), "fedorova");
        assert_eq!(translit("Щукин"), "schukin");
    }
}
