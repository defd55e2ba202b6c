//! What local actors do that peers must hear of: post, update, delete and share announcements,
//! follow and unfollow, accept followers, change their profile.
//!
//! Each action changes our own tables and stores the activity in the outbox with one queued
//! delivery per destination inbox; the delivery workers send them. Followers that share an inbox
//! (most servers offer a shared one) get one delivery between them.

use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    PUBLIC,
};
use serde_json::json;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{convert, KnownActor};
use crate::core::store::follows::FollowState;
use crate::core::store::now_ms;
use crate::core::store::outbox::{NewActivity, WrittenAlongside};
use crate::core::AppState;

/// A new id for something `state`'s node makes, under `/{kind}/`.
pub fn new_id(state: &AppState, kind: &str) -> Url {
    state
        .settings
        .url(&format!("/{kind}/{}", uuid::Uuid::new_v4()))
}

/// Stores an activity and queues it for `inboxes`.
pub async fn queue(
    state: &AppState,
    activity: &Activity,
    inboxes: Vec<Url>,
    is_public: bool,
    object_id: Option<&str>,
) -> Result<(), AppError> {
    queue_alongside(state, activity, inboxes, is_public, object_id, &[]).await
}

/// Stores an activity with what it concerns, and queues it, all at once.
pub async fn queue_alongside(
    state: &AppState,
    activity: &Activity,
    inboxes: Vec<Url>,
    is_public: bool,
    object_id: Option<&str>,
    alongside: &[&dyn WrittenAlongside],
) -> Result<(), AppError> {
    let mut batch = Batch::default();
    batch.add(activity.clone(), inboxes, is_public, object_id);
    batch.send(state, alongside).await
}

/// Activities about one change, stored and queued together with the rows of the change in
/// one transaction: all of them are kept and sent, or none.
#[derive(Default)]
pub struct Batch {
    queued: Vec<Queued>,
}

struct Queued {
    activity: Activity,
    inboxes: Vec<Url>,
    is_public: bool,
    object_id: Option<String>,
}

impl Batch {
    /// Adds an activity for `inboxes`.
    pub fn add(
        &mut self,
        activity: Activity,
        inboxes: Vec<Url>,
        is_public: bool,
        object_id: Option<&str>,
    ) {
        self.queued.push(Queued {
            activity,
            inboxes,
            is_public,
            object_id: object_id.map(str::to_string),
        });
    }

    /// Writes `alongside` and every activity, then wakes the delivery workers. Our own inboxes
    /// are left out; inboxes named twice get one delivery.
    pub async fn send(
        self,
        state: &AppState,
        alongside: &[&dyn WrittenAlongside],
    ) -> Result<(), AppError> {
        let mut prepared = Vec::with_capacity(self.queued.len());
        for q in &self.queued {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for inbox in q.inboxes.iter().filter(|i| !state.settings.is_local(i)) {
                let pair = (
                    inbox.to_string(),
                    coopnet_federation::origin::authority(inbox),
                );
                if !pairs.contains(&pair) {
                    pairs.push(pair);
                }
            }
            prepared.push((serde_json::to_string(&q.activity)?, pairs));
        }
        let now = now_ms();
        let activities: Vec<NewActivity> = self
            .queued
            .iter()
            .zip(&prepared)
            .map(|(q, (body, inboxes))| NewActivity {
                id: q.activity.id.as_str(),
                actor_id: q.activity.actor.as_str(),
                activity_type: &q.activity.kind,
                object_id: q.object_id.as_deref(),
                body,
                is_public: q.is_public,
                published_at: now,
                inboxes,
                alongside: &[],
            })
            .collect();
        state.db.publish_activities(&activities, alongside).await?;
        state.wake_deliveries();
        Ok(())
    }
}

/// A private activity about `object_id`, as written in the caller's own transaction with the
/// rows it concerns (`body` is the activity serialised).
pub fn private_activity<'a>(
    activity: &'a Activity,
    body: &'a str,
    object_id: &'a str,
    inboxes: &'a [(String, String)],
    now: i64,
) -> NewActivity<'a> {
    NewActivity {
        id: activity.id.as_str(),
        actor_id: activity.actor.as_str(),
        activity_type: &activity.kind,
        object_id: Some(object_id),
        body,
        is_public: false,
        published_at: now,
        inboxes,
        alongside: &[],
    }
}

/// Inboxes of an actor's remote followers, shared inboxes where they have one.
pub async fn follower_inboxes(state: &AppState, actor: &Url) -> Result<Vec<Url>, AppError> {
    let mut inboxes: Vec<Url> = Vec::new();
    for f in state.db.follower_inboxes(actor.as_str()).await? {
        let inbox = f.shared_inbox.as_deref().unwrap_or(&f.inbox);
        if let Ok(url) = Url::parse(inbox) {
            if !inboxes.contains(&url) {
                inboxes.push(url);
            }
        }
    }
    Ok(inboxes)
}

