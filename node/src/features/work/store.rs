//! Job posts and applications.

use crate::core::store::outbox::{applied, insert_activity_rows, NewActivity, WrittenAlongside};
use crate::core::store::{Db, Refusal, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub owner_id: String,
    pub is_local: i64,
    pub title: String,
    pub description_md: Option<String>,
    pub description_html: String,
    pub hours: String,
    pub pay: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    /// Lower-case skills between commas: `,baking,driving,`.
    pub skills: String,
    pub closes_on: Option<String>,
    pub state: String,
    pub published_at: i64,
    pub updated_at: i64,
}

impl JobRow {
    pub fn skill_list(&self) -> Vec<&str> {
        self.skills.split(',').filter(|s| !s.is_empty()).collect()
    }

    /// Open, and not past its closing date (`today` is `YYYY-MM-DD`).
    pub fn is_open(&self, today: &str) -> bool {
        self.state == "open" && self.closes_on.as_deref().is_none_or(|c| c >= today)
    }
}

/// What the jobs board filters by.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    pub text: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub skill: Option<String>,
    /// Include closed and filled posts.
    pub all: bool,
    /// `YYYY-MM-DD`: posts closing before it are not open.
    pub today: String,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    pub kind: String,
    pub applicant_id: String,
    pub coop_id: String,
    pub job_id: Option<String>,
    pub letter_html: String,
    pub profile: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationEventRow {
    pub state: String,
    pub note: String,
    pub at: i64,
}

const JOB_COLUMNS: &str = "id, owner_id, is_local, title, description_md, description_html, \
    hours, pay, region, industry, skills, closes_on, state, published_at, updated_at";
const APPLICATION_COLUMNS: &str = "id, kind, applicant_id, coop_id, job_id, letter_html, \
    profile, state, created_at, updated_at";

