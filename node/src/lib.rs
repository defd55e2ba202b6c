#![recursion_limit = "512"]
//! A Coopnet node: the `coopnode` binary's library, also used by the end-to-end tests.
//!
//! Storage (`store`), the ActivityPub side (`activitypub`), the portal (`portal`), the JSON API
//! (`api`) and who exists on the node (`coops`) are assembled into a running node by `app`.

pub mod app;
pub mod core;
pub mod features;

/// Installs the process-wide TLS crypto provider (ring) that outgoing https needs. Safe to call
/// more than once.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
