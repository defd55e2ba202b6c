//! Work over ActivityPub: job posts go to a workplace's followers like announcements (public,
//! readable on Mastodon), and are updated when closed or filled; applications go from the
//! applicant to the co-op only, and each change of state from the co-op to the applicant only.
//! Applications are never served to anyone by id.

use activitypub_federation::config::Data;
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    work::{work_context, ApplicationDoc, JobPost},
    PUBLIC,
};
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{convert, outgoing, KnownActor};
use crate::core::store::{now_ms, parse_time, rfc3339};
use crate::core::text;
use crate::core::AppState;
use crate::features::coops::CoopKind;
use crate::features::work;
use crate::features::work::store::{ApplicationRow, JobRemoval, JobRow};
use crate::features::work::JobDraft;

/// A job post as followers receive it; `content` is what Mastodon shows.
pub fn job_post(job: &JobRow, owner: &KnownActor) -> Result<JobPost, AppError> {
    let id = Url::parse(&job.id).map_err(|_| AppError::Internal("stored job id".into()))?;
    let status = match job.state.as_str() {
        "filled" => "Filled".to_string(),
        "closed" => "Closed".to_string(),
        _ => match &job.closes_on {
            Some(d) => format!("Apply by {d}"),
            None => "Open".to_string(),
        },
    };
    let skills = job.skill_list().join(", ");
    let content = format!(
        "<p><strong>Job: {title}</strong> at {owner}</p>{description}<p>Hours: {hours} · Pay: {pay}{region}{skills}</p><p>{status} · <a href=\"{id}\">{id}</a></p>",
        title = text::escape(&job.title),
        owner = text::escape(&owner.name),
        description = job.description_html,
        hours = text::escape(&job.hours),
        pay = text::escape(&job.pay),
        region = job
            .region
            .as_deref()
            .map(|r| format!(" · Region: {}", text::escape(r)))
            .unwrap_or_default(),
        skills = if skills.is_empty() {
            String::new()
        } else {
            format!(" · Skills: {}", text::escape(&skills))
        },
    );
    Ok(JobPost {
        context: Value::Null,
        id: id.clone(),
        kind: "Note".into(),
        attributed_to: owner.id.clone(),
        title: job.title.clone(),
        name: Some(job.title.clone()),
        content,
        summary: Some(job.description_html.clone()),
        employment_type: job.hours.clone(),
        base_salary: job.pay.clone(),
        job_location: job.region.clone(),
        industry: job.industry.clone(),
        skills: job.skill_list().iter().map(|s| s.to_string()).collect(),
        valid_through: job.closes_on.clone(),
        job_status: job.state.clone(),
        published: Some(rfc3339(job.published_at)),
        updated: Some(rfc3339(job.updated_at)),
        url: Some(id),
        to: vec![PUBLIC.into()],
        cc: vec![convert::followers_of(&owner.id).to_string()],
    })
}

/// Writes a job post and queues the activity that tells followers, at once.
async fn write_and_send(
    state: &AppState,
    owner: &KnownActor,
    job: &JobRow,
    kind: ActivityKind,
) -> Result<(), AppError> {
    let object = serde_json::to_value(job_post(job, owner)?)?;
    let mut activity = Activity::new(
        kind,
        outgoing::new_id(state, "activities"),
        owner.id.clone(),
        object,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&owner.id).to_string()])
    .published(rfc3339(now_ms()));
    activity.context = work_context();
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    outgoing::queue_alongside(
        state,
        &activity,
        inboxes,
        kind == ActivityKind::Create,
        Some(&job.id),
        &[job],
    )
    .await
}

/// A workplace publishes a job post.
pub async fn post_job(
    state: &AppState,
    owner: &KnownActor,
    draft: JobDraft,
) -> Result<JobRow, AppError> {
    if owner.coop_kind.as_deref() != Some(CoopKind::Workplace.as_str()) {
        return Err(AppError::bad("only workplaces post jobs"));
    }
    let now = now_ms();
    let job = JobRow {
        id: outgoing::new_id(state, "jobs").to_string(),
        owner_id: owner.id.to_string(),
        is_local: 1,
        title: draft.title,
        description_md: Some(draft.description_md),
        description_html: draft.description_html,
        hours: draft.hours,
        pay: draft.pay,
        region: draft.region.or(owner.region.clone()),
        industry: owner.industry.clone(),
        skills: draft.skills,
        closes_on: draft.closes_on,
        state: "open".into(),
        published_at: now,
        updated_at: now,
    };
    write_and_send(state, owner, &job, ActivityKind::Create).await?;
    Ok(job)
}

