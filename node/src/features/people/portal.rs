//! Members' profiles and interests in the portal: editing your own profile, uploading a resume
//! PDF, the profile section of a member's page, downloading a resume, and finding people who
//! want to start a co-op in the same industry or region.
//!
//! What a reader sees is decided by `crate::people`; these pages only show its answer.

use activitypub_federation::config::Data;
use axum::{
    extract::{multipart::MultipartError, DefaultBodyLimit, Form, Multipart, Path},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::store::users::UserRow;
use crate::core::web::auth::{MaybeUser, Session, User};
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{error_page, page};
use crate::core::AppState;
use crate::features::people;
use crate::features::people::{
    InterestInput, ProfileInput, RegionInput, SkillsInput, TextInput, Visibility, RESUME_MAX_BYTES,
};

/// The largest upload request: the PDF and room for the form's other fields and boundaries.
pub(crate) const UPLOAD_BODY_MAX: usize = RESUME_MAX_BYTES + 64 * 1024;

pub fn routes() -> Router {
    Router::new()
        .route("/profile", get(edit_page).post(save))
        .route(
            "/profile/resume",
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX)),
        )
        .route("/profile/resume/delete", post(remove_pdf))
        .route("/members/{name}/resume.pdf", get(download))
        .route("/interests", get(interests_page).post(add_interest))
        .route("/interests/delete", post(remove_interest))
}

/// A multipart upload: the file and, from the portal's form, the CSRF token.
pub(crate) struct Upload {
    pub file: Option<Vec<u8>>,
    pub csrf: Option<String>,
}

fn multipart_error(e: MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::bad(format!("the upload could not be read: {}", e.body_text()))
    }
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "a resume PDF may be at most {} MiB",
        RESUME_MAX_BYTES / (1024 * 1024)
    ))
}

/// Reads a multipart upload whose file field is `file`. The file's name and claimed content
/// type are ignored; a file over the limit is read to its end (so the client hears the answer)
/// but not kept.
pub(crate) async fn read_upload(mut multipart: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload {
        file: None,
        csrf: None,
    };
    let mut over_limit = false;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("file") => {
                if upload.file.is_some() {
                    return Err(AppError::bad("send one file"));
                }
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    if over_limit || bytes.len() + chunk.len() > RESUME_MAX_BYTES {
                        over_limit = true;
                        bytes = Vec::new();
                    } else {
                        bytes.extend_from_slice(&chunk);
                    }
                }
                upload.file = Some(bytes);
            }
            Some("csrf") => upload.csrf = Some(field.text().await.map_err(multipart_error)?),
            _ => {}
        }
    }
    if over_limit {
        return Err(too_large());
    }
    Ok(upload)
}

fn visibility_select(name: &str, current: Visibility) -> Markup {
    let id = format!("{name}-visibility");
    html! {
        label for=(id) { "Who may see it" }
        select id=(id) name=(id) {
            @for v in Visibility::ALL {
                option value=(v.as_str()) selected[v == current] { (v.label()) }
            }
        }
    }
}

