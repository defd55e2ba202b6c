//! The economy a round plans: goods, endowments, councils and workplaces, stored flat.
//!
//! Councils and workplaces are kept as a structure of arrays: one vector per attribute and the
//! goods each participant names in one long vector with offsets (compressed sparse rows). A
//! round then walks memory in order and allocates nothing. This module also computes every
//! participant's declared response and adds the proposals up per good; it does not move prices.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::goods::{Good, GoodId, GoodKind};
use crate::proposals::{
    cobb_douglas_plan, leontief_plan, ConsumptionProposal, Council, PreferenceKind,
    ProductionProposal, TechnologyKind, Workplace,
};
use crate::PlanningError;

/// Councils as columns. Entry `e` of `good`/`weight` belongs to council `k` when
/// `start[k] <= e < start[k + 1]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CouncilTable {
    pub names: Vec<String>,
    pub credits: Vec<f64>,
    pub preference: Vec<PreferenceKind>,
    pub start: Vec<usize>,
    pub good: Vec<u32>,
    pub weight: Vec<f64>,
    /// `Σ a ln a` of a Cobb-Douglas council, zero for Leontief ones.
    pub weight_ln_weight: Vec<f64>,
    pub endowment_start: Vec<usize>,
    pub endowment_good: Vec<u32>,
    pub endowment_qty: Vec<f64>,
    /// Councils that ask for the same goods in the same order share one list of goods (a
    /// *pattern*); council `k` uses pattern `pattern[k]`.
    pub pattern: Vec<u32>,
    pub pattern_start: Vec<usize>,
    pub pattern_good: Vec<u32>,
    /// The first good of a pattern whose goods are consecutive, so that rounds can read
    /// prices and add up demand as contiguous slices.
    pub pattern_first: Vec<Option<u32>>,
}

/// Workplaces as columns, their inputs as compressed sparse rows like the councils' goods.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkplaceTable {
    pub names: Vec<String>,
    pub output: Vec<u32>,
    pub technology: Vec<TechnologyKind>,
    pub scale: Vec<f64>,
    pub returns: Vec<f64>,
    pub capacity: Vec<f64>,
    pub ln_capacity: Vec<f64>,
    /// Cobb-Douglas: `ln A + Σ b ln b`. Leontief: `ln(β A)`.
    pub constant: Vec<f64>,
    pub start: Vec<usize>,
    pub good: Vec<u32>,
    pub coefficient: Vec<f64>,
}

/// A planning problem: what is planned, what the network holds, and who takes part.
#[derive(Debug, Clone)]
pub struct Economy {
    goods: Vec<Good>,
    endowment: Vec<f64>,
    pub(crate) councils: CouncilTable,
    pub(crate) workplaces: WorkplaceTable,
}

/// Collects the parts of an [`Economy`] and checks them once, in [`EconomyBuilder::build`].
#[derive(Debug, Clone)]
pub struct EconomyBuilder {
    goods: Vec<Good>,
    endowment: Vec<f64>,
    councils: Vec<Council>,
    workplaces: Vec<Workplace>,
}

impl EconomyBuilder {
    /// The network holds `quantity` of `good` this period (added to any earlier amount).
    pub fn endowment(mut self, good: GoodId, quantity: f64) -> Self {
        if let Some(e) = self.endowment.get_mut(good.index()) {
            *e += quantity;
        } else {
            // Remember the bad index so that build() reports it.
            self.endowment.push(f64::NAN);
        }
        self
    }

    pub fn council(mut self, council: Council) -> Self {
        self.councils.push(council);
        self
    }

    pub fn workplace(mut self, workplace: Workplace) -> Self {
        self.workplaces.push(workplace);
        self
    }

    pub fn councils(mut self, councils: impl IntoIterator<Item = Council>) -> Self {
        self.councils.extend(councils);
        self
    }

    pub fn workplaces(mut self, workplaces: impl IntoIterator<Item = Workplace>) -> Self {
        self.workplaces.extend(workplaces);
        self
    }

