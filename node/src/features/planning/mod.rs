//! Participatory planning across nodes: what a round is, how the board closes an iteration and
//! moves prices, and how councils and workplaces answer by themselves.
//!
//! Everything here is computation on a round's document; federation and storage live in
//! [`crate::activitypub::planning`]. The board's price rules, excess measure and declared
//! responses are the planning engine's ([`coopnet_planning`]), so a federated round moves prices
//! exactly as `coopnode plan simulate` does.
//!
//! - **Closing an iteration.** Supply of a good is what the network has of it (natural
//!   resources, labour, capital services) plus what workplaces offer to produce; demand is what
//!   councils ask for plus what workplaces need as inputs. Relative excess demand per good is
//!   `(d − s) / ((d + s) / 2)`. The iteration is strictly feasible when no planned good has
//!   positive excess.
//! - **Adopting.** The plan of an iteration is adopted when it is strictly feasible and no good's
//!   excess is beyond the round's tolerance (goods in surplus whose price has fallen below a
//!   millionth of its start are free goods and do not count).
//! - **Stopping.** A round that reaches its last iteration without a plan, or whose prices run
//!   away, is stopped and says why; a facilitator may also stop it.
//! - **Next prices.** The board's price adjuster remembers per good its damping and the sign of
//!   its last excess; rather than storing that memory, the board replays every closed
//!   iteration's excess from the start prices, which gives the same prices and survives restarts.

pub mod api;
pub mod cli;
pub mod portal;
pub mod store;
pub mod wire;

use coopnet_planning::{
    prices::{relative_excess, PriceAdjuster, PRICE_CEILING},
    Council, Economy, Good, GoodId, GoodKind, PriceRule, RuleKind, Workplace,
};
use coopnet_schemas::planning::{
    IterationLog, ParticipantRole, PlanDoc, PlanGood, PlanStatus, ProposalSummary,
};
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::features::directory::flows::check_number;
use crate::features::directory::flows::check_text;
use crate::features::directory::flows::PlanningProfile;
use crate::features::directory::flows::MAX_GOODS;

pub const MAX_PARTICIPANTS: usize = 100;
pub const MAX_ITERATIONS: u32 = 200;
/// The surplus per good the board steers for, as in the engine's default.
const TARGET_SURPLUS: f64 = 0.0025;
/// Returns to scale of a workplace's declared Leontief technology around its declared output:
/// strongly decreasing, so its answers move smoothly with prices.
pub const WORKPLACE_RETURNS: f64 = 0.5;
const FREE_PRICE_RATIO: f64 = 1e-6;

/// A good as a board names it when opening a round.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct GoodSpec {
    pub name: String,
    pub unit: String,
    pub kind: GoodKind,
    pub start_price: f64,
    #[serde(default)]
    pub available: Option<f64>,
}

/// What a board asks for when it opens a round.
#[derive(Debug, Clone, Deserialize)]
pub struct RoundSpec {
    pub name: String,
    pub period: String,
    pub goods: Vec<GoodSpec>,
    /// Handles (`@name@host`) or actor ids of councils and workplaces.
    pub participants: Vec<String>,
    #[serde(default = "default_rule")]
    pub rule: RuleKind,
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    #[serde(default = "default_max_iterations")]
    pub max_iterations: u32,
}

fn default_rule() -> RuleKind {
    RuleKind::Pequod
}

fn default_tolerance() -> f64 {
    0.05
}

fn default_max_iterations() -> u32 {
    100
}

