//! The co-op directory across nodes: a bakery on B describes how it works and what it uses and
//! makes; A follows it and shows that on its profile pages and in its list of co-ops. A research
//! team on C rates B's bread and the bakery; A's catalogue and item page (and B's own) show the
//! average, and follow the report when it is changed or deleted. Courses, finance and campaigns
//! from followed co-ops fill A's directory, filtered and searched. Bad input from a user or a
//! peer is refused with a 4xx and leaves nothing behind.

mod support;

use std::time::SystemTime;

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::*;

async fn put(api: &Api<'_>, path: &str, body: Value) -> (u16, Value) {
    api.call(reqwest::Method::PUT, path, Some(body)).await
}

/// A user who administers `coop` on `node`, and a token for them.
async fn admin_of<'a>(node: &'a TestNode, user: &str, coop: &str, kind: CoopKind) -> Api<'a> {
    node.create_user(user, false).await;
    let actor = node.create_coop(coop, kind).await;
    let row = node
        .state()
        .db
        .user_by_username(user)
        .await
        .unwrap()
        .unwrap();
    node.state()
        .db
        .add_coop_admin(actor.id.as_str(), row.id)
        .await
        .unwrap();
    Api {
        node,
        token: token(node, user),
    }
}

fn report(item: &str, bakery: &str, environment: i64) -> Value {
    json!({
        "kind": "report",
        "title": "Bread in Testshire, 2030",
        "body": "We visited **three** bakeries.",
        "region": "Testshire",
        "topic": "food",
        "ratings": [
            { "subject": item, "criterion": "environment", "score": environment, "comment": "Local rye" },
            { "subject": item, "criterion": "worker-standards", "score": 5 },
            { "subject": bakery, "criterion": "worker-standards", "score": 3, "comment": "Long shifts in summer" }
        ],
        "suggestions": ["Councils could ask for organic flour."]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn profiles_listings_and_ratings_travel_between_nodes() {
    let a = spawn_node().await;
    let b = spawn_node().await;
    let c = spawn_node().await;
    let alice = admin_of(&a, "alice", "council", CoopKind::ConsumerCouncil).await;
    let bo = admin_of(&b, "bo", "bakery", CoopKind::Workplace).await;
    let cy = admin_of(&c, "cy", "research", CoopKind::Group).await;
    let bakery = b.coop("bakery").await;

    // The bakery declares its inputs and outputs once (its planning profile) and how it works.
    let (status, body) = put(
        &bo,
        "/coops/bakery/planning-profile",
        json!({
            "output": { "good": "bread", "quantity": 5000.0, "unit": "loaf" },
            "other_outputs": [{ "good": "biscuits", "quantity": 800.0, "unit": "pack" }],
            "inputs": [
                { "good": "flour", "quantity": 3500.0, "unit": "kg", "category": "material" },
                { "good": "labour", "quantity": 4000.0, "unit": "hour", "category": "labour" },
                { "good": "oven", "quantity": 1.0, "category": "capital" }
            ]
        }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = put(
        &bo,
        "/coops/bakery/coop-profile",
        json!({ "working_conditions": "Four-day week", "decision_making": "Weekly assembly",
                "remuneration": "Rotating tasks, equal pay", "production": "Sourdough, wood oven" }),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (_, mine) = bo
        .get(&format!("/directory/coop?id={}", enc(bakery.id.as_str())))
        .await;
    assert_eq!(mine["profile"]["version"], 2, "{mine}");
    assert_eq!(mine["versions"].as_array().unwrap().len(), 2);
    assert_eq!(mine["profile"]["outputs"][1]["good"], "biscuits");
    // The planning round's automatic answers still read the one output.
    let (_, planning) = bo.get("/coops/bakery/planning-profile").await;
    assert_eq!(planning["output"]["good"], "bread");

    let (status, item) = bo
        .post(
            "/coops/bakery/items",
            json!({ "name": "Seeded rye loaf", "unit": "loaf", "price": "3.20", "currency": "EUR",
                    "stock": "10", "product_type": "food/bread" }),
        )
        .await;
    assert_eq!(status, 201, "{item}");
    let item_id = item["id"].as_str().unwrap().to_string();

    // A's council follows the bakery and C's research team; B's bakery follows the team too.
    let bakery_on_a = a.follow("council", &b.handle("bakery")).await;
    let research = a.follow("council", &c.handle("research")).await;
    b.follow("bakery", &c.handle("research")).await;
    wait_until("the follows are accepted", || async {
        a.follow_state("council", &bakery_on_a).await.as_deref() == Some("accepted")
            && a.follow_state("council", &research).await.as_deref() == Some("accepted")
            && b.follow_state("bakery", &research).await.as_deref() == Some("accepted")
    })
    .await;
    let coop_path = format!("/directory/coop?id={}", enc(bakery.id.as_str()));
    let (_, seen) = alice.get(&coop_path).await;
    assert_eq!(
        seen["profile"]["workingConditions"], "Four-day week",
        "{seen}"
    );
    assert_eq!(seen["profile"]["inputs"][0]["unit"], "kg");

    // A change on B reaches A as Update(actor): a new version there too.
    let (status, _) = put(
        &bo,
        "/coops/bakery/coop-profile",
        json!({ "working_conditions": "Four-day week, no night shifts", "decision_making": "Weekly assembly",
                "remuneration": "Rotating tasks, equal pay", "production": "Sourdough, wood oven" }),
    )
    .await;
    assert_eq!(status, 204);
    wait_until("A has the bakery's third profile version", || async {
        let (_, seen) = alice.get(&coop_path).await;
        seen["profile"]["version"] == 3
    })
    .await;
    let (status, page) = a.get(&coop_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("no night shifts"), "{page}");
    assert!(page.contains("flour") && page.contains("material"));
    let (_, listed) = a.get("/coops?region=Testshire&kind=workplace").await;
    assert!(listed.contains("The bakery co-op"));
    let (_, none) = a.get("/coops?industry=Mining").await;
    assert!(!none.contains("The bakery co-op"));
    let council_id = a.coop("council").await.id.to_string();
    let (status, compared) = a
        .get(&format!(
            "/directory/compare?id={}&id={}",
            enc(bakery.id.as_str()),
            enc(&council_id)
        ))
        .await;
    assert_eq!(status, 200);
    assert!(compared.contains("Weekly assembly") && compared.contains("The council co-op"));
    let (_, coops) = alice.get("/directory/coops?kind=workplace").await;
    assert_eq!(coops.as_array().unwrap().len(), 1, "{coops}");

    // The research team rates the bread and the bakery.
    let (status, created) = cy
        .post(
            "/coops/research/listings",
            report(&item_id, bakery.id.as_str(), 4),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let report_id = created["id"].as_str().unwrap().to_string();
    let ratings_path = format!("/ratings?subject={}", enc(&item_id));
    wait_until("A knows the report's ratings", || async {
        let (_, r) = alice.get(&ratings_path).await;
        r["averages"].as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    let (_, r) = alice.get(&ratings_path).await;
    assert_eq!(r["averages"][0]["criterion"], "environment");
    assert_eq!(r["averages"][0]["tenths"], 40);
    let (_, catalogue) = a.get("/catalogue").await;
    assert!(
        catalogue.contains("environment <strong>4.0</strong>/5"),
        "{catalogue}"
    );
    let (_, item_page) = a
        .get(&format!("/catalogue/item?id={}", enc(&item_id)))
        .await;
    assert!(item_page.contains("Bread in Testshire, 2030"));
    assert!(item_page.contains("/directory/listing?id="));
    wait_until("B's own catalogue shows the rating", || async {
        b.get("/catalogue")
            .await
            .1
            .contains("environment <strong>4.0</strong>/5")
    })
    .await;
    let (_, profile_page) = a.get(&coop_path).await;
    assert!(profile_page.contains("Ratings by research teams"));
    assert!(profile_page.contains("Long shifts in summer"));

    // The team changes its report: the average follows.
    let uuid = report_id.rsplit('/').next().unwrap();
    let (status, body) = put(
        &cy,
        &format!("/coops/research/listings/{uuid}"),
        report(&item_id, bakery.id.as_str(), 2),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    wait_until("A shows the changed rating", || async {
        a.get("/catalogue")
            .await
            .1
            .contains("environment <strong>2.0</strong>/5")
    })
    .await;

    // Courses, finance and campaigns fill A's directory.
    let (status, course) = bo
        .post(
            "/coops/bakery/listings",
            json!({ "kind": "course", "title": "Bookkeeping for bakeries", "topic": "tax and accounting",
                    "region": "Testshire", "starts": "2030-05-01T18:00", "ends": "2030-05-01T20:00",
                    "location": "Mill Street 4", "enrol_url": "https://bakery.example/enrol" }),
        )
        .await;
    assert_eq!(status, 201, "{course}");
    let (status, _) = cy
        .post(
            "/coops/research/listings",
            json!({ "kind": "finance", "title": "Testshire Credit Union", "region": "Testshire",
                    "lender": "credit union", "lends_for": "ovens, vans and premises" }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = cy
        .post(
            "/coops/research/listings",
            json!({ "kind": "campaign", "title": "A say in the city budget", "region": "Otherland",
                    "campaign_kind": "participatory-budgeting", "topic": "participatory budgeting" }),
        )
        .await;
    assert_eq!(status, 201);
    wait_until("A's directory has all four listings", || async {
        let (_, all) = alice.get("/directory").await;
        all.as_array().is_some_and(|l| l.len() == 4)
    })
    .await;
    let (_, courses) = alice.get("/directory?kind=course").await;
    assert_eq!(courses.as_array().unwrap().len(), 1);
    assert_eq!(courses[0]["details"]["location"], "Mill Street 4");
    let (_, found) = alice.get("/directory?q=ovens").await;
    assert_eq!(found[0]["title"], "Testshire Credit Union");
    let (_, by_region) = alice.get("/directory?region=otherland").await;
    assert_eq!(by_region.as_array().unwrap().len(), 1);
    let (_, by_topic) = alice.get("/directory?topic=tax%20and%20accounting").await;
    assert_eq!(by_topic[0]["title"], "Bookkeeping for bakeries");
    let (status, _) = alice.get("/directory?kind=gossip").await;
    assert_eq!(status, 400);
    let (_, page) = a.get("/directory?kind=campaign").await;
    assert!(page.contains("A say in the city budget") && !page.contains("Bookkeeping"));
    let course_id = course["id"].as_str().unwrap();
    let (status, course_page) = a
        .get(&format!("/directory/listing?id={}", enc(course_id)))
        .await;
    assert_eq!(status, 200);
    assert!(course_page.contains("https://bakery.example/enrol"));
    let (_, as_json) = b
        .get_activity_json(&course_id.replacen(b.base.as_str(), "/", 1))
        .await;
    assert_eq!(as_json["type"], "Event");
    assert_eq!(as_json["startTime"], "2030-05-01T18:00:00Z");

    // The report is withdrawn: its ratings go with it.
    let (status, _) = cy
        .call(
            reqwest::Method::DELETE,
            &format!("/coops/research/listings/{uuid}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    wait_until("A no longer shows the rating", || async {
        let (_, r) = alice.get(&ratings_path).await;
        r["averages"].as_array().is_some_and(|a| a.is_empty())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_listings_and_profiles_are_refused_and_leave_nothing() {
    let a = spawn_node().await;
    let c = spawn_node().await;
    let alice = admin_of(&a, "alice", "council", CoopKind::ConsumerCouncil).await;
    let cy = admin_of(&c, "cy", "research", CoopKind::Group).await;
    let bakery = admin_of(&c, "bo", "bakery", CoopKind::Workplace).await;
    let research = c.coop("research").await;

    // Through the API.
    let item = "https://elsewhere.example/items/1";
    let mut nine = report(item, research.id.as_str(), 4);
    nine["ratings"][0]["score"] = json!(9);
    let (status, body) = cy.post("/coops/research/listings", nine).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("0 to 5"));
    let mut script = report(item, research.id.as_str(), 4);
    script["title"] = json!("<script>alert(1)</script>");
    let (status, _) = cy.post("/coops/research/listings", script).await;
    assert_eq!(status, 400);
    let (status, _) = bakery
        .post(
            "/coops/bakery/listings",
            report(item, research.id.as_str(), 4),
        )
        .await;
    assert_eq!(status, 403, "only research teams publish reports");
    let (status, _) = bakery
        .post(
            "/coops/bakery/listings",
            json!({ "kind": "course", "title": "No date", "location": "Hall" }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = bakery
        .post("/coops/bakery/listings", json!({ "kind": "finance", "title": "Loans", "lends_for": "x", "enrol_url": "javascript:alert(1)" }))
        .await;
    assert_eq!(status, 400);
    let (status, _) = put(
        &bakery,
        "/coops/bakery/planning-profile",
        json!({ "inputs": [{ "good": "flour", "quantity": 1.0, "category": "magic" }] }),
    )
    .await;
    assert_eq!(status, 422, "an unknown category does not read");
    let (_, nothing) = cy.get("/directory").await;
    assert_eq!(nothing, json!([]));

    // Through the inbox: a peer's listings with a bad score, markup in the title, or an id on
    // another origin.
    let key = private_key(&c, "research").await;
    let key_id = format!("{}#main-key", research.id);
    let inbox = url::Url::parse(&a.url("/inbox")).unwrap();
    let send = |activity: Value| {
        let (key, key_id, inbox, http) =
            (key.clone(), key_id.clone(), inbox.clone(), a.http.clone());
        async move {
            let bytes = serde_json::to_vec(&activity).unwrap();
            let headers = signed_post_headers(&key, &key_id, &inbox, &bytes, SystemTime::now());
            http.post(inbox)
                .headers(headers)
                .body(bytes)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let listing = |n: u32, id: String, title: &str, score: i64| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}activities/bad-{n}", c.base),
            "type": "Create",
            "actor": research.id.as_str(),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": id, "type": "Note", "attributedTo": research.id.as_str(),
                "listingKind": "report", "name": title, "content": "<p>Report</p>",
                "ratings": [{ "subject": item, "criterion": "environment", "score": score }],
                "to": ["https://www.w3.org/ns/activitystreams#Public"]
            }
        })
    };
    let own = |n: u32| format!("{}listings/bad-{n}", c.base);
    assert_eq!(send(listing(1, own(1), "Fine title", 9)).await, 400);
    assert_eq!(send(listing(2, own(2), "<script>x</script>", 3)).await, 400);
    assert_eq!(
        send(listing(
            3,
            format!("{}listings/forged", a.base),
            "Fine title",
            3
        ))
        .await,
        400
    );
    for n in 1..=2 {
        assert!(a.state().db.listing(&own(n)).await.unwrap().is_none());
    }
    let (_, r) = alice.get(&format!("/ratings?subject={}", enc(item))).await;
    assert_eq!(r["averages"], json!([]));

    // A profile update with a quantity that is no quantity.
    let (_, mut doc) = c.get_activity_json("/coops/research").await;
    doc.as_object_mut().unwrap().remove("@context");
    doc["coopProfile"] = json!({ "version": 7, "inputs": [{ "good": "paper", "quantity": -5.0 }] });
    let update = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/bad-profile", c.base),
        "type": "Update",
        "actor": research.id.as_str(),
        "object": doc
    });
    assert_eq!(send(update).await, 400);
    assert!(a
        .state()
        .db
        .latest_profile(research.id.as_str())
        .await
        .unwrap()
        .is_none());
}