/// A workplace edits a job post, or closes, fills or reopens it; followers get an Update.
pub async fn change_job(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
    draft: Option<JobDraft>,
    new_state: Option<&str>,
) -> Result<JobRow, AppError> {
    let mut job = state
        .db
        .job(id)
        .await?
        .filter(|j| j.owner_id == owner.id.as_str() && j.is_local == 1)
        .ok_or(AppError::NotFound)?;
    if let Some(d) = draft {
        job.title = d.title;
        job.description_md = Some(d.description_md);
        job.description_html = d.description_html;
        job.hours = d.hours;
        job.pay = d.pay;
        job.region = d.region.or(owner.region.clone());
        job.skills = d.skills;
        job.closes_on = d.closes_on;
    }
    if let Some(s) = new_state {
        if !work::JOB_STATES.contains(&s) {
            return Err(AppError::bad("a job post is open, closed or filled"));
        }
        job.state = s.to_string();
    }
    job.updated_at = now_ms().max(job.updated_at + 1);
    write_and_send(state, owner, &job, ActivityKind::Update).await?;
    Ok(job)
}

/// A workplace removes a job post; followers get a Delete.
pub async fn delete_job(state: &AppState, owner: &KnownActor, id: &str) -> Result<(), AppError> {
    let activity = outgoing::public_delete(
        state,
        owner,
        Url::parse(id).map_err(|_| AppError::NotFound)?,
        now_ms(),
    )?;
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    let removal = JobRemoval {
        id,
        owner: owner.id.as_str(),
    };
    outgoing::queue_alongside(state, &activity, inboxes, false, Some(id), &[&removal]).await
}

/// A followed workplace's job post (new or changed) joins the jobs board. Returns whether it
/// was stored.
pub async fn store_job(
    data: &Data<AppState>,
    owner: &KnownActor,
    object: &Value,
    from_backfill: bool,
) -> Result<bool, AppError> {
    let post: JobPost = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable job post: {e}")))?;
    if !same_origin(&post.id, &owner.id) || post.attributed_to != owner.id {
        return Err(AppError::bad("the job post is not its sender's"));
    }
    if !work::JOB_STATES.contains(&post.job_status.as_str()) {
        return Err(AppError::bad("a job post is open, closed or filled"));
    }
    let closes_on = post
        .valid_through
        .as_deref()
        .map(|d| work::parse_date(d.get(..10).unwrap_or(d)))
        .transpose()?;
    if !from_backfill && !data.db.is_followed_locally(owner.id.as_str()).await? {
        return Ok(false);
    }
    let now = now_ms();
    let time = |t: &Option<String>| {
        t.as_deref()
            .and_then(parse_time)
            .map(|t| t.min(now))
            .unwrap_or(now)
    };
    let title = text::limit(text::html_to_text(post.title.trim()), 200);
    if title.trim().is_empty() {
        return Err(AppError::bad("the job post has no title"));
    }
    let description = post.summary.clone().unwrap_or(post.content.clone());
    let row = JobRow {
        id: post.id.to_string(),
        owner_id: owner.id.to_string(),
        is_local: 0,
        title,
        description_md: None,
        description_html: text::sanitize_html(&text::limit(description, 50_000)),
        hours: text::limit(text::html_to_text(&post.employment_type), 200),
        pay: text::limit(text::html_to_text(&post.base_salary), 500),
        region: post
            .job_location
            .clone()
            .or(owner.region.clone())
            .map(|r| text::limit(text::html_to_text(&r), 200)),
        industry: owner.industry.clone(),
        skills: work::skills_column(
            &post
                .skills
                .iter()
                .take(20)
                .map(|s| text::limit(text::html_to_text(s), 40))
                .collect::<Vec<_>>(),
        )?,
        closes_on,
        state: post.job_status.clone(),
        published_at: time(&post.published),
        updated_at: time(&post.updated).max(time(&post.published)),
    };
    data.db.upsert_job(&row).await?;
    Ok(true)
}

