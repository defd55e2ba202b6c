//! Storage: the same behaviour on SQLite and PostgreSQL (`COOPNET_TEST_DATABASE=postgres`).

mod support;

use std::collections::HashSet;

use coopnode::core::store::actors::RemoteActorRow;
use coopnode::core::store::follows::FollowState;
use coopnode::core::store::outbox::NewActivity;
use coopnode::core::store::{Db, Refusal, StoreError};
use coopnode::features::forums::store::{ForumPostRow, PostChange};
use coopnode::features::posts::store::PostRow;
use support::*;

async fn fresh_db() -> Db {
    let dir = temp_dir("storage");
    let url = fresh_database(&dir).await;
    let db = Db::connect(&url).await.expect("connect");
    // Migrations are idempotent: a second open of the same database changes nothing.
    Db::connect(&url)
        .await
        .expect("connect again")
        .close()
        .await;
    db
}

fn post(id: &str, author: &str, published: i64) -> PostRow {
    PostRow {
        id: id.into(),
        author_id: author.into(),
        content_html: format!("<p>{id}</p>"),
        content_source: None,
        in_reply_to: None,
        is_local: 0,
        published_at: published,
        updated_at: None,
        received_at: published,
        deleted_at: None,
    }
}

fn remote(id: &str, host: &str) -> RemoteActorRow {
    RemoteActorRow {
        id: id.into(),
        username: id.rsplit('/').next().unwrap().into(),
        host: host.into(),
        actor_type: "Organization".into(),
        name: format!("Actor {id}"),
        summary: String::new(),
        region: None,
        industry: None,
        coop_kind: None,
        icon_url: None,
        inbox: format!("{id}/inbox"),
        shared_inbox: Some(format!("https://{host}/inbox")),
        outbox: None,
        public_key_id: format!("{id}#main-key"),
        public_key_pem: "pem".into(),
        fetched_at: 1,
    }
}

async fn local(db: &Db, name: &str) -> String {
    let id = format!("https://here.example/coops/{name}");
    db.insert_local_actor(&coopnode::core::store::actors::LocalActorRow {
        id: id.clone(),
        username: name.into(),
        actor_type: "Organization".into(),
        coop_kind: Some("workplace".into()),
        name: name.into(),
        summary: String::new(),
        region: None,
        industry: None,
        icon_url: None,
        public_key_pem: "pem".into(),
        private_key_pem: "pem".into(),
        created_at: 1,
    })
    .await
    .expect("insert local actor");
    id
}

#[tokio::test]
async fn raw_activities_are_claimed_applied_and_kept_once() {
    let db = fresh_db().await;
    let (a, u) = ("https://a.example/1", "https://a.example/u");
    assert!(db
        .claim_inbox_activity(a, u, "Create", "{}", 1_000)
        .await
        .unwrap());
    assert!(
        !db.claim_inbox_activity(a, u, "Create", "{}", 1_001)
            .await
            .unwrap(),
        "being applied"
    );
    assert!(!db.inbox_has(a).await.unwrap());
    db.inbox_applied(a, 1_002).await.unwrap();
    assert!(db.inbox_has(a).await.unwrap());
    assert!(
        !db.claim_inbox_activity(a, u, "Create", "{}", 999_999)
            .await
            .unwrap(),
        "applied once"
    );

    // A refused activity leaves nothing behind.
    let b = "https://a.example/2";
    assert!(db
        .claim_inbox_activity(b, u, "Create", "{}", 1_000)
        .await
        .unwrap());
    db.release_inbox_claim(b).await.unwrap();
    assert_eq!(db.count_inbox().await.unwrap(), 1);

    // A claim whose process died is taken over once it is old enough.
    let c = "https://a.example/3";
    assert!(db
        .claim_inbox_activity(c, u, "Create", "{}", 1_000)
        .await
        .unwrap());
    assert!(!db
        .claim_inbox_activity(c, u, "Create", "{}", 30_000)
        .await
        .unwrap());
    assert!(db
        .claim_inbox_activity(c, u, "Create", "{}", 70_000)
        .await
        .unwrap());
    assert_eq!(db.count_inbox().await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_never_hand_out_a_delivery_twice() {
    let db = fresh_db().await;
    let actor = local(&db, "bakery").await;
    let inboxes: Vec<(String, String)> = (0..120)
        .map(|i| {
            (
                format!("https://far.example/u{i}/inbox"),
                "far.example".to_string(),
            )
        })
        .collect();
    db.publish_activity(&NewActivity {
        id: "https://here.example/activities/1",
        actor_id: &actor,
        activity_type: "Create",
        object_id: None,
        body: "{}",
        is_public: true,
        published_at: 1_000,
        inboxes: &inboxes,
        alongside: &[],
    })
    .await
    .unwrap();
    let mut workers = Vec::new();
    for _ in 0..4 {
        let db = db.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = db
                    .claim_deliveries("far.example", 2_000, 60_000, 5)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|d| d.id));
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 120, "every delivery claimed");
    assert_eq!(unique.len(), 120, "none claimed twice");
}

