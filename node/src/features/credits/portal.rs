//! Credits in the portal: a member's balance and history, sending credits, and for those who act
//! for a co-op, its balance and history (what orders paid it), its remuneration rule and the
//! work it pays income for.
//!
//! A ledger is shown to its owner only; the page needs a login.

use activitypub_federation::config::Data;
use axum::{
    extract::{Form, Path},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::text::format_minor;
use crate::core::web::auth::{Session, User};
use crate::core::web::enc;
use crate::core::web::PageResult;
use crate::core::web::{error_page, human_time, page};
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::credits::store::{account, HistoryRow};
use crate::features::credits::WorkInput;
use crate::features::{coops, credits};

pub fn routes() -> Router {
    Router::new()
        .route("/credits", get(credits_page))
        .route("/credits/transfer", post(transfer))
        .route("/credits/coops/{handle}/rule", post(set_rule))
        .route("/credits/coops/{handle}/work", post(record_work))
}

async fn coop_section(
    data: &AppState,
    session: &Session,
    coop_id: &str,
) -> Result<Markup, AppError> {
    let Some(coop) = crate::core::federation::stored_actor(data, coop_id).await? else {
        return Ok(html! {});
    };
    let rule = data.db.remuneration_rule(coop_id).await?;
    let members = data.db.coop_members(coop_id).await?;
    let work = data.db.work_records(coop_id, 20).await?;
    let handle = &coop.username;
    let ledger = credits::ledger(data, account::COOP, coop_id).await?;
    let mut rows = Vec::with_capacity(ledger.entries.len());
    for e in &ledger.entries {
        rows.push((credits::other_party(data, e).await?, e));
    }
    let rule_name = rule.as_ref().map(|r| r.rule.as_str()).unwrap_or("hours");
    Ok(html! {
        section.card {
            h2 { "Credits of " (coop.name) }
            p { "Balance: " strong.total { (format_minor(ledger.balance)) " credits" } }
            details {
                summary { "History of " (coop.name) "'s account" }
                (history(&rows))
            }
            h3 { "Paying members" }
            @match &rule {
                Some(r) => p { "Pays by " strong { (if r.rule == "effort" { "hours × effort rating" } else { "hours worked" }) }
                               " at " strong { (format_minor(r.rate_minor)) " credits an hour" } "." },
                None => p.notice { "No remuneration rule yet: record one before paying income." },
            }
            form method="post" action={ "/credits/coops/" (handle) "/rule" } {
                input type="hidden" name="csrf" value=(session.csrf);
                label for={ "rule-" (handle) } { "Remuneration rule" }
                select id={ "rule-" (handle) } name="rule" {
                    option value="hours" selected[rule_name == "hours"] { "By hours worked" }
                    option value="effort" selected[rule_name == "effort"] { "By hours × effort rating (0.5 to 2.0)" }
                }
                label for={ "rate-" (handle) } { "Credits per hour" }
                input type="text" inputmode="decimal" id={ "rate-" (handle) } name="rate"
                    value=(rule.as_ref().map(|r| format_minor(r.rate_minor)).unwrap_or_default()) required;
                p { button type="submit" { "Record the rule" } }
            }
            @if rule.is_some() {
                form method="post" action={ "/credits/coops/" (handle) "/work" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for={ "member-" (handle) } { "Member" }
                    select id={ "member-" (handle) } name="member" required {
                        @for (_, name, _) in &members { option value=(name) { (name) } }
                    }
                    label for={ "period-" (handle) } { "Period" }
                    input type="text" id={ "period-" (handle) } name="period" placeholder="2025-05" maxlength="40" required;
                    label for={ "hours-" (handle) } { "Hours worked" }
                    input type="text" inputmode="decimal" id={ "hours-" (handle) } name="hours" required;
                    @if rule_name == "effort" {
                        label for={ "effort-" (handle) } { "Effort rating (0.5 to 2.0)" }
                        input type="text" inputmode="decimal" id={ "effort-" (handle) } name="effort" value="1.0" required;
                    }
                    p { button type="submit" { "Record work and pay" } }
                }
            }
            @if !work.is_empty() {
                h3 { "Recently paid" }
                div.scroll { table {
                    thead { tr { th { "Member" } th { "Period" } th { "Hours" } th { "Effort" } th { "Paid" } } }
                    tbody { @for w in &work { tr {
                        td { (members.iter().find(|m| m.2 == w.member_id).map(|m| m.1.as_str()).unwrap_or(&w.member_id)) }
                        td { (w.period) }
                        td { (format_minor(w.hours_centi)) }
                        td { (format_minor(w.effort_centi)) }
                        td { (format_minor(w.amount)) }
                    } } }
                } }
            }
        }
    })
}

/// An account's entries: a table, or a line saying there are none. Credits held for, paid for
/// or given back for an order link to it.
fn history(rows: &[(String, &HistoryRow)]) -> Markup {
    html! {
        @if rows.is_empty() {
            p { "Nothing yet." }
        } @else {
            div.scroll { table {
                thead { tr { th { "When" } th { "With" } th { "Memo" } th { "Credits" } th { "State" } } }
                tbody { @for (other, e) in rows { tr {
                    td { (human_time(e.created_at)) }
                    td { (other) }
                    td {
                        (e.memo)
                        @if let Some(order) = &e.order_id {
                            " " a href=(format!("/orders/view?id={}", enc(order))) { (order_label(&e.kind)) }
                        }
                    }
                    td { @if e.amount > 0 { "+" } (format_minor(e.amount)) }
                    td { (e.state) }
                } } }
            } }
        }
    }
}

/// What an order's transfer did, as a link's words.
fn order_label(kind: &str) -> &'static str {
    match kind {
        "hold" => "(held for the order)",
        "payment" | "federated-out" | "federated-in" => "(payment for the order)",
        "release" => "(given back: the order ended unpaid)",
        "refund" => "(refund of the order)",
        _ => "(the order)",
    }
}

