//! Figures for the federation targets in DESIGN.md ("Targets"): inbox throughput, fan-out to
//! 1,000 followers on 100 hosts, and an idle node's memory and start-up time.
//!
//! `cargo bench -p coopnode --bench federation` runs all three parts; `-- inbox`, `-- fanout` or
//! `-- footprint` runs only those named. `COOPNET_BENCH_DATABASE=postgres` puts every node on a
//! fresh PostgreSQL database (at `COOPNET_TEST_PG_URL`, by default the CI server on
//! 127.0.0.1:5432), as the test harness does; otherwise each node has SQLite in a temporary
//! folder. `COOPNET_BENCH_INBOX_N`, `COOPNET_BENCH_CONCURRENCY` and `COOPNET_BENCH_INBOX_RUNS` change
//! the inbox part's size.
//!
//! Everything runs on loopback, is bounded in count and time, and stops by itself. This program
//! prints numbers; it asserts nothing beyond what it needs to trust them (every request answered,
//! every note stored, every host reached).

#[path = "../tests/support/mod.rs"]
mod support;

use std::{
    collections::HashMap,
    path::Path,
    process::Stdio,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant, SystemTime},
};

use anyhow::{bail, Context};
use axum::{
    body::Bytes,
    extract::{Path as UrlPath, State},
    http::{header::CONTENT_TYPE, StatusCode},
    routing::{get, post},
    Router,
};
use coopnode::core::config::FileConfig;
use coopnode::core::federation::{convert, KnownActor};
use coopnode::core::store::follows::FollowState;
use coopnode::core::store::now_ms;
use coopnode::features::coops::CoopKind;
use coopnode::features::posts::store::PostRow;
use rsa::{pkcs8::EncodePublicKey, RsaPrivateKey};
use serde_json::{json, Value};
use sqlx::Connection;
use tokio::{io::AsyncBufReadExt, net::TcpListener, task::JoinHandle};
use url::Url;

use support::{Backend, TestNode};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Requests sent before the timed inbox phase, to open connections and warm caches.
const INBOX_WARMUP: usize = 200;
const FANOUT_HOSTS: usize = 100;
const FOLLOWERS_PER_HOST: usize = 10;
/// Posts in the all-hosts-alive fan-out run: the first on cold connections, the rest warm.
const FANOUT_POSTS: usize = 5;
/// The longest any wait in this program may take before the part is reported as failed.
const WAIT_LIMIT: Duration = Duration::from_secs(60);
const STARTUP_RUNS: usize = 10;
const IDLE: Duration = Duration::from_secs(5);

fn main() -> anyhow::Result<()> {
    // The harness reads its backend from COOPNET_TEST_DATABASE; set it before any thread starts.
    let postgres = std::env::var("COOPNET_BENCH_DATABASE").as_deref() == Ok("postgres");
    std::env::set_var(
        "COOPNET_TEST_DATABASE",
        if postgres { "postgres" } else { "sqlite" },
    );
    // cargo passes `--bench`; anything not starting with a dash names a part to run.
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    const PARTS: [&str; 3] = ["inbox", "fanout", "footprint"];
    if let Some(unknown) = parts.iter().find(|p| !PARTS.contains(&p.as_str())) {
        bail!(
            "no part named {unknown:?}; the parts are {}",
            PARTS.join(", ")
        );
    }
    let wants = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        print_machine().await?;
        if wants("inbox") {
            let n = env_number("COOPNET_BENCH_INBOX_N", 5_000);
            let concurrency = env_number("COOPNET_BENCH_CONCURRENCY", 32);
            let runs = env_number("COOPNET_BENCH_INBOX_RUNS", 3).max(1);
            inbox_throughput(n, concurrency, runs).await?;
        }
        if wants("fanout") {
            fan_out().await?;
        }
        if wants("footprint") {
            footprint().await?;
        }
        Ok(())
    })
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// The machine

