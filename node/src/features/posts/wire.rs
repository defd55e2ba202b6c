//! Announcements on the wire: a post as a `Note`, and our posts served by id (a Tombstone, 410,
//! once deleted).

use crate::core::error::AppError;
use crate::core::store::rfc3339;
use crate::core::AppState;
use crate::features::posts::store::PostRow;
use activitypub_federation::{axum::json::FederationJson, config::Data};
use axum::{
    http::{HeaderMap, Method, Uri},
    response::{IntoResponse, Response},
};
use coopnet_schemas::{
    context,
    objects::{Note, Source},
    PUBLIC,
};
use url::Url;

use crate::core::federation::serve::check_signed_fetch;
use crate::features::posts::convert::join;

/// The Note for a post, addressed publicly and to the author's followers.
pub fn note(post: &PostRow, author: &Url) -> Result<Note, AppError> {
    let id = Url::parse(&post.id).map_err(|_| AppError::Internal("stored post id".into()))?;
    Ok(Note {
        context: context::object_context(),
        url: Some(id.clone()),
        id,
        kind: "Note".into(),
        attributed_to: author.clone(),
        content: post.content_html.clone(),
        media_type: Some("text/html".into()),
        source: post.content_source.as_ref().map(|s| Source {
            content: s.clone(),
            media_type: "text/markdown".into(),
        }),
        published: Some(rfc3339(post.published_at)),
        updated: post.updated_at.map(rfc3339),
        in_reply_to: post.in_reply_to.as_deref().and_then(|u| Url::parse(u).ok()),
        to: vec![PUBLIC.into()],
        cc: vec![join(author, "followers").to_string()],
        conversation: None,
        enquiry: false,
        recommends: None,
    })
}

/// A post as a Note, or a Tombstone (410) once deleted.
pub async fn post_json(
    data: &Data<AppState>,
    id: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let url = data.settings.url(&format!("/posts/{id}"));
    let post = data
        .db
        .post(url.as_str())
        .await?
        .filter(|p| p.is_local == 1)
        .ok_or(AppError::NotFound)?;
    check_signed_fetch(data, method, uri, headers).await?;
    if let Some(deleted) = post.deleted_at {
        return Ok(crate::core::federation::serve::gone(url, deleted));
    }
    let author = Url::parse(&post.author_id).map_err(|_| AppError::Internal("author id".into()))?;
    Ok(FederationJson(crate::features::posts::wire::note(&post, &author)?).into_response())
}
