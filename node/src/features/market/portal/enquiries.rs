//! Bulk order enquiries in the portal: the private threads between a buyer (a member or a
//! consumer council) and a workplace, read and answered by either side.
//!
//! A thread is shown only to an actor who takes part in it; to anyone else it does not exist.

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
use crate::core::web::auth::{Session, User};
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{enc, person, profile_href, Names};
use crate::core::web::{human_time, page};
use crate::core::AppState;
use crate::core::{federation as activitypub, text};
use crate::features::coops::portal::acting_coop;
use crate::features::market::store::enquiries::EnquiryRow;
use crate::features::market::wire as market;

pub fn routes() -> Router {
    Router::new()
        .route("/enquiries", get(my_threads))
        .route("/enquiries/thread", get(my_thread))
        .route("/enquiries/reply", post(my_reply))
        .route("/admin/{handle}/enquiries", get(coop_threads))
        .route("/admin/{handle}/enquiries/thread", get(coop_thread))
        .route("/admin/{handle}/enquiries/reply", post(coop_reply))
}

/// The other party of a message, seen from `me`.
fn other_party<'a>(me: &KnownActor, m: &'a EnquiryRow) -> &'a str {
    if m.author_id == me.id.as_str() {
        &m.recipient_id
    } else {
        &m.author_id
    }
}

async fn threads_body(data: &AppState, me: &KnownActor, base: &str) -> Result<Markup, AppError> {
    let threads = data.db.enquiry_threads_of(me.id.as_str()).await?;
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(threads.len());
    for last in threads {
        let other = names.name(data, other_party(me, &last)).await?;
        rows.push((last, other));
    }
    Ok(html! {
        h1 { "Enquiries of " (me.name) }
        p.hint { "Private threads about bulk orders. Start one from an item's page." }
        @if rows.is_empty() { p.card { "No enquiries yet." } }
        ul {
            @for (last, other) in &rows {
                li {
                    a href={(base) "/thread?id=" (enc(&last.thread_id))} { "With " (other) }
                    " · " span.meta { (human_time(last.created_at)) }
                    p.hint { (text::limit(text::html_to_text(&last.body_html), 140)) }
                }
            }
        }
    })
}

async fn thread_body(
    data: &AppState,
    session: &Session,
    me: &KnownActor,
    base: &str,
    thread: &str,
) -> Result<Markup, AppError> {
    let messages = data.db.enquiry_thread(thread).await?;
    let Some(first) = messages
        .iter()
        .find(|m| m.author_id == me.id.as_str() || m.recipient_id == me.id.as_str())
    else {
        return Err(AppError::NotFound);
    };
    let mut names = Names::default();
    let other_id = other_party(me, first).to_string();
    let other = names.actor(data, &other_id).await?;
    let other_name = names.name(data, &other_id).await?;
    let mut shown = Vec::with_capacity(messages.len());
    for m in &messages {
        shown.push((m, names.name(data, &m.author_id).await?));
    }
    Ok(html! {
        h1 { "Enquiry with " (other_name) }
        p.meta {
            a href=(base) { "All enquiries of " (me.name) }
            @if let Some(o) = &other { " · " a href=(profile_href(o)) { "Profile of " (o.name) } }
        }
        @for (m, author) in &shown {
            article.post {
                header {
                    span.who { (author) }
                    time datetime=(crate::core::store::rfc3339(m.created_at)) { (human_time(m.created_at)) }
                }
                div.content { (stored_html(&m.body_html)) }
            }
        }
        section.card aria-labelledby="reply-h" {
            h2 id="reply-h" { "Reply" }
            form method="post" action={(base) "/reply"} {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="thread" value=(thread);
                label for="body" { "Your reply" }
                p.hint id="body-hint" { "Markdown. Only " (other_name) " receives it." }
                textarea id="body" name="body" required aria-describedby="body-hint" {}
                p { button type="submit" { "Send reply" } }
            }
        }
    })
}

/// Sends `body` in `thread` from `me` to whoever else takes part in it.
async fn reply(data: &AppState, me: &KnownActor, thread: &str, body: &str) -> Result<(), AppError> {
    let messages = data.db.enquiry_thread(thread).await?;
    let first = messages
        .iter()
        .find(|m| m.author_id == me.id.as_str() || m.recipient_id == me.id.as_str())
        .ok_or(AppError::NotFound)?;
    let other = activitypub::stored_actor(data, other_party(me, first))
        .await?
        .ok_or_else(|| AppError::bad("the other party is no longer known here"))?;
    market::send_enquiry(data, me, &other, Some(thread), body).await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct ThreadQuery {
    id: String,
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    csrf: String,
    thread: String,
    body: String,
}

pub async fn my_threads(data: Data<AppState>, User(session): User) -> PageResult {
    let result = async {
        let me = person(&data, &session.user).await?;
        threads_body(&data, &me, "/enquiries").await
    }
    .await;
    let body = result?;
    Ok(page(&data, "Enquiries", Some(&session), body))
}

pub async fn my_thread(
    data: Data<AppState>,
    User(session): User,
    query: Result<Query<ThreadQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let me = person(&data, &session.user).await?;
        thread_body(&data, &session, &me, "/enquiries", q.id.trim()).await
    }
    .await;
    let body = result?;
    Ok(page(&data, "Enquiry", Some(&session), body))
}

pub async fn my_reply(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ReplyForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let me = person(&data, &session.user).await?;
        reply(&data, &me, form.thread.trim(), &form.body).await
    }
    .await;
    let () = result?;
    Ok(Redirect::to(&format!("/enquiries/thread?id={}", enc(form.thread.trim()))).into_response())
}

pub async fn coop_threads(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let base = format!("/admin/{}/enquiries", coop.username);
        threads_body(&data, &coop, &base).await
    }
    .await;
    let body = result?;
    Ok(page(&data, "Enquiries", Some(&session), body))
}

pub async fn coop_thread(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    query: Result<Query<ThreadQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let coop = acting_coop(&data, &session, &handle).await?;
        let base = format!("/admin/{}/enquiries", coop.username);
        thread_body(&data, &session, &coop, &base, q.id.trim()).await
    }
    .await;
    let body = result?;
    Ok(page(&data, "Enquiry", Some(&session), body))
}

pub async fn coop_reply(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ReplyForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        reply(&data, &coop, form.thread.trim(), &form.body).await?;
        Ok::<_, AppError>(format!(
            "/admin/{}/enquiries/thread?id={}",
            coop.username,
            enc(form.thread.trim())
        ))
    }
    .await;
    let to = result?;
    Ok(Redirect::to(&to).into_response())
}
