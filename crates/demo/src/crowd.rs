//! A line of the demo's shape at scale, for the benchmarks of issue 16 (100,000 clients,
//! 1,000,000 messages): the same name, company, contact and phrase pools as [`crate::world`],
//! so a query finds as many clients per 100,000 as it would in a demo grown that large (a
//! surname prefix matches about 1 in 24). Deterministic for a given size.

use crate::{
    CLIENT_LINES, COMPANY_NAMES, Client, Company, DEPARTMENTS, Lcg, POSITIONS, REGIONS,
    SPECIALIST_LINES, WORK_STATUSES, make_inn, person,
};

/// Clients per company, as in the demo (150 clients in 40 companies).
const CLIENTS_PER_COMPANY: usize = 4;

/// `clients` clients (no history: the benches write their messages apart) with their
/// companies, one per [`CLIENTS_PER_COMPANY`] clients.
pub fn crowd(clients: usize) -> (Vec<Company>, Vec<Client>) {
    let mut rng = Lcg(16_100_000 + clients as u64);
    let companies: Vec<Company> = (0..clients.div_ceil(CLIENTS_PER_COMPANY))
        .map(|i| {
            let form = ["ООО", "АО", "ООО", "ЗАО"][rng.below(4)];
            Company {
                name: format!(
                    "{form} \"{} {}\"",
                    COMPANY_NAMES[i % COMPANY_NAMES.len()],
                    i
                ),
                inn: make_inn(&mut rng),
                reg_number: format!("1{:012}", rng.next() % 1_000_000_000_000),
                its_contract: "ИТС ПРОФ до 31.12.2026".to_string(),
                support_params: "Уровень поддержки «Стандарт», 8×5".to_string(),
            }
        })
        .collect();
    let clients = (0..clients)
        .map(|i| {
            let p = person(&mut rng);
            Client {
                name: p.name,
                login_id: Some(format!("1c-{:07}", 1_000_000 + i)),
                email: format!(
                    "{}{}@client{}.ru",
                    p.email_local,
                    i,
                    i / CLIENTS_PER_COMPANY
                ),
                phone: Some(format!(
                    "+7 9{:02} {:03}-{:02}-{:02}",
                    rng.below(100),
                    rng.below(1000),
                    rng.below(100),
                    rng.below(100)
                )),
                company: Some(i / CLIENTS_PER_COMPANY),
                position: rng.pick(&POSITIONS).to_string(),
                department: rng.pick(&DEPARTMENTS).to_string(),
                region: rng.pick(&REGIONS).to_string(),
                birth_date: None,
                vip: i % 17 == 5,
                work_status: (i % 5 != 4).then(|| rng.pick(&WORK_STATUSES).to_string()),
                responsible: Vec::new(),
                history: Vec::new(),
                open_appeal: false,
            }
        })
        .collect();
    (companies, clients)
}

/// The `n`-th message of a crowd's history: the demo's phrases, client and specialist in turn.
pub fn crowd_phrase(n: usize) -> &'static str {
    if n.is_multiple_of(2) {
        CLIENT_LINES[(n / 2) % CLIENT_LINES.len()]
    } else {
        SPECIALIST_LINES[(n / 2) % SPECIALIST_LINES.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crowd_is_deterministic_with_valid_inns_and_demo_shaped_names() {
        let (companies, clients) = crowd(1_000);
        assert_eq!((companies.len(), clients.len()), (250, 1_000));
        assert_eq!(crowd(1_000).1, clients);
        assert!(companies.iter().all(|c| crate::is_valid_inn(&c.inn)));
        let petrov = clients
            .iter()
            .filter(|c| c.name.starts_with("Петров"))
            .count();
        assert!((20..=70).contains(&petrov), "{petrov}");
        assert_ne!(crowd_phrase(0), crowd_phrase(1));
    }
}