impl RoundSpec {
    pub fn check(&self) -> Result<(), AppError> {
        check_text("name", &self.name, 200)?;
        check_text("period", &self.period, 100)?;
        if self.goods.is_empty() || self.goods.len() > MAX_GOODS {
            return Err(AppError::bad(format!(
                "a round plans between 1 and {MAX_GOODS} goods"
            )));
        }
        if self.participants.is_empty() || self.participants.len() > MAX_PARTICIPANTS {
            return Err(AppError::bad(format!(
                "a round has between 1 and {MAX_PARTICIPANTS} participants"
            )));
        }
        for (i, g) in self.goods.iter().enumerate() {
            check_text("good name", &g.name, 100)?;
            check_text("unit", &g.unit, 40)?;
            if self.goods[..i]
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case(&g.name))
            {
                return Err(AppError::bad(format!("good {:?} is named twice", g.name)));
            }
            check_number(&format!("start price of {}", g.name), g.start_price, false)?;
            match (g.kind.is_endowment(), g.available) {
                (true, Some(a)) => check_number(&format!("available {}", g.name), a, true)?,
                (true, None) => {
                    return Err(AppError::bad(format!(
                        "{} is a {}: say how much is available",
                        g.name,
                        g.kind.as_str()
                    )))
                }
                (false, Some(_)) => {
                    return Err(AppError::bad(format!(
                        "{} is produced or imported: only natural resources, labour and capital services have an amount available",
                        g.name
                    )))
                }
                (false, None) => {}
            }
        }
        if !(self.tolerance > 0.0 && self.tolerance <= 0.5) {
            return Err(AppError::bad("the tolerance lies between 0 and 0.5"));
        }
        if self.max_iterations == 0 || self.max_iterations > MAX_ITERATIONS {
            return Err(AppError::bad(format!(
                "a round runs at most {MAX_ITERATIONS} iterations"
            )));
        }
        Ok(())
    }
}

/// Reads goods written one per line: `name, unit, kind, start price[, available]`.
pub fn parse_goods(text: &str) -> Result<Vec<GoodSpec>, AppError> {
    let mut goods = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = |why: &str| AppError::bad(format!("goods, line {}: {why}", n + 1));
        if fields.len() < 4 || fields.len() > 5 {
            return Err(bad(
                "write name, unit, kind, start price and, for resources and labour, the amount available",
            ));
        }
        let kind: GoodKind = serde_json::from_value(serde_json::Value::String(fields[2].into()))
            .map_err(|_| {
                bad("the kind is one of final, intermediate, natural-resource, labour, capital-services, import")
            })?;
        let number = |s: &str| {
            s.parse::<f64>()
                .map_err(|_| bad(&format!("{s:?} is not a number")))
        };
        goods.push(GoodSpec {
            name: fields[0].to_string(),
            unit: fields[1].to_string(),
            kind,
            start_price: number(fields[3])?,
            available: fields.get(4).map(|s| number(s)).transpose()?,
        });
    }
    Ok(goods)
}

/// The round's goods as the engine knows them.
pub fn engine_goods(doc: &PlanDoc) -> Result<Vec<Good>, AppError> {
    doc.goods
        .iter()
        .map(|g| {
            let kind = good_kind(g)?;
            let good = if kind == GoodKind::Import {
                Good::import(&g.name, &g.unit, g.start_price)
            } else {
                Good::new(&g.name, kind, &g.unit)
            };
            good.map_err(|e| AppError::bad(e.to_string()))
        })
        .collect()
}

pub fn good_kind(good: &PlanGood) -> Result<GoodKind, AppError> {
    serde_json::from_value(serde_json::Value::String(good.good_kind.clone()))
        .map_err(|_| AppError::bad(format!("unknown kind of good {:?}", good.good_kind)))
}

/// Checks a round document from a board: sizes, and that every figure is a finite number of
/// the right length.
pub fn check_doc(doc: &PlanDoc) -> Result<(), AppError> {
    let m = doc.goods.len();
    if m == 0 || m > MAX_GOODS {
        return Err(AppError::bad("a round plans between 1 and 50 goods"));
    }
    if doc.participants.is_empty() || doc.participants.len() > MAX_PARTICIPANTS {
        return Err(AppError::bad("a round has between 1 and 100 participants"));
    }
    if doc.history.len() > MAX_ITERATIONS as usize || doc.iteration > MAX_ITERATIONS + 1 {
        return Err(AppError::bad("a round has at most 200 iterations"));
    }
    if doc.proposals.len() > doc.participants.len() {
        return Err(AppError::bad("more proposals than participants"));
    }
    check_text("name", &doc.name, 200)?;
    check_text("period", &doc.period, 100)?;
    doc.price_rule.parse::<RuleKind>().map_err(AppError::bad)?;
    for g in &doc.goods {
        check_text("good name", &g.name, 100)?;
        check_text("unit", &g.unit, 40)?;
        good_kind(g)?;
        check_number("start price", g.start_price, false)?;
        if let Some(a) = g.available {
            check_number("available", a, true)?;
        }
    }
    let vector = |v: &[f64]| v.len() == m && v.iter().all(|x| x.is_finite());
    let logs_ok = doc
        .history
        .iter()
        .all(|l| vector(&l.prices) && vector(&l.supply) && vector(&l.demand) && vector(&l.excess));
    let proposals_ok = doc.proposals.iter().all(|p| {
        vector(&p.produce)
            && vector(&p.consume)
            && doc.participant(p.participant.as_str()).is_some()
    });
    if !vector(&doc.prices) || !logs_ok || !proposals_ok {
        return Err(AppError::bad("the round's figures do not match its goods"));
    }
    for p in &doc.participants {
        if p.name.chars().count() > 200 {
            return Err(AppError::bad("a participant's name is too long"));
        }
    }
    Ok(())
}

