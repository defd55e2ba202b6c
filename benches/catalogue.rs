//! Benchmark: the network catalogue with 100,000 items from 50 nodes, filtered and searched.
//!
//! Prints the requests per second the node serves at full load, and the p50/p99 latency when
//! offered a steady 500 requests per second (DESIGN.md's target: p99 under 20 ms). Requests mix
//! full-text searches, category, workplace and region filters, sorts and later pages, as people
//! browsing would. Run: `cargo bench -p coopnode --bench catalogue`
//! (`COOPNET_BENCH_DATABASE=postgres` for PostgreSQL).

#[path = "../tests/support/mod.rs"]
mod support;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use coopnode::core::store::actors::RemoteActorRow;
use coopnode::core::store::follows::FollowState;
use coopnode::core::store::now_ms;
use coopnode::features::coops::CoopKind;
use coopnode::features::market::store::items::ItemRow;
use rand::{rngs::StdRng, Rng, SeedableRng};

const NODES: usize = 50;
const ITEMS: usize = 100_000;
const OFFERED_RPS: u64 = 500;
const STEADY_SECONDS: u64 = 15;
const SATURATION_SECONDS: u64 = 10;

const ADJECTIVES: &[&str] = &[
    "organic",
    "seeded",
    "wholegrain",
    "recycled",
    "handmade",
    "local",
    "fresh",
    "smoked",
    "woollen",
    "oak",
    "linen",
    "spiced",
    "salted",
    "roasted",
    "hardy",
    "tiny",
    "sturdy",
    "blue",
];
const NOUNS: &[&str] = &[
    "loaf",
    "cheese",
    "apples",
    "poster",
    "notebook",
    "jumper",
    "chair",
    "soap",
    "honey",
    "beans",
    "repair",
    "bicycle",
    "lamp",
    "tea",
    "cider",
    "basket",
    "candle",
    "shelf",
    "scarf",
    "seedlings",
];
const TYPES: &[&str] = &[
    "food/bread",
    "food/dairy",
    "food/produce",
    "food/drinks",
    "clothing",
    "household",
    "printing",
    "books",
    "crafts",
    "tools",
    "energy",
    "services/repair",
    "services/care",
];
const REGIONS: &[&str] = &[
    "North",
    "South",
    "East",
    "West",
    "Riverside",
    "Hillside",
    "Eastgate",
    "Lowlands",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn query(rng: &mut StdRng, owners: &[String]) -> String {
    let mut parts = Vec::new();
    match rng.gen_range(0..6) {
        0 | 1 => parts.push(format!("q={}", NOUNS[rng.gen_range(0..NOUNS.len())])),
        2 => parts.push(format!(
            "q={}+{}",
            ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())],
            NOUNS[rng.gen_range(0..NOUNS.len())]
        )),
        3 => parts.push(format!("type={}", TYPES[rng.gen_range(0..TYPES.len())])),
        4 => parts.push(format!(
            "region={}",
            REGIONS[rng.gen_range(0..REGIONS.len())]
        )),
        _ => parts.push(format!(
            "workplace={}",
            owners[rng.gen_range(0..owners.len())]
        )),
    }
    if rng.gen_bool(0.3) && !parts[0].starts_with("type=") {
        parts.push("type=food".into());
    }
    if rng.gen_bool(0.3) {
        parts.push(["sort=price", "sort=price-desc", "sort=name"][rng.gen_range(0..3)].into());
    }
    if rng.gen_bool(0.2) {
        parts.push(format!("page={}", rng.gen_range(2..5)));
    }
    format!("/api/v1/catalogue?{}", parts.join("&"))
}

