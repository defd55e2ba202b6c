//! Prices: how the facilitation board moves indicative prices between rounds.
//!
//! The board sees, for each good, total supply `s` and total demand `d` of the round's
//! proposals. It measures the **relative excess demand**
//!
//! ```text
//! e = (d − s) / ((d + s) / 2)        (0 when d = s = 0)
//! ```
//!
//! which lies in `[−2, 2]`, is symmetric in shortage and surplus, and is defined whenever
//! either side is positive. It then raises the prices of goods in excess demand and lowers
//! the others by one of two rules. Both aim at a small planned surplus `m` (the *target
//! surplus*, default 0.25%) rather than at exact balance, by using `ê = e + m` in place of `e`:
//! prices settle where each good is in slight excess supply, which is what a plan needs to be
//! strictly feasible (no good with positive excess demand) rather than feasible only in the
//! limit. Imported goods keep their outside price.
//!
//! # The Pequod rule
//!
//! The Pequod prototype of participatory planning (after Hahnel and Albert) moves each price
//! by a proportion that grows with the good's imbalance. As its published code does it, with
//! `e_t` the relative excess of round `t`:
//!
//! ```text
//! v_t = min(|e_(t−1)|, 0.25)              (0.25 in the first round)
//! δ_t = max(0.001, v_t (1.05 − 0.5^|e_t|))
//! p_(t+1) = p_t (1 + δ_t)  if demand exceeds supply,   p_t (1 − δ_t)  if supply exceeds demand
//! ```
//!
//! When a good's excess holds steady this is `w = v (1.05 − 0.5^v)` with `v = min(|e|, 0.25)`,
//! the form usually quoted: about `0.05 v + 0.69 v²` for small imbalances. The published form
//! takes the exponent from the current round without the cap, so a good far out of balance
//! moves by up to 20% a round (`0.25 × (1.05 − 0.5²)`), and a good whose excess has just
//! dropped moves less than its previous imbalance alone would ask; the quoted form never moves
//! a price by more than 5.2%. Coopnet follows the published form, steering by `ê`, and
//! multiplies the whole step, floor included, by the damping `κ_g` below: with an undamped
//! floor, goods near balance keep moving by 0.1% a round and some of them are always short,
//! so the plan never becomes strictly feasible. A good exactly in balance keeps its price.
//!
//! ```text
//! δ = κ_g · max(0.001, v_t (1.05 − 0.5^|ê_t|))
//! ```
//!
//! # The multiplicative rule
//!
//! ```text
//! p' = p · clamp(1 + κ_g s_t ê, 1 − c, 1 + c),   s_t = s_0 / (1 + (t − 1) / τ)
//! ```
//!
//! with a step `s_t` that decreases with the round number `t` (defaults `s_0 = 0.4`,
//! `τ = 25`) and a clamp `c = 0.5` that keeps every move within a factor of two.
//!
//! # Damping: the step shrinks when the excess changes sign
//!
//! Both rules multiply a good's step by `κ_g`, which starts at 1. Each time the sign of the
//! good's `ê` flips (the board overshot), `κ_g` is multiplied by 0.7, down to 1/64; each
//! round in which it keeps its sign, `κ_g` is multiplied by 1.2, up to 1, so a good that was
//! damped early can speed up again when it has far to go. (Halving without recovery makes
//! the Pequod rule, whose steps are already small, take up to twice the rounds on generated
//! economies; recovering by 1.5 lets it oscillate on the largest ones.)
//!
//! Both rules multiply a positive price by a positive factor, and prices are kept within
//! `[PRICE_FLOOR, PRICE_CEILING]`, so no price is ever negative, zero or NaN.

use serde::{Deserialize, Serialize};

use crate::goods::Good;

/// No price falls below this; goods in surplus at this price are free goods.
pub const PRICE_FLOOR: f64 = 1e-12;
/// No price rises above this; reaching it means the procedure diverged.
pub const PRICE_CEILING: f64 = 1e12;

/// Relative excess demand of a good, `(d − s) / ((d + s) / 2)`, in `[−2, 2]`.
#[inline]
pub fn relative_excess(supply: f64, demand: f64) -> f64 {
    let mean = 0.5 * (supply + demand);
    if mean > 0.0 {
        (demand - supply) / mean
    } else {
        0.0
    }
}

/// Which published rule to follow, without its parameters; what a command line chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Pequod,
    Multiplicative,
}

impl std::str::FromStr for RuleKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pequod" => Ok(RuleKind::Pequod),
            "multiplicative" => Ok(RuleKind::Multiplicative),
            other => Err(format!(
                "unknown price rule {other:?}: expected pequod or multiplicative"
            )),
        }
    }
}

