//! Planning rounds in the portal: the rounds a person's co-ops take part in, each round's
//! prices, figures per good and chart, what every participant proposed, and the forms to open a
//! round (boards), answer an iteration (participants), propose as a member (councils), close an
//! iteration or stop a round (boards), and declare a co-op's planning profile.
//!
//! A round is shown only to people of its board and of the co-ops taking part; members' own
//! proposals only to the member and the council's administrators.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, Form, Path, Query},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use coopnet_planning::{chart::rounds_svg, PhaseTimes, RoundLog};
use coopnet_schemas::planning::{ParticipantRole, PlanDoc, PlanStatus, ProposalSummary};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::store::now_ms;
use crate::core::web::auth::{Session, User};
use crate::core::web::enc;
use crate::core::web::page;
use crate::core::web::PageResult;
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::coops::CoopKind;
use crate::features::directory::flows::{Flow, PlanningProfile};
use crate::features::planning;
use crate::features::planning::wire::{self as federated, Viewer};
use crate::features::planning::RoundSpec;

pub fn routes() -> Router {
    Router::new()
        .route("/plans", get(list))
        .route("/plans/new", get(new_page).post(open))
        .route("/plans/view", get(view))
        .route("/plans/answer", post(answer))
        .route("/plans/member", post(member))
        .route("/plans/close", post(close))
        .route("/plans/stop", post(stop))
        .route(
            "/admin/{handle}/planning",
            get(profile_page).post(save_profile),
        )
        .route("/admin/{handle}/members", post(add_member))
}