async fn body(
    data: &Data<AppState>,
    session: &Session,
    notice: Option<&str>,
) -> Result<Markup, AppError> {
    let ledger = credits::ledger(data, account::MEMBER, &session.user.actor_id).await?;
    let mut rows = Vec::with_capacity(ledger.entries.len());
    for e in &ledger.entries {
        rows.push((credits::other_party(data, e).await?, e));
    }
    let mut sections = Vec::new();
    for coop in coops::coops_of(&data.db, &session.user).await? {
        sections.push(coop_section(data, session, &coop.id).await?);
    }
    Ok(html! {
        h1 { "Credits" }
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        p { "Your balance: " strong.total { (format_minor(ledger.balance)) " credits" } }
        section.card {
            h2 { "Send credits" }
            form method="post" action="/credits/transfer" {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="to" { "To" }
                p.hint { "A name on this node, or a handle such as @ana@other.node." }
                input type="text" id="to" name="to" required;
                label for="amount" { "Credits" }
                input type="text" inputmode="decimal" id="amount" name="amount" placeholder="12.50" required;
                label for="memo" { "Memo" }
                input type="text" id="memo" name="memo" maxlength="500";
                p { button type="submit" { "Send" } }
            }
        }
        h2 { "History" }
        (history(&rows))
        @for s in &sections { (s) }
    })
}

async fn show(data: &Data<AppState>, session: &Session, notice: Option<&str>) -> Response {
    match body(data, session, notice).await {
        Ok(b) => page(data, "Credits", Some(session), b),
        Err(e) => error_page(data, Some(session), e),
    }
}

pub async fn credits_page(data: Data<AppState>, User(session): User) -> Response {
    show(&data, &session, None).await
}

#[derive(Deserialize)]
pub struct TransferForm {
    csrf: String,
    to: String,
    amount: String,
    #[serde(default)]
    memo: String,
}

pub async fn transfer(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<TransferForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        credits::transfer(&data, &session.user, &form.to, &form.amount, &form.memo).await
    }
    .await;
    result?;
    Ok(Redirect::to("/credits").into_response())
}

#[derive(Deserialize)]
pub struct RuleForm {
    csrf: String,
    rule: String,
    rate: String,
}

pub async fn set_rule(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<RuleForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        credits::set_rule(&data, &coop, &form.rule, &form.rate).await
    }
    .await;
    result?;
    Ok(show(&data, &session, Some("The remuneration rule is recorded.")).await)
}

#[derive(Deserialize)]
pub struct WorkForm {
    csrf: String,
    member: String,
    period: String,
    hours: String,
    effort: Option<String>,
}

pub async fn record_work(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<WorkForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        credits::record_work(
            &data,
            &coop,
            &session.user,
            WorkInput {
                member: &form.member,
                period: &form.period,
                hours: &form.hours,
                effort: form.effort.as_deref(),
            },
        )
        .await
    }
    .await;
    match result {
        Ok(paid) => {
            let notice = format!("Paid {} credits.", format_minor(paid.amount));
            show(&data, &session, Some(&notice)).await
        }
        Err(e) => error_page(&data, Some(&session), e),
    }
}
