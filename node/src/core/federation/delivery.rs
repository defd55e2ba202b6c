//! Delivery workers: send what the outbox queued, one worker per destination host.
//!
//! A dispatcher wakes when something is queued (or once a second, to see work queued by another
//! process sharing the database), and starts a worker for each host with due deliveries. A
//! worker sends its host's deliveries in order and stops when none are due, so a slow or dead
//! host holds up only its own queue. Failures are retried on the schedule in
//! `coopnet_federation::delivery`; a host failing for a day is marked dead and probed now and
//! then, and wakes up with everything it missed when it answers again.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use activitypub_federation::{
    activity_sending::SendActivityTask,
    config::{Data, FederationConfig},
    traits::Activity as ActivityTrait,
};
use coopnet_federation::delivery::{
    retry_delay, DEAD_AFTER, DEAD_AFTER_FAILURES, DEAD_HOST_PROBE, GIVE_UP_AFTER,
};
use serde::Serialize;
use url::Url;

use crate::core::error::AppError;
use crate::core::store::deliveries::DeliveryRow;
use crate::core::store::now_ms;
use crate::core::AppState;

/// How long a claimed delivery stays ours before another worker may take it. A batch takes at
/// most BATCH sends of at most 10 s each, well inside the lease.
const LEASE: Duration = Duration::from_secs(60);
/// Deliveries one worker claims at a time.
const BATCH: i64 = 4;
/// Workers sending at once, across all hosts.
const MAX_WORKERS: usize = 128;

/// An activity exactly as stored, ready for activitypub_federation to sign and send.
#[derive(Debug)]
struct StoredActivity {
    id: Url,
    actor: Url,
    body: serde_json::Value,
}

impl Serialize for StoredActivity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.body.serialize(s)
    }
}

#[async_trait::async_trait]
impl ActivityTrait for StoredActivity {
    type DataType = AppState;
    type Error = AppError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, _data: &Data<AppState>) -> Result<(), AppError> {
        Ok(())
    }

    async fn receive(self, _data: &Data<AppState>) -> Result<(), AppError> {
        Err(AppError::Internal(
            "outgoing activities are never received".into(),
        ))
    }
}

