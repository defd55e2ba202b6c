//! Storage: one interface over SQLite (the embedded default) and PostgreSQL.
//!
//! Queries are written once in SQL both engines accept (`$1` placeholders, `ON CONFLICT`,
//! `RETURNING`) and run through sqlx's `Any` driver; where the engines differ (claiming queue
//! rows) the query is chosen by [`Backend`]. Times are milliseconds since the epoch and flags are
//! integers, so every row decodes the same way on both. This module owns SQL and nothing else: no
//! HTTP, no JSON-LD.

pub mod actors;
pub mod blocks;
pub mod cache;
pub mod deliveries;
pub mod follows;
pub mod inbox;
pub mod outbox;
pub mod transfer;
pub mod users;

use std::{path::Path, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool, Executor,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    /// A conditional write alongside an activity (a move of credits) was refused; nothing was
    /// written.
    #[error("{0}")]
    Refused(Refusal),
}

/// Why a conditional write was refused. Nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("insufficient balance")]
    /// The paying account holds less than the amount.
    Insufficient,
    /// The write (a transfer, a remote event, a refund) is recorded already.
    #[error("recorded already")]
    AlreadyRecorded,
    /// What is stored is newer, or belongs to another actor: the write is older news.
    #[error("a newer version is stored already")]
    Stale,
    /// There is no such row of the actor's to change or remove.
    #[error("not found")]
    Missing,
}

impl Refusal {
    /// Refused for this reason when a conditional write touched no row.
    pub fn unless_written(self, done: &sqlx::any::AnyQueryResult) -> Result<(), StoreError> {
        if done.rows_affected() == 0 {
            return Err(StoreError::Refused(self));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database. On SQLite all writes share one connection, so writers queue in the pool
/// instead of sleeping in SQLite's busy handler; reads run beside them (WAL). On PostgreSQL
/// both are the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// Query pages that this process's writes invalidate (the catalogue's).
    pub(crate) pages: std::sync::Arc<cache::PageCache>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Db {
    /// The SQLite URL for a database file in a data folder.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("coopnet.db").display()
        )
    }

    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let options: AnyConnectOptions = url.parse()?;
        let db = match backend {
            Backend::Sqlite => {
                let write = sqlite_pool(1, false).connect_with(options.clone()).await?;
                let read = sqlite_pool(8, true).connect_with(options).await?;
                Db {
                    read,
                    write,
                    backend,
                    pages: Default::default(),
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await?;
                Db {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    pages: Default::default(),
                }
            }
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&db.write).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&db.write).await?,
        }
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn read(&self) -> &AnyPool {
        &self.read
    }

    pub(crate) fn write(&self) -> &AnyPool {
        &self.write
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// A SQLite pool. Readers map the file into memory (shared with the OS page cache, not copied
/// per connection); the writer does not, since remapping a growing file costs more than it saves.
fn sqlite_pool(size: u32, reads: bool) -> AnyPoolOptions {
    let pragmas = if reads {
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; \
         PRAGMA foreign_keys=ON; PRAGMA mmap_size=1073741824; PRAGMA cache_size=-8000; \
         PRAGMA temp_store=MEMORY;"
    } else {
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; \
         PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
    };
    AnyPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(60))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(pragmas).await?;
                Ok(())
            })
        })
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// RFC 3339 for a stored time, as ActivityStreams wants it.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads an ActivityStreams time; `None` for anything unreadable.
pub fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}
