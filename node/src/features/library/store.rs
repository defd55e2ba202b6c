//! Library entries and their versions.

use crate::core::store::outbox::{applied, WrittenAlongside};
use crate::core::store::{Db, Refusal, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: String,
    pub owner_id: String,
    pub is_local: i64,
    pub title: String,
    pub summary_md: Option<String>,
    pub summary_html: String,
    pub licence: String,
    pub topic: String,
    pub kind: String,
    pub published_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub entry_id: String,
    /// 1 for the first upload, then 2, 3…
    pub seq: i64,
    pub version: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub file_name: String,
    /// Where it downloads from: this node for local entries, the owning node for others.
    pub url: String,
    pub uploaded_at: i64,
}

/// What the library's list filters by.
#[derive(Debug, Clone, Default)]
pub struct LibraryQuery {
    pub text: Option<String>,
    pub topic: Option<String>,
    pub kind: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

const ENTRY_COLUMNS: &str = "id, owner_id, is_local, title, summary_md, summary_html, licence, \
    topic, kind, published_at, updated_at";
const VERSION_COLUMNS: &str =
    "entry_id, seq, version, sha256, size, media_type, file_name, url, uploaded_at";

fn like(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Db {
    /// Writes an entry and, when it is new, or newer than what is here and from the same
    /// owner, replaces its versions with `versions`. Returns whether it was written.
    pub async fn put_library_entry(
        &self,
        entry: &EntryRow,
        versions: &[VersionRow],
    ) -> Result<bool, StoreError> {
        applied(self.write_rows(&EntryWrite { entry, versions }).await)
    }

    pub async fn library_entry(&self, id: &str) -> Result<Option<EntryRow>, StoreError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM library_entries WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    /// An entry's versions, oldest first.
    pub async fn library_versions(&self, entry: &str) -> Result<Vec<VersionRow>, StoreError> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM library_versions WHERE entry_id = $1 ORDER BY seq"
        );
        Ok(sqlx::query_as(&sql)
            .bind(entry)
            .fetch_all(self.read())
            .await?)
    }

    /// A version of a local entry kept under `sha256`: what the file is served as.
    pub async fn local_library_file(&self, sha256: &str) -> Result<Option<VersionRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM library_versions v JOIN library_entries e ON e.id = v.entry_id \
             WHERE v.sha256 = $1 AND e.is_local = 1 ORDER BY v.uploaded_at DESC LIMIT 1",
            VERSION_COLUMNS
                .split(", ")
                .map(|c| format!("v.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(sqlx::query_as(&sql)
            .bind(sha256)
            .fetch_optional(self.read())
            .await?)
    }

