//! Proposals: what consumer councils and workplaces answer to a round's prices.
//!
//! A council proposes quantities of goods within its budget of credits; a workplace proposes an
//! output and the inputs it needs. Either may answer by hand, or through a declared response,
//! which lets rounds run unattended. This module owns the declared responses and the shape of
//! a proposal. It does not add proposals up (see [`crate::Economy`]) or move prices (see
//! [`crate::prices`]).
//!
//! # Declared responses
//!
//! All quantities are per planning period, all prices in credits per unit, and every response
//! is a closed form, so a round costs a few arithmetic operations per participant and good.
//!
//! **Cobb-Douglas council.** Utility `u(x) = Π x_i^a_i` with weights normalised so that
//! `Σ a_i = 1`. With budget `B` it spends the share `a_i` of its budget on good `i`:
//! `x_i = a_i B / p_i`. Then `ln u = ln B + Σ a_i ln a_i − Σ a_i ln p_i`.
//!
//! **Leontief council.** Utility `u(x) = min_i x_i / a_i`: it wants goods in the fixed
//! proportions `a`. It buys as many bundles as its budget allows:
//! `u = B / Σ_j a_j p_j`, `x_i = a_i u`.
//!
//! The budget `B` is the council's credits, plus, for a council that holds an endowment of
//! goods (only used to model exchange economies such as Scarf's), the value of that endowment
//! at the round's prices.
//!
//! **Cobb-Douglas workplace.** Output `y = A Π z_g^b_g` with decreasing returns,
//! `β = Σ b_g < 1`, and a capacity `y ≤ Y`. It proposes the plan that maximises social benefit
//! minus social cost at the round's prices, `p_y y − Σ p_g z_g`. Writing
//! `G = ln A + Σ b_g (ln b_g − ln p_g)`, the unconstrained optimum is
//! `ln y* = (G + β ln p_y) / (1 − β)`. If `y* ≤ Y` the workplace proposes `y = y*` and inputs
//! `z_g = b_g p_y y / p_g`. Otherwise it proposes `y = Y` at least cost: `z_g = b_g V / p_g`
//! with `ln V = (ln Y − G) / β` (`V/β` is then the cost of the plan).
//!
//! **Leontief workplace.** Inputs in fixed proportions `c_g` per unit of activity `m`, output
//! `y = A m^β` with `0 < β < 1`, capacity `y ≤ Y`. With unit activity cost `q = Σ c_g p_g`, the
//! activity that maximises `p_y A m^β − q m` is `m* = (β A p_y / q)^(1/(1−β))`; capacity caps
//! it at `(Y / A)^(1/β)`. It proposes `y = A m^β` and `z_g = c_g m`.
//!
//! Decreasing returns and capacities are what make every response a single bounded point:
//! with constant returns a workplace would want either nothing or everything at most prices.

use serde::{Deserialize, Serialize};

use crate::goods::GoodId;
use crate::PlanningError;

/// How a council values goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreferenceKind {
    /// Spends a fixed share of its budget on each good.
    CobbDouglas,
    /// Wants goods in fixed proportions.
    Leontief,
}

/// How a workplace turns inputs into its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TechnologyKind {
    /// Substitutable inputs, decreasing returns.
    CobbDouglas,
    /// Inputs in fixed proportions, decreasing returns to the scale of activity.
    Leontief,
}

/// A consumer council taking part in a round, with its declared response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Council {
    pub(crate) name: String,
    pub(crate) credits: f64,
    pub(crate) preference: PreferenceKind,
    /// Cobb-Douglas: shares summing to one. Leontief: units of each good per unit of utility.
    pub(crate) weights: Vec<(GoodId, f64)>,
    /// Goods the council holds and offers; their value adds to its budget.
    pub(crate) endowment: Vec<(GoodId, f64)>,
}

impl Council {
    /// A council that spends the share `weights[i] / Σ weights` of its credits on each good.
    pub fn cobb_douglas(
        name: impl Into<String>,
        credits: f64,
        weights: Vec<(GoodId, f64)>,
    ) -> Result<Self, PlanningError> {
        let mut weights = weights;
        check_entries("council weights", &weights)?;
        let total: f64 = weights.iter().map(|(_, w)| w).sum();
        for (_, w) in &mut weights {
            *w /= total;
        }
        Council::new(name.into(), credits, PreferenceKind::CobbDouglas, weights)
    }