async fn print_machine() -> anyhow::Result<()> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown");
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{} MiB", kb / 1024))
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let kernel = kernel.trim();
    let storage = match support::backend() {
        Backend::Sqlite => format!(
            "SQLite (WAL, synchronous=NORMAL), files under {}",
            std::env::temp_dir().display()
        ),
        Backend::Postgres => format!("PostgreSQL ({})", postgres_version().await?),
    };
    println!("== Coopnet federation benchmarks");
    println!(
        "date:     {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!("machine:  {cores} cores (nproc), {cpu}, {memory} RAM, Linux {kernel}",);
    println!("storage:  {storage}");
    println!("source:   {}", source_revision());
    println!(
        "profile:  {}",
        if cfg!(debug_assertions) {
            "debug (figures are not meaningful; run `cargo bench`)"
        } else {
            "release"
        }
    );
    println!("all load generators and peers run in this process, on the same cores as the node");
    Ok(())
}

/// The commit the node was built from, and whether its sources had uncommitted changes.
fn source_revision() -> String {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(workspace)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown (not a git checkout)".into();
    };
    let dirty = git(&[
        "status",
        "--porcelain",
        "--",
        "node/src",
        "schemas/src",
        "federation/src",
        "migrations",
    ])
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("commit {commit} with uncommitted changes to the node's sources")
    } else {
        format!("commit {commit}")
    }
}

