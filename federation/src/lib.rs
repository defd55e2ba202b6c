//! ActivityPub rules for Coopnet that do not depend on storage.
//!
//! This crate verifies HTTP signatures on what arrives, checks that ids share their actor's
//! origin, decides the retry schedule of deliveries and which addresses a node may reach. It does
//! no I/O of its own and knows nothing of the node's database or pages: the node calls it at the
//! edge, before anything is stored.

pub mod delivery;
pub mod network;
pub mod origin;
pub mod signatures;

pub use activitypub_federation;
pub use coopnet_schemas as schemas;