    /// A council that wants `bundle[i]` units of each good per unit of utility.
    pub fn leontief(
        name: impl Into<String>,
        credits: f64,
        bundle: Vec<(GoodId, f64)>,
    ) -> Result<Self, PlanningError> {
        check_entries("council bundle", &bundle)?;
        Council::new(name.into(), credits, PreferenceKind::Leontief, bundle)
    }

    fn new(
        name: String,
        credits: f64,
        preference: PreferenceKind,
        weights: Vec<(GoodId, f64)>,
    ) -> Result<Self, PlanningError> {
        if !(credits.is_finite() && credits >= 0.0) {
            return Err(PlanningError::Invalid(format!(
                "council {name}: credits must be finite and not negative, got {credits}"
            )));
        }
        Ok(Council {
            name,
            credits,
            preference,
            weights,
            endowment: Vec::new(),
        })
    }

    /// Gives the council goods it offers to the plan; their value at each round's prices is
    /// added to its budget. Used to model exchange economies.
    pub fn with_endowment(mut self, endowment: Vec<(GoodId, f64)>) -> Result<Self, PlanningError> {
        check_entries("council endowment", &endowment)?;
        self.endowment = endowment;
        Ok(self)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn credits(&self) -> f64 {
        self.credits
    }

    pub fn preference(&self) -> PreferenceKind {
        self.preference
    }

    pub fn weights(&self) -> &[(GoodId, f64)] {
        &self.weights
    }

    pub fn endowment(&self) -> &[(GoodId, f64)] {
        &self.endowment
    }
}

/// A workplace taking part in a round, with its declared technology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workplace {
    pub(crate) name: String,
    pub(crate) output: GoodId,
    pub(crate) technology: TechnologyKind,
    /// Total factor productivity `A`.
    pub(crate) scale: f64,
    /// `β`: the sum of the exponents (Cobb-Douglas) or the returns to activity (Leontief).
    pub(crate) returns: f64,
    /// Cobb-Douglas: exponents `b_g`. Leontief: units of input per unit of activity `c_g`.
    pub(crate) inputs: Vec<(GoodId, f64)>,
    pub(crate) capacity: f64,
}

impl Workplace {
    /// `y = scale · Π z_g^b_g`, with `Σ b_g < 1`, and at most `capacity` units of output.
    pub fn cobb_douglas(
        name: impl Into<String>,
        output: GoodId,
        scale: f64,
        exponents: Vec<(GoodId, f64)>,
        capacity: f64,
    ) -> Result<Self, PlanningError> {
        let name = name.into();
        check_entries("workplace exponents", &exponents)?;
        let returns: f64 = exponents.iter().map(|(_, b)| b).sum();
        if returns >= 1.0 {
            return Err(PlanningError::Invalid(format!(
                "workplace {name}: exponents must sum to less than one (decreasing returns), got {returns}"
            )));
        }
        Workplace::new(
            name,
            output,
            TechnologyKind::CobbDouglas,
            scale,
            returns,
            exponents,
            capacity,
        )
    }

    /// `y = scale · m^returns` from inputs `z_g = coefficients_g · m`, with `0 < returns < 1`,
    /// and at most `capacity` units of output.
    pub fn leontief(
        name: impl Into<String>,
        output: GoodId,
        scale: f64,
        returns: f64,
        coefficients: Vec<(GoodId, f64)>,
        capacity: f64,
    ) -> Result<Self, PlanningError> {
        let name = name.into();
        check_entries("workplace coefficients", &coefficients)?;
        if !(returns > 0.0 && returns < 1.0) {
            return Err(PlanningError::Invalid(format!(
                "workplace {name}: returns to activity must lie strictly between 0 and 1, got {returns}"
            )));
        }
        Workplace::new(
            name,
            output,
            TechnologyKind::Leontief,
            scale,
            returns,
            coefficients,
            capacity,
        )
    }