/// Adds up an iteration's proposals.
pub fn close_iteration(doc: &PlanDoc, proposals: &[ProposalSummary]) -> IterationLog {
    let m = doc.goods.len();
    let mut supply: Vec<f64> = doc
        .goods
        .iter()
        .map(|g| g.available.unwrap_or(0.0))
        .collect();
    let mut demand = vec![0.0; m];
    for p in proposals {
        for g in 0..m {
            supply[g] += p.produce[g];
            demand[g] += p.consume[g];
        }
    }
    let mut excess = vec![0.0; m];
    let mut worst: f64 = 0.0;
    let mut feasible = true;
    for (g, good) in doc.goods.iter().enumerate() {
        if good.good_kind == "import" {
            continue;
        }
        excess[g] = relative_excess(supply[g], demand[g]);
        if demand[g] > supply[g] * (1.0 + 1e-9) {
            feasible = false;
        }
        let free = excess[g] < 0.0 && doc.prices[g] < good.start_price * FREE_PRICE_RATIO;
        if !free {
            worst = worst.max(excess[g].abs());
        }
    }
    IterationLog {
        iteration: doc.iteration,
        prices: doc.prices.clone(),
        supply,
        demand,
        excess,
        worst_excess: worst,
        feasible,
    }
}

/// The round after the current iteration closes with `proposals`: adopted, stopped, or open at
/// the next iteration with new prices.
pub fn next_round(
    doc: &PlanDoc,
    proposals: Vec<ProposalSummary>,
    updated: String,
) -> Result<PlanDoc, AppError> {
    let log = close_iteration(doc, &proposals);
    let mut next = doc.clone();
    next.updated = updated;
    next.proposals = proposals;
    next.history.push(log.clone());
    if log.feasible && log.worst_excess <= doc.tolerance {
        next.plan_status = PlanStatus::Adopted;
        next.adopted_iteration = Some(doc.iteration);
        next.status_reason = Some(format!(
            "iteration {} is feasible with no good more than {:.1}% out of balance",
            doc.iteration,
            log.worst_excess * 100.0
        ));
        return Ok(next);
    }
    if doc.iteration >= doc.max_iterations {
        next.plan_status = PlanStatus::Stopped;
        next.status_reason = Some(format!(
            "no feasible plan within {} iterations",
            doc.max_iterations
        ));
        return Ok(next);
    }
    let prices = replay_prices(doc, &next.history)?;
    if let Some(g) = prices.iter().position(|p| *p >= PRICE_CEILING * 0.999) {
        next.plan_status = PlanStatus::Stopped;
        next.status_reason = Some(format!(
            "the price of {} ran away: the procedure diverges",
            doc.goods[g].name
        ));
        return Ok(next);
    }
    next.iteration = doc.iteration + 1;
    next.prices = prices;
    Ok(next)
}

/// Prices after every closed iteration in `history`, from the round's start prices.
fn replay_prices(doc: &PlanDoc, history: &[IterationLog]) -> Result<Vec<f64>, AppError> {
    let goods = engine_goods(doc)?;
    let rule: RuleKind = doc.price_rule.parse().map_err(AppError::bad)?;
    let mut adjuster = PriceAdjuster::new(PriceRule::from(rule), goods.len(), TARGET_SURPLUS);
    let mut prices = start_prices(doc);
    for log in history {
        adjuster.update(&goods, &mut prices, &log.excess);
    }
    Ok(prices)
}

pub fn start_prices(doc: &PlanDoc) -> Vec<f64> {
    doc.goods.iter().map(|g| g.start_price).collect()
}

