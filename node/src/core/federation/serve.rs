//! What peers read: actor documents, collections, objects, WebFinger, host-meta and NodeInfo.

use std::time::SystemTime;

use activitypub_federation::{axum::json::FederationJson, config::Data};
use axum::{
    extract::{Path, Query},
    http::{header, HeaderMap, Method, Uri},
    response::{IntoResponse, Response},
    Json,
};
use coopnet_federation::signatures::{self, SignatureHeader, SignedRequest};
use coopnet_schemas::{
    collections::{OrderedCollection, OrderedCollectionPage},
    context, nodeinfo,
    webfinger::Webfinger,
    Handle,
};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{convert, KnownActor};
use crate::core::AppState;

/// Items on one page of a collection.
pub const PAGE_SIZE: i64 = 20;

/// Does the client want ActivityPub JSON rather than a page?
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.contains("application/activity+json") || a.contains("application/ld+json")
        })
}

/// With authorized fetch on, ActivityPub documents are served only to signed requests from
/// actors we can verify (as Mastodon's secure mode does). The instance actor stays readable, so
/// peers can always fetch the key that signs our own requests.
pub async fn check_signed_fetch(
    data: &Data<AppState>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    if !data.settings.authorized_fetch {
        return Ok(());
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let signature = header("signature")
        .ok_or_else(|| AppError::Unauthorized("this node requires signed fetches".into()))?;
    let signature = SignatureHeader::parse(&signature)?;
    let request = SignedRequest {
        method: method.as_str(),
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        header: &header,
        body: None,
    };
    let now = SystemTime::now();
    signatures::check_date(&request, &signature, now)?;
    let owner = signature
        .key_owner()
        .ok_or_else(|| AppError::Unauthorized("unreadable keyId".into()))?;
    let actor = crate::core::federation::actor(&owner, data)
        .await
        .map_err(|e| AppError::Unauthorized(format!("cannot read the signer's key: {e}")))?;
    if actor.public_key_id != signature.key_id {
        return Err(AppError::Unauthorized("the key is not the signer's".into()));
    }
    signatures::verify(&request, &signature, &actor.public_key_pem, now)?;
    Ok(())
}

async fn local_actor_named(data: &Data<AppState>, name: &str) -> Result<KnownActor, AppError> {
    let row = data
        .db
        .local_actor_by_username(name)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(convert::local_actor(&row, &data.settings))
}

/// The local actor whose collection `uri` names: `/coops/x/outbox` belongs to the co-op `x`,
/// and `/members/x/outbox` only to a member `x`.
pub async fn actor_of_collection(
    data: &Data<AppState>,
    name: &str,
    uri: &Uri,
) -> Result<KnownActor, AppError> {
    let actor = local_actor_named(data, name).await?;
    if !uri.path().starts_with(&format!("{}/", actor.id.path())) {
        return Err(AppError::NotFound);
    }
    Ok(actor)
}

/// An actor document (`/coops/{name}`, `/members/{name}`).
pub async fn actor_json(
    data: &Data<AppState>,
    name: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let actor = local_actor_named(data, name).await?;
    // The path must match the actor's kind: /coops/x for co-ops, /members/x for people.
    if actor.id.path() != uri.path() {
        return Err(AppError::NotFound);
    }
    check_signed_fetch(data, method, uri, headers).await?;
    Ok(FederationJson(data.features.actor_doc(data, &actor).await?).into_response())
}

/// The instance actor, `/actor`: always readable without a signature.
pub async fn instance_actor(data: Data<AppState>) -> Result<Response, AppError> {
    let row = data
        .db
        .local_actor(data.settings.url("/actor").as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = convert::local_actor(&row, &data.settings);
    Ok(FederationJson(convert::actor_doc(&actor, &data.settings, None, None)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub page: Option<u32>,
}

fn page_url(collection: &Url, page: u32) -> Url {
    let mut url = collection.clone();
    url.set_query(Some(&format!("page={page}")));
    url
}

fn collection_response(id: Url, total: i64, page: Option<u32>, items: Vec<Value>) -> Response {
    match page {
        None => FederationJson(OrderedCollection::paged(
            id.clone(),
            total as u64,
            page_url(&id, 1),
        ))
        .into_response(),
        Some(page) => {
            let has_next = (page as i64) * PAGE_SIZE < total;
            FederationJson(OrderedCollectionPage {
                context: context::object_context(),
                id: page_url(&id, page),
                kind: "OrderedCollectionPage".into(),
                part_of: id.clone(),
                total_items: total as u64,
                next: has_next.then(|| page_url(&id, page + 1)),
                prev: (page > 1).then(|| page_url(&id, page - 1)),
                ordered_items: items,
            })
            .into_response()
        }
    }
}

fn offset(page: Option<u32>) -> Result<(Option<u32>, i64), AppError> {
    match page {
        Some(0) => Err(AppError::bad("pages are numbered from 1")),
        Some(p) if p > 100_000 => Err(AppError::bad("no such page")),
        Some(p) => Ok((Some(p), (p as i64 - 1) * PAGE_SIZE)),
        None => Ok((None, 0)),
    }
}

pub async fn outbox(
    data: Data<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let actor = actor_of_collection(&data, &name, &uri).await?;
    check_signed_fetch(&data, &method, &uri, &headers).await?;
    let (page, offset) = offset(q.page)?;
    let id = actor.outbox.clone().ok_or(AppError::NotFound)?;
    let total = data.db.count_outbox(actor.id.as_str()).await?;
    let mut items = Vec::new();
    if page.is_some() {
        for row in data
            .db
            .outbox_page(actor.id.as_str(), PAGE_SIZE, offset)
            .await?
        {
            let mut value: Value = serde_json::from_str(&row.body)?;
            if let Some(map) = value.as_object_mut() {
                map.remove("@context");
            }
            items.push(value);
        }
    }
    Ok(collection_response(id, total, page, items))
}

/// Which side of follows a collection lists.
#[derive(Clone, Copy)]
enum Side {
    Followers,
    Following,
}

pub async fn followers(
    data: Data<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    follow_collection(&data, &name, q, &method, &uri, &headers, Side::Followers).await
}

pub async fn following(
    data: Data<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    follow_collection(&data, &name, q, &method, &uri, &headers, Side::Following).await
}

async fn follow_collection(
    data: &Data<AppState>,
    name: &str,
    q: PageQuery,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    side: Side,
) -> Result<Response, AppError> {
    let actor = actor_of_collection(data, name, uri).await?;
    check_signed_fetch(data, method, uri, headers).await?;
    let (page, offset) = offset(q.page)?;
    let id = actor.id.as_str();
    let total = match side {
        Side::Followers => data.db.count_followers(id).await?,
        Side::Following => data.db.count_following(id).await?,
    };
    let ids = match (page, side) {
        (None, _) => Vec::new(),
        (Some(_), Side::Followers) => data.db.followers(id, PAGE_SIZE, offset).await?,
        (Some(_), Side::Following) => data.db.following(id, PAGE_SIZE, offset).await?,
    };
    let collection = match side {
        Side::Followers => convert::followers_of(&actor.id),
        Side::Following => {
            Url::parse(&format!("{}/following", actor.id)).map_err(|_| AppError::NotFound)?
        }
    };
    let items = ids.into_iter().map(Value::String).collect();
    Ok(collection_response(collection, total, page, items))
}

/// A public activity from an outbox.
pub async fn activity_json(
    data: Data<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let url = data.settings.url(&format!("/activities/{id}"));
    let row = data
        .db
        .outbox_activity(url.as_str())
        .await?
        .filter(|a| a.is_public == 1)
        .ok_or(AppError::NotFound)?;
    check_signed_fetch(&data, &method, &uri, &headers).await?;
    let value: Value = serde_json::from_str(&row.body)?;
    Ok(FederationJson(value).into_response())
}

#[derive(Debug, Deserialize)]
pub struct WebfingerQuery {
    pub resource: Option<String>,
}

pub async fn webfinger(
    data: Data<AppState>,
    Query(q): Query<WebfingerQuery>,
) -> Result<Response, AppError> {
    let resource = q
        .resource
        .ok_or_else(|| AppError::bad("the resource parameter is missing"))?;
    let by_url = Url::parse(&resource).ok().filter(|u| u.scheme() != "acct");
    let row = if let Some(url) = by_url {
        // A query by actor URL.
        data.db.local_actor(url.as_str()).await?
    } else {
        let handle = Handle::parse(&resource).map_err(|e| AppError::bad(e.to_string()))?;
        if handle.host() != data.settings.domain {
            return Err(AppError::NotFound);
        }
        data.db.local_actor_by_username(handle.name()).await?
    };
    let row = row.ok_or(AppError::NotFound)?;
    let actor = convert::local_actor(&row, &data.settings);
    let jrd = Webfinger::for_actor(
        format!("acct:{}@{}", actor.username, data.settings.domain),
        actor.id.clone(),
        actor.id.clone(),
    );
    Ok(([(header::CONTENT_TYPE, "application/jrd+json")], Json(jrd)).into_response())
}

pub async fn host_meta(data: Data<AppState>) -> Response {
    let template = format!(
        "{}.well-known/webfinger?resource={{uri}}",
        data.settings.base_url
    );
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n\
         <Link rel=\"lrdd\" type=\"application/xrd+xml\" template=\"{}\"/>\n</XRD>\n",
        crate::core::text::escape(&template)
    );
    ([(header::CONTENT_TYPE, "application/xrd+xml")], xml).into_response()
}

pub async fn nodeinfo_discovery(data: Data<AppState>) -> Response {
    Json(nodeinfo::discovery(
        data.settings.url("/nodeinfo/2.1").as_str(),
    ))
    .into_response()
}

/// A short collection served whole, without pages.
pub fn whole_collection(id: Url, items: Vec<Value>) -> Response {
    FederationJson(OrderedCollection {
        context: context::object_context(),
        id,
        kind: "OrderedCollection".into(),
        total_items: items.len() as u64,
        first: None,
        last: None,
        ordered_items: Some(items),
    })
    .into_response()
}

/// What peers get for one of our objects that is gone: its Tombstone, with 410.
pub fn gone(id: Url, deleted_at: i64) -> Response {
    let tombstone = coopnet_schemas::objects::Tombstone {
        context: coopnet_schemas::context::object_context(),
        id,
        kind: "Tombstone".into(),
        deleted: Some(crate::core::store::rfc3339(deleted_at)),
    };
    (axum::http::StatusCode::GONE, FederationJson(tombstone)).into_response()
}
