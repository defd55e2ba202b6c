//! Member profiles, their resume files and interests in starting a co-op: the SQL only. Who may
//! see which part is decided in `crate::people`, never here.

use crate::core::store::{Db, StoreError};

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ProfileRow {
    pub user_id: i64,
    pub general_source: String,
    pub general_html: String,
    pub general_visibility: String,
    /// A JSON array of tags.
    pub skills: String,
    pub skills_visibility: String,
    pub region: String,
    pub region_visibility: String,
    pub resume_source: String,
    pub resume_html: String,
    pub resume_visibility: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResumeFileRow {
    pub user_id: i64,
    pub sha256: String,
    pub size_bytes: i64,
    pub uploaded_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InterestRow {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub industry: String,
    pub industry_key: String,
    pub region: String,
    pub region_key: String,
    pub note: String,
    pub listed: i64,
    pub created_at: i64,
}

/// An interest to record, already checked.
#[derive(Debug, Clone)]
pub struct NewInterest<'a> {
    pub user_id: i64,
    pub industry: &'a str,
    pub industry_key: &'a str,
    pub region: &'a str,
    pub region_key: &'a str,
    pub note: &'a str,
    pub listed: bool,
    pub created_at: i64,
}

const PROFILE_COLUMNS: &str = "user_id, general_source, general_html, general_visibility, \
     skills, skills_visibility, region, region_visibility, resume_source, resume_html, \
     resume_visibility, updated_at";

const INTEREST_COLUMNS: &str = "i.id, i.user_id, u.username, i.industry, i.industry_key, \
     i.region, i.region_key, i.note, i.listed, i.created_at";

impl Db {
    pub async fn member_profile(&self, user_id: i64) -> Result<Option<ProfileRow>, StoreError> {
        let sql = format!("SELECT {PROFILE_COLUMNS} FROM member_profiles WHERE user_id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_optional(self.read())
            .await?)
    }

    /// Writes a whole profile, replacing the one there.
    pub async fn save_member_profile(&self, row: &ProfileRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO member_profiles (user_id, general_source, general_html, \
             general_visibility, skills, skills_visibility, region, region_visibility, \
             resume_source, resume_html, resume_visibility, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (user_id) DO UPDATE SET general_source = excluded.general_source, \
             general_html = excluded.general_html, \
             general_visibility = excluded.general_visibility, skills = excluded.skills, \
             skills_visibility = excluded.skills_visibility, region = excluded.region, \
             region_visibility = excluded.region_visibility, \
             resume_source = excluded.resume_source, resume_html = excluded.resume_html, \
             resume_visibility = excluded.resume_visibility, updated_at = excluded.updated_at",
        )
        .bind(row.user_id)
        .bind(&row.general_source)
        .bind(&row.general_html)
        .bind(&row.general_visibility)
        .bind(&row.skills)
        .bind(&row.skills_visibility)
        .bind(&row.region)
        .bind(&row.region_visibility)
        .bind(&row.resume_source)
        .bind(&row.resume_html)
        .bind(&row.resume_visibility)
        .bind(row.updated_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn resume_file(&self, user_id: i64) -> Result<Option<ResumeFileRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT user_id, sha256, size_bytes, uploaded_at FROM member_resume_files \
             WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.read())
        .await?)
    }

    /// Records a member's resume file; returns the hash of the file it replaces, if any.
    pub async fn set_resume_file(
        &self,
        user_id: i64,
        sha256: &str,
        size_bytes: i64,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.write().begin().await?;
        let old: Option<String> =
            sqlx::query_scalar("SELECT sha256 FROM member_resume_files WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO member_resume_files (user_id, sha256, size_bytes, uploaded_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
             sha256 = excluded.sha256, size_bytes = excluded.size_bytes, \
             uploaded_at = excluded.uploaded_at",
        )
        .bind(user_id)
        .bind(sha256)
        .bind(size_bytes)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(old)
    }

    /// Forgets a member's resume file; returns its hash, if there was one.
    pub async fn delete_resume_file(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "DELETE FROM member_resume_files WHERE user_id = $1 RETURNING sha256",
        )
        .bind(user_id)
        .fetch_optional(self.write())
        .await?)
    }

    /// How many members' resumes are the file with this hash.
    pub async fn resume_file_uses(&self, sha256: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM member_resume_files WHERE sha256 = $1")
                .bind(sha256)
                .fetch_one(self.write())
                .await?,
        )
    }

    /// Records an interest unless the member already has `max` of them. Returns its id, or
    /// `None` when the member is at the limit.
    pub async fn insert_interest(
        &self,
        new: &NewInterest<'_>,
        max: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.write().begin().await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM coop_interests WHERE user_id = $1")
                .bind(new.user_id)
                .fetch_one(&mut *tx)
                .await?;
        if count >= max {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO coop_interests (user_id, industry, industry_key, region, region_key, \
             note, listed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(new.user_id)
        .bind(new.industry)
        .bind(new.industry_key)
        .bind(new.region)
        .bind(new.region_key)
        .bind(new.note)
        .bind(new.listed as i64)
        .bind(new.created_at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Deletes one of a member's interests; false if the member has no interest with that id.
    pub async fn delete_interest(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM coop_interests WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(self.write())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn interests_of(&self, user_id: i64) -> Result<Vec<InterestRow>, StoreError> {
        let sql = format!(
            "SELECT {INTEREST_COLUMNS} FROM coop_interests i JOIN users u ON u.id = i.user_id \
             WHERE i.user_id = $1 ORDER BY i.created_at, i.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(user_id)
            .fetch_all(self.read())
            .await?)
    }

    /// Other members' listed interests that share an industry or a region with one of
    /// `user_id`'s interests, newest first.
    pub async fn matching_interests(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<InterestRow>, StoreError> {
        let sql = format!(
            "SELECT {INTEREST_COLUMNS} FROM coop_interests i JOIN users u ON u.id = i.user_id \
             WHERE i.listed = 1 AND i.user_id <> $1 AND EXISTS (SELECT 1 FROM coop_interests m \
             WHERE m.user_id = $1 AND (m.industry_key = i.industry_key \
             OR m.region_key = i.region_key)) \
             ORDER BY i.created_at DESC, i.id DESC LIMIT $2"
        );
        Ok(sqlx::query_as(&sql)
            .bind(user_id)
            .bind(limit)
            .fetch_all(self.read())
            .await?)
    }
}