#[tokio::test]
async fn a_lapsed_lease_is_claimed_again_and_retries_wait_their_turn() {
    let db = fresh_db().await;
    let actor = local(&db, "bakery").await;
    let inboxes = vec![(
        "https://far.example/inbox".to_string(),
        "far.example".to_string(),
    )];
    db.publish_activity(&NewActivity {
        id: "https://here.example/activities/1",
        actor_id: &actor,
        activity_type: "Create",
        object_id: None,
        body: "{}",
        is_public: true,
        published_at: 1_000,
        inboxes: &inboxes,
        alongside: &[],
    })
    .await
    .unwrap();
    let first = db
        .claim_deliveries("far.example", 1_000, 5_000, 10)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        db.claim_deliveries("far.example", 2_000, 9_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    // The worker died; after the lease runs out another takes it.
    let again = db
        .claim_deliveries("far.example", 6_000, 9_000, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    db.delivery_retry(again[0].id, 20_000, "refused")
        .await
        .unwrap();
    assert!(db
        .hosts_with_due_deliveries(19_999)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        db.hosts_with_due_deliveries(20_000).await.unwrap(),
        vec!["far.example"]
    );
    let retried = db
        .claim_deliveries("far.example", 20_000, 80_000, 10)
        .await
        .unwrap();
    assert_eq!(retried[0].attempts, 1);
    db.delivery_done(retried[0].id, 20_100).await.unwrap();
    let counts = db.queue_counts().await.unwrap();
    assert_eq!((counts.pending, counts.done, counts.failed), (0, 1, 0));

    // Host bookkeeping: failures count up, success resets and reports the recovery.
    assert_eq!(
        db.host_failed("far.example", 1)
            .await
            .unwrap()
            .consecutive_failures,
        1
    );
    assert_eq!(
        db.host_failed("far.example", 2)
            .await
            .unwrap()
            .consecutive_failures,
        2
    );
    db.mark_host_dead("far.example", 3).await.unwrap();
    assert_eq!(db.dead_hosts().await.unwrap().len(), 1);
    assert!(
        db.host_succeeded("far.example", 4).await.unwrap(),
        "it had been failing"
    );
    assert!(db.dead_hosts().await.unwrap().is_empty());
    assert!(!db.host_succeeded("far.example", 5).await.unwrap());
}

#[tokio::test]
async fn follows_and_follower_inboxes_share_inboxes() {
    let db = fresh_db().await;
    let me = local(&db, "bakery").await;
    for (id, host) in [
        ("https://one.example/u/a", "one.example"),
        ("https://one.example/u/b", "one.example"),
        ("https://two.example/u/c", "two.example"),
    ] {
        db.upsert_remote_actor(&remote(id, host)).await.unwrap();
        db.upsert_follow(id, &me, FollowState::Accepted, &format!("{id}/follow"), 1)
            .await
            .unwrap();
    }
    db.upsert_follow(
        "https://two.example/u/c",
        &me,
        FollowState::Rejected,
        "x",
        2,
    )
    .await
    .unwrap();
    assert_eq!(db.count_followers(&me).await.unwrap(), 2);
    let inboxes: HashSet<String> = db
        .follower_inboxes(&me)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.shared_inbox.unwrap())
        .collect();
    assert_eq!(
        inboxes,
        HashSet::from(["https://one.example/inbox".to_string()])
    );
    assert!(db
        .delete_follow("https://one.example/u/a", &me)
        .await
        .unwrap());
    assert_eq!(
        db.followers(&me, 10, 0).await.unwrap(),
        vec!["https://one.example/u/b"]
    );

    // A handle that moves to a new actor id replaces the old row.
    let mut moved = remote("https://one.example/u2/b", "one.example");
    moved.username = "b".into();
    db.upsert_remote_actor(&moved).await.unwrap();
    let found = db
        .remote_actor_by_handle("b", "one.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "https://one.example/u2/b");
}

#[tokio::test]
async fn the_feed_is_newest_first_with_shares_and_without_deleted_posts_or_replies() {
    let db = fresh_db().await;
    let me = local(&db, "bakery").await;
    let followed = "https://far.example/u/printer";
    let stranger = "https://far.example/u/stranger";
    db.upsert_remote_actor(&remote(followed, "far.example"))
        .await
        .unwrap();
    db.upsert_remote_actor(&remote(stranger, "far.example"))
        .await
        .unwrap();
    db.upsert_follow(&me, followed, FollowState::Accepted, "f", 1)
        .await
        .unwrap();

    let mut own = post("https://here.example/posts/own", &me, 100);
    own.is_local = 1;
    db.insert_post(&own).await.unwrap();
    db.insert_post(&post("https://far.example/p/followed", followed, 200))
        .await
        .unwrap();
    db.insert_post(&post("https://far.example/p/stranger", stranger, 300))
        .await
        .unwrap();
    db.insert_post(&post("https://far.example/p/shared", stranger, 50))
        .await
        .unwrap();
    let mut reply = post("https://far.example/p/reply", followed, 400);
    reply.in_reply_to = Some(own.id.clone());
    db.insert_post(&reply).await.unwrap();
    db.insert_share(
        "https://far.example/a/share",
        followed,
        "https://far.example/p/shared",
        250,
    )
    .await
    .unwrap();
    assert!(
        !db.insert_post(&post("https://far.example/p/followed", followed, 999))
            .await
            .unwrap(),
        "kept once"
    );

    let ids: Vec<String> = db
        .feed(10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        ids,
        vec![
            "https://far.example/p/shared",
            "https://far.example/p/followed",
            "https://here.example/posts/own"
        ]
    );
    let shared = &db.feed(1, 0).await.unwrap()[0];
    assert_eq!(shared.shared_by.as_deref(), Some(followed));
    assert_eq!(db.replies_to(&own.id).await.unwrap().len(), 1);

    assert!(db
        .mark_post_deleted("https://far.example/p/followed", 500)
        .await
        .unwrap());
    let ids: Vec<String> = db
        .feed(10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert!(!ids.contains(&"https://far.example/p/followed".to_string()));
    // Paging: one entry per page, no overlap.
    let first = db.feed(1, 0).await.unwrap();
    let second = db.feed(1, 1).await.unwrap();
    assert_ne!(first[0].id, second[0].id);
}

fn activity<'a>(id: &'a str, actor: &'a str, kind: &'a str, object: &'a str) -> NewActivity<'a> {
    NewActivity {
        id,
        actor_id: actor,
        activity_type: kind,
        object_id: Some(object),
        body: "{}",
        is_public: true,
        published_at: 1_000,
        inboxes: &[],
        alongside: &[],
    }
}

#[tokio::test]
async fn activities_and_their_rows_are_kept_all_or_none() {
    let db = fresh_db().await;
    let actor = local(&db, "talk").await;
    let thread = ForumPostRow {
        id: "https://here.example/forum-posts/1".into(),
        forum_id: actor.clone(),
        thread_id: None,
        parent_id: None,
        author_id: actor.clone(),
        title: Some("Bread".into()),
        content_html: "<p>rye?</p>".into(),
        content_md: None,
        is_local: 1,
        pinned: 0,
        locked: 0,
        removed_at: None,
        published_at: 1_000,
        updated_at: None,
        last_activity_at: 1_000,
    };
    let create = activity(
        "https://here.example/activities/c",
        &actor,
        "Create",
        &thread.id,
    );
    let announce = activity(
        "https://here.example/activities/a",
        &actor,
        "Announce",
        &thread.id,
    );
    db.publish_activities(&[create, announce], &[&PostChange::Insert(&thread)])
        .await
        .unwrap();
    assert_eq!(db.count_outbox(&actor).await.unwrap(), 2);
    assert!(db.forum_post(&thread.id).await.unwrap().is_some());

    // The same post again is refused, and neither of its activities is kept.
    let again = activity(
        "https://here.example/activities/c2",
        &actor,
        "Create",
        &thread.id,
    );
    let also = activity(
        "https://here.example/activities/a2",
        &actor,
        "Announce",
        &thread.id,
    );
    let refused = db
        .publish_activities(&[again, also], &[&PostChange::Insert(&thread)])
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused(Refusal::AlreadyRecorded))),
        "{refused:?}"
    );
    for id in ["c2", "a2"] {
        let id = format!("https://here.example/activities/{id}");
        assert!(db.outbox_activity(&id).await.unwrap().is_none(), "{id}");
    }

    // A write refused after an earlier one in the same batch leaves that one undone too.
    let reply = ForumPostRow {
        id: "https://here.example/forum-posts/2".into(),
        thread_id: Some(thread.id.clone()),
        parent_id: Some(thread.id.clone()),
        title: None,
        ..thread.clone()
    };
    let both = db
        .publish_activities(
            &[activity(
                "https://here.example/activities/r",
                &actor,
                "Create",
                &reply.id,
            )],
            &[&PostChange::Insert(&reply), &PostChange::Insert(&thread)],
        )
        .await;
    assert!(both.is_err());
    assert!(db.forum_post(&reply.id).await.unwrap().is_none());
    assert_eq!(db.count_outbox(&actor).await.unwrap(), 2);
}

#[tokio::test]
async fn the_outbox_leaves_out_creates_of_deleted_objects_but_keeps_announces() {
    let db = fresh_db().await;
    let actor = local(&db, "bakery").await;
    let item = "https://here.example/items/1";
    let kept = "https://here.example/items/2";
    for (id, kind, object) in [
        ("c1", "Create", item),
        ("c2", "Create", kept),
        ("a1", "Announce", item),
    ] {
        let id = format!("https://here.example/activities/{id}");
        db.publish_activity(&activity(&id, &actor, kind, object))
            .await
            .unwrap();
    }
    assert_eq!(db.count_outbox(&actor).await.unwrap(), 3);
    let mut delete = activity("https://here.example/activities/d1", &actor, "Delete", item);
    delete.is_public = false;
    db.publish_activity(&delete).await.unwrap();
    let page = db.outbox_page(&actor, 10, 0).await.unwrap();
    let listed: Vec<(&str, Option<&str>)> = page
        .iter()
        .map(|o| (o.activity_type.as_str(), o.object_id.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [("Announce", Some(item)), ("Create", Some(kept))],
        "newest first, the deleted item's Create gone"
    );
    assert_eq!(db.count_outbox(&actor).await.unwrap(), 2);
}
