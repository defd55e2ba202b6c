//! The JSON API, `/api/v1/…`: what the portal does, for scripts and apps, with bearer tokens
//! from `coopnode token create`. Reading is public like the portal; acting needs a token.
//! `/api/openapi.json` describes it.

mod credits;
mod directory;
mod forums;
pub mod library;
mod market;
mod openapi;
pub(crate) mod people;
mod planning;
pub mod work;

use activitypub_federation::config::Data;
use axum::{
    extract::{FromRequestParts, Path, Query},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    routing::{delete, get, post},
    Json, Router,
};
use coopnet_schemas::Handle;
use serde::{Deserialize, Serialize};

use crate::{
    activitypub::{self, convert, outgoing, KnownActor},
    app::AppState,
    coops,
    error::AppError,
    portal::auth::token_hash,
    store::{posts::FeedEntry, rfc3339, users::UserRow},
};

pub fn routes() -> Router {
    Router::new()
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/me", get(me))
        .route("/api/v1/feed", get(feed))
        .route("/api/v1/coops", get(coops_list))
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
        .merge(market::routes())
        .merge(planning::routes())
        .merge(work::routes())
        .merge(library::routes())
        .merge(forums::routes())
        .merge(credits::routes())
        .merge(directory::routes())
        .merge(people::routes())
}

/// Errors as JSON: `{"error": "..."}` with the status the error maps to.
pub struct ApiError(AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

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

type ApiResult<T> = Result<Json<T>, ApiError>;

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

fn coop_view(a: &KnownActor) -> CoopView {
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

async fn me(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<MeView> {
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

#[derive(Deserialize)]
pub struct PageQuery {
    pub page: Option<u32>,
}

const PAGE: i64 = 20;

fn offset(q: &PageQuery) -> Result<i64, AppError> {
    match q.page {
        None => Ok(0),
        Some(p) if (1..=100_000).contains(&p) => Ok((p as i64 - 1) * PAGE),
        Some(_) => Err(AppError::bad("pages are numbered from 1")),
    }
}

async fn feed(data: Data<AppState>, Query(q): Query<PageQuery>) -> ApiResult<Vec<PostView>> {
    let entries = data.db.feed(PAGE, offset(&q)?).await?;
    Ok(Json(
        entries.into_iter().map(|e| post_view(&data, e)).collect(),
    ))
}

async fn coops_list(data: Data<AppState>) -> ApiResult<Vec<CoopView>> {
    Ok(Json(
        data.db
            .local_coops()
            .await?
            .iter()
            .map(|r| coop_view(&convert::local_actor(r, &data.settings)))
            .collect(),
    ))
}

async fn local_coop(data: &AppState, handle: &str) -> Result<KnownActor, AppError> {
    let row = data
        .db
        .local_actor_by_username(handle)
        .await?
        .filter(|r| r.coop_kind.is_some())
        .ok_or(AppError::NotFound)?;
    Ok(convert::local_actor(&row, &data.settings))
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

async fn acting(data: &AppState, user: &UserRow, handle: &str) -> Result<KnownActor, AppError> {
    let coop = local_coop(data, handle).await?;
    if !coops::may_act_for(&data.db, user, coop.id.as_str()).await? {
        return Err(AppError::Forbidden("you may not act for this co-op".into()));
    }
    Ok(coop)
}

#[derive(Deserialize)]
pub struct NewPost {
    pub text: String,
}

#[derive(Serialize)]
pub struct Created {
    pub id: String,
}

async fn create_post(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<NewPost>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let post = outgoing::publish_note(&data, &coop, &body.text).await?;
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
    outgoing::update_note(&data, &coop, post_id.as_str(), &body.text).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_post(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let post_id = data.settings.url(&format!("/posts/{id}"));
    outgoing::delete_note(&data, &coop, post_id.as_str()).await?;
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
    outgoing::share_post(&data, &coop, &body.post_id).await?;
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
