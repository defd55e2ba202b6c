//! Credits in the JSON API: a member's balance and entries, transfers, a co-op's remuneration
//! rule and the work it pays income for. A ledger is shown only to its owner.

use activitypub_federation::config::Data;
use axum::{
    extract::Path,
    http::StatusCode,
    routing::{get, post, put},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::core::store::rfc3339;
use crate::core::text::format_minor;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::coops::api::acting;
use crate::features::credits;
use crate::features::credits::store::account;
use crate::features::credits::WorkInput;

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/credits", get(my_credits))
        .route("/api/v1/credits/transfers", post(transfer))
        .route(
            "/api/v1/coops/{handle}/remuneration",
            put(set_rule).get(rule),
        )
        .route("/api/v1/coops/{handle}/income", post(record_work))
        .route("/api/v1/coops/{handle}/credits", get(coop_credits))
}

#[derive(Serialize)]
pub struct EntryView {
    pub transfer: String,
    /// Signed: credits in are positive, credits out negative.
    pub amount: String,
    pub amount_minor: i64,
    pub kind: String,
    pub state: String,
    pub memo: String,
    pub other_party: String,
    /// The order the credits were held for, paid for or given back for.
    pub order: Option<String>,
    pub at: String,
}

#[derive(Serialize)]
pub struct LedgerView {
    pub account: String,
    pub balance: String,
    pub balance_minor: i64,
    pub entries: Vec<EntryView>,
}

async fn my_credits(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<LedgerView> {
    Ok(Json(
        ledger_view(&data, account::MEMBER, &user.actor_id).await?,
    ))
}

/// A co-op's own account (what its members' orders paid it, for a workplace), for those who
/// may act for it.
async fn coop_credits(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<LedgerView> {
    let coop = acting(&data, &user, &handle).await?;
    Ok(Json(
        ledger_view(&data, account::COOP, coop.id.as_str()).await?,
    ))
}

async fn ledger_view(
    data: &AppState,
    kind: &str,
    owner: &str,
) -> Result<LedgerView, crate::core::error::AppError> {
    let ledger = credits::ledger(data, kind, owner).await?;
    let mut entries = Vec::with_capacity(ledger.entries.len());
    for e in ledger.entries {
        entries.push(EntryView {
            other_party: credits::other_party(data, &e).await?,
            transfer: e.transfer_id,
            amount: format_minor(e.amount),
            amount_minor: e.amount,
            kind: e.kind,
            state: e.state,
            memo: e.memo,
            order: e.order_id,
            at: rfc3339(e.created_at),
        });
    }
    Ok(LedgerView {
        account: owner.to_string(),
        balance: format_minor(ledger.balance),
        balance_minor: ledger.balance,
        entries,
    })
}

#[derive(Deserialize)]
pub struct TransferRequest {
    /// `@name@host`, or a name on this node.
    pub to: String,
    pub amount: String,
    #[serde(default)]
    pub memo: String,
}

#[derive(Serialize)]
pub struct TransferView {
    pub id: String,
    pub state: String,
    pub amount: String,
    pub recipient: String,
}

async fn transfer(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<TransferRequest>,
) -> Result<(StatusCode, Json<TransferView>), ApiError> {
    let sent = credits::transfer(&data, &user, &body.to, &body.amount, &body.memo).await?;
    Ok((
        StatusCode::CREATED,
        Json(TransferView {
            id: sent.id,
            state: sent.state,
            amount: format_minor(sent.amount),
            recipient: sent.recipient,
        }),
    ))
}

#[derive(Deserialize)]
pub struct RuleRequest {
    /// `hours` or `effort`.
    pub rule: String,
    /// Credits per hour, such as "15.00".
    pub rate: String,
}

#[derive(Serialize)]
pub struct RuleView {
    pub rule: String,
    pub rate: String,
    pub updated: String,
}

async fn set_rule(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<RuleRequest>,
) -> ApiResult<RuleView> {
    let coop = acting(&data, &user, &handle).await?;
    let row = credits::set_rule(&data, &coop, &body.rule, &body.rate).await?;
    Ok(Json(RuleView {
        rule: row.rule,
        rate: format_minor(row.rate_minor),
        updated: rfc3339(row.updated_at),
    }))
}

async fn rule(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<RuleView> {
    let coop = acting(&data, &user, &handle).await?;
    let row = data
        .db
        .remuneration_rule(coop.id.as_str())
        .await?
        .ok_or(crate::core::error::AppError::NotFound)?;
    Ok(Json(RuleView {
        rule: row.rule,
        rate: format_minor(row.rate_minor),
        updated: rfc3339(row.updated_at),
    }))
}

#[derive(Deserialize)]
pub struct WorkRequest {
    /// The member's name on this node.
    pub member: String,
    /// A label for the period worked, such as "2025-05".
    pub period: String,
    pub hours: String,
    /// From 0.5 to 2.0; needed when the co-op pays by effort.
    pub effort: Option<String>,
}

#[derive(Serialize)]
pub struct IncomeView {
    pub transfer: String,
    pub member: String,
    pub amount: String,
    pub amount_minor: i64,
}

async fn record_work(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<WorkRequest>,
) -> Result<(StatusCode, Json<IncomeView>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let paid = credits::record_work(
        &data,
        &coop,
        &user,
        WorkInput {
            member: &body.member,
            period: &body.period,
            hours: &body.hours,
            effort: body.effort.as_deref(),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(IncomeView {
            transfer: paid.transfer_id,
            member: paid.member_id,
            amount: format_minor(paid.amount),
            amount_minor: paid.amount,
        }),
    ))
}
