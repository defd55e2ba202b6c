//! Forums over ActivityPub (FEP-1b12).
//!
//! A member writes a thread (`Page`) or reply (`Note`) with `audience` the forum and sends the
//! `Create` to it; the forum checks it and announces the `Create` to its followers, and, for a
//! thread, also announces the `Page` by id, which Mastodon shows. A node that follows a forum
//! takes posts from its `Announce`s, trusting an embedded post only when it comes from the
//! forum's own origin and fetching it from its author's origin otherwise.

use activitypub_federation::{config::Data, fetch::fetch_object_http};
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{
    activities::{value_id, Activity, ActivityKind},
    forums::ForumPost,
    objects::{Source, Tombstone},
    PUBLIC,
};
use serde_json::Value;
use url::Url;

use super::{convert, outgoing, KnownActor};
use crate::{
    app::AppState,
    error::AppError,
    forums::{self, check_body, check_open, check_title},
    store::{forums::ForumPostRow, now_ms, parse_time, rfc3339},
    text,
};

/// Longest post content we keep from a peer, in bytes of HTML.
const MAX_CONTENT: usize = 100_000;

fn new_id(state: &AppState, kind: &str) -> Url {
    state
        .settings
        .url(&format!("/{kind}/{}", uuid::Uuid::new_v4()))
}

fn parse_url(s: &str) -> Result<Url, AppError> {
    Url::parse(s).map_err(|_| AppError::Internal(format!("stored id {s}")))
}

/// A post's time to the millisecond, so every node orders replies written in the same second as
/// their home node does.
fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A post as it goes over the wire.
pub fn forum_post(row: &ForumPostRow) -> Result<ForumPost, AppError> {
    let id = parse_url(&row.id)?;
    let forum = parse_url(&row.forum_id)?;
    let author = parse_url(&row.author_id)?;
    Ok(ForumPost {
        context: Value::Null,
        id: id.clone(),
        kind: if row.thread_id.is_none() {
            "Page"
        } else {
            "Note"
        }
        .into(),
        attributed_to: author.clone(),
        name: row.title.clone(),
        content: row.content_html.clone(),
        media_type: Some("text/html".into()),
        source: row.content_md.as_ref().map(|md| Source {
            content: md.clone(),
            media_type: "text/markdown".into(),
        }),
        in_reply_to: row.parent_id.as_deref().map(parse_url).transpose()?,
        audience: forum.clone(),
        thread: row.thread_id.as_deref().map(parse_url).transpose()?,
        published: Some(rfc3339_ms(row.published_at)),
        updated: row.updated_at.map(rfc3339),
        url: Some(id),
        to: vec![forum.to_string(), PUBLIC.into()],
        cc: vec![convert::followers_of(&author).to_string()],
    })
}

/// What a member writes: a thread when `title` is given, else a reply to `parent`.
pub struct Draft<'a> {
    pub title: Option<&'a str>,
    pub parent: Option<&'a str>,
    pub markdown: &'a str,
}

/// A local member writes in a forum (here or elsewhere). Returns the stored post.
pub async fn write(
    state: &AppState,
    author: &KnownActor,
    forum: &KnownActor,
    draft: Draft<'_>,
) -> Result<ForumPostRow, AppError> {
    if !forums::is_forum(forum) {
        return Err(AppError::bad("that actor is not a forum"));
    }
    check_body(draft.markdown)?;
    let (thread_id, parent_id, title) = match (draft.title, draft.parent) {
        (Some(title), None) => (None, None, Some(check_title(title)?)),
        (None, Some(parent)) => {
            let parent = state
                .db
                .forum_post(parent)
                .await?
                .filter(|p| p.forum_id == forum.id.as_str())
                .ok_or_else(|| AppError::bad("the post answered is not in this forum"))?;
            let thread = thread_of(state, &parent).await?;
            check_open(&thread)?;
            (Some(thread.id), Some(parent.id), None)
        }
        _ => {
            return Err(AppError::bad(
                "give a title for a thread, or a parent for a reply",
            ))
        }
    };
    let now = now_ms();
    let row = ForumPostRow {
        id: new_id(state, "forum-posts").to_string(),
        forum_id: forum.id.to_string(),
        thread_id,
        parent_id,
        author_id: author.id.to_string(),
        title,
        content_html: text::markdown_to_html(draft.markdown),
        content_md: Some(draft.markdown.to_string()),
        is_local: 1,
        pinned: 0,
        locked: 0,
        removed_at: None,
        published_at: now,
        updated_at: None,
        last_activity_at: now,
    };
    state.db.insert_forum_post(&row).await?;
    send_as_author(state, author, forum, &row, ActivityKind::Create).await?;
    Ok(row)
}

