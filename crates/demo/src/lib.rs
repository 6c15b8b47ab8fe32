//! The demo world: the one place where Linedesk invents data. Pure (no IO, no clock): the
//! embedded line server seeds itself from [`world`], and the local store's tests and benches
//! use the same data, so the app shows on its first start exactly what the tests check.
//!
//! Two lines: «Линия поддержки 1С» (150 clients in 40 companies, chat history for about 50 of
//! them spread over the last 120 days so the actuality window of stream mode matters, a few
//! open appeals) and the small line «Техподдержка сотрудников» (W3, 10 colleagues).
//! Deterministic: the same every time.
//!
//! Fixed facts for tests: the client [`DEMO_SEARCH_CLIENT_NAME`] of company «ООО "Ромашка"» has
//! the INN [`DEMO_SEARCH_INN`], is VIP and has a recent conversation; searching
//! [`DEMO_SEARCH_NAME_PART`] finds her.

mod crowd;
pub use crowd::{crowd, crowd_phrase};

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
/// The demo specialist's login on the embedded server.
pub const DEMO_SPECIALIST_LOGIN: &str = "smirnova";
pub const DEMO_SPECIALIST_NAME: &str = "Смирнова Анна Сергеевна";
/// Clients of the demo line who can sign in (for the client simulator): `client-1` ...
/// `client-{DEMO_CLIENT_LOGINS}`, the first clients of the line in order.
pub const DEMO_CLIENT_LOGINS: usize = 20;

pub const MS_PER_DAY: i64 = 86_400_000;
pub const MS_PER_MINUTE: i64 = 60_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub name: String,
    pub inn: String,
    pub reg_number: String,
    pub its_contract: String,
    pub support_params: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Client,
    Specialist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub author: Author,
    pub text: String,
    /// Milliseconds before "now" (the moment of seeding).
    pub ago_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub name: String,
    /// The 1C-Connect login ID.
    pub login_id: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    /// Index into [`World::companies`].
    pub company: Option<usize>,
    pub position: String,
    pub department: String,
    pub region: String,
    pub birth_date: Option<String>,
    pub vip: bool,
    pub work_status: Option<String>,
    pub responsible: Vec<String>,
    /// Oldest first.
    pub history: Vec<Message>,
    /// The last message is the client's and the appeal is still open.
    pub open_appeal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    pub clients: Vec<Client>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub full_name: String,
    pub position: String,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub companies: Vec<Company>,
    pub lines: Vec<Line>,
    pub specialist: Profile,
}

impl World {
    pub fn company_of(&self, client: &Client) -> Option<&Company> {
        client.company.and_then(|i| self.companies.get(i))
    }
}

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

/// What demo clients write (the client simulator picks from these).
pub fn client_phrases() -> &'static [&'static str] {
    &CLIENT_LINES
}