fn pg_admin_url() -> String {
    std::env::var("COOPNET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

async fn postgres_version() -> anyhow::Result<String> {
    let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await?;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await?;
    Ok(version)
}

/// Stops a node and removes its data: the folder, and its PostgreSQL database if it has one.
async fn discard(mut node: TestNode) -> anyhow::Result<()> {
    node.stop().await;
    let url = FileConfig::load(&node.dir)?.database_url;
    drop_database(&url).await?;
    std::fs::remove_dir_all(&node.dir)?;
    Ok(())
}

async fn drop_database(url: &str) -> anyhow::Result<()> {
    if !url.starts_with("postgres") {
        return Ok(());
    }
    let name = Url::parse(url)?.path().trim_start_matches('/').to_string();
    let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Waits for `check` to hold, up to WAIT_LIMIT.
async fn wait_for<F, Fut>(what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        if start.elapsed() > WAIT_LIMIT {
            bail!("gave up after {WAIT_LIMIT:?} waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The value at quantile `q` (0..=1) of sorted `values`, nearest-rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Busy and total time of the whole machine so far, in USER_HZ ticks, from /proc/stat.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
    let total: u64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// The share of the whole machine that was busy between two `machine_ticks` readings.
fn machine_busy(before: (u64, u64), after: (u64, u64)) -> f64 {
    let busy = after.0.saturating_sub(before.0) as f64;
    let total = after.1.saturating_sub(before.1).max(1) as f64;
    100.0 * busy / total
}

/// CPU time this process has used (user + system), from /proc/self/stat.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map(|(_, s)| s).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line; /proc counts in USER_HZ (100).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

// ---------------------------------------------------------------------------------------------
// 1. Inbox throughput

/// One Create(Note) from `author` on `base`, numbered `i`.
fn create_note(author: &Url, i: usize, published: &str) -> Vec<u8> {
    let origin = author.origin().ascii_serialization();
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{origin}/activities/bench-{i}"),
        "type": "Create",
        "actor": author,
        "published": published,
        "to": [PUBLIC],
        "cc": [format!("{author}/followers")],
        "object": {
            "id": format!("{origin}/posts/bench-{i}"),
            "type": "Note",
            "attributedTo": author,
            "content": format!("<p>Announcement {i}: the bakery co-op has fresh rye today.</p>"),
            "published": published,
            "to": [PUBLIC],
            "cc": [format!("{author}/followers")],
        }
    });
    serde_json::to_vec(&activity).unwrap_or_default()
}

struct SignedRequest {
    body: Vec<u8>,
    headers: reqwest::header::HeaderMap,
}

/// Builds and signs the activities numbered `numbers`, on every core.
fn presign(
    author: &KnownActor,
    key_pem: &str,
    inbox: &Url,
    numbers: std::ops::Range<usize>,
) -> Vec<SignedRequest> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let published = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let now = SystemTime::now();
    let chunk = numbers.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|c| {
                let published = &published;
                let from = (numbers.start + c * chunk).min(numbers.end);
                let to = (from + chunk).min(numbers.end);
                scope.spawn(move || {
                    (from..to)
                        .map(|i| {
                            let body = create_note(&author.id, i, published);
                            let headers = support::signed_post_headers(
                                key_pem,
                                &author.public_key_id,
                                inbox,
                                &body,
                                now,
                            );
                            SignedRequest { body, headers }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

struct Outcome {
    wall: Duration,
    latencies: Vec<Duration>,
    /// Requests not answered 202, with what they got instead.
    refused: Vec<String>,
}

/// POSTs every request to `inbox`, `concurrency` at a time.
async fn post_all(
    client: &reqwest::Client,
    inbox: &Url,
    requests: Arc<Vec<SignedRequest>>,
    concurrency: usize,
) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<JoinHandle<(Vec<Duration>, Vec<String>)>> = (0..concurrency)
        .map(|_| {
            let (client, inbox, requests, next) = (
                client.clone(),
                inbox.clone(),
                requests.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut refused = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(i) else {
                        break;
                    };
                    let sent = Instant::now();
                    let result = client
                        .post(inbox.clone())
                        .headers(request.headers.clone())
                        .body(request.body.clone())
                        .send()
                        .await;
                    latencies.push(sent.elapsed());
                    match result {
                        Ok(r) if r.status() == StatusCode::ACCEPTED => {}
                        Ok(r) => {
                            let status = r.status();
                            let text = r.text().await.unwrap_or_default();
                            refused.push(format!("{status}: {text}"));
                        }
                        Err(e) => refused.push(e.to_string()),
                    }
                }
                (latencies, refused)
            })
        })
        .collect();
    let mut outcome = Outcome {
        wall: Duration::ZERO,
        latencies: Vec::new(),
        refused: Vec::new(),
    };
    for worker in workers {
        if let Ok((latencies, refused)) = worker.await {
            outcome.latencies.extend(latencies);
            outcome.refused.extend(refused);
        }
    }
    outcome.wall = start.elapsed();
    outcome.latencies.sort();
    outcome
}

async fn inbox_throughput(n: usize, concurrency: usize, runs: usize) -> anyhow::Result<()> {
    println!();
    println!(
        "== 1. Inbox: {n} signed Create(Note) to the shared inbox, {concurrency} in flight, {runs} runs"
    );
    let receiver = support::spawn_node().await;
    let sender = support::spawn_node().await;
    receiver.create_coop("reader", CoopKind::Workplace).await;
    let author = sender.create_coop("bakery", CoopKind::Workplace).await;
    let followed = receiver.follow("reader", &sender.handle("bakery")).await;
    wait_for("the follow is accepted", || async {
        receiver.follow_state("reader", &followed).await.as_deref() == Some("accepted")
    })
    .await?;
    let inbox = Url::parse(&receiver.url("/inbox"))?;
    let key = support::private_key(&sender, "bakery").await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);

    let warmup = Arc::new(presign(&author, &key, &inbox, 0..INBOX_WARMUP));
    let warm = post_all(&client, &inbox, warmup, concurrency).await;
    if !warm.refused.is_empty() {
        bail!(
            "warm-up refused: {:?}",
            &warm.refused[..warm.refused.len().min(3)]
        );
    }
    println!("warm-up: {INBOX_WARMUP} activities posted first (connections, caches); not timed");

    let mut sent = INBOX_WARMUP;
    let mut rates = Vec::new();
    let mut p99s = Vec::new();
    for run in 1..=runs {
        let signing = Instant::now();
        let requests = Arc::new(presign(&author, &key, &inbox, sent..sent + n));
        if requests.len() != n {
            bail!("signed {} requests of {n}", requests.len());
        }
        let signing = signing.elapsed();
        let cpu_before = process_cpu();
        let machine_before = machine_ticks();
        let outcome = post_all(&client, &inbox, requests, concurrency).await;
        let machine = machine_busy(machine_before, machine_ticks());
        let cpu = process_cpu().saturating_sub(cpu_before);
        sent += n;

        let stored = receiver
            .state()
            .db
            .posts_by(author.id.as_str(), (sent * 2) as i64, 0)
            .await?
            .len();
        let lat = &outcome.latencies;
        let rate = n as f64 / outcome.wall.as_secs_f64();
        let lost = sent.saturating_sub(stored);
        println!(
            "run {run}: {rate:.0} activities/s ({n} in {:.2} s); latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
             CPU: this process {:.0}%, whole machine {machine:.0}% of {cores} cores; {stored} of {sent} posts stored: {}{} (signing took {:.1} s, untimed)",
            outcome.wall.as_secs_f64(),
            millis(quantile(lat, 0.50)),
            millis(quantile(lat, 0.99)),
            millis(quantile(lat, 1.0)),
            100.0 * cpu.as_secs_f64() / outcome.wall.as_secs_f64() / cores as f64,
            if lost == 0 {
                "none lost".to_string()
            } else {
                format!("{lost} LOST")
            },
            if outcome.refused.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} refused, e.g. {:?}",
                    outcome.refused.len(),
                    &outcome.refused[..outcome.refused.len().min(3)]
                )
            },
            signing.as_secs_f64(),
        );
        rates.push(rate);
        p99s.push(quantile(lat, 0.99));
    }
    rates.sort_by(f64::total_cmp);
    p99s.sort();
    println!(
        "inbox summary: median {:.0} activities/s (range {:.0} to {:.0}); p99 median {:.1} ms, worst {:.1} ms",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1],
        millis(p99s[p99s.len() / 2]),
        millis(p99s[p99s.len() - 1]),
    );
    println!(
        "this process holds the node, the {concurrency} client connections and the idle sender; \
         the whole machine adds the database server, if any, and anything else running"
    );

    store_ceiling(&receiver, n, concurrency).await?;
    discard(receiver).await?;
    discard(sender).await?;
    Ok(())
}

/// How fast the store alone answers the inbox's kinds of query at the same concurrency: a
/// ceiling for the inbox, which makes several of each per activity.
async fn store_ceiling(node: &TestNode, n: usize, concurrency: usize) -> anyhow::Result<()> {
    let db = node.state().db.clone();
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let writers: Vec<JoinHandle<anyhow::Result<()>>> = (0..concurrency)
        .map(|_| {
            let (db, next) = (db.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return Ok(());
                    }
                    let now = now_ms();
                    db.insert_post(&PostRow {
                        id: format!("urn:coopnet:bench:store:{i}"),
                        author_id: "urn:coopnet:bench:author".into(),
                        content_html: "<p>A row to measure the store by.</p>".into(),
                        content_source: None,
                        in_reply_to: None,
                        is_local: 0,
                        published_at: now,
                        updated_at: None,
                        received_at: now,
                        deleted_at: None,
                    })
                    .await?;
                }
            })
        })
        .collect();
    for w in writers {
        w.await??;
    }
    let writes = n as f64 / start.elapsed().as_secs_f64();
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let readers: Vec<JoinHandle<anyhow::Result<()>>> = (0..concurrency)
        .map(|_| {
            let (db, next) = (db.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return Ok(());
                    }
                    db.post(&format!("urn:coopnet:bench:store:{i}")).await?;
                }
            })
        })
        .collect();
    for r in readers {
        r.await??;
    }
    let reads = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "store alone, {concurrency} callers: {writes:.0} single-row inserts/s (Db::insert_post), \
         {reads:.0} point reads/s (Db::post)"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 2. Fan-out

