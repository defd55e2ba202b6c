//! A forum's own documents for peers: its moderators and featured (pinned) collections, and
//! its posts by id, each as a Tombstone (410) once removed.

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::AppState;
use activitypub_federation::{axum::json::FederationJson, config::Data};
use axum::{
    extract::Path,
    http::{HeaderMap, Method, Uri},
    response::{IntoResponse, Response},
};
use coopnet_schemas::context;
use serde_json::Value;
use url::Url;

use crate::core::federation::serve::actor_of_collection;
use crate::core::federation::serve::check_signed_fetch;
use crate::core::federation::serve::whole_collection;

/// A forum's moderators (FEP-1b12 `attributedTo`): the Person ids of those who may act for it.
pub async fn moderators(
    data: Data<AppState>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let actor = forum_of_collection(&data, &name, &method, &uri, &headers).await?;
    let ids: Vec<Value> = data
        .db
        .forum_moderators(actor.id.as_str())
        .await?
        .into_iter()
        .map(Value::String)
        .collect();
    let id = Url::parse(&format!("{}/moderators", actor.id)).map_err(|_| AppError::NotFound)?;
    Ok(whole_collection(id, ids))
}

/// The forum whose collection the path names (404 for another kind of actor), once the request
/// passes authorized fetch.
async fn forum_of_collection(
    data: &Data<AppState>,
    name: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<KnownActor, AppError> {
    let actor = actor_of_collection(data, name, uri).await?;
    if !crate::features::forums::is_forum(&actor) {
        return Err(AppError::NotFound);
    }
    check_signed_fetch(data, method, uri, headers).await?;
    Ok(actor)
}

/// A forum's pinned threads (Lemmy's `featured`); this node's own are embedded.
pub async fn featured(
    data: Data<AppState>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let actor = forum_of_collection(&data, &name, &method, &uri, &headers).await?;
    let mut items = Vec::new();
    for thread in data.db.forum_threads(actor.id.as_str()).await? {
        if thread.pinned == 0 {
            continue;
        }
        // Another node's post is named by id: its origin speaks for it.
        items.push(if thread.is_local == 1 {
            serde_json::to_value(crate::features::forums::wire::forum_post(&thread)?)?
        } else {
            Value::String(thread.id.clone())
        });
    }
    Ok(whole_collection(
        crate::core::federation::convert::featured_of(&actor.id),
        items,
    ))
}

/// One of our forum posts as a `Page` or `Note`, or a Tombstone (410) once removed.
pub async fn forum_post_json(
    data: &Data<AppState>,
    id: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let url = data.settings.url(&format!("/forum-posts/{id}"));
    let post = data
        .db
        .forum_post(url.as_str())
        .await?
        .filter(|p| p.is_local == 1)
        .ok_or(AppError::NotFound)?;
    check_signed_fetch(data, method, uri, headers).await?;
    if let Some(removed) = post.removed_at {
        return Ok(crate::core::federation::serve::gone(url, removed));
    }
    let mut doc = crate::features::forums::wire::forum_post(&post)?;
    doc.context = context::object_context();
    Ok(FederationJson(doc).into_response())
}
