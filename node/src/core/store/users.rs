//! Accounts that log in, who may act for which co-op, sessions and API tokens.

use crate::core::store::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub is_admin: i64,
    pub actor_id: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: i64,
}

const USER_COLUMNS: &str = "id, username, password_hash, is_admin, actor_id, created_at";

impl Db {
    pub async fn insert_user(
        &self,
        username: &str,
        password_hash: &str,
        is_admin: bool,
        actor_id: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, is_admin, actor_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(is_admin as i64)
        .bind(actor_id)
        .bind(now)
        .fetch_one(self.write())
        .await?)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1");
        Ok(sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(self.read())
            .await?)
    }

    /// The user whose Person actor this is.
    pub async fn user_by_actor(&self, actor_id: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE actor_id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(actor_id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn add_coop_admin(&self, coop_id: &str, user_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO coop_admins (coop_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(coop_id)
        .bind(user_id)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Ids of the co-ops a user administers.
    pub async fn coops_administered(&self, user_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT coop_id FROM coop_admins WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(self.read())
                .await?,
        )
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(expires_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT user_id, csrf_token, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.read())
        .await?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.write())
            .await?;
        Ok(())
    }

    pub async fn insert_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .execute(self.write())
            .await?;
        Ok(())
    }

    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(self.read())
                .await?,
        )
    }
}