/// What the peers received: for each host (port), when each object arrived.
#[derive(Default)]
struct Arrivals {
    log: Mutex<Vec<(u16, String, Instant)>>,
}

impl Arrivals {
    /// When each of `ports` first received `object`, if it has.
    fn first_arrivals(&self, object: &str, ports: &[u16]) -> HashMap<u16, (Instant, usize)> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let mut seen: HashMap<u16, (Instant, usize)> = HashMap::new();
        for (port, obj, at) in log.iter() {
            if obj == object && ports.contains(port) {
                let entry = seen.entry(*port).or_insert((*at, 0));
                entry.0 = entry.0.min(*at);
                entry.1 += 1;
            }
        }
        seen
    }
}

#[derive(Clone)]
struct Peer {
    port: u16,
    public_key_pem: Arc<String>,
    arrivals: Arc<Arrivals>,
}

/// The actor document of follower `name` on the peer at `port`.
fn follower_doc(port: u16, name: &str, public_key_pem: &str) -> Value {
    let id = format!("http://localhost:{port}/users/{name}");
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": format!("Member {name}"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "endpoints": { "sharedInbox": format!("http://localhost:{port}/inbox") },
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": public_key_pem,
        }
    })
}

fn follower_name(i: usize) -> String {
    format!("member{i}")
}

