//! Planning benchmark: rounds to 5%, to 3% and to strict feasibility, cold and warm, on
//! 3,000 workplaces x 3,000 councils x 50 goods; milliseconds per round and rounds on
//! 30,000 x 30,000 x 500; welfare gap and price distance to the convex optimum.
//!
//! Run with `cargo bench -p coopnet-planning --bench planning`. Add `small` or `large` to run
//! one part only, and `seeds=N` to change how many economies the small part draws (5).

use std::time::Instant;

use coopnet_planning::rounds::Plan;
use coopnet_planning::{
    generate, perturb, price_distance, run, solve_optimum, welfare_gap_pct, Economy,
    GenerationOptions, Outcome, PlannerOptions, PriceRule, RoundLog,
};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let chosen = |name: &str| args.iter().any(|a| a == name);
    let all = !chosen("small") && !chosen("large");
    let seeds: u64 = args
        .iter()
        .find_map(|a| a.strip_prefix("seeds=").and_then(|n| n.parse().ok()))
        .unwrap_or(5);
    println!("machine: {} cores, {}", cores(), cpu_model());
    println!("one thread; wall time per round, and CPU time of this thread per round\n");
    if all || chosen("small") {
        small(seeds);
    }
    if all || chosen("large") {
        large();
    }
}

fn rules() -> [(&'static str, PriceRule); 2] {
    [
        ("pequod", PriceRule::pequod()),
        ("multiplicative", PriceRule::multiplicative()),
    ]
}

struct Measured {
    plan: Plan,
    wall_ms: f64,
    cpu_ms: Option<f64>,
}

fn measure(economy: &Economy, options: &PlannerOptions) -> Measured {
    let cpu = cpu_ns();
    let started = Instant::now();
    let plan = run(economy, options, |_| {}).expect("the procedure runs");
    let wall = started.elapsed().as_secs_f64() * 1e3;
    let rounds = plan.rounds.len() as f64;
    // The kernel accounts a thread's CPU time at ticks and switches: only long runs give a
    // meaningful figure.
    let cpu_ms = cpu
        .zip(cpu_ns())
        .map(|(a, b)| (b - a) as f64 / 1e6)
        .filter(|_| wall >= 200.0);
    Measured {
        wall_ms: wall / rounds,
        cpu_ms: cpu_ms.map(|c| c / rounds),
        plan,
    }
}

fn rounds(r: Option<u32>) -> String {
    r.map_or("-".into(), |r| r.to_string())
}

fn header() {
    println!(
        "  {:<22} {:>5} {:>5} {:>9} {:>9} {:>6}  {:>8} {:>8}  outcome",
        "", "5%", "3%", "feasible", "feas. 5%", "rounds", "wall ms", "cpu ms"
    );
}

fn row(label: &str, m: &Measured) {
    let p = &m.plan;
    println!(
        "  {label:<22} {:>5} {:>5} {:>9} {:>9} {:>6}  {:>8.2} {:>8}  {}",
        rounds(p.first_round_below(0.05)),
        rounds(p.first_round_below(0.03)),
        rounds(p.first_feasible_round()),
        rounds(p.first_feasible_round_within(0.05)),
        p.rounds.len(),
        m.wall_ms,
        m.cpu_ms.map_or("-".into(), |c| format!("{c:.2}")),
        outcome(&p.outcome),
    );
}

fn outcome(o: &Outcome) -> String {
    match o {
        Outcome::Feasible { round } => format!("feasible at {round}"),
        Outcome::NoProgress {
            round, oscillating, ..
        } => format!("no progress at {round} (oscillating: {oscillating})"),
        Outcome::Diverged { round, .. } => format!("diverged at {round}"),
        Outcome::MaxRounds { round } => format!("round cap {round}"),
    }
}

fn small(seeds: u64) {
    println!("== 3,000 workplaces x 3,000 councils x 50 goods ==");
    println!(
        "cold: all prices 1 (imports at their outside price); the clearing prices lie in [1/2, 2]"
    );
    println!("warm: the economy perturbed by up to ±2% (credits, productivity, endowments), from the cold run's final prices");
    println!("5%, 3%: first round under; feasible: first strictly feasible round; feas. 5%: first strictly feasible round");
    println!("within 5%; rounds: until strictly feasible within 1%\n");
    header();
    let mut figures: Vec<(String, Vec<[Option<u32>; 4]>)> = Vec::new();
    for seed in 1..=seeds {
        let started = Instant::now();
        let generated = generate(&GenerationOptions::new(3000, 3000, 50, seed)).expect("generates");
        let generation_ms = started.elapsed().as_secs_f64() * 1e3;
        let d = generated.economy.dimensions();
        println!(
            " seed {seed}: {} council entries, {} workplace inputs, generated in {generation_ms:.0} ms",
            d.council_entries, d.workplace_entries
        );
        let next_period = perturb(&generated.economy, seed + 1000, 0.02);
        let mut plans = Vec::new();
        for (name, rule) in rules() {
            let cold = measure(&generated.economy, &PlannerOptions::with_rule(rule));
            row(&format!("{name}, cold"), &cold);
            let warm_options = PlannerOptions {
                start_prices: Some(cold.plan.prices.clone()),
                ..PlannerOptions::with_rule(rule)
            };
            let warm = measure(&next_period, &warm_options);
            row(&format!("{name}, warm"), &warm);
            for (start, m) in [("cold", &cold), ("warm", &warm)] {
                let key = format!("{name}, {start}");
                let these = [
                    m.plan.first_round_below(0.05),
                    m.plan.first_round_below(0.03),
                    m.plan.first_feasible_round(),
                    m.plan.first_feasible_round_within(0.05),
                ];
                match figures.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => v.push(these),
                    None => figures.push((key, vec![these])),
                }
            }
            plans.push((name, cold.plan));
        }
        if seed == 1 {
            println!("  seed 1, the cold plans against the optimum:");
            optimum_comparison(&generated.economy, &generated.calibrated_prices, &plans);
        }
    }
    println!("\n median rounds over {seeds} seeds (and how many reached the mark):");
    println!(
        "  {:<22} {:>14} {:>14} {:>14} {:>14}",
        "", "5%", "3%", "feasible", "feas. 5%"
    );
    for (key, runs) in &figures {
        let column = |i: usize| {
            let mut v: Vec<u32> = runs.iter().filter_map(|r| r[i]).collect();
            v.sort_unstable();
            let median = v
                .get(v.len() / 2)
                .map_or("-".to_string(), |m| m.to_string());
            format!("{median} ({}/{})", v.len(), runs.len())
        };
        println!(
            "  {key:<22} {:>14} {:>14} {:>14} {:>14}",
            column(0),
            column(1),
            column(2),
            column(3)
        );
    }
    println!();
}

