//! The library in the JSON API, and the reading of uploads (multipart forms) that the portal
//! shares: fields bounded, the file bounded by the node's limit and checked from its bytes
//! before anything is kept.

use activitypub_federation::config::Data;
use axum::{
    extract::{DefaultBodyLimit, Multipart, Path, Query},
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::core::store::rfc3339;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::coops::api::acting;
use crate::features::library;
use crate::features::library::store::{EntryRow, LibraryQuery, VersionRow};
use crate::features::library::wire::{self as federated, StoredFile};
use crate::features::library::EntryFields;

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/library", get(list))
        .route("/api/v1/library/entry", get(one))
        // Uploads are bounded by the node's own limit as they are read, not by the 1 MiB of
        // other requests.
        .route(
            "/api/v1/coops/{handle}/library",
            get(coop_entries)
                .post(upload_entry)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/coops/{handle}/library/version",
            post(upload_version).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/coops/{handle}/library/edit", post(edit))
        .route("/api/v1/coops/{handle}/library/delete", post(delete))
}

/// The most bytes a text field of an upload form may have.
const MAX_FIELD: usize = 64 * 1024;
/// The most parts an upload form may have.
const MAX_PARTS: usize = 16;

/// An upload form as read: its text fields and its one file, if any.
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub file: Option<UploadedFile>,
}

#[derive(Debug)]
pub struct UploadedFile {
    pub name: String,
    pub claimed_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    pub fn entry_fields(&self) -> EntryFields {
        EntryFields {
            title: self.field("title").into(),
            summary: self.field("summary").into(),
            licence: self.field("licence").into(),
            topic: self.field("topic").into(),
            kind: self.field("kind").into(),
        }
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    AppError::bad(format!("unreadable upload form: {}", e.body_text()))
}

/// Reads an upload form: at most one file part (`file`), of at most `max_file` bytes.
pub async fn read_upload(mut form: Multipart, max_file: u64) -> Result<Upload, AppError> {
    let mut upload = Upload::default();
    let mut parts = 0;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::bad("the upload form has too many parts"));
        }
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if upload.file.is_some() {
                return Err(AppError::bad("send one file at a time"));
            }
            let file_name = field.file_name().unwrap_or_default().to_string();
            let claimed_type = field.content_type().map(str::to_string);
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                if (bytes.len() + chunk.len()) as u64 > max_file {
                    return Err(AppError::FileTooLarge(max_file));
                }
                bytes.extend_from_slice(&chunk);
            }
            upload.file = Some(UploadedFile {
                name: file_name,
                claimed_type,
                bytes,
            });
        } else {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                if bytes.len() + chunk.len() > MAX_FIELD {
                    return Err(AppError::bad(format!("the field {name:?} is too long")));
                }
                bytes.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(bytes)
                .map_err(|_| AppError::bad(format!("the field {name:?} is not UTF-8")))?;
            upload.fields.push((name, value));
        }
    }
    Ok(upload)
}

/// Checks an uploaded file (name, then type from its bytes) and keeps it in the file store.
/// A file refused here leaves nothing behind.
pub async fn keep_file(
    state: &AppState,
    file: Option<UploadedFile>,
) -> Result<StoredFile, AppError> {
    let file = file.ok_or_else(|| AppError::bad("the upload has no file (field \"file\")"))?;
    let file_name = library::file_name(&file.name)?;
    let checked = library::check_file(&file.bytes, file.claimed_type.as_deref(), &file_name)
        .map_err(|e| match e {
            library::FileRefusal::Empty => AppError::bad(e.to_string()),
            other => AppError::UnsupportedType(other.to_string()),
        })?;
    let size = file.bytes.len() as i64;
    let sha256 = state
        .files
        .put(file.bytes)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(StoredFile {
        sha256,
        size,
        media_type: checked.media_type,
        file_name,
    })
}

#[derive(Serialize)]
pub struct VersionView {
    pub version: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub file_name: String,
    /// Where it downloads from: always the entry's own node.
    pub url: String,
    pub uploaded: String,
}

#[derive(Serialize)]
pub struct EntryView {
    pub id: String,
    pub coop: String,
    pub local: bool,
    pub title: String,
    pub summary_html: String,
    pub licence: String,
    pub topic: String,
    pub kind: String,
    pub published: String,
    pub updated: String,
    /// Oldest first; the last is the current version.
    pub versions: Vec<VersionView>,
}

pub fn version_view(v: VersionRow) -> VersionView {
    VersionView {
        version: v.version,
        sha256: v.sha256,
        size: v.size,
        media_type: v.media_type,
        file_name: v.file_name,
        url: v.url,
        uploaded: rfc3339(v.uploaded_at),
    }
}

