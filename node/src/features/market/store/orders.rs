//! Orders, their lines and history, and baskets.
//!
//! Accepting an order takes its stock in the same transaction that records it, with an
//! `UPDATE … WHERE stock >= quantity` per line: however many orders arrive at once, stock never
//! goes below zero and no unit is sold twice.

use crate::core::store::outbox::WrittenAlongside;
use crate::core::store::{Db, StoreError};
use crate::features::credits::store::{
    account, apply_move, order_transfer, refund_payment, release_held, CreditMove, CREDITS_CURRENCY,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: String,
    pub offer_id: String,
    pub buyer_id: String,
    pub placed_by: Option<String>,
    pub seller_id: String,
    pub state: String,
    pub total_minor: i64,
    pub currency: String,
    pub reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderLineRow {
    pub order_id: String,
    pub line_no: i64,
    pub item_id: String,
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderEventRow {
    pub state: String,
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BasketLineRow {
    pub item_id: String,
    pub quantity: i64,
    pub price_minor: i64,
    pub currency: String,
    pub added_at: i64,
}

/// One line of an order as the buyer asked for it.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub item_id: String,
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    /// The price the buyer saw; the order fails if the item's price is no longer this.
    pub unit_price_minor: i64,
}

#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: String,
    pub offer_id: String,
    pub buyer_id: String,
    pub placed_by: Option<String>,
    pub seller_id: String,
    pub currency: String,
    pub lines: Vec<NewLine>,
    pub now: i64,
}

impl NewOrder {
    pub fn total(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.quantity.saturating_mul(l.unit_price_minor))
            .fold(0i64, i64::saturating_add)
    }
}

/// What became of an order the seller's node was asked to accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    Accepted,
    Rejected(String),
    /// The order was seen before; its state then.
    AlreadyKnown(String),
    /// The buyer's credits do not cover an order priced in credits: nothing was recorded.
    Unfunded,
}

const ORDER_COLUMNS: &str = "id, offer_id, buyer_id, placed_by, seller_id, state, total_minor, \
    currency, reason, created_at, updated_at";

impl Db {
    /// Seller side: checks every line against the item as it is now, takes the stock and records
    /// the accepted order, all in one transaction. A refused order is recorded as rejected, with
    /// the reason, and takes nothing.
    pub async fn accept_order(&self, order: &NewOrder) -> Result<Acceptance, StoreError> {
        self.accept_order_paid(order, None).await
    }

    /// [`Db::accept_order`] for a buyer on this node. With `payer` (the kind of the buyer's
    /// account) and an order priced in credits, the buyer's credits are held for the order and
    /// paid to the workplace's co-op account in the same transaction that takes the stock; if the
    /// balance does not cover the order, nothing at all is recorded.
    pub async fn accept_order_paid(
        &self,
        order: &NewOrder,
        payer: Option<&'static str>,
    ) -> Result<Acceptance, StoreError> {
        let _changed = self.catalogue_change();
        if let Some(existing) = self.order(&order.id).await? {
            return Ok(Acceptance::AlreadyKnown(existing.state));
        }
        let mut tx = self.write().begin().await?;
        let mut refusal = None;
        for line in &order.lines {
            let item: Option<(String, String, i64, String, i64)> = sqlx::query_as(
                "SELECT owner_id, state, price_minor, currency, is_local FROM items WHERE id = $1",
            )
            .bind(&line.item_id)
            .fetch_optional(&mut *tx)
            .await?;
            let reason = match item {
                None => Some(format!("{} is not in this catalogue", line.name)),
                Some((owner, ..)) if owner != order.seller_id => {
                    Some(format!("{} is not sold by this workplace", line.name))
                }
                Some((_, state, ..)) if state != "active" => {
                    Some(format!("{} is no longer sold", line.name))
                }
                Some((.., is_local)) if is_local != 1 => {
                    Some(format!("{} is sold by another node", line.name))
                }
                Some((_, _, price, currency, _))
                    if price != line.unit_price_minor || currency != order.currency =>
                {
                    Some(format!("the price of {} has changed", line.name))
                }
                Some(_) => None,
            };
            if let Some(reason) = reason {
                refusal = Some(reason);
                break;
            }
            let taken = sqlx::query(
                "UPDATE items SET stock = stock - $2, updated_at = $3 \
                 WHERE id = $1 AND stock >= $2",
            )
            .bind(&line.item_id)
            .bind(line.quantity)
            .bind(order.now)
            .execute(&mut *tx)
            .await?;
            if taken.rows_affected() == 0 {
                refusal = Some(format!("not enough {} in stock", line.name));
                break;
            }
            sqlx::query(
                "INSERT INTO stock_changes (item_id, delta, stock_after, reason, order_id, at) \
                 SELECT id, $2, stock, 'order', $3, $4 FROM items WHERE id = $1",
            )
            .bind(&line.item_id)
            .bind(-line.quantity)
            .bind(&order.id)
            .bind(order.now)
            .execute(&mut *tx)
            .await?;
        }
        match refusal {
            None => {
                if !insert_order(&mut tx, order, "accepted", None).await? {
                    // Another copy of this order got in first: give the stock back.
                    tx.rollback().await?;
                    let state = self
                        .order(&order.id)
                        .await?
                        .map(|o| o.state)
                        .unwrap_or_default();
                    return Ok(Acceptance::AlreadyKnown(state));
                }
                if let Some(payer) =
                    payer.filter(|_| order.currency == CREDITS_CURRENCY && order.total() > 0)
                {
                    for m in local_payment(order, payer) {
                        if apply_move(&mut tx, &m).await?.is_err() {
                            tx.rollback().await?;
                            return Ok(Acceptance::Unfunded);
                        }
                    }
                }
                tx.commit().await?;
                Ok(Acceptance::Accepted)
            }
            Some(reason) => {
                tx.rollback().await?;
                let mut tx = self.write().begin().await?;
                let inserted = insert_order(&mut tx, order, "rejected", Some(&reason)).await?;
                tx.commit().await?;
                if !inserted {
                    if let Some(existing) = self.order(&order.id).await? {
                        return Ok(Acceptance::AlreadyKnown(existing.state));
                    }
                }
                Ok(Acceptance::Rejected(reason))
            }
        }
    }