/// What a participant may propose: councils consume; workplaces produce goods that are made
/// and consume anything.
pub fn check_proposal(
    doc: &PlanDoc,
    role: ParticipantRole,
    produce: &[f64],
    consume: &[f64],
) -> Result<(), AppError> {
    let m = doc.goods.len();
    if produce.len() != m || consume.len() != m {
        return Err(AppError::bad("a proposal names every good once"));
    }
    for (g, good) in doc.goods.iter().enumerate() {
        check_number(&format!("quantity of {}", good.name), produce[g], true)?;
        check_number(&format!("quantity of {}", good.name), consume[g], true)?;
        if produce[g] > 0.0 {
            let made = matches!(good.good_kind.as_str(), "final" | "intermediate");
            if role == ParticipantRole::Council {
                return Err(AppError::bad(
                    "a council proposes what it consumes, not production",
                ));
            }
            if !made {
                return Err(AppError::bad(format!(
                    "{} is not produced by workplaces",
                    good.name
                )));
            }
        }
    }
    Ok(())
}

fn index_of(doc: &PlanDoc, name: &str) -> Option<usize> {
    doc.goods
        .iter()
        .position(|g| g.name.trim().eq_ignore_ascii_case(name.trim()))
}

/// A workplace's answer by its declared Leontief technology: the inputs its profile names per
/// unit of output, returns to scale of 0.9 around its declared output, and a capacity. Inputs
/// that the round does not plan are bought outside it and left out. Returns `(produce, consume)`.
pub fn workplace_answer(
    doc: &PlanDoc,
    name: &str,
    profile: &PlanningProfile,
) -> Result<(Vec<f64>, Vec<f64>), AppError> {
    let m = doc.goods.len();
    let (mut produce, mut consume) = (vec![0.0; m], vec![0.0; m]);
    let Some(output) = &profile.output else {
        return Ok((produce, consume));
    };
    let Some(y) = index_of(doc, &output.good) else {
        return Ok((produce, consume));
    };
    if !matches!(doc.goods[y].good_kind.as_str(), "final" | "intermediate") {
        return Ok((produce, consume));
    }
    let declared = output.quantity;
    let capacity = declared * profile.capacity.unwrap_or(1.25);
    let coefficients: Vec<(GoodId, f64)> = profile
        .inputs
        .iter()
        .filter_map(|f| index_of(doc, &f.good).map(|g| (g, f.quantity / declared)))
        .filter(|(g, c)| *g != y && *c > 0.0)
        .map(|(g, c)| (GoodId(g as u32), c))
        .collect();
    if coefficients.is_empty() {
        produce[y] = declared;
        return Ok((produce, consume));
    }
    let scale = declared.powf(1.0 - WORKPLACE_RETURNS);
    let workplace = Workplace::leontief(
        name,
        GoodId(y as u32),
        scale,
        WORKPLACE_RETURNS,
        coefficients,
        capacity,
    )
    .map_err(|e| AppError::bad(e.to_string()))?;
    let economy = Economy::builder(engine_goods(doc)?)
        .workplace(workplace)
        .build()
        .map_err(|e| AppError::bad(e.to_string()))?;
    let mut state = economy.new_state();
    economy.gather(&doc.prices, &mut state);
    let proposal = economy.workplace_proposal(0, &state);
    produce[y] = proposal.output;
    for (g, z) in proposal.inputs {
        consume[g.index()] += z;
    }
    Ok((produce, consume))
}

/// A council's answer from its members' own proposals: each member's spending per good, at the
/// prices the member answered, gives the council's Cobb-Douglas shares; its budget is its
/// declared budget, or what its members spent. With the prices the members saw, the answer is
/// the sum of their proposals; at new prices, it spends the same shares of the same budget.
pub fn council_answer(
    doc: &PlanDoc,
    name: &str,
    members: &[(Vec<f64>, Vec<f64>)],
    budget: Option<f64>,
) -> Result<Vec<f64>, AppError> {
    let m = doc.goods.len();
    let mut spending = vec![0.0; m];
    for (prices, quantities) in members {
        if prices.len() != m || quantities.len() != m {
            continue;
        }
        for g in 0..m {
            spending[g] += prices[g] * quantities[g];
        }
    }
    let spent: f64 = spending.iter().sum();
    if spent <= 0.0 {
        return Ok(vec![0.0; m]);
    }
    let weights: Vec<(GoodId, f64)> = spending
        .iter()
        .enumerate()
        .filter(|(_, s)| **s > 0.0)
        .map(|(g, s)| (GoodId(g as u32), *s))
        .collect();
    let council = Council::cobb_douglas(name, budget.unwrap_or(spent), weights)
        .map_err(|e| AppError::bad(e.to_string()))?;
    let economy = Economy::builder(engine_goods(doc)?)
        .council(council)
        .build()
        .map_err(|e| AppError::bad(e.to_string()))?;
    let mut state = economy.new_state();
    economy.gather(&doc.prices, &mut state);
    let mut consume = vec![0.0; m];
    for (g, q) in economy.council_proposal(0, &state).quantities {
        consume[g.index()] = q;
    }
    Ok(consume)
}

