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
