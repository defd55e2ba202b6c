//! Backfill: when a follow is accepted, read the followed actor's outbox so the portal shows
//! what it published before.

use activitypub_federation::{config::Data, fetch::fetch_object_http};
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{
    activities::Activity,
    collections::{OrderedCollection, OrderedCollectionPage},
};
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::AppState;

/// Posts read from one outbox at most.
const MAX_ITEMS: usize = 40;

/// Reads the first page of the actor's outbox and stores the announcements on it. Returns how
/// many were new.
pub async fn backfill(data: &Data<AppState>, actor: &KnownActor) -> Result<usize, AppError> {
    let outbox = actor
        .outbox
        .clone()
        .ok_or_else(|| AppError::Peer("the actor has no outbox".into()))?;
    if !same_origin(&outbox, &actor.id) {
        return Err(AppError::Peer(
            "the outbox is on another origin than its actor".into(),
        ));
    }
    let collection = fetch_object_http::<_, OrderedCollection>(&outbox, data)
        .await?
        .object;
    let items = match (collection.ordered_items, collection.first) {
        (Some(items), _) if !items.is_empty() => items,
        (_, Some(Value::String(first))) => {
            let first = Url::parse(&first).map_err(|_| AppError::Peer("bad first page".into()))?;
            if !same_origin(&first, &actor.id) {
                return Err(AppError::Peer(
                    "the outbox page is on another origin".into(),
                ));
            }
            fetch_object_http::<_, OrderedCollectionPage>(&first, data)
                .await?
                .object
                .ordered_items
        }
        (_, Some(page @ Value::Object(_))) => {
            serde_json::from_value::<OrderedCollectionPage>(page)
                .map_err(|e| AppError::Peer(format!("unreadable outbox page: {e}")))?
                .ordered_items
        }
        _ => Vec::new(),
    };
    let mut stored = 0;
    let mut items: Vec<Value> = items.into_iter().take(MAX_ITEMS).collect();
    let forum = actor.is_forum();
    if forum {
        // Oldest first, so a thread is there before its replies.
        items.reverse();
    }
    for item in items {
        // Only embedded activities by the actor itself count; ids are not fetched one by one.
        let Ok(activity) = serde_json::from_value::<Activity>(item) else {
            continue;
        };
        if activity.actor != actor.id || !same_origin(&activity.id, &actor.id) {
            continue;
        }
        match activity.kind.as_str() {
            "Create" => match data
                .features
                .store_created(data, actor, &activity.object, true)
                .await
            {
                Ok(true) => stored += 1,
                Ok(false) => {}
                Err(e) => tracing::debug!(error = %e, "skipped an outbox item"),
            },
            "Announce" => {
                let kind = coopnet_schemas::activities::ActivityKind::Announce;
                if let Err(e) = data.features.apply(data, kind, &activity, actor).await {
                    tracing::debug!(error = %e, "skipped a shared outbox item");
                }
            }
            _ => {}
        }
    }
    tracing::info!(actor = %actor.id, stored, "backfilled outbox");
    Ok(stored)
}
