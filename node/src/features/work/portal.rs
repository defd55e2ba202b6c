//! Work in the portal: the jobs board of the network, job pages with the application form, a
//! member's applications, and for workplaces and councils their job posts and the applications
//! they received, with the forms that move them.
//!
//! Applications are shown only to the applicant and to those who act for the co-op applied to.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, Form, Path, Query},
    response::{IntoResponse, Redirect},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::web::auth::{MaybeUser, Session, User};
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{enc, profile_href, Names};
use crate::core::web::{human_time, page};
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::work;
use crate::features::work::api::BoardQuery;
use crate::features::work::store::{ApplicationRow, JobRow};
use crate::features::work::{wire as federated, JobFields, Skills};

pub fn routes() -> Router {
    Router::new()
        .route("/jobs", get(board))
        .route("/jobs/view", get(job_page))
        .route("/jobs/apply", post(apply))
        .route("/applications", get(my_applications))
        .route("/applications/membership", post(apply_membership))
        .route("/admin/{handle}/jobs", get(coop_jobs).post(post_job))
        .route("/admin/{handle}/jobs/change", post(change_job))
        .route("/admin/{handle}/applications", get(coop_applications))
        .route("/admin/{handle}/applications/state", post(move_application))
}

fn state_label(job: &JobRow) -> String {
    if job.state == "open" && !job.is_open(&work::today()) {
        "Closed (past its closing date)".into()
    } else {
        match job.state.as_str() {
            "filled" => "Filled".into(),
            "closed" => "Closed".into(),
            _ => match &job.closes_on {
                Some(d) => format!("Open, apply by {d}"),
                None => "Open".into(),
            },
        }
    }
}

fn job_summary(job: &JobRow, owner: &str) -> Markup {
    html! {
        article.item {
            div {
                h3 { a href={"/jobs/view?id=" (enc(&job.id))} { (job.title) } }
                p.meta { (owner) @if let Some(r) = &job.region { " · " (r) } " · " (job.hours) }
                p { "Pay: " (job.pay) }
                @if !job.skills.is_empty() { p.meta { "Skills: " (job.skill_list().join(", ")) } }
                p.meta { (state_label(job)) }
            }
        }
    }
}

async fn board(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let jobs = data.db.jobs_board(&q.to_query()).await?;
        let mut names = Names::default();
        let mut rows = Vec::new();
        for job in jobs {
            let owner = names.name(&data, &job.owner_id).await?;
            rows.push((job, owner));
        }
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok::<_, AppError>(html! {
            h1 { "Jobs in the network" }
            p.hint { "Job posts of this node's workplaces and of the workplaces co-ops here follow." }
            form.card method="get" action="/jobs" role="search" {
                label for="q" { "Words" }
                input id="q" name="q" value=(value(&q.q));
                label for="region" { "Region" }
                input id="region" name="region" value=(value(&q.region));
                label for="industry" { "Industry" }
                input id="industry" name="industry" value=(value(&q.industry));
                label for="skill" { "Skill" }
                input id="skill" name="skill" value=(value(&q.skill));
                p.check { input id="all" type="checkbox" name="all" value="true" checked[q.all]; label for="all" { "Include closed and filled posts" } }
                p { button type="submit" { "Find jobs" } }
            }
            @if rows.is_empty() { p.card { "No job posts match." } }
            @for (job, owner) in &rows { (job_summary(job, owner)) }
            @if session.is_some() { p { a href="/applications" { "Your applications" } } }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Jobs", session.as_ref(), body))
}

#[derive(Debug, Deserialize)]
pub struct IdQuery {
    id: String,
}

async fn job_page(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    query: Result<Query<IdQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let job = data.db.job(q.id.trim()).await?.ok_or(AppError::NotFound)?;
        let mut names = Names::default();
        let owner = names.actor(&data, &job.owner_id).await?;
        let open = job.is_open(&work::today());
        Ok::<_, AppError>((
            job.title.clone(),
            html! {
                h1 { (job.title) }
                p.meta {
                    @if let Some(o) = &owner { a href=(profile_href(o)) { (o.name) } }
                    @if let Some(i) = &job.industry { " · " (i) }
                    @if let Some(r) = &job.region { " · " (r) }
                }
                dl.facts {
                    dt { "Hours" } dd { (job.hours) }
                    dt { "Pay or remuneration" } dd { (job.pay) }
                    @if !job.skills.is_empty() { dt { "Skills" } dd { (job.skill_list().join(", ")) } }
                    dt { "Status" } dd { (state_label(&job)) }
                    dt { "Posted" } dd { (human_time(job.published_at)) }
                }
                div.content { (stored_html(&job.description_html)) }
                @if open {
                    @if let Some(s) = &session {
                        section.card aria-labelledby="apply-h" {
                            h2 id="apply-h" { "Apply" }
                            form method="post" action="/jobs/apply" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                input type="hidden" name="job" value=(job.id);
                                label for="letter" { "Your letter" }
                                p.hint id="letter-hint" { "Markdown. Only the workplace sees it, with the parts of your profile you share with co-ops." }
                                textarea id="letter" name="letter" aria-describedby="letter-hint" {}
                                p { button type="submit" { "Send application" } }
                            }
                        }
                    } @else {
                        p { a href="/login" { "Log in to apply" } }
                    }
                }
                p { a href="/jobs" { "All jobs" } }
            },
        ))
    }
    .await;
    let (title, body) = result?;
    Ok(page(&data, &title, session.as_ref(), body))
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    csrf: String,
    #[serde(default)]
    job: Option<String>,
    #[serde(default)]
    council: Option<String>,
    #[serde(default)]
    letter: String,
}