    fn new(
        name: String,
        output: GoodId,
        technology: TechnologyKind,
        scale: f64,
        returns: f64,
        inputs: Vec<(GoodId, f64)>,
        capacity: f64,
    ) -> Result<Self, PlanningError> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(PlanningError::Invalid(format!(
                "workplace {name}: scale must be positive and finite, got {scale}"
            )));
        }
        // An infinite capacity is allowed for hand-built examples; generated economies always
        // set a finite one.
        if capacity.is_nan() || capacity <= 0.0 {
            return Err(PlanningError::Invalid(format!(
                "workplace {name}: capacity must be positive, got {capacity}"
            )));
        }
        if inputs.iter().any(|(g, _)| *g == output) {
            return Err(PlanningError::Invalid(format!(
                "workplace {name}: its output cannot also be one of its inputs"
            )));
        }
        Ok(Workplace {
            name,
            output,
            technology,
            scale,
            returns,
            inputs,
            capacity,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn output(&self) -> GoodId {
        self.output
    }

    pub fn technology(&self) -> TechnologyKind {
        self.technology
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    pub fn returns(&self) -> f64 {
        self.returns
    }

    pub fn inputs(&self) -> &[(GoodId, f64)] {
        &self.inputs
    }

    pub fn capacity(&self) -> f64 {
        self.capacity
    }
}

/// A council's answer to a round: how much of each good it asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumptionProposal {
    pub council: usize,
    pub quantities: Vec<(GoodId, f64)>,
}

/// A workplace's answer to a round: what it offers to produce and what it needs for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductionProposal {
    pub workplace: usize,
    pub output: f64,
    pub inputs: Vec<(GoodId, f64)>,
}

fn check_entries(what: &str, entries: &[(GoodId, f64)]) -> Result<(), PlanningError> {
    if entries.is_empty() {
        return Err(PlanningError::Invalid(format!("{what}: at least one good")));
    }
    for (i, (g, v)) in entries.iter().enumerate() {
        if !(v.is_finite() && *v > 0.0) {
            return Err(PlanningError::Invalid(format!(
                "{what}: every entry must be positive and finite, got {v}"
            )));
        }
        if entries[..i].iter().any(|(h, _)| h == g) {
            return Err(PlanningError::Invalid(format!(
                "{what}: good {} appears twice",
                g.0
            )));
        }
    }
    Ok(())
}

/// The Cobb-Douglas workplace's plan, in the terms of the module docs.
///
/// `g` is `ln A + Σ b_g (ln b_g − ln p_g)`. Returns the output `y` and the value `V` such that
/// input `g` is `b_g V / p_g`.
#[inline]
pub(crate) fn cobb_douglas_plan(g: f64, returns: f64, ln_py: f64, ln_capacity: f64) -> (f64, f64) {
    let ln_y = (g + returns * ln_py) / (1.0 - returns);
    if ln_y <= ln_capacity {
        (ln_y.exp(), (ln_py + ln_y).exp())
    } else {
        (ln_capacity.exp(), ((ln_capacity - g) / returns).exp())
    }
}

