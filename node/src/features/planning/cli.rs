//! `coopnode plan simulate`: the planning engine on a generated economy, from the command line.

use std::{fs::File, io::BufWriter, path::PathBuf};

use anyhow::Context;
use coopnet_planning::{simulate, OptimumMode, RuleKind, SimulateOptions};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    #[arg(long, default_value_t = 3000)]
    pub workplaces: usize,
    #[arg(long, default_value_t = 3000)]
    pub councils: usize,
    #[arg(long, default_value_t = 50)]
    pub goods: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// pequod or multiplicative
    #[arg(long, default_value = "pequod")]
    pub rule: String,
    /// Folder for rounds.csv, goods.csv and chart.svg.
    #[arg(long, default_value = "plan-simulation")]
    pub out: PathBuf,
    /// Compare with the convex optimum: auto (when it solves in seconds), always or never.
    #[arg(long, default_value = "auto")]
    pub optimum: String,
    /// Print one JSON object with the figures, last.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let rule: RuleKind = args
        .rule
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--rule: {e}"))?;
    let optimum = match args.optimum.as_str() {
        "auto" => OptimumMode::Auto,
        "always" => OptimumMode::Always,
        "never" => OptimumMode::Never,
        other => anyhow::bail!("--optimum must be auto, always or never, not {other:?}"),
    };
    let options = SimulateOptions {
        workplaces: args.workplaces,
        councils: args.councils,
        goods: args.goods,
        seed: args.seed,
        rule,
        optimum,
        ..SimulateOptions::default()
    };
    let bar = ProgressBar::new(u64::from(options.max_rounds));
    bar.set_style(
        ProgressStyle::with_template("{spinner} round {pos} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    println!(
        "Planning {} workplaces, {} councils, {} goods (seed {}, {} rule)",
        options.workplaces, options.councils, options.goods, options.seed, rule
    );
    println!("round  worst excess  short goods  welfare        ms");
    let report = simulate(&options, |r| {
        bar.set_position(u64::from(r.round));
        bar.set_message(format!("worst excess {:.2}%", r.worst_excess * 100.0));
        // The figures go to standard output (for scripts); the bar lives on standard error.
        bar.suspend(|| {
            println!(
                "{:>5}  {:>11.3}%  {:>11}  {:>12.4}  {:>8.2}",
                r.round,
                r.worst_excess * 100.0,
                r.short_goods,
                r.welfare,
                r.times.total_ms
            )
        });
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let rounds = args.out.join("rounds.csv");
    report.write_rounds_csv(BufWriter::new(File::create(&rounds)?))?;
    let goods = args.out.join("goods.csv");
    report.write_goods_csv(BufWriter::new(File::create(&goods)?))?;
    let chart = args.out.join("chart.svg");
    std::fs::write(&chart, report.chart_svg())?;

    let s = report.summary();
    let show = |r: Option<u32>| r.map_or("not reached".to_string(), |n| n.to_string());
    println!("outcome: {:?} after {} rounds", s.outcome, s.rounds);
    println!(
        "rounds to 5%: {}, to 3%: {}, to strictly feasible: {}",
        show(s.rounds_to_5pct),
        show(s.rounds_to_3pct),
        show(s.rounds_to_feasible)
    );
    println!("time per round: {:.2} ms", s.ms_per_round);
    match (s.welfare_gap_pct, s.price_distance) {
        (Some(gap), Some(distance)) => println!(
            "against the convex optimum: welfare gap {gap:.3}%, price distance {distance:.5}"
        ),
        _ => println!(
            "against the convex optimum: not compared ({})",
            report.optimum_note.clone().unwrap_or_default()
        ),
    }
    println!(
        "wrote {}, {} and {}",
        rounds.display(),
        goods.display(),
        chart.display()
    );
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    }
    Ok(())
}
