//! `coopnode plan simulate` as a script would use it.

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_coopnode");

#[test]
fn simulate_prints_rounds_writes_files_and_ends_with_json() {
    let out = support::temp_dir("plan");
    let run = std::process::Command::new(BIN)
        .args([
            "plan",
            "simulate",
            "--workplaces",
            "200",
            "--councils",
            "200",
            "--goods",
            "12",
        ])
        .args(["--seed", "4", "--rule", "multiplicative", "--json", "--out"])
        .arg(&out)
        .output()
        .expect("run coopnode");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8(run.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    let summary: serde_json::Value = serde_json::from_str(last).expect("the last line is JSON");
    for key in [
        "rounds_to_5pct",
        "rounds_to_3pct",
        "rounds_to_feasible",
        "ms_per_round",
        "welfare_gap_pct",
        "price_distance",
    ] {
        assert!(summary.get(key).is_some(), "{key} is in the summary");
    }
    assert!(
        summary["rounds_to_feasible"].as_u64().is_some(),
        "this small economy becomes feasible"
    );
    assert!(summary["welfare_gap_pct"].as_f64().unwrap() < 1.0);
    // One line of figures per round, before the summary.
    let rounds = summary["rounds"].as_u64().unwrap() as usize;
    let round_lines = stdout
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u32>().is_ok())
        })
        .count();
    assert_eq!(round_lines, rounds);
    let csv = std::fs::read_to_string(out.join("rounds.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        rounds + 1,
        "a header and a line per round"
    );
    let svg = std::fs::read_to_string(out.join("chart.svg")).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
    assert!(!svg.contains("<script"));

    // Bad arguments are refused clearly.
    let bad = std::process::Command::new(BIN)
        .args(["plan", "simulate", "--rule", "magic"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("rule"));
}
