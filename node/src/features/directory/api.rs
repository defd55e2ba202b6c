//! The directory in the API: co-ops known here with their profile data, listings, ratings.

use activitypub_federation::config::Data;
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    routing::{get, post, put},
    Json, Router,
};
use coopnet_schemas::directory::CoopProfileDoc;
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::store::rfc3339;
use crate::core::web::api::Created;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::coops::api::{acting, coop_view, CoopView};
use crate::features::directory::store::ListingRow;
use crate::features::directory::wire::{self as federated, CoopFilter};
use crate::features::directory::{
    Average, DirectoryParams, ListingDetails, ListingFields, ProfileText,
};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/directory", get(listings))
        .route("/api/v1/directory/listing", get(listing))
        .route("/api/v1/directory/coops", get(coops))
        .route("/api/v1/directory/coop", get(coop))
        .route("/api/v1/ratings", get(ratings))
        .route("/api/v1/coops/{handle}/listings", post(create))
        .route(
            "/api/v1/coops/{handle}/listings/{id}",
            put(edit).delete(remove),
        )
        .route(
            "/api/v1/coops/{handle}/coop-profile",
            put(set_profile).get(own_profile),
        )
}

#[derive(Serialize)]
pub struct RatingView {
    pub subject: String,
    pub criterion: String,
    pub score: i64,
    pub comment: String,
}

#[derive(Serialize)]
pub struct ListingView {
    pub id: String,
    pub owner_id: String,
    pub owner_name: Option<String>,
    pub local: bool,
    pub kind: String,
    pub title: String,
    pub body_html: String,
    pub body_markdown: Option<String>,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub details: ListingDetails,
    pub ratings: Vec<RatingView>,
    pub published: String,
    pub updated: String,
}

async fn listing_view(data: &AppState, row: ListingRow) -> Result<ListingView, AppError> {
    let ratings = data
        .db
        .ratings_of(&row.id)
        .await?
        .into_iter()
        .map(|r| RatingView {
            subject: r.subject_id,
            criterion: r.criterion,
            score: r.score,
            comment: r.comment,
        })
        .collect();
    let owner_name = activitypub::stored_actor(data, &row.owner_id)
        .await?
        .map(|a| a.name);
    Ok(ListingView {
        details: serde_json::from_str(&row.details).unwrap_or_default(),
        id: row.id,
        owner_id: row.owner_id,
        owner_name,
        local: row.is_local == 1,
        kind: row.kind,
        title: row.title,
        body_html: row.body_html,
        body_markdown: row.body_md,
        region: row.region,
        topic: row.topic,
        ratings,
        published: rfc3339(row.published_at),
        updated: rfc3339(row.updated_at),
    })
}

