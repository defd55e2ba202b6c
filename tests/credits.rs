//! Credits, through the JSON API as members would use them: a co-op pays its members by its
//! remuneration rule, members send credits here and to other nodes, and the ledger's
//! invariants hold however many transfers race: no balance below zero, every transfer's two
//! entries sum to zero, and the sum of all accounts stays zero, since credits are only ever made
//! by the income rule (the co-op's issuance account goes negative by what it paid).

mod support;

use std::time::SystemTime;

use coopnode::core::store::actors::RemoteActorRow;
use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_coopnode");

fn token(node: &TestNode, username: &str) -> String {
    let out = std::process::Command::new(BIN)
        .args(["token", "create", "--username", username, "--data-dir"])
        .arg(&node.dir)
        .output()
        .expect("run coopnode");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    fn new(node: &TestNode, token: Option<String>) -> Api {
        Api {
            http: node.http.clone(),
            base: node.url("/api/v1"),
            token,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }

    async fn balance(&self) -> i64 {
        let (status, ledger) = self.get("/credits").await;
        assert_eq!(status, 200, "{ledger}");
        ledger["balance_minor"].as_i64().unwrap()
    }

    async fn send(&self, to: &str, amount: &str, memo: &str) -> (u16, Value) {
        self.post(
            "/credits/transfers",
            json!({ "to": to, "amount": amount, "memo": memo }),
        )
        .await
    }
}

/// A node with a co-op whose members are `members` (the first also administers nothing more
/// than the others: every member acts for the co-op), and an API client for each person.
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
    node
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_coop_pays_income_by_its_rule_and_only_income_makes_credits() {
    let node = coop_node("bakery", &["ana", "ben"], &["cy"]).await;
    let ana = Api::new(&node, Some(token(&node, "ana")));
    let ben = Api::new(&node, Some(token(&node, "ben")));
    let cy = Api::new(&node, Some(token(&node, "cy")));
    let work = |member: &str, period: &str, hours: &str, effort: Option<&str>| json!({ "member": member, "period": period, "hours": hours, "effort": effort });

    // No rule, no income.
    let (status, body) = ana
        .post("/coops/bakery/income", work("ben", "2025-05", "10", None))
        .await;
    assert_eq!(status, 409, "{body}");

    // Paid by the hour: 37.5 hours at 15 credits = 562.50.
    let (status, rule) = ana
        .put(
            "/coops/bakery/remuneration",
            json!({ "rule": "hours", "rate": "15" }),
        )
        .await;
    assert_eq!(status, 200, "{rule}");
    assert_eq!(rule["rate"], "15.00");
    let (status, paid) = ana
        .post("/coops/bakery/income", work("ben", "2025-05", "37.5", None))
        .await;
    assert_eq!(status, 201, "{paid}");
    assert_eq!(paid["amount"], "562.50");
    assert_eq!(ben.balance().await, 56250);

    // The same period again is refused, and pays nothing.
    let (status, body) = ana
        .post("/coops/bakery/income", work("ben", "2025-05", "37.5", None))
        .await;
    assert_eq!(status, 409, "{body}");
    // Only the co-op's members are paid; nonsense hours are refused.
    let (status, body) = ana
        .post("/coops/bakery/income", work("cy", "2025-05", "8", None))
        .await;
    assert_eq!(status, 400, "{body}");
    for hours in ["0", "-3", "12.345", "ten", "100000"] {
        let (status, body) = ana
            .post("/coops/bakery/income", work("ben", "2025-07", hours, None))
            .await;
        assert_eq!(status, 400, "{hours}: {body}");
    }
    // Someone outside the co-op may not record work or change its rule.
    let (status, _) = cy
        .post("/coops/bakery/income", work("cy", "2025-05", "8", None))
        .await;
    assert_eq!(status, 403);
    let (status, _) = cy
        .put(
            "/coops/bakery/remuneration",
            json!({ "rule": "hours", "rate": "1000" }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = Api::new(&node, None)
        .post("/coops/bakery/income", work("ben", "2025-08", "8", None))
        .await;
    assert_eq!(status, 401);

    // Paid by effort: 10 hours x 1.5 x 15 = 225.00; an effort rating must be given, 0.5 to 2.
    let (status, _) = ana
        .put(
            "/coops/bakery/remuneration",
            json!({ "rule": "effort", "rate": "15.00" }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = ana
        .post("/coops/bakery/income", work("ben", "2025-06", "10", None))
        .await;
    assert_eq!(status, 400, "{body}");
    for effort in ["2.5", "0.4", "x"] {
        let (status, body) = ana
            .post(
                "/coops/bakery/income",
                work("ben", "2025-06", "10", Some(effort)),
            )
            .await;
        assert_eq!(status, 400, "{effort}: {body}");
    }
    let (status, paid) = ana
        .post(
            "/coops/bakery/income",
            work("ben", "2025-06", "10", Some("1.5")),
        )
        .await;
    assert_eq!(status, 201, "{paid}");
    assert_eq!(paid["amount"], "225.00");
    let (status, paid) = ana
        .post(
            "/coops/bakery/income",
            work("ana", "2025-06", "8", Some("0.5")),
        )
        .await;
    assert_eq!(status, 201, "{paid}");
    assert_eq!(paid["amount"], "60.00");

    let (_, ledger) = ben.get("/credits").await;
    assert_eq!(ledger["balance"], "787.50");
    let entries = ledger["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{ledger}");
    assert!(entries.iter().all(|e| e["kind"] == "income"));
    assert!(
        entries[0]["other_party"]
            .as_str()
            .unwrap()
            .contains("bakery"),
        "{ledger}"
    );
    // What was paid is exactly what the co-op's issuance account gave out.
    let coop = node.coop("bakery").await;
    let issued = node
        .state()
        .db
        .credit_balance("issuance", coop.id.as_str())
        .await
        .unwrap();
    assert_eq!(issued, -(56250 + 22500 + 6000));
    assert_ledger_sound(&node).await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_beyond_the_balance_or_malformed_changes_nothing() {
    let node = coop_node("bakery", &["ana", "ben"], &["cy"]).await;
    let ana = Api::new(&node, Some(token(&node, "ana")));
    let ben = Api::new(&node, Some(token(&node, "ben")));
    let cy = Api::new(&node, Some(token(&node, "cy")));
    ana.put(
        "/coops/bakery/remuneration",
        json!({ "rule": "hours", "rate": "10" }),
    )
    .await;
    let (status, _) = ana
        .post(
            "/coops/bakery/income",
            json!({ "member": "ben", "period": "w1", "hours": "10" }),
        )
        .await;
    assert_eq!(status, 201);

    let (status, sent) = ben.send("cy", "30.25", "for the bread").await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["state"], "settled");
    let (status, sent) = ben.send("@bakery", "9.75", "").await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(ben.balance().await, 6000);

    let (status, body) = ben.send("cy", "60.01", "too much").await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"].as_str().unwrap().contains("insufficient"));
    for (to, amount) in [
        ("cy", "0"),
        ("cy", "-5"),
        ("cy", "1.234"),
        ("cy", "1e2"),
        ("cy", "lots"),
        ("nobody", "1"),
        ("ben", "1"),
        ("@cy@bad host", "1"),
    ] {
        let (status, body) = ben.send(to, amount, "").await;
        assert_eq!(status, 400, "{to} {amount}: {body}");
    }
    let (status, body) = ben.send("cy", "1", &"x".repeat(501)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(ben.balance().await, 6000);
    assert_eq!(cy.balance().await, 3025);

    // Each sees their own ledger and no one else's; strangers see nothing.
    let (_, ledger) = cy.get("/credits").await;
    let entries = ledger["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{ledger}");
    assert_eq!(entries[0]["amount"], "30.25");
    assert_eq!(entries[0]["memo"], "for the bread");
    assert!(entries[0]["other_party"].as_str().unwrap().contains("ben"));
    let (status, _) = Api::new(&node, None).get("/credits").await;
    assert_eq!(status, 401);
    let (status, _) = Api::new(&node, Some("not-a-token".into()))
        .get("/credits")
        .await;
    assert_eq!(status, 401);
    let (status, _) = cy.get("/coops/bakery/remuneration").await;
    assert_eq!(status, 403);
    let (status, _) = node.get("/credits").await;
    assert_eq!(status, 303, "the portal's ledger page needs a login");
    assert_ledger_sound(&node).await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transfers_never_overdraw_an_account() {
    let node = coop_node("bakery", &["ana", "ben"], &["cy", "di"]).await;
    let ana = Api::new(&node, Some(token(&node, "ana")));
    let ben = Api::new(&node, Some(token(&node, "ben")));
    ana.put(
        "/coops/bakery/remuneration",
        json!({ "rule": "hours", "rate": "10" }),
    )
    .await;
    let (status, _) = ana
        .post(
            "/coops/bakery/income",
            json!({ "member": "ben", "period": "w1", "hours": "10" }),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(ben.balance().await, 10_000);

    // 200 transfers of 0.70 at once from an account of 100.00: 142 fit, 58 must not.
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let db = node.state().db.clone();
        let watching = watching.clone();
        let ben_id = node.url("/members/ben");
        tokio::spawn(async move {
            let mut lowest = i64::MAX;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                lowest = lowest.min(db.credit_balance("member", &ben_id).await.unwrap());
            }
            lowest
        })
    };
    let mut racers = Vec::new();
    for n in 0..200 {
        let ben = ben.clone();
        let to = if n % 2 == 0 { "cy" } else { "di" };
        racers.push(tokio::spawn(async move {
            ben.send(to, "0.70", &format!("race {n}")).await
        }));
    }
    let mut ok = 0;
    for r in racers {
        let (status, body) = r.await.unwrap();
        match status {
            201 => ok += 1,
            409 => assert!(body["error"].as_str().unwrap().contains("insufficient")),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let lowest = watcher.await.unwrap();
    assert_eq!(ok, 142);
    assert!(lowest >= 0, "the balance went to {lowest}");
    assert_eq!(ben.balance().await, 10_000 - 142 * 70);
    let cy = Api::new(&node, Some(token(&node, "cy")));
    let di = Api::new(&node, Some(token(&node, "di")));
    assert_eq!(cy.balance().await + di.balance().await, 142 * 70);
    assert_ledger_sound(&node).await;
    node.shutdown().await;
}

/// Node A with a paid member ana; node B with a person bo.
async fn two_nodes() -> (TestNode, TestNode, Api, Api) {
    let a = coop_node("bakery", &["ana"], &[]).await;
    let b = spawn_node().await;
    b.create_user("bo", false).await;
    let ana = Api::new(&a, Some(token(&a, "ana")));
    let bo = Api::new(&b, Some(token(&b, "bo")));
    ana.put(
        "/coops/bakery/remuneration",
        json!({ "rule": "hours", "rate": "10" }),
    )
    .await;
    let (status, _) = ana
        .post(
            "/coops/bakery/income",
            json!({ "member": "ana", "period": "w1", "hours": "10" }),
        )
        .await;
    assert_eq!(status, 201);
    (a, b, ana, bo)
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

async fn entry_state(api: &Api, transfer: &str) -> Option<String> {
    let (_, ledger) = api.get("/credits").await;
    ledger["entries"]
        .as_array()?
        .iter()
        .find(|e| e["transfer"] == transfer)
        .map(|e| e["state"].as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_to_another_node_arrives_once_and_settles() {
    let (a, b, ana, bo) = two_nodes().await;
    let (status, sent) = ana
        .send(&b.handle("bo"), "12.50", "thanks for the seeds")
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["state"], "pending");
    let transfer = sent["id"].as_str().unwrap().to_string();
    assert_eq!(ana.balance().await, 10_000 - 1250);

    wait_until("bo is credited on B", || async {
        bo.balance().await == 1250
    })
    .await;
    wait_until("A has the transfer settled", || async {
        entry_state(&ana, &transfer).await.as_deref() == Some("settled")
    })
    .await;
    let (_, ledger) = bo.get("/credits").await;
    let entries = ledger["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{ledger}");
    assert_eq!(entries[0]["memo"], "thanks for the seeds");
    assert_eq!(entries[0]["kind"], "federated-in");
    assert!(entries[0]["other_party"].as_str().unwrap().contains("ana@"));

    // The same signed activity delivered again, and again under a new activity id: B has the
    // event already and applies neither.
    let sent_activity = a
        .state()
        .db
        .credit_activity(&transfer)
        .await
        .unwrap()
        .expect("the Create is in A's outbox");
    let activity: Value = serde_json::from_str(&sent_activity.body).unwrap();
    assert_eq!(activity["object"]["type"], "EconomicEvent");
    assert_eq!(activity["object"]["resourceQuantity"]["hasUnit"], "credit");
    assert_eq!(activity["to"], json!([b.url("/members/bo")]));
    let key = private_key(&a, "ana").await;
    let key_id = format!("{}#main-key", a.url("/members/ana"));
    assert_eq!(post_signed(&b, &key, &key_id, &activity).await, 202);
    let mut copy = activity.clone();
    copy["id"] = json!(a.url("/activities/a-copy"));
    assert_eq!(post_signed(&b, &key, &key_id, &copy).await, 202);
    assert_eq!(post_signed(&b, &key, &key_id, &copy).await, 202);
    assert_eq!(bo.balance().await, 1250);
    let (_, ledger) = bo.get("/credits").await;
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 1);

    // The transfer is private: nobody can fetch it by id.
    for id in [&sent_activity.id, &transfer] {
        let path = url::Url::parse(id).unwrap().path().to_string();
        let (status, _) = a.get_activity_json(&path).await;
        assert_eq!(status, 404, "{path}");
    }

    // Forged or malformed transfers change nothing on B.
    let event = |id: &str, provider: &str, amount: Value, unit: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": a.url(&format!("/activities/{id}")),
            "type": "Create",
            "actor": a.url("/members/ana"),
            "to": [b.url("/members/bo")],
            "object": {
                "type": "EconomicEvent", "id": a.url(&format!("/credits/transfers/{id}")),
                "action": "transfer", "provider": provider, "receiver": b.url("/members/bo"),
                "resourceQuantity": { "hasUnit": unit, "hasNumericalValue": amount }
            }
        })
    };
    let ana_id = a.url("/members/ana");
    for (id, provider, amount, unit, expected) in [
        ("f1", b.url("/members/bo"), json!("5"), "credit", 403),
        ("f2", ana_id.clone(), json!("1.234"), "credit", 400),
        ("f3", ana_id.clone(), json!("-5"), "credit", 400),
        ("f4", ana_id.clone(), json!("0"), "credit", 400),
        ("f5", ana_id.clone(), json!("99999999999"), "credit", 400),
        ("f6", ana_id.clone(), json!("5"), "EUR", 400),
        ("f7", ana_id.clone(), json!(true), "credit", 400),
    ] {
        let status = post_signed(&b, &key, &key_id, &event(id, &provider, amount, unit)).await;
        assert_eq!(status, expected, "{id}");
    }
    let mut elsewhere = event("f8", &ana_id, json!("5"), "credit");
    elsewhere["object"]["id"] = json!("https://elsewhere.example/credits/1");
    assert_eq!(post_signed(&b, &key, &key_id, &elsewhere).await, 400);
    assert_eq!(bo.balance().await, 1250);

    // A number as the amount is read as well.
    let as_number = event("n1", &ana_id, json!(2.5), "credit");
    assert_eq!(post_signed(&b, &key, &key_id, &as_number).await, 202);
    assert_eq!(bo.balance().await, 1500);

    assert_ledger_sound(&a).await;
    assert_ledger_sound(&b).await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_transfer_to_an_unknown_person_is_rejected_and_refunded_once() {
    let (a, b, ana, _bo) = two_nodes().await;
    // A once knew a person on B that B no longer has.
    let ghost = b.url("/members/ghost");
    a.state()
        .db
        .upsert_remote_actor(&RemoteActorRow {
            id: ghost.clone(),
            username: "ghost".into(),
            host: b.domain.clone(),
            actor_type: "Person".into(),
            name: "Ghost".into(),
            summary: String::new(),
            region: None,
            industry: None,
            coop_kind: None,
            icon_url: None,
            inbox: b.url("/inbox"),
            shared_inbox: None,
            outbox: None,
            public_key_id: format!("{ghost}#main-key"),
            public_key_pem: String::new(),
            fetched_at: coopnode::core::store::now_ms(),
        })
        .await
        .unwrap();
    let (status, sent) = ana.send(&b.handle("ghost"), "5.00", "boo").await;
    assert_eq!(status, 201, "{sent}");
    let transfer = sent["id"].as_str().unwrap().to_string();
    assert_eq!(ana.balance().await, 10_000 - 500);
    wait_until("A refunds the rejected transfer", || async {
        entry_state(&ana, &transfer).await.as_deref() == Some("refunded")
    })
    .await;
    assert_eq!(ana.balance().await, 10_000);

    // B's Reject delivered again: no second refund.
    let reject = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": b.url("/activities/reject-again"),
        "type": "Reject",
        "actor": b.url("/actor"),
        "to": [a.url("/members/ana")],
        "object": transfer,
    });
    let key = private_key(&b, "actor").await;
    let key_id = format!("{}#main-key", b.url("/actor"));
    assert_eq!(post_signed(&a, &key, &key_id, &reject).await, 202);
    assert_eq!(ana.balance().await, 10_000);
    let (_, ledger) = ana.get("/credits").await;
    let refunds = ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "refund")
        .count();
    assert_eq!(refunds, 1, "{ledger}");

    // An answer from a node that was not asked is refused.
    let c = spawn_node().await;
    c.create_user("mallory", false).await;
    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": c.url("/activities/forged"),
        "type": "Reject",
        "actor": c.url("/members/mallory"),
        "to": [a.url("/members/ana")],
        "object": transfer,
    });
    let key = private_key(&c, "mallory").await;
    let key_id = format!("{}#main-key", c.url("/members/mallory"));
    assert_eq!(post_signed(&a, &key, &key_id, &forged).await, 403);
    assert_eq!(ana.balance().await, 10_000);

    assert_ledger_sound(&a).await;
    assert_ledger_sound(&b).await;
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_are_paid_and_send_credits_in_the_portal() {
    let node = coop_node("bakery", &["ana"], &["ben"]).await;
    // ben joins the co-op from the command line.
    let out = std::process::Command::new(BIN)
        .args([
            "coop",
            "add-member",
            "--coop",
            "bakery",
            "--username",
            "ben",
        ])
        .arg("--data-dir")
        .arg(&node.dir)
        .output()
        .expect("run coopnode");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut ana = Visitor::new(&node);
    ana.log_in("ana").await;
    let (status, page) = ana.get("/credits").await;
    assert_eq!(status, 200);
    assert!(page.contains("No remuneration rule yet"), "{page}");
    let csrf = csrf_of(&page);
    let (status, page) = ana
        .post(
            "/credits/coops/bakery/rule",
            &[("csrf", &csrf), ("rule", "effort"), ("rate", "20")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("20.00 credits an hour"), "{page}");
    assert!(
        page.contains(r#"<option value="ben">"#),
        "members are listed: {page}"
    );
    let (status, page) = ana
        .post(
            "/credits/coops/bakery/work",
            &[
                ("csrf", &csrf),
                ("member", "ben"),
                ("period", "2025-05"),
                ("hours", "8"),
                ("effort", "1.25"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Paid 200.00 credits."), "{page}");

    let mut ben = Visitor::new(&node);
    ben.log_in("ben").await;
    let (_, page) = ben.get("/credits").await;
    assert!(page.contains("200.00 credits"), "{page}");
    let csrf = csrf_of(&page);
    let (status, page) = ben
        .post(
            "/credits/transfer",
            &[
                ("csrf", &csrf),
                ("to", "ana"),
                ("amount", "500"),
                ("memo", ""),
            ],
        )
        .await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("insufficient credits"), "{page}");
    let (status, _) = ben
        .post(
            "/credits/transfer",
            &[
                ("csrf", "forged"),
                ("to", "ana"),
                ("amount", "5"),
                ("memo", ""),
            ],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = ben
        .post(
            "/credits/transfer",
            &[
                ("csrf", &csrf),
                ("to", "ana"),
                ("amount", "50"),
                ("memo", "<b>lunch</b>"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = ana.get("/credits").await;
    assert!(page.contains("+50.00"), "{page}");
    assert!(
        page.contains("&lt;b&gt;lunch&lt;/b&gt;"),
        "memos are text: {page}"
    );
    assert_ledger_sound(&node).await;
    node.shutdown().await;
}
