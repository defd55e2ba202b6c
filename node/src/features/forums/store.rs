//! Forum threads and replies, and the moderation log.

use crate::core::store::outbox::{applied, WrittenAlongside};
use crate::core::store::{Db, Refusal, StoreError};

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
    /// What the action was about: a post, or for a ban the person.
    pub post_id: String,
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BanRow {
    pub forum_id: String,
    pub actor_id: String,
    pub moderator_id: String,
    pub reason: Option<String>,
    pub at: i64,
    /// When a temporary ban ends (Lemmy's `expires`); `None` for a ban until lifted.
    pub expires_at: Option<i64>,
}

/// A report (`Flag`) of a post, from a member here or a peer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub activity_id: String,
    pub post_id: String,
    pub forum_id: String,
    pub reporter_id: String,
    pub reason: String,
    pub received_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
}

/// A thread a member follows, with how many replies came since they last read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowedThreadRow {
    pub thread_id: String,
    pub forum_id: String,
    pub title: Option<String>,
    pub last_activity_at: i64,
    pub unread: i64,
}

const COLUMNS: &str = "id, forum_id, thread_id, parent_id, author_id, title, content_html, \
    content_md, is_local, pinned, locked, removed_at, published_at, updated_at, last_activity_at";

impl Db {
    /// Stores a new post and marks its thread active. A post we hold already is left alone.
    /// Stores a post unless it is here already. Returns whether it was stored.
    pub async fn insert_forum_post(&self, p: &ForumPostRow) -> Result<bool, StoreError> {
        applied(self.write_rows(&PostChange::Insert(p)).await)
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

    /// Blanks a post and keeps its place, so its replies still hang from it.
    pub async fn remove_forum_post(&self, id: &str, at: i64) -> Result<(), StoreError> {
        self.write_rows(&PostChange::Remove { id, at }).await
    }

    pub async fn set_forum_post_flags(
        &self,
        id: &str,
        pinned: bool,
        locked: bool,
    ) -> Result<(), StoreError> {
        self.write_rows(&PostChange::Flags { id, pinned, locked })
            .await
    }

    pub async fn log_moderation(&self, entry: &ModerationEntry<'_>) -> Result<(), StoreError> {
        self.write_rows(entry).await
    }

    pub async fn moderation_log(&self, forum: &str) -> Result<Vec<ModerationRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT moderator_id, action, post_id, reason, at FROM forum_moderation_log \
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

    /// Every remote forum this node knows of, followed or not, with whether one of our actors
    /// follows it (follow accepted).
    pub async fn known_remote_forums(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT r.id, (SELECT COUNT(*) FROM follows f JOIN local_actors l \
             ON l.id = f.follower_id WHERE f.followee_id = r.id AND f.state = 'accepted') \
             FROM remote_actors r WHERE r.coop_kind = 'forum' ORDER BY 2 DESC, r.name, r.id \
             LIMIT 500",
        )
        .fetch_all(self.read())
        .await?)
    }
}

impl Db {
    /// Bans `actor` from `forum`; a ban in force keeps its first date and reason.
    /// Bans a person from a forum. Returns whether the ban is new.
    pub async fn ban_from_forum(&self, ban: &BanRow) -> Result<bool, StoreError> {
        applied(self.write_rows(&BanChange::Ban(ban)).await)
    }

    /// Lifts a ban. Returns whether there was one.
    pub async fn unban_from_forum(&self, forum: &str, actor: &str) -> Result<bool, StoreError> {
        applied(self.write_rows(&BanChange::Unban { forum, actor }).await)
    }

