//! Charts of a planning procedure as plain SVG: readable in any browser, no JavaScript.
//!
//! One picture with two panels: the worst relative excess demand per round (log scale, with
//! the 5% and 3% thresholds marked), and the paths of the prices that moved most, each
//! relative to its value in the last round (log scale, so that doubling and halving look
//! alike). This module only builds strings.

use std::fmt::Write;

use crate::goods::Good;
use crate::rounds::RoundLog;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 760.0;
const LEFT: f64 = 70.0;
const PLOT_RIGHT: f64 = 720.0;
const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];
/// At most this many price paths are drawn, those that moved most.
const MAX_PATHS: usize = 10;

/// The chart of a procedure's rounds.
pub fn rounds_svg(goods: &[Good], rounds: &[RoundLog], title: &str) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{LEFT}" y="24" font-size="15" font-weight="bold">{}</text>
"##,
        escape(title)
    );
    if rounds.is_empty() {
        svg.push_str(r#"<text x="70" y="80">No rounds.</text></svg>"#);
        svg.push('\n');
        return svg;
    }
    let last_round = rounds.last().map_or(1, |r| r.round).max(2);
    let x_of =
        |round: u32| LEFT + (PLOT_RIGHT - LEFT) * f64::from(round - 1) / f64::from(last_round - 1);

    // Panel 1: worst excess, log10.
    let (top, bottom) = (60.0, 340.0);
    let smallest = rounds
        .iter()
        .map(|r| r.worst_excess)
        .filter(|e| *e > 0.0)
        .fold(f64::INFINITY, f64::min);
    let lo = smallest.clamp(1e-5, 0.01).log10().floor();
    // Relative excess never exceeds 2 (200%), so the axis stops there.
    let largest = rounds.iter().map(|r| r.worst_excess).fold(0.05, f64::max);
    let hi = if largest > 1.0 {
        2f64.log10()
    } else {
        largest.log10().ceil()
    };
    let y_excess = |e: f64| {
        let l = e.max(10f64.powf(lo)).log10();
        bottom - (bottom - top) * (l - lo) / (hi - lo)
    };
    panel_frame(
        &mut svg,
        top,
        bottom,
        "Worst relative excess demand",
        last_round,
        &x_of,
    );
    let mut decade = lo;
    while decade <= hi {
        let y = y_excess(10f64.powf(decade));
        let label = percent(10f64.powf(decade));
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{PLOT_RIGHT}" y2="{y:.1}" stroke="#dddddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            LEFT - 6.0,
            y + 4.0
        );
        decade += 1.0;
    }
    for (threshold, colour) in [(0.05, "#ff7f0e"), (0.03, "#2ca02c")] {
        let y = y_excess(threshold);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{PLOT_RIGHT}" y2="{y:.1}" stroke="{colour}" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" fill="{colour}">{}</text>"##,
            PLOT_RIGHT + 6.0,
            y + 4.0,
            percent(threshold)
        );
    }
    let points: Vec<String> = rounds
        .iter()
        .map(|r| format!("{:.1},{:.1}", x_of(r.round), y_excess(r.worst_excess)))
        .collect();
    let _ = writeln!(
        svg,
        r##"<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{}"/>"##,
        points.join(" ")
    );
    for r in rounds.iter().filter(|r| r.feasible) {
        let _ = writeln!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#2ca02c"><title>round {}: strictly feasible</title></circle>"##,
            x_of(r.round),
            y_excess(r.worst_excess),
            r.round
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" fill="#2ca02c">● strictly feasible</text>"##,
        PLOT_RIGHT + 6.0,
        top + 10.0
    );

    // Panel 2: price paths relative to the last round.
    let (top, bottom) = (420.0, 700.0);
    let last = &rounds[rounds.len() - 1];
    let mut moved: Vec<(usize, f64)> = goods
        .iter()
        .enumerate()
        .filter(|(g, good)| good.is_planned() && last.prices[*g] > 0.0)
        .map(|(g, _)| {
            let span = rounds
                .iter()
                .map(|r| (r.prices[g] / last.prices[g]).ln().abs())
                .fold(0.0, f64::max);
            (g, span)
        })
        .collect();
    moved.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    moved.truncate(MAX_PATHS);
    let span = moved
        .iter()
        .map(|m| m.1)
        .fold(2f64.ln(), f64::max)
        .min(20.0 * 2f64.ln());
    let y_price = |ratio: f64| {
        let l = ratio.ln().clamp(-span, span);
        (top + bottom) / 2.0 - (bottom - top) / 2.0 * l / span
    };
    panel_frame(
        &mut svg,
        top,
        bottom,
        &format!(
            "Prices relative to the last round ({} that moved most)",
            moved.len()
        ),
        last_round,
        &x_of,
    );
    let max_power = (span / 2f64.ln()).floor() as i32;
    let step = (max_power / 4).max(1);
    let mut power = -max_power - (-max_power).rem_euclid(step);
    while power <= max_power {
        let ratio = 2f64.powi(power);
        let y = y_price(ratio);
        let label = if power >= 0 {
            format!("×{}", 2f64.powi(power))
        } else {
            format!("×1/{}", 2f64.powi(-power))
        };
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{PLOT_RIGHT}" y2="{y:.1}" stroke="{}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            if power == 0 { "#999999" } else { "#dddddd" },
            LEFT - 6.0,
            y + 4.0
        );
        power += step;
    }
    for (i, &(g, _)) in moved.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let points: Vec<String> = rounds
            .iter()
            .map(|r| {
                format!(
                    "{:.1},{:.1}",
                    x_of(r.round),
                    y_price(r.prices[g] / last.prices[g])
                )
            })
            .collect();
        let name = escape(goods[g].name());
        let _ = writeln!(
            svg,
            r##"<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{}"><title>{name}</title></polyline>"##,
            points.join(" ")
        );
        let y = top + 14.0 + 16.0 * i as f64;
        let _ = writeln!(
            svg,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{name} ({:.3})</text>"##,
            PLOT_RIGHT + 10.0,
            y - 4.0,
            PLOT_RIGHT + 26.0,
            y - 4.0,
            PLOT_RIGHT + 32.0,
            y,
            last.prices[g]
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn panel_frame(
    svg: &mut String,
    top: f64,
    bottom: f64,
    title: &str,
    last_round: u32,
    x_of: &dyn Fn(u32) -> f64,
) {
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="{:.1}" font-weight="bold">{}</text>
<rect x="{LEFT}" y="{top}" width="{:.1}" height="{:.1}" fill="none" stroke="#333333"/>"##,
        top - 10.0,
        escape(title),
        PLOT_RIGHT - LEFT,
        bottom - top
    );
    let step = nice_step(last_round);
    let mut round = 1;
    while round <= last_round {
        let x = x_of(round);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{bottom}" x2="{x:.1}" y2="{:.1}" stroke="#333333"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{round}</text>"##,
            bottom + 5.0,
            bottom + 18.0
        );
        round = if round == 1 && step > 1 {
            step
        } else {
            round + step
        };
    }
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">round</text>"##,
        (LEFT + PLOT_RIGHT) / 2.0,
        bottom + 34.0
    );
}

