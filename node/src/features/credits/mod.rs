//! Credits: what members earn by their co-op's remuneration rule and spend inside the network.
//!
//! Amounts are integer hundredths of a credit ([`Credits`]). A co-op records its rule (pay by
//! hours, or by hours times an effort rating) and a rate per hour; recording a member's work
//! for a period pays the income from the co-op's issuance account, which is the only way credits
//! come into being. Members send credits to each other here, or to members of other nodes
//! (`activitypub::credits`). The ledger itself, and why it cannot be overdrawn, is in
//! `store::credits`. This module checks what people and peers ask for, and nothing here speaks
//! HTTP or JSON-LD.

pub mod api;
pub mod portal;
pub mod store;
pub mod wire;

use std::fmt;

use activitypub_federation::config::Data;
use coopnet_schemas::Handle;
use serde_json::Value;

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::{convert, KnownActor};
use crate::core::store::now_ms;
use crate::core::store::users::UserRow;
use crate::core::text::format_minor;
use crate::core::AppState;
use crate::features::credits::store::{
    account, CreditMove, HistoryRow, Refusal, RuleRow, WorkRecord,
};

pub use crate::features::credits::store::CREDITS_CURRENCY;

/// The most one transfer may move: ten million credits.
pub const MAX_TRANSFER_MINOR: i64 = 1_000_000_000;
/// The highest rate a co-op may pay per hour: ten thousand credits.
pub const MAX_RATE_MINOR: i64 = 1_000_000;
/// The most hours one work record may hold (a month of round-the-clock shifts).
pub const MAX_HOURS_CENTI: i64 = 74_400;
/// The longest memo, in characters.
pub const MAX_MEMO: usize = 500;

/// Reads a decimal with at most two places ("12.50", "12,5", "3") as hundredths.
fn parse_centi(s: &str, what: &str, example: &str) -> Result<i64, AppError> {
    let s = s.trim().replace(',', ".");
    let bad = || AppError::bad(format!("{s:?} is not {what}: write it like {example}"));
    let (whole, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    if (whole.is_empty() && frac.is_empty())
        || whole.len() > 12
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)
}

/// A positive amount of credits, in hundredths, no more than one transfer may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Credits(i64);

impl Credits {
    pub fn from_minor(minor: i64) -> Result<Credits, AppError> {
        if minor <= 0 {
            return Err(AppError::bad("an amount of credits must be above zero"));
        }
        if minor > MAX_TRANSFER_MINOR {
            return Err(AppError::bad(format!(
                "at most {} credits move at once",
                format_minor(MAX_TRANSFER_MINOR)
            )));
        }
        Ok(Credits(minor))
    }

    /// Reads "12.50" as 1250 hundredths.
    pub fn parse(s: &str) -> Result<Credits, AppError> {
        Credits::from_minor(parse_centi(s, "an amount of credits", "12.50")?)
    }

    /// Reads an amount from the wire: a decimal string, or a JSON number written plainly.
    pub fn from_json(v: &Value) -> Result<Credits, AppError> {
        match v {
            Value::String(s) => Credits::parse(s),
            Value::Number(n) => Credits::parse(&n.to_string()),
            _ => Err(AppError::bad("the amount of credits is not a number")),
        }
    }

    pub fn minor(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_minor(self.0))
    }
}

/// How a co-op turns recorded work into income.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Hours worked times the rate.
    Hours,
    /// Hours worked times an effort rating (0.5 to 2.0) times the rate.
    Effort,
}

