//! Test support: real nodes on loopback ports, each with a fresh database.
//!
//! `COOPNET_TEST_DATABASE=postgres` runs every node on its own new PostgreSQL database (on
//! `COOPNET_TEST_PG_URL`, by default the CI server at 127.0.0.1:5432); anything else, or nothing,
//! runs them on SQLite in a temporary folder. Each node announces its backend on stderr.

#![allow(dead_code)]

use std::{
    future::Future,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime},
};

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use coopnode::app;
use coopnode::app::RunningNode;
use coopnode::core::config::FileConfig;
use coopnode::core::federation as activitypub;
use coopnode::core::federation::{convert, outgoing, KnownActor};
use coopnode::core::store::Db;
use coopnode::core::AppState;
use coopnode::features::coops;
use coopnode::features::coops::{CoopKind, NewCoop, Username};
use rsa::{pkcs1v15::Pkcs1v15Sign, pkcs8::DecodePrivateKey, RsaPrivateKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Connection;
use tokio::net::TcpListener;
use url::Url;

pub const PASSWORD: &str = "correct horse battery";

/// How long any wait in a test may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("COOPNET_TEST_DATABASE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

fn pg_admin_url() -> String {
    std::env::var("COOPNET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A new, empty database URL for one node.
pub async fn fresh_database(dir: &Path) -> String {
    match backend() {
        Backend::Sqlite => {
            eprintln!(
                "[coopnet tests] storage backend: SQLite in {}",
                dir.display()
            );
            Db::sqlite_url(dir)
        }
        Backend::Postgres => {
            let admin = pg_admin_url();
            let name = format!("coopnet_t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {admin} does not answer: {e}"));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let mut url = Url::parse(&admin).expect("PG URL");
            url.set_path(&format!("/{name}"));
            eprintln!("[coopnet tests] storage backend: PostgreSQL database {name}");
            url.to_string()
        }
    }
}

pub fn temp_dir(label: &str) -> PathBuf {
    coopnode::install_crypto_provider();
    let dir = std::env::temp_dir().join(format!(
        "coopnet-test-{label}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// How a test node is configured.
#[derive(Debug, Clone, Copy)]
pub struct NodeOptions {
    pub allow_private_network: bool,
    pub authorized_fetch: bool,
}

impl Default for NodeOptions {
    fn default() -> NodeOptions {
        NodeOptions {
            allow_private_network: true,
            authorized_fetch: false,
        }
    }
}

/// Writes the configuration of a development node on `port` into `dir`.
pub async fn init_node_dir(dir: &Path, port: u16) -> String {
    init_node_dir_with(dir, port, NodeOptions::default()).await
}

pub async fn init_node_dir_with(dir: &Path, port: u16, options: NodeOptions) -> String {
    init_node_dir_full(dir, port, options, Default::default()).await
}

async fn init_node_dir_full(
    dir: &Path,
    port: u16,
    options: NodeOptions,
    files: coopnode::core::config::FilesConfig,
) -> String {
    let domain = format!("localhost:{port}");
    let config = FileConfig {
        domain: domain.clone(),
        database_url: fresh_database(dir).await,
        listen: format!("127.0.0.1:{port}"),
        allow_private_network: options.allow_private_network,
        authorized_fetch: options.authorized_fetch,
        node_name: format!("Test node {port}"),
        files,
    };
    coopnode::app::init(dir, &config).await.expect("init node");
    domain
}

/// A real node serving on a loopback port.
pub struct TestNode {
    pub dir: PathBuf,
    pub domain: String,
    pub base: Url,
    pub port: u16,
    node: Option<RunningNode>,
    pub http: reqwest::Client,
}

pub async fn spawn_node() -> TestNode {
    spawn_node_with(NodeOptions::default()).await
}

pub async fn spawn_node_with(options: NodeOptions) -> TestNode {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = temp_dir("node");
    let domain = init_node_dir_with(&dir, port, options).await;
    start_on(dir, domain, port, listener).await
}

/// A node whose library keeps its files where `files` says (an S3-compatible store, say).
pub async fn spawn_node_with_files(files: coopnode::core::config::FilesConfig) -> TestNode {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let dir = temp_dir("node");
    let domain = init_node_dir_full(&dir, port, NodeOptions::default(), files).await;
    start_on(dir, domain, port, listener).await
}

async fn start_on(dir: PathBuf, domain: String, port: u16, listener: TcpListener) -> TestNode {
    let federation = app::open(&dir).await.expect("open node");
    let node = app::start(federation, listener).expect("start node");
    TestNode {
        // Nodes without the development setting name themselves https, but serve plain http here.
        base: Url::parse(&format!("http://{domain}/")).expect("base"),
        dir,
        domain,
        port,
        node: Some(node),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    }
}

impl TestNode {
    pub fn state(&self) -> &AppState {
        self.node.as_ref().expect("node running").state()
    }

    pub fn data(&self) -> activitypub_federation::config::Data<AppState> {
        self.node
            .as_ref()
            .expect("node running")
            .federation
            .to_request_data()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.domain, path)
    }

    pub fn handle(&self, name: &str) -> String {
        format!("@{name}@{}", self.domain)
    }

    /// Stops serving, as a crashed or stopped peer would.
    pub async fn stop(&mut self) {
        if let Some(node) = self.node.take() {
            node.stop().await;
        }
    }

    /// Starts again on the same port and data.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        let restarted = start_on(self.dir.clone(), self.domain.clone(), self.port, listener).await;
        self.node = restarted.node;
    }

    pub async fn create_user(&self, name: &str, admin: bool) {
        coops::create_user(
            &self.state().db,
            &self.state().settings,
            &Username::parse(name).expect("username"),
            PASSWORD,
            admin,
        )
        .await
        .expect("create user");
    }

    pub async fn create_coop(&self, handle: &str, kind: CoopKind) -> KnownActor {
        let row = coops::create_coop(
            &self.state().db,
            &self.state().settings,
            NewCoop {
                handle: Username::parse(handle).expect("handle"),
                name: &format!("The {handle} co-op"),
                kind,
                summary: "A co-op under test.",
                region: Some("Testshire"),
                industry: Some("Testing"),
            },
        )
        .await
        .expect("create coop");
        convert::local_actor(&row, &self.state().settings)
    }

    pub async fn coop(&self, handle: &str) -> KnownActor {
        let row = self
            .state()
            .db
            .local_actor_by_username(handle)
            .await
            .expect("db")
            .expect("coop exists");
        convert::local_actor(&row, &self.state().settings)
    }

    /// `as_handle` (local) follows `target` (`@name@host`), as the portal's Follow button does.
    pub async fn follow(&self, as_handle: &str, target: &str) -> KnownActor {
        let me = self.coop(as_handle).await;
        let handle = coopnet_schemas::Handle::parse(target).expect("handle");
        let target = activitypub::resolve_handle(&handle, &self.data())
            .await
            .expect("resolve target");
        outgoing::follow(self.state(), &me, &target)
            .await
            .expect("follow");
        target
    }

    pub async fn unfollow(&self, as_handle: &str, target: &KnownActor) {
        let me = self.coop(as_handle).await;
        outgoing::unfollow(self.state(), &me, target)
            .await
            .expect("unfollow");
    }

    pub async fn post(&self, as_handle: &str, text: &str) -> String {
        let me = self.coop(as_handle).await;
        coopnode::features::posts::publish_note(self.state(), &me, text)
            .await
            .expect("publish")
            .id
    }

    pub async fn edit_post(&self, as_handle: &str, id: &str, text: &str) {
        let me = self.coop(as_handle).await;
        coopnode::features::posts::update_note(self.state(), &me, id, text)
            .await
            .expect("update");
    }

    pub async fn delete_post(&self, as_handle: &str, id: &str) {
        let me = self.coop(as_handle).await;
        coopnode::features::posts::delete_note(self.state(), &me, id)
            .await
            .expect("delete");
    }

    /// The follow's state as this node records it, if any.
    pub async fn follow_state(&self, as_handle: &str, target: &KnownActor) -> Option<String> {
        let me = self.coop(as_handle).await;
        self.state()
            .db
            .follow(me.id.as_str(), target.id.as_str())
            .await
            .expect("db")
            .map(|f| f.state)
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self.http.get(self.url(path)).send().await.expect("GET");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    pub async fn get_activity_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self
            .http
            .get(self.url(path))
            .header("Accept", "application/activity+json")
            .send()
            .await
            .expect("GET");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// The home page (the aggregated feed) as a visitor sees it.
    pub async fn home_page(&self) -> String {
        self.get("/").await.1
    }

    pub async fn followers_total(&self, handle: &str) -> u64 {
        let (_, v) = self
            .get_activity_json(&format!("/coops/{handle}/followers"))
            .await;
        v["totalItems"].as_u64().unwrap_or(0)
    }

    /// Pending deliveries in this node's queue.
    pub async fn pending_deliveries(&self) -> i64 {
        self.state().db.queue_counts().await.expect("db").pending
    }

    /// Stops the node and, on PostgreSQL, drops its database so test runs leave nothing behind.
    pub async fn shutdown(mut self) {
        self.stop().await;
        let Ok(config) = FileConfig::load(&self.dir) else {
            return;
        };
        drop_database(&config.database_url).await;
    }
}

/// Drops a test database on PostgreSQL (SQLite files live in temporary folders). Best effort:
/// a database still in use is left.
pub async fn drop_database(url: &str) {
    if !url.starts_with("postgres") {
        return;
    }
    let Some(name) = Url::parse(url)
        .ok()
        .map(|u| u.path().trim_start_matches('/').to_string())
    else {
        return;
    };
    if !name.starts_with("coopnet_") {
        return;
    }
    if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&mut conn)
            .await;
    }
}

/// Waits until `check` holds, polling; fails the test with `what` at the deadline.
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return;
        }
        if start.elapsed() > DEADLINE {
            panic!("timed out after {:?} waiting until {what}", DEADLINE);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Signs a POST the way a peer does (draft-cavage, rsa-sha256), with a date of our choosing.
pub fn signed_post_headers(
    private_key_pem: &str,
    key_id: &str,
    url: &Url,
    body: &[u8],
    date: SystemTime,
) -> reqwest::header::HeaderMap {
    let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem).expect("key");
    let digest = format!("SHA-256={}", B64.encode(Sha256::digest(body)));
    let date = httpdate::fmt_http_date(date);
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let signing =
        format!("(request-target): post {target}\nhost: {host}\ndate: {date}\ndigest: {digest}");
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing.as_bytes()),
        )
        .expect("sign");
    let mut headers = reqwest::header::HeaderMap::new();
    let mut put = |k: &'static str, v: String| {
        headers.insert(
            k,
            reqwest::header::HeaderValue::from_str(&v).expect("header"),
        );
    };
    put("host", host);
    put("date", date);
    put("digest", digest);
    put("content-type", "application/activity+json".into());
    put(
        "signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{}\"",
            B64.encode(signature)
        ),
    );
    headers
}

