//! TODO doc for features

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