pub async fn entry_view(data: &AppState, e: EntryRow) -> Result<EntryView, AppError> {
    let versions = data.db.library_versions(&e.id).await?;
    Ok(EntryView {
        versions: versions.into_iter().map(version_view).collect(),
        id: e.id,
        coop: e.owner_id,
        local: e.is_local == 1,
        title: e.title,
        summary_html: e.summary_html,
        licence: e.licence,
        topic: e.topic,
        kind: e.kind,
        published: rfc3339(e.published_at),
        updated: rfc3339(e.updated_at),
    })
}

#[derive(Deserialize, Default)]
pub struct LibrarySearch {
    pub q: Option<String>,
    pub topic: Option<String>,
    pub kind: Option<String>,
    pub page: Option<i64>,
}

impl LibrarySearch {
    pub fn to_query(&self) -> LibraryQuery {
        let some = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(200).collect())
        };
        let page = self.page.unwrap_or(1).clamp(1, 1000);
        LibraryQuery {
            text: some(&self.q),
            topic: some(&self.topic),
            kind: some(&self.kind),
            limit: 20,
            offset: (page - 1) * 20,
        }
    }
}

/// The library: entries of this node's co-ops and of the co-ops they follow. Public.
async fn list(data: Data<AppState>, Query(q): Query<LibrarySearch>) -> ApiResult<Vec<EntryView>> {
    let mut out = Vec::new();
    for e in data.db.library(&q.to_query()).await? {
        out.push(entry_view(&data, e).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub struct IdQuery {
    pub id: String,
}

async fn one(data: Data<AppState>, Query(q): Query<IdQuery>) -> ApiResult<EntryView> {
    let e = data
        .db
        .library_entry(q.id.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(entry_view(&data, e).await?))
}

async fn coop_entries(
    data: Data<AppState>,
    Path(handle): Path<String>,
) -> ApiResult<Vec<EntryView>> {
    let coop = crate::features::coops::api::local_coop(&data, &handle).await?;
    let mut out = Vec::new();
    for e in data.db.library_entries_of(coop.id.as_str()).await? {
        out.push(entry_view(&data, e).await?);
    }
    Ok(Json(out))
}

/// A new entry with its first file: a multipart form with `title`, `summary`, `licence`,
/// `topic`, `kind`, `version` and `file`.
async fn upload_entry(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    form: Multipart,
) -> Result<(StatusCode, Json<EntryView>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let mut upload = read_upload(form, data.settings.files.max_upload_bytes).await?;
    let draft = upload.entry_fields().check()?;
    let version = library::version_label(upload.field("version"), 0)?;
    let file = keep_file(&data, upload.file.take()).await?;
    let sha256 = file.sha256.clone();
    let entry = match federated::publish_entry(&data, &coop, draft, &version, file).await {
        Ok(entry) => entry,
        Err(e) => {
            federated::forget_unused_file(&data, &sha256).await;
            return Err(e.into());
        }
    };
    Ok((StatusCode::CREATED, Json(entry_view(&data, entry).await?)))
}

/// A new version of an entry: a multipart form with `id`, `version` and `file`.
async fn upload_version(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    form: Multipart,
) -> Result<(StatusCode, Json<EntryView>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let mut upload = read_upload(form, data.settings.files.max_upload_bytes).await?;
    let id = upload.field("id").trim().to_string();
    let version = library::short("version", upload.field("version"), 40, false)?;
    federated::check_new_version(&data, &coop, &id, &version).await?;
    let file = keep_file(&data, upload.file.take()).await?;
    let sha256 = file.sha256.clone();
    let entry = match federated::add_version(&data, &coop, &id, &version, file).await {
        Ok(entry) => entry,
        Err(e) => {
            federated::forget_unused_file(&data, &sha256).await;
            return Err(e.into());
        }
    };
    Ok((StatusCode::CREATED, Json(entry_view(&data, entry).await?)))
}

#[derive(Deserialize)]
pub struct EditRequest {
    pub id: String,
    #[serde(flatten)]
    pub fields: EntryFields,
}

async fn edit(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<EditRequest>,
) -> ApiResult<EntryView> {
    let coop = acting(&data, &user, &handle).await?;
    let draft = body.fields.check()?;
    let entry = federated::edit_entry(&data, &coop, body.id.trim(), draft).await?;
    Ok(Json(entry_view(&data, entry).await?))
}

async fn delete(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<IdQuery>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    federated::delete_entry(&data, &coop, body.id.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}
