//! Forums in the portal: the forums known here, a forum's threads with a form to start one (and
//! a Preview button that renders the Markdown without JavaScript), a thread with its replies
//! nested under what they answer and a reply form under each post, edit and delete of one's own
//! posts, and for moderators pin, lock and remove with their log.

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, Form, Query},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::text;
use crate::core::web::auth::{MaybeUser, Session, User};
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{enc, profile_href, Names};
use crate::core::web::{error_page, human_time, page};
use crate::core::AppState;
use crate::features::forums::store::{ForumPostRow, ReportRow};
use crate::features::forums::wire::{self as federated, Draft, Moderation};
use crate::features::{coops, forums};

pub fn routes() -> Router {
    Router::new()
        .route("/forums", get(list))
        .route("/forums/view", get(forum_page))
        .route("/forums/threads", post(new_thread))
        .route("/forums/thread", get(thread_page))
        .route("/forums/replies", post(reply))
        .route("/forums/edit", post(edit))
        .route("/forums/delete", post(delete))
        .route("/forums/moderate", post(moderate))
        .route("/forums/follow", post(follow))
        .route("/forums/follow-thread", post(follow_thread))
        .route("/forums/report", post(report))
        .route("/forums/reports", get(reports_page))
        .route("/forums/reports/resolve", post(resolve_report))
        .route("/forums/ban", post(ban))
        .route("/forums/unban", post(unban))
        .route("/forums/settings", post(settings))
}

fn forum_href(forum: &KnownActor) -> String {
    format!("/forums/view?forum={}", enc(forum.id.as_str()))
}

fn thread_href(id: &str) -> String {
    format!("/forums/thread?id={}", enc(id))
}

async fn list(data: Data<AppState>, MaybeUser(session): MaybeUser) -> PageResult {
    list_with(data, session, None).await
}

