//! Forums over ActivityPub (FEP-1b12).
//!
//! A member writes a thread (`Page`) or reply (`Note`) with `audience` the forum and sends the
//! `Create` to it; the forum checks it and announces the `Create` to its followers, and, for a
//! thread, also announces the `Page` by id, which Mastodon shows. A node that follows a forum
//! takes posts from its `Announce`s, trusting an embedded post only when it comes from the
//! forum's own origin and fetching it from its author's origin otherwise.

use crate::core::error::AppError;
use crate::core::federation::outgoing::{self, Batch};
use crate::core::federation::{convert, KnownActor};
use crate::core::store::outbox::WrittenAlongside;
use crate::core::store::{now_ms, parse_time, rfc3339, Refusal, StoreError};
use crate::core::text;
use crate::core::AppState;
use crate::features::forums;
use crate::features::forums::store::{
    BanChange, BanRow, ForumPostRow, ModerationEntry, PostChange, ReportRow,
};
use crate::features::forums::{check_body, check_open, check_title};
use activitypub_federation::{config::Data, fetch::fetch_object_http};
use coopnet_federation::origin::same_origin;
use coopnet_federation::signatures::{self, SignatureHeader, SignedRequest};
use coopnet_schemas::{
    activities::{value_id, Activity, ActivityKind},
    forums::ForumPost,
    objects::{Source, Tombstone},
    PUBLIC,
};
use serde_json::Value;
use std::time::SystemTime;
use url::Url;

/// Longest post content we keep from a peer, in bytes of HTML.
const MAX_CONTENT: usize = 100_000;

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
        stickied: row.thread_id.is_none().then_some(row.pinned == 1),
        comments_enabled: row.thread_id.is_none().then_some(row.locked == 0),
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
    check_not_banned(state, forum, &author.id).await?;
    check_body(draft.markdown)?;
    let (thread_id, parent_id, title) = match (draft.title, draft.parent) {
        (Some(title), None) => {
            check_may_start_thread(state, forum, &author.id).await?;
            (None, None, Some(check_title(title)?))
        }
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
        id: outgoing::new_id(state, "forum-posts").to_string(),
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
    let change = PostChange::Insert(&row);
    send_as_author(state, author, forum, &row, ActivityKind::Create, &change).await?;
    Ok(row)
}

/// Keeps what a peer's forum allows, from its document (`postingRestrictedToMods`), so members
/// here are told before they write.
pub async fn store_peer_settings(
    state: &AppState,
    row: &crate::core::store::actors::RemoteActorRow,
    doc: &coopnet_schemas::actors::ActorDoc,
) -> Result<(), AppError> {
    if row.coop_kind.as_deref() == Some(crate::features::coops::CoopKind::Forum.as_str()) {
        state
            .db
            .set_forum_moderators_only(&row.id, doc.posting_restricted_to_mods == Some(true))
            .await?;
    }
    Ok(())
}

/// 403 for someone who is not a moderator of a forum where only moderators start threads. A
/// forum's moderators are on its own node, so on a peer's such forum no one here starts one.
async fn check_may_start_thread(
    state: &AppState,
    forum: &KnownActor,
    author: &Url,
) -> Result<(), AppError> {
    if state.db.forum_moderators_only(forum.id.as_str()).await?
        && !(forum.is_local()
            && state
                .db
                .moderates_forum(forum.id.as_str(), author.as_str())
                .await?)
    {
        return Err(AppError::Forbidden(
            "only the forum's moderators start threads in it".into(),
        ));
    }
    Ok(())
}

/// Moderators choose whether only they start threads in a local forum (everyone may reply
/// either way). Logged, and sent to the forum's followers in its document's
/// `postingRestrictedToMods`.
pub async fn set_moderators_only(
    state: &AppState,
    moderator: &KnownActor,
    forum: &KnownActor,
    only: bool,
) -> Result<(), AppError> {
    state
        .db
        .set_forum_moderators_only(forum.id.as_str(), only)
        .await?;
    state
        .db
        .log_moderation(&ModerationEntry {
            forum: forum.id.as_str(),
            moderator: moderator.id.as_str(),
            action: if only {
                "only moderators start threads"
            } else {
                "everyone starts threads"
            },
            subject: forum.id.as_str(),
            reason: None,
            at: now_ms(),
        })
        .await?;
    // The forum's document now says so; its followers get it as an Update.
    outgoing::update_profile(state, forum).await
}

