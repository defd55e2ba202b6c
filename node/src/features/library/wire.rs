//! The library over ActivityPub: each entry is a `Document` sent to its co-op's followers with
//! Create, an Update for each new version or edit, and a Delete. Receivers keep the metadata
//! only; downloads always come from the owning node, so every download link must be on the
//! origin of the co-op that sent it.

use activitypub_federation::config::Data;
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    library::{library_context, LibraryDocument, VersionLink},
    PUBLIC,
};
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{convert, outgoing, KnownActor};
use crate::core::files::is_sha256;
use crate::core::store::{now_ms, parse_time, rfc3339};
use crate::core::text;
use crate::core::AppState;
use crate::features::library;
use crate::features::library::store::{EntryRemoval, EntryRow, EntryWrite, VersionRow};
use crate::features::library::{EntryDraft, MAX_VERSIONS};

/// Where a file of ours downloads from.
pub fn download_url(state: &AppState, sha256: &str) -> Url {
    state.settings.url(&format!("/library/files/{sha256}"))
}

/// A library entry as followers receive it; `content` is what Mastodon shows.
pub fn document(
    entry: &EntryRow,
    versions: &[VersionRow],
    owner: &KnownActor,
) -> Result<LibraryDocument, AppError> {
    let id = Url::parse(&entry.id).map_err(|_| AppError::Internal("stored entry id".into()))?;
    let mut links = Vec::new();
    for v in versions {
        links.push(VersionLink {
            kind: "Link".into(),
            href: Url::parse(&v.url).map_err(|_| AppError::Internal("stored file URL".into()))?,
            media_type: Some(v.media_type.clone()),
            sha256: v.sha256.clone(),
            size: v.size,
            version: v.version.clone(),
            file_name: Some(v.file_name.clone()),
            published: Some(rfc3339(v.uploaded_at)),
        });
    }
    let current = versions
        .last()
        .map(|v| format!(" · version {}", text::escape(&v.version)))
        .unwrap_or_default();
    let content = format!(
        "<p><strong>{kind}: {title}</strong> from {owner}</p>{summary}<p>{licence}{topic}{current} · <a href=\"{id}\">{id}</a></p>",
        kind = text::escape(&entry.kind),
        title = text::escape(&entry.title),
        owner = text::escape(&owner.name),
        summary = entry.summary_html,
        licence = if entry.licence.is_empty() {
            "Licence not stated".to_string()
        } else {
            format!("Licence: {}", text::escape(&entry.licence))
        },
        topic = if entry.topic.is_empty() {
            String::new()
        } else {
            format!(" · Topic: {}", text::escape(&entry.topic))
        },
    );
    Ok(LibraryDocument {
        context: Value::Null,
        id,
        kind: "Document".into(),
        attributed_to: owner.id.clone(),
        name: entry.title.clone(),
        summary: Some(entry.summary_html.clone()),
        content: Some(content),
        url: links,
        licence: Some(entry.licence.clone()),
        topic: Some(entry.topic.clone()),
        document_kind: Some(entry.kind.clone()),
        published: Some(rfc3339(entry.published_at)),
        updated: Some(rfc3339(entry.updated_at)),
        to: vec![PUBLIC.into()],
        cc: vec![convert::followers_of(&owner.id).to_string()],
    })
}

/// Writes an entry with its versions and queues the activity that tells followers, at once.
async fn write_and_send(
    state: &AppState,
    owner: &KnownActor,
    entry: &EntryRow,
    versions: &[VersionRow],
    kind: ActivityKind,
) -> Result<(), AppError> {
    let object = serde_json::to_value(document(entry, versions, owner)?)?;
    let mut activity = Activity::new(
        kind,
        outgoing::new_id(state, "activities"),
        owner.id.clone(),
        object,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&owner.id).to_string()])
    .published(rfc3339(now_ms()));
    activity.context = library_context();
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    outgoing::queue_alongside(
        state,
        &activity,
        inboxes,
        kind == ActivityKind::Create,
        Some(&entry.id),
        &[&EntryWrite { entry, versions }],
    )
    .await
}

/// A file already checked and kept in the file store, to become a version.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub file_name: String,
}

fn version_row(
    state: &AppState,
    entry: &str,
    seq: i64,
    label: String,
    f: StoredFile,
) -> VersionRow {
    VersionRow {
        entry_id: entry.to_string(),
        seq,
        version: label,
        url: download_url(state, &f.sha256).to_string(),
        sha256: f.sha256,
        size: f.size,
        media_type: f.media_type,
        file_name: f.file_name,
        uploaded_at: now_ms(),
    }
}

