//! Bulk order enquiries (private threads between two parties) and councils' recommendations.

use crate::core::store::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnquiryRow {
    pub id: String,
    pub thread_id: String,
    pub author_id: String,
    pub recipient_id: String,
    pub body_html: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecommendationRow {
    pub id: String,
    pub council_id: String,
    pub item_id: String,
    pub comment_html: String,
    pub created_at: i64,
    pub council_name: Option<String>,
    pub item_name: Option<String>,
}

const RECOMMENDATION_SELECT: &str = "SELECT rc.id, rc.council_id, rc.item_id, rc.comment_html, \
    rc.created_at, COALESCE(l.name, r.name) AS council_name, i.name AS item_name \
    FROM recommendations rc LEFT JOIN local_actors l ON l.id = rc.council_id \
    LEFT JOIN remote_actors r ON r.id = rc.council_id LEFT JOIN items i ON i.id = rc.item_id";

impl Db {
    pub async fn insert_enquiry(
        &self,
        id: &str,
        thread: &str,
        author: &str,
        recipient: &str,
        body_html: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO enquiries (id, thread_id, author_id, recipient_id, body_html, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(thread)
        .bind(author)
        .bind(recipient)
        .bind(body_html)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The messages of one thread, oldest first.
    pub async fn enquiry_thread(&self, thread: &str) -> Result<Vec<EnquiryRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, thread_id, author_id, recipient_id, body_html, created_at FROM enquiries \
             WHERE thread_id = $1 ORDER BY created_at, id",
        )
        .bind(thread)
        .fetch_all(self.read())
        .await?)
    }

    /// The latest message of every thread an actor takes part in, newest first.
    pub async fn enquiry_threads_of(&self, actor: &str) -> Result<Vec<EnquiryRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT e.id, e.thread_id, e.author_id, e.recipient_id, e.body_html, e.created_at \
             FROM enquiries e WHERE (e.author_id = $1 OR e.recipient_id = $1) \
             AND e.id = (SELECT x.id FROM enquiries x WHERE x.thread_id = e.thread_id \
                         ORDER BY x.created_at DESC, x.id DESC LIMIT 1) \
             ORDER BY e.created_at DESC",
        )
        .bind(actor)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn insert_recommendation(
        &self,
        id: &str,
        council: &str,
        item: &str,
        comment_html: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO recommendations (id, council_id, item_id, comment_html, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(council)
        .bind(item)
        .bind(comment_html)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn recommendations_for_item(
        &self,
        item: &str,
    ) -> Result<Vec<RecommendationRow>, StoreError> {
        let sql =
            format!("{RECOMMENDATION_SELECT} WHERE rc.item_id = $1 ORDER BY rc.created_at DESC");
        Ok(sqlx::query_as(&sql)
            .bind(item)
            .fetch_all(self.read())
            .await?)
    }

    pub async fn recommendations_by(
        &self,
        council: &str,
    ) -> Result<Vec<RecommendationRow>, StoreError> {
        let sql =
            format!("{RECOMMENDATION_SELECT} WHERE rc.council_id = $1 ORDER BY rc.created_at DESC");
        Ok(sqlx::query_as(&sql)
            .bind(council)
            .fetch_all(self.read())
            .await?)
    }
}