impl Rule {
    pub fn parse(s: &str) -> Result<Rule, AppError> {
        match s.trim() {
            "hours" => Ok(Rule::Hours),
            "effort" => Ok(Rule::Effort),
            other => Err(AppError::bad(format!(
                "unknown remuneration rule {other:?}: use hours or effort"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Hours => "hours",
            Rule::Effort => "effort",
        }
    }
}

/// Hours worked in a period, in hundredths of an hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours(i64);

impl Hours {
    pub fn parse(s: &str) -> Result<Hours, AppError> {
        let centi = parse_centi(s, "a number of hours", "37.5")?;
        if centi <= 0 || centi > MAX_HOURS_CENTI {
            return Err(AppError::bad(format!(
                "hours worked must be above 0 and at most {}",
                MAX_HOURS_CENTI / 100
            )));
        }
        Ok(Hours(centi))
    }

    pub fn centi(self) -> i64 {
        self.0
    }
}

/// An effort rating from 0.5 to 2.0, in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effort(i64);

impl Effort {
    pub const NEUTRAL: Effort = Effort(100);

    pub fn parse(s: &str) -> Result<Effort, AppError> {
        let centi = parse_centi(s, "an effort rating", "1.25")?;
        if !(50..=200).contains(&centi) {
            return Err(AppError::bad("an effort rating is from 0.5 to 2.0"));
        }
        Ok(Effort(centi))
    }

    pub fn centi(self) -> i64 {
        self.0
    }
}

/// A rate in credits per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(i64);

impl Rate {
    pub fn parse(s: &str) -> Result<Rate, AppError> {
        let minor = parse_centi(s, "a rate in credits per hour", "15.00")?;
        if minor <= 0 || minor > MAX_RATE_MINOR {
            return Err(AppError::bad(format!(
                "a rate must be above 0 and at most {} credits an hour",
                format_minor(MAX_RATE_MINOR)
            )));
        }
        Ok(Rate(minor))
    }

    pub fn minor(self) -> i64 {
        self.0
    }
}

/// The income a rule pays, in hundredths of a credit, rounded to the nearest hundredth.
pub fn income(rule: Rule, rate: Rate, hours: Hours, effort: Effort) -> i64 {
    let effort = match rule {
        Rule::Hours => 100,
        Rule::Effort => effort.0 as i128,
    };
    // hours and effort are both in hundredths: divide by 100 x 100, rounding half up.
    let exact = hours.0 as i128 * effort * rate.0 as i128;
    ((exact + 5_000) / 10_000) as i64
}

/// A memo: trimmed, plain text, no control characters, at most [`MAX_MEMO`] characters.
pub fn check_memo(memo: &str) -> Result<String, AppError> {
    let memo = memo.trim();
    if memo.chars().count() > MAX_MEMO {
        return Err(AppError::bad(format!(
            "a memo may have at most {MAX_MEMO} characters"
        )));
    }
    if memo.chars().any(char::is_control) {
        return Err(AppError::bad("a memo may not hold control characters"));
    }
    Ok(memo.to_string())
}

/// The account kind of a local actor: a member's, or a co-op's.
pub fn account_kind(actor: &KnownActor) -> &'static str {
    if actor.coop_kind.is_some() {
        account::COOP
    } else {
        account::MEMBER
    }
}

pub fn new_transfer_id(state: &AppState) -> String {
    state
        .settings
        .url(&format!("/credits/transfers/{}", uuid::Uuid::new_v4()))
        .to_string()
}

/// Records a co-op's remuneration rule and rate.
pub async fn set_rule(
    state: &AppState,
    coop: &KnownActor,
    rule: &str,
    rate: &str,
) -> Result<RuleRow, AppError> {
    let rule = Rule::parse(rule)?;
    let rate = Rate::parse(rate)?;
    state
        .db
        .set_remuneration_rule(coop.id.as_str(), rule.as_str(), rate.minor(), now_ms())
        .await?;
    state
        .db
        .remuneration_rule(coop.id.as_str())
        .await?
        .ok_or(AppError::NotFound)
}

/// What a co-op admin records for a member.
pub struct WorkInput<'a> {
    pub member: &'a str,
    pub period: &'a str,
    pub hours: &'a str,
    pub effort: Option<&'a str>,
}

/// Income paid for recorded work.
#[derive(Debug, Clone)]
pub struct Paid {
    pub transfer_id: String,
    pub member_id: String,
    pub amount: i64,
}

/// Records a member's work for a period and pays the income the co-op's rule gives for it.
/// The caller has checked that `by` may act for `coop`.
pub async fn record_work(
    state: &AppState,
    coop: &KnownActor,
    by: &UserRow,
    work: WorkInput<'_>,
) -> Result<Paid, AppError> {
    let rule_row = state
        .db
        .remuneration_rule(coop.id.as_str())
        .await?
        .ok_or_else(|| {
            AppError::Conflict("the co-op has no remuneration rule yet; record one first".into())
        })?;
    let rule = Rule::parse(&rule_row.rule)?;
    let rate = Rate(rule_row.rate_minor);
    let period = work.period.trim();
    if period.is_empty() || period.chars().count() > 40 || period.chars().any(char::is_control) {
        return Err(AppError::bad(
            "name the period worked in 1 to 40 characters, such as 2025-05",
        ));
    }
    let hours = Hours::parse(work.hours)?;
    let effort = match (rule, work.effort.map(str::trim).filter(|e| !e.is_empty())) {
        (Rule::Effort, Some(e)) => Effort::parse(e)?,
        (Rule::Effort, None) => {
            return Err(AppError::bad(
                "this co-op pays by effort: give an effort rating from 0.5 to 2.0",
            ))
        }
        (Rule::Hours, _) => Effort::NEUTRAL,
    };
    let username = work.member.trim().trim_start_matches('@');
    let member = state
        .db
        .coop_members(coop.id.as_str())
        .await?
        .into_iter()
        .find(|(_, name, _)| name == username)
        .ok_or_else(|| AppError::bad(format!("{username} is not a member of this co-op")))?;
    let amount = income(rule, rate, hours, effort);
    if amount <= 0 {
        return Err(AppError::bad(
            "that work earns less than a hundredth of a credit",
        ));
    }
    let id = new_transfer_id(state);
    let now = now_ms();
    let m = CreditMove {
        id: id.clone(),
        kind: "income",
        state: "settled",
        from_kind: account::ISSUANCE,
        from_owner: coop.id.to_string(),
        to_kind: account::MEMBER,
        to_owner: member.2.clone(),
        amount,
        memo: format!("Income from {} for {period}", coop.name),
        counterparty: None,
        remote_id: None,
        refund_of: None,
        order_id: None,
        now,
    };
    let record = WorkRecord {
        coop_id: coop.id.to_string(),
        member_id: member.2.clone(),
        period: period.to_string(),
        rule: rule.as_str().to_string(),
        hours_centi: hours.centi(),
        effort_centi: effort.centi(),
        rate_minor: rate.minor(),
        recorded_by: by.id,
    };
    match state.db.pay_income(&m, &record).await? {
        Ok(()) => Ok(Paid {
            transfer_id: id,
            member_id: member.2,
            amount,
        }),
        Err(_) => Err(AppError::Conflict(format!(
            "work for {period} is recorded for {username} already"
        ))),
    }
}

/// A transfer made or started.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: String,
    pub state: String,
    pub amount: i64,
    pub recipient: String,
}

