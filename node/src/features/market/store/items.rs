//! Catalogue items (ours and those of co-ops we follow) and the log of stock changes.

use std::sync::Arc;

use crate::core::store::cache::Change;
use crate::core::store::outbox::{applied, WrittenAlongside};
use crate::core::store::{Backend, Db, Refusal, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: String,
    pub owner_id: String,
    pub is_local: i64,
    pub name: String,
    pub description_md: Option<String>,
    pub description_html: String,
    pub unit: String,
    pub price_minor: i64,
    pub currency: String,
    pub stock: i64,
    pub low_stock_at: i64,
    pub product_type: String,
    pub how_made: String,
    pub image_url: Option<String>,
    pub region: Option<String>,
    pub state: String,
    pub published_at: i64,
    pub updated_at: i64,
}

impl ItemRow {
    pub fn is_active(&self) -> bool {
        self.state == "active"
    }

    pub fn low_stock(&self) -> bool {
        self.stock <= self.low_stock_at
    }
}

/// An item as the catalogue lists it, with its workplace's name and handle.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CatalogueEntry {
    pub id: String,
    pub owner_id: String,
    pub is_local: i64,
    pub name: String,
    pub description_html: String,
    pub unit: String,
    pub price_minor: i64,
    pub currency: String,
    pub stock: i64,
    pub low_stock_at: i64,
    pub product_type: String,
    pub how_made: String,
    pub image_url: Option<String>,
    pub region: Option<String>,
    pub updated_at: i64,
    pub owner_name: Option<String>,
    pub owner_username: Option<String>,
    pub owner_host: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StockChangeRow {
    pub delta: i64,
    pub stock_after: i64,
    pub reason: String,
    pub order_id: Option<String>,
    pub at: i64,
}

/// How the catalogue is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    PriceLow,
    PriceHigh,
    Name,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        Some(match s {
            "newest" => Sort::Newest,
            "price" => Sort::PriceLow,
            "price-desc" => Sort::PriceHigh,
            "name" => Sort::Name,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::PriceLow => "price",
            Sort::PriceHigh => "price-desc",
            Sort::Name => "name",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Sort::Newest => "i.published_at DESC, i.id",
            Sort::PriceLow => "i.price_minor, i.id",
            Sort::PriceHigh => "i.price_minor DESC, i.id",
            Sort::Name => "i.name, i.id",
        }
    }
}