/// A Delete of one of a followed workplace's job posts. Returns false if it is no job we have.
pub async fn receive_job_delete(
    data: &Data<AppState>,
    owner: &KnownActor,
    target: &Url,
) -> Result<bool, AppError> {
    let Some(job) = data.db.job(target.as_str()).await? else {
        return Ok(false);
    };
    if job.owner_id != owner.id.as_str() {
        return Err(AppError::Forbidden(
            "only its workplace can delete a job post".into(),
        ));
    }
    data.db.delete_job(&job.id, owner.id.as_str()).await?;
    Ok(true)
}

fn inbox_pair(inbox: &Url) -> Vec<(String, String)> {
    vec![(
        inbox.to_string(),
        coopnet_federation::origin::authority(inbox),
    )]
}

/// A person applies: for a job (its workplace receives it) or for membership of a consumer
/// council. Returns the application's id.
pub async fn apply(
    state: &AppState,
    applicant: &KnownActor,
    coop: &KnownActor,
    job: Option<&JobRow>,
    letter_markdown: &str,
    profile: Value,
) -> Result<String, AppError> {
    let kind = match job {
        Some(job) => {
            if job.owner_id != coop.id.as_str() {
                return Err(AppError::bad("the job post is not that co-op's"));
            }
            if !job.is_open(&work::today()) {
                return Err(AppError::Conflict("the job post is no longer open".into()));
            }
            "job"
        }
        None => {
            if coop.coop_kind.as_deref() != Some(CoopKind::ConsumerCouncil.as_str()) {
                return Err(AppError::bad(
                    "membership applications go to consumer councils; apply for a job post otherwise",
                ));
            }
            "membership"
        }
    };
    let letter = letter_markdown.trim();
    if letter.chars().count() > 10_000 {
        return Err(AppError::bad("a letter has at most 10,000 characters"));
    }
    let now = now_ms();
    let id = outgoing::new_id(state, "applications");
    let row = ApplicationRow {
        id: id.to_string(),
        kind: kind.into(),
        applicant_id: applicant.id.to_string(),
        coop_id: coop.id.to_string(),
        job_id: job.map(|j| j.id.clone()),
        letter_html: text::markdown_to_html(letter),
        profile: profile.to_string(),
        state: "received".into(),
        created_at: now,
        updated_at: now,
    };
    if coop.is_local() {
        state.db.insert_application(&row, None).await?;
        return Ok(row.id);
    }
    let doc = ApplicationDoc {
        context: Value::Null,
        id: id.clone(),
        kind: "Application".into(),
        attributed_to: applicant.id.clone(),
        application_kind: kind.into(),
        target: coop.id.clone(),
        in_reply_to: job.and_then(|j| Url::parse(&j.id).ok()),
        content: row.letter_html.clone(),
        applicant_profile: profile,
        application_state: None,
        state_note: None,
        to: vec![coop.id.to_string()],
    };
    let mut activity = Activity::new(
        ActivityKind::Create,
        outgoing::new_id(state, "activities"),
        applicant.id.clone(),
        serde_json::to_value(&doc)?,
    )
    .to(vec![coop.id.to_string()]);
    activity.context = work_context();
    let body = serde_json::to_string(&activity)?;
    let inboxes = inbox_pair(&coop.inbox);
    state
        .db
        .insert_application(
            &row,
            Some(&crate::core::federation::outgoing::private_activity(
                &activity, &body, &row.id, &inboxes, now,
            )),
        )
        .await?;
    state.wake_deliveries();
    Ok(row.id)
}

