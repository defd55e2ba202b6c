//! A small economy solved by hand, matched by the procedure (both rules) and by the convex
//! optimum.
//!
//! One council with 100 credits spends 60% on bread and 40% on soap (Cobb-Douglas). The
//! network has 100 hours of labour. The bakery makes `2 √L` loaves from `L` hours
//! (Cobb-Douglas, exponent 1/2); the soap works makes `√m` bars from `m` hours (Leontief, one
//! hour per unit of activity, returns 1/2).
//!
//! By hand: welfare `100 (0.6 ln(2 √L_b) + 0.4 ln √L_s)` with `L_b + L_s = 100` is largest at
//! `L_b = 60`, `L_s = 40`. Then bread `= 2 √60`, soap `= √40`; the council's spending shares
//! give `p_bread = 60 / (2 √60) = √60 / 2`, `p_soap = 40 / √40 = √40`; both workplaces'
//! marginal products give `p_labour = p_bread / √60 = p_soap / (2 √40) = 1/2`.

use coopnet_planning::{
    price_distance, run, solve_optimum, welfare_gap_pct, Council, Economy, Good, GoodId, GoodKind,
    PlannerOptions, PriceRule, Workplace,
};

fn bread_and_soap() -> Economy {
    let goods = vec![
        Good::new("bread", GoodKind::Final, "loaf").unwrap(),
        Good::new("soap", GoodKind::Final, "bar").unwrap(),
        Good::new("work", GoodKind::Labour, "hour").unwrap(),
    ];
    Economy::builder(goods)
        .endowment(GoodId(2), 100.0)
        .council(
            Council::cobb_douglas("street", 100.0, vec![(GoodId(0), 0.6), (GoodId(1), 0.4)])
                .unwrap(),
        )
        .workplace(
            Workplace::cobb_douglas("bakery", GoodId(0), 2.0, vec![(GoodId(2), 0.5)], 1000.0)
                .unwrap(),
        )
        .workplace(
            Workplace::leontief(
                "soap works",
                GoodId(1),
                1.0,
                0.5,
                vec![(GoodId(2), 1.0)],
                1000.0,
            )
            .unwrap(),
        )
        .build()
        .unwrap()
}

fn by_hand() -> (f64, [f64; 3]) {
    let bread = 2.0 * 60f64.sqrt();
    let soap = 40f64.sqrt();
    let welfare = 100.0 * (0.6 * bread.ln() + 0.4 * soap.ln());
    (welfare, [60f64.sqrt() / 2.0, 40f64.sqrt(), 0.5])
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

#[test]
fn the_convex_optimum_is_the_hand_solution() {
    let economy = bread_and_soap();
    let (welfare, prices) = by_hand();
    let optimum = solve_optimum(&economy, None).unwrap();
    assert!(
        close(optimum.welfare, welfare, 1e-7),
        "{} vs {welfare}",
        optimum.welfare
    );
    // The solver stops at a duality gap of 1e-8: welfare is that exact, plans and prices to
    // about 1e-5.
    for (g, &want) in prices.iter().enumerate() {
        let got = optimum.prices[g];
        assert!(close(got, want, 1e-4), "good {g}: {got} vs {want}");
    }
    assert!(close(optimum.production[0], 2.0 * 60f64.sqrt(), 1e-4));
    assert!(close(optimum.production[1], 40f64.sqrt(), 1e-4));
    assert!(close(optimum.consumption[0], optimum.production[0], 1e-6));
}

#[test]
fn both_rules_reach_the_hand_solution() {
    let economy = bread_and_soap();
    let (welfare, prices) = by_hand();
    for rule in [PriceRule::pequod(), PriceRule::multiplicative()] {
        let plan = run(&economy, &PlannerOptions::with_rule(rule), |_| {}).unwrap();
        assert!(
            plan.outcome.converged(),
            "{:?}: {:?}",
            rule.kind(),
            plan.outcome
        );
        let last = plan.rounds.last().unwrap();
        assert!(last.feasible && last.worst_excess <= 0.03);
        // The board aims at a 0.5% surplus, so prices sit a little off the exact ones.
        for (g, &want) in prices.iter().enumerate() {
            let got = plan.prices[g];
            assert!(
                close(got, want, 0.02),
                "{:?} good {g}: {got} vs {want}",
                rule.kind()
            );
        }
        assert!(price_distance(economy.goods(), &plan.prices, &prices) < 0.02);
        let gap = welfare_gap_pct(welfare, plan.state.welfare(), economy.total_credits());
        assert!((0.0..1.0).contains(&gap), "{:?}: gap {gap}%", rule.kind());
    }
}

#[test]
fn welfare_gap_and_price_distance_are_zero_at_the_optimum() {
    let economy = bread_and_soap();
    let (welfare, prices) = by_hand();
    assert_eq!(
        welfare_gap_pct(welfare, welfare, economy.total_credits()),
        0.0
    );
    assert_eq!(price_distance(economy.goods(), &prices, &prices), 0.0);
    // Prices in another unit of account are no further away.
    let doubled: Vec<f64> = prices.iter().map(|p| 2.0 * p).collect();
    assert!(price_distance(economy.goods(), &doubled, &prices) < 1e-15);
    // Losing 1% of everything for every council is a 1% gap.
    let loss = economy.total_credits() * (0.99f64).ln();
    let gap = welfare_gap_pct(welfare, welfare + loss, economy.total_credits());
    assert!((gap - 1.0).abs() < 1e-12);
}