/// What the buyer asked the catalogue for. Every field is optional.
#[derive(Debug, Clone, Default)]
pub struct CatalogueQuery {
    /// Words to find in name, description and how it is made.
    pub text: Option<String>,
    /// A category; its sub-categories are included.
    pub product_type: Option<String>,
    /// A workplace's actor id.
    pub owner: Option<String>,
    pub region: Option<String>,
    pub in_stock_only: bool,
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds an item's columns, in ITEM_COLUMNS order, to $1…$18.
fn bind_item<'q>(query: AnyQuery<'q>, item: &'q ItemRow) -> AnyQuery<'q> {
    query
        .bind(&item.id)
        .bind(&item.owner_id)
        .bind(item.is_local)
        .bind(&item.name)
        .bind(&item.description_md)
        .bind(&item.description_html)
        .bind(&item.unit)
        .bind(item.price_minor)
        .bind(&item.currency)
        .bind(item.stock)
        .bind(item.low_stock_at)
        .bind(&item.product_type)
        .bind(&item.how_made)
        .bind(&item.image_url)
        .bind(&item.region)
        .bind(&item.state)
        .bind(item.published_at)
        .bind(item.updated_at)
}

const ITEM_COLUMNS: &str = "id, owner_id, is_local, name, description_md, description_html, \
    unit, price_minor, currency, stock, low_stock_at, product_type, how_made, image_url, region, \
    state, published_at, updated_at";

const ENTRY_COLUMNS: &str = "SELECT i.id, i.owner_id, i.is_local, i.name, i.description_html, \
    i.unit, i.price_minor, i.currency, i.stock, i.low_stock_at, i.product_type, i.how_made, \
    i.image_url, i.region, i.updated_at, COALESCE(l.name, r.name) AS owner_name, \
    COALESCE(l.username, r.username) AS owner_username, r.host AS owner_host FROM items i";
const ENTRY_OWNERS: &str = "LEFT JOIN local_actors l ON l.id = i.owner_id \
    LEFT JOIN remote_actors r ON r.id = i.owner_id";

/// Turns free text into an FTS query of prefix terms, each quoted, so user input can never be
/// read as query syntax.
fn fts_terms(text: &str, backend: Backend) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| w.to_lowercase())
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(match backend {
        Backend::Sqlite => words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
        Backend::Postgres => words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

impl Db {
    /// Stores an item, or replaces what we had of it (a newer version from its owner).
    pub async fn upsert_item(&self, item: &ItemRow) -> Result<(), StoreError> {
        let _changed = self.catalogue_change();
        self.write_rows(&ItemChange::Upsert(item)).await
    }

    /// Stores many items in one transaction (imports and benchmarks).
    pub async fn insert_items(&self, items: &[ItemRow]) -> Result<(), StoreError> {
        let _changed = self.catalogue_change();
        let mut tx = self.write().begin().await?;
        for item in items {
            let query = sqlx::query(
                "INSERT INTO items (id, owner_id, is_local, name, description_md, \
                 description_html, unit, price_minor, currency, stock, low_stock_at, product_type, \
                 how_made, image_url, region, state, published_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18) ON CONFLICT (id) DO NOTHING",
            );
            bind_item(query, item).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn item(&self, id: &str) -> Result<Option<ItemRow>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    pub async fn catalogue_entry(&self, id: &str) -> Result<Option<CatalogueEntry>, StoreError> {
        let sql = format!("{ENTRY_COLUMNS} {ENTRY_OWNERS} WHERE i.id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    /// A workplace's items, active ones first, newest first.
    pub async fn items_of(
        &self,
        owner: &str,
        include_retired: bool,
    ) -> Result<Vec<ItemRow>, StoreError> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items WHERE owner_id = $1 {} \
             ORDER BY state, updated_at DESC, id",
            if include_retired {
                ""
            } else {
                "AND state = 'active'"
            }
        );
        Ok(sqlx::query_as(&sql)
            .bind(owner)
            .fetch_all(self.read())
            .await?)
    }

    /// The network catalogue: active items of local co-ops and of co-ops a local actor follows.
    /// Returns one page and whether more follow.
    pub async fn catalogue(
        &self,
        q: &CatalogueQuery,
        sort: Sort,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CatalogueEntry>, StoreError> {
        let key = format!("{q:?}|{}|{limit}|{offset}", sort.as_str());
        if let Some(entries) = self.pages.get::<Vec<CatalogueEntry>>(&key) {
            return Ok(entries.as_ref().clone());
        }
        let generation = self.pages.generation();
        let entries = self.catalogue_uncached(q, sort, limit, offset).await?;
        self.pages.put(key, generation, Arc::new(entries.clone()));
        Ok(entries)
    }

    /// Marks the catalogue changed when the returned guard drops, that is after the caller's
    /// writes: a page read meanwhile was read under the older generation and is not reused.
    pub(crate) fn catalogue_change(&self) -> Change<'_> {
        self.pages.change()
    }

    async fn catalogue_uncached(
        &self,
        q: &CatalogueQuery,
        sort: Sort,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CatalogueEntry>, StoreError> {
        let mut conditions = vec![
            "i.state = 'active'".to_string(),
            // Evaluated once per query, not once per item.
            "(i.is_local = 1 OR i.owner_id IN (SELECT f.followee_id FROM follows f \
             JOIN local_actors fl ON fl.id = f.follower_id WHERE f.state = 'accepted'))"
                .to_string(),
        ];
        let mut binds: Vec<String> = Vec::new();
        let next = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        // With words to find, the search index drives the query: SQLite starts from the
        // full-text matches (a join) rather than scanning items in the sort order.
        let mut from_fts = "";
        if let Some(terms) = q.text.as_deref().and_then(|t| fts_terms(t, self.backend())) {
            let p = next(terms, &mut binds);
            conditions.push(match self.backend() {
                Backend::Sqlite => {
                    from_fts = " JOIN items_fts ON items_fts.rowid = i.rowid";
                    format!("items_fts MATCH {p}")
                }
                Backend::Postgres => format!("i.search @@ to_tsquery('simple', {p})"),
            });
        }
        if let Some(t) = &q.product_type {
            // `food` and everything under `food/`: a range, so the index serves it. '0' is the
            // character after '/'.
            let exact = next(t.clone(), &mut binds);
            let low = next(format!("{t}/"), &mut binds);
            let high = next(format!("{t}0"), &mut binds);
            conditions.push(format!(
                "(i.product_type = {exact} OR (i.product_type >= {low} AND i.product_type < {high}))"
            ));
        }
        if let Some(owner) = &q.owner {
            let p = next(owner.clone(), &mut binds);
            conditions.push(format!("i.owner_id = {p}"));
        }
        if let Some(region) = &q.region {
            let p = next(region.clone(), &mut binds);
            conditions.push(format!("i.region = {p}"));
        }
        if q.in_stock_only {
            conditions.push("i.stock > 0".into());
        }
        let limit_p = binds.len() + 1;
        let offset_p = binds.len() + 2;
        let sql = format!(
            "{ENTRY_COLUMNS}{from_fts} {ENTRY_OWNERS} WHERE {} ORDER BY {} \
             LIMIT ${limit_p} OFFSET ${offset_p}",
            conditions.join(" AND "),
            sort.order_by()
        );
        let mut query = sqlx::query_as(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        Ok(query
            .bind(limit)
            .bind(offset)
            .fetch_all(self.read())
            .await?)
    }

    /// Categories in use in the catalogue, with how many active items each holds directly.
    pub async fn product_types(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT product_type, COUNT(*) FROM items WHERE state = 'active' AND \
             (is_local = 1 OR owner_id IN (SELECT f.followee_id FROM follows f \
             JOIN local_actors fl ON fl.id = f.follower_id WHERE f.state = 'accepted')) \
             GROUP BY product_type ORDER BY product_type",
        )
        .fetch_all(self.read())
        .await?)
    }

    /// Regions with active items.
    pub async fn item_regions(&self) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT region FROM items WHERE state = 'active' AND region IS NOT NULL AND \
             (is_local = 1 OR owner_id IN (SELECT f.followee_id FROM follows f \
             JOIN local_actors fl ON fl.id = f.follower_id WHERE f.state = 'accepted')) \
             ORDER BY region",
        )
        .fetch_all(self.read())
        .await?)
    }

    /// Workplaces with active items: (actor id, name).
    pub async fn item_owners(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT i.owner_id, COALESCE(l.name, r.name, i.owner_id) FROM items i \
             LEFT JOIN local_actors l ON l.id = i.owner_id \
             LEFT JOIN remote_actors r ON r.id = i.owner_id \
             WHERE i.state = 'active' AND (i.is_local = 1 OR i.owner_id IN \
             (SELECT f.followee_id FROM follows f JOIN local_actors fl ON fl.id = f.follower_id \
             WHERE f.state = 'accepted')) ORDER BY 2",
        )
        .fetch_all(self.read())
        .await?)
    }

    /// Sets an item's stock by hand and logs the change.
    /// Sets an item's stock after a count, logged with its reason.
    pub async fn set_stock(
        &self,
        id: &str,
        stock: i64,
        reason: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let _changed = self.catalogue_change();
        let change = ItemChange::Stock {
            id,
            stock,
            reason,
            at,
        };
        self.write_rows(&change).await
    }

    pub async fn stock_changes(
        &self,
        item: &str,
        limit: i64,
    ) -> Result<Vec<StockChangeRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT delta, stock_after, reason, order_id, at FROM stock_changes \
             WHERE item_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(item)
        .bind(limit)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn set_item_state(&self, id: &str, state: &str, at: i64) -> Result<bool, StoreError> {
        let _changed = self.catalogue_change();
        applied(self.write_rows(&ItemChange::State { id, state, at }).await)
    }

    /// Refreshes the query planner's statistics, as after a large import.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => "PRAGMA optimize=0x10002",
            Backend::Postgres => "ANALYZE",
        };
        sqlx::query(sql).execute(self.write()).await?;
        Ok(())
    }
}