    /// Is `actor` banned from `forum` now? A ban past its expiry no longer counts.
    pub async fn is_banned(&self, forum: &str, actor: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM forum_bans WHERE forum_id = $1 AND actor_id = $2 \
             AND (expires_at IS NULL OR expires_at > $3)",
        )
        .bind(forum)
        .bind(actor)
        .bind(crate::core::store::now_ms())
        .fetch_one(self.read())
        .await?;
        Ok(n > 0)
    }

    pub async fn forum_bans(&self, forum: &str) -> Result<Vec<BanRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT forum_id, actor_id, moderator_id, reason, at, expires_at FROM forum_bans \
             WHERE forum_id = $1 ORDER BY at DESC, actor_id",
        )
        .bind(forum)
        .fetch_all(self.read())
        .await?)
    }

    /// A person's posts in a forum that are still shown, for removal with a ban.
    pub async fn forum_posts_by(
        &self,
        forum: &str,
        author: &str,
    ) -> Result<Vec<ForumPostRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM forum_posts WHERE forum_id = $1 AND author_id = $2 \
             AND removed_at IS NULL ORDER BY published_at, id LIMIT 2000"
        );
        Ok(sqlx::query_as(&sql)
            .bind(forum)
            .bind(author)
            .fetch_all(self.read())
            .await?)
    }

    /// Keeps a report; one delivered twice (same activity id) is kept once.
    /// Keeps a report unless it is here already. Returns whether it was kept.
    pub async fn insert_report(&self, r: &ReportRow) -> Result<bool, StoreError> {
        applied(self.write_rows(r).await)
    }

    /// Reports, newest first: those about the given forums, or every report when `forums` is
    /// `None` (for the node's administrators).
    pub async fn reports(
        &self,
        forums: Option<&[String]>,
        open_only: bool,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let mut conditions = Vec::new();
        if open_only {
            conditions.push("resolved_at IS NULL".to_string());
        }
        if let Some(forums) = forums {
            if forums.is_empty() {
                return Ok(Vec::new());
            }
            let placeholders: Vec<String> = (1..=forums.len()).map(|n| format!("${n}")).collect();
            conditions.push(format!("forum_id IN ({})", placeholders.join(", ")));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT id, activity_id, post_id, forum_id, reporter_id, reason, received_at, \
             resolved_at, resolved_by FROM forum_reports {filter} \
             ORDER BY received_at DESC, id DESC LIMIT 500"
        );
        let mut query = sqlx::query_as(&sql);
        for forum in forums.unwrap_or_default() {
            query = query.bind(forum);
        }
        Ok(query.fetch_all(self.read()).await?)
    }

    pub async fn report(&self, id: i64) -> Result<Option<ReportRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, activity_id, post_id, forum_id, reporter_id, reason, received_at, \
             resolved_at, resolved_by FROM forum_reports WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.read())
        .await?)
    }

    pub async fn resolve_report(&self, id: i64, by: &str, at: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE forum_reports SET resolved_at = $1, resolved_by = $2 \
             WHERE id = $3 AND resolved_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(id)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A member follows a thread (or reads it again): what came before `seen_at` is read.
    pub async fn follow_thread(
        &self,
        user_id: i64,
        thread: &str,
        seen_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO thread_follows (user_id, thread_id, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, thread_id) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .bind(user_id)
        .bind(thread)
        .bind(seen_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn unfollow_thread(&self, user_id: i64, thread: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM thread_follows WHERE user_id = $1 AND thread_id = $2")
            .bind(user_id)
            .bind(thread)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Marks a followed thread read; nothing happens for a thread the member does not follow.
    pub async fn mark_thread_read(
        &self,
        user_id: i64,
        thread: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE thread_follows SET seen_at = $1 WHERE user_id = $2 AND thread_id = $3 \
             AND seen_at < $1",
        )
        .bind(at)
        .bind(user_id)
        .bind(thread)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn follows_thread(&self, user_id: i64, thread: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM thread_follows WHERE user_id = $1 AND thread_id = $2",
        )
        .bind(user_id)
        .bind(thread)
        .fetch_one(self.read())
        .await?;
        Ok(n > 0)
    }

    /// The threads a member follows, those with new replies first, each with how many replies
    /// arrived (here) since the member last read it. Removed threads drop out.
    pub async fn followed_threads(
        &self,
        user_id: i64,
    ) -> Result<Vec<FollowedThreadRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM (SELECT t.id AS thread_id, t.forum_id, t.title, t.last_activity_at, \
             (SELECT COUNT(*) FROM forum_posts r WHERE r.thread_id = t.id \
              AND r.removed_at IS NULL AND r.author_id <> u.actor_id \
              AND r.last_activity_at > f.seen_at) AS unread \
             FROM thread_follows f JOIN forum_posts t ON t.id = f.thread_id \
             JOIN users u ON u.id = f.user_id \
             WHERE f.user_id = $1 AND t.removed_at IS NULL) followed \
             ORDER BY CASE WHEN unread > 0 THEN 0 ELSE 1 END, last_activity_at DESC LIMIT 200",
        )
        .bind(user_id)
        .fetch_all(self.read())
        .await?)
    }
}

impl Db {
    /// Do only a forum's moderators start threads in it?
    pub async fn forum_moderators_only(&self, forum: &str) -> Result<bool, StoreError> {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT moderators_only_threads FROM forum_settings WHERE forum_id = $1",
        )
        .bind(forum)
        .fetch_optional(self.read())
        .await?;
        Ok(n == Some(1))
    }

    pub async fn set_forum_moderators_only(
        &self,
        forum: &str,
        only: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO forum_settings (forum_id, moderators_only_threads) VALUES ($1, $2) \
             ON CONFLICT (forum_id) DO UPDATE SET moderators_only_threads = excluded.moderators_only_threads",
        )
        .bind(forum)
        .bind(only as i64)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// May this person act as a moderator of a local forum: one of its administrators, or one
    /// of the node's?
    pub async fn moderates_forum(&self, forum: &str, actor: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users u WHERE u.actor_id = $2 AND (u.is_admin = 1 OR EXISTS \
             (SELECT 1 FROM coop_admins a WHERE a.coop_id = $1 AND a.user_id = u.id))",
        )
        .bind(forum)
        .bind(actor)
        .fetch_one(self.read())
        .await?;
        Ok(n > 0)
    }
}

