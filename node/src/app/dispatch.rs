//! Where incoming activities go: the one place that knows every feature's inbound handlers, and
//! the node's answer to what the federation machinery asks of the features ([`Features`]).
//!
//! The order of the checks matters and is part of the wire behaviour: forum posts are told
//! apart before plain notes, answers to orders and transfers before answers to follows.

use crate::core::error::AppError;
use crate::core::federation::inbox::{
    answer_follow, object_id, receive_follow, receive_undo, MAX_CONTENT,
};
use crate::core::federation::{convert, KnownActor};
use crate::core::store::actors::RemoteActorRow;
use crate::core::store::follows::FollowState;
use crate::core::store::{now_ms, parse_time};
use crate::core::text;
use crate::core::{AppState, Features};
use crate::features::credits::wire as credits;
use crate::features::directory::wire as directory;
use crate::features::forums::wire as forums;
use crate::features::library::wire as library;
use crate::features::market::wire as market;
use crate::features::planning::wire as planning;
use crate::features::posts::inbound::{remove_share, store_note, store_share};
use crate::features::work::wire as work;
use activitypub_federation::{config::Data, fetch::fetch_object_http};
use coopnet_federation::{
    origin::same_origin,
    signatures::{SignatureHeader, SignedRequest},
};
use coopnet_schemas::library::LibraryDocument;
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
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
use std::time::SystemTime;
use url::Url;

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
        ActivityKind::Undo if activity.object_type() == Some("Announce") => {
            remove_share(data, activity, actor).await
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
        ActivityKind::Announce if crate::features::forums::is_forum(actor) => {
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

/// The features as the federation machinery sees them.
pub struct Dispatch;

#[async_trait::async_trait]
impl Features for Dispatch {
    async fn actor_doc(&self, state: &AppState, actor: &KnownActor) -> Result<ActorDoc, AppError> {
        served_actor_doc(state, actor).await
    }

    async fn peer_actor_stored(
        &self,
        data: &Data<AppState>,
        row: &RemoteActorRow,
        doc: &ActorDoc,
    ) -> Result<(), AppError> {
        forums::store_peer_settings(data, row, doc).await?;
        // Profile data that does not pass the checks is left out; the actor is still usable.
        if let Err(e) = directory::store_peer_profile(data, doc).await {
            tracing::info!(actor = %doc.id, error = %e, "profile data not kept");
        }
        Ok(())
    }

    async fn apply(
        &self,
        data: &Data<AppState>,
        kind: ActivityKind,
        activity: &Activity,
        actor: &KnownActor,
    ) -> Result<(), AppError> {
        apply(data, kind, activity, actor).await
    }

    async fn store_created(
        &self,
        data: &Data<AppState>,
        author: &KnownActor,
        object: &Value,
        from_backfill: bool,
    ) -> Result<bool, AppError> {
        store_created(data, author, object, from_backfill).await
    }

    async fn forwarded(
        &self,
        data: &Data<AppState>,
        kind: ActivityKind,
        activity: &Activity,
        signature: &SignatureHeader,
        request: &SignedRequest<'_>,
        now: SystemTime,
    ) -> Result<Option<Value>, AppError> {
        forums::forwarded_reply(data, kind, activity, signature, request, now).await
    }
}

/// One of our actors' documents as peers receive it, fetched or in an `Update`: a member's
/// `Person` carries the public parts of their profile, and only those, whoever asks.
pub async fn served_actor_doc(
    state: &AppState,
    actor: &KnownActor,
) -> Result<coopnet_schemas::actors::ActorDoc, AppError> {
    let mut doc = crate::features::directory::wire::local_actor_doc(state, actor).await?;
    if crate::features::forums::is_forum(actor) {
        doc.posting_restricted_to_mods =
            Some(state.db.forum_moderators_only(actor.id.as_str()).await?);
    }
    if actor.actor_type != coopnet_schemas::actors::ActorType::Person.as_str() {
        return Ok(doc);
    }
    match crate::features::people::view_of(state, &actor.username, None).await {
        Ok((_, shown)) => Ok(crate::features::people::wire::person_with_public_profile(
            doc,
            &shown,
            &state.settings,
        )),
        Err(AppError::NotFound) => Ok(doc),
        Err(e) => Err(e),
    }
}