/// A change to an item, written alone or in the same transaction as the activity that tells
/// followers of it. Whoever writes one holds `Db::catalogue_change` meanwhile.
pub enum ItemChange<'a> {
    /// A new or newer item (an older version, or another owner's, changes nothing).
    Upsert(&'a ItemRow),
    /// A new local item, entered empty, then stocked through the log, so the first stock is a
    /// logged change.
    New { item: &'a ItemRow, stock: i64 },
    /// Everything but the stock and state of a local item; refused as missing if there is none.
    Details(&'a ItemRow),
    /// The stock after a count, logged with its reason.
    Stock {
        id: &'a str,
        stock: i64,
        reason: &'a str,
        at: i64,
    },
    /// Active or retired; refused as missing if there is no such item.
    State {
        id: &'a str,
        state: &'a str,
        at: i64,
    },
}

#[async_trait::async_trait]
impl WrittenAlongside for ItemChange<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        match *self {
            ItemChange::Upsert(item) => upsert(tx, item).await,
            ItemChange::New { item, stock } => {
                upsert(tx, item).await?;
                if stock != item.stock {
                    set_stock(tx, &item.id, stock, "first stock", item.updated_at).await?;
                }
                Ok(())
            }
            ItemChange::Details(item) => {
                let done = sqlx::query(
                    "UPDATE items SET name = $2, description_md = $3, description_html = $4, unit = $5, \
                     price_minor = $6, currency = $7, low_stock_at = $8, product_type = $9, \
                     how_made = $10, image_url = $11, region = $12, updated_at = $13 \
                     WHERE id = $1 AND is_local = 1",
                )
                .bind(&item.id)
                .bind(&item.name)
                .bind(&item.description_md)
                .bind(&item.description_html)
                .bind(&item.unit)
                .bind(item.price_minor)
                .bind(&item.currency)
                .bind(item.low_stock_at)
                .bind(&item.product_type)
                .bind(&item.how_made)
                .bind(&item.image_url)
                .bind(&item.region)
                .bind(item.updated_at)
                .execute(&mut **tx)
                .await?;
                Refusal::Missing.unless_written(&done)
            }
            ItemChange::Stock {
                id,
                stock,
                reason,
                at,
            } => set_stock(tx, id, stock, reason, at).await,
            ItemChange::State { id, state, at } => {
                let done =
                    sqlx::query("UPDATE items SET state = $2, updated_at = $3 WHERE id = $1")
                        .bind(id)
                        .bind(state)
                        .bind(at)
                        .execute(&mut **tx)
                        .await?;
                Refusal::Missing.unless_written(&done)
            }
        }
    }
}

