//! The JSON API's basics: errors as `{"error": "…"}` with their status, bearer tokens, pages
//! of results.

use crate::core::error::AppError;
use crate::core::store::users::UserRow;
use crate::core::web::auth::token_hash;
use crate::core::AppState;
use activitypub_federation::config::Data;
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;

/// Errors as JSON: `{"error": "..."}` with the status the error maps to.
pub struct ApiError(pub AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "API request failed");
        }
        let message = match &self.0 {
            AppError::Store(_) | AppError::Internal(_) => "internal error".to_string(),
            other => other.to_string(),
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// A request carrying a valid bearer token.
pub struct ApiUser(pub UserRow);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let data = Data::<AppState>::from_request_parts(parts, &())
            .await
            .map_err(|(_, msg)| AppError::Internal(msg.into()))?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| AppError::Unauthorized("a bearer token is required".into()))?;
        let user_id = data
            .db
            .api_token_user(&token_hash(token.trim()))
            .await?
            .ok_or_else(|| AppError::Unauthorized("the token is not valid".into()))?;
        let user = data
            .db
            .user(user_id)
            .await?
            .ok_or_else(|| AppError::Unauthorized("the token's user is gone".into()))?;
        Ok(ApiUser(user))
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    pub page: Option<u32>,
}

pub const PAGE: i64 = 20;

pub fn offset(q: &PageQuery) -> Result<i64, AppError> {
    match q.page {
        None => Ok(0),
        Some(p) if (1..=100_000).contains(&p) => Ok((p as i64 - 1) * PAGE),
        Some(_) => Err(AppError::bad("pages are numbered from 1")),
    }
}
use axum::http::HeaderMap;
use serde::Serialize;

/// The user of a request's bearer token; `None` without one, refused if it is not valid.
pub(crate) async fn bearer_user(
    data: &AppState,
    headers: &HeaderMap,
) -> Result<Option<UserRow>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| AppError::Unauthorized("only bearer tokens are accepted".into()))?;
    let user_id = data
        .db
        .api_token_user(&token_hash(token.trim()))
        .await?
        .ok_or_else(|| AppError::Unauthorized("the token is not valid".into()))?;
    Ok(Some(data.db.user(user_id).await?.ok_or_else(|| {
        AppError::Unauthorized("the token's user is gone".into())
    })?))
}

#[derive(Serialize)]
pub struct Created {
    pub id: String,
}