async fn edit_body(data: &AppState, session: &Session) -> Result<Markup, AppError> {
    let me = &session.user;
    let p = people::profile(data, me).await?;
    Ok(html! {
        h1 { "Your profile" }
        p.hint {
            "Each part has its own visibility. Public parts also go to other servers with your "
            "fediverse profile. "
            a href={"/members/" (me.username)} { "See your profile page" } "."
        }
        form method="post" action="/profile" {
            input type="hidden" name="csrf" value=(session.csrf);
            section.card aria-labelledby="general-h" {
                h2 id="general-h" { "General information" }
                label for="general" { "About you" }
                p.hint id="general-hint" { "Markdown." }
                textarea id="general" name="general" aria-describedby="general-hint" { (p.general.markdown) }
                (visibility_select("general", p.general.visibility))
            }
            section.card aria-labelledby="skills-h" {
                h2 id="skills-h" { "Skills" }
                label for="skills" { "Skills" }
                p.hint id="skills-hint" { "Separated by commas: baking, book-keeping, welding." }
                input type="text" id="skills" name="skills" value=(p.skills.tags.join(", ")) aria-describedby="skills-hint";
                (visibility_select("skills", p.skills.visibility))
            }
            section.card aria-labelledby="region-h" {
                h2 id="region-h" { "Region" }
                label for="region" { "Region" }
                input type="text" id="region" name="region" value=(p.region.name);
                (visibility_select("region", p.region.visibility))
            }
            section.card aria-labelledby="resume-h" {
                h2 id="resume-h" { "Resume" }
                label for="resume" { "Resume" }
                p.hint id="resume-hint" { "Markdown. The visibility also decides who may download your PDF." }
                textarea id="resume" name="resume" aria-describedby="resume-hint" { (p.resume.markdown) }
                (visibility_select("resume", p.resume.visibility))
            }
            p { button type="submit" { "Save profile" } }
        }
        section.card aria-labelledby="pdf-h" {
            h2 id="pdf-h" { "Resume as a PDF" }
            @if let Some(pdf) = &p.resume.pdf {
                p {
                    a href=(pdf.url) { "Your resume PDF" }
                    " · " (pdf.size_bytes / 1024) " KiB · uploaded " (pdf.uploaded)
                }
                form method="post" action="/profile/resume/delete" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    button.secondary type="submit" { "Remove the PDF" }
                }
            } @else {
                p { "No PDF yet." }
            }
            form method="post" action="/profile/resume" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="file" { "PDF file" }
                p.hint id="file-hint" { "At most " (RESUME_MAX_BYTES / (1024 * 1024)) " MiB. Replaces the PDF you have." }
                input type="file" id="file" name="file" accept="application/pdf" required aria-describedby="file-hint";
                p { button type="submit" { "Upload" } }
            }
        }
        p { a href="/interests" { "Interested in starting a co-op? Record it and find others." } }
    })
}

pub async fn edit_page(data: Data<AppState>, User(session): User) -> Response {
    match edit_body(&data, &session).await {
        Ok(body) => page(&data, "Your profile", Some(&session), body),
        Err(e) => error_page(&data, Some(&session), e),
    }
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    csrf: String,
    general: String,
    #[serde(rename = "general-visibility")]
    general_visibility: String,
    skills: String,
    #[serde(rename = "skills-visibility")]
    skills_visibility: String,
    region: String,
    #[serde(rename = "region-visibility")]
    region_visibility: String,
    resume: String,
    #[serde(rename = "resume-visibility")]
    resume_visibility: String,
}

impl ProfileForm {
    fn input(self) -> Result<ProfileInput, AppError> {
        Ok(ProfileInput {
            general: Some(TextInput {
                markdown: self.general,
                visibility: Visibility::parse(&self.general_visibility)?,
            }),
            skills: Some(SkillsInput {
                tags: self.skills.split(',').map(str::to_string).collect(),
                visibility: Visibility::parse(&self.skills_visibility)?,
            }),
            region: Some(RegionInput {
                name: self.region,
                visibility: Visibility::parse(&self.region_visibility)?,
            }),
            resume: Some(TextInput {
                markdown: self.resume,
                visibility: Visibility::parse(&self.resume_visibility)?,
            }),
        })
    }
}

pub async fn save(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ProfileForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        people::update_profile(&data, &session.user, form.input()?).await
    }
    .await;
    result?;
    Ok(Redirect::to("/profile").into_response())
}

