//! An operator blocks a whole domain from the command line: what came from it vanishes from
//! the node's feed, catalogue and jobs board, and nothing new from it is accepted.

mod support;

use std::time::SystemTime;

use coopnode::features::coops::CoopKind;
use serde_json::json;
use support::*;

fn domain(node: &TestNode, args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .arg("domain")
        .args(args)
        .arg("--data-dir")
        .arg(&node.dir)
        .output()
        .expect("run coopnode")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_blocked_domain_vanishes_from_view_and_is_refused() {
    let (a, b) = (spawn_node().await, spawn_node().await);
    a.create_coop("council", CoopKind::ConsumerCouncil).await;
    b.create_coop("bakery", CoopKind::Workplace).await;
    b.create_user("bo", false).await;
    let bo_row = b.state().db.user_by_username("bo").await.unwrap().unwrap();
    let bakery = b.coop("bakery").await;
    b.state()
        .db
        .add_coop_admin(bakery.id.as_str(), bo_row.id)
        .await
        .unwrap();
    let bo = Api {
        node: &b,
        token: token(&b, "bo"),
    };
    a.create_user("ana", false).await;
    let ana = Api {
        node: &a,
        token: token(&a, "ana"),
    };

    a.follow("council", &b.handle("bakery")).await;
    b.post("bakery", "Fresh rye on Saturday").await;
    let (status, _) = bo
        .post(
            "/coops/bakery/items",
            json!({ "name": "Rye loaf", "unit": "loaf", "price": "3", "currency": "EUR",
                    "stock": "5", "product_type": "food/bread" }),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = bo
        .post(
            "/coops/bakery/jobs",
            json!({ "title": "Baker", "hours": "30 hours", "pay": "Equal pay" }),
        )
        .await;
    assert_eq!(status, 201);
    wait_until("A shows the bakery's post, item and job", || async {
        a.home_page().await.contains("Fresh rye on Saturday")
            && ana
                .get("/catalogue")
                .await
                .1
                .as_array()
                .is_some_and(|c| c.len() == 1)
            && ana
                .get("/jobs")
                .await
                .1
                .as_array()
                .is_some_and(|j| j.len() == 1)
    })
    .await;

    // Bad domains are refused by the command; a good one is blocked.
    let out = domain(&a, &["block", "--domain", "not a domain/"]);
    assert!(!out.status.success());
    let out = domain(&a, &["block", "--domain", &b.domain, "--reason", "spam"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = domain(&a, &["list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&b.domain));

    // Everything from B is gone from A's view.
    let home = a.home_page().await;
    assert!(!home.contains("Fresh rye on Saturday"), "the post is gone");
    // (A catalogue page the running node has cached lives two seconds at most.)
    wait_until("the item is gone", || async {
        ana.get("/catalogue").await.1 == json!([])
    })
    .await;
    assert_eq!(ana.get("/jobs").await.1, json!([]), "the job is gone");

    // Nothing new is accepted: a signed Create from B is refused and not stored.
    let key = private_key(&b, "bakery").await;
    let inbox = url::Url::parse(&a.url("/inbox")).unwrap();
    let note_id = format!("{}posts/after-the-block", b.base);
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/after-the-block", b.base),
        "type": "Create", "actor": bakery.id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": { "id": note_id, "type": "Note", "attributedTo": bakery.id,
                    "content": "<p>Still here</p>",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"] }
    });
    let body = serde_json::to_vec(&activity).unwrap();
    let headers = signed_post_headers(
        &key,
        &format!("{}#main-key", bakery.id),
        &inbox,
        &body,
        SystemTime::now(),
    );
    let status = b
        .http
        .post(inbox)
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 403);
    assert!(a.state().db.post(&note_id).await.unwrap().is_none());
    // Nor can anyone on A look B's co-ops up again.
    let (status, _) = ana
        .get(&format!("/lookup?handle={}", b.handle("bakery")))
        .await;
    assert!(status == 403 || status == 404, "{status}");

    // Unblocking accepts the domain again.
    let out = domain(&a, &["unblock", "--domain", &b.domain]);
    assert!(out.status.success());
    assert!(!a.state().db.is_domain_blocked(&b.domain).await.unwrap());

    a.shutdown().await;
    b.shutdown().await;
}
