//! Raw activities accepted in an inbox, kept once each: the record of what peers sent and the
//! key to deduplication.

use crate::core::store::{Db, StoreError};

/// How long an unapplied claim is left to the process that made it before another copy of the
/// activity may take it over (that process has probably died).
pub const CLAIM_TIMEOUT_MS: i64 = 30_000;

impl Db {
    /// Has this activity been applied already?
    pub async fn inbox_has(&self, id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM inbox WHERE id = $1 AND applied_at IS NOT NULL",
        )
        .bind(id)
        .fetch_one(self.read())
        .await?;
        Ok(n > 0)
    }

    /// Keeps a raw activity and claims the right to apply it. False when another copy was
    /// applied or is being applied right now.
    pub async fn claim_inbox_activity(
        &self,
        id: &str,
        actor_id: &str,
        activity_type: &str,
        body: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let claimed: Option<String> = sqlx::query_scalar(
            "INSERT INTO inbox (id, actor_id, activity_type, body, received_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET received_at = excluded.received_at \
             WHERE inbox.applied_at IS NULL AND inbox.received_at < $6 \
             RETURNING id",
        )
        .bind(id)
        .bind(actor_id)
        .bind(activity_type)
        .bind(body)
        .bind(now)
        .bind(now - CLAIM_TIMEOUT_MS)
        .fetch_optional(self.write())
        .await?;
        Ok(claimed.is_some())
    }

    pub async fn inbox_applied(&self, id: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE inbox SET applied_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Gives a claim back after the activity was refused: nothing of it stays stored.
    pub async fn release_inbox_claim(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM inbox WHERE id = $1 AND applied_at IS NULL")
            .bind(id)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Forgets raw activities received before `before`. Signatures older than an hour are
    /// refused anyway, so old ids are no longer needed to spot repeats.
    pub async fn prune_inbox(&self, before: i64) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM inbox WHERE received_at < $1 AND applied_at IS NOT NULL")
                .bind(before)
                .execute(self.write())
                .await?;
        Ok(done.rows_affected())
    }

    pub async fn count_inbox(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox")
            .fetch_one(self.read())
            .await?)
    }
}
