//! The credits ledger: accounts, transfers and their two entries, remuneration rules and the
//! work records that income is paid for.
//!
//! Every movement of credits goes through [`apply_move`] inside a transaction: it takes the
//! amount from one account with `UPDATE … WHERE balance >= amount` (so concurrent spending can
//! never overdraw, on SQLite or PostgreSQL), adds it to the other, and writes the transfer and
//! its two entries. Accounts are locked in id order, so two transfers in opposite directions
//! never deadlock on PostgreSQL.

use sqlx::{Any, Transaction};

use crate::core::store::outbox::WrittenAlongside;
use crate::core::store::{Db, StoreError};

/// The kinds of account; only issuance and clearing accounts may go below zero.
pub mod account {
    pub const MEMBER: &str = "member";
    pub const COOP: &str = "coop";
    pub const ISSUANCE: &str = "issuance";
    pub const CLEARING: &str = "clearing";
    pub const HELD: &str = "held";

    /// The constant for a kind read back from the database.
    pub fn kind_static(kind: &str) -> Option<&'static str> {
        [MEMBER, COOP, ISSUANCE, CLEARING, HELD]
            .into_iter()
            .find(|k| *k == kind)
    }
}

/// The currency of items paid in credits: a price in `CRD` minor units is hundredths of a credit.
pub const CREDITS_CURRENCY: &str = "CRD";

/// The transfers an order paid in credits may make, one of each at most: their ids are derived
/// from the order's, so a repeated answer or a retry can never make a second one.
pub mod order_transfer {
    /// The buyer's credits moved to the order's held account at checkout.
    pub fn hold(order: &str) -> String {
        format!("{order}#credits-hold")
    }
    /// The held credits paid to the workplace (locally, or as a federated transfer).
    pub fn payment(order: &str) -> String {
        format!("{order}#credits-payment")
    }
    /// The held credits given back to the buyer when the order is rejected or cancelled unpaid.
    pub fn release(order: &str) -> String {
        format!("{order}#credits-release")
    }
    /// A local workplace's payment given back when it cancels a paid order.
    pub fn refund(order: &str) -> String {
        format!("{order}#credits-refund")
    }
}

/// An account named by kind and owner; opened the first time it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRef<'a> {
    pub kind: &'static str,
    pub owner: &'a str,
}

/// One movement of credits, with what the transfer row records.
#[derive(Debug, Clone)]
pub struct CreditMove {
    pub id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub from_kind: &'static str,
    pub from_owner: String,
    pub to_kind: &'static str,
    pub to_owner: String,
    pub amount: i64,
    pub memo: String,
    pub counterparty: Option<String>,
    pub remote_id: Option<String>,
    pub refund_of: Option<String>,
    pub order_id: Option<String>,
    pub now: i64,
}

pub use crate::core::store::Refusal;

