//! Credits between nodes: a transfer to a member of another node is a `Create` of a ValueFlows
//! `EconomicEvent` (action `transfer`), answered by the receiver's node with `Accept` or
//! `Reject` of the event's id.
//!
//! The sender's node takes the credits and queues the activity in one transaction (the credits
//! wait in the clearing account of the receiver's host, the transfer pending); the receiver's
//! node records the event once, by its id, crediting the member from the sender host's clearing
//! account and queueing its Accept in one transaction. An Accept settles the transfer; a Reject
//! gives the credits back, once. Transfers are addressed to the receiver only and never served
//! by id.

use activitypub_federation::config::Data;
use coopnet_federation::origin::{authority, same_origin};
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    credits::{credits_context, EconomicEvent, CREDIT_UNIT},
};
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{convert, outgoing, KnownActor};
use crate::core::store::{now_ms, rfc3339, StoreError};
use crate::core::text;
use crate::core::AppState;
use crate::features::credits::store::{account, order_transfer, CreditMove, TransferRow};
use crate::features::credits::{check_memo, new_transfer_id, refused, Credits};

/// Sends credits to a person or co-op on another node: takes them from `from` (an account of this
/// node) and queues the event, signed by `provider`, in one transaction. With `order_id`, the
/// transfer is that order's payment: its id is derived from the order's (so it is made once,
/// however often it is attempted) and the event names the order it realizes.
#[allow(clippy::too_many_arguments)]
pub async fn send_transfer(
    state: &AppState,
    provider: &KnownActor,
    recipient: &KnownActor,
    amount: Credits,
    memo: &str,
    from_kind: &'static str,
    from_owner: &str,
    order_id: Option<&str>,
) -> Result<TransferRow, AppError> {
    let id = match order_id {
        Some(order) => order_transfer::payment(order),
        None => new_transfer_id(state),
    };
    let event_id = Url::parse(&id).map_err(|e| AppError::Internal(e.to_string()))?;
    let memo = check_memo(memo)?;
    let mut event = EconomicEvent::transfer(
        event_id,
        provider.id.clone(),
        recipient.id.clone(),
        amount.to_string(),
        Some(memo.clone()).filter(|m| !m.is_empty()),
    );
    event.realization_of = order_id.and_then(|o| Url::parse(o).ok());
    let now = now_ms();
    let mut create = Activity::new(
        ActivityKind::Create,
        outgoing::new_id(state, "activities"),
        provider.id.clone(),
        serde_json::to_value(&event)?,
    )
    .to(vec![recipient.id.to_string()])
    .published(rfc3339(now));
    create.context = credits_context();
    let m = CreditMove {
        id: id.clone(),
        kind: "federated-out",
        state: "pending",
        from_kind,
        from_owner: from_owner.to_string(),
        to_kind: account::CLEARING,
        to_owner: authority(&recipient.id),
        amount: amount.minor(),
        memo,
        counterparty: Some(recipient.id.to_string()),
        remote_id: None,
        refund_of: None,
        order_id: order_id.map(str::to_string),
        now,
    };
    let queued = outgoing::queue_alongside(
        state,
        &create,
        vec![recipient.inbox.clone()],
        false,
        Some(&id),
        &[&m],
    )
    .await;
    match queued {
        Ok(()) => {}
        Err(AppError::Store(StoreError::Refused(refusal))) => return Err(refused(refusal)),
        Err(e) => return Err(e),
    }
    state
        .db
        .credit_transfer(&id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A `Create` of an economic event from another node: credit our member once, and answer.
pub async fn receive_transfer(
    data: &Data<AppState>,
    create: &Activity,
    sender: &KnownActor,
) -> Result<(), AppError> {
    let event: EconomicEvent = serde_json::from_value(create.object.clone())
        .map_err(|e| AppError::bad(format!("unreadable EconomicEvent: {e}")))?;
    if event.action != "transfer" {
        return Err(AppError::bad("only transfers of credits are accepted"));
    }
    if event.provider != sender.id {
        return Err(AppError::Forbidden(
            "credits may be sent only by their provider".into(),
        ));
    }
    if !same_origin(&event.id, &sender.id) {
        return Err(AppError::bad(
            "the transfer's id is not on the sender's node",
        ));
    }
    if event.resource_quantity.has_unit != CREDIT_UNIT {
        return Err(AppError::bad("only credits can be transferred"));
    }
    let amount = Credits::from_json(&event.resource_quantity.has_numerical_value)?;
    // A peer's memo is kept as plain text on one line, cut to length.
    let memo: String = event
        .note
        .as_deref()
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let memo = text::limit(memo.trim().to_string(), crate::features::credits::MAX_MEMO);
    if data
        .db
        .credit_transfer_by_remote(event.id.as_str())
        .await?
        .is_some()
    {
        // A copy of a transfer recorded already: acknowledged, not applied again.
        return Ok(());
    }
    // Credits go to people, and to co-ops (a workplace paid for an order).
    let recipient = data
        .db
        .local_actor(event.receiver.as_str())
        .await?
        .filter(|r| r.actor_type == "Person" || r.coop_kind.is_some());
    let Some(recipient) = recipient else {
        // No such person or co-op here: refuse it, from the node itself, so the sender is
        // refunded.
        let instance = data.settings.url("/actor");
        let mut reject = Activity::new(
            ActivityKind::Reject,
            outgoing::new_id(data, "activities"),
            instance,
            Value::String(event.id.to_string()),
        )
        .to(vec![sender.id.to_string()]);
        reject.summary = Some("no such person or co-op on this node".into());
        reject.context = credits_context();
        return outgoing::queue(data, &reject, vec![sender.inbox.clone()], false, None).await;
    };
    let recipient = convert::local_actor(&recipient, &data.settings);
    // A payment for an order names it: kept with the transfer when the order is one between
    // these two parties.
    let order_id = match &event.realization_of {
        Some(order) => data
            .db
            .order(order.as_str())
            .await?
            .filter(|o| o.buyer_id == sender.id.as_str() && o.seller_id == recipient.id.as_str())
            .map(|o| o.id),
        None => None,
    };
    let mut accept = Activity::new(
        ActivityKind::Accept,
        outgoing::new_id(data, "activities"),
        recipient.id.clone(),
        Value::String(event.id.to_string()),
    )
    .to(vec![sender.id.to_string()]);
    accept.context = credits_context();
    let m = CreditMove {
        id: new_transfer_id(data),
        kind: "federated-in",
        state: "settled",
        from_kind: account::CLEARING,
        from_owner: authority(&sender.id),
        to_kind: crate::features::credits::account_kind(&recipient),
        to_owner: recipient.id.to_string(),
        amount: amount.minor(),
        memo,
        counterparty: Some(sender.id.to_string()),
        remote_id: Some(event.id.to_string()),
        refund_of: None,
        order_id,
        now: now_ms(),
    };
    let queued = outgoing::queue_alongside(
        data,
        &accept,
        vec![sender.inbox.clone()],
        false,
        None,
        &[&m],
    )
    .await;
    match queued {
        // Another copy got in first: it is recorded once, and answered by that copy.
        Err(AppError::Store(StoreError::Refused(_))) => Ok(()),
        other => other,
    }
}

/// An `Accept` or `Reject` of one of our transfers. Returns whether it was one.
pub async fn receive_answer(
    data: &Data<AppState>,
    answer: &Activity,
    actor: &KnownActor,
    accepted: bool,
) -> Result<bool, AppError> {
    let Some(object) = answer.object_id() else {
        return Ok(false);
    };
    let Some(transfer) = data.db.credit_transfer(object.as_str()).await? else {
        return Ok(false);
    };
    if transfer.kind != "federated-out" {
        return Ok(false);
    }
    // Only the receiver's node may answer for it.
    let receiver = transfer
        .counterparty
        .as_deref()
        .and_then(|c| Url::parse(c).ok())
        .ok_or_else(|| AppError::Internal("a federated transfer without receiver".into()))?;
    if !same_origin(&actor.id, &receiver) {
        return Err(AppError::Forbidden(
            "only the receiver's node can answer a transfer".into(),
        ));
    }
    let now = now_ms();
    if accepted {
        data.db.settle_credit_transfer(&transfer.id, now).await?;
        return Ok(true);
    }
    let mut from = data
        .db
        .credit_account_by_id(transfer.from_account)
        .await?
        .ok_or_else(|| AppError::Internal("a transfer's account is gone".into()))?;
    // A refused payment for an order goes back to the buyer, not into the order's held account.
    if from.kind == account::HELD {
        let hold = data
            .db
            .credit_transfer(&order_transfer::hold(&from.owner_id))
            .await?
            .ok_or_else(|| AppError::Internal("held credits without their hold".into()))?;
        from = data
            .db
            .credit_account_by_id(hold.from_account)
            .await?
            .ok_or_else(|| AppError::Internal("a transfer's account is gone".into()))?;
    }
    let refund = CreditMove {
        id: new_transfer_id(data),
        kind: "refund",
        state: "settled",
        from_kind: account::CLEARING,
        from_owner: authority(&receiver),
        to_kind: account::kind_static(&from.kind)
            .ok_or_else(|| AppError::Internal("unknown account kind".into()))?,
        to_owner: from.owner_id,
        amount: transfer.amount,
        memo: format!(
            "Refund: {}",
            text::limit(
                answer
                    .summary
                    .clone()
                    .unwrap_or_else(|| "the receiver's node refused the transfer".into()),
                200
            )
        ),
        counterparty: transfer.counterparty.clone(),
        remote_id: None,
        refund_of: Some(transfer.id.clone()),
        order_id: transfer.order_id.clone(),
        now,
    };
    // Once only: the transfer leaves `pending` in the same transaction as the refund.
    data.db
        .refund_credit_transfer(&transfer.id, &refund)
        .await?;
    Ok(true)
}
