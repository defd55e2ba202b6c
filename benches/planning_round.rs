//! Figures for a federated planning round: a facilitation board on node A, workplaces and
//! consumer councils on nodes B and C, every iteration travelling between the three nodes until
//! the plan is adopted.
//!
//! `cargo bench -p coopnode --bench planning_round` runs two economies, three times each:
//! - **small**: a bakery and a council on B, a mill and a council on C, three goods (bread,
//!   flour, labour), the economy of the end-to-end test;
//! - **wide**: the same goods with 20 councils on each of B and C (each with one member who
//!   proposes), and a bakery and a mill on each node.
//!
//! For each run it prints the iterations to adoption, the time from opening the round to the
//! board's adoption, the time until the last participant's node holds the adopted plan, and the
//! time per iteration. `COOPNET_BENCH_DATABASE=postgres` puts the nodes on PostgreSQL.
//! Everything runs on loopback and stops by itself; a run that takes longer than two minutes is
//! reported as failed.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use coopnode::features::coops::CoopKind;
use serde_json::{json, Value};
use support::{spawn_node, token, Api, TestNode};

const RUNS: usize = 3;
const LIMIT: Duration = Duration::from_secs(120);

struct Figures {
    iterations: u64,
    adopted: Duration,
    everywhere: Duration,
}

async fn user(node: &TestNode, name: &str, admin_of: &[String], member_of: &[String]) -> String {
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

async fn round_of(api: &Api<'_>, id: &str) -> Value {
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    api.get(&format!("/plans/round?id={id}")).await.1
}

async fn run(councils_per_node: usize) -> anyhow::Result<Figures> {
    let (a, b, c) = (spawn_node().await, spawn_node().await, spawn_node().await);
    a.create_coop("board", CoopKind::FacilitationBoard).await;
    let fran = user(&a, "fran", &["board".into()], &[]).await;
    let fran = Api {
        node: &a,
        token: fran,
    };
    let mut participants = Vec::new();
    let mut admins = Vec::new();
    for (n, node) in [&b, &c].into_iter().enumerate() {
        let mut handles = Vec::new();
        for w in ["bakery", "mill"] {
            node.create_coop(w, CoopKind::Workplace).await;
            handles.push(w.to_string());
        }
        for k in 0..councils_per_node {
            let handle = format!("council{k}");
            node.create_coop(&handle, CoopKind::ConsumerCouncil).await;
            handles.push(handle);
        }
        let admin = Api {
            node,
            token: user(node, "admin", &handles, &[]).await,
        };
        let profile = |output: &str, quantity: f64, inputs: Value| json!({ "output": { "good": output, "quantity": quantity }, "inputs": inputs, "capacity": 3.0 });
        // Each node makes half of the bread and flour of the test economy.
        let scale = 0.5;
        admin
            .call(
                reqwest::Method::PUT,
                "/coops/bakery/planning-profile",
                Some(profile(
                    "bread",
                    1000.0 * scale,
                    json!([{ "good": "flour", "quantity": 700.0 * scale },
                           { "good": "labour", "quantity": 1000.0 * scale }]),
                )),
            )
            .await;
        admin
            .call(
                reqwest::Method::PUT,
                "/coops/mill/planning-profile",
                Some(profile(
                    "flour",
                    800.0 * scale,
                    json!([{ "good": "labour", "quantity": 800.0 * scale }]),
                )),
            )
            .await;
        for handle in &handles {
            participants.push(node.handle(handle));
        }
        let mut members = Vec::new();
        for k in 0..councils_per_node {
            let name = format!("member{k}");
            let tok = user(node, &name, &[], &[format!("council{k}")]).await;
            members.push((format!("council{k}"), tok));
        }
        admins.push((admin, members, n));
    }

    let started = Instant::now();
    let (status, opened) = fran
        .post(
            "/plans",
            json!({
                "board": "board", "name": "Benchmark round", "period": "2027",
                "goods": [
                    { "name": "Bread", "unit": "kg", "kind": "final", "start_price": 1.0 },
                    { "name": "Flour", "unit": "kg", "kind": "intermediate", "start_price": 1.0 },
                    { "name": "Labour", "unit": "hour", "kind": "labour", "start_price": 1.0, "available": 2000.0 }
                ],
                "participants": participants,
                "tolerance": 0.05
            }),
        )
        .await;
    anyhow::ensure!(status == 201, "opening the round: {status} {opened}");
    let id = opened["id"].as_str().unwrap().to_string();
    // Members propose as soon as the round reaches their node: 2,000 credits of bread in all.
    let per_member = 2000.0 / (2 * councils_per_node) as f64;
    for (admin, members, _) in &admins {
        while round_of(admin, &id).await["round"].is_null() {
            anyhow::ensure!(started.elapsed() < LIMIT, "the round never arrived");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for (council, tok) in members {
            let api = Api {
                node: admin.node,
                token: tok.clone(),
            };
            let (status, body) = api
                .post(
                    "/plans/member",
                    json!({ "round": id, "council": council, "quantities": [per_member, 0.0, 0.0] }),
                )
                .await;
            anyhow::ensure!(status == 204, "member proposal: {status} {body}");
        }
    }
    let adopted = loop {
        let round = round_of(&fran, &id).await;
        match round["round"]["planStatus"].as_str() {
            Some("adopted") => break started.elapsed(),
            Some("stopped") => {
                anyhow::bail!("the round stopped: {}", round["round"]["statusReason"])
            }
            _ => {}
        }
        anyhow::ensure!(started.elapsed() < LIMIT, "no plan within {LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let board_round = round_of(&fran, &id).await["round"].clone();
    for (admin, _, _) in &admins {
        while round_of(admin, &id).await["round"] != board_round {
            anyhow::ensure!(started.elapsed() < LIMIT, "the plan never reached a node");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let everywhere = started.elapsed();
    let iterations = board_round["history"].as_array().map_or(0, |h| h.len()) as u64;
    drop(admins);
    for node in [a, b, c] {
        node.shutdown().await;
    }
    Ok(Figures {
        iterations,
        adopted,
        everywhere,
    })
}

fn main() -> anyhow::Result<()> {
    let postgres = std::env::var("COOPNET_BENCH_DATABASE").as_deref() == Ok("postgres");
    std::env::set_var(
        "COOPNET_TEST_DATABASE",
        if postgres { "postgres" } else { "sqlite" },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!(
        "Federated planning round, board on A, participants on B and C ({}):",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    for (name, councils) in [("small", 1), ("wide", 20)] {
        for r in 1..=RUNS {
            let f = runtime.block_on(run(councils))?;
            println!(
                "{name:>5} ({} councils, 4 workplaces on 2 nodes) run {r}: {} iterations, adopted after {:.0} ms, on every node after {:.0} ms, {:.1} ms per iteration",
                2 * councils,
                f.iterations,
                f.adopted.as_secs_f64() * 1000.0,
                f.everywhere.as_secs_f64() * 1000.0,
                f.adopted.as_secs_f64() * 1000.0 / f.iterations.max(1) as f64
            );
        }
    }
    Ok(())
}