async fn peer_actor(
    State(peer): State<Peer>,
    UrlPath(name): UrlPath<String>,
) -> (
    StatusCode,
    [(axum::http::HeaderName, &'static str); 1],
    String,
) {
    let known = (0..FOLLOWERS_PER_HOST).any(|i| follower_name(i) == name);
    if !known {
        return (
            StatusCode::NOT_FOUND,
            [(CONTENT_TYPE, "text/plain")],
            String::new(),
        );
    }
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "application/activity+json")],
        follower_doc(peer.port, &name, &peer.public_key_pem).to_string(),
    )
}

async fn peer_inbox(State(peer): State<Peer>, body: Bytes) -> StatusCode {
    let at = Instant::now();
    let Ok(activity) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let object = match &activity["object"] {
        Value::String(id) => id.clone(),
        other => other["id"].as_str().unwrap_or_default().to_string(),
    };
    peer.arrivals
        .log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((peer.port, object, at));
    StatusCode::ACCEPTED
}

/// A peer server on a loopback port: actor documents for its followers, and inboxes that count.
async fn start_peer(
    public_key_pem: Arc<String>,
    arrivals: Arc<Arrivals>,
) -> anyhow::Result<(u16, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let peer = Peer {
        port,
        public_key_pem,
        arrivals,
    };
    let app = Router::new()
        .route("/users/{name}", get(peer_actor))
        .route("/users/{name}/inbox", post(peer_inbox))
        .route("/inbox", post(peer_inbox))
        .with_state(peer);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((port, task))
}

/// A host that accepts connections and never answers.
async fn start_silent_host() -> anyhow::Result<(u16, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    Ok((port, task))
}

/// A loopback port nothing listens on.
async fn closed_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}

/// Gives `coop` on `node` ten accepted followers on each host in `ports`, through the store.
async fn add_followers(
    node: &TestNode,
    coop: &KnownActor,
    ports: &[u16],
    public_key_pem: &str,
) -> anyhow::Result<()> {
    let db = &node.state().db;
    for &port in ports {
        for i in 0..FOLLOWERS_PER_HOST {
            let doc = follower_doc(port, &follower_name(i), public_key_pem);
            let doc: coopnet_schemas::actors::ActorDoc = serde_json::from_value(doc)?;
            let row = convert::remote_actor_row(&doc, now_ms())?;
            db.upsert_remote_actor(&row).await?;
            db.upsert_follow(
                &row.id,
                coop.id.as_str(),
                FollowState::Accepted,
                &format!("{}#follow-{}", row.id, uuid::Uuid::new_v4().simple()),
                now_ms(),
            )
            .await?;
        }
    }
    let followers = db.count_followers(coop.id.as_str()).await?;
    if followers as usize != ports.len() * FOLLOWERS_PER_HOST {
        bail!("{followers} followers recorded");
    }
    Ok(())
}

struct FanOut {
    queued: Duration,
    /// Time from publishing to each live host's first receipt, sorted.
    arrivals: Vec<Duration>,
    duplicates: usize,
}

/// Publishes one post and waits until every host in `live` has it.
async fn publish_and_wait(
    node: &TestNode,
    coop: &KnownActor,
    live: &[u16],
    arrivals: &Arrivals,
    text: &str,
) -> anyhow::Result<FanOut> {
    let start = Instant::now();
    let post = coopnode::features::posts::publish_note(node.state(), coop, text)
        .await
        .context("publish")?;
    let queued = start.elapsed();
    let waited = wait_for("every live host has the post", || async {
        arrivals.first_arrivals(&post.id, live).len() == live.len()
    })
    .await;
    let seen = arrivals.first_arrivals(&post.id, live);
    if let Err(e) = waited {
        bail!("{e}: {} of {} hosts reached", seen.len(), live.len());
    }
    let mut times: Vec<Duration> = seen.values().map(|(at, _)| *at - start).collect();
    times.sort();
    Ok(FanOut {
        queued,
        arrivals: times,
        duplicates: seen.values().map(|(_, n)| n - 1).sum(),
    })
}

fn print_fan_out(label: &str, f: &FanOut) {
    println!(
        "{label}: all {} hosts in {:.0} ms (first {:.0} ms, median host {:.0} ms; publish_note itself {:.1} ms){}",
        f.arrivals.len(),
        millis(quantile(&f.arrivals, 1.0)),
        millis(quantile(&f.arrivals, 0.0)),
        millis(quantile(&f.arrivals, 0.5)),
        millis(f.queued),
        if f.duplicates > 0 {
            format!(", {} DUPLICATE deliveries", f.duplicates)
        } else {
            String::new()
        }
    );
}

