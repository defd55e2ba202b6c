//! Raw activities accepted in an inbox, kept once each: the record of what peers sent and the
//! key to deduplication.

use super::{Db, StoreError};

impl Db {
    pub async fn inbox_has(&self, id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE id = $1")
            .bind(id)
            .fetch_one(self.read())
            .await?;
        Ok(n > 0)
    }

    /// Keeps a raw activity; returns false if it was already kept.
    pub async fn insert_inbox_activity(
        &self,
        id: &str,
        actor_id: &str,
        activity_type: &str,
        body: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO inbox (id, actor_id, activity_type, body, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(actor_id)
        .bind(activity_type)
        .bind(body)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn count_inbox(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox")
            .fetch_one(self.read())
            .await?)
    }
}
