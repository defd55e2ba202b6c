//! Forums in the JSON API: reading is public, writing needs a token.

use activitypub_federation::config::Data;
use axum::{
    extract::Query,
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::core::store::rfc3339;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::forums::store::ForumPostRow;
use crate::features::forums::wire::{self as federated, Draft, Moderation};
use crate::features::{coops, forums};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/forums", get(list))
        .route("/api/v1/forums/threads", get(threads).post(new_thread))
        .route("/api/v1/forums/thread", get(thread))
        .route("/api/v1/forums/replies", post(reply))
        .route("/api/v1/forums/posts/edit", post(edit))
        .route("/api/v1/forums/posts/delete", post(delete))
        .route("/api/v1/forums/moderate", post(moderate))
        .route("/api/v1/forums/log", get(log))
        .route("/api/v1/forums/follow", post(follow))
        .route("/api/v1/forums/bans", get(bans).post(ban))
        .route("/api/v1/forums/bans/lift", post(unban))
        .route("/api/v1/forums/reports", get(reports).post(report))
        .route("/api/v1/forums/reports/resolve", post(resolve))
        .route(
            "/api/v1/forums/following",
            get(following).post(follow_thread),
        )
        .route("/api/v1/forums/settings", post(settings))
}

#[derive(Serialize)]
pub struct ForumView {
    pub id: String,
    pub handle: String,
    pub name: String,
    pub summary: String,
    pub local: bool,
    /// Someone here follows it, so its threads are here (always true for this node's own).
    pub followed: bool,
}

#[derive(Serialize)]
pub struct PostView {
    pub id: String,
    pub forum: String,
    pub thread: String,
    pub parent: Option<String>,
    pub author: String,
    pub title: Option<String>,
    pub content_html: String,
    pub pinned: bool,
    pub locked: bool,
    pub removed: bool,
    pub published: String,
    pub updated: Option<String>,
}

pub fn post_view(p: ForumPostRow) -> PostView {
    PostView {
        thread: p.thread().to_string(),
        id: p.id,
        forum: p.forum_id,
        parent: p.parent_id,
        author: p.author_id,
        title: p.title,
        content_html: p.content_html,
        pinned: p.pinned == 1,
        locked: p.locked == 1,
        removed: p.removed_at.is_some(),
        published: rfc3339(p.published_at),
        updated: p.updated_at.map(rfc3339),
    }
}