    pub fn build(self) -> Result<Economy, PlanningError> {
        let m = self.goods.len();
        if m == 0 {
            return Err(PlanningError::Invalid("an economy needs goods".into()));
        }
        if m > u32::MAX as usize {
            return Err(PlanningError::Invalid("too many goods".into()));
        }
        if self.endowment.len() != m {
            return Err(PlanningError::Invalid(
                "an endowment names a good the economy does not have".into(),
            ));
        }
        for (g, e) in self.endowment.iter().enumerate() {
            if !(e.is_finite() && *e >= 0.0) {
                return Err(PlanningError::Invalid(format!(
                    "endowment of {} must be finite and not negative",
                    self.goods[g].name()
                )));
            }
            if *e > 0.0 && !self.goods[g].is_planned() {
                return Err(PlanningError::Invalid(format!(
                    "{} is imported: it cannot also be held",
                    self.goods[g].name()
                )));
            }
        }
        let known = |g: GoodId, who: &str| -> Result<u32, PlanningError> {
            if g.index() < m {
                Ok(g.0)
            } else {
                Err(PlanningError::Invalid(format!(
                    "{who} names good {} but the economy has {m} goods",
                    g.0
                )))
            }
        };

        let mut c = CouncilTable {
            start: vec![0],
            endowment_start: vec![0],
            pattern_start: vec![0],
            ..Default::default()
        };
        let mut patterns: std::collections::HashMap<Vec<u32>, u32> = Default::default();
        for council in &self.councils {
            for &(g, w) in &council.weights {
                let gi = known(g, &council.name)?;
                let kind = self.goods[g.index()].kind();
                if !matches!(kind, GoodKind::Final | GoodKind::Import) {
                    return Err(PlanningError::Invalid(format!(
                        "council {} asks for {}, which is not a final or imported good",
                        council.name,
                        self.goods[g.index()].name()
                    )));
                }
                c.good.push(gi);
                c.weight.push(w);
            }
            for &(g, q) in &council.endowment {
                let gi = known(g, &council.name)?;
                if !self.goods[g.index()].is_planned() {
                    return Err(PlanningError::Invalid(format!(
                        "council {} cannot hold an imported good",
                        council.name
                    )));
                }
                c.endowment_good.push(gi);
                c.endowment_qty.push(q);
            }
            c.names.push(council.name.clone());
            c.credits.push(council.credits);
            c.preference.push(council.preference);
            c.weight_ln_weight.push(match council.preference {
                PreferenceKind::CobbDouglas => {
                    council.weights.iter().map(|(_, a)| a * a.ln()).sum()
                }
                PreferenceKind::Leontief => 0.0,
            });
            c.start.push(c.good.len());
            c.endowment_start.push(c.endowment_good.len());
            let goods = &c.good[c.start[c.start.len() - 2]..];
            let next = patterns.len() as u32;
            let id = *patterns.entry(goods.to_vec()).or_insert_with(|| {
                c.pattern_good.extend_from_slice(goods);
                c.pattern_start.push(c.pattern_good.len());
                let consecutive = goods.windows(2).all(|w| w[1] == w[0] + 1);
                c.pattern_first.push(consecutive.then_some(goods[0]));
                next
            });
            c.pattern.push(id);
        }

        let mut w = WorkplaceTable {
            start: vec![0],
            ..Default::default()
        };
        for wp in &self.workplaces {
            let out = known(wp.output, &wp.name)?;
            if !self.goods[wp.output.index()].kind().is_produced() {
                return Err(PlanningError::Invalid(format!(
                    "workplace {} produces {}, which is not a final or intermediate good",
                    wp.name,
                    self.goods[wp.output.index()].name()
                )));
            }
            for &(g, b) in &wp.inputs {
                w.good.push(known(g, &wp.name)?);
                w.coefficient.push(b);
            }
            w.names.push(wp.name.clone());
            w.output.push(out);
            w.technology.push(wp.technology);
            w.scale.push(wp.scale);
            w.returns.push(wp.returns);
            w.capacity.push(wp.capacity);
            w.ln_capacity.push(wp.capacity.ln());
            w.constant.push(match wp.technology {
                TechnologyKind::CobbDouglas => {
                    wp.scale.ln() + wp.inputs.iter().map(|(_, b)| b * b.ln()).sum::<f64>()
                }
                TechnologyKind::Leontief => (wp.returns * wp.scale).ln(),
            });
            w.start.push(w.good.len());
        }

        Ok(Economy {
            goods: self.goods,
            endowment: self.endowment,
            councils: c,
            workplaces: w,
        })
    }
}