/// An application from a person on another node, to one of our co-ops.
pub async fn receive_application(
    data: &Data<AppState>,
    applicant: &KnownActor,
    object: &Value,
) -> Result<(), AppError> {
    let doc: ApplicationDoc = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable application: {e}")))?;
    if doc.attributed_to != applicant.id || !same_origin(&doc.id, &applicant.id) {
        return Err(AppError::bad("an application comes from its applicant"));
    }
    if doc.application_state.is_some() {
        return Err(AppError::bad("a new application has no state yet"));
    }
    let coop = data
        .db
        .local_actor(doc.target.as_str())
        .await?
        .filter(|c| c.coop_kind.is_some())
        .map(|c| convert::local_actor(&c, &data.settings))
        .ok_or_else(|| AppError::bad("the application is for no co-op of this node"))?;
    if doc.to.iter().any(|t| t == coopnet_schemas::PUBLIC) {
        return Err(AppError::bad("an application must be private"));
    }
    let job = match (doc.application_kind.as_str(), &doc.in_reply_to) {
        ("job", Some(job)) => Some(
            data.db
                .job(job.as_str())
                .await?
                .filter(|j| j.owner_id == coop.id.as_str() && j.is_local == 1)
                .ok_or_else(|| AppError::bad("the application names no job post of the co-op"))?,
        ),
        ("membership", None) => {
            if coop.coop_kind.as_deref() != Some(CoopKind::ConsumerCouncil.as_str()) {
                return Err(AppError::bad(
                    "only consumer councils take members this way",
                ));
            }
            None
        }
        _ => {
            return Err(AppError::bad(
                "an application is for a job post or for membership",
            ))
        }
    };
    if let Some(job) = &job {
        if !job.is_open(&work::today()) {
            return Err(AppError::Conflict("the job post is no longer open".into()));
        }
    }
    if doc.content.len() > 100_000 || doc.applicant_profile.to_string().len() > 200_000 {
        return Err(AppError::bad("the application is too long"));
    }
    let now = now_ms();
    let row = ApplicationRow {
        id: doc.id.to_string(),
        kind: doc.application_kind.clone(),
        applicant_id: applicant.id.to_string(),
        coop_id: coop.id.to_string(),
        job_id: job.map(|j| j.id),
        letter_html: text::sanitize_html(&doc.content),
        profile: sanitize_profile(&doc.applicant_profile).to_string(),
        state: "received".into(),
        created_at: now,
        updated_at: now,
    };
    data.db.insert_application(&row, None).await?;
    Ok(())
}

