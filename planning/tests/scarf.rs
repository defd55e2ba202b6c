//! Scarf's three-good exchange economy, where price adjustment cycles around the only
//! equilibrium instead of reaching it: the procedure must say so and stop.

use coopnet_planning::{
    run, Council, Economy, Good, GoodId, GoodKind, Outcome, PlannerOptions, PriceRule,
};

/// Council `k` holds one unit of good `k` and wants goods `k` and `k + 1` one for one.
fn scarf() -> Economy {
    let goods = (1..=3)
        .map(|i| Good::new(format!("good {i}"), GoodKind::Final, "unit").unwrap())
        .collect();
    let councils = (0..3u32).map(|k| {
        Council::leontief(
            format!("council {}", k + 1),
            0.0,
            vec![(GoodId(k), 1.0), (GoodId((k + 1) % 3), 1.0)],
        )
        .unwrap()
        .with_endowment(vec![(GoodId(k), 1.0)])
        .unwrap()
    });
    Economy::builder(goods).councils(councils).build().unwrap()
}

#[test]
fn scarf_economy_is_reported_as_not_converging() {
    let economy = scarf();
    for rule in [PriceRule::pequod(), PriceRule::multiplicative()] {
        let options = PlannerOptions {
            rule,
            start_prices: Some(vec![1.0, 1.6, 0.6]),
            max_rounds: 5_000,
            ..PlannerOptions::default()
        };
        let plan = run(&economy, &options, |_| {}).unwrap();
        assert!(
            matches!(
                plan.outcome,
                Outcome::NoProgress { .. } | Outcome::Diverged { .. }
            ),
            "{:?}: {:?}",
            rule.kind(),
            plan.outcome
        );
        assert!(plan.outcome.round() < options.max_rounds);
        assert!(!plan.outcome.converged());
        assert_eq!(plan.first_feasible_round(), None);
        for round in &plan.rounds {
            assert!(round.prices.iter().all(|p| p.is_finite() && *p > 0.0));
        }
    }
}

#[test]
fn scarf_economy_starting_at_its_equilibrium_is_feasible_at_once() {
    // The equilibrium exists (all prices equal); it is the adjustment that fails to find it.
    let economy = scarf();
    let options = PlannerOptions {
        target_surplus: 0.0,
        start_prices: Some(vec![2.0, 2.0, 2.0]),
        ..PlannerOptions::default()
    };
    let plan = run(&economy, &options, |_| {}).unwrap();
    assert_eq!(plan.outcome, Outcome::Feasible { round: 1 });
}
