//! Migration 4 (admins, revocation) moves a database of migration 3 forward: the tokens given
//! out before it still sign in, and admin tokens can be stored after it.

use linedesk_server::app::now_ms;
use linedesk_server::auth::{hash_password, new_token};
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::{Revoked, Storage, Subject};

#[test]
fn a_version_3_database_keeps_its_tokens_and_gains_admins_and_revocations() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("server.db");
    let (token, hash) = new_token().expect("token");
    {
        let conn = rusqlite::Connection::open(&file).expect("open");
        for sql in [
            include_str!("../migrations/0001_server.sql"),
            include_str!("../migrations/0002_routing.sql"),
            include_str!("../migrations/0003_client_fields.sql"),
        ] {
            conn.execute_batch(sql).expect("migrate");
        }
        conn.execute_batch(
            "PRAGMA user_version = 3;
             INSERT INTO specialists (login, password_hash, name) VALUES ('anna', 'x', 'Анна');",
        )
        .expect("seed");
        conn.execute(
            "INSERT INTO tokens (token_hash, role, subject_id, expires_at) VALUES (?1, 'specialist', 1, ?2)",
            rusqlite::params![hash, now_ms() + 60_000],
        )
        .expect("token");
    }
    let storage = SqliteStorage::open(&file).expect("migrated");
    let now = now_ms();
    assert_eq!(
        storage.token_owner(&hash, now).expect("owner"),
        Some(Subject::specialist(1)),
        "{token} survives the rebuilt table"
    );
    let root = storage
        .add_admin("root", &hash_password("root-pass").expect("hash"))
        .expect("admin");
    storage
        .save_token("admin-token", Subject::admin(root), now + 60_000)
        .expect("admin token");
    assert_eq!(
        storage.token_owner("admin-token", now).expect("owner"),
        Some(Subject::admin(root))
    );
    assert_eq!(storage.last_revocation().expect("last"), 0);
    assert_eq!(
        storage.revoke_login("anna", now).expect("revoke"),
        Some((Subject::specialist(1), 1))
    );
    assert!(storage.revoke_token("admin-token", now).expect("revoke"));
    assert!(!storage.revoke_token("admin-token", now).expect("twice"));
    let log: Vec<Revoked> = storage
        .revocations_after(0)
        .expect("log")
        .into_iter()
        .map(|r| r.revoked)
        .collect();
    assert_eq!(
        log,
        [
            Revoked::Subject(Subject::specialist(1)),
            Revoked::Token("admin-token".into())
        ]
    );
    assert_eq!(storage.token_owner(&hash, now).expect("owner"), None);
}