async fn fan_out() -> anyhow::Result<()> {
    println!();
    println!(
        "== 2. Fan-out: one post to {} followers on {FANOUT_HOSTS} hosts (shared inboxes: one delivery per host)",
        FANOUT_HOSTS * FOLLOWERS_PER_HOST
    );
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let public_key_pem = Arc::new(
        key.to_public_key()
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .context("public key")?,
    );
    let arrivals = Arc::new(Arrivals::default());
    let mut tasks = Vec::new();
    let mut live = Vec::new();
    for _ in 0..FANOUT_HOSTS {
        let (port, task) = start_peer(public_key_pem.clone(), arrivals.clone()).await?;
        live.push(port);
        tasks.push(task);
    }
    // The peers serve what the node was told: check one document through the node's own reader.
    let probe = reqwest::get(format!(
        "http://localhost:{}/users/{}",
        live[0],
        follower_name(0)
    ))
    .await?
    .json::<coopnet_schemas::actors::ActorDoc>()
    .await?;
    convert::remote_actor_row(&probe, now_ms())?;

    // a) Every host answers.
    let node = support::spawn_node().await;
    let coop = node.create_coop("bakery", CoopKind::Workplace).await;
    let setup = Instant::now();
    add_followers(&node, &coop, &live, &public_key_pem).await?;
    println!(
        "{} follower rows written through the store in {:.1} s",
        live.len() * FOLLOWERS_PER_HOST,
        setup.elapsed().as_secs_f64()
    );
    let mut warm = Vec::new();
    for k in 0..FANOUT_POSTS {
        let f =
            publish_and_wait(&node, &coop, &live, &arrivals, &format!("Fan-out post {k}")).await?;
        let label = if k == 0 {
            "all alive, post 1 (cold connections)".to_string()
        } else {
            format!("all alive, post {} (warm)", k + 1)
        };
        print_fan_out(&label, &f);
        let settled = Instant::now();
        wait_for("the sender's queue is empty", || async {
            node.pending_deliveries().await == 0
        })
        .await?;
        println!(
            "    the sender recorded every delivery as done {:.0} ms after the last arrival",
            millis(settled.elapsed())
        );
        if k > 0 {
            warm.push(quantile(&f.arrivals, 1.0));
        }
    }
    warm.sort();
    println!(
        "all alive, warm posts: median {:.0} ms, max {:.0} ms until the last host has the post",
        millis(quantile(&warm, 0.5)),
        millis(quantile(&warm, 1.0))
    );
    discard(node).await?;

    // b) One host accepts the connection and never answers; c) one host's port is closed.
    let (silent, silent_task) = start_silent_host().await?;
    tasks.push(silent_task);
    let closed = closed_port().await?;
    for (label, dead) in [
        ("1 host hangs (accepts, never answers)", silent),
        ("1 host refuses (closed port)", closed),
    ] {
        let alive = &live[..FANOUT_HOSTS - 1];
        let mut ports = alive.to_vec();
        ports.push(dead);
        let node = support::spawn_node().await;
        let coop = node.create_coop("bakery", CoopKind::Workplace).await;
        add_followers(&node, &coop, &ports, &public_key_pem).await?;
        let start = Instant::now();
        let f =
            publish_and_wait(&node, &coop, alive, &arrivals, "Fan-out with a dead host").await?;
        print_fan_out(&format!("{label}, the other 99"), &f);
        let host = format!("localhost:{dead}");
        let recorded = wait_for("the dead host's failure is recorded", || async {
            node.state()
                .db
                .host(&host)
                .await
                .ok()
                .flatten()
                .is_some_and(|h| h.consecutive_failures > 0)
        })
        .await;
        match recorded {
            Ok(()) => println!(
                "{label}: its delivery failed after {:.1} s and waits for a retry",
                start.elapsed().as_secs_f64(),
            ),
            Err(e) => println!("{label}: {e}"),
        }
        wait_for("only the dead host's delivery is pending", || async {
            node.pending_deliveries().await == 1
        })
        .await?;
        discard(node).await?;
    }
    for task in tasks {
        task.abort();
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 3. Footprint and start-up of the real binary

struct Serving {
    child: tokio::process::Child,
    /// What the node says of its own start-up ("ready in N ms"), once it has said it.
    reported: tokio::sync::oneshot::Receiver<String>,
}

fn spawn_serve(dir: &Path) -> anyhow::Result<Serving> {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_coopnode"))
        .arg("serve")
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("spawn coopnode serve")?;
    let stdout = child.stdout.take().context("stdout")?;
    let (tx, reported) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        if let Ok(Some(line)) = lines.next_line().await {
            let _ = tx.send(line);
        }
        // Keep reading so the node never blocks on a full pipe.
        while let Ok(Some(_)) = lines.next_line().await {}
    });
    Ok(Serving { child, reported })
}

