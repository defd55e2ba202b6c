//! The node's routes: the ActivityPub endpoints, the portal's pages and the JSON API of every
//! feature, and the few URLs that answer peers and people differently (content negotiation).

use crate::core::error::AppError;
use crate::core::federation::{inbox, serve as routes};
use crate::core::web::style;
use crate::core::AppState;
use crate::core::MAX_BODY;
use crate::core::{federation as activitypub, web as portal};
use activitypub_federation::config::{Data, FederationConfig, FederationMiddleware};
use axum::{
    extract::{DefaultBodyLimit, Path as UrlPath},
    http::{HeaderMap, Method, Uri},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use url::Url;

/// The portal's pages.
fn portal_routes() -> Router {
    Router::new()
        .route("/", get(crate::features::posts::portal::home))
        .route("/search", get(crate::features::posts::portal::search))
        .route("/follow", post(crate::features::posts::portal::follow))
        .route("/unfollow", post(crate::features::posts::portal::unfollow))
        .route("/share", post(crate::features::posts::portal::share))
        .route(
            "/login",
            get(crate::core::web::auth::login_page).post(crate::core::web::auth::login),
        )
        .route("/logout", post(crate::core::web::auth::logout))
        .route("/admin", get(crate::features::posts::portal::admin_index))
        .route(
            "/admin/{handle}",
            get(crate::features::posts::portal::admin_coop),
        )
        .route(
            "/admin/{handle}/posts",
            post(crate::features::posts::portal::admin_post),
        )
        .route(
            "/admin/{handle}/posts/delete",
            post(crate::features::posts::portal::admin_delete_post),
        )
        .route(
            "/admin/{handle}/posts/edit",
            post(crate::features::posts::portal::admin_edit_post),
        )
        .route(
            "/admin/{handle}/profile",
            post(crate::features::posts::portal::admin_profile),
        )
        .route("/style.css", get(crate::app::router::style))
        .merge(crate::features::market::portal::catalogue::routes())
        .merge(crate::features::market::portal::goods::routes())
        .merge(crate::features::market::portal::orders::routes())
        .merge(crate::features::market::portal::enquiries::routes())
        .merge(crate::features::planning::portal::routes())
        .merge(crate::features::work::portal::routes())
        .merge(crate::features::library::portal::routes())
        .merge(crate::features::forums::portal::routes())
        .merge(crate::features::credits::portal::routes())
        .merge(crate::features::directory::portal::routes())
        .merge(crate::features::people::portal::routes())
}

/// `/coops/{name}` and `/members/{name}`: an actor document for peers, a profile page for people.
async fn actor_or_page(
    data: Data<AppState>,
    UrlPath(name): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    session: portal::auth::MaybeUser,
) -> Response {
    if routes::wants_activity_json(&headers) {
        routes::actor_json(&data, &name, &method, &uri, &headers)
            .await
            .into_response()
    } else {
        crate::features::posts::portal::actor_page(&data, &name, &uri, session)
            .await
            .into_response()
    }
}

async fn post_or_page(
    data: Data<AppState>,
    UrlPath(id): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    session: portal::auth::MaybeUser,
) -> Response {
    if routes::wants_activity_json(&headers) {
        crate::features::posts::wire::post_json(&data, &id, &method, &uri, &headers)
            .await
            .into_response()
    } else {
        crate::features::posts::portal::post_page(&data, &id, session)
            .await
            .into_response()
    }
}

/// `/items/{id}`: the item's proposal for peers, its page for people.
async fn item_or_page(
    data: Data<AppState>,
    UrlPath(id): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    session: portal::auth::MaybeUser,
) -> Response {
    if routes::wants_activity_json(&headers) {
        item_json(&data, &id, &method, &uri, &headers)
            .await
            .into_response()
    } else {
        crate::features::market::portal::catalogue::item_page(&data, &id, session).await
    }
}

/// `/listings/{id}`: a directory listing for peers, its page for people.
async fn listing_or_page(
    data: Data<AppState>,
    UrlPath(id): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    session: portal::auth::MaybeUser,
) -> Response {
    let url = data.settings.url(&format!("/listings/{id}"));
    if !routes::wants_activity_json(&headers) {
        return crate::features::directory::portal::listing_page(&data, url.as_str(), session)
            .await;
    }
    async {
        let row = data
            .db
            .listing(url.as_str())
            .await?
            .filter(|l| l.is_local == 1)
            .ok_or(AppError::NotFound)?;
        routes::check_signed_fetch(&data, &method, &uri, &headers).await?;
        if let Some(deleted) = row.deleted_at {
            return Ok(crate::core::federation::serve::gone(url, deleted));
        }
        let owner =
            Url::parse(&row.owner_id).map_err(|_| AppError::Internal("stored owner id".into()))?;
        let ratings = data.db.ratings_of(&row.id).await?;
        let mut doc = crate::features::directory::wire::listing_doc(&row, &ratings, &owner)?;
        doc.context = coopnet_schemas::directory::directory_context();
        Ok::<_, AppError>(activitypub_federation::axum::json::FederationJson(doc).into_response())
    }
    .await
    .into_response()
}

/// One of our items as its FEP-0837 proposal, or a Tombstone (410) once retired.
async fn item_json(
    data: &Data<AppState>,
    id: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let url = data.settings.url(&format!("/items/{id}"));
    let item = data
        .db
        .item(url.as_str())
        .await?
        .filter(|i| i.is_local == 1)
        .ok_or(AppError::NotFound)?;
    routes::check_signed_fetch(data, method, uri, headers).await?;
    if !item.is_active() {
        return Ok(crate::core::federation::serve::gone(url, item.updated_at));
    }
    let owner = activitypub::stored_actor(data, &item.owner_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut proposal = crate::features::market::wire::proposal(&item, &owner)?;
    proposal.context = coopnet_schemas::market::market_context();
    Ok(activitypub_federation::axum::json::FederationJson(proposal).into_response())
}

/// `/forum-posts/{id}`: the post for peers, its thread's page for people.
async fn forum_post_or_page(
    data: Data<AppState>,
    UrlPath(id): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if routes::wants_activity_json(&headers) {
        return crate::features::forums::serve::forum_post_json(
            &data, &id, &method, &uri, &headers,
        )
        .await
        .into_response();
    }
    let url = data.settings.url(&format!("/forum-posts/{id}"));
    let thread = match data.db.forum_post(url.as_str()).await {
        Ok(Some(p)) => p.thread().to_string(),
        Ok(None) => return AppError::NotFound.into_response(),
        Err(e) => return AppError::from(e).into_response(),
    };
    let to = format!(
        "/forums/thread?id={}",
        url::form_urlencoded::byte_serialize(thread.as_bytes()).collect::<String>()
    );
    axum::response::Redirect::to(&to).into_response()
}

/// `/jobs/{id}`: the job post for peers, its page on the jobs board for people.
async fn job_or_page(
    data: Data<AppState>,
    UrlPath(id): UrlPath<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let url = data.settings.url(&format!("/jobs/{id}"));
    if !routes::wants_activity_json(&headers) {
        let to = format!(
            "/jobs/view?id={}",
            url::form_urlencoded::byte_serialize(url.as_str().as_bytes()).collect::<String>()
        );
        return axum::response::Redirect::to(&to).into_response();
    }
    let result = async {
        let job = data
            .db
            .job(url.as_str())
            .await?
            .filter(|j| j.is_local == 1)
            .ok_or(AppError::NotFound)?;
        routes::check_signed_fetch(&data, &method, &uri, &headers).await?;
        let owner = activitypub::stored_actor(&data, &job.owner_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut post = crate::features::work::wire::job_post(&job, &owner)?;
        post.context = coopnet_schemas::work::work_context();
        Ok::<_, AppError>(activitypub_federation::axum::json::FederationJson(post).into_response())
    }
    .await;
    result.into_response()
}

/// The instance actor's collections, served like any actor's.
async fn instance_collection(
    data: Data<AppState>,
    query: axum::extract::Query<routes::PageQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let name = UrlPath("actor".to_string());
    let result = match uri.path() {
        "/actor/outbox" => routes::outbox(data, name, query, method, uri, headers).await,
        "/actor/followers" => routes::followers(data, name, query, method, uri, headers).await,
        _ => routes::following(data, name, query, method, uri, headers).await,
    };
    result.into_response()
}

async fn health(data: Data<AppState>) -> Response {
    match data.db.queue_counts().await {
        Ok(q) => axum::Json(serde_json::json!({
            "status": "ok",
            "deliveries": { "pending": q.pending, "done": q.done, "failed": q.failed }}))
        .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

pub fn router(federation: FederationConfig<AppState>) -> Router {
    let actor_routes = |prefix: &str| {
        Router::new()
            .route(&format!("/{prefix}/{{name}}"), get(actor_or_page))
            .route(
                &format!("/{prefix}/{{name}}/inbox"),
                post(inbox::actor_inbox),
            )
            .route(&format!("/{prefix}/{{name}}/outbox"), get(routes::outbox))
            .route(
                &format!("/{prefix}/{{name}}/followers"),
                get(routes::followers),
            )
            .route(
                &format!("/{prefix}/{{name}}/following"),
                get(routes::following),
            )
    };
    Router::new()
        .merge(actor_routes("coops"))
        .merge(actor_routes("members"))
        .route("/actor", get(routes::instance_actor))
        .route("/actor/inbox", post(inbox::instance_inbox))
        .route("/actor/outbox", get(instance_collection))
        .route("/actor/followers", get(instance_collection))
        .route("/actor/following", get(instance_collection))
        .route("/inbox", post(inbox::shared_inbox))
        .route("/posts/{id}", get(post_or_page))
        .route("/items/{id}", get(item_or_page))
        .route("/jobs/{id}", get(job_or_page))
        .route("/forum-posts/{id}", get(forum_post_or_page))
        .route(
            "/coops/{name}/moderators",
            get(crate::features::forums::serve::moderators),
        )
        .route(
            "/coops/{name}/featured",
            get(crate::features::forums::serve::featured),
        )
        .route("/listings/{id}", get(listing_or_page))
        .route("/activities/{id}", get(routes::activity_json))
        .route("/.well-known/webfinger", get(routes::webfinger))
        .route("/.well-known/host-meta", get(routes::host_meta))
        .route("/.well-known/nodeinfo", get(routes::nodeinfo_discovery))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/healthz", get(health))
        .merge(portal_routes())
        .merge(api_routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(portal::render_error_pages))
        .layer(FederationMiddleware::new(federation))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// The JSON API, `/api/v1/…`, and its OpenAPI description.
fn api_routes() -> Router {
    Router::new()
        .route("/api/openapi.json", get(crate::app::openapi::document))
        .merge(crate::features::coops::api::routes())
        .merge(crate::features::posts::api::routes())
        .merge(crate::features::market::api::routes())
        .merge(crate::features::planning::api::routes())
        .merge(crate::features::work::api::routes())
        .merge(crate::features::library::api::routes())
        .merge(crate::features::forums::api::routes())
        .merge(crate::features::credits::api::routes())
        .merge(crate::features::directory::api::routes())
        .merge(crate::features::people::api::routes())
}

/// NodeInfo 2.1: the software, its protocols, and how many people and posts are here.
async fn nodeinfo(data: Data<AppState>) -> Result<Response, AppError> {
    let users = data.db.count_local_people().await?;
    let posts = data.db.count_local_posts().await?;
    let doc = coopnet_schemas::nodeinfo::NodeInfo::new(
        users as u64,
        posts as u64,
        &data.settings.node_name,
    );
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        )],
        axum::Json(doc),
    )
        .into_response())
}
