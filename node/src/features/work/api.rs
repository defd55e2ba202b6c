//! Job posts and applications in the JSON API.

use activitypub_federation::config::Data;
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::core::store::rfc3339;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::coops::api::acting;
use crate::features::work;
use crate::features::work::store::{ApplicationRow, JobQuery, JobRow};
use crate::features::work::{wire as federated, JobFields};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/jobs", get(board))
        .route("/api/v1/jobs/post", get(one_job))
        .route("/api/v1/coops/{handle}/jobs", get(coop_jobs).post(post_job))
        .route("/api/v1/coops/{handle}/jobs/change", post(change_job))
        .route("/api/v1/coops/{handle}/jobs/delete", post(delete_job))
        .route("/api/v1/applications", get(my_applications).post(apply))
        .route(
            "/api/v1/coops/{handle}/applications",
            get(coop_applications),
        )
        .route(
            "/api/v1/coops/{handle}/applications/state",
            post(change_application),
        )
}

#[derive(Serialize)]
pub struct JobView {
    pub id: String,
    pub workplace: String,
    pub local: bool,
    pub title: String,
    pub description_html: String,
    pub hours: String,
    pub pay: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub skills: Vec<String>,
    pub closes_on: Option<String>,
    /// open, closed or filled; a post past its closing date shows as closed.
    pub state: String,
    pub published: String,
}

pub fn job_view(j: JobRow) -> JobView {
    let state = if j.state == "open" && !j.is_open(&work::today()) {
        "closed".to_string()
    } else {
        j.state.clone()
    };
    JobView {
        skills: j.skill_list().iter().map(|s| s.to_string()).collect(),
        id: j.id,
        workplace: j.owner_id,
        local: j.is_local == 1,
        title: j.title,
        description_html: j.description_html,
        hours: j.hours,
        pay: j.pay,
        region: j.region,
        industry: j.industry,
        closes_on: j.closes_on,
        state,
        published: rfc3339(j.published_at),
    }
}

#[derive(Deserialize, Default)]
pub struct BoardQuery {
    pub q: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub skill: Option<String>,
    #[serde(default)]
    pub all: bool,
    pub page: Option<i64>,
}

impl BoardQuery {
    pub fn to_query(&self) -> JobQuery {
        let some = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(200).collect())
        };
        let page = self.page.unwrap_or(1).clamp(1, 1000);
        JobQuery {
            text: some(&self.q),
            region: some(&self.region),
            industry: some(&self.industry),
            skill: some(&self.skill),
            all: self.all,
            today: work::today(),
            limit: 20,
            offset: (page - 1) * 20,
        }
    }
}

/// The jobs board: local posts and those of followed workplaces. Public, as the posts are.
async fn board(data: Data<AppState>, Query(q): Query<BoardQuery>) -> ApiResult<Vec<JobView>> {
    let jobs = data.db.jobs_board(&q.to_query()).await?;
    Ok(Json(jobs.into_iter().map(job_view).collect()))
}

#[derive(Deserialize)]
pub struct IdQuery {
    pub id: String,
}

async fn one_job(data: Data<AppState>, Query(q): Query<IdQuery>) -> ApiResult<JobView> {
    let job = data.db.job(q.id.trim()).await?.ok_or(AppError::NotFound)?;
    Ok(Json(job_view(job)))
}

async fn coop_jobs(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<Vec<JobView>> {
    let coop = acting(&data, &user, &handle).await?;
    let jobs = data.db.jobs_of(coop.id.as_str()).await?;
    Ok(Json(jobs.into_iter().map(job_view).collect()))
}

async fn post_job(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(fields): Json<JobFields>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let job = federated::post_job(&data, &coop, fields.check()?).await?;
    Ok((StatusCode::CREATED, Json(job_view(job))))
}

#[derive(Deserialize)]
pub struct ChangeJob {
    pub id: String,
    /// New text for the post, all fields.
    #[serde(default)]
    pub fields: Option<JobFields>,
    /// open, closed or filled.
    #[serde(default)]
    pub state: Option<String>,
}

async fn change_job(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<ChangeJob>,
) -> ApiResult<JobView> {
    let coop = acting(&data, &user, &handle).await?;
    let draft = body.fields.map(|f| f.check()).transpose()?;
    let job =
        federated::change_job(&data, &coop, body.id.trim(), draft, body.state.as_deref()).await?;
    Ok(Json(job_view(job)))
}

async fn delete_job(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<IdQuery>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    federated::delete_job(&data, &coop, body.id.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct ApplicationEvent {
    pub state: String,
    pub note: String,
    pub at: String,
}

#[derive(Serialize)]
pub struct ApplicationView {
    pub id: String,
    pub kind: String,
    pub applicant: String,
    pub coop: String,
    pub job: Option<String>,
    pub letter_html: String,
    pub profile: serde_json::Value,
    pub state: String,
    pub events: Vec<ApplicationEvent>,
}

pub async fn application_view(
    data: &AppState,
    a: ApplicationRow,
) -> Result<ApplicationView, AppError> {
    let events = data
        .db
        .application_events(&a.id)
        .await?
        .into_iter()
        .map(|e| ApplicationEvent {
            state: e.state,
            note: e.note,
            at: rfc3339(e.at),
        })
        .collect();
    Ok(ApplicationView {
        profile: serde_json::from_str(&a.profile).unwrap_or(serde_json::Value::Null),
        id: a.id,
        kind: a.kind,
        applicant: a.applicant_id,
        coop: a.coop_id,
        job: a.job_id,
        letter_html: a.letter_html,
        state: a.state,
        events,
    })
}

/// A member's own applications, newest change first.
async fn my_applications(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Vec<ApplicationView>> {
    let mut out = Vec::new();
    for a in data.db.applications_by(&user.actor_id).await? {
        out.push(application_view(&data, a).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct ApplyRequest {
    /// A job post's id: apply for that job.
    #[serde(default)]
    pub job: Option<String>,
    /// A consumer council's handle (`@north@other.node`) or id: apply for membership.
    #[serde(default)]
    pub council: Option<String>,
    #[serde(default)]
    pub letter: String,
}

#[derive(Serialize)]
pub struct Applied {
    pub id: String,
}

async fn apply(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<ApplyRequest>,
) -> Result<(StatusCode, Json<Applied>), ApiError> {
    let id = federated::apply_as(
        &data,
        &user,
        body.job.as_deref(),
        body.council.as_deref(),
        &body.letter,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Applied { id })))
}

async fn coop_applications(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<Vec<ApplicationView>> {
    let coop = acting(&data, &user, &handle).await?;
    let mut out = Vec::new();
    for a in data.db.applications_to(coop.id.as_str()).await? {
        out.push(application_view(&data, a).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct StateRequest {
    pub id: String,
    pub state: String,
    #[serde(default)]
    pub note: String,
}

async fn change_application(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<StateRequest>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    federated::change_application(&data, &coop, body.id.trim(), body.state.trim(), &body.note)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
