//! The portal's pages: the network feed, profiles, posts, search and follow, the co-op admin.

use activitypub_federation::config::Data;
use axum::{
    extract::{Form, Path, Query},
    http::Uri,
    response::{IntoResponse, Redirect, Response},
};
use coopnet_schemas::Handle;
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::{convert, outgoing, KnownActor};
use crate::core::store::actors::LocalActorRow;
use crate::core::store::follows::FollowState;
use crate::core::store::rfc3339;
use crate::core::web::auth::{MaybeUser, Session, User};
use crate::core::web::error_page;
use crate::core::web::human_time;
use crate::core::web::page;
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::AppState;
use crate::features::coops;
use crate::features::coops::portal::acting_coop;
use crate::features::coops::CoopKind;
use crate::features::posts::store::FeedEntry;

const FEED_PAGE: i64 = 20;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub page: Option<u32>,
}

fn page_number(q: &PageQuery) -> Result<i64, AppError> {
    match q.page {
        None => Ok(1),
        Some(p) if (1..=100_000).contains(&p) => Ok(p as i64),
        Some(_) => Err(AppError::bad("no such page")),
    }
}

fn author_link(entry: &FeedEntry) -> String {
    entry.author_id.clone()
}

fn author_handle(data: &AppState, entry: &FeedEntry) -> String {
    let user = entry.author_username.as_deref().unwrap_or("unknown");
    let host = entry
        .author_host
        .as_deref()
        .unwrap_or(&data.settings.domain);
    format!("@{user}@{host}")
}

fn post_link(data: &AppState, entry: &FeedEntry) -> String {
    match url::Url::parse(&entry.id) {
        Ok(u) if data.settings.is_local(&u) => u.path().to_string(),
        _ => entry.id.clone(),
    }
}

/// One post as shown in feeds and on profiles.
fn post_card(data: &AppState, entry: &FeedEntry) -> Markup {
    html! {
        article.post {
            header {
                a.who href=(author_link(entry)) {
                    (entry.author_name.as_deref().unwrap_or("Unknown"))
                }
                span.handle { (author_handle(data, entry)) }
                a href=(post_link(data, entry)) {
                    time datetime=(rfc3339(entry.published_at)) { (human_time(entry.published_at)) }
                }
                @if entry.updated_at.is_some() { span.meta { "edited" } }
            }
            @if let Some(sharer) = &entry.shared_by {
                p.meta { "Shared by " a href=(sharer) { (sharer) } }
            }
            div.content { (stored_html(&entry.content_html)) }
        }
    }
}

fn pager(base: &str, page: i64, more: bool) -> Markup {
    html! {
        nav.pager aria-label="Pages" {
            @if page > 1 { a href={(base) "?page=" (page - 1)} rel="prev" { "Newer" } } @else { span {} }
            @if more { a href={(base) "?page=" (page + 1)} rel="next" { "Older" } }
        }
    }
}