async fn thread_of(state: &AppState, post: &ForumPostRow) -> Result<ForumPostRow, AppError> {
    match &post.thread_id {
        None => Ok(post.clone()),
        Some(t) => state
            .db
            .forum_post(t)
            .await?
            .ok_or_else(|| AppError::bad("the thread is unknown")),
    }
}

/// The author's Create, Update or Delete: to the forum's inbox when it is elsewhere; announced
/// by the forum to its followers when it is ours.
async fn send_as_author(
    state: &AppState,
    author: &KnownActor,
    forum: &KnownActor,
    row: &ForumPostRow,
    kind: ActivityKind,
) -> Result<(), AppError> {
    let object = if kind == ActivityKind::Delete {
        serde_json::to_value(Tombstone {
            context: Value::Null,
            id: parse_url(&row.id)?,
            kind: "Tombstone".into(),
            deleted: Some(rfc3339(now_ms())),
        })?
    } else {
        serde_json::to_value(forum_post(row)?)?
    };
    let activity = Activity::new(kind, new_id(state, "activities"), author.id.clone(), object)
        .to(vec![forum.id.to_string(), PUBLIC.into()])
        .cc(vec![convert::followers_of(&author.id).to_string()])
        .published(rfc3339(now_ms()));
    if forum.is_local() {
        // Kept in the outbox so its id can be read; the forum delivers it inside its Announce.
        outgoing::queue(state, &activity, Vec::new(), true, Some(&row.id)).await?;
        announce(
            state,
            forum,
            &activity,
            kind == ActivityKind::Create && row.thread_id.is_none(),
        )
        .await
    } else {
        let inbox = forum.shared_inbox.clone().unwrap_or(forum.inbox.clone());
        outgoing::queue(state, &activity, vec![inbox], true, Some(&row.id)).await
    }
}

/// A local forum announces an activity about one of its posts to its followers; a new thread is
/// also announced by id, so servers that ignore announced activities show it.
async fn announce(
    state: &AppState,
    forum: &KnownActor,
    activity: &Activity,
    new_thread: bool,
) -> Result<(), AppError> {
    let inboxes = outgoing::follower_inboxes(state, &forum.id).await?;
    let object_id = activity.object_id().map(|u| u.to_string());
    let wrap = |object: Value| {
        Activity::new(
            ActivityKind::Announce,
            new_id(state, "activities"),
            forum.id.clone(),
            object,
        )
        .to(vec![PUBLIC.into()])
        .cc(vec![convert::followers_of(&forum.id).to_string()])
        .published(rfc3339(now_ms()))
    };
    outgoing::queue(
        state,
        &wrap(activity.embedded()),
        inboxes.clone(),
        true,
        object_id.as_deref(),
    )
    .await?;
    if let (true, Some(id)) = (new_thread, &object_id) {
        outgoing::queue(
            state,
            &wrap(Value::String(id.clone())),
            inboxes,
            true,
            Some(id),
        )
        .await?;
    }
    Ok(())
}

/// A member edits their own post.
pub async fn edit(
    state: &AppState,
    author: &KnownActor,
    post_id: &str,
    title: Option<&str>,
    markdown: &str,
) -> Result<ForumPostRow, AppError> {
    check_body(markdown)?;
    let post = own_post(state, author, post_id).await?;
    let title = match (&post.thread_id, title) {
        (None, Some(t)) => Some(check_title(t)?),
        _ => None,
    };
    state
        .db
        .edit_forum_post(
            &post.id,
            title.as_deref(),
            &text::markdown_to_html(markdown),
            Some(markdown),
            now_ms(),
        )
        .await?;
    let post = state
        .db
        .forum_post(&post.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let forum = forum_actor(state, &post.forum_id).await?;
    send_as_author(state, author, &forum, &post, ActivityKind::Update).await?;
    Ok(post)
}

/// A member deletes their own post.
pub async fn delete(state: &AppState, author: &KnownActor, post_id: &str) -> Result<(), AppError> {
    let post = own_post(state, author, post_id).await?;
    state.db.remove_forum_post(&post.id, now_ms()).await?;
    let forum = forum_actor(state, &post.forum_id).await?;
    send_as_author(state, author, &forum, &post, ActivityKind::Delete).await
}

async fn own_post(
    state: &AppState,
    author: &KnownActor,
    post_id: &str,
) -> Result<ForumPostRow, AppError> {
    let post = state
        .db
        .forum_post(post_id)
        .await?
        .filter(|p| p.removed_at.is_none())
        .ok_or(AppError::NotFound)?;
    if post.author_id != author.id.as_str() {
        return Err(AppError::Forbidden(
            "only its author may change a post".into(),
        ));
    }
    Ok(post)
}

/// A forum we know: one of ours, or a peer's we have stored.
pub async fn forum_actor(state: &AppState, id: &str) -> Result<KnownActor, AppError> {
    super::stored_actor(state, id)
        .await?
        .filter(forums::is_forum)
        .ok_or_else(|| AppError::bad("no such forum"))
}

/// What a moderator may do to a post of a local forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Pin,
    Unpin,
    Lock,
    Unlock,
    Remove,
}