async fn list_with(
    data: Data<AppState>,
    session: Option<Session>,
    error: Option<String>,
) -> PageResult {
    let result = async {
        let all = forums::known_forums(&data).await?;
        let followed = match &session {
            Some(s) => data.db.followed_threads(s.user.id).await?,
            None => Vec::new(),
        };
        let moderates = match &session {
            Some(s) => !forums::moderated_forums(&data, &s.user).await?.is_empty(),
            None => false,
        };
        Ok::<_, AppError>(html! {
            h1 { "Forums" }
            @if !followed.is_empty() {
                section.card aria-labelledby="following-h" {
                    h2 id="following-h" { "Threads you follow" }
                    ul {
                        @for t in &followed {
                            li {
                                a href=(thread_href(&t.thread_id)) { (t.title.clone().unwrap_or_default()) }
                                @if t.unread > 0 { " · " strong { (t.unread) " new" } }
                            }
                        }
                    }
                }
            }
            @if moderates { p { a href="/forums/reports" { "Reports to moderators" } } }
            p.hint { "This node's forums, then forums elsewhere in the network that this node knows of. Threads of a forum on another node show here once someone here follows it." }
            @if all.is_empty() { p.card { "No forums yet." } }
            @for entry in &all {
                @let f = &entry.actor;
                article.item {
                    div {
                        h2 { a href=(forum_href(f)) { (f.name) } }
                        p.meta {
                            (f.handle())
                            @if !f.is_local() {
                                " · on another node"
                                @if !entry.followed { " · not followed here yet" }
                            }
                        }
                        @if !f.summary.is_empty() { p { (f.summary) } }
                        @if let (Some(s), false) = (&session, entry.followed) {
                            form.inline method="post" action="/forums/follow" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                input type="hidden" name="handle" value=(f.handle());
                                button type="submit" { "Follow" }
                            }
                        }
                    }
                }
            }
            @if let Some(s) = &session {
                section.card aria-labelledby="follow-h" {
                    h2 id="follow-h" { "Follow a forum on another node" }
                    @if let Some(e) = &error { p.error role="alert" { (e) } }
                    form method="post" action="/forums/follow" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        label for="handle" { "Its handle" }
                        p.hint id="handle-hint" { "Such as @remuneration@coop.example. You follow it as yourself." }
                        input id="handle" name="handle" required aria-describedby="handle-hint";
                        p { button type="submit" { "Follow" } }
                    }
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Forums", session.as_ref(), body))
}

#[derive(Debug, Deserialize)]
pub struct ForumQuery {
    forum: String,
}

async fn is_moderator(data: &AppState, session: Option<&Session>, forum: &KnownActor) -> bool {
    match session {
        Some(s) if forum.is_local() => coops::may_act_for(&data.db, &s.user, forum.id.as_str())
            .await
            .unwrap_or(false),
        _ => false,
    }
}

/// What the new-thread form holds when it is shown again (a preview, or an error).
#[derive(Default)]
struct Filled {
    title: String,
    text: String,
    preview: Option<String>,
    error: Option<String>,
}

async fn forum_body(
    data: &AppState,
    session: Option<&Session>,
    forum: &KnownActor,
    filled: Filled,
) -> Result<Markup, AppError> {
    let threads = data.db.forum_threads(forum.id.as_str()).await?;
    let mut names = Names::default();
    let mut rows = Vec::new();
    for t in threads {
        let author = names.name(data, &t.author_id).await?;
        let replies = data.db.forum_replies(&t.id).await?.len();
        rows.push((t, author, replies));
    }
    let moderator = is_moderator(data, session, forum).await;
    let unfollowed = !forum.is_local() && !data.db.is_followed_locally(forum.id.as_str()).await?;
    let moderators_only = data.db.forum_moderators_only(forum.id.as_str()).await?;
    let (log, bans, reports) = if moderator {
        let forum_ids = [forum.id.to_string()];
        (
            data.db.moderation_log(forum.id.as_str()).await?,
            data.db.forum_bans(forum.id.as_str()).await?,
            data.db.reports(Some(&forum_ids), true).await?,
        )
    } else {
        Default::default()
    };
    Ok(html! {
        h1 { (forum.name) }
        @if !forum.summary.is_empty() { p { (forum.summary) } }
        p.meta { (forum.handle()) " · " a href=(profile_href(forum)) { "profile" } }
        @if unfollowed {
            p.card {
                "No one here follows this forum yet, so its threads are not here. "
                @if let Some(s) = session {
                    form.inline method="post" action="/forums/follow" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        input type="hidden" name="handle" value=(forum.handle());
                        button type="submit" { "Follow it" }
                    }
                }
            }
        }
        @if rows.is_empty() { p.card { "No threads yet." } }
        @for (t, author, replies) in &rows {
            article.item {
                div {
                    h2 {
                        @if t.pinned == 1 { "📌 " }
                        a href=(thread_href(&t.id)) { (t.title.clone().unwrap_or_default()) }
                    }
                    p.meta {
                        (author) " · " (human_time(t.published_at)) " · " (replies) " replies"
                        @if t.locked == 1 { " · locked" }
                    }
                }
            }
        }
        @if moderators_only && !moderator {
            p.hint { "Only the forum's moderators start threads here; everyone may reply." }
        } @else if let Some(s) = session {
            section.card aria-labelledby="new-h" {
                h2 id="new-h" { "Start a thread" }
                @if let Some(e) = &filled.error { p.error role="alert" { (e) } }
                @if let Some(p) = &filled.preview {
                    div.preview aria-label="Preview" {
                        h3 { "Preview: " (filled.title) }
                        div.content { (stored_html(p)) }
                    }
                }
                form method="post" action="/forums/threads" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    input type="hidden" name="forum" value=(forum.id.as_str());
                    label for="title" { "Title" }
                    input id="title" name="title" maxlength="200" required value=(filled.title);
                    label for="text" { "Your post" }
                    p.hint id="text-hint" { "Markdown." }
                    textarea id="text" name="text" aria-describedby="text-hint" required { (filled.text) }
                    p {
                        button type="submit" name="preview" value="1" { "Preview" }
                        " "
                        button type="submit" { "Post" }
                    }
                }
            }
        } @else {
            p { a href="/login" { "Log in to write" } }
        }
        @if moderator {
            @if let Some(s) = session {
                section.card aria-labelledby="reports-h" {
                    h2 id="reports-h" { "Open reports" }
                    @if reports.is_empty() { p { "None." } }
                    (reports_list(s, &reports))
                }
                section.card aria-labelledby="settings-h" {
                    h2 id="settings-h" { "Who starts threads" }
                    form method="post" action="/forums/settings" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        input type="hidden" name="forum" value=(forum.id.as_str());
                        label {
                            input type="checkbox" name="moderators_only" value="1" checked[moderators_only];
                            " Only moderators start threads (everyone may reply)"
                        }
                        p { button type="submit" { "Save" } }
                    }
                }
                section.card aria-labelledby="bans-h" {
                    h2 id="bans-h" { "Banned" }
                    @if bans.is_empty() { p { "No one." } }
                    ul {
                        @for b in &bans {
                            li {
                                (b.actor_id) " · " (human_time(b.at))
                                @if let Some(r) = &b.reason { " · " (r) }
                                form.inline method="post" action="/forums/unban" {
                                    input type="hidden" name="csrf" value=(s.csrf);
                                    input type="hidden" name="forum" value=(forum.id.as_str());
                                    input type="hidden" name="person" value=(b.actor_id);
                                    " " button type="submit" { "Lift the ban" }
                                }
                            }
                        }
                    }
                    form method="post" action="/forums/ban" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        input type="hidden" name="forum" value=(forum.id.as_str());
                        label for="ban-person" { "Ban someone" }
                        p.hint id="ban-person-hint" { "Their handle, such as @sam@coop.example." }
                        input id="ban-person" name="person" required aria-describedby="ban-person-hint";
                        label for="ban-reason" { "Reason" }
                        input id="ban-reason" name="reason" maxlength="1000";
                        label { input type="checkbox" name="remove_posts" value="1"; " Also remove what they wrote here" }
                        p { button type="submit" { "Ban" } }
                    }
                }
            }
            section.card aria-labelledby="log-h" {
                h2 id="log-h" { "Moderation log" }
                @if log.is_empty() { p { "Nothing yet." } }
                ul {
                    @for l in &log {
                        li {
                            (human_time(l.at)) " · " (l.moderator_id) " · " (l.action) " · "
                            @if l.action.contains("ban") { (l.post_id) } @else { a href=(thread_href(&l.post_id)) { (l.post_id) } }
                            @if let Some(r) = &l.reason { " · " (r) }
                        }
                    }
                }
            }
        }
        p { a href="/forums" { "All forums" } }
    })
}

