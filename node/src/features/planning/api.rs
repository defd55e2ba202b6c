//! Planning rounds in the JSON API: what the portal's planning pages do, for apps and scripts.

use activitypub_federation::config::Data;
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    routing::{get, post, put},
    Json, Router,
};
use coopnet_planning::RuleKind;
use coopnet_schemas::planning::{ParticipantRole, PlanDoc};
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::core::store::now_ms;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::coops::api::acting;
use crate::features::directory::flows::PlanningProfile;
use crate::features::planning::portal::save;
use crate::features::planning::wire::{self as federated, Viewer};
use crate::features::planning::{GoodSpec, RoundSpec};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/plans", get(list).post(open))
        .route("/api/v1/plans/round", get(round))
        .route("/api/v1/plans/answer", post(answer))
        .route("/api/v1/plans/member", post(member))
        .route("/api/v1/plans/close", post(close))
        .route("/api/v1/plans/stop", post(stop))
        .route(
            "/api/v1/coops/{handle}/planning-profile",
            put(set_profile).get(profile),
        )
        .route("/api/v1/coops/{handle}/members", post(add_member))
}

#[derive(Serialize)]
pub struct RoundSummary {
    pub id: String,
    pub name: String,
    pub period: String,
    pub status: &'static str,
    pub iteration: u32,
}

