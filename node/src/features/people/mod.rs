//! Members as people: their profiles (general information, skills, region, a resume in Markdown
//! and as a PDF), who may see which part, and their interests in starting a co-op.
//!
//! Every part of a profile carries a [`Visibility`], and every reader is a [`Viewer`]; the one
//! rule joining them is [`Viewer::may_see`]. Pages, the API, the actor document and the resume
//! download all go through [`view`] or [`Viewer::may_see`], so none of them can show a part its
//! reader may not see. This module owns no HTTP and no SQL.

pub mod api;
pub mod portal;
pub mod store;
pub mod wire;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::config::Settings;
use crate::core::error::AppError;
use crate::core::store::users::UserRow;
use crate::core::store::{now_ms, rfc3339};
use crate::core::text;
use crate::core::AppState;
use crate::features::people::store::{InterestRow, NewInterest, ProfileRow, ResumeFileRow};

/// Largest resume PDF a member may upload.
pub const RESUME_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Longest general information and Markdown resume, in characters.
pub const TEXT_MAX_CHARS: usize = 20_000;
pub const SKILLS_MAX: usize = 30;
pub const SKILL_MAX_CHARS: usize = 40;
pub const REGION_MAX_CHARS: usize = 100;
/// Interests one member may record.
pub const INTERESTS_MAX: i64 = 20;
pub const NOTE_MAX_CHARS: usize = 500;
/// Matching interests shown at most.
pub const MATCHES_MAX: i64 = 200;

/// Who may see one part of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone: the profile page, the API without a token, and the Person actor document that
    /// other servers read.
    Public,
    /// People logged in on this node, and co-ops the member applies to.
    Network,
    /// The member only.
    Private,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Public, Visibility::Network, Visibility::Private];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Network => "network",
            Visibility::Private => "private",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Public => "Public: anyone, and other servers",
            Visibility::Network => "Network: people logged in on this node, and co-ops I apply to",
            Visibility::Private => "Private: only me",
        }
    }

    pub fn parse(s: &str) -> Result<Visibility, AppError> {
        match s.trim() {
            "public" => Ok(Visibility::Public),
            "network" => Ok(Visibility::Network),
            "private" => Ok(Visibility::Private),
            other => Err(AppError::bad(format!(
                "{other:?} is not a visibility; use public, network or private"
            ))),
        }
    }

    /// A stored value; anything unreadable counts as private.
    fn stored(s: &str) -> Visibility {
        Visibility::parse(s).unwrap_or(Visibility::Private)
    }
}

/// Who is reading a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Not logged in here: a visitor, another node (signed or not), a Mastodon server.
    Anyone,
    /// Logged in on this node as someone else (or a co-op receiving an application).
    Network,
    /// The member whose profile it is.
    Owner,
}

impl Viewer {
    /// `user` (if logged in) reading the profile of the member `owner_id`.
    pub fn of(user: Option<&UserRow>, owner_id: i64) -> Viewer {
        match user {
            Some(u) if u.id == owner_id => Viewer::Owner,
            Some(_) => Viewer::Network,
            None => Viewer::Anyone,
        }
    }

    pub fn may_see(self, visibility: Visibility) -> bool {
        matches!(
            (self, visibility),
            (_, Visibility::Public) | (Viewer::Owner, _) | (Viewer::Network, Visibility::Network)
        )
    }
}

