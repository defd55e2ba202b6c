//! The delivery queue and what we know of each destination host.
//!
//! Workers claim rows by setting a lease (`locked_until`); a worker that dies leaves its lease
//! to run out, and the row is claimed again. On PostgreSQL several node processes may share the
//! queue: claims use `FOR UPDATE SKIP LOCKED` so no two processes take the same row.

use crate::core::store::{Backend, Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub activity_id: String,
    pub actor_id: String,
    pub inbox: String,
    pub host: String,
    pub attempts: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HostRow {
    pub host: String,
    pub consecutive_failures: i64,
    pub first_failure_at: Option<i64>,
    pub dead_since: Option<i64>,
    pub last_success_at: Option<i64>,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct QueueCounts {
    pub pending: i64,
    pub done: i64,
    pub failed: i64,
}

impl Db {
    /// Hosts with deliveries due now.
    pub async fn hosts_with_due_deliveries(&self, now: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT host FROM deliveries WHERE state = 'pending' \
             AND next_attempt_at <= $1 AND locked_until <= $1 LIMIT 1000",
        )
        .bind(now)
        .fetch_all(self.read())
        .await?)
    }

    /// Claims up to `limit` due deliveries to one host until `lease_until`.
    pub async fn claim_deliveries(
        &self,
        host: &str,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE deliveries SET locked_until = $1 WHERE id IN ( \
               SELECT id FROM deliveries WHERE state = 'pending' AND host = $2 \
               AND next_attempt_at <= $3 AND locked_until <= $3 ORDER BY id LIMIT $4 {lock}) \
             RETURNING id, activity_id, actor_id, inbox, host, attempts, created_at"
        );
        let mut rows: Vec<DeliveryRow> = sqlx::query_as(&sql)
            .bind(lease_until)
            .bind(host)
            .bind(now)
            .bind(limit)
            .fetch_all(self.write())
            .await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    pub async fn delivery_done(&self, id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET state = 'done', locked_until = 0, next_attempt_at = $2 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn delivery_retry(
        &self,
        id: i64,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $2, \
             locked_until = 0, last_error = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(next_attempt_at)
        .bind(error)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn delivery_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, locked_until = 0, \
             last_error = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Postpones every pending delivery to a host, as when the host is found dead.
    pub async fn postpone_host(&self, host: &str, until: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $2 WHERE host = $1 AND state = 'pending' \
             AND next_attempt_at < $2",
        )
        .bind(host)
        .bind(until)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Makes every pending delivery to a host due now, as when a dead host answers again.
    pub async fn wake_host(&self, host: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $2 WHERE host = $1 AND state = 'pending'",
        )
        .bind(host)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn host(&self, host: &str) -> Result<Option<HostRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT host, consecutive_failures, first_failure_at, dead_since, last_success_at \
             FROM hosts WHERE host = $1",
        )
        .bind(host)
        .fetch_optional(self.read())
        .await?)
    }

    /// Records that a host answered; returns true if it had been failing (or marked dead).
    pub async fn host_succeeded(&self, host: &str, now: i64) -> Result<bool, StoreError> {
        let was_failing = self
            .host(host)
            .await?
            .is_some_and(|h| h.consecutive_failures > 0 || h.dead_since.is_some());
        if !was_failing {
            // Nothing to change; skip the write, it is on every delivery.
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO hosts (host, consecutive_failures, last_success_at) VALUES ($1, 0, $2) \
             ON CONFLICT (host) DO UPDATE SET consecutive_failures = 0, first_failure_at = NULL, \
             dead_since = NULL, last_success_at = $2",
        )
        .bind(host)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(was_failing)
    }

    /// Records a failed attempt and returns the host's record after it.
    pub async fn host_failed(&self, host: &str, now: i64) -> Result<HostRow, StoreError> {
        sqlx::query(
            "INSERT INTO hosts (host, consecutive_failures, first_failure_at) VALUES ($1, 1, $2) \
             ON CONFLICT (host) DO UPDATE SET \
             consecutive_failures = hosts.consecutive_failures + 1, \
             first_failure_at = COALESCE(hosts.first_failure_at, $2)",
        )
        .bind(host)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(self.host(host).await?.unwrap_or(HostRow {
            host: host.to_string(),
            consecutive_failures: 1,
            first_failure_at: Some(now),
            dead_since: None,
            last_success_at: None,
        }))
    }

    pub async fn mark_host_dead(&self, host: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE hosts SET dead_since = $2 WHERE host = $1 AND dead_since IS NULL")
            .bind(host)
            .bind(now)
            .execute(self.write())
            .await?;
        Ok(())
    }

    pub async fn dead_hosts(&self) -> Result<Vec<HostRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT host, consecutive_failures, first_failure_at, dead_since, last_success_at \
             FROM hosts WHERE dead_since IS NOT NULL ORDER BY host",
        )
        .fetch_all(self.read())
        .await?)
    }

    pub async fn queue_counts(&self) -> Result<QueueCounts, StoreError> {
        Ok(sqlx::query_as(
            "SELECT \
             COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0) AS pending, \
             COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) AS done, \
             COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) AS failed \
             FROM deliveries",
        )
        .fetch_one(self.read())
        .await?)
    }

    /// Forgets finished deliveries older than `before`.
    pub async fn prune_deliveries(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM deliveries WHERE state IN ('done', 'failed') AND next_attempt_at < $1",
        )
        .bind(before)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected())
    }
}
