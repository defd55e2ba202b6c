//! Trading across the network, through the JSON API as an app would: a council on node A finds
//! a bakery's bread from node B in A's catalogue, orders it, and follows the order's states.
//! Stock never goes below zero, however many orders arrive at once, local or federated.

mod support;

use std::time::SystemTime;

use coopnode::features::coops::CoopKind;
use coopnode::features::market::store::orders::{NewLine, NewOrder};
use coopnode::features::market::ItemFields;
use serde_json::{json, Value};
use support::*;

fn bread(stock: &str) -> Value {
    json!({
        "name": "Seeded rye loaf",
        "description": "Sourdough rye with **sunflower seeds**.",
        "unit": "loaf",
        "price": "3.20",
        "currency": "EUR",
        "stock": stock,
        "low_stock_at": "5",
        "product_type": "food/bread/rye",
        "how_made": "Stone-milled local rye, fermented for a day.",
        "image_url": "https://images.example/rye.jpg"
    })
}

/// A workplace on B, and on A a council with a member who orders for it.
async fn two_nodes() -> (TestNode, TestNode, String, String) {
    let a = spawn_node().await;
    let b = spawn_node().await;
    a.create_user("alice", false).await;
    b.create_user("bo", false).await;
    let council = a.create_coop("council", CoopKind::ConsumerCouncil).await;
    let bakery = b.create_coop("bakery", CoopKind::Workplace).await;
    let alice = a
        .state()
        .db
        .user_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    a.state()
        .db
        .add_coop_admin(council.id.as_str(), alice.id)
        .await
        .unwrap();
    let bo = b.state().db.user_by_username("bo").await.unwrap().unwrap();
    b.state()
        .db
        .add_coop_admin(bakery.id.as_str(), bo.id)
        .await
        .unwrap();
    let (ta, tb) = (token(&a, "alice"), token(&b, "bo"));
    (a, b, ta, tb)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_council_orders_bread_from_another_node_and_follows_its_states() {
    let (a, b, ta, tb) = two_nodes().await;
    let alice = Api {
        node: &a,
        token: ta,
    };
    let bo = Api {
        node: &b,
        token: tb,
    };

    let (status, item) = bo.post("/coops/bakery/items", bread("10")).await;
    assert_eq!(status, 201, "{item}");
    let item_id = item["id"].as_str().unwrap().to_string();
    let (status, other) = bo
        .post("/coops/bakery/items", json!({ "name": "Oat biscuits", "unit": "pack", "price": "2", "currency": "EUR", "stock": "50", "product_type": "food/biscuits" }))
        .await;
    assert_eq!(status, 201, "{other}");

    // A's council follows the bakery; the items arrive in A's catalogue, found by text and type.
    a.follow("council", &b.handle("bakery")).await;
    wait_until("A's catalogue finds the rye by search", || async {
        let (_, found) = alice.get("/catalogue?q=sunflower").await;
        found
            .as_array()
            .is_some_and(|f| f.len() == 1 && f[0]["id"] == item_id.as_str())
    })
    .await;
    let (_, by_type) = alice.get("/catalogue?type=food/bread").await;
    assert_eq!(
        by_type.as_array().unwrap().len(),
        1,
        "food/bread includes food/bread/rye"
    );
    let (_, food) = alice.get("/catalogue?type=food").await;
    assert_eq!(food.as_array().unwrap().len(), 2);
    let (_, by_region) = alice.get("/catalogue?region=Testshire&sort=price").await;
    assert_eq!(by_region[0]["name"], "Oat biscuits", "cheapest first");
    let (_, detail) = alice.get(&format!("/catalogue/item?id={item_id}")).await;
    assert_eq!(detail["price"], "3.20");
    assert_eq!(detail["stock"], 10);
    assert_eq!(detail["region"], "Testshire");
    assert_eq!(detail["workplace_name"], "The bakery co-op");
    let (status, _) = alice.get("/catalogue?type=Not%20A%20Type").await;
    assert_eq!(status, 400);

    // Order three loaves for the council.
    let (status, _) = alice
        .post("/basket", json!({ "item_id": item_id, "quantity": 3 }))
        .await;
    assert_eq!(status, 204);
    let (status, orders) = alice
        .post("/checkout", json!({ "council": "council" }))
        .await;
    assert_eq!(status, 201, "{orders}");
    let order_id = orders[0]["id"].as_str().unwrap().to_string();
    assert_eq!(orders[0]["total"], "9.60");
    wait_until("the bakery accepts the order", || async {
        let (_, mine) = alice.get("/orders").await;
        mine[0]["state"] == "accepted"
    })
    .await;
    let (_, incoming) = bo.get("/coops/bakery/orders").await;
    assert_eq!(incoming[0]["id"], order_id.as_str());
    assert_eq!(incoming[0]["lines"][0]["quantity"], 3);
    let (_, items) = bo.get("/coops/bakery/items").await;
    let rye = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == item_id.as_str())
        .unwrap();
    assert_eq!(rye["stock"], 7, "the stock went down by three");

    // The workplace dispatches and fulfils; the council sees each state.
    for state in ["dispatched", "fulfilled"] {
        let (status, moved) = bo
            .post("/orders/state", json!({ "id": order_id, "state": state }))
            .await;
        assert_eq!(status, 200, "{moved}");
        wait_until(&format!("A sees the order {state}"), || async {
            let (_, mine) = alice.get("/coops/council/orders").await;
            mine[0]["state"] == state
        })
        .await;
    }
    // Moves out of turn are refused: the buyer cannot cancel a fulfilled order.
    let (status, _) = alice
        .post(
            "/orders/state",
            json!({ "id": order_id, "state": "cancelled", "reason": "changed my mind" }),
        )
        .await;
    assert_eq!(status, 409);

    // A second order, cancelled by the council with a reason: the stock comes back.
    alice
        .post("/basket", json!({ "item_id": item_id, "quantity": 2 }))
        .await;
    let (_, orders) = alice
        .post("/checkout", json!({ "council": "council" }))
        .await;
    let second = orders[0]["id"].as_str().unwrap().to_string();
    wait_until("the second order is accepted", || async {
        let (_, mine) = alice.get("/orders").await;
        mine.as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == second.as_str() && o["state"] == "accepted")
    })
    .await;
    let (status, _) = alice
        .post(
            "/orders/state",
            json!({ "id": second, "state": "cancelled" }),
        )
        .await;
    assert_eq!(status, 400, "a cancellation needs a reason");
    let (status, _) = alice
        .post(
            "/orders/state",
            json!({ "id": second, "state": "cancelled", "reason": "the assembly moved" }),
        )
        .await;
    assert_eq!(status, 200);
    wait_until("B restocks the cancelled loaves", || async {
        let (_, items) = bo.get("/coops/bakery/items").await;
        items
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == item_id.as_str() && i["stock"] == 7)
    })
    .await;
    let (_, theirs) = bo.get("/coops/bakery/orders").await;
    let cancelled = theirs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == second.as_str())
        .unwrap();
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["reason"], "the assembly moved");

    // Orders are private: nobody can fetch one by id, signed or not.
    let (status, _) = a
        .get_activity_json(url::Url::parse(&order_id).unwrap().path())
        .await;
    assert_eq!(status, 404);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn orders_that_cannot_be_met_are_refused_and_change_nothing() {
    let (a, b, ta, tb) = two_nodes().await;
    let alice = Api {
        node: &a,
        token: ta,
    };
    let bo = Api {
        node: &b,
        token: tb,
    };
    let (_, item) = bo.post("/coops/bakery/items", bread("4")).await;
    let item_id = item["id"].as_str().unwrap().to_string();
    let last = item_id.rsplit('/').next().unwrap().to_string();
    a.follow("council", &b.handle("bakery")).await;
    wait_until("the item reaches A", || async {
        alice.get(&format!("/catalogue/item?id={item_id}")).await.0 == 200
    })
    .await;

    // Nonsense quantities and unknown items never reach the basket.
    for (body, why) in [
        (json!({ "item_id": item_id, "quantity": 0 }), "zero"),
        (json!({ "item_id": item_id, "quantity": -2 }), "negative"),
        (
            json!({ "item_id": "http://nowhere.example/items/x", "quantity": 1 }),
            "unknown item",
        ),
    ] {
        let (status, _) = alice.post("/basket", body).await;
        assert_eq!(status, 400, "{why}");
    }
    let (status, _) = bo
        .post("/coops/bakery/items", json!({ "name": "x", "unit": "u", "price": "-1", "currency": "EUR", "stock": "1", "product_type": "food" }))
        .await;
    assert_eq!(status, 400, "negative price");

    // More than the stock: the bakery rejects, and its stock stays.
    alice
        .post("/basket", json!({ "item_id": item_id, "quantity": 4 }))
        .await;
    bo.post(
        &format!("/coops/bakery/items/{last}/stock"),
        json!({ "stock": 2, "reason": "two burnt" }),
    )
    .await;
    let (_, orders) = alice
        .post("/checkout", json!({ "council": "council" }))
        .await;
    let order_id = orders[0]["id"].as_str().unwrap().to_string();
    wait_until("the bakery rejects the order", || async {
        let (_, mine) = alice.get("/orders").await;
        mine[0]["state"] == "rejected"
    })
    .await;
    let (_, mine) = alice.get("/orders").await;
    assert!(
        mine[0]["reason"].as_str().unwrap().contains("not enough"),
        "{mine}"
    );
    let (_, items) = bo.get("/coops/bakery/items").await;
    assert_eq!(items[0]["stock"], 2);
    assert_eq!(order_id, mine[0]["id"].as_str().unwrap());

    // A price change since the basket stops the checkout before anything is sent.
    wait_until("A learns the new stock", || async {
        alice.get(&format!("/catalogue/item?id={item_id}")).await.1["stock"] == 2
    })
    .await;
    alice
        .post("/basket", json!({ "item_id": item_id, "quantity": 1 }))
        .await;
    let mut repriced = bread("2");
    repriced["price"] = json!("3.50");
    bo.call(
        reqwest::Method::PUT,
        &format!("/coops/bakery/items/{last}"),
        Some(repriced),
    )
    .await;
    wait_until("A learns the new price", || async {
        alice.get(&format!("/catalogue/item?id={item_id}")).await.1["price"] == "3.50"
    })
    .await;
    let (status, refused) = alice
        .post("/checkout", json!({ "council": "council" }))
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("price"));
    let (_, mine) = alice.get("/orders").await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "no new order");

    // A retired item cannot be ordered.
    alice
        .call(
            reqwest::Method::DELETE,
            &format!("/basket?id={item_id}"),
            None,
        )
        .await;
    bo.post(&format!("/coops/bakery/items/{last}/retire"), json!({}))
        .await;
    wait_until("the item leaves A's catalogue", || async {
        alice
            .get("/catalogue")
            .await
            .1
            .as_array()
            .is_some_and(|c| c.is_empty())
    })
    .await;
    let (status, _) = alice
        .post("/basket", json!({ "item_id": item_id, "quantity": 1 }))
        .await;
    assert_eq!(status, 400);
    a.shutdown().await;
    b.shutdown().await;
}

