//! The library in the portal: the network's entries known here (search by words, filter by
//! topic and kind), each entry's page with its versions and checksums, the upload forms for
//! those who act for a co-op, and the downloads of this node's files.
//!
//! Files are only ever served as attachments, with `nosniff` and a sandboxing CSP, so nothing
//! uploaded can run as a page of this node's origin.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, DefaultBodyLimit, Form, Multipart, Path, Query},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::{serve as routes, KnownActor};
use crate::core::files::is_sha256;
use crate::core::web::auth::{MaybeUser, Session, User};
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{enc, profile_href, Names};
use crate::core::web::{human_time, page};
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::library;
use crate::features::library::api::{keep_file, read_upload, LibrarySearch};
use crate::features::library::store::{EntryRow, VersionRow};
use crate::features::library::{human_size, wire as federated, KINDS};

pub fn routes() -> Router {
    Router::new()
        .route("/library", get(list))
        .route("/library/entry", get(entry_page))
        .route("/library/files/{sha256}", get(download))
        .route("/library/{id}", get(document_or_page))
        .route(
            "/admin/{handle}/library",
            get(coop_library)
                .post(upload_entry)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/admin/{handle}/library/version",
            post(upload_version).layer(DefaultBodyLimit::disable()),
        )
        .route("/admin/{handle}/library/delete", post(delete_entry))
}

