//! Rounds: the iterative planning procedure, from indicative prices to a feasible plan.
//!
//! One round: broadcast prices; gather every council's and workplace's proposal; add them up
//! into supply, demand and relative excess per good; then, unless the plan is done, let the
//! board move the prices ([`crate::prices`]). Every round is logged and handed to the caller
//! as data. This module decides when to stop and says why; it does no I/O.
//!
//! # When the procedure stops
//!
//! - **Feasible**: no planned good has positive excess demand (the plan is strictly
//!   feasible) and the worst relative excess is at most `stop_within` (1% by default), so
//!   little is wasted on surpluses either: a plan stopped at the first strictly feasible round
//!   under 3% leaves goods up to 3% unused, and its welfare falls 1% to 3% short of the
//!   optimum on generated economies; under 1%, less than 1% short. Set `stop_within` to
//!   infinity to stop at the first strictly feasible round. The rounds at which the worst
//!   excess first fell under 5% and 3%, and the first strictly feasible round, are reported
//!   whatever the stopping rule.
//! - **No progress**: for `patience` rounds in a row the largest distance of a good's excess
//!   from the target surplus has not improved on its best value by at least 1%. Prices are
//!   then cycling or creeping; the outcome says which (`oscillating` is set when some good's
//!   excess changed sign in at least a third of those rounds). Scarf's economy ends here.
//! - **Diverged**: a price reached [`crate::prices::PRICE_CEILING`].
//! - **Max rounds**: the cap was reached while the procedure was still improving.
//!
//! The worst relative excess of a round is the largest `|e_g|` over the goods whose price
//! the board sets, leaving out free goods: goods in surplus whose price has fallen below a
//! millionth of where it started (a surplus at a price of zero is no imbalance).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::economy::{Economy, PlanState};
use crate::goods::GoodId;
use crate::prices::{relative_excess, PriceAdjuster, PriceRule, PRICE_CEILING};
use crate::PlanningError;

/// A good is free when in surplus with its price below this fraction of its starting price.
const FREE_PRICE_RATIO: f64 = 1e-6;
/// An improvement must lower the best distance by at least this proportion to count.
const MIN_IMPROVEMENT: f64 = 0.01;

/// How a procedure runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannerOptions {
    pub rule: PriceRule,
    /// The surplus the board aims at per good, as a relative excess (0.0025 is 0.25%).
    pub target_surplus: f64,
    /// Stop once strictly feasible and the worst relative excess is at most this.
    pub stop_within: f64,
    pub max_rounds: u32,
    /// Rounds without improvement before the procedure is declared stuck.
    pub patience: u32,
    /// Prices of the first round; all ones (imports at their outside price) when `None`.
    pub start_prices: Option<Vec<f64>>,
}

impl Default for PlannerOptions {
    fn default() -> Self {
        PlannerOptions {
            rule: PriceRule::pequod(),
            target_surplus: 0.0025,
            stop_within: 0.01,
            max_rounds: 500,
            patience: 40,
            start_prices: None,
        }
    }
}

impl PlannerOptions {
    pub fn with_rule(rule: PriceRule) -> Self {
        PlannerOptions {
            rule,
            ..Default::default()
        }
    }
}

/// Time spent in each phase of a round, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseTimes {
    /// Computing every participant's proposal at the round's prices.
    pub proposals_ms: f64,
    /// Adding proposals up per good and measuring excess.
    pub aggregation_ms: f64,
    /// Moving the prices for the next round (zero in the last round).
    pub price_update_ms: f64,
    /// The whole round, logging included.
    pub total_ms: f64,
}

/// What one round saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundLog {
    /// Rounds count from 1.
    pub round: u32,
    /// The prices broadcast in this round, which the proposals answer.
    pub prices: Vec<f64>,
    pub supply: Vec<f64>,
    pub demand: Vec<f64>,
    /// Relative excess demand per good, `(d − s) / ((d + s) / 2)`.
    pub excess: Vec<f64>,
    /// Largest `|excess|` over planned goods that are not free.
    pub worst_excess: f64,
    pub worst_good: Option<GoodId>,
    /// Planned goods with positive excess demand.
    pub short_goods: usize,
    /// No planned good has positive excess demand.
    pub feasible: bool,
    /// Welfare of the round's proposals, as proposed (see [`Economy::welfare_of`]).
    pub welfare: f64,
    pub times: PhaseTimes,
}

/// Why the procedure stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum Outcome {
    /// The plan of this round is strictly feasible and within `stop_within`.
    Feasible { round: u32 },
    /// No improvement for `patience` rounds: the procedure does not converge.
    NoProgress {
        round: u32,
        best_worst_excess: f64,
        oscillating: bool,
    },
    /// A price ran away.
    Diverged { round: u32, good: GoodId },
    /// Still improving when the cap was reached.
    MaxRounds { round: u32 },
}

impl Outcome {
    pub fn round(&self) -> u32 {
        match self {
            Outcome::Feasible { round }
            | Outcome::NoProgress { round, .. }
            | Outcome::Diverged { round, .. }
            | Outcome::MaxRounds { round } => *round,
        }
    }

    pub fn converged(&self) -> bool {
        matches!(self, Outcome::Feasible { .. })
    }
}

/// The result of a procedure: its rounds, why it stopped, and the last round's plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub outcome: Outcome,
    pub rounds: Vec<RoundLog>,
    /// The prices of the last round (those the last proposals answer).
    pub prices: Vec<f64>,
    /// Every participant's last proposal.
    pub state: PlanState,
}