/// An Offer made up by a third node, naming A's council as the buyer, is refused by B.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_and_repeated_orders_change_nothing() {
    let (a, b, _ta, tb) = two_nodes().await;
    let c = spawn_node().await;
    let mallory = c.create_coop("mallory", CoopKind::ConsumerCouncil).await;
    let bo = Api {
        node: &b,
        token: tb,
    };
    let (_, item) = bo.post("/coops/bakery/items", bread("5")).await;
    let item_id = item["id"].as_str().unwrap().to_string();
    let bakery = b.coop("bakery").await;
    let council = a.coop("council").await;
    // B must know both claimed buyers' keys.
    b.follow("bakery", &c.handle("mallory")).await;
    b.follow("bakery", &a.handle("council")).await;
    // Following resolved both actors, so B holds their keys.

    let offer = |actor: &str, order_origin: &str, receiver: &str, n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/offers/{n}"),
            "type": "Offer",
            "actor": actor,
            "to": [bakery.id.as_str()],
            "object": {
                "id": format!("{order_origin}orders/{n}"),
                "type": "Agreement",
                "receiver": receiver,
                "provider": bakery.id.as_str(),
                "commitments": [{ "type": "Commitment", "satisfies": format!("{item_id}#primary"),
                                  "resourceQuantity": { "hasUnit": "loaf", "hasNumericalValue": "2" },
                                  "unitPrice": { "hasUnit": "EUR", "hasNumericalValue": "3.20" } }],
                "reciprocal": { "type": "Commitment", "satisfies": format!("{order_origin}orders/{n}#payment"),
                                "resourceQuantity": { "hasUnit": "EUR", "hasNumericalValue": "6.40" } }
            }
        })
    };
    let inbox = url::Url::parse(&b.url("/inbox")).unwrap();
    let send = |body: Value, key: String, key_id: String| {
        let inbox = inbox.clone();
        let http = b.http.clone();
        async move {
            let bytes = serde_json::to_vec(&body).unwrap();
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
    let mallory_key = private_key(&c, "mallory").await;
    let mallory_key_id = format!("{}#main-key", mallory.id);

    // Mallory's node orders in the council's name: the order's receiver is not its sender.
    let forged = offer(mallory.id.as_str(), c.base.as_str(), council.id.as_str(), 1);
    assert_eq!(
        send(forged, mallory_key.clone(), mallory_key_id.clone()).await,
        403
    );
    // Mallory's order id on the council's node: refused too.
    let forged = offer(mallory.id.as_str(), a.base.as_str(), mallory.id.as_str(), 2);
    assert_eq!(
        send(forged, mallory_key.clone(), mallory_key_id.clone()).await,
        400
    );
    let (_, stock) = bo.get("/coops/bakery/items").await;
    assert_eq!(stock[0]["stock"], 5, "nothing taken");
    assert!(bo
        .get("/coops/bakery/orders")
        .await
        .1
        .as_array()
        .unwrap()
        .is_empty());

    // A proper order delivered twice is accepted once.
    let honest = offer(mallory.id.as_str(), c.base.as_str(), mallory.id.as_str(), 3);
    assert_eq!(
        send(honest.clone(), mallory_key.clone(), mallory_key_id.clone()).await,
        202
    );
    let mut again = honest.clone();
    again["id"] = json!(format!("{}/offers/3-again", mallory.id));
    assert_eq!(
        send(honest, mallory_key.clone(), mallory_key_id.clone()).await,
        202
    );
    assert_eq!(send(again, mallory_key, mallory_key_id).await, 202);
    let (_, orders) = bo.get("/coops/bakery/orders").await;
    assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");
    let (_, stock) = bo.get("/coops/bakery/items").await;
    assert_eq!(stock[0]["stock"], 3, "two loaves taken, once");
    for n in [a, b, c] {
        n.shutdown().await;
    }
}

/// 1,000 orders for an item with 100 in stock, all at once, half placed on the node itself and
/// half arriving as signed Offers from another node: exactly 100 are accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_orders_for_a_hundred_units_accept_exactly_a_hundred() {
    let b = spawn_node().await;
    let c = spawn_node().await;
    let bakery = b.create_coop("bakery", CoopKind::Workplace).await;
    let buyers = c.create_coop("buyers", CoopKind::ConsumerCouncil).await;
    b.follow("bakery", &c.handle("buyers")).await;
    let item = coopnode::features::market::create_item(
        b.state(),
        &bakery,
        &ItemFields {
            name: "Festival loaf".into(),
            unit: "loaf".into(),
            price: "4.00".into(),
            currency: "EUR".into(),
            stock: "100".into(),
            product_type: "food/bread".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
    )
    .await
    .unwrap();

    // The federated half, signed before the race starts.
    let inbox = url::Url::parse(&b.url("/inbox")).unwrap();
    let key = private_key(&c, "buyers").await;
    let key_id = format!("{}#main-key", buyers.id);
    let mut signed = Vec::new();
    for n in 0..500 {
        let order_id = format!("{}orders/race-{n}", c.base);
        let body = serde_json::to_vec(&json!({
            "id": format!("{}/offers/race-{n}", buyers.id),
            "type": "Offer",
            "actor": buyers.id.as_str(),
            "to": [bakery.id.as_str()],
            "object": {
                "id": order_id, "type": "Agreement",
                "receiver": buyers.id.as_str(), "provider": bakery.id.as_str(),
                "commitments": [{ "type": "Commitment", "satisfies": format!("{}#primary", item.id),
                                  "resourceQuantity": { "hasUnit": "loaf", "hasNumericalValue": "1" },
                                  "unitPrice": { "hasUnit": "EUR", "hasNumericalValue": "4.00" } }],
                "reciprocal": { "type": "Commitment", "satisfies": format!("{order_id}#payment"),
                                "resourceQuantity": { "hasUnit": "EUR", "hasNumericalValue": "4.00" } }
            }
        }))
        .unwrap();
        let headers = signed_post_headers(&key, &key_id, &inbox, &body, SystemTime::now());
        signed.push((body, headers));
    }

    let mut local = Vec::new();
    let mut federated = Vec::new();
    let mut signed = signed.into_iter();
    for n in 0..1000 {
        if n % 2 == 0 {
            let db = b.state().db.clone();
            let order = NewOrder {
                id: format!("{}orders/local-{n}", b.base),
                offer_id: format!("{}orders/local-{n}", b.base),
                buyer_id: format!("{}members/person-{n}", b.base),
                placed_by: None,
                seller_id: bakery.id.to_string(),
                currency: "EUR".into(),
                lines: vec![NewLine {
                    item_id: item.id.clone(),
                    name: item.name.clone(),
                    unit: "loaf".into(),
                    quantity: 1,
                    unit_price_minor: 400,
                }],
                now: 1,
            };
            local.push(tokio::spawn(async move {
                db.accept_order(&order).await.unwrap()
            }));
        } else {
            let (body, headers) = signed.next().unwrap();
            let http = b.http.clone();
            let inbox = inbox.clone();
            federated.push(tokio::spawn(async move {
                http.post(inbox)
                    .headers(headers)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
    }
    for t in federated {
        assert_eq!(
            t.await.unwrap(),
            202,
            "every Offer is answered in the protocol, not refused"
        );
    }
    for t in local {
        t.await.unwrap();
    }
    let db = &b.state().db;
    assert_eq!(
        db.count_orders_in_state(bakery.id.as_str(), "accepted")
            .await
            .unwrap(),
        100
    );
    assert_eq!(
        db.count_orders_in_state(bakery.id.as_str(), "rejected")
            .await
            .unwrap(),
        900
    );
    assert_eq!(db.item(&item.id).await.unwrap().unwrap().stock, 0);
    let sold: i64 = db
        .stock_changes(&item.id, 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|c| c.reason == "order")
        .map(|c| -c.delta)
        .sum();
    assert_eq!(sold, 100, "the stock log accounts for every loaf");
    b.shutdown().await;
    c.shutdown().await;
}

/// A council asks a workplace on another node about a large order; the thread stays between
/// the two. The council recommends the workplace's bread, which both nodes show.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn enquiries_stay_private_and_recommendations_travel() {
    let (a, b, ta, tb) = two_nodes().await;
    let alice = Api {
        node: &a,
        token: ta,
    };
    let bo = Api {
        node: &b,
        token: tb,
    };
    let (_, item) = bo.post("/coops/bakery/items", bread("40")).await;
    let item_id = item["id"].as_str().unwrap().to_string();
    a.follow("council", &b.handle("bakery")).await;
    wait_until("the item reaches A", || async {
        alice.get(&format!("/catalogue/item?id={item_id}")).await.0 == 200
    })
    .await;

    // The enquiry and its reply.
    let (status, sent) = alice
        .post(
            "/coops/council/enquiries",
            json!({ "to": b.handle("bakery"), "text": "Could you bake 300 loaves for our spring fair?" }),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    let thread = sent["thread"].as_str().unwrap().to_string();
    wait_until("the bakery receives the enquiry", || async {
        bo.get("/coops/bakery/enquiries")
            .await
            .1
            .to_string()
            .contains("300 loaves")
    })
    .await;
    let council_id = a.coop("council").await.id.to_string();
    let (status, _) = bo
        .post(
            "/coops/bakery/enquiries",
            json!({ "to": council_id, "thread": thread, "text": "Yes, with two weeks' notice." }),
        )
        .await;
    assert_eq!(status, 201);
    wait_until("the council sees the reply in the same thread", || async {
        let (_, messages) = alice.get("/coops/council/enquiries").await;
        messages.as_array().is_some_and(|m| {
            m.iter().any(|x| {
                x["thread"] == thread.as_str()
                    && x["body_html"].as_str().unwrap_or("").contains("two weeks")
            })
        })
    })
    .await;
    // Private: in no feed, and no one can fetch it.
    for node in [&a, &b] {
        assert!(!node.home_page().await.contains("300 loaves"));
    }
    let (status, _) = a
        .get_activity_json(url::Url::parse(&thread).unwrap().path())
        .await;
    assert_eq!(status, 404);
    // A third party cannot write into the thread.
    let c = spawn_node().await;
    c.create_user("eve", false).await;
    let eve_coop = c.create_coop("eves", CoopKind::ConsumerCouncil).await;
    let eve = c.state().db.user_by_username("eve").await.unwrap().unwrap();
    c.state()
        .db
        .add_coop_admin(eve_coop.id.as_str(), eve.id)
        .await
        .unwrap();
    let eve_api = Api {
        node: &c,
        token: token(&c, "eve"),
    };
    let (status, _) = eve_api
        .post(
            "/coops/eves/enquiries",
            json!({ "to": b.handle("bakery"), "thread": thread, "text": "me too" }),
        )
        .await;
    assert_eq!(status, 404, "an unknown thread on eve's node");

    // The recommendation shows on A and reaches B.
    let (status, _) = alice
        .post(
            "/coops/council/recommendations",
            json!({ "item_id": item_id, "comment": "Our members' favourite." }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = alice
        .post(
            "/coops/council/recommendations",
            json!({ "item_id": item_id, "comment": "again" }),
        )
        .await;
    assert_eq!(status, 409, "once per item");
    wait_until("B knows of the recommendation", || async {
        !b.state()
            .db
            .recommendations_for_item(&item_id)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    let recs = b
        .state()
        .db
        .recommendations_for_item(&item_id)
        .await
        .unwrap();
    assert!(recs[0].comment_html.contains("favourite"));
    assert_eq!(recs[0].council_id, council_id);
    for n in [a, b, c] {
        n.shutdown().await;
    }
}

/// When an order sells an item out, followers' catalogues learn it; a cancellation that brings
/// it back is announced too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn selling_out_and_restocking_reach_followers() {
    let (a, b, ta, tb) = two_nodes().await;
    let alice = Api {
        node: &a,
        token: ta,
    };
    let bo = Api {
        node: &b,
        token: tb,
    };
    let (_, item) = bo.post("/coops/bakery/items", bread("3")).await;
    let item_id = item["id"].as_str().unwrap().to_string();
    a.follow("council", &b.handle("bakery")).await;
    wait_until("the item reaches A", || async {
        alice.get(&format!("/catalogue/item?id={item_id}")).await.1["stock"] == 3
    })
    .await;
    alice
        .post("/basket", json!({ "item_id": item_id, "quantity": 3 }))
        .await;
    let (_, orders) = alice
        .post("/checkout", json!({ "council": "council" }))
        .await;
    let order_id = orders[0]["id"].as_str().unwrap().to_string();
    wait_until("A's catalogue shows the item sold out", || async {
        alice.get(&format!("/catalogue/item?id={item_id}")).await.1["stock"] == 0
    })
    .await;
    let (_, in_stock) = alice.get("/catalogue?in_stock=true").await;
    assert!(in_stock.as_array().unwrap().is_empty());
    bo.post(
        "/orders/state",
        json!({ "id": order_id, "state": "cancelled", "reason": "oven broke" }),
    )
    .await;
    wait_until("A's catalogue shows it back in stock", || async {
        alice.get(&format!("/catalogue/item?id={item_id}")).await.1["stock"] == 3
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;
}
