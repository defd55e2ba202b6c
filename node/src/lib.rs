#![recursion_limit = "512"]
//! A Coopnet node: the `coopnode` binary's library, also used by the end-to-end tests.
//!
//! Three layers, imports pointing one way: `app` (router, inbox dispatch, workers, CLI) builds
//! the node from the `features` (one folder each: coops, people, credits, directory, forums,
//! library, market, planning, work, posts), which build on `core` (state, configuration,
//! storage, the federation machinery, web basics). docs/ARCHITECTURE.md draws them.

pub mod app;
pub mod core;
pub mod features;

/// Installs the process-wide TLS crypto provider (ring) that outgoing https needs. Safe to call
/// more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
