//! The reference optimum: the best plan the economy allows, from a convex solver (Clarabel).
//!
//! # The program
//!
//! Councils' budgets are credits, so the economy is a Fisher market with production, and its
//! market-clearing plan solves the Eisenberg-Gale program
//!
//! ```text
//! maximise    Σ_k B_k ln u_k(x_k)  −  Σ_imports p̄_g q_g
//! subject to  Σ_k x_kg + Σ_j z_jg  ≤  ω_g + Σ_{j makes g} y_j + q_g     for every good g
//!             (y_j, z_j) technically possible for workplace j, y_j ≤ Y_j
//! ```
//!
//! with `q_g ≥ 0` the imports (zero for goods that are not imported). Its optimality
//! conditions are exactly the declared responses of [`crate::proposals`] at prices equal to the
//! multipliers of the balance constraints: a Cobb-Douglas council spends `a_i B` on good `i`,
//! a Leontief council buys `B / Σ a p` bundles, every workplace maximises `p_y y − Σ p z`, and
//! a good in surplus has price zero. So the optimum's **dual prices** are the prices the
//! procedure is looking for, and its **welfare** is the best any plan can do by the same
//! measure as [`crate::Economy::welfare_of`].
//!
//! It is written in conic form. `t ≤ ln x` is an exponential cone `(t, 1, x)`. The
//! Cobb-Douglas technology `y ≤ A Π z_g^b_g` with `Σ b < 1` says that `y / A` is at most the
//! weighted geometric mean of `(z_1, …, z_n, 1)` with weights `(b_1, …, b_n, 1 − β)`, which
//! holds exactly when there are `s_i ≤ (y/A) ln(x_i / (y/A))` (one exponential cone per entry)
//! with `Σ w_i s_i ≥ 0`. (Clarabel's generalised power cone stalled on these problems, and a
//! chain of three-dimensional power cones beyond a few thousand workplaces; the exponential
//! cones solve 10,000 workplaces.) The Leontief technology `y ≤ A m^β, z_g = c_g m` is a power
//! cone `(m, 1, y / A)`. Cobb-Douglas councils are aggregated exactly: for a given total `X_i`
//! of good `i`, `Σ_k B_k a_ki ln x_ki` is largest when each council gets the share
//! `B_k a_ki / α_i` with `α_i = Σ_k B_k a_ki`, so they contribute `α_i ln X_i` plus a constant
//! and need one cone per good, however many councils there are. Leontief councils keep one
//! cone each, workplaces one per input.
//!
//! Every quantity is measured relative to the plan the participants propose at some reference
//! prices, and the objective is divided by the total credits; this keeps the solver's numbers
//! near one whatever the size of the economy.
//!
//! # Comparing a plan with the optimum
//!
//! - [`welfare_gap_pct`]: welfare is a sum of budget-weighted log utilities, so differences
//!   have a meaning that ratios lack: a loss `ΔW` is the loss every council would suffer if
//!   its consumption of every good were cut by the same proportion `1 − exp(−ΔW / Σ_k B_k)`.
//!   That proportion, in percent, is the gap.
//! - [`price_distance`]: over the goods whose price the board sets, both price vectors are
//!   divided by their sum, and the distance is `‖p̂ − π̂‖₂ / ‖π̂‖₂`, a relative error of the
//!   relative prices that does not depend on the unit of account.

use std::time::Instant;

use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};
use serde::{Deserialize, Serialize};

use crate::economy::Economy;
use crate::goods::Good;
use crate::proposals::{PreferenceKind, TechnologyKind};
use crate::PlanningError;

/// The reference optimum of an economy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Optimum {
    /// Welfare of the optimal plan, on the scale of [`crate::Economy::welfare_of`].
    pub welfare: f64,
    /// Dual prices of the balance constraints, in credits per unit.
    pub prices: Vec<f64>,
    /// Councils' total consumption of each good in the optimal plan.
    pub consumption: Vec<f64>,
    /// Workplaces' total output of each good in the optimal plan.
    pub production: Vec<f64>,
    /// Imports of each good in the optimal plan.
    pub imports: Vec<f64>,
    pub solver_status: String,
    pub solver_iterations: u32,
    pub solve_ms: f64,
    pub variables: usize,
    pub constraints: usize,
}

struct Program {
    triplets: (Vec<usize>, Vec<usize>, Vec<f64>),
    b: Vec<f64>,
    q: Vec<f64>,
    cones: Vec<SupportedConeT<f64>>,
    rows: usize,
}

impl Program {
    fn var(&mut self, objective: f64) -> usize {
        self.q.push(objective);
        self.q.len() - 1
    }

    fn entry(&mut self, row: usize, col: usize, value: f64) {
        self.triplets.0.push(row);
        self.triplets.1.push(col);
        self.triplets.2.push(value);
    }