async fn list(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<Vec<RoundSummary>> {
    let mut rounds = Vec::new();
    for row in data.db.plan_rounds().await? {
        let doc = federated::parse_doc(&row)?;
        if federated::viewer(&data, &user, &doc).await?.may_see() {
            rounds.push(RoundSummary {
                id: doc.id.to_string(),
                name: doc.name,
                period: doc.period,
                status: doc.plan_status.as_str(),
                iteration: doc.iteration,
            });
        }
    }
    Ok(Json(rounds))
}

#[derive(Deserialize)]
pub struct OpenRequest {
    /// The local facilitation board's handle.
    pub board: String,
    pub name: String,
    pub period: String,
    pub goods: Vec<GoodSpec>,
    pub participants: Vec<String>,
    #[serde(default)]
    pub rule: Option<RuleKind>,
    /// As a fraction: 0.05 is 5%.
    #[serde(default)]
    pub tolerance: Option<f64>,
    #[serde(default)]
    pub max_iterations: Option<u32>,
}

#[derive(Serialize)]
pub struct Opened {
    pub id: String,
}

async fn open(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<OpenRequest>,
) -> Result<(StatusCode, Json<Opened>), ApiError> {
    let board = acting(&data, &user, &body.board).await?;
    let spec = RoundSpec {
        name: body.name,
        period: body.period,
        goods: body.goods,
        participants: body.participants,
        rule: body.rule.unwrap_or(RuleKind::Pequod),
        tolerance: body.tolerance.unwrap_or(0.05),
        max_iterations: body.max_iterations.unwrap_or(100),
    };
    let id = federated::open_round(&data, &board, &spec).await?;
    Ok((StatusCode::CREATED, Json(Opened { id: id.to_string() })))
}

#[derive(Deserialize)]
pub struct RoundQuery {
    pub id: String,
}

#[derive(Serialize)]
pub struct MemberProposal {
    pub username: String,
    pub iteration: i64,
    pub quantities: Vec<f64>,
}

#[derive(Serialize)]
pub struct CouncilView {
    pub council: String,
    /// Members' own proposals: all of them for the council's administrators, one's own for a
    /// member.
    pub member_proposals: Vec<MemberProposal>,
}

#[derive(Serialize)]
pub struct RoundView {
    pub round: PlanDoc,
    pub councils: Vec<CouncilView>,
}

async fn visible(
    data: &AppState,
    user: &crate::core::store::users::UserRow,
    id: &str,
) -> Result<(PlanDoc, Viewer), AppError> {
    let (_, doc) = federated::round(data, id.trim()).await?;
    let viewer = federated::viewer(data, user, &doc).await?;
    if !viewer.may_see() {
        return Err(AppError::NotFound);
    }
    Ok((doc, viewer))
}

async fn round(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<RoundQuery>,
) -> ApiResult<RoundView> {
    let (doc, viewer) = visible(&data, &user, &q.id).await?;
    let mut councils = Vec::new();
    for p in &doc.participants {
        if p.role != ParticipantRole::Council {
            continue;
        }
        let admin = viewer.acts_for.iter().any(|a| a.id == p.actor);
        let member = viewer.member_of.iter().any(|a| a.id == p.actor);
        if !admin && !member {
            continue;
        }
        let rows = data
            .db
            .member_proposals(doc.id.as_str(), p.actor.as_str())
            .await?;
        let member_proposals = rows
            .into_iter()
            .filter(|r| admin || r.user_id == user.id)
            .map(|r| MemberProposal {
                username: r.username,
                iteration: r.iteration,
                quantities: serde_json::from_str(&r.quantities).unwrap_or_default(),
            })
            .collect();
        councils.push(CouncilView {
            council: p.actor.to_string(),
            member_proposals,
        });
    }
    Ok(Json(RoundView {
        round: doc,
        councils,
    }))
}

#[derive(Deserialize)]
pub struct AnswerRequest {
    pub round: String,
    /// The local participant's handle.
    pub coop: String,
    /// Answer automatically from now on, instead of with the quantities below.
    #[serde(default)]
    pub automatic: bool,
    #[serde(default)]
    pub produce: Option<Vec<f64>>,
    #[serde(default)]
    pub consume: Option<Vec<f64>>,
}

async fn answer(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<AnswerRequest>,
) -> Result<StatusCode, ApiError> {
    let (doc, viewer) = visible(&data, &user, &body.round).await?;
    let coop = viewer
        .acts_for
        .iter()
        .find(|c| c.username == body.coop.trim().trim_start_matches('@'))
        .ok_or_else(|| AppError::Forbidden("you may not answer for that co-op".into()))?;
    if body.automatic {
        federated::answer_automatically(&data, &doc, coop).await?;
    } else {
        let m = doc.goods.len();
        let produce = body.produce.unwrap_or_else(|| vec![0.0; m]);
        let consume = body.consume.unwrap_or_else(|| vec![0.0; m]);
        federated::manual_answer(&data, &doc, coop, produce, consume).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct MemberRequest {
    pub round: String,
    pub council: String,
    pub quantities: Vec<f64>,
}

async fn member(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<MemberRequest>,
) -> Result<StatusCode, ApiError> {
    let (doc, viewer) = visible(&data, &user, &body.round).await?;
    let council = viewer
        .member_of
        .iter()
        .find(|c| c.username == body.council.trim().trim_start_matches('@'))
        .ok_or_else(|| AppError::Forbidden("you are not a member of that council".into()))?;
    federated::member_proposal(&data, &doc, council, user.id, body.quantities).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct CloseRequest {
    pub round: String,
}

async fn close(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<CloseRequest>,
) -> Result<StatusCode, ApiError> {
    let (doc, viewer) = visible(&data, &user, &body.round).await?;
    if viewer.board.is_none() {
        return Err(AppError::Forbidden("only the round's board closes iterations".into()).into());
    }
    federated::close_iteration(&data, doc.id.as_str(), true).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct StopRequest {
    pub round: String,
    #[serde(default)]
    pub reason: String,
}

async fn stop(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<StopRequest>,
) -> Result<StatusCode, ApiError> {
    let (doc, viewer) = visible(&data, &user, &body.round).await?;
    if viewer.board.is_none() {
        return Err(AppError::Forbidden("only the round's board stops it".into()).into());
    }
    federated::stop_round(&data, doc.id.as_str(), &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn profile(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<PlanningProfile> {
    let coop = acting(&data, &user, &handle).await?;
    Ok(Json(
        crate::features::directory::flows::profile_of(&data, coop.id.as_str()).await?,
    ))
}

async fn set_profile(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<PlanningProfile>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    save(&data, &coop, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct AddMember {
    pub username: String,
}

async fn add_member(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<AddMember>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let member = data
        .db
        .user_by_username(body.username.trim())
        .await?
        .ok_or_else(|| AppError::bad("no such user on this node"))?;
    data.db
        .add_coop_member(coop.id.as_str(), member.id, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
