//! The operator's command line. Commands that write go through the database, so a running
//! `serve` picks their work up (its delivery workers send what they queue).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use coopnet_schemas::Handle;

use crate::app;
use crate::app::init;
use crate::app::seed_forums;
use crate::core::config::FileConfig;
use crate::core::federation as activitypub;
use crate::core::federation::{convert, outgoing};
use crate::core::store::{now_ms, Db};
use crate::core::web::auth::{random_token, token_hash};
use crate::features::coops;
use crate::features::coops::{CoopKind, NewCoop, Username};

#[derive(Debug, Parser)]
#[command(
    name = "coopnode",
    version,
    about = "A Coopnet node: a co-operative's federated portal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a node's configuration, database and instance actor in a data folder.
    Init {
        #[arg(long)]
        data_dir: PathBuf,
        /// Host (and port) the node is reached at, as in handles: coop.example
        #[arg(long)]
        domain: String,
        /// postgres://… to use PostgreSQL; SQLite in the data folder otherwise.
        #[arg(long)]
        database_url: Option<String>,
        /// Development only: allow plain http and loopback or private peers.
        #[arg(long)]
        allow_private_network: bool,
        /// Require signed fetches of ActivityPub documents.
        #[arg(long)]
        authorized_fetch: bool,
        /// Address `serve` listens on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Name shown in the portal.
        #[arg(long, default_value = "Coopnet")]
        node_name: String,
    },
    /// Run the node.
    Serve {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        listen: Option<String>,
    },
    /// Three federated sample nodes on loopback, following each other.
    Demo {
        #[arg(long, default_value_t = 8080)]
        base_port: u16,
        /// Keep the demo's data here instead of a temporary folder.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Accounts that log in.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Co-ops on this node.
    Coop {
        #[command(subcommand)]
        command: CoopCommand,
    },
    /// Publish an announcement from a co-op; prints its id.
    Post {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long = "as")]
        as_handle: String,
        #[arg(long)]
        text: String,
    },
    /// Follow a co-op on another node.
    Follow {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long = "as")]
        as_handle: String,
        /// @handle@host[:port]
        #[arg(long)]
        target: String,
    },
    /// Bearer tokens for the JSON API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The node's database.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Participatory planning.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
    /// Blocking whole domains: nothing from them is accepted, and what came from them before
    /// is removed from view.
    Domain {
        #[command(subcommand)]
        command: DomainCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Block a domain (and its subdomains), such as spam.example or peer.example:8443.
    Block {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        domain: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Accept a blocked domain again (what was removed does not come back).
    Unblock {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        domain: String,
    },
    /// The blocked domains, one a line.
    List {
        #[arg(long)]
        data_dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Run the planning procedure on a generated economy and compare it with the optimum.
    Simulate(crate::features::planning::cli::SimulateArgs),
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy a stopped node's SQLite database into a new, empty PostgreSQL database and switch
    /// the node's configuration to it. The SQLite file is left as it was.
    CopyToPostgres {
        #[arg(long)]
        data_dir: PathBuf,
        /// postgres://user@host/database — a new, empty database.
        #[arg(long)]
        database_url: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        username: String,
        /// A file holding the password (its first line).
        #[arg(long)]
        password_file: PathBuf,
        /// May act for every co-op on the node.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CoopCommand {
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        handle: String,
        #[arg(long)]
        name: String,
        /// workplace, consumer-council, facilitation-board, group or forum
        #[arg(long)]
        kind: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        industry: Option<String>,
        #[arg(long, default_value = "")]
        summary: String,
        /// A user who may act for the co-op.
        #[arg(long)]
        admin: Option<String>,
    },
    /// Records a user as a member of a co-op: paid by its rule, proposing to its planning rounds;
    /// only its administrators act for it.
    AddMember {
        #[arg(long)]
        data_dir: PathBuf,
        /// The co-op's handle.
        #[arg(long)]
        coop: String,
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    Create {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        username: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init {
            data_dir,
            domain,
            database_url,
            allow_private_network,
            authorized_fetch,
            listen,
            node_name,
        } => {
            let config = FileConfig {
                domain,
                database_url: database_url.unwrap_or_else(|| Db::sqlite_url(&absolute(&data_dir))),
                listen,
                allow_private_network,
                authorized_fetch,
                node_name,
                files: Default::default(),
            };
            init(&data_dir, &config).await?;
            let federation = app::open(&data_dir).await?;
            seed_forums(&federation.db, &federation.settings).await?;
            federation.db.close().await;
            println!(
                "Initialised a node for {} in {}",
                config.domain,
                data_dir.display()
            );
            Ok(())
        }
        Command::Serve { data_dir, listen } => app::serve(&data_dir, listen).await,
        Command::Demo {
            base_port,
            data_dir,
        } => crate::app::demo::run(base_port, data_dir).await,
        Command::User {
            command:
                UserCommand::Create {
                    data_dir,
                    username,
                    password_file,
                    admin,
                },
        } => {
            let password = std::fs::read_to_string(&password_file)
                .with_context(|| format!("reading {}", password_file.display()))?;
            let password = password.lines().next().unwrap_or_default();
            let federation = app::open(&data_dir).await?;
            let user = coops::create_user(
                &federation.db,
                &federation.settings,
                &Username::parse(&username)?,
                password,
                admin,
            )
            .await?;
            println!("Created user {}", user.username);
            Ok(())
        }
        Command::Coop {
            command:
                CoopCommand::AddMember {
                    data_dir,
                    coop,
                    username,
                },
        } => {
            let federation = app::open(&data_dir).await?;
            let row = local_coop(&federation, &coop).await?;
            let user = federation
                .db
                .user_by_username(&username)
                .await?
                .with_context(|| format!("no user called {username}"))?;
            federation
                .db
                .add_coop_member(row.id.as_str(), user.id, now_ms())
                .await?;
            println!("{username} is a member of @{}", row.username);
            Ok(())
        }
        Command::Coop {
            command:
                CoopCommand::Create {
                    data_dir,
                    handle,
                    name,
                    kind,
                    region,
                    industry,
                    summary,
                    admin,
                },
        } => {
            let federation = app::open(&data_dir).await?;
            let kind: CoopKind = kind.parse()?;
            let admin_user = match &admin {
                Some(name) => Some(
                    federation
                        .db
                        .user_by_username(name)
                        .await?
                        .with_context(|| format!("no user called {name}"))?,
                ),
                None => None,
            };
            let row = coops::create_coop(
                &federation.db,
                &federation.settings,
                NewCoop {
                    handle: Username::parse(&handle)?,
                    name: &name,
                    kind,
                    summary: &summary,
                    region: region.as_deref(),
                    industry: industry.as_deref(),
                },
            )
            .await?;
            if let Some(user) = admin_user {
                federation.db.add_coop_admin(&row.id, user.id).await?;
            }
            println!(
                "Created @{}@{} ({})",
                row.username, federation.settings.domain, row.id
            );
            Ok(())
        }
        Command::Post {
            data_dir,
            as_handle,
            text,
        } => {
            let federation = app::open(&data_dir).await?;
            let coop = local_coop(&federation, &as_handle).await?;
            let post = crate::features::posts::publish_note(&federation, &coop, &text).await?;
            println!("{}", post.id);
            Ok(())
        }
        Command::Follow {
            data_dir,
            as_handle,
            target,
        } => {
            let federation = app::open(&data_dir).await?;
            let coop = local_coop(&federation, &as_handle).await?;
            let handle = Handle::parse(&target).map_err(|e| anyhow::anyhow!("{target}: {e}"))?;
            let data = federation.to_request_data();
            let target = activitypub::resolve_handle(&handle, &data).await?;
            outgoing::follow(&federation, &coop, &target).await?;
            println!("Follow of {} sent from {}", target.handle(), coop.handle());
            Ok(())
        }
        Command::Plan {
            command: PlanCommand::Simulate(args),
        } => tokio::task::spawn_blocking(move || crate::features::planning::cli::run(args)).await?,
        Command::Domain { command } => domain_command(command).await,
        Command::Db {
            command:
                DbCommand::CopyToPostgres {
                    data_dir,
                    database_url,
                },
        } => {
            let mut config = FileConfig::load(&data_dir)?;
            if !database_url.starts_with("postgres") {
                bail!("--database-url must be a postgres:// URL");
            }
            let source = Db::connect(&config.database_url).await?;
            let target = Db::connect(&database_url).await?;
            let copied =
                crate::core::store::transfer::copy_sqlite_to_postgres(&source, &target).await?;
            for (table, rows) in &copied {
                println!("{table:>16}: {rows} rows");
            }
            let previous = config.database_url.clone();
            config.database_url = database_url;
            config.save(&data_dir)?;
            println!(
                "The node now uses PostgreSQL. The SQLite database ({previous}) is unchanged; \
                 keep it as a backup until you are satisfied."
            );
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { data_dir, username },
        } => {
            let federation = app::open(&data_dir).await?;
            let user = federation
                .db
                .user_by_username(&username)
                .await?
                .with_context(|| format!("no user called {username}"))?;
            let token = random_token();
            federation
                .db
                .insert_api_token(&token_hash(&token), user.id, now_ms())
                .await?;
            println!("{token}");
            Ok(())
        }
    }
}

async fn local_coop(
    federation: &activitypub_federation::config::FederationConfig<crate::core::AppState>,
    handle: &str,
) -> anyhow::Result<activitypub::KnownActor> {
    let handle = handle.trim_start_matches('@');
    let row = federation
        .db
        .local_actor_by_username(handle)
        .await?
        .filter(|r| r.coop_kind.is_some())
        .with_context(|| format!("no co-op called {handle} on this node"))?;
    Ok(convert::local_actor(&row, &federation.settings))
}

/// The folder as an absolute path, so the configuration works from any working directory.
fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Checks a domain an operator names: a host name, optionally with a port.
fn domain_arg(domain: &str) -> anyhow::Result<String> {
    let d = domain.trim().trim_end_matches('.').to_lowercase();
    let (host, port) = d.rsplit_once(':').unwrap_or((d.as_str(), ""));
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !host_ok || !port.chars().all(|c| c.is_ascii_digit()) {
        bail!("{domain:?} is not a domain such as spam.example or peer.example:8443");
    }
    Ok(d)
}

async fn domain_command(command: DomainCommand) -> anyhow::Result<()> {
    match command {
        DomainCommand::Block {
            data_dir,
            domain,
            reason,
        } => {
            let domain = domain_arg(&domain)?;
            let federation = app::open(&data_dir).await?;
            if domain == federation.settings.domain {
                bail!("a node cannot block its own domain");
            }
            federation
                .db
                .block_domain(&domain, reason.trim(), now_ms())
                .await?;
            println!(
                "blocked {domain}: nothing from it is accepted, and what came from it is removed"
            );
        }
        DomainCommand::Unblock { data_dir, domain } => {
            let domain = domain_arg(&domain)?;
            let federation = app::open(&data_dir).await?;
            if !federation.db.unblock_domain(&domain).await? {
                bail!("{domain} was not blocked");
            }
            println!("unblocked {domain}");
        }
        DomainCommand::List { data_dir } => {
            let federation = app::open(&data_dir).await?;
            for b in federation.db.blocked_domains().await? {
                println!("{}\t{}", b.domain, b.reason);
            }
        }
    }
    Ok(())
}
