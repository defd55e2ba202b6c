//! The leaf of the node: what every feature builds on and that names no feature.
//!
//! Application state, configuration, errors, text and files, the database pool with the shared
//! tables (actors, users, follows, the outbox, deliveries, the inbox), the federation machinery
//! (actor documents, receiving and verifying, queueing, serving, delivery, backfill, follows) and
//! the web basics (sessions, the page frame, the API's errors and bearer tokens).
//!
//! Nothing here imports `crate::features` or `crate::app`. Where the machinery needs a feature
//! (an incoming activity to apply, an actor document to complete) it asks [`Features`], which
//! `app` implements from the features and puts in the [`AppState`].

pub mod config;
pub mod error;
pub mod federation;
pub mod files;
pub mod store;
pub mod text;
pub mod web;

use std::{sync::Arc, time::SystemTime};

use activitypub_federation::config::Data;
use coopnet_federation::signatures::{SignatureHeader, SignedRequest};
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    actors::ActorDoc,
};
use serde_json::Value;
use tokio::sync::Notify;

use crate::core::config::Settings;
use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::files::FileStore;
use crate::core::store::actors::RemoteActorRow;
use crate::core::store::Db;

/// Largest request body accepted anywhere.
pub const MAX_BODY: usize = 1024 * 1024;

/// What every handler and worker shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Where uploaded files are kept.
    pub files: FileStore,
    /// The features, as the federation machinery calls them.
    pub features: Arc<dyn Features>,
    wake: Arc<Notify>,
    planner: Arc<Notify>,
}

impl AppState {
    pub fn new(db: Db, settings: Settings, files: FileStore, features: Arc<dyn Features>) -> Self {
        AppState {
            db,
            files,
            settings: Arc::new(settings),
            features,
            wake: Arc::new(Notify::new()),
            planner: Arc::new(Notify::new()),
        }
    }

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

/// What the federation machinery asks of the features: `app::dispatch` answers, so that the
/// machinery can receive, verify and serve without knowing which features exist.
#[async_trait::async_trait]
pub trait Features: Send + Sync + 'static {
    /// One of our actors' documents, with what the features add to it (profiles, settings).
    async fn actor_doc(&self, state: &AppState, actor: &KnownActor) -> Result<ActorDoc, AppError>;

    /// A peer's actor document has just been stored: the features keep their parts of it.
    async fn peer_actor_stored(
        &self,
        data: &Data<AppState>,
        row: &RemoteActorRow,
        doc: &ActorDoc,
    ) -> Result<(), AppError>;

    /// Applies a verified incoming activity.
    async fn apply(
        &self,
        data: &Data<AppState>,
        kind: ActivityKind,
        activity: &Activity,
        actor: &KnownActor,
    ) -> Result<(), AppError>;

    /// Stores an object that `author` created (sent in a Create or read in a backfill); returns
    /// whether it was stored.
    async fn store_created(
        &self,
        data: &Data<AppState>,
        author: &KnownActor,
        object: &Value,
        from_backfill: bool,
    ) -> Result<bool, AppError>;

    /// An activity signed by another key than its actor's (a reply forwarded by the node of
    /// the post it answers): the object to apply, read from its own origin, or `None` when it is
    /// held already. Refused (401) unless a feature takes such forwarded objects.
    async fn forwarded(
        &self,
        data: &Data<AppState>,
        kind: ActivityKind,
        activity: &Activity,
        signature: &SignatureHeader,
        request: &SignedRequest<'_>,
        now: SystemTime,
    ) -> Result<Option<Value>, AppError>;
}
