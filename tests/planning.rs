//! Participatory planning across three nodes: a facilitation board on A runs a round with a
//! bakery and a consumer council on B and a mill and a council on C. Workplaces answer from
//! their planning profiles, councils from their members' own proposals, every iteration travels
//! between the nodes, and the round ends with a plan every node shows identically. What members
//! asked for stays with the member and the council.

mod support;

use std::time::SystemTime;

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::*;

async fn user(node: &TestNode, name: &str, admin_of: &[&str], member_of: &[&str]) -> String {
    member_token(node, name, admin_of, member_of).await
}

struct Network {
    a: TestNode,
    b: TestNode,
    c: TestNode,
    /// Tokens: fran runs the board on A; bo administers B's bakery and north council, nia is a
    /// member of north; cy administers C's mill and south council, sam and sol are members of
    /// south; zed is a user of B in none of it.
    tokens: std::collections::HashMap<&'static str, String>,
}

impl Network {
    fn api(&self, who: &'static str) -> Api<'_> {
        let node = match who {
            "fran" => &self.a,
            "bo" | "nia" | "zed" => &self.b,
            _ => &self.c,
        };
        Api {
            node,
            token: self.tokens[who].clone(),
        }
    }
}

async fn network() -> Network {
    let (a, b, c) = (spawn_node().await, spawn_node().await, spawn_node().await);
    a.create_coop("board", CoopKind::FacilitationBoard).await;
    b.create_coop("bakery", CoopKind::Workplace).await;
    b.create_coop("north", CoopKind::ConsumerCouncil).await;
    b.create_coop("pressgang", CoopKind::Workplace).await;
    c.create_coop("mill", CoopKind::Workplace).await;
    c.create_coop("south", CoopKind::ConsumerCouncil).await;
    let mut tokens = std::collections::HashMap::new();
    tokens.insert("fran", user(&a, "fran", &["board"], &[]).await);
    tokens.insert("bo", user(&b, "bo", &["bakery", "north"], &[]).await);
    tokens.insert("nia", user(&b, "nia", &[], &["north"]).await);
    tokens.insert("zed", user(&b, "zed", &[], &[]).await);
    tokens.insert("cy", user(&c, "cy", &["mill", "south"], &[]).await);
    tokens.insert("sam", user(&c, "sam", &[], &["south"]).await);
    tokens.insert("sol", user(&c, "sol", &[], &["south"]).await);
    Network { a, b, c, tokens }
}

async fn put(api: &Api<'_>, path: &str, body: Value) -> u16 {
    api.call(reqwest::Method::PUT, path, Some(body)).await.0
}

fn goods() -> Value {
    json!([
        { "name": "Bread", "unit": "kg", "kind": "final", "start_price": 1.0 },
        { "name": "Flour", "unit": "kg", "kind": "intermediate", "start_price": 1.0 },
        { "name": "Labour", "unit": "hour", "kind": "labour", "start_price": 1.0, "available": 2000.0 }
    ])
}

async fn open_round(net: &Network) -> String {
    let fran = net.api("fran");
    let (status, opened) = fran
        .post(
            "/plans",
            json!({
                "board": "board",
                "name": "Bread for 2027",
                "period": "2027",
                "goods": goods(),
                "participants": [
                    net.b.handle("bakery"), net.b.handle("north"),
                    net.c.handle("mill"), net.c.handle("south")
                ],
                "tolerance": 0.05
            }),
        )
        .await;
    assert_eq!(status, 201, "{opened}");
    opened["id"].as_str().unwrap().to_string()
}

async fn round_of(api: &Api<'_>, id: &str) -> (u16, Value) {
    api.get(&format!("/plans/round?id={}", urlencode(id))).await
}

fn urlencode(s: &str) -> String {
    enc(s)
}

/// The section of a round page that is the same on every node.
fn round_section(page: &str) -> String {
    let start = page.find("<section id=\"round\">").expect("round section");
    let end = page[start..].find("</section>").expect("section end");
    page[start..start + end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_round_across_three_nodes_ends_in_one_adopted_plan() {
    let net = network().await;
    let (bo, cy) = (net.api("bo"), net.api("cy"));
    let profile = |output: &str, quantity: f64, inputs: Value| json!({ "output": { "good": output, "quantity": quantity }, "inputs": inputs, "capacity": 3.0 });
    let bakery = profile(
        "bread",
        1000.0,
        json!([{ "good": "flour", "quantity": 700.0 }, { "good": "labour", "quantity": 1000.0 },
               { "good": "salt", "quantity": 5.0 }]),
    );
    assert_eq!(
        put(&bo, "/coops/bakery/planning-profile", bakery).await,
        204
    );
    let mill = profile(
        "Flour",
        800.0,
        json!([{ "good": "Labour", "quantity": 800.0 }]),
    );
    assert_eq!(put(&cy, "/coops/mill/planning-profile", mill).await, 204);
    assert_eq!(
        put(
            &bo,
            "/coops/north/planning-profile",
            json!({ "budget": 1500.0 })
        )
        .await,
        204
    );
    // A council's budget is for its administrators to set, not its members.
    assert_eq!(
        put(
            &net.api("nia"),
            "/coops/north/planning-profile",
            json!({ "budget": 9.0 })
        )
        .await,
        403
    );

    let id = open_round(&net).await;
    let fran = net.api("fran");

    // The round reaches B and C; the workplaces answer iteration 1 by themselves, the councils
    // wait for their members.
    for api in [&bo, &cy] {
        wait_until("the round reaches the participants' nodes", || async {
            round_of(api, &id).await.0 == 200
        })
        .await;
    }
    let (_, seen) = round_of(&net.api("nia"), &id).await;
    assert_eq!(seen["round"]["iteration"], 1);
    assert_eq!(seen["round"]["goods"][2]["available"], 2000.0);

    // Members propose what they would use at iteration 1's prices.
    let member = |who: &'static str, council: &'static str, bread: f64| {
        let api = net.api(who);
        let id = id.clone();
        async move {
            api.post(
                "/plans/member",
                json!({ "round": id, "council": council, "quantities": [bread, 0.0, 0.0] }),
            )
            .await
            .0
        }
    };
    assert_eq!(member("nia", "north", 600.0).await, 204);
    assert_eq!(member("sam", "south", 300.0).await, 204);
    assert_eq!(member("sol", "south", 200.0).await, 204);
    // Only members propose to a council; councils do not make bread.
    assert_eq!(member("zed", "north", 5.0).await, 404);
    assert_eq!(member("nia", "south", 5.0).await, 403);
    let (status, _) = net
        .api("nia")
        .post(
            "/plans/member",
            json!({ "round": id, "council": "north", "quantities": [-1.0, 0.0, 0.0] }),
        )
        .await;
    assert_eq!(status, 400, "a negative quantity is refused");

    // From here the round runs by itself, iteration after iteration across the three nodes.
    wait_until("the board adopts a plan", || async {
        round_of(&fran, &id).await.1["round"]["planStatus"] == "adopted"
    })
    .await;
    let (_, on_a) = round_of(&fran, &id).await;
    let round = &on_a["round"];
    let iterations = round["history"].as_array().unwrap();
    assert!(iterations.len() >= 2, "prices had to move: {round}");
    let last = iterations.last().unwrap();
    assert_eq!(last["feasible"], true);
    assert!(last["worstExcess"].as_f64().unwrap() <= 0.05);
    assert_eq!(round["adoptedIteration"], last["iteration"]);
    // Demand never beats supply in the adopted plan, and the prices that were used are those
    // the board published.
    for g in 0..3 {
        assert!(last["demand"][g].as_f64().unwrap() <= last["supply"][g].as_f64().unwrap() + 1e-6);
    }
    assert_eq!(last["prices"], round["prices"]);
    // Councils spend their budget (north) or what their members spent (south, 500 credits at
    // the prices they saw) at the adopted prices.
    let spent = |who: &str| -> f64 {
        let p = round["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["participant"].as_str().unwrap().ends_with(who))
            .unwrap();
        (0..3)
            .map(|g| p["consume"][g].as_f64().unwrap() * last["prices"][g].as_f64().unwrap())
            .sum()
    };
    assert!(
        (spent("/north") - 1500.0).abs() < 1e-6,
        "{}",
        spent("/north")
    );
    assert!(
        (spent("/south") - 500.0).abs() < 1e-6,
        "{}",
        spent("/south")
    );

    // Every node ends with the same round: the same document, the same page.
    for (api, node) in [(&bo, "B"), (&cy, "C")] {
        wait_until("the adopted plan reaches every node", || async {
            round_of(api, &id).await.1["round"]["planStatus"] == "adopted"
        })
        .await;
        let (_, copy) = round_of(api, &id).await;
        assert_eq!(
            copy["round"], on_a["round"],
            "node {node} shows another round"
        );
    }
    let mut pages = Vec::new();
    for (node, who) in [(&net.a, "fran"), (&net.b, "bo"), (&net.c, "cy")] {
        let mut visitor = Visitor::new(node);
        visitor.log_in(who).await;
        let (status, page) = visitor
            .get(&format!("/plans/view?id={}", urlencode(&id)))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("Adopted: the plan of iteration"));
        assert!(page.contains("<svg"), "the chart is drawn");
        pages.push(round_section(&page));
    }
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[1], pages[2]);

    // Members' own proposals: the member sees hers, the council's administrator all of its
    // members', nobody else any, and the board never receives them.
    let (_, as_nia) = round_of(&net.api("nia"), &id).await;
    let north = &as_nia["councils"][0];
    assert_eq!(north["member_proposals"].as_array().unwrap().len(), 1);
    assert_eq!(north["member_proposals"][0]["quantities"][0], 600.0);
    let (_, as_sam) = round_of(&net.api("sam"), &id).await;
    let south = &as_sam["councils"][0]["member_proposals"];
    assert_eq!(south.as_array().unwrap().len(), 1, "sam sees only his own");
    assert_eq!(south[0]["username"], "sam");
    let (_, as_cy) = round_of(&cy, &id).await;
    let councils = as_cy["councils"].as_array().unwrap();
    assert_eq!(councils.len(), 1, "cy administers south only");
    assert_eq!(councils[0]["member_proposals"].as_array().unwrap().len(), 2);
    let as_board = on_a.to_string();
    assert!(!as_board.contains("\"sam\"") && !as_board.contains("\"nia\""));
    assert!(on_a["councils"].as_array().unwrap().is_empty());

    // Strangers see no round: another user of B, no token, the web without a login, and
    // anyone fetching the round's id.
    assert_eq!(round_of(&net.api("zed"), &id).await.0, 404);
    let (status, listed) = net.api("zed").get("/plans").await;
    assert_eq!(status, 200);
    assert_eq!(listed, json!([]));
    let anonymous = Api {
        node: &net.b,
        token: "nonsense".into(),
    };
    assert_eq!(round_of(&anonymous, &id).await.0, 401);
    let mut stranger = Visitor::new(&net.b);
    stranger.log_in("zed").await;
    let (status, _) = stranger
        .get(&format!("/plans/view?id={}", urlencode(&id)))
        .await;
    assert_eq!(status, 404);
    let path = url::Url::parse(&id).unwrap().path().to_string();
    let (status, _) = net.a.get_activity_json(&path).await;
    assert_eq!(status, 404, "the round is not served by id");

    // Once adopted, the round takes no more answers.
    let (status, _) = bo
        .post(
            "/plans/answer",
            json!({ "round": id, "coop": "bakery", "produce": [1.0, 0.0, 0.0] }),
        )
        .await;
    assert_eq!(status, 409);

    for node in [net.a, net.b, net.c] {
        node.shutdown().await;
    }
}

/// Proposals from the network are checked: only participants answer, with goods of the round,
/// quantities that are numbers, and only workplaces produce. A refused proposal changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_and_malformed_proposals_are_refused_and_change_nothing() {
    let net = network().await;
    let id = open_round(&net).await;
    let bo = net.api("bo");
    wait_until("the round reaches B", || async {
        round_of(&bo, &id).await.0 == 200
    })
    .await;
    let (_, round) = round_of(&net.api("fran"), &id).await;
    let round = round["round"].clone();
    let good = |g: usize| round["goods"][g]["id"].as_str().unwrap().to_string();
    let inbox = url::Url::parse(&net.a.url("/inbox")).unwrap();
    let board = round_board(&round);
    let send = |sender: &'static str, publishes: Value, n: u32| {
        let (b, inbox, id, board) = (&net.b, inbox.clone(), id.clone(), board.clone());
        async move {
            let actor = b.coop(sender).await;
            let key = private_key(b, sender).await;
            let activity = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}activities/forged-{n}", b.base),
                "type": "Create",
                "actor": actor.id,
                "to": [board],
                "object": {
                    "id": format!("{}plan-proposals/forged-{n}", b.base),
                    "type": "Proposal",
                    "attributedTo": actor.id,
                    "plannedWithin": id,
                    "iteration": 1,
                    "publishes": publishes
                }
            });
            let body = serde_json::to_vec(&activity).unwrap();
            let headers = signed_post_headers(
                &key,
                &format!("{}#main-key", actor.id),
                &inbox,
                &body,
                SystemTime::now(),
            );
            b.http
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
    let intent = |action: &str, good: String, q: Value| {
        json!([{ "type": "Intent", "action": action, "resourceConformsTo": good,
                  "resourceQuantity": { "hasNumericalValue": q, "hasUnit": "kg" } }])
    };
    // Not a participant.
    assert_eq!(
        send("pressgang", intent("produce", good(0), json!(5.0)), 1).await,
        403
    );
    // A council producing; labour produced by a workplace; a good from elsewhere; a negative
    // quantity; an action that is not one.
    assert_eq!(
        send("north", intent("produce", good(0), json!(5.0)), 2).await,
        400
    );
    assert_eq!(
        send("bakery", intent("produce", good(2), json!(5.0)), 3).await,
        400
    );
    assert_eq!(
        send(
            "bakery",
            intent("produce", format!("{}#good-9", id), json!(5.0)),
            4
        )
        .await,
        400
    );
    assert_eq!(
        send("bakery", intent("consume", good(1), json!(-5.0)), 5).await,
        400
    );
    assert_eq!(
        send("bakery", intent("steal", good(1), json!(5.0)), 6).await,
        400
    );
    // None of it reached the board's view of the iteration.
    let received = net
        .a
        .state()
        .db
        .latest_plan_proposals(&id, 1)
        .await
        .unwrap();
    assert!(
        received.iter().all(|r| !r.proposal_id.contains("forged")),
        "{received:?}"
    );
    // A well-formed answer from a participant is taken.
    assert_eq!(
        send("bakery", intent("produce", good(0), json!(5.0)), 7).await,
        202
    );
    let received = net
        .a
        .state()
        .db
        .latest_plan_proposals(&id, 1)
        .await
        .unwrap();
    assert!(received.iter().any(|r| r.proposal_id.ends_with("forged-7")));

    // A board that is not one cannot open rounds; a round with a participant that is neither
    // a workplace nor a council is refused.
    let (status, _) = net
        .api("bo")
        .post(
            "/plans",
            json!({ "board": "bakery", "name": "x", "period": "x", "goods": goods(),
                    "participants": [net.b.handle("north")] }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, refused) = net
        .api("fran")
        .post(
            "/plans",
            json!({ "board": "board", "name": "x", "period": "x", "goods": goods(),
                    "participants": [net.a.handle("board")] }),
        )
        .await;
    assert_eq!(status, 400, "{refused}");

    // The facilitator can close the iteration without waiting, and stop the round; the stop
    // reaches the participants.
    let fran = net.api("fran");
    assert_eq!(
        fran.post("/plans/close", json!({ "round": id })).await.0,
        204
    );
    let (_, now) = round_of(&fran, &id).await;
    assert_eq!(now["round"]["iteration"], 2);
    assert_eq!(
        fran.post("/plans/stop", json!({ "round": id, "reason": "testing" }))
            .await
            .0,
        204
    );
    wait_until("the stop reaches B", || async {
        round_of(&bo, &id).await.1["round"]["planStatus"] == "stopped"
    })
    .await;
    // Only the board closes or stops its rounds.
    assert_eq!(bo.post("/plans/stop", json!({ "round": id })).await.0, 403);

    for node in [net.a, net.b, net.c] {
        node.shutdown().await;
    }
}

