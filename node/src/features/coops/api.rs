//! The co-ops of this node in the JSON API, and the checks every API route makes of who acts for
//! which co-op.

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/coops", get(coops_list))
}

use crate::core::error::AppError;
use crate::core::federation::{convert, KnownActor};
use crate::core::store::users::UserRow;
use crate::core::web::api::ApiResult;
use crate::core::web::api::ApiUser;
use crate::core::AppState;
use crate::features::coops;
use activitypub_federation::config::Data;
use axum::{routing::get, Json, Router};
use serde::Serialize;

#[derive(Serialize)]
pub struct CoopView {
    pub id: String,
    pub handle: String,
    pub name: String,
    pub kind: Option<String>,
    pub actor_type: String,
    pub summary: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub local: bool,
}

pub fn coop_view(a: &KnownActor) -> CoopView {
    CoopView {
        id: a.id.to_string(),
        handle: a.handle(),
        name: a.name.clone(),
        kind: a.coop_kind.clone(),
        actor_type: a.actor_type.clone(),
        summary: a.summary.clone(),
        region: a.region.clone(),
        industry: a.industry.clone(),
        local: a.is_local(),
    }
}

#[derive(Serialize)]
pub struct MeView {
    pub username: String,
    pub admin: bool,
    pub coops: Vec<CoopView>,
}

pub async fn me(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<MeView> {
    let coops = coops::coops_of(&data.db, &user)
        .await?
        .iter()
        .map(|r| coop_view(&convert::local_actor(r, &data.settings)))
        .collect();
    Ok(Json(MeView {
        username: user.username,
        admin: user.is_admin == 1,
        coops,
    }))
}

pub async fn coops_list(data: Data<AppState>) -> ApiResult<Vec<CoopView>> {
    Ok(Json(
        data.db
            .local_coops()
            .await?
            .iter()
            .map(|r| coop_view(&convert::local_actor(r, &data.settings)))
            .collect(),
    ))
}

pub async fn local_coop(data: &AppState, handle: &str) -> Result<KnownActor, AppError> {
    let row = data
        .db
        .local_actor_by_username(handle)
        .await?
        .filter(|r| r.coop_kind.is_some())
        .ok_or(AppError::NotFound)?;
    Ok(convert::local_actor(&row, &data.settings))
}

pub async fn acting(data: &AppState, user: &UserRow, handle: &str) -> Result<KnownActor, AppError> {
    let coop = local_coop(data, handle).await?;
    if !coops::may_act_for(&data.db, user, coop.id.as_str()).await? {
        return Err(AppError::Forbidden("you may not act for this co-op".into()));
    }
    Ok(coop)
}