/// A co-op publishes a new entry with its first file.
pub async fn publish_entry(
    state: &AppState,
    owner: &KnownActor,
    draft: EntryDraft,
    version: &str,
    file: StoredFile,
) -> Result<EntryRow, AppError> {
    let now = now_ms();
    let entry = EntryRow {
        id: outgoing::new_id(state, "library").to_string(),
        owner_id: owner.id.to_string(),
        is_local: 1,
        title: draft.title,
        summary_md: Some(draft.summary_md),
        summary_html: draft.summary_html,
        licence: draft.licence,
        topic: draft.topic,
        kind: draft.kind,
        published_at: now,
        updated_at: now,
    };
    let label = library::version_label(version, 0)?;
    let first = version_row(state, &entry.id, 1, label, file);
    write_and_send(state, owner, &entry, &[first], ActivityKind::Create).await?;
    Ok(entry)
}

async fn own_entry(state: &AppState, owner: &KnownActor, id: &str) -> Result<EntryRow, AppError> {
    state
        .db
        .library_entry(id)
        .await?
        .filter(|e| e.owner_id == owner.id.as_str() && e.is_local == 1)
        .ok_or(AppError::NotFound)
}

/// Whether a co-op may add version `version` to its entry `id`: the entry and its versions,
/// and the label the new one gets. Checked before a file is kept, so a refusal keeps nothing.
pub async fn check_new_version(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
    version: &str,
) -> Result<(EntryRow, Vec<VersionRow>, String), AppError> {
    let entry = own_entry(state, owner, id).await?;
    let versions = state.db.library_versions(&entry.id).await?;
    if versions.len() >= MAX_VERSIONS {
        return Err(AppError::Conflict(format!(
            "an entry keeps at most {MAX_VERSIONS} versions"
        )));
    }
    let label = library::version_label(version, versions.len())?;
    if versions.iter().any(|v| v.version == label) {
        return Err(AppError::Conflict(format!(
            "the entry already has a version {label:?}"
        )));
    }
    Ok((entry, versions, label))
}

