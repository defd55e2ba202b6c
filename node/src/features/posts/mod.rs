//! Announcements: what co-ops and members publish, edit, delete and share, the network feed
//! that shows them, and the co-op's own pages (profile and admin) that gather every feature's
//! part. This is the last feature in the order, so it may show any of the others.

pub mod api;
pub mod inbound;
pub mod portal;
pub mod store;
pub mod wire;

use crate::core::error::AppError;
use crate::core::federation::outgoing::{self, follower_inboxes, queue_alongside};
use crate::core::federation::{convert, KnownActor};
use crate::core::store::outbox::WrittenAlongside;
use crate::core::store::{now_ms, rfc3339, Refusal, StoreError};
use crate::core::text;
use crate::core::AppState;
use crate::features::posts::store::{PostRow, Share};
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    PUBLIC,
};
use serde_json::json;
use url::Url;

/// Longest announcement accepted, in characters of Markdown.
pub const MAX_POST_CHARS: usize = 10_000;

async fn queue_with_post(
    state: &AppState,
    activity: &Activity,
    inboxes: Vec<Url>,
    is_public: bool,
    object_id: Option<&str>,
    post: Option<&PostRow>,
) -> Result<(), AppError> {
    let alongside: Vec<&dyn WrittenAlongside> = match post {
        Some(p) => vec![p],
        None => vec![],
    };
    queue_alongside(state, activity, inboxes, is_public, object_id, &alongside).await
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
    let id = outgoing::new_id(state, "posts");
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
    let note = crate::features::posts::wire::note(&post, &author.id)?;
    let activity = Activity::new(
        ActivityKind::Create,
        outgoing::new_id(state, "activities"),
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
    let note = crate::features::posts::wire::note(&post, &author.id)?;
    let activity = Activity::new(
        ActivityKind::Update,
        outgoing::new_id(state, "activities"),
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
    let activity = outgoing::public_delete(state, author, id, now)?.published(rfc3339(now));
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
        outgoing::new_id(state, "activities"),
        sharer.id.clone(),
        json!(post.id),
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![
        convert::followers_of(&sharer.id).to_string(),
        post.author_id.clone(),
    ])
    .published(rfc3339(now));
    let mut inboxes = follower_inboxes(state, &sharer.id).await?;
    if let Some(author) = state.db.remote_actor(&post.author_id).await? {
        if let Ok(inbox) = Url::parse(author.shared_inbox.as_deref().unwrap_or(&author.inbox)) {
            inboxes.push(inbox);
        }
    }
    let share = Share {
        activity_id: activity.id.as_str(),
        actor_id: sharer.id.as_str(),
        post_id: &post.id,
        shared_at: now,
    };
    let id = Some(post.id.as_str());
    match queue_alongside(state, &activity, inboxes, true, id, &[&share]).await {
        Err(AppError::Store(StoreError::Refused(Refusal::AlreadyRecorded))) => {
            Err(AppError::Conflict("already shared".into()))
        }
        other => other,
    }
}