/// A move of credits made in the same transaction as the activity that announces it.
#[async_trait::async_trait]
impl WrittenAlongside for CreditMove {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        apply_move(tx, self).await?.map_err(StoreError::Refused)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub owner_id: String,
    pub kind: String,
    pub balance: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransferRow {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub from_account: i64,
    pub to_account: i64,
    pub amount: i64,
    pub memo: String,
    pub counterparty: Option<String>,
    pub remote_id: Option<String>,
    pub order_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One line of an account's history: its entry, the transfer, and the account on the other side.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub transfer_id: String,
    pub amount: i64,
    pub kind: String,
    pub state: String,
    pub memo: String,
    pub counterparty: Option<String>,
    pub other_kind: String,
    pub other_owner: String,
    pub order_id: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub coop_id: String,
    pub rule: String,
    pub rate_minor: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct WorkRecord {
    pub coop_id: String,
    pub member_id: String,
    pub period: String,
    pub rule: String,
    pub hours_centi: i64,
    pub effort_centi: i64,
    pub rate_minor: i64,
    pub recorded_by: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkRow {
    pub transfer_id: String,
    pub coop_id: String,
    pub member_id: String,
    pub period: String,
    pub rule: String,
    pub hours_centi: i64,
    pub effort_centi: i64,
    pub rate_minor: i64,
    pub amount: i64,
    pub created_at: i64,
}

const TRANSFER_COLUMNS: &str = "id, kind, state, from_account, to_account, amount, memo, \
    counterparty, remote_id, order_id, created_at, updated_at";

/// The id of an account, opened now if it does not exist yet.
async fn open_account(
    tx: &mut Transaction<'_, Any>,
    kind: &str,
    owner: &str,
    now: i64,
) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO credit_accounts (owner_id, kind, balance, created_at) VALUES ($1, $2, 0, $3) \
         ON CONFLICT (kind, owner_id) DO NOTHING",
    )
    .bind(owner)
    .bind(kind)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT id FROM credit_accounts WHERE kind = $1 AND owner_id = $2")
            .bind(kind)
            .bind(owner)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Adds `delta` to an account; a debit only if the balance covers it (issuance and clearing
/// accounts excepted). Returns whether the account changed.
async fn change_balance(
    tx: &mut Transaction<'_, Any>,
    account: i64,
    delta: i64,
) -> Result<bool, StoreError> {
    let changed = if delta < 0 {
        sqlx::query(
            "UPDATE credit_accounts SET balance = balance - $1 WHERE id = $2 \
             AND (balance >= $1 OR kind IN ('issuance', 'clearing'))",
        )
        .bind(-delta)
        .bind(account)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query("UPDATE credit_accounts SET balance = balance + $1 WHERE id = $2")
            .bind(delta)
            .bind(account)
            .execute(&mut **tx)
            .await?
    };
    Ok(changed.rows_affected() == 1)
}

/// Makes one move inside `tx`: the transfer row, both balances and both entries, or nothing.
/// On a refusal the caller must roll back (something may have been written before the refusal
/// was known).
pub(crate) async fn apply_move(
    tx: &mut Transaction<'_, Any>,
    m: &CreditMove,
) -> Result<Result<(), Refusal>, StoreError> {
    let from = open_account(tx, m.from_kind, &m.from_owner, m.now).await?;
    let to = open_account(tx, m.to_kind, &m.to_owner, m.now).await?;
    // The transfer first: a repeated id, remote event or refund stops here.
    let inserted = sqlx::query(
        "INSERT INTO credit_transfers (id, kind, state, from_account, to_account, amount, memo, \
         counterparty, remote_id, refund_of, order_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) ON CONFLICT DO NOTHING",
    )
    .bind(&m.id)
    .bind(m.kind)
    .bind(m.state)
    .bind(from)
    .bind(to)
    .bind(m.amount)
    .bind(&m.memo)
    .bind(&m.counterparty)
    .bind(&m.remote_id)
    .bind(&m.refund_of)
    .bind(&m.order_id)
    .bind(m.now)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(Err(Refusal::AlreadyRecorded));
    }
    // Lock the two accounts in id order, whichever way the credits go.
    let mut sides = [(from, -m.amount), (to, m.amount)];
    sides.sort_by_key(|(account, _)| *account);
    for (account, delta) in sides {
        if !change_balance(tx, account, delta).await? {
            return Ok(Err(Refusal::Insufficient));
        }
        sqlx::query(
            "INSERT INTO credit_entries (transfer_id, account_id, amount, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&m.id)
        .bind(account)
        .bind(delta)
        .bind(m.now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Ok(()))
}

/// The account (kind, owner) at one end of a recorded transfer, inside `tx`.
async fn transfer_end(
    tx: &mut Transaction<'_, Any>,
    transfer_id: &str,
    from_side: bool,
) -> Result<Option<(&'static str, String, i64)>, StoreError> {
    let sql = format!(
        "SELECT a.kind, a.owner_id, t.amount FROM credit_transfers t \
         JOIN credit_accounts a ON a.id = t.{} WHERE t.id = $1",
        if from_side {
            "from_account"
        } else {
            "to_account"
        }
    );
    let row: Option<(String, String, i64)> = sqlx::query_as(&sql)
        .bind(transfer_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row
        .and_then(|(kind, owner, amount)| account::kind_static(&kind).map(|k| (k, owner, amount))))
}

/// Gives back to the buyer whatever is still held for an order, inside `tx`: nothing if the
/// order held nothing, or its credits were paid or released already.
pub(crate) async fn release_held(
    tx: &mut Transaction<'_, Any>,
    order_id: &str,
    memo: &str,
    now: i64,
) -> Result<Result<(), Refusal>, StoreError> {
    let Some((buyer_kind, buyer, _)) =
        transfer_end(tx, &order_transfer::hold(order_id), true).await?
    else {
        return Ok(Ok(()));
    };
    let held: Option<i64> = sqlx::query_scalar(
        "SELECT balance FROM credit_accounts WHERE kind = 'held' AND owner_id = $1",
    )
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?;
    let held = held.unwrap_or(0);
    if held <= 0 {
        return Ok(Ok(()));
    }
    let release = CreditMove {
        id: order_transfer::release(order_id),
        kind: "release",
        state: "settled",
        from_kind: account::HELD,
        from_owner: order_id.to_string(),
        to_kind: buyer_kind,
        to_owner: buyer,
        amount: held,
        memo: memo.to_string(),
        counterparty: None,
        remote_id: None,
        refund_of: None,
        order_id: Some(order_id.to_string()),
        now,
    };
    match apply_move(tx, &release).await? {
        Err(Refusal::AlreadyRecorded) => Ok(Ok(())),
        other => Ok(other),
    }
}

/// A workplace here gives back what an order paid it in credits, inside `tx`: nothing if the
/// order was not paid here, or was refunded already. Refused if the co-op's account no longer
/// holds the amount.
pub(crate) async fn refund_payment(
    tx: &mut Transaction<'_, Any>,
    order_id: &str,
    memo: &str,
    now: i64,
) -> Result<Result<(), Refusal>, StoreError> {
    let payment = order_transfer::payment(order_id);
    let kind: Option<String> =
        sqlx::query_scalar("SELECT kind FROM credit_transfers WHERE id = $1")
            .bind(&payment)
            .fetch_optional(&mut **tx)
            .await?;
    if kind.as_deref() != Some("payment") {
        return Ok(Ok(()));
    }
    let (Some((coop_kind, coop, amount)), Some((buyer_kind, buyer, _))) = (
        transfer_end(tx, &payment, false).await?,
        transfer_end(tx, &order_transfer::hold(order_id), true).await?,
    ) else {
        return Ok(Ok(()));
    };
    let refund = CreditMove {
        id: order_transfer::refund(order_id),
        kind: "refund",
        state: "settled",
        from_kind: coop_kind,
        from_owner: coop,
        to_kind: buyer_kind,
        to_owner: buyer,
        amount,
        memo: memo.to_string(),
        counterparty: None,
        remote_id: None,
        refund_of: Some(payment),
        order_id: Some(order_id.to_string()),
        now,
    };
    match apply_move(tx, &refund).await? {
        Err(Refusal::AlreadyRecorded) => Ok(Ok(())),
        other => Ok(other),
    }
}

impl Db {
    /// Makes one move in its own transaction.
    pub async fn move_credits(&self, m: &CreditMove) -> Result<Result<(), Refusal>, StoreError> {
        let mut tx = self.write().begin().await?;
        match apply_move(&mut tx, m).await? {
            Ok(()) => {
                tx.commit().await?;
                Ok(Ok(()))
            }
            Err(refusal) => {
                tx.rollback().await?;
                Ok(Err(refusal))
            }
        }
    }

    /// Pays income for recorded work: the work record and the income transfer in one
    /// transaction; a period already paid is refused.
    pub async fn pay_income(
        &self,
        m: &CreditMove,
        work: &WorkRecord,
    ) -> Result<Result<(), Refusal>, StoreError> {
        let mut tx = self.write().begin().await?;
        if let Err(refusal) = apply_move(&mut tx, m).await? {
            tx.rollback().await?;
            return Ok(Err(refusal));
        }
        let recorded = sqlx::query(
            "INSERT INTO work_records (transfer_id, coop_id, member_id, period, rule, \
             hours_centi, effort_centi, rate_minor, amount, recorded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        )
        .bind(&m.id)
        .bind(&work.coop_id)
        .bind(&work.member_id)
        .bind(&work.period)
        .bind(&work.rule)
        .bind(work.hours_centi)
        .bind(work.effort_centi)
        .bind(work.rate_minor)
        .bind(m.amount)
        .bind(work.recorded_by)
        .bind(m.now)
        .execute(&mut *tx)
        .await?;
        if recorded.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Err(Refusal::AlreadyRecorded));
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    pub async fn credit_account(
        &self,
        kind: &str,
        owner: &str,
    ) -> Result<Option<AccountRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, owner_id, kind, balance FROM credit_accounts \
             WHERE kind = $1 AND owner_id = $2",
        )
        .bind(kind)
        .bind(owner)
        .fetch_optional(self.read())
        .await?)
    }

    pub async fn credit_account_by_id(&self, id: i64) -> Result<Option<AccountRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, owner_id, kind, balance FROM credit_accounts WHERE id = $1")
                .bind(id)
                .fetch_optional(self.read())
                .await?,
        )
    }

