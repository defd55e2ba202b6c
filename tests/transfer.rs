//! Moving a node from SQLite to PostgreSQL with `coopnode db copy-to-postgres`: after the move
//! the node serves the same co-ops, posts and followers, and keeps federating.
//!
//! This test always needs PostgreSQL (`COOPNET_TEST_PG_URL`, by default the CI server).

mod support;

use std::process::Command;

use coopnode::features::coops::CoopKind;
use sqlx::Connection;
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_coopnode");

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_moves_from_sqlite_to_postgres_and_keeps_its_network() {
    let admin = std::env::var("COOPNET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("this test needs PostgreSQL at {admin}: {e}"));
    let name = format!("coopnet_move_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let mut target = url::Url::parse(&admin).unwrap();
    target.set_path(&format!("/{name}"));

    // A node on SQLite with a co-op, a post and a follower on another node.
    let port = free_port();
    let dir = temp_dir("move");
    let domain = format!("localhost:{port}");
    let config = coopnode::core::config::FileConfig {
        domain: domain.clone(),
        database_url: coopnode::core::store::Db::sqlite_url(&dir),
        listen: format!("127.0.0.1:{port}"),
        allow_private_network: true,
        authorized_fetch: false,
        node_name: "Moving node".into(),
        files: Default::default(),
    };
    coopnode::app::init(&dir, &config).await.unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let node = coopnode::app::start(coopnode::app::open(&dir).await.unwrap(), listener).unwrap();
    let state = node.state().clone();
    let row = coopnode::features::coops::create_coop(
        &state.db,
        &state.settings,
        coopnode::features::coops::NewCoop {
            handle: coopnode::features::coops::Username::parse("bakery").unwrap(),
            name: "Moving Bakery",
            kind: CoopKind::Workplace,
            summary: "",
            region: None,
            industry: None,
        },
    )
    .await
    .unwrap();
    let bakery = coopnode::core::federation::convert::local_actor(&row, &state.settings);
    coopnode::features::posts::publish_note(&state, &bakery, "Posted before the move")
        .await
        .unwrap();
    let b = spawn_node().await;
    b.create_coop("council", CoopKind::ConsumerCouncil).await;
    b.follow("council", &format!("@bakery@{domain}")).await;
    wait_until("the bakery has a follower", || async {
        state.db.count_followers(bakery.id.as_str()).await.unwrap() == 1
    })
    .await;
    node.stop().await;

    let out = Command::new(BIN)
        .args([
            "db",
            "copy-to-postgres",
            "--database-url",
            target.as_str(),
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("local_actors"), "{report}");

    // A second copy into the now-used database is refused.
    let again = Command::new(BIN)
        .args([
            "db",
            "copy-to-postgres",
            "--database-url",
            target.as_str(),
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "copying into a database that holds a node is refused"
    );

    // The node comes back on PostgreSQL with everything, and goes on publishing.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let moved = coopnode::app::start(coopnode::app::open(&dir).await.unwrap(), listener).unwrap();
    assert_eq!(
        moved.state().db.backend(),
        coopnode::core::store::Backend::Postgres
    );
    let home = reqwest::get(format!("http://{domain}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Posted before the move"));
    assert_eq!(
        moved
            .state()
            .db
            .count_followers(bakery.id.as_str())
            .await
            .unwrap(),
        1
    );
    coopnode::features::posts::publish_note(moved.state(), &bakery, "Posted after the move")
        .await
        .unwrap();
    wait_until("the follower receives the new post", || async {
        b.home_page().await.contains("Posted after the move")
    })
    .await;
    moved.stop().await;
    b.shutdown().await;
}
