//! A third-party ActivityPub implementation (the Python peer in tests/peers, built on bovine)
//! follows a co-op, receives its posts with signatures it verifies itself, and has its own
//! signed reply and Undo accepted.

mod support;

use std::time::{Duration, Instant};

use coopnode::features::coops::CoopKind;
use support::*;

fn read_result(path: &std::path::Path) -> serde_json::Value {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_python_activitypub_peer_follows_receives_and_replies() {
    ensure_python_peer();
    let a = spawn_node().await;
    a.create_coop("bakery", CoopKind::Workplace).await;
    let out = temp_dir("peer").join("result.json");
    let port = free_port();
    let mut peer = std::process::Command::new("python3")
        .arg(workspace().join("tests/peers/python_peer.py"))
        .args(["--node", &a.url(""), "--coop", "bakery"])
        .args(["--listen-port", &port.to_string()])
        .arg("--out")
        .arg(&out)
        .args(["--timeout", "90"])
        .args(["--reply-to-containing", "Fresh"])
        .spawn()
        .expect("start the Python peer");

    wait_until("the peer's Follow is accepted", || async {
        read_result(&out)["accepted"] == true
    })
    .await;
    assert_eq!(read_result(&out)["follow_status"], 202);
    assert_eq!(a.followers_total("bakery").await, 1);

    // A catalogue item reaches the peer as a Note it can show, with price, stock, region, image
    // and a link back.
    let bakery = a.coop("bakery").await;
    let item = coopnode::features::market::create_item(
        a.state(),
        &bakery,
        &coopnode::features::market::ItemFields {
            name: "Seeded rye loaf".into(),
            description: "Baked with **local** rye.".into(),
            unit: "loaf".into(),
            price: "3.20".into(),
            currency: "EUR".into(),
            stock: "24".into(),
            product_type: "food/bread".into(),
            image_url: "https://images.example/rye.jpg".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
    )
    .await
    .unwrap();
    wait_until("the peer receives the item", || async {
        read_result(&out)["received"]
            .as_array()
            .is_some_and(|r| r.iter().any(|a| a["object_id"] == item.id.as_str()))
    })
    .await;

    let post = a.post("bakery", "Fresh **rye** from the co-op").await;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = peer.try_wait().expect("peer") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the peer did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let result = read_result(&out);
    assert!(status.success(), "the peer failed: {result}");

    // What the peer saw: our Create, signed in a way it could verify on its own.
    let create = result["received"]
        .as_array()
        .expect("received")
        .iter()
        .find(|r| r["type"] == "Create" && r["object_id"] == post.as_str())
        .cloned()
        .expect("the peer received the Create");
    assert_eq!(create["signature_ok"], true);
    assert_eq!(create["object_id"], post.as_str());
    assert!(create["content"]
        .as_str()
        .unwrap_or("")
        .contains("<strong>rye</strong>"));

    let item_post = result["received"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["object_id"] == item.id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        item_post["object_type"], "Note",
        "Mastodon shows Notes in full"
    );
    assert_eq!(item_post["signature_ok"], true);
    let content = item_post["content"].as_str().unwrap_or("");
    for shown in [
        "Seeded rye loaf",
        "3.20 EUR per loaf",
        "In stock: 24 loaf",
        "Region: Testshire",
        item.id.as_str(),
    ] {
        assert!(
            content.contains(shown),
            "the item post shows {shown:?}: {content}"
        );
    }

    // What we accepted from the peer: its reply shows under the post, its Undo ended the follow.
    assert_eq!(result["reply_status"], 202);
    assert_eq!(result["undo_status"], 202);
    let path = url::Url::parse(&post).unwrap().path().to_string();
    let (_, page) = a.get(&path).await;
    assert!(
        page.contains("Lovely bread!"),
        "the reply shows on the post's page"
    );
    assert_eq!(a.followers_total("bakery").await, 0);
    a.shutdown().await;
}

/// Starts the Python peer in `mode` and returns it with its result file.
fn start_peer(
    mode: &str,
    node: &TestNode,
    handle: &str,
    extra: &[&str],
) -> (std::process::Child, std::path::PathBuf, u16) {
    let out = temp_dir("peer").join("result.json");
    let port = free_port();
    let child = std::process::Command::new("python3")
        .arg(workspace().join("tests/peers/python_peer.py"))
        .args(["--mode", mode, "--node", &node.url(""), "--coop", handle])
        .args(["--listen-port", &port.to_string()])
        .arg("--out")
        .arg(&out)
        .args(["--timeout", "90", "--linger", "2"])
        .args(extra)
        .spawn()
        .expect("start the Python peer");
    (child, out, port)
}

/// Waits for the peer to exit and returns its result, which must be a success.
async fn finish(mut peer: std::process::Child, out: &std::path::Path) -> serde_json::Value {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = peer.try_wait().expect("peer") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(100),
            "the peer did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let result = read_result(out);
    assert!(status.success(), "the peer failed: {result}");
    result
}

async fn replies_on(api: &Api<'_>, thread: &str) -> Vec<serde_json::Value> {
    let (_, body) = api.get(&format!("/forums/thread?id={}", enc(thread))).await;
    body["replies"].as_array().cloned().unwrap_or_default()
}

/// The peer follows a forum on A, answers two threads the way Mastodon does (no `audience`, sent
/// to the thread author's node only: A for one, B for the other, which forwards it to the
/// forum), reports a thread and starts one by mentioning the forum. The answers and the new
/// thread land in the forum on A and, by the forum's Announce, on B; A's moderators see the
/// report.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_python_peer_follows_a_forum_answers_a_thread_as_mastodon_does_and_reports_it() {
    ensure_python_peer();
    let (a, b) = (spawn_node().await, spawn_node().await);
    let forum = a.create_coop("talk", CoopKind::Forum).await;
    let forum_id = forum.id.to_string();
    let mo = Api {
        node: &a,
        token: member_token(&a, "mo", &["talk"], &[]).await,
    };
    let ann = Api {
        node: &a,
        token: member_token(&a, "ann", &[], &[]).await,
    };
    let bea = Api {
        node: &b,
        token: member_token(&b, "bea", &[], &[]).await,
    };
    let (status, _) = bea
        .post(
            "/forums/follow",
            serde_json::json!({ "handle": format!("@talk@{}", a.domain) }),
        )
        .await;
    assert_eq!(status, 202);
    let (peer, out, _) = start_peer("forum", &a, "talk", &["--threads", "2"]);
    wait_until("B's and the peer's follows are accepted", || async {
        a.followers_total("talk").await == 2
    })
    .await;

    let (status, thread) = ann
        .post(
            "/forums/threads",
            serde_json::json!({ "forum": forum_id, "title": "Equal pay?",
                                "text": "Does anyone pay everyone the same?" }),
        )
        .await;
    assert_eq!(status, 201, "{thread}");
    let thread_id = thread["id"].as_str().unwrap().to_string();
    // A second thread, written on B: Mastodon sends its reply to B only, and B forwards it.
    let (status, other) = bea
        .post(
            "/forums/threads",
            serde_json::json!({ "forum": forum_id, "title": "Pay by hours?",
                                "text": "Does anyone pay by hours worked?" }),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let other_id = other["id"].as_str().unwrap().to_string();
    let result = finish(peer, &out).await;
    assert_eq!(
        result["thread_ids"],
        serde_json::json!([thread_id, other_id]),
        "the peer saw both threads"
    );
    assert_eq!(
        result["thread_id"],
        thread_id.as_str(),
        "the peer saw the thread"
    );
    assert!(result["received"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["type"] == "Announce"
            && r["actor"] == forum_id.as_str()
            && r["signature_ok"] == true));
    let reply_id = result["reply_id"].as_str().unwrap().to_string();

    let on_a = replies_on(&ann, &thread_id).await;
    let reply = on_a
        .iter()
        .find(|r| r["id"] == reply_id.as_str())
        .expect("the Mastodon-style answer is in the thread on A");
    assert_eq!(reply["parent"], thread_id.as_str());
    assert_eq!(reply["forum"], forum_id.as_str());
    assert!(reply["content_html"]
        .as_str()
        .unwrap()
        .contains("We pay everyone the same"));
    wait_until("the answer reaches B through the forum", || async {
        replies_on(&bea, &thread_id)
            .await
            .iter()
            .any(|r| r["id"] == reply_id.as_str())
    })
    .await;
    // The answer to B's thread went to B alone; B forwarded it, A took it from its origin and
    // announced it, so it is in the thread on both.
    let forwarded = result["reply_ids"][1].as_str().unwrap().to_string();
    for api in [&ann, &bea] {
        wait_until("the forwarded answer is in B's thread", || async {
            replies_on(api, &other_id)
                .await
                .iter()
                .any(|r| r["id"] == forwarded.as_str() && r["parent"] == other_id.as_str())
        })
        .await;
    }

    let (_, reports) = mo.get("/forums/reports").await;
    let report = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reporter"] == result["peer_actor"])
        .cloned()
        .expect("A's moderator sees the peer's report");
    assert_eq!(report["post"], thread_id.as_str());
    assert_eq!(report["reason"], "Looks like an advert");

    // The post that mentions the forum is a thread there, titled by its first words, and
    // reaches B through the forum.
    let started = result["started_thread_id"].as_str().unwrap().to_string();
    for api in [&ann, &bea] {
        wait_until("the peer's thread is in the forum", || async {
            let (_, threads) = api
                .get(&format!("/forums/threads?forum={}", enc(&forum_id)))
                .await;
            threads.as_array().is_some_and(|t| {
                t.iter().any(|t| {
                    t["id"] == started.as_str()
                        && t["title"] == "Rotating the dull jobs: how do your co-ops do it?"
                })
            })
        })
        .await;
    }
    a.shutdown().await;
    b.shutdown().await;
}

/// A member of A follows a Lemmy-style community hosted by the peer: its thread shows on A, and
/// the member's answer reaches the community with the community as its `audience`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_follows_a_lemmy_style_community_and_answers_its_thread() {
    ensure_python_peer();
    let a = spawn_node().await;
    let ann = Api {
        node: &a,
        token: member_token(&a, "ann", &[], &[]).await,
    };
    let (peer, out, port) = start_peer("community", &a, "-", &[]);
    let handle = format!("@tools@localhost:{port}");
    let followed = loop {
        // The peer may still be starting.
        let (status, body) = ann
            .post("/forums/follow", serde_json::json!({ "handle": handle }))
            .await;
        if status == 202 {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let group = followed["id"].as_str().unwrap().to_string();
    assert_eq!(group, format!("http://localhost:{port}/c/tools"));
    assert_eq!(followed["local"], false);
    wait_until("the community's thread shows on A", || async {
        let (_, threads) = ann
            .get(&format!("/forums/threads?forum={}", enc(&group)))
            .await;
        threads.as_array().is_some_and(|t| t.len() == 1)
    })
    .await;
    let (_, threads) = ann
        .get(&format!("/forums/threads?forum={}", enc(&group)))
        .await;
    let thread = &threads[0];
    assert_eq!(thread["title"], "Which lathe do you share?");
    assert_eq!(
        thread["author"],
        format!("http://localhost:{port}/users/alice")
    );
    let (_, forums) = ann.get("/forums").await;
    assert!(forums
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == group.as_str()));

    let (status, answer) = ann
        .post(
            "/forums/replies",
            serde_json::json!({ "parent": thread["id"], "text": "We share a **Myford**." }),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let result = finish(peer, &out).await;
    let got = &result["community_reply"];
    assert_eq!(got["id"], answer["id"]);
    assert_eq!(got["type"], "Note");
    assert_eq!(got["audience"], group.as_str());
    assert!(got["content"]
        .as_str()
        .unwrap()
        .contains("<strong>Myford</strong>"));
    // The community announced the answer back; A still holds it once.
    let replies = replies_on(&ann, thread["id"].as_str().unwrap()).await;
    assert_eq!(replies.len(), 1);
    a.shutdown().await;
}