async fn apply(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ApplyForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        federated::apply_as(
            &data,
            &session.user,
            form.job.as_deref(),
            None,
            &form.letter,
        )
        .await
    }
    .await;
    result?;
    Ok(Redirect::to("/applications").into_response())
}

async fn apply_membership(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ApplyForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        federated::apply_as(
            &data,
            &session.user,
            None,
            form.council.as_deref(),
            &form.letter,
        )
        .await
    }
    .await;
    result?;
    Ok(Redirect::to("/applications").into_response())
}

async fn application_card(
    data: &AppState,
    names: &mut Names,
    a: &ApplicationRow,
    viewer_is_coop: bool,
) -> Result<Markup, AppError> {
    let events = data.db.application_events(&a.id).await?;
    let other = if viewer_is_coop {
        names.name(data, &a.applicant_id).await?
    } else {
        names.name(data, &a.coop_id).await?
    };
    let job = match &a.job_id {
        Some(j) => data.db.job(j).await?,
        None => None,
    };
    let profile: serde_json::Value = serde_json::from_str(&a.profile).unwrap_or_default();
    Ok(html! {
        article.order {
            h3 {
                @if viewer_is_coop { "From " (other) } @else { "To " (other) }
                " · "
                @match (&job, a.kind.as_str()) {
                    (Some(j), _) => { a href={"/jobs/view?id=" (enc(&j.id))} { (j.title) } },
                    (None, "membership") => { "membership" },
                    _ => { "a job post no longer listed" },
                }
            }
            p { strong { "State: " (a.state) } }
            @if viewer_is_coop {
                div.content { (stored_html(&a.letter_html)) }
                @if let Some(map) = profile.as_object() {
                    dl.facts {
                        @for (k, v) in map {
                            @if let Some(s) = v.as_str() { dt { (k) } dd { (stored_html(s)) } }
                        }
                    }
                }
            }
            ol {
                @for e in &events {
                    li { (e.state) " · " (human_time(e.at)) @if !e.note.is_empty() { " · " (e.note) } }
                }
            }
        }
    })
}

