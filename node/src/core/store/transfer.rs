//! Moving a node from SQLite to PostgreSQL: every table copied row for row.
//!
//! The target must be a new, empty database; it is migrated first, so both hold the same schema.
//! Tables and columns are read from SQLite itself, so tables added by later migrations are
//! copied without changes here. The copy runs in one PostgreSQL transaction: it lands whole or
//! not at all.

use sqlx::{any::AnyRow, Row};

use crate::core::store::{Backend, Db, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("the source must be SQLite and the target PostgreSQL")]
    Backends,
    #[error("the target database already holds a node; use a new, empty database")]
    TargetNotEmpty,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

struct Column {
    name: String,
    integer: bool,
}

/// Copies every table of `source` (SQLite) into `target` (PostgreSQL). Returns the row count of
/// each table copied.
pub async fn copy_sqlite_to_postgres(
    source: &Db,
    target: &Db,
) -> Result<Vec<(String, u64)>, TransferError> {
    if source.backend() != Backend::Sqlite || target.backend() != Backend::Postgres {
        return Err(TransferError::Backends);
    }
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM local_actors")
        .fetch_one(target.read())
        .await?;
    if existing > 0 {
        return Err(TransferError::TargetNotEmpty);
    }
    // Parents before children, as the foreign keys want: creation order is that order. Full-text
    // indexes (virtual tables and their shadow tables) are rebuilt by PostgreSQL itself.
    let virtual_tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
    )
    .fetch_all(source.read())
    .await?;
    let tables: Vec<String> = sqlx::query_scalar::<_, String>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx_%' ORDER BY rowid",
    )
    .fetch_all(source.read())
    .await?
    .into_iter()
    .filter(|t| !virtual_tables.iter().any(|v| t.starts_with(v.as_str())))
    .collect();

    let mut tx = target.write().begin().await?;
    let mut copied = Vec::new();
    for table in &tables {
        let columns: Vec<Column> = sqlx::query(&format!(
            "SELECT name, type FROM pragma_table_info('{table}')"
        ))
        .fetch_all(source.read())
        .await?
        .iter()
        .map(|r: &AnyRow| {
            Ok(Column {
                name: r.try_get::<String, _>(0)?,
                integer: r
                    .try_get::<String, _>(1)?
                    .to_ascii_uppercase()
                    .contains("INT"),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        let rows = sqlx::query(&format!("SELECT {} FROM {table}", names.join(", ")))
            .fetch_all(source.read())
            .await?;
        for row in &rows {
            let mut query = sqlx::query(&insert);
            for (i, column) in columns.iter().enumerate() {
                query = if column.integer {
                    query.bind(row.try_get::<Option<i64>, _>(i)?)
                } else {
                    query.bind(row.try_get::<Option<String>, _>(i)?)
                };
            }
            query.execute(&mut *tx).await?;
        }
        copied.push((table.clone(), rows.len() as u64));
    }
    // Identity columns continue after the copied ids.
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (table, column) in identities {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
             COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(copied)
}