impl std::fmt::Display for RuleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RuleKind::Pequod => "pequod",
            RuleKind::Multiplicative => "multiplicative",
        })
    }
}

/// A price rule with its parameters (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum PriceRule {
    Pequod {
        /// Cap on `v`, 0.25 in Pequod.
        cap: f64,
        /// Smallest move of a good not in balance, 0.001 in Pequod.
        floor: f64,
        damping: Damping,
    },
    Multiplicative {
        /// `s_0`, the first round's step.
        step: f64,
        /// `τ`: after `τ` rounds the step has halved.
        decay_rounds: f64,
        /// `c`: no price moves by more than this proportion in one round.
        clamp: f64,
        damping: Damping,
    },
}

/// How a good's step shrinks when its excess changes sign, and recovers while it does not.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Damping {
    /// `κ_g` is multiplied by this when the good's excess changes sign.
    pub shrink: f64,
    /// `κ_g` is multiplied by this (up to 1) when it keeps its sign.
    pub recovery: f64,
    /// `κ_g` never falls below this.
    pub floor: f64,
}

impl Default for Damping {
    fn default() -> Self {
        Damping {
            shrink: 0.7,
            recovery: 1.2,
            floor: 1.0 / 64.0,
        }
    }
}

impl PriceRule {
    pub fn pequod() -> Self {
        PriceRule::Pequod {
            cap: 0.25,
            floor: 0.001,
            damping: Damping::default(),
        }
    }

    pub fn multiplicative() -> Self {
        PriceRule::Multiplicative {
            step: 0.4,
            decay_rounds: 25.0,
            clamp: 0.5,
            damping: Damping::default(),
        }
    }

    pub fn kind(&self) -> RuleKind {
        match self {
            PriceRule::Pequod { .. } => RuleKind::Pequod,
            PriceRule::Multiplicative { .. } => RuleKind::Multiplicative,
        }
    }

    fn damping(&self) -> Damping {
        match self {
            PriceRule::Pequod { damping, .. } | PriceRule::Multiplicative { damping, .. } => {
                *damping
            }
        }
    }
}

impl From<RuleKind> for PriceRule {
    fn from(kind: RuleKind) -> Self {
        match kind {
            RuleKind::Pequod => PriceRule::pequod(),
            RuleKind::Multiplicative => PriceRule::multiplicative(),
        }
    }
}

/// The board's memory between rounds: the rule, and per good the damping factor and the sign
/// of its last excess.
#[derive(Debug, Clone)]
pub struct PriceAdjuster {
    rule: PriceRule,
    target_surplus: f64,
    damping: Vec<f64>,
    last_sign: Vec<i8>,
    flips: Vec<u32>,
    /// Pequod: `min(|ê|, cap)` of the previous round.
    last_size: Vec<f64>,
    round: u32,
}

impl PriceAdjuster {
    pub fn new(rule: PriceRule, goods: usize, target_surplus: f64) -> Self {
        PriceAdjuster {
            rule,
            target_surplus,
            damping: vec![1.0; goods],
            last_sign: vec![0; goods],
            flips: vec![0; goods],
            last_size: vec![
                match rule {
                    PriceRule::Pequod { cap, .. } => cap,
                    PriceRule::Multiplicative { .. } => 0.0,
                };
                goods
            ],
            round: 0,
        }
    }

    pub fn rule(&self) -> PriceRule {
        self.rule
    }

    /// How many times each good's excess has changed sign so far.
    pub fn sign_flips(&self) -> &[u32] {
        &self.flips
    }

    /// The excess the board steers by: `ê = e + m`.
    #[inline]
    pub fn steering_excess(&self, excess: f64) -> f64 {
        excess + self.target_surplus
    }

