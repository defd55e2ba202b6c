//! Co-ops, members and the instance actor: who exists on this node and who may act for whom.

pub mod api;
pub mod portal;

use std::{fmt, str::FromStr};

use activitypub_federation::http_signatures::generate_actor_keypair;
use coopnet_schemas::{actors::ActorType, handle::valid_name};

use crate::core::config::Settings;
use crate::core::error::AppError;
use crate::core::store::actors::LocalActorRow;
use crate::core::store::users::UserRow;
use crate::core::store::{now_ms, Db};
use crate::core::web::auth::hash_password;

/// What kind of co-operative body a co-op actor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoopKind {
    Workplace,
    ConsumerCouncil,
    FacilitationBoard,
    Group,
    /// A discussion forum (FEP-1b12): its moderators are the users who may act for it.
    Forum,
}

impl CoopKind {
    pub const ALL: [CoopKind; 5] = [
        CoopKind::Workplace,
        CoopKind::ConsumerCouncil,
        CoopKind::FacilitationBoard,
        CoopKind::Group,
        CoopKind::Forum,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CoopKind::Workplace => "workplace",
            CoopKind::ConsumerCouncil => "consumer-council",
            CoopKind::FacilitationBoard => "facilitation-board",
            CoopKind::Group => "group",
            CoopKind::Forum => "forum",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CoopKind::Workplace => "Workplace co-op",
            CoopKind::ConsumerCouncil => "Consumer council",
            CoopKind::FacilitationBoard => "Facilitation board",
            CoopKind::Group => "Group",
            CoopKind::Forum => "Forum",
        }
    }

    /// Workplaces and boards are organisations; councils and groups gather members.
    pub fn actor_type(self) -> ActorType {
        match self {
            CoopKind::Workplace | CoopKind::FacilitationBoard => ActorType::Organization,
            CoopKind::ConsumerCouncil | CoopKind::Group | CoopKind::Forum => ActorType::Group,
        }
    }
}

impl FromStr for CoopKind {
    type Err = AppError;

    fn from_str(s: &str) -> Result<CoopKind, AppError> {
        CoopKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                AppError::bad(format!(
                    "unknown co-op kind {s:?}: use workplace, consumer-council, \
                     facilitation-board, group or forum"
                ))
            })
    }
}

impl fmt::Display for CoopKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A username: checked once here, so everything that takes one can rely on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username, AppError> {
        let s = s.trim().trim_start_matches('@');
        if !valid_name(s) || s == "actor" {
            return Err(AppError::bad(
                "a handle must be 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit",
            ));
        }
        Ok(Username(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a new co-op is given.
pub struct NewCoop<'a> {
    pub handle: Username,
    pub name: &'a str,
    pub kind: CoopKind,
    pub summary: &'a str,
    pub region: Option<&'a str>,
    pub industry: Option<&'a str>,
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.chars().count() > max {
        return Err(AppError::bad(format!(
            "{field} may have at most {max} characters"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::bad(format!("{field} has control characters")));
    }
    Ok(())
}

async fn new_actor_row(
    settings: &Settings,
    path: &str,
    username: &str,
    actor_type: ActorType,
    name: &str,
) -> Result<LocalActorRow, AppError> {
    // Key generation takes a moment of CPU; keep it off the async threads.
    let keys = tokio::task::spawn_blocking(generate_actor_keypair)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("key generation: {e}")))?;
    Ok(LocalActorRow {
        id: settings.url(path).to_string(),
        username: username.to_string(),
        actor_type: actor_type.as_str().to_string(),
        coop_kind: None,
        name: name.to_string(),
        summary: String::new(),
        region: None,
        industry: None,
        icon_url: None,
        public_key_pem: keys.public_key,
        private_key_pem: keys.private_key,
        created_at: now_ms(),
    })
}

/// Creates the instance actor if it does not exist yet.
pub async fn ensure_instance_actor(
    db: &Db,
    settings: &Settings,
) -> Result<LocalActorRow, AppError> {
    if let Some(row) = db.local_actor(settings.url("/actor").as_str()).await? {
        return Ok(row);
    }
    let row = new_actor_row(
        settings,
        "/actor",
        "actor",
        ActorType::Application,
        &settings.node_name,
    )
    .await?;
    db.insert_local_actor(&row).await?;
    Ok(row)
}

async fn ensure_free(db: &Db, username: &Username) -> Result<(), AppError> {
    if db
        .local_actor_by_username(username.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "the handle {} is taken",
            username.as_str()
        )));
    }
    Ok(())
}