/// The proposals of a round and their totals per good. Allocated once per economy and
/// reused every round.
///
/// Workplaces' proposals are kept whole. A council's proposal under its declared response is
/// fixed by the round's prices, its weights and its budget, so rather than keep millions of
/// quantities the state keeps each council's budget and log utility; the quantities are
/// computed in batches, added up, and can be recomputed for any council with
/// [`Economy::council_proposal`].
#[derive(Debug, Clone)]
pub struct PlanState {
    pub(crate) price: Vec<f64>,
    pub(crate) ln_price: Vec<f64>,
    pub(crate) inv_price: Vec<f64>,
    pub(crate) council_budget: Vec<f64>,
    pub(crate) council_ln_utility: Vec<f64>,
    pub(crate) workplace_output: Vec<f64>,
    pub(crate) workplace_input: Vec<f64>,
    pub(crate) consumption: Vec<f64>,
    pub(crate) supply: Vec<f64>,
    pub(crate) demand: Vec<f64>,
    pub(crate) welfare: f64,
    /// Quantities of the councils of the current batch.
    batch: Vec<f64>,
    /// The pattern whose prices are in the `gathered_` vectors, if any.
    gathered_pattern: Option<u32>,
    /// Prices of the goods of the current council's pattern, when they are not consecutive.
    gathered_price: Vec<f64>,
    gathered_ln_price: Vec<f64>,
    gathered_inv_price: Vec<f64>,
}

impl PlanState {
    /// The prices the proposals answer.
    pub fn prices(&self) -> &[f64] {
        &self.price
    }

    /// Total supply per good: endowments, workplaces' outputs, and imports (which equal
    /// their demand).
    pub fn supply(&self) -> &[f64] {
        &self.supply
    }

    /// Total demand per good: councils' consumption and workplaces' inputs.
    pub fn demand(&self) -> &[f64] {
        &self.demand
    }

    /// Councils' part of [`PlanState::demand`].
    pub fn consumption(&self) -> &[f64] {
        &self.consumption
    }

    /// Welfare of the proposals as they stand (see [`Economy::welfare_of`]).
    pub fn welfare(&self) -> f64 {
        self.welfare
    }
}

/// Time spent gathering a round's proposals and adding them up.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GatherTimes {
    pub proposals: Duration,
    pub aggregation: Duration,
}

/// Councils' quantities are computed and added up in batches of about this many entries,
/// small enough that a batch is still in cache when it is added up.
const BATCH_ENTRIES: usize = 8192;

/// Sizes of an economy, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    pub goods: usize,
    pub councils: usize,
    pub workplaces: usize,
    /// Goods named by councils, summed over councils.
    pub council_entries: usize,
    /// Inputs named by workplaces, summed over workplaces.
    pub workplace_entries: usize,
}

impl Economy {
    pub fn builder(goods: Vec<Good>) -> EconomyBuilder {
        let m = goods.len();
        EconomyBuilder {
            goods,
            endowment: vec![0.0; m],
            councils: Vec::new(),
            workplaces: Vec::new(),
        }
    }

    pub fn goods(&self) -> &[Good] {
        &self.goods
    }

    /// What the network holds of each good this period.
    pub fn endowment(&self) -> &[f64] {
        &self.endowment
    }

    pub fn dimensions(&self) -> Dimensions {
        Dimensions {
            goods: self.goods.len(),
            councils: self.councils.names.len(),
            workplaces: self.workplaces.names.len(),
            council_entries: self.councils.good.len(),
            workplace_entries: self.workplaces.good.len(),
        }
    }

    pub fn council_count(&self) -> usize {
        self.councils.names.len()
    }

    /// Whether some council's budget depends on prices (it holds goods), as in an exchange
    /// economy. The reference optimum needs budgets in credits only.
    pub fn has_council_endowments(&self) -> bool {
        !self.councils.endowment_good.is_empty()
    }

    /// Total credits of all councils.
    pub fn total_credits(&self) -> f64 {
        self.councils.credits.iter().sum()
    }

    /// Council `k` as it was declared.
    pub fn council(&self, k: usize) -> Council {
        let c = &self.councils;
        let (s, e) = (c.start[k], c.start[k + 1]);
        let (es, ee) = (c.endowment_start[k], c.endowment_start[k + 1]);
        Council {
            name: c.names[k].clone(),
            credits: c.credits[k],
            preference: c.preference[k],
            weights: (s..e).map(|i| (GoodId(c.good[i]), c.weight[i])).collect(),
            endowment: (es..ee)
                .map(|i| (GoodId(c.endowment_good[i]), c.endowment_qty[i]))
                .collect(),
        }
    }

    /// Workplace `j` as it was declared.
    pub fn workplace(&self, j: usize) -> Workplace {
        let w = &self.workplaces;
        let (s, e) = (w.start[j], w.start[j + 1]);
        Workplace {
            name: w.names[j].clone(),
            output: GoodId(w.output[j]),
            technology: w.technology[j],
            scale: w.scale[j],
            returns: w.returns[j],
            inputs: (s..e)
                .map(|i| (GoodId(w.good[i]), w.coefficient[i]))
                .collect(),
            capacity: w.capacity[j],
        }
    }

