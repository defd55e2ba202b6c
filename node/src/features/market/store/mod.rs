//! The market's SQL: items and the catalogue query, orders with their stock, baskets, enquiry
//! threads and recommendations.

pub mod enquiries;
pub mod items;
pub mod orders;