async fn my_applications(data: Data<AppState>, User(session): User) -> PageResult {
    let result = async {
        let mut names = Names::default();
        let mut cards = Vec::new();
        for a in data.db.applications_by(&session.user.actor_id).await? {
            cards.push(application_card(&data, &mut names, &a, false).await?);
        }
        Ok::<_, AppError>(html! {
            h1 { "Your applications" }
            p.hint { "Only you and the co-op you applied to see an application." }
            @if cards.is_empty() { p.card { "No applications yet. Find work on the " a href="/jobs" { "jobs board" } "." } }
            @for c in &cards { (c) }
            section.card aria-labelledby="member-h" {
                h2 id="member-h" { "Apply for membership of a consumer council" }
                form method="post" action="/applications/membership" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="council" { "The council's handle" }
                    input id="council" name="council" required placeholder="@north@coop.example";
                    label for="letter" { "Your letter" }
                    textarea id="letter" name="letter" {}
                    p { button type="submit" { "Send application" } }
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Your applications", Some(&session), body))
}

fn job_form(session: &Session, coop: &KnownActor) -> Markup {
    html! {
        section.card aria-labelledby="new-job-h" {
            h2 id="new-job-h" { "Post a job" }
            form method="post" action={"/admin/" (coop.username) "/jobs"} {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="title" { "Title" } input id="title" name="title" required maxlength="200";
                label for="description" { "Description" }
                p.hint id="description-hint" { "Markdown." }
                textarea id="description" name="description" aria-describedby="description-hint" {}
                label for="hours" { "Hours" } input id="hours" name="hours" required placeholder="30 hours a week";
                label for="pay" { "Pay or remuneration scheme" } input id="pay" name="pay" required;
                label for="region" { "Region" } input id="region" name="region" value=(coop.region.clone().unwrap_or_default());
                label for="skills" { "Skills, separated by commas" } input id="skills" name="skills";
                label for="closes_on" { "Closing date" } input id="closes_on" name="closes_on" type="date";
                p { button type="submit" { "Publish the job post" } }
            }
        }
    }
}

async fn coop_jobs(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let jobs = data.db.jobs_of(coop.id.as_str()).await?;
        let base = format!("/admin/{}", coop.username);
        Ok::<_, AppError>(html! {
            h1 { "Job posts of " (coop.name) }
            p { a href={(base) "/applications"} { "Applications received" } }
            @for job in &jobs {
                (job_summary(job, &coop.name))
                form.inline method="post" action={(base) "/jobs/change"} {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="id" value=(job.id);
                    @for (value, label) in [("open", "Reopen"), ("closed", "Close"), ("filled", "Mark filled"), ("delete", "Remove")] {
                        @if value != job.state {
                            button type="submit" name="state" value=(value) { (label) } " "
                        }
                    }
                }
            }
            (job_form(&session, &coop))
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Job posts", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct JobForm {
    csrf: String,
    title: String,
    #[serde(default)]
    description: String,
    hours: String,
    pay: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    skills: String,
    #[serde(default)]
    closes_on: String,
}

async fn post_job(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<JobForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        let fields = JobFields {
            title: form.title,
            description: form.description,
            hours: form.hours,
            pay: form.pay,
            region: Some(form.region),
            skills: Skills::Text(form.skills),
            closes_on: Some(form.closes_on),
        };
        federated::post_job(&data, &coop, fields.check()?).await?;
        Ok::<_, AppError>(coop)
    }
    .await;
    let coop = result?;
    Ok(Redirect::to(&format!("/admin/{}/jobs", coop.username)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    csrf: String,
    id: String,
    state: String,
}

async fn change_job(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ChangeForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        if form.state == "delete" {
            federated::delete_job(&data, &coop, form.id.trim()).await?;
        } else {
            federated::change_job(&data, &coop, form.id.trim(), None, Some(form.state.trim()))
                .await?;
        }
        Ok::<_, AppError>(coop)
    }
    .await;
    let coop = result?;
    Ok(Redirect::to(&format!("/admin/{}/jobs", coop.username)).into_response())
}

async fn coop_applications(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let mut names = Names::default();
        let mut cards = Vec::new();
        for a in data.db.applications_to(coop.id.as_str()).await? {
            let card = application_card(&data, &mut names, &a, true).await?;
            let next: Vec<&str> = work::APPLICATION_STATES
                .iter()
                .copied()
                .filter(|s| work::may_move(&a.state, s))
                .collect();
            cards.push(html! {
                (card)
                @if !next.is_empty() {
                    form method="post" action={"/admin/" (coop.username) "/applications/state"} {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="id" value=(a.id);
                        label for={"note-" (enc(&a.id))} { "Note to the applicant" }
                        input id={"note-" (enc(&a.id))} name="note" maxlength="2000";
                        p { @for s in &next { button type="submit" name="state" value=(s) { "Move to " (s) } " " } }
                    }
                }
            });
        }
        Ok::<_, AppError>(html! {
            h1 { "Applications to " (coop.name) }
            p.hint { "Only those who act for " (coop.name) " and each applicant see these." }
            @if cards.is_empty() { p.card { "No applications yet." } }
            @for c in &cards { (c) }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Applications", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    csrf: String,
    id: String,
    state: String,
    #[serde(default)]
    note: String,
}

async fn move_application(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        federated::change_application(&data, &coop, form.id.trim(), form.state.trim(), &form.note)
            .await?;
        Ok::<_, AppError>(coop)
    }
    .await;
    let coop = result?;
    Ok(Redirect::to(&format!("/admin/{}/applications", coop.username)).into_response())
}
