//! Member profiles and interests, end to end: each part of a profile is seen by exactly those
//! its visibility allows (a visitor, another member, the member, another node reading the
//! Person actor signed or unsigned), resume PDFs are judged by their bytes, and members with
//! the same interest in starting a co-op find each other.

mod support;

use std::time::SystemTime;

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use coopnode::core::federation as activitypub;
use coopnode::features::coops::CoopKind;
use coopnode::features::people::RESUME_MAX_BYTES;
use rsa::{pkcs1v15::Pkcs1v15Sign, pkcs8::DecodePrivateKey, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;
use url::Url;

// Markers, one per part, that no other text on a page contains.
const GENERAL: &str = "Generalmark bakes bread";
const SKILL: &str = "skillmark sourdough";
const REGION: &str = "Regionmark Valley";
const RESUME: &str = "Resumemark ten years";

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A multipart body with one file (and a CSRF field when given): content type and bytes.
fn multipart(
    filename: &str,
    content_type: &str,
    bytes: &[u8],
    csrf: Option<&str>,
) -> (String, Vec<u8>) {
    let boundary = "coopnet-test-boundary-5f2a9c";
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_api(
    api: &Api<'_>,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let (ct, body) = multipart(filename, content_type, bytes, None);
    let res = api
        .node
        .http
        .post(api.node.url("/api/v1/profile/resume"))
        .bearer_auth(&api.token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn put_profile(api: &Api<'_>, body: Value) -> (u16, Value) {
    api.call(reqwest::Method::PUT, "/profile", Some(body)).await
}

/// Signs a GET the way a peer does for an authorized fetch.
fn signed_get_headers(
    private_key_pem: &str,
    key_id: &str,
    url: &Url,
) -> reqwest::header::HeaderMap {
    let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem).expect("key");
    let date = httpdate::fmt_http_date(SystemTime::now());
    let host = format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port().unwrap_or(80)
    );
    let signing = format!(
        "(request-target): get {}\nhost: {host}\ndate: {date}",
        url.path()
    );
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing.as_bytes()),
        )
        .expect("sign");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("host", host.parse().unwrap());
    headers.insert("date", date.parse().unwrap());
    headers.insert("accept", "application/activity+json".parse().unwrap());
    headers.insert(
        "signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{}\"",
            B64.encode(signature)
        )
        .parse()
        .unwrap(),
    );
    headers
}