async fn forum_page(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    query: Result<Query<ForumQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let forum = forums::find(&data, &q.forum).await?;
        let body = forum_body(&data, session.as_ref(), &forum, Filled::default()).await?;
        Ok::<_, AppError>((forum.name.clone(), body))
    }
    .await;
    let (title, body) = result?;
    Ok(page(&data, &title, session.as_ref(), body))
}

#[derive(Debug, Deserialize)]
pub struct ThreadForm {
    csrf: String,
    forum: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    preview: Option<String>,
}

async fn new_thread(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ThreadForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let forum = forums::find(&data, &form.forum).await?;
        if form.preview.is_some() {
            let filled = Filled {
                preview: Some(text::markdown_to_html(&form.text)),
                title: form.title.clone(),
                text: form.text.clone(),
                error: None,
            };
            let body = forum_body(&data, Some(&session), &forum, filled).await?;
            return Ok::<_, AppError>(page(&data, &forum.name, Some(&session), body));
        }
        let me = forums::person_of(&data, &session.user).await?;
        let draft = Draft {
            title: Some(&form.title),
            parent: None,
            markdown: &form.text,
        };
        match federated::write(&data, &me, &forum, draft).await {
            Ok(row) => {
                forums::follow_thread(&data, &session.user, &row.id, true).await?;
                Ok(Redirect::to(&thread_href(&row.id)).into_response())
            }
            Err(AppError::BadRequest(message)) => {
                let filled = Filled {
                    title: form.title.clone(),
                    text: form.text.clone(),
                    preview: None,
                    error: Some(message),
                };
                let body = forum_body(&data, Some(&session), &forum, filled).await?;
                Ok(page(&data, &forum.name, Some(&session), body))
            }
            Err(e) => Err(e),
        }
    }
    .await;
    let response = result?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct IdQuery {
    id: String,
}

