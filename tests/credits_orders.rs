//! Orders paid in credits, through the JSON API as members would place them: items priced in
//! `CRD` hold the buyer's credits at checkout, pay the workplace's co-op when it accepts, and
//! give the credits back, once, when it refuses. A checkout the balance cannot cover stores
//! nothing, and however many checkouts race, an account never goes below zero. The sum of all
//! balances on every node stays zero throughout.

mod support;

use std::time::SystemTime;

use coopnode::features::coops::CoopKind;
use coopnode::features::credits::store::account;
use serde_json::{json, Value};
use support::*;

fn loaf(price: &str, stock: &str) -> Value {
    json!({
        "name": "Seeded rye loaf",
        "unit": "loaf",
        "price": price,
        "currency": "CRD",
        "stock": stock,
        "product_type": "food/bread"
    })
}

/// A node with a workplace whose administrators are `members` (each paid 100.00 credits of
/// income by it), and people `others` with no credits.
async fn coop_node(coop: &str, members: &[&str], others: &[&str]) -> TestNode {
    let node = spawn_node().await;
    let row = node.create_coop(coop, CoopKind::Workplace).await;
    for name in members.iter().chain(others) {
        node.create_user(name, false).await;
    }
    for name in members {
        let user = node
            .state()
            .db
            .user_by_username(name)
            .await
            .unwrap()
            .unwrap();
        node.state()
            .db
            .add_coop_admin(row.id.as_str(), user.id)
            .await
            .unwrap();
    }
    if let Some(first) = members.first() {
        let api = Api {
            node: &node,
            token: token(&node, first),
        };
        let (status, body) = api
            .call(
                reqwest::Method::PUT,
                &format!("/coops/{coop}/remuneration"),
                Some(json!({ "rule": "hours", "rate": "10" })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        for name in members {
            let (status, body) = api
                .post(
                    &format!("/coops/{coop}/income"),
                    json!({ "member": name, "period": "w1", "hours": "10" }),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
    }
    node
}

async fn balance(api: &Api<'_>) -> i64 {
    let (status, ledger) = api.get("/credits").await;
    assert_eq!(status, 200, "{ledger}");
    ledger["balance_minor"].as_i64().unwrap()
}

async fn coop_balance(api: &Api<'_>, coop: &str) -> i64 {
    let (status, ledger) = api.get(&format!("/coops/{coop}/credits")).await;
    assert_eq!(status, 200, "{ledger}");
    ledger["balance_minor"].as_i64().unwrap()
}

async fn held(node: &TestNode, order: &str) -> i64 {
    node.state()
        .db
        .credit_balance(account::HELD, order)
        .await
        .unwrap()
}

/// The kinds of the transfers made for an order on a node, oldest first.
async fn order_transfers(node: &TestNode, order: &str) -> Vec<String> {
    node.state()
        .db
        .credit_transfers_of_order(order)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.kind)
        .collect()
}

/// The ledger's invariants on one node: no member, co-op or held account below zero, every
/// balance the sum of its entries, every transfer two entries that sum to zero, and all
/// balances together zero.
async fn assert_ledger_sound(node: &TestNode) {
    let db = &node.state().db;
    let accounts = db.credit_accounts().await.unwrap();
    for a in &accounts {
        if !["issuance", "clearing"].contains(&a.kind.as_str()) {
            assert!(a.balance >= 0, "{a:?} is below zero");
        }
    }
    let sum: i64 = accounts.iter().map(|a| a.balance).sum();
    assert_eq!(sum, 0, "credits were made or lost: {accounts:?}");
    let (accounts, transfers) = db.credit_discrepancies().await.unwrap();
    assert!(
        accounts.is_empty(),
        "balances off their entries: {accounts:?}"
    );
    assert!(transfers.is_empty(), "unbalanced transfers: {transfers:?}");
}

async fn post_signed(node: &TestNode, key: &str, key_id: &str, body: &Value) -> u16 {
    let inbox = url::Url::parse(&node.url("/inbox")).unwrap();
    let bytes = serde_json::to_vec(body).unwrap();
    let headers = signed_post_headers(key, key_id, &inbox, &bytes, SystemTime::now());
    node.http
        .post(inbox)
        .headers(headers)
        .body(bytes)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn order_state(api: &Api<'_>, order: &str) -> Option<String> {
    let (_, mine) = api.get("/orders").await;
    mine.as_array()?
        .iter()
        .find(|o| o["id"] == order)
        .map(|o| o["state"].as_str().unwrap_or_default().to_string())
}

/// Node A with ana, paid 100.00 credits by her co-op; node B with a bakery run by bo, selling
/// a loaf at `price` credits with `stock` in stock, which A's catalogue shows.
async fn two_nodes(price: &str, stock: &str) -> (TestNode, TestNode, String) {
    let a = coop_node("works", &["ana"], &[]).await;
    let b = coop_node("bakery", &["bo"], &[]).await;
    let bo = Api {
        node: &b,
        token: token(&b, "bo"),
    };
    let (status, item) = bo.post("/coops/bakery/items", loaf(price, stock)).await;
    assert_eq!(status, 201, "{item}");
    let item_id = item["id"].as_str().unwrap().to_string();
    a.follow("ana", &b.handle("bakery")).await;
    let ana = Api {
        node: &a,
        token: token(&a, "ana"),
    };
    wait_until("A's catalogue has the loaf", || async {
        let (_, found) = ana.get(&format!("/catalogue/item?id={item_id}")).await;
        found["currency"] == "CRD"
    })
    .await;
    (a, b, item_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_pays_a_bakery_on_another_node_in_credits() {
    let (a, b, item_id) = two_nodes("12.50", "10").await;
    let ana = Api {
        node: &a,
        token: token(&a, "ana"),
    };
    let bo = Api {
        node: &b,
        token: token(&b, "bo"),
    };
    assert_eq!(balance(&ana).await, 10_000);
    let bo_before = balance(&bo).await;

    // More than the balance: refused, and nothing is stored on either node.
    ana.post("/basket", json!({ "item_id": item_id, "quantity": 9 }))
        .await;
    let (status, body) = ana.post("/checkout", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("insufficient credits"), "{body}");
    let (_, mine) = ana.get("/orders").await;
    assert!(mine.as_array().unwrap().is_empty(), "{mine}");
    assert_eq!(balance(&ana).await, 10_000);
    ana.call(
        reqwest::Method::DELETE,
        &format!("/basket?id={}", urlencode(&item_id)),
        None,
    )
    .await;

    // Two loaves: 25.00 credits held at checkout, in the same transaction as the order.
    ana.post("/basket", json!({ "item_id": item_id, "quantity": 2 }))
        .await;
    let (status, orders) = ana.post("/checkout", json!({})).await;
    assert_eq!(status, 201, "{orders}");
    let order = orders[0]["id"].as_str().unwrap().to_string();
    assert_eq!(orders[0]["currency"], "CRD");
    assert_eq!(orders[0]["total"], "25.00");
    assert_eq!(balance(&ana).await, 7_500);
    let (_, ledger) = ana.get("/credits").await;
    let hold = &ledger["entries"][0];
    assert_eq!(hold["kind"], "hold", "{ledger}");
    assert_eq!(hold["amount_minor"], -2_500);
    assert_eq!(hold["order"], order.as_str());

    // The bakery accepts; A pays it from the held credits with a federated transfer.
    wait_until("the bakery's co-op is paid", || async {
        coop_balance(&bo, "bakery").await == 2_500
    })
    .await;
    wait_until(
        "A sees the order accepted and the payment settled",
        || async {
            order_state(&ana, &order).await.as_deref() == Some("accepted")
                && a.state()
                    .db
                    .credit_transfers_of_order(&order)
                    .await
                    .unwrap()
                    .iter()
                    .any(|t| t.kind == "federated-out" && t.state == "settled")
        },
    )
    .await;
    assert_eq!(held(&a, &order).await, 0);
    assert_eq!(balance(&ana).await, 7_500);
    assert_eq!(balance(&bo).await, bo_before, "the co-op is paid, not bo");
    let (_, theirs) = bo.get("/coops/bakery/credits").await;
    assert_eq!(theirs["entries"][0]["order"], order.as_str(), "{theirs}");
    assert_eq!(theirs["entries"][0]["kind"], "federated-in");

    // The bakery's Accept delivered twice more, under new ids: no second payment.
    let offer_id = a.state().db.order(&order).await.unwrap().unwrap().offer_id;
    let bakery = b.coop("bakery").await;
    let key = private_key(&b, "bakery").await;
    let key_id = format!("{}#main-key", bakery.id);
    for n in 1..=2 {
        let accept = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": b.url(&format!("/activities/accept-again-{n}")),
            "type": "Accept",
            "actor": bakery.id.as_str(),
            "to": [a.url("/members/ana")],
            "object": offer_id,
        });
        assert_eq!(post_signed(&a, &key, &key_id, &accept).await, 202);
    }
    assert_eq!(order_transfers(&a, &order).await, ["hold", "federated-out"]);
    wait_until("B has nothing more to deliver", || async {
        a.pending_deliveries().await == 0 && b.pending_deliveries().await == 0
    })
    .await;
    assert_eq!(coop_balance(&bo, "bakery").await, 2_500);
    assert_eq!(balance(&ana).await, 7_500);

    // A payment naming something that is not an order is refused by B, and stores nothing.
    let ana_key = private_key(&a, "ana").await;
    let ana_key_id = format!("{}#main-key", a.url("/members/ana"));
    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": a.url("/activities/forged-payment"),
        "type": "Create",
        "actor": a.url("/members/ana"),
        "to": [bakery.id.as_str()],
        "object": {
            "type": "EconomicEvent", "id": a.url("/credits/transfers/forged"),
            "action": "transfer", "provider": a.url("/members/ana"), "receiver": bakery.id.as_str(),
            "resourceQuantity": { "hasUnit": "credit", "hasNumericalValue": "5" },
            "realizationOf": "not an order"
        }
    });
    assert_eq!(post_signed(&b, &ana_key, &ana_key_id, &forged).await, 400);
    assert_eq!(coop_balance(&bo, "bakery").await, 2_500);

    assert_ledger_sound(&a).await;
    assert_ledger_sound(&b).await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rejected_order_gives_the_held_credits_back_once() {
    let (a, b, item_id) = two_nodes("12.50", "1").await;
    let ana = Api {
        node: &a,
        token: token(&a, "ana"),
    };
    let bo = Api {
        node: &b,
        token: token(&b, "bo"),
    };
    // Sold out at the bakery after A's catalogue saw it in stock.
    let path = url::Url::parse(&item_id).unwrap().path().to_string();
    let (status, body) = bo
        .post(&format!("/coops/bakery{path}/stock"), json!({ "stock": 0 }))
        .await;
    assert_eq!(status, 204, "{body}");
    ana.post("/basket", json!({ "item_id": item_id, "quantity": 1 }))
        .await;
    let (status, orders) = ana.post("/checkout", json!({})).await;
    assert_eq!(status, 201, "{orders}");
    let order = orders[0]["id"].as_str().unwrap().to_string();
    assert_eq!(balance(&ana).await, 10_000 - 1_250);

    wait_until("the bakery rejects the order", || async {
        order_state(&ana, &order).await.as_deref() == Some("rejected")
    })
    .await;
    assert_eq!(balance(&ana).await, 10_000, "the held credits came back");
    assert_eq!(held(&a, &order).await, 0);
    let (_, ledger) = ana.get("/credits").await;
    assert_eq!(ledger["entries"][0]["kind"], "release", "{ledger}");
    assert_eq!(ledger["entries"][0]["order"], order.as_str());

    // The Reject delivered twice more: given back once only.
    let offer_id = a.state().db.order(&order).await.unwrap().unwrap().offer_id;
    let bakery = b.coop("bakery").await;
    let key = private_key(&b, "bakery").await;
    let key_id = format!("{}#main-key", bakery.id);
    for n in 1..=2 {
        let reject = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": b.url(&format!("/activities/reject-again-{n}")),
            "type": "Reject",
            "actor": bakery.id.as_str(),
            "to": [a.url("/members/ana")],
            "object": offer_id,
            "summary": "not enough Seeded rye loaf in stock",
        });
        assert_eq!(post_signed(&a, &key, &key_id, &reject).await, 202);
    }
    // An Accept after the Reject changes nothing either.
    let late = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": b.url("/activities/accept-late"),
        "type": "Accept",
        "actor": bakery.id.as_str(),
        "to": [a.url("/members/ana")],
        "object": offer_id,
    });
    assert_eq!(post_signed(&a, &key, &key_id, &late).await, 202);
    assert_eq!(balance(&ana).await, 10_000);
    assert_eq!(order_transfers(&a, &order).await, ["hold", "release"]);
    assert_eq!(order_state(&ana, &order).await.as_deref(), Some("rejected"));
    assert_eq!(coop_balance(&bo, "bakery").await, 0);

    assert_ledger_sound(&a).await;
    assert_ledger_sound(&b).await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_local_order_in_credits_is_paid_at_once_and_refunded_when_cancelled() {
    let node = coop_node("bakery", &["ana", "ben"], &["cy"]).await;
    let ana = Api {
        node: &node,
        token: token(&node, "ana"),
    };
    let ben = Api {
        node: &node,
        token: token(&node, "ben"),
    };
    let cy = Api {
        node: &node,
        token: token(&node, "cy"),
    };
    let (status, item) = ana.post("/coops/bakery/items", loaf("30", "5")).await;
    assert_eq!(status, 201, "{item}");
    let item_id = item["id"].as_str().unwrap().to_string();
    let stock = || async {
        let (_, items) = ana.get("/coops/bakery/items").await;
        items[0]["stock"].as_i64().unwrap()
    };

    // Accepted at once: held and paid to the co-op in the transaction that takes the stock.
    ben.post("/basket", json!({ "item_id": item_id, "quantity": 1 }))
        .await;
    let (status, orders) = ben.post("/checkout", json!({})).await;
    assert_eq!(status, 201, "{orders}");
    let order = orders[0]["id"].as_str().unwrap().to_string();
    assert_eq!(orders[0]["state"], "accepted");
    assert_eq!(balance(&ben).await, 7_000);
    assert_eq!(coop_balance(&ana, "bakery").await, 3_000);
    assert_eq!(held(&node, &order).await, 0);
    assert_eq!(order_transfers(&node, &order).await, ["hold", "payment"]);
    assert_eq!(stock().await, 4);

    // Someone without credits, and ben beyond his balance: refused, nothing stored.
    cy.post("/basket", json!({ "item_id": item_id, "quantity": 1 }))
        .await;
    let (status, body) = cy.post("/checkout", json!({})).await;
    assert_eq!(status, 409, "{body}");
    let (_, mine) = cy.get("/orders").await;
    assert!(mine.as_array().unwrap().is_empty(), "{mine}");
    ben.post("/basket", json!({ "item_id": item_id, "quantity": 3 }))
        .await;
    let (status, body) = ben.post("/checkout", json!({})).await;
    assert_eq!(status, 409, "{body}");
    let (_, mine) = ben.get("/orders").await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(stock().await, 4, "no stock taken");
    assert_eq!(balance(&ben).await, 7_000);
    let (_, basket) = ben.get("/basket").await;
    assert_eq!(basket[0]["quantity"], 3, "the basket is kept to change");

    // The bakery cancels the paid order: the payment goes back to ben, once, with the stock.
    let (status, body) = ana
        .post(
            "/orders/state",
            json!({ "id": order, "state": "cancelled", "reason": "the oven broke" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(balance(&ben).await, 10_000);
    assert_eq!(coop_balance(&ana, "bakery").await, 0);
    assert_eq!(stock().await, 5);
    assert_eq!(
        order_transfers(&node, &order).await,
        ["hold", "payment", "refund"]
    );
    let (status, _) = ana
        .post(
            "/orders/state",
            json!({ "id": order, "state": "cancelled", "reason": "again" }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(balance(&ben).await, 10_000);

    // A co-op that spent what an order paid it cannot cancel that order until it has credits.
    ben.call(
        reqwest::Method::DELETE,
        &format!("/basket?id={}", urlencode(&item_id)),
        None,
    )
    .await;
    ben.post("/basket", json!({ "item_id": item_id, "quantity": 2 }))
        .await;
    let (status, orders) = ben.post("/checkout", json!({})).await;
    assert_eq!(status, 201, "{orders}");
    let second = orders[0]["id"].as_str().unwrap().to_string();
    assert_eq!(coop_balance(&ana, "bakery").await, 6_000);
    let coop = node.coop("bakery").await;
    let spent = coopnode::features::credits::store::CreditMove {
        id: node.url("/credits/transfers/spent"),
        kind: "transfer",
        state: "settled",
        from_kind: account::COOP,
        from_owner: coop.id.to_string(),
        to_kind: account::MEMBER,
        to_owner: node.url("/members/cy"),
        amount: 5_000,
        memo: "flour".into(),
        counterparty: None,
        remote_id: None,
        refund_of: None,
        order_id: None,
        now: 1,
    };
    node.state().db.move_credits(&spent).await.unwrap().unwrap();
    let (status, body) = ana
        .post(
            "/orders/state",
            json!({ "id": second, "state": "cancelled", "reason": "no flour" }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        order_state(&ben, &second).await.as_deref(),
        Some("accepted")
    );
    assert_eq!(stock().await, 3, "nothing restocked");

    assert_ledger_sound(&node).await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_checkouts_from_one_account_never_overdraw_it() {
    // A council's members order for it at once: its 100.00 credits pay for three 30.00 loaves.
    let names = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"];
    let node = coop_node("bakery", &["ana"], &names).await;
    let council = node.create_coop("council", CoopKind::ConsumerCouncil).await;
    for name in names {
        let user = node
            .state()
            .db
            .user_by_username(name)
            .await
            .unwrap()
            .unwrap();
        node.state()
            .db
            .add_coop_admin(council.id.as_str(), user.id)
            .await
            .unwrap();
    }
    let ana = Api {
        node: &node,
        token: token(&node, "ana"),
    };
    let (status, body) = ana
        .post(
            "/credits/transfers",
            json!({ "to": "council", "amount": "100", "memo": "for the pantry" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, item) = ana.post("/coops/bakery/items", loaf("30", "100")).await;
    assert_eq!(status, 201, "{item}");
    let item_id = item["id"].as_str().unwrap().to_string();
    let tokens: Vec<String> = names.iter().map(|n| token(&node, n)).collect();
    let apis: Vec<Api> = tokens
        .iter()
        .map(|t| Api {
            node: &node,
            token: t.clone(),
        })
        .collect();
    for api in &apis {
        let (status, _) = api
            .post("/basket", json!({ "item_id": item_id, "quantity": 1 }))
            .await;
        assert_eq!(status, 204);
    }
    let results = futures::future::join_all(apis.iter().map(|api| async move {
        api.post("/checkout", json!({ "council": "council" }))
            .await
            .0
    }))
    .await;
    let placed = results.iter().filter(|s| **s == 201).count();
    assert_eq!(placed, 3, "{results:?}");
    assert!(
        results.iter().all(|s| [201, 409].contains(s)),
        "{results:?}"
    );
    assert_eq!(coop_balance(&apis[0], "council").await, 1_000);
    assert_eq!(coop_balance(&ana, "bakery").await, 9_000);
    let (_, items) = ana.get("/coops/bakery/items").await;
    assert_eq!(items[0]["stock"], 97);
    assert_ledger_sound(&node).await;
    node.shutdown().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_shows_prices_balances_and_payments_in_credits() {
    let node = coop_node("bakery", &["ana", "ben"], &["cy"]).await;
    let ana = Api {
        node: &node,
        token: token(&node, "ana"),
    };
    let (status, item) = ana.post("/coops/bakery/items", loaf("30", "5")).await;
    assert_eq!(status, 201, "{item}");
    let item_id = item["id"].as_str().unwrap().to_string();
    let item_path = url::Url::parse(&item_id).unwrap().path().to_string();

    let mut ben = Visitor::new(&node);
    ben.log_in("ben").await;
    let (status, page) = ben.get(&item_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("30.00 credits per loaf"), "{page}");
    let csrf = csrf_of(&page);
    let (status, _) = ben
        .post(
            "/basket/add",
            &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "2")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, basket) = ben.get("/basket").await;
    assert!(basket.contains("100.00 credits"), "the balance: {basket}");
    assert!(basket.contains("60.00 credits"), "the total: {basket}");
    let (status, to) = ben
        .post("/basket/checkout", &[("csrf", &csrf), ("as", "")])
        .await;
    assert_eq!((status, to.as_str()), (303, "/orders"));
    let (_, orders) = ben.get("/orders").await;
    assert!(orders.contains("60.00 credits"), "{orders}");
    let (_, credits) = ben.get("/credits").await;
    assert!(credits.contains("40.00 credits"), "{credits}");
    assert!(credits.contains("held for the order"), "{credits}");
    assert!(credits.contains("/orders/view?id="), "{credits}");

    // The workplace's administrators see what the order paid its co-op.
    let mut admin = Visitor::new(&node);
    admin.log_in("ana").await;
    let (_, credits) = admin.get("/credits").await;
    assert!(credits.contains("Credits of The bakery co-op"), "{credits}");
    assert!(credits.contains("60.00 credits"), "{credits}");
    assert!(credits.contains("payment for the order"), "{credits}");

    // Without credits, the basket says why, and nothing is ordered.
    let mut cy = Visitor::new(&node);
    cy.log_in("cy").await;
    let (_, page) = cy.get(&item_path).await;
    let csrf = csrf_of(&page);
    cy.post(
        "/basket/add",
        &[("csrf", &csrf), ("item_id", &item_id), ("quantity", "1")],
    )
    .await;
    let (status, page) = cy
        .post("/basket/checkout", &[("csrf", &csrf), ("as", "")])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("insufficient credits"), "{page}");
    let (_, items) = ana.get("/coops/bakery/items").await;
    assert_eq!(items[0]["stock"], 3);
    assert_ledger_sound(&node).await;
    node.shutdown().await;
}