/// 403 for someone the forum's moderators have banned.
async fn check_not_banned(
    state: &AppState,
    forum: &KnownActor,
    person: &Url,
) -> Result<(), AppError> {
    if state
        .db
        .is_banned(forum.id.as_str(), person.as_str())
        .await?
    {
        return Err(AppError::Forbidden(
            "the forum's moderators have banned this person from it".into(),
        ));
    }
    Ok(())
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

/// The author's Create, Update or Delete, written with `change`: to the forum's inbox when it
/// is elsewhere; announced by the forum to its followers when it is ours.
async fn send_as_author(
    state: &AppState,
    author: &KnownActor,
    forum: &KnownActor,
    row: &ForumPostRow,
    kind: ActivityKind,
    change: &PostChange<'_>,
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
    let activity = Activity::new(
        kind,
        outgoing::new_id(state, "activities"),
        author.id.clone(),
        object,
    )
    .to(vec![forum.id.to_string(), PUBLIC.into()])
    .cc(vec![convert::followers_of(&author.id).to_string()])
    .published(rfc3339(now_ms()));
    let mut batch = Batch::default();
    if forum.is_local() {
        // Kept in the outbox so its id can be read; the forum delivers it inside its Announce.
        let new_thread = kind == ActivityKind::Create && row.thread_id.is_none();
        batch.add(activity.clone(), Vec::new(), true, Some(&row.id));
        announce_into(state, &mut batch, forum, &activity, new_thread, Vec::new()).await?;
    } else {
        let inbox = forum.shared_inbox.clone().unwrap_or(forum.inbox.clone());
        batch.add(activity, vec![inbox], true, Some(&row.id));
    }
    batch.send(state, &[change]).await
}

/// A local forum announces an activity about one of its posts to its followers, in the same
/// transaction as `rows`.
async fn announce(
    state: &AppState,
    forum: &KnownActor,
    activity: &Activity,
    new_thread: bool,
    rows: &[&dyn WrittenAlongside],
) -> Result<(), AppError> {
    let mut batch = Batch::default();
    announce_into(state, &mut batch, forum, activity, new_thread, Vec::new()).await?;
    batch.send(state, rows).await
}

/// Adds to `batch` a local forum's Announce of an activity about one of its posts, to its
/// followers and `extra` inboxes; a new thread is also announced by id, so servers that ignore
/// announced activities show it.
async fn announce_into(
    state: &AppState,
    batch: &mut Batch,
    forum: &KnownActor,
    activity: &Activity,
    new_thread: bool,
    extra: Vec<Url>,
) -> Result<(), AppError> {
    let mut inboxes = outgoing::follower_inboxes(state, &forum.id).await?;
    for inbox in extra {
        if !inboxes.contains(&inbox) {
            inboxes.push(inbox);
        }
    }
    let object_id = activity.object_id().map(|u| u.to_string());
    let wrap = |object: Value| {
        Activity::new(
            ActivityKind::Announce,
            outgoing::new_id(state, "activities"),
            forum.id.clone(),
            object,
        )
        .to(vec![PUBLIC.into()])
        .cc(vec![convert::followers_of(&forum.id).to_string()])
        .published(rfc3339(now_ms()))
    };
    batch.add(
        wrap(activity.embedded()),
        inboxes.clone(),
        true,
        object_id.as_deref(),
    );
    if let (true, Some(id)) = (new_thread, &object_id) {
        batch.add(wrap(Value::String(id.clone())), inboxes, true, Some(id));
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
    let forum = forum_actor(state, &post.forum_id).await?;
    check_not_banned(state, &forum, &author.id).await?;
    let title = match (&post.thread_id, title) {
        (None, Some(t)) => Some(check_title(t)?),
        _ => None,
    };
    let mut edited = post.clone();
    edited.title = title.or(post.title);
    edited.content_html = text::markdown_to_html(markdown);
    edited.content_md = Some(markdown.to_string());
    let now = now_ms();
    edited.updated_at = Some(now);
    let change = PostChange::Edit {
        id: &post.id,
        title: edited.title.as_deref(),
        content_html: &edited.content_html,
        content_md: Some(markdown),
        at: now,
    };
    send_as_author(
        state,
        author,
        &forum,
        &edited,
        ActivityKind::Update,
        &change,
    )
    .await?;
    Ok(edited)
}

/// A member deletes their own post.
pub async fn delete(state: &AppState, author: &KnownActor, post_id: &str) -> Result<(), AppError> {
    let post = own_post(state, author, post_id).await?;
    let forum = forum_actor(state, &post.forum_id).await?;
    let change = PostChange::Remove {
        id: &post.id,
        at: now_ms(),
    };
    send_as_author(state, author, &forum, &post, ActivityKind::Delete, &change).await
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
    crate::core::federation::stored_actor(state, id)
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

/// A moderator (someone who may act for the forum) acts on a post. Each action is logged and
/// federated as Lemmy does: the moderator's `Add`/`Remove` to the forum's `featured` for pins,
/// `Lock`/`Undo(Lock)` for locks, the forum's `Delete` for removal, each announced by the forum
/// to its followers.
pub async fn moderate(
    state: &AppState,
    moderator: &KnownActor,
    forum: &KnownActor,
    post_id: &str,
    action: Moderation,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let post = state
        .db
        .forum_post(post_id)
        .await?
        .filter(|p| p.forum_id == forum.id.as_str())
        .ok_or(AppError::NotFound)?;
    let reason = check_reason(reason)?;
    let (pinned, locked) = (post.pinned == 1, post.locked == 1);
    if action != Moderation::Remove && post.thread_id.is_some() {
        return Err(AppError::bad("only threads are pinned or locked"));
    }
    if post.removed_at.is_some() {
        return Err(AppError::bad("the post was removed already"));
    }
    let post_url = Value::String(post.id.clone());
    let lock = || {
        Activity::of_type(
            "Lock",
            outgoing::new_id(state, "activities"),
            moderator.id.clone(),
            post_url.clone(),
        )
    };
    let featured = || Some(Value::String(convert::featured_of(&forum.id).to_string()));
    let now = now_ms();
    let flags = |pinned, locked| PostChange::Flags {
        id: &post.id,
        pinned,
        locked,
    };
    let (change, inner) = match action {
        Moderation::Pin | Moderation::Unpin => {
            let pin = action == Moderation::Pin;
            let mut add = Activity::of_type(
                if pin { "Add" } else { "Remove" },
                outgoing::new_id(state, "activities"),
                moderator.id.clone(),
                post_url.clone(),
            );
            add.target = featured();
            (flags(pin, locked), add)
        }
        Moderation::Lock => (flags(pinned, true), lock()),
        Moderation::Unlock => (
            flags(pinned, false),
            Activity::new(
                ActivityKind::Undo,
                outgoing::new_id(state, "activities"),
                moderator.id.clone(),
                lock().embedded(),
            ),
        ),
        Moderation::Remove => {
            let tombstone = serde_json::to_value(Tombstone {
                context: Value::Null,
                id: parse_url(&post.id)?,
                kind: "Tombstone".into(),
                deleted: Some(rfc3339(now)),
            })?;
            let delete = Activity::new(
                ActivityKind::Delete,
                outgoing::new_id(state, "activities"),
                forum.id.clone(),
                tombstone,
            );
            (
                PostChange::Remove {
                    id: &post.id,
                    at: now,
                },
                delete,
            )
        }
    };
    let mut inner = inner
        .to(vec![PUBLIC.into()])
        .cc(vec![convert::followers_of(&forum.id).to_string()])
        .published(rfc3339(now_ms()));
    inner.audience = Some(Value::String(forum.id.to_string()));
    inner.summary = reason.clone();
    let logged = ModerationEntry {
        forum: forum.id.as_str(),
        moderator: moderator.id.as_str(),
        action: action.as_str(),
        subject: &post.id,
        reason: reason.as_deref(),
        at: now,
    };
    let mut batch = Batch::default();
    batch.add(inner.clone(), Vec::new(), true, Some(&post.id));
    announce_into(state, &mut batch, forum, &inner, false, Vec::new()).await?;
    batch.send(state, &[&change, &logged]).await
}

/// A moderator's reason: optional, plain text, at most 1,000 characters.
fn check_reason(reason: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let reason = text::html_to_text(reason);
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::bad(format!(
            "a reason may have at most {MAX_REASON} characters"
        )));
    }
    Ok(Some(reason))
}

/// Longest reason for a ban, removal or report, in characters.
pub const MAX_REASON: usize = 1000;

/// A moderator bans a person from a local forum (Lemmy's `Block` with the forum as `target`),
/// optionally removing everything they wrote there. The ban is announced to the forum's
/// followers and sent to the person, so their node stops them writing there too.
pub async fn ban(
    state: &AppState,
    moderator: &KnownActor,
    forum: &KnownActor,
    person: &KnownActor,
    reason: Option<&str>,
    remove_posts: bool,
) -> Result<(), AppError> {
    if !forum.is_local() {
        return Err(AppError::bad("only this node's forums are moderated here"));
    }
    if person.id == moderator.id
        || state
            .db
            .moderates_forum(forum.id.as_str(), person.id.as_str())
            .await?
    {
        return Err(AppError::bad(
            "a forum's moderators cannot be banned from it",
        ));
    }
    let reason = check_reason(reason)?;
    let now = now_ms();
    let ban = BanRow {
        forum_id: forum.id.to_string(),
        actor_id: person.id.to_string(),
        moderator_id: moderator.id.to_string(),
        reason: reason.clone(),
        at: now,
        expires_at: None,
    };
    let logged = ModerationEntry {
        forum: forum.id.as_str(),
        moderator: moderator.id.as_str(),
        action: "ban",
        subject: person.id.as_str(),
        reason: reason.as_deref(),
        at: now,
    };
    let block = ban_activity(state, moderator, forum, person, reason.as_deref());
    match send_ban(
        state,
        forum,
        person,
        block,
        &[&BanChange::Ban(&ban), &logged],
    )
    .await
    {
        // Banned already: nothing new to say.
        Err(AppError::Store(StoreError::Refused(Refusal::AlreadyRecorded))) | Ok(()) => {}
        Err(e) => return Err(e),
    }
    if remove_posts {
        for post in state
            .db
            .forum_posts_by(forum.id.as_str(), person.id.as_str())
            .await?
        {
            moderate(
                state,
                moderator,
                forum,
                &post.id,
                Moderation::Remove,
                reason.as_deref(),
            )
            .await?;
        }
    }
    Ok(())
}

/// A moderator lifts a ban (`Undo(Block)`, sent where the ban went).
pub async fn unban(
    state: &AppState,
    moderator: &KnownActor,
    forum: &KnownActor,
    person: &KnownActor,
) -> Result<(), AppError> {
    if !forum.is_local() {
        return Err(AppError::bad("only this node's forums are moderated here"));
    }
    let block = ban_activity(state, moderator, forum, person, None);
    let mut undo = Activity::new(
        ActivityKind::Undo,
        outgoing::new_id(state, "activities"),
        moderator.id.clone(),
        block.embedded(),
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![forum.id.to_string()])
    .published(rfc3339(now_ms()));
    undo.audience = Some(Value::String(forum.id.to_string()));
    let lifted = BanChange::Unban {
        forum: forum.id.as_str(),
        actor: person.id.as_str(),
    };
    let logged = ModerationEntry {
        forum: forum.id.as_str(),
        moderator: moderator.id.as_str(),
        action: "unban",
        subject: person.id.as_str(),
        reason: None,
        at: now_ms(),
    };
    match send_ban(state, forum, person, undo, &[&lifted, &logged]).await {
        Err(AppError::Store(StoreError::Refused(Refusal::Missing))) => {
            Err(AppError::bad("that person is not banned from this forum"))
        }
        other => other,
    }
}

fn ban_activity(
    state: &AppState,
    moderator: &KnownActor,
    forum: &KnownActor,
    person: &KnownActor,
    reason: Option<&str>,
) -> Activity {
    let mut block = Activity::of_type(
        "Block",
        outgoing::new_id(state, "activities"),
        moderator.id.clone(),
        Value::String(person.id.to_string()),
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![forum.id.to_string()])
    .published(rfc3339(now_ms()));
    block.target = Some(Value::String(forum.id.to_string()));
    block.audience = Some(Value::String(forum.id.to_string()));
    block.summary = reason.map(str::to_string);
    block
}

/// A ban or its undoing, written with `rows`, kept in the outbox and announced by the forum to
/// its followers and to the person, whose node may have no one following the forum.
async fn send_ban(
    state: &AppState,
    forum: &KnownActor,
    person: &KnownActor,
    activity: Activity,
    rows: &[&dyn WrittenAlongside],
) -> Result<(), AppError> {
    let person_inbox = person.shared_inbox.clone().unwrap_or(person.inbox.clone());
    let mut batch = Batch::default();
    batch.add(activity.clone(), Vec::new(), true, None);
    announce_into(
        state,
        &mut batch,
        forum,
        &activity,
        false,
        vec![person_inbox],
    )
    .await?;
    batch.send(state, rows).await
}

/// Someone here reports a post (Mastodon's and Lemmy's `Flag`). The report is kept here for the
/// node's administrators and, when the forum is ours, its moderators. It is sent as the
/// reporter's `Flag` to the forum when the forum is elsewhere, and as this node's (so the
/// reporter stays unnamed, as Mastodon does) to the author's node when that is a third one.
pub async fn report(
    state: &AppState,
    reporter: &KnownActor,
    post_id: &str,
    reason: &str,
) -> Result<ReportRow, AppError> {
    let post = state
        .db
        .forum_post(post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = check_reason(Some(reason))?
        .ok_or_else(|| AppError::bad("say what is wrong with the post"))?;
    let forum = forum_actor(state, &post.forum_id).await?;
    let flag_id = outgoing::new_id(state, "activities");
    let row = ReportRow {
        id: 0,
        activity_id: flag_id.to_string(),
        post_id: post.id.clone(),
        forum_id: post.forum_id.clone(),
        reporter_id: reporter.id.to_string(),
        reason: reason.clone(),
        received_at: now_ms(),
        resolved_at: None,
        resolved_by: None,
    };
    let mut batch = Batch::default();
    let objects = Value::Array(vec![
        Value::String(post.id.clone()),
        Value::String(post.author_id.clone()),
    ]);
    if !forum.is_local() {
        let mut flag = Activity::new(
            ActivityKind::Flag,
            flag_id,
            reporter.id.clone(),
            objects.clone(),
        )
        .to(vec![forum.id.to_string()]);
        flag.content = Some(reason.clone());
        flag.audience = Some(Value::String(forum.id.to_string()));
        batch.add(flag, vec![forum.inbox.clone()], false, None);
    }
    let author = crate::core::federation::stored_actor(state, &post.author_id)
        .await?
        .filter(|a| !a.is_local() && !same_origin(&a.id, &forum.id));
    if let Some(author) = author {
        let mut flag = Activity::new(
            ActivityKind::Flag,
            outgoing::new_id(state, "activities"),
            state.settings.url("/actor"),
            objects,
        )
        .to(vec![author.id.to_string()]);
        flag.content = Some(reason);
        flag.audience = Some(Value::String(forum.id.to_string()));
        let inbox = author.shared_inbox.clone().unwrap_or(author.inbox.clone());
        batch.add(flag, vec![inbox], false, None);
    }
    batch.send(state, &[&row]).await?;
    Ok(row)
}

/// A `Flag` from a peer: kept when it names a post we hold that concerns us (in one of our
/// forums, or written here). Anything else is acknowledged and dropped.
pub async fn receive_flag(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    let ids: Vec<Url> = match &activity.object {
        Value::Array(items) => items.iter().filter_map(value_id).collect(),
        other => value_id(other).into_iter().collect(),
    };
    if ids.is_empty() || ids.len() > 50 {
        return Err(AppError::bad("a report names between 1 and 50 objects"));
    }
    let reason = check_reason(activity.content.as_deref().or(activity.summary.as_deref()))?
        .unwrap_or_else(|| "(no reason given)".into());
    for id in ids {
        let Some(post) = data.db.forum_post(id.as_str()).await? else {
            continue;
        };
        let forum = forum_actor(data, &post.forum_id).await?;
        let author_here = data.settings.is_local(&parse_url(&post.author_id)?);
        if !forum.is_local() && !author_here {
            continue;
        }
        data.db
            .insert_report(&ReportRow {
                id: 0,
                activity_id: activity.id.to_string(),
                post_id: post.id.clone(),
                forum_id: post.forum_id.clone(),
                reporter_id: actor.id.to_string(),
                reason,
                received_at: now_ms(),
                resolved_at: None,
                resolved_by: None,
            })
            .await?;
        return Ok(());
    }
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
    if !post.is_public() {
        return Err(AppError::bad(
            "a forum post is addressed to the public; this one is not",
        ));
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
            let title = match post.name.as_deref().filter(|n| !n.trim().is_empty()) {
                Some(name) => text::limit(text::html_to_text(name), forums::MAX_TITLE),
                // A thread started as a Note by software without titles (a Mastodon post that
                // mentions the forum): its first words, as Lemmy does. A Page needs its title.
                None if post.kind != "Page" => forums::title_from_html(&post.content),
                None => String::new(),
            };
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
    let trusted = same_origin(&post.id, &forum.id) && thread_id.is_none();
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
        // What the thread says of itself counts only when the forum's own node serves it.
        pinned: (trusted && post.stickied == Some(true)) as i64,
        locked: (trusted && post.comments_enabled == Some(false)) as i64,
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
        let forum = forum_actor(data, &post.forum_id).await?;
        let removal = PostChange::Remove {
            id: &post.id,
            at: now_ms(),
        };
        return store_and_announce(data, &forum, activity, false, &removal).await;
    }
    let post = read_post(&activity.object, &author.id)?;
    let Some(forum) = crate::core::federation::stored_actor(data, post.audience.as_str())
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
        if stored.forum_id != forum.id.as_str() {
            return Err(AppError::bad("the post is in another forum"));
        }
        check_not_banned(data, &forum, &author.id).await?;
        if stored.removed_at.is_some() {
            // Removed is final: an edit does not bring it back.
            return Ok(());
        }
        let edit = Edited::from(&stored, &post)?;
        let edit = edit.change(&stored.id);
        return store_and_announce(data, &forum, activity, false, &edit).await;
    }
    check_not_banned(data, &forum, &author.id).await?;
    if post.is_thread() && forum.is_local() {
        check_may_start_thread(data, &forum, &author.id).await?;
    }
    let row = row_of(data, &post, &forum).await?;
    let new_thread = kind == Some(ActivityKind::Create) && post.is_thread();
    match store_and_announce(
        data,
        &forum,
        activity,
        new_thread,
        &PostChange::Insert(&row),
    )
    .await
    {
        // Here already: announced when it first came.
        Err(AppError::Store(StoreError::Refused(Refusal::AlreadyRecorded))) => Ok(()),
        other => other,
    }
}

/// What a member's Update changes in a stored post: its title (a thread's only) and content.
struct Edited {
    title: Option<String>,
    content_html: String,
    at: i64,
}

impl Edited {
    fn from(stored: &ForumPostRow, post: &ForumPost) -> Result<Edited, AppError> {
        let title = match (&stored.thread_id, &post.name) {
            (None, Some(name)) => Some(check_title(&text::limit(
                text::html_to_text(name),
                forums::MAX_TITLE,
            ))?),
            _ => None,
        };
        Ok(Edited {
            title,
            content_html: text::sanitize_html(&post.content),
            at: post
                .updated
                .as_deref()
                .and_then(parse_time)
                .unwrap_or_else(now_ms),
        })
    }

    fn change<'a>(&'a self, id: &'a str) -> PostChange<'a> {
        PostChange::Edit {
            id,
            title: self.title.as_deref(),
            content_html: &self.content_html,
            content_md: None,
            at: self.at,
        }
    }
}

/// Writes a change a member sent, and when the forum is ours, its Announce in the same
/// transaction.
async fn store_and_announce(
    state: &AppState,
    forum: &KnownActor,
    activity: &Activity,
    new_thread: bool,
    change: &PostChange<'_>,
) -> Result<(), AppError> {
    if forum.is_local() {
        announce(state, forum, activity, new_thread, &[change]).await
    } else {
        Ok(state.db.write_rows(change).await?)
    }
}

/// An `Announce` by a forum one of our actors follows: the post inside is taken only from its
/// author. An embedded copy is trusted only when it comes from the forum's own origin; one from
/// elsewhere is fetched from its origin. A post whose origin is not its author's is 400.
pub async fn receive_announce(
    data: &Data<AppState>,
    activity: &Activity,
    forum: &KnownActor,
) -> Result<(), AppError> {
    let inner = match &activity.object {
        Value::String(_) | Value::Object(_) => activity.object.clone(),
        _ => return Err(AppError::bad("the announced object is unreadable")),
    };
    let inner_type = inner
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if matches!(inner_type, "Add" | "Remove" | "Lock" | "Undo" | "Block") {
        return receive_moderation(data, &inner, forum).await;
    }
    if !data.db.is_followed_locally(forum.id.as_str()).await? {
        return Ok(());
    }
    match inner_type {
        "Create" | "Update" | "Delete" => {}
        // Votes and other activities of forum software: nothing of ours.
        _ if inner.is_object() && !matches!(inner_type, "Page" | "Note" | "Article") => {
            return Ok(());
        }
        // A post announced by id (or embedded): read it from its author's origin.
        _ => {
            let id = value_id(&inner).ok_or_else(|| AppError::bad("the object has no id"))?;
            if data.db.forum_post(id.as_str()).await?.is_some() {
                return Ok(());
            }
            let fetched = fetch_object_http::<_, Value>(&id, data).await?.object;
            let fetched = with_audience(fetched, &forum.id);
            let author = fetched
                .get("attributedTo")
                .and_then(value_id)
                .ok_or_else(|| AppError::bad("the post has no author"))?;
            let post = read_post(&fetched, &author)?;
            crate::core::federation::actor(&author, data).await?;
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
        // The forum's Announce is its word: its moderators (who may be named as the actor, as
        // Lemmy does) remove any post in it, so the deleter need not be the author.
        data.db.remove_forum_post(&post.id, now_ms()).await?;
        return Ok(());
    }
    if !same_origin(&object_id, &inner_actor) {
        return Err(AppError::bad(
            "the announced object is on another origin than its actor",
        ));
    }
    // Our own post coming back (a remote forum announcing what we sent it): we know it best.
    let held = data.db.forum_post(object_id.as_str()).await?.is_some();
    if data.settings.is_local(&object_id) || (held && inner_type == "Create") {
        return Ok(());
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
    let post = read_post(&with_audience(object, &forum.id), &inner_actor)?;
    if post.id != object_id {
        return Err(AppError::bad("the fetched post has another id"));
    }
    crate::core::federation::actor(&inner_actor, data).await?;
    match data.db.forum_post(post.id.as_str()).await? {
        Some(stored) if inner_type == "Update" => {
            if stored.author_id != inner_actor.as_str() {
                return Err(AppError::Forbidden(
                    "only its author can update a post".into(),
                ));
            }
            let edit = Edited::from(&stored, &post)?;
            Ok(data.db.write_rows(&edit.change(&stored.id)).await?)
        }
        Some(_) => Ok(()),
        None => {
            let row = row_of(data, &post, forum).await?;
            data.db.insert_forum_post(&row).await?;
            Ok(())
        }
    }
}

/// A reply from software that does not name the forum (Mastodon answers a thread it saw
/// announced, and its reply has no `audience`): it belongs to the forum of the post it answers.
fn with_audience(mut object: Value, forum: &Url) -> Value {
    if let Some(map) = object.as_object_mut() {
        if !map.contains_key("audience") {
            map.insert("audience".into(), Value::String(forum.to_string()));
        }
    }
    object
}

/// The ids a post is addressed or mentions: `to`, `cc` and `Mention` tags.
fn addressees(object: &Value) -> Vec<Url> {
    let mut out = Vec::new();
    for field in ["to", "cc"] {
        match object.get(field) {
            Some(Value::Array(items)) => out.extend(items.iter().filter_map(value_id)),
            Some(other) => out.extend(value_id(other)),
            None => {}
        }
    }
    if let Some(Value::Array(tags)) = object.get("tag") {
        out.extend(
            tags.iter()
                .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
                .filter_map(|t| t.get("href").and_then(value_id)),
        );
    }
    out
}

/// Is a peer's object addressed to the public (`to` or `cc`, in any form peers write it)?
fn is_public_object(object: &Value) -> bool {
    ["to", "cc"].iter().any(|field| match object.get(*field) {
        Some(Value::Array(items)) => items
            .iter()
            .any(|a| a.as_str().is_some_and(coopnet_schemas::is_public_address)),
        Some(Value::String(a)) => coopnet_schemas::is_public_address(a),
        _ => false,
    })
}

/// A `Note` that names no forum but answers a post in one of this node's forums (or edits such
/// an answer), or starts a thread by mentioning one of them: the post as it belongs in that
/// forum, with its `audience` filled in. `None` for anything else, which is then taken as an
/// ordinary post. Replies in other nodes' forums are left to those forums (see
/// `forward_to_forum`), so every node shows what the forum accepted.
pub async fn implied_forum_post(
    state: &AppState,
    object: &Value,
) -> Result<Option<Value>, AppError> {
    if !object.is_object() || object.get("audience").is_some() {
        return Ok(None);
    }
    // Only public posts belong in a forum: a direct or followers-only message that mentions a
    // forum stays private.
    let kind = object.get("type").and_then(Value::as_str);
    let public = is_public_object(object);
    if !matches!(kind, Some("Note" | "Page" | "Article")) || !public {
        return Ok(None);
    }
    let own = match value_id(object) {
        Some(id) => state.db.forum_post(id.as_str()).await?,
        None => None,
    };
    let parent = match object.get("inReplyTo").and_then(value_id) {
        Some(parent) if own.is_none() => state.db.forum_post(parent.as_str()).await?,
        _ => None,
    };
    let answered = object.get("inReplyTo").is_some_and(|v| !v.is_null());
    let forum_id = match own.or(parent).map(|p| p.forum_id) {
        Some(id) => id,
        // A new post (not a reply) addressed to or mentioning one of our forums starts a thread
        // there, as a Mastodon post that mentions a Lemmy community does.
        None if !answered => {
            let mut found = None;
            for id in addressees(object) {
                if !state.settings.is_local(&id) {
                    continue;
                }
                if let Some(actor) =
                    crate::core::federation::stored_actor(state, id.as_str()).await?
                {
                    if forums::is_forum(&actor) {
                        found = Some(actor.id.to_string());
                        break;
                    }
                }
            }
            match found {
                Some(id) => id,
                None => return Ok(None),
            }
        }
        None => return Ok(None),
    };
    let forum = forum_actor(state, &forum_id).await?;
    if !forum.is_local() {
        return Ok(None);
    }
    Ok(Some(with_audience(object.clone(), &forum.id)))
}

/// A public reply that answers a post written here in another node's forum without naming the
/// forum (Mastodon sends it to the post's author only): forwarded to the forum, signed by this
/// node, so that it lands in the thread. The forum reads it from its origin; the copy here comes
/// back in the forum's `Announce`. Only the author's node forwards, once per activity.
pub async fn forward_to_forum(state: &AppState, activity: &Activity) -> Result<(), AppError> {
    let object = &activity.object;
    if activity.known_kind() != Some(ActivityKind::Create)
        || !object.is_object()
        || object.get("audience").is_some()
        || !is_public_object(object)
    {
        return Ok(());
    }
    let parent = match object.get("inReplyTo").and_then(value_id) {
        Some(parent) => state.db.forum_post(parent.as_str()).await?,
        None => None,
    };
    let Some(parent) = parent.filter(|p| p.is_local == 1) else {
        return Ok(());
    };
    let Some(forum) = crate::core::federation::stored_actor(state, &parent.forum_id)
        .await?
        .filter(forums::is_forum)
    else {
        return Ok(());
    };
    if forum.is_local()
        || state
            .db
            .outbox_activity(activity.id.as_str())
            .await?
            .is_some()
    {
        return Ok(());
    }
    let inbox = forum.shared_inbox.clone().unwrap_or(forum.inbox.clone());
    let body = serde_json::to_string(activity)?;
    let object_id = value_id(object).map(|u| u.to_string());
    state
        .db
        .publish_activity(&crate::core::store::outbox::NewActivity {
            id: activity.id.as_str(),
            actor_id: state.settings.url("/actor").as_str(),
            activity_type: &activity.kind,
            object_id: object_id.as_deref(),
            body: &body,
            is_public: false,
            published_at: now_ms(),
            inboxes: &[(
                inbox.to_string(),
                coopnet_federation::origin::authority(&inbox),
            )],
            alongside: &[],
        })
        .await?;
    state.wake_deliveries();
    Ok(())
}

/// A moderation action the forum announces: a pin (`Add`/`Remove` to its `featured`), a lock
/// (`Lock`, `Undo(Lock)`), a ban (`Block`, `Undo(Block)`). The forum's `Announce` is its word on
/// its own threads and members; an action on a post of another forum is refused.
async fn receive_moderation(
    data: &Data<AppState>,
    inner: &Value,
    forum: &KnownActor,
) -> Result<(), AppError> {
    let kind = inner
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let object = inner.get("object").cloned().unwrap_or(Value::Null);
    let (kind, object, undo) = if kind == "Undo" {
        let undone = object
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let undone_object = object.get("object").cloned().unwrap_or(Value::Null);
        match undone {
            "Lock" | "Block" => (undone, undone_object, true),
            _ => return Ok(()),
        }
    } else {
        (kind, object, false)
    };
    let target = value_id(&object).ok_or_else(|| AppError::bad("the action names no object"))?;
    if kind == "Block" {
        return receive_ban(data, inner, forum, &target, undo).await;
    }
    if kind != "Lock" {
        // Add or Remove: only to the forum's featured collection (a pin); others are not ours.
        let to = inner.get("target").and_then(value_id);
        let featured = to.is_some_and(|t| {
            t == convert::featured_of(&forum.id)
                || (same_origin(&t, &forum.id) && t.path().ends_with("/featured"))
        });
        if !featured {
            return Ok(());
        }
    }
    let Some(post) = data.db.forum_post(target.as_str()).await? else {
        return Ok(());
    };
    if post.forum_id != forum.id.as_str() {
        return Err(AppError::Forbidden(
            "a forum moderates only its own threads".into(),
        ));
    }
    if post.thread_id.is_some() {
        return Err(AppError::bad("only threads are pinned or locked"));
    }
    let (pinned, locked) = (post.pinned == 1, post.locked == 1);
    let (pinned, locked) = match kind {
        "Lock" => (pinned, !undo),
        "Add" => (true, locked),
        _ => (false, locked),
    };
    data.db
        .set_forum_post_flags(&post.id, pinned, locked)
        .await?;
    Ok(())
}

/// A forum's ban of a person, or its lifting, kept so that this node stops its members writing
/// there (and, with `removeData`, removes what the person wrote there).
async fn receive_ban(
    data: &Data<AppState>,
    inner: &Value,
    forum: &KnownActor,
    person: &Url,
    undo: bool,
) -> Result<(), AppError> {
    let block = if undo {
        inner.get("object").cloned().unwrap_or(Value::Null)
    } else {
        inner.clone()
    };
    if let Some(target) = block.get("target").and_then(value_id) {
        if target != forum.id {
            return Err(AppError::Forbidden(
                "a forum bans people from itself only".into(),
            ));
        }
    }
    let followed = data.db.is_followed_locally(forum.id.as_str()).await?;
    if !followed && !data.settings.is_local(person) {
        return Ok(());
    }
    if undo {
        data.db
            .unban_from_forum(forum.id.as_str(), person.as_str())
            .await?;
        return Ok(());
    }
    let moderator = inner
        .get("actor")
        .and_then(value_id)
        .unwrap_or_else(|| forum.id.clone());
    let reason = check_reason(block.get("summary").and_then(Value::as_str)).unwrap_or_default();
    let now = now_ms();
    data.db
        .ban_from_forum(&BanRow {
            forum_id: forum.id.to_string(),
            actor_id: person.to_string(),
            moderator_id: moderator.to_string(),
            reason,
            at: now,
            expires_at: block
                .get("expires")
                .and_then(Value::as_str)
                .and_then(parse_time),
        })
        .await?;
    if block.get("removeData").and_then(Value::as_bool) == Some(true) {
        for post in data
            .db
            .forum_posts_by(forum.id.as_str(), person.as_str())
            .await?
        {
            data.db.remove_forum_post(&post.id, now).await?;
        }
    }
    Ok(())
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
    let forum =
        crate::core::federation::resolve_handle(&handle, &data.reset_request_count()).await?;
    if !forums::is_forum(&forum) {
        return Err(AppError::bad("that actor is not a forum"));
    }
    if forum.is_local() {
        return Err(AppError::bad("this node's forums are here already"));
    }
    outgoing::follow(data, member, &forum).await?;
    Ok(forum)
}

/// An activity signed by someone other than its actor: another node forwarding what it was sent,
/// a reply from Mastodon to its member's post in one of our forums. Nothing in it is trusted
/// but the ids: it must be a `Create` signed by a node we can read, its object is read from the
/// object's own origin and must be the actor's, and it is taken only as a public reply in one of
/// our forums (that object is returned; `None` when we hold it already). It is taken only from
/// the node where the answered post was written, the one that forwards. Anything else signed by
/// the wrong key is 401, and so is a forwarded reply whose object cannot be read.
pub async fn forwarded_reply(
    data: &Data<AppState>,
    kind: ActivityKind,
    activity: &Activity,
    signature: &SignatureHeader,
    request: &SignedRequest<'_>,
    now: SystemTime,
) -> Result<Option<Value>, AppError> {
    let refuse = || AppError::Unauthorized("the signing key is not the actor's key".into());
    // Only what claims to answer a post in one of our forums is worth reading from its origin,
    // and only the node where the answered post was written forwards it.
    let parent = match activity.object.get("inReplyTo").and_then(value_id) {
        Some(parent) if kind == ActivityKind::Create => data.db.forum_post(parent.as_str()).await?,
        _ => None,
    };
    let Some(parent) = parent else {
        return Err(refuse());
    };
    if implied_forum_post(data, &activity.object).await?.is_none() {
        return Err(refuse());
    }
    let owner = signature.key_id.split('#').next().unwrap_or_default();
    let owner = Url::parse(owner).map_err(|_| refuse())?;
    if !same_origin(
        &owner,
        &Url::parse(&parent.author_id).map_err(|_| refuse())?,
    ) {
        return Err(refuse());
    }
    crate::core::federation::refuse_blocked(data, &owner).await?;
    let forwarder = crate::core::federation::actor(&owner, data)
        .await
        .map_err(|_| refuse())?;
    if forwarder.public_key_id != signature.key_id {
        return Err(refuse());
    }
    signatures::verify(request, signature, &forwarder.public_key_pem, now)?;
    let object_id = activity
        .object_id()
        .ok_or_else(|| AppError::bad("the activity's object has no id"))?;
    if !same_origin(&object_id, &activity.actor) {
        return Err(AppError::bad(
            "the object is on another origin than its actor",
        ));
    }
    if data.db.forum_post(object_id.as_str()).await?.is_some() {
        // Here already (sent to us directly, or forwarded before).
        return Ok(None);
    }
    let object = fetch_object_http::<_, Value>(&object_id, data)
        .await
        .map_err(|e| {
            AppError::Unauthorized(format!(
                "the activity is not signed by its actor, and its object cannot be read from its \
                 origin: {e}"
            ))
        })?
        .object;
    let author = object
        .get("attributedTo")
        .and_then(coopnet_schemas::activities::value_id);
    if author.as_ref() != Some(&activity.actor)
        || coopnet_schemas::activities::value_id(&object).as_ref() != Some(&object_id)
    {
        return Err(AppError::bad("the object at its origin is not the actor's"));
    }
    match implied_forum_post(data, &object).await? {
        Some(object) => Ok(Some(object)),
        None => Err(AppError::bad(
            "the object at its origin is not a public reply in this node's forums",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A captured activity from `tests/assets/inbound`.
    fn captured(file: &str) -> Value {
        let path = format!(
            "{}/../tests/assets/inbound/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).expect("a JSON document")
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_thread_announced_by_a_lemmy_community_is_read_as_a_thread() {
        let announce = captured("lemmy-announce-create-page.json");
        let create = &announce["object"];
        let author = url(create["actor"].as_str().unwrap());
        let post = read_post(&create["object"], &author).unwrap();
        assert!(post.is_thread());
        assert_eq!(
            post.name.as_deref(),
            Some("How do you split bulk orders fairly?")
        );
        assert_eq!(post.audience, url("https://lemmy.example/c/foodcoops"));
        assert!(post.content.contains("25 kg sacks"));
    }

    #[test]
    fn a_lemmy_comment_is_read_as_a_reply_in_its_community() {
        let create = captured("lemmy-create-note-comment.json");
        let author = url(create["actor"].as_str().unwrap());
        let post = read_post(&create["object"], &author).unwrap();
        assert!(!post.is_thread());
        assert_eq!(
            post.in_reply_to,
            Some(url("https://lemmy.example/post/4410"))
        );
        assert_eq!(post.audience, url("https://lemmy.example/c/foodcoops"));
    }

    #[test]
    fn a_forum_post_not_its_authors_or_not_public_is_refused() {
        let create = captured("lemmy-create-note-comment.json");
        let object = &create["object"];
        let other = url("https://lemmy.example/u/dara");
        assert!(matches!(
            read_post(object, &other),
            Err(AppError::BadRequest(_))
        ));
        let mut private = object.clone();
        private["to"] = serde_json::json!(["https://lemmy.example/u/dara"]);
        private["cc"] = serde_json::json!([]);
        let author = url("https://lemmy.example/u/eli");
        assert!(matches!(
            read_post(&private, &author),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn a_mastodon_reply_names_its_forum_only_through_what_it_answers() {
        let create = captured("mastodon-create-note.json");
        let object = &create["object"];
        assert!(!is_public_object(&serde_json::json!({ "to": [] })));
        assert!(is_public_object(object));
        let addressed = addressees(object);
        assert!(addressed.contains(&url("https://coops.example/coops/bakery")));
        // No audience: read as a forum post only once the forum is known and filled in.
        let author = url(create["actor"].as_str().unwrap());
        assert!(read_post(object, &author).is_err());
        let within = with_audience(object.clone(), &url("https://coops.example/coops/bakery"));
        assert!(read_post(&within, &author).is_ok());
    }
}
