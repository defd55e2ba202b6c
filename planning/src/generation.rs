//! Economy generation: seeded, reproducible economies of any size for simulations and
//! benchmarks.
//!
//! A generated economy is **calibrated**: the generator first draws a price for every good
//! (log-uniform between `1/price_spread` and `price_spread`), then scales workplaces'
//! productivity and the network's endowments so that at exactly those prices every planned
//! good's supply equals its demand. Those *calibrated prices* are therefore the market-clearing
//! prices of the economy, and, since the economy is a Fisher market with production (budgets
//! in credits), the dual prices of its welfare optimum; they give tests and benchmarks a known
//! answer. Rounds start elsewhere (all prices one, by default), as a board without last
//! period's prices would.
//!
//! Shape, for `M` goods: 6% imports, 6% capital services, 8% kinds of labour (at least one),
//! 10% natural resources (at least one), 30% intermediate goods, and the rest final goods.
//! Each council has credits drawn from [50, 150], asks for every final and imported good (or a
//! random subset of `goods_per_council` of them) with weights drawn from [0.5, 1.5], and is
//! Leontief with probability `leontief_councils`, Cobb-Douglas otherwise. Every final and
//! intermediate good has at least one workplace; the other workplaces pick their output at
//! random. A workplace uses one kind of labour, a natural resource and capital services each
//! with probability 1/2, up to three intermediate goods and an import with probability 0.3,
//! with returns `β` drawn from [0.6, 0.85]; it is Leontief with probability
//! `leontief_workplaces`. Every input good is used by at least one workplace. Capacities lie
//! 25% to 100% above each workplace's output at the calibrated prices, so they bound
//! responses without binding at the solution.

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::economy::Economy;
use crate::goods::{Good, GoodId, GoodKind};
use crate::proposals::{Council, Workplace};
use crate::PlanningError;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationOptions {
    pub workplaces: usize,
    pub councils: usize,
    pub goods: usize,
    pub seed: u64,
    /// Goods each council asks for; `None` for every final and imported good.
    pub goods_per_council: Option<usize>,
    /// Share of councils with Leontief preferences.
    pub leontief_councils: f64,
    /// Share of workplaces with Leontief technologies.
    pub leontief_workplaces: f64,
    /// Calibrated prices lie between `1 / price_spread` and `price_spread`.
    pub price_spread: f64,
}

impl GenerationOptions {
    pub fn new(workplaces: usize, councils: usize, goods: usize, seed: u64) -> Self {
        GenerationOptions {
            workplaces,
            councils,
            goods,
            seed,
            goods_per_council: None,
            leontief_councils: 0.2,
            leontief_workplaces: 0.2,
            price_spread: 2.0,
        }
    }
}

/// A generated economy and the prices at which it clears.
#[derive(Debug, Clone)]
pub struct Generated {
    pub economy: Economy,
    pub calibrated_prices: Vec<f64>,
}

struct Layout {
    kinds: Vec<GoodKind>,
}

impl Layout {
    fn new(m: usize) -> Result<Self, PlanningError> {
        if m < 4 {
            return Err(PlanningError::Invalid(
                "a generated economy needs at least 4 goods".into(),
            ));
        }
        let share = |pct: usize| (m * pct + 50) / 100;
        let imports = share(6);
        let capital = share(6);
        let labour = share(8).max(1);
        let resources = share(10).max(1);
        let intermediate = share(30).max(1);
        let fixed = imports + capital + labour + resources + intermediate;
        if fixed >= m {
            return Err(PlanningError::Invalid(format!(
                "{m} goods leave no final good"
            )));
        }
        // Final goods and imports first and side by side: what councils ask for is then one
        // run of consecutive goods, which rounds read fastest.
        let mut kinds = vec![GoodKind::Final; m - fixed];
        kinds.extend(std::iter::repeat_n(GoodKind::Import, imports));
        kinds.extend(std::iter::repeat_n(GoodKind::Intermediate, intermediate));
        kinds.extend(std::iter::repeat_n(GoodKind::NaturalResource, resources));
        kinds.extend(std::iter::repeat_n(GoodKind::Labour, labour));
        kinds.extend(std::iter::repeat_n(GoodKind::CapitalServices, capital));
        Ok(Layout { kinds })
    }

