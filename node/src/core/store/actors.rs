//! Local actors (the instance, co-ops, members) and the remote actors we have met.

use crate::core::store::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LocalActorRow {
    pub id: String,
    pub username: String,
    pub actor_type: String,
    pub coop_kind: Option<String>,
    pub name: String,
    pub summary: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub icon_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RemoteActorRow {
    pub id: String,
    pub username: String,
    pub host: String,
    pub actor_type: String,
    pub name: String,
    pub summary: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub coop_kind: Option<String>,
    pub icon_url: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub outbox: Option<String>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub fetched_at: i64,
}

const LOCAL_COLUMNS: &str = "id, username, actor_type, coop_kind, name, summary, region, \
    industry, icon_url, public_key_pem, private_key_pem, created_at";
const REMOTE_COLUMNS: &str = "id, username, host, actor_type, name, summary, region, industry, \
    coop_kind, icon_url, inbox, shared_inbox, outbox, public_key_id, public_key_pem, fetched_at";

impl Db {
    pub async fn insert_local_actor(&self, a: &LocalActorRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO local_actors (id, username, actor_type, coop_kind, name, summary, region, \
             industry, icon_url, public_key_pem, private_key_pem, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&a.id)
        .bind(&a.username)
        .bind(&a.actor_type)
        .bind(&a.coop_kind)
        .bind(&a.name)
        .bind(&a.summary)
        .bind(&a.region)
        .bind(&a.industry)
        .bind(&a.icon_url)
        .bind(&a.public_key_pem)
        .bind(&a.private_key_pem)
        .bind(a.created_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn local_actor(&self, id: &str) -> Result<Option<LocalActorRow>, StoreError> {
        let sql = format!("SELECT {LOCAL_COLUMNS} FROM local_actors WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn local_actor_by_username(
        &self,
        username: &str,
    ) -> Result<Option<LocalActorRow>, StoreError> {
        let sql = format!("SELECT {LOCAL_COLUMNS} FROM local_actors WHERE username = $1");
        Ok(sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(self.read())
            .await?)
    }

    /// Local co-ops (every local actor with a co-op kind), by name.
    pub async fn local_coops(&self) -> Result<Vec<LocalActorRow>, StoreError> {
        let sql = format!(
            "SELECT {LOCAL_COLUMNS} FROM local_actors WHERE coop_kind IS NOT NULL ORDER BY name"
        );
        Ok(sqlx::query_as(&sql).fetch_all(self.read()).await?)
    }

    pub async fn update_local_profile(
        &self,
        id: &str,
        name: &str,
        summary: &str,
        region: Option<&str>,
        industry: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE local_actors SET name = $2, summary = $3, region = $4, industry = $5 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(name)
        .bind(summary)
        .bind(region)
        .bind(industry)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn remote_actor(&self, id: &str) -> Result<Option<RemoteActorRow>, StoreError> {
        let sql = format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn remote_actor_by_handle(
        &self,
        username: &str,
        host: &str,
    ) -> Result<Option<RemoteActorRow>, StoreError> {
        let sql =
            format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE username = $1 AND host = $2");
        Ok(sqlx::query_as(&sql)
            .bind(username)
            .bind(host)
            .fetch_optional(self.read())
            .await?)
    }

    /// Stores what a peer says about one of its actors, replacing what we had.
    pub async fn upsert_remote_actor(&self, a: &RemoteActorRow) -> Result<(), StoreError> {
        // A handle moving to a new actor id (an account re-created) replaces the old row.
        sqlx::query("DELETE FROM remote_actors WHERE username = $1 AND host = $2 AND id <> $3")
            .bind(&a.username)
            .bind(&a.host)
            .bind(&a.id)
            .execute(self.write())
            .await?;
        sqlx::query(
            "INSERT INTO remote_actors (id, username, host, actor_type, name, summary, region, \
             industry, coop_kind, icon_url, inbox, shared_inbox, outbox, public_key_id, \
             public_key_pem, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (id) DO UPDATE SET username = excluded.username, host = excluded.host, \
             actor_type = excluded.actor_type, name = excluded.name, summary = excluded.summary, \
             region = excluded.region, industry = excluded.industry, \
             coop_kind = excluded.coop_kind, icon_url = excluded.icon_url, \
             inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, \
             outbox = excluded.outbox, public_key_id = excluded.public_key_id, \
             public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at",
        )
        .bind(&a.id)
        .bind(&a.username)
        .bind(&a.host)
        .bind(&a.actor_type)
        .bind(&a.name)
        .bind(&a.summary)
        .bind(&a.region)
        .bind(&a.industry)
        .bind(&a.coop_kind)
        .bind(&a.icon_url)
        .bind(&a.inbox)
        .bind(&a.shared_inbox)
        .bind(&a.outbox)
        .bind(&a.public_key_id)
        .bind(&a.public_key_pem)
        .bind(a.fetched_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn count_local_people(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.read())
            .await?)
    }
}