    pub async fn order(&self, id: &str) -> Result<Option<OrderRow>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn order_by_offer(&self, offer_id: &str) -> Result<Option<OrderRow>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE offer_id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(offer_id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn order_lines(&self, id: &str) -> Result<Vec<OrderLineRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT order_id, line_no, item_id, name, unit, quantity, unit_price_minor \
             FROM order_lines WHERE order_id = $1 ORDER BY line_no",
        )
        .bind(id)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn order_events(&self, id: &str) -> Result<Vec<OrderEventRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT state, reason, at FROM order_events WHERE order_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.read())
        .await?)
    }

    /// Orders placed by these buyers (a person and the councils they order for), newest first.
    pub async fn orders_of_buyers(
        &self,
        buyers: &[String],
        limit: i64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        let mut all = Vec::new();
        for buyer in buyers {
            let sql = format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE buyer_id = $1 ORDER BY created_at DESC LIMIT $2"
            );
            let rows: Vec<OrderRow> = sqlx::query_as(&sql)
                .bind(buyer)
                .bind(limit)
                .fetch_all(self.read())
                .await?;
            all.extend(rows);
        }
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        all.truncate(limit as usize);
        Ok(all)
    }

    /// Orders a workplace received, newest first.
    pub async fn orders_of_seller(
        &self,
        seller: &str,
        limit: i64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE seller_id = $1 ORDER BY created_at DESC LIMIT $2"
        );
        Ok(sqlx::query_as(&sql)
            .bind(seller)
            .bind(limit)
            .fetch_all(self.read())
            .await?)
    }

    /// Moves an order from one of `from` to `to`; with `restock`, the order's quantities go
    /// back into stock in the same transaction. False if the order was in no state of `from`.
    pub async fn transition_order(
        &self,
        id: &str,
        from: &[&str],
        to: &str,
        reason: Option<&str>,
        restock: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        let _changed = self.catalogue_change();
        let mut tx = self.write().begin().await?;
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!("${}", i + 5)).collect();
        let sql = format!(
            "UPDATE orders SET state = $2, reason = COALESCE($3, reason), updated_at = $4 \
             WHERE id = $1 AND state IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(id).bind(to).bind(reason).bind(now);
        for f in from {
            query = query.bind(*f);
        }
        if query.execute(&mut *tx).await?.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        // Credits held for an order that ends unpaid go back to the buyer; a workplace here that
        // cancels an order it was paid for gives the payment back. Both at most once, since an
        // order reaches a final state once.
        if matches!(to, "rejected" | "cancelled") {
            let memo = match reason {
                Some(r) => format!(
                    "Order {to}: {}",
                    crate::core::text::limit(r.to_string(), 200)
                ),
                None => format!("Order {to}"),
            };
            let mut settled = release_held(&mut tx, id, &memo, now).await?;
            if settled.is_ok() && restock {
                settled = refund_payment(&mut tx, id, &memo, now).await?;
            }
            if let Err(refusal) = settled {
                tx.rollback().await?;
                return Err(StoreError::Refused(refusal));
            }
        }
        if restock {
            let lines: Vec<(String, i64)> =
                sqlx::query_as("SELECT item_id, quantity FROM order_lines WHERE order_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            for (item, quantity) in lines {
                let back = sqlx::query(
                    "UPDATE items SET stock = stock + $2, updated_at = $3 WHERE id = $1 AND is_local = 1",
                )
                .bind(&item)
                .bind(quantity)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if back.rows_affected() > 0 {
                    sqlx::query(
                        "INSERT INTO stock_changes (item_id, delta, stock_after, reason, order_id, at) \
                         SELECT id, $2, stock, 'order cancelled', $3, $4 FROM items WHERE id = $1",
                    )
                    .bind(&item)
                    .bind(quantity)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        sqlx::query(
            "INSERT INTO order_events (order_id, state, reason, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(to)
        .bind(reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn count_orders_in_state(
        &self,
        seller: &str,
        state: &str,
    ) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE seller_id = $1 AND state = $2")
                .bind(seller)
                .bind(state)
                .fetch_one(self.read())
                .await?,
        )
    }

    pub async fn basket(&self, user_id: i64) -> Result<Vec<BasketLineRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT item_id, quantity, price_minor, currency, added_at FROM basket_lines \
             WHERE user_id = $1 ORDER BY added_at, item_id",
        )
        .bind(user_id)
        .fetch_all(self.read())
        .await?)
    }

    /// Puts an item in the basket at the price seen now; adding it again adds to the quantity.
    pub async fn add_to_basket(
        &self,
        user_id: i64,
        item_id: &str,
        quantity: i64,
        price_minor: i64,
        currency: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO basket_lines (user_id, item_id, quantity, price_minor, currency, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, item_id) DO UPDATE SET \
             quantity = basket_lines.quantity + excluded.quantity, \
             price_minor = excluded.price_minor, currency = excluded.currency",
        )
        .bind(user_id)
        .bind(item_id)
        .bind(quantity)
        .bind(price_minor)
        .bind(currency)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    pub async fn remove_from_basket(&self, user_id: i64, item_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM basket_lines WHERE user_id = $1 AND item_id = $2")
            .bind(user_id)
            .bind(item_id)
            .execute(self.write())
            .await?;
        Ok(())
    }
}