pub async fn home(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let result = async {
        let page_no = page_number(&q)?;
        let mut entries = data.db.feed(FEED_PAGE + 1, (page_no - 1) * FEED_PAGE).await?;
        let more = entries.len() as i64 > FEED_PAGE;
        entries.truncate(FEED_PAGE as usize);
        let coops = data.db.local_coops().await?;
        let my_coops = match &session {
            Some(s) => coops::coops_of(&data.db, &s.user).await?,
            None => Vec::new(),
        };
        Ok::<_, AppError>(html! {
            h1 { "The co-operative network" }
            p.hint { "What the co-ops on this node, and the co-ops they follow across the network, have published. Newest first." }
            @if entries.is_empty() {
                p.card { "Nothing published yet." }
            }
            @for (i, e) in entries.iter().enumerate() {
                (post_card(&data, e))
                @if let Some(s) = &session {
                    @if !my_coops.is_empty() && e.shared_by.is_none() {
                        form.share method="post" action="/share" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="post_id" value=(e.id);
                            label for={"share-" (i)} { "Share as" }
                            select id={"share-" (i)} name="as" {
                                @for c in &my_coops { option value=(c.username) { (c.name) } }
                            }
                            button.secondary type="submit" { "Share" }
                        }
                    }
                }
            }
            (pager("/", page_no, more))
            section aria-labelledby="local-coops" {
                h2 id="local-coops" { "Co-ops on this node" }
                ul {
                    @for c in &coops {
                        li { a href={"/coops/" (c.username)} { (c.name) } " " span.meta { (kind_label(c.coop_kind.as_deref())) } }
                    }
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Network feed", session.as_ref(), body))
}

fn kind_label(kind: Option<&str>) -> &'static str {
    kind.and_then(|k| k.parse::<CoopKind>().ok())
        .map(CoopKind::label)
        .unwrap_or("Member")
}

/// A local actor's profile page.
pub async fn actor_page(
    data: &Data<AppState>,
    name: &str,
    uri: &Uri,
    MaybeUser(session): MaybeUser,
) -> Response {
    let result = async {
        let row = data
            .db
            .local_actor_by_username(name)
            .await?
            .ok_or(AppError::NotFound)?;
        let actor = convert::local_actor(&row, &data.settings);
        if actor.id.path() != uri.path() {
            return Err(AppError::NotFound);
        }
        let posts = data.db.posts_by(actor.id.as_str(), FEED_PAGE, 0).await?;
        let followers = data.db.count_followers(actor.id.as_str()).await?;
        let following = data.db.count_following(actor.id.as_str()).await?;
        let can_admin = match &session {
            Some(s) => coops::may_act_for(&data.db, &s.user, &row.id).await?,
            None => false,
        };
        let directory = match row.coop_kind {
            Some(_) => Some(crate::features::directory::portal::profile_section(data, &actor).await?),
            None => None,
        };
        let person = match row.actor_type.as_str() {
            "Person" => Some(
                crate::features::people::portal::profile_section(data, &row.username, session.as_ref().map(|s| &s.user))
                    .await?,
            ),
            _ => None,
        };
        let council = match row.coop_kind.as_deref() {
            Some("consumer-council") => Some(crate::features::market::portal::orders::council_sections(data, &row.id).await?),
            _ => None,
        };
        Ok(html! {
            h1 { (row.name) }
            p.meta { (actor.handle()) " · " (kind_label(row.coop_kind.as_deref())) }
            @if crate::features::forums::is_forum(&actor) {
                p { a href={"/forums/view?forum=" (crate::core::web::enc(actor.id.as_str()))} { "Read the forum's threads" } }
            }
            @if !row.summary.is_empty() { div.card { (stored_html(&crate::core::text::plain_to_html(&row.summary))) } }
            dl.facts {
                @if let Some(r) = &row.region { dt { "Region" } dd { (r) } }
                @if let Some(i) = &row.industry { dt { "Industry" } dd { (i) } }
                dt { "Followers" } dd { (followers) }
                dt { "Following" } dd { (following) }
            }
            @if let Some(p) = person { (p) }
            p.hint { "Follow from Mastodon or any fediverse server by searching for " strong { (actor.handle()) } "." }
            @if can_admin { p { a.button href={"/admin/" (row.username)} { "Manage this co-op" } } }
            @if let Some(d) = directory { (d) }
            h2 { "Announcements" }
            @if posts.is_empty() { p { "No announcements yet." } }
            @for e in &posts { (post_card(data, e)) }
            @if let Some(sections) = council { (sections) }
        })
    }
    .await;
    match result {
        Ok(body) => page(data, name, session.as_ref(), body),
        Err(e) => error_page(data, session.as_ref(), e),
    }
}

pub async fn post_page(data: &Data<AppState>, id: &str, MaybeUser(session): MaybeUser) -> Response {
    let result = async {
        let url = data.settings.url(&format!("/posts/{id}"));
        let entry = data
            .db
            .feed_entry(url.as_str())
            .await?
            .ok_or(AppError::NotFound)?;
        let replies = data.db.replies_to(&entry.id).await?;
        Ok(html! {
            h1 { "Announcement by " (entry.author_name.as_deref().unwrap_or("a co-op")) }
            (post_card(data, &entry))
            h2 { "Replies" }
            @if replies.is_empty() { p { "No replies yet." } }
            @for r in &replies { (post_card(data, r)) }
        })
    }
    .await;
    match result {
        Ok(body) => page(data, "Announcement", session.as_ref(), body),
        Err(e) => error_page(data, session.as_ref(), e),
    }
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
}

pub async fn search(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    Query(query): Query<SearchQuery>,
) -> Response {
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    let mut found: Option<KnownActor> = None;
    let mut problem: Option<String> = None;
    let mut local_matches: Vec<LocalActorRow> = Vec::new();
    if !q.is_empty() {
        if q.contains('@') && q.trim_start_matches('@').contains('@') {
            match Handle::parse(q) {
                // Looking up other nodes makes requests on the visitor's behalf: members only.
                Ok(handle) if session.is_none() && handle.host() != data.settings.domain => {
                    problem = Some(format!("Log in to look up {handle} on another node."));
                }
                Ok(handle) => {
                    match activitypub::resolve_handle(&handle, &data.reset_request_count()).await {
                        Ok(actor) => found = Some(actor),
                        Err(AppError::NotFound) => {
                            problem = Some(format!("No co-op called {handle} was found."))
                        }
                        Err(e) => problem = Some(format!("Could not look up {handle}: {e}")),
                    }
                }
                Err(e) => problem = Some(format!("That is not a handle: {e}.")),
            }
        } else {
            let needle = q.to_lowercase();
            match data.db.local_coops().await {
                Ok(all) => {
                    local_matches = all
                        .into_iter()
                        .filter(|c| {
                            c.name.to_lowercase().contains(&needle)
                                || c.username.contains(&needle)
                                || c.region
                                    .as_deref()
                                    .is_some_and(|r| r.to_lowercase().contains(&needle))
                                || c.industry
                                    .as_deref()
                                    .is_some_and(|r| r.to_lowercase().contains(&needle))
                        })
                        .collect()
                }
                Err(e) => return error_page(&data, session.as_ref(), e.into()),
            }
        }
    }
    let my_coops = match &session {
        Some(s) => coops::coops_of(&data.db, &s.user).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let following_state =
        |actor: &KnownActor, coop: &LocalActorRow| (actor.id.as_str().to_string(), coop.id.clone());
    let mut states = Vec::new();
    if let Some(actor) = &found {
        for c in &my_coops {
            let (a, f) = following_state(actor, c);
            if let Ok(Some(row)) = data.db.follow(&f, &a).await {
                states.push((c.username.clone(), row.state));
            }
        }
    }
    let recent = match &found {
        Some(actor) => data
            .db
            .posts_by(actor.id.as_str(), 5, 0)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let body = html! {
        h1 { "Find co-ops" }
        form method="get" action="/search" role="search" {
            label for="q" { "Find a co-op" }
            p.hint id="q-hint" { "A handle like @bakery@coop.example finds a co-op on any node; a word searches this node's co-ops by name, region or industry." }
            input type="search" id="q" name="q" value=(q) aria-describedby="q-hint";
            p { button type="submit" { "Search" } }
        }
        @if let Some(p) = &problem { p.error role="alert" { (p) } }
        @if let Some(actor) = &found {
            section.card aria-labelledby="found-name" {
                h2 id="found-name" { (actor.name) }
                p.meta { (actor.handle()) " · " (actor.actor_type) @if let Some(k) = &actor.coop_kind { " · " (kind_label(Some(k))) } }
                @if !actor.summary.is_empty() { div { (stored_html(&actor.summary)) } }
                dl.facts {
                    @if let Some(r) = &actor.region { dt { "Region" } dd { (r) } }
                    @if let Some(i) = &actor.industry { dt { "Industry" } dd { (i) } }
                }
                @for (coop, state) in &states { p.notice { "@" (coop) " follows this co-op (" (state) ")." } }
                @if actor.is_local() {
                    p { a href=(actor.id.path()) { "Open the profile" } }
                } @else if session.is_some() && !my_coops.is_empty() {
                    @if let Some(s) = &session {
                        form method="post" action="/follow" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="target" value=(actor.handle());
                            label for="as" { "Follow as" }
                            select id="as" name="as" {
                                @for c in &my_coops { option value=(c.username) { (c.username) " (" (c.name) ")" } }
                            }
                            p { button type="submit" { "Follow" } }
                        }
                    }
                } @else if session.is_none() {
                    p { a href="/login" { "Log in" } " to follow this co-op." }
                }
                @if !recent.is_empty() {
                    h3 { "Recent announcements" }
                    @for e in &recent { (post_card(&data, e)) }
                }
            }
        }
        @if !local_matches.is_empty() {
            h2 { "On this node" }
            ul { @for c in &local_matches { li { a href={"/coops/" (c.username)} { (c.name) } } } }
        } @else if !q.is_empty() && found.is_none() && problem.is_none() {
            p { "No co-op on this node matches." }
        }
    };
    page(&data, "Find co-ops", session.as_ref(), body)
}

#[derive(Debug, Deserialize)]
pub struct FollowForm {
    pub csrf: String,
    #[serde(rename = "as")]
    pub as_handle: String,
    pub target: String,
}

pub async fn follow(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<FollowForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &form.as_handle).await?;
        let handle = Handle::parse(&form.target).map_err(|e| AppError::bad(e.to_string()))?;
        let target = activitypub::resolve_handle(&handle, &data.reset_request_count()).await?;
        outgoing::follow(&data, &coop, &target).await?;
        Ok::<_, AppError>(coop.username)
    }
    .await;
    back_to_admin(&data, &session, result)
}

#[derive(Debug, Deserialize)]
pub struct UnfollowForm {
    pub csrf: String,
    #[serde(rename = "as")]
    pub as_handle: String,
    pub target_id: String,
}

pub async fn unfollow(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<UnfollowForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &form.as_handle).await?;
        let target_url =
            url::Url::parse(&form.target_id).map_err(|_| AppError::bad("not an actor id"))?;
        let target = activitypub::actor(&target_url, &data.reset_request_count()).await?;
        outgoing::unfollow(&data, &coop, &target).await?;
        Ok::<_, AppError>(coop.username)
    }
    .await;
    back_to_admin(&data, &session, result)
}