/// A member's whole profile, as its owner edits it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub general: TextPart,
    pub skills: SkillsPart,
    pub region: RegionPart,
    pub resume: ResumePart,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextPart {
    pub markdown: String,
    pub html: String,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillsPart {
    pub tags: Vec<String>,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionPart {
    pub name: String,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResumePart {
    pub markdown: String,
    pub html: String,
    pub visibility: Visibility,
    pub pdf: Option<PdfInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PdfInfo {
    pub url: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded: String,
}

/// What one viewer may see of a profile. A part the viewer may not see, or that is empty, is
/// `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileView {
    pub username: String,
    pub general_html: Option<String>,
    pub skills: Option<Vec<String>>,
    pub region: Option<String>,
    pub resume_html: Option<String>,
    /// Where to download the resume PDF, when there is one the viewer may download.
    pub resume_pdf: Option<String>,
}

impl ProfileView {
    pub fn is_empty(&self) -> bool {
        self.general_html.is_none()
            && self.skills.is_none()
            && self.region.is_none()
            && self.resume_html.is_none()
            && self.resume_pdf.is_none()
    }
}

/// Where a member's resume PDF is downloaded.
pub fn resume_pdf_url(settings: &Settings, username: &str) -> String {
    settings
        .url(&format!("/members/{username}/resume.pdf"))
        .to_string()
}

fn profile_of(
    settings: &Settings,
    user: &UserRow,
    row: ProfileRow,
    pdf: Option<ResumeFileRow>,
) -> Profile {
    Profile {
        general: TextPart {
            markdown: row.general_source,
            html: row.general_html,
            visibility: Visibility::stored(&row.general_visibility),
        },
        skills: SkillsPart {
            tags: serde_json::from_str(&row.skills).unwrap_or_default(),
            visibility: Visibility::stored(&row.skills_visibility),
        },
        region: RegionPart {
            name: row.region,
            visibility: Visibility::stored(&row.region_visibility),
        },
        resume: ResumePart {
            markdown: row.resume_source,
            html: row.resume_html,
            visibility: Visibility::stored(&row.resume_visibility),
            pdf: pdf.map(|f| PdfInfo {
                url: resume_pdf_url(settings, &user.username),
                size_bytes: f.size_bytes,
                sha256: f.sha256,
                uploaded: rfc3339(f.uploaded_at),
            }),
        },
    }
}

/// A member's profile; an empty, private one if the member has written nothing yet.
pub async fn profile(state: &AppState, user: &UserRow) -> Result<Profile, AppError> {
    let row = state
        .db
        .member_profile(user.id)
        .await?
        .unwrap_or_else(|| ProfileRow {
            user_id: user.id,
            general_visibility: "private".into(),
            skills: "[]".into(),
            skills_visibility: "private".into(),
            region_visibility: "private".into(),
            resume_visibility: "private".into(),
            ..ProfileRow::default()
        });
    let pdf = state.db.resume_file(user.id).await?;
    Ok(profile_of(&state.settings, user, row, pdf))
}

/// What `viewer` may see of `profile`.
pub fn view(username: &str, profile: &Profile, viewer: Viewer) -> ProfileView {
    let shown = |v: Visibility, empty: bool| viewer.may_see(v) && !empty;
    let p = profile;
    ProfileView {
        username: username.to_string(),
        general_html: shown(p.general.visibility, p.general.html.is_empty())
            .then(|| p.general.html.clone()),
        skills: shown(p.skills.visibility, p.skills.tags.is_empty()).then(|| p.skills.tags.clone()),
        region: shown(p.region.visibility, p.region.name.is_empty()).then(|| p.region.name.clone()),
        resume_html: shown(p.resume.visibility, p.resume.html.is_empty())
            .then(|| p.resume.html.clone()),
        resume_pdf: viewer
            .may_see(p.resume.visibility)
            .then(|| p.resume.pdf.as_ref().map(|f| f.url.clone()))
            .flatten(),
    }
}

/// The member called `username` on this node and what `reader` may see of their profile.
pub async fn view_of(
    state: &AppState,
    username: &str,
    reader: Option<&UserRow>,
) -> Result<(UserRow, ProfileView), AppError> {
    let member = state
        .db
        .user_by_username(username)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = profile(state, &member).await?;
    let shown = view(&member.username, &profile, Viewer::of(reader, member.id));
    Ok((member, shown))
}

/// The public and network parts of a member's profile, for a co-op the member applies to:
/// general information (HTML), skills, region, resume (HTML) and whether a resume PDF exists
/// that the co-op may have. Private parts are never in it.
pub async fn shareable_profile(
    state: &AppState,
    user_id: i64,
) -> Result<serde_json::Value, AppError> {
    let member = state.db.user(user_id).await?.ok_or(AppError::NotFound)?;
    let profile = profile(state, &member).await?;
    let shown = view(&member.username, &profile, Viewer::Network);
    Ok(serde_json::json!({
        "username": shown.username,
        "general_html": shown.general_html,
        "skills": shown.skills,
        "region": shown.region,
        "resume_html": shown.resume_html,
        "resume_pdf": shown.resume_pdf.is_some(),
    }))
}

/// Changes to a profile as a form or the API sends them. A part left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    pub general: Option<TextInput>,
    pub skills: Option<SkillsInput>,
    pub region: Option<RegionInput>,
    pub resume: Option<TextInput>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    pub markdown: String,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillsInput {
    pub tags: Vec<String>,
    pub visibility: Visibility,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionInput {
    pub name: String,
    pub visibility: Visibility,
}

fn checked_text(what: &str, markdown: &str) -> Result<(String, String), AppError> {
    let markdown = markdown.trim();
    if markdown.chars().count() > TEXT_MAX_CHARS {
        return Err(AppError::bad(format!(
            "the {what} is longer than {TEXT_MAX_CHARS} characters"
        )));
    }
    let html = if markdown.is_empty() {
        String::new()
    } else {
        text::markdown_to_html(markdown)
    };
    Ok((markdown.to_string(), html))
}

/// Skills as tags: trimmed, inner spaces collapsed, repeats (ignoring case) dropped.
pub fn checked_skills(tags: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > SKILL_MAX_CHARS {
            return Err(AppError::bad(format!(
                "the skill {tag:?} is longer than {SKILL_MAX_CHARS} characters"
            )));
        }
        if tag.chars().any(|c| c == ',' || c.is_control()) {
            return Err(AppError::bad(format!(
                "the skill {tag:?} may not hold commas or control characters"
            )));
        }
        if !out.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            out.push(tag);
        }
    }
    if out.len() > SKILLS_MAX {
        return Err(AppError::bad(format!(
            "a profile lists at most {SKILLS_MAX} skills"
        )));
    }
    Ok(out)
}

fn checked_line(what: &str, s: &str, max: usize) -> Result<String, AppError> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        return Err(AppError::bad(format!(
            "the {what} is longer than {max} characters"
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(AppError::bad(format!(
            "the {what} may not hold control characters"
        )));
    }
    Ok(s)
}

/// Checks every change first and writes only if all are good, so bad input changes nothing.
pub async fn update_profile(
    state: &AppState,
    user: &UserRow,
    input: ProfileInput,
) -> Result<Profile, AppError> {
    let current = profile(state, user).await?;
    let before = current.clone();
    let mut row = ProfileRow {
        user_id: user.id,
        general_source: current.general.markdown,
        general_html: current.general.html,
        general_visibility: current.general.visibility.as_str().into(),
        skills: serde_json::to_string(&current.skills.tags)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        skills_visibility: current.skills.visibility.as_str().into(),
        region: current.region.name,
        region_visibility: current.region.visibility.as_str().into(),
        resume_source: current.resume.markdown,
        resume_html: current.resume.html,
        resume_visibility: current.resume.visibility.as_str().into(),
        updated_at: now_ms(),
    };
    if let Some(g) = input.general {
        (row.general_source, row.general_html) = checked_text("general information", &g.markdown)?;
        row.general_visibility = g.visibility.as_str().into();
    }
    if let Some(s) = input.skills {
        let tags = checked_skills(&s.tags)?;
        row.skills = serde_json::to_string(&tags).map_err(|e| AppError::Internal(e.to_string()))?;
        row.skills_visibility = s.visibility.as_str().into();
    }
    if let Some(r) = input.region {
        row.region = checked_line("region", &r.name, REGION_MAX_CHARS)?;
        row.region_visibility = r.visibility.as_str().into();
    }
    if let Some(r) = input.resume {
        (row.resume_source, row.resume_html) = checked_text("resume", &r.markdown)?;
        row.resume_visibility = r.visibility.as_str().into();
    }
    state.db.save_member_profile(&row).await?;
    let saved = profile(state, user).await?;
    announce_if_public_changed(state, user, &before, &saved).await?;
    Ok(saved)
}

/// Tells the member's followers about their profile when what anyone may see of it changed
/// (the `Update` carries the public parts only, as the actor document does).
async fn announce_if_public_changed(
    state: &AppState,
    user: &UserRow,
    before: &Profile,
    after: &Profile,
) -> Result<(), AppError> {
    if view(&user.username, before, Viewer::Anyone) == view(&user.username, after, Viewer::Anyone) {
        return Ok(());
    }
    let Some(row) = state.db.local_actor(&user.actor_id).await? else {
        return Ok(());
    };
    let actor = crate::core::federation::convert::local_actor(&row, &state.settings);
    crate::core::federation::outgoing::update_profile(state, &actor).await
}

/// The folder that holds resume PDFs, named by their SHA-256.
fn resume_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("resumes")
}

/// The file of a stored hash; `None` for anything but 64 lower-case hex digits, so no stored
/// value can name a path outside the folder.
fn resume_path(settings: &Settings, sha256: &str) -> Option<PathBuf> {
    (sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then(|| resume_dir(settings).join(format!("{sha256}.pdf")))
}

/// Is this a PDF? Judged from the bytes alone: the name and content type an upload claims are
/// never trusted.
pub fn check_pdf(bytes: &[u8]) -> Result<(), AppError> {
    if bytes.is_empty() {
        return Err(AppError::bad("the file is empty"));
    }
    if bytes.len() > RESUME_MAX_BYTES {
        return Err(AppError::PayloadTooLarge(format!(
            "a resume PDF may be at most {} MiB",
            RESUME_MAX_BYTES / (1024 * 1024)
        )));
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(AppError::bad(
            "the file is not a PDF (a PDF starts with %PDF-), whatever its name or type says",
        ));
    }
    Ok(())
}

/// Stores `bytes` as the member's resume PDF, replacing any earlier one.
pub async fn save_resume_pdf(
    state: &AppState,
    user: &UserRow,
    bytes: Vec<u8>,
) -> Result<PdfInfo, AppError> {
    check_pdf(&bytes)?;
    let before = profile(state, user).await?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let path = resume_path(&state.settings, &sha256)
        .ok_or_else(|| AppError::Internal("hash of a resume".into()))?;
    let dir = resume_dir(&state.settings);
    let size = bytes.len() as i64;
    let internal = |e: std::io::Error| AppError::Internal(format!("resume file: {e}"));
    tokio::fs::create_dir_all(&dir).await.map_err(internal)?;
    if !tokio::fs::try_exists(&path).await.map_err(internal)? {
        // Written aside and renamed, so a half-written file is never served.
        let partial = dir.join(format!(".{sha256}.{}.part", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&partial, &bytes).await.map_err(internal)?;
        if let Err(e) = tokio::fs::rename(&partial, &path).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(internal(e));
        }
    }
    let old = state
        .db
        .set_resume_file(user.id, &sha256, size, now_ms())
        .await?;
    if let Some(old) = old.filter(|o| *o != sha256) {
        remove_if_unused(state, &old).await?;
    }
    let after = profile(state, user).await?;
    announce_if_public_changed(state, user, &before, &after).await?;
    after
        .resume
        .pdf
        .ok_or_else(|| AppError::Internal("the resume file was not recorded".into()))
}

/// Removes the member's resume PDF. False if there was none.
pub async fn remove_resume_pdf(state: &AppState, user: &UserRow) -> Result<bool, AppError> {
    let before = profile(state, user).await?;
    match state.db.delete_resume_file(user.id).await? {
        Some(sha256) => {
            remove_if_unused(state, &sha256).await?;
            let after = profile(state, user).await?;
            announce_if_public_changed(state, user, &before, &after).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

async fn remove_if_unused(state: &AppState, sha256: &str) -> Result<(), AppError> {
    if state.db.resume_file_uses(sha256).await? == 0 {
        if let Some(path) = resume_path(&state.settings, sha256) {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
    Ok(())
}

/// The bytes of `username`'s resume PDF, if `reader` may have them. Anyone else, and a member
/// with no PDF, gets "not found": a hidden resume looks like no resume.
pub async fn resume_pdf_for(
    state: &AppState,
    username: &str,
    reader: Option<&UserRow>,
) -> Result<Vec<u8>, AppError> {
    let member = state
        .db
        .user_by_username(username)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = profile(state, &member).await?;
    if !Viewer::of(reader, member.id).may_see(profile.resume.visibility) {
        return Err(AppError::NotFound);
    }
    let file = state
        .db
        .resume_file(member.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = resume_path(&state.settings, &file.sha256).ok_or(AppError::NotFound)?;
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::error!(user = member.id, "a recorded resume file is missing");
            Err(AppError::NotFound)
        }
        Err(e) => Err(AppError::Internal(format!("resume file: {e}"))),
    }
}

/// An interest in starting a co-op, as a member records it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterestInput {
    pub industry: String,
    pub region: String,
    #[serde(default)]
    pub note: String,
    /// Whether other members with a matching interest may see this one.
    #[serde(default)]
    pub listed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interest {
    pub id: i64,
    pub username: String,
    pub industry: String,
    pub region: String,
    pub note: String,
    pub listed: bool,
    pub created: String,
}

/// Another member's interest that matches one of ours, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterestMatch {
    #[serde(flatten)]
    pub interest: Interest,
    pub profile_url: String,
    pub same_industry: bool,
    pub same_region: bool,
}

fn interest_of(row: &InterestRow) -> Interest {
    Interest {
        id: row.id,
        username: row.username.clone(),
        industry: row.industry.clone(),
        region: row.region.clone(),
        note: row.note.clone(),
        listed: row.listed == 1,
        created: rfc3339(row.created_at),
    }
}

/// What matching compares: case and spacing do not matter.
fn match_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

pub async fn add_interest(
    state: &AppState,
    user: &UserRow,
    input: InterestInput,
) -> Result<Interest, AppError> {
    let industry = checked_line("industry", &input.industry, REGION_MAX_CHARS)?;
    let region = checked_line("region", &input.region, REGION_MAX_CHARS)?;
    if industry.is_empty() || region.is_empty() {
        return Err(AppError::bad("an interest needs an industry and a region"));
    }
    let note = input.note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(AppError::bad(format!(
            "the note is longer than {NOTE_MAX_CHARS} characters"
        )));
    }
    let (industry_key, region_key) = (match_key(&industry), match_key(&region));
    let id = state
        .db
        .insert_interest(
            &NewInterest {
                user_id: user.id,
                industry: &industry,
                industry_key: &industry_key,
                region: &region,
                region_key: &region_key,
                note,
                listed: input.listed,
                created_at: now_ms(),
            },
            INTERESTS_MAX,
        )
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "you already have {INTERESTS_MAX} interests; remove one first"
            ))
        })?;
    state
        .db
        .interests_of(user.id)
        .await?
        .iter()
        .find(|r| r.id == id)
        .map(interest_of)
        .ok_or(AppError::NotFound)
}

pub async fn remove_interest(state: &AppState, user: &UserRow, id: i64) -> Result<(), AppError> {
    if state.db.delete_interest(user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A member's own interests and the listed interests of others that share an industry or a
/// region with one of them.
pub async fn interests(
    state: &AppState,
    user: &UserRow,
) -> Result<(Vec<Interest>, Vec<InterestMatch>), AppError> {
    let mine = state.db.interests_of(user.id).await?;
    let matches = state
        .db
        .matching_interests(user.id, MATCHES_MAX)
        .await?
        .iter()
        .map(|row| InterestMatch {
            interest: interest_of(row),
            profile_url: state
                .settings
                .url(&format!("/members/{}", row.username))
                .to_string(),
            same_industry: mine.iter().any(|m| m.industry_key == row.industry_key),
            same_region: mine.iter().any(|m| m.region_key == row.region_key),
        })
        .collect();
    Ok((mine.iter().map(interest_of).collect(), matches))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_sees_what() {
        use Visibility::{Private, Public};
        let (anyone, member, owner) = (Viewer::Anyone, Viewer::Network, Viewer::Owner);
        assert!(anyone.may_see(Public));
        assert!(!anyone.may_see(Visibility::Network));
        assert!(!anyone.may_see(Private));
        assert!(member.may_see(Visibility::Network));
        assert!(!member.may_see(Private));
        assert!(owner.may_see(Private));
    }

    #[test]
    fn skills_are_tidied_and_checked() {
        let tags = checked_skills(&[
            " Baking ".into(),
            "baking".into(),
            "".into(),
            "book  keeping".into(),
        ])
        .unwrap();
        assert_eq!(tags, vec!["Baking".to_string(), "book keeping".to_string()]);
        assert!(checked_skills(&["a,b".into()]).is_err());
        assert!(checked_skills(&["x".repeat(41)]).is_err());
    }

    #[test]
    fn only_bytes_decide_what_a_pdf_is() {
        assert!(check_pdf(b"%PDF-1.7\n...").is_ok());
        assert!(check_pdf(b"<html><script>alert(1)</script>").is_err());
        assert!(check_pdf(b"").is_err());
    }

    #[test]
    fn stored_hashes_cannot_name_other_paths() {
        let settings = Settings {
            domain: "coop.example".into(),
            base_url: url::Url::parse("https://coop.example/").unwrap(),
            allow_private_network: false,
            authorized_fetch: false,
            node_name: "n".into(),
            data_dir: PathBuf::from("/data"),
            files: Default::default(),
        };
        assert!(resume_path(&settings, "../../etc/passwd").is_none());
        assert!(resume_path(&settings, &"a".repeat(64)).is_some());
    }
}
