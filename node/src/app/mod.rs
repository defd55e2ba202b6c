//! Assembling a running node: state, routes, workers.

pub mod cli;
pub mod demo;
pub mod dispatch;
pub mod openapi;
pub mod router;

use std::{net::SocketAddr, path::Path, sync::Arc};

use activitypub_federation::config::FederationConfig;
use tokio::{net::TcpListener, task::JoinHandle};

use crate::app::router::router;
use crate::core::config::{FileConfig, Settings};
use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::{convert, delivery};
use crate::core::store::Db;
use crate::core::AppState;
use crate::features::coops;

/// Opens a node's data folder: configuration, database (migrated), instance actor.
pub async fn open(data_dir: &Path) -> Result<FederationConfig<AppState>, AppError> {
    let config = FileConfig::load(data_dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let settings =
        Settings::new(&config, data_dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let db = Db::connect(&config.database_url).await?;
    let files = crate::core::files::FileStore::open(&settings.files, data_dir)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let state = AppState::new(db, settings, files, Arc::new(dispatch::Dispatch));
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
            crate::features::planning::wire::run(planner)
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
    _ = terminate => {}}
}

use crate::app;
use crate::core::config::CONFIG_FILE;
use crate::features::coops::{CoopKind, NewCoop, Username};
use anyhow::{bail, Context};

/// Opens the seed's five forums on a new node (FEP-1b12 `Group`s); a node admin moderates them
/// until members are made moderators.
pub async fn seed_forums(db: &Db, settings: &crate::core::config::Settings) -> anyhow::Result<()> {
    for (handle, name, summary) in crate::features::forums::SEED_FORUMS {
        if db.local_actor_by_username(handle).await?.is_some() {
            continue;
        }
        coops::create_coop(
            db,
            settings,
            NewCoop {
                handle: Username::parse(handle)?,
                name,
                kind: CoopKind::Forum,
                summary,
                region: None,
                industry: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Writes the configuration and prepares the database and instance actor.
pub async fn init(data_dir: &Path, config: &FileConfig) -> anyhow::Result<()> {
    if !coopnet_schemas::handle::valid_host(&config.domain) {
        bail!("--domain must be a host name with an optional port, such as coop.example");
    }
    if data_dir.join(CONFIG_FILE).exists() {
        bail!("{} already holds a node", data_dir.display());
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    config.save(data_dir)?;
    app::open(data_dir).await?;
    Ok(())
}