/// The whole demo world. Message times are relative to the moment of seeding.
pub fn world() -> World {
    let mut rng = Lcg(20_261_124);
    let mut companies = Vec::with_capacity(DEMO_COMPANIES);
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
        let reg_number = format!("80{:07}", rng.below(10_000_000));
        let its_contract = rng
            .pick(&[
                "ИТС ПРОФ до 31.12.2026",
                "ИТС ТЕХНО до 30.06.2026",
                "ИТС ПРОФ до 31.03.2027",
            ])
            .to_string();
        let support_params = rng
            .pick(&[
                "Уровень поддержки «Стандарт», 8×5",
                "Уровень поддержки «Расширенный», 12×5",
                "Уровень поддержки «VIP», 24×7",
            ])
            .to_string();
        companies.push(Company {
            name,
            inn,
            reg_number,
            its_contract,
            support_params,
        });
    }

    let mut clients = Vec::with_capacity(DEMO_CLIENTS);
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
        let work_status = (i % 5 != 4).then(|| rng.pick(&WORK_STATUSES).to_string());
        let position = rng.pick(&POSITIONS).to_string();
        let department = rng.pick(&DEPARTMENTS).to_string();
        let region = rng.pick(&REGIONS).to_string();
        let mut history = Vec::new();
        let mut open_appeal = false;
        // Chat history for a third of the clients; a day offset up to 120 days back.
        if i == 0 || i % 3 == 1 {
            // A still open appeal is from today: its client wrote a few minutes ago.
            let waiting = i % 45 == 1;
            let days_back = if i == 0 || waiting {
                0
            } else {
                1 + (i as i64 * 7) % 119
            };
            let count = 2 + rng.below(14);
            let end = if waiting {
                5 * MS_PER_MINUTE
            } else {
                days_back * MS_PER_DAY + 3 * 60 * MS_PER_MINUTE
            };
            for j in 0..count {
                let step = if waiting { 2 } else { 13 } * MS_PER_MINUTE;
                let ago_ms = end + (count - j) as i64 * step;
                let (author, text) = if j % 2 == 0 {
                    (Author::Client, rng.pick(&CLIENT_LINES))
                } else {
                    (Author::Specialist, rng.pick(&SPECIALIST_LINES))
                };
                history.push(Message {
                    author,
                    text: text.to_string(),
                    ago_ms,
                });
            }
            if waiting {
                open_appeal = true;
                // An open appeal waits for an answer: it ends with the client's message.
                if history.last().map(|m| m.author) == Some(Author::Specialist) {
                    history.pop();
                }
            }
        }
        clients.push(Client {
            name: p.name,
            login_id: Some(format!("1c-{:06}", 100_000 + i * 37)),
            email: format!("{}@{domain}", p.email_local),
            phone: Some(phone),
            company: Some(i % DEMO_COMPANIES),
            position,
            department,
            region,
            birth_date: Some(birth),
            vip,
            work_status,
            responsible: vec![RESPONSIBLE[i % RESPONSIBLE.len()].to_string()],
            history,
            open_appeal,
        });
    }

    let mut staff = Vec::with_capacity(10);
    for _ in 0..10 {
        let p = person(&mut rng);
        staff.push(Client {
            name: p.name,
            login_id: None,
            email: format!("{}@linedesk.example", p.email_local),
            phone: None,
            company: None,
            position: rng.pick(&POSITIONS).to_string(),
            department: rng.pick(&DEPARTMENTS).to_string(),
            region: "Москва".to_string(),
            birth_date: None,
            vip: false,
            work_status: Some("На работе".to_string()),
            responsible: Vec::new(),
            history: Vec::new(),
            open_appeal: false,
        });
    }

    World {
        companies,
        lines: vec![
            Line {
                name: DEMO_LINE_NAME.to_string(),
                clients,
            },
            Line {
                name: DEMO_STAFF_LINE_NAME.to_string(),
                clients: staff,
            },
        ],
        specialist: Profile {
            full_name: DEMO_SPECIALIST_NAME.to_string(),
            position: "Специалист линии консультаций".to_string(),
            email: "a.smirnova@linedesk.example".to_string(),
            phone: "+7 495 000-00-00".to_string(),
        },
    }
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
        assert!(world().companies.iter().all(|c| is_valid_inn(&c.inn)));
    }

    #[test]
    fn translit_gives_ascii() {
        assert_eq!(translit("Фёдорова"), "fedorova");
        assert_eq!(translit("Щукин"), "schukin");
    }

    #[test]
    fn the_world_has_the_promised_facts() {
        let w = world();
        assert_eq!(w, world(), "deterministic");
        let line = &w.lines[0];
        assert_eq!(line.clients.len(), DEMO_CLIENTS);
        let ivanova = &line.clients[0];
        assert_eq!(ivanova.name, DEMO_SEARCH_CLIENT_NAME);
        assert!(ivanova.vip && !ivanova.history.is_empty());
        assert_eq!(
            w.company_of(ivanova).map(|c| c.inn.as_str()),
            Some(DEMO_SEARCH_INN)
        );
        let with_history = line
            .clients
            .iter()
            .filter(|c| !c.history.is_empty())
            .count();
        assert!((45..=55).contains(&with_history), "{with_history}");
        for c in line.clients.iter().filter(|c| c.open_appeal) {
            assert_eq!(c.history.last().map(|m| m.author), Some(Author::Client));
        }
        assert!(line.clients.iter().any(|c| c.open_appeal));
        assert_eq!(w.lines[1].clients.len(), 10);
    }
}