/// Keeps what a profile snapshot may hold: strings (HTML sanitised), lists of strings,
/// booleans, numbers, nested at most two deep.
fn sanitize_profile(value: &Value) -> Value {
    fn clean(v: &Value, depth: u8) -> Value {
        match v {
            Value::String(s) => Value::String(text::sanitize_html(&text::limit(s.clone(), 50_000))),
            Value::Bool(_) | Value::Number(_) | Value::Null => v.clone(),
            Value::Array(a) if depth < 2 => {
                Value::Array(a.iter().take(50).map(|x| clean(x, depth + 1)).collect())
            }
            Value::Object(o) if depth < 2 => Value::Object(
                o.iter()
                    .take(50)
                    .map(|(k, x)| (text::limit(k.clone(), 100), clean(x, depth + 1)))
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
    clean(value, 0)
}

/// A co-op moves an application; the applicant hears of it.
pub async fn change_application(
    state: &AppState,
    coop: &KnownActor,
    id: &str,
    to: &str,
    note: &str,
) -> Result<(), AppError> {
    let app = state
        .db
        .application(id)
        .await?
        .filter(|a| a.coop_id == coop.id.as_str())
        .ok_or(AppError::NotFound)?;
    if !work::APPLICATION_STATES.contains(&to) {
        return Err(AppError::bad(
            "an application is received, interview, offered, accepted or declined",
        ));
    }
    if !work::may_move(&app.state, to) {
        return Err(AppError::Conflict(format!(
            "an application {} cannot become {to}",
            app.state
        )));
    }
    let note = note.trim();
    if note.chars().count() > 2_000 {
        return Err(AppError::bad("a note has at most 2,000 characters"));
    }
    let now = now_ms();
    let applicant = crate::core::federation::stored_actor(state, &app.applicant_id).await?;
    let moved = match applicant.filter(|a| !a.is_local()) {
        Some(applicant) => {
            let doc = ApplicationDoc {
                context: Value::Null,
                id: Url::parse(&app.id).map_err(|_| AppError::Internal("stored id".into()))?,
                kind: "Application".into(),
                attributed_to: applicant.id.clone(),
                application_kind: app.kind.clone(),
                target: coop.id.clone(),
                in_reply_to: app.job_id.as_deref().and_then(|j| Url::parse(j).ok()),
                content: String::new(),
                applicant_profile: Value::Null,
                application_state: Some(to.to_string()),
                state_note: (!note.is_empty()).then(|| note.to_string()),
                to: vec![applicant.id.to_string()],
            };
            let mut activity = Activity::new(
                ActivityKind::Update,
                outgoing::new_id(state, "activities"),
                coop.id.clone(),
                serde_json::to_value(&doc)?,
            )
            .to(vec![applicant.id.to_string()]);
            activity.context = work_context();
            let body = serde_json::to_string(&activity)?;
            let inboxes = inbox_pair(&applicant.inbox);
            let moved = state
                .db
                .change_application_state(
                    id,
                    &app.state,
                    to,
                    note,
                    now,
                    Some(&crate::core::federation::outgoing::private_activity(
                        &activity, &body, id, &inboxes, now,
                    )),
                )
                .await?;
            state.wake_deliveries();
            moved
        }
        None => {
            state
                .db
                .change_application_state(id, &app.state, to, note, now, None)
                .await?
        }
    };
    if !moved {
        return Err(AppError::Conflict(
            "the application changed meanwhile".into(),
        ));
    }
    // A council that accepts a member of this node records the membership at once; members
    // from other nodes are known by their accepted application.
    if app.kind == "membership" && to == "accepted" {
        if let Some(user) = state.db.user_by_actor(&app.applicant_id).await? {
            state
                .db
                .add_coop_member(coop.id.as_str(), user.id, now)
                .await?;
        }
    }
    Ok(())
}

/// The co-op moved one of our members' applications.
pub async fn receive_application_update(
    data: &Data<AppState>,
    coop: &KnownActor,
    object: &Value,
) -> Result<(), AppError> {
    let doc: ApplicationDoc = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable application: {e}")))?;
    let app = data
        .db
        .application(doc.id.as_str())
        .await?
        .ok_or_else(|| AppError::bad("no such application here"))?;
    if app.coop_id != coop.id.as_str() || doc.target != coop.id {
        return Err(AppError::Forbidden(
            "only the co-op applied to moves an application".into(),
        ));
    }
    let to = doc
        .application_state
        .as_deref()
        .filter(|s| work::APPLICATION_STATES.contains(s))
        .ok_or_else(|| AppError::bad("the update has no state an application can be in"))?;
    if app.state == to {
        return Ok(());
    }
    if !work::may_move(&app.state, to) {
        return Err(AppError::Conflict(format!(
            "an application {} cannot become {to}",
            app.state
        )));
    }
    let note = text::limit(
        text::html_to_text(doc.state_note.as_deref().unwrap_or("")),
        2_000,
    );
    data.db
        .change_application_state(&app.id, &app.state, to, &note, now_ms(), None)
        .await?;
    Ok(())
}

/// A member applies as themselves: for the job post `job`, or for membership of the council
/// `council` (a handle or an actor id). Returns the application's id.
pub async fn apply_as(
    data: &Data<AppState>,
    user: &crate::core::store::users::UserRow,
    job: Option<&str>,
    council: Option<&str>,
    letter: &str,
) -> Result<String, AppError> {
    let applicant = data
        .db
        .local_actor(&user.actor_id)
        .await?
        .map(|a| convert::local_actor(&a, &data.settings))
        .ok_or_else(|| AppError::Internal("the member has no actor".into()))?;
    let profile = crate::features::people::shareable_profile(data, user.id).await?;
    match (job.map(str::trim), council.map(str::trim)) {
        (Some(job), None) => {
            let job = data.db.job(job).await?.ok_or(AppError::NotFound)?;
            let coop = crate::core::federation::stored_actor(data, &job.owner_id)
                .await?
                .ok_or(AppError::NotFound)?;
            apply(data, &applicant, &coop, Some(&job), letter, profile).await
        }
        (None, Some(council)) => {
            let data = data.reset_request_count();
            let coop = match Url::parse(council) {
                Ok(url) => crate::core::federation::actor(&url, &data).await?,
                Err(_) => {
                    let handle = coopnet_schemas::Handle::parse(council)
                        .map_err(|e| AppError::bad(format!("{council:?}: {e}")))?;
                    crate::core::federation::resolve_handle(&handle, &data).await?
                }
            };
            apply(&data, &applicant, &coop, None, letter, profile).await
        }
        _ => Err(AppError::bad(
            "apply for a job post (job) or for membership of a council (council), one of them",
        )),
    }
}
