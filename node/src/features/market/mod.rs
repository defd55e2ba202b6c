//! The catalogue: goods and services that workplaces sell, their prices, stock and categories.
//!
//! Prices are integers in the currency's smallest unit and stock an integer number of units;
//! both are checked once, here, as they come in from a form, the API, a CSV file or a peer.

pub mod api;
pub mod orders;
pub mod payment;
pub mod portal;
pub mod store;
pub mod wire;

use std::fmt;

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::store::now_ms;
use crate::core::text;
use crate::core::AppState;
use crate::features::market::store::items::{ItemChange, ItemRow};
use crate::features::market::text::format_minor;
use crate::features::market::wire as market;

/// A price per unit: minor units (cents) of a three-letter currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub minor: i64,
    pub currency: Currency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(s: &str) -> Result<Currency, AppError> {
        let s = s.trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(AppError::bad(
                "a currency is three letters, such as EUR or GBP",
            ));
        }
        Ok(Currency([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

/// The most a price may be, in minor units: a billion units of the currency.
const MAX_PRICE_MINOR: i64 = 100_000_000_000;
/// The most stock a line may hold or an order may ask for.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

impl Price {
    /// Reads "12.50" (or "12,50" or "12") as 1250 minor units.
    pub fn parse(amount: &str, currency: &str) -> Result<Price, AppError> {
        let currency = Currency::parse(currency)?;
        let amount = amount.trim().replace(',', ".");
        let (whole, frac) = match amount.split_once('.') {
            Some((w, f)) => (w, f),
            None => (amount.as_str(), ""),
        };
        let bad = || AppError::bad(format!("{amount:?} is not a price: write it like 12.50"));
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
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
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        if minor > MAX_PRICE_MINOR {
            return Err(AppError::bad("that price is too high"));
        }
        Ok(Price { minor, currency })
    }

    pub fn from_minor(minor: i64, currency: &str) -> Result<Price, AppError> {
        if !(0..=MAX_PRICE_MINOR).contains(&minor) {
            return Err(AppError::bad(
                "a price must be zero or more, and not absurdly high",
            ));
        }
        Ok(Price {
            minor,
            currency: Currency::parse(currency)?,
        })
    }

    /// "12.50" without the currency.
    pub fn amount(&self) -> String {
        format_minor(self.minor)
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency.as_str())
    }
}

/// A positive whole number of units, as ordered or kept in stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i64);

impl Quantity {
    pub fn new(n: i64) -> Result<Quantity, AppError> {
        if n <= 0 {
            return Err(AppError::bad(
                "a quantity must be a whole number above zero",
            ));
        }
        if n > MAX_QUANTITY {
            return Err(AppError::bad("that quantity is too large"));
        }
        Ok(Quantity(n))
    }

    pub fn parse(s: &str) -> Result<Quantity, AppError> {
        let n: i64 = s
            .trim()
            .parse()
            .map_err(|_| AppError::bad(format!("{s:?} is not a whole number")))?;
        Quantity::new(n)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Stock on hand: zero or more units.
pub fn parse_stock(s: &str) -> Result<i64, AppError> {
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| AppError::bad(format!("{s:?} is not a whole number of units")))?;
    if !(0..=MAX_QUANTITY).contains(&n) {
        return Err(AppError::bad("stock must be zero or more units"));
    }
    Ok(n)
}

/// A category path in the product tree, such as `food/bread`: lower-case words joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductType(String);

impl ProductType {
    pub fn parse(s: &str) -> Result<ProductType, AppError> {
        let s = s.trim().trim_matches('/').to_lowercase();
        let segments: Vec<&str> = s.split('/').collect();
        let ok = !s.is_empty()
            && segments.len() <= 4
            && segments.iter().all(|seg| {
                !seg.is_empty()
                    && seg.len() <= 40
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ok {
            return Err(AppError::bad(
                "a product type is up to four lower-case words joined by '/', such as food/bread",
            ));
        }
        Ok(ProductType(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The product types offered when entering goods; any other path may be used as well.
pub const SUGGESTED_TYPES: &[&str] = &[
    "food/bread",
    "food/produce",
    "food/dairy",
    "food/drinks",
    "clothing",
    "household",
    "printing",
    "books",
    "crafts",
    "tools",
    "energy",
    "services/repair",
    "services/care",
    "services/training",
    "services/transport",
];

/// An item as a workplace enters it, checked.
#[derive(Debug, Clone)]
pub struct ItemDraft {
    pub name: String,
    pub description_md: String,
    pub unit: String,
    pub price: Price,
    pub stock: i64,
    pub low_stock_at: i64,
    pub product_type: ProductType,
    pub how_made: String,
    pub image_url: Option<url::Url>,
}

/// The raw fields of an item, from a form, the API or a CSV row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ItemFields {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub unit: String,
    pub price: String,
    pub currency: String,
    pub stock: String,
    #[serde(default)]
    pub low_stock_at: String,
    pub product_type: String,
    #[serde(default)]
    pub how_made: String,
    #[serde(default)]
    pub image_url: String,
}

fn check_text(field: &str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(AppError::bad(format!("{field} is required")));
    }
    if value.chars().count() > max {
        return Err(AppError::bad(format!(
            "{field} may have at most {max} characters"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::bad(format!("{field} has control characters")));
    }
    Ok(value.to_string())
}

impl ItemFields {
    pub fn check(&self) -> Result<ItemDraft, AppError> {
        let image_url = match self.image_url.trim() {
            "" => None,
            u => {
                let url = url::Url::parse(u)
                    .map_err(|_| AppError::bad("the image address is not a URL"))?;
                if url.scheme() != "https" && url.scheme() != "http" {
                    return Err(AppError::bad("the image address must be an http(s) URL"));
                }
                Some(url)
            }
        };
        let unit = check_text("the unit", &self.unit, 40, true)?;
        Ok(ItemDraft {
            name: check_text("the name", &self.name, 200, true)?,
            description_md: check_text("the description", &self.description, 20_000, false)?,
            unit,
            price: Price::parse(&self.price, &self.currency)?,
            stock: parse_stock(&self.stock)?,
            low_stock_at: if self.low_stock_at.trim().is_empty() {
                0
            } else {
                parse_stock(&self.low_stock_at).map_err(|_| {
                    AppError::bad("the low-stock level must be a whole number, zero or more")
                })?
            },
            product_type: ProductType::parse(&self.product_type)?,
            how_made: check_text("how it is made", &self.how_made, 5_000, false)?,
            image_url,
        })
    }
}

fn new_item_id(state: &AppState) -> String {
    state
        .settings
        .url(&format!("/items/{}", uuid::Uuid::new_v4()))
        .to_string()
}

fn row_from_draft(
    id: String,
    owner: &KnownActor,
    d: &ItemDraft,
    published_at: i64,
    now: i64,
) -> ItemRow {
    ItemRow {
        id,
        owner_id: owner.id.to_string(),
        is_local: 1,
        name: d.name.clone(),
        description_md: Some(d.description_md.clone()),
        description_html: text::markdown_to_html(&d.description_md),
        unit: d.unit.clone(),
        price_minor: d.price.minor,
        currency: d.price.currency.as_str().to_string(),
        stock: d.stock,
        low_stock_at: d.low_stock_at,
        product_type: d.product_type.as_str().to_string(),
        how_made: d.how_made.clone(),
        image_url: d.image_url.as_ref().map(url::Url::to_string),
        region: owner.region.clone(),
        state: "active".into(),
        published_at,
        updated_at: now,
    }
}

fn must_be_workplace(owner: &KnownActor) -> Result<(), AppError> {
    if owner.coop_kind.as_deref() != Some("workplace") {
        return Err(AppError::Forbidden(
            "only workplaces sell goods and services".into(),
        ));
    }
    Ok(())
}

/// Enters a new item and announces it to the workplace's followers.
pub async fn create_item(
    state: &AppState,
    owner: &KnownActor,
    draft: &ItemDraft,
) -> Result<ItemRow, AppError> {
    must_be_workplace(owner)?;
    let now = now_ms();
    let row = row_from_draft(new_item_id(state), owner, draft, now, now);
    let empty = ItemRow {
        stock: 0,
        ..row.clone()
    };
    let change = ItemChange::New {
        item: &empty,
        stock: row.stock,
    };
    market::publish_item(state, owner, &row, true, &[&change]).await?;
    Ok(row)
}

/// The item, if it is one of this workplace's own.
pub async fn own_item(state: &AppState, owner: &KnownActor, id: &str) -> Result<ItemRow, AppError> {
    let item = state.db.item(id).await?.ok_or(AppError::NotFound)?;
    if item.owner_id != owner.id.as_str() || item.is_local != 1 {
        return Err(AppError::Forbidden(
            "this item belongs to another workplace".into(),
        ));
    }
    Ok(item)
}

/// Changes an item and tells followers (price, stock and all).
pub async fn update_item(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
    draft: &ItemDraft,
) -> Result<ItemRow, AppError> {
    let item = own_item(state, owner, id).await?;
    if !item.is_active() {
        return Err(AppError::Conflict(
            "a retired item cannot be changed".into(),
        ));
    }
    let now = now_ms();
    // Everything but the stock, which changes only by counting (set_stock) and by orders: an
    // edit made from a form opened before a sale must not undo the sale.
    let details = row_from_draft(item.id.clone(), owner, draft, item.published_at, now);
    let row = ItemRow {
        stock: item.stock,
        state: item.state,
        ..details.clone()
    };
    let change = ItemChange::Details(&details);
    market::publish_item(state, owner, &row, false, &[&change]).await?;
    Ok(row)
}

/// Sets the stock after a count, logs it and tells followers.
pub async fn set_stock(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
    stock: i64,
    reason: &str,
) -> Result<(), AppError> {
    let item = own_item(state, owner, id).await?;
    let reason = check_text("the reason", reason, 200, false)?;
    let counted = ItemRow {
        stock,
        updated_at: now_ms(),
        ..item
    };
    let change = ItemChange::Stock {
        id: &counted.id,
        stock,
        reason: if reason.is_empty() {
            "counted by hand"
        } else {
            &reason
        },
        at: counted.updated_at,
    };
    market::publish_item(state, owner, &counted, false, &[&change]).await
}

/// Takes an item off sale for good; followers' catalogues drop it.
pub async fn retire_item(state: &AppState, owner: &KnownActor, id: &str) -> Result<(), AppError> {
    let item = own_item(state, owner, id).await?;
    if !item.is_active() {
        return Ok(());
    }
    let change = ItemChange::State {
        id: &item.id,
        state: "retired",
        at: now_ms(),
    };
    market::retire_item(state, owner, &item, &change).await
}

/// The columns of the catalogue's CSV files, in order.
pub const CSV_COLUMNS: [&str; 10] = [
    "name",
    "description",
    "unit",
    "price",
    "currency",
    "stock",
    "low_stock_at",
    "product_type",
    "how_made",
    "image_url",
];

/// The workplace's active items as CSV, with the header row.
pub async fn export_csv(state: &AppState, owner: &KnownActor) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_COLUMNS)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for item in state.db.items_of(owner.id.as_str(), false).await? {
        out.write_record([
            item.name.as_str(),
            item.description_md.as_deref().unwrap_or(""),
            &item.unit,
            &format_minor(item.price_minor),
            &item.currency,
            &item.stock.to_string(),
            &item.low_stock_at.to_string(),
            &item.product_type,
            &item.how_made,
            item.image_url.as_deref().unwrap_or(""),
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.to_string()))
}

/// Most rows one CSV import may hold.
pub const MAX_CSV_ROWS: usize = 5_000;

/// Reads a CSV file of items (the export's columns). Every row is checked before any is
/// entered: one bad row refuses the whole file, naming the row.
pub async fn import_csv(
    state: &AppState,
    owner: &KnownActor,
    data: &str,
) -> Result<usize, AppError> {
    must_be_workplace(owner)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(data.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| AppError::bad(format!("unreadable CSV header: {e}")))?
        .clone();
    let index = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    for required in ["name", "unit", "price", "currency", "stock", "product_type"] {
        if index(required).is_none() {
            return Err(AppError::bad(format!(
                "the CSV file has no {required} column"
            )));
        }
    }
    let mut drafts = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        let record = record.map_err(|e| AppError::bad(format!("row {row}: {e}")))?;
        if drafts.len() >= MAX_CSV_ROWS {
            return Err(AppError::bad(format!(
                "a CSV import may hold at most {MAX_CSV_ROWS} items"
            )));
        }
        let get = |name: &str| {
            index(name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_string()
        };
        let fields = ItemFields {
            name: get("name"),
            description: get("description"),
            unit: get("unit"),
            price: get("price"),
            currency: get("currency"),
            stock: get("stock"),
            low_stock_at: get("low_stock_at"),
            product_type: get("product_type"),
            how_made: get("how_made"),
            image_url: get("image_url"),
        };
        let draft = fields
            .check()
            .map_err(|e| AppError::bad(format!("row {row}: {e}")))?;
        drafts.push(draft);
    }
    for draft in &drafts {
        create_item(state, owner, draft).await?;
    }
    Ok(drafts.len())
}

/// Puts an item in a member's basket at the price it has now.
pub async fn add_to_basket(
    state: &AppState,
    user: &crate::core::store::users::UserRow,
    item_id: &str,
    quantity: Quantity,
) -> Result<(), AppError> {
    let item = state
        .db
        .item(item_id)
        .await?
        .filter(ItemRow::is_active)
        .ok_or_else(|| AppError::bad("that item is not for sale"))?;
    let already = state
        .db
        .basket(user.id)
        .await?
        .iter()
        .find(|l| l.item_id == item.id)
        .map_or(0, |l| l.quantity);
    if already + quantity.get() > item.stock.max(0) && item.is_local == 1 {
        return Err(AppError::bad(format!(
            "only {} {} of {} are in stock",
            item.stock, item.unit, item.name
        )));
    }
    state
        .db
        .add_to_basket(
            user.id,
            &item.id,
            quantity.get(),
            item.price_minor,
            &item.currency,
            now_ms(),
        )
        .await?;
    Ok(())
}

/// Orders everything in a member's basket, one order per workplace, as the member or on behalf
/// of a consumer council they may act for. Every line is checked before any order is placed:
/// an item gone, retired or repriced since it was put in the basket stops the checkout.
pub async fn checkout(
    state: &AppState,
    user: &crate::core::store::users::UserRow,
    council: Option<&KnownActor>,
) -> Result<Vec<crate::features::market::store::orders::OrderRow>, AppError> {
    use crate::features::market::store::orders::NewLine;

    let basket = state.db.basket(user.id).await?;
    if basket.is_empty() {
        return Err(AppError::bad("the basket is empty"));
    }
    let buyer = match council {
        Some(council) => {
            if council.coop_kind.as_deref() != Some("consumer-council") {
                return Err(AppError::bad(
                    "orders on behalf of a group are placed by consumer councils",
                ));
            }
            if !crate::features::coops::may_act_for(&state.db, user, council.id.as_str()).await? {
                return Err(AppError::Forbidden(
                    "you may not order for this council".into(),
                ));
            }
            council.clone()
        }
        None => {
            let row = state
                .db
                .local_actor(&user.actor_id)
                .await?
                .ok_or_else(|| AppError::Internal("the member has no actor".into()))?;
            crate::core::federation::convert::local_actor(&row, &state.settings)
        }
    };
    // Group by workplace, checking every line first.
    let mut groups: Vec<(String, String, Vec<NewLine>)> = Vec::new();
    for line in &basket {
        let item =
            state.db.item(&line.item_id).await?.ok_or_else(|| {
                AppError::bad("an item in the basket is no longer in the catalogue")
            })?;
        if !item.is_active() {
            return Err(AppError::bad(format!(
                "{} is no longer sold; remove it from the basket",
                item.name
            )));
        }
        if item.price_minor != line.price_minor || item.currency != line.currency {
            return Err(AppError::Conflict(format!(
                "the price of {} changed from {} to {} {} since you added it; remove it and add it again",
                item.name,
                format_minor(line.price_minor),
                format_minor(item.price_minor),
                item.currency
            )));
        }
        let new_line = NewLine {
            item_id: item.id.clone(),
            name: item.name.clone(),
            unit: item.unit.clone(),
            quantity: line.quantity,
            unit_price_minor: item.price_minor,
        };
        match groups
            .iter_mut()
            .find(|(owner, _, _)| *owner == item.owner_id)
        {
            Some((_, currency, lines)) => {
                if *currency != item.currency {
                    return Err(AppError::bad("one workplace's items must share a currency"));
                }
                lines.push(new_line);
            }
            None => groups.push((item.owner_id.clone(), item.currency.clone(), vec![new_line])),
        }
    }
    // Orders priced in credits: refuse the whole checkout up front if the buyer's balance cannot
    // cover them all. Each order still holds its own credits in the transaction that records
    // it, so a checkout racing this one cannot overdraw the account either.
    let in_credits: i64 = groups
        .iter()
        .filter(|(_, currency, _)| currency == crate::features::credits::CREDITS_CURRENCY)
        .flat_map(|(_, _, lines)| lines)
        .map(|l| l.quantity.saturating_mul(l.unit_price_minor))
        .fold(0i64, i64::saturating_add);
    if in_credits > 0 {
        let balance = state
            .db
            .credit_balance(
                crate::features::credits::account_kind(&buyer),
                buyer.id.as_str(),
            )
            .await?;
        if balance < in_credits {
            return Err(AppError::Conflict(format!(
                "insufficient credits: the basket costs {} credits and the balance is {}",
                format_minor(in_credits),
                format_minor(balance)
            )));
        }
    }
    let mut orders = Vec::new();
    for (owner, currency, lines) in groups {
        let seller = crate::core::federation::stored_actor(state, &owner)
            .await?
            .ok_or_else(|| AppError::bad("an item's workplace is no longer known here"))?;
        let ordered: Vec<String> = lines.iter().map(|l| l.item_id.clone()).collect();
        let placed_by = council.map(|_| user.actor_id.as_str());
        orders
            .push(market::place_order(state, &buyer, placed_by, &seller, &currency, lines).await?);
        for item in ordered {
            state.db.remove_from_basket(user.id, &item).await?;
        }
    }
    Ok(orders)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_read_exactly() {
        assert_eq!(Price::parse("12.50", "eur").unwrap().minor, 1250);
        assert_eq!(Price::parse("12,5", "EUR").unwrap().minor, 1250);
        assert_eq!(Price::parse("3", "GBP").unwrap().minor, 300);
        assert_eq!(Price::parse(".99", "GBP").unwrap().minor, 99);
        assert_eq!(Price::parse("0.07", "GBP").unwrap().to_string(), "0.07 GBP");
        for bad in ["-1", "1.234", "abc", "", "1e5", "99999999999999999999"] {
            assert!(Price::parse(bad, "EUR").is_err(), "{bad}");
        }
        assert!(Price::parse("1", "EURO").is_err());
    }

    #[test]
    fn quantities_and_types_are_checked() {
        assert!(Quantity::new(0).is_err());
        assert!(Quantity::new(-3).is_err());
        assert_eq!(Quantity::parse(" 7 ").unwrap().get(), 7);
        assert!(parse_stock("-1").is_err());
        assert_eq!(
            ProductType::parse("Food/Bread/").unwrap().as_str(),
            "food/bread"
        );
        assert!(ProductType::parse("food//bread").is_err());
        assert!(ProductType::parse("a/b/c/d/e").is_err());
        assert!(ProductType::parse("food bread").is_err());
    }
}
