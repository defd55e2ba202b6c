//! Headless Chromium walks the portal like a person: logs in on node A, finds a co-op on node B,
//! follows it, and sees its post arrive in A's feed; and writes and answers in a forum.

mod support;

use coopnode::features::coops::CoopKind;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_follows_a_remote_coop_through_the_portal() {
    ensure_browser();
    let a = spawn_node().await;
    let b = spawn_node().await;
    a.create_user("alice", false).await;
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
    b.post("printshop", "The spring catalogue is printed").await;

    let dir = temp_dir("browser");
    let password = dir.join("password");
    std::fs::write(&password, PASSWORD).unwrap();
    let screenshot = workspace().join("target/browser-follow.png");
    let output = tokio::process::Command::new("node")
        .arg(workspace().join("tests/browser/follow.mjs"))
        .args(["--portal", a.url("").trim_end_matches('/')])
        .args(["--username", "alice", "--as", "bakery"])
        .arg("--password-file")
        .arg(&password)
        .args(["--target", &b.handle("printshop")])
        .args(["--expect-text", "The spring catalogue is printed"])
        .args(["--expect-name", "The printshop co-op"])
        .arg("--screenshot")
        .arg(&screenshot)
        .args(["--timeout", "60000"])
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser walk failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(result["ok"], true, "{result}");
    // The follow is real: B counts A's bakery among its followers.
    assert_eq!(b.followers_total("printshop").await, 1);
    a.shutdown().await;
    b.shutdown().await;
}

/// Headless Chromium, with page JavaScript off and a phone-sized window, starts a thread in a
/// forum with a preview and answers it, as the forum's moderator (so the moderation forms are
/// audited too); the thread and its answer are then in the forum.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_moderator_writes_and_answers_in_a_forum_through_the_portal() {
    ensure_browser();
    let a = spawn_node().await;
    let forum = a.create_coop("talk", CoopKind::Forum).await;
    member_token(&a, "mo", &["talk"], &[]).await;
    let dir = temp_dir("browser");
    let password = dir.join("password");
    std::fs::write(&password, PASSWORD).unwrap();
    let screenshot = workspace().join("target/browser-forum.png");
    let output = tokio::process::Command::new("node")
        .arg(workspace().join("tests/browser/forum.mjs"))
        .args(["--portal", a.url("").trim_end_matches('/')])
        .args(["--username", "mo", "--forum", &forum.name])
        .arg("--password-file")
        .arg(&password)
        .arg("--screenshot")
        .arg(&screenshot)
        .args(["--timeout", "60000"])
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser walk failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_str(stdout.trim().lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(result["ok"], true, "{result}");
    let thread = result["thread"].as_str().expect("the thread's id");
    let stored = a
        .state()
        .db
        .forum_post(thread)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.title.as_deref(), Some("Rotas that work"));
    assert_eq!(stored.forum_id, forum.id.as_str());
    let replies = a.state().db.forum_replies(thread).await.unwrap();
    assert_eq!(replies.len(), 1);
    assert!(replies[0].content_html.contains("<em>board</em>"));
    a.shutdown().await;
}