    /// How many versions of local entries are kept under `sha256`.
    pub async fn local_library_file_uses(&self, sha256: &str) -> Result<i64, StoreError> {
        let n: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM library_versions v JOIN library_entries e \
             ON e.id = v.entry_id WHERE v.sha256 = $1 AND e.is_local = 1",
        )
        .bind(sha256)
        .fetch_one(self.read())
        .await?;
        Ok(n.0)
    }

    /// Removes an entry of `owner` and its versions; returns the versions it had, or `None` if
    /// there was no such entry.
    pub async fn delete_library_entry(
        &self,
        id: &str,
        owner: &str,
    ) -> Result<Option<Vec<VersionRow>>, StoreError> {
        let versions = self.library_versions(id).await?;
        let removed = applied(self.write_rows(&EntryRemoval { id, owner }).await)?;
        Ok(removed.then_some(versions))
    }

    /// The entries of one co-op, newest change first.
    pub async fn library_entries_of(&self, owner: &str) -> Result<Vec<EntryRow>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM library_entries WHERE owner_id = $1 \
             ORDER BY updated_at DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(owner)
            .fetch_all(self.read())
            .await?)
    }

    /// The library: entries known here, newest change first, by words, topic and kind.
    pub async fn library(&self, q: &LibraryQuery) -> Result<Vec<EntryRow>, StoreError> {
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM library_entries WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        if let Some(t) = &q.text {
            for word in t.split_whitespace().take(8) {
                binds.push(like(word));
                let n = binds.len();
                sql.push_str(&format!(
                    " AND (LOWER(title) LIKE ${n} ESCAPE '\\' \
                     OR LOWER(summary_html) LIKE ${n} ESCAPE '\\' \
                     OR topic LIKE ${n} ESCAPE '\\' OR LOWER(licence) LIKE ${n} ESCAPE '\\')"
                ));
            }
        }
        if let Some(t) = &q.topic {
            binds.push(t.to_lowercase());
            sql.push_str(&format!(" AND topic = ${}", binds.len()));
        }
        if let Some(k) = &q.kind {
            binds.push(k.to_lowercase());
            sql.push_str(&format!(" AND kind = ${}", binds.len()));
        }
        sql.push_str(&format!(
            " ORDER BY updated_at DESC, id LIMIT {} OFFSET {}",
            q.limit, q.offset
        ));
        let mut query = sqlx::query_as(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        Ok(query.fetch_all(self.read()).await?)
    }

    /// The topics in the library, for the filter, most used first.
    pub async fn library_topics(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT topic, COUNT(*) AS n FROM library_entries WHERE topic <> '' \
             GROUP BY topic ORDER BY n DESC, topic LIMIT 100",
        )
        .fetch_all(self.read())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// An entry and its versions, written as one: refused as stale unless the entry is new, or
/// newer than what is here and from the same owner.
pub struct EntryWrite<'a> {
    pub entry: &'a EntryRow,
    pub versions: &'a [VersionRow],
}

#[async_trait::async_trait]
impl WrittenAlongside for EntryWrite<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        let e = self.entry;
        let sql = format!(
            "INSERT INTO library_entries ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE SET title = excluded.title, \
             summary_md = excluded.summary_md, summary_html = excluded.summary_html, \
             licence = excluded.licence, topic = excluded.topic, kind = excluded.kind, \
             updated_at = excluded.updated_at \
             WHERE library_entries.owner_id = excluded.owner_id \
             AND library_entries.updated_at <= excluded.updated_at"
        );
        let done = sqlx::query(&sql)
            .bind(&e.id)
            .bind(&e.owner_id)
            .bind(e.is_local)
            .bind(&e.title)
            .bind(&e.summary_md)
            .bind(&e.summary_html)
            .bind(&e.licence)
            .bind(&e.topic)
            .bind(&e.kind)
            .bind(e.published_at)
            .bind(e.updated_at)
            .execute(&mut **tx)
            .await?;
        Refusal::Stale.unless_written(&done)?;
        sqlx::query("DELETE FROM library_versions WHERE entry_id = $1")
            .bind(&e.id)
            .execute(&mut **tx)
            .await?;
        let sql = format!(
            "INSERT INTO library_versions ({VERSION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        );
        for v in self.versions {
            sqlx::query(&sql)
                .bind(&e.id)
                .bind(v.seq)
                .bind(&v.version)
                .bind(&v.sha256)
                .bind(v.size)
                .bind(&v.media_type)
                .bind(&v.file_name)
                .bind(&v.url)
                .bind(v.uploaded_at)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// The removal of an entry of `owner` with its versions; refused as missing if there is none.
pub struct EntryRemoval<'a> {
    pub id: &'a str,
    pub owner: &'a str,
}

#[async_trait::async_trait]
impl WrittenAlongside for EntryRemoval<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM library_versions WHERE entry_id IN \
             (SELECT id FROM library_entries WHERE id = $1 AND owner_id = $2)",
        )
        .bind(self.id)
        .bind(self.owner)
        .execute(&mut **tx)
        .await?;
        let done = sqlx::query("DELETE FROM library_entries WHERE id = $1 AND owner_id = $2")
            .bind(self.id)
            .bind(self.owner)
            .execute(&mut **tx)
            .await?;
        Refusal::Missing.unless_written(&done)
    }
}
