//! Follow relations in both directions: local actors following remote ones and the reverse.

use crate::core::store::{Db, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowState {
    Pending,
    Accepted,
    Rejected,
}

impl FollowState {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowState::Pending => "pending",
            FollowState::Accepted => "accepted",
            FollowState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> FollowState {
        match s {
            "accepted" => FollowState::Accepted,
            "rejected" => FollowState::Rejected,
            _ => FollowState::Pending,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowRow {
    pub follower_id: String,
    pub followee_id: String,
    pub state: String,
    pub follow_activity_id: String,
    pub created_at: i64,
}

impl FollowRow {
    pub fn state(&self) -> FollowState {
        FollowState::parse(&self.state)
    }
}

/// Where to deliver to a follower: its shared inbox if it has one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowerInbox {
    pub inbox: String,
    pub shared_inbox: Option<String>,
}

impl Db {
    /// Records a follow, or restarts one that was rejected or undone; returns whether it changed.
    pub async fn upsert_follow(
        &self,
        follower: &str,
        followee: &str,
        state: FollowState,
        activity_id: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let _changed = self.catalogue_change();
        sqlx::query(
            "INSERT INTO follows (follower_id, followee_id, state, follow_activity_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (follower_id, followee_id) DO UPDATE SET state = excluded.state, \
             follow_activity_id = excluded.follow_activity_id",
        )
        .bind(follower)
        .bind(followee)
        .bind(state.as_str())
        .bind(activity_id)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn follow(
        &self,
        follower: &str,
        followee: &str,
    ) -> Result<Option<FollowRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT follower_id, followee_id, state, follow_activity_id, created_at FROM follows \
             WHERE follower_id = $1 AND followee_id = $2",
        )
        .bind(follower)
        .bind(followee)
        .fetch_optional(self.read())
        .await?)
    }

    pub async fn follow_by_activity(
        &self,
        activity_id: &str,
    ) -> Result<Option<FollowRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT follower_id, followee_id, state, follow_activity_id, created_at FROM follows \
             WHERE follow_activity_id = $1",
        )
        .bind(activity_id)
        .fetch_optional(self.read())
        .await?)
    }

    pub async fn set_follow_state(
        &self,
        follower: &str,
        followee: &str,
        state: FollowState,
    ) -> Result<bool, StoreError> {
        let _changed = self.catalogue_change();
        let done = sqlx::query(
            "UPDATE follows SET state = $3 WHERE follower_id = $1 AND followee_id = $2",
        )
        .bind(follower)
        .bind(followee)
        .bind(state.as_str())
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn delete_follow(&self, follower: &str, followee: &str) -> Result<bool, StoreError> {
        let _changed = self.catalogue_change();
        let done = sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
            .bind(follower)
            .bind(followee)
            .execute(self.write())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Accepted followers' ids of an actor, a page at a time, oldest first.
    pub async fn followers(
        &self,
        followee: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT follower_id FROM follows WHERE followee_id = $1 AND state = 'accepted' \
             ORDER BY created_at, follower_id LIMIT $2 OFFSET $3",
        )
        .bind(followee)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn count_followers(&self, followee: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM follows WHERE followee_id = $1 AND state = 'accepted'",
        )
        .bind(followee)
        .fetch_one(self.read())
        .await?)
    }

    /// Actors this actor follows (accepted), a page at a time.
    pub async fn following(
        &self,
        follower: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT followee_id FROM follows WHERE follower_id = $1 AND state = 'accepted' \
             ORDER BY created_at, followee_id LIMIT $2 OFFSET $3",
        )
        .bind(follower)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn count_following(&self, follower: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM follows WHERE follower_id = $1 AND state = 'accepted'",
        )
        .bind(follower)
        .fetch_one(self.read())
        .await?)
    }

    /// Every follow a local actor has made or received, any state, newest first.
    pub async fn follows_of(&self, actor: &str) -> Result<Vec<FollowRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT follower_id, followee_id, state, follow_activity_id, created_at FROM follows \
             WHERE follower_id = $1 OR followee_id = $1 ORDER BY created_at DESC",
        )
        .bind(actor)
        .fetch_all(self.read())
        .await?)
    }

    /// The inboxes of an actor's remote followers.
    pub async fn follower_inboxes(&self, followee: &str) -> Result<Vec<FollowerInbox>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT r.inbox, r.shared_inbox FROM follows f \
             JOIN remote_actors r ON r.id = f.follower_id \
             WHERE f.followee_id = $1 AND f.state = 'accepted'",
        )
        .bind(followee)
        .fetch_all(self.read())
        .await?)
    }

    /// Is any local actor following this remote actor (so its posts belong in our feed)?
    pub async fn is_followed_locally(&self, remote: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM follows f JOIN local_actors l ON l.id = f.follower_id \
             WHERE f.followee_id = $1 AND f.state = 'accepted'",
        )
        .bind(remote)
        .fetch_one(self.read())
        .await?;
        Ok(n > 0)
    }
}