/// A change to a forum's posts, written alone or in the same transaction as the activities
/// that tell of it.
pub enum PostChange<'a> {
    /// A new post; refused as recorded already when it is here.
    Insert(&'a ForumPostRow),
    Edit {
        id: &'a str,
        title: Option<&'a str>,
        content_html: &'a str,
        content_md: Option<&'a str>,
        at: i64,
    },
    /// Blanks a post and keeps its place, so its replies still hang from it.
    Remove { id: &'a str, at: i64 },
    Flags {
        id: &'a str,
        pinned: bool,
        locked: bool,
    },
}

#[async_trait::async_trait]
impl WrittenAlongside for PostChange<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        match *self {
            PostChange::Insert(p) => insert_post(tx, p).await,
            PostChange::Edit {
                id,
                title,
                content_html,
                content_md,
                at,
            } => {
                sqlx::query(
                    "UPDATE forum_posts SET title = COALESCE($1, title), content_html = $2, \
                     content_md = $3, updated_at = $4 WHERE id = $5",
                )
                .bind(title)
                .bind(content_html)
                .bind(content_md)
                .bind(at)
                .bind(id)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
            PostChange::Remove { id, at } => {
                sqlx::query(
                    "UPDATE forum_posts SET removed_at = $1, content_html = '', \
                     content_md = NULL WHERE id = $2 AND removed_at IS NULL",
                )
                .bind(at)
                .bind(id)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
            PostChange::Flags { id, pinned, locked } => {
                sqlx::query("UPDATE forum_posts SET pinned = $1, locked = $2 WHERE id = $3")
                    .bind(pinned as i64)
                    .bind(locked as i64)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }
    }
}

async fn insert_post(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    p: &ForumPostRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO forum_posts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING"
    );
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
        .execute(&mut **tx)
        .await?;
    Refusal::AlreadyRecorded.unless_written(&done)?;
    if let Some(thread) = &p.thread_id {
        sqlx::query(
            "UPDATE forum_posts SET last_activity_at = $1 WHERE id = $2 \
             AND last_activity_at < $1",
        )
        .bind(p.last_activity_at)
        .bind(thread)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One line of a forum's moderation log: who did what to which post or person, and why.
pub struct ModerationEntry<'a> {
    pub forum: &'a str,
    pub moderator: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub reason: Option<&'a str>,
    pub at: i64,
}

#[async_trait::async_trait]
impl WrittenAlongside for ModerationEntry<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO forum_moderation_log (forum_id, moderator_id, action, post_id, reason, \
             at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.forum)
        .bind(self.moderator)
        .bind(self.action)
        .bind(self.subject)
        .bind(self.reason)
        .bind(self.at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// A ban from a forum, or its lifting.
pub enum BanChange<'a> {
    /// Refused as recorded already while an earlier ban still runs; one that has run out gives
    /// way to the new one.
    Ban(&'a BanRow),
    /// Refused as missing when the person is not banned.
    Unban { forum: &'a str, actor: &'a str },
}

#[async_trait::async_trait]
impl WrittenAlongside for BanChange<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        let (done, refusal) = match *self {
            BanChange::Ban(ban) => {
                sqlx::query(
                    "DELETE FROM forum_bans WHERE forum_id = $1 AND actor_id = $2 \
                     AND expires_at IS NOT NULL AND expires_at <= $3",
                )
                .bind(&ban.forum_id)
                .bind(&ban.actor_id)
                .bind(ban.at)
                .execute(&mut **tx)
                .await?;
                let done = sqlx::query(
                    "INSERT INTO forum_bans (forum_id, actor_id, moderator_id, reason, at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (forum_id, actor_id) DO NOTHING",
                )
                .bind(&ban.forum_id)
                .bind(&ban.actor_id)
                .bind(&ban.moderator_id)
                .bind(&ban.reason)
                .bind(ban.at)
                .bind(ban.expires_at)
                .execute(&mut **tx)
                .await?;
                (done, Refusal::AlreadyRecorded)
            }
            BanChange::Unban { forum, actor } => {
                let done =
                    sqlx::query("DELETE FROM forum_bans WHERE forum_id = $1 AND actor_id = $2")
                        .bind(forum)
                        .bind(actor)
                        .execute(&mut **tx)
                        .await?;
                (done, Refusal::Missing)
            }
        };
        refusal.unless_written(&done)
    }
}

/// A report, refused as recorded already when its activity was kept before.
#[async_trait::async_trait]
impl WrittenAlongside for ReportRow {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO forum_reports (activity_id, post_id, forum_id, reporter_id, reason, \
             received_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (activity_id) DO NOTHING",
        )
        .bind(&self.activity_id)
        .bind(&self.post_id)
        .bind(&self.forum_id)
        .bind(&self.reporter_id)
        .bind(&self.reason)
        .bind(self.received_at)
        .execute(&mut **tx)
        .await?;
        Refusal::AlreadyRecorded.unless_written(&done)
    }
}
