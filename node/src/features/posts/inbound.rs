//! Posts and shares from peers: a public Note, Article or Page is kept if it concerns this node
//! (its author is followed here, it answers one of our posts, it is addressed to us); an
//! Announce by someone followed here is kept as a share.

use crate::core::error::AppError;
use crate::core::federation::inbox::object_id;
use crate::core::federation::inbox::MAX_CONTENT;
use crate::core::federation::KnownActor;
use crate::core::store::{now_ms, parse_time};
use crate::core::text;
use crate::core::AppState;
use crate::features::posts::store::PostRow;
use activitypub_federation::{config::Data, fetch::fetch_object_http};
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{activities::Activity, objects::Note};
use serde_json::Value;
use url::Url;

/// Stores an announcement from a peer if it concerns this node: its author is followed here,
/// it answers one of our posts, or it is addressed to one of our actors. Backfill stores what
/// it reads without asking. Returns whether a new post was stored.
pub async fn store_note(
    data: &Data<AppState>,
    author: &KnownActor,
    object: &Value,
    from_backfill: bool,
) -> Result<bool, AppError> {
    let Some(note) = read_note(object, &author.id)? else {
        return Ok(false);
    };
    let in_reply_to = note.in_reply_to.as_ref().map(Url::to_string);
    if !from_backfill && !concerns_us(data, author, &note, in_reply_to.as_deref()).await? {
        return Ok(false);
    }
    let now = now_ms();
    let published = note
        .published
        .as_deref()
        .and_then(parse_time)
        .map(|t| t.min(now))
        .unwrap_or(now);
    let post = PostRow {
        id: note.id.to_string(),
        author_id: author.id.to_string(),
        content_html: text::sanitize_html(&note.content),
        content_source: None,
        in_reply_to,
        is_local: 0,
        published_at: published,
        updated_at: None,
        received_at: now,
        deleted_at: None,
    };
    Ok(data.db.insert_post(&post).await?)
}

/// Reads a post a peer sent and checks it is its author's and fits: 400 otherwise. `None` for
/// what the portal does not show: other kinds of object, and posts not addressed to the public
/// (private messages have their own places, as enquiries).
fn read_note(object: &Value, author: &Url) -> Result<Option<Note>, AppError> {
    let note: Note = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable object: {e}")))?;
    if !matches!(note.kind.as_str(), "Note" | "Article" | "Page") || !note.is_public() {
        return Ok(None);
    }
    if !same_origin(&note.id, author) {
        return Err(AppError::bad(
            "the object's id is on another origin than its actor",
        ));
    }
    if &note.attributed_to != author {
        return Err(AppError::bad("the object is attributed to someone else"));
    }
    if note.content.len() > MAX_CONTENT {
        return Err(AppError::bad("the object's content is too long"));
    }
    Ok(Some(note))
}

async fn concerns_us(
    data: &Data<AppState>,
    author: &KnownActor,
    note: &Note,
    in_reply_to: Option<&str>,
) -> Result<bool, AppError> {
    if data.db.is_followed_locally(author.id.as_str()).await? {
        return Ok(true);
    }
    if let Some(parent) = in_reply_to {
        if data.db.post(parent).await?.is_some_and(|p| p.is_local == 1) {
            return Ok(true);
        }
    }
    for addressee in note.to.iter().chain(note.cc.iter()) {
        if data.db.local_actor(addressee).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An Announce (share) by an actor we follow: store the shared post and who shared it.
pub async fn store_share(
    data: &Data<AppState>,
    sharer: &KnownActor,
    activity: &Activity,
) -> Result<(), AppError> {
    let post_id = object_id(activity)?;
    if !data.db.is_followed_locally(sharer.id.as_str()).await? {
        return Ok(());
    }
    if data.db.post(post_id.as_str()).await?.is_none() {
        let note = fetch_object_http::<_, Note>(&post_id, data).await?.object;
        if !same_origin(&note.id, &note.attributed_to) {
            return Err(AppError::bad(
                "the shared post's id is on another origin than its author",
            ));
        }
        let author = crate::core::federation::actor(&note.attributed_to, data).await?;
        store_note(data, &author, &serde_json::to_value(note)?, true).await?;
    }
    let shared_at = activity
        .published
        .as_deref()
        .and_then(parse_time)
        .map(|t| t.min(now_ms()))
        .unwrap_or_else(now_ms);
    data.db
        .insert_share(
            activity.id.as_str(),
            sharer.id.as_str(),
            post_id.as_str(),
            shared_at,
        )
        .await?;
    Ok(())
}

/// An `Undo(Announce)`: the actor no longer shares the post.
pub async fn remove_share(
    data: &Data<AppState>,
    activity: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    let undone = object_id(activity)?;
    data.db
        .delete_share(undone.as_str(), actor.id.as_str())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The object of a captured activity from `tests/assets/inbound`, and its actor.
    fn captured(file: &str) -> (Value, Url) {
        let path = format!(
            "{}/../tests/assets/inbound/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let activity: Value = serde_json::from_str(&text).expect("a JSON document");
        let actor = Url::parse(activity["actor"].as_str().expect("an actor")).unwrap();
        (activity["object"].clone(), actor)
    }

    #[test]
    fn public_posts_from_mastodon_gotosocial_and_pleroma_are_read() {
        for (file, starts) in [
            ("mastodon-create-note.json", "<p><span class=\"h-card\">"),
            ("gotosocial-create-note.json", "<p>Our street kitchen"),
        ] {
            let (object, actor) = captured(file);
            let note = read_note(&object, &actor).unwrap().expect(file);
            assert_eq!(note.attributed_to, actor, "{file}");
            assert!(note.content.starts_with(starts), "{file}: {}", note.content);
        }
        let (object, actor) = captured("mastodon-create-note.json");
        let note = read_note(&object, &actor).unwrap().unwrap();
        assert_eq!(
            note.in_reply_to.as_ref().map(Url::as_str),
            Some("https://coops.example/posts/5b1c"),
            "a reply keeps what it answers"
        );
        // Pleroma's unlisted post names the public in cc: shown, as Mastodon shows it.
        let (object, actor) = captured("pleroma-create-note-unlisted.json");
        let note = read_note(&object, &actor)
            .unwrap()
            .expect("unlisted is public");
        assert_eq!(note.content, "Seed swap at the library on Saturday.");
    }

    #[test]
    fn posts_for_followers_only_are_left_to_their_own_places() {
        let (object, actor) = captured("mastodon-create-note-followers-only.json");
        assert!(read_note(&object, &actor).unwrap().is_none());
    }

    #[test]
    fn a_post_from_another_origin_or_author_is_refused() {
        let (object, _) = captured("mastodon-create-note.json");
        let stranger = Url::parse("https://elsewhere.example/users/ana").unwrap();
        assert!(matches!(
            read_note(&object, &stranger),
            Err(AppError::BadRequest(_))
        ));
        let neighbour = Url::parse("https://social.example/users/bob").unwrap();
        assert!(matches!(
            read_note(&object, &neighbour),
            Err(AppError::BadRequest(_))
        ));
        let mut long = object.clone();
        long["content"] = Value::String("x".repeat(MAX_CONTENT + 1));
        let (_, actor) = captured("mastodon-create-note.json");
        assert!(read_note(&long, &actor).is_err(), "too long");
    }
}
