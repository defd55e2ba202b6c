//! The directory's tables: co-op profile versions, listings and their ratings.

use crate::core::store::actors::RemoteActorRow;
use crate::core::store::outbox::{applied, WrittenAlongside};
use crate::core::store::{Db, Refusal, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProfileVersionRow {
    pub actor_id: String,
    pub version: i64,
    pub document: String,
    pub recorded_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListingRow {
    pub id: String,
    pub owner_id: String,
    pub is_local: i64,
    pub kind: String,
    pub title: String,
    pub body_md: Option<String>,
    pub body_html: String,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub details: String,
    pub published_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatingRow {
    pub report_id: String,
    pub position: i64,
    pub subject_id: String,
    pub criterion: String,
    pub score: i64,
    pub comment: String,
}

/// A rating with the report it is from, for a subject's page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubjectRating {
    pub report_id: String,
    pub report_title: String,
    pub owner_id: String,
    pub criterion: String,
    pub score: i64,
    pub comment: String,
}

/// Sum and count of the scores one subject has for one criterion.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreSum {
    pub subject_id: String,
    pub criterion: String,
    pub total: i64,
    pub count: i64,
}

/// What the directory page asks for; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ListingQuery {
    pub kind: Option<String>,
    pub region: Option<String>,
    pub topic: Option<String>,
    pub words: Option<String>,
    pub owner: Option<String>,
}

const LISTING_COLUMNS: &str = "id, owner_id, is_local, kind, title, body_md, body_html, region, \
    topic, details, published_at, updated_at, deleted_at";

impl Db {
    pub async fn profile_versions(
        &self,
        actor_id: &str,
    ) -> Result<Vec<ProfileVersionRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT actor_id, version, document, recorded_at FROM coop_profiles \
             WHERE actor_id = $1 ORDER BY version DESC LIMIT 100",
        )
        .bind(actor_id)
        .fetch_all(self.read())
        .await?)
    }

    pub async fn latest_profile(
        &self,
        actor_id: &str,
    ) -> Result<Option<ProfileVersionRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT actor_id, version, document, recorded_at FROM coop_profiles \
             WHERE actor_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(actor_id)
        .fetch_optional(self.read())
        .await?)
    }

    /// Keeps a version of a profile; a version we have is replaced (a peer's derived figures,
    /// such as a council's purchases, change without a new version).
    pub async fn put_profile_version(&self, row: &ProfileVersionRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO coop_profiles (actor_id, version, document, recorded_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (actor_id, version) DO UPDATE SET \
             document = excluded.document",
        )
        .bind(&row.actor_id)
        .bind(row.version)
        .bind(&row.document)
        .bind(row.recorded_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Co-ops of other nodes we have met.
    pub async fn remote_coops(&self) -> Result<Vec<RemoteActorRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, username, host, actor_type, name, summary, region, industry, \
             coop_kind, icon_url, inbox, shared_inbox, outbox, public_key_id, public_key_pem, \
             fetched_at FROM remote_actors WHERE coop_kind IS NOT NULL ORDER BY name LIMIT 1000",
        )
        .fetch_all(self.read())
        .await?)
    }

    /// Stores a listing and replaces its ratings, at once. A deleted listing stays deleted,
    /// and a listing stays its first owner's. Returns whether it was stored.
    pub async fn put_listing(
        &self,
        row: &ListingRow,
        ratings: &[RatingRow],
    ) -> Result<bool, StoreError> {
        applied(self.write_rows(&ListingWrite { row, ratings }).await)
    }

    pub async fn listing(&self, id: &str) -> Result<Option<ListingRow>, StoreError> {
        let sql = format!("SELECT {LISTING_COLUMNS} FROM listings WHERE id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.read())
            .await?)
    }

    /// Marks a listing deleted and drops its ratings.
    pub async fn delete_listing(&self, id: &str, now: i64) -> Result<(), StoreError> {
        self.write_rows(&ListingRemoval { id, now }).await
    }

    /// Listings of local co-ops and of co-ops followed here, newest first.
    pub async fn listings(
        &self,
        q: &ListingQuery,
        limit: i64,
    ) -> Result<Vec<ListingRow>, StoreError> {
        let mut conditions = vec![
            "deleted_at IS NULL".to_string(),
            "(is_local = 1 OR owner_id IN (SELECT f.followee_id FROM follows f \
             JOIN local_actors fl ON fl.id = f.follower_id WHERE f.state = 'accepted'))"
                .to_string(),
        ];
        let mut binds: Vec<String> = Vec::new();
        let mut next = |value: String| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(kind) = &q.kind {
            conditions.push(format!("kind = {}", next(kind.clone())));
        }
        if let Some(region) = &q.region {
            conditions.push(format!("LOWER(region) = {}", next(region.to_lowercase())));
        }
        if let Some(topic) = &q.topic {
            conditions.push(format!("LOWER(topic) = {}", next(topic.to_lowercase())));
        }
        if let Some(owner) = &q.owner {
            conditions.push(format!("owner_id = {}", next(owner.clone())));
        }
        if let Some(words) = &q.words {
            for word in words.split_whitespace().take(8) {
                let escaped = word
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let p = next(format!("%{escaped}%"));
                conditions.push(format!(
                    "(LOWER(title) LIKE {p} ESCAPE '\\' OR LOWER(body_html) LIKE {p} ESCAPE '\\' \
                     OR LOWER(COALESCE(topic, '')) LIKE {p} ESCAPE '\\')"
                ));
            }
        }
        let sql = format!(
            "SELECT {LISTING_COLUMNS} FROM listings WHERE {} ORDER BY updated_at DESC LIMIT {}",
            conditions.join(" AND "),
            limit.clamp(1, 500)
        );
        let mut query = sqlx::query_as(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        Ok(query.fetch_all(self.read()).await?)
    }

    pub async fn ratings_of(&self, report_id: &str) -> Result<Vec<RatingRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT report_id, position, subject_id, criterion, score, comment FROM ratings \
             WHERE report_id = $1 ORDER BY position",
        )
        .bind(report_id)
        .fetch_all(self.read())
        .await?)
    }

    /// Score sums per subject and criterion, for the given subjects, from reports not deleted.
    pub async fn score_sums(&self, subjects: &[String]) -> Result<Vec<ScoreSum>, StoreError> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=subjects.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT r.subject_id, r.criterion, CAST(SUM(r.score) AS BIGINT) AS total, COUNT(*) AS count \
             FROM ratings r JOIN listings l ON l.id = r.report_id \
             WHERE l.deleted_at IS NULL AND r.subject_id IN ({}) \
             GROUP BY r.subject_id, r.criterion ORDER BY r.subject_id, r.criterion",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as(&sql);
        for s in subjects {
            query = query.bind(s);
        }
        Ok(query.fetch_all(self.read()).await?)
    }

    /// Every rating of one subject, with its report.
    pub async fn ratings_for(&self, subject: &str) -> Result<Vec<SubjectRating>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT r.report_id, l.title AS report_title, l.owner_id, r.criterion, r.score, \
             r.comment FROM ratings r JOIN listings l ON l.id = r.report_id \
             WHERE l.deleted_at IS NULL AND r.subject_id = $1 \
             ORDER BY l.updated_at DESC, r.position LIMIT 200",
        )
        .bind(subject)
        .fetch_all(self.read())
        .await?)
    }

    /// What a council bought, per seller and product type: orders and totals per currency.
    pub async fn purchase_totals(
        &self,
        council_id: &str,
    ) -> Result<Vec<PurchaseTotal>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT o.seller_id, i.product_type, o.currency, COUNT(DISTINCT o.id) AS orders, \
             CAST(SUM(l.quantity * l.unit_price_minor) AS BIGINT) AS total_minor \
             FROM orders o JOIN order_lines l ON l.order_id = o.id \
             LEFT JOIN items i ON i.id = l.item_id \
             WHERE o.buyer_id = $1 AND o.state IN ('accepted', 'dispatched', 'fulfilled') \
             GROUP BY o.seller_id, i.product_type, o.currency \
             ORDER BY o.seller_id, i.product_type LIMIT 200",
        )
        .bind(council_id)
        .fetch_all(self.read())
        .await?)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PurchaseTotal {
    pub seller_id: String,
    pub product_type: Option<String>,
    pub currency: String,
    pub orders: i64,
    pub total_minor: i64,
}

