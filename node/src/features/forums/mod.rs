//! Forums (FEP-1b12): `Group` actors of kind `forum` whose moderators are the users who may act
//! for them. Threads and replies are written by members, here or on other nodes; the forum
//! announces each to its followers. This module checks what members write and decides who may
//! do what; the wire side is in `activitypub::forums`.

pub mod api;
pub mod portal;
pub mod serve;
pub mod store;
pub mod wire;

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::features::coops::CoopKind;
use crate::features::forums::store::ForumPostRow;

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
    debug_assert_eq!(
        CoopKind::Forum.as_str(),
        "forum",
        "KnownActor::is_forum's kind"
    );
    actor.is_forum()
}

/// A thread's title: plain text, one line, 1 to 200 characters. Markup is dropped, so no
/// client that shows a title unescaped can be made to run a script.
pub fn check_title(title: &str) -> Result<String, AppError> {
    let title = crate::core::text::html_to_text(title);
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

/// A title for a thread written without one, from its HTML: the first paragraph or line with
/// text once leading mentions are dropped, cut at a word to at most 100 characters.
pub fn title_from_html(html: &str) -> String {
    let lines = html.replace("</p>", "</p>\n").replace("<br", "\n<br");
    let words = lines
        .lines()
        .map(|line| without_mentions(&crate::core::text::html_to_text(line)))
        .find(|words| !words.is_empty())
        .unwrap_or_default();
    let mut title = String::new();
    for word in words {
        if title.chars().count() + word.chars().count() + 1 > 100 {
            title.push('…');
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(&word);
    }
    title
}

/// The words of a line after its leading mentions (`@name`, `@name@host`, or Mastodon's `@`
/// and name in separate elements).
fn without_mentions(line: &str) -> Vec<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(word) = words.peek() {
        if *word == "@" {
            words.next();
            words.next();
        } else if word.starts_with('@') {
            words.next();
        } else {
            break;
        }
    }
    words.map(str::to_string).collect()
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

/// A forum in the network's list, and whether someone here follows it (this node's own forums
/// count as followed: their threads are all here).
pub struct ListedForum {
    pub actor: KnownActor,
    pub followed: bool,
}

/// The network's forums as this node knows them: its own, then those followed here, then other
/// forums it has come across (Coopnet forums and other software's groups), except those of
/// blocked domains.
pub async fn known_forums(state: &crate::core::AppState) -> Result<Vec<ListedForum>, AppError> {
    let mut out: Vec<ListedForum> = state
        .db
        .local_coops()
        .await?
        .iter()
        .map(|row| crate::core::federation::convert::local_actor(row, &state.settings))
        .filter(is_forum)
        .map(|actor| ListedForum {
            actor,
            followed: true,
        })
        .collect();
    let mut remote = state.db.known_remote_forums().await?;
    remote.sort_by_key(|(_, followers)| *followers == 0);
    for (id, followers) in remote {
        let Some(actor) = crate::core::federation::stored_actor(state, &id).await? else {
            continue;
        };
        if crate::core::federation::refuse_blocked(state, &actor.id)
            .await
            .is_err()
        {
            continue;
        }
        out.push(ListedForum {
            actor,
            followed: followers > 0,
        });
    }
    Ok(out)
}

/// A forum named by its id, or by its handle when it is one of ours.
pub async fn find(state: &crate::core::AppState, forum: &str) -> Result<KnownActor, AppError> {
    let forum = forum.trim();
    let actor = if forum.starts_with("http://") || forum.starts_with("https://") {
        crate::core::federation::stored_actor(state, forum).await?
    } else {
        state
            .db
            .local_actor_by_username(forum)
            .await?
            .map(|row| crate::core::federation::convert::local_actor(&row, &state.settings))
    };
    actor.filter(is_forum).ok_or(AppError::NotFound)
}

/// The Person actor a user writes as.
pub async fn person_of(
    state: &crate::core::AppState,
    user: &crate::core::store::users::UserRow,
) -> Result<KnownActor, AppError> {
    crate::core::federation::stored_actor(state, &user.actor_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The person a moderator names to ban: by handle (`@name@host`, or a plain name here), or by
/// id. Someone known to this node is taken as stored; a handle elsewhere is looked up.
pub async fn find_person(
    data: &activitypub_federation::config::Data<crate::core::AppState>,
    who: &str,
) -> Result<KnownActor, AppError> {
    let who = who.trim();
    let person = if who.starts_with("http://") || who.starts_with("https://") {
        crate::core::federation::stored_actor(data, who).await?
    } else if who.trim_start_matches('@').contains('@') {
        let handle =
            coopnet_schemas::Handle::parse(who).map_err(|e| AppError::bad(e.to_string()))?;
        Some(crate::core::federation::resolve_handle(&handle, &data.reset_request_count()).await?)
    } else {
        data.db
            .local_actor_by_username(who.trim_start_matches('@'))
            .await?
            .map(|row| crate::core::federation::convert::local_actor(&row, &data.settings))
    };
    person
        .filter(|p| p.coop_kind.is_none() && p.actor_type == "Person")
        .ok_or_else(|| AppError::bad("no such person"))
}

/// This node's forums that `user` moderates (all of them for a node administrator).
pub async fn moderated_forums(
    state: &crate::core::AppState,
    user: &crate::core::store::users::UserRow,
) -> Result<Vec<KnownActor>, AppError> {
    Ok(crate::features::coops::coops_of(&state.db, user)
        .await?
        .iter()
        .map(|row| crate::core::federation::convert::local_actor(row, &state.settings))
        .filter(is_forum)
        .collect())
}

/// The reports `user` may see: every report for a node administrator (the node's moderators),
/// else those about the forums they moderate.
pub async fn reports_for(
    state: &crate::core::AppState,
    user: &crate::core::store::users::UserRow,
    open_only: bool,
) -> Result<Vec<crate::features::forums::store::ReportRow>, AppError> {
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
    state: &crate::core::AppState,
    user: &crate::core::store::users::UserRow,
    id: i64,
) -> Result<(), AppError> {
    let report = state.db.report(id).await?.ok_or(AppError::NotFound)?;
    let allowed = user.is_admin == 1
        || moderated_forums(state, user)
            .await?
            .iter()
            .any(|f| f.id.as_str() == report.forum_id);
    if !allowed {
        return Err(AppError::NotFound);
    }
    let now = crate::core::store::now_ms();
    let resolved = state
        .db
        .resolve_report(report.id, &user.actor_id, now)
        .await?;
    if resolved && state.db.local_actor(&report.forum_id).await?.is_some() {
        state
            .db
            .log_moderation(&store::ModerationEntry {
                forum: &report.forum_id,
                moderator: &user.actor_id,
                action: "resolve report",
                subject: &report.post_id,
                reason: None,
                at: now,
            })
            .await?;
    }
    Ok(())
}

/// A member follows a thread (or stops): followed threads list their new replies.
pub async fn follow_thread(
    state: &crate::core::AppState,
    user: &crate::core::store::users::UserRow,
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
            .follow_thread(user.id, &thread.id, crate::core::store::now_ms())
            .await?;
    } else {
        state.db.unfollow_thread(user.id, &thread.id).await?;
    }
    Ok(thread)
}

#[cfg(test)]
mod tests {
    use super::title_from_html;

    #[test]
    fn a_title_is_the_first_line_without_mentions_cut_at_a_word() {
        let mastodon =
            "<p><span class=\"h-card\"><a href=\"https://a.example/coops/talk\">@<span>talk\
            </span></a></span> How do you rotate tasks?</p><p>We use rosters.</p>";
        assert_eq!(title_from_html(mastodon), "How do you rotate tasks?");
        assert_eq!(
            title_from_html("<p>@talk@a.example @ann</p><p>Rosters?<br>More</p>"),
            "Rosters?"
        );
        let title = title_from_html(&format!("<p>{}</p>", "word ".repeat(40)));
        assert!(
            title.ends_with('…') && title.chars().count() <= 101,
            "{title}"
        );
        assert_eq!(title_from_html("<p>@talk</p>"), "");
    }
}
