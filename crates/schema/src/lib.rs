//! Numbered, checksummed migrations, the part every database backend shares: the app's store
//! (`migrations/`), the server's SQLite backend (`crates/server/migrations`) and a later
//! PostgreSQL backend. Pure: each backend reads and writes its own `schema_migrations` table
//! (version, name, sha256 of the SQL, when) and asks this crate what to refuse and what to run.
//!
//! A shipped migration is history: a database that recorded a migration this build does not
//! know, or one whose text changed since it was applied, is refused before anything is written.

use sha2::{Digest, Sha256};

/// One shipped migration: its number, its file name without `.sql`, its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// The sha256 of the SQL, lower-case hex: what a database records when it applies it.
    pub fn checksum(&self) -> String {
        checksum(self.sql)
    }
}

/// The sha256 of `sql`, lower-case hex.
pub fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A migration as a database recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub version: i64,
    pub name: String,
    pub checksum: String,
}

/// Why a database must not be touched by this build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the database has migration {found}; this build knows up to {known}")]
    NewerThanKnown { found: i64, known: i64 },
    #[error("migration {version} ({name}) changed since it was applied")]
    Changed { version: i64, name: String },
}

/// The newest version `shipped` knows (0 when there is none).
pub fn latest(shipped: &[Migration]) -> i64 {
    shipped.last().map_or(0, |m| m.version)
}

/// Refuse a database whose record names a migration this build does not ship, or one whose
/// name or text differs from what was applied.
pub fn check(shipped: &[Migration], recorded: &[Recorded]) -> Result<(), Refusal> {
    let known = latest(shipped);
    for r in recorded {
        let Some(m) = shipped.iter().find(|m| m.version == r.version) else {
            return Err(Refusal::NewerThanKnown {
                found: r.version,
                known,
            });
        };
        if m.name != r.name || m.checksum() != r.checksum {
            return Err(Refusal::Changed {
                version: r.version,
                name: r.name.clone(),
            });
        }
    }
    Ok(())
}

/// The shipped migrations up to `target` that `recorded` does not have yet, oldest first.
pub fn pending<'a>(
    shipped: &'a [Migration],
    recorded: &'a [Recorded],
    target: i64,
) -> impl Iterator<Item = &'a Migration> + 'a {
    shipped
        .iter()
        .filter(move |m| m.version <= target && !recorded.iter().any(|r| r.version == m.version))
}

/// What a list of shipped migrations must look like: versions from 1, increasing, each name
/// starting with its zero-padded number (`0007_calls`). Each backend's tests call it.
pub fn check_list(shipped: &[Migration]) -> Result<(), String> {
    if shipped.first().is_some_and(|m| m.version != 1) {
        return Err("the first migration is not version 1".into());
    }
    let mut last = 0;
    for m in shipped {
        if m.version <= last {
            return Err(format!("migration {} comes after {last}", m.version));
        }
        if !m.name.starts_with(&format!("{:04}_", m.version)) {
            return Err(format!(
                "{} is not named after version {}",
                m.name, m.version
            ));
        }
        last = m.version;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &[Migration] = &[
        Migration {
            version: 1,
            name: "0001_first",
            sql: "CREATE TABLE a (x);",
        },
        Migration {
            version: 2,
            name: "0002_second",
            sql: "CREATE TABLE b (y);",
        },
    ];

    fn recorded(m: &Migration) -> Recorded {
        Recorded {
            version: m.version,
            name: m.name.to_string(),
            checksum: m.checksum(),
        }
    }

    #[test]
    fn a_new_database_gets_everything_up_to_the_target_and_an_old_one_the_rest() {
        let none: Vec<Recorded> = Vec::new();
        let all: Vec<i64> = pending(SHIPPED, &none, 2).map(|m| m.version).collect();
        assert_eq!(all, [1, 2]);
        let first: Vec<i64> = pending(SHIPPED, &none, 1).map(|m| m.version).collect();
        assert_eq!(first, [1]);
        let old = vec![recorded(&SHIPPED[0])];
        assert_eq!(check(SHIPPED, &old), Ok(()));
        let rest: Vec<i64> = pending(SHIPPED, &old, 2).map(|m| m.version).collect();
        assert_eq!(rest, [2]);
    }

    #[test]
    fn an_unknown_or_edited_migration_is_refused() {
        let mut newer = vec![recorded(&SHIPPED[0]), recorded(&SHIPPED[1])];
        newer.push(Recorded {
            version: 3,
            name: "0003_future".into(),
            checksum: checksum("x"),
        });
        assert_eq!(
            check(SHIPPED, &newer),
            Err(Refusal::NewerThanKnown { found: 3, known: 2 })
        );
        let mut edited = recorded(&SHIPPED[1]);
        edited.checksum = checksum("CREATE TABLE b (y, z);");
        assert_eq!(
            check(SHIPPED, &[recorded(&SHIPPED[0]), edited]),
            Err(Refusal::Changed {
                version: 2,
                name: "0002_second".into()
            })
        );
        let mut renamed = recorded(&SHIPPED[0]);
        renamed.name = "0001_other".into();
        assert!(matches!(
            check(SHIPPED, &[renamed]),
            Err(Refusal::Changed { version: 1, .. })
        ));
    }

    #[test]
    fn a_list_out_of_order_or_misnamed_is_refused() {
        assert_eq!(check_list(SHIPPED), Ok(()));
        let swapped = [SHIPPED[1], SHIPPED[0]];
        assert!(check_list(&swapped).is_err());
        let misnamed = [Migration {
            name: "first",
            ..SHIPPED[0]
        }];
        assert!(check_list(&misnamed).is_err());
        assert!(check_list(&SHIPPED[1..]).is_err(), "must start at 1");
    }

    #[test]
    fn the_checksum_is_sha256_hex() {
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
