//! The shared library across nodes: a file uploaded by a co-op on A is found in C's library
//! (C follows A's co-op) and downloads from A with the checksum C shows; a second version keeps
//! the first downloadable; removing the entry removes it everywhere. Bad uploads (lying types,
//! pages, oversized files, path tricks, script in titles) are refused with nothing kept, and a
//! peer's document whose downloads are on another origin is refused.

mod support;

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;

async fn user(node: &TestNode, name: &str, admin_of: &[&str]) -> String {
    member_token(node, name, admin_of, &[]).await
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A file part of an upload form, written out by hand so tests can send any name and type.
struct FilePart<'a> {
    name: &'a str,
    content_type: Option<&'a str>,
    bytes: &'a [u8],
}

const BOUNDARY: &str = "coopnet-test-boundary-7d1f";

fn multipart_body(fields: &[(&str, &str)], file: Option<FilePart<'_>>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(f) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n",
                f.name
            )
            .as_bytes(),
        );
        if let Some(t) = f.content_type {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(f.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts an upload form to the API; returns the status and the JSON answer.
async fn upload(
    node: &TestNode,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<FilePart<'_>>,
) -> (u16, Value) {
    let res = node
        .http
        .post(node.url(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(fields, file))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn a_pdf(words: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {words}\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")
        .into_bytes()
}

/// Downloads a file as anyone would: from its URL, with no session.
async fn download(url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = reqwest::get(url).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

async fn c_sees(c: &Api<'_>, id: &str) -> Option<Value> {
    let (_, entry) = c.get(&format!("/library/entry?id={}", enc(id))).await;
    (entry["id"] == id).then_some(entry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_file_uploaded_on_a_is_found_in_c_library_and_downloads_with_its_checksum() {
    let (a, b, c) = (spawn_node().await, spawn_node().await, spawn_node().await);
    a.create_coop("press", CoopKind::Workplace).await;
    b.create_coop("bystander", CoopKind::Workplace).await;
    c.create_coop("readers", CoopKind::ConsumerCouncil).await;
    let ada = user(&a, "ada", &["press"]).await;
    let cy = Api {
        node: &c,
        token: user(&c, "cy", &[]).await,
    };
    let bo = Api {
        node: &b,
        token: user(&b, "bo", &[]).await,
    };

    // C's council follows A's press; B follows nobody.
    let press = c.follow("readers", &a.handle("press")).await;
    wait_until("C follows A's press", || async {
        c.follow_state("readers", &press).await.as_deref() == Some("accepted")
    })
    .await;

    let first = a_pdf("the members' handbook, first edition");
    let (status, entry) = upload(
        &a,
        &ada,
        "/coops/press/library",
        &[
            ("title", "Members' handbook"),
            (
                "summary",
                "How we **decide** together. <script>alert(1)</script>",
            ),
            ("licence", "CC-BY-SA-4.0"),
            ("topic", "Governance"),
            ("kind", "handbook"),
            ("version", "1.0"),
        ],
        Some(FilePart {
            name: "handbook.pdf",
            content_type: Some("application/pdf"),
            bytes: &first,
        }),
    )
    .await;
    assert_eq!(status, 201, "{entry}");
    let id = entry["id"].as_str().unwrap().to_string();
    assert_eq!(entry["versions"][0]["sha256"], sha256(&first));
    assert!(!entry["summary_html"].as_str().unwrap().contains("<script"));

    // Found in C's library by words, topic and kind; the download is on A.
    wait_until("the entry reaches C's library", || async {
        let (_, found) = cy
            .get("/library?q=handbook+decide&topic=governance&kind=handbook")
            .await;
        found
            .as_array()
            .is_some_and(|l| l.iter().any(|e| e["id"] == id.as_str()))
    })
    .await;
    let (_, other_kind) = cy.get("/library?kind=software").await;
    assert_eq!(other_kind, json!([]));
    let (_, other_topic) = cy.get("/library?topic=baking").await;
    assert_eq!(other_topic, json!([]));
    let (_, on_b) = bo.get("/library").await;
    assert_eq!(on_b, json!([]), "B follows nobody");

    let shown = c_sees(&cy, &id).await.expect("C has the entry");
    assert_eq!(shown["local"], false);
    assert_eq!(shown["licence"], "CC-BY-SA-4.0");
    let url = shown["versions"][0]["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(a.base.as_str()),
        "downloads come from A: {url}"
    );
    let checksum = shown["versions"][0]["sha256"].as_str().unwrap().to_string();
    let (status, headers, bytes) = download(&url).await;
    assert_eq!(status, 200);
    assert_eq!(sha256(&bytes), checksum, "the bytes match C's checksum");
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("handbook.pdf"),
        "{disposition}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );

    // C's page shows the checksum beside the download link to A.
    let page = Visitor::new(&c)
        .peek(&format!("/library/entry?id={}", enc(&id)))
        .await;
    assert!(page.contains(&checksum), "the page shows the checksum");
    assert!(page.contains(&url), "the page links to A's download");
    assert!(!page.contains("<script>alert"), "no script on the page");

    // A second version, as text: the first stays listed and downloadable.
    let second = b"name,role\nada,editor\n".to_vec();
    let (status, entry) = upload(
        &a,
        &ada,
        "/coops/press/library/version",
        &[("id", &id), ("version", "1.1")],
        Some(FilePart {
            name: "roles.csv",
            content_type: Some("text/csv"),
            bytes: &second,
        }),
    )
    .await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(entry["versions"].as_array().unwrap().len(), 2);
    wait_until("C has both versions", || async {
        c_sees(&cy, &id)
            .await
            .is_some_and(|e| e["versions"].as_array().is_some_and(|v| v.len() == 2))
    })
    .await;
    let shown = c_sees(&cy, &id).await.unwrap();
    for (i, expected) in [&first, &second].into_iter().enumerate() {
        let v = &shown["versions"][i];
        let (status, headers, bytes) = download(v["url"].as_str().unwrap()).await;
        assert_eq!(status, 200, "version {i} downloads");
        assert_eq!(sha256(&bytes), v["sha256"].as_str().unwrap());
        assert_eq!(&bytes, expected);
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
    }
    assert_eq!(shown["versions"][1]["version"], "1.1");
    let (_, headers, _) = download(shown["versions"][1]["url"].as_str().unwrap()).await;
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");

    // Peers read the entry as a Document with one Link per version.
    let path = url::Url::parse(&id).unwrap().path().to_string();
    let (status, doc) = a.get_activity_json(&path).await;
    assert_eq!(status, 200);
    assert_eq!(doc["type"], "Document");
    assert_eq!(doc["url"].as_array().unwrap().len(), 2);
    assert_eq!(doc["url"][0]["sha256"], sha256(&first));

    // Removed on A: gone from C's library, and A no longer serves its files.
    let (status, _) = Api {
        node: &a,
        token: ada.clone(),
    }
    .post("/coops/press/library/delete", json!({ "id": id }))
    .await;
    assert_eq!(status, 204);
    wait_until("C forgets the entry", || async {
        c_sees(&cy, &id).await.is_none()
    })
    .await;
    let (status, _, _) = download(&url).await;
    assert_eq!(status, 404);

    for n in [a, b, c] {
        n.shutdown().await;
    }
}

/// What a bad upload is, the status it must get, its fields and its file.
type Case<'a> = (&'a str, u16, Vec<(&'a str, &'a str)>, FilePart<'a>);

/// Every file below a folder.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_uploads_are_refused_and_nothing_is_kept() {
    let mut a = spawn_node().await;
    // A small limit, as an operator would set it in coopnet.toml.
    a.stop().await;
    let config_path = a.dir.join("coopnet.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(config.contains("max_upload_bytes = 52428800"), "{config}");
    std::fs::write(
        &config_path,
        config.replace("max_upload_bytes = 52428800", "max_upload_bytes = 4096"),
    )
    .unwrap();
    a.restart().await;
    a.create_coop("press", CoopKind::Workplace).await;
    a.create_coop("other", CoopKind::Workplace).await;
    let ada = user(&a, "ada", &["press"]).await;
    let eve = user(&a, "eve", &["other"]).await;
    let fields = [("title", "A guide"), ("kind", "guide")];
    let pdf = a_pdf("fine");

    let cases: Vec<Case<'_>> = vec![
        (
            "HTML sent as a PDF",
            415,
            fields.to_vec(),
            FilePart {
                name: "guide.pdf",
                content_type: Some("application/pdf"),
                bytes: b"<!doctype html><script>alert(1)</script>",
            },
        ),
        (
            "a PDF that says it is a PNG",
            415,
            fields.to_vec(),
            FilePart {
                name: "guide.png",
                content_type: Some("image/png"),
                bytes: &pdf,
            },
        ),
        (
            "SVG sent as text",
            415,
            fields.to_vec(),
            FilePart {
                name: "guide.txt",
                content_type: Some("text/plain"),
                bytes: b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            },
        ),
        (
            "a page by its name",
            415,
            fields.to_vec(),
            FilePart {
                name: "guide.html",
                content_type: None,
                bytes: b"just words",
            },
        ),
        (
            "script by its type",
            415,
            fields.to_vec(),
            FilePart {
                name: "guide.txt",
                content_type: Some("application/javascript"),
                bytes: b"alert(1)",
            },
        ),
        (
            "bytes of no kind the library keeps",
            415,
            fields.to_vec(),
            FilePart {
                name: "guide.bin",
                content_type: None,
                bytes: b"\x7fELF\x02\x01\x01\x00\x00\x00",
            },
        ),
        (
            "a path in the name",
            400,
            fields.to_vec(),
            FilePart {
                name: "../../coopnet.toml",
                content_type: Some("application/pdf"),
                bytes: &pdf,
            },
        ),
        (
            "a folder in the name",
            400,
            fields.to_vec(),
            FilePart {
                name: "files\\guide.pdf",
                content_type: Some("application/pdf"),
                bytes: &pdf,
            },
        ),
        (
            "script in the title",
            400,
            vec![("title", "<script>alert(1)</script>"), ("kind", "guide")],
            FilePart {
                name: "guide.pdf",
                content_type: Some("application/pdf"),
                bytes: &pdf,
            },
        ),
        (
            "an unknown kind",
            400,
            vec![("title", "A guide"), ("kind", "novel")],
            FilePart {
                name: "guide.pdf",
                content_type: Some("application/pdf"),
                bytes: &pdf,
            },
        ),
        (
            "an empty file",
            400,
            fields.to_vec(),
            FilePart {
                name: "guide.pdf",
                content_type: None,
                bytes: b"",
            },
        ),
    ];
    let big = [b"%PDF-1.4\n".as_slice(), &vec![b'x'; 5000]].concat();
    let mut cases = cases;
    cases.push((
        "a file over the limit",
        413,
        fields.to_vec(),
        FilePart {
            name: "guide.pdf",
            content_type: Some("application/pdf"),
            bytes: &big,
        },
    ));
    for (what, expected, fields, file) in cases {
        let (status, answer) = upload(&a, &ada, "/coops/press/library", &fields, Some(file)).await;
        assert_eq!(status, expected, "{what}: {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: a clear error, got {answer}"
        );
    }

    // Not acting for the co-op, or no token: refused before anything is read.
    let ok_file = || FilePart {
        name: "guide.pdf",
        content_type: Some("application/pdf"),
        bytes: &pdf,
    };
    let (status, _) = upload(&a, &eve, "/coops/press/library", &fields, Some(ok_file())).await;
    assert_eq!(status, 403);
    let (status, _) = upload(
        &a,
        "nonsense",
        "/coops/press/library",
        &fields,
        Some(ok_file()),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = upload(&a, &ada, "/coops/press/library", &fields, None).await;
    assert_eq!(status, 400, "no file");

    // Nothing was kept: no entry, no file.
    let api = Api {
        node: &a,
        token: ada.clone(),
    };
    let (_, listed) = api.get("/library").await;
    assert_eq!(listed, json!([]));
    assert_eq!(
        files_under(&a.dir.join("files")),
        Vec::<std::path::PathBuf>::new()
    );

    // A good upload works under the same limit, and a download of an unknown or malformed
    // checksum is a 404.
    let (status, entry) = upload(&a, &ada, "/coops/press/library", &fields, Some(ok_file())).await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(files_under(&a.dir.join("files")).len(), 1);
    let (status, _) = a.get(&format!("/library/files/{}", "0".repeat(64))).await;
    assert_eq!(status, 404);
    let (status, _) = a.get("/library/files/..%2F..%2Fcoopnet.toml").await;
    assert_eq!(status, 404);

    // A version label already taken, or an entry that is not there: refused, no file kept.
    let id = entry["id"].as_str().unwrap();
    let other = a_pdf("second");
    let second = || FilePart {
        name: "guide-2.pdf",
        content_type: Some("application/pdf"),
        bytes: &other,
    };
    let (status, answer) = upload(
        &a,
        &ada,
        "/coops/press/library/version",
        &[("id", id), ("version", "1")],
        Some(second()),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    let (status, _) = upload(
        &a,
        &ada,
        "/coops/press/library/version",
        &[
            ("id", "https://nowhere.example/library/x"),
            ("version", "2"),
        ],
        Some(second()),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = upload(
        &a,
        &eve,
        "/coops/other/library/version",
        &[("id", id), ("version", "2")],
        Some(second()),
    )
    .await;
    assert_eq!(status, 404, "another co-op's entry");
    assert_eq!(files_under(&a.dir.join("files")).len(), 1);

    // Editing the entry's text: script refused, plain words kept.
    let (status, _) = api
        .post(
            "/coops/press/library/edit",
            json!({ "id": id, "title": "<img src=x onerror=alert(1)>", "kind": "guide" }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, edited) = api
        .post(
            "/coops/press/library/edit",
            json!({ "id": id, "title": "The guide", "kind": "brochure", "topic": "Outreach" }),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["title"], "The guide");
    assert_eq!(edited["topic"], "outreach");
    assert_eq!(edited["versions"].as_array().unwrap().len(), 1);
    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_peer_document_must_keep_its_downloads_on_its_own_origin() {
    let (a, c) = (spawn_node().await, spawn_node().await);
    a.create_coop("press", CoopKind::Workplace).await;
    c.create_coop("readers", CoopKind::ConsumerCouncil).await;
    let press = c.follow("readers", &a.handle("press")).await;
    let sha = "a".repeat(64);
    let doc = |href: String, name: &str| {
        json!({
            "id": a.url("/library/forged"),
            "type": "Document",
            "attributedTo": press.id.as_str(),
            "name": name,
            "summary": "<p onclick=\"x()\">Hi</p><script>alert(1)</script>",
            "url": [{ "type": "Link", "href": href, "mediaType": "text/html",
                      "sha256": sha, "size": 10, "version": "1", "fileName": "../x.pdf" }],
            "documentKind": "handbook",
            "topic": "Governance"
        })
    };
    let data = c.data();
    let elsewhere = doc(
        "https://elsewhere.example/library/files/x".into(),
        "Handbook",
    );
    let refused =
        coopnode::features::library::wire::store_document(&data, &press, &elsewhere, true).await;
    assert_eq!(refused.unwrap_err().status().as_u16(), 400);
    let no_checksum = json!({ "id": a.url("/library/forged"), "type": "Document",
        "attributedTo": press.id.as_str(), "name": "x",
        "url": { "type": "Link", "href": a.url("/library/files/x"), "sha256": "nope", "size": 1, "version": "1" } });
    let refused =
        coopnode::features::library::wire::store_document(&data, &press, &no_checksum, true).await;
    assert_eq!(refused.unwrap_err().status().as_u16(), 400);
    let (_, listed) = c.get("/api/v1/library").await;
    assert_eq!(listed, "[]", "nothing stored");

    // A well-formed one is kept, sanitised: no script, no active type, a bare file name.
    let fine = doc(a.url(&format!("/library/files/{sha}")), "<b>Handbook</b>");
    assert!(
        coopnode::features::library::wire::store_document(&data, &press, &fine, true)
            .await
            .unwrap()
    );
    let (_, listed) = c.get("/api/v1/library").await;
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let e = &listed[0];
    assert_eq!(e["title"], "Handbook");
    assert_eq!(e["topic"], "governance");
    assert!(!e["summary_html"].as_str().unwrap().contains("script"));
    assert!(!e["summary_html"].as_str().unwrap().contains("onclick"));
    assert_eq!(e["versions"][0]["media_type"], "application/octet-stream");
    assert!(!e["versions"][0]["file_name"]
        .as_str()
        .unwrap()
        .contains('/'));
    a.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_portal_uploads_lists_and_filters_the_library() {
    let a = spawn_node().await;
    a.create_coop("press", CoopKind::Workplace).await;
    user(&a, "ada", &["press"]).await;
    let mut ada = Visitor::new(&a);
    ada.log_in("ada").await;
    let (status, admin) = ada.get("/admin/press").await;
    assert_eq!(status, 200);
    assert!(
        admin.contains("/admin/press/library"),
        "a link to the library"
    );
    let (status, form) = ada.get("/admin/press/library").await;
    assert_eq!(status, 200);
    assert!(form.contains("multipart/form-data"));
    let csrf = csrf_of(&form);

    let session_cookies = ada.cookie_header();
    let send = |fields: Vec<(&'static str, String)>, file: FilePart<'static>| {
        let cookies = session_cookies.clone();
        let a = &a;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = a
                .http
                .post(a.url("/admin/press/library"))
                .header("cookie", cookies)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(multipart_body(&fields, Some(file)))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (status, location.unwrap_or(res.text().await.unwrap()))
        }
    };
    let fields = |title: &str, kind: &str, topic: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", title.to_string()),
            ("kind", kind.to_string()),
            ("topic", topic.to_string()),
            ("licence", "GPL-3.0-or-later".to_string()),
        ]
    };
    let (status, to) = send(
        fields("Stock sheet", "spreadsheet", "Accounts"),
        FilePart {
            name: "stock.csv",
            content_type: Some("text/csv"),
            bytes: b"item,count\nrye,4\n",
        },
    )
    .await;
    assert_eq!(status, 303, "{to}");
    assert!(to.starts_with("/library/entry?id="), "{to}");
    let entry = ada.peek(&to).await;
    assert!(entry.contains(&sha256(b"item,count\nrye,4\n")));
    let (status, _) = send(
        fields("Till software", "software", "tools"),
        FilePart {
            name: "till.tar.gz",
            content_type: Some("application/gzip"),
            bytes: b"\x1f\x8b\x08\x00rest-of-archive",
        },
    )
    .await;
    assert_eq!(status, 303);

    // A page sent as a PDF: an error page, and nothing more in the library.
    let (status, page) = send(
        fields("Sneaky", "guide", "tools"),
        FilePart {
            name: "guide.pdf",
            content_type: Some("application/pdf"),
            bytes: b"<html><script>alert(1)</script></html>",
        },
    )
    .await;
    assert_eq!(status, 415);
    assert!(page.contains("role=\"alert\""), "{page}");
    // A form without the session's CSRF token is refused.
    let mut forged = fields("Forged", "guide", "tools");
    forged[0].1 = "wrong".into();
    let (status, _) = send(
        forged,
        FilePart {
            name: "guide.pdf",
            content_type: None,
            bytes: b"%PDF-1.4 forged",
        },
    )
    .await;
    assert!((400..500).contains(&status), "{status}");

    let visitor = Visitor::new(&a);
    let all = visitor.peek("/library").await;
    assert!(all.contains("Stock sheet") && all.contains("Till software"));
    assert!(!all.contains("Sneaky") && !all.contains("Forged"));
    let software = visitor.peek("/library?kind=software").await;
    assert!(software.contains("Till software") && !software.contains("Stock sheet"));
    let accounts = visitor.peek("/library?topic=accounts&q=stock").await;
    assert!(accounts.contains("Stock sheet") && !accounts.contains("Till software"));
    a.shutdown().await;
}

/// Stops the S3 server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The library on S3-compatible object storage (moto's standalone server): a file uploaded on A
/// is kept in the bucket, not on A's disk, and downloads from A with its checksum.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_library_on_s3_compatible_storage_keeps_and_serves_its_files() {
    ensure_moto();
    let port = free_port();
    let _s3 = Server(
        std::process::Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto's S3 server"),
    );
    let endpoint = format!("http://127.0.0.1:{port}");
    let bucket_url = format!("{endpoint}/coopnet-library");
    coopnode::install_crypto_provider();
    let http = reqwest::Client::new();
    wait_until("the S3 server makes the bucket", || async {
        http.put(&bucket_url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    std::env::set_var("COOPNET_TEST_S3_ACCESS", "test-access-key");
    std::env::set_var("COOPNET_TEST_S3_SECRET", "test-secret-key");
    let a = spawn_node_with_files(coopnode::core::config::FilesConfig {
        store: "s3".into(),
        bucket: Some("coopnet-library".into()),
        endpoint: Some(endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_env: Some("COOPNET_TEST_S3_ACCESS".into()),
        secret_key_env: Some("COOPNET_TEST_S3_SECRET".into()),
        ..Default::default()
    })
    .await;
    a.create_coop("press", CoopKind::Workplace).await;
    let ada = user(&a, "ada", &["press"]).await;

    let bytes = a_pdf("the tool library's rules");
    let (status, entry) = upload(
        &a,
        &ada,
        "/coops/press/library",
        &[
            ("title", "Tool library rules"),
            ("summary", "Lending tools between co-ops."),
            ("licence", "CC0-1.0"),
            ("topic", "Tools"),
            ("kind", "guide"),
            ("version", "1"),
        ],
        Some(FilePart {
            name: "rules.pdf",
            content_type: Some("application/pdf"),
            bytes: &bytes,
        }),
    )
    .await;
    assert_eq!(status, 201, "{entry}");
    let sum = entry["versions"][0]["sha256"].as_str().unwrap().to_string();
    assert_eq!(sum, sha256(&bytes));

    let listing = http
        .get(format!("{bucket_url}?list-type=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listing.contains(&sum),
        "the file is in the bucket: {listing}"
    );
    let on_disk = a.dir.join("files");
    assert!(
        !on_disk.exists() || std::fs::read_dir(&on_disk).unwrap().next().is_none(),
        "nothing is kept on A's disk"
    );
    let (status, _, got) = download(entry["versions"][0]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(got, bytes);
    assert_eq!(sha256(&got), sum);
    a.shutdown().await;
}
