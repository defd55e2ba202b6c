//! The wire vocabulary of Coopnet.
//!
//! Every JSON-LD document that leaves or enters a node is one of these serde types. This crate
//! owns shapes and names only: it does no I/O, knows no database and checks no signatures.

pub mod activities;
pub mod actors;
pub mod collections;
pub mod context;
pub mod credits;
pub mod directory;
pub mod forums;
pub mod handle;
pub mod library;
pub mod market;
pub mod nodeinfo;
pub mod objects;
pub mod planning;
pub mod webfinger;
pub mod work;

pub use handle::{Handle, HandleError};

/// The ActivityStreams public collection, used to address public posts.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Is this address the public collection, in any of the forms peers write it?
pub fn is_public_address(address: &str) -> bool {
    address == PUBLIC || address == "as:Public" || address == "Public"
}

/// Media type of ActivityPub documents.
pub const ACTIVITY_JSON: &str = "application/activity+json";
