//! The marketplace over ActivityPub (FEP-0837): items published as proposals, orders offered as
//! agreements and answered with Accept or Reject, later states sent as Updates.
//!
//! Orders, enquiries and their answers are addressed to the two parties only, never to a
//! collection, and are never served to anyone by id.

use activitypub_federation::config::Data;
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    market::{self, Agreement, Attachment, Commitment, Intent, ItemProposal, Quantity},
    objects::Note,
    PUBLIC,
};
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{convert, outgoing, KnownActor};
use crate::core::store::outbox::WrittenAlongside;
use crate::core::store::{now_ms, parse_time, rfc3339, StoreError};
use crate::core::text;
use crate::core::text::format_minor;
use crate::core::AppState;
use crate::features::market as catalogue;
use crate::features::market::orders::{OrderState, Party};
use crate::features::market::store::items::{ItemChange, ItemRow};
use crate::features::market::store::orders::{
    Acceptance, NewLine, NewOrder, OrderLineRow, OrderRow,
};
use crate::features::market::{Price, ProductType};

fn fragment(id: &Url, name: &str) -> Url {
    let mut u = id.clone();
    u.set_fragment(Some(name));
    u
}

/// An item as the proposal its followers receive.
pub fn proposal(item: &ItemRow, owner: &KnownActor) -> Result<ItemProposal, AppError> {
    let id = Url::parse(&item.id).map_err(|_| AppError::Internal("stored item id".into()))?;
    let price = format_minor(item.price_minor);
    let stock_line = if item.stock == 0 {
        "Out of stock".to_string()
    } else {
        format!("In stock: {} {}", item.stock, text::escape(&item.unit))
    };
    let region = item
        .region
        .as_deref()
        .map(|r| format!(" · Region: {}", text::escape(r)))
        .unwrap_or_default();
    let content = format!(
        "<p><strong>{name}</strong></p>{description}<p>Price: {price} {currency} per {unit} · {stock_line}{region}</p><p><a href=\"{id}\">{id}</a></p>",
        name = text::escape(&item.name),
        description = item.description_html,
        currency = text::escape(&item.currency),
        unit = text::escape(&item.unit),
    );
    Ok(ItemProposal {
        context: Value::Null,
        url: Some(id.clone()),
        kind: "Note".into(),
        attributed_to: owner.id.clone(),
        name: item.name.clone(),
        content,
        summary: None,
        published: Some(rfc3339(item.published_at)),
        updated: Some(rfc3339(item.updated_at)),
        publishes: Intent {
            id: fragment(&id, "primary"),
            kind: "Intent".into(),
            action: "transfer".into(),
            resource_conforms_to: None,
            resource_classified_as: Some(item.product_type.clone()),
            resource_quantity: Quantity::new(&item.unit, 1),
            available_quantity: Some(Quantity::new(&item.unit, item.stock)),
            provider: Some(owner.id.clone()),
            receiver: None,
        },
        reciprocal: Some(Intent {
            id: fragment(&id, "reciprocal"),
            kind: "Intent".into(),
            action: "transfer".into(),
            resource_conforms_to: None,
            resource_classified_as: None,
            resource_quantity: Quantity::new(&item.currency, &price),
            available_quantity: None,
            provider: None,
            receiver: Some(owner.id.clone()),
        }),
        unit_based: true,
        attachment: item
            .image_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .map(|url| Attachment {
                kind: "Image".into(),
                url,
                media_type: None,
                name: Some(item.name.clone()),
            })
            .into_iter()
            .collect(),
        region: item.region.clone(),
        how_made: Some(item.how_made.clone()).filter(|h| !h.is_empty()),
        product_type: Some(item.product_type.clone()),
        source_description: Some(item.description_html.clone()),
        to: vec![PUBLIC.into()],
        cc: vec![convert::followers_of(&owner.id).to_string()],
        id,
    })
}

