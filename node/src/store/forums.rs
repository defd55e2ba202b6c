//! Forum threads and replies, and the moderation log.

use super::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ForumPostRow {
    pub id: String,
    pub forum_id: String,
    /// `None` for a thread; the thread's id for a reply.
    pub thread_id: Option<String>,
    pub parent_id: Option<String>,
    pub author_id: String,
    pub title: Option<String>,
    pub content_html: String,
    pub content_md: Option<String>,
    pub is_local: i64,
    pub pinned: i64,
    pub locked: i64,
    pub removed_at: Option<i64>,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    pub last_activity_at: i64,
}

impl ForumPostRow {
    /// The thread this post belongs to (a thread belongs to itself).
    pub fn thread(&self) -> &str {
        self.thread_id.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModerationRow {
    pub moderator_id: String,
    pub action: String,
    pub post_id: String,
    pub at: i64,
}

const COLUMNS: &str = "id, forum_id, thread_id, parent_id, author_id, title, content_html, \
    content_md, is_local, pinned, locked, removed_at, published_at, updated_at, last_activity_at";

impl Db {
    /// Stores a new post and marks its thread active. A post we hold already is left alone.
    pub async fn insert_forum_post(&self, p: &ForumPostRow) -> Result<bool, StoreError> {
        let sql = format!(
            "INSERT INTO forum_posts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING"
        );
        let mut tx = self.write().begin().await?;
        let done = sqlx::query(&sql)
            .bind(&p.id)
            .bind(&p.forum_id)
            .bind(&p.thread_id)
            .bind(&p.parent_id)
            .bind(&p.author_id)
            .bind(&p.title)
            .bind(&p.content_html)
            .bind(&p.content_md)
            .bind(p.is_local)
            .bind(p.pinned)
            .bind(p.locked)
            .bind(p.removed_at)
            .bind(p.published_at)
            .bind(p.updated_at)
            .bind(p.last_activity_at)
            .execute(&mut *tx)
            .await?;
        if let Some(thread) = &p.thread_id {
            sqlx::query(
                "UPDATE forum_posts SET last_activity_at = $1 WHERE id = $2 \
                 AND last_activity_at < $1",
            )
            .bind(p.last_activity_at)
            .bind(thread)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn forum_post(&self, id: &str) -> Result<Option<ForumPostRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM forum_posts WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    /// A forum's threads: pinned first, then by latest activity.
    pub async fn forum_threads(&self, forum: &str) -> Result<Vec<ForumPostRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM forum_posts WHERE forum_id = $1 AND thread_id IS NULL \
             AND removed_at IS NULL ORDER BY pinned DESC, last_activity_at DESC, id LIMIT 200"
        );
        Ok(sqlx::query_as(&sql)
            .bind(forum)
            .fetch_all(self.read())
            .await?)
    }

    /// A thread's replies, oldest first (removed ones too: their place in the tree stays).
    pub async fn forum_replies(&self, thread: &str) -> Result<Vec<ForumPostRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM forum_posts WHERE thread_id = $1 \
             ORDER BY published_at, id LIMIT 2000"
        );
        Ok(sqlx::query_as(&sql)
            .bind(thread)
            .fetch_all(self.read())
            .await?)
    }

    pub async fn edit_forum_post(
        &self,
        id: &str,
        title: Option<&str>,
        content_html: &str,
        content_md: Option<&str>,
        updated_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE forum_posts SET title = COALESCE($1, title), content_html = $2, \
             content_md = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(title)
        .bind(content_html)
        .bind(content_md)
        .bind(updated_at)
        .bind(id)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Blanks a post and keeps its place, so its replies still hang from it.
    pub async fn remove_forum_post(&self, id: &str, at: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE forum_posts SET removed_at = $1, content_html = '', content_md = NULL \
             WHERE id = $2 AND removed_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn set_forum_post_flags(
        &self,
        id: &str,
        pinned: bool,
        locked: bool,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE forum_posts SET pinned = $1, locked = $2 WHERE id = $3")
            .bind(pinned as i64)
            .bind(locked as i64)
            .bind(id)
            .execute(self.write())
            .await?;
        Ok(())
    }

    pub async fn log_moderation(
        &self,
        forum: &str,
        moderator: &str,
        action: &str,
        post: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO forum_moderation_log (forum_id, moderator_id, action, post_id, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(forum)
        .bind(moderator)
        .bind(action)
        .bind(post)
        .bind(at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn moderation_log(&self, forum: &str) -> Result<Vec<ModerationRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT moderator_id, action, post_id, at FROM forum_moderation_log \
             WHERE forum_id = $1 ORDER BY at DESC, id DESC LIMIT 200",
        )
        .bind(forum)
        .fetch_all(self.read())
        .await?)
    }

    /// The actor ids of a local forum's moderators.
    pub async fn forum_moderators(&self, forum: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT u.actor_id FROM coop_admins a JOIN users u ON u.id = a.user_id \
             WHERE a.coop_id = $1 ORDER BY u.username",
        )
        .bind(forum)
        .fetch_all(self.read())
        .await?)
    }

    /// Remote forums that one of our actors follows (follow accepted).
    pub async fn followed_remote_forums(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT r.id FROM remote_actors r JOIN follows f ON f.followee_id = r.id \
             JOIN local_actors l ON l.id = f.follower_id \
             WHERE r.coop_kind = 'forum' AND f.state = 'accepted' ORDER BY r.id",
        )
        .fetch_all(self.read())
        .await?)
    }
}