struct ThreadView<'a> {
    session: Option<&'a Session>,
    forum: &'a KnownActor,
    me: Option<String>,
    moderator: bool,
    open: bool,
    children: HashMap<String, Vec<ForumPostRow>>,
    names: HashMap<String, String>,
    draft: Option<ReplyDraft>,
}

fn post_markup(view: &ThreadView<'_>, post: &ForumPostRow, depth: usize) -> Markup {
    let author = view
        .names
        .get(&post.author_id)
        .cloned()
        .unwrap_or_else(|| post.author_id.clone());
    let mine = view.me.as_deref() == Some(post.author_id.as_str()) && post.removed_at.is_none();
    let children = view.children.get(&post.id).cloned().unwrap_or_default();
    html! {
        article.post id=(format!("p-{}", enc(&post.id))) style=(format!("margin-left: {}em", depth.min(8) * 2)) {
            p.meta {
                (author) " · " (human_time(post.published_at))
                @if post.updated_at.is_some() { " · edited" }
            }
            @if post.removed_at.is_some() {
                p.meta { "(removed)" }
            } @else {
                div.content { (stored_html(&post.content_html)) }
            }
            @if let Some(s) = view.session {
                @if view.open && post.removed_at.is_none() {
                    @let draft = view.draft.as_ref().filter(|d| d.parent == post.id);
                    details open[draft.is_some()] {
                        summary { "Reply" }
                        @if let Some(e) = draft.and_then(|d| d.error.as_ref()) { p.error role="alert" { (e) } }
                        @if let Some(preview) = draft.and_then(|d| d.preview.as_ref()) {
                            div.preview aria-label="Preview" { div.content { (stored_html(preview)) } }
                        }
                        form method="post" action="/forums/replies" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="parent" value=(post.id);
                            label for=(format!("r-{}", enc(&post.id))) { "Your reply (Markdown)" }
                            textarea id=(format!("r-{}", enc(&post.id))) name="text" required {
                                (draft.map(|d| d.text.as_str()).unwrap_or_default())
                            }
                            p {
                                button type="submit" name="preview" value="1" { "Preview" }
                                " "
                                button type="submit" { "Reply" }
                            }
                        }
                    }
                }
                @if mine {
                    details {
                        summary { "Edit" }
                        form method="post" action="/forums/edit" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="id" value=(post.id);
                            @if post.thread_id.is_none() {
                                label for=(format!("t-{}", enc(&post.id))) { "Title" }
                                input id=(format!("t-{}", enc(&post.id))) name="title" value=(post.title.clone().unwrap_or_default());
                            }
                            label for=(format!("e-{}", enc(&post.id))) { "Text (Markdown)" }
                            textarea id=(format!("e-{}", enc(&post.id))) name="text" required { (post.content_md.clone().unwrap_or_default()) }
                            p { button type="submit" { "Save" } }
                        }
                    }
                    form.inline method="post" action="/forums/delete" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        input type="hidden" name="id" value=(post.id);
                        button type="submit" { "Delete" }
                    }
                }
                @if !mine && post.removed_at.is_none() {
                    details {
                        summary { "Report" }
                        form method="post" action="/forums/report" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="post" value=(post.id);
                            label for=(format!("f-{}", enc(&post.id))) { "What is wrong with it?" }
                            p.hint { "Sent to the forum's moderators and to this node's and the author's node's administrators." }
                            textarea id=(format!("f-{}", enc(&post.id))) name="reason" maxlength="1000" required {}
                            p { button type="submit" { "Report" } }
                        }
                    }
                }
                @if view.moderator && post.removed_at.is_none() {
                    form.inline method="post" action="/forums/moderate" {
                        input type="hidden" name="csrf" value=(s.csrf);
                        input type="hidden" name="post" value=(post.id);
                        @if post.thread_id.is_none() {
                            button type="submit" name="action" value=(if post.pinned == 1 { "unpin" } else { "pin" }) {
                                (if post.pinned == 1 { "Unpin" } else { "Pin" })
                            }
                            " "
                            button type="submit" name="action" value=(if post.locked == 1 { "unlock" } else { "lock" }) {
                                (if post.locked == 1 { "Unlock" } else { "Lock" })
                            }
                            " "
                        }
                        label.inline for=(format!("m-{}", enc(&post.id))) { "Reason" }
                        " "
                        input id=(format!("m-{}", enc(&post.id))) name="reason" maxlength="1000";
                        " "
                        button type="submit" name="action" value="remove" { "Remove" }
                    }
                    @if !mine {
                        details {
                            summary { "Ban the author" }
                            form method="post" action="/forums/ban" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                input type="hidden" name="forum" value=(view.forum.id.as_str());
                                input type="hidden" name="person" value=(post.author_id);
                                label for=(format!("b-{}", enc(&post.id))) { "Reason" }
                                input id=(format!("b-{}", enc(&post.id))) name="reason" maxlength="1000";
                                label { input type="checkbox" name="remove_posts" value="1"; " Also remove what they wrote here" }
                                p { button type="submit" { "Ban from this forum" } }
                            }
                        }
                    }
                }
            }
        }
        @for child in &children { (post_markup(view, child, depth + 1)) }
    }
}

