//! The outbox: every activity a local actor published, with its deliveries queued alongside.

use crate::core::store::{Db, Refusal, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub id: String,
    pub actor_id: String,
    pub activity_type: String,
    pub object_id: Option<String>,
    pub body: String,
    pub is_public: i64,
    pub published_at: i64,
}

/// An activity to store and the inboxes to deliver it to.
pub struct NewActivity<'a> {
    pub id: &'a str,
    pub actor_id: &'a str,
    pub activity_type: &'a str,
    pub object_id: Option<&'a str>,
    pub body: &'a str,
    pub is_public: bool,
    pub published_at: i64,
    /// `(inbox, host)` pairs; duplicates are queued once.
    pub inboxes: &'a [(String, String)],
    /// What the activity concerns (the post it creates, the order it offers, the credits it
    /// moves), written in the same transaction, in this order.
    pub alongside: &'a [&'a dyn WrittenAlongside],
}

/// Rows a feature writes in the same transaction as an activity, so that neither is ever kept
/// without the other.
#[async_trait::async_trait]
pub trait WrittenAlongside: Send + Sync {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError>;
}

/// Whether rows were written: `false` where the write was refused as older news, as recorded
/// already, or as missing.
pub fn applied(result: Result<(), StoreError>) -> Result<bool, StoreError> {
    match result {
        Ok(()) => Ok(true),
        Err(StoreError::Refused(Refusal::Stale | Refusal::Missing | Refusal::AlreadyRecorded)) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

impl Db {
    /// Writes rows in a transaction of their own, with no activity: what arrives from peers.
    pub async fn write_rows(&self, rows: &dyn WrittenAlongside) -> Result<(), StoreError> {
        let mut tx = self.write().begin().await?;
        if let Err(e) = rows.write(&mut tx).await {
            tx.rollback().await?;
            return Err(e);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores the activity (and what it concerns) and queues its deliveries in one
    /// transaction, so a post is never published without being sent, nor sent without being
    /// stored, whatever stops the process.
    pub async fn publish_activity(&self, a: &NewActivity<'_>) -> Result<(), StoreError> {
        self.publish_activities(std::slice::from_ref(a), &[]).await
    }

    /// As `publish_activity` for several activities about the same change (an author's post
    /// and the forum's announcement of it), with `alongside` written before them all.
    pub async fn publish_activities(
        &self,
        activities: &[NewActivity<'_>],
        alongside: &[&dyn WrittenAlongside],
    ) -> Result<(), StoreError> {
        let mut tx = self.write().begin().await?;
        let rows = alongside
            .iter()
            .chain(activities.iter().flat_map(|a| a.alongside.iter()));
        for rows in rows {
            if let Err(e) = rows.write(&mut tx).await {
                tx.rollback().await?;
                return Err(e);
            }
        }
        for a in activities {
            insert_activity_rows(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn outbox_activity(&self, id: &str) -> Result<Option<OutboxRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT seq, id, actor_id, activity_type, object_id, body, is_public, published_at \
             FROM outbox WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.read())
        .await?)
    }

    /// Public Create and Announce activities of an actor, newest first: what the outbox
    /// collection shows. A Create whose object was deleted since (a Delete of it is in the
    /// outbox) is left out; an Announce stays unless its feature made it private (a share of a
    /// deleted post), so a forum's removed posts keep their place in its threads.
    pub async fn outbox_page(
        &self,
        actor: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT o.seq, o.id, o.actor_id, o.activity_type, o.object_id, o.body, o.is_public, \
             o.published_at FROM outbox o \
             WHERE o.actor_id = $1 AND o.is_public = 1 AND o.activity_type IN ('Create', 'Announce') \
             AND NOT (o.activity_type = 'Create' AND EXISTS (SELECT 1 FROM outbox d \
                      WHERE d.object_id = o.object_id AND d.activity_type = 'Delete')) \
             ORDER BY o.seq DESC LIMIT $2 OFFSET $3",
        )
        .bind(actor)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn count_outbox(&self, actor: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox o WHERE o.actor_id = $1 AND o.is_public = 1 \
             AND o.activity_type IN ('Create', 'Announce') \
             AND NOT (o.activity_type = 'Create' AND EXISTS (SELECT 1 FROM outbox d \
                      WHERE d.object_id = o.object_id AND d.activity_type = 'Delete'))",
        )
        .bind(actor)
        .fetch_one(self.read())
        .await?)
    }
}

/// Writes an activity and its queued deliveries inside a caller's transaction.
pub(crate) async fn insert_activity_rows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    a: &NewActivity<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, actor_id, activity_type, object_id, body, is_public, \
             published_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.id)
    .bind(a.actor_id)
    .bind(a.activity_type)
    .bind(a.object_id)
    .bind(a.body)
    .bind(a.is_public as i64)
    .bind(a.published_at)
    .execute(&mut **tx)
    .await?;
    for (inbox, host) in a.inboxes {
        sqlx::query(
            "INSERT INTO deliveries (activity_id, actor_id, inbox, host, next_attempt_at, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING",
        )
        .bind(a.id)
        .bind(a.actor_id)
        .bind(inbox)
        .bind(host)
        .bind(a.published_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
