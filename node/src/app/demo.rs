//! `coopnode demo`: three federated nodes on loopback in one process, with sample co-ops that
//! follow each other, so a newcomer sees the network working in one command.

use std::path::PathBuf;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app;
use crate::core::config::FileConfig;
use crate::core::federation as activitypub;
use crate::core::federation::{convert, outgoing};
use crate::core::store::Db;
use crate::features::coops;
use crate::features::coops::{CoopKind, NewCoop, Username};

pub const DEMO_USER: &str = "admin";
pub const DEMO_PASSWORD: &str = "coopnet-demo";

struct Sample {
    handle: &'static str,
    name: &'static str,
    kind: CoopKind,
    region: &'static str,
    industry: &'static str,
    summary: &'static str,
    post: &'static str,
}

const SAMPLES: [Sample; 3] = [
    Sample {
        handle: "bakery",
        name: "Riverside Bakery Co-op",
        kind: CoopKind::Workplace,
        region: "Riverside",
        industry: "Food",
        summary: "A worker-owned bakery. Sourdough, rye and oat bakes from local flour.",
        post: "**Fresh rye loaves** are back from Monday. Bulk orders from councils welcome.",
    },
    Sample {
        handle: "print-shop",
        name: "Hillside Print Workers",
        kind: CoopKind::Workplace,
        region: "Hillside",
        industry: "Printing",
        summary: "Risograph and offset printing, run by its twelve workers.",
        post: "We now print on 100% recycled paper at no extra cost.",
    },
    Sample {
        handle: "council",
        name: "Eastgate Consumer Council",
        kind: CoopKind::ConsumerCouncil,
        region: "Eastgate",
        industry: "Consumer council",
        summary: "Households of Eastgate planning what they need together.",
        post: "Our next assembly discusses the bread and paper proposals for spring.",
    },
];

pub async fn run(base_port: u16, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let root = data_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("coopnet-demo-{}", std::process::id()))
    });
    let mut nodes = Vec::new();
    for (i, sample) in SAMPLES.iter().enumerate() {
        let port = base_port + i as u16;
        let dir = root.join(sample.handle);
        // Names, not IP literals: ActivityPub ids need a host name, and localhost is one.
        let domain = format!("localhost:{port}");
        let listen = format!("127.0.0.1:{port}");
        if !dir.join(crate::core::config::CONFIG_FILE).exists() {
            crate::app::init(
                &dir,
                &FileConfig {
                    domain: domain.clone(),
                    database_url: Db::sqlite_url(&dir),
                    listen: listen.clone(),
                    allow_private_network: true,
                    authorized_fetch: false,
                    node_name: format!("{} node", sample.name),
                    files: Default::default(),
                },
            )
            .await?;
        }
        let federation = app::open(&dir).await?;
        if federation.db.user_by_username(DEMO_USER).await?.is_none() {
            coops::create_user(
                &federation.db,
                &federation.settings,
                &Username::parse(DEMO_USER)?,
                DEMO_PASSWORD,
                true,
            )
            .await?;
            let row = coops::create_coop(
                &federation.db,
                &federation.settings,
                NewCoop {
                    handle: Username::parse(sample.handle)?,
                    name: sample.name,
                    kind: sample.kind,
                    summary: sample.summary,
                    region: Some(sample.region),
                    industry: Some(sample.industry),
                },
            )
            .await?;
            let coop = convert::local_actor(&row, &federation.settings);
            crate::features::posts::publish_note(&federation, &coop, sample.post).await?;
            // The first node holds the seed's forums, as `coopnode init` would.
            if i == 0 {
                crate::app::seed_forums(&federation.db, &federation.settings).await?;
            }
        }
        let listener = TcpListener::bind(&listen)
            .await
            .with_context(|| format!("port {port} is taken; try --base-port"))?;
        nodes.push(app::start(federation, listener)?);
    }

    // Every co-op follows the other two; the follows travel over ActivityPub like any other.
    for (i, node) in nodes.iter().enumerate() {
        let me = node
            .state()
            .db
            .local_actor_by_username(SAMPLES[i].handle)
            .await?
            .context("sample co-op")?;
        let me = convert::local_actor(&me, &node.state().settings);
        for (j, other) in nodes.iter().enumerate() {
            if i == j {
                continue;
            }
            let handle =
                coopnet_schemas::Handle::new(SAMPLES[j].handle, &other.state().settings.domain)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            let data = node.federation.to_request_data();
            let target = activitypub::resolve_handle(&handle, &data).await?;
            if node
                .state()
                .db
                .follow(me.id.as_str(), target.id.as_str())
                .await?
                .is_none()
            {
                outgoing::follow(node.state(), &me, &target).await?;
            }
        }
    }

    println!(
        "Three Coopnet nodes are running (data in {}):",
        root.display()
    );
    for (node, sample) in nodes.iter().zip(SAMPLES.iter()) {
        let domain = &node.state().settings.domain;
        println!(
            "  {:<28} http://{domain}/   @{}@{domain}",
            sample.name, sample.handle
        );
    }
    if let Some(first) = nodes.first() {
        let domain = &first.state().settings.domain;
        println!(
            "Forums: http://{domain}/forums (from the other nodes, follow @remuneration@{domain} and the rest)."
        );
    }
    println!("Log in on any of them as {DEMO_USER} / {DEMO_PASSWORD}. Ctrl-C stops the demo.");
    let _ = tokio::signal::ctrl_c().await;
    for node in nodes {
        node.stop().await;
    }
    Ok(())
}