    /// Buffers for rounds on this economy.
    pub fn new_state(&self) -> PlanState {
        let m = self.goods.len();
        let c = &self.councils;
        let longest_row = c.start.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let longest_pattern = c
            .pattern_start
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0);
        PlanState {
            price: vec![1.0; m],
            ln_price: vec![0.0; m],
            inv_price: vec![1.0; m],
            council_budget: c.credits.clone(),
            council_ln_utility: vec![0.0; c.names.len()],
            workplace_output: vec![0.0; self.workplaces.names.len()],
            workplace_input: vec![0.0; self.workplaces.good.len()],
            consumption: vec![0.0; m],
            supply: vec![0.0; m],
            demand: vec![0.0; m],
            welfare: 0.0,
            batch: vec![0.0; BATCH_ENTRIES.max(longest_row)],
            gathered_pattern: None,
            gathered_price: Vec::with_capacity(longest_pattern),
            gathered_ln_price: Vec::with_capacity(longest_pattern),
            gathered_inv_price: Vec::with_capacity(longest_pattern),
        }
    }

    /// One round's work: every participant's declared response to `prices`, added up per good
    /// into `state`, and valued (see [`Economy::welfare_of`]). Returns the time spent on each.
    ///
    /// Prices must be positive and finite; [`crate::prices`] keeps them so.
    pub fn gather(&self, prices: &[f64], state: &mut PlanState) -> GatherTimes {
        debug_assert_eq!(prices.len(), self.goods.len());
        let c = &self.councils;
        let started = Instant::now();
        state.price.copy_from_slice(prices);
        state.gathered_pattern = None;
        for ((lp, ip), &p) in state
            .ln_price
            .iter_mut()
            .zip(state.inv_price.iter_mut())
            .zip(prices)
        {
            *lp = p.ln();
            *ip = 1.0 / p;
        }
        if !c.endowment_good.is_empty() {
            for k in 0..c.names.len() {
                let (s, e) = (c.endowment_start[k], c.endowment_start[k + 1]);
                let value: f64 = (s..e)
                    .map(|i| c.endowment_qty[i] * prices[c.endowment_good[i] as usize])
                    .sum();
                state.council_budget[k] = c.credits[k] + value;
            }
        }
        self.propose_production(prices, state);
        let mut times = GatherTimes {
            proposals: started.elapsed(),
            aggregation: Duration::ZERO,
        };

        let started = Instant::now();
        self.add_up_production(state);
        state.consumption.fill(0.0);
        times.aggregation += started.elapsed();

        let mut k = 0;
        while k < c.names.len() {
            let started = Instant::now();
            let first_entry = c.start[k];
            let mut end = k + 1;
            while end < c.names.len() && c.start[end + 1] - first_entry <= state.batch.len() {
                end += 1;
            }
            for council in k..end {
                self.propose_consumption(council, first_entry, state);
            }
            let between = Instant::now();
            times.proposals += between - started;
            for council in k..end {
                self.add_up_consumption(council, first_entry, state);
            }
            times.aggregation += between.elapsed();
            k = end;
        }

        let started = Instant::now();
        self.close_tally(state);
        times.aggregation += started.elapsed();
        times
    }

    /// Council `k`'s quantities into `state.batch`, at offset `c.start[k] − first_entry`.
    fn propose_consumption(&self, k: usize, first_entry: usize, state: &mut PlanState) {
        let c = &self.councils;
        let PlanState {
            price,
            ln_price,
            inv_price,
            council_budget,
            council_ln_utility,
            batch,
            gathered_pattern,
            gathered_price,
            gathered_ln_price,
            gathered_inv_price,
            ..
        } = state;
        let (s, e) = (c.start[k], c.start[k + 1]);
        let quantities = &mut batch[s - first_entry..e - first_entry];
        let weights = &c.weight[s..e];
        let budget = council_budget[k];
        if budget <= 0.0 {
            quantities.fill(0.0);
            council_ln_utility[k] = 0.0;
            return;
        }
        let pattern = c.pattern[k] as usize;
        let (p, lp, ip): (&[f64], &[f64], &[f64]) = match c.pattern_first[pattern] {
            Some(first) => {
                let r = first as usize..first as usize + weights.len();
                (&price[r.clone()], &ln_price[r.clone()], &inv_price[r])
            }
            None => {
                let goods = &c.pattern_good[c.pattern_start[pattern]..c.pattern_start[pattern + 1]];
                // Councils with the same goods often follow each other; gather once for them.
                if *gathered_pattern != Some(pattern as u32) {
                    *gathered_pattern = Some(pattern as u32);
                    gathered_price.clear();
                    gathered_price.extend(goods.iter().map(|&g| price[g as usize]));
                    gathered_ln_price.clear();
                    gathered_ln_price.extend(goods.iter().map(|&g| ln_price[g as usize]));
                    gathered_inv_price.clear();
                    gathered_inv_price.extend(goods.iter().map(|&g| inv_price[g as usize]));
                }
                (gathered_price, gathered_ln_price, gathered_inv_price)
            }
        };
        council_ln_utility[k] = match c.preference[k] {
            PreferenceKind::CobbDouglas => {
                let weighted_ln_price = cobb_douglas_row(weights, ip, lp, budget, quantities);
                budget.ln() + c.weight_ln_weight[k] - weighted_ln_price
            }
            PreferenceKind::Leontief => {
                let utility = budget / dot(weights, p);
                for (x, &a) in quantities.iter_mut().zip(weights) {
                    *x = a * utility;
                }
                utility.ln()
            }
        };
    }

    fn add_up_consumption(&self, k: usize, first_entry: usize, state: &mut PlanState) {
        let c = &self.councils;
        let quantities = &state.batch[c.start[k] - first_entry..c.start[k + 1] - first_entry];
        let pattern = c.pattern[k] as usize;
        match c.pattern_first[pattern] {
            Some(first) => {
                let first = first as usize;
                add_to(
                    &mut state.consumption[first..first + quantities.len()],
                    quantities,
                );
            }
            None => {
                let goods = &c.pattern_good[c.pattern_start[pattern]..c.pattern_start[pattern + 1]];
                for (&g, &x) in goods.iter().zip(quantities) {
                    state.consumption[g as usize] += x;
                }
            }
        }
    }

    /// Council `k`'s proposal at the prices of `state`.
    pub fn council_proposal(&self, k: usize, state: &PlanState) -> ConsumptionProposal {
        let c = &self.councils;
        let (s, e) = (c.start[k], c.start[k + 1]);
        let budget = state.council_budget[k].max(0.0);
        let rows = c.good[s..e].iter().zip(&c.weight[s..e]);
        let quantities = match c.preference[k] {
            PreferenceKind::CobbDouglas => rows
                .map(|(&g, &a)| (GoodId(g), a * budget / state.price[g as usize]))
                .collect(),
            PreferenceKind::Leontief => {
                let cost: f64 = rows
                    .clone()
                    .map(|(&g, &a)| a * state.price[g as usize])
                    .sum();
                rows.map(|(&g, &a)| (GoodId(g), a * budget / cost))
                    .collect()
            }
        };
        ConsumptionProposal {
            council: k,
            quantities,
        }
    }

    fn propose_production(&self, prices: &[f64], state: &mut PlanState) {
        let w = &self.workplaces;
        let ln_price = &state.ln_price;
        let inv_price = &state.inv_price;
        for j in 0..w.names.len() {
            let (s, e) = (w.start[j], w.start[j + 1]);
            let goods = &w.good[s..e];
            let coefficients = &w.coefficient[s..e];
            let inputs = &mut state.workplace_input[s..e];
            let ln_py = ln_price[w.output[j] as usize];
            match w.technology[j] {
                TechnologyKind::CobbDouglas => {
                    let g = w.constant[j]
                        - goods
                            .iter()
                            .zip(coefficients)
                            .map(|(&g, &b)| b * ln_price[g as usize])
                            .sum::<f64>();
                    let (y, v) = cobb_douglas_plan(g, w.returns[j], ln_py, w.ln_capacity[j]);
                    state.workplace_output[j] = y;
                    for ((z, &g), &b) in inputs.iter_mut().zip(goods).zip(coefficients) {
                        *z = b * v * inv_price[g as usize];
                    }
                }
                TechnologyKind::Leontief => {
                    let unit_cost: f64 = goods
                        .iter()
                        .zip(coefficients)
                        .map(|(&g, &c)| c * prices[g as usize])
                        .sum();
                    let (y, m) = leontief_plan(
                        w.constant[j],
                        w.scale[j].ln(),
                        w.returns[j],
                        ln_py,
                        unit_cost,
                        w.ln_capacity[j],
                    );
                    state.workplace_output[j] = y;
                    for (z, &c) in inputs.iter_mut().zip(coefficients) {
                        *z = c * m;
                    }
                }
            }
        }
    }

    fn add_up_production(&self, state: &mut PlanState) {
        let c = &self.councils;
        let w = &self.workplaces;
        let supply = &mut state.supply;
        let demand = &mut state.demand;
        supply.copy_from_slice(&self.endowment);
        demand.fill(0.0);
        for (&g, &q) in c.endowment_good.iter().zip(&c.endowment_qty) {
            supply[g as usize] += q;
        }
        for (&g, &y) in w.output.iter().zip(&state.workplace_output) {
            supply[g as usize] += y;
        }
        for (&g, &z) in w.good.iter().zip(&state.workplace_input) {
            demand[g as usize] += z;
        }
    }

    fn close_tally(&self, state: &mut PlanState) {
        add_to(&mut state.demand, &state.consumption);
        let mut import_bill = 0.0;
        for (g, good) in self.goods.iter().enumerate() {
            if let Some(price) = good.outside_price() {
                state.supply[g] = state.demand[g];
                import_bill += price * state.demand[g];
            }
        }
        let utility: f64 = state
            .council_budget
            .iter()
            .zip(&state.council_ln_utility)
            .map(|(b, lu)| b * lu)
            .sum();
        state.welfare = utility - import_bill;
    }

    /// Welfare of the plan in `state` once goods in excess demand are shared out: each
    /// council gets the share `s_g / d_g` of what it asked of a good `g` that is short.
    ///
    /// This only rations consumption; it does not follow a shortage of an input through to
    /// the outputs it would have made, so it overstates the welfare of an infeasible plan. For
    /// a strictly feasible plan it is [`PlanState::welfare`].
    pub fn rationed_welfare(&self, state: &PlanState) -> f64 {
        let c = &self.councils;
        let ln_ration: Vec<f64> = state
            .supply
            .iter()
            .zip(&state.demand)
            .map(|(s, d)| if d > s { (s / d).ln() } else { 0.0 })
            .collect();
        let mut welfare = state.welfare;
        for k in 0..c.names.len() {
            let budget = state.council_budget[k];
            if budget <= 0.0 {
                continue;
            }
            let (s, e) = (c.start[k], c.start[k + 1]);
            let rows = c.good[s..e].iter().zip(&c.weight[s..e]);
            // Cobb-Douglas: ln u gains Σ a ln r. Leontief: u is scaled by the smallest ration.
            let change = match c.preference[k] {
                PreferenceKind::CobbDouglas => {
                    rows.map(|(&g, &a)| a * ln_ration[g as usize]).sum::<f64>()
                }
                PreferenceKind::Leontief => rows
                    .map(|(&g, _)| ln_ration[g as usize])
                    .fold(0.0, f64::min),
            };
            welfare += budget * change;
        }
        welfare
    }

    /// Welfare of a plan: `Σ_k B_k ln u_k(x_k) − Σ_imports p̄_g m_g`, the councils' log
    /// utilities weighted by their budgets, less what imports cost outside the network.
    ///
    /// Weighting by budgets is what makes the plan that every council and workplace agrees
    /// to at market-clearing prices the plan that maximises welfare (the Eisenberg-Gale
    /// program); see [`crate::optimum`]. `council_quantities` follows the order of the
    /// councils' goods (as in [`Economy::council`]); `imports[g]` is the amount of good `g`
    /// bought outside.
    pub fn welfare_of(&self, council_quantities: &[f64], imports: &[f64]) -> f64 {
        let c = &self.councils;
        let mut total = 0.0;
        for k in 0..c.names.len() {
            let (s, e) = (c.start[k], c.start[k + 1]);
            let budget = c.credits[k];
            if budget <= 0.0 {
                continue;
            }
            let xs = &council_quantities[s..e];
            let ln_u = match c.preference[k] {
                PreferenceKind::CobbDouglas => xs
                    .iter()
                    .zip(&c.weight[s..e])
                    .map(|(x, a)| a * x.ln())
                    .sum::<f64>(),
                PreferenceKind::Leontief => xs
                    .iter()
                    .zip(&c.weight[s..e])
                    .map(|(x, a)| x / a)
                    .fold(f64::INFINITY, f64::min)
                    .ln(),
            };
            total += budget * ln_u;
        }
        for (g, good) in self.goods.iter().enumerate() {
            if let Some(price) = good.outside_price() {
                total -= price * imports[g];
            }
        }
        total
    }

    /// Workplace `j`'s proposal as it stands in `state`.
    pub fn workplace_proposal(&self, j: usize, state: &PlanState) -> ProductionProposal {
        let w = &self.workplaces;
        let (s, e) = (w.start[j], w.start[j + 1]);
        ProductionProposal {
            workplace: j,
            output: state.workplace_output[j],
            inputs: (s..e)
                .map(|i| (GoodId(w.good[i]), state.workplace_input[i]))
                .collect(),
        }
    }

    pub(crate) fn set_endowment(&mut self, endowment: Vec<f64>) {
        debug_assert_eq!(endowment.len(), self.goods.len());
        self.endowment = endowment;
    }

    /// The same economy with every council's credits, every workplace's productivity and every
    /// endowment multiplied by a factor from `factor` (called once per number, in that order).
    pub(crate) fn rescaled(&self, mut factor: impl FnMut() -> f64) -> Economy {
        let mut next = self.clone();
        for b in &mut next.councils.credits {
            *b *= factor();
        }
        let w = &mut next.workplaces;
        for j in 0..w.names.len() {
            let f = factor();
            w.scale[j] *= f;
            w.constant[j] += f.ln();
        }
        for e in &mut next.endowment {
            *e *= factor();
        }
        next
    }
}

