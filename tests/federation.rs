//! End to end: three real nodes on loopback, as their users see them.

mod support;

use std::time::{Duration, SystemTime};

use coopnode::features::coops::CoopKind;
use serde_json::json;
use support::*;

/// Three nodes: a bakery on A, a print shop on B, a council on C.
async fn three_nodes() -> (TestNode, TestNode, TestNode) {
    let a = spawn_node().await;
    let b = spawn_node().await;
    let c = spawn_node().await;
    a.create_coop("bakery", CoopKind::Workplace).await;
    b.create_coop("printshop", CoopKind::Workplace).await;
    c.create_coop("council", CoopKind::ConsumerCouncil).await;
    (a, b, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn follows_are_accepted_and_posts_reach_every_followers_portal() {
    let (a, b, c) = three_nodes().await;
    let printshop = a.follow("bakery", &b.handle("printshop")).await;
    c.follow("council", &b.handle("printshop")).await;

    wait_until("A's follow of the print shop is accepted", || async {
        a.follow_state("bakery", &printshop).await.as_deref() == Some("accepted")
    })
    .await;
    wait_until("C's follow of the print shop is accepted", || async {
        c.follow_state("council", &printshop).await.as_deref() == Some("accepted")
    })
    .await;
    assert_eq!(b.followers_total("printshop").await, 2);

    b.post(
        "printshop",
        "Riso prints of the **spring catalogue** are ready",
    )
    .await;
    for (name, node) in [("A", &a), ("C", &c)] {
        wait_until(
            &format!("{name}'s home page shows the print shop's post"),
            || async {
                node.home_page()
                    .await
                    .contains("<strong>spring catalogue</strong>")
            },
        )
        .await;
    }
    let home = a.home_page().await;
    assert!(
        home.contains("The printshop co-op"),
        "the feed names the author"
    );
    assert!(
        home.contains(&b.handle("printshop")),
        "the feed shows the author's handle"
    );

    // The API shows the same feed.
    let feed: serde_json::Value = a
        .http
        .get(a.url("/api/v1/feed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(feed[0]["content_html"]
        .as_str()
        .unwrap()
        .contains("spring catalogue"));
    assert_eq!(feed[0]["author_handle"], b.handle("printshop"));

    // A shares the post; C follows A but not B, and sees it as shared by the bakery.
    let bakery = c.follow("council", &a.handle("bakery")).await;
    wait_until("C's follow of the bakery is accepted", || async {
        c.follow_state("council", &bakery).await.as_deref() == Some("accepted")
    })
    .await;
    let post_id = feed[0]["id"].as_str().unwrap().to_string();
    c.unfollow("council", &printshop_on(&c, &b).await).await;
    coopnode::features::posts::share_post(a.state(), &a.coop("bakery").await, &post_id)
        .await
        .expect("share");
    wait_until("C's feed shows the share", || async {
        let home = c.home_page().await;
        home.contains("Shared by") && home.contains(bakery.id.as_str())
    })
    .await;

    for n in [a, b, c] {
        n.shutdown().await;
    }
}

async fn printshop_on(node: &TestNode, b: &TestNode) -> coopnode::core::federation::KnownActor {
    let row = node
        .state()
        .db
        .remote_actor_by_handle("printshop", &b.domain)
        .await
        .unwrap()
        .unwrap();
    coopnode::core::federation::convert::remote_actor(&row).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn following_backfills_earlier_posts() {
    let (a, b, c) = three_nodes().await;
    b.post("printshop", "An announcement from before anyone followed")
        .await;
    b.post("printshop", "A second early announcement").await;
    a.follow("bakery", &b.handle("printshop")).await;
    wait_until("A's portal shows both earlier posts", || async {
        let home = a.home_page().await;
        home.contains("from before anyone followed") && home.contains("second early announcement")
    })
    .await;
    for n in [a, b, c] {
        n.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn undo_stops_delivery_and_delete_removes_the_post_everywhere() {
    let (a, b, c) = three_nodes().await;
    let printshop = a.follow("bakery", &b.handle("printshop")).await;
    c.follow("council", &b.handle("printshop")).await;
    wait_until("both follows are accepted", || async {
        b.followers_total("printshop").await == 2
    })
    .await;

    let first = b.post("printshop", "Open day on Saturday").await;
    for node in [&a, &c] {
        wait_until("the open day post arrives", || async {
            node.home_page().await.contains("Open day on Saturday")
        })
        .await;
    }

    // Update: the new text replaces the old in both followers' portals.
    b.edit_post("printshop", &first, "Open day on Saturday, from *ten*")
        .await;
    for node in [&a, &c] {
        wait_until("the edited post arrives", || async {
            node.home_page()
                .await
                .contains("Open day on Saturday, from <em>ten</em>")
        })
        .await;
    }

    // Delete: the post disappears from both followers' portals, and B serves a tombstone.
    b.delete_post("printshop", &first).await;
    for node in [&a, &c] {
        wait_until("the deleted post is gone", || async {
            !node.home_page().await.contains("Open day on Saturday")
        })
        .await;
    }
    let path = url::Url::parse(&first).unwrap().path().to_string();
    let (status, tombstone) = b.get_activity_json(&path).await;
    assert_eq!(status, 410);
    assert_eq!(tombstone["type"], "Tombstone");

    // Undo: A unfollows; B forgets the follower; a later post reaches C but not A.
    a.unfollow("bakery", &printshop).await;
    wait_until("B has one follower left", || async {
        b.followers_total("printshop").await == 1
    })
    .await;
    assert_eq!(a.follow_state("bakery", &printshop).await, None);
    b.post("printshop", "Only for current followers").await;
    wait_until("C gets the new post", || async {
        c.home_page().await.contains("Only for current followers")
    })
    .await;
    wait_until("B's queue is empty", || async {
        b.pending_deliveries().await == 0
    })
    .await;
    assert!(!a.home_page().await.contains("Only for current followers"));
    for n in [a, b, c] {
        n.shutdown().await;
    }
}

/// Every kind of bad input to an inbox gets a clear 4xx and stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inboxes_refuse_forged_stale_and_malformed_activities() {
    let (a, b, c) = three_nodes().await;
    let printshop = b.coop("printshop").await;
    let council = c.coop("council").await;
    let bakery = a.coop("bakery").await;
    let inbox = url::Url::parse(&a.url("/inbox")).unwrap();
    let key_b = private_key(&b, "printshop").await;
    let key_c = private_key(&c, "council").await;
    let key_id_b = format!("{}#main-key", printshop.id);
    let now = SystemTime::now();

    let note = |id: &str, actor: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/activities/{id}"),
            "type": "Create",
            "actor": actor,
            "to": [bakery.id.as_str()],
            "object": {
                "id": format!("{}/posts/{id}", b.base.as_str().trim_end_matches('/')),
                "type": "Note",
                "attributedTo": actor,
                "to": [bakery.id.as_str()],
                "content": format!("forged note {id}")
            }
        })
    };
    let send = |body: Vec<u8>, headers: reqwest::header::HeaderMap| {
        let client = a.http.clone();
        let inbox = inbox.clone();
        async move {
            client
                .post(inbox)
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let ok_body = serde_json::to_vec(&note("n1", printshop.id.as_str())).unwrap();

    // No signature at all.
    let mut unsigned = reqwest::header::HeaderMap::new();
    unsigned.insert("content-type", "application/activity+json".parse().unwrap());
    assert_eq!(send(ok_body.clone(), unsigned).await, 401, "unsigned");

    // Signed with a key that is not the actor's (C's key, B's key id).
    let wrong_key = signed_post_headers(&key_c, &key_id_b, &inbox, &ok_body, now);
    assert_eq!(
        send(ok_body.clone(), wrong_key).await,
        401,
        "someone else's key"
    );

    // Signed by C, claiming to be B.
    let other_signer = signed_post_headers(
        &key_c,
        &format!("{}#main-key", council.id),
        &inbox,
        &ok_body,
        now,
    );
    assert_eq!(
        send(ok_body.clone(), other_signer).await,
        401,
        "signer is not the actor"
    );

    // Stale and future dates beyond one hour.
    let stale = signed_post_headers(
        &key_b,
        &key_id_b,
        &inbox,
        &ok_body,
        now - Duration::from_secs(3 * 3600),
    );
    assert_eq!(send(ok_body.clone(), stale).await, 401, "stale date");
    let future = signed_post_headers(
        &key_b,
        &key_id_b,
        &inbox,
        &ok_body,
        now + Duration::from_secs(2 * 3600),
    );
    assert_eq!(send(ok_body.clone(), future).await, 401, "future date");

    // A body changed after signing.
    let signed = signed_post_headers(&key_b, &key_id_b, &inbox, &ok_body, now);
    let tampered = serde_json::to_vec(&note("n2", printshop.id.as_str())).unwrap();
    assert_eq!(send(tampered, signed).await, 401, "digest mismatch");

    // An activity id on another origin than its actor.
    let mut cross = note("n3", printshop.id.as_str());
    cross["id"] = json!(format!("{}activities/n3", c.base));
    let cross = serde_json::to_vec(&cross).unwrap();
    let headers = signed_post_headers(&key_b, &key_id_b, &inbox, &cross, now);
    assert_eq!(send(cross, headers).await, 400, "id on another origin");

    // Malformed JSON, and a body over 1 MiB.
    let junk = b"{\"type\": \"Create\", ".to_vec();
    let headers = signed_post_headers(&key_b, &key_id_b, &inbox, &junk, now);
    assert_eq!(send(junk, headers).await, 400, "malformed JSON");
    let huge = vec![b' '; 1024 * 1024 + 10];
    let headers = signed_post_headers(&key_b, &key_id_b, &inbox, &huge, now);
    assert_eq!(send(huge, headers).await, 413, "oversized body");

    // Unknown activity types are acknowledged and ignored.
    let unknown = json!({
        "id": format!("{}/activities/unknown", printshop.id), "type": "Dance",
        "actor": printshop.id.as_str(), "object": bakery.id.as_str()
    });
    let unknown = serde_json::to_vec(&unknown).unwrap();
    let headers = signed_post_headers(&key_b, &key_id_b, &inbox, &unknown, now);
    assert_eq!(send(unknown, headers).await, 202, "unknown type");

    // None of it was stored.
    assert_eq!(a.state().db.count_inbox().await.unwrap(), 0);
    assert!(!a.home_page().await.contains("forged note"));

    // The same activity, properly signed by its actor, is accepted: the checks above were the
    // reason for each refusal, not a broken inbox.
    let mut good = note("n4", printshop.id.as_str());
    good["object"]["id"] = json!(format!("{}posts/n4", b.base));
    let good = serde_json::to_vec(&good).unwrap();
    let headers = signed_post_headers(&key_b, &key_id_b, &inbox, &good, now);
    assert_eq!(
        send(good.clone(), headers.clone()).await,
        202,
        "good activity"
    );
    assert_eq!(send(good, headers).await, 202, "a repeat is acknowledged");
    assert_eq!(a.state().db.count_inbox().await.unwrap(), 1, "stored once");
    for n in [a, b, c] {
        n.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webfinger_nodeinfo_and_actor_documents_follow_the_conventions() {
    let a = spawn_node().await;
    let bakery = a.create_coop("bakery", CoopKind::Workplace).await;
    let council = a.create_coop("council", CoopKind::ConsumerCouncil).await;

    let (status, body) = a
        .get(&format!(
            "/.well-known/webfinger?resource=acct:bakery@{}",
            a.domain
        ))
        .await;
    assert_eq!(status, 200);
    let jrd: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(jrd["subject"], format!("acct:bakery@{}", a.domain));
    let self_link = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap();
    assert_eq!(self_link["href"], bakery.id.as_str());

    let (status, actor) = a.get_activity_json("/coops/bakery").await;
    assert_eq!(status, 200);
    assert_eq!(actor["type"], "Organization");
    assert_eq!(actor["preferredUsername"], "bakery");
    assert_eq!(actor["publicKey"]["owner"], bakery.id.as_str());
    assert!(actor["@context"]
        .to_string()
        .contains("https://w3id.org/security/v1"));
    assert_eq!(actor["endpoints"]["sharedInbox"], a.url("/inbox"));
    assert_eq!(actor["region"], "Testshire");
    let fields = actor["attachment"]
        .as_array()
        .expect("profile fields for Mastodon");
    assert!(fields.iter().any(|f| f["type"] == "PropertyValue"
        && f["name"] == "Region"
        && f["value"] == "Testshire"));
    let (_, council_doc) = a.get_activity_json("/coops/council").await;
    assert_eq!(council_doc["type"], "Group");
    assert_eq!(council_doc["id"], council.id.as_str());
    let (_, instance) = a.get_activity_json("/actor").await;
    assert_eq!(instance["type"], "Application");
    for collection in ["outbox", "followers", "following"] {
        let (status, doc) = a.get_activity_json(&format!("/actor/{collection}")).await;
        assert_eq!(status, 200, "the instance actor's {collection}");
        assert_eq!(doc["type"], "OrderedCollection");
    }
    // A co-op's collections live under /coops only.
    let (status, _) = a.get_activity_json("/members/bakery/outbox").await;
    assert_eq!(status, 404);

    let (status, _) = a
        .get("/.well-known/webfinger?resource=acct:nobody@elsewhere.example")
        .await;
    assert_eq!(status, 404);
    let (status, _) = a.get("/.well-known/webfinger?resource=acct:bad name").await;
    assert_eq!(status, 400);

    let (_, discovery) = a.get("/.well-known/nodeinfo").await;
    assert!(discovery.contains("/nodeinfo/2.1"));
    let (_, info) = a.get("/nodeinfo/2.1").await;
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["version"], "2.1");
    assert_eq!(info["protocols"][0], "activitypub");
    a.shutdown().await;
}

/// With authorized fetch on, documents are served only to signed requests; peers still follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authorized_fetch_requires_signed_gets_and_peers_still_federate() {
    let a = spawn_node_with(NodeOptions {
        authorized_fetch: true,
        ..NodeOptions::default()
    })
    .await;
    let b = spawn_node().await;
    a.create_coop("bakery", CoopKind::Workplace).await;
    b.create_coop("printshop", CoopKind::Workplace).await;
    a.post("bakery", "Signed readers only").await;

    let (status, _) = a.get_activity_json("/coops/bakery").await;
    assert_eq!(status, 401, "an unsigned fetch of an actor is refused");
    let (status, _) = a.get_activity_json("/coops/bakery/outbox?page=1").await;
    assert_eq!(status, 401, "an unsigned fetch of the outbox is refused");
    let (status, _) = a.get_activity_json("/actor").await;
    assert_eq!(status, 200, "the instance actor stays readable");
    let (status, page) = a.get("/coops/bakery").await;
    assert_eq!(status, 200, "people still see the profile page");
    assert!(page.contains("Signed readers only"));

    // B's fetches are signed by its instance actor: following and backfill work.
    let bakery = b.follow("printshop", &a.handle("bakery")).await;
    wait_until("the follow is accepted", || async {
        b.follow_state("printshop", &bakery).await.as_deref() == Some("accepted")
    })
    .await;
    wait_until("the backfilled post shows on B", || async {
        b.home_page().await.contains("Signed readers only")
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;
}

/// Without the development setting a node refuses plain http and private addresses, both when
/// it looks someone up and when someone writes to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn production_nodes_refuse_http_and_private_peers() {
    let production = spawn_node_with(NodeOptions {
        allow_private_network: false,
        ..NodeOptions::default()
    })
    .await;
    let dev = spawn_node().await;
    production.create_coop("bakery", CoopKind::Workplace).await;
    let printshop = dev.create_coop("printshop", CoopKind::Workplace).await;

    let handle = coopnet_schemas::Handle::parse(&dev.handle("printshop")).unwrap();
    let lookup = coopnode::core::federation::resolve_handle(&handle, &production.data()).await;
    assert!(lookup.is_err(), "a loopback peer is not looked up");

    let inbox = url::Url::parse(&production.url("/inbox")).unwrap();
    let body = serde_json::to_vec(&json!({
        "id": format!("{}/follows/1", printshop.id), "type": "Follow",
        "actor": printshop.id.as_str(), "object": format!("https://{}/coops/bakery", production.domain)
    }))
    .unwrap();
    let headers = signed_post_headers(
        &private_key(&dev, "printshop").await,
        &format!("{}#main-key", printshop.id),
        &inbox,
        &body,
        SystemTime::now(),
    );
    let status = production
        .http
        .post(inbox)
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 400, "an http actor on loopback is refused");
    assert_eq!(production.state().db.count_inbox().await.unwrap(), 0);
    production.shutdown().await;
    dev.shutdown().await;
}