/// Forgets a just-kept file that no entry of ours uses: an upload that failed after its file
/// was kept leaves nothing behind.
pub async fn forget_unused_file(state: &AppState, sha256: &str) {
    match state.db.local_library_file_uses(sha256).await {
        Ok(0) => {
            if let Err(e) = state.files.delete(sha256).await {
                tracing::warn!(error = %e, %sha256, "could not remove an unused file");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, %sha256, "could not count a file's uses"),
    }
}

/// A co-op adds a version to one of its entries; the earlier ones stay listed.
pub async fn add_version(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
    version: &str,
    file: StoredFile,
) -> Result<EntryRow, AppError> {
    let (mut entry, mut versions, label) = check_new_version(state, owner, id, version).await?;
    let seq = versions.last().map(|v| v.seq + 1).unwrap_or(1);
    versions.push(version_row(state, &entry.id, seq, label, file));
    entry.updated_at = now_ms().max(entry.updated_at + 1);
    write_and_send(state, owner, &entry, &versions, ActivityKind::Update).await?;
    Ok(entry)
}

/// A co-op changes what an entry says about itself; followers get an Update.
pub async fn edit_entry(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
    draft: EntryDraft,
) -> Result<EntryRow, AppError> {
    let mut entry = own_entry(state, owner, id).await?;
    let versions = state.db.library_versions(&entry.id).await?;
    entry.title = draft.title;
    entry.summary_md = Some(draft.summary_md);
    entry.summary_html = draft.summary_html;
    entry.licence = draft.licence;
    entry.topic = draft.topic;
    entry.kind = draft.kind;
    entry.updated_at = now_ms().max(entry.updated_at + 1);
    write_and_send(state, owner, &entry, &versions, ActivityKind::Update).await?;
    Ok(entry)
}

/// A co-op removes an entry; files no other entry of ours uses leave the file store, and
/// followers get a Delete.
pub async fn delete_entry(state: &AppState, owner: &KnownActor, id: &str) -> Result<(), AppError> {
    let entry = own_entry(state, owner, id).await?;
    let versions = state.db.library_versions(&entry.id).await?;
    let activity = outgoing::public_delete(
        state,
        owner,
        Url::parse(id).map_err(|_| AppError::bad("unreadable entry id"))?,
        now_ms(),
    )?;
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    let removal = EntryRemoval {
        id,
        owner: owner.id.as_str(),
    };
    outgoing::queue_alongside(state, &activity, inboxes, false, Some(id), &[&removal]).await?;
    for v in versions {
        if state.db.local_library_file_uses(&v.sha256).await? == 0 {
            if let Err(e) = state.files.delete(&v.sha256).await {
                tracing::warn!(error = %e, sha256 = %v.sha256, "could not remove a file");
            }
        }
    }
    Ok(())
}

fn clean_line(value: Option<&str>, max: usize) -> String {
    let plain = text::html_to_text(value.unwrap_or_default());
    let one_line: String = plain
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    text::limit(one_line.trim().to_string(), max)
}

/// A peer's version link, checked: on its co-op's origin, with a real checksum.
fn remote_version(
    owner: &KnownActor,
    entry: &str,
    seq: i64,
    link: &VersionLink,
    now: i64,
) -> Result<VersionRow, AppError> {
    if !same_origin(&link.href, &owner.id) {
        return Err(AppError::bad(
            "a download of the document is on another origin than its co-op",
        ));
    }
    if !matches!(link.href.scheme(), "https" | "http") {
        return Err(AppError::bad(
            "a download of the document is not a web address",
        ));
    }
    let sha = link.sha256.trim().to_ascii_lowercase();
    if !is_sha256(&sha) {
        return Err(AppError::bad("a version of the document has no SHA-256"));
    }
    if link.size < 0 || link.size > 1 << 40 {
        return Err(AppError::bad(
            "a version of the document has an impossible size",
        ));
    }
    let version = clean_line(Some(&link.version), 40);
    let file_name = link
        .file_name
        .as_deref()
        .map(|n| clean_line(Some(n), 200))
        .and_then(|n| library::file_name(&n).ok())
        .unwrap_or_else(|| format!("{}-{}", &sha[..12], seq));
    Ok(VersionRow {
        entry_id: entry.to_string(),
        seq,
        version: if version.is_empty() {
            seq.to_string()
        } else {
            version
        },
        sha256: sha,
        size: link.size,
        media_type: library::remote_media_type(link.media_type.as_deref()),
        file_name,
        url: link.href.to_string(),
        uploaded_at: link
            .published
            .as_deref()
            .and_then(parse_time)
            .map(|t| t.min(now))
            .unwrap_or(now),
    })
}

/// A followed co-op's library entry (new, with a new version, or edited) joins the library.
/// Returns whether it was stored.
pub async fn store_document(
    data: &Data<AppState>,
    owner: &KnownActor,
    object: &Value,
    from_backfill: bool,
) -> Result<bool, AppError> {
    let doc: LibraryDocument = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable document: {e}")))?;
    if !same_origin(&doc.id, &owner.id) || doc.attributed_to != owner.id {
        return Err(AppError::bad("the document is not its sender's"));
    }
    if doc.url.is_empty() || doc.url.len() > MAX_VERSIONS {
        return Err(AppError::bad(format!(
            "a library document has between 1 and {MAX_VERSIONS} versions"
        )));
    }
    let now = now_ms();
    let mut versions = Vec::new();
    for (i, link) in doc.url.iter().enumerate() {
        versions.push(remote_version(
            owner,
            doc.id.as_str(),
            i as i64 + 1,
            link,
            now,
        )?);
    }
    let title = clean_line(Some(&doc.name), 200);
    if title.is_empty() {
        return Err(AppError::bad("the document has no name"));
    }
    if !from_backfill && !data.db.is_followed_locally(owner.id.as_str()).await? {
        return Ok(false);
    }
    let time = |t: &Option<String>| {
        t.as_deref()
            .and_then(parse_time)
            .map(|t| t.min(now))
            .unwrap_or(now)
    };
    let summary = doc.summary.clone().unwrap_or_default();
    let row = EntryRow {
        id: doc.id.to_string(),
        owner_id: owner.id.to_string(),
        is_local: 0,
        title,
        summary_md: None,
        summary_html: text::sanitize_html(&text::limit(summary, 50_000)),
        licence: clean_line(doc.licence.as_deref(), 100),
        topic: clean_line(doc.topic.as_deref(), 60).to_lowercase(),
        kind: library::kind(&clean_line(doc.document_kind.as_deref(), 20))
            .unwrap_or_else(|_| "other".into()),
        published_at: time(&doc.published),
        updated_at: time(&doc.updated).max(time(&doc.published)),
    };
    data.db.put_library_entry(&row, &versions).await?;
    Ok(true)
}

/// A Delete of one of a followed co-op's entries. Returns false if it is no entry we have.
pub async fn receive_document_delete(
    data: &Data<AppState>,
    owner: &KnownActor,
    target: &Url,
) -> Result<bool, AppError> {
    let Some(entry) = data.db.library_entry(target.as_str()).await? else {
        return Ok(false);
    };
    if entry.owner_id != owner.id.as_str() || entry.is_local == 1 {
        return Err(AppError::Forbidden(
            "only its co-op can delete a library entry".into(),
        ));
    }
    data.db
        .delete_library_entry(&entry.id, owner.id.as_str())
        .await?;
    Ok(true)
}
