//! Generated economies: the same seed gives the same economy and the same rounds, prices
//! stay positive, and the simulation reports what the command line prints.

use coopnet_planning::{
    generate, perturb, run, simulate, GenerationOptions, OptimumMode, PlannerOptions, PriceRule,
    RoundLog, RuleKind, SimulateOptions,
};

fn rounds_of(seed: u64, rule: PriceRule) -> Vec<RoundLog> {
    let generated = generate(&GenerationOptions::new(200, 150, 20, seed)).unwrap();
    run(&generated.economy, &PlannerOptions::with_rule(rule), |_| {})
        .unwrap()
        .rounds
}

fn same_figures(a: &RoundLog, b: &RoundLog) -> bool {
    a.round == b.round
        && a.prices == b.prices
        && a.supply == b.supply
        && a.demand == b.demand
        && a.excess == b.excess
        && a.welfare == b.welfare
}

#[test]
fn a_seed_determines_every_round() {
    for rule in [PriceRule::pequod(), PriceRule::multiplicative()] {
        let first = rounds_of(42, rule);
        let second = rounds_of(42, rule);
        assert_eq!(first.len(), second.len());
        assert!(first.iter().zip(&second).all(|(a, b)| same_figures(a, b)));
        let other = rounds_of(43, rule);
        assert!(!same_figures(&first[1], &other[1]));
    }
}

#[test]
fn no_price_is_ever_negative_or_nan() {
    for seed in 0..6 {
        let mut options = GenerationOptions::new(150, 100, 12 + seed as usize, seed);
        options.goods_per_council = if seed % 2 == 0 { Some(3) } else { None };
        options.price_spread = 1.0 + seed as f64;
        let generated = generate(&options).unwrap();
        for rule in [PriceRule::pequod(), PriceRule::multiplicative()] {
            let plan = run(&generated.economy, &PlannerOptions::with_rule(rule), |_| {}).unwrap();
            for round in &plan.rounds {
                for (g, p) in round.prices.iter().enumerate() {
                    assert!(
                        p.is_finite() && *p > 0.0,
                        "seed {seed} round {} good {g}: {p}",
                        round.round
                    );
                }
                assert!(round.worst_excess.is_finite());
                assert!(round.welfare.is_finite());
            }
        }
    }
}

#[test]
fn both_rules_converge_on_generated_economies_and_warm_starts_help() {
    let generated = generate(&GenerationOptions::new(300, 300, 20, 5)).unwrap();
    for rule in [PriceRule::pequod(), PriceRule::multiplicative()] {
        let cold = run(&generated.economy, &PlannerOptions::with_rule(rule), |_| {}).unwrap();
        assert!(
            cold.outcome.converged(),
            "{:?}: {:?}",
            rule.kind(),
            cold.outcome
        );
        let next_period = perturb(&generated.economy, 6, 0.02);
        let warm_options = PlannerOptions {
            start_prices: Some(cold.prices.clone()),
            ..PlannerOptions::with_rule(rule)
        };
        let warm = run(&next_period, &warm_options, |_| {}).unwrap();
        assert!(
            warm.outcome.converged(),
            "{:?}: {:?}",
            rule.kind(),
            warm.outcome
        );
        assert!(warm.rounds.len() < cold.rounds.len());
    }
}

#[test]
fn simulate_reports_the_figures_scripts_read() {
    let options = SimulateOptions {
        workplaces: 120,
        councils: 100,
        goods: 15,
        seed: 3,
        rule: RuleKind::Multiplicative,
        optimum: OptimumMode::Always,
        ..SimulateOptions::default()
    };
    let mut seen = 0;
    let report = simulate(&options, |round| {
        seen += 1;
        assert_eq!(round.round, seen);
    })
    .unwrap();
    assert_eq!(seen, report.rounds);
    assert!(report.outcome.converged());
    assert!(report.rounds_to_5pct.unwrap() <= report.rounds_to_3pct.unwrap());
    assert_eq!(
        report.rounds_to_feasible.map(|r| r <= report.rounds),
        Some(true)
    );
    let gap = report.welfare_gap_pct.unwrap();
    assert!((0.0..1.0).contains(&gap), "gap {gap}%");
    assert!(report.price_distance.unwrap() < 0.02);

    let json = serde_json::to_value(report.summary()).unwrap();
    for key in [
        "rounds_to_5pct",
        "rounds_to_3pct",
        "rounds_to_feasible",
        "ms_per_round",
        "welfare_gap_pct",
        "price_distance",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }

    let mut csv = Vec::new();
    report.write_rounds_csv(&mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap().lines().count(),
        report.rounds as usize + 1
    );
    let mut csv = Vec::new();
    report.write_goods_csv(&mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap().lines().count(),
        report.rounds as usize * 15 + 1
    );
    let svg = report.chart_svg();
    assert!(svg.starts_with("<svg") && !svg.contains("<script"));
}

#[test]
fn simulate_without_an_optimum_says_why() {
    let options = SimulateOptions {
        workplaces: 60,
        councils: 40,
        goods: 10,
        optimum: OptimumMode::Never,
        ..SimulateOptions::default()
    };
    let report = simulate(&options, |_| {}).unwrap();
    assert_eq!(report.welfare_gap_pct, None);
    assert!(report.optimum_note.is_some());
    let json = serde_json::to_value(report.summary()).unwrap();
    assert!(json["welfare_gap_pct"].is_null());
}