/// Finds who a member means: `@name@host` anywhere, or a name on this node.
pub async fn recipient(data: &Data<AppState>, to: &str) -> Result<KnownActor, AppError> {
    let to = to.trim();
    let handle = if to.trim_start_matches('@').contains('@') {
        Handle::parse(to).map_err(|e| AppError::bad(format!("{to:?}: {e}")))?
    } else {
        Handle::parse(&format!(
            "@{}@{}",
            to.trim_start_matches('@'),
            data.settings.domain
        ))
        .map_err(|e| AppError::bad(format!("{to:?}: {e}")))?
    };
    match activitypub::resolve_handle(&handle, data).await {
        Err(AppError::NotFound) => Err(AppError::bad(format!("no one is known as {to}"))),
        other => other,
    }
}

/// Sends credits from a member to a person or co-op, here or on another node.
pub async fn transfer(
    data: &Data<AppState>,
    from: &UserRow,
    to: &str,
    amount: &str,
    memo: &str,
) -> Result<Sent, AppError> {
    let amount = Credits::parse(amount)?;
    let memo = check_memo(memo)?;
    let recipient = recipient(data, to).await?;
    if recipient.id.as_str() == from.actor_id {
        return Err(AppError::bad("you cannot send credits to yourself"));
    }
    let sender_row = data
        .db
        .local_actor(&from.actor_id)
        .await?
        .ok_or_else(|| AppError::Internal("the member has no actor".into()))?;
    let sender = convert::local_actor(&sender_row, &data.settings);
    if !recipient.is_local() {
        if recipient.actor_type != "Person" {
            return Err(AppError::bad(
                "credits go to people on other nodes; that actor is not a person",
            ));
        }
        let row = crate::features::credits::wire::send_transfer(
            data,
            &sender,
            &recipient,
            amount,
            &memo,
            account::MEMBER,
            from.actor_id.as_str(),
            None,
        )
        .await?;
        return Ok(Sent {
            id: row.id,
            state: row.state,
            amount: row.amount,
            recipient: recipient.id.to_string(),
        });
    }
    if recipient.actor_type != "Person" && recipient.coop_kind.is_none() {
        return Err(AppError::bad("credits go to members and co-ops"));
    }
    let id = new_transfer_id(data);
    let m = CreditMove {
        id: id.clone(),
        kind: "transfer",
        state: "settled",
        from_kind: account::MEMBER,
        from_owner: from.actor_id.clone(),
        to_kind: account_kind(&recipient),
        to_owner: recipient.id.to_string(),
        amount: amount.minor(),
        memo,
        counterparty: None,
        remote_id: None,
        refund_of: None,
        order_id: None,
        now: now_ms(),
    };
    match data.db.move_credits(&m).await? {
        Ok(()) => Ok(Sent {
            id,
            state: "settled".into(),
            amount: amount.minor(),
            recipient: recipient.id.to_string(),
        }),
        Err(refusal) => Err(refused(refusal)),
    }
}

