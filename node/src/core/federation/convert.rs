//! Converters between stored rows and wire documents. Nothing else builds JSON-LD by hand.

use coopnet_federation::{network, origin};
use coopnet_schemas::{
    actors::{ActorDoc, ActorType, Endpoints, Image, PublicKey},
    context,
    directory::CoopProfileDoc,
};
use url::Url;

use crate::core::config::Settings;
use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::store::actors::{LocalActorRow, RemoteActorRow};

/// `base` with `/suffix` appended: an actor's collection ids.
pub fn join(base: &Url, suffix: &str) -> Url {
    Url::parse(&format!("{}/{suffix}", base.as_str().trim_end_matches('/')))
        .unwrap_or_else(|_| base.clone())
}

pub fn local_actor(row: &LocalActorRow, settings: &Settings) -> KnownActor {
    let id = Url::parse(&row.id).unwrap_or_else(|_| settings.url("/actor"));
    KnownActor {
        inbox: join(&id, "inbox"),
        outbox: Some(join(&id, "outbox")),
        shared_inbox: Some(settings.url("/inbox")),
        id,
        username: row.username.clone(),
        host: settings.domain.clone(),
        actor_type: row.actor_type.clone(),
        coop_kind: row.coop_kind.clone(),
        name: row.name.clone(),
        summary: row.summary.clone(),
        region: row.region.clone(),
        industry: row.industry.clone(),
        icon_url: row.icon_url.clone(),
        public_key_id: format!("{}#main-key", row.id),
        public_key_pem: row.public_key_pem.clone(),
        private_key_pem: Some(row.private_key_pem.clone()),
        fetched_at: None,
    }
}

pub fn remote_actor(row: &RemoteActorRow) -> Option<KnownActor> {
    Some(KnownActor {
        id: Url::parse(&row.id).ok()?,
        username: row.username.clone(),
        host: row.host.clone(),
        actor_type: row.actor_type.clone(),
        coop_kind: row.coop_kind.clone(),
        name: row.name.clone(),
        summary: row.summary.clone(),
        region: row.region.clone(),
        industry: row.industry.clone(),
        icon_url: row.icon_url.clone(),
        inbox: Url::parse(&row.inbox).ok()?,
        shared_inbox: row.shared_inbox.as_deref().and_then(|u| Url::parse(u).ok()),
        outbox: row.outbox.as_deref().and_then(|u| Url::parse(u).ok()),
        public_key_id: row.public_key_id.clone(),
        public_key_pem: row.public_key_pem.clone(),
        private_key_pem: None,
        fetched_at: Some(row.fetched_at),
    })
}

/// The actor document we serve for one of our actors, with a co-op's profile data and the name
/// of its kind as people read it ("Workplace", "Forum").
pub fn actor_doc(
    actor: &KnownActor,
    settings: &Settings,
    profile: Option<CoopProfileDoc>,
    kind_label: Option<&str>,
) -> ActorDoc {
    let mut attachment = profile_fields(actor, kind_label);
    if let Some(p) = &profile {
        attachment.extend(profile_data_fields(p));
    }
    let is_forum = actor.is_forum();
    ActorDoc {
        context: context::actor_context(),
        id: actor.id.clone(),
        kind: actor.actor_type.clone(),
        preferred_username: actor.username.clone(),
        name: Some(actor.name.clone()),
        summary: (!actor.summary.is_empty())
            .then(|| crate::core::text::plain_to_html(&actor.summary)),
        url: Some(actor.id.clone()),
        inbox: actor.inbox.clone(),
        outbox: actor.outbox.clone(),
        followers: Some(join(&actor.id, "followers")),
        following: Some(join(&actor.id, "following")),
        endpoints: Some(Endpoints {
            shared_inbox: Some(settings.url("/inbox")),
        }),
        public_key: PublicKey {
            id: actor.public_key_id.clone(),
            owner: actor.id.clone(),
            public_key_pem: actor.public_key_pem.clone(),
        },
        icon: actor
            .icon_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .map(|url| Image {
                kind: "Image".into(),
                url,
                media_type: None,
            }),
        manually_approves_followers: false,
        discoverable: Some(actor.actor_type != ActorType::Application.as_str()),
        region: actor.region.clone(),
        industry: actor.industry.clone(),
        coop_kind: actor.coop_kind.clone(),
        published: None,
        coop_profile: profile,
        attachment,
        attributed_to: is_forum.then(|| join(&actor.id, "moderators")),
        featured: is_forum.then(|| featured_of(&actor.id)),
        posting_restricted_to_mods: None,
    }
}

