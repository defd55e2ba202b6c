//! Forums across nodes (FEP-1b12): a member of B starts a thread in a forum on A, a member of C
//! answers, A's moderator answers that; A, B and C show the same thread in the same order. A
//! lock on A refuses replies from the network; markup in titles and posts is sanitised; an
//! Announce whose post is not its author's is refused.

mod support;

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::*;

async fn user(node: &TestNode, name: &str, moderates: &[&str]) -> String {
    member_token(node, name, moderates, &[]).await
}

async fn threads(api: &Api<'_>, forum: &str) -> Vec<Value> {
    let (status, body) = api
        .get(&format!("/forums/threads?forum={}", enc(forum)))
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

async fn replies(api: &Api<'_>, thread: &str) -> Vec<String> {
    let (status, body) = api.get(&format!("/forums/thread?id={}", enc(thread))).await;
    if status != 200 {
        return Vec::new();
    }
    body["replies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thread_on_a_is_written_from_b_and_answered_from_c() {
    let (a, b, c) = (spawn_node().await, spawn_node().await, spawn_node().await);
    let forum = a.create_coop("talk", CoopKind::Forum).await;
    let forum_id = forum.id.to_string();
    let mo = Api {
        node: &a,
        token: user(&a, "mo", &["talk"]).await,
    };
    let bea = Api {
        node: &b,
        token: user(&b, "bea", &[]).await,
    };
    let cy = Api {
        node: &c,
        token: user(&c, "cy", &[]).await,
    };

    // The forum is a Group whose moderators are listed at attributedTo.
    let (status, doc) = a.get_activity_json("/coops/talk").await;
    assert_eq!(status, 200);
    assert_eq!(doc["type"], "Group");
    assert_eq!(doc["coopKind"], "forum");
    let moderators = doc["attributedTo"].as_str().unwrap().to_string();
    let (status, list) = a
        .get_activity_json(url::Url::parse(&moderators).unwrap().path())
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["orderedItems"], json!([a.url("/members/mo")]));

    // Members of B and C follow the forum.
    let handle = format!("@talk@{}", a.domain);
    let (status, followed) = bea
        .post("/forums/follow", json!({ "handle": handle }))
        .await;
    assert_eq!(status, 202, "{followed}");
    let on_b =
        coopnode::core::federation::stored_actor(b.state(), followed["id"].as_str().unwrap())
            .await
            .unwrap()
            .expect("the forum is known on B");
    let (status, _) = bea
        .post(
            "/forums/follow",
            json!({ "handle": format!("@bea@{}", b.domain) }),
        )
        .await;
    assert_eq!(status, 400, "a person is not a forum");
    let on_c = c.follow("cy", &handle).await;
    wait_until("B's and C's follows are accepted", || async {
        b.follow_state("bea", &on_b).await.as_deref() == Some("accepted")
            && c.follow_state("cy", &on_c).await.as_deref() == Some("accepted")
    })
    .await;
    let (_, listed) = bea.get("/forums").await;
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == forum_id.as_str() && f["local"] == false));

    // Bea, on B, starts a thread in A's forum.
    let (status, thread) = bea
        .post(
            "/forums/threads",
            json!({ "forum": forum_id, "title": "Pay <script>alert(1)</script> ratios",
                    "text": "How do you **decide** pay? <script>alert(2)</script>" }),
        )
        .await;
    assert_eq!(status, 201, "{thread}");
    let thread_id = thread["id"].as_str().unwrap().to_string();
    assert!(thread_id.starts_with(&b.url("/forum-posts/")));
    for node_api in [&mo, &cy] {
        wait_until("the thread reaches A and C", || async {
            threads(node_api, &forum_id)
                .await
                .iter()
                .any(|t| t["id"] == thread_id.as_str())
        })
        .await;
    }
    for api in [&mo, &bea, &cy] {
        let t = threads(api, &forum_id).await;
        let title = t[0]["title"].as_str().unwrap();
        assert!(!title.contains('<'), "{title}");
        assert!(title.starts_with("Pay"), "{title}");
        let html = t[0]["content_html"].as_str().unwrap();
        assert!(html.contains("<strong>decide</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    // Bea edits her thread: the Update goes to the forum, which announces it to C.
    let (status, edited) = bea
        .post(
            "/forums/posts/edit",
            json!({ "id": thread_id, "title": "Pay ratios", "text": "How do you *decide* pay?" }),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    for api in [&mo, &cy] {
        wait_until("the edit reaches A and C", || async {
            let t = threads(api, &forum_id).await;
            t[0]["title"] == "Pay ratios"
                && t[0]["content_html"]
                    .as_str()
                    .is_some_and(|h| h.contains("<em>decide</em>"))
        })
        .await;
    }
    let (status, _) = cy
        .post(
            "/forums/posts/edit",
            json!({ "id": thread_id, "text": "Not mine to edit." }),
        )
        .await;
    assert_eq!(status, 403);

    // Cy, on C, answers; then the moderator, on A, answers Cy.
    let (status, reply) = cy
        .post(
            "/forums/replies",
            json!({ "parent": thread_id, "text": "Equal pay." }),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let reply_id = reply["id"].as_str().unwrap().to_string();
    wait_until("Cy's reply reaches A", || async {
        replies(&mo, &thread_id).await.contains(&reply_id)
    })
    .await;
    let (status, answer) = mo
        .post(
            "/forums/replies",
            json!({ "parent": reply_id, "text": "By hours worked." }),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["parent"], reply_id.as_str());
    let answer_id = answer["id"].as_str().unwrap().to_string();
    let expected = vec![reply_id.clone(), answer_id.clone()];
    for api in [&mo, &bea, &cy] {
        wait_until("every node shows both replies", || async {
            replies(api, &thread_id).await == expected
        })
        .await;
    }

    // A lock on A refuses further replies: from A's members and from the network.
    let (status, _) = mo
        .post(
            "/forums/moderate",
            json!({ "post": thread_id, "action": "lock" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = mo
        .post(
            "/forums/replies",
            json!({ "parent": thread_id, "text": "Late." }),
        )
        .await;
    assert_eq!(status, 403);
    let bea_id = b.url("/members/bea");
    let late = b.url("/forum-posts/late-reply");
    let status = send_signed(
        &a,
        &private_key(&b, "bea").await,
        &bea_id,
        &a.url("/coops/talk/inbox"),
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": b.url("/activities/late-reply"), "type": "Create", "actor": bea_id,
            "object": { "id": late, "type": "Note", "attributedTo": bea_id,
                        "inReplyTo": thread_id, "audience": forum_id, "context": thread_id,
                        "content": "<p>Late.</p>",
                        "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"] }
        }),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(replies(&mo, &thread_id).await, expected);

    // Threads from the network are checked too: the post must be its sender's, and have a title.
    let key = private_key(&b, "bea").await;
    for (n, object) in [
        json!({ "id": "http://elsewhere.example/p/1", "type": "Page", "name": "Not hers",
                "attributedTo": bea_id, "audience": forum_id, "content": "<p>x</p>" }),
        json!({ "id": b.url("/forum-posts/untitled"), "type": "Page",
                "attributedTo": bea_id, "audience": forum_id, "content": "<p>x</p>" }),
        json!({ "id": b.url("/forum-posts/orphan"), "type": "Note", "inReplyTo": b.url("/nothing"),
                "attributedTo": bea_id, "audience": forum_id, "content": "<p>x</p>" }),
    ]
    .into_iter()
    .enumerate()
    {
        let status = send_signed(
            &a,
            &key,
            &bea_id,
            &a.url("/inbox"),
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": b.url(&format!("/activities/bad-{n}")), "type": "Create", "actor": bea_id,
                "object": object
            }),
        )
        .await;
        assert_eq!(status, 400, "case {n}");
    }
    assert_eq!(threads(&mo, &forum_id).await.len(), 1);
    let (_, log) = mo.get("/forums/log?forum=talk").await;
    assert_eq!(log[0]["action"], "lock");

    // A moderator removes Cy's reply: the forum's Delete reaches B and C, and the reply is
    // blanked everywhere; the answer to it stays.
    let (status, _) = mo
        .post(
            "/forums/moderate",
            json!({ "post": reply_id, "action": "remove" }),
        )
        .await;
    assert_eq!(status, 204);
    for api in [&bea, &cy] {
        wait_until("the removal reaches B and C", || async {
            let (_, t) = api
                .get(&format!("/forums/thread?id={}", enc(&thread_id)))
                .await;
            t["replies"][0]["removed"] == true && t["replies"][1]["removed"] == false
        })
        .await;
    }

    // A node that follows the forum later reads what it announced from its outbox.
    let d = spawn_node().await;
    let dee = Api {
        node: &d,
        token: user(&d, "dee", &[]).await,
    };
    d.follow("dee", &handle).await;
    wait_until("D backfills the thread and its replies", || async {
        replies(&dee, &thread_id).await.len() == 2
    })
    .await;

    // The forum announces a post that is not its author's: B refuses it and keeps nothing.
    let forged = "http://elsewhere.example/forum-posts/forged";
    let status = send_signed(
        &b,
        &private_key(&a, "talk").await,
        &forum_id,
        &b.url("/inbox"),
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": a.url("/activities/forged-announce"), "type": "Announce", "actor": forum_id,
            "object": {
                "id": a.url("/activities/forged-create"), "type": "Create",
                "actor": a.url("/members/mo"),
                "object": { "id": forged, "type": "Page", "name": "Forged",
                            "attributedTo": a.url("/members/mo"), "audience": forum_id,
                            "content": "<p>Not mine.</p>",
                            "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"] }
            },
            "to": ["https://www.w3.org/ns/activitystreams#Public"]
        }),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = bea.get(&format!("/forums/thread?id={}", enc(forged))).await;
    assert_eq!(status, 404);
    assert_eq!(threads(&bea, &forum_id).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_previews_posts_nests_replies_and_lets_authors_edit_and_delete() {
    let a = spawn_node().await;
    a.create_coop("talk", CoopKind::Forum).await;
    user(&a, "mo", &["talk"]).await;
    user(&a, "ana", &[]).await;
    let mut ana = Visitor::new(&a);
    ana.log_in("ana").await;
    let (status, list) = ana.get("/forums").await;
    assert_eq!(status, 200);
    assert!(list.contains("The talk co-op"), "{list}");
    let forum_id = a.url("/coops/talk");
    let (_, profile) = ana.get("/coops/talk").await;
    assert!(
        profile.contains("Read the forum&#39;s threads")
            || profile.contains("Read the forum's threads")
    );
    let (status, forum_page) = ana
        .get(&format!("/forums/view?forum={}", enc(&forum_id)))
        .await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&forum_page);

    // Preview renders the Markdown and keeps the form filled; nothing is posted.
    let text = "We pay **equally**. <script>alert(3)</script>";
    let (status, preview) = ana
        .post(
            "/forums/threads",
            &[
                ("csrf", &csrf),
                ("forum", &forum_id),
                ("title", "Equal <b>pay</b>"),
                ("text", text),
                ("preview", "1"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(preview.contains("<strong>equally</strong>"), "{preview}");
    assert!(!preview.contains("<script>alert"), "{preview}");
    assert!(preview.contains("We pay **equally**."), "{preview}");
    assert!(threads_of(&a, "talk").await.is_empty());

    let (status, location) = ana
        .post(
            "/forums/threads",
            &[
                ("csrf", &csrf),
                ("forum", &forum_id),
                ("title", "Equal <b>pay</b>"),
                ("text", text),
            ],
        )
        .await;
    assert_eq!(status, 303, "{location}");
    let (status, thread_page) = ana.get(&location).await;
    assert_eq!(status, 200);
    assert!(thread_page.contains("Equal pay"), "{thread_page}");
    assert!(!thread_page.contains("<script>alert"), "{thread_page}");
    let thread_id = threads_of(&a, "talk").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A reply, and a reply to it, nest under what they answer.
    let (status, _) = ana
        .post(
            "/forums/replies",
            &[("csrf", &csrf), ("parent", &thread_id), ("text", "First.")],
        )
        .await;
    assert_eq!(status, 303);
    let first = replies_of(&a, &thread_id).await[0].clone();
    let (status, _) = ana
        .post(
            "/forums/replies",
            &[("csrf", &csrf), ("parent", &first), ("text", "Nested.")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = ana.get(&location).await;
    assert!(
        page.contains("margin-left: 4em"),
        "the nested reply is indented"
    );

    // Authors edit and delete their own posts; nobody else may.
    let (status, _) = ana
        .post(
            "/forums/edit",
            &[("csrf", &csrf), ("id", &first), ("text", "First, edited.")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = ana.get(&location).await;
    assert!(page.contains("First, edited."));
    let mut mo = Visitor::new(&a);
    mo.log_in("mo").await;
    let (_, mo_page) = mo.get(&location).await;
    let (status, _) = mo
        .post(
            "/forums/delete",
            &[("csrf", &csrf_of(&mo_page)), ("id", &first)],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = ana
        .post("/forums/delete", &[("csrf", &csrf), ("id", &first)])
        .await;
    assert_eq!(status, 303);
    let (_, page) = ana.get(&location).await;
    assert!(!page.contains("First, edited."));
    assert!(page.contains("Nested."), "replies to a deleted post stay");

    // The moderator pins the thread; the log shows it to moderators only.
    let (status, _) = mo
        .post(
            "/forums/moderate",
            &[
                ("csrf", &csrf_of(&mo_page)),
                ("post", &thread_id),
                ("action", "pin"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, mo_forum) = mo.get("/forums/view?forum=talk").await;
    assert!(mo_forum.contains("Moderation log"));
    let (_, ana_forum) = ana.get("/forums/view?forum=talk").await;
    assert!(!ana_forum.contains("Moderation log"));
    let (status, _) = ana
        .post(
            "/forums/moderate",
            &[("csrf", &csrf), ("post", &thread_id), ("action", "lock")],
        )
        .await;
    assert_eq!(status, 403);
}

async fn threads_of(node: &TestNode, forum: &str) -> Vec<Value> {
    let (_, body) = node
        .get_activity_json(&format!("/api/v1/forums/threads?forum={forum}"))
        .await;
    body.as_array().cloned().unwrap_or_default()
}

async fn replies_of(node: &TestNode, thread: &str) -> Vec<String> {
    let (_, body) = node
        .get_activity_json(&format!("/api/v1/forums/thread?id={}", enc(thread)))
        .await;
    body["replies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn coopnode_init_opens_the_five_seed_forums() {
    let dir = temp_dir("init-forums");
    let out = std::process::Command::new(BIN)
        .args(["init", "--domain", "forums.example", "--data-dir"])
        .arg(&dir)
        .output()
        .expect("run coopnode");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let handles = rt.block_on(async {
        let federation = coopnode::app::open(&dir).await.unwrap();
        let coops = federation.db.local_coops().await.unwrap();
        coops
            .into_iter()
            .filter(|c| c.coop_kind.as_deref() == Some("forum"))
            .map(|c| c.username)
            .collect::<Vec<_>>()
    });
    for h in [
        "remuneration",
        "balancing-tasks",
        "decision-making",
        "participatory-planning",
        "setting-up-a-coop",
    ] {
        assert!(handles.iter().any(|x| x == h), "{h} in {handles:?}");
    }
}