/// The cost of a bundle at the round's current prices.
pub fn cost(doc: &PlanDoc, quantities: &[f64]) -> f64 {
    doc.prices.iter().zip(quantities).map(|(p, q)| p * q).sum()
}

#[cfg(test)]
mod tests {
    use coopnet_schemas::planning::PlanParticipant;
    use url::Url;

    use crate::features::directory::flows::Flow;

    use super::*;

    fn doc() -> PlanDoc {
        let id = Url::parse("https://board.example/plans/1").unwrap();
        let good = |i: usize, name: &str, kind: &str, available: Option<f64>| PlanGood {
            id: Url::parse(&format!("{id}#good-{i}")).unwrap(),
            kind: "ResourceSpecification".into(),
            name: name.into(),
            unit: "kg".into(),
            good_kind: kind.into(),
            start_price: 1.0,
            available,
        };
        let participant = |n: &str, role| PlanParticipant {
            actor: Url::parse(&format!("https://n.example/coops/{n}")).unwrap(),
            role,
            name: n.into(),
        };
        PlanDoc {
            context: serde_json::Value::Null,
            id: id.clone(),
            kind: "Plan".into(),
            attributed_to: Url::parse("https://board.example/coops/board").unwrap(),
            name: "Test".into(),
            period: "2027".into(),
            plan_status: PlanStatus::Open,
            status_reason: None,
            price_rule: "pequod".into(),
            tolerance: 0.05,
            max_iterations: 100,
            goods: vec![
                good(0, "bread", "final", None),
                good(1, "flour", "intermediate", None),
                good(2, "labour", "labour", Some(2000.0)),
            ],
            participants: vec![
                participant("bakery", ParticipantRole::Workplace),
                participant("mill", ParticipantRole::Workplace),
                participant("north", ParticipantRole::Council),
                participant("south", ParticipantRole::Council),
            ],
            iteration: 1,
            prices: vec![1.0, 1.0, 1.0],
            history: Vec::new(),
            proposals: Vec::new(),
            adopted_iteration: None,
            updated: String::new(),
            to: Vec::new(),
        }
    }

    fn flow(good: &str, quantity: f64) -> Flow {
        Flow::new(good, quantity)
    }

    /// The three-node test economy, answered by every participant's declared response, reaches
    /// a feasible plan: the procedure the nodes run, without the network.
    #[test]
    fn a_small_round_answered_automatically_is_adopted() {
        let bakery = PlanningProfile {
            output: Some(flow("Bread", 1000.0)),
            inputs: vec![
                flow("flour", 700.0),
                flow("labour", 1000.0),
                flow("salt", 5.0),
            ],
            capacity: Some(3.0),
            budget: None,
            ..Default::default()
        };
        let mill = PlanningProfile {
            output: Some(flow("flour", 800.0)),
            inputs: vec![flow("labour", 800.0)],
            capacity: Some(3.0),
            budget: None,
            ..Default::default()
        };
        let north_members = vec![(vec![1.0, 1.0, 1.0], vec![600.0, 0.0, 0.0])];
        let south_members = vec![
            (vec![1.0, 1.0, 1.0], vec![300.0, 0.0, 0.0]),
            (vec![1.0, 1.0, 1.0], vec![200.0, 0.0, 0.0]),
        ];
        let mut doc = doc();
        while doc.plan_status == PlanStatus::Open {
            let (p0, c0) = workplace_answer(&doc, "bakery", &bakery).unwrap();
            let (p1, c1) = workplace_answer(&doc, "mill", &mill).unwrap();
            let north = council_answer(&doc, "north", &north_members, Some(1500.0)).unwrap();
            let south = council_answer(&doc, "south", &south_members, None).unwrap();
            let zero = vec![0.0; 3];
            let proposals = vec![
                summary(&doc, 0, p0, c0),
                summary(&doc, 1, p1, c1),
                summary(&doc, 2, zero.clone(), north),
                summary(&doc, 3, zero, south),
            ];
            doc = next_round(&doc, proposals, String::new()).unwrap();
        }
        assert_eq!(
            doc.plan_status,
            PlanStatus::Adopted,
            "{:?}",
            doc.status_reason
        );
        let last = doc.history.last().unwrap();
        assert!(last.feasible && last.worst_excess <= 0.05);
        assert!(last.demand[0] > 0.0 && last.demand[0] <= last.supply[0]);
        // The councils spend what they said: north its budget, south what its members spent.
        let north = &doc.proposals[2].consume;
        let south = &doc.proposals[3].consume;
        let at_last = |q: &[f64]| -> f64 { last.prices.iter().zip(q).map(|(p, q)| p * q).sum() };
        assert!((at_last(north) - 1500.0).abs() < 1e-6);
        assert!((at_last(south) - 500.0).abs() < 1e-6);
        assert!(doc.history.len() < 40, "{} iterations", doc.history.len());
    }