/// Polls /healthz until it answers 200; the time from `start`.
async fn wait_healthy(
    serving: &mut Serving,
    client: &reqwest::Client,
    port: u16,
    start: Instant,
) -> anyhow::Result<Duration> {
    let url = format!("http://localhost:{port}/healthz");
    loop {
        if let Ok(r) = client.get(&url).send().await {
            if r.status() == StatusCode::OK {
                return Ok(start.elapsed());
            }
        }
        if let Some(status) = serving.child.try_wait()? {
            bail!("coopnode serve exited with {status} before answering");
        }
        if start.elapsed() > WAIT_LIMIT {
            bail!("coopnode serve did not answer /healthz within {WAIT_LIMIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Asks the node to stop (SIGTERM) and waits; kills it if it does not stop within 10 s.
async fn stop_serve(mut serving: Serving) -> anyhow::Result<()> {
    if let Some(pid) = serving.child.id() {
        let _ = tokio::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await;
    }
    match tokio::time::timeout(Duration::from_secs(10), serving.child.wait()).await {
        Ok(_) => Ok(()),
        Err(_) => {
            serving.child.kill().await?;
            bail!("coopnode serve ignored SIGTERM for 10 s")
        }
    }
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn footprint() -> anyhow::Result<()> {
    println!();
    println!("== 3. Footprint: `coopnode serve` as its own process");
    let binary = env!("CARGO_BIN_EXE_coopnode");
    let size = std::fs::metadata(binary)?.len();
    println!(
        "binary:          {binary}, {:.1} MiB",
        size as f64 / (1024.0 * 1024.0)
    );
    let port = closed_port().await?;
    let dir = support::temp_dir("footprint");
    support::init_node_dir(&dir, port).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(2))
        .build()?;

    let mut serving = spawn_serve(&dir)?;
    wait_healthy(&mut serving, &client, port, Instant::now()).await?;
    tokio::time::sleep(IDLE).await;
    let pid = serving.child.id().context("pid")?;
    let rss = proc_status_kib(pid, "VmRSS:").unwrap_or(0);
    let peak = proc_status_kib(pid, "VmHWM:").unwrap_or(0);
    let threads = proc_status_kib(pid, "Threads:").unwrap_or(0);
    println!(
        "idle resident:   {:.1} MiB VmRSS after {} s idle (peak VmHWM {:.1} MiB, {threads} threads)",
        rss as f64 / 1024.0,
        IDLE.as_secs(),
        peak as f64 / 1024.0
    );
    stop_serve(serving).await?;

    let mut startups = Vec::new();
    let mut reported = Vec::new();
    for _ in 0..STARTUP_RUNS {
        let start = Instant::now();
        let mut serving = spawn_serve(&dir)?;
        startups.push(wait_healthy(&mut serving, &client, port, start).await?);
        if let Ok(Ok(line)) =
            tokio::time::timeout(Duration::from_secs(1), &mut serving.reported).await
        {
            reported.push(line);
        }
        stop_serve(serving).await?;
    }
    startups.sort();
    println!(
        "start-up:        spawn to first 200 on /healthz over {STARTUP_RUNS} runs: median {:.0} ms, max {:.0} ms (min {:.0} ms)",
        millis(quantile(&startups, 0.5)),
        millis(quantile(&startups, 1.0)),
        millis(quantile(&startups, 0.0)),
    );
    let own: Vec<&str> = reported
        .iter()
        .filter_map(|l| {
            l.rsplit_once("ready in ")
                .map(|(_, ms)| ms.trim_end_matches(')'))
        })
        .collect();
    println!("node's own log:  ready in {}", own.join(", "));
    let url = FileConfig::load(&dir)?.database_url;
    drop_database(&url).await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
