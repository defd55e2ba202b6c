//! Orders paid in credits: the buyer's credits held with the Offer, paid to the workplace when
//! it accepts, refunded when the order is cancelled. The ledger itself is the credits feature's.

use crate::core::error::AppError;
use crate::core::federation::{convert, KnownActor};
use crate::core::text;
use crate::core::AppState;
use crate::features::credits::store::{
    account, order_transfer, CreditMove, Refusal, CREDITS_CURRENCY,
};
use crate::features::credits::wire::send_transfer;
use crate::features::credits::Credits;
use crate::features::market::store::orders::OrderRow;

/// Pays a workplace on another node for one of our orders it accepted, from the credits held
/// for the order: a federated transfer from the buyer to the workplace. Nothing if the order is
/// not priced in credits, not accepted, or paid or released already; a second attempt (the
/// Accept delivered again) makes no second transfer.
pub async fn pay_order(data: &AppState, order: &OrderRow) -> Result<(), AppError> {
    if order.currency != CREDITS_CURRENCY
        || !["accepted", "dispatched", "fulfilled"].contains(&order.state.as_str())
    {
        return Ok(());
    }
    let held = data.db.credit_balance(account::HELD, &order.id).await?;
    if held <= 0 {
        return Ok(());
    }
    let (Some(buyer), Some(seller)) = (
        data.db.local_actor(&order.buyer_id).await?,
        crate::core::federation::stored_actor(data, &order.seller_id).await?,
    ) else {
        return Err(AppError::Internal(
            "an order paid in credits without its parties".into(),
        ));
    };
    let buyer = convert::local_actor(&buyer, &data.settings);
    let amount = Credits::from_minor(held)?;
    let memo = format!("Payment for order {}", order.id);
    match send_transfer(
        data,
        &buyer,
        &seller,
        amount,
        &text::limit(memo, crate::features::credits::MAX_MEMO),
        account::HELD,
        &order.id,
        Some(&order.id),
    )
    .await
    {
        Ok(_) => Ok(()),
        // Paid by another copy of the Accept meanwhile, or released by a cancellation.
        Err(AppError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The hold of a buyer's credits for an order sent to a workplace on another node, written in
/// the same transaction as the order and its Offer.
pub fn hold_for(
    order: &crate::features::market::store::orders::NewOrder,
    buyer: &KnownActor,
) -> Option<CreditMove> {
    if order.currency != CREDITS_CURRENCY || order.total() <= 0 {
        return None;
    }
    Some(CreditMove {
        id: order_transfer::hold(&order.id),
        kind: "hold",
        state: "settled",
        from_kind: crate::features::credits::account_kind(buyer),
        from_owner: buyer.id.to_string(),
        to_kind: account::HELD,
        to_owner: order.id.clone(),
        amount: order.total(),
        memo: text::limit(
            format!(
                "Order of {}",
                order
                    .lines
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            200,
        ),
        counterparty: None,
        remote_id: None,
        refund_of: None,
        order_id: Some(order.id.clone()),
        now: order.now,
    })
}

/// An insufficient balance at checkout, as the buyer reads it.
pub fn unfunded(total: i64, refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Insufficient => AppError::Conflict(format!(
            "insufficient credits: this order costs {} credits",
            crate::core::text::format_minor(total)
        )),
        Refusal::AlreadyRecorded => AppError::Conflict("that order is recorded already".into()),
        other => AppError::from(crate::core::store::StoreError::Refused(other)),
    }
}