/// A refusal as people read it.
pub fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Insufficient => AppError::Conflict("insufficient credits".into()),
        Refusal::AlreadyRecorded => AppError::Conflict("that transfer is recorded already".into()),
        other => AppError::from(crate::core::store::StoreError::Refused(other)),
    }
}

/// An account as its owner sees it.
pub struct Ledger {
    pub balance: i64,
    pub entries: Vec<HistoryRow>,
}

/// A local actor's balance and latest entries.
pub async fn ledger(state: &AppState, kind: &str, owner: &str) -> Result<Ledger, AppError> {
    Ok(Ledger {
        balance: state.db.credit_balance(kind, owner).await?,
        entries: state.db.credit_history(kind, owner, 200).await?,
    })
}

/// Who the other side of an entry is, for people: a name, a handle or a host.
pub async fn other_party(state: &AppState, entry: &HistoryRow) -> Result<String, AppError> {
    let id = match entry.other_kind.as_str() {
        account::ISSUANCE => {
            let coop = activitypub::stored_actor(state, &entry.other_owner).await?;
            return Ok(coop
                .map(|c| format!("{} (income)", c.name))
                .unwrap_or_else(|| "income".into()));
        }
        account::HELD => return Ok("held for an order".into()),
        account::CLEARING => match &entry.counterparty {
            Some(c) => c.clone(),
            None => return Ok(entry.other_owner.clone()),
        },
        _ => entry.other_owner.clone(),
    };
    Ok(match activitypub::stored_actor(state, &id).await? {
        Some(actor) => actor.handle(),
        None => id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_hundredths() {
        assert_eq!(Credits::parse("12.50").unwrap().minor(), 1250);
        assert_eq!(Credits::parse("0.01").unwrap().minor(), 1);
        assert_eq!(
            Credits::from_json(&serde_json::json!(12.5))
                .unwrap()
                .minor(),
            1250
        );
        for bad in ["0", "-1", "1.234", "1e3", "", "abc", "10000000.01", "NaN"] {
            assert!(Credits::parse(bad).is_err(), "{bad}");
        }
        assert!(Credits::from_json(&serde_json::json!(1e30)).is_err());
        assert!(Credits::from_json(&serde_json::json!(true)).is_err());
    }

    #[test]
    fn income_follows_the_rule() {
        let rate = Rate::parse("15").unwrap();
        let hours = Hours::parse("37.5").unwrap();
        assert_eq!(income(Rule::Hours, rate, hours, Effort::NEUTRAL), 56250);
        let effort = Effort::parse("1.2").unwrap();
        assert_eq!(income(Rule::Effort, rate, hours, effort), 67500);
        assert_eq!(income(Rule::Hours, rate, hours, effort), 56250);
        assert!(Effort::parse("2.01").is_err());
        assert!(Effort::parse("0.49").is_err());
        assert!(Hours::parse("0").is_err());
        assert!(Hours::parse("745").is_err());
    }
}