/// The Leontief workplace's plan: returns the output `y` and the activity `m`.
///
/// `ln_beta_scale` is `ln(β A)`, `unit_cost` is `q = Σ c_g p_g`.
#[inline]
pub(crate) fn leontief_plan(
    ln_beta_scale: f64,
    ln_scale: f64,
    returns: f64,
    ln_py: f64,
    unit_cost: f64,
    ln_capacity: f64,
) -> (f64, f64) {
    let ln_m_free = (ln_beta_scale + ln_py - unit_cost.ln()) / (1.0 - returns);
    let ln_m_cap = (ln_capacity - ln_scale) / returns;
    let ln_m = ln_m_free.min(ln_m_cap);
    ((ln_scale + returns * ln_m).exp(), ln_m.exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profit_cd(a: f64, b: &[f64], p_y: f64, p: &[f64], z: &[f64]) -> f64 {
        let y = a * b.iter().zip(z).map(|(b, z)| z.powf(*b)).product::<f64>();
        p_y * y - p.iter().zip(z).map(|(p, z)| p * z).sum::<f64>()
    }

    #[test]
    fn cobb_douglas_plan_maximises_profit() {
        let (a, b, p_y, p): (f64, [f64; 2], f64, [f64; 2]) = (2.0, [0.3, 0.4], 3.0, [1.5, 0.7]);
        let g = a.ln()
            + b.iter()
                .zip(&p)
                .map(|(b, p)| b * (b.ln() - p.ln()))
                .sum::<f64>();
        let (y, v) = cobb_douglas_plan(g, 0.7, p_y.ln(), f64::INFINITY);
        let z: Vec<f64> = b.iter().zip(&p).map(|(b, p)| b * v / p).collect();
        let y_check = a * b.iter().zip(&z).map(|(b, z)| z.powf(*b)).product::<f64>();
        assert!((y - y_check).abs() < 1e-9 * y);
        let best = profit_cd(a, &b, p_y, &p, &z);
        for k in 0..2 {
            for f in [0.97, 1.03] {
                let mut zz = z.clone();
                zz[k] *= f;
                assert!(profit_cd(a, &b, p_y, &p, &zz) < best);
            }
        }
    }

    #[test]
    fn cobb_douglas_plan_at_capacity_is_least_cost() {
        let (a, b, p): (f64, [f64; 2], [f64; 2]) = (2.0, [0.3, 0.4], [1.5, 0.7]);
        let g = a.ln()
            + b.iter()
                .zip(&p)
                .map(|(b, p)| b * (b.ln() - p.ln()))
                .sum::<f64>();
        let cap: f64 = 1.0;
        let (y, v) = cobb_douglas_plan(g, 0.7, 100f64.ln(), cap.ln());
        assert_eq!(y, cap);
        let z: Vec<f64> = b.iter().zip(&p).map(|(b, p)| b * v / p).collect();
        let y_check = a * b.iter().zip(&z).map(|(b, z)| z.powf(*b)).product::<f64>();
        assert!((y_check - cap).abs() < 1e-9);
        // Moving along the isoquant costs more.
        let cost = |z: &[f64]| z.iter().zip(&p).map(|(z, p)| z * p).sum::<f64>();
        let t = 1.05f64;
        let other = [z[0] * t, z[1] * t.powf(-0.3 / 0.4)];
        assert!(cost(&other) > cost(&z));
    }

    #[test]
    fn leontief_plan_maximises_profit() {
        let (a, beta, c, p_y, p): (f64, f64, [f64; 2], f64, [f64; 2]) =
            (1.5, 0.6, [2.0, 0.5], 4.0, [1.0, 3.0]);
        let q = c[0] * p[0] + c[1] * p[1];
        let (y, m) = leontief_plan((beta * a).ln(), a.ln(), beta, p_y.ln(), q, f64::INFINITY);
        let profit = |m: f64| p_y * a * m.powf(beta) - q * m;
        assert!((y - a * m.powf(beta)).abs() < 1e-9 * y);
        assert!(profit(m) > profit(m * 1.02) && profit(m) > profit(m * 0.98));
        let (y_cap, _) = leontief_plan((beta * a).ln(), a.ln(), beta, p_y.ln(), q, 0.5f64.ln());
        assert!((y_cap - 0.5).abs() < 1e-12);
    }

    #[test]
    fn constructors_check_their_input() {
        let g = GoodId;
        assert!(Council::cobb_douglas("c", 10.0, vec![]).is_err());
        assert!(Council::cobb_douglas("c", -1.0, vec![(g(0), 1.0)]).is_err());
        assert!(Council::cobb_douglas("c", 1.0, vec![(g(0), 1.0), (g(0), 2.0)]).is_err());
        let c = Council::cobb_douglas("c", 10.0, vec![(g(0), 1.0), (g(1), 3.0)]).unwrap();
        assert_eq!(c.weights(), &[(g(0), 0.25), (g(1), 0.75)]);
        assert!(
            Workplace::cobb_douglas("w", g(0), 1.0, vec![(g(1), 0.6), (g(2), 0.4)], 1.0).is_err()
        );
        assert!(Workplace::cobb_douglas("w", g(0), 1.0, vec![(g(0), 0.5)], 1.0).is_err());
        assert!(Workplace::leontief("w", g(0), 1.0, 1.0, vec![(g(1), 1.0)], 1.0).is_err());
        assert!(Workplace::leontief("w", g(0), 1.0, 0.5, vec![(g(1), 1.0)], f64::NAN).is_err());
    }
}