/// Sends a new or changed item to the workplace's followers, written with `changes`.
pub async fn publish_item(
    state: &AppState,
    owner: &KnownActor,
    item: &ItemRow,
    created: bool,
    changes: &[&dyn WrittenAlongside],
) -> Result<(), AppError> {
    let object = serde_json::to_value(proposal(item, owner)?)?;
    let mut activity = Activity::new(
        if created {
            ActivityKind::Create
        } else {
            ActivityKind::Update
        },
        outgoing::new_id(state, "activities"),
        owner.id.clone(),
        object,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&owner.id).to_string()])
    .published(rfc3339(now_ms()));
    activity.context = market::market_context();
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    let _changed = state.db.catalogue_change();
    outgoing::queue_alongside(state, &activity, inboxes, created, Some(&item.id), changes).await
}

/// Tells followers an item is no longer sold, written with `change`.
pub async fn retire_item(
    state: &AppState,
    owner: &KnownActor,
    item: &ItemRow,
    change: &ItemChange<'_>,
) -> Result<(), AppError> {
    let id = Url::parse(&item.id).map_err(|_| AppError::Internal("stored item id".into()))?;
    let activity = outgoing::public_delete(state, owner, id, now_ms())?;
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    let _changed = state.db.catalogue_change();
    outgoing::queue_alongside(state, &activity, inboxes, false, Some(&item.id), &[change]).await
}

/// Reads a peer's proposal into the catalogue, if its workplace is followed here (or it comes
/// from a backfill). Returns whether it was stored.
pub async fn store_item(
    data: &Data<AppState>,
    owner: &KnownActor,
    object: &Value,
    from_backfill: bool,
) -> Result<bool, AppError> {
    let p: ItemProposal = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable proposal: {e}")))?;
    if !same_origin(&p.id, &owner.id) || p.attributed_to != owner.id {
        return Err(AppError::bad("the proposal is not its sender's"));
    }
    if p.publishes
        .provider
        .as_ref()
        .is_some_and(|prov| *prov != owner.id)
    {
        return Err(AppError::bad("the proposal's provider is someone else"));
    }
    if !from_backfill && !data.db.is_followed_locally(owner.id.as_str()).await? {
        return Ok(false);
    }
    let reciprocal = p
        .reciprocal
        .as_ref()
        .ok_or_else(|| AppError::bad("the proposal has no price"))?;
    let price = Price::parse(
        &reciprocal.resource_quantity.has_numerical_value,
        &reciprocal.resource_quantity.has_unit,
    )?;
    let stock = p
        .publishes
        .available_quantity
        .as_ref()
        .map(|q| catalogue::parse_stock(&q.has_numerical_value))
        .transpose()?
        .unwrap_or(0);
    let product_type = p
        .product_type
        .as_deref()
        .or(p.publishes.resource_classified_as.as_deref())
        .and_then(|t| ProductType::parse(t).ok())
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(|| "other".into());
    let now = now_ms();
    let updated = p
        .updated
        .as_deref()
        .or(p.published.as_deref())
        .and_then(parse_time)
        .map(|t| t.min(now))
        .unwrap_or(now);
    let row = ItemRow {
        id: p.id.to_string(),
        owner_id: owner.id.to_string(),
        is_local: 0,
        name: text::limit(p.name.trim().to_string(), 200),
        description_md: None,
        description_html: text::sanitize_html(&text::limit(
            p.source_description.clone().unwrap_or(p.content.clone()),
            20_000,
        )),
        unit: text::limit(p.publishes.resource_quantity.has_unit.clone(), 40),
        price_minor: price.minor,
        currency: price.currency.as_str().to_string(),
        stock,
        low_stock_at: 0,
        product_type,
        how_made: text::limit(
            text::html_to_text(p.how_made.as_deref().unwrap_or("")),
            5_000,
        ),
        image_url: p
            .attachment
            .iter()
            .find(|a| matches!(a.url.scheme(), "https" | "http"))
            .map(|a| a.url.to_string()),
        region: p
            .region
            .clone()
            .or(owner.region.clone())
            .map(|r| text::limit(r, 200)),
        state: "active".into(),
        published_at: p
            .published
            .as_deref()
            .and_then(parse_time)
            .map(|t| t.min(now))
            .unwrap_or(now),
        updated_at: updated,
    };
    if row.name.is_empty() {
        return Err(AppError::bad("the proposal has no name"));
    }
    data.db.upsert_item(&row).await?;
    Ok(true)
}