    fn summary(doc: &PlanDoc, i: usize, produce: Vec<f64>, consume: Vec<f64>) -> ProposalSummary {
        ProposalSummary {
            participant: doc.participants[i].actor.clone(),
            iteration: doc.iteration,
            produce,
            consume,
        }
    }

    #[test]
    fn council_answer_at_the_members_prices_is_their_sum() {
        let doc = doc();
        let members = vec![
            (vec![1.0, 1.0, 1.0], vec![10.0, 0.0, 0.0]),
            (vec![1.0, 1.0, 1.0], vec![5.0, 0.0, 0.0]),
        ];
        let answer = council_answer(&doc, "c", &members, None).unwrap();
        assert!((answer[0] - 15.0).abs() < 1e-9);
        let mut dearer = doc.clone();
        dearer.prices[0] = 2.0;
        let answer = council_answer(&dearer, "c", &members, None).unwrap();
        assert!(
            (answer[0] - 7.5).abs() < 1e-9,
            "same budget, twice the price"
        );
    }

    #[test]
    fn councils_may_not_propose_production_nor_anyone_produce_labour() {
        let doc = doc();
        let council = check_proposal(
            &doc,
            ParticipantRole::Council,
            &[1.0, 0.0, 0.0],
            &[0.0, 0.0, 0.0],
        );
        assert!(council.is_err());
        let labour = check_proposal(
            &doc,
            ParticipantRole::Workplace,
            &[0.0, 0.0, 5.0],
            &[0.0, 0.0, 0.0],
        );
        assert!(labour.is_err());
        let nan = check_proposal(
            &doc,
            ParticipantRole::Workplace,
            &[f64::NAN, 0.0, 0.0],
            &[0.0, 0.0, 0.0],
        );
        assert!(nan.is_err());
        assert!(check_proposal(
            &doc,
            ParticipantRole::Workplace,
            &[3.0, 0.0, 0.0],
            &[0.0, 1.0, 2.0]
        )
        .is_ok());
    }

    #[test]
    fn a_round_out_of_iterations_is_stopped_not_looped() {
        let mut doc = doc();
        doc.max_iterations = 3;
        while doc.plan_status == PlanStatus::Open {
            // Councils ask for bread nobody makes: never feasible.
            let mut consume = vec![0.0; 3];
            consume[0] = 10.0;
            let zero = vec![0.0; 3];
            let proposals = vec![summary(&doc, 2, zero, consume)];
            doc = next_round(&doc, proposals, String::new()).unwrap();
        }
        assert_eq!(doc.plan_status, PlanStatus::Stopped);
        assert_eq!(doc.history.len(), 3);
        assert!(doc
            .history
            .windows(2)
            .all(|w| w[1].prices[0] > w[0].prices[0]));
    }

    #[test]
    fn goods_are_read_one_per_line() {
        let goods = parse_goods("bread, kg, final, 2.5\nlabour, hour, labour, 1, 3000\n").unwrap();
        assert_eq!(goods.len(), 2);
        assert_eq!(goods[1].available, Some(3000.0));
        assert!(parse_goods("bread, kg, cake, 1").is_err());
        assert!(parse_goods("bread, kg").is_err());
    }
}
