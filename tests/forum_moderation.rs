//! Forum moderation across three nodes: a moderator on A pins, locks, bans, deals with reports
//! and lets only moderators start threads, and B and C see each action and hold to it; members follow threads and see what is
//! new; a domain A blocks loses its forum posts there and cannot post again.

mod support;

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::*;

async fn thread_on(api: &Api<'_>, forum: &str, thread: &str) -> Option<Value> {
    let (status, body) = api
        .get(&format!("/forums/threads?forum={}", enc(forum)))
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()?.iter().find(|t| t["id"] == thread).cloned()
}

async fn reply_on(api: &Api<'_>, thread: &str, reply: &str) -> Option<Value> {
    let (status, body) = api.get(&format!("/forums/thread?id={}", enc(thread))).await;
    if status != 200 {
        return None;
    }
    body["replies"]
        .as_array()?
        .iter()
        .find(|r| r["id"] == reply)
        .cloned()
}

async fn reply(api: &Api<'_>, parent: &str, text: &str) -> (u16, Value) {
    api.post("/forums/replies", json!({ "parent": parent, "text": text }))
        .await
}

async fn unread(api: &Api<'_>, thread: &str) -> Option<i64> {
    let (status, body) = api.get("/forums/following").await;
    assert_eq!(status, 200, "{body}");
    body.as_array()?
        .iter()
        .find(|t| t["thread"] == thread)
        .and_then(|t| t["unread"].as_i64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_moderator_on_a_pins_locks_bans_and_answers_reports_across_the_network() {
    let (a, b, c) = (spawn_node().await, spawn_node().await, spawn_node().await);
    let forum = a.create_coop("talk", CoopKind::Forum).await;
    let forum_id = forum.id.to_string();
    let mo = Api {
        node: &a,
        token: member_token(&a, "mo", &["talk"], &[]).await,
    };
    let bea = Api {
        node: &b,
        token: member_token(&b, "bea", &[], &[]).await,
    };
    let cy = Api {
        node: &c,
        token: member_token(&c, "cy", &[], &[]).await,
    };
    b.create_user("root", true).await;
    let b_admin = Api {
        node: &b,
        token: token(&b, "root"),
    };
    let handle = format!("@talk@{}", a.domain);
    for api in [&bea, &cy] {
        let (status, body) = api
            .post("/forums/follow", json!({ "handle": handle }))
            .await;
        assert_eq!(status, 202, "{body}");
    }
    wait_until("B's and C's follows are accepted", || async {
        a.followers_total("talk").await == 2
    })
    .await;
    wait_until("B lists A's forum as followed", || async {
        bea.get("/forums").await.1.as_array().is_some_and(|f| {
            f.iter()
                .any(|f| f["id"] == forum_id.as_str() && f["followed"] == true)
        })
    })
    .await;

    // Bea starts a thread from B; Cy answers from C. Bea follows her own thread and sees the
    // answer as new until she reads it.
    let (status, thread) = bea
        .post(
            "/forums/threads",
            json!({ "forum": forum_id, "title": "Pay ratios", "text": "Which ratio do you use?" }),
        )
        .await;
    assert_eq!(status, 201, "{thread}");
    let thread_id = thread["id"].as_str().unwrap().to_string();
    wait_until("the thread reaches C", || async {
        thread_on(&cy, &forum_id, &thread_id).await.is_some()
    })
    .await;
    let (status, answer) = reply(&cy, &thread_id, "We keep to 1:3.").await;
    assert_eq!(status, 201, "{answer}");
    let answer_id = answer["id"].as_str().unwrap().to_string();
    wait_until("Cy's answer reaches B and Bea sees it as new", || async {
        unread(&bea, &thread_id).await == Some(1)
    })
    .await;
    let (status, _) = bea
        .post("/forums/following", json!({ "thread": thread_id }))
        .await;
    assert_eq!(status, 204);
    assert_eq!(unread(&bea, &thread_id).await, Some(0), "read now");
    let (status, _) = cy
        .post(
            "/forums/following",
            json!({ "thread": "https://nowhere.example/t/1" }),
        )
        .await;
    assert_eq!(status, 404, "an unknown thread cannot be followed");

    // Only moderators moderate.
    let (status, _) = bea
        .post(
            "/forums/moderate",
            json!({ "post": thread_id, "action": "lock" }),
        )
        .await;
    assert_eq!(status, 403, "B's node does not moderate A's forum");
    a.create_user("ann", false).await;
    let ann = Api {
        node: &a,
        token: token(&a, "ann"),
    };
    let (status, _) = ann
        .post(
            "/forums/moderate",
            json!({ "post": thread_id, "action": "lock" }),
        )
        .await;
    assert_eq!(status, 403, "a member of A who is no moderator");

    // A pin and a lock on A reach B and C, which then refuse replies themselves.
    for action in ["pin", "lock"] {
        let (status, body) = mo
            .post(
                "/forums/moderate",
                json!({ "post": thread_id, "action": action, "reason": "settled" }),
            )
            .await;
        assert_eq!(status, 204, "{body}");
    }
    wait_until("B and C show the thread pinned and locked", || async {
        let mut all = true;
        for api in [&bea, &cy] {
            let t = thread_on(api, &forum_id, &thread_id)
                .await
                .unwrap_or_default();
            all &= t["pinned"] == true && t["locked"] == true;
        }
        all
    })
    .await;
    let (status, body) = reply(&bea, &thread_id, "One more thing").await;
    assert_eq!(status, 403, "B refuses a reply to a locked thread: {body}");
    let (status, _) = reply(&cy, &answer_id, "And another").await;
    assert_eq!(status, 403, "so does C");
    // The forum lists the pinned thread in its featured collection, and its Page says so.
    let (status, featured) = a.get_activity_json("/coops/talk/featured").await;
    assert_eq!(status, 200);
    assert_eq!(featured["orderedItems"], json!([thread_id]));
    let (_, doc) = a.get_activity_json("/coops/talk").await;
    assert_eq!(doc["featured"], a.url("/coops/talk/featured"));
    let (_, page) = b
        .get_activity_json(url::Url::parse(&thread_id).unwrap().path())
        .await;
    assert_eq!(page["type"], "Page");

    // Unlocking reaches C, which lets Cy answer again.
    let (status, _) = mo
        .post(
            "/forums/moderate",
            json!({ "post": thread_id, "action": "unlock" }),
        )
        .await;
    assert_eq!(status, 204);
    wait_until("C shows the thread unlocked", || async {
        thread_on(&cy, &forum_id, &thread_id)
            .await
            .unwrap_or_default()["locked"]
            == false
    })
    .await;
    let (status, second) = reply(&cy, &thread_id, "Buy <script>alert(1)</script> pills").await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["id"].as_str().unwrap().to_string();
    wait_until("Cy's second answer reaches A and B", || async {
        reply_on(&mo, &thread_id, &second_id).await.is_some()
            && reply_on(&bea, &thread_id, &second_id).await.is_some()
    })
    .await;

    // Bea reports it from B: A's moderators and B's administrators see the report; people who
    // moderate nothing see none.
    let (status, body) = bea
        .post(
            "/forums/reports",
            json!({ "post": second_id, "reason": "" }),
        )
        .await;
    assert_eq!(status, 400, "a report says what is wrong: {body}");
    let (status, _) = bea
        .post(
            "/forums/reports",
            json!({ "post": second_id, "reason": "Spam, <b>again</b>" }),
        )
        .await;
    assert_eq!(status, 201);
    wait_until("A's moderator sees the report", || async {
        mo.get("/forums/reports")
            .await
            .1
            .as_array()
            .is_some_and(|r| {
                r.iter().any(|r| {
                    r["post"] == second_id.as_str()
                        && r["reason"] == "Spam, again"
                        && r["reporter"] == b.url("/members/bea")
                })
            })
    })
    .await;
    let (_, on_b) = b_admin.get("/forums/reports").await;
    assert_eq!(on_b.as_array().map(Vec::len), Some(1), "{on_b}");
    let (_, for_bea) = bea.get("/forums/reports").await;
    assert_eq!(for_bea, json!([]), "Bea moderates nothing");
    let (_, for_ann) = ann.get("/forums/reports").await;
    assert_eq!(for_ann, json!([]));
    let report_id = mo.get("/forums/reports").await.1[0]["id"].as_i64().unwrap();
    let (status, _) = ann
        .post("/forums/reports/resolve", json!({ "id": report_id }))
        .await;
    assert_eq!(status, 404, "not Ann's to resolve");
    let (status, _) = mo
        .post("/forums/reports/resolve", json!({ "id": report_id }))
        .await;
    assert_eq!(status, 204);
    assert_eq!(mo.get("/forums/reports").await.1, json!([]), "none open");

    // A ban of Cy, with her posts removed, reaches B and C; C then refuses her itself, and A
    // refuses anything she sends.
    let (status, _) = mo
        .post(
            "/forums/bans",
            json!({ "forum": forum_id, "person": format!("@mo@{}", a.domain) }),
        )
        .await;
    assert_eq!(status, 400, "a moderator cannot be banned");
    let (status, _) = bea
        .post(
            "/forums/bans",
            json!({ "forum": forum_id, "person": format!("@cy@{}", c.domain) }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = mo
        .post(
            "/forums/bans",
            json!({ "forum": forum_id, "person": format!("@cy@{}", c.domain),
                    "reason": "Spam", "remove_posts": true }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    wait_until("Cy's posts are removed on A, B and C", || async {
        let mut all = true;
        for api in [&mo, &bea, &cy] {
            for id in [&answer_id, &second_id] {
                all &= reply_on(api, &thread_id, id).await.unwrap_or_default()["removed"] == true;
            }
        }
        all
    })
    .await;
    let cy_id = c.url("/members/cy");
    wait_until("C knows of the ban", || async {
        c.state().db.is_banned(&forum_id, &cy_id).await.unwrap()
    })
    .await;
    let (status, _) = reply(&cy, &thread_id, "Let me back in").await;
    assert_eq!(status, 403, "C refuses a banned member");
    let key = private_key(&c, "cy").await;
    let sneaked = format!("{}forum-posts/sneaked", c.base);
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/sneaked", c.base), "type": "Create", "actor": cy_id,
        "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"],
        "object": { "id": sneaked, "type": "Note", "attributedTo": cy_id, "audience": forum_id,
                    "inReplyTo": thread_id, "content": "<p>Sneaked in</p>",
                    "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"] }
    });
    let status = send_signed(&c, &key, &cy_id, &a.url("/inbox"), &create).await;
    assert_eq!(status, 403, "A refuses a banned person's post");
    let update = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/rewrite", c.base), "type": "Update", "actor": cy_id,
        "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"],
        "object": { "id": answer_id, "type": "Note", "attributedTo": cy_id, "audience": forum_id,
                    "inReplyTo": thread_id, "content": "<p>Rewritten</p>",
                    "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"] }
    });
    let status = send_signed(&c, &key, &cy_id, &a.url("/inbox"), &update).await;
    assert_eq!(status, 403, "nor may she rewrite her posts");
    assert!(a.state().db.forum_post(&sneaked).await.unwrap().is_none());
    let (_, bans) = mo
        .get(&format!("/forums/bans?forum={}", enc(&forum_id)))
        .await;
    assert_eq!(bans[0]["person"], cy_id.as_str());
    assert_eq!(bans[0]["reason"], "Spam");
    let (_, log) = mo
        .get(&format!("/forums/log?forum={}", enc(&forum_id)))
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    for wanted in ["pin", "lock", "unlock", "resolve report", "ban", "remove"] {
        assert!(actions.contains(&wanted), "{wanted} is logged: {actions:?}");
    }

    // Lifting the ban reaches C, which lets Cy write again.
    let (status, _) = mo
        .post(
            "/forums/bans/lift",
            json!({ "forum": forum_id, "person": cy_id }),
        )
        .await;
    assert_eq!(status, 204);
    wait_until("C knows the ban is lifted", || async {
        !c.state().db.is_banned(&forum_id, &cy_id).await.unwrap()
    })
    .await;
    let (status, body) = reply(&cy, &thread_id, "Sorry, everyone.").await;
    assert_eq!(status, 201, "{body}");

    // A reply "forwarded" by C in Bea's name is read from B, where it does not exist: refused,
    // nothing kept. (A real forwarded reply is in tests/peers.rs.)
    let forged = format!("{}forum-posts/forged-forward", b.base);
    let bea_id = b.url("/members/bea");
    let forwarded = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/forged-forward", b.base), "type": "Create", "actor": bea_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": { "id": forged, "type": "Note", "attributedTo": bea_id, "inReplyTo": thread_id,
                    "content": "<p>Words Bea never wrote</p>",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"] }
    });
    let status = send_signed(&c, &key, &cy_id, &a.url("/inbox"), &forwarded).await;
    assert_eq!(status, 401);
    assert!(a.state().db.forum_post(&forged).await.unwrap().is_none());

    // A direct message that mentions the forum stays private: it is no thread.
    let secret = format!("{}notes/direct", c.base);
    let direct = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/direct", c.base), "type": "Create", "actor": cy_id,
        "to": [forum_id],
        "object": { "id": secret, "type": "Note", "attributedTo": cy_id,
                    "content": "<p>@talk Just between us</p>", "to": [forum_id],
                    "tag": [{ "type": "Mention", "href": forum_id }] }
    });
    let status = send_signed(&c, &key, &cy_id, &a.url("/inbox"), &direct).await;
    assert_eq!(status, 202);
    assert!(a.state().db.forum_post(&secret).await.unwrap().is_none());

    // Only moderators start threads from now on: the forum's document says so, B and C learn it
    // from the forum's Update and refuse their members' threads, and A refuses anyone else's.
    let (status, _) = bea
        .post(
            "/forums/settings",
            json!({ "forum": forum_id, "moderators_only_threads": true }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = mo
        .post(
            "/forums/settings",
            json!({ "forum": forum_id, "moderators_only_threads": true }),
        )
        .await;
    assert_eq!(status, 204);
    let (_, doc) = a.get_activity_json("/coops/talk").await;
    assert_eq!(doc["postingRestrictedToMods"], true);
    wait_until("C knows only moderators start threads", || async {
        c.state().db.forum_moderators_only(&forum_id).await.unwrap()
    })
    .await;
    let new_thread = json!({ "forum": forum_id, "title": "Another", "text": "Hello" });
    let (status, _) = cy.post("/forums/threads", new_thread.clone()).await;
    assert_eq!(status, 403, "C refuses Cy's thread");
    let (status, _) = ann.post("/forums/threads", new_thread.clone()).await;
    assert_eq!(status, 403, "A refuses Ann's thread");
    let (status, _) = mo.post("/forums/threads", new_thread).await;
    assert_eq!(status, 201, "a moderator starts one");
    let page_id = format!("{}forum-posts/uninvited", c.base);
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}activities/uninvited", c.base), "type": "Create", "actor": cy_id,
        "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"],
        "object": { "id": page_id, "type": "Page", "attributedTo": cy_id, "audience": forum_id,
                    "name": "Uninvited", "content": "<p>Hi</p>",
                    "to": [forum_id, "https://www.w3.org/ns/activitystreams#Public"] }
    });
    let status = send_signed(&c, &key, &cy_id, &a.url("/inbox"), &create).await;
    assert_eq!(
        status, 403,
        "A refuses a thread from a peer that did not know"
    );
    assert!(a.state().db.forum_post(&page_id).await.unwrap().is_none());

    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_blocked_domains_forum_posts_vanish_and_new_ones_are_refused() {
    let (a, b) = (spawn_node().await, spawn_node().await);
    let forum = a.create_coop("talk", CoopKind::Forum).await;
    let forum_id = forum.id.to_string();
    let mo = Api {
        node: &a,
        token: member_token(&a, "mo", &["talk"], &[]).await,
    };
    let bo = Api {
        node: &b,
        token: member_token(&b, "bo", &[], &[]).await,
    };
    let (status, thread) = mo
        .post(
            "/forums/threads",
            json!({ "forum": forum_id, "title": "Rosters", "text": "How do you rotate tasks?" }),
        )
        .await;
    assert_eq!(status, 201, "{thread}");
    let thread_id = thread["id"].as_str().unwrap().to_string();
    let (status, _) = bo
        .post(
            "/forums/follow",
            json!({ "handle": format!("@talk@{}", a.domain) }),
        )
        .await;
    assert_eq!(status, 202);
    wait_until("B's follow is accepted", || async {
        a.followers_total("talk").await == 1
    })
    .await;
    // B's member cannot answer a thread B never received; start one and answer Mo's own.
    let (status, own) = bo
        .post(
            "/forums/threads",
            json!({ "forum": forum_id, "title": "Cheap pills", "text": "Buy now" }),
        )
        .await;
    assert_eq!(status, 201, "{own}");
    let own_id = own["id"].as_str().unwrap().to_string();
    wait_until("B's thread shows on A", || async {
        thread_on(&mo, &forum_id, &own_id).await.is_some()
    })
    .await;

    let out = std::process::Command::new(BIN)
        .args(["domain", "block", "--domain", &b.domain, "--data-dir"])
        .arg(&a.dir)
        .output()
        .expect("run coopnode");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        thread_on(&mo, &forum_id, &own_id).await.is_none(),
        "gone from A's forum"
    );
    assert!(
        thread_on(&mo, &forum_id, &thread_id).await.is_some(),
        "A's own stays"
    );

    let (status, body) = reply(&bo, &own_id, "Still selling").await;
    assert_eq!(status, 201, "B itself takes its member's post: {body}");
    let later = body["id"].as_str().unwrap().to_string();
    // A answers B's delivery with a refusal, which B takes as final.
    wait_until("B has sent everything it had", || async {
        b.state().db.queue_counts().await.unwrap().pending == 0
    })
    .await;
    assert!(a.state().db.forum_post(&later).await.unwrap().is_none());

    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_follows_threads_takes_reports_and_bans() {
    let a = spawn_node().await;
    let forum = a.create_coop("talk", CoopKind::Forum).await;
    let forum_id = forum.id.to_string();
    let forum_page = format!("/forums/view?forum={}", enc(&forum_id));
    member_token(&a, "mo", &["talk"], &[]).await;
    let ana_api = Api {
        node: &a,
        token: member_token(&a, "ana", &[], &[]).await,
    };
    let ben_api = Api {
        node: &a,
        token: member_token(&a, "ben", &[], &[]).await,
    };
    let (mut ana, mut ben, mut mo) = (Visitor::new(&a), Visitor::new(&a), Visitor::new(&a));
    ana.log_in("ana").await;
    ben.log_in("ben").await;
    mo.log_in("mo").await;

    // Ana's thread is followed by her; Ben's answer shows as new on her forums page until she
    // reads the thread; then she stops following it.
    let (_, thread) = ana_api
        .post(
            "/forums/threads",
            json!({ "forum": forum_id, "title": "Rotas", "text": "Who cleans?" }),
        )
        .await;
    let thread_id = thread["id"].as_str().unwrap().to_string();
    let thread_page = format!("/forums/thread?id={}", enc(&thread_id));
    let (status, answer) = ben_api
        .post(
            "/forums/replies",
            json!({ "parent": thread_id, "text": "Buy cheap watches" }),
        )
        .await;
    assert_eq!(status, 201);
    let answer_id = answer["id"].as_str().unwrap().to_string();
    let (_, list) = ana.get("/forums").await;
    assert!(
        list.contains("Threads you follow") && list.contains("1 new"),
        "{list}"
    );
    let (status, page) = ana.get(&thread_page).await;
    assert_eq!(status, 200);
    assert!(page.contains("Stop following this thread"));
    let (_, list) = ana.get("/forums").await;
    assert!(list.contains("Threads you follow") && !list.contains("1 new"));
    let csrf = csrf_of(&page);
    let (status, _) = ana
        .post(
            "/forums/follow-thread",
            &[("csrf", &csrf), ("thread", &thread_id), ("follow", "0")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, list) = ana.get("/forums").await;
    assert!(!list.contains("Threads you follow"));

    // A reply is previewed under the post it answers, and nothing is posted until Reply.
    let (_, page) = ana.get(&thread_page).await;
    let (status, preview) = ana
        .post(
            "/forums/replies",
            &[
                ("csrf", &csrf_of(&page)),
                ("parent", &answer_id),
                ("text", "Not **here**, please. <script>alert(2)</script>"),
                ("preview", "1"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(preview.contains("<strong>here</strong>"), "{preview}");
    assert!(
        preview.contains("Not **here**, please."),
        "the text is kept to edit"
    );
    assert!(!preview.contains("<script>alert(2)"));
    let (status, refused) = ana
        .post(
            "/forums/replies",
            &[
                ("csrf", &csrf_of(&page)),
                ("parent", &answer_id),
                ("text", "  "),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(refused.contains("role=\"alert\""), "{refused}");
    let replies = a.state().db.forum_replies(&thread_id).await.unwrap();
    assert_eq!(replies.len(), 1, "only Ben's answer");

    // Ana reports Ben's answer from the thread page; a form without its token is refused.
    let (_, page) = ana.get(&thread_page).await;
    assert!(page.contains("action=\"/forums/report\""));
    let (status, _) = ana
        .post(
            "/forums/report",
            &[("csrf", "forged"), ("post", &answer_id), ("reason", "Spam")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, done) = ana
        .post(
            "/forums/report",
            &[
                ("csrf", &csrf_of(&page)),
                ("post", &answer_id),
                ("reason", "Spam for watches"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(done.contains("Reported"));
    let (status, _) = ben.get("/forums/reports").await;
    assert_eq!(status, 200);
    assert!(!ben
        .get("/forums/reports")
        .await
        .1
        .contains("Spam for watches"));
    let (_, reports) = mo.get("/forums/reports").await;
    assert!(reports.contains("Spam for watches"), "{reports}");
    let (_, moderated) = mo.get(&forum_page).await;
    assert!(moderated.contains("Open reports") && moderated.contains("Spam for watches"));
    let report_id = a.state().db.reports(None, true).await.unwrap()[0]
        .id
        .to_string();
    let (status, _) = mo
        .post(
            "/forums/reports/resolve",
            &[("csrf", &csrf_of(&reports)), ("id", &report_id)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, reports) = mo.get("/forums/reports").await;
    assert!(reports.contains("Resolved") && reports.contains("resolved"));

    // Mo bans Ben from the thread page, removing his answer; Ben can no longer answer; Mo
    // lifts the ban from the forum page.
    let (_, page) = mo.get(&thread_page).await;
    assert!(page.contains("Ban the author"));
    let ben_id = a.url("/members/ben");
    let (status, _) = mo
        .post(
            "/forums/ban",
            &[
                ("csrf", &csrf_of(&page)),
                ("forum", &forum_id),
                ("person", &ben_id),
                ("reason", "Adverts"),
                ("remove_posts", "1"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, moderated) = mo.get(&forum_page).await;
    assert!(
        moderated.contains("Banned")
            && moderated.contains(&ben_id)
            && moderated.contains("Adverts")
    );
    let (_, page) = ana.get(&thread_page).await;
    assert!(!page.contains("Buy cheap watches"), "removed");
    let (_, ben_page) = ben.get(&thread_page).await;
    let (status, _) = ben
        .post(
            "/forums/replies",
            &[
                ("csrf", &csrf_of(&ben_page)),
                ("parent", &thread_id),
                ("text", "Again"),
            ],
        )
        .await;
    assert_eq!(status, 403, "a banned member cannot answer");
    let (status, _) = mo
        .post(
            "/forums/unban",
            &[
                ("csrf", &csrf_of(&moderated)),
                ("forum", &forum_id),
                ("person", &ben_id),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = ben
        .post(
            "/forums/replies",
            &[
                ("csrf", &csrf_of(&ben_page)),
                ("parent", &thread_id),
                ("text", "Sorry"),
            ],
        )
        .await;
    assert_eq!(status, 303, "the ban is lifted");

    // Mo lets only moderators start threads: Ana's forum page says so and has no form for it.
    let (_, moderated) = mo.get(&forum_page).await;
    assert!(moderated.contains("Who starts threads"));
    let (status, _) = mo
        .post(
            "/forums/settings",
            &[
                ("csrf", &csrf_of(&moderated)),
                ("forum", &forum_id),
                ("moderators_only", "1"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = ana.get(&forum_page).await;
    assert!(
        page.contains("Only the forum&#39;s moderators start threads")
            || page.contains("Only the forum's moderators start threads"),
        "{page}"
    );
    assert!(!page.contains("Start a thread"));
    let (_, page) = mo.get(&forum_page).await;
    assert!(page.contains("Start a thread"), "moderators still can");
    a.shutdown().await;
}
