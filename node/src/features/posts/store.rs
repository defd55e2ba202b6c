//! Announcements: local ones and those received from followed co-ops.

use crate::core::store::outbox::{applied, WrittenAlongside};
use crate::core::store::{Db, Refusal, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostRow {
    pub id: String,
    pub author_id: String,
    pub content_html: String,
    pub content_source: Option<String>,
    pub in_reply_to: Option<String>,
    pub is_local: i64,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub received_at: i64,
    pub deleted_at: Option<i64>,
}

/// A post with what the feed shows of its author.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedEntry {
    pub id: String,
    pub author_id: String,
    pub content_html: String,
    /// The Markdown a local author wrote.
    pub content_source: Option<String>,
    pub in_reply_to: Option<String>,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub author_name: Option<String>,
    pub author_username: Option<String>,
    pub author_host: Option<String>,
    pub sort_at: i64,
    /// Set when the entry is a share: who shared it.
    pub shared_by: Option<String>,
}

const POST_COLUMNS: &str = "id, author_id, content_html, content_source, in_reply_to, is_local, \
    published_at, updated_at, received_at, deleted_at";

const FEED_SELECT_BASE: &str =
    "SELECT p.id, p.author_id, p.content_html, p.content_source, p.in_reply_to, \
    p.published_at, p.updated_at, \
    COALESCE(l.name, r.name) AS author_name, COALESCE(l.username, r.username) AS author_username, \
    r.host AS author_host";
const FEED_FROM: &str = "posts p LEFT JOIN local_actors l ON l.id = p.author_id \
    LEFT JOIN remote_actors r ON r.id = p.author_id";