fn optimum_comparison(economy: &Economy, calibrated: &[f64], plans: &[(&str, Plan)]) {
    let started = Instant::now();
    let reference = &plans[0].1.prices;
    match solve_optimum(economy, Some(reference)) {
        Ok(optimum) => {
            println!(
                "  optimum (Clarabel): {} variables, {} constraints, {} iterations, {:.1} s, {}",
                optimum.variables,
                optimum.constraints,
                optimum.solver_iterations,
                started.elapsed().as_secs_f64(),
                optimum.solver_status
            );
            println!(
                "    its dual prices vs the calibrated clearing prices: distance {:.1e}",
                price_distance(economy.goods(), &optimum.prices, calibrated)
            );
            for (name, plan) in plans {
                let welfare = economy.rationed_welfare(&plan.state);
                println!(
                    "    {name:<15} plan: welfare gap {:.3}%, price distance {:.4}",
                    welfare_gap_pct(optimum.welfare, welfare, economy.total_credits()),
                    price_distance(economy.goods(), &plan.prices, &optimum.prices)
                );
            }
        }
        Err(e) => println!("  optimum: {e}"),
    }
}

fn large() {
    println!("== 30,000 workplaces x 30,000 councils x 500 goods ==");
    println!("5%, 3%: first round under; feasible: first strictly feasible round; feas. 5%: first strictly feasible round");
    println!("within 5%; rounds: until strictly feasible within 1%");
    for (label, per_council) in [
        ("councils ask for all 230 final and imported goods", None),
        ("councils ask for 40 of them each", Some(40)),
    ] {
        let mut options = GenerationOptions::new(30_000, 30_000, 500, 1);
        options.goods_per_council = per_council;
        let started = Instant::now();
        let generated = generate(&options).expect("generates");
        let d = generated.economy.dimensions();
        println!(
            " {label}: {} council entries, {} workplace inputs, generated in {:.1} s",
            d.council_entries,
            d.workplace_entries,
            started.elapsed().as_secs_f64()
        );
        header();
        let mut plans = Vec::new();
        for (name, rule) in rules() {
            let m = measure(&generated.economy, &PlannerOptions::with_rule(rule));
            row(name, &m);
            let n = m.plan.rounds.len() as f64;
            let mean = |f: fn(&RoundLog) -> f64| m.plan.rounds.iter().map(f).sum::<f64>() / n;
            println!(
                "    phases, wall ms per round: proposals {:.2}, aggregation {:.2}, price update {:.3}",
                mean(|r| r.times.proposals_ms),
                mean(|r| r.times.aggregation_ms),
                mean(|r| r.times.price_update_ms)
            );
            plans.push((name, m.plan));
        }
        if per_council.is_none() {
            optimum_comparison(&generated.economy, &generated.calibrated_prices, &plans);
        }
    }
    println!();
}

fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
