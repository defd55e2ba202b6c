//! The inbox: what peers send us.
//!
//! In order: the body is at most 1 MiB and is JSON with an id, a type and an actor; it carries a
//! signature with a fresh date and a matching digest; the activity and its actor share an origin;
//! an activity we have already accepted is acknowledged again and not re-applied; unknown types
//! are acknowledged and ignored; the actor is fetched (or read from the store) and the signature
//! must verify with its key. Only then does the activity change anything, and the raw activity is
//! kept. Every refusal is a 4xx that stores nothing.

use std::time::SystemTime;

use activitypub_federation::config::Data;
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
use coopnet_schemas::activities::Activity;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{backfill, convert, outgoing, KnownActor};
use crate::core::store::follows::FollowState;
use crate::core::store::now_ms;
use crate::core::AppState;

/// Longest post content we keep from a peer, in bytes of HTML.
/// Longest content, in bytes, taken in an incoming object.
pub const MAX_CONTENT: usize = 100_000;

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
    match crate::core::federation::serve::actor_of_collection(&data, &name, &uri).await {
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
    let mut activity: Activity =
        serde_json::from_slice(body).map_err(|e| AppError::bad(format!("malformed JSON: {e}")))?;
    crate::core::federation::refuse_blocked(data, &activity.actor).await?;
    if let Some(object) = activity.object_id() {
        crate::core::federation::refuse_blocked(data, &object).await?;
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

    let mut actor = crate::core::federation::actor(&activity.actor, data)
        .await
        .map_err(|e| AppError::Unauthorized(format!("cannot read the actor's key: {e}")))?;
    let mut forwarded_body = None;
    if signature.key_id != actor.public_key_id {
        match data
            .features
            .forwarded(data, kind, &activity, &signature, &request, now)
            .await?
        {
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
        actor = crate::core::federation::refetch_actor(&activity.actor, data).await?;
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
    if let Err(e) = data.features.apply(data, kind, &activity, &actor).await {
        data.db.release_inbox_claim(id).await?;
        return Err(e);
    }
    data.db.inbox_applied(id, now_ms()).await?;
    wake_host_if_dead(data, &actor).await
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

pub fn object_id(activity: &Activity) -> Result<Url, AppError> {
    activity
        .object_id()
        .ok_or_else(|| AppError::bad("the activity's object has no id"))
}

pub async fn receive_follow(
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
pub async fn answer_follow(
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

pub async fn receive_undo(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    let undone = object_id(activity)?;
    let undone_type = activity.object_type();
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