/// Lanes of the hand-split sums below, so that the compiler can keep them in vector registers.
const LANES: usize = 8;

/// A Cobb-Douglas council's proposal `x_i = a_i B / p_i` over one row; returns `Σ a_i ln p_i`.
#[inline]
fn cobb_douglas_row(a: &[f64], inv_p: &[f64], ln_p: &[f64], budget: f64, x: &mut [f64]) -> f64 {
    let n = a.len();
    let (inv_p, ln_p, x) = (&inv_p[..n], &ln_p[..n], &mut x[..n]);
    let mut lanes = [0.0; LANES];
    let body = n - n % LANES;
    for (((xc, ac), ic), lc) in x[..body]
        .chunks_exact_mut(LANES)
        .zip(a[..body].chunks_exact(LANES))
        .zip(inv_p[..body].chunks_exact(LANES))
        .zip(ln_p[..body].chunks_exact(LANES))
    {
        for l in 0..LANES {
            xc[l] = ac[l] * budget * ic[l];
            lanes[l] += ac[l] * lc[l];
        }
    }
    let mut sum: f64 = lanes.iter().sum();
    for i in body..n {
        x[i] = a[i] * budget * inv_p[i];
        sum += a[i] * ln_p[i];
    }
    sum
}

/// `Σ a_i b_i`.
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len();
    let b = &b[..n];
    let mut lanes = [0.0; LANES];
    let body = n - n % LANES;
    for (ac, bc) in a[..body]
        .chunks_exact(LANES)
        .zip(b[..body].chunks_exact(LANES))
    {
        for l in 0..LANES {
            lanes[l] += ac[l] * bc[l];
        }
    }
    lanes.iter().sum::<f64>() + (body..n).map(|i| a[i] * b[i]).sum::<f64>()
}