/// A Delete of one of a followed workplace's items: it leaves our catalogue. Returns false if
/// the id is not an item we have.
pub async fn receive_item_delete(
    data: &Data<AppState>,
    owner: &KnownActor,
    target: &Url,
) -> Result<bool, AppError> {
    let Some(item) = data.db.item(target.as_str()).await? else {
        return Ok(false);
    };
    if item.owner_id != owner.id.as_str() {
        return Err(AppError::Forbidden(
            "only its workplace can withdraw an item".into(),
        ));
    }
    data.db
        .set_item_state(&item.id, "retired", now_ms())
        .await?;
    Ok(true)
}

/// After an order took stock or gave it back: followers hear of the item's stock when it matters
/// to a buyer (sold out, back in stock, low). Every sale would be one Update per sale for every
/// follower; the workplace's node checks stock at order time anyway.
pub async fn announce_stock_change(
    state: &AppState,
    order_id: &str,
    taken: bool,
) -> Result<(), AppError> {
    for line in state.db.order_lines(order_id).await? {
        let Some(item) = state.db.item(&line.item_id).await? else {
            continue;
        };
        if item.is_local != 1 || !item.is_active() {
            continue;
        }
        let after = item.stock;
        let before = if taken {
            after + line.quantity
        } else {
            after - line.quantity
        };
        let low = item.low_stock_at;
        let crosses = (after == 0) != (before == 0) || (after <= low) != (before <= low);
        if crosses {
            if let Some(owner) =
                crate::core::federation::stored_actor(state, &item.owner_id).await?
            {
                publish_item(state, &owner, &item, false, &[]).await?;
            }
        }
    }
    Ok(())
}