/// Headers of a GET signed as a peer's fetch: `(request-target) host date`.
pub fn signed_get_headers(
    private_key_pem: &str,
    key_id: &str,
    url: &Url,
    date: SystemTime,
) -> reqwest::header::HeaderMap {
    let key = RsaPrivateKey::from_pkcs8_pem(private_key_pem).expect("key");
    let date = httpdate::fmt_http_date(date);
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let signing = format!("(request-target): get {target}\nhost: {host}\ndate: {date}");
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing.as_bytes()),
        )
        .expect("sign");
    let mut headers = reqwest::header::HeaderMap::new();
    let mut put = |k: &'static str, v: String| {
        headers.insert(
            k,
            reqwest::header::HeaderValue::from_str(&v).expect("header"),
        );
    };
    put("host", host);
    put("date", date);
    put(
        "signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{}\"",
            B64.encode(signature)
        ),
    );
    headers
}

/// The private key of a local actor of `node`.
pub async fn private_key(node: &TestNode, handle: &str) -> String {
    node.state()
        .db
        .local_actor_by_username(handle)
        .await
        .expect("db")
        .expect("actor")
        .private_key_pem
}

/// The workspace's root folder.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Held while a test checks for and installs what it needs, so that tests running at once do
/// not install the same thing together (two `npm install`s in one folder fail).
static SETUP: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn setup_lock() -> std::sync::MutexGuard<'static, ()> {
    SETUP
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn run_setup(what: &str, program: &str, args: &[&str], dir: &Path) {
    eprintln!(
        "[coopnet tests] setting up {what}: {program} {}",
        args.join(" ")
    );
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {program} to set up {what}: {e}"));
    assert!(
        status.success(),
        "setting up {what} failed: {program} {args:?} exited with {status}"
    );
}

