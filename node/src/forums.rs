//! Forums (FEP-1b12): `Group` actors of kind `forum` whose moderators are the users who may act
//! for them. Threads and replies are written by members, here or on other nodes; the forum
//! announces each to its followers. This module checks what members write and decides who may
//! do what; the wire side is in `activitypub::forums`.

use crate::{
    activitypub::KnownActor, coops::CoopKind, error::AppError, store::forums::ForumPostRow,
};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest post, in characters of Markdown.
pub const MAX_BODY: usize = 20_000;

/// The five forums `coopnode init` opens, on the topics co-ops ask about most.
pub const SEED_FORUMS: [(&str, &str, &str); 5] = [
    (
        "remuneration",
        "Remuneration",
        "Pay in co-operatives: equal pay, pay ratios, pay by hours worked, and how members decide.",
    ),
    (
        "balancing-tasks",
        "Balancing tasks",
        "Sharing desirable and undesirable work fairly: job complexes, rotation and rosters.",
    ),
    (
        "decision-making",
        "Decision-making",
        "How members decide together: assemblies, consent, delegation and self-management.",
    ),
    (
        "participatory-planning",
        "Participatory planning",
        "Planning between workplaces and consumer councils: proposals, iterations and facilitation.",
    ),
    (
        "setting-up-a-coop",
        "Setting up a co-op",
        "Starting a co-operative: legal forms, founding members, money and first steps.",
    ),
];

pub fn is_forum(actor: &KnownActor) -> bool {
    actor.coop_kind.as_deref() == Some(CoopKind::Forum.as_str())
}

