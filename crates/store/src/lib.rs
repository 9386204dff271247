//! Persistence for Trainyard: one schema and one set of SQL statements for SQLite and PostgreSQL,
//! through sqlx's `Any` driver. This crate is the only place that writes SQL.
//!
//! Conventions: instants are `i64` UTC milliseconds, money `i64` minor units beside a currency,
//! booleans 0/1. Every write runs in a [`Tx`] from [`Store::write`]; on SQLite that transaction
//! takes the write lock up front (`BEGIN IMMEDIATE`), so the "check then write" pattern cannot
//! deadlock or fail with SQLITE_BUSY.

pub mod account_tokens;
pub mod agreements;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod bench_year;
pub mod bookings;
pub mod budgets;
pub mod cancellation;
pub mod certificates;
pub mod clients;
pub mod closures;
pub mod compliance;
pub mod costs;
pub mod courses;
pub mod doctor;
pub mod enrollments;
mod error;
pub mod feeds;
pub mod finance_facts;
pub mod idempotency;
pub mod import;
pub mod instructors;
pub mod invoice_export;
pub mod invoice_runs;
pub mod invoices;
pub mod job_runs;
pub mod kpi;
pub mod kpi_kept;
pub mod learners;
mod migrate;
pub mod morning;
pub mod outbox;
pub mod planning;
pub mod prices;
pub mod programs;
pub mod quality;
pub mod quotes;
pub mod recurrence;
pub mod reminders;
pub mod renewals;
pub mod report_views;
pub mod resources;
pub mod row;
pub mod satisfaction;
pub mod schema;
pub mod sessions;
pub mod sso;
pub mod surveys;
mod table;
pub mod templates;
pub mod testing;
pub mod throttle;
pub mod timeline;
pub mod users;
pub mod venues;
pub mod webhooks;
pub mod xapi;

pub use error::StoreError;
pub use row::{ListParams, Page};
pub use sqlx::Error as SqlxError;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use std::str::FromStr;
use std::time::Duration;

/// A write transaction. On SQLite it also holds this process's writer turn (see [`Store::write`]).
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// SQLite: the audit key, to link this transaction's audit events into the chain just before
    /// it commits (see [`audit`]). `None` on PostgreSQL, where the sealer does that.
    seal_with: Option<audit::AuditKey>,
}

impl Tx {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // An idempotent request's claim commits (or vanishes) with its change.
        idempotency::mark_committed(&mut self.inner).await?;
        if let Some(key) = self.seal_with.take() {
            // The events this transaction wrote are chained in it, so they commit with the change.
            // Writers are serialised on SQLite, so this takes no lock anyone else waits for.
            if audit::has_pending(&mut self.inner).await? {
                audit::seal(&mut self.inner, i64::MAX, &key)
                    .await
                    .map_err(|e| match e {
                        StoreError::Database(e) => e,
                        other => sqlx::Error::Protocol(other.to_string()),
                    })?;
            }
        }
        self.inner.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}
pub type Conn = AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; waiting for it here, in arrival order, is fair, where
    /// SQLite's own busy handler lets late arrivals overtake early ones.
    writer_turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The secret that keys the audit chain ([`Store::with_audit_key`]). Without it, events are
    /// written but wait unsealed until a process that has the key seals them.
    audit_key: Option<audit::AuditKey>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(
                url.split(':').next().unwrap_or_default().to_owned(),
            ));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Temporary storage in memory: inside a long transaction every statement
                        // that may abort half-way (a trigger's RAISE, a multi-row change) keeps its
                        // undo log in a temporary file, and seeding the demo wrote 101,000 pages to
                        // such files, each a system call on the database's one worker thread.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; \
                             PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // Checkpoint the write-ahead log in the background rather than inside whichever request
            // happens to commit past the threshold: that request would otherwise stall.
            let pool = pool.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    if pool.is_closed() {
                        break;
                    }
                    if let Err(e) = sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)")
                        .execute(&pool)
                        .await
                    {
                        tracing::debug!(error = %e, "background checkpoint skipped");
                    }
                }
            });
        }
        Ok(Self {
            pool,
            backend,
            writer_turn: Default::default(),
            audit_key: None,
        })
    }

    /// This store seals the audit chain with `key` (see [`audit`]). Set it before [`Store::migrate`]:
    /// migrating records which key the chain is sealed with and refuses a different one.
    pub fn with_audit_key(mut self, key: audit::AuditKey) -> Self {
        self.audit_key = Some(key);
        self
    }

    pub fn audit_key(&self) -> Option<&audit::AuditKey> {
        self.audit_key.as_ref()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies every migration not yet applied. Safe to run from several processes at once.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        migrate::run(self).await
    }

    /// A transaction for a change. On SQLite it holds the write lock from its first statement.
    pub async fn write(&self) -> Result<Tx, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => {
                let turn = self.writer_turn.clone().lock_owned().await;
                Tx {
                    inner: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                    seal_with: self.audit_key.clone(),
                }
            }
            Backend::Postgres => Tx {
                inner: self.pool.begin().await?,
                _turn: None,
                seal_with: None,
            },
        };
        Ok(tx)
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// After a bulk load: fold SQLite's write-ahead log into the database and refresh the planner's
    /// statistics, so reads run at steady-state speed. PostgreSQL: what autovacuum would do (statistics and the
    /// visibility map that index-only counts need).
    pub async fn settle(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")
                    .execute(&self.pool)
                    .await?;
            }
            Backend::Postgres => {
                sqlx::raw_sql("VACUUM ANALYZE").execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.pool.acquire().await?;
        c.ping().await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
