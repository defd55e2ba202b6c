//! Assembling a running node: state, routes, workers.

use std::{net::SocketAddr, path::Path, sync::Arc};

use activitypub_federation::config::{Data, FederationConfig, FederationMiddleware};
use axum::{
    extract::{DefaultBodyLimit, Path as UrlPath},
    http::{HeaderMap, Method, Uri},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use tokio::{net::TcpListener, sync::Notify, task::JoinHandle};
use url::Url;

use crate::{
    activitypub::{self, convert, delivery, inbox, routes},
    api,
    config::{FileConfig, Settings},
    coops,
    error::AppError,
    portal,
    store::Db,
};

/// Largest request body accepted anywhere.
pub const MAX_BODY: usize = 1024 * 1024;

/// What every handler and worker shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Where uploaded files are kept.
    pub files: crate::files::FileStore,
    wake: Arc<Notify>,
    planner: Arc<Notify>,
}

impl AppState {
    /// Tells the delivery dispatcher that something was queued.
    pub fn wake_deliveries(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Tells the planner worker that a planning round changed.
    pub fn wake_planner(&self) {
        self.planner.notify_one();
    }

    pub(crate) fn planner_handle(&self) -> Arc<Notify> {
        self.planner.clone()
    }
}

/// Opens a node's data folder: configuration, database (migrated), instance actor.
pub async fn open(data_dir: &Path) -> Result<FederationConfig<AppState>, AppError> {
    let config = FileConfig::load(data_dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let settings =
        Settings::new(&config, data_dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let db = Db::connect(&config.database_url).await?;
    let files = crate::files::FileStore::open(&settings.files, data_dir)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let state = AppState {
        db,
        files,
        settings: Arc::new(settings),
        wake: Arc::new(Notify::new()),
        planner: Arc::new(Notify::new()),
    };
    let instance = coops::ensure_instance_actor(&state.db, &state.settings).await?;
    let instance = convert::local_actor(&instance, &state.settings);
    activitypub::federation_config(state, &instance).await
}

/// A node serving on a socket, with its workers.
pub struct RunningNode {
    pub addr: SocketAddr,
    pub federation: FederationConfig<AppState>,
    server: JoinHandle<()>,
    workers: JoinHandle<()>,
}

impl RunningNode {
    pub fn state(&self) -> &AppState {
        &self.federation
    }

    /// Stops serving and sending.
    pub async fn stop(self) {
        self.server.abort();
        self.workers.abort();
        let _ = self.server.await;
        let _ = self.workers.await;
        self.federation.db.close().await;
    }
}

/// Starts serving `federation`'s node on `listener`, and its delivery workers.
pub fn start(
    federation: FederationConfig<AppState>,
    listener: TcpListener,
) -> std::io::Result<RunningNode> {
    let addr = listener.local_addr()?;
    let app = router(federation.clone());
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        {
            tracing::error!(error = %e, "server stopped");
        }
    });
    let (deliveries, planner) = (federation.clone(), federation.clone());
    let workers = tokio::spawn(async move {
        tokio::join!(
            delivery::run(deliveries),
            activitypub::planning::run(planner)
        );
    });
    // The dispatcher also refreshes the planner's statistics, at start and hourly.
    Ok(RunningNode {
        addr,
        federation,
        server,
        workers,
    })
}

/// Runs a node until Ctrl-C or SIGTERM.
pub async fn serve(data_dir: &Path, listen: Option<String>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let federation = open(data_dir).await?;
    let listen = match listen {
        Some(l) => l,
        None => FileConfig::load(data_dir)?.listen,
    };
    let listener = TcpListener::bind(&listen).await?;
    let base = federation.settings.base_url.clone();
    let node = start(federation, listener)?;
    tracing::info!(
        listen = %node.addr,
        url = %base,
        startup_ms = started.elapsed().as_millis() as u64,
        "node is serving"
    );
    println!(
        "Coopnet node serving {base} on {} (ready in {} ms)",
        node.addr,
        started.elapsed().as_millis()
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    node.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
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
        portal::pages::actor_page(&data, &name, &uri, session)
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
        routes::post_json(&data, &id, &method, &uri, &headers)
            .await
            .into_response()
    } else {
        portal::pages::post_page(&data, &id, session)
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
        portal::catalogue::item_page(&data, &id, session).await
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
        return portal::directory::listing_page(&data, url.as_str(), session).await;
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
            let tombstone = coopnet_schemas::objects::Tombstone {
                context: coopnet_schemas::context::object_context(),
                id: url,
                kind: "Tombstone".into(),
                deleted: Some(crate::store::rfc3339(deleted)),
            };
            return Ok((
                axum::http::StatusCode::GONE,
                activitypub_federation::axum::json::FederationJson(tombstone),
            )
                .into_response());
        }
        let owner =
            Url::parse(&row.owner_id).map_err(|_| AppError::Internal("stored owner id".into()))?;
        let ratings = data.db.ratings_of(&row.id).await?;
        let mut doc = activitypub::directory::listing_doc(&row, &ratings, &owner)?;
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
        let tombstone = coopnet_schemas::objects::Tombstone {
            context: coopnet_schemas::context::object_context(),
            id: url,
            kind: "Tombstone".into(),
            deleted: Some(crate::store::rfc3339(item.updated_at)),
        };
        return Ok((
            axum::http::StatusCode::GONE,
            activitypub_federation::axum::json::FederationJson(tombstone),
        )
            .into_response());
    }
    let owner = activitypub::stored_actor(data, &item.owner_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut proposal = activitypub::market::proposal(&item, &owner)?;
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
        return routes::forum_post_json(&data, &id, &method, &uri, &headers)
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
        let mut post = activitypub::work::job_post(&job, &owner)?;
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
            "deliveries": { "pending": q.pending, "done": q.done, "failed": q.failed },
        }))
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
        .route("/coops/{name}/moderators", get(routes::moderators))
        .route("/coops/{name}/featured", get(routes::featured))
        .route("/listings/{id}", get(listing_or_page))
        .route("/activities/{id}", get(routes::activity_json))
        .route("/.well-known/webfinger", get(routes::webfinger))
        .route("/.well-known/host-meta", get(routes::host_meta))
        .route("/.well-known/nodeinfo", get(routes::nodeinfo_discovery))
        .route("/nodeinfo/2.1", get(routes::nodeinfo))
        .route("/healthz", get(health))
        .merge(portal::routes())
        .merge(api::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(FederationMiddleware::new(federation))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// The base URL of a node listening on `addr` in development mode.
pub fn loopback_url(addr: SocketAddr) -> Url {
    Url::parse(&format!("http://{addr}/"))
        .unwrap_or_else(|_| Url::parse("http://127.0.0.1/").expect("static URL"))
}