fn nice_step(rounds: u32) -> u32 {
    [
        1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000,
    ]
    .into_iter()
    .find(|s| rounds / s <= 12)
    .unwrap_or(10_000)
}

fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if p >= 1.0 {
        format!("{p:.0}%")
    } else {
        format!("{p}%")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goods::GoodKind;
    use crate::rounds::PhaseTimes;

    #[test]
    fn the_chart_is_plain_svg_with_both_panels() {
        let goods = vec![
            Good::new("bread & <butter>", GoodKind::Final, "loaf").unwrap(),
            Good::new("labour", GoodKind::Labour, "hour").unwrap(),
        ];
        let rounds: Vec<RoundLog> = (1..=5)
            .map(|t| RoundLog {
                round: t,
                prices: vec![1.0 + f64::from(t), 1.0],
                supply: vec![1.0, 1.0],
                demand: vec![1.0, 1.0],
                excess: vec![0.5 / f64::from(t), 0.0],
                worst_excess: 0.5 / f64::from(t * t),
                worst_good: None,
                short_goods: 1,
                feasible: t == 5,
                welfare: 0.0,
                times: PhaseTimes::default(),
            })
            .collect();
        let svg = rounds_svg(&goods, &rounds, "test");
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("<script"));
        assert!(svg.contains("bread &amp; &lt;butter&gt;"));
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert!(rounds_svg(&goods, &[], "none").contains("No rounds"));
    }
}
