//! TODO doc for features::market::portal

pub mod catalogue;
pub mod enquiries;
pub mod goods;
pub mod orders;