impl Db {
    /// Stores a post; a post we already have is left as it is (deliveries may repeat).
    pub async fn insert_post(&self, p: &PostRow) -> Result<bool, StoreError> {
        let sql = format!(
            "INSERT INTO posts ({POST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO NOTHING"
        );
        let done = sqlx::query(&sql)
            .bind(&p.id)
            .bind(&p.author_id)
            .bind(&p.content_html)
            .bind(&p.content_source)
            .bind(&p.in_reply_to)
            .bind(p.is_local)
            .bind(p.published_at)
            .bind(p.updated_at)
            .bind(p.received_at)
            .bind(p.deleted_at)
            .execute(self.write())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn post(&self, id: &str) -> Result<Option<PostRow>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn update_post_content(
        &self,
        id: &str,
        content_html: &str,
        updated_at: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE posts SET content_html = $2, updated_at = $3 \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(content_html)
        .bind(updated_at)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Marks a post deleted and forgets its content; the id stays, so a late Create of the same
    /// post cannot bring it back. Our shares of it leave our outboxes.
    pub async fn mark_post_deleted(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.write().begin().await?;
        let done = sqlx::query(
            "UPDATE posts SET deleted_at = $2, content_html = '', content_source = NULL \
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        hide_shares(&mut tx, id).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Marks every post of an author deleted, as when the author's account is gone; our shares
    /// of them leave our outboxes.
    pub async fn mark_posts_of_author_deleted(
        &self,
        author: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "UPDATE outbox SET is_public = 0 WHERE activity_type = 'Announce' \
             AND object_id IN (SELECT id FROM posts WHERE author_id = $1)",
        )
        .bind(author)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE posts SET deleted_at = $2, content_html = '', content_source = NULL \
             WHERE author_id = $1 AND deleted_at IS NULL",
        )
        .bind(author)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Remembers that a remote post was deleted before we ever saw it.
    pub async fn insert_tombstone(
        &self,
        id: &str,
        author: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO posts (id, author_id, content_html, is_local, published_at, received_at, \
             deleted_at) VALUES ($1, $2, '', 0, $3, $3, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(author)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// The network feed: posts by local co-ops and by actors a local actor follows, and posts
    /// those actors shared, newest first (a share counts from when it was shared).
    pub async fn feed(&self, limit: i64, offset: i64) -> Result<Vec<FeedEntry>, StoreError> {
        let followed = "EXISTS (SELECT 1 FROM follows f JOIN local_actors fl \
            ON fl.id = f.follower_id WHERE f.followee_id = {who} AND f.state = 'accepted')";
        let sql = format!(
            "SELECT * FROM ( \
               {FEED_SELECT_BASE}, p.published_at AS sort_at, NULL AS shared_by FROM {FEED_FROM} \
               WHERE p.deleted_at IS NULL AND p.in_reply_to IS NULL \
               AND (p.is_local = 1 OR {by_author}) \
             UNION ALL \
               {FEED_SELECT_BASE}, s.shared_at AS sort_at, s.actor_id AS shared_by \
               FROM shares s JOIN posts p ON p.id = s.post_id \
               LEFT JOIN local_actors l ON l.id = p.author_id \
               LEFT JOIN remote_actors r ON r.id = p.author_id \
               WHERE p.deleted_at IS NULL AND (EXISTS (SELECT 1 FROM local_actors sl \
               WHERE sl.id = s.actor_id) OR {by_sharer}) \
             ) feed ORDER BY sort_at DESC, id DESC LIMIT $1 OFFSET $2",
            by_author = followed.replace("{who}", "p.author_id"),
            by_sharer = followed.replace("{who}", "s.actor_id"),
        );
        Ok(sqlx::query_as(&sql)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.read())
            .await?)
    }

    /// Records that an actor shared a post; repeats are ignored.
    /// Keeps a share unless it is here already. Returns whether it was kept.
    pub async fn insert_share(
        &self,
        activity_id: &str,
        actor_id: &str,
        post_id: &str,
        shared_at: i64,
    ) -> Result<bool, StoreError> {
        let share = Share {
            activity_id,
            actor_id,
            post_id,
            shared_at,
        };
        applied(self.write_rows(&share).await)
    }

    pub async fn delete_share(
        &self,
        activity_id: &str,
        actor_id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM shares WHERE activity_id = $1 AND actor_id = $2")
            .bind(activity_id)
            .bind(actor_id)
            .execute(self.write())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// One actor's posts, newest first.
    pub async fn posts_by(
        &self,
        author: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<FeedEntry>, StoreError> {
        let sql = format!(
            "{FEED_SELECT_BASE}, p.published_at AS sort_at, NULL AS shared_by FROM {FEED_FROM} \
             WHERE p.author_id = $1 AND p.deleted_at IS NULL \
             ORDER BY p.published_at DESC, p.id DESC LIMIT $2 OFFSET $3"
        );
        Ok(sqlx::query_as(&sql)
            .bind(author)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.read())
            .await?)
    }

    /// One post as the feed shows it.
    pub async fn feed_entry(&self, id: &str) -> Result<Option<FeedEntry>, StoreError> {
        let sql = format!(
            "{FEED_SELECT_BASE}, p.published_at AS sort_at, NULL AS shared_by FROM {FEED_FROM} \
             WHERE p.id = $1 AND p.deleted_at IS NULL"
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    /// Replies to a post, oldest first.
    pub async fn replies_to(&self, id: &str) -> Result<Vec<FeedEntry>, StoreError> {
        let sql = format!(
            "{FEED_SELECT_BASE}, p.published_at AS sort_at, NULL AS shared_by FROM {FEED_FROM} \
             WHERE p.in_reply_to = $1 AND p.deleted_at IS NULL \
             ORDER BY p.published_at, p.id"
        );
        Ok(sqlx::query_as(&sql).bind(id).fetch_all(self.read()).await?)
    }

    pub async fn count_local_posts(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM posts WHERE is_local = 1 AND deleted_at IS NULL",
        )
        .fetch_one(self.read())
        .await?)
    }
}

/// A post written in the same transaction as the activity that publishes, edits or deletes it.
#[async_trait::async_trait]
impl WrittenAlongside for PostRow {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO posts (id, author_id, content_html, content_source, in_reply_to, \
             is_local, published_at, updated_at, received_at, deleted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET content_html = excluded.content_html, \
             content_source = excluded.content_source, updated_at = excluded.updated_at, \
             deleted_at = excluded.deleted_at",
        )
        .bind(&self.id)
        .bind(&self.author_id)
        .bind(&self.content_html)
        .bind(&self.content_source)
        .bind(&self.in_reply_to)
        .bind(self.is_local)
        .bind(self.published_at)
        .bind(self.updated_at)
        .bind(self.received_at)
        .bind(self.deleted_at)
        .execute(&mut **tx)
        .await?;
        if self.deleted_at.is_some() {
            hide_shares(tx, &self.id).await?;
        }
        Ok(())
    }
}

/// Shares (Announces) of a deleted post leave our outboxes.
async fn hide_shares(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    post: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE outbox SET is_public = 0 WHERE activity_type = 'Announce' AND object_id = $1",
    )
    .bind(post)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One actor's share (Announce) of a post; refused as recorded already when it is here.
pub struct Share<'a> {
    pub activity_id: &'a str,
    pub actor_id: &'a str,
    pub post_id: &'a str,
    pub shared_at: i64,
}

#[async_trait::async_trait]
impl WrittenAlongside for Share<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO shares (activity_id, actor_id, post_id, shared_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(self.activity_id)
        .bind(self.actor_id)
        .bind(self.post_id)
        .bind(self.shared_at)
        .execute(&mut **tx)
        .await?;
        Refusal::AlreadyRecorded.unless_written(&done)
    }
}