    /// Moves `prices` by the rule, given the round's relative excess demand per good.
    pub fn update(&mut self, goods: &[Good], prices: &mut [f64], excess: &[f64]) {
        self.round += 1;
        let t = f64::from(self.round);
        let damping = self.rule.damping();
        for (g, good) in goods.iter().enumerate() {
            if let Some(outside) = good.outside_price() {
                prices[g] = outside;
                continue;
            }
            let e = self.steering_excess(excess[g]);
            let sign: i8 = if e > 0.0 {
                1
            } else if e < 0.0 {
                -1
            } else {
                0
            };
            let last = self.last_sign[g];
            if sign != 0 && last != 0 && sign != last {
                self.damping[g] = (self.damping[g] * damping.shrink).max(damping.floor);
                self.flips[g] += 1;
            } else if sign != 0 && sign == last {
                self.damping[g] = (self.damping[g] * damping.recovery).min(1.0);
            }
            if sign != 0 {
                self.last_sign[g] = sign;
            }
            let factor = match self.rule {
                PriceRule::Pequod { cap, floor, .. } => {
                    let v = self.last_size[g];
                    self.last_size[g] = e.abs().min(cap);
                    let w = v * (1.05 - 0.5f64.powf(e.abs()));
                    1.0 + f64::from(sign) * self.damping[g] * w.max(floor)
                }
                PriceRule::Multiplicative {
                    step,
                    decay_rounds,
                    clamp,
                    ..
                } => {
                    let s = step / (1.0 + (t - 1.0) / decay_rounds);
                    (1.0 + self.damping[g] * s * e).clamp(1.0 - clamp, 1.0 + clamp)
                }
            };
            prices[g] = (prices[g] * factor).clamp(PRICE_FLOOR, PRICE_CEILING);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goods::GoodKind;

    #[test]
    fn relative_excess_is_symmetric_and_bounded() {
        assert_eq!(relative_excess(0.0, 0.0), 0.0);
        assert_eq!(relative_excess(0.0, 5.0), 2.0);
        assert_eq!(relative_excess(5.0, 0.0), -2.0);
        assert!((relative_excess(100.0, 110.0) + relative_excess(110.0, 100.0)).abs() < 1e-15);
    }

    #[test]
    fn pequod_step_matches_the_formula_and_shrinks_on_a_flip() {
        let goods = vec![Good::new("bread", GoodKind::Final, "loaf").unwrap()];
        let mut adjuster = PriceAdjuster::new(PriceRule::pequod(), 1, 0.0);
        let mut prices = vec![10.0];
        // First round: v is the cap, the exponent is the current excess.
        adjuster.update(&goods, &mut prices, &[0.5]);
        let w = 0.25 * (1.05 - 0.5f64.powf(0.5));
        assert!((prices[0] - 10.0 * (1.0 + w)).abs() < 1e-12);
        // The sign flips: v is last round's capped excess, the step is damped by 0.7.
        let before = prices[0];
        adjuster.update(&goods, &mut prices, &[-0.1]);
        let w = 0.25 * (1.05 - 0.5f64.powf(0.1));
        assert!((prices[0] - before * (1.0 - 0.7 * w)).abs() < 1e-12);
        // Same sign again: the damping recovers to 0.7 × 1.2, v is last round's 0.1.
        let before = prices[0];
        adjuster.update(&goods, &mut prices, &[-1e-6]);
        let w = 0.1 * (1.05 - 0.5f64.powf(1e-6));
        assert!((prices[0] - before * (1.0 - 0.84 * w)).abs() < 1e-12);
        // After a tiny imbalance the step is the floor.
        let before = prices[0];
        adjuster.update(&goods, &mut prices, &[-1e-6]);
        assert!((prices[0] - before * (1.0 - 0.001)).abs() < 1e-12);
        // Balance keeps the price.
        let before = prices[0];
        adjuster.update(&goods, &mut prices, &[0.0]);
        assert_eq!(prices[0], before);
    }

    #[test]
    fn multiplicative_step_decreases_and_is_clamped() {
        let goods = vec![Good::new("bread", GoodKind::Final, "loaf").unwrap()];
        let mut adjuster = PriceAdjuster::new(PriceRule::multiplicative(), 1, 0.0);
        let mut prices = vec![1.0];
        adjuster.update(&goods, &mut prices, &[0.1]);
        assert!((prices[0] - 1.04).abs() < 1e-12);
        adjuster.update(&goods, &mut prices, &[0.1]);
        assert!((prices[0] - 1.04 * (1.0 + 0.4 / (1.0 + 1.0 / 25.0) * 0.1)).abs() < 1e-12);
        let mut adjuster = PriceAdjuster::new(PriceRule::multiplicative(), 1, 0.0);
        let mut prices = vec![1.0];
        adjuster.update(&goods, &mut prices, &[-0.5]);
        assert!((prices[0] - 0.8).abs() < 1e-12);
        let mut adjuster = PriceAdjuster::new(
            PriceRule::Multiplicative {
                step: 5.0,
                decay_rounds: 25.0,
                clamp: 0.5,
                damping: Damping::default(),
            },
            1,
            0.0,
        );
        let mut prices = vec![1.0];
        adjuster.update(&goods, &mut prices, &[-2.0]);
        assert_eq!(prices[0], 0.5);
    }

    #[test]
    fn prices_stay_positive_under_any_excess() {
        let goods = vec![Good::new("bread", GoodKind::Final, "loaf").unwrap()];
        for rule in [PriceRule::pequod(), PriceRule::multiplicative()] {
            let mut adjuster = PriceAdjuster::new(rule, 1, 0.005);
            let mut prices = vec![1.0];
            for _ in 0..10_000 {
                adjuster.update(&goods, &mut prices, &[-2.0]);
                assert!(prices[0] >= PRICE_FLOOR && prices[0].is_finite());
            }
        }
    }
}