pub async fn upload(data: Data<AppState>, User(session): User, multipart: Multipart) -> PageResult {
    let result = async {
        let upload = read_upload(multipart).await;
        // The form's token is checked before anything else is said about the upload.
        if let Ok(Upload { csrf, .. }) = &upload {
            session.check_csrf(csrf.as_deref().unwrap_or_default())?;
        }
        let file = upload?
            .file
            .ok_or_else(|| AppError::bad("choose a PDF file to upload"))?;
        people::save_resume_pdf(&data, &session.user, file).await
    }
    .await;
    result?;
    Ok(Redirect::to("/profile").into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn remove_pdf(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        people::remove_resume_pdf(&data, &session.user).await
    }
    .await;
    result?;
    Ok(Redirect::to("/profile").into_response())
}

/// `/members/{name}/resume.pdf`: the PDF, to those the resume's visibility allows (by session
/// or bearer token), always as a download that no browser renders as a page.
pub async fn download(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let result = async {
        let reader = match session {
            Some(s) => Some(s.user),
            None => crate::core::web::api::bearer_user(&data, &headers).await?,
        };
        people::resume_pdf_for(&data, &name, reader.as_ref()).await
    }
    .await;
    match result {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}-resume.pdf\""),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
                (header::CONTENT_SECURITY_POLICY, "sandbox".into()),
                (header::CACHE_CONTROL, "private, no-store".into()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The profile section of a member's page: what `reader` may see.
pub async fn profile_section(
    data: &AppState,
    username: &str,
    reader: Option<&UserRow>,
) -> Result<Markup, AppError> {
    let (member, shown) = people::view_of(data, username, reader).await?;
    let own = reader.is_some_and(|r| r.id == member.id);
    Ok(html! {
        @if own {
            p.notice { "You see your whole profile; others see the parts their visibility allows. " a href="/profile" { "Edit your profile" } }
        }
        @if let Some(html) = &shown.general_html {
            section.card aria-labelledby="about-h" { h2 id="about-h" { "About" } (stored_html(html)) }
        }
        @if shown.skills.is_some() || shown.region.is_some() {
            dl.facts {
                @if let Some(skills) = &shown.skills { dt { "Skills" } dd { (skills.join(", ")) } }
                @if let Some(region) = &shown.region { dt { "Region" } dd { (region) } }
            }
        }
        @if shown.resume_html.is_some() || shown.resume_pdf.is_some() {
            section.card aria-labelledby="resume-h" {
                h2 id="resume-h" { "Resume" }
                @if let Some(html) = &shown.resume_html { (stored_html(html)) }
                @if let Some(pdf) = &shown.resume_pdf { p { a href=(pdf) { "Download the resume (PDF)" } } }
            }
        }
    })
}

async fn interests_body(data: &AppState, session: &Session) -> Result<Markup, AppError> {
    let (mine, matches) = people::interests(data, &session.user).await?;
    Ok(html! {
        h1 { "Starting a co-op" }
        p.hint {
            "Record the industry and region where you would like to start a co-op. Members of this "
            "node with an interest in the same industry or region are listed below, if they chose "
            "to be listed; you appear to them only if you choose so too."
        }
        section.card aria-labelledby="mine-h" {
            h2 id="mine-h" { "Your interests" }
            @if mine.is_empty() { p { "None yet." } }
            ul {
                @for i in &mine {
                    li {
                        strong { (i.industry) } " in " strong { (i.region) }
                        @if !i.listed { " · " span.meta { "not listed" } }
                        @if !i.note.is_empty() { p.hint { (i.note) } }
                        form.inline method="post" action="/interests/delete" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            input type="hidden" name="id" value=(i.id);
                            button.secondary type="submit" { "Remove" }
                        }
                    }
                }
            }
            form method="post" action="/interests" {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="industry" { "Industry" }
                input type="text" id="industry" name="industry" required;
                label for="interest-region" { "Region" }
                input type="text" id="interest-region" name="region" required;
                label for="note" { "A short note" }
                textarea id="note" name="note" {}
                p.check { input type="checkbox" id="listed" name="listed" value="1" checked; label for="listed" { "List me for members with the same industry or region" } }
                p { button type="submit" { "Add the interest" } }
            }
        }
        h2 { "People with the same interest" }
        @if matches.is_empty() { p { "No one on this node yet." } }
        @for m in &matches {
            article.post {
                header {
                    a.who href=(m.profile_url) { (m.interest.username) }
                    span.meta {
                        @if m.same_industry { "same industry" }
                        @if m.same_industry && m.same_region { " · " }
                        @if m.same_region { "same region" }
                    }
                }
                p { strong { (m.interest.industry) } " in " strong { (m.interest.region) } }
                @if !m.interest.note.is_empty() { p { (m.interest.note) } }
            }
        }
    })
}

pub async fn interests_page(data: Data<AppState>, User(session): User) -> Response {
    match interests_body(&data, &session).await {
        Ok(body) => page(&data, "Starting a co-op", Some(&session), body),
        Err(e) => error_page(&data, Some(&session), e),
    }
}

#[derive(Debug, Deserialize)]
pub struct InterestForm {
    csrf: String,
    industry: String,
    region: String,
    #[serde(default)]
    note: String,
    listed: Option<String>,
}

pub async fn add_interest(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<InterestForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let input = InterestInput {
            industry: form.industry,
            region: form.region,
            note: form.note,
            listed: form.listed.is_some(),
        };
        people::add_interest(&data, &session.user, input).await
    }
    .await;
    result?;
    Ok(Redirect::to("/interests").into_response())
}

#[derive(Debug, Deserialize)]
pub struct RemoveInterestForm {
    csrf: String,
    id: i64,
}

pub async fn remove_interest(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<RemoveInterestForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        people::remove_interest(&data, &session.user, form.id).await
    }
    .await;
    let () = result?;
    Ok(Redirect::to("/interests").into_response())
}
