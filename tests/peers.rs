//! A third-party ActivityPub implementation (the Python peer in tests/peers, built on bovine)
//! follows a co-op, receives its posts with signatures it verifies itself, and has its own
//! signed reply and Undo accepted.

mod support;

use std::time::{Duration, Instant};

use coopnode::coops::CoopKind;
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
    let item = coopnode::catalogue::create_item(
        a.state(),
        &bakery,
        &coopnode::catalogue::ItemFields {
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