async fn upsert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    item: &ItemRow,
) -> Result<(), StoreError> {
    let query = sqlx::query(
        "INSERT INTO items (id, owner_id, is_local, name, description_md, description_html, \
             unit, price_minor, currency, stock, low_stock_at, product_type, how_made, image_url, \
             region, state, published_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
             description_md = excluded.description_md, description_html = excluded.description_html, \
             unit = excluded.unit, price_minor = excluded.price_minor, currency = excluded.currency, \
             stock = excluded.stock, low_stock_at = excluded.low_stock_at, \
             product_type = excluded.product_type, how_made = excluded.how_made, \
             image_url = excluded.image_url, region = excluded.region, state = excluded.state, \
             updated_at = excluded.updated_at \
             WHERE items.owner_id = excluded.owner_id AND items.updated_at <= excluded.updated_at",
    );
    bind_item(query, item).execute(&mut **tx).await?;
    Ok(())
}

/// Sets the stock and logs the change; an item that is not here is left alone.
async fn set_stock(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    stock: i64,
    reason: &str,
    at: i64,
) -> Result<(), StoreError> {
    let before: Option<i64> = sqlx::query_scalar("SELECT stock FROM items WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(before) = before else {
        return Ok(());
    };
    sqlx::query("UPDATE items SET stock = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(stock)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO stock_changes (item_id, delta, stock_after, reason, at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(stock - before)
    .bind(stock)
    .bind(reason)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
