//! Simulation: generate an economy, plan it round by round, compare the plan with the
//! optimum, and report, in one call for the command line and the benchmarks.
//!
//! Writing files and drawing progress bars is the caller's job: this module returns data,
//! writes CSV to any [`std::io::Write`], and renders the chart as an SVG string.

use std::io::{self, Write};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::chart;
use crate::economy::{Dimensions, Economy};
use crate::generation::{generate, GenerationOptions};
use crate::goods::Good;
use crate::optimum::{price_distance, solve_optimum, welfare_gap_pct};
use crate::prices::{PriceRule, RuleKind};
use crate::rounds::{run, Outcome, PhaseTimes, Plan, PlannerOptions, RoundLog};
use crate::PlanningError;

/// When to solve the reference optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptimumMode {
    /// Solve when the program is small enough to solve in seconds (see [`optimum_fits`]).
    Auto,
    Always,
    Never,
}

/// What to simulate. Build with `..SimulateOptions::default()` for the fields not given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulateOptions {
    pub workplaces: usize,
    pub councils: usize,
    pub goods: usize,
    pub seed: u64,
    pub rule: RuleKind,
    /// Goods each council asks for; `None` for every final and imported good.
    pub goods_per_council: Option<usize>,
    pub max_rounds: u32,
    pub optimum: OptimumMode,
}

impl Default for SimulateOptions {
    fn default() -> Self {
        SimulateOptions {
            workplaces: 3000,
            councils: 3000,
            goods: 50,
            seed: 1,
            rule: RuleKind::Pequod,
            goods_per_council: None,
            max_rounds: PlannerOptions::default().max_rounds,
            optimum: OptimumMode::Auto,
        }
    }
}

/// Everything a simulation found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimulationReport {
    pub options: SimulateOptions,
    pub dimensions: Dimensions,
    pub rule: PriceRule,
    pub outcome: Outcome,
    pub rounds: u32,
    pub rounds_to_5pct: Option<u32>,
    pub rounds_to_3pct: Option<u32>,
    pub rounds_to_feasible: Option<u32>,
    /// Mean wall time of a round.
    pub ms_per_round: f64,
    /// Mean time per phase of a round.
    pub phase_ms: PhaseTimes,
    pub generation_ms: f64,
    pub final_worst_excess: f64,
    /// Whether the last round's plan is strictly feasible.
    pub plan_feasible: bool,
    /// Welfare of the last round's plan, rationed if it is not feasible
    /// (see [`Economy::rationed_welfare`]).
    pub plan_welfare: f64,
    pub optimum_welfare: Option<f64>,
    pub welfare_gap_pct: Option<f64>,
    pub price_distance: Option<f64>,
    pub optimum_ms: Option<f64>,
    /// Why there is no optimum, when there is none.
    pub optimum_note: Option<String>,
    pub goods: Vec<Good>,
    pub final_prices: Vec<f64>,
    pub dual_prices: Option<Vec<f64>>,
    /// The prices the generated economy was calibrated to clear at.
    pub calibrated_prices: Vec<f64>,
    pub round_logs: Vec<RoundLog>,
}

/// The figures scripts and benchmarks read; what `--json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub workplaces: usize,
    pub councils: usize,
    pub goods: usize,
    pub seed: u64,
    pub rule: RuleKind,
    pub outcome: Outcome,
    pub converged: bool,
    pub rounds: u32,
    pub rounds_to_5pct: Option<u32>,
    pub rounds_to_3pct: Option<u32>,
    pub rounds_to_feasible: Option<u32>,
    pub ms_per_round: f64,
    pub welfare_gap_pct: Option<f64>,
    pub price_distance: Option<f64>,
}

/// How the plan compares with the optimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub plan_welfare: f64,
    pub plan_feasible: bool,
    pub optimum_welfare: f64,
    pub welfare_gap_pct: f64,
    pub price_distance: f64,
    pub dual_prices: Vec<f64>,
    pub optimum_ms: f64,
}