/// The short parts of a co-op's profile data as profile fields, for servers that know none of
/// our terms. Mastodon shows at most a few, so only these.
fn profile_data_fields(p: &CoopProfileDoc) -> Vec<serde_json::Value> {
    let names = |flows: &[coopnet_schemas::directory::FlowDoc]| {
        let list: Vec<&str> = flows.iter().map(|f| f.good.as_str()).collect();
        Some(crate::core::text::limit(list.join(", "), 200)).filter(|s| !s.is_empty())
    };
    [
        ("Produces", names(&p.outputs)),
        ("Participants", p.participants.map(|n| n.to_string())),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        value.map(|v| coopnet_schemas::actors::property_value(name, &crate::core::text::escape(&v)))
    })
    .collect()
}

/// Region, industry and kind as profile fields, so Mastodon shows them under the name.
fn profile_fields(actor: &KnownActor, kind_label: Option<&str>) -> Vec<serde_json::Value> {
    let kind = kind_label.map(str::to_string);
    [
        ("Kind", kind),
        ("Region", actor.region.clone()),
        ("Industry", actor.industry.clone()),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        value.map(|v| coopnet_schemas::actors::property_value(name, &crate::core::text::escape(&v)))
    })
    .collect()
}

/// Checks a fetched actor document before we store it: it lives where it was fetched from, its
/// key belongs to it, and its inboxes are addresses we may reach.
pub fn verify_actor_doc(
    doc: &ActorDoc,
    fetched_from: &Url,
    settings: &Settings,
) -> Result<(), AppError> {
    if !origin::same_origin(&doc.id, fetched_from) {
        return Err(AppError::bad(
            "the actor's id is on another origin than where it was fetched",
        ));
    }
    if ActorType::parse(&doc.kind).is_none() {
        return Err(AppError::bad(format!("{} is not an actor type", doc.kind)));
    }
    if doc.public_key.owner != doc.id {
        return Err(AppError::bad("the actor's key belongs to someone else"));
    }
    let key_id = Url::parse(&doc.public_key.id).map_err(|_| AppError::bad("unreadable key id"))?;
    if !origin::same_origin(&key_id, &doc.id) {
        return Err(AppError::bad("the actor's key id is on another origin"));
    }
    for inbox in std::iter::once(&doc.inbox).chain(doc.shared_inbox()) {
        network::check_url(inbox, settings.allow_private_network)
            .map_err(|e| AppError::bad(format!("inbox {inbox}: {e}")))?;
    }
    if !coopnet_schemas::handle::valid_name(&doc.preferred_username.to_ascii_lowercase()) {
        return Err(AppError::bad(
            "the actor's preferredUsername is not a valid name",
        ));
    }
    Ok(())
}

pub fn remote_actor_row(doc: &ActorDoc, now: i64) -> Result<RemoteActorRow, AppError> {
    Ok(RemoteActorRow {
        id: doc.id.to_string(),
        username: doc.preferred_username.to_ascii_lowercase(),
        host: origin::authority(&doc.id),
        actor_type: doc.kind.clone(),
        name: crate::core::text::limit(
            doc.name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| doc.preferred_username.clone()),
            200,
        ),
        summary: crate::core::text::limit(
            doc.summary
                .as_deref()
                .map(crate::core::text::sanitize_html)
                .unwrap_or_default(),
            5000,
        ),
        region: doc.region.clone().map(|r| crate::core::text::limit(r, 200)),
        industry: doc
            .industry
            .clone()
            .map(|r| crate::core::text::limit(r, 200)),
        // A `Group` that does not say what kind it is (Lemmy's communities, other forum
        // software's groups) is a forum: people post to it and it announces their posts.
        coop_kind: match &doc.coop_kind {
            Some(kind) => Some(crate::core::text::limit(kind.clone(), 50)),
            None if doc.kind == "Group" => Some(crate::core::federation::FORUM_KIND.into()),
            None => None,
        },
        icon_url: doc
            .icon
            .as_ref()
            .filter(|i| i.url.scheme() == "https" || i.url.scheme() == "http")
            .map(|i| i.url.to_string()),
        inbox: doc.inbox.to_string(),
        shared_inbox: doc.shared_inbox().map(Url::to_string),
        outbox: doc.outbox.as_ref().map(Url::to_string),
        public_key_id: doc.public_key.id.clone(),
        public_key_pem: doc.public_key.public_key_pem.clone(),
        fetched_at: now,
    })
}

/// The followers collection of an actor.
/// A forum's pinned threads.
pub fn featured_of(forum: &Url) -> Url {
    join(forum, "featured")
}

pub fn followers_of(actor: &Url) -> Url {
    join(actor, "followers")
}