/// A reply being written, shown again under the post it answers with its preview or error.
struct ReplyDraft {
    parent: String,
    text: String,
    preview: Option<String>,
    error: Option<String>,
}

async fn thread_page(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    query: Result<Query<IdQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let thread = data
            .db
            .forum_post(q.id.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        if thread.thread_id.is_some() {
            return Ok(Err(Redirect::to(&thread_href(thread.thread()))));
        }
        Ok::<_, AppError>(Ok(thread_body(&data, session.as_ref(), thread, None).await?))
    }
    .await;
    Ok(match result? {
        Ok((title, body)) => page(&data, &title, session.as_ref(), body),
        Err(redirect) => redirect.into_response(),
    })
}

/// A thread with its replies nested, and `draft` (a reply shown again) under its parent.
async fn thread_body(
    data: &AppState,
    session: Option<&Session>,
    thread: ForumPostRow,
    draft: Option<ReplyDraft>,
) -> Result<(String, Markup), AppError> {
    {
        let forum = federated::forum_actor(data, &thread.forum_id).await?;
        let replies = data.db.forum_replies(&thread.id).await?;
        let mut lookup = Names::default();
        let mut names = HashMap::new();
        for p in std::iter::once(&thread).chain(replies.iter()) {
            let name = lookup.name(data, &p.author_id).await?;
            names.insert(p.author_id.clone(), name);
        }
        let mut children: HashMap<String, Vec<ForumPostRow>> = HashMap::new();
        for r in replies {
            let parent = r.parent_id.clone().unwrap_or_else(|| thread.id.clone());
            children.entry(parent).or_default().push(r);
        }
        let following = match session {
            Some(s) => {
                data.db
                    .mark_thread_read(s.user.id, &thread.id, crate::core::store::now_ms())
                    .await?;
                data.db.follows_thread(s.user.id, &thread.id).await?
            }
            None => false,
        };
        let view = ThreadView {
            session,
            forum: &forum,
            me: session.map(|s| s.user.actor_id.clone()),
            moderator: is_moderator(data, session, &forum).await,
            draft,
            open: thread.locked == 0 && thread.removed_at.is_none(),
            children,
            names,
        };
        let title = thread.title.clone().unwrap_or_default();
        let body = html! {
            p.meta { a href=(forum_href(&forum)) { (forum.name) } }
            h1 { (title) }
            @if thread.locked == 1 { p.hint { "This thread is locked: it takes no more replies." } }
            @if let Some(s) = session {
                form.inline method="post" action="/forums/follow-thread" {
                    input type="hidden" name="csrf" value=(s.csrf);
                    input type="hidden" name="thread" value=(thread.id);
                    input type="hidden" name="follow" value=(if following { "0" } else { "1" });
                    button type="submit" { (if following { "Stop following this thread" } else { "Follow this thread" }) }
                }
            }
            (post_markup(&view, &thread, 0))
        };
        Ok((title, body))
    }
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    csrf: String,
    parent: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    preview: Option<String>,
}