/// The two moves that pay a local order in credits: the buyer's credits held for the order,
/// then paid from there to the workplace's co-op account.
fn local_payment(order: &NewOrder, payer: &'static str) -> [CreditMove; 2] {
    let memo = format!(
        "Order of {}",
        order
            .lines
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let memo = crate::core::text::limit(memo, 200);
    let hold = CreditMove {
        id: order_transfer::hold(&order.id),
        kind: "hold",
        state: "settled",
        from_kind: payer,
        from_owner: order.buyer_id.clone(),
        to_kind: account::HELD,
        to_owner: order.id.clone(),
        amount: order.total(),
        memo: memo.clone(),
        counterparty: None,
        remote_id: None,
        refund_of: None,
        order_id: Some(order.id.clone()),
        now: order.now,
    };
    let payment = CreditMove {
        id: order_transfer::payment(&order.id),
        kind: "payment",
        from_kind: account::HELD,
        from_owner: order.id.clone(),
        to_kind: account::COOP,
        to_owner: order.seller_id.clone(),
        ..hold.clone()
    };
    [hold, payment]
}

/// An order recorded as requested in the same transaction as the Offer that sends it.
#[async_trait::async_trait]
impl WrittenAlongside for NewOrder {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        insert_order(tx, self, "requested", None).await?;
        Ok(())
    }
}

/// Inserts an order with its lines and first event; false if its id is already taken.
pub(crate) async fn insert_order(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order: &NewOrder,
    state: &str,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO orders (id, offer_id, buyer_id, placed_by, seller_id, state, total_minor, \
         currency, reason, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT DO NOTHING",
    )
    .bind(&order.id)
    .bind(&order.offer_id)
    .bind(&order.buyer_id)
    .bind(&order.placed_by)
    .bind(&order.seller_id)
    .bind(state)
    .bind(order.total())
    .bind(&order.currency)
    .bind(reason)
    .bind(order.now)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    for (i, line) in order.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO order_lines (order_id, line_no, item_id, name, unit, quantity, \
             unit_price_minor) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&order.id)
        .bind(i as i64 + 1)
        .bind(&line.item_id)
        .bind(&line.name)
        .bind(&line.unit)
        .bind(line.quantity)
        .bind(line.unit_price_minor)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("INSERT INTO order_events (order_id, state, reason, at) VALUES ($1, $2, $3, $4)")
        .bind(&order.id)
        .bind(state)
        .bind(reason)
        .bind(order.now)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}