#[tokio::main]
async fn main() {
    if std::env::var("COOPNET_BENCH_DATABASE").as_deref() == Ok("postgres") {
        std::env::set_var("COOPNET_TEST_DATABASE", "postgres");
    }
    let node = support::spawn_node().await;
    let db = node.state().db.clone();
    let me = node.create_coop("council", CoopKind::ConsumerCouncil).await;

    // 50 workplaces on 50 nodes, all followed; 2,000 items each.
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(7);
    let mut owners = Vec::new();
    for n in 0..NODES {
        let host = format!("node{n}.example");
        let id = format!("https://{host}/coops/workplace{n}");
        db.upsert_remote_actor(&RemoteActorRow {
            id: id.clone(),
            username: format!("workplace{n}"),
            host: host.clone(),
            actor_type: "Organization".into(),
            name: format!("Workplace {n}"),
            summary: String::new(),
            region: Some(REGIONS[n % REGIONS.len()].into()),
            industry: None,
            coop_kind: Some("workplace".into()),
            icon_url: None,
            inbox: format!("{id}/inbox"),
            shared_inbox: Some(format!("https://{host}/inbox")),
            outbox: None,
            public_key_id: format!("{id}#main-key"),
            public_key_pem: "unused".into(),
            fetched_at: now_ms(),
        })
        .await
        .unwrap();
        db.upsert_follow(
            me.id.as_str(),
            &id,
            FollowState::Accepted,
            &format!("{id}/f"),
            1,
        )
        .await
        .unwrap();
        let mut batch = Vec::new();
        for i in 0..ITEMS / NODES {
            let adjective = ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())];
            let noun = NOUNS[rng.gen_range(0..NOUNS.len())];
            let other = NOUNS[rng.gen_range(0..NOUNS.len())];
            let t = now_ms() - rng.gen_range(0..30 * 24 * 3600 * 1000i64);
            batch.push(ItemRow {
                id: format!("https://{host}/items/{i}"),
                owner_id: id.clone(),
                is_local: 0,
                name: format!("{adjective} {noun} no. {i}"),
                description_md: None,
                description_html: format!("<p>A {adjective} {noun}, good with {other}.</p>"),
                unit: "one".into(),
                price_minor: rng.gen_range(50..50_000),
                currency: "EUR".into(),
                stock: rng.gen_range(0..200),
                low_stock_at: 5,
                product_type: TYPES[rng.gen_range(0..TYPES.len())].into(),
                how_made: format!("Made by hand in {}.", REGIONS[n % REGIONS.len()]),
                image_url: None,
                region: Some(REGIONS[n % REGIONS.len()].into()),
                state: "active".into(),
                published_at: t,
                updated_at: t,
            });
        }
        db.insert_items(&batch).await.unwrap();
        owners.push(id);
    }
    db.optimize().await.unwrap();
    let backend = match support::backend() {
        support::Backend::Sqlite => "SQLite",
        support::Backend::Postgres => "PostgreSQL",
    };
    println!(
        "catalogue benchmark: {ITEMS} items from {NODES} nodes on {backend}, loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let base = node.url("");
    let base = base.trim_end_matches('/').to_string();
    let owners = Arc::new(owners);

    // Warm up, and check the answers are real.
    let check: serde_json::Value = client
        .get(format!("{base}/api/v1/catalogue?q=honey&type=food"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        check.as_array().is_some_and(|a| !a.is_empty()),
        "searches find items"
    );
    for _ in 0..200 {
        let path = query(&mut rng, &owners);
        client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }

    // Saturation: as many requests as 32 clients can get answered.
    let deadline = Instant::now() + Duration::from_secs(SATURATION_SECONDS);
    let mut workers = Vec::new();
    for w in 0..32u64 {
        let client = client.clone();
        let base = base.clone();
        let owners = owners.clone();
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(100 + w);
            let mut n = 0u64;
            while Instant::now() < deadline {
                let path = query(&mut rng, &owners);
                let res = client.get(format!("{base}{path}")).send().await.unwrap();
                assert!(res.status().is_success(), "{path}: {}", res.status());
                res.bytes().await.unwrap();
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    println!(
        "saturation: {:.0} requests per second (32 concurrent clients, {SATURATION_SECONDS} s)",
        total as f64 / SATURATION_SECONDS as f64
    );

    // Steady load: requests sent on a fixed schedule, whatever the answers' pace, at rising rates.
    for offered in [100, 250, OFFERED_RPS] {
        let interval = Duration::from_micros(1_000_000 / offered);
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut handles = Vec::new();
        let start = Instant::now();
        for _ in 0..offered * STEADY_SECONDS {
            ticker.tick().await;
            let path = query(&mut rng, &owners);
            let client = client.clone();
            let url = format!("{base}{path}");
            handles.push(tokio::spawn(async move {
                let t = Instant::now();
                let res = client.get(url).send().await;
                let ok = match res {
                    Ok(res) => res.status().is_success() && res.bytes().await.is_ok(),
                    Err(_) => false,
                };
                (t.elapsed(), ok)
            }));
        }
        let mut latencies = Vec::new();
        let mut failures = 0;
        for h in handles {
            let (d, ok) = h.await.unwrap();
            if !ok {
                failures += 1;
            }
            latencies.push(d);
        }
        let took = start.elapsed();
        latencies.sort();
        println!(
            "steady load: offered {offered} req/s for {STEADY_SECONDS} s, served {:.0} req/s, \
             p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {failures} failed (target at 500: p99 under 20 ms)",
            latencies.len() as f64 / took.as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        );
        // Let a backlog drain before the next rate.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    node.shutdown().await;
}
