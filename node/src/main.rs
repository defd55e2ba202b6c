//! The `coopnode` binary: the operator's command line around the node library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Outgoing https needs a crypto provider; activitypub_federation's client has none of its own.
    coopnode::install_crypto_provider();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "coopnode=info,coopnet_federation=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    coopnode::app::cli::run(coopnode::app::cli::Cli::parse()).await
}