async fn listings(
    data: Data<AppState>,
    Query(q): Query<DirectoryParams>,
) -> ApiResult<Vec<ListingView>> {
    let rows = data.db.listings(&q.query()?, 100).await?;
    let mut out = Vec::new();
    for row in rows {
        out.push(listing_view(&data, row).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct IdQuery {
    pub id: String,
}

async fn listing(data: Data<AppState>, Query(q): Query<IdQuery>) -> ApiResult<ListingView> {
    let row = data
        .db
        .listing(q.id.trim())
        .await?
        .filter(|l| l.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    Ok(Json(listing_view(&data, row).await?))
}

#[derive(Serialize)]
pub struct CoopProfileView {
    #[serde(flatten)]
    pub coop: CoopView,
    pub profile: Option<CoopProfileDoc>,
    pub ratings: Vec<Average>,
}

#[derive(Deserialize)]
pub struct CoopsQuery {
    #[serde(flatten)]
    pub filter: CoopFilter,
    /// Actor ids separated by commas: just these co-ops, to compare them.
    pub ids: Option<String>,
}

async fn coops(
    data: Data<AppState>,
    Query(q): Query<CoopsQuery>,
) -> ApiResult<Vec<CoopProfileView>> {
    let wanted: Option<Vec<&str>> = q
        .ids
        .as_deref()
        .map(|ids| ids.split(',').map(str::trim).collect());
    let mut coops = federated::known_coops(&data, &q.filter).await?;
    if let Some(wanted) = &wanted {
        coops.retain(|(a, _)| wanted.contains(&a.id.as_str()));
    }
    let ids: Vec<String> = coops.iter().map(|(a, _)| a.id.to_string()).collect();
    let mut averages = federated::averages(&data, &ids).await?;
    Ok(Json(
        coops
            .into_iter()
            .map(|(a, profile)| CoopProfileView {
                ratings: averages.remove(a.id.as_str()).unwrap_or_default(),
                coop: coop_view(&a),
                profile,
            })
            .collect(),
    ))
}

#[derive(Serialize)]
pub struct ProfileVersionView {
    pub version: i64,
    pub recorded: String,
    pub profile: CoopProfileDoc,
}

#[derive(Serialize)]
pub struct CoopDirectoryView {
    #[serde(flatten)]
    pub coop: CoopProfileView,
    pub versions: Vec<ProfileVersionView>,
}

async fn coop(data: Data<AppState>, Query(q): Query<IdQuery>) -> ApiResult<CoopDirectoryView> {
    let actor = activitypub::stored_actor(&data, q.id.trim())
        .await?
        .filter(|a| a.coop_kind.is_some())
        .ok_or(AppError::NotFound)?;
    let profile = federated::profile_doc(&data, &actor).await?;
    let versions = data
        .db
        .profile_versions(actor.id.as_str())
        .await?
        .into_iter()
        .filter_map(|v| {
            Some(ProfileVersionView {
                version: v.version,
                recorded: rfc3339(v.recorded_at),
                profile: serde_json::from_str(&v.document).ok()?,
            })
        })
        .collect();
    let mut averages = federated::averages(&data, &[actor.id.to_string()]).await?;
    Ok(Json(CoopDirectoryView {
        coop: CoopProfileView {
            ratings: averages.remove(actor.id.as_str()).unwrap_or_default(),
            coop: coop_view(&actor),
            profile,
        },
        versions,
    }))
}

#[derive(Deserialize)]
pub struct SubjectQuery {
    pub subject: String,
}

#[derive(Serialize)]
pub struct SubjectRatings {
    pub averages: Vec<Average>,
    pub ratings: Vec<SubjectRatingView>,
}

#[derive(Serialize)]
pub struct SubjectRatingView {
    pub report_id: String,
    pub report_title: String,
    pub by: String,
    pub criterion: String,
    pub score: i64,
    pub comment: String,
}

async fn ratings(data: Data<AppState>, Query(q): Query<SubjectQuery>) -> ApiResult<SubjectRatings> {
    let subject = q.subject.trim().to_string();
    let mut averages = federated::averages(&data, std::slice::from_ref(&subject)).await?;
    let ratings = data
        .db
        .ratings_for(&subject)
        .await?
        .into_iter()
        .map(|r| SubjectRatingView {
            report_id: r.report_id,
            report_title: r.report_title,
            by: r.owner_id,
            criterion: r.criterion,
            score: r.score,
            comment: r.comment,
        })
        .collect();
    Ok(Json(SubjectRatings {
        averages: averages.remove(&subject).unwrap_or_default(),
        ratings,
    }))
}

async fn create(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<ListingFields>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let row = federated::publish_listing(&data, &coop, &body).await?;
    Ok((StatusCode::CREATED, Json(Created { id: row.id })))
}

fn local_listing_id(data: &AppState, id: &str) -> String {
    data.settings.url(&format!("/listings/{id}")).to_string()
}

async fn edit(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
    Json(body): Json<ListingFields>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    federated::edit_listing(&data, &coop, &local_listing_id(&data, &id), &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    federated::delete_listing(&data, &coop, &local_listing_id(&data, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn own_profile(
    data: Data<AppState>,
    Path(handle): Path<String>,
) -> ApiResult<Option<CoopProfileDoc>> {
    let coop = crate::features::coops::api::local_coop(&data, &handle).await?;
    Ok(Json(federated::profile_doc(&data, &coop).await?))
}

async fn set_profile(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<ProfileText>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    federated::save_profile(&data, &coop, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}
