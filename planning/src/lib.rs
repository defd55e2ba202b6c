//! The participatory planning engine of Coopnet.
//!
//! Consumer councils and workplaces plan a period's consumption and production together. A
//! facilitation board broadcasts indicative prices; every council proposes what it wants
//! within its budget of credits, every workplace what it would produce and the inputs it
//! needs; the board adds the proposals up and moves the prices of goods in excess demand up
//! and of goods in excess supply down; and so on until the plan is feasible.
//!
//! This crate is that procedure and nothing around it: no I/O, no federation, no storage.
//! - [`goods`]: what is planned, with kinds and units.
//! - [`proposals`]: councils and workplaces and their declared responses.
//! - [`Economy`]: the participants stored flat, their proposals computed and added up.
//! - [`prices`]: the rules that move prices between rounds.
//! - [`rounds`]: the procedure, its stopping rules and its per-round log.
//! - [`optimum`]: the reference optimum from a convex solver, welfare gap and price distance.
//! - [`generation`]: seeded economies of any size.
//! - [`simulation`]: one call that generates, plans, compares and reports; CSV and SVG.

pub mod chart;
mod economy;
pub mod generation;
pub mod goods;
pub mod optimum;
pub mod prices;
pub mod proposals;
pub mod rounds;
pub mod simulation;

pub use economy::{Dimensions, Economy, EconomyBuilder, GatherTimes, PlanState};
pub use generation::{generate, perturb, Generated, GenerationOptions};
pub use goods::{Good, GoodId, GoodKind};
pub use optimum::{price_distance, solve_optimum, welfare_gap_pct, Optimum};
pub use prices::{PriceRule, RuleKind};
pub use proposals::{Council, PreferenceKind, TechnologyKind, Workplace};
pub use rounds::{run, Outcome, PhaseTimes, Plan, PlannerOptions, RoundLog};
pub use simulation::{simulate, OptimumMode, SimulateOptions, SimulationReport, Summary};

/// What can go wrong when building or planning an economy.
#[derive(Debug, thiserror::Error)]
pub enum PlanningError {
    /// Input that does not describe a plannable economy.
    #[error("invalid economy: {0}")]
    Invalid(String),
    /// The reference optimum cannot be formulated for this economy.
    #[error("no reference optimum: {0}")]
    OptimumUnsupported(String),
    /// The convex solver did not reach a solution.
    #[error("the convex solver stopped without a solution: {0}")]
    Solver(String),
}