    /// An account's balance; zero for an account never opened.
    pub async fn credit_balance(&self, kind: &str, owner: &str) -> Result<i64, StoreError> {
        Ok(self
            .credit_account(kind, owner)
            .await?
            .map(|a| a.balance)
            .unwrap_or(0))
    }

    /// Every account, for audits and the invariants' tests.
    pub async fn credit_accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, owner_id, kind, balance FROM credit_accounts ORDER BY id")
                .fetch_all(self.read())
                .await?,
        )
    }

    /// Accounts whose balance is not the sum of their entries, and transfers whose entries do
    /// not sum to zero: both lists are empty in a sound ledger.
    pub async fn credit_discrepancies(&self) -> Result<(Vec<i64>, Vec<String>), StoreError> {
        let accounts = sqlx::query_scalar(
            "SELECT a.id FROM credit_accounts a WHERE a.balance <> \
             (SELECT COALESCE(SUM(e.amount), 0) FROM credit_entries e WHERE e.account_id = a.id)",
        )
        .fetch_all(self.read())
        .await?;
        let transfers = sqlx::query_scalar(
            "SELECT t.id FROM credit_transfers t WHERE \
             (SELECT COALESCE(SUM(e.amount), 0) FROM credit_entries e WHERE e.transfer_id = t.id) \
             <> 0 OR (SELECT COUNT(*) FROM credit_entries e WHERE e.transfer_id = t.id) <> 2",
        )
        .fetch_all(self.read())
        .await?;
        Ok((accounts, transfers))
    }

    pub async fn credit_transfer(&self, id: &str) -> Result<Option<TransferRow>, StoreError> {
        let sql = format!("SELECT {TRANSFER_COLUMNS} FROM credit_transfers WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn credit_transfer_by_remote(
        &self,
        remote_id: &str,
    ) -> Result<Option<TransferRow>, StoreError> {
        let sql = format!("SELECT {TRANSFER_COLUMNS} FROM credit_transfers WHERE remote_id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(remote_id)
            .fetch_optional(self.read())
            .await?)
    }

    /// Transfers made for an order, oldest first.
    pub async fn credit_transfers_of_order(
        &self,
        order_id: &str,
    ) -> Result<Vec<TransferRow>, StoreError> {
        let sql = format!(
            "SELECT {TRANSFER_COLUMNS} FROM credit_transfers WHERE order_id = $1 \
             ORDER BY created_at, id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(order_id)
            .fetch_all(self.read())
            .await?)
    }

    /// A pending federated transfer is settled: the recipient's node recorded it.
    pub async fn settle_credit_transfer(&self, id: &str, now: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE credit_transfers SET state = 'settled', updated_at = $2 \
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A pending transfer is refunded: marked so and `refund` made, in one transaction, once.
    pub async fn refund_credit_transfer(
        &self,
        id: &str,
        refund: &CreditMove,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().begin().await?;
        let marked = sqlx::query(
            "UPDATE credit_transfers SET state = 'refunded', updated_at = $2 \
             WHERE id = $1 AND state = 'pending'",
        )
        .bind(id)
        .bind(refund.now)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        if apply_move(&mut tx, refund).await?.is_err() {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// An account's history, newest first.
    pub async fn credit_history(
        &self,
        kind: &str,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<HistoryRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT e.transfer_id, e.amount, t.kind, t.state, t.memo, t.counterparty, \
             oa.kind AS other_kind, oa.owner_id AS other_owner, t.order_id, e.created_at \
             FROM credit_accounts a \
             JOIN credit_entries e ON e.account_id = a.id \
             JOIN credit_transfers t ON t.id = e.transfer_id \
             JOIN credit_entries o ON o.transfer_id = e.transfer_id AND o.account_id <> a.id \
             JOIN credit_accounts oa ON oa.id = o.account_id \
             WHERE a.kind = $1 AND a.owner_id = $2 \
             ORDER BY e.id DESC LIMIT $3",
        )
        .bind(kind)
        .bind(owner)
        .bind(limit)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn remuneration_rule(&self, coop_id: &str) -> Result<Option<RuleRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT coop_id, rule, rate_minor, updated_at FROM remuneration_rules \
             WHERE coop_id = $1",
        )
        .bind(coop_id)
        .fetch_optional(self.read())
        .await?)
    }

    pub async fn set_remuneration_rule(
        &self,
        coop_id: &str,
        rule: &str,
        rate_minor: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO remuneration_rules (coop_id, rule, rate_minor, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (coop_id) DO UPDATE SET rule = excluded.rule, \
             rate_minor = excluded.rate_minor, updated_at = excluded.updated_at",
        )
        .bind(coop_id)
        .bind(rule)
        .bind(rate_minor)
        .bind(now)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Work recorded for a co-op's members, newest first.
    pub async fn work_records(
        &self,
        coop_id: &str,
        limit: i64,
    ) -> Result<Vec<WorkRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT transfer_id, coop_id, member_id, period, rule, hours_centi, effort_centi, \
             rate_minor, amount, created_at FROM work_records WHERE coop_id = $1 \
             ORDER BY created_at DESC, transfer_id LIMIT $2",
        )
        .bind(coop_id)
        .bind(limit)
        .fetch_all(self.read())
        .await?)
    }

    /// The activity that carried a federated transfer sent from here.
    pub async fn credit_activity(
        &self,
        transfer_id: &str,
    ) -> Result<Option<crate::core::store::outbox::OutboxRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT seq, id, actor_id, activity_type, object_id, body, is_public, published_at \
             FROM outbox WHERE object_id = $1 AND activity_type = 'Create'",
        )
        .bind(transfer_id)
        .fetch_optional(self.read())
        .await?)
    }

    /// The people who belong to a co-op, members and administrators, with their Person actors'
    /// ids.
    pub async fn coop_members(
        &self,
        coop_id: &str,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.username, u.actor_id FROM users u WHERE u.id IN \
             (SELECT user_id FROM coop_members WHERE coop_id = $1 \
              UNION SELECT user_id FROM coop_admins WHERE coop_id = $1) ORDER BY u.username",
        )
        .bind(coop_id)
        .fetch_all(self.read())
        .await?)
    }
}
