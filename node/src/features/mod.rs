//! The node's features, one folder each: model and use cases in `mod.rs`, SQL in `store`, wire
//! objects and inbound handlers in `wire`, portal pages in `portal`, API routes in `api`.
//!
//! A feature uses another only along the order declared in `.ci/module-cycles`
//! (`FEATURE_ORDER`; drawn in docs/ARCHITECTURE.md), and never `crate::app`.

pub mod coops;
pub mod credits;
pub mod directory;
pub mod forums;
pub mod library;
pub mod market;
pub mod people;
pub mod planning;
pub mod posts;
pub mod work;
