//! What local actors do that peers must hear of: post, update, delete and share announcements,
//! follow and unfollow, accept followers, change their profile.
//!
//! Each action changes our own tables and stores the activity in the outbox with one queued
//! delivery per destination inbox; the delivery workers send them. Followers that share an inbox
//! (most servers offer a shared one) get one delivery between them.

use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    objects::Tombstone,
    PUBLIC,
};
use serde_json::json;
use url::Url;

use super::{convert, KnownActor};
use crate::{
    app::AppState,
    error::AppError,
    store::{follows::FollowState, now_ms, outbox::NewActivity, posts::PostRow, rfc3339},
    text,
};

/// Longest announcement accepted, in characters of Markdown.
pub const MAX_POST_CHARS: usize = 10_000;

fn new_id(state: &AppState, kind: &str) -> Url {
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
    queue_alongside(
        state,
        activity,
        inboxes,
        is_public,
        object_id,
        Alongside::default(),
    )
    .await
}

/// What is written in the same transaction as an activity.
#[derive(Default, Clone, Copy)]
pub struct Alongside<'a> {
    /// The post the activity creates, changes or deletes.
    pub post: Option<&'a PostRow>,
    /// The order the activity offers.
    pub order: Option<&'a crate::store::orders::NewOrder>,
    /// The credits the activity moves.
    pub credit: Option<&'a crate::store::credits::CreditMove>,
}

async fn queue_with_post(
    state: &AppState,
    activity: &Activity,
    inboxes: Vec<Url>,
    is_public: bool,
    object_id: Option<&str>,
    post: Option<&PostRow>,
) -> Result<(), AppError> {
    let alongside = Alongside {
        post,
        ..Alongside::default()
    };
    queue_alongside(state, activity, inboxes, is_public, object_id, alongside).await
}

/// Stores an activity with what it concerns, and queues it, all at once.
pub async fn queue_alongside(
    state: &AppState,
    activity: &Activity,
    inboxes: Vec<Url>,
    is_public: bool,
    object_id: Option<&str>,
    alongside: Alongside<'_>,
) -> Result<(), AppError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for inbox in inboxes {
        if state.settings.is_local(&inbox) {
            continue;
        }
        let pair = (
            inbox.to_string(),
            coopnet_federation::origin::authority(&inbox),
        );
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    let body = serde_json::to_string(activity)?;
    state
        .db
        .publish_activity(&NewActivity {
            id: activity.id.as_str(),
            actor_id: activity.actor.as_str(),
            activity_type: &activity.kind,
            object_id,
            body: &body,
            is_public,
            published_at: now_ms(),
            inboxes: &pairs,
            post: alongside.post,
            order: alongside.order,
            credit: alongside.credit,
        })
        .await?;
    state.wake_deliveries();
    Ok(())
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
        post: None,
        order: None,
        credit: None,
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

fn check_post_text(markdown: &str) -> Result<(), AppError> {
    let chars = markdown.chars().count();
    if markdown.trim().is_empty() {
        return Err(AppError::bad("an announcement needs some text"));
    }
    if chars > MAX_POST_CHARS {
        return Err(AppError::bad(format!(
            "an announcement may have at most {MAX_POST_CHARS} characters, this one has {chars}"
        )));
    }
    Ok(())
}

/// Publishes an announcement from a local co-op and sends it to its followers.
pub async fn publish_note(
    state: &AppState,
    author: &KnownActor,
    markdown: &str,
) -> Result<PostRow, AppError> {
    check_post_text(markdown)?;
    let now = now_ms();
    let id = new_id(state, "posts");
    let post = PostRow {
        id: id.to_string(),
        author_id: author.id.to_string(),
        content_html: text::markdown_to_html(markdown),
        content_source: Some(markdown.to_string()),
        in_reply_to: None,
        is_local: 1,
        published_at: now,
        updated_at: None,
        received_at: now,
        deleted_at: None,
    };
    let note = convert::note(&post, &author.id)?;
    let activity = Activity::new(
        ActivityKind::Create,
        new_id(state, "activities"),
        author.id.clone(),
        serde_json::to_value(strip_context(note))?,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&author.id).to_string()])
    .published(rfc3339(now));
    let inboxes = follower_inboxes(state, &author.id).await?;
    queue_with_post(state, &activity, inboxes, true, Some(&post.id), Some(&post)).await?;
    Ok(post)
}