    /// A new row `s = b − Σ value·x`; returns its index.
    fn row(&mut self, b: f64, entries: &[(usize, f64)]) -> usize {
        let r = self.rows;
        self.rows += 1;
        self.b.push(b);
        for &(c, v) in entries {
            self.entry(r, c, v);
        }
        r
    }
}

/// Solves the economy's welfare program.
///
/// `reference_prices` sets the scale of every quantity (the participants' proposals at those
/// prices); any positive prices work, prices near the solution work best. With `None`, all
/// prices are one.
pub fn solve_optimum(
    economy: &Economy,
    reference_prices: Option<&[f64]>,
) -> Result<Optimum, PlanningError> {
    if economy.has_council_endowments() {
        return Err(PlanningError::OptimumUnsupported(
            "some council's budget is the value of goods it holds (an exchange economy), \
             which the Eisenberg-Gale program does not cover"
                .into(),
        ));
    }
    let started = Instant::now();
    let goods = economy.goods();
    let m = goods.len();
    let c = &economy.councils;
    let w = &economy.workplaces;

    let mut ref_prices: Vec<f64> = match reference_prices {
        Some(p) if p.len() == m && p.iter().all(|p| p.is_finite() && *p > 0.0) => p.to_vec(),
        Some(_) => {
            return Err(PlanningError::Invalid(
                "reference prices must be positive, one per good".into(),
            ))
        }
        None => vec![1.0; m],
    };
    for (p, good) in ref_prices.iter_mut().zip(goods) {
        if let Some(outside) = good.outside_price() {
            *p = outside;
        }
    }
    let mut state = economy.new_state();
    economy.gather(&ref_prices, &mut state);
    let scale_of = |v: f64| if v.is_finite() && v > 1e-300 { v } else { 1.0 };
    let good_scale: Vec<f64> = (0..m)
        .map(|g| scale_of(state.supply[g].max(state.demand[g])))
        .collect();
    let total_credits = economy.total_credits();
    if total_credits <= 0.0 {
        return Err(PlanningError::OptimumUnsupported(
            "no council has credits, so every plan has the same welfare".into(),
        ));
    }
    let s = total_credits;

    // Aggregate Cobb-Douglas demand: α_i, the reference totals, and the constant.
    let mut alpha = vec![0.0; m];
    let mut cd_reference = vec![0.0; m];
    for k in 0..c.names.len() {
        if c.preference[k] != PreferenceKind::CobbDouglas || c.credits[k] <= 0.0 {
            continue;
        }
        for e in c.start[k]..c.start[k + 1] {
            let g = c.good[e] as usize;
            alpha[g] += c.credits[k] * c.weight[e];
        }
    }
    for g in 0..m {
        cd_reference[g] = alpha[g] / ref_prices[g];
    }
    let mut constant = 0.0;
    for k in 0..c.names.len() {
        if c.preference[k] != PreferenceKind::CobbDouglas || c.credits[k] <= 0.0 {
            continue;
        }
        for e in c.start[k]..c.start[k + 1] {
            let g = c.good[e] as usize;
            let share = c.credits[k] * c.weight[e];
            constant += share * (share / alpha[g]).ln();
        }
    }

    let mut p = Program {
        triplets: (Vec::new(), Vec::new(), Vec::new()),
        b: Vec::new(),
        q: Vec::new(),
        cones: Vec::new(),
        rows: 0,
    };
    // Balance rows first, filled in as variables appear: row g is
    // ω_g/Q_g + supplies/Q_g − uses/Q_g ≥ 0, written s = b − A x with uses positive in A.
    for (endowment, scale) in economy.endowment().iter().zip(&good_scale) {
        p.row(endowment / scale, &[]);
    }
    let mut nonneg_rows = m;
    // Variables and their cone memberships are collected, then cone rows appended after all
    // nonnegative rows, since Clarabel takes cones in row order.
    enum Cone {
        /// `(t, 1, x)`: `t ≤ ln x`.
        Exp { t: usize, x: usize },
        /// `(s, y_coef · y, x or 1)`: `s ≤ c y ln(x / (c y))` with `c = y_coef`.
        Entropy {
            s: usize,
            y_coef: f64,
            y: usize,
            x: Option<usize>,
        },
        /// `(x, 1, z_coef · z)`: `x^α ≥ |z_coef · z|`.
        Pow {
            alpha: f64,
            x: usize,
            z_coef: f64,
            z: usize,
        },
    }
    let mut cones: Vec<Cone> = Vec::new();
    let mut extra_nonneg: Vec<(f64, Vec<(usize, f64)>)> = Vec::new();

    // Cobb-Douglas councils, aggregated per good.
    let mut cd_var = vec![usize::MAX; m];
    for g in 0..m {
        if alpha[g] > 0.0 {
            let reference = scale_of(cd_reference[g]);
            constant += alpha[g] * reference.ln();
            let x = p.var(0.0);
            let t = p.var(-alpha[g] / s);
            p.entry(g, x, reference / good_scale[g]);
            cd_var[g] = x;
            cones.push(Cone::Exp { t, x });
            cd_reference[g] = reference;
        }
    }
    // Leontief councils.
    let mut leontief_vars = Vec::new();
    for k in 0..c.names.len() {
        if c.preference[k] != PreferenceKind::Leontief || c.credits[k] <= 0.0 {
            continue;
        }
        let reference = scale_of(state.council_ln_utility[k].exp());
        constant += c.credits[k] * reference.ln();
        let u = p.var(0.0);
        let t = p.var(-c.credits[k] / s);
        for e in c.start[k]..c.start[k + 1] {
            let g = c.good[e] as usize;
            p.entry(g, u, c.weight[e] * reference / good_scale[g]);
        }
        cones.push(Cone::Exp { t, x: u });
        leontief_vars.push((k, u, reference));
    }
    // Workplaces.
    let mut workplace_vars = Vec::with_capacity(w.names.len());
    for j in 0..w.names.len() {
        let out = w.output[j] as usize;
        let y_ref = scale_of(state.workplace_output[j]);
        let y = p.var(0.0);
        p.entry(out, y, -y_ref / good_scale[out]);
        extra_nonneg.push((0.0, vec![(y, -1.0)]));
        if w.capacity[j].is_finite() {
            extra_nonneg.push((w.capacity[j] / y_ref, vec![(y, 1.0)]));
        }
        let (start, end) = (w.start[j], w.start[j + 1]);
        match w.technology[j] {
            TechnologyKind::CobbDouglas => {
                // y_ref ỹ ≤ A Π (z_ref z̃)^b  ⇔  ỹ / κ ≤ Π z̃^b with κ = A Π z_ref^b / y_ref.
                let mut ln_kappa = w.scale[j].ln() - y_ref.ln();
                let mut xs = Vec::with_capacity(end - start);
                let mut exponents = Vec::with_capacity(end - start);
                for e in start..end {
                    let g = w.good[e] as usize;
                    let z_ref = scale_of(state.workplace_input[e]);
                    ln_kappa += w.coefficient[e] * z_ref.ln();
                    let z = p.var(0.0);
                    p.entry(g, z, z_ref / good_scale[g]);
                    xs.push(z);
                    exponents.push(w.coefficient[e]);
                }
                // y ≤ A Π z^b is ỹ/κ ≤ Π z̃_g^b_g · 1^(1−β), a weighted geometric mean with
                // weights summing to one, which holds exactly when there are s_i with
                // s_i ≤ (ỹ/κ) ln(x_i / (ỹ/κ)) for each entry x_i (exponential cones) and
                // Σ w_i s_i ≥ 0.
                let y_coef = (-ln_kappa).exp();
                let mut weighted = Vec::with_capacity(xs.len() + 1);
                for (&x, &b) in xs.iter().zip(&exponents) {
                    let s = p.var(0.0);
                    cones.push(Cone::Entropy {
                        s,
                        y_coef,
                        y,
                        x: Some(x),
                    });
                    weighted.push((s, -b));
                }
                let s = p.var(0.0);
                cones.push(Cone::Entropy {
                    s,
                    y_coef,
                    y,
                    x: None,
                });
                weighted.push((s, -(1.0 - w.returns[j])));
                extra_nonneg.push((0.0, weighted));
                workplace_vars.push((y, y_ref));
            }
            TechnologyKind::Leontief => {
                let m_ref = scale_of(((y_ref / w.scale[j]).ln() / w.returns[j]).exp());
                let act = p.var(0.0);
                for e in start..end {
                    let g = w.good[e] as usize;
                    p.entry(g, act, w.coefficient[e] * m_ref / good_scale[g]);
                }
                // y_ref ỹ ≤ A (m_ref m̃)^β  ⇔  ỹ / κ ≤ m̃^β with κ = A m_ref^β / y_ref.
                let ln_kappa = w.scale[j].ln() + w.returns[j] * m_ref.ln() - y_ref.ln();
                cones.push(Cone::Pow {
                    alpha: w.returns[j],
                    x: act,
                    z_coef: (-ln_kappa).exp(),
                    z: y,
                });
                workplace_vars.push((y, y_ref));
            }
        }
    }
    // Imports.
    let mut import_vars = vec![usize::MAX; m];
    for (g, good) in goods.iter().enumerate() {
        if let Some(price) = good.outside_price() {
            let q = p.var(price * good_scale[g] / s);
            p.entry(g, q, -1.0);
            extra_nonneg.push((0.0, vec![(q, -1.0)]));
            import_vars[g] = q;
        }
    }
    for (b, entries) in &extra_nonneg {
        p.row(*b, entries);
        nonneg_rows += 1;
    }
    p.cones.push(SupportedConeT::NonnegativeConeT(nonneg_rows));
    for cone in &cones {
        match cone {
            Cone::Exp { t, x } => {
                // (t, 1, x) in K_exp: 1·e^(t/1) ≤ x.
                p.row(0.0, &[(*t, -1.0)]);
                p.row(1.0, &[]);
                p.row(0.0, &[(*x, -1.0)]);
                p.cones.push(SupportedConeT::ExponentialConeT());
            }
            Cone::Entropy { s, y_coef, y, x } => {
                p.row(0.0, &[(*s, -1.0)]);
                p.row(0.0, &[(*y, -y_coef)]);
                match x {
                    Some(x) => p.row(0.0, &[(*x, -1.0)]),
                    None => p.row(1.0, &[]),
                };
                p.cones.push(SupportedConeT::ExponentialConeT());
            }
            Cone::Pow {
                alpha,
                x,
                z_coef,
                z,
            } => {
                p.row(0.0, &[(*x, -1.0)]);
                p.row(1.0, &[]);
                p.row(0.0, &[(*z, -z_coef)]);
                p.cones.push(SupportedConeT::PowerConeT(*alpha));
            }
        }
    }

    let n = p.q.len();
    let rows = p.rows;
    let (ri, ci, vals) = std::mem::take(&mut p.triplets);
    let a = CscMatrix::new_from_triplets(rows, n, ri, ci, vals);
    let quadratic = CscMatrix::zeros((n, n));
    let settings = DefaultSettings {
        verbose: false,
        max_iter: 400,
        ..DefaultSettings::default()
    };
    let mut solver = DefaultSolver::new(&quadratic, &p.q, &a, &p.b, &p.cones, settings)
        .map_err(|e| PlanningError::Solver(format!("{e:?}")))?;
    solver.solve();
    let sol = &solver.solution;
    if !matches!(
        sol.status,
        SolverStatus::Solved | SolverStatus::AlmostSolved
    ) {
        return Err(PlanningError::Solver(format!("{:?}", sol.status)));
    }

    let prices: Vec<f64> = (0..m)
        .map(|g| (s * sol.z[g] / good_scale[g]).max(0.0))
        .collect();
    let mut consumption = vec![0.0; m];
    for g in 0..m {
        if cd_var[g] != usize::MAX {
            consumption[g] += cd_reference[g] * sol.x[cd_var[g]];
        }
    }
    for &(k, u, reference) in &leontief_vars {
        for e in c.start[k]..c.start[k + 1] {
            consumption[c.good[e] as usize] += c.weight[e] * reference * sol.x[u];
        }
    }
    let mut production = vec![0.0; m];
    for (j, &(y, y_ref)) in workplace_vars.iter().enumerate() {
        production[w.output[j] as usize] += y_ref * sol.x[y];
    }
    let imports: Vec<f64> = (0..m)
        .map(|g| {
            if import_vars[g] == usize::MAX {
                0.0
            } else {
                good_scale[g] * sol.x[import_vars[g]]
            }
        })
        .collect();
    let welfare = -s * sol.obj_val + constant;

    Ok(Optimum {
        welfare,
        prices,
        consumption,
        production,
        imports,
        solver_status: format!("{:?}", sol.status),
        solver_iterations: sol.iterations,
        solve_ms: started.elapsed().as_secs_f64() * 1e3,
        variables: n,
        constraints: rows,
    })
}