#[derive(Debug, Deserialize)]
pub struct ShareForm {
    pub csrf: String,
    #[serde(rename = "as")]
    pub as_handle: String,
    pub post_id: String,
}

pub async fn share(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<ShareForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &form.as_handle).await?;
        crate::features::posts::share_post(&data, &coop, &form.post_id).await?;
        Ok::<_, AppError>(())
    }
    .await;
    let () = result?;
    Ok(Redirect::to("/").into_response())
}

pub async fn admin_index(data: Data<AppState>, User(session): User) -> Response {
    let coops = match coops::coops_of(&data.db, &session.user).await {
        Ok(c) => c,
        Err(e) => return error_page(&data, Some(&session), e),
    };
    let body = html! {
        h1 { "My co-ops" }
        p { "Logged in as " strong { (session.user.username) } "." }
        @if coops.is_empty() {
            p { "You do not manage any co-op yet. The node's operator can add you as a co-op's administrator." }
        }
        ul { @for c in &coops { li { a href={"/admin/" (c.username)} { (c.name) } " " span.meta { "@" (c.username) } } } }
    };
    page(&data, "My co-ops", Some(&session), body)
}

pub async fn admin_coop(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let follows = data.db.follows_of(coop.id.as_str()).await?;
        let posts = data.db.posts_by(coop.id.as_str(), FEED_PAGE, 0).await?;
        let mut following = Vec::new();
        let mut followers = Vec::new();
        for f in follows {
            if f.follower_id == coop.id.as_str() {
                following.push(f);
            } else if f.state() == FollowState::Accepted {
                followers.push(f);
            }
        }
        Ok::<_, AppError>(html! {
            h1 { "Manage " (coop.name) }
            p.meta { (coop.handle()) " · " a href=(coop.id.path()) { "public profile" } }
            (crate::features::market::portal::goods::admin_links(&coop))
            section.card aria-labelledby="announce" {
                h2 id="announce" { "Publish an announcement" }
                form method="post" action={"/admin/" (coop.username) "/posts"} {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="text" { "Announcement" }
                    p.hint id="text-hint" { "Markdown: **bold**, *italic*, [links](https://example.org). Followers on any node and on Mastodon receive it." }
                    textarea id="text" name="text" required aria-describedby="text-hint" {}
                    p { button type="submit" { "Publish" } }
                }
            }
            section aria-labelledby="following" {
                h2 id="following" { "Following" }
                @if following.is_empty() { p { "Not following anyone yet. " a href="/search" { "Find co-ops to follow." } } }
                table {
                    @if !following.is_empty() { thead { tr { th scope="col" { "Co-op" } th scope="col" { "State" } th scope="col" { span.skip { "Action" } } } } }
                    tbody {
                        @for f in &following {
                            tr {
                                td { a href=(f.followee_id) { (f.followee_id) } }
                                td { (f.state) }
                                td {
                                    form.inline method="post" action="/unfollow" {
                                        input type="hidden" name="csrf" value=(session.csrf);
                                        input type="hidden" name="as" value=(coop.username);
                                        input type="hidden" name="target_id" value=(f.followee_id);
                                        button.secondary type="submit" { "Unfollow" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="followers" {
                h2 id="followers" { "Followers (" (followers.len()) ")" }
                ul { @for f in &followers { li { a href=(f.follower_id) { (f.follower_id) } } } }
            }
            section.card aria-labelledby="profile" {
                h2 id="profile" { "Profile" }
                form method="post" action={"/admin/" (coop.username) "/profile"} {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="name" { "Name" }
                    input type="text" id="name" name="name" value=(coop.name) required;
                    label for="summary" { "About" }
                    textarea id="summary" name="summary" { (coop.summary) }
                    label for="region" { "Region" }
                    input type="text" id="region" name="region" value=(coop.region.clone().unwrap_or_default());
                    label for="industry" { "Industry" }
                    input type="text" id="industry" name="industry" value=(coop.industry.clone().unwrap_or_default());
                    p { button type="submit" { "Save profile" } }
                }
            }
            section aria-labelledby="posts" {
                h2 id="posts" { "Announcements" }
                @for (i, e) in posts.iter().enumerate() {
                    (post_card(&data, e))
                    details {
                        summary { "Edit this announcement" }
                        form method="post" action={"/admin/" (coop.username) "/posts/edit"} {
                            input type="hidden" name="csrf" value=(session.csrf);
                            input type="hidden" name="post_id" value=(e.id);
                            label for={"edit-" (i)} { "New text" }
                            textarea id={"edit-" (i)} name="text" required {
                                (e.content_source.clone().unwrap_or_default())
                            }
                            p { button type="submit" { "Save changes" } }
                        }
                    }
                    form method="post" action={"/admin/" (coop.username) "/posts/delete"} {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="post_id" value=(e.id);
                        button.secondary type="submit" { "Delete this announcement" }
                    }
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Manage co-op", Some(&session), body))
}

/// After an admin form: back to the co-op's admin page, or a page saying what was wrong.
fn back_to_admin(data: &AppState, session: &Session, result: Result<String, AppError>) -> Response {
    match result {
        Ok(username) => Redirect::to(&format!("/admin/{username}")).into_response(),
        Err(e) => error_page(data, Some(session), e),
    }
}

#[derive(Debug, Deserialize)]
pub struct PostForm {
    pub csrf: String,
    pub text: String,
}

pub async fn admin_post(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<PostForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        crate::features::posts::publish_note(&data, &coop, &form.text).await?;
        Ok::<_, AppError>(coop.username)
    }
    .await;
    back_to_admin(&data, &session, result)
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    pub csrf: String,
    pub post_id: String,
    pub text: String,
}

pub async fn admin_edit_post(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<EditForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        crate::features::posts::update_note(&data, &coop, &form.post_id, &form.text).await?;
        Ok::<_, AppError>(coop.username)
    }
    .await;
    back_to_admin(&data, &session, result)
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    pub csrf: String,
    pub post_id: String,
}

pub async fn admin_delete_post(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        crate::features::posts::delete_note(&data, &coop, &form.post_id).await?;
        Ok::<_, AppError>(coop.username)
    }
    .await;
    back_to_admin(&data, &session, result)
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    pub csrf: String,
    pub name: String,
    pub summary: String,
    pub region: String,
    pub industry: String,
}

pub async fn admin_profile(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ProfileForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        coops::update_profile(
            &data,
            &coop,
            &form.name,
            &form.summary,
            &form.region,
            &form.industry,
        )
        .await?;
        Ok::<_, AppError>(coop.username)
    }
    .await;
    back_to_admin(&data, &session, result)
}