/// The agreement for an order as it stands.
pub fn agreement(order: &OrderRow, lines: &[OrderLineRow]) -> Result<Agreement, AppError> {
    let parse = |s: &str| Url::parse(s).map_err(|_| AppError::Internal("stored order id".into()));
    let id = parse(&order.id)?;
    let commitments = lines
        .iter()
        .map(|l| {
            Ok(Commitment {
                id: Some(fragment(&id, &format!("line-{}", l.line_no))),
                kind: "Commitment".into(),
                satisfies: fragment(&parse(&l.item_id)?, "primary"),
                resource_quantity: Quantity::new(&l.unit, l.quantity),
                unit_price: Some(Quantity::new(
                    &order.currency,
                    format_minor(l.unit_price_minor),
                )),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Agreement {
        context: Value::Null,
        kind: "Agreement".into(),
        commitments,
        reciprocal: Some(Commitment {
            id: Some(fragment(&id, "reciprocal")),
            kind: "Commitment".into(),
            satisfies: fragment(&id, "payment"),
            resource_quantity: Quantity::new(&order.currency, format_minor(order.total_minor)),
            unit_price: None,
        }),
        receiver: Some(parse(&order.buyer_id)?),
        provider: Some(parse(&order.seller_id)?),
        order_state: Some(order.state.clone()),
        state_reason: order.reason.clone(),
        updated: Some(rfc3339(order.updated_at)),
        id,
    })
}

/// Places an order with one workplace. A workplace on this node answers at once; one on
/// another node receives an Offer and answers with Accept or Reject.
pub async fn place_order(
    state: &AppState,
    buyer: &KnownActor,
    placed_by: Option<&str>,
    seller: &KnownActor,
    currency: &str,
    lines: Vec<NewLine>,
) -> Result<OrderRow, AppError> {
    if lines.is_empty() {
        return Err(AppError::bad("an order needs at least one line"));
    }
    let now = now_ms();
    let id = outgoing::new_id(state, "orders");
    if seller.is_local() {
        let order = NewOrder {
            id: id.to_string(),
            offer_id: id.to_string(),
            buyer_id: buyer.id.to_string(),
            placed_by: placed_by.map(str::to_string),
            seller_id: seller.id.to_string(),
            currency: currency.to_string(),
            lines,
            now,
        };
        let payer = crate::features::credits::account_kind(buyer);
        match state.db.accept_order_paid(&order, Some(payer)).await? {
            Acceptance::Accepted => announce_stock_change(state, &order.id, true).await?,
            Acceptance::Unfunded => {
                return Err(crate::features::market::payment::unfunded(
                    order.total(),
                    crate::features::credits::store::Refusal::Insufficient,
                ))
            }
            Acceptance::Rejected(_) | Acceptance::AlreadyKnown(_) => {}
        }
        return state.db.order(&order.id).await?.ok_or(AppError::NotFound);
    }
    let offer_id = outgoing::new_id(state, "activities");
    let order = NewOrder {
        id: id.to_string(),
        offer_id: offer_id.to_string(),
        buyer_id: buyer.id.to_string(),
        placed_by: placed_by.map(str::to_string),
        seller_id: seller.id.to_string(),
        currency: currency.to_string(),
        lines,
        now,
    };
    // The agreement as it will be stored, built before anything is written: the order and its
    // Offer are stored and queued in one transaction.
    let row = OrderRow {
        id: order.id.clone(),
        offer_id: order.offer_id.clone(),
        buyer_id: order.buyer_id.clone(),
        placed_by: order.placed_by.clone(),
        seller_id: order.seller_id.clone(),
        state: OrderState::Requested.as_str().into(),
        total_minor: order.total(),
        currency: order.currency.clone(),
        reason: None,
        created_at: now,
        updated_at: now,
    };
    let line_rows: Vec<OrderLineRow> = order
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| OrderLineRow {
            order_id: order.id.clone(),
            line_no: i as i64 + 1,
            item_id: l.item_id.clone(),
            name: l.name.clone(),
            unit: l.unit.clone(),
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
        })
        .collect();
    let agreement = agreement(&row, &line_rows)?;
    let mut offer = Activity::new(
        ActivityKind::Offer,
        offer_id,
        buyer.id.clone(),
        serde_json::to_value(agreement)?,
    )
    .to(vec![seller.id.to_string()])
    .published(rfc3339(now));
    offer.context = market::market_context();
    offer.in_reply_to = Some(Value::Array(
        line_rows
            .iter()
            .map(|l| Value::String(l.item_id.clone()))
            .collect(),
    ));
    // An order priced in credits holds the buyer's credits in the same transaction.
    let hold = crate::features::market::payment::hold_for(&order, buyer);
    let queued = outgoing::queue_alongside(
        state,
        &offer,
        vec![seller.inbox.clone()],
        false,
        Some(&row.id),
        &match &hold {
            Some(m) => vec![&order as &dyn WrittenAlongside, m],
            None => vec![&order as &dyn WrittenAlongside],
        },
    )
    .await;
    match queued {
        Ok(()) => Ok(row),
        Err(AppError::Store(StoreError::Refused(refusal))) => Err(
            crate::features::market::payment::unfunded(order.total(), refusal),
        ),
        Err(e) => Err(e),
    }
}

/// An Offer of an agreement from a buyer on another node: take the stock and answer.
pub async fn receive_offer(
    data: &Data<AppState>,
    offer: &Activity,
    buyer: &KnownActor,
) -> Result<(), AppError> {
    let offered: Agreement = serde_json::from_value(offer.object.clone())
        .map_err(|e| AppError::bad(format!("the Offer holds no readable Agreement: {e}")))?;
    // The buyer's node names the order, and only for its own actors.
    if !same_origin(&offered.id, &buyer.id) {
        return Err(AppError::bad("the order's id is not on the buyer's node"));
    }
    if offered.receiver.as_ref() != Some(&buyer.id) {
        return Err(AppError::Forbidden(
            "an order may be placed only by its receiver".into(),
        ));
    }
    let seller_id = offered
        .provider
        .clone()
        .ok_or_else(|| AppError::bad("the order names no workplace"))?;
    let seller_row = data
        .db
        .local_actor(seller_id.as_str())
        .await?
        .filter(|r| r.coop_kind.as_deref() == Some("workplace"))
        .ok_or_else(|| AppError::bad("the order's workplace is not on this node"))?;
    let seller = convert::local_actor(&seller_row, &data.settings);
    let total = offered
        .reciprocal
        .as_ref()
        .ok_or_else(|| AppError::bad("the order has no payment commitment"))?;
    let currency = catalogue::Currency::parse(&total.resource_quantity.has_unit)?;
    let stated_total = Price::parse(
        &total.resource_quantity.has_numerical_value,
        currency.as_str(),
    )?;
    if offered.commitments.is_empty() || offered.commitments.len() > 100 {
        return Err(AppError::bad("an order has between 1 and 100 lines"));
    }
    let mut lines = Vec::new();
    for c in &offered.commitments {
        let mut item_id = c.satisfies.clone();
        item_id.set_fragment(None);
        let quantity = catalogue::Quantity::parse(&c.resource_quantity.has_numerical_value)?;
        let item = data.db.item(item_id.as_str()).await?;
        let (name, unit, current_price) = match &item {
            Some(i) => (i.name.clone(), i.unit.clone(), i.price_minor),
            None => (
                item_id.to_string(),
                c.resource_quantity.has_unit.clone(),
                -1,
            ),
        };
        let unit_price = match &c.unit_price {
            Some(p) => Price::parse(&p.has_numerical_value, &p.has_unit)?.minor,
            None => current_price,
        };
        lines.push(NewLine {
            item_id: item_id.to_string(),
            name,
            unit,
            quantity: quantity.get(),
            unit_price_minor: unit_price,
        });
    }
    let order = NewOrder {
        id: offered.id.to_string(),
        offer_id: offer.id.to_string(),
        buyer_id: buyer.id.to_string(),
        placed_by: None,
        seller_id: seller.id.to_string(),
        currency: currency.as_str().to_string(),
        lines,
        now: now_ms(),
    };
    let outcome = if order.total() != stated_total.minor {
        // The lines and the total disagree: refuse, and record nothing of it.
        Acceptance::Rejected("the order's total does not match its lines".into())
    } else {
        data.db.accept_order(&order).await?
    };
    let mut answer = match &outcome {
        Acceptance::Accepted => {
            announce_stock_change(data, &order.id, true).await?;
            let row = data.db.order(&order.id).await?.ok_or(AppError::NotFound)?;
            let lines = data.db.order_lines(&row.id).await?;
            let mut a = Activity::new(
                ActivityKind::Accept,
                outgoing::new_id(data, "activities"),
                seller.id.clone(),
                Value::String(offer.id.to_string()),
            );
            a.result = Some(serde_json::to_value(agreement(&row, &lines)?)?);
            a
        }
        // Not reached: a buyer on another node pays from its own node.
        Acceptance::Unfunded => {
            return Err(AppError::Internal(
                "a remote order was checked for credits here".into(),
            ))
        }
        Acceptance::Rejected(reason) => {
            let mut a = Activity::new(
                ActivityKind::Reject,
                outgoing::new_id(data, "activities"),
                seller.id.clone(),
                Value::String(offer.id.to_string()),
            );
            a.summary = Some(reason.clone());
            a
        }
        // Seen before (a retry after a crash, or a copy): answer again from what was decided, so
        // the buyer is never left waiting.
        Acceptance::AlreadyKnown(_) => {
            let row = data.db.order(&order.id).await?.ok_or(AppError::NotFound)?;
            if row.buyer_id != buyer.id.as_str() || row.seller_id != seller.id.as_str() {
                return Err(AppError::Conflict("that order id is taken".into()));
            }
            let offer_ref = Value::String(row.offer_id.clone());
            if row.state == OrderState::Rejected.as_str() {
                let mut a = Activity::new(
                    ActivityKind::Reject,
                    outgoing::new_id(data, "activities"),
                    seller.id.clone(),
                    offer_ref,
                );
                a.summary = row.reason.clone();
                a
            } else {
                let lines = data.db.order_lines(&row.id).await?;
                let mut a = Activity::new(
                    ActivityKind::Accept,
                    outgoing::new_id(data, "activities"),
                    seller.id.clone(),
                    offer_ref,
                );
                a.result = Some(serde_json::to_value(agreement(&row, &lines)?)?);
                a
            }
        }
    };
    answer = answer.to(vec![buyer.id.to_string()]);
    answer.context = market::market_context();
    outgoing::queue(
        data,
        &answer,
        vec![buyer.inbox.clone()],
        false,
        Some(order.id.as_str()),
    )
    .await
}

/// The seller's Accept or Reject of one of our Offers.
pub async fn receive_offer_answer(
    data: &Data<AppState>,
    answer: &Activity,
    seller: &KnownActor,
    accepted: bool,
) -> Result<bool, AppError> {
    let Some(offer_id) = answer.object_id() else {
        return Ok(false);
    };
    let Some(order) = data.db.order_by_offer(offer_id.as_str()).await? else {
        return Ok(false);
    };
    if order.seller_id != seller.id.as_str() {
        return Err(AppError::Forbidden(
            "only the order's workplace can answer it".into(),
        ));
    }
    let (to, reason) = if accepted {
        (OrderState::Accepted, None)
    } else {
        (
            OrderState::Rejected,
            Some(text::limit(
                answer.summary.clone().unwrap_or_else(|| "refused".into()),
                500,
            )),
        )
    };
    // A rejection gives back the credits held for the order, in the same transaction.
    data.db
        .transition_order(
            &order.id,
            &["requested"],
            to.as_str(),
            reason.as_deref(),
            false,
            now_ms(),
        )
        .await?;
    if accepted {
        // Paid once, however often the Accept arrives: a retry after a crash pays here too.
        let order = data.db.order(&order.id).await?.ok_or(AppError::NotFound)?;
        crate::features::market::payment::pay_order(data, &order).await?;
    }
    Ok(true)
}

/// Moves one of our orders to a new state and tells the other party.
pub async fn change_order_state(
    state: &AppState,
    order_id: &str,
    acting_for: &KnownActor,
    to: OrderState,
    reason: Option<&str>,
) -> Result<OrderRow, AppError> {
    let order = state.db.order(order_id).await?.ok_or(AppError::NotFound)?;
    let party = if order.seller_id == acting_for.id.as_str() {
        Party::Seller
    } else if order.buyer_id == acting_for.id.as_str() {
        Party::Buyer
    } else {
        return Err(AppError::Forbidden("this order is not yours".into()));
    };
    let reason = reason
        .map(|r| text::limit(r.trim().to_string(), 500))
        .filter(|r| !r.is_empty());
    let from = to.check_move(OrderState::parse(&order.state)?, party, reason.as_deref())?;
    let seller_is_here = state.db.local_actor(&order.seller_id).await?.is_some();
    let now = now_ms();
    let moved = state
        .db
        .transition_order(
            &order.id,
            from,
            to.as_str(),
            reason.as_deref(),
            to.restocks() && seller_is_here,
            now,
        )
        .await;
    let moved = match moved {
        Err(StoreError::Refused(_)) => {
            return Err(AppError::Conflict(
                "the workplace's co-op no longer holds the credits this order paid it, so it \
                 cannot be refunded; add credits to the co-op first"
                    .into(),
            ))
        }
        other => other?,
    };
    if !moved {
        return Err(AppError::Conflict(
            "the order changed meanwhile; reload and try again".into(),
        ));
    }
    if to.restocks() && seller_is_here {
        announce_stock_change(state, order_id, false).await?;
    }
    let order = state.db.order(&order.id).await?.ok_or(AppError::NotFound)?;
    let other = match party {
        Party::Seller => &order.buyer_id,
        Party::Buyer => &order.seller_id,
    };
    if let Some(remote) = state.db.remote_actor(other).await? {
        let lines = state.db.order_lines(&order.id).await?;
        let mut update = Activity::new(
            ActivityKind::Update,
            outgoing::new_id(state, "activities"),
            acting_for.id.clone(),
            serde_json::to_value(agreement(&order, &lines)?)?,
        )
        .to(vec![remote.id.clone()]);
        update.context = market::market_context();
        let inbox =
            Url::parse(&remote.inbox).map_err(|_| AppError::Internal("stored inbox".into()))?;
        outgoing::queue(state, &update, vec![inbox], false, Some(&order.id)).await?;
    }
    Ok(order)
}

/// An Update of an order's agreement from the other party.
pub async fn receive_order_update(
    data: &Data<AppState>,
    update: &Activity,
    actor: &KnownActor,
) -> Result<(), AppError> {
    let agreement: Agreement = serde_json::from_value(update.object.clone())
        .map_err(|e| AppError::bad(format!("unreadable Agreement: {e}")))?;
    let order = data
        .db
        .order(agreement.id.as_str())
        .await?
        .ok_or_else(|| AppError::bad("no such order here"))?;
    let party = if order.seller_id == actor.id.as_str() {
        Party::Seller
    } else if order.buyer_id == actor.id.as_str() {
        Party::Buyer
    } else {
        return Err(AppError::Forbidden(
            "only the order's parties can change it".into(),
        ));
    };
    let to = OrderState::parse(agreement.order_state.as_deref().unwrap_or_default())?;
    let reason = agreement.state_reason.map(|r| text::limit(r, 500));
    let current = OrderState::parse(&order.state)?;
    if current == to {
        return Ok(());
    }
    let from = to.check_move(current, party, reason.as_deref())?;
    let seller_is_here = data.db.local_actor(&order.seller_id).await?.is_some();
    if data
        .db
        .transition_order(
            &order.id,
            from,
            to.as_str(),
            reason.as_deref(),
            to.restocks() && seller_is_here,
            now_ms(),
        )
        .await?
        && to.restocks()
        && seller_is_here
    {
        announce_stock_change(data, &order.id, false).await?;
    }
    Ok(())
}

/// Is this Update's object an order agreement?
pub fn is_agreement(object: &Value) -> bool {
    object.get("type").and_then(Value::as_str) == Some("Agreement")
}

/// Sends a message in a bulk order enquiry thread: privately, to the other party only.
pub async fn send_enquiry(
    state: &AppState,
    from: &KnownActor,
    to: &KnownActor,
    thread: Option<&str>,
    body_markdown: &str,
) -> Result<String, AppError> {
    let body = body_markdown.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(AppError::bad(
            "an enquiry needs between 1 and 10,000 characters",
        ));
    }
    let now = now_ms();
    let id = outgoing::new_id(state, "enquiries");
    let thread = match thread {
        Some(t) => {
            let known = state.db.enquiry_thread(t).await?;
            let mine = known.iter().any(|m| {
                (m.author_id == from.id.as_str() && m.recipient_id == to.id.as_str())
                    || (m.author_id == to.id.as_str() && m.recipient_id == from.id.as_str())
            });
            if !mine {
                return Err(AppError::NotFound);
            }
            t.to_string()
        }
        None => id.to_string(),
    };
    let html = text::markdown_to_html(body);
    state
        .db
        .insert_enquiry(
            id.as_str(),
            &thread,
            from.id.as_str(),
            to.id.as_str(),
            &html,
            now,
        )
        .await?;
    if !to.is_local() {
        let note = Note {
            context: Value::Null,
            id: id.clone(),
            kind: "Note".into(),
            attributed_to: from.id.clone(),
            content: html,
            media_type: Some("text/html".into()),
            source: None,
            published: Some(rfc3339(now)),
            updated: None,
            url: None,
            in_reply_to: None,
            to: vec![to.id.to_string()],
            cc: Vec::new(),
            conversation: Url::parse(&thread).ok(),
            enquiry: true,
            recommends: None,
        };
        let mut create = Activity::new(
            ActivityKind::Create,
            outgoing::new_id(state, "activities"),
            from.id.clone(),
            serde_json::to_value(note)?,
        )
        .to(vec![to.id.to_string()]);
        create.context = market::market_context();
        outgoing::queue(
            state,
            &create,
            vec![to.inbox.clone()],
            false,
            Some(id.as_str()),
        )
        .await?;
    }
    Ok(thread)
}

/// A private enquiry message from another node, for one of our actors.
pub async fn store_enquiry(
    data: &Data<AppState>,
    author: &KnownActor,
    note: &Note,
) -> Result<(), AppError> {
    if note.is_public() {
        return Err(AppError::bad("an enquiry must be private"));
    }
    let [recipient] = note.to.as_slice() else {
        return Err(AppError::bad("an enquiry has exactly one recipient"));
    };
    if data.db.local_actor(recipient).await?.is_none() {
        return Err(AppError::bad("the enquiry's recipient is not on this node"));
    }
    let thread = note.conversation.clone().unwrap_or(note.id.clone());
    // A reply joins a thread only if the thread is between the same two parties.
    let known = data.db.enquiry_thread(thread.as_str()).await?;
    if known.is_empty() {
        if !same_origin(&thread, &author.id) {
            return Err(AppError::bad(
                "a new enquiry thread must start on its author's node",
            ));
        }
    } else if !known.iter().any(|m| {
        (m.author_id == author.id.as_str() && m.recipient_id == *recipient)
            || (m.author_id == *recipient && m.recipient_id == author.id.as_str())
    }) {
        return Err(AppError::Forbidden(
            "that thread is between other parties".into(),
        ));
    }
    data.db
        .insert_enquiry(
            note.id.as_str(),
            thread.as_str(),
            author.id.as_str(),
            recipient,
            &text::sanitize_html(&text::limit(note.content.clone(), 50_000)),
            now_ms(),
        )
        .await?;
    Ok(())
}

/// A consumer council recommends an item to its members, publicly, with a comment.
pub async fn recommend(
    state: &AppState,
    council: &KnownActor,
    item: &ItemRow,
    comment_markdown: &str,
) -> Result<(), AppError> {
    if council.coop_kind.as_deref() != Some("consumer-council") {
        return Err(AppError::Forbidden(
            "only consumer councils recommend goods".into(),
        ));
    }
    let comment = comment_markdown.trim();
    if comment.chars().count() > 2_000 {
        return Err(AppError::bad(
            "a recommendation's comment may have at most 2,000 characters",
        ));
    }
    let now = now_ms();
    let id = outgoing::new_id(state, "recommendations");
    let comment_html = text::markdown_to_html(comment);
    if !state
        .db
        .insert_recommendation(
            id.as_str(),
            council.id.as_str(),
            &item.id,
            &comment_html,
            now,
        )
        .await?
    {
        return Err(AppError::Conflict(
            "this council already recommends that item".into(),
        ));
    }
    let item_url = Url::parse(&item.id).map_err(|_| AppError::Internal("item id".into()))?;
    let note = Note {
        context: Value::Null,
        id: id.clone(),
        kind: "Note".into(),
        attributed_to: council.id.clone(),
        content: format!(
            "<p>{} recommends <a href=\"{item_url}\">{}</a>.</p>{comment_html}",
            text::escape(&council.name),
            text::escape(&item.name)
        ),
        media_type: Some("text/html".into()),
        source: None,
        published: Some(rfc3339(now)),
        updated: None,
        url: Some(item_url.clone()),
        in_reply_to: None,
        to: vec![PUBLIC.into()],
        cc: vec![
            convert::followers_of(&council.id).to_string(),
            item.owner_id.clone(),
        ],
        conversation: None,
        enquiry: false,
        recommends: Some(item_url),
    };
    let mut create = Activity::new(
        ActivityKind::Create,
        outgoing::new_id(state, "activities"),
        council.id.clone(),
        serde_json::to_value(note)?,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![
        convert::followers_of(&council.id).to_string(),
        item.owner_id.clone(),
    ]);
    create.context = market::market_context();
    let mut inboxes = outgoing::follower_inboxes(state, &council.id).await?;
    if let Some(owner) = state.db.remote_actor(&item.owner_id).await? {
        if let Ok(inbox) = Url::parse(owner.shared_inbox.as_deref().unwrap_or(&owner.inbox)) {
            inboxes.push(inbox);
        }
    }
    outgoing::queue(state, &create, inboxes, true, Some(id.as_str())).await
}

/// A council's recommendation from another node: kept if we know the item.
pub async fn store_recommendation(
    data: &Data<AppState>,
    council: &KnownActor,
    note: &Note,
) -> Result<bool, AppError> {
    let Some(item_id) = &note.recommends else {
        return Ok(false);
    };
    if !same_origin(&note.id, &council.id) || note.attributed_to != council.id {
        return Err(AppError::bad("the recommendation is not its sender's"));
    }
    if council.coop_kind.as_deref() != Some("consumer-council") {
        return Ok(false);
    }
    if data.db.item(item_id.as_str()).await?.is_none() {
        return Ok(false);
    }
    let comment = text::sanitize_html(&text::limit(note.content.clone(), 10_000));
    data.db
        .insert_recommendation(
            note.id.as_str(),
            council.id.as_str(),
            item_id.as_str(),
            &comment,
            now_ms(),
        )
        .await?;
    Ok(true)
}