/// Posts a reply, or with Preview shows the thread again with the reply rendered under its
/// parent; a reply refused for what it says (empty, too long) is shown again with the reason.
async fn reply(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ReplyForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let parent = data
            .db
            .forum_post(&form.parent)
            .await?
            .ok_or_else(|| AppError::bad("no such post"))?;
        let shown_again = |preview: Option<String>, error: Option<String>| ReplyDraft {
            parent: parent.id.clone(),
            text: form.text.clone(),
            preview,
            error,
        };
        let again = if form.preview.is_some() {
            shown_again(Some(text::markdown_to_html(&form.text)), None)
        } else {
            let forum = federated::forum_actor(&data, &parent.forum_id).await?;
            let me = forums::person_of(&data, &session.user).await?;
            let draft = Draft {
                title: None,
                parent: Some(&parent.id),
                markdown: &form.text,
            };
            match federated::write(&data, &me, &forum, draft).await {
                Ok(row) => {
                    forums::follow_thread(&data, &session.user, row.thread(), true).await?;
                    return Ok(Redirect::to(&thread_href(row.thread())).into_response());
                }
                Err(AppError::BadRequest(message)) => shown_again(None, Some(message)),
                Err(e) => return Err(e),
            }
        };
        let thread = data
            .db
            .forum_post(parent.thread())
            .await?
            .ok_or(AppError::NotFound)?;
        let (title, body) = thread_body(&data, Some(&session), thread, Some(again)).await?;
        Ok::<_, AppError>(page(&data, &title, Some(&session), body))
    }
    .await;
    let response = result?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    csrf: String,
    id: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    text: String,
}

async fn edit(data: Data<AppState>, User(session): User, Form(form): Form<EditForm>) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let me = forums::person_of(&data, &session.user).await?;
        federated::edit(&data, &me, &form.id, form.title.as_deref(), &form.text).await
    }
    .await;
    let row = result?;
    Ok(Redirect::to(&thread_href(row.thread())).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf: String,
    id: String,
}

async fn delete(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<DeleteForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let me = forums::person_of(&data, &session.user).await?;
        let post = data
            .db
            .forum_post(&form.id)
            .await?
            .ok_or(AppError::NotFound)?;
        federated::delete(&data, &me, &post.id).await?;
        Ok::<_, AppError>(post)
    }
    .await;
    let post = result?;
    Ok(Redirect::to(&thread_href(post.thread())).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ModerateForm {
    csrf: String,
    post: String,
    action: String,
    #[serde(default)]
    reason: String,
}

async fn moderate(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ModerateForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let action = Moderation::parse(&form.action)?;
        let post = data
            .db
            .forum_post(&form.post)
            .await?
            .ok_or(AppError::NotFound)?;
        let forum = federated::forum_actor(&data, &post.forum_id).await?;
        if !is_moderator(&data, Some(&session), &forum).await {
            return Err(AppError::Forbidden(
                "only the forum's moderators may do that".into(),
            ));
        }
        let me = forums::person_of(&data, &session.user).await?;
        federated::moderate(&data, &me, &forum, &post.id, action, Some(&form.reason)).await?;
        Ok(post)
    }
    .await;
    let post = result?;
    Ok(Redirect::to(&thread_href(post.thread())).into_response())
}

#[derive(Debug, Deserialize)]
pub struct FollowForm {
    csrf: String,
    handle: String,
}

async fn follow(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<FollowForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let me = forums::person_of(&data, &session.user).await?;
        federated::follow_as_member(&data, &me, &form.handle).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/forums").into_response()),
        Err(AppError::BadRequest(message)) => list_with(data, Some(session), Some(message)).await,
        Err(e) => Err(e.into()),
    }
}

