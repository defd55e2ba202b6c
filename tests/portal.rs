//! The portal as a person meets it: public pages, logging in and out, forms guarded by CSRF
//! tokens, the co-op admin page, and remote HTML that cannot run script.

mod support;

use coopnode::features::coops::CoopKind;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_log_in_publish_and_log_out_and_forms_need_their_token() {
    let a = spawn_node().await;
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

    // Public to read, without logging in.
    let mut visitor = Visitor::new(&a);
    let (status, home) = visitor.get("/").await;
    assert_eq!(status, 200);
    assert_eq!(home.matches("<h1").count(), 1, "one heading per page");
    assert!(home.contains("The bakery co-op"));
    let (status, profile) = visitor.get("/coops/bakery").await;
    assert_eq!(status, 200);
    assert!(profile.contains("Testshire"));
    let (status, to) = visitor
        .post("/admin/bakery/posts", &[("text", "x"), ("csrf", "x")])
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, "/login"),
        "acting needs a login"
    );

    // A wrong password is refused without saying which part was wrong.
    let (status, page) = visitor.log_in_with("alice", "not the password").await;
    assert_eq!(status, 401);
    assert!(page.contains("Wrong username or password"));
    // The login form itself needs its token.
    let (status, _) = visitor
        .post(
            "/login",
            &[
                ("username", "alice"),
                ("password", PASSWORD),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(status, 403);

    let (status, to) = visitor.log_in_with("alice", PASSWORD).await;
    assert_eq!((status, to.as_str()), (303, "/"));
    let (_, admin) = visitor.get("/admin/bakery").await;
    assert!(admin.contains("Publish an announcement"));
    let csrf = csrf_of(&admin);

    // Without the session's token the form is refused and nothing is published.
    let (status, _) = visitor
        .post(
            "/admin/bakery/posts",
            &[("text", "Forged announcement"), ("csrf", "wrong")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = visitor
        .post(
            "/admin/bakery/posts",
            &[("text", &"x".repeat(10_001)), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, 400, "too long");
    let (status, _) = visitor
        .post(
            "/admin/bakery/posts",
            &[
                ("text", "Oat bakes on **Friday** <script>alert(1)</script>"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, home) = visitor.get("/").await;
    assert!(home.contains("Oat bakes on <strong>Friday</strong>"));
    assert!(
        !home.contains("<script>alert(1)"),
        "script from Markdown is removed"
    );
    assert!(!home.contains("Forged announcement"));

    // Editing from the admin page replaces the text.
    let (_, admin) = visitor.get("/admin/bakery").await;
    let post_id = {
        let at = admin
            .find("name=\"post_id\" value=\"")
            .expect("a post id field")
            + 22;
        admin[at..].split('"').next().unwrap().to_string()
    };
    let (status, _) = visitor
        .post(
            "/admin/bakery/posts/edit",
            &[
                ("csrf", &csrf),
                ("post_id", &post_id),
                ("text", "Oat bakes moved to *Saturday*"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, home) = visitor.get("/").await;
    assert!(home.contains("Oat bakes moved to <em>Saturday</em>"));
    assert!(!home.contains("on <strong>Friday</strong>"));

    // Bob is logged in but does not manage the bakery.
    let mut bob = Visitor::new(&a);
    bob.log_in_with("bob", PASSWORD).await;
    let (status, _) = bob.get("/admin/bakery").await;
    assert_eq!(status, 403);

    // Log out: the session ends on the server, not only in the browser.
    let old_cookies = visitor.cookies.clone();
    let (status, _) = visitor.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    visitor.cookies = old_cookies;
    let (status, to) = visitor
        .post(
            "/admin/bakery/posts",
            &[("text", "after logout"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/login"));
    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn search_finds_remote_coops_and_follow_works_from_the_form() {
    let a = spawn_node().await;
    let b = spawn_node().await;
    a.create_user("alice", true).await;
    a.create_coop("bakery", CoopKind::Workplace).await;
    b.create_coop("printshop", CoopKind::Workplace).await;
    b.post("printshop", "Posters for the spring fair").await;

    let mut visitor = Visitor::new(&a);
    let (_, page) = visitor
        .get(&format!(
            "/search?q={}",
            b.handle("printshop").replace('@', "%40")
        ))
        .await;
    assert!(
        page.contains("Log in to look up"),
        "visitors do not make the node fetch for them"
    );
    assert!(!page.contains("The printshop co-op"));
    visitor.log_in_with("alice", PASSWORD).await;
    let (status, page) = visitor
        .get(&format!(
            "/search?q={}",
            b.handle("printshop").replace('@', "%40")
        ))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("The printshop co-op"));
    assert!(page.contains("<label for=\"as\">Follow as</label>"));
    let csrf = csrf_of(&page);
    let (status, to) = visitor
        .post(
            "/follow",
            &[
                ("csrf", &csrf),
                ("as", "bakery"),
                ("target", &b.handle("printshop")),
            ],
        )
        .await;
    assert_eq!((status, to.as_str()), (303, "/admin/bakery"));
    wait_until("the post reaches A's feed", || async {
        a.home_page().await.contains("Posters for the spring fair")
    })
    .await;

    // Following twice is refused clearly; bad handles and unknown co-ops get clear answers.
    let (status, _) = visitor
        .post(
            "/follow",
            &[
                ("csrf", &csrf),
                ("as", "bakery"),
                ("target", &b.handle("printshop")),
            ],
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = visitor
        .post(
            "/follow",
            &[("csrf", &csrf), ("as", "bakery"), ("target", "@no host")],
        )
        .await;
    assert_eq!(status, 400);
    let (_, page) = visitor
        .get(&format!("/search?q=%40nobody%40{}", b.domain))
        .await;
    assert!(page.contains("No co-op called"));
    let (status, _) = visitor.get("/?page=0").await;
    assert_eq!(status, 400);
    let (status, _) = visitor.get("/coops/nobody").await;
    assert_eq!(status, 404);
    a.shutdown().await;
    b.shutdown().await;
}
