//! The JSON API, `/api/v1/…`: what the portal does, for scripts and apps, with bearer tokens
//! from `coopnode token create`. Reading is public like the portal; acting needs a token.
//! `/api/openapi.json` describes it.

use activitypub_federation::config::Data;
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    routing::{delete, get, post},
    Json, Router,
};
use coopnet_schemas::Handle;
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::{outgoing, KnownActor};
use crate::core::store::rfc3339;
use crate::core::web::api::offset;
use crate::core::web::api::ApiError;
use crate::core::web::api::ApiResult;
use crate::core::web::api::ApiUser;
use crate::core::web::api::Created;
use crate::core::web::api::PageQuery;
use crate::core::web::api::PAGE;
use crate::core::AppState;
use crate::features::coops::api::acting;
use crate::features::coops::api::coop_view;
use crate::features::coops::api::local_coop;
use crate::features::coops::api::CoopView;
use crate::features::posts::store::FeedEntry;

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/feed", get(feed))
        .route("/api/v1/coops/{handle}", get(coop))
        .route("/api/v1/coops/{handle}/posts", post(create_post))
        .route(
            "/api/v1/coops/{handle}/posts/{id}",
            delete(delete_post).put(edit_post),
        )
        .route(
            "/api/v1/coops/{handle}/following",
            get(following).post(follow),
        )
        .route("/api/v1/coops/{handle}/following/unfollow", post(unfollow))
        .route("/api/v1/coops/{handle}/shares", post(share))
        .route("/api/v1/lookup", get(lookup))
}

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

#[derive(Serialize)]
pub struct PostView {
    pub id: String,
    pub author_id: String,
    pub author_name: Option<String>,
    pub author_handle: String,
    pub content_html: String,
    pub in_reply_to: Option<String>,
    pub published: String,
    pub updated: Option<String>,
    pub shared_by: Option<String>,
}

fn post_view(data: &AppState, e: FeedEntry) -> PostView {
    PostView {
        author_handle: format!(
            "@{}@{}",
            e.author_username.as_deref().unwrap_or("unknown"),
            e.author_host.as_deref().unwrap_or(&data.settings.domain)
        ),
        id: e.id,
        author_id: e.author_id,
        author_name: e.author_name,
        content_html: e.content_html,
        in_reply_to: e.in_reply_to,
        published: rfc3339(e.published_at),
        updated: e.updated_at.map(rfc3339),
        shared_by: e.shared_by,
    }
}

async fn feed(data: Data<AppState>, Query(q): Query<PageQuery>) -> ApiResult<Vec<PostView>> {
    let entries = data.db.feed(PAGE, offset(&q)?).await?;
    Ok(Json(
        entries.into_iter().map(|e| post_view(&data, e)).collect(),
    ))
}

#[derive(Serialize)]
pub struct CoopDetail {
    #[serde(flatten)]
    pub coop: CoopView,
    pub followers: i64,
    pub following: i64,
    pub posts: Vec<PostView>,
}

async fn coop(data: Data<AppState>, Path(handle): Path<String>) -> ApiResult<CoopDetail> {
    let coop = local_coop(&data, &handle).await?;
    let posts = data.db.posts_by(coop.id.as_str(), PAGE, 0).await?;
    Ok(Json(CoopDetail {
        followers: data.db.count_followers(coop.id.as_str()).await?,
        following: data.db.count_following(coop.id.as_str()).await?,
        coop: coop_view(&coop),
        posts: posts.into_iter().map(|e| post_view(&data, e)).collect(),
    }))
}

#[derive(Deserialize)]
pub struct NewPost {
    pub text: String,
}

async fn create_post(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<NewPost>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let post = crate::features::posts::publish_note(&data, &coop, &body.text).await?;
    Ok((StatusCode::CREATED, Json(Created { id: post.id })))
}

async fn edit_post(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
    Json(body): Json<NewPost>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let post_id = data.settings.url(&format!("/posts/{id}"));
    crate::features::posts::update_note(&data, &coop, post_id.as_str(), &body.text).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_post(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let post_id = data.settings.url(&format!("/posts/{id}"));
    crate::features::posts::delete_note(&data, &coop, post_id.as_str()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct ShareRequest {
    /// The id of a post this node has.
    pub post_id: String,
}

async fn share(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<ShareRequest>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    crate::features::posts::share_post(&data, &coop, &body.post_id).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Serialize)]
pub struct FollowView {
    pub target: String,
    pub state: String,
}

async fn following(data: Data<AppState>, Path(handle): Path<String>) -> ApiResult<Vec<FollowView>> {
    let coop = local_coop(&data, &handle).await?;
    Ok(Json(
        data.db
            .follows_of(coop.id.as_str())
            .await?
            .into_iter()
            .filter(|f| f.follower_id == coop.id.as_str())
            .map(|f| FollowView {
                target: f.followee_id,
                state: f.state,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct FollowRequest {
    /// `@name@host[:port]`
    pub target: String,
}

async fn resolve(data: &Data<AppState>, target: &str) -> Result<KnownActor, AppError> {
    let handle = Handle::parse(target).map_err(|e| AppError::bad(e.to_string()))?;
    activitypub::resolve_handle(&handle, &data.reset_request_count()).await
}

async fn follow(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<FollowRequest>,
) -> Result<(StatusCode, Json<FollowView>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let target = resolve(&data, &body.target).await?;
    outgoing::follow(&data, &coop, &target).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(FollowView {
            target: target.id.to_string(),
            state: "pending".into(),
        }),
    ))
}

async fn unfollow(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<FollowRequest>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let target = resolve(&data, &body.target).await?;
    outgoing::unfollow(&data, &coop, &target).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct LookupQuery {
    pub handle: String,
}

/// Looks a handle up on the network; it makes requests on the caller's behalf, so it needs a token.
async fn lookup(
    data: Data<AppState>,
    _user: ApiUser,
    Query(q): Query<LookupQuery>,
) -> ApiResult<CoopView> {
    let actor = resolve(&data, &q.handle).await?;
    Ok(Json(coop_view(&actor)))
}