fn reports_list(session: &Session, reports: &[ReportRow]) -> Markup {
    html! {
        ul {
            @for r in reports {
                li {
                    (human_time(r.received_at)) " · from " (r.reporter_id) " · "
                    a href=(thread_href(&r.post_id)) { "the post" } " · " (r.reason)
                    @if let Some(at) = r.resolved_at {
                        " · resolved " (human_time(at))
                    } @else {
                        form.inline method="post" action="/forums/reports/resolve" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            input type="hidden" name="id" value=(r.id);
                            " " button type="submit" { "Mark resolved" }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct FollowThreadForm {
    csrf: String,
    thread: String,
    follow: String,
}

async fn follow_thread(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<FollowThreadForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        forums::follow_thread(&data, &session.user, &form.thread, form.follow == "1").await
    }
    .await;
    let thread = result?;
    Ok(Redirect::to(&thread_href(&thread.id)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    csrf: String,
    post: String,
    #[serde(default)]
    reason: String,
}

async fn report(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ReportForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let me = forums::person_of(&data, &session.user).await?;
        federated::report(&data, &me, &form.post, &form.reason).await
    }
    .await;
    match result {
        Ok(row) => {
            let body = html! {
                h1 { "Reported" }
                p { "Thank you. The forum's moderators and the node's administrators will look at it." }
                p { a href=(thread_href(&row.post_id)) { "Back to the thread" } }
            };
            page(&data, "Reported", Some(&session), body)
        }
        Err(e) => error_page(&data, Some(&session), e),
    }
}

/// Reports for whoever moderates: every report for a node administrator, else those about the
/// forums they moderate.
async fn reports_page(data: Data<AppState>, User(session): User) -> PageResult {
    let result = async {
        let open = forums::reports_for(&data, &session.user, true).await?;
        let all = forums::reports_for(&data, &session.user, false).await?;
        let resolved: Vec<ReportRow> = all
            .into_iter()
            .filter(|r| r.resolved_at.is_some())
            .collect();
        Ok::<_, AppError>(html! {
            h1 { "Reports" }
            p.hint { "Posts people reported, here or on other nodes, in the forums you moderate." }
            section.card aria-labelledby="open-h" {
                h2 id="open-h" { "Open" }
                @if open.is_empty() { p { "None." } }
                (reports_list(&session, &open))
            }
            @if !resolved.is_empty() {
                section.card aria-labelledby="resolved-h" {
                    h2 id="resolved-h" { "Resolved" }
                    (reports_list(&session, &resolved))
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Reports", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    csrf: String,
    id: i64,
}

async fn resolve_report(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ResolveForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        forums::resolve_report(&data, &session.user, form.id).await
    }
    .await;
    let () = result?;
    Ok(Redirect::to("/forums/reports").into_response())
}

#[derive(Debug, Deserialize)]
pub struct BanForm {
    csrf: String,
    forum: String,
    person: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    remove_posts: Option<String>,
}

async fn moderated_forum(
    data: &AppState,
    session: &Session,
    forum: &str,
) -> Result<KnownActor, AppError> {
    let forum = forums::find(data, forum).await?;
    if !is_moderator(data, Some(session), &forum).await {
        return Err(AppError::Forbidden(
            "only the forum's moderators may do that".into(),
        ));
    }
    Ok(forum)
}

async fn ban(data: Data<AppState>, User(session): User, Form(form): Form<BanForm>) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let forum = moderated_forum(&data, &session, &form.forum).await?;
        let person = forums::find_person(&data, &form.person).await?;
        let me = forums::person_of(&data, &session.user).await?;
        federated::ban(
            &data,
            &me,
            &forum,
            &person,
            Some(&form.reason),
            form.remove_posts.is_some(),
        )
        .await?;
        Ok::<_, AppError>(forum)
    }
    .await;
    let forum = result?;
    Ok(Redirect::to(&forum_href(&forum)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct UnbanForm {
    csrf: String,
    forum: String,
    person: String,
}

async fn unban(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<UnbanForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let forum = moderated_forum(&data, &session, &form.forum).await?;
        let person = forums::find_person(&data, &form.person).await?;
        let me = forums::person_of(&data, &session.user).await?;
        federated::unban(&data, &me, &forum, &person).await?;
        Ok::<_, AppError>(forum)
    }
    .await;
    let forum = result?;
    Ok(Redirect::to(&forum_href(&forum)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    csrf: String,
    forum: String,
    #[serde(default)]
    moderators_only: Option<String>,
}

async fn settings(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<SettingsForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let forum = moderated_forum(&data, &session, &form.forum).await?;
        let me = forums::person_of(&data, &session.user).await?;
        federated::set_moderators_only(&data, &me, &forum, form.moderators_only.is_some()).await?;
        Ok::<_, AppError>(forum)
    }
    .await;
    let forum = result?;
    Ok(Redirect::to(&forum_href(&forum)).into_response())
}