/// A round run entirely through the portal's forms: the board opens it, the bakery answers by
/// hand, a council member proposes, the facilitator closes an iteration early and stops the
/// round; each participant's node shows each step, strangers see nothing, forms need their CSRF
/// token.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_runs_a_round_by_hand() {
    let net = network().await;
    let mut fran = Visitor::new(&net.a);
    fran.log_in("fran").await;
    let (_, page) = fran.get("/plans").await;
    assert!(page.contains("Open a round for"), "{page}");
    let (status, page) = fran.get("/plans/new?board=board").await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&page);
    let participants = format!("{}\n{}\n", net.b.handle("bakery"), net.b.handle("north"));
    let (status, location) = fran
        .post(
            "/plans/new",
            &[
                ("csrf", &csrf),
                ("board", "board"),
                ("name", "Practice round"),
                ("period", "2027, spring"),
                (
                    "goods",
                    "Bread, kg, final, 2\nLabour, hour, labour, 1, 500\n",
                ),
                ("participants", &participants),
                ("rule", "multiplicative"),
                ("tolerance", "5"),
                ("max_iterations", "10"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{location}");
    let id = url::form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "id")
        .unwrap()
        .1
        .to_string();
    let page_of = |id: &str| format!("/plans/view?id={}", urlencode(id));
    let (_, page) = fran.get(&page_of(&id)).await;
    assert!(
        page.contains("Open: iteration 1 is taking proposals"),
        "{page}"
    );
    assert!(
        page.contains("0 of 2 participants have answered iteration 1"),
        "{page}"
    );

    // On B, the bakery answers by hand; its form is prefilled and needs the CSRF token.
    let mut bo = Visitor::new(&net.b);
    bo.log_in("bo").await;
    wait_until("the round reaches B", || async {
        net.api("bo")
            .get(&format!("/plans/round?id={}", urlencode(&id)))
            .await
            .0
            == 200
    })
    .await;
    let (_, page) = bo.get(&page_of(&id)).await;
    assert!(page.contains("Answer for The bakery co-op"), "{page}");
    let answer = |csrf: String| {
        vec![
            ("csrf".to_string(), csrf),
            ("round".to_string(), id.clone()),
            ("coop".to_string(), "bakery".to_string()),
            ("how".to_string(), "hand".to_string()),
            ("make0".to_string(), "100".to_string()),
            ("use1".to_string(), "50".to_string()),
        ]
    };
    let forged: Vec<(String, String)> = answer("not-the-token".into());
    let forged: Vec<(&str, &str)> = forged
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, _) = bo.post("/plans/answer", &forged).await;
    assert_eq!(status, 403, "a form without its CSRF token is refused");
    let real = answer(csrf_of(&page));
    let real: Vec<(&str, &str)> = real.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _) = bo.post("/plans/answer", &real).await;
    assert_eq!(status, 303);
    let (_, page) = bo.get(&page_of(&id)).await;
    assert!(page.contains("Answered by hand"), "{page}");

    // A member of the north council proposes; the council answers from it by itself.
    let mut nia = Visitor::new(&net.b);
    nia.log_in("nia").await;
    let (_, page) = nia.get(&page_of(&id)).await;
    assert!(
        page.contains("Your own proposal to The north co-op"),
        "{page}"
    );
    assert!(
        !page.contains("Answer for"),
        "a member does not act for the council"
    );
    let csrf = csrf_of(&page);
    let (status, _) = nia
        .post(
            "/plans/member",
            &[
                ("csrf", &csrf),
                ("round", &id),
                ("council", "north"),
                ("use0", "30"),
            ],
        )
        .await;
    assert_eq!(status, 303);

    // Both have answered: the board closes iteration 1 and publishes iteration 2 to B.
    wait_until("iteration 2 reaches B", || async {
        bo.peek(&page_of(&id)).await.contains("Open: iteration 2")
    })
    .await;
    let (_, page) = fran.get(&page_of(&id)).await;
    assert!(
        page.contains("Proposals of the last closed iteration"),
        "{page}"
    );
    assert!(
        page.contains("makes 100"),
        "the bakery's hand answer: {page}"
    );
    assert!(
        page.contains("uses 30"),
        "north's answer is its member's: {page}"
    );

    // The facilitator closes iteration 2 without waiting, then stops the round.
    let csrf = csrf_of(&page);
    let (status, _) = fran
        .post("/plans/close", &[("csrf", &csrf), ("round", &id)])
        .await;
    assert_eq!(status, 303);
    let (_, page) = fran.get(&page_of(&id)).await;
    assert!(page.contains("Open: iteration 3"), "{page}");
    let (status, _) = fran
        .post(
            "/plans/stop",
            &[
                ("csrf", &csrf),
                ("round", &id),
                ("reason", "practice is over"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    wait_until("the stop reaches B", || async {
        bo.peek(&page_of(&id))
            .await
            .contains("stopped by the facilitation board: practice is over")
    })
    .await;

    // A user of B in none of it finds nothing.
    let mut zed = Visitor::new(&net.b);
    zed.log_in("zed").await;
    let (status, _) = zed.get(&page_of(&id)).await;
    assert_eq!(status, 404);
    let (_, page) = zed.get("/plans").await;
    assert!(page.contains("No planning rounds yet"), "{page}");

    for node in [net.a, net.b, net.c] {
        node.shutdown().await;
    }
}

fn round_board(round: &Value) -> String {
    round["attributedTo"].as_str().unwrap().to_string()
}
