//! Member profiles and interests in the JSON API: your own profile (read, change, resume PDF),
//! another member's profile as far as you may see it, and interests in starting a co-op.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::JsonRejection, DefaultBodyLimit, Multipart, Path},
    http::{HeaderMap, StatusCode},
    routing::{delete, get, post},
    Json, Router,
};
use serde::Serialize;

use crate::core::error::AppError;
use crate::core::web::api::bearer_user;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::people;
use crate::features::people::portal::{read_upload, UPLOAD_BODY_MAX};
use crate::features::people::{
    Interest, InterestInput, InterestMatch, PdfInfo, Profile, ProfileInput,
};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/profile", get(own).put(update))
        .route(
            "/api/v1/profile/resume",
            post(upload)
                .delete(remove_pdf)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX)),
        )
        .route("/api/v1/members/{name}/profile", get(member))
        .route("/api/v1/interests", get(interests).post(add_interest))
        .route("/api/v1/interests/{id}", delete(remove_interest))
}

async fn own(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<Profile> {
    Ok(Json(people::profile(&data, &user).await?))
}

async fn update(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<ProfileInput>, JsonRejection>,
) -> ApiResult<Profile> {
    let Json(input) = body.map_err(|e| AppError::bad(e.body_text()))?;
    Ok(Json(people::update_profile(&data, &user, input).await?))
}

async fn upload(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<PdfInfo>), ApiError> {
    let multipart = multipart.map_err(|e| AppError::bad(e.body_text()))?;
    let file = read_upload(multipart)
        .await?
        .file
        .ok_or_else(|| AppError::bad("send the PDF in a multipart field called file"))?;
    let pdf = people::save_resume_pdf(&data, &user, file).await?;
    Ok((StatusCode::CREATED, Json(pdf)))
}

async fn remove_pdf(data: Data<AppState>, ApiUser(user): ApiUser) -> Result<StatusCode, ApiError> {
    if people::remove_resume_pdf(&data, &user).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

/// What the caller (anonymous, or by token) may see of a member's profile.
async fn member(
    data: Data<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult<people::ProfileView> {
    let reader = bearer_user(&data, &headers).await?;
    let (_, shown) = people::view_of(&data, &name, reader.as_ref()).await?;
    Ok(Json(shown))
}

#[derive(Serialize)]
pub struct Interests {
    pub mine: Vec<Interest>,
    pub matches: Vec<InterestMatch>,
}

async fn interests(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<Interests> {
    let (mine, matches) = people::interests(&data, &user).await?;
    Ok(Json(Interests { mine, matches }))
}

async fn add_interest(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<InterestInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Interest>), ApiError> {
    let Json(input) = body.map_err(|e| AppError::bad(e.body_text()))?;
    Ok((
        StatusCode::CREATED,
        Json(people::add_interest(&data, &user, input).await?),
    ))
}

async fn remove_interest(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    people::remove_interest(&data, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
