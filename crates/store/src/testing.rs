//! Fresh databases for tests: a temporary SQLite file, or a new database on the PostgreSQL server
//! named by `TRAINYARD_TEST_PG_URL`. When that variable is set the server must be reachable:
//! tests fail rather than silently skip PostgreSQL.

use crate::{Store, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A database created for one test; `url` connects to it.
pub struct TestDatabase {
    pub url: String,
    pub kind: Kind,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

/// The PostgreSQL server for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("TRAINYARD_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Replaces the database name in a `postgres://…/db?params` URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, params) = url
        .split_once('?')
        .map(|(b, p)| (b, Some(p)))
        .unwrap_or((url, None));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(p) = params {
        out.push('?');
        out.push_str(p);
    }
    out
}

impl TestDatabase {
    pub async fn create(kind: Kind) -> Result<Self, StoreError> {
        match kind {
            Kind::Sqlite => {
                let path = std::env::temp_dir().join(format!("trainyard-test-{}.db", unique()));
                Ok(Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    kind,
                    cleanup: Cleanup::File(path),
                })
            }
            Kind::Postgres => {
                let admin_url = postgres_url().ok_or(StoreError::UnsupportedUrl(
                    "TRAINYARD_TEST_PG_URL is not set".into(),
                ))?;
                let name = format!("trainyard_test_{}", unique());
                let admin = Store::connect(&admin_url).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(admin.pool())
                    .await?;
                admin.close().await;
                Ok(Self {
                    url: with_database(&admin_url, &name),
                    kind,
                    cleanup: Cleanup::Database { admin_url, name },
                })
            }
        }
    }

    /// Removes the database. Call after the last connection to it is closed.
    pub async fn remove(self) {
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                if let Ok(admin) = Store::connect(&admin_url).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(admin.pool())
                    .await;
                    admin.close().await;
                }
            }
        }
    }
}

/// Runs `f` and returns, beside its output, the plan of every list query it ran (the page and its
/// count), as the database chose them. Query-plan tests use it to prove that lists are served by
/// their indexes.
pub async fn capture_plans<F: std::future::Future>(
    f: F,
) -> (F::Output, Vec<crate::row::QueryPlan>) {
    crate::row::PLANS
        .scope(std::cell::RefCell::new(Vec::new()), async {
            let out = f.await;
            let plans = crate::row::PLANS.with(|p| p.take());
            (out, plans)
        })
        .await
}