fn number(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

fn percent(x: f64) -> String {
    format!("{:+.1}%", x * 100.0)
}

fn status_text(doc: &PlanDoc) -> String {
    match doc.plan_status {
        PlanStatus::Open => format!("Open: iteration {} is taking proposals", doc.iteration),
        PlanStatus::Adopted => format!(
            "Adopted: the plan of iteration {}",
            doc.adopted_iteration.unwrap_or(doc.iteration)
        ),
        PlanStatus::Stopped => "Stopped without a plan".into(),
    }
}

async fn list(data: Data<AppState>, User(session): User) -> PageResult {
    let result = async {
        let mut rounds = Vec::new();
        for row in data.db.plan_rounds().await? {
            let doc = federated::parse_doc(&row)?;
            if federated::viewer(&data, &session.user, &doc).await?.may_see() {
                rounds.push(doc);
            }
        }
        let boards: Vec<KnownActor> = crate::features::coops::coops_of(&data.db, &session.user)
            .await?
            .into_iter()
            .map(|r| crate::core::federation::convert::local_actor(&r, &data.settings))
            .filter(|a| a.coop_kind.as_deref() == Some(CoopKind::FacilitationBoard.as_str()))
            .collect();
        Ok::<_, AppError>(html! {
            h1 { "Planning rounds" }
            p.hint { "Rounds your co-ops take part in, and those your facilitation boards run." }
            @for b in &boards {
                p { a.button href={"/plans/new?board=" (enc(&b.username))} { "Open a round for " (b.name) } }
            }
            @if rounds.is_empty() { p.card { "No planning rounds yet." } }
            ul {
                @for doc in &rounds {
                    li {
                        a href={"/plans/view?id=" (enc(doc.id.as_str()))} { (doc.name) " (" (doc.period) ")" }
                        " · " span.meta { (status_text(doc)) }
                    }
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Planning rounds", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    board: String,
}

async fn new_page(
    data: Data<AppState>,
    User(session): User,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let board = acting_coop(&data, &session, &q.board).await?;
        Ok::<_, AppError>(html! {
            h1 { "Open a planning round" }
            p.hint { "For " (board.name) ". Every participant receives the round and each iteration's prices; the round ends when the plan is feasible." }
            form.card method="post" action="/plans/new" {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="board" value=(board.username);
                label for="name" { "Name" }
                input id="name" name="name" required maxlength="200";
                label for="period" { "Period" }
                input id="period" name="period" required maxlength="100" placeholder="2027, first quarter";
                label for="goods" { "Goods" }
                p.hint id="goods-hint" {
                    "One per line: name, unit, kind, start price and, for natural resources, labour and capital services, the amount available. "
                    "Kinds: final, intermediate, natural-resource, labour, capital-services, import (its start price is its outside price)."
                }
                textarea id="goods" name="goods" required aria-describedby="goods-hint" rows="6" {}
                label for="participants" { "Participants" }
                p.hint id="participants-hint" { "Consumer councils and workplaces on any node, one handle per line, like @bakery@example.org." }
                textarea id="participants" name="participants" required aria-describedby="participants-hint" rows="5" {}
                label for="rule" { "Price rule" }
                select id="rule" name="rule" {
                    option value="pequod" selected { "Pequod: w = v(1.05 − 0.5^v), v capped at 0.25" }
                    option value="multiplicative" { "Multiplicative, with a decreasing step" }
                }
                label for="tolerance" { "Adopt when feasible with no good more out of balance than (%)" }
                input id="tolerance" name="tolerance" type="number" min="0.1" max="50" step="0.1" value="5";
                label for="max_iterations" { "At most this many iterations" }
                input id="max_iterations" name="max_iterations" type="number" min="1" max="200" value="100";
                p { button type="submit" { "Open the round" } }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Open a planning round", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    csrf: String,
    board: String,
    name: String,
    period: String,
    goods: String,
    participants: String,
    rule: String,
    tolerance: String,
    max_iterations: String,
}

async fn open(data: Data<AppState>, User(session): User, Form(form): Form<OpenForm>) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let board = acting_coop(&data, &session, &form.board).await?;
        let tolerance: f64 = form
            .tolerance
            .trim()
            .parse()
            .map_err(|_| AppError::bad("the tolerance is a number of per cent"))?;
        let spec = RoundSpec {
            name: form.name,
            period: form.period,
            goods: planning::parse_goods(&form.goods)?,
            participants: form
                .participants
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            rule: form.rule.parse().map_err(AppError::bad)?,
            tolerance: tolerance / 100.0,
            max_iterations: form
                .max_iterations
                .trim()
                .parse()
                .map_err(|_| AppError::bad("the most iterations is a whole number"))?,
        };
        federated::open_round(&data, &board, &spec).await
    }
    .await;
    let id = result?;
    Ok(Redirect::to(&format!("/plans/view?id={}", enc(id.as_str()))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RoundQuery {
    id: String,
}

/// The round's history as the engine's round logs, for its chart.
fn round_logs(doc: &PlanDoc) -> Vec<RoundLog> {
    doc.history
        .iter()
        .map(|l| RoundLog {
            round: l.iteration,
            prices: l.prices.clone(),
            supply: l.supply.clone(),
            demand: l.demand.clone(),
            excess: l.excess.clone(),
            worst_excess: l.worst_excess,
            worst_good: None,
            short_goods: l.excess.iter().filter(|e| **e > 0.0).count(),
            feasible: l.feasible,
            welfare: 0.0,
            times: PhaseTimes::default(),
        })
        .collect()
}

/// The part of a round page every node shows the same way: status, goods, chart, proposals.
pub fn round_section(doc: &PlanDoc) -> Result<Markup, AppError> {
    let last = doc.history.last();
    let chart = if doc.history.is_empty() {
        None
    } else {
        let goods = planning::engine_goods(doc)?;
        Some(rounds_svg(&goods, &round_logs(doc), &doc.name))
    };
    let name_of = |p: &ProposalSummary| {
        doc.participant(p.participant.as_str())
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let plan_title = match doc.plan_status {
        PlanStatus::Adopted => "The adopted plan",
        _ => "Proposals of the last closed iteration",
    };
    Ok(html! {
        section id="round" {
            p.status { strong { (status_text(doc)) } }
            @if let Some(reason) = &doc.status_reason { p { (reason) } }
            p.meta {
                "Period " (doc.period) " · price rule " (doc.price_rule)
                " · adopted when feasible within " (format!("{:.1}%", doc.tolerance * 100.0))
                " · at most " (doc.max_iterations) " iterations"
            }
            h2 { "Goods" }
            table {
                thead { tr {
                    th scope="col" { "Good" } th scope="col" { "Kind" }
                    th scope="col" { "Price now (credits per unit)" }
                    th scope="col" { "Supply" } th scope="col" { "Demand" } th scope="col" { "Excess demand" }
                } }
                tbody {
                    @for (g, good) in doc.goods.iter().enumerate() {
                        tr {
                            th scope="row" { (good.name) " (" (good.unit) ")" }
                            td { (good.good_kind) }
                            td { (number(doc.prices[g])) }
                            @if let Some(l) = last {
                                td { (number(l.supply[g])) } td { (number(l.demand[g])) } td { (percent(l.excess[g])) }
                            } @else { td { "–" } td { "–" } td { "–" } }
                        }
                    }
                }
            }
            @if let Some(svg) = &chart {
                figure {
                    div.chart role="img" aria-label="Worst excess demand per iteration, and price paths" { (PreEscaped(svg)) }
                    figcaption { "Worst relative excess demand per iteration (top) and how prices moved (bottom)." }
                }
                h2 { "Iterations" }
                table {
                    thead { tr {
                        th scope="col" { "Iteration" } th scope="col" { "Worst excess" } th scope="col" { "Feasible" }
                        @for good in &doc.goods { th scope="col" { "Price of " (good.name) } }
                    } }
                    tbody {
                        @for l in &doc.history {
                            tr {
                                th scope="row" { (l.iteration) }
                                td { (format!("{:.2}%", l.worst_excess * 100.0)) }
                                td { @if l.feasible { "yes" } @else { "no" } }
                                @for p in &l.prices { td { (number(*p)) } }
                            }
                        }
                    }
                }
            }
            h2 { (plan_title) }
            @if doc.proposals.is_empty() { p { "No iteration has closed yet." } } @else {
                table {
                    thead { tr {
                        th scope="col" { "Participant" } th scope="col" { "Role" }
                        @for good in &doc.goods { th scope="col" { (good.name) } }
                    } }
                    tbody {
                        @for p in &doc.proposals {
                            tr {
                                th scope="row" { (name_of(p)) }
                                td { (doc.participant(p.participant.as_str()).map(|x| x.role.as_str()).unwrap_or("")) }
                                @for g in 0..doc.goods.len() {
                                    td {
                                        @if p.produce[g] > 0.0 { "makes " (number(p.produce[g])) }
                                        @if p.produce[g] > 0.0 && p.consume[g] > 0.0 { ", " }
                                        @if p.consume[g] > 0.0 { "uses " (number(p.consume[g])) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Participants" }
            ul {
                @for p in &doc.participants {
                    li { (p.name) " (" (p.role.as_str()) ") · " span.meta { (p.actor.as_str()) } }
                }
            }
        }
    })
}

fn quantity_inputs(doc: &PlanDoc, prefix: &str, values: &[f64], label: &str) -> Markup {
    html! {
        @for (g, good) in doc.goods.iter().enumerate() {
            label for={(prefix) (g)} { (label) " " (good.name) " (" (good.unit) ", " (number(doc.prices[g])) " credits each)" }
            input id={(prefix) (g)} name={(prefix) (g)} type="number" min="0" step="any" value=(number(values.get(g).copied().unwrap_or(0.0)));
        }
    }
}

async fn round_page(
    data: &AppState,
    session: &Session,
    id: &str,
) -> Result<(String, Markup), AppError> {
    let (row, doc) = federated::round(data, id).await?;
    let viewer = federated::viewer(data, &session.user, &doc).await?;
    if !viewer.may_see() {
        return Err(AppError::NotFound);
    }
    let open = doc.plan_status == PlanStatus::Open;
    let locals = data.db.local_participants(&row.id).await?;
    let mut answer_forms = Vec::new();
    for coop in &viewer.acts_for {
        let role = doc
            .participant(coop.id.as_str())
            .map(|p| p.role)
            .unwrap_or(ParticipantRole::Council);
        let auto = locals
            .iter()
            .find(|l| l.actor_id == coop.id.as_str())
            .is_some_and(|l| l.auto_answer == 1);
        let answered = locals
            .iter()
            .find(|l| l.actor_id == coop.id.as_str())
            .is_some_and(|l| l.last_answered >= i64::from(doc.iteration));
        let (produce, consume) = federated::automatic_answer(data, &doc, coop)
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| (vec![0.0; doc.goods.len()], vec![0.0; doc.goods.len()]));
        let members = if role == ParticipantRole::Council {
            data.db.member_proposals(&row.id, coop.id.as_str()).await?
        } else {
            Vec::new()
        };
        answer_forms.push(html! {
            section.card {
                h2 { "Answer for " (coop.name) }
                p {
                    @if auto { "Answered automatically" } @else { "Answered by hand" }
                    @if answered { " · iteration " (doc.iteration) " is answered" } @else { " · iteration " (doc.iteration) " is not answered yet" }
                }
                @if role == ParticipantRole::Council && !members.is_empty() {
                    h3 { "Members' own proposals (private to the council)" }
                    table {
                        thead { tr { th scope="col" { "Member" } th scope="col" { "Iteration" } @for good in &doc.goods { th scope="col" { (good.name) } } } }
                        tbody {
                            @for m in &members {
                                @let q: Vec<f64> = serde_json::from_str(&m.quantities).unwrap_or_default();
                                tr { th scope="row" { (m.username) } td { (m.iteration) } @for v in &q { td { (number(*v)) } } }
                            }
                        }
                    }
                }
                @if open {
                    form method="post" action="/plans/answer" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="round" value=(doc.id.as_str());
                        input type="hidden" name="coop" value=(coop.username);
                        p.hint { "Prefilled with what " (coop.name) " would answer by itself at these prices." }
                        @if role == ParticipantRole::Workplace { (quantity_inputs(&doc, "make", &produce, "Make")) }
                        (quantity_inputs(&doc, "use", &consume, "Use"))
                        p {
                            button type="submit" name="how" value="hand" { "Send this answer" }
                            " "
                            button type="submit" name="how" value="auto" { "Answer automatically from now on" }
                        }
                    }
                }
            }
        });
    }
    let mut member_forms = Vec::new();
    for council in &viewer.member_of {
        let mine = data
            .db
            .member_proposals(&row.id, council.id.as_str())
            .await?
            .into_iter()
            .find(|m| m.user_id == session.user.id);
        let values: Vec<f64> = mine
            .as_ref()
            .and_then(|m| serde_json::from_str(&m.quantities).ok())
            .unwrap_or_default();
        member_forms.push(html! {
            section.card {
                h2 { "Your own proposal to " (council.name) }
                p.hint { "Only you and the council's administrators see it; the council adds its members' proposals up." }
                @if let Some(m) = &mine { p { "You last proposed at iteration " (m.iteration) "." } }
                @if open {
                    form method="post" action="/plans/member" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="round" value=(doc.id.as_str());
                        input type="hidden" name="council" value=(council.username);
                        (quantity_inputs(&doc, "use", &values, "I would use"))
                        p { button type="submit" { "Save my proposal" } }
                    }
                }
            }
        });
    }
    let board_forms = match (&viewer.board, open) {
        (Some(_), true) => {
            let received = data
                .db
                .latest_plan_proposals(&row.id, i64::from(doc.iteration))
                .await?;
            let answered: Vec<_> = received
                .iter()
                .filter(|r| r.iteration == i64::from(doc.iteration))
                .collect();
            Some(html! {
                section.card {
                    h2 { "Facilitation" }
                    p { (answered.len()) " of " (doc.participants.len()) " participants have answered iteration " (doc.iteration) "." }
                    table {
                        thead { tr { th scope="col" { "Participant" } th scope="col" { "Answered" } @for good in &doc.goods { th scope="col" { (good.name) } } } }
                        tbody {
                            @for p in &doc.participants {
                                @let r = received.iter().find(|r| r.participant_id == p.actor.as_str());
                                @let produce: Vec<f64> = r.and_then(|r| serde_json::from_str(&r.produce).ok()).unwrap_or_default();
                                @let consume: Vec<f64> = r.and_then(|r| serde_json::from_str(&r.consume).ok()).unwrap_or_default();
                                tr {
                                    th scope="row" { (p.name) }
                                    td { @match r { Some(r) => { "iteration " (r.iteration) }, None => { "not yet" } } }
                                    @for g in 0..doc.goods.len() {
                                        td { (number(produce.get(g).copied().unwrap_or(0.0) - consume.get(g).copied().unwrap_or(0.0))) }
                                    }
                                }
                            }
                        }
                    }
                    p.hint { "Figures are what each participant makes minus what it uses." }
                    form method="post" action="/plans/close" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="round" value=(doc.id.as_str());
                        p { button type="submit" { "Close this iteration now" } }
                        p.hint { "Participants that have not answered count with their last answer." }
                    }
                    form method="post" action="/plans/stop" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="round" value=(doc.id.as_str());
                        label for="reason" { "Reason for stopping" }
                        input id="reason" name="reason" maxlength="500";
                        p { button type="submit" { "Stop the round without a plan" } }
                    }
                }
            })
        }
        _ => None,
    };
    let body = html! {
        h1 { (doc.name) }
        p.meta { "Run by " (doc.participant(doc.attributed_to.as_str()).map(|p| p.name.clone()).unwrap_or_else(|| doc.attributed_to.to_string())) }
        (round_section(&doc)?)
        @if let Some(f) = board_forms { (f) }
        @for f in &answer_forms { (f) }
        @for f in &member_forms { (f) }
        p { a href="/plans" { "All planning rounds" } }
    };
    Ok((doc.name.clone(), body))
}

async fn view(
    data: Data<AppState>,
    User(session): User,
    query: Result<Query<RoundQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        round_page(&data, &session, q.id.trim()).await
    }
    .await;
    let (title, body) = result?;
    Ok(page(&data, &title, Some(&session), body))
}

/// Reads `prefix0`, `prefix1`, … as one quantity per good; a missing field is zero.
fn quantities(
    fields: &[(String, String)],
    prefix: &str,
    goods: usize,
) -> Result<Vec<f64>, AppError> {
    let mut values = vec![0.0; goods];
    for (name, value) in fields {
        let Some(index) = name.strip_prefix(prefix) else {
            continue;
        };
        let Ok(g) = index.parse::<usize>() else {
            continue;
        };
        if g >= goods {
            return Err(AppError::bad(
                "a quantity names a good the round does not plan",
            ));
        }
        let value = value.trim();
        values[g] = if value.is_empty() {
            0.0
        } else {
            value
                .parse()
                .map_err(|_| AppError::bad(format!("{value:?} is not a quantity")))?
        };
    }
    Ok(values)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Result<&'a str, AppError> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .ok_or_else(|| AppError::bad(format!("the form has no {name}")))
}

/// Checks the form's CSRF token and finds the round, which the person must be able to see.
async fn form_round(
    data: &AppState,
    session: &Session,
    fields: &[(String, String)],
) -> Result<(PlanDoc, Viewer), AppError> {
    session.check_csrf(field(fields, "csrf")?)?;
    let (_, doc) = federated::round(data, field(fields, "round")?).await?;
    let viewer = federated::viewer(data, &session.user, &doc).await?;
    if !viewer.may_see() {
        return Err(AppError::NotFound);
    }
    Ok((doc, viewer))
}

fn back_to(doc: &PlanDoc) -> Response {
    Redirect::to(&format!("/plans/view?id={}", enc(doc.id.as_str()))).into_response()
}

async fn answer(
    data: Data<AppState>,
    User(session): User,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let result = async {
        let (doc, viewer) = form_round(&data, &session, &fields).await?;
        let coop = field(&fields, "coop")?;
        let coop = viewer
            .acts_for
            .iter()
            .find(|c| c.username == coop)
            .ok_or_else(|| AppError::Forbidden("you may not answer for that co-op".into()))?;
        if field(&fields, "how")? == "auto" {
            federated::answer_automatically(&data, &doc, coop).await?;
        } else {
            let m = doc.goods.len();
            let produce = quantities(&fields, "make", m)?;
            let consume = quantities(&fields, "use", m)?;
            federated::manual_answer(&data, &doc, coop, produce, consume).await?;
        }
        Ok::<_, AppError>(doc)
    }
    .await;
    let doc = result?;
    Ok(back_to(&doc))
}

async fn member(
    data: Data<AppState>,
    User(session): User,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let result = async {
        let (doc, viewer) = form_round(&data, &session, &fields).await?;
        let council = field(&fields, "council")?;
        let council = viewer
            .member_of
            .iter()
            .find(|c| c.username == council)
            .ok_or_else(|| AppError::Forbidden("you are not a member of that council".into()))?;
        let consume = quantities(&fields, "use", doc.goods.len())?;
        federated::member_proposal(&data, &doc, council, session.user.id, consume).await?;
        Ok::<_, AppError>(doc)
    }
    .await;
    let doc = result?;
    Ok(back_to(&doc))
}

async fn close(
    data: Data<AppState>,
    User(session): User,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let result = async {
        let (doc, viewer) = form_round(&data, &session, &fields).await?;
        if viewer.board.is_none() {
            return Err(AppError::Forbidden(
                "only the round's board closes iterations".into(),
            ));
        }
        federated::close_iteration(&data, doc.id.as_str(), true).await?;
        Ok(doc)
    }
    .await;
    let doc = result?;
    Ok(back_to(&doc))
}

async fn stop(
    data: Data<AppState>,
    User(session): User,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let result = async {
        let (doc, viewer) = form_round(&data, &session, &fields).await?;
        if viewer.board.is_none() {
            return Err(AppError::Forbidden(
                "only the round's board stops it".into(),
            ));
        }
        let reason = fields
            .iter()
            .find(|(k, _)| k == "reason")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        federated::stop_round(&data, doc.id.as_str(), reason).await?;
        Ok(doc)
    }
    .await;
    let doc = result?;
    Ok(back_to(&doc))
}

async fn profile_page(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let profile = crate::features::directory::flows::profile_of(&data, coop.id.as_str()).await?;
        let members = data.db.coop_member_names(coop.id.as_str()).await?;
        let inputs = PlanningProfile::write_flows(&profile.inputs);
        let other_outputs = PlanningProfile::write_flows(&profile.other_outputs);
        let action = format!("/admin/{}/planning", coop.username);
        Ok::<_, AppError>(html! {
            h1 { "Planning profile of " (coop.name) }
            p.hint { "What " (coop.name) " answers planning rounds with when it answers automatically." }
            form.card method="post" action=(action) {
                input type="hidden" name="csrf" value=(session.csrf);
                @if coop.coop_kind.as_deref() == Some("workplace") {
                    label for="output_good" { "Output (a good's name as rounds name it)" }
                    input id="output_good" name="output_good" value=(profile.output.as_ref().map(|o| o.good.as_str()).unwrap_or(""));
                    label for="output_quantity" { "Output per period" }
                    input id="output_quantity" name="output_quantity" type="number" min="0" step="any" value=(profile.output.as_ref().map(|o| o.quantity).unwrap_or(0.0));
                    label for="output_unit" { "Unit of the output" }
                    input id="output_unit" name="output_unit" value=(profile.output.as_ref().and_then(|o| o.unit.as_deref()).unwrap_or(""));
                    label for="inputs" { "Inputs per period for that output" }
                    p.hint id="inputs-hint" { "One per line: good, quantity and, if you like, unit and category (natural-resource, capital, labour, material or other). The co-op's public profile shows them." }
                    textarea id="inputs" name="inputs" aria-describedby="inputs-hint" rows="5" { (inputs) }
                    label for="other_outputs" { "Other outputs per period" }
                    p.hint id="other-outputs-hint" { "Shown on the profile; planning rounds use the output above. One per line, as the inputs." }
                    textarea id="other_outputs" name="other_outputs" aria-describedby="other-outputs-hint" rows="3" { (other_outputs) }
                    label for="capacity" { "Capacity, as a multiple of the output" }
                    input id="capacity" name="capacity" type="number" min="1" max="10" step="any" value=(profile.capacity.unwrap_or(1.25));
                } @else {
                    label for="budget" { "Budget of credits per period" }
                    input id="budget" name="budget" type="number" min="0" step="any" value=(profile.budget.map(|b| b.to_string()).unwrap_or_default());
                }
                p { button type="submit" { "Save" } }
            }
            section.card {
                h2 { "Members" }
                ul { @for m in &members { li { (m) } } }
                form method="post" action={"/admin/" (coop.username) "/members"} {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="username" { "Add a member of this node by user name" }
                    input id="username" name="username" required;
                    p { button type="submit" { "Add member" } }
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Planning profile", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    csrf: String,
    #[serde(default)]
    output_good: String,
    #[serde(default)]
    output_quantity: String,
    #[serde(default)]
    output_unit: String,
    #[serde(default)]
    inputs: String,
    #[serde(default)]
    other_outputs: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    budget: String,
}

fn optional_number(value: &str, what: &str) -> Result<Option<f64>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| AppError::bad(format!("the {what} is not a number")))
}

async fn save_profile(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ProfileForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        let output = match optional_number(&form.output_quantity, "output")? {
            Some(q) if q > 0.0 && !form.output_good.trim().is_empty() => Some(Flow {
                good: form.output_good.trim().to_string(),
                quantity: q,
                unit: Some(form.output_unit.trim().to_string()).filter(|u| !u.is_empty()),
                category: None,
            }),
            _ => None,
        };
        let profile = PlanningProfile {
            output,
            inputs: PlanningProfile::parse_flows(&form.inputs)?,
            other_outputs: PlanningProfile::parse_flows(&form.other_outputs)?,
            capacity: optional_number(&form.capacity, "capacity")?,
            budget: optional_number(&form.budget, "budget")?,
        };
        save(&data, &coop, &profile).await?;
        Ok::<_, AppError>(coop)
    }
    .await;
    let coop = result?;
    Ok(Redirect::to(&format!("/admin/{}/planning", coop.username)).into_response())
}

pub async fn save(
    data: &AppState,
    coop: &KnownActor,
    profile: &PlanningProfile,
) -> Result<(), AppError> {
    profile.check()?;
    data.db
        .set_planning_profile(coop.id.as_str(), &serde_json::to_string(profile)?, now_ms())
        .await?;
    // Inputs and outputs are part of the co-op's public profile too.
    crate::features::directory::wire::refresh_profile(data, coop).await
}

#[derive(Debug, Deserialize)]
pub struct MemberForm {
    csrf: String,
    username: String,
}

async fn add_member(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        let user = data
            .db
            .user_by_username(form.username.trim())
            .await?
            .ok_or_else(|| AppError::bad("no such user on this node"))?;
        data.db
            .add_coop_member(coop.id.as_str(), user.id, now_ms())
            .await?;
        Ok::<_, AppError>(coop)
    }
    .await;
    let coop = result?;
    Ok(Redirect::to(&format!("/admin/{}/planning", coop.username)).into_response())
}