    fn of(&self, kind: GoodKind) -> Vec<u32> {
        (0..self.kinds.len() as u32)
            .filter(|&g| self.kinds[g as usize] == kind)
            .collect()
    }
}

/// Draws an economy from `options`; the same options always give the same economy.
pub fn generate(options: &GenerationOptions) -> Result<Generated, PlanningError> {
    let layout = Layout::new(options.goods)?;
    let m = layout.kinds.len();
    let finals = layout.of(GoodKind::Final);
    let intermediates = layout.of(GoodKind::Intermediate);
    let resources = layout.of(GoodKind::NaturalResource);
    let labour = layout.of(GoodKind::Labour);
    let capital = layout.of(GoodKind::CapitalServices);
    let imports = layout.of(GoodKind::Import);
    let produced: Vec<u32> = finals.iter().chain(&intermediates).copied().collect();
    if options.workplaces < produced.len() {
        return Err(PlanningError::Invalid(format!(
            "{} goods are produced, so at least {} workplaces are needed, not {}",
            produced.len(),
            produced.len(),
            options.workplaces
        )));
    }
    if options.councils == 0 {
        return Err(PlanningError::Invalid("at least one council".into()));
    }
    if !(options.price_spread >= 1.0 && options.price_spread.is_finite()) {
        return Err(PlanningError::Invalid(
            "price spread must be at least 1".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);

    let ln_spread = options.price_spread.ln();
    let prices: Vec<f64> = (0..m)
        .map(|_| rng.gen_range(-ln_spread..=ln_spread).exp())
        .collect();
    let goods: Vec<Good> = layout
        .kinds
        .iter()
        .enumerate()
        .map(|(g, &kind)| {
            let n = g + 1;
            match kind {
                GoodKind::Final => Good::new(format!("final good {n}"), kind, "units"),
                GoodKind::Intermediate => {
                    Good::new(format!("intermediate good {n}"), kind, "units")
                }
                GoodKind::NaturalResource => {
                    Good::new(format!("natural resource {n}"), kind, "tonnes")
                }
                GoodKind::Labour => Good::new(format!("labour {n}"), kind, "hours"),
                GoodKind::CapitalServices => {
                    Good::new(format!("capital services {n}"), kind, "machine-hours")
                }
                GoodKind::Import => Good::import(format!("import {n}"), "units", prices[g]),
            }
        })
        .collect::<Result<_, _>>()?;

    // Councils.
    let pool: Vec<u32> = finals.iter().chain(&imports).copied().collect();
    let per_council = options
        .goods_per_council
        .map_or(pool.len(), |n| n.clamp(1, pool.len()));
    let mut council_goods: Vec<Vec<(GoodId, f64)>> = (0..options.councils)
        .map(|_| {
            let chosen: Vec<u32> = if per_council == pool.len() {
                pool.clone()
            } else {
                let mut c: Vec<u32> = sample(&mut rng, pool.len(), per_council)
                    .into_iter()
                    .map(|i| pool[i])
                    .collect();
                c.sort_unstable();
                c
            };
            chosen
                .into_iter()
                .map(|g| (GoodId(g), rng.gen_range(0.5..1.5)))
                .collect()
        })
        .collect();
    // Every final good is wanted by someone, or its workplaces would have no purpose.
    for &g in &finals {
        if !council_goods
            .iter()
            .any(|c| c.iter().any(|(h, _)| h.0 == g))
        {
            let k = rng.gen_range(0..council_goods.len());
            council_goods[k].push((GoodId(g), rng.gen_range(0.5..1.5)));
        }
    }
    let mut councils = Vec::with_capacity(options.councils);
    for (k, weights) in council_goods.into_iter().enumerate() {
        let credits = rng.gen_range(50.0..150.0);
        let name = format!("council {}", k + 1);
        councils.push(if rng.gen_bool(options.leontief_councils.clamp(0.0, 1.0)) {
            Council::leontief(name, credits, weights)?
        } else {
            Council::cobb_douglas(name, credits, weights)?
        });
    }

    // Workplaces: outputs, inputs with raw weights, then coverage, then normalisation.
    struct Draft {
        output: u32,
        leontief: bool,
        returns: f64,
        scale: f64,
        inputs: Vec<(u32, f64)>,
    }
    let pick = |rng: &mut ChaCha8Rng, from: &[u32]| from[rng.gen_range(0..from.len())];
    let mut drafts: Vec<Draft> = (0..options.workplaces)
        .map(|j| {
            let output = if j < produced.len() {
                produced[j]
            } else {
                pick(&mut rng, &produced)
            };
            let mut inputs = vec![(pick(&mut rng, &labour), rng.gen_range(0.5..1.5))];
            if rng.gen_bool(0.5) {
                inputs.push((pick(&mut rng, &resources), rng.gen_range(0.5..1.5)));
            }
            if !capital.is_empty() && rng.gen_bool(0.5) {
                inputs.push((pick(&mut rng, &capital), rng.gen_range(0.5..1.5)));
            }
            let n_intermediate = rng.gen_range(0..=3usize);
            for _ in 0..n_intermediate {
                let h = pick(&mut rng, &intermediates);
                if h != output && !inputs.iter().any(|(g, _)| *g == h) {
                    inputs.push((h, rng.gen_range(0.5..1.5)));
                }
            }
            if !imports.is_empty() && rng.gen_bool(0.3) {
                inputs.push((pick(&mut rng, &imports), rng.gen_range(0.5..1.5)));
            }
            Draft {
                output,
                leontief: rng.gen_bool(options.leontief_workplaces.clamp(0.0, 1.0)),
                returns: rng.gen_range(0.6..0.85),
                scale: rng.gen_range(0.8..1.25),
                inputs,
            }
        })
        .collect();
    let mut used = vec![false; m];
    for d in &drafts {
        for (g, _) in &d.inputs {
            used[*g as usize] = true;
        }
    }
    for g in 0..m as u32 {
        let kind = layout.kinds[g as usize];
        if used[g as usize] || kind == GoodKind::Final || kind == GoodKind::Import {
            continue;
        }
        // Some workplace that does not make g takes it up.
        loop {
            let j = rng.gen_range(0..drafts.len());
            if drafts[j].output != g {
                drafts[j].inputs.push((g, rng.gen_range(0.5..1.5)));
                break;
            }
        }
    }
    let mut workplaces = Vec::with_capacity(drafts.len());
    for (j, d) in drafts.iter().enumerate() {
        let name = format!("workplace {}", j + 1);
        let output = GoodId(d.output);
        workplaces.push(if d.leontief {
            // Coefficients so that input values, not quantities, are of similar size.
            let coefficients = d
                .inputs
                .iter()
                .map(|&(g, raw)| (GoodId(g), raw / prices[g as usize]))
                .collect();
            Workplace::leontief(
                name,
                output,
                d.scale,
                d.returns,
                coefficients,
                f64::INFINITY,
            )?
        } else {
            let total: f64 = d.inputs.iter().map(|(_, w)| w).sum();
            let exponents = d
                .inputs
                .iter()
                .map(|&(g, raw)| (GoodId(g), d.returns * raw / total))
                .collect();
            Workplace::cobb_douglas(name, output, d.scale, exponents, f64::INFINITY)?
        });
    }

    let mut economy = Economy::builder(goods)
        .councils(councils)
        .workplaces(workplaces)
        .build()?;
    calibrate(&mut economy, &prices, &layout.kinds, &mut rng);
    Ok(Generated {
        economy,
        calibrated_prices: prices,
    })
}

/// Scales every workplace producing good `g` by a common factor `f_g`, and sets endowments, so
/// that supply equals demand for every planned good at `prices`.
///
/// Scaling a workplace's productivity `A` by `f^(1−β)` scales its whole proposal by `f` (true
/// of both technologies), so the factors solve a linear input-output system,
/// `f_g S_g = C_g + Σ_j f_out(j) z_jg`. At these prices each workplace spends the share
/// `β < 1` of its revenue on inputs, so the system is productive and Jacobi iteration
/// converges.
fn calibrate(economy: &mut Economy, prices: &[f64], kinds: &[GoodKind], rng: &mut ChaCha8Rng) {
    let m = prices.len();
    let mut state = economy.new_state();
    economy.gather(prices, &mut state);
    let w = &economy.workplaces;
    let consumption = state.consumption().to_vec();
    let mut base_supply = vec![0.0; m];
    for (&g, &y) in w.output.iter().zip(&state.workplace_output) {
        base_supply[g as usize] += y;
    }
    let mut factor = vec![1.0; m];
    let mut demand = vec![0.0; m];
    for _ in 0..10_000 {
        demand.copy_from_slice(&consumption);
        for j in 0..w.names.len() {
            let f = factor[w.output[j] as usize];
            for e in w.start[j]..w.start[j + 1] {
                demand[w.good[e] as usize] += f * state.workplace_input[e];
            }
        }
        let mut change = 0.0f64;
        for g in 0..m {
            if kinds[g].is_produced() && base_supply[g] > 0.0 {
                let next = demand[g] / base_supply[g];
                change = change.max((next / factor[g] - 1.0).abs());
                factor[g] = next;
            }
        }
        if change < 1e-14 {
            break;
        }
    }
    let w = &mut economy.workplaces;
    for j in 0..w.names.len() {
        let f = factor[w.output[j] as usize];
        let shift = (1.0 - w.returns[j]) * f.ln();
        w.scale[j] *= shift.exp();
        w.constant[j] += shift;
        let output = f * state.workplace_output[j];
        w.capacity[j] = output * rng.gen_range(1.25..2.0);
        w.ln_capacity[j] = w.capacity[j].ln();
    }
    let endowment: Vec<f64> = (0..m)
        .map(|g| {
            if kinds[g].is_endowment() {
                demand[g]
            } else {
                0.0
            }
        })
        .collect();
    economy.set_endowment(endowment);
}

/// Last period's economy, changed a little: every council's credits, every workplace's
/// productivity and every endowment multiplied by a factor drawn from
/// `[1 − amount, 1 + amount]`. For warm starts from last period's prices.
pub fn perturb(economy: &Economy, seed: u64, amount: f64) -> Economy {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let amount = amount.clamp(0.0, 0.9);
    economy.rescaled(|| {
        if amount > 0.0 {
            rng.gen_range(1.0 - amount..=1.0 + amount)
        } else {
            1.0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prices::relative_excess;

    #[test]
    fn calibrated_prices_clear_every_market() {
        let generated = generate(&GenerationOptions::new(120, 80, 30, 7)).unwrap();
        let economy = &generated.economy;
        let mut state = economy.new_state();
        economy.gather(&generated.calibrated_prices, &mut state);
        for g in 0..economy.goods().len() {
            let e = relative_excess(state.supply()[g], state.demand()[g]);
            assert!(e.abs() < 1e-9, "good {g} excess {e}");
        }
    }

    #[test]
    fn too_few_workplaces_is_an_error() {
        assert!(generate(&GenerationOptions::new(3, 10, 50, 1)).is_err());
        assert!(generate(&GenerationOptions::new(10, 10, 3, 1)).is_err());
    }
}
