//! The inbox: what peers send us.
//!
//! In order: the body is at most 1 MiB and is JSON with an id, a type and an actor; it carries a
//! signature with a fresh date and a matching digest; the activity and its actor share an origin;
//! an activity we have already accepted is acknowledged again and not re-applied; unknown types
//! are acknowledged and ignored; the actor is fetched (or read from the store) and the signature
//! must verify with its key. Only then does the activity change anything, and the raw activity is
//! kept. Every refusal is a 4xx that stores nothing.

use std::time::SystemTime;

use activitypub_federation::{config::Data, fetch::fetch_object_http};
use axum::{
    body::Bytes,
    extract::Path,
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use coopnet_federation::{
    network,
    origin::same_origin,
    signatures::{self, SignatureHeader, SignedRequest},
};
use coopnet_schemas::library::LibraryDocument;
use coopnet_schemas::{
    activities::{value_id, Activity, ActivityKind},
    actors::{ActorDoc, ActorType},
    credits::EconomicEvent,
    directory::ListingDoc,
    forums::ForumPost,
    market::ItemProposal,
    objects::Note,
    planning::{PlanDoc, PlanProposal},
    work::{ApplicationDoc, JobPost},
};
use serde_json::Value;
use url::Url;

use super::{
    backfill, convert, credits, directory, forums, library, market, outgoing, planning, work,
    KnownActor,
};
use crate::{
    app::AppState,
    error::AppError,
    store::{follows::FollowState, now_ms, parse_time, posts::PostRow},
    text,
};

/// Longest post content we keep from a peer, in bytes of HTML.
const MAX_CONTENT: usize = 100_000;

pub async fn shared_inbox(
    data: Data<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(receive(&data, &method, &uri, &headers, &body).await)
}

pub async fn actor_inbox(
    data: Data<AppState>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match super::routes::actor_of_collection(&data, &name, &uri).await {
        Ok(_) => respond(receive(&data, &method, &uri, &headers, &body).await),
        Err(e) => e.into_response(),
    }
}

pub async fn instance_inbox(
    data: Data<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(receive(&data, &method, &uri, &headers, &body).await)
}

fn respond(result: Result<(), AppError>) -> Response {
    match result {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => e.into_response(),
    }
}

/// Verifies and applies one incoming activity.
pub async fn receive(
    data: &Data<AppState>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), AppError> {
    let mut activity: Activity = serde_json::from_slice(body)?;
    super::refuse_blocked(data, &activity.actor).await?;
    if let Some(object) = activity.object_id() {
        super::refuse_blocked(data, &object).await?;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let signature = header("signature")
        .ok_or_else(|| AppError::Unauthorized("the request has no Signature header".into()))?;
    let signature = SignatureHeader::parse(&signature)?;
    let request = SignedRequest {
        method: method.as_str(),
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        header: &header,
        body: Some(body),
    };
    let now = SystemTime::now();
    signatures::check_date(&request, &signature, now)?;
    signatures::check_digest(header("digest").as_deref(), body)?;

    let Some(kind) = activity.known_kind() else {
        tracing::debug!(kind = %activity.kind, "ignored an activity of unknown type");
        return Ok(());
    };
    if data.db.inbox_has(activity.id.as_str()).await? {
        return Ok(());
    }
    if !same_origin(&activity.id, &activity.actor) {
        return Err(AppError::bad(
            "the activity's id is on another origin than its actor",
        ));
    }
    if data.settings.is_local(&activity.actor) {
        return Err(AppError::bad("the activity claims to come from this node"));
    }
    network::check_url(&activity.actor, data.settings.allow_private_network)
        .map_err(|e| AppError::bad(format!("actor {}: {e}", activity.actor)))?;

    let mut actor = super::actor(&activity.actor, data)
        .await
        .map_err(|e| AppError::Unauthorized(format!("cannot read the actor's key: {e}")))?;
    let mut forwarded_body = None;
    if signature.key_id != actor.public_key_id {
        match forwarded_reply(data, kind, &activity, &signature, &request, now).await? {
            Some(object) => {
                // Nothing the forwarder chose is kept: the activity is known here by an id made
                // from its object's, and holds the object as read from its origin.
                let object_id = coopnet_schemas::activities::value_id(&object)
                    .ok_or_else(|| AppError::bad("the object has no id"))?;
                activity.id = Url::parse(&format!("{object_id}#forwarded-create"))
                    .map_err(|_| AppError::bad("unreadable object id"))?;
                activity.object = object;
                forwarded_body = Some(serde_json::to_string(&activity)?);
            }
            None => return Ok(()),
        }
    } else if let Err(e) = signatures::verify(&request, &signature, &actor.public_key_pem, now) {
        // The actor may have a new key since we stored it; look once more, unless just fetched.
        let fetched_recently = actor.fetched_at.is_some_and(|t| now_ms() - t < 60_000);
        if fetched_recently {
            return Err(e.into());
        }
        actor = super::refetch_actor(&activity.actor, data).await?;
        signatures::verify(&request, &signature, &actor.public_key_pem, now)?;
    }

    let id = activity.id.as_str();
    let body_text = forwarded_body
        .as_deref()
        .unwrap_or_else(|| std::str::from_utf8(body).unwrap_or_default());
    if !data
        .db
        .claim_inbox_activity(
            id,
            activity.actor.as_str(),
            &activity.kind,
            body_text,
            now_ms(),
        )
        .await?
    {
        // Applied already: acknowledge. Claimed but not applied: another copy is being applied
        // now, or its process died mid-way. Only a retry can tell, so ask for one (the claim is
        // taken over once it is old enough); acknowledging would lose the activity in the
        // second case.
        if data.db.inbox_has(activity.id.as_str()).await? {
            return Ok(());
        }
        return Err(AppError::Busy(
            "this activity is being applied; send it again later".into(),
        ));
    }
    if let Err(e) = apply(data, kind, &activity, &actor).await {
        data.db.release_inbox_claim(id).await?;
        return Err(e);
    }
    data.db.inbox_applied(id, now_ms()).await?;
    wake_host_if_dead(data, &actor).await
}

/// An activity signed by someone other than its actor: another node forwarding what it was sent,
/// a reply from Mastodon to its member's post in one of our forums. Nothing in it is trusted
/// but the ids: it must be a `Create` signed by a node we can read, its object is read from the
/// object's own origin and must be the actor's, and it is taken only as a public reply in one of
/// our forums (that object is returned; `None` when we hold it already). It is taken only from
/// the node where the answered post was written, the one that forwards. Anything else signed by
/// the wrong key is 401, and so is a forwarded reply whose object cannot be read.
async fn forwarded_reply(
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
    if forums::implied_forum_post(data, &activity.object)
        .await?
        .is_none()
    {
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
    super::refuse_blocked(data, &owner).await?;
    let forwarder = super::actor(&owner, data).await.map_err(|_| refuse())?;
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
    match forums::implied_forum_post(data, &object).await? {
        Some(object) => Ok(Some(object)),
        None => Err(AppError::bad(
            "the object at its origin is not a public reply in this node's forums",
        )),
    }
}

/// A host that sends us something is alive: if we had given up on it, send what waited.
async fn wake_host_if_dead(data: &Data<AppState>, actor: &KnownActor) -> Result<(), AppError> {
    let host = coopnet_federation::origin::authority(&actor.inbox);
    let failing = data
        .db
        .host(&host)
        .await?
        .is_some_and(|h| h.dead_since.is_some());
    if failing {
        let now = now_ms();
        data.db.host_succeeded(&host, now).await?;
        data.db.wake_host(&host, now).await?;
        data.wake_deliveries();
    }
    Ok(())
}

async fn apply(
    data: &Data<AppState>,
    kind: ActivityKind,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    if matches!(kind, ActivityKind::Create | ActivityKind::Update)
        && !ForumPost::is_forum_post(&activity.object)
    {
        if let Some(object) = forums::implied_forum_post(data, &activity.object).await? {
            let mut activity = activity.clone();
            activity.object = object;
            return forums::receive_from_author(data, &activity, actor).await;
        }
        forums::forward_to_forum(data, activity).await?;
    }
    match kind {
        ActivityKind::Follow => receive_follow(data, activity, actor).await,
        ActivityKind::Accept => {
            if market::receive_offer_answer(data, activity, actor, true).await?
                || credits::receive_answer(data, activity, actor, true).await?
            {
                return Ok(());
            }
            answer_follow(data, activity, actor, FollowState::Accepted).await
        }
        ActivityKind::Reject => {
            if market::receive_offer_answer(data, activity, actor, false).await?
                || credits::receive_answer(data, activity, actor, false).await?
            {
                return Ok(());
            }
            answer_follow(data, activity, actor, FollowState::Rejected).await
        }
        ActivityKind::Undo => receive_undo(data, activity, actor).await,
        ActivityKind::Create if EconomicEvent::is_event(&activity.object) => {
            credits::receive_transfer(data, activity, actor).await
        }
        ActivityKind::Create | ActivityKind::Update
            if ForumPost::is_forum_post(&activity.object) =>
        {
            forums::receive_from_author(data, activity, actor).await
        }
        ActivityKind::Delete if is_forum_post_delete(data, activity).await? => {
            forums::receive_from_author(data, activity, actor).await
        }
        ActivityKind::Announce if crate::forums::is_forum(actor) => {
            forums::receive_announce(data, activity, actor).await
        }
        ActivityKind::Create => store_created(data, actor, &activity.object, false)
            .await
            .map(|_| ()),
        ActivityKind::Update => receive_update(data, activity, actor).await,
        ActivityKind::Delete => receive_delete(data, activity, actor).await,
        ActivityKind::Announce => store_share(data, actor, activity).await,
        ActivityKind::Offer => market::receive_offer(data, activity, actor).await,
        ActivityKind::Flag => forums::receive_flag(data, activity, actor).await,
    }
}

async fn is_forum_post_delete(
    data: &Data<AppState>,
    activity: &Activity,
) -> Result<bool, AppError> {
    Ok(match activity.object_id() {
        Some(id) => data.db.forum_post(id.as_str()).await?.is_some(),
        None => false,
    })
}

/// What a Create brings: a catalogue item, a private enquiry, a council's recommendation, or an
/// announcement. An object sent by id is fetched from its origin. Returns whether it was stored.
pub async fn store_created(
    data: &Data<AppState>,
    author: &KnownActor,
    object: &Value,
    from_backfill: bool,
) -> Result<bool, AppError> {
    let object = match object {
        Value::String(id) => {
            let id = Url::parse(id).map_err(|_| AppError::bad("unreadable object id"))?;
            if !same_origin(&id, &author.id) {
                return Err(AppError::bad(
                    "the object is on another origin than its actor",
                ));
            }
            fetch_object_http::<_, Value>(&id, data).await?.object
        }
        other => other.clone(),
    };
    if PlanProposal::is_plan_proposal(&object) {
        planning::receive_proposal(data, author, &object).await?;
        return Ok(true);
    }
    if JobPost::is_job(&object) {
        return work::store_job(data, author, &object, from_backfill).await;
    }
    if LibraryDocument::is_document(&object) {
        return library::store_document(data, author, &object, from_backfill).await;
    }
    if ApplicationDoc::is_application(&object) {
        work::receive_application(data, author, &object).await?;
        return Ok(true);
    }
    if PlanDoc::is_plan(&object) {
        planning::receive_round(data, author, &object).await?;
        return Ok(true);
    }
    if ItemProposal::is_proposal(&object) {
        return market::store_item(data, author, &object, from_backfill).await;
    }
    if ListingDoc::is_listing(&object) {
        return directory::store_listing(data, author, &object, from_backfill).await;
    }
    if object.get("enquiry").and_then(Value::as_bool) == Some(true) {
        let note: Note = serde_json::from_value(object)
            .map_err(|e| AppError::bad(format!("unreadable enquiry: {e}")))?;
        if note.attributed_to != author.id || !same_origin(&note.id, &author.id) {
            return Err(AppError::bad("the enquiry is not its sender's"));
        }
        market::store_enquiry(data, author, &note).await?;
        return Ok(true);
    }
    if object.get("recommends").is_some() {
        if let Ok(note) = serde_json::from_value::<Note>(object.clone()) {
            market::store_recommendation(data, author, &note).await?;
        }
    }
    store_note(data, author, &object, from_backfill).await
}

fn object_id(activity: &Activity) -> Result<Url, AppError> {
    activity
        .object_id()
        .ok_or_else(|| AppError::bad("the activity's object has no id"))
}

async fn receive_follow(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    let target = object_id(activity)?;
    let row = data
        .db
        .local_actor(target.as_str())
        .await?
        .ok_or_else(|| AppError::bad("the followed actor is not on this node"))?;
    let followee = convert::local_actor(&row, &data.settings);
    // Co-ops publish in public, so follows are accepted at once.
    outgoing::accept_follow(data, &followee, actor, activity).await
}

/// Accept or Reject of a Follow one of our actors sent.
async fn answer_follow(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
    state: FollowState,
) -> Result<(), AppError> {
    let follow_id = object_id(activity)?;
    let follow = match data.db.follow_by_activity(follow_id.as_str()).await? {
        Some(f) => Some(f),
        None => {
            // Some servers answer with a Follow of their own making: match it by its parties.
            let follower = activity
                .object
                .get("actor")
                .and_then(coopnet_schemas::activities::value_id);
            match follower {
                Some(follower) => data.db.follow(follower.as_str(), actor.id.as_str()).await?,
                None => None,
            }
        }
    };
    let follow = follow
        .filter(|f| f.followee_id == actor.id.as_str())
        .ok_or_else(|| AppError::bad("that is not a follow we asked of this actor"))?;
    data.db
        .set_follow_state(&follow.follower_id, &follow.followee_id, state)
        .await?;
    if state == FollowState::Accepted {
        let data = data.reset_request_count();
        let followee = actor.clone();
        tokio::spawn(async move {
            if let Err(e) = backfill::backfill(&data, &followee).await {
                tracing::warn!(actor = %followee.id, error = %e, "backfill failed");
            }
        });
    }
    Ok(())
}

async fn receive_undo(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    let undone = object_id(activity)?;
    let undone_type = activity.object_type();
    if undone_type == Some("Announce") {
        data.db
            .delete_share(undone.as_str(), actor.id.as_str())
            .await?;
        return Ok(());
    }
    let follow = match data.db.follow_by_activity(undone.as_str()).await? {
        Some(f) => Some(f),
        None if undone_type == Some("Follow") => {
            let target = activity
                .object
                .get("object")
                .and_then(coopnet_schemas::activities::value_id);
            match target {
                Some(target) => data.db.follow(actor.id.as_str(), target.as_str()).await?,
                None => None,
            }
        }
        None => None,
    };
    match follow {
        Some(f) if f.follower_id == actor.id.as_str() => {
            data.db
                .delete_follow(&f.follower_id, &f.followee_id)
                .await?;
            Ok(())
        }
        Some(_) => Err(AppError::Forbidden(
            "only the follower can undo a follow".into(),
        )),
        // Undo of something we never had (a Like, say): nothing to do.
        None => Ok(()),
    }
}

/// Stores an announcement from a peer if it concerns this node: its author is followed here,
/// it answers one of our posts, or it is addressed to one of our actors. Backfill stores what
/// it reads without asking. Returns whether a new post was stored.
pub async fn store_note(
    data: &Data<AppState>,
    author: &KnownActor,
    object: &Value,
    from_backfill: bool,
) -> Result<bool, AppError> {
    let note: Note = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable object: {e}")))?;
    if !matches!(note.kind.as_str(), "Note" | "Article" | "Page") {
        return Ok(false);
    }
    // Only public posts reach the portal; private messages have their own places (enquiries).
    if !note.is_public() {
        return Ok(false);
    }
    if !same_origin(&note.id, &author.id) {
        return Err(AppError::bad(
            "the object's id is on another origin than its actor",
        ));
    }
    if note.attributed_to != author.id {
        return Err(AppError::bad("the object is attributed to someone else"));
    }
    if note.content.len() > MAX_CONTENT {
        return Err(AppError::bad("the object's content is too long"));
    }
    let in_reply_to = note.in_reply_to.as_ref().map(Url::to_string);
    if !from_backfill && !concerns_us(data, author, &note, in_reply_to.as_deref()).await? {
        return Ok(false);
    }
    let now = now_ms();
    let published = note
        .published
        .as_deref()
        .and_then(parse_time)
        .map(|t| t.min(now))
        .unwrap_or(now);
    let post = PostRow {
        id: note.id.to_string(),
        author_id: author.id.to_string(),
        content_html: text::sanitize_html(&note.content),
        content_source: None,
        in_reply_to,
        is_local: 0,
        published_at: published,
        updated_at: None,
        received_at: now,
        deleted_at: None,
    };
    Ok(data.db.insert_post(&post).await?)
}

async fn concerns_us(
    data: &Data<AppState>,
    author: &KnownActor,
    note: &Note,
    in_reply_to: Option<&str>,
) -> Result<bool, AppError> {
    if data.db.is_followed_locally(author.id.as_str()).await? {
        return Ok(true);
    }
    if let Some(parent) = in_reply_to {
        if data.db.post(parent).await?.is_some_and(|p| p.is_local == 1) {
            return Ok(true);
        }
    }
    for addressee in note.to.iter().chain(note.cc.iter()) {
        if data.db.local_actor(addressee).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn receive_update(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    if PlanDoc::is_plan(&activity.object) {
        return planning::receive_round(data, actor, &activity.object).await;
    }
    if JobPost::is_job(&activity.object) {
        return work::store_job(data, actor, &activity.object, false)
            .await
            .map(|_| ());
    }
    if LibraryDocument::is_document(&activity.object) {
        return library::store_document(data, actor, &activity.object, false)
            .await
            .map(|_| ());
    }
    if ApplicationDoc::is_application(&activity.object) {
        return work::receive_application_update(data, actor, &activity.object).await;
    }
    if ItemProposal::is_proposal(&activity.object) {
        return market::store_item(data, actor, &activity.object, false)
            .await
            .map(|_| ());
    }
    if ListingDoc::is_listing(&activity.object) {
        return directory::store_listing(data, actor, &activity.object, false)
            .await
            .map(|_| ());
    }
    if market::is_agreement(&activity.object) {
        return market::receive_order_update(data, activity, actor).await;
    }
    let object_type = activity.object_type().unwrap_or_default();
    if ActorType::parse(object_type).is_some() {
        let doc: ActorDoc = serde_json::from_value(activity.object.clone())
            .map_err(|e| AppError::bad(format!("unreadable actor: {e}")))?;
        if doc.id != actor.id {
            return Err(AppError::Forbidden(
                "an actor may update only itself".into(),
            ));
        }
        convert::verify_actor_doc(&doc, &actor.id, &data.settings)?;
        if activity.object.get("coopProfile").is_some() && doc.coop_profile.is_none() {
            return Err(AppError::bad("the actor's coopProfile is unreadable"));
        }
        if let Some(profile) = &doc.coop_profile {
            directory::check_peer_profile(profile)?;
        }
        let row = convert::remote_actor_row(&doc, now_ms())?;
        data.db.upsert_remote_actor(&row).await?;
        forums::store_peer_settings(data, &row, &doc).await?;
        directory::store_peer_profile(data, &doc).await?;
        return Ok(());
    }
    let note: Note = serde_json::from_value(activity.object.clone())
        .map_err(|e| AppError::bad(format!("unreadable object: {e}")))?;
    let Some(post) = data.db.post(note.id.as_str()).await? else {
        return Ok(());
    };
    if post.author_id != actor.id.as_str() || note.attributed_to != actor.id {
        return Err(AppError::Forbidden(
            "only its author can update a post".into(),
        ));
    }
    if note.content.len() > MAX_CONTENT {
        return Err(AppError::bad("the object's content is too long"));
    }
    let updated = note
        .updated
        .as_deref()
        .and_then(parse_time)
        .unwrap_or_else(now_ms);
    data.db
        .update_post_content(&post.id, &text::sanitize_html(&note.content), updated)
        .await?;
    Ok(())
}

async fn receive_delete(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    let target = object_id(activity)?;
    let now = now_ms();
    if target == actor.id {
        // The actor is gone: forget who followed whom; its posts go with it.
        for follow in data.db.follows_of(actor.id.as_str()).await? {
            data.db
                .delete_follow(&follow.follower_id, &follow.followee_id)
                .await?;
        }
        data.db
            .mark_posts_of_author_deleted(actor.id.as_str(), now)
            .await?;
        return Ok(());
    }
    if market::receive_item_delete(data, actor, &target).await? {
        return Ok(());
    }
    if work::receive_job_delete(data, actor, &target).await? {
        return Ok(());
    }
    if directory::receive_listing_delete(data, actor, &target).await? {
        return Ok(());
    }
    if library::receive_document_delete(data, actor, &target).await? {
        return Ok(());
    }
    match data.db.post(target.as_str()).await? {
        Some(post) if post.author_id == actor.id.as_str() => {
            data.db.mark_post_deleted(&post.id, now).await?;
            Ok(())
        }
        Some(_) => Err(AppError::Forbidden(
            "only its author can delete a post".into(),
        )),
        None => {
            // A post we have not seen yet from someone we follow: remember it is gone, so a
            // late or replayed Create cannot bring it back.
            if same_origin(&target, &actor.id)
                && data.db.is_followed_locally(actor.id.as_str()).await?
            {
                data.db
                    .insert_tombstone(target.as_str(), actor.id.as_str(), now)
                    .await?;
            }
            Ok(())
        }
    }
}

/// An Announce (share) by an actor we follow: store the shared post and who shared it.
pub async fn store_share(
    data: &Data<AppState>,
    sharer: &KnownActor,
    activity: &Activity,
) -> Result<(), AppError> {
    let post_id = object_id(activity)?;
    if !data.db.is_followed_locally(sharer.id.as_str()).await? {
        return Ok(());
    }
    if data.db.post(post_id.as_str()).await?.is_none() {
        let note = fetch_object_http::<_, Note>(&post_id, data).await?.object;
        if !same_origin(&note.id, &note.attributed_to) {
            return Err(AppError::bad(
                "the shared post's id is on another origin than its author",
            ));
        }
        let author = super::actor(&note.attributed_to, data).await?;
        store_note(data, &author, &serde_json::to_value(note)?, true).await?;
    }
    let shared_at = activity
        .published
        .as_deref()
        .and_then(parse_time)
        .map(|t| t.min(now_ms()))
        .unwrap_or_else(now_ms);
    data.db
        .insert_share(
            activity.id.as_str(),
            sharer.id.as_str(),
            post_id.as_str(),
            shared_at,
        )
        .await?;
    Ok(())
}