/// The Python peer's libraries (bovine, aiohttp), installed from the package index if missing.
pub fn ensure_python_peer() {
    let _setup = setup_lock();
    let ok = std::process::Command::new("python3")
        .args(["-c", "import bovine, aiohttp"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        run_setup(
            "the Python ActivityPub peer",
            "python3",
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                "tests/peers/requirements.txt",
            ],
            &workspace(),
        );
    }
}

/// moto's S3-compatible server (from tests/peers/requirements.txt), installed if missing.
pub fn ensure_moto() {
    let _setup = setup_lock();
    let ok = std::process::Command::new("python3")
        .args(["-c", "import moto.server, flask"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        run_setup(
            "moto's S3 server",
            "python3",
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                "tests/peers/requirements.txt",
            ],
            &workspace(),
        );
    }
}

/// Debian's Chromium and the playwright-core driver, installed if missing.
pub fn ensure_browser() {
    let _setup = setup_lock();
    if !Path::new("/usr/bin/chromium").exists() {
        run_setup("Chromium", "apt-get", &["update", "-qq"], &workspace());
        run_setup(
            "Chromium",
            "apt-get",
            &["install", "-y", "-qq", "chromium"],
            &workspace(),
        );
    }
    let browser_dir = workspace().join("tests/browser");
    if !browser_dir.join("node_modules/playwright-core").exists() {
        run_setup(
            "playwright-core",
            "npm",
            &["install", "--no-audit", "--no-fund"],
            &browser_dir,
        );
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A browser-like session: keeps cookies, reads hidden CSRF fields.
pub struct Visitor<'a> {
    pub node: &'a TestNode,
    pub cookies: Vec<(String, String)>,
}

impl<'a> Visitor<'a> {
    pub fn new(node: &'a TestNode) -> Visitor<'a> {
        Visitor {
            node,
            cookies: Vec::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn keep_cookies(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let (pair, _) = value.split_once(';').unwrap_or((value, ""));
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
    }

    pub async fn get_full(&mut self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let res = self
            .node
            .http
            .get(self.node.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.text().await.unwrap())
    }

    pub async fn get(&mut self, path: &str) -> (u16, String) {
        let (status, _, body) = self.get_full(path).await;
        (status, body)
    }

    /// A page's body, without keeping any cookie it sets: for polling.
    pub async fn peek(&self, path: &str) -> String {
        let res = self
            .node
            .http
            .get(self.node.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        res.text().await.unwrap()
    }

    /// Posts a form; returns the status and, for redirects, where to.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let res = self
            .node
            .http
            .post(self.node.url(path))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        let body = res.text().await.unwrap();
        (status, location.unwrap_or(body))
    }

    /// Logs in with any password; returns the status and where the answer redirects.
    pub async fn log_in_with(&mut self, username: &str, password: &str) -> (u16, String) {
        let (_, page) = self.get("/login").await;
        let csrf = csrf_of(&page);
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await
    }

    pub async fn log_in(&mut self, username: &str) {
        let (_, page) = self.get("/login").await;
        let csrf = csrf_of(&page);
        let (status, _) = self
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(status, 303, "{username} logs in");
    }
}

/// The value of the first field called `name` on a page.
pub fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("a {name} field"))
        + marker.len();
    page[at..].split('"').next().unwrap().to_string()
}

pub fn csrf_of(page: &str) -> String {
    field(page, "csrf")
}

/// An API client acting as one user of a node, with a token from `coopnode token create`.
pub const BIN: &str = env!("CARGO_BIN_EXE_coopnode");

pub fn token(node: &TestNode, username: &str) -> String {
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

pub struct Api<'a> {
    pub node: &'a TestNode,
    pub token: String,
}

impl Api<'_> {
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .node
            .http
            .request(method, self.node.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

/// A new user of `node` who administers the co-ops `admin_of` and belongs to `member_of`;
/// returns their API token.
pub async fn member_token(
    node: &TestNode,
    name: &str,
    admin_of: &[&str],
    member_of: &[&str],
) -> String {
    node.create_user(name, false).await;
    let db = &node.state().db;
    let row = db.user_by_username(name).await.unwrap().unwrap();
    for handle in admin_of {
        let coop = node.coop(handle).await;
        db.add_coop_admin(coop.id.as_str(), row.id).await.unwrap();
    }
    for handle in member_of {
        let coop = node.coop(handle).await;
        db.add_coop_member(coop.id.as_str(), row.id, 0)
            .await
            .unwrap();
    }
    token(node, name)
}

/// A POST of `activity` to `inbox`, signed with `key` as `actor`'s `#main-key`, from `node`'s
/// client; the status it gets.
pub async fn send_signed(
    node: &TestNode,
    key: &str,
    actor: &str,
    inbox: &str,
    activity: &serde_json::Value,
) -> u16 {
    let inbox = Url::parse(inbox).unwrap();
    let body = serde_json::to_vec(activity).unwrap();
    let headers = signed_post_headers(
        key,
        &format!("{actor}#main-key"),
        &inbox,
        &body,
        std::time::SystemTime::now(),
    );
    node.http
        .post(inbox)
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