pub async fn create_coop(
    db: &Db,
    settings: &Settings,
    coop: NewCoop<'_>,
) -> Result<LocalActorRow, AppError> {
    check_text("the name", coop.name, 200)?;
    check_text("the summary", coop.summary, 5000)?;
    for v in [coop.region, coop.industry].into_iter().flatten() {
        check_text("region and industry", v, 200)?;
    }
    if coop.name.trim().is_empty() {
        return Err(AppError::bad("a co-op needs a name"));
    }
    ensure_free(db, &coop.handle).await?;
    let mut row = new_actor_row(
        settings,
        &format!("/coops/{}", coop.handle.as_str()),
        coop.handle.as_str(),
        coop.kind.actor_type(),
        coop.name.trim(),
    )
    .await?;
    row.coop_kind = Some(coop.kind.as_str().to_string());
    row.summary = coop.summary.trim().to_string();
    row.region = coop
        .region
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    row.industry = coop
        .industry
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    db.insert_local_actor(&row).await?;
    Ok(row)
}

pub const MIN_PASSWORD: usize = 8;

/// Creates a member: an account that logs in, and the `Person` actor it appears as.
pub async fn create_user(
    db: &Db,
    settings: &Settings,
    username: &Username,
    password: &str,
    is_admin: bool,
) -> Result<UserRow, AppError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AppError::bad(format!(
            "a password needs at least {MIN_PASSWORD} characters"
        )));
    }
    ensure_free(db, username).await?;
    let row = new_actor_row(
        settings,
        &format!("/members/{}", username.as_str()),
        username.as_str(),
        ActorType::Person,
        username.as_str(),
    )
    .await?;
    db.insert_local_actor(&row).await?;
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let id = db
        .insert_user(username.as_str(), &hash, is_admin, &row.id, now_ms())
        .await?;
    db.user(id).await?.ok_or(AppError::NotFound)
}

/// May this user act for this co-op? Node admins may act for every local co-op.
pub async fn may_act_for(db: &Db, user: &UserRow, coop_id: &str) -> Result<bool, AppError> {
    if user.is_admin == 1 {
        // Node admins act for this node's co-ops, never for anyone else's.
        return Ok(db
            .local_actor(coop_id)
            .await?
            .is_some_and(|a| a.coop_kind.is_some()));
    }
    Ok(db
        .coops_administered(user.id)
        .await?
        .iter()
        .any(|c| c == coop_id))
}

/// The local co-ops a user may act for.
pub async fn coops_of(db: &Db, user: &UserRow) -> Result<Vec<LocalActorRow>, AppError> {
    let all = db.local_coops().await?;
    if user.is_admin == 1 {
        return Ok(all);
    }
    let mine = db.coops_administered(user.id).await?;
    Ok(all.into_iter().filter(|c| mine.contains(&c.id)).collect())
}

/// Changes a co-op's public profile and tells its followers.
pub async fn update_profile(
    state: &crate::core::AppState,
    coop: &crate::core::federation::KnownActor,
    name: &str,
    summary: &str,
    region: &str,
    industry: &str,
) -> Result<(), AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::bad("a co-op needs a name"));
    }
    check_text("the name", name, 200)?;
    check_text("the summary", summary, 5000)?;
    check_text("the region", region, 200)?;
    check_text("the industry", industry, 200)?;
    fn optional(s: &str) -> Option<&str> {
        Some(s.trim()).filter(|s| !s.is_empty())
    }
    state
        .db
        .update_local_profile(
            coop.id.as_str(),
            name,
            summary.trim(),
            optional(region),
            optional(industry),
        )
        .await?;
    let row = state
        .db
        .local_actor(coop.id.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let updated = crate::core::federation::convert::local_actor(&row, &state.settings);
    crate::core::federation::outgoing::update_profile(state, &updated).await
}