impl Moderation {
    pub fn parse(s: &str) -> Result<Moderation, AppError> {
        Ok(match s {
            "pin" => Moderation::Pin,
            "unpin" => Moderation::Unpin,
            "lock" => Moderation::Lock,
            "unlock" => Moderation::Unlock,
            "remove" => Moderation::Remove,
            _ => return Err(AppError::bad("use pin, unpin, lock, unlock or remove")),
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Pin => "pin",
            Moderation::Unpin => "unpin",
            Moderation::Lock => "lock",
            Moderation::Unlock => "unlock",
            Moderation::Remove => "remove",
        }
    }
}

/// A moderator (someone who may act for the forum) acts on a post; removal is federated as the
/// forum's `Delete`, announced to its followers. Every action is logged.
pub async fn moderate(
    state: &AppState,
    moderator: &KnownActor,
    forum: &KnownActor,
    post_id: &str,
    action: Moderation,
) -> Result<(), AppError> {
    let post = state
        .db
        .forum_post(post_id)
        .await?
        .filter(|p| p.forum_id == forum.id.as_str())
        .ok_or(AppError::NotFound)?;
    let (pinned, locked) = (post.pinned == 1, post.locked == 1);
    match action {
        Moderation::Pin | Moderation::Unpin | Moderation::Lock | Moderation::Unlock
            if post.thread_id.is_some() =>
        {
            return Err(AppError::bad("only threads are pinned or locked"));
        }
        Moderation::Pin => {
            state
                .db
                .set_forum_post_flags(&post.id, true, locked)
                .await?
        }
        Moderation::Unpin => {
            state
                .db
                .set_forum_post_flags(&post.id, false, locked)
                .await?
        }
        Moderation::Lock => {
            state
                .db
                .set_forum_post_flags(&post.id, pinned, true)
                .await?
        }
        Moderation::Unlock => {
            state
                .db
                .set_forum_post_flags(&post.id, pinned, false)
                .await?
        }
        Moderation::Remove => {
            state.db.remove_forum_post(&post.id, now_ms()).await?;
            let tombstone = serde_json::to_value(Tombstone {
                context: Value::Null,
                id: parse_url(&post.id)?,
                kind: "Tombstone".into(),
                deleted: Some(rfc3339(now_ms())),
            })?;
            let delete = Activity::new(
                ActivityKind::Delete,
                new_id(state, "activities"),
                forum.id.clone(),
                tombstone,
            )
            .to(vec![PUBLIC.into()])
            .cc(vec![convert::followers_of(&forum.id).to_string()]);
            outgoing::queue(state, &delete, Vec::new(), true, Some(&post.id)).await?;
            announce(state, forum, &delete, false).await?;
        }
    }
    state
        .db
        .log_moderation(
            forum.id.as_str(),
            moderator.id.as_str(),
            action.as_str(),
            &post.id,
            now_ms(),
        )
        .await?;
    Ok(())
}

// ---- What arrives from peers ----

/// Reads a post from a peer and checks it is its author's and fits: 400 otherwise.
fn read_post(object: &Value, author: &Url) -> Result<ForumPost, AppError> {
    let post: ForumPost = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable forum post: {e}")))?;
    if !same_origin(&post.id, author) {
        return Err(AppError::bad(
            "the post's id is on another origin than its author",
        ));
    }
    if &post.attributed_to != author {
        return Err(AppError::bad("the post is attributed to someone else"));
    }
    if post.content.len() > MAX_CONTENT {
        return Err(AppError::bad("the post's content is too long"));
    }
    Ok(post)
}

/// The row a peer's post becomes in `forum`, after the checks the forum makes: a thread has a
/// title; a reply's parent is in this forum and its thread is open (403 if locked).
async fn row_of(
    state: &AppState,
    post: &ForumPost,
    forum: &KnownActor,
) -> Result<ForumPostRow, AppError> {
    if post.audience != forum.id {
        return Err(AppError::bad("the post is for another forum"));
    }
    let (thread_id, parent_id, title) = match &post.in_reply_to {
        None => {
            let title = post.name.as_deref().unwrap_or_default();
            let title = text::limit(text::html_to_text(title), forums::MAX_TITLE);
            (None, None, Some(check_title(&title)?))
        }
        Some(parent) => {
            let parent = state
                .db
                .forum_post(parent.as_str())
                .await?
                .filter(|p| p.forum_id == forum.id.as_str())
                .ok_or_else(|| AppError::bad("the post answered is not in this forum"))?;
            let thread = thread_of(state, &parent).await?;
            check_open(&thread)?;
            (Some(thread.id), Some(parent.id), None)
        }
    };
    let now = now_ms();
    let published = post
        .published
        .as_deref()
        .and_then(parse_time)
        .map(|t| t.min(now))
        .unwrap_or(now);
    Ok(ForumPostRow {
        id: post.id.to_string(),
        forum_id: forum.id.to_string(),
        thread_id,
        parent_id,
        author_id: post.attributed_to.to_string(),
        title,
        content_html: text::sanitize_html(&post.content),
        content_md: None,
        is_local: 0,
        pinned: 0,
        locked: 0,
        removed_at: None,
        published_at: published,
        updated_at: None,
        last_activity_at: now,
    })
}

/// A `Create`, `Update` or `Delete` sent by a post's author to the forum (or to us, for a
/// remote forum we follow).
pub async fn receive_from_author(
    data: &Data<AppState>,
    activity: &Activity,
    author: &KnownActor,
) -> Result<(), AppError> {
    let kind = activity.known_kind();
    if kind == Some(ActivityKind::Delete) {
        let target = activity
            .object_id()
            .ok_or_else(|| AppError::bad("the activity's object has no id"))?;
        let Some(post) = data.db.forum_post(target.as_str()).await? else {
            return Ok(());
        };
        if post.author_id != author.id.as_str() {
            return Err(AppError::Forbidden(
                "only its author can delete a post".into(),
            ));
        }
        data.db.remove_forum_post(&post.id, now_ms()).await?;
        let forum = forum_actor(data, &post.forum_id).await?;
        if forum.is_local() {
            announce(data, &forum, activity, false).await?;
        }
        return Ok(());
    }
    let post = read_post(&activity.object, &author.id)?;
    let Some(forum) = super::stored_actor(data, post.audience.as_str())
        .await?
        .filter(forums::is_forum)
    else {
        // Not a forum we know: nothing of ours.
        return Ok(());
    };
    if !forum.is_local() && !data.db.is_followed_locally(forum.id.as_str()).await? {
        return Ok(());
    }
    if kind == Some(ActivityKind::Update) {
        let Some(stored) = data.db.forum_post(post.id.as_str()).await? else {
            return Ok(());
        };
        if stored.author_id != author.id.as_str() {
            return Err(AppError::Forbidden(
                "only its author can update a post".into(),
            ));
        }
        update_from(data, &stored, &post).await?;
    } else {
        let row = row_of(data, &post, &forum).await?;
        if !data.db.insert_forum_post(&row).await? {
            return Ok(());
        }
    }
    if forum.is_local() {
        let new_thread = kind == Some(ActivityKind::Create) && post.is_thread();
        announce(data, &forum, activity, new_thread).await?;
    }
    Ok(())
}

async fn update_from(
    state: &AppState,
    stored: &ForumPostRow,
    post: &ForumPost,
) -> Result<(), AppError> {
    let title = match (&stored.thread_id, &post.name) {
        (None, Some(name)) => Some(check_title(&text::limit(
            text::html_to_text(name),
            forums::MAX_TITLE,
        ))?),
        _ => None,
    };
    state
        .db
        .edit_forum_post(
            &stored.id,
            title.as_deref(),
            &text::sanitize_html(&post.content),
            None,
            post.updated
                .as_deref()
                .and_then(parse_time)
                .unwrap_or_else(now_ms),
        )
        .await?;
    Ok(())
}

/// An `Announce` by a forum one of our actors follows: the post inside is taken only from its
/// author. An embedded copy is trusted only when it comes from the forum's own origin; one from
/// elsewhere is fetched from its origin. A post whose origin is not its author's is 400.
pub async fn receive_announce(
    data: &Data<AppState>,
    activity: &Activity,
    forum: &KnownActor,
) -> Result<(), AppError> {
    if !data.db.is_followed_locally(forum.id.as_str()).await? {
        return Ok(());
    }
    let inner = match &activity.object {
        Value::String(_) | Value::Object(_) => activity.object.clone(),
        _ => return Err(AppError::bad("the announced object is unreadable")),
    };
    let inner_type = inner
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match inner_type {
        "Create" | "Update" | "Delete" => {}
        // A post announced by id (or embedded): read it from its author's origin.
        _ => {
            let id = value_id(&inner).ok_or_else(|| AppError::bad("the object has no id"))?;
            if data.db.forum_post(id.as_str()).await?.is_some() {
                return Ok(());
            }
            let fetched = fetch_object_http::<_, Value>(&id, data).await?.object;
            let author = fetched
                .get("attributedTo")
                .and_then(value_id)
                .ok_or_else(|| AppError::bad("the post has no author"))?;
            let post = read_post(&fetched, &author)?;
            super::actor(&author, data).await?;
            let row = row_of(data, &post, forum).await?;
            data.db.insert_forum_post(&row).await?;
            return Ok(());
        }
    }
    let inner_actor = inner
        .get("actor")
        .and_then(value_id)
        .ok_or_else(|| AppError::bad("the announced activity has no actor"))?;
    let object = inner.get("object").cloned().unwrap_or(Value::Null);
    let object_id =
        value_id(&object).ok_or_else(|| AppError::bad("the announced object has no id"))?;
    if inner_type == "Delete" {
        let Some(post) = data.db.forum_post(object_id.as_str()).await? else {
            return Ok(());
        };
        if post.forum_id != forum.id.as_str() {
            return Err(AppError::bad("the post is in another forum"));
        }
        // The forum's moderators may remove any post; anyone else only their own.
        if inner_actor != forum.id && post.author_id != inner_actor.as_str() {
            return Err(AppError::Forbidden(
                "only its author can delete a post".into(),
            ));
        }
        data.db.remove_forum_post(&post.id, now_ms()).await?;
        return Ok(());
    }
    if !same_origin(&object_id, &inner_actor) {
        return Err(AppError::bad(
            "the announced object is on another origin than its actor",
        ));
    }
    let object = if object.is_object() && same_origin(&inner_actor, &forum.id) {
        object
    } else {
        match fetch_object_http::<_, Value>(&object_id, data).await {
            Ok(fetched) => fetched.object,
            Err(activitypub_federation::error::Error::ObjectDeleted(_))
                if inner_type == "Create" =>
            {
                return keep_place_of_removed(data, forum, &inner_actor, &object).await;
            }
            Err(e) => return Err(e.into()),
        }
    };
    let post = read_post(&object, &inner_actor)?;
    if post.id != object_id {
        return Err(AppError::bad("the fetched post has another id"));
    }
    super::actor(&inner_actor, data).await?;
    match data.db.forum_post(post.id.as_str()).await? {
        Some(stored) if inner_type == "Update" => {
            if stored.author_id != inner_actor.as_str() {
                return Err(AppError::Forbidden(
                    "only its author can update a post".into(),
                ));
            }
            update_from(data, &stored, &post).await
        }
        Some(_) => Ok(()),
        None => {
            let row = row_of(data, &post, forum).await?;
            data.db.insert_forum_post(&row).await?;
            Ok(())
        }
    }
}

/// A post that is gone at its origin (removed by a moderator or its author) while its replies
/// are not: keep its place in the thread, blank, from the announced copy's structure only.
async fn keep_place_of_removed(
    state: &AppState,
    forum: &KnownActor,
    author: &Url,
    embedded: &Value,
) -> Result<(), AppError> {
    let Ok(mut post) = read_post(embedded, author) else {
        return Ok(());
    };
    if state.db.forum_post(post.id.as_str()).await?.is_some() {
        return Ok(());
    }
    post.name = post.name.map(|_| "(removed)".to_string());
    let mut row = row_of(state, &post, forum).await?;
    row.content_html = String::new();
    row.removed_at = Some(now_ms());
    state.db.insert_forum_post(&row).await?;
    Ok(())
}

/// A member follows a forum on another node as themselves, so its threads show here.
pub async fn follow_as_member(
    data: &Data<AppState>,
    member: &KnownActor,
    handle: &str,
) -> Result<KnownActor, AppError> {
    let handle =
        coopnet_schemas::Handle::parse(handle.trim()).map_err(|e| AppError::bad(e.to_string()))?;
    let forum = super::resolve_handle(&handle, &data.reset_request_count()).await?;
    if !forums::is_forum(&forum) {
        return Err(AppError::bad("that actor is not a forum"));
    }
    if forum.is_local() {
        return Err(AppError::bad("this node's forums are here already"));
    }
    outgoing::follow(data, member, &forum).await?;
    Ok(forum)
}