/// A thread's title: plain text, one line, 1 to 200 characters. Markup is dropped, so no
/// client that shows a title unescaped can be made to run a script.
pub fn check_title(title: &str) -> Result<String, AppError> {
    let title = crate::text::html_to_text(title);
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(AppError::bad("a thread needs a title"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(AppError::bad(format!(
            "a title may have at most {MAX_TITLE} characters"
        )));
    }
    if title.chars().any(char::is_control) {
        return Err(AppError::bad("a title is one line of text"));
    }
    Ok(title.to_string())
}

/// A post's Markdown: some text, at most 20,000 characters.
pub fn check_body(markdown: &str) -> Result<(), AppError> {
    if markdown.trim().is_empty() {
        return Err(AppError::bad("a post needs some text"));
    }
    let chars = markdown.chars().count();
    if chars > MAX_BODY {
        return Err(AppError::bad(format!(
            "a post may have at most {MAX_BODY} characters, this one has {chars}"
        )));
    }
    Ok(())
}

/// May a reply be added under `thread`? Locked and removed threads take none.
pub fn check_open(thread: &ForumPostRow) -> Result<(), AppError> {
    if thread.locked == 1 {
        return Err(AppError::Forbidden("the thread is locked".into()));
    }
    if thread.removed_at.is_some() {
        return Err(AppError::Forbidden("the thread was removed".into()));
    }
    Ok(())
}

/// The forums shown here: this node's own, then remote ones one of our actors follows.
pub async fn known_forums(state: &crate::app::AppState) -> Result<Vec<KnownActor>, AppError> {
    let mut out: Vec<KnownActor> = state
        .db
        .local_coops()
        .await?
        .iter()
        .map(|row| crate::activitypub::convert::local_actor(row, &state.settings))
        .filter(is_forum)
        .collect();
    for id in state.db.followed_remote_forums().await? {
        if let Some(actor) = crate::activitypub::stored_actor(state, &id).await? {
            out.push(actor);
        }
    }
    Ok(out)
}

/// A forum named by its id, or by its handle when it is one of ours.
pub async fn find(state: &crate::app::AppState, forum: &str) -> Result<KnownActor, AppError> {
    let forum = forum.trim();
    let actor = if forum.starts_with("http://") || forum.starts_with("https://") {
        crate::activitypub::stored_actor(state, forum).await?
    } else {
        state
            .db
            .local_actor_by_username(forum)
            .await?
            .map(|row| crate::activitypub::convert::local_actor(&row, &state.settings))
    };
    actor.filter(is_forum).ok_or(AppError::NotFound)
}

/// The Person actor a user writes as.
pub async fn person_of(
    state: &crate::app::AppState,
    user: &crate::store::users::UserRow,
) -> Result<KnownActor, AppError> {
    crate::activitypub::stored_actor(state, &user.actor_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The person a moderator names to ban: by handle (`@name@host`, or a plain name here), or by
/// id. Someone known to this node is taken as stored; a handle elsewhere is looked up.
pub async fn find_person(
    data: &activitypub_federation::config::Data<crate::app::AppState>,
    who: &str,
) -> Result<KnownActor, AppError> {
    let who = who.trim();
    let person = if who.starts_with("http://") || who.starts_with("https://") {
        crate::activitypub::stored_actor(data, who).await?
    } else if who.trim_start_matches('@').contains('@') {
        let handle =
            coopnet_schemas::Handle::parse(who).map_err(|e| AppError::bad(e.to_string()))?;
        Some(crate::activitypub::resolve_handle(&handle, &data.reset_request_count()).await?)
    } else {
        data.db
            .local_actor_by_username(who.trim_start_matches('@'))
            .await?
            .map(|row| crate::activitypub::convert::local_actor(&row, &data.settings))
    };
    person
        .filter(|p| p.coop_kind.is_none() && p.actor_type == "Person")
        .ok_or_else(|| AppError::bad("no such person"))
}

/// This node's forums that `user` moderates (all of them for a node administrator).
pub async fn moderated_forums(
    state: &crate::app::AppState,
    user: &crate::store::users::UserRow,
) -> Result<Vec<KnownActor>, AppError> {
    Ok(crate::coops::coops_of(&state.db, user)
        .await?
        .iter()
        .map(|row| crate::activitypub::convert::local_actor(row, &state.settings))
        .filter(is_forum)
        .collect())
}

/// The reports `user` may see: every report for a node administrator (the node's moderators),
/// else those about the forums they moderate.
pub async fn reports_for(
    state: &crate::app::AppState,
    user: &crate::store::users::UserRow,
    open_only: bool,
) -> Result<Vec<crate::store::forums::ReportRow>, AppError> {
    if user.is_admin == 1 {
        return Ok(state.db.reports(None, open_only).await?);
    }
    let forums: Vec<String> = moderated_forums(state, user)
        .await?
        .iter()
        .map(|f| f.id.to_string())
        .collect();
    if forums.is_empty() {
        return Ok(Vec::new());
    }
    Ok(state.db.reports(Some(&forums), open_only).await?)
}

/// Marks a report dealt with, by someone who may see it; logged in the forum's log when the
/// forum is ours.
pub async fn resolve_report(
    state: &crate::app::AppState,
    user: &crate::store::users::UserRow,
    id: i64,
) -> Result<(), AppError> {
    let report = reports_for(state, user, false)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    let now = crate::store::now_ms();
    let resolved = state
        .db
        .resolve_report(report.id, &user.actor_id, now)
        .await?;
    if resolved && state.db.local_actor(&report.forum_id).await?.is_some() {
        state
            .db
            .log_moderation(
                &report.forum_id,
                &user.actor_id,
                "resolve report",
                &report.post_id,
                None,
                now,
            )
            .await?;
    }
    Ok(())
}

/// A member follows a thread (or stops): followed threads list their new replies.
pub async fn follow_thread(
    state: &crate::app::AppState,
    user: &crate::store::users::UserRow,
    thread: &str,
    follow: bool,
) -> Result<ForumPostRow, AppError> {
    let thread = state
        .db
        .forum_post(thread)
        .await?
        .filter(|p| p.thread_id.is_none() && p.removed_at.is_none())
        .ok_or(AppError::NotFound)?;
    if follow {
        state
            .db
            .follow_thread(user.id, &thread.id, crate::store::now_ms())
            .await?;
    } else {
        state.db.unfollow_thread(user.id, &thread.id).await?;
    }
    Ok(thread)
}
