//! The portal: server-rendered pages that show the network to people.
//!
//! Public to read; logging in is for acting. Pages work without JavaScript, carry one `h1`,
//! label every field, and fit a phone screen. Remote HTML is sanitised before it is stored, and
//! only ever inserted here as that sanitised HTML.

pub mod api;
pub mod auth;

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::{convert, KnownActor};
use crate::core::store::users::UserRow;
use crate::core::web::auth::Session;
use crate::core::AppState;
use crate::core::Settings;
use axum::response::Response;
use axum::{http::header, response::IntoResponse};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::HashMap;

/// The frame around every page.
pub fn layout(node_name: &str, title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (node_name) }
                link rel="stylesheet" href="/style.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { (node_name) }
                    nav aria-label="Main" {
                        a href="/" { "Network feed" }
                        a href="/search" { "Find co-ops" }
                        a href="/catalogue" { "Catalogue" }
                        a href="/jobs" { "Jobs" }
                        a href="/forums" { "Forums" }
                        a href="/directory" { "Directory" }
                        a href="/coops" { "Co-ops" }
                        a href="/library" { "Library" }
                        @if let Some(s) = session {
                            a href="/basket" { "Basket" }
                            a href="/orders" { "Orders" }
                            a href="/plans" { "Planning" }
                            a href="/credits" { "Credits" }
                            a href="/admin" { "My co-ops" }
                            a href="/profile" { "My profile" }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" { "Log out" }
                            }
                        } @else {
                            a href="/login" { "Log in" }
                        }
                    }
                }
                main id="main" { (body) }
                footer.site {
                    p { "A node of Coopnet, the co-operative network. Free software under the AGPL-3.0." }
                }
            }
        }
    }
}

/// Sanitised HTML from the store, inserted as is.
pub fn stored_html(html: &str) -> PreEscaped<&str> {
    PreEscaped(html)
}