/// The welfare gap of a plan, in percent: the uniform cut in every council's consumption that
/// would lose as much welfare as the plan loses against the optimum (see the module docs).
/// Negative when the plan has more welfare than the optimum, which only an infeasible plan
/// can.
pub fn welfare_gap_pct(optimum_welfare: f64, plan_welfare: f64, total_credits: f64) -> f64 {
    100.0 * (1.0 - (-(optimum_welfare - plan_welfare) / total_credits).exp())
}

/// Distance between a plan's prices and the optimum's dual prices (see the module docs).
pub fn price_distance(goods: &[Good], prices: &[f64], dual_prices: &[f64]) -> f64 {
    let planned = || {
        goods
            .iter()
            .enumerate()
            .filter(|(_, g)| g.is_planned())
            .map(|(i, _)| i)
    };
    let sum_p: f64 = planned().map(|g| prices[g]).sum();
    let sum_d: f64 = planned().map(|g| dual_prices[g]).sum();
    if sum_p <= 0.0 || sum_d <= 0.0 {
        return f64::NAN;
    }
    let (mut diff, mut norm) = (0.0, 0.0);
    for g in planned() {
        let (a, b) = (prices[g] / sum_p, dual_prices[g] / sum_d);
        diff += (a - b) * (a - b);
        norm += b * b;
    }
    (diff / norm).sqrt()
}
