//! ActivityPub as the node speaks it: actor documents and collections, the inbox, the outbox and
//! its delivery workers, and following with backfill.
//!
//! Everything here turns wire documents (from `coopnet_schemas`) into calls on the store and back.
//! It builds on activitypub_federation for signing, fetching and WebFinger, and on
//! `coopnet_federation` for verification rules.

pub mod backfill;
pub mod convert;
pub mod delivery;
pub mod inbox;
pub mod outgoing;
pub mod serve;

use activitypub_federation::{
    config::{Data, FederationConfig},
    fetch::object_id::ObjectId,
    traits::{Actor, Object},
};
use chrono::{DateTime, Utc};
use coopnet_schemas::actors::ActorDoc;
use url::Url;

use crate::core::error::AppError;
use crate::core::store::actors::RemoteActorRow;
use crate::core::store::now_ms;
use crate::core::AppState;

/// The `coopKind` of a forum: a FEP-1b12 group that announces what its members post.
pub const FORUM_KIND: &str = "forum";

/// An actor we know: one of ours (with its private key) or a peer's (as last fetched).
#[derive(Debug, Clone)]
pub struct KnownActor {
    pub id: Url,
    pub username: String,
    pub host: String,
    pub actor_type: String,
    pub coop_kind: Option<String>,
    pub name: String,
    pub summary: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub icon_url: Option<String>,
    pub inbox: Url,
    pub shared_inbox: Option<Url>,
    pub outbox: Option<Url>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub fetched_at: Option<i64>,
}

impl KnownActor {
    pub fn is_local(&self) -> bool {
        self.private_key_pem.is_some()
    }

    /// A forum (FEP-1b12 group): ours, or a peer's that we took for one.
    pub fn is_forum(&self) -> bool {
        self.coop_kind.as_deref() == Some(FORUM_KIND)
    }

    pub fn handle(&self) -> String {
        format!("@{}@{}", self.username, self.host)
    }
}

#[async_trait::async_trait]
impl Object for KnownActor {
    type DataType = AppState;
    type Kind = ActorDoc;
    type Error = AppError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.fetched_at.and_then(DateTime::from_timestamp_millis)
    }

    async fn read_from_id(id: Url, data: &Data<AppState>) -> Result<Option<KnownActor>, AppError> {
        if let Some(row) = data.db.local_actor(id.as_str()).await? {
            return Ok(Some(convert::local_actor(&row, &data.settings)));
        }
        Ok(data
            .db
            .remote_actor(id.as_str())
            .await?
            .and_then(|row| convert::remote_actor(&row)))
    }

    async fn into_json(self, data: &Data<AppState>) -> Result<ActorDoc, AppError> {
        data.features.actor_doc(data, &self).await
    }

    async fn verify(
        json: &ActorDoc,
        expected: &Url,
        data: &Data<AppState>,
    ) -> Result<(), AppError> {
        convert::verify_actor_doc(json, expected, &data.settings)
    }

    async fn from_json(json: ActorDoc, data: &Data<AppState>) -> Result<KnownActor, AppError> {
        let row: RemoteActorRow = convert::remote_actor_row(&json, now_ms())?;
        data.db.upsert_remote_actor(&row).await?;
        data.features.peer_actor_stored(data, &row, &json).await?;
        convert::remote_actor(&row).ok_or_else(|| AppError::Peer("unusable actor document".into()))
    }
}

impl Actor for KnownActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.shared_inbox.clone()
    }
}

/// An actor we have stored (ours, or a peer's as last fetched), without going to the network.
pub async fn stored_actor(state: &AppState, id: &str) -> Result<Option<KnownActor>, AppError> {
    if let Some(row) = state.db.local_actor(id).await? {
        return Ok(Some(convert::local_actor(&row, &state.settings)));
    }
    Ok(state
        .db
        .remote_actor(id)
        .await?
        .and_then(|row| convert::remote_actor(&row)))
}

/// Refuses anything on a domain the operator blocked.
pub async fn refuse_blocked(state: &AppState, id: &Url) -> Result<(), AppError> {
    let authority = coopnet_federation::origin::authority(id);
    if state.db.is_domain_blocked(&authority).await? {
        return Err(AppError::Forbidden(format!(
            "this node accepts nothing from {authority}: the domain is blocked"
        )));
    }
    Ok(())
}

/// Finds an actor by id: ours from the database, a peer's from the database or over HTTP.
pub async fn actor(id: &Url, data: &Data<AppState>) -> Result<KnownActor, AppError> {
    refuse_blocked(data, id).await?;
    ObjectId::<KnownActor>::from(id.clone())
        .dereference(data)
        .await
}

/// Fetches a peer's actor again, as when its key seems to have changed.
pub async fn refetch_actor(id: &Url, data: &Data<AppState>) -> Result<KnownActor, AppError> {
    ObjectId::<KnownActor>::from(id.clone())
        .dereference_forced(data)
        .await
}

/// Resolves `@name@host` through WebFinger to an actor.
pub async fn resolve_handle(
    handle: &coopnet_schemas::Handle,
    data: &Data<AppState>,
) -> Result<KnownActor, AppError> {
    if data.db.is_domain_blocked(handle.host()).await? {
        return Err(AppError::Forbidden(format!(
            "{} is on a blocked domain",
            handle
        )));
    }
    if handle.host() == data.settings.domain {
        let row = data
            .db
            .local_actor_by_username(handle.name())
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(convert::local_actor(&row, &data.settings));
    }
    if let Some(row) = data
        .db
        .remote_actor_by_handle(handle.name(), handle.host())
        .await?
    {
        if let Some(actor) = convert::remote_actor(&row) {
            return Ok(actor);
        }
    }
    activitypub_federation::fetch::webfinger::webfinger_resolve_actor::<AppState, KnownActor>(
        &format!("{}@{}", handle.name(), handle.host()),
        data,
    )
    .await
}

/// Builds the activitypub_federation configuration: our domain, the instance actor that signs
/// fetches, and an HTTP client that refuses private addresses unless development mode is on.
pub async fn federation_config(
    state: AppState,
    instance: &KnownActor,
) -> Result<FederationConfig<AppState>, AppError> {
    // The binary installs it first thing; a library user (the tests) may not have.
    crate::install_crypto_provider();
    let allow_private = state.settings.allow_private_network;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("coopnet/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(std::sync::Arc::new(
            activitypub_federation::resolver::ValidatingDnsResolver::new(
                Vec::new(),
                !allow_private,
            ),
        ))
        .build()
        .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))?;
    FederationConfig::builder()
        .domain(state.settings.domain.clone())
        .app_data(state)
        .client(client.into())
        .debug(allow_private)
        .allow_http_urls(allow_private)
        .http_signature_compat(true)
        .signed_fetch_actor(instance)
        .build()
        .await
        .map_err(|e| AppError::Internal(format!("federation config: {e}")))
}
