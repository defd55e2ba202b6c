//! Durability: a node killed with SIGKILL loses nothing it had accepted or queued.
//!
//! The killed node is a real `coopnode serve` process; its peer runs in this process and is
//! stopped for part of the test, as a peer that is down would be.

mod support;

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use coopnode::core::store::Db;
use coopnode::features::coops::CoopKind;
use support::*;

const BIN: &str = env!("CARGO_BIN_EXE_coopnode");

/// Deliveries retry on a schedule whose first step is 20 to 25 s, so waits here are longer.
const RETRY_DEADLINE: Duration = Duration::from_secs(150);

struct ProcessNode {
    dir: PathBuf,
    domain: String,
    database_url: String,
    child: Option<Child>,
}

fn cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .args(["--data-dir", dir.to_str().expect("path")])
        .output()
        .expect("run coopnode");
    assert!(
        out.status.success(),
        "coopnode {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl ProcessNode {
    async fn init() -> ProcessNode {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let dir = temp_dir("process");
        let database_url = fresh_database(&dir).await;
        let domain = format!("localhost:{port}");
        let listen = format!("127.0.0.1:{port}");
        cli(
            &dir,
            &[
                "init",
                "--domain",
                &domain,
                "--listen",
                &listen,
                "--allow-private-network",
                "--database-url",
                &database_url,
            ],
        );
        cli(
            &dir,
            &[
                "coop",
                "create",
                "--handle",
                "bakery",
                "--name",
                "Killable Bakery",
                "--kind",
                "workplace",
            ],
        );
        ProcessNode {
            dir,
            domain,
            database_url,
            child: None,
        }
    }

    async fn serve(&mut self) {
        let child = Command::new(BIN)
            .args(["serve", "--data-dir", self.dir.to_str().expect("path")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn serve");
        self.child = Some(child);
        let url = format!("http://{}/healthz", self.domain);
        let start = Instant::now();
        while reqwest::get(&url).await.map(|r| r.status().as_u16()).ok() != Some(200) {
            assert!(start.elapsed() < DEADLINE, "the node did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }

    fn post(&self, text: &str) -> String {
        cli(&self.dir, &["post", "--as", "bakery", "--text", text])
    }

    async fn db(&self) -> Db {
        Db::connect(&self.database_url)
            .await
            .expect("open the killed node's database")
    }
}

impl Drop for ProcessNode {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn follow_state(db: &Db, handle: &str, target: &str) -> Option<String> {
    let me = db.local_actor_by_username(handle).await.ok()??;
    db.follow(&me.id, target).await.ok()?.map(|f| f.state)
}

async fn wait_long<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < RETRY_DEADLINE,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Posts queued while the peer is down, some of them while the sender is dead too, all arrive
/// once the two are back, and none arrives twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queued_deliveries_survive_sigkill_and_a_peer_outage() {
    let mut a = ProcessNode::init().await;
    a.serve().await;
    let mut b = spawn_node().await;
    b.create_coop("council", CoopKind::ConsumerCouncil).await;
    let bakery = b.follow("council", &format!("@bakery@{}", a.domain)).await;
    wait_until("the council's follow is accepted", || async {
        b.follow_state("council", &bakery).await.as_deref() == Some("accepted")
    })
    .await;

    b.stop().await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(a.post(&format!("queued while the council is down, number {i}")));
    }
    let queue = a.db().await;
    wait_long("the bakery has tried and failed to deliver", || async {
        queue
            .host(&b.domain)
            .await
            .ok()
            .flatten()
            .is_some_and(|h| h.consecutive_failures > 0)
    })
    .await;
    a.kill();
    for i in 8..12 {
        ids.push(a.post(&format!("queued while the bakery is down, number {i}")));
    }
    let pending = queue.queue_counts().await.expect("queue").pending;
    assert!(
        pending >= 12,
        "the killed node's queue holds the deliveries ({pending})"
    );

    b.restart().await;
    a.serve().await;
    let received = |b: &TestNode, ids: Vec<String>| {
        let db = b.state().db.clone();
        async move {
            let mut n = 0;
            for id in &ids {
                if db.post(id).await.expect("db").is_some() {
                    n += 1;
                }
            }
            n
        }
    };
    wait_long("every queued post reached the council", || async {
        received(&b, ids.clone()).await == ids.len()
    })
    .await;
    wait_long("the bakery's queue is empty", || async {
        queue.queue_counts().await.expect("queue").pending == 0
    })
    .await;
    // Each Create was accepted exactly once: the raw inbox keeps one row per activity id, and
    // the feed shows each post once.
    let home = b.home_page().await;
    for i in 0..12 {
        let text = format!("number {i}<");
        assert_eq!(
            home.matches(&text).count(),
            1,
            "post {i} appears once in the portal"
        );
    }
    queue.close().await;
    b.shutdown().await;
}

/// Activities sent to a node that is killed mid-ingest: whatever it acknowledged is stored, and
/// what it did not acknowledge is sent again until it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_acknowledged_is_lost_when_the_receiver_is_killed() {
    let mut a = ProcessNode::init().await;
    a.serve().await;
    let b = spawn_node().await;
    b.create_coop("council", CoopKind::ConsumerCouncil).await;
    cli(
        &a.dir,
        &["follow", "--as", "bakery", "--target", &b.handle("council")],
    );
    let council = b.coop("council").await;
    let a_db = a.db().await;
    wait_until("the bakery's follow is accepted", || async {
        follow_state(&a_db, "bakery", council.id.as_str())
            .await
            .as_deref()
            == Some("accepted")
    })
    .await;

    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(b.post("council", &format!("council minute {i}")).await);
        if i == 10 {
            a.kill();
        }
        if i == 20 {
            a.serve().await;
        }
    }
    wait_long("every minute reached the bakery's node", || async {
        let mut n = 0;
        for id in &ids {
            if a_db.post(id).await.expect("db").is_some() {
                n += 1;
            }
        }
        n == ids.len()
    })
    .await;
    wait_long("the council's queue is empty", || async {
        b.pending_deliveries().await == 0
    })
    .await;
    a_db.close().await;
    b.shutdown().await;
}