impl Plan {
    /// First round whose worst relative excess was below `threshold`.
    pub fn first_round_below(&self, threshold: f64) -> Option<u32> {
        self.rounds
            .iter()
            .find(|r| r.worst_excess < threshold)
            .map(|r| r.round)
    }

    /// First round whose plan was strictly feasible.
    pub fn first_feasible_round(&self) -> Option<u32> {
        self.rounds.iter().find(|r| r.feasible).map(|r| r.round)
    }

    /// First round whose plan was strictly feasible with no good's excess beyond `threshold`.
    pub fn first_feasible_round_within(&self, threshold: f64) -> Option<u32> {
        self.rounds
            .iter()
            .find(|r| r.feasible && r.worst_excess < threshold)
            .map(|r| r.round)
    }
}

/// Runs the procedure on `economy` to its end, calling `on_round` after every round.
pub fn run(
    economy: &Economy,
    options: &PlannerOptions,
    mut on_round: impl FnMut(&RoundLog),
) -> Result<Plan, PlanningError> {
    let goods = economy.goods();
    let m = goods.len();
    let mut prices = match &options.start_prices {
        Some(p) => {
            if p.len() != m {
                return Err(PlanningError::Invalid(format!(
                    "{} start prices for {m} goods",
                    p.len()
                )));
            }
            if p.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
                return Err(PlanningError::Invalid(
                    "start prices must be positive and finite".into(),
                ));
            }
            p.clone()
        }
        None => vec![1.0; m],
    };
    for (p, good) in prices.iter_mut().zip(goods) {
        if let Some(outside) = good.outside_price() {
            *p = outside;
        }
    }
    if !(options.target_surplus >= 0.0 && options.target_surplus < 0.5) {
        return Err(PlanningError::Invalid(
            "target surplus must lie in [0, 0.5)".into(),
        ));
    }
    let start = prices.clone();
    let mut state = economy.new_state();
    let mut adjuster = PriceAdjuster::new(options.rule, m, options.target_surplus);
    let mut excess = vec![0.0; m];
    let mut rounds = Vec::new();
    let mut best_distance = f64::INFINITY;
    let mut best_worst = f64::INFINITY;
    let mut since_best = 0u32;
    let mut flips_at_best = vec![0u32; m];

    let mut round = 0u32;
    let outcome = loop {
        round += 1;
        let t0 = Instant::now();
        let gathered = economy.gather(&prices, &mut state);
        let t1 = Instant::now();
        let mut worst = 0.0f64;
        let mut worst_good = None;
        let mut distance = 0.0f64;
        let mut short_goods = 0usize;
        for g in 0..m {
            let e = relative_excess(state.supply[g], state.demand[g]);
            excess[g] = e;
            if !goods[g].is_planned() {
                continue;
            }
            if e > 0.0 {
                short_goods += 1;
            }
            let free = e < 0.0 && prices[g] < FREE_PRICE_RATIO * start[g];
            if free {
                continue;
            }
            if e.abs() > worst || worst_good.is_none() {
                worst = worst.max(e.abs());
                worst_good = Some(GoodId(g as u32));
            }
            distance = distance.max(adjuster.steering_excess(e).abs());
        }
        let feasible = short_goods == 0;
        let t2 = Instant::now();

        if distance < best_distance * (1.0 - MIN_IMPROVEMENT) {
            best_distance = distance;
            since_best = 0;
            flips_at_best.copy_from_slice(adjuster.sign_flips());
        } else {
            since_best += 1;
        }
        best_worst = best_worst.min(worst);

        let stop = if feasible && worst <= options.stop_within {
            Some(Outcome::Feasible { round })
        } else if since_best >= options.patience {
            let window = options.patience.max(1);
            let oscillating = adjuster
                .sign_flips()
                .iter()
                .zip(&flips_at_best)
                .any(|(now, then)| 3 * (now - then) >= window);
            Some(Outcome::NoProgress {
                round,
                best_worst_excess: best_worst,
                oscillating,
            })
        } else if round >= options.max_rounds {
            Some(Outcome::MaxRounds { round })
        } else {
            None
        };

        let round_prices = prices.clone();
        let mut diverged = None;
        if stop.is_none() {
            adjuster.update(goods, &mut prices, &excess);
            diverged = prices
                .iter()
                .position(|p| *p >= PRICE_CEILING || !p.is_finite());
        }
        let t3 = Instant::now();

        let log = RoundLog {
            round,
            prices: round_prices,
            supply: state.supply.clone(),
            demand: state.demand.clone(),
            excess: excess.clone(),
            worst_excess: worst,
            worst_good,
            short_goods,
            feasible,
            welfare: state.welfare,
            times: PhaseTimes {
                proposals_ms: ms(gathered.proposals),
                aggregation_ms: ms(gathered.aggregation + (t2 - t1)),
                price_update_ms: ms(t3 - t2),
                total_ms: ms(t0.elapsed()),
            },
        };
        on_round(&log);
        rounds.push(log);

        if let Some(outcome) = stop {
            break outcome;
        }
        if let Some(g) = diverged {
            break Outcome::Diverged {
                round,
                good: GoodId(g as u32),
            };
        }
    };

    let last_prices = rounds
        .last()
        .map(|r| r.prices.clone())
        .unwrap_or_else(|| prices.clone());
    Ok(Plan {
        outcome,
        rounds,
        prices: last_prices,
        state,
    })
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