/// Whether the reference optimum of `economy` is small enough to solve in under a minute or
/// so: at most 60,000 cones and 2,000,000 nonzeros. Cobb-Douglas councils count once per good
/// however many there are (they are aggregated); Leontief councils count one cone each,
/// workplaces one per input and one more. On the benchmark machine 3,000 workplaces x 3,000
/// councils x 50 goods (about 15,000 cones) take a few seconds and 10,000 x 10,000 x 150
/// (about 50,000) half a minute; 30,000 x 30,000 x 500 (about 150,000) about a minute, so it
/// is left to [`OptimumMode::Always`].
pub fn optimum_fits(economy: &Economy) -> bool {
    let (cones, nonzeros) = optimum_size(economy);
    cones <= 60_000 && nonzeros <= 2_000_000
}

fn optimum_size(economy: &Economy) -> (usize, usize) {
    let c = &economy.councils;
    let d = economy.dimensions();
    let mut cones = d.goods + d.workplace_entries + d.workplaces;
    let mut nonzeros = 3 * d.goods + 6 * d.workplace_entries + 6 * d.workplaces;
    for k in 0..c.names.len() {
        if c.preference[k] == crate::proposals::PreferenceKind::Leontief {
            cones += 1;
            nonzeros += c.start[k + 1] - c.start[k] + 3;
        }
    }
    (cones, nonzeros)
}

/// Solves the optimum of `economy` and compares `plan` with it.
///
/// The plan's prices also scale the solver's variables (see [`solve_optimum`]).
pub fn compare(economy: &Economy, plan: &Plan) -> Result<Comparison, PlanningError> {
    let optimum = solve_optimum(economy, Some(&plan.prices))?;
    let last = plan.rounds.last();
    let plan_feasible = last.is_some_and(|r| r.feasible);
    let plan_welfare = economy.rationed_welfare(&plan.state);
    Ok(Comparison {
        plan_welfare,
        plan_feasible,
        optimum_welfare: optimum.welfare,
        welfare_gap_pct: welfare_gap_pct(optimum.welfare, plan_welfare, economy.total_credits()),
        price_distance: price_distance(economy.goods(), &plan.prices, &optimum.prices),
        dual_prices: optimum.prices,
        optimum_ms: optimum.solve_ms,
    })
}

/// Generates the economy `options` describe, runs the procedure on it with the chosen rule
/// from all prices at one, and compares the plan with the optimum. `on_round` sees every
/// round as it ends.
pub fn simulate(
    options: &SimulateOptions,
    on_round: impl FnMut(&RoundLog),
) -> Result<SimulationReport, PlanningError> {
    let started = Instant::now();
    let mut generation = GenerationOptions::new(
        options.workplaces,
        options.councils,
        options.goods,
        options.seed,
    );
    generation.goods_per_council = options.goods_per_council;
    let generated = generate(&generation)?;
    let generation_ms = started.elapsed().as_secs_f64() * 1e3;
    let economy = &generated.economy;

    let planner = PlannerOptions {
        rule: options.rule.into(),
        max_rounds: options.max_rounds,
        ..PlannerOptions::default()
    };
    let plan = run(economy, &planner, on_round)?;

    let solve = match options.optimum {
        OptimumMode::Never => false,
        OptimumMode::Always => true,
        OptimumMode::Auto => optimum_fits(economy),
    };
    let (comparison, optimum_note) = if solve {
        match compare(economy, &plan) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        let note = match options.optimum {
            OptimumMode::Never => "not asked for",
            _ => "the program is too large to solve in seconds",
        };
        (None, Some(note.to_string()))
    };
    let plan_feasible = plan.rounds.last().is_some_and(|r| r.feasible);
    let plan_welfare = economy.rationed_welfare(&plan.state);

    let n = plan.rounds.len().max(1) as f64;
    let mut phase_ms = PhaseTimes::default();
    for r in &plan.rounds {
        phase_ms.proposals_ms += r.times.proposals_ms / n;
        phase_ms.aggregation_ms += r.times.aggregation_ms / n;
        phase_ms.price_update_ms += r.times.price_update_ms / n;
        phase_ms.total_ms += r.times.total_ms / n;
    }
    Ok(SimulationReport {
        options: options.clone(),
        dimensions: economy.dimensions(),
        rule: planner.rule,
        outcome: plan.outcome.clone(),
        rounds: plan.rounds.len() as u32,
        rounds_to_5pct: plan.first_round_below(0.05),
        rounds_to_3pct: plan.first_round_below(0.03),
        rounds_to_feasible: plan.first_feasible_round(),
        ms_per_round: phase_ms.total_ms,
        phase_ms,
        generation_ms,
        final_worst_excess: plan.rounds.last().map_or(f64::NAN, |r| r.worst_excess),
        plan_feasible,
        plan_welfare,
        optimum_welfare: comparison.as_ref().map(|c| c.optimum_welfare),
        welfare_gap_pct: comparison.as_ref().map(|c| c.welfare_gap_pct),
        price_distance: comparison.as_ref().map(|c| c.price_distance),
        optimum_ms: comparison.as_ref().map(|c| c.optimum_ms),
        optimum_note,
        goods: economy.goods().to_vec(),
        final_prices: plan.prices.clone(),
        dual_prices: comparison.map(|c| c.dual_prices),
        calibrated_prices: generated.calibrated_prices,
        round_logs: plan.rounds,
    })
}

