//! The client index (`client_search`, FTS5) built once at the end of a store's first sync.
//!
//! Kept a row at a time by triggers, the index is most of the cost of writing a line's first
//! replay: 100,000 client cards took about three times as long with it as without it
//! (BENCHMARKS.md). A store with no clients yet defers it: the triggers do nothing while
//! `client_index_deferred` holds its row, and [`Store::catch_up_client_index`] fills the index
//! from `client_search_source` in one statement when the replay has caught up. A store closed
//! in the middle catches up when it is opened again, so search never stays partial.

use crate::{Result, Store};

impl Store {
    /// Defer the client index if this store holds no client yet (its first sync); returns
    /// whether the index is deferred now. A store with clients keeps its index row by row.
    pub fn defer_client_index_if_empty(&self) -> Result<bool> {
        let tx = self.conn.unchecked_transaction()?;
        let empty = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM clients)", [], |r| {
            r.get::<_, bool>(0)
        })?;
        if empty {
            tx.execute(
                "INSERT INTO client_index_deferred (only) VALUES (1) ON CONFLICT DO NOTHING",
                [],
            )?;
        }
        tx.commit()?;
        self.client_index_deferred()
    }

    /// Whether the client index waits for [`Store::catch_up_client_index`].
    pub fn client_index_deferred(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM client_index_deferred)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Build the deferred client index from the clients now in the store and keep it row by
    /// row again; nothing to do when it was not deferred.
    pub fn catch_up_client_index(&self) -> Result<()> {
        if !self.client_index_deferred()? {
            return Ok(());
        }
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch(
            "DELETE FROM client_index_deferred;
             DELETE FROM client_search;
             INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone,
                                        reg_number)
             SELECT id, name, login_id, email, company, inn, phone, reg_number
             FROM client_search_source;",
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::replica::RemoteChange;

    fn client(id: i64, name: &str) -> RemoteChange {
        RemoteChange::Client(Box::new(crate::replica::ClientRecord {
            id,
            name: name.into(),
            login_id: None,
            email: Some(format!("c{id}@example.org")),
            phone: None,
            company: None,
            position: None,
            department: None,
            region: None,
            birth_date: None,
            vip: false,
            work_status: None,
            responsible: Vec::new(),
            guest: false,
        }))
    }

    fn found(store: &Store, query: &str) -> Vec<i64> {
        store
            .search_clients(1, query, 50)
            .expect("search")
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn a_first_sync_builds_the_index_at_its_end_and_then_keeps_it_row_by_row() {
        let store = Store::open_in_memory().expect("store");
        store
            .apply_remote(1, &[(1, RemoteChange::Line { name: "L".into() })])
            .expect("line");
        assert!(store.defer_client_index_if_empty().expect("defer"));
        store
            .apply_remote(
                1,
                &[
                    (2, client(10, "Иванова Анна")),
                    (3, client(11, "Петров Ёж")),
                ],
            )
            .expect("clients");
        // Deferred: the word index does not have them yet (surnames come from the name index).
        assert_eq!(found(&store, "Иванова"), [10]);
        assert!(
            found(&store, "c10").is_empty(),
            "deferred: not in the word index yet"
        );
        store.catch_up_client_index().expect("catch up");
        assert!(!store.client_index_deferred().expect("flag"));
        assert_eq!(found(&store, "Иванова"), [10]);
        assert_eq!(found(&store, "петров"), [11]);
        assert_eq!(found(&store, "c10"), [10]);
        // Row by row again: a new card and a changed one are found at once.
        store
            .apply_remote(
                1,
                &[(4, client(12, "Сидоров")), (5, client(10, "Смирнова Анна"))],
            )
            .expect("more");
        assert_eq!(found(&store, "Сидоров"), [12]);
        assert_eq!(found(&store, "c12"), [12]);
        assert_eq!(found(&store, "Смирнова"), [10]);
        assert!(found(&store, "Иванова").is_empty());
        // A store with clients never defers.
        assert!(!store.defer_client_index_if_empty().expect("not empty"));
    }

    #[test]
    fn a_store_closed_in_the_middle_of_its_first_sync_catches_up_when_opened() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("store.db");
        {
            let store = Store::open(&path).expect("store");
            store
                .apply_remote(1, &[(1, RemoteChange::Line { name: "L".into() })])
                .expect("line");
            assert!(store.defer_client_index_if_empty().expect("defer"));
            store
                .apply_remote(1, &[(2, client(10, "Иванова Анна"))])
                .expect("client");
        }
        let store = Store::open(&path).expect("again");
        assert!(!store.client_index_deferred().expect("flag"));
        assert_eq!(found(&store, "c10"), [10]);
    }
}