async fn list(data: Data<AppState>) -> ApiResult<Vec<ForumView>> {
    let forums = forums::known_forums(&data).await?;
    Ok(Json(
        forums
            .into_iter()
            .map(|f| ForumView {
                handle: f.actor.handle(),
                local: f.actor.is_local(),
                followed: f.followed,
                id: f.actor.id.to_string(),
                name: f.actor.name,
                summary: f.actor.summary,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct ForumQuery {
    pub forum: String,
}

async fn threads(data: Data<AppState>, Query(q): Query<ForumQuery>) -> ApiResult<Vec<PostView>> {
    let forum = forums::find(&data, &q.forum).await?;
    let rows = data.db.forum_threads(forum.id.as_str()).await?;
    Ok(Json(rows.into_iter().map(post_view).collect()))
}

#[derive(Deserialize)]
pub struct IdQuery {
    pub id: String,
}

#[derive(Serialize)]
pub struct ThreadView {
    pub thread: PostView,
    /// Oldest first; each names its parent.
    pub replies: Vec<PostView>,
}

async fn thread(data: Data<AppState>, Query(q): Query<IdQuery>) -> ApiResult<ThreadView> {
    let thread = data
        .db
        .forum_post(&q.id)
        .await?
        .filter(|p| p.thread_id.is_none())
        .ok_or(AppError::NotFound)?;
    let replies = data.db.forum_replies(&thread.id).await?;
    Ok(Json(ThreadView {
        thread: post_view(thread),
        replies: replies.into_iter().map(post_view).collect(),
    }))
}

#[derive(Deserialize)]
pub struct NewThread {
    pub forum: String,
    pub title: String,
    pub text: String,
}

async fn new_thread(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewThread>,
) -> Result<(StatusCode, Json<PostView>), ApiError> {
    let forum = forums::find(&data, &body.forum).await?;
    let me = forums::person_of(&data, &user).await?;
    let draft = Draft {
        title: Some(&body.title),
        parent: None,
        markdown: &body.text,
    };
    let row = federated::write(&data, &me, &forum, draft).await?;
    forums::follow_thread(&data, &user, row.thread(), true).await?;
    Ok((StatusCode::CREATED, Json(post_view(row))))
}

#[derive(Deserialize)]
pub struct NewReply {
    pub parent: String,
    pub text: String,
}

async fn reply(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewReply>,
) -> Result<(StatusCode, Json<PostView>), ApiError> {
    let parent = data
        .db
        .forum_post(&body.parent)
        .await?
        .ok_or_else(|| AppError::bad("no such post"))?;
    let forum = federated::forum_actor(&data, &parent.forum_id).await?;
    let me = forums::person_of(&data, &user).await?;
    let draft = Draft {
        title: None,
        parent: Some(&parent.id),
        markdown: &body.text,
    };
    let row = federated::write(&data, &me, &forum, draft).await?;
    forums::follow_thread(&data, &user, row.thread(), true).await?;
    Ok((StatusCode::CREATED, Json(post_view(row))))
}

#[derive(Deserialize)]
pub struct EditPost {
    pub id: String,
    pub title: Option<String>,
    pub text: String,
}

async fn edit(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<EditPost>,
) -> ApiResult<PostView> {
    let me = forums::person_of(&data, &user).await?;
    let row = federated::edit(&data, &me, &body.id, body.title.as_deref(), &body.text).await?;
    Ok(Json(post_view(row)))
}

async fn delete(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<IdQuery>,
) -> Result<StatusCode, ApiError> {
    let me = forums::person_of(&data, &user).await?;
    federated::delete(&data, &me, &body.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct ModerateRequest {
    pub post: String,
    /// pin, unpin, lock, unlock or remove.
    pub action: String,
    /// Why, shown in the log and sent with the action.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A moderator of a local forum acts on one of its posts.
async fn moderate(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<ModerateRequest>,
) -> Result<StatusCode, ApiError> {
    let action = Moderation::parse(&body.action)?;
    let post = data
        .db
        .forum_post(&body.post)
        .await?
        .ok_or(AppError::NotFound)?;
    let forum = moderated(&data, &user, &post.forum_id).await?;
    let me = forums::person_of(&data, &user).await?;
    federated::moderate(&data, &me, &forum, &post.id, action, body.reason.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn moderated(
    data: &AppState,
    user: &crate::core::store::users::UserRow,
    forum: &str,
) -> Result<crate::core::federation::KnownActor, AppError> {
    let forum = federated::forum_actor(data, forum).await?;
    if !forum.is_local() || !coops::may_act_for(&data.db, user, forum.id.as_str()).await? {
        return Err(AppError::Forbidden(
            "only the forum's moderators may do that".into(),
        ));
    }
    Ok(forum)
}

#[derive(Serialize)]
pub struct LogEntry {
    pub moderator: String,
    pub action: String,
    /// The post acted on, or for a ban the person.
    pub post: String,
    pub reason: Option<String>,
    pub at: String,
}

/// What a forum's moderators did, for its moderators.
async fn log(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<ForumQuery>,
) -> ApiResult<Vec<LogEntry>> {
    let forum = forums::find(&data, &q.forum).await?;
    let forum = moderated(&data, &user, forum.id.as_str()).await?;
    let rows = data.db.moderation_log(forum.id.as_str()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| LogEntry {
                moderator: r.moderator_id,
                action: r.action,
                post: r.post_id,
                reason: r.reason,
                at: rfc3339(r.at),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct FollowRequest {
    /// `@name@host` of a forum on another node.
    pub handle: String,
}

/// Follow a forum on another node as yourself; its threads then show here.
async fn follow(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<FollowRequest>,
) -> Result<(StatusCode, Json<ForumView>), ApiError> {
    let me = forums::person_of(&data, &user).await?;
    let f = federated::follow_as_member(&data, &me, &body.handle).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ForumView {
            handle: f.handle(),
            local: f.is_local(),
            followed: false,
            id: f.id.to_string(),
            name: f.name,
            summary: f.summary,
        }),
    ))
}

#[derive(Deserialize)]
pub struct BanRequest {
    pub forum: String,
    /// `@name@host`, a name on this node, or an actor id.
    pub person: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// Also remove everything they wrote in the forum.
    #[serde(default)]
    pub remove_posts: bool,
}

/// A moderator bans a person from a local forum.
async fn ban(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<BanRequest>,
) -> Result<StatusCode, ApiError> {
    let forum = forums::find(&data, &body.forum).await?;
    let forum = moderated(&data, &user, forum.id.as_str()).await?;
    let person = forums::find_person(&data, &body.person).await?;
    let me = forums::person_of(&data, &user).await?;
    federated::ban(
        &data,
        &me,
        &forum,
        &person,
        body.reason.as_deref(),
        body.remove_posts,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct UnbanRequest {
    pub forum: String,
    pub person: String,
}

async fn unban(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<UnbanRequest>,
) -> Result<StatusCode, ApiError> {
    let forum = forums::find(&data, &body.forum).await?;
    let forum = moderated(&data, &user, forum.id.as_str()).await?;
    let person = forums::find_person(&data, &body.person).await?;
    let me = forums::person_of(&data, &user).await?;
    federated::unban(&data, &me, &forum, &person).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct BanView {
    pub person: String,
    pub moderator: String,
    pub reason: Option<String>,
    pub at: String,
}

/// Who is banned from a local forum, for its moderators.
async fn bans(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<ForumQuery>,
) -> ApiResult<Vec<BanView>> {
    let forum = forums::find(&data, &q.forum).await?;
    let forum = moderated(&data, &user, forum.id.as_str()).await?;
    let rows = data.db.forum_bans(forum.id.as_str()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|b| BanView {
                person: b.actor_id,
                moderator: b.moderator_id,
                reason: b.reason,
                at: rfc3339(b.at),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct ReportRequest {
    pub post: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct ReportView {
    pub id: i64,
    pub post: String,
    pub forum: String,
    pub reporter: String,
    pub reason: String,
    pub received: String,
    pub resolved: Option<String>,
    pub resolved_by: Option<String>,
}

fn report_view(r: crate::features::forums::store::ReportRow) -> ReportView {
    ReportView {
        id: r.id,
        post: r.post_id,
        forum: r.forum_id,
        reporter: r.reporter_id,
        reason: r.reason,
        received: rfc3339(r.received_at),
        resolved: r.resolved_at.map(rfc3339),
        resolved_by: r.resolved_by,
    }
}

/// Anyone with an account reports a post to its forum's and this node's moderators.
async fn report(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<ReportRequest>,
) -> Result<StatusCode, ApiError> {
    let me = forums::person_of(&data, &user).await?;
    federated::report(&data, &me, &body.post, &body.reason).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
pub struct ReportsQuery {
    #[serde(default)]
    pub all: bool,
}

/// Open reports (or all with `all=true`) for the forums one moderates; every report for the
/// node's administrators.
async fn reports(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<ReportsQuery>,
) -> ApiResult<Vec<ReportView>> {
    let rows = forums::reports_for(&data, &user, !q.all).await?;
    Ok(Json(rows.into_iter().map(report_view).collect()))
}

#[derive(Deserialize)]
pub struct ResolveRequest {
    pub id: i64,
}

async fn resolve(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<ResolveRequest>,
) -> Result<StatusCode, ApiError> {
    forums::resolve_report(&data, &user, body.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct FollowThread {
    pub thread: String,
    /// False to stop following.
    #[serde(default = "yes")]
    pub follow: bool,
}

fn yes() -> bool {
    true
}

/// Follow a thread (which also marks it read), or stop following it.
async fn follow_thread(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<FollowThread>,
) -> Result<StatusCode, ApiError> {
    forums::follow_thread(&data, &user, &body.thread, body.follow).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct FollowedView {
    pub thread: String,
    pub forum: String,
    pub title: Option<String>,
    pub last_activity: String,
    /// Replies by others that arrived since the thread was last read.
    pub unread: i64,
}

/// The threads one follows, those with new replies first.
async fn following(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<Vec<FollowedView>> {
    let rows = data.db.followed_threads(user.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|t| FollowedView {
                thread: t.thread_id,
                forum: t.forum_id,
                title: t.title,
                last_activity: rfc3339(t.last_activity_at),
                unread: t.unread,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct SettingsRequest {
    pub forum: String,
    /// Only the forum's moderators start threads; everyone may reply.
    pub moderators_only_threads: bool,
}

/// A moderator chooses who starts threads in a local forum.
async fn settings(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<SettingsRequest>,
) -> Result<StatusCode, ApiError> {
    let forum = forums::find(&data, &body.forum).await?;
    let forum = moderated(&data, &user, forum.id.as_str()).await?;
    let me = forums::person_of(&data, &user).await?;
    federated::set_moderators_only(&data, &me, &forum, body.moderators_only_threads).await?;
    Ok(StatusCode::NO_CONTENT)
}
