//! TODO doc for features::market::store

pub mod enquiries;
pub mod items;
pub mod orders;