/// `GET /library/files/{sha256}`: one of this node's files, as an attachment that cannot run.
async fn download(data: Data<AppState>, Path(sha256): Path<String>) -> Response {
    let result = async {
        if !is_sha256(&sha256) {
            return Err(AppError::NotFound);
        }
        let version = data
            .db
            .local_library_file(&sha256)
            .await?
            .ok_or(AppError::NotFound)?;
        let bytes = data
            .files
            .get(&sha256)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .ok_or_else(|| AppError::Internal(format!("the file {sha256} is missing")))?;
        Ok::<_, AppError>((version, bytes))
    }
    .await;
    let (version, bytes) = match result {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let header_value = |s: &str| {
        HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(library::served_type(&version.media_type)),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        header_value(&library::content_disposition(&version.file_name)),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(header::ETAG, header_value(&format!("\"{sha256}\"")));
    headers.insert(
        header::HeaderName::from_static("x-checksum-sha256"),
        header_value(&sha256),
    );
    (StatusCode::OK, headers, bytes).into_response()
}

/// `/library/{id}`: the entry as a `Document` for peers, its page for people.
async fn document_or_page(
    data: Data<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let url = data.settings.url(&format!("/library/{id}"));
    if !routes::wants_activity_json(&headers) {
        return Redirect::to(&format!("/library/entry?id={}", enc(url.as_str()))).into_response();
    }
    let result = async {
        let entry = data
            .db
            .library_entry(url.as_str())
            .await?
            .filter(|e| e.is_local == 1)
            .ok_or(AppError::NotFound)?;
        routes::check_signed_fetch(&data, &method, &uri, &headers).await?;
        let owner = activitypub::stored_actor(&data, &entry.owner_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let versions = data.db.library_versions(&entry.id).await?;
        let mut doc = federated::document(&entry, &versions, &owner)?;
        doc.context = coopnet_schemas::library::library_context();
        Ok::<_, AppError>(activitypub_federation::axum::json::FederationJson(doc).into_response())
    }
    .await;
    result.into_response()
}

fn entry_summary(entry: &EntryRow, owner: &str, current: Option<&VersionRow>) -> Markup {
    html! {
        article.item {
            div {
                h3 { a href={"/library/entry?id=" (enc(&entry.id))} { (entry.title) } }
                p.meta {
                    (owner) " · " (entry.kind)
                    @if !entry.topic.is_empty() { " · " (entry.topic) }
                    @if let Some(v) = current { " · version " (v.version) " · " (human_size(v.size)) }
                }
                @if !entry.licence.is_empty() { p.meta { "Licence: " (entry.licence) } }
            }
        }
    }
}

async fn list(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    query: Result<Query<LibrarySearch>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let entries = data.db.library(&q.to_query()).await?;
        let topics = data.db.library_topics().await?;
        let mut names = Names::default();
        let mut rows = Vec::new();
        for e in entries {
            let owner = names.name(&data, &e.owner_id).await?;
            let current = data.db.library_versions(&e.id).await?.pop();
            rows.push((e, owner, current));
        }
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        let topic = value(&q.topic).to_lowercase();
        let kind = value(&q.kind).to_lowercase();
        Ok::<_, AppError>(html! {
            h1 { "Library of the network" }
            p.hint { "Handbooks, guides, brochures, spreadsheets and software from this node's co-ops and the co-ops they follow. Downloads come from each co-op's own node." }
            form.card method="get" action="/library" role="search" {
                label for="q" { "Words" }
                input id="q" type="search" name="q" value=(value(&q.q));
                label for="topic" { "Topic" }
                select id="topic" name="topic" {
                    option value="" { "Any topic" }
                    @for t in &topics { option value=(t) selected[*t == topic] { (t) } }
                }
                label for="kind" { "Kind" }
                select id="kind" name="kind" {
                    option value="" { "Any kind" }
                    @for k in KINDS { option value=(k) selected[k == kind] { (k) } }
                }
                p { button type="submit" { "Search the library" } }
            }
            @if rows.is_empty() { p.card { "No library entries match." } }
            @for (e, owner, current) in &rows { (entry_summary(e, owner, current.as_ref())) }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Library", session.as_ref(), body))
}

#[derive(Debug, Deserialize)]
pub struct IdQuery {
    id: String,
}

fn versions_table(entry: &EntryRow, versions: &[VersionRow]) -> Markup {
    html! {
        div.scroll {
            table {
                caption { "Versions of " (entry.title) ", newest first" }
                thead { tr { th scope="col" { "Version" } th scope="col" { "File" } th scope="col" { "Size" } th scope="col" { "SHA-256 checksum" } th scope="col" { "Uploaded" } } }
                tbody {
                    @for v in versions.iter().rev() {
                        tr {
                            td { (v.version) }
                            td { a href=(v.url) rel="nofollow noopener" download=(v.file_name) { (v.file_name) } br; span.meta { (v.media_type) } }
                            td { (human_size(v.size)) }
                            td { code.checksum { (v.sha256) } }
                            td { (human_time(v.uploaded_at)) }
                        }
                    }
                }
            }
        }
    }
}

async fn entry_page(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    query: Result<Query<IdQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let entry = data
            .db
            .library_entry(q.id.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        let versions = data.db.library_versions(&entry.id).await?;
        let mut names = Names::default();
        let owner = names.actor(&data, &entry.owner_id).await?;
        Ok::<_, AppError>((
            entry.title.clone(),
            html! {
                h1 { (entry.title) }
                p.meta {
                    @if let Some(o) = &owner { a href=(profile_href(o)) { (o.name) } " · " }
                    (entry.kind)
                    @if !entry.topic.is_empty() { " · topic " a href={"/library?topic=" (enc(&entry.topic))} { (entry.topic) } }
                }
                dl.facts {
                    dt { "Licence" } dd { @if entry.licence.is_empty() { "Not stated" } @else { (entry.licence) } }
                    @if let Some(v) = versions.last() {
                        dt { "Current version" } dd { (v.version) }
                        dt { "SHA-256" } dd { code.checksum { (v.sha256) } }
                    }
                    dt { "Downloads from" } dd { @if entry.is_local == 1 { "this node" } @else { "the co-op's own node" } }
                }
                div.content { (stored_html(&entry.summary_html)) }
                (versions_table(&entry, &versions))
                p.hint { "Check a download with " code { "sha256sum" } ": it must print the checksum shown here." }
                p { a href="/library" { "The whole library" } }
            },
        ))
    }
    .await;
    let (title, body) = result?;
    Ok(page(&data, &title, session.as_ref(), body))
}

fn upload_form(session: &Session, coop: &KnownActor, max: u64) -> Markup {
    html! {
        section.card aria-labelledby="upload-h" {
            h2 id="upload-h" { "Add to the library" }
            form method="post" enctype="multipart/form-data" action={"/admin/" (coop.username) "/library"} {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="title" { "Title" } input id="title" name="title" type="text" required maxlength="200";
                label for="summary" { "Summary" }
                p.hint id="summary-hint" { "Markdown." }
                textarea id="summary" name="summary" aria-describedby="summary-hint" {}
                label for="licence" { "Licence" }
                p.hint id="licence-hint" { "An SPDX identifier such as CC-BY-SA-4.0, or the licence in words." }
                input id="licence" name="licence" type="text" maxlength="100" aria-describedby="licence-hint";
                label for="topic" { "Topic" } input id="topic" name="topic" type="text" maxlength="60";
                label for="kind" { "Kind" }
                select id="kind" name="kind" { @for k in KINDS { option value=(k) { (k) } } }
                label for="version" { "Version" } input id="version" name="version" type="text" maxlength="40" placeholder="1";
                label for="file" { "File" }
                p.hint id="file-hint" { "PDF, office documents, spreadsheets, zip or tar archives, images or plain text; at most " (human_size(max as i64)) "." }
                input id="file" name="file" type="file" required aria-describedby="file-hint";
                p { button type="submit" { "Upload" } }
            }
        }
    }
}

fn version_form(session: &Session, coop: &KnownActor, entry: &EntryRow) -> Markup {
    let key = enc(&entry.id);
    html! {
        details {
            summary { "Upload a new version" }
            form method="post" enctype="multipart/form-data" action={"/admin/" (coop.username) "/library/version"} {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="id" value=(entry.id);
                label for={"version-" (key)} { "Version" } input id={"version-" (key)} name="version" type="text" maxlength="40";
                label for={"file-" (key)} { "File" } input id={"file-" (key)} name="file" type="file" required;
                p { button type="submit" { "Upload the version" } }
            }
        }
        form.inline method="post" action={"/admin/" (coop.username) "/library/delete"} {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="id" value=(entry.id);
            button.secondary type="submit" { "Remove from the library" }
        }
    }
}

async fn coop_library(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let mut cards = Vec::new();
        for e in data.db.library_entries_of(coop.id.as_str()).await? {
            let current = data.db.library_versions(&e.id).await?.pop();
            cards.push(html! {
                (entry_summary(&e, &coop.name, current.as_ref()))
                (version_form(&session, &coop, &e))
            });
        }
        Ok::<_, AppError>(html! {
            h1 { "Library entries of " (coop.name) }
            @if cards.is_empty() { p.card { "Nothing in the library yet." } }
            @for c in &cards { (c) }
            (upload_form(&session, &coop, data.settings.files.max_upload_bytes))
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Library entries", Some(&session), body))
}

async fn upload_entry(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    form: Multipart,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let mut upload = read_upload(form, data.settings.files.max_upload_bytes).await?;
        session.check_csrf(upload.field("csrf"))?;
        let draft = upload.entry_fields().check()?;
        let version = library::version_label(upload.field("version"), 0)?;
        let file = keep_file(&data, upload.file.take()).await?;
        let sha256 = file.sha256.clone();
        let published = federated::publish_entry(&data, &coop, draft, &version, file).await;
        if published.is_err() {
            federated::forget_unused_file(&data, &sha256).await;
        }
        published
    }
    .await;
    let entry = result?;
    Ok(Redirect::to(&format!("/library/entry?id={}", enc(&entry.id))).into_response())
}

async fn upload_version(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    form: Multipart,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let mut upload = read_upload(form, data.settings.files.max_upload_bytes).await?;
        session.check_csrf(upload.field("csrf"))?;
        let id = upload.field("id").trim().to_string();
        let version = library::short("version", upload.field("version"), 40, false)?;
        federated::check_new_version(&data, &coop, &id, &version).await?;
        let file = keep_file(&data, upload.file.take()).await?;
        let sha256 = file.sha256.clone();
        let added = federated::add_version(&data, &coop, &id, &version, file).await;
        if added.is_err() {
            federated::forget_unused_file(&data, &sha256).await;
        }
        added
    }
    .await;
    let entry = result?;
    Ok(Redirect::to(&format!("/library/entry?id={}", enc(&entry.id))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf: String,
    id: String,
}

async fn delete_entry(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<DeleteForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        federated::delete_entry(&data, &coop, form.id.trim()).await?;
        Ok::<_, AppError>(coop)
    }
    .await;
    let coop = result?;
    Ok(Redirect::to(&format!("/admin/{}/library", coop.username)).into_response())
}