impl SimulationReport {
    pub fn summary(&self) -> Summary {
        Summary {
            workplaces: self.options.workplaces,
            councils: self.options.councils,
            goods: self.options.goods,
            seed: self.options.seed,
            rule: self.options.rule,
            outcome: self.outcome.clone(),
            converged: self.outcome.converged(),
            rounds: self.rounds,
            rounds_to_5pct: self.rounds_to_5pct,
            rounds_to_3pct: self.rounds_to_3pct,
            rounds_to_feasible: self.rounds_to_feasible,
            ms_per_round: self.ms_per_round,
            welfare_gap_pct: self.welfare_gap_pct,
            price_distance: self.price_distance,
        }
    }

    /// One line per round (see [`write_rounds_csv`]).
    pub fn write_rounds_csv(&self, out: impl Write) -> io::Result<()> {
        write_rounds_csv(&self.goods, &self.round_logs, out)
    }

    /// One line per round and good (see [`write_goods_csv`]).
    pub fn write_goods_csv(&self, out: impl Write) -> io::Result<()> {
        write_goods_csv(&self.goods, &self.round_logs, out)
    }

    /// The chart of worst excess and price paths (see [`chart::rounds_svg`]).
    pub fn chart_svg(&self) -> String {
        let title = format!(
            "{} workplaces, {} councils, {} goods, seed {}: {} rule",
            self.options.workplaces,
            self.options.councils,
            self.options.goods,
            self.options.seed,
            self.options.rule
        );
        chart::rounds_svg(&self.goods, &self.round_logs, &title)
    }
}

/// CSV with a header and one line per round: `round, worst_excess, worst_good, short_goods,
/// feasible, welfare, proposals_ms, aggregation_ms, price_update_ms, total_ms`.
pub fn write_rounds_csv(
    goods: &[Good],
    rounds: &[RoundLog],
    mut out: impl Write,
) -> io::Result<()> {
    writeln!(
        out,
        "round,worst_excess,worst_good,short_goods,feasible,welfare,proposals_ms,aggregation_ms,price_update_ms,total_ms"
    )?;
    for r in rounds {
        let worst = r
            .worst_good
            .and_then(|g| goods.get(g.index()))
            .map_or(String::new(), |g| csv_field(g.name()));
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            r.round,
            r.worst_excess,
            worst,
            r.short_goods,
            r.feasible,
            r.welfare,
            r.times.proposals_ms,
            r.times.aggregation_ms,
            r.times.price_update_ms,
            r.times.total_ms
        )?;
    }
    Ok(())
}

/// CSV with a header and one line per round and good: `round, good, kind, unit, price,
/// supply, demand, excess`.
pub fn write_goods_csv(goods: &[Good], rounds: &[RoundLog], mut out: impl Write) -> io::Result<()> {
    writeln!(out, "round,good,kind,unit,price,supply,demand,excess")?;
    for r in rounds {
        for (g, good) in goods.iter().enumerate() {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                r.round,
                csv_field(good.name()),
                good.kind().as_str(),
                csv_field(good.unit()),
                r.prices[g],
                r.supply[g],
                r.demand[g],
                r.excess[g]
            )?;
        }
    }
    Ok(())
}

/// Quotes a field when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("bread"), "bread");
        assert_eq!(csv_field("bread, rye"), "\"bread, rye\"");
        assert_eq!(csv_field("the \"good\" one"), "\"the \"\"good\"\" one\"");
    }
}