/// Runs the dispatcher until the process ends.
pub async fn run(federation: FederationConfig<AppState>) {
    let running: Arc<Mutex<HashSet<String>>> = Arc::default();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_WORKERS));
    let wake = federation.wake_handle();
    let mut last_prune = 0i64;
    loop {
        let now = now_ms();
        match federation.db.hosts_with_due_deliveries(now).await {
            Ok(hosts) => {
                for host in hosts {
                    let fresh = running
                        .lock()
                        .map(|mut set| set.insert(host.clone()))
                        .unwrap_or(false);
                    if !fresh {
                        continue;
                    }
                    let federation = federation.clone();
                    let running = running.clone();
                    let slots = slots.clone();
                    tokio::spawn(async move {
                        let _slot = slots.acquire_owned().await;
                        work_host(&federation, &host).await;
                        if let Ok(mut set) = running.lock() {
                            set.remove(&host);
                        }
                        federation.wake_deliveries();
                    });
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the delivery queue"),
        }
        if now - last_prune > 60 * 60 * 1000 {
            last_prune = now;
            let week_ago = now - 7 * 24 * 60 * 60 * 1000;
            if let Err(e) = federation.db.prune_deliveries(week_ago).await {
                tracing::warn!(error = %e, "cannot prune old deliveries");
            }
            if let Err(e) = federation.db.optimize().await {
                tracing::warn!(error = %e, "cannot refresh the query planner's statistics");
            }
            let quarter_ago = now - 90 * 24 * 60 * 60 * 1000;
            if let Err(e) = federation.db.prune_inbox(quarter_ago).await {
                tracing::warn!(error = %e, "cannot prune old raw activities");
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), wake.notified()).await;
    }
}

/// Sends every due delivery to one host, in order, until none are due.
async fn work_host(federation: &FederationConfig<AppState>, host: &str) {
    loop {
        let now = now_ms();
        let batch = match federation
            .db
            .claim_deliveries(host, now, now + LEASE.as_millis() as i64, BATCH)
            .await
        {
            Ok(batch) => batch,
            Err(e) => {
                tracing::error!(error = %e, host, "cannot claim deliveries");
                return;
            }
        };
        if batch.is_empty() {
            return;
        }
        for delivery in batch {
            // Each send gets fresh request data: the library counts fetches per request data.
            let data = federation.to_request_data();
            let outcome = send(&data, &delivery).await;
            if let Err(e) = record(&data, &delivery, outcome).await {
                tracing::error!(error = %e, host, "cannot record a delivery");
                return;
            }
            if host_is_down(&data, host).await {
                // The rest of this host's deliveries wait for their own retry time.
                return;
            }
        }
    }
}

async fn host_is_down(data: &Data<AppState>, host: &str) -> bool {
    data.db
        .host(host)
        .await
        .ok()
        .flatten()
        .is_some_and(|h| h.consecutive_failures > 0)
}

enum Outcome {
    Delivered,
    /// Nothing to send any more (activity or actor gone, inbox refused by policy).
    Dropped(String),
    Failed(String),
}

async fn send(data: &Data<AppState>, delivery: &DeliveryRow) -> Outcome {
    let Some(stored) = data
        .db
        .outbox_activity(&delivery.activity_id)
        .await
        .ok()
        .flatten()
    else {
        return Outcome::Dropped("activity no longer stored".into());
    };
    let Some(actor_row) = data.db.local_actor(&delivery.actor_id).await.ok().flatten() else {
        return Outcome::Dropped("sending actor no longer exists".into());
    };
    let actor = crate::core::federation::convert::local_actor(&actor_row, &data.settings);
    let (Ok(id), Ok(body), Ok(inbox)) = (
        Url::parse(&stored.id),
        serde_json::from_str::<serde_json::Value>(&stored.body),
        Url::parse(&delivery.inbox),
    ) else {
        return Outcome::Dropped("stored activity or inbox unreadable".into());
    };
    if let Err(e) =
        coopnet_federation::network::check_url(&inbox, data.settings.allow_private_network)
    {
        return Outcome::Dropped(format!("inbox refused: {e}"));
    }
    let activity = StoredActivity {
        id,
        actor: actor.id.clone(),
        body,
    };
    let tasks = match SendActivityTask::prepare(&activity, &actor, vec![inbox], data).await {
        Ok(tasks) => tasks,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let Some(task) = tasks.into_iter().next() else {
        return Outcome::Dropped("inbox refused by the network policy".into());
    };
    match task.sign_and_send(data).await {
        Ok(()) => Outcome::Delivered,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

async fn record(
    data: &Data<AppState>,
    delivery: &DeliveryRow,
    outcome: Outcome,
) -> Result<(), AppError> {
    let now = now_ms();
    let db = &data.db;
    match outcome {
        Outcome::Delivered => {
            db.delivery_done(delivery.id, now).await?;
            if db.host_succeeded(&delivery.host, now).await? {
                tracing::info!(host = %delivery.host, "host answers again; sending what waited");
                db.wake_host(&delivery.host, now).await?;
            }
        }
        Outcome::Dropped(reason) => {
            tracing::warn!(activity = %delivery.activity_id, inbox = %delivery.inbox, %reason, "delivery dropped");
            db.delivery_failed(delivery.id, &reason).await?;
        }
        Outcome::Failed(error) => {
            tracing::info!(activity = %delivery.activity_id, inbox = %delivery.inbox, %error, "delivery failed");
            let host = db.host_failed(&delivery.host, now).await?;
            if now - delivery.created_at > GIVE_UP_AFTER.as_millis() as i64 {
                db.delivery_failed(delivery.id, &error).await?;
                return Ok(());
            }
            let attempt = (delivery.attempts + 1) as u32;
            let mut next = now + retry_delay(attempt).as_millis() as i64;
            let failing_since = host.first_failure_at.unwrap_or(now);
            if host.dead_since.is_none()
                && host.consecutive_failures >= DEAD_AFTER_FAILURES
                && now - failing_since >= DEAD_AFTER.as_millis() as i64
            {
                tracing::warn!(host = %delivery.host, "host marked dead");
                db.mark_host_dead(&delivery.host, now).await?;
            }
            if host.dead_since.is_some() {
                next = next.max(now + DEAD_HOST_PROBE.as_millis() as i64);
            }
            // The whole host waits: its other deliveries would fail the same way.
            db.postpone_host(&delivery.host, next).await?;
            db.delivery_retry(delivery.id, next, &error).await?;
        }
    }
    Ok(())
}
