//! One PostgreSQL connection used synchronously: `tokio-postgres` with its connection task on
//! the backend's own tokio runtime, and each query's future blocked on with `futures-executor`
//! by the calling thread. The client's futures talk to the connection task over channels and
//! need no runtime of their own, so a call works from any thread, a tokio worker's included
//! (where the `postgres` crate's `block_on` would panic), and holds that thread as SQLite's
//! lock does. Prepared statements are kept per connection, by their SQL.

use std::cell::RefCell;
use std::collections::HashMap;

use linedesk_line::RepoError;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use crate::storage::StorageError;

/// A query's parameters.
pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A PostgreSQL error as the line sees it: `postgres.<SQLSTATE>` and the message.
pub(crate) fn pg(err: tokio_postgres::Error) -> RepoError {
    let code = err.code().map_or_else(
        || "postgres".to_string(),
        |c| format!("postgres.{}", c.code()),
    );
    let message = match err.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => err.to_string(),
    };
    RepoError::new(code, message)
}

impl From<tokio_postgres::Error> for StorageError {
    fn from(err: tokio_postgres::Error) -> StorageError {
        StorageError::Backend(pg(err))
    }
}

/// Whether `err` is a unique or foreign key violation (a constraint refused the row).
pub(crate) fn is_constraint(err: &tokio_postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(c) if *c == SqlState::UNIQUE_VIOLATION
            || *c == SqlState::FOREIGN_KEY_VIOLATION
            || *c == SqlState::CHECK_VIOLATION
    )
}

/// A constraint's refusal of `name` as `Exists`, anything else as the backend's error.
pub(crate) fn exists(what: &'static str, name: &str, err: tokio_postgres::Error) -> StorageError {
    if is_constraint(&err) {
        StorageError::Exists {
            what,
            name: name.to_string(),
        }
    } else {
        err.into()
    }
}

pub(crate) fn id(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

pub(crate) fn sql_id(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The connection, used from one thread at a time (the backend's lock).
pub(crate) struct Db {
    client: Client,
    statements: RefCell<HashMap<String, Statement>>,
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

impl Db {
    pub(crate) fn new(client: Client) -> Db {
        Db {
            client,
            statements: RefCell::default(),
        }
    }

    fn statement(&self, sql: &str) -> Result<Statement, tokio_postgres::Error> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = block_on(self.client.prepare(sql))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Run statements without parameters (transaction control, migrations).
    pub(crate) fn batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        block_on(self.client.batch_execute(sql))
    }

    /// Run one statement; how many rows it changed.
    pub(crate) fn exec(&self, sql: &str, params: Params<'_>) -> Result<u64, tokio_postgres::Error> {
        let s = self.statement(sql)?;
        block_on(self.client.execute(&s, params))
    }

    pub(crate) fn rows(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let s = self.statement(sql)?;
        block_on(self.client.query(&s, params))
    }

    pub(crate) fn opt(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, tokio_postgres::Error> {
        let s = self.statement(sql)?;
        block_on(self.client.query_opt(&s, params))
    }

    pub(crate) fn one(&self, sql: &str, params: Params<'_>) -> Result<Row, tokio_postgres::Error> {
        let s = self.statement(sql)?;
        block_on(self.client.query_one(&s, params))
    }

    /// Every row of `sql` (no parameters) given to `f` as it arrives, so a table of any size
    /// is read without holding it all.
    pub(crate) fn each_row(
        &self,
        sql: &str,
        f: &mut dyn FnMut(&Row) -> Result<(), StorageError>,
    ) -> Result<(), StorageError> {
        let s = self.statement(sql)?;
        let stream = Box::pin(block_on(
            self.client.query_raw(&s, std::iter::empty::<i64>()),
        )?);
        for row in futures_executor::block_on_stream(stream) {
            f(&row?)?;
        }
        Ok(())
    }

    /// `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
    pub(crate) fn transaction<T, E: From<tokio_postgres::Error>>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, E>,
    ) -> Result<T, E> {
        self.batch("BEGIN")?;
        match f(self) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // The error is what the caller needs; a failed rollback leaves the connection
                // in a failed transaction, which the next BEGIN reports.
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}
