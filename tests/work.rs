//! Work across nodes: a job posted by a workplace on B appears on A's jobs board; a member of A
//! applies; B moves the application through its states and A's member sees each one; nobody
//! else can read any of it. Membership applications to a council, closing and filling posts,
//! and refusals of bad input.

mod support;

use std::time::SystemTime;

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::*;

async fn user(node: &TestNode, name: &str, admin_of: &[&str]) -> String {
    member_token(node, name, admin_of, &[]).await
}

fn baker() -> Value {
    json!({
        "title": "Night baker",
        "description": "Sourdough and rye, **four nights** a week. <script>alert(1)</script>",
        "hours": "28 hours a week, nights",
        "pay": "Equal hourly pay for all members, by hours worked",
        "region": "Riverside",
        "skills": "Baking, Sourdough",
        "closes_on": "2099-12-31"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_on_b_is_applied_for_from_a_and_moved_through_its_states() {
    let (a, b, c) = (spawn_node().await, spawn_node().await, spawn_node().await);
    b.create_coop("bakery", CoopKind::Workplace).await;
    b.create_coop("north", CoopKind::ConsumerCouncil).await;
    a.create_coop("council", CoopKind::ConsumerCouncil).await;
    c.create_coop("snoop", CoopKind::Workplace).await;
    let bo = Api {
        node: &b,
        token: user(&b, "bo", &["bakery", "north"]).await,
    };
    let ana = Api {
        node: &a,
        token: user(&a, "ana", &[]).await,
    };
    let zed = Api {
        node: &a,
        token: user(&a, "zed", &[]).await,
    };
    let bea = Api {
        node: &b,
        token: user(&b, "bea", &[]).await,
    };

    // A's council follows the bakery; its job post reaches A's board.
    a.follow("council", &b.handle("bakery")).await;
    let (status, job) = bo.post("/coops/bakery/jobs", baker()).await;
    assert_eq!(status, 201, "{job}");
    let job_id = job["id"].as_str().unwrap().to_string();
    assert!(!job["description_html"]
        .as_str()
        .unwrap()
        .contains("<script"));
    wait_until("the job reaches A's board", || async {
        let (_, board) = ana.get("/jobs?region=riverside&skill=sourdough").await;
        board
            .as_array()
            .is_some_and(|b| b.iter().any(|j| j["id"] == job_id.as_str()))
    })
    .await;
    let (_, found) = ana.get("/jobs?q=rye").await;
    assert_eq!(
        found.as_array().unwrap().len(),
        1,
        "found by its description"
    );
    let (_, none) = ana.get("/jobs?skill=welding").await;
    assert_eq!(none, json!([]));
    let (_, by_industry) = ana.get("/jobs?industry=testing").await;
    assert_eq!(
        by_industry.as_array().unwrap().len(),
        1,
        "the workplace's industry"
    );

    // As peers and Mastodon read it: a Note with the terms in its content, and JobPosting terms.
    let path = url::Url::parse(&job_id).unwrap().path().to_string();
    let (status, note) = b.get_activity_json(&path).await;
    assert_eq!(status, 200);
    assert_eq!(note["type"], "Note");
    assert_eq!(note["employmentType"], "28 hours a week, nights");
    assert_eq!(note["validThrough"], "2099-12-31");
    let content = note["content"].as_str().unwrap();
    for part in [
        "Night baker",
        "28 hours a week",
        "Equal hourly pay",
        "Riverside",
        "sourdough",
    ] {
        assert!(content.contains(part), "{part} missing from {content}");
    }

    // Ana applies from A; B's bakery finds it received; A shows it to Ana.
    let (status, applied) = ana
        .post(
            "/applications",
            json!({ "job": job_id, "letter": "I have baked **rye** for ten years." }),
        )
        .await;
    assert_eq!(status, 201, "{applied}");
    let app_id = applied["id"].as_str().unwrap().to_string();
    wait_until("the application reaches the bakery", || async {
        let (_, apps) = bo.get("/coops/bakery/applications").await;
        apps.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    let (_, apps) = bo.get("/coops/bakery/applications").await;
    assert_eq!(apps[0]["id"], app_id.as_str());
    assert_eq!(apps[0]["state"], "received");
    assert_eq!(apps[0]["job"], job_id.as_str());
    assert!(apps[0]["letter_html"]
        .as_str()
        .unwrap()
        .contains("<strong>rye</strong>"));
    assert_eq!(apps[0]["profile"]["username"], "ana");

    // B moves it; A's member sees every state, with its note.
    for (state, note) in [
        ("interview", "Come on Tuesday at 10."),
        ("offered", "We would like you to join."),
        ("accepted", ""),
    ] {
        let (status, body) = bo
            .post(
                "/coops/bakery/applications/state",
                json!({ "id": app_id, "state": state, "note": note }),
            )
            .await;
        assert_eq!(status, 204, "{state}: {body}");
        wait_until("A sees the new state", || async {
            let (_, mine) = ana.get("/applications").await;
            mine[0]["state"] == state
        })
        .await;
    }
    let (_, mine) = ana.get("/applications").await;
    let events: Vec<&str> = mine[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["received", "interview", "offered", "accepted"]);
    assert_eq!(mine[0]["events"][1]["note"], "Come on Tuesday at 10.");
    // An accepted application does not go back.
    let (status, _) = bo
        .post(
            "/coops/bakery/applications/state",
            json!({ "id": app_id, "state": "declined" }),
        )
        .await;
    assert_eq!(status, 409);

    // Nobody else reads it: another member of A, a member of B who does not act for the
    // bakery, another node fetching its id signed or not, the web.
    let (_, theirs) = zed.get("/applications").await;
    assert_eq!(theirs, json!([]));
    let (status, _) = bea.get("/coops/bakery/applications").await;
    assert_eq!(status, 403);
    for node in [&a, &b] {
        let path = url::Url::parse(&app_id).unwrap().path().to_string();
        let (status, _) = node.get_activity_json(&path).await;
        assert_eq!(status, 404, "applications are not served by id");
        let (status, _) = node.get(&path).await;
        assert_eq!(status, 404);
    }
    let app_path = url::Url::parse(&app_id).unwrap().path().to_string();
    let key = private_key(&c, "snoop").await;
    let snoop = c.coop("snoop").await;
    let signed = signed_get(
        &c,
        &key,
        &format!("{}#main-key", snoop.id),
        &a.url(&app_path),
    )
    .await;
    assert_eq!(signed, 404, "nor to another node's signed fetch");

    // Filling the post updates it everywhere: it leaves A's board of open posts.
    let (status, _) = bo
        .post(
            "/coops/bakery/jobs/change",
            json!({ "id": job_id, "state": "filled" }),
        )
        .await;
    assert_eq!(status, 200);
    wait_until("A learns the post is filled", || async {
        let (_, job) = ana.get(&format!("/jobs/post?id={}", enc(&job_id))).await;
        job["state"] == "filled"
    })
    .await;
    let (_, board) = ana.get("/jobs").await;
    assert_eq!(board, json!([]));
    let (_, all) = ana.get("/jobs?all=true").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    // A filled post takes no more applications.
    let (status, _) = ana
        .post(
            "/applications",
            json!({ "job": job_id, "letter": "Me too" }),
        )
        .await;
    assert_eq!(status, 409);

    // Membership of a council on B.
    let (status, applied) = ana
        .post(
            "/applications",
            json!({ "council": b.handle("north"), "letter": "I live in the north." }),
        )
        .await;
    assert_eq!(status, 201, "{applied}");
    wait_until("the council receives it", || async {
        let (_, apps) = bo.get("/coops/north/applications").await;
        apps.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    let (_, apps) = bo.get("/coops/north/applications").await;
    assert_eq!(apps[0]["kind"], "membership");
    // A workplace is not applied to for membership.
    let (status, _) = ana
        .post(
            "/applications",
            json!({ "council": b.handle("bakery"), "letter": "x" }),
        )
        .await;
    assert_eq!(status, 400);

    // Removing the post removes it from A's board.
    let (status, _) = bo
        .post("/coops/bakery/jobs/delete", json!({ "id": job_id }))
        .await;
    assert_eq!(status, 204);
    wait_until("the post leaves A", || async {
        ana.get(&format!("/jobs/post?id={}", enc(&job_id))).await.0 == 404
    })
    .await;

    for node in [a, b, c] {
        node.shutdown().await;
    }
}

/// A signed GET, as another node's fetch would be; returns the status.
async fn signed_get(node: &TestNode, key_pem: &str, key_id: &str, url: &str) -> u16 {
    let url = url::Url::parse(url).unwrap();
    let headers = signed_get_headers(key_pem, key_id, &url, SystemTime::now());
    node.http
        .get(url)
        .headers(headers)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_job_posts_and_forged_applications_are_refused() {
    let (a, b) = (spawn_node().await, spawn_node().await);
    b.create_coop("bakery", CoopKind::Workplace).await;
    b.create_coop("north", CoopKind::ConsumerCouncil).await;
    a.create_coop("council", CoopKind::ConsumerCouncil).await;
    let bo = Api {
        node: &b,
        token: user(&b, "bo", &["bakery", "north"]).await,
    };
    // Bad job posts: no title, a date that is not one, a council posting jobs.
    let mut no_title = baker();
    no_title["title"] = json!(" ");
    assert_eq!(bo.post("/coops/bakery/jobs", no_title).await.0, 400);
    let mut bad_date = baker();
    bad_date["closes_on"] = json!("next week");
    assert_eq!(bo.post("/coops/bakery/jobs", bad_date).await.0, 400);
    assert_eq!(bo.post("/coops/north/jobs", baker()).await.0, 400);
    let (_, jobs) = bo.get("/coops/bakery/jobs").await;
    assert_eq!(jobs, json!([]), "nothing was stored");

    let (_, job) = bo.post("/coops/bakery/jobs", baker()).await;
    let job_id = job["id"].as_str().unwrap().to_string();
    a.follow("council", &b.handle("bakery")).await;

    // Forged applications to B: signed by A's council but claiming another applicant, public,
    // naming a job of another co-op, with a state already.
    let council = a.coop("council").await;
    let key = private_key(&a, "council").await;
    let inbox = url::Url::parse(&b.url("/inbox")).unwrap();
    let send = |n: u32, object: Value| {
        let (key, inbox, actor, http) = (
            key.clone(),
            inbox.clone(),
            council.id.clone(),
            a.http.clone(),
        );
        async move {
            let activity = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{actor}/activities/forged-{n}"),
                "type": "Create", "actor": actor, "object": object
            });
            let body = serde_json::to_vec(&activity).unwrap();
            let headers = signed_post_headers(
                &key,
                &format!("{actor}#main-key"),
                &inbox,
                &body,
                SystemTime::now(),
            );
            http.post(inbox)
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let bakery = b.coop("bakery").await;
    let application = |n: u32, attributed: &str| {
        json!({
            "id": format!("{}/applications/forged-{n}", council.id),
            "type": "Application", "attributedTo": attributed,
            "applicationKind": "job", "target": bakery.id, "inReplyTo": job_id,
            "content": "<p>Hello</p>", "to": [bakery.id]
        })
    };
    assert_eq!(
        send(1, application(1, "https://elsewhere.example/members/eve")).await,
        400
    );
    let mut public = application(2, council.id.as_str());
    public["to"] = json!(["https://www.w3.org/ns/activitystreams#Public"]);
    assert_eq!(send(2, public).await, 400);
    let mut wrong_job = application(3, council.id.as_str());
    wrong_job["inReplyTo"] = json!(format!("{}jobs/nope", b.base));
    assert_eq!(send(3, wrong_job).await, 400);
    let mut with_state = application(4, council.id.as_str());
    with_state["applicationState"] = json!("accepted");
    assert_eq!(send(4, with_state).await, 400);
    let (_, apps) = bo.get("/coops/bakery/applications").await;
    assert_eq!(apps, json!([]), "none was recorded");
    // A well-formed one is.
    assert_eq!(send(5, application(5, council.id.as_str())).await, 202);
    let (_, apps) = bo.get("/coops/bakery/applications").await;
    assert_eq!(apps.as_array().unwrap().len(), 1);

    // A person of B whom B's council accepts becomes its member.
    let lia = Api {
        node: &b,
        token: user(&b, "lia", &[]).await,
    };
    let (status, applied) = lia
        .post(
            "/applications",
            json!({ "council": b.handle("north"), "letter": "Hello" }),
        )
        .await;
    assert_eq!(status, 201, "{applied}");
    let id = applied["id"].as_str().unwrap();
    for state in ["offered", "accepted"] {
        let (status, _) = bo
            .post(
                "/coops/north/applications/state",
                json!({ "id": id, "state": state }),
            )
            .await;
        assert_eq!(status, 204);
    }
    let (_, mine) = lia.get("/applications").await;
    assert_eq!(mine[0]["state"], "accepted");
    let lia_row = b.state().db.user_by_username("lia").await.unwrap().unwrap();
    let north = b.coop("north").await;
    let belongs = b.state().db.coops_belonged_to(lia_row.id).await.unwrap();
    assert!(belongs.contains(&north.id.to_string()), "{belongs:?}");

    a.shutdown().await;
    b.shutdown().await;
}

/// The same through the portal's forms: a workplace posts a job, a member of another node finds
/// it on the board and applies, the workplace moves the application, the member sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_posts_finds_applies_and_answers() {
    let (a, b) = (spawn_node().await, spawn_node().await);
    b.create_coop("bakery", CoopKind::Workplace).await;
    a.create_coop("council", CoopKind::ConsumerCouncil).await;
    user(&b, "bo", &["bakery"]).await;
    user(&a, "ana", &[]).await;
    user(&a, "zed", &[]).await;
    a.follow("council", &b.handle("bakery")).await;

    let mut bo = Visitor::new(&b);
    bo.log_in("bo").await;
    let (_, page) = bo.get("/admin/bakery/jobs").await;
    let csrf = csrf_of(&page);
    let (status, _) = bo
        .post(
            "/admin/bakery/jobs",
            &[
                ("csrf", &csrf),
                ("title", "Delivery rider"),
                ("description", "Cargo bike rounds."),
                ("hours", "20 hours a week"),
                ("pay", "Equal pay"),
                ("region", "Riverside"),
                ("skills", "cycling"),
                ("closes_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 303);

    let mut ana = Visitor::new(&a);
    ana.log_in("ana").await;
    wait_until("the job reaches A's board", || async {
        ana.peek("/jobs?skill=cycling")
            .await
            .contains("Delivery rider")
    })
    .await;
    let board = ana.peek("/jobs?skill=cycling").await;
    let href = board
        .split("href=\"/jobs/view?id=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, page) = ana.get(&format!("/jobs/view?id={href}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("20 hours a week") && page.contains("Send application"));
    let job_id: String = url::form_urlencoded::parse(format!("id={href}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    let (status, _) = ana
        .post(
            "/jobs/apply",
            &[("csrf", "forged"), ("job", &job_id), ("letter", "x")],
        )
        .await;
    assert_eq!(status, 403, "the CSRF token is required");
    let csrf = csrf_of(&page);
    let (status, _) = ana
        .post(
            "/jobs/apply",
            &[
                ("csrf", &csrf),
                ("job", &job_id),
                ("letter", "I ride every day."),
            ],
        )
        .await;
    assert_eq!(status, 303);

    wait_until("the bakery receives it", || async {
        bo.peek("/admin/bakery/applications")
            .await
            .contains("I ride every day.")
    })
    .await;
    let (_, page) = bo.get("/admin/bakery/applications").await;
    let app_id = page
        .split("name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let csrf = csrf_of(&page);
    let (status, _) = bo
        .post(
            "/admin/bakery/applications/state",
            &[
                ("csrf", &csrf),
                ("id", &app_id),
                ("state", "interview"),
                ("note", "Friday?"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    wait_until("Ana sees the interview", || async {
        let page = ana.peek("/applications").await;
        page.contains("State: interview") && page.contains("Friday?")
    })
    .await;

    let mut zed = Visitor::new(&a);
    zed.log_in("zed").await;
    let (_, page) = zed.get("/applications").await;
    assert!(page.contains("No applications yet"), "{page}");
    assert!(!page.contains("I ride every day."));
    let (status, _) = zed.get("/admin/bakery/applications").await;
    assert_eq!(status, 400, "no such co-op on A");

    a.shutdown().await;
    b.shutdown().await;
}