/// `total += x`, element by element.
#[inline]
fn add_to(total: &mut [f64], x: &[f64]) {
    for (t, v) in total.iter_mut().zip(x) {
        *t += v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bread_economy() -> Economy {
        let goods = vec![
            Good::new("bread", GoodKind::Final, "loaf").unwrap(),
            Good::new("baking", GoodKind::Labour, "hour").unwrap(),
            Good::import("salt", "kg", 2.0).unwrap(),
        ];
        Economy::builder(goods)
            .endowment(GoodId(1), 100.0)
            .council(Council::cobb_douglas("street", 100.0, vec![(GoodId(0), 1.0)]).unwrap())
            .workplace(
                Workplace::cobb_douglas(
                    "bakery",
                    GoodId(0),
                    2.0,
                    vec![(GoodId(1), 0.5), (GoodId(2), 0.1)],
                    1e9,
                )
                .unwrap(),
            )
            .build()
            .unwrap()
    }

    #[test]
    fn gather_adds_proposals_and_imports_balance() {
        let economy = bread_economy();
        let mut state = economy.new_state();
        let prices = [5.0, 0.5, 2.0];
        economy.gather(&prices, &mut state);
        assert!((state.consumption[0] - 20.0).abs() < 1e-12);
        assert_eq!(state.supply[1], 100.0);
        assert_eq!(state.supply[2], state.demand[2]);
        let p = economy.workplace_proposal(0, &state);
        assert!((p.output - state.supply[0]).abs() < 1e-12);
        // Cost shares: labour gets half the revenue, salt a tenth.
        assert!((p.inputs[0].1 * 0.5 - 0.5 * 5.0 * p.output).abs() < 1e-9);
        assert!((p.inputs[1].1 * 2.0 - 0.1 * 5.0 * p.output).abs() < 1e-9);
        let c = economy.council_proposal(0, &state);
        assert_eq!(c.quantities, vec![(GoodId(0), 20.0)]);
        let imports = [0.0, 0.0, state.demand[2]];
        let direct = economy.welfare_of(&[20.0], &imports);
        assert!((direct - state.welfare).abs() < 1e-9);
    }

    #[test]
    fn batches_and_patterns_do_not_change_the_totals() {
        // Councils with consecutive goods, with scattered goods, and sharing patterns,
        // more entries than one batch holds.
        let mut goods = vec![Good::new("labour", GoodKind::Labour, "hour").unwrap()];
        for i in 0..40 {
            goods.push(Good::new(format!("good {i}"), GoodKind::Final, "unit").unwrap());
        }
        let mut builder = Economy::builder(goods).endowment(GoodId(0), 1000.0);
        let mut expected = vec![0.0; 41];
        let prices: Vec<f64> = (0..41).map(|g| 1.0 + g as f64 / 10.0).collect();
        for k in 0..600u32 {
            let chosen: Vec<u32> = match k % 3 {
                0 => (1..41).collect(),
                1 => (1..41).step_by(3).collect(),
                _ => vec![1 + k % 40, 1 + (k * 7 + 3) % 40],
            };
            let mut chosen = chosen;
            chosen.dedup();
            if chosen.len() == 2 && chosen[0] == chosen[1] {
                chosen.pop();
            }
            let weights: Vec<(GoodId, f64)> = chosen
                .iter()
                .map(|&g| (GoodId(g), 1.0 + (g % 5) as f64))
                .collect();
            let credits = 10.0 + k as f64;
            let council = if k % 2 == 0 {
                let total: f64 = weights.iter().map(|(_, w)| w).sum();
                for (g, w) in &weights {
                    expected[g.index()] += w / total * credits / prices[g.index()];
                }
                Council::cobb_douglas(format!("c{k}"), credits, weights).unwrap()
            } else {
                let cost: f64 = weights.iter().map(|(g, w)| w * prices[g.index()]).sum();
                for (g, w) in &weights {
                    expected[g.index()] += w * credits / cost;
                }
                Council::leontief(format!("c{k}"), credits, weights).unwrap()
            };
            builder = builder.council(council);
        }
        let economy = builder.build().unwrap();
        assert!(economy.councils.pattern_first.iter().any(|p| p.is_some()));
        assert!(economy.councils.pattern_first.iter().any(|p| p.is_none()));
        let mut state = economy.new_state();
        economy.gather(&prices, &mut state);
        for (g, (&got, &want)) in state.consumption.iter().zip(&expected).enumerate() {
            assert!(
                (got - want).abs() <= 1e-9 * want.max(1.0),
                "good {g}: {got} vs {want}"
            );
        }
        let mut welfare = 0.0;
        for k in 0..economy.council_count() {
            let proposal = economy.council_proposal(k, &state);
            let quantities: Vec<f64> = proposal.quantities.iter().map(|(_, x)| *x).collect();
            let c = economy.council(k);
            let single = Economy::builder(economy.goods().to_vec())
                .council(c.clone())
                .build()
                .unwrap();
            welfare += single.welfare_of(&quantities, &[0.0; 41]);
        }
        assert!((welfare - state.welfare).abs() < 1e-8 * welfare.abs());
    }

    #[test]
    fn build_rejects_what_cannot_be_planned() {
        let goods = || {
            vec![
                Good::new("bread", GoodKind::Final, "loaf").unwrap(),
                Good::new("baking", GoodKind::Labour, "hour").unwrap(),
            ]
        };
        let eats_labour = Council::cobb_douglas("c", 1.0, vec![(GoodId(1), 1.0)]).unwrap();
        assert!(Economy::builder(goods())
            .council(eats_labour)
            .build()
            .is_err());
        let unknown = Council::cobb_douglas("c", 1.0, vec![(GoodId(7), 1.0)]).unwrap();
        assert!(Economy::builder(goods()).council(unknown).build().is_err());
        assert!(Economy::builder(goods())
            .endowment(GoodId(9), 1.0)
            .build()
            .is_err());
        let makes_labour =
            Workplace::cobb_douglas("w", GoodId(1), 1.0, vec![(GoodId(0), 0.5)], 1.0).unwrap();
        assert!(Economy::builder(goods())
            .workplace(makes_labour)
            .build()
            .is_err());
    }
}