fn strip_context(mut note: coopnet_schemas::objects::Note) -> coopnet_schemas::objects::Note {
    note.context = serde_json::Value::Null;
    note
}

/// Edits an announcement and sends the new text as an Update.
pub async fn update_note(
    state: &AppState,
    author: &KnownActor,
    post_id: &str,
    markdown: &str,
) -> Result<PostRow, AppError> {
    check_post_text(markdown)?;
    let post = own_post(state, author, post_id).await?;
    let now = now_ms();
    let html = text::markdown_to_html(markdown);
    let post = PostRow {
        content_html: html,
        content_source: Some(markdown.to_string()),
        updated_at: Some(now),
        ..post
    };
    let note = convert::note(&post, &author.id)?;
    let activity = Activity::new(
        ActivityKind::Update,
        new_id(state, "activities"),
        author.id.clone(),
        serde_json::to_value(strip_context(note))?,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&author.id).to_string()])
    .published(rfc3339(now));
    let inboxes = follower_inboxes(state, &author.id).await?;
    queue_with_post(state, &activity, inboxes, true, Some(&post.id), Some(&post)).await?;
    Ok(post)
}

async fn own_post(
    state: &AppState,
    author: &KnownActor,
    post_id: &str,
) -> Result<PostRow, AppError> {
    let post = state
        .db
        .post(post_id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    if post.author_id != author.id.as_str() {
        return Err(AppError::Forbidden(
            "only its author can change an announcement".into(),
        ));
    }
    Ok(post)
}

/// Deletes an announcement here and asks followers to delete it too.
pub async fn delete_note(
    state: &AppState,
    author: &KnownActor,
    post_id: &str,
) -> Result<(), AppError> {
    let post = own_post(state, author, post_id).await?;
    let now = now_ms();
    let id = Url::parse(&post.id).map_err(|_| AppError::Internal("stored post id".into()))?;
    let tombstone = Tombstone {
        context: serde_json::Value::Null,
        id,
        kind: "Tombstone".into(),
        deleted: Some(rfc3339(now)),
    };
    let activity = Activity::new(
        ActivityKind::Delete,
        new_id(state, "activities"),
        author.id.clone(),
        serde_json::to_value(tombstone)?,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&author.id).to_string()])
    .published(rfc3339(now));
    let inboxes = follower_inboxes(state, &author.id).await?;
    // The content is forgotten; the id stays, so the post cannot come back.
    let deleted = PostRow {
        content_html: String::new(),
        content_source: None,
        deleted_at: Some(now),
        ..post
    };
    queue_with_post(
        state,
        &activity,
        inboxes,
        false,
        Some(&deleted.id),
        Some(&deleted),
    )
    .await
}

/// Shares (boosts) a post to the sharer's followers and to the post's author.
pub async fn share_post(
    state: &AppState,
    sharer: &KnownActor,
    post_id: &str,
) -> Result<(), AppError> {
    let post = state
        .db
        .post(post_id)
        .await?
        .filter(|p| p.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let now = now_ms();
    let activity = Activity::new(
        ActivityKind::Announce,
        new_id(state, "activities"),
        sharer.id.clone(),
        json!(post.id),
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![
        convert::followers_of(&sharer.id).to_string(),
        post.author_id.clone(),
    ])
    .published(rfc3339(now));
    if !state
        .db
        .insert_share(activity.id.as_str(), sharer.id.as_str(), &post.id, now)
        .await?
    {
        return Err(AppError::Conflict("already shared".into()));
    }
    let mut inboxes = follower_inboxes(state, &sharer.id).await?;
    if let Some(author) = state.db.remote_actor(&post.author_id).await? {
        if let Ok(inbox) = Url::parse(author.shared_inbox.as_deref().unwrap_or(&author.inbox)) {
            inboxes.push(inbox);
        }
    }
    queue(state, &activity, inboxes, true, Some(post.id.as_str())).await
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
    let doc = super::routes::served_actor_doc(state, actor).await?;
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