/// What `text` shows of the four markers, in order: general, skills, region, resume.
fn seen(text: &str) -> [bool; 4] {
    [GENERAL, SKILL, REGION, RESUME].map(|m| text.contains(m))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_part_is_seen_only_by_whom_its_visibility_allows() {
    // Node A requires signed fetches, so a peer's signature is really checked.
    let a = spawn_node_with(NodeOptions {
        authorized_fetch: true,
        ..NodeOptions::default()
    })
    .await;
    let b = spawn_node().await;
    a.create_user("ana", false).await;
    a.create_user("ben", false).await;
    b.create_coop("printshop", CoopKind::Workplace).await;
    let ana = Api {
        node: &a,
        token: token(&a, "ana"),
    };
    let ben = Api {
        node: &a,
        token: token(&a, "ben"),
    };

    let (status, saved) = put_profile(
        &ana,
        json!({
            "general": { "markdown": format!("**{GENERAL}** <script>alert('x')</script><img src=x onerror=alert(1)>"), "visibility": "public" },
            "skills": { "tags": [SKILL, " Book  keeping ", "book keeping"], "visibility": "network" },
            "region": { "name": REGION, "visibility": "private" },
            "resume": { "markdown": format!("*{RESUME}* at the bakery"), "visibility": "network" }
        }),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    let html = saved["general"]["html"].as_str().unwrap();
    assert!(
        html.contains(&format!("<strong>{GENERAL}</strong>")),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("onerror"),
        "sanitised: {html}"
    );
    assert_eq!(saved["skills"]["tags"], json!([SKILL, "Book keeping"]));
    let (status, pdf) = upload_api(&ana, "cv.pdf", "application/pdf", PDF).await;
    assert_eq!(status, 201, "{pdf}");
    let pdf_path = "/members/ana/resume.pdf";

    // The API: anonymous, another member, the member.
    let anonymous = Api {
        node: &a,
        token: String::new(),
    };
    let anon_get = |path: &'static str| {
        let a = &a;
        async move {
            let res = a.http.get(a.url(path)).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, body) = anon_get("/api/v1/members/ana/profile").await;
    assert_eq!(status, 200);
    assert_eq!(
        seen(&body),
        [true, false, false, false],
        "anonymous API: {body}"
    );
    assert!(!body.contains("resume.pdf"), "{body}");
    let (status, v) = ben.get("/members/ana/profile").await;
    assert_eq!(status, 200);
    assert_eq!(
        seen(&v.to_string()),
        [true, true, false, true],
        "another member: {v}"
    );
    assert!(v["resume_pdf"].as_str().unwrap().ends_with(pdf_path));
    let (_, v) = ana.get("/members/ana/profile").await;
    assert_eq!(
        seen(&v.to_string()),
        [true, true, true, true],
        "the member: {v}"
    );
    let (status, _) = anonymous.get("/members/ana/profile").await;
    assert_eq!(
        status, 401,
        "an empty bearer token is refused, not taken as anonymous"
    );

    // Pages.
    let (status, page) = a.get("/members/ana").await;
    assert_eq!(status, 200);
    assert_eq!(seen(&page), [true, false, false, false], "visitor's page");
    assert!(!page.contains("<script>alert"), "no script on the page");
    let mut ben_browser = Visitor::new(&a);
    ben_browser.log_in("ben").await;
    let (_, page) = ben_browser.get("/members/ana").await;
    assert_eq!(
        seen(&page),
        [true, true, false, true],
        "another member's page"
    );
    let mut ana_browser = Visitor::new(&a);
    ana_browser.log_in("ana").await;
    let (_, page) = ana_browser.get("/members/ana").await;
    assert_eq!(
        seen(&page),
        [true, true, true, true],
        "the member's own page"
    );

    // The PDF: network only, so not to visitors or other nodes.
    let (status, _) = anon_get(pdf_path).await;
    assert_eq!(status, 404, "a visitor cannot download a network resume");
    let (status, headers, body) = ben_browser.get_full(pdf_path).await;
    assert_eq!(status, 200, "another member downloads it");
    assert_eq!(body.as_bytes(), PDF);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["content-security-policy"], "sandbox");
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let res = a
        .http
        .get(a.url(pdf_path))
        .bearer_auth(&ben.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "with a token too");

    // Another node: unsigned, signed by hand, and through B's own (signed) fetch.
    let (status, _) = a.get_activity_json("/members/ana").await;
    assert_eq!(status, 401, "A requires signed fetches");
    let ana_url = Url::parse(&a.url("/members/ana")).unwrap();
    let key = private_key(&b, "printshop").await;
    let key_id = format!("{}#main-key", b.url("/coops/printshop"));
    let res = b
        .http
        .get(ana_url.clone())
        .headers(signed_get_headers(&key, &key_id, &ana_url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "a signed fetch is served");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["type"], "Person");
    assert_eq!(
        seen(&doc.to_string()),
        [true, false, false, false],
        "signed actor: {doc}"
    );
    assert!(doc["summary"].as_str().unwrap().contains(GENERAL));
    assert!(!doc.to_string().contains("resume.pdf"));
    let pdf_url = Url::parse(&a.url(pdf_path)).unwrap();
    let res = b
        .http
        .get(pdf_url.clone())
        .headers(signed_get_headers(&key, &key_id, &pdf_url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        404,
        "a signature is no pass to a network resume"
    );
    let fetched = activitypub::actor(&ana_url, &b.data())
        .await
        .expect("B fetches ana");
    assert!(fetched.summary.contains(GENERAL));
    assert!(!fetched.summary.contains(RESUME) && fetched.region.is_none());

    // A co-op on B follows ana, so her profile changes reach B as Update(Person).
    let followed = b.follow("printshop", &a.handle("ana")).await;
    wait_until("ana accepts the follow", || async {
        b.follow_state("printshop", &followed).await.as_deref() == Some("accepted")
    })
    .await;
    let stored_on_b = || async {
        b.state()
            .db
            .remote_actor(ana_url.as_str())
            .await
            .unwrap()
            .expect("B knows ana")
    };

    // Everything public: the actor document carries it, for Mastodon as profile fields.
    let (status, _) = put_profile(
        &ana,
        json!({
            "skills": { "tags": [SKILL], "visibility": "public" },
            "region": { "name": REGION, "visibility": "public" },
            "resume": { "markdown": RESUME, "visibility": "public" }
        }),
    )
    .await;
    assert_eq!(status, 200);
    let res = b
        .http
        .get(ana_url.clone())
        .headers(signed_get_headers(&key, &key_id, &ana_url))
        .send()
        .await
        .unwrap();
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["region"], REGION);
    let fields = doc["attachment"].to_string();
    assert!(
        fields.contains(SKILL) && fields.contains(REGION),
        "{fields}"
    );
    assert!(fields.contains("resume.pdf"), "{fields}");
    let (status, body) = anon_get(pdf_path).await;
    assert_eq!(
        (status, body.as_bytes()),
        (200, PDF),
        "a public resume is anyone's"
    );
    wait_until("B hears of ana's public region", || async {
        stored_on_b().await.region.as_deref() == Some(REGION)
    })
    .await;

    // And private again: gone from everyone but ana, the general information too.
    let (status, _) = put_profile(
        &ana,
        json!({
            "general": { "markdown": GENERAL, "visibility": "private" },
            "skills": { "tags": [SKILL], "visibility": "private" },
            "region": { "name": REGION, "visibility": "network" },
            "resume": { "markdown": RESUME, "visibility": "private" }
        }),
    )
    .await;
    assert_eq!(status, 200);
    let res = b
        .http
        .get(ana_url.clone())
        .headers(signed_get_headers(&key, &key_id, &ana_url))
        .send()
        .await
        .unwrap();
    let doc = res.text().await.unwrap();
    assert_eq!(seen(&doc), [false, false, false, false], "{doc}");
    wait_until("B hears that ana's profile is no longer public", || async {
        let stored = stored_on_b().await;
        stored.region.is_none() && !stored.summary.contains(GENERAL)
    })
    .await;
    let (_, v) = ben.get("/members/ana/profile").await;
    assert_eq!(seen(&v.to_string()), [false, false, true, false], "{v}");
    assert!(v["resume_pdf"].is_null());
    let (_, page) = ben_browser.get("/members/ana").await;
    assert_eq!(seen(&page), [false, false, true, false]);
    let (status, _, _) = ben_browser.get_full(pdf_path).await;
    assert_eq!(
        status, 404,
        "another member cannot download a private resume"
    );
    let (status, _, body) = ana_browser.get_full(pdf_path).await;
    assert_eq!((status, body.as_bytes()), (200, PDF), "the member can");
    let (_, page) = ana_browser.get("/members/ana").await;
    assert_eq!(seen(&page), [true, true, true, true]);

    // What a co-op the member applies to receives: public and network parts only.
    let user = a.state().db.user_by_username("ana").await.unwrap().unwrap();
    let shared = coopnode::features::people::shareable_profile(a.state(), user.id)
        .await
        .unwrap();
    assert_eq!(
        seen(&shared.to_string()),
        [false, false, true, false],
        "{shared}"
    );
    assert_eq!(shared["resume_pdf"], false);

    a.shutdown().await;
    b.shutdown().await;
}

fn stored_resumes(node: &TestNode) -> Vec<String> {
    match std::fs::read_dir(node.dir.join("resumes")) {
        Ok(dir) => dir
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resume_pdfs_are_judged_by_their_bytes_and_bad_input_changes_nothing() {
    let a = spawn_node().await;
    a.create_user("ana", false).await;
    let ana = Api {
        node: &a,
        token: token(&a, "ana"),
    };

    // HTML that claims to be a PDF, by name and by type.
    let html = b"<!doctype html><html><script>alert(document.cookie)</script></html>";
    let (status, body) = upload_api(&ana, "resume.pdf", "application/pdf", html).await;
    assert!(status == 400 || status == 415, "{status} {body}");
    assert!(
        body["error"].as_str().unwrap().contains("not a PDF"),
        "{body}"
    );
    let (_, profile) = ana.get("/profile").await;
    assert!(profile["resume"]["pdf"].is_null(), "nothing stored");
    assert!(stored_resumes(&a).is_empty());

    // Too large, though it starts like a PDF.
    let mut big = PDF.to_vec();
    big.resize(RESUME_MAX_BYTES + 1, b' ');
    let (status, body) = upload_api(&ana, "big.pdf", "application/pdf", &big).await;
    assert_eq!(status, 413, "{body}");
    let (_, profile) = ana.get("/profile").await;
    assert!(profile["resume"]["pdf"].is_null(), "nothing stored");
    assert!(stored_resumes(&a).is_empty());

    // A name that tries to climb out of the folder is ignored; the file is named by its hash.
    let (status, pdf) = upload_api(&ana, "../../../../coopnet-evil.pdf", "text/html", PDF).await;
    assert_eq!(status, 201, "{pdf}");
    let sha = format!("{:x}", Sha256::digest(PDF));
    assert_eq!(pdf["sha256"], sha);
    assert_eq!(stored_resumes(&a), vec![format!("{sha}.pdf")]);
    assert!(!a.dir.join("coopnet-evil.pdf").exists());
    assert!(!a.dir.parent().unwrap().join("coopnet-evil.pdf").exists());
    let mut browser = Visitor::new(&a);
    browser.log_in("ana").await;
    let (status, headers, _) = browser.get_full("/members/ana/resume.pdf").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"ana-resume.pdf\""
    );

    // The portal's upload form wants its CSRF token.
    let other = b"%PDF-1.7\nanother resume\n%%EOF\n";
    let (ct, body) = multipart("cv.pdf", "application/pdf", other, Some("forged"));
    let res = a
        .http
        .post(a.url("/profile/resume"))
        .header("cookie", browser.cookie_header())
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let (_, profile) = ana.get("/profile").await;
    assert_eq!(profile["resume"]["pdf"]["sha256"], sha, "unchanged");
    let (_, page) = browser.get("/profile").await;
    let csrf = csrf_of(&page);
    let (ct, body) = multipart("cv.pdf", "application/pdf", other, Some(&csrf));
    let res = a
        .http
        .post(a.url("/profile/resume"))
        .header("cookie", browser.cookie_header())
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, profile) = ana.get("/profile").await;
    let new_sha = format!("{:x}", Sha256::digest(other));
    assert_eq!(profile["resume"]["pdf"]["sha256"], new_sha);
    assert_eq!(
        stored_resumes(&a),
        vec![format!("{new_sha}.pdf")],
        "the old file is gone"
    );

    // Removing it removes the file.
    let (status, _) = ana
        .call(reqwest::Method::DELETE, "/profile/resume", None)
        .await;
    assert_eq!(status, 204);
    assert!(stored_resumes(&a).is_empty());
    let (status, _, _) = browser.get_full("/members/ana/resume.pdf").await;
    assert_eq!(status, 404);

    // Bad profile input is refused whole.
    let (status, _) = put_profile(
        &ana,
        json!({ "general": { "markdown": "Kept", "visibility": "public" } }),
    )
    .await;
    assert_eq!(status, 200);
    for bad in [
        json!({ "general": { "markdown": "Changed", "visibility": "everyone" } }),
        json!({ "general": { "markdown": "Changed", "visibility": "public" },
                "skills": { "tags": (0..31).map(|i| format!("skill {i}")).collect::<Vec<_>>(), "visibility": "public" } }),
        json!({ "general": { "markdown": "Changed", "visibility": "public" },
                "region": { "name": "x".repeat(101), "visibility": "public" } }),
        json!({ "general": { "markdown": "Changed", "visibility": "public" }, "email": "x@example.org" }),
    ] {
        let (status, body) = put_profile(&ana, bad.clone()).await;
        assert_eq!(status, 400, "{bad} → {body}");
        assert!(body["error"].is_string());
    }
    let (_, profile) = ana.get("/profile").await;
    assert_eq!(profile["general"]["markdown"], "Kept");

    // The portal's form refuses a made-up visibility too.
    let (_, page) = browser.get("/profile").await;
    let csrf = csrf_of(&page);
    let (status, _) = browser
        .post(
            "/profile",
            &[
                ("csrf", &csrf),
                ("general", "Changed"),
                ("general-visibility", "world"),
                ("skills", ""),
                ("skills-visibility", "private"),
                ("region", ""),
                ("region-visibility", "private"),
                ("resume", ""),
                ("resume-visibility", "private"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = browser
        .post(
            "/profile",
            &[
                ("csrf", &csrf),
                ("general", "From the form"),
                ("general-visibility", "public"),
                ("skills", "baking, welding"),
                ("skills-visibility", "public"),
                ("region", "Riverside"),
                ("region-visibility", "network"),
                ("resume", ""),
                ("resume-visibility", "private"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, profile) = ana.get("/profile").await;
    assert_eq!(profile["skills"]["tags"], json!(["baking", "welding"]));
    assert_eq!(profile["region"]["visibility"], "network");

    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_with_the_same_interest_find_each_other() {
    let a = spawn_node().await;
    for name in ["ana", "ben", "cai", "dan", "eve"] {
        a.create_user(name, false).await;
    }
    let api = |name: &str| Api {
        node: &a,
        token: token(&a, name),
    };
    let (ana, ben, cai, dan, eve) = (api("ana"), api("ben"), api("cai"), api("dan"), api("eve"));
    let interest = |industry: &str, region: &str, listed: bool| json!({ "industry": industry, "region": region, "note": format!("note of {industry} {region}"), "listed": listed });
    let (status, mine) = ana
        .post("/interests", interest("Bakery", "Riverside", true))
        .await;
    assert_eq!(status, 201, "{mine}");
    assert_eq!(
        ben.post("/interests", interest(" bakery ", "Hilltown", true))
            .await
            .0,
        201
    );
    assert_eq!(
        cai.post("/interests", interest("Printing", "RIVERSIDE", true))
            .await
            .0,
        201
    );
    assert_eq!(
        dan.post("/interests", interest("Bakery", "Riverside", false))
            .await
            .0,
        201
    );
    assert_eq!(
        eve.post("/interests", interest("Printing", "Hilltown", true))
            .await
            .0,
        201
    );

    let (status, v) = ana.get("/interests").await;
    assert_eq!(status, 200);
    assert_eq!(v["mine"].as_array().unwrap().len(), 1);
    let mut found: Vec<(String, bool, bool)> = v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["username"].as_str().unwrap().to_string(),
                m["same_industry"].as_bool().unwrap(),
                m["same_region"].as_bool().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![("ben".into(), true, false), ("cai".into(), false, true)],
        "same industry or region, listed, not ana herself: {v}"
    );
    // dan is not listed, but still finds the others.
    let (_, v) = dan.get("/interests").await;
    assert_eq!(v["matches"].as_array().unwrap().len(), 3, "{v}");

    // Only logged-in members see interests.
    let (status, page) = Visitor::new(&a).get("/interests").await;
    assert_eq!(
        (status, page.as_str()),
        (303, ""),
        "visitors are sent to log in"
    );
    let res = a.http.get(a.url("/api/v1/interests")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let mut browser = Visitor::new(&a);
    browser.log_in("ana").await;
    let (_, page) = browser.get("/interests").await;
    assert!(page.contains(">ben<") && page.contains(">cai<"), "{page}");
    assert!(!page.contains(">eve<") && !page.contains(">dan<"));

    // Bad input changes nothing; nobody removes someone else's interest.
    for bad in [
        interest("", "Riverside", true),
        interest("Bakery", "", true),
        json!({ "industry": "Bakery", "region": "Riverside", "note": "x".repeat(501) }),
    ] {
        let (status, body) = ana.post("/interests", bad).await;
        assert_eq!(status, 400, "{body}");
    }
    let ben_interest = ben.get("/interests").await.1["mine"][0]["id"]
        .as_i64()
        .unwrap();
    let (status, _) = ana
        .call(
            reqwest::Method::DELETE,
            &format!("/interests/{ben_interest}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        ben.get("/interests").await.1["mine"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (_, v) = ana.get("/interests").await;
    assert_eq!(v["mine"].as_array().unwrap().len(), 1);

    // Through the portal: add, then remove.
    let (_, page) = browser.get("/interests").await;
    let csrf = csrf_of(&page);
    let (status, _) = browser
        .post(
            "/interests",
            &[
                ("csrf", &csrf),
                ("industry", "Printing"),
                ("region", "Hilltown"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, v) = ana.get("/interests").await;
    let added = v["mine"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["industry"] == "Printing")
        .expect("added")
        .clone();
    assert_eq!(added["listed"], false, "an unticked box is not listed");
    assert!(
        v["matches"].to_string().contains("eve"),
        "now eve matches: {v}"
    );
    let id = added["id"].as_i64().unwrap().to_string();
    let (status, _) = browser
        .post("/interests/delete", &[("csrf", &csrf), ("id", &id)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        ana.get("/interests").await.1["mine"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    a.shutdown().await;
}
