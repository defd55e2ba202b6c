//! The JSON API: bearer tokens from the CLI, the same actions as the portal, and an OpenAPI
//! document that describes every route.

mod support;

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_coopnode");

/// A token made the way an operator makes one: `coopnode token create`.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_act_for_their_coops_only() {
    let a = spawn_node().await;
    let b = spawn_node().await;
    a.create_user("alice", false).await;
    a.create_user("bob", false).await;
    let bakery = a.create_coop("bakery", CoopKind::Workplace).await;
    let alice = a
        .state()
        .db
        .user_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    a.state()
        .db
        .add_coop_admin(bakery.id.as_str(), alice.id)
        .await
        .unwrap();
    b.create_coop("printshop", CoopKind::Workplace).await;
    b.post("printshop", "Calendars for next year").await;
    let alice_token = token(&a, "alice");
    let bob_token = token(&a, "bob");
    let api = |path: &str| a.url(&format!("/api/v1{path}"));

    let res = a.http.get(api("/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = a
        .http
        .get(api("/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let me: Value = a
        .http
        .get(api("/me"))
        .bearer_auth(&alice_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["coops"][0]["handle"], a.handle("bakery"));

    // Publish as the bakery; bob may not.
    let res = a
        .http
        .post(api("/coops/bakery/posts"))
        .bearer_auth(&bob_token)
        .json(&json!({ "text": "Not mine to say" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = a
        .http
        .post(api("/coops/bakery/posts"))
        .bearer_auth(&alice_token)
        .json(&json!({ "text": "Sourdough **classes** on Sunday" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let post_id = created["id"].as_str().unwrap().to_string();
    let res = a
        .http
        .post(api("/coops/bakery/posts"))
        .bearer_auth(&alice_token)
        .header("content-type", "application/json")
        .body("{\"text\": ")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "malformed JSON is a 4xx");

    // Follow a co-op on another node; its earlier post is backfilled.
    let res = a
        .http
        .post(api("/coops/bakery/following"))
        .bearer_auth(&alice_token)
        .json(&json!({ "target": b.handle("printshop") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    wait_until("the follow is accepted", || async {
        let follows: Value = a
            .http
            .get(api("/coops/bakery/following"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        follows[0]["state"] == "accepted"
    })
    .await;
    wait_until("the feed has both posts", || async {
        let feed: Value = a
            .http
            .get(api("/feed"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let text = feed.to_string();
        text.contains("Calendars for next year") && text.contains("Sourdough")
    })
    .await;

    let lookup: Value = a
        .http
        .get(api(&format!(
            "/lookup?handle={}",
            b.handle("printshop").replace('@', "%40")
        )))
        .bearer_auth(&alice_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(lookup["name"], "The printshop co-op");
    assert_eq!(lookup["local"], false);

    // Edit, then delete, through the API.
    let last = post_id.rsplit('/').next().unwrap();
    let res = a
        .http
        .put(api(&format!("/coops/bakery/posts/{last}")))
        .bearer_auth(&alice_token)
        .json(&json!({ "text": "Sourdough classes moved to Monday" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let feed: Value = a
        .http
        .get(api("/feed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(feed.to_string().contains("moved to Monday"));
    let res = a
        .http
        .delete(api(&format!("/coops/bakery/posts/{last}")))
        .bearer_auth(&alice_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let detail: Value = a
        .http
        .get(api("/coops/bakery"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["posts"].as_array().unwrap().len(), 0);
    let res = a.http.get(api("/coops/nobody")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let error: Value = res.json().await.unwrap();
    assert!(error["error"].is_string());
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_openapi_document_describes_every_route() {
    let a = spawn_node().await;
    let spec: Value = a
        .http
        .get(a.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    // Every feature's API module.
    let source = std::fs::read_dir(workspace().join("node/src/features"))
        .unwrap()
        .map(|e| e.unwrap().path().join("api.rs"))
        .filter(|p| p.exists())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    // Every route the API router declares is in the document, with its methods.
    let mut checked = 0;
    let routes: Vec<&str> = source
        .split("pub fn routes()")
        .skip(1)
        .map(|r| r.split("\n}").next().unwrap())
        .collect();
    for chunk in routes.iter().flat_map(|r| r.split(".route(").skip(1)) {
        let path = chunk.split('"').nth(1).unwrap();
        if !path.starts_with("/api/v1") {
            continue;
        }
        let entry = &spec["paths"][path];
        assert!(
            entry.is_object(),
            "{path} is missing from the OpenAPI document"
        );
        for method in ["get", "post", "put", "delete"] {
            // `get(`, `post(`, `axum::routing::put(`, `.delete(`: the method's router function.
            let called = chunk
                .match_indices(&format!("{method}("))
                .any(|(i, _)| i == 0 || !chunk.as_bytes()[i - 1].is_ascii_alphanumeric());
            if called {
                assert!(entry[method].is_object(), "{method} {path} is missing");
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "the routes were read ({checked} operations)");
    a.shutdown().await;
}