fn like(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Db {
    pub async fn upsert_job(&self, j: &JobRow) -> Result<(), StoreError> {
        self.write_rows(j).await
    }

    pub async fn job(&self, id: &str) -> Result<Option<JobRow>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn delete_job(&self, id: &str, owner: &str) -> Result<bool, StoreError> {
        applied(self.write_rows(&JobRemoval { id, owner }).await)
    }

    pub async fn jobs_of(&self, owner: &str) -> Result<Vec<JobRow>, StoreError> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE owner_id = $1 ORDER BY published_at DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(owner)
            .fetch_all(self.read())
            .await?)
    }

    /// The jobs board: newest first.
    pub async fn jobs_board(&self, q: &JobQuery) -> Result<Vec<JobRow>, StoreError> {
        let mut sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        if !q.all {
            binds.push(q.today.clone());
            sql.push_str(&format!(
                " AND state = 'open' AND (closes_on IS NULL OR closes_on >= ${})",
                binds.len()
            ));
        }
        if let Some(t) = &q.text {
            binds.push(like(t));
            let n = binds.len();
            sql.push_str(&format!(
                " AND (LOWER(title) LIKE ${n} ESCAPE '\\' OR LOWER(description_html) LIKE ${n} \
                 ESCAPE '\\' OR skills LIKE ${n} ESCAPE '\\')"
            ));
        }
        for (column, value) in [("region", &q.region), ("industry", &q.industry)] {
            if let Some(v) = value {
                binds.push(v.to_lowercase());
                sql.push_str(&format!(" AND LOWER({column}) = ${}", binds.len()));
            }
        }
        if let Some(s) = &q.skill {
            binds.push(format!("%,{},%", s.to_lowercase().replace(['%', '_'], "")));
            sql.push_str(&format!(" AND skills LIKE ${}", binds.len()));
        }
        sql.push_str(&format!(
            " ORDER BY published_at DESC, id LIMIT {} OFFSET {}",
            q.limit, q.offset
        ));
        let mut query = sqlx::query_as(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        Ok(query.fetch_all(self.read()).await?)
    }

    /// Records an application with its first event, and the activity that carries it, at once.
    pub async fn insert_application(
        &self,
        a: &ApplicationRow,
        activity: Option<&NewActivity<'_>>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().begin().await?;
        let sql = format!(
            "INSERT INTO applications ({APPLICATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, \
             $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"
        );
        let done = sqlx::query(&sql)
            .bind(&a.id)
            .bind(&a.kind)
            .bind(&a.applicant_id)
            .bind(&a.coop_id)
            .bind(&a.job_id)
            .bind(&a.letter_html)
            .bind(&a.profile)
            .bind(&a.state)
            .bind(a.created_at)
            .bind(a.updated_at)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO application_events (application_id, state, note, at) \
             VALUES ($1, $2, '', $3)",
        )
        .bind(&a.id)
        .bind(&a.state)
        .bind(a.created_at)
        .execute(&mut *tx)
        .await?;
        if let Some(activity) = activity {
            insert_activity_rows(&mut tx, activity).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Moves an application from `from` to `to`, with the activity that tells the other side.
    /// Returns false if it was not in `from` (someone moved it meanwhile).
    pub async fn change_application_state(
        &self,
        id: &str,
        from: &str,
        to: &str,
        note: &str,
        at: i64,
        activity: Option<&NewActivity<'_>>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().begin().await?;
        let done = sqlx::query(
            "UPDATE applications SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
        )
        .bind(to)
        .bind(at)
        .bind(id)
        .bind(from)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO application_events (application_id, state, note, at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(to)
        .bind(note)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if let Some(activity) = activity {
            insert_activity_rows(&mut tx, activity).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn application(&self, id: &str) -> Result<Option<ApplicationRow>, StoreError> {
        let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.write())
            .await?)
    }

    pub async fn applications_by(
        &self,
        applicant: &str,
    ) -> Result<Vec<ApplicationRow>, StoreError> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE applicant_id = $1 \
             ORDER BY updated_at DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(applicant)
            .fetch_all(self.read())
            .await?)
    }

    pub async fn applications_to(&self, coop: &str) -> Result<Vec<ApplicationRow>, StoreError> {
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE coop_id = $1 \
             ORDER BY updated_at DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(coop)
            .fetch_all(self.read())
            .await?)
    }

    pub async fn application_events(
        &self,
        id: &str,
    ) -> Result<Vec<ApplicationEventRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT state, note, at FROM application_events WHERE application_id = $1 \
             ORDER BY at, state",
        )
        .bind(id)
        .fetch_all(self.read())
        .await?)
    }
}

/// A job post written as new or newer news; an older version than the one here, or another
/// owner's, changes nothing.
#[async_trait::async_trait]
impl WrittenAlongside for JobRow {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        let j = self;
        let sql = format!(
            "INSERT INTO jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $13, $14, $15) ON CONFLICT (id) DO UPDATE SET title = excluded.title, \
             description_md = excluded.description_md, \
             description_html = excluded.description_html, hours = excluded.hours, \
             pay = excluded.pay, region = excluded.region, industry = excluded.industry, \
             skills = excluded.skills, closes_on = excluded.closes_on, state = excluded.state, \
             updated_at = excluded.updated_at \
             WHERE jobs.owner_id = excluded.owner_id AND jobs.updated_at <= excluded.updated_at"
        );
        sqlx::query(&sql)
            .bind(&j.id)
            .bind(&j.owner_id)
            .bind(j.is_local)
            .bind(&j.title)
            .bind(&j.description_md)
            .bind(&j.description_html)
            .bind(&j.hours)
            .bind(&j.pay)
            .bind(&j.region)
            .bind(&j.industry)
            .bind(&j.skills)
            .bind(&j.closes_on)
            .bind(&j.state)
            .bind(j.published_at)
            .bind(j.updated_at)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// The removal of a job post of `owner`; refused as missing if there is none.
pub struct JobRemoval<'a> {
    pub id: &'a str,
    pub owner: &'a str,
}

#[async_trait::async_trait]
impl WrittenAlongside for JobRemoval<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM jobs WHERE id = $1 AND owner_id = $2")
            .bind(self.id)
            .bind(self.owner)
            .execute(&mut **tx)
            .await?;
        Refusal::Missing.unless_written(&done)
    }
}