const STYLE: &str = r#"
:root { --ink:#1b1b1b; --muted:#4a4a4a; --line:#c9c9c9; --bg:#fdfcf9; --accent:#0b5d3b; --accent-ink:#ffffff; --warn:#8a1c1c; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--ink); background:var(--bg); }
a { color:var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline:3px solid #e0a800; outline-offset:2px; }
.skip { position:absolute; left:-999px; }
.skip:focus { left:8px; top:8px; background:#fff; padding:4px 8px; }
header.site { display:flex; flex-wrap:wrap; gap:.5rem 1.5rem; align-items:center; padding:.75rem 1rem; border-bottom:1px solid var(--line); background:#fff; }
header.site .brand { font-weight:700; font-size:1.2rem; text-decoration:none; color:var(--ink); }
header.site nav { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center; }
main { max-width:48rem; margin:0 auto; padding:1rem; }
footer.site { max-width:48rem; margin:2rem auto; padding:0 1rem; color:var(--muted); font-size:.9rem; }
form.inline { display:inline; }
form.inline + form.inline { margin-left:.5em; }
button, .button { background:var(--accent); color:var(--accent-ink); border:0; border-radius:4px; padding:.45rem .9rem; font:inherit; cursor:pointer; text-decoration:none; display:inline-block; }
button.secondary { background:#fff; color:var(--accent); border:1px solid var(--accent); }
label { display:block; font-weight:600; margin-top:.75rem; }
input[type=text], input[type=password], input[type=search], textarea, select { width:100%; padding:.5rem; border:1px solid #767676; border-radius:4px; font:inherit; background:#fff; color:var(--ink); }
textarea { min-height:8rem; }
.hint { color:var(--muted); font-size:.9rem; margin:.25rem 0; }
article.post { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.75rem 1rem; margin:1rem 0; overflow-wrap:anywhere; }
article.post header { display:flex; flex-wrap:wrap; gap:.25rem .75rem; align-items:baseline; }
article.post .who { font-weight:700; }
article.post .handle, article.post time, .meta { color:var(--muted); font-size:.9rem; }
article.post .content img { max-width:100%; height:auto; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:1rem; margin:1rem 0; }
.notice { background:#e8f3ee; border-left:4px solid var(--accent); padding:.5rem .75rem; }
.error { background:#fbeaea; border-left:4px solid var(--warn); padding:.5rem .75rem; }
form.share { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; margin:-.5rem 0 1rem; }
form.share label { display:inline; margin:0; font-weight:400; }
form.share select { width:auto; }
.pager { display:flex; justify-content:space-between; margin:1rem 0; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; }
dl.facts dt { font-weight:600; }
dl.facts dd { margin:0; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; border-bottom:1px solid var(--line); padding:.35rem .25rem; }
div.chart svg { max-width:100%; height:auto; }
section#round { overflow-x:auto; }
input[type=number], input[type=url] { width:100%; padding:.5rem; border:1px solid #767676; border-radius:4px; font:inherit; background:#fff; color:var(--ink); }
p.check label { display:inline; font-weight:600; margin-left:.4rem; }
nav.admin-links { display:flex; flex-wrap:wrap; gap:.5rem 1rem; margin:.5rem 0 1rem; }
article.item, article.order { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.75rem 1rem; margin:1rem 0; overflow-wrap:anywhere; }
article.item { display:flex; flex-wrap:wrap; gap:.5rem 1rem; }
article.item img { width:8rem; height:8rem; object-fit:cover; border-radius:4px; }
article.item h2 { font-size:1.15rem; margin:0 0 .25rem; }
article.item p, article.order p { margin:.25rem 0; }
img.item-image { max-width:100%; height:auto; border-radius:6px; }
.price, .total { font-weight:600; }
strong.low { color:var(--warn); }
strong.out { color:var(--muted); }
.scroll { overflow-x:auto; }
code.checksum { overflow-wrap:anywhere; font-size:.85rem; }
ol.history { margin:.25rem 0; padding-left:1.25rem; color:var(--muted); font-size:.9rem; }
@media (max-width: 30rem) { main { padding:.5rem; } header.site { padding:.5rem; } }
"#;

/// The portal's one stylesheet.
pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
}

pub(crate) fn page(
    data: &AppState,
    title: &str,
    session: Option<&Session>,
    body: Markup,
) -> Response {
    layout(&data.settings.node_name, title, session, body).into_response()
}

/// What a portal handler answers: a page, or an error that `render_error_pages` shows as one.
pub type PageResult = Result<Response, PageError>;

/// An error a portal handler returns with `?`. It answers with the error's status and is shown
/// as a whole page, with the visitor's own header, by `render_error_pages`.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError(e)
    }
}

/// The error of a response answered by a `PageError`, waiting to be drawn as a page.
#[derive(Clone)]
struct ErrorToShow(std::sync::Arc<std::sync::Mutex<Option<AppError>>>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let mut response = (status, status.canonical_reason().unwrap_or("error")).into_response();
        response
            .extensions_mut()
            .insert(ErrorToShow(std::sync::Arc::new(std::sync::Mutex::new(
                Some(self.0),
            ))));
        response
    }
}

/// Draws the error a portal handler answered with as a page in the site's frame, with the
/// header of whoever is logged in (read only when there is an error to show).
pub async fn render_error_pages(
    data: activitypub_federation::config::Data<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let cookies = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .cloned()
        .collect::<Vec<_>>();
    let response = next.run(request).await;
    let Some(shown) = response.extensions().get::<ErrorToShow>().cloned() else {
        return response;
    };
    let Some(error) = shown.0.lock().ok().and_then(|mut e| e.take()) else {
        return response;
    };
    let session = auth::session_of(&data, &cookies).await.ok().flatten();
    error_page(&data, session.as_ref(), error)
}

pub(crate) fn error_page(data: &AppState, session: Option<&Session>, error: AppError) -> Response {
    let status = error.status();
    if status.is_server_error() {
        tracing::error!(error = %error, "page failed");
    }
    let message = match &error {
        AppError::Store(_) | AppError::Internal(_) => {
            "Something went wrong on this node.".to_string()
        }
        AppError::NotFound => "There is nothing here.".to_string(),
        other => other.to_string(),
    };
    let body = html! {
        h1 { "Sorry" }
        p.error role="alert" { (message) }
        p { a href="/" { "Back to the network feed" } }
    };
    (
        status,
        layout(&data.settings.node_name, "Sorry", session, body),
    )
        .into_response()
}

pub(crate) fn human_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%e %b %Y, %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Text for a query string.
pub(crate) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The member's own actor, as they appear when acting for themselves.
pub(crate) async fn person(data: &AppState, user: &UserRow) -> Result<KnownActor, AppError> {
    let row = data
        .db
        .local_actor(&user.actor_id)
        .await?
        .ok_or_else(|| AppError::Internal("the member has no actor".into()))?;
    Ok(convert::local_actor(&row, &data.settings))
}

/// Display names of actors, looked up once per page.
#[derive(Default)]
pub(crate) struct Names(HashMap<String, Option<KnownActor>>);

impl Names {
    pub(crate) async fn actor(
        &mut self,
        data: &AppState,
        id: &str,
    ) -> Result<Option<KnownActor>, AppError> {
        if let Some(known) = self.0.get(id) {
            return Ok(known.clone());
        }
        let found = activitypub::stored_actor(data, id).await?;
        self.0.insert(id.to_string(), found.clone());
        Ok(found)
    }

    pub(crate) async fn name(&mut self, data: &AppState, id: &str) -> Result<String, AppError> {
        Ok(self
            .actor(data, id)
            .await?
            .map(|a| a.name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.to_string()))
    }
}

/// Where a person reads an actor's profile: ours here, a peer's on its node.
pub(crate) fn profile_href(actor: &KnownActor) -> String {
    if actor.is_local() {
        actor.id.path().to_string()
    } else {
        actor.id.to_string()
    }
}

/// The portal's link to an object: its own path when it is one of ours under `local_prefix`,
/// otherwise `page?id=`, the page that shows the copy held here.
pub fn object_href(settings: &Settings, id: &str, local_prefix: &str, page: &str) -> String {
    match url::Url::parse(id) {
        Ok(u) if settings.is_local(&u) && u.path().starts_with(local_prefix) => {
            u.path().to_string()
        }
        _ => format!("{page}?id={}", enc(id)),
    }
}