/// Asks a remote actor to let a local one follow it.
pub async fn follow(
    state: &AppState,
    follower: &KnownActor,
    target: &KnownActor,
) -> Result<(), AppError> {
    if target.is_local() {
        return Err(AppError::bad(
            "local co-ops already share one portal; follow remote ones",
        ));
    }
    if target.id == follower.id {
        return Err(AppError::bad("an actor cannot follow itself"));
    }
    if let Some(existing) = state
        .db
        .follow(follower.id.as_str(), target.id.as_str())
        .await?
    {
        if existing.state() != FollowState::Rejected {
            return Err(AppError::Conflict(format!(
                "{} already follows {} ({})",
                follower.handle(),
                target.handle(),
                existing.state
            )));
        }
    }
    let activity = Activity::new(
        ActivityKind::Follow,
        new_id(state, "activities"),
        follower.id.clone(),
        json!(target.id),
    )
    .to(vec![target.id.to_string()]);
    state
        .db
        .upsert_follow(
            follower.id.as_str(),
            target.id.as_str(),
            FollowState::Pending,
            activity.id.as_str(),
            now_ms(),
        )
        .await?;
    queue(
        state,
        &activity,
        vec![target.inbox.clone()],
        false,
        Some(target.id.as_str()),
    )
    .await
}

/// Stops following: removes the follow here and sends Undo(Follow).
pub async fn unfollow(
    state: &AppState,
    follower: &KnownActor,
    target: &KnownActor,
) -> Result<(), AppError> {
    let existing = state
        .db
        .follow(follower.id.as_str(), target.id.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .db
        .delete_follow(follower.id.as_str(), target.id.as_str())
        .await?;
    let follow = Activity::new(
        ActivityKind::Follow,
        Url::parse(&existing.follow_activity_id)
            .map_err(|_| AppError::Internal("stored follow id".into()))?,
        follower.id.clone(),
        json!(target.id),
    );
    let activity = Activity::new(
        ActivityKind::Undo,
        new_id(state, "activities"),
        follower.id.clone(),
        follow.embedded(),
    )
    .to(vec![target.id.to_string()]);
    queue(
        state,
        &activity,
        vec![target.inbox.clone()],
        false,
        Some(target.id.as_str()),
    )
    .await
}

/// Accepts a remote actor's Follow of a local one.
pub async fn accept_follow(
    state: &AppState,
    followee: &KnownActor,
    follower: &KnownActor,
    follow: &Activity,
) -> Result<(), AppError> {
    state
        .db
        .upsert_follow(
            follower.id.as_str(),
            followee.id.as_str(),
            FollowState::Accepted,
            follow.id.as_str(),
            now_ms(),
        )
        .await?;
    let activity = Activity::new(
        ActivityKind::Accept,
        new_id(state, "activities"),
        followee.id.clone(),
        follow.embedded(),
    )
    .to(vec![follower.id.to_string()]);
    queue(
        state,
        &activity,
        vec![follower.inbox.clone()],
        false,
        Some(follow.id.as_str()),
    )
    .await
}

/// Tells followers that a local actor's profile changed.
pub async fn update_profile(state: &AppState, actor: &KnownActor) -> Result<(), AppError> {
    let doc = state.features.actor_doc(state, actor).await?;
    let mut doc = serde_json::to_value(doc)?;
    if let Some(map) = doc.as_object_mut() {
        map.remove("@context");
    }
    let mut activity = Activity::new(
        ActivityKind::Update,
        new_id(state, "activities"),
        actor.id.clone(),
        doc,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&actor.id).to_string()]);
    // The embedded actor uses the actor context's terms (publicKey, region, ...).
    activity.context = coopnet_schemas::context::actor_context();
    let inboxes = follower_inboxes(state, &actor.id).await?;
    queue(state, &activity, inboxes, false, Some(actor.id.as_str())).await
}

/// The Delete of one of `owner`'s public objects, with its Tombstone, addressed to the public and
/// the owner's followers.
pub fn public_delete(
    state: &AppState,
    owner: &KnownActor,
    id: Url,
    deleted_at: i64,
) -> Result<Activity, AppError> {
    let tombstone = coopnet_schemas::objects::Tombstone {
        context: serde_json::Value::Null,
        id,
        kind: "Tombstone".into(),
        deleted: Some(crate::core::store::rfc3339(deleted_at)),
    };
    Ok(Activity::new(
        ActivityKind::Delete,
        new_id(state, "activities"),
        owner.id.clone(),
        serde_json::to_value(tombstone)?,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&owner.id).to_string()]))
}