/// A listing and its ratings, written as one; refused as stale where the listing was deleted
/// or is another owner's.
pub struct ListingWrite<'a> {
    pub row: &'a ListingRow,
    pub ratings: &'a [RatingRow],
}

#[async_trait::async_trait]
impl WrittenAlongside for ListingWrite<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        let stored = sqlx::query(
            "INSERT INTO listings (id, owner_id, is_local, kind, title, body_md, body_html, \
                 region, topic, details, published_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, \
                 body_md = excluded.body_md, body_html = excluded.body_html, \
                 region = excluded.region, topic = excluded.topic, details = excluded.details, \
                 updated_at = excluded.updated_at \
                 WHERE listings.deleted_at IS NULL AND listings.owner_id = excluded.owner_id",
        )
        .bind(&self.row.id)
        .bind(&self.row.owner_id)
        .bind(self.row.is_local)
        .bind(&self.row.kind)
        .bind(&self.row.title)
        .bind(&self.row.body_md)
        .bind(&self.row.body_html)
        .bind(&self.row.region)
        .bind(&self.row.topic)
        .bind(&self.row.details)
        .bind(self.row.published_at)
        .bind(self.row.updated_at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if stored == 0 {
            return Err(StoreError::Refused(Refusal::Stale));
        }
        sqlx::query("DELETE FROM ratings WHERE report_id = $1")
            .bind(&self.row.id)
            .execute(&mut **tx)
            .await?;
        for r in self.ratings {
            sqlx::query(
                "INSERT INTO ratings (report_id, position, subject_id, criterion, score, \
                     comment) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&self.row.id)
            .bind(r.position)
            .bind(&r.subject_id)
            .bind(&r.criterion)
            .bind(r.score)
            .bind(&r.comment)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

/// A listing marked deleted, its ratings dropped.
pub struct ListingRemoval<'a> {
    pub id: &'a str,
    pub now: i64,
}

#[async_trait::async_trait]
impl WrittenAlongside for ListingRemoval<'_> {
    async fn write(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        sqlx::query("UPDATE listings SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL")
            .bind(self.id)
            .bind(self.now)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM ratings WHERE report_id = $1")
            .bind(self.id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
