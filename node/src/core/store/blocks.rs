//! Blocked domains, and removing from view what came from them.

use crate::core::store::{Db, StoreError};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BlockedDomainRow {
    pub domain: String,
    pub reason: String,
    pub created_at: i64,
}

/// Rows that came from a blocked domain, by the column that names their origin: removed when
/// the domain is blocked. Remote rows only; what a local actor did with them stays (orders,
/// for example, keep the lines they record).
const REMOTE_ROWS: [(&str, &str); 8] = [
    ("shares", "actor_id"),
    ("follows", "follower_id"),
    ("follows", "followee_id"),
    ("recommendations", "council_id"),
    ("jobs", "owner_id"),
    ("coop_profiles", "actor_id"),
    ("enquiries", "author_id"),
    ("remote_actors", "id"),
];

/// `column` is an id on `domain` or one of its subdomains.
fn on_domain(column: &str, first: usize) -> String {
    let (a, b, c) = (first, first + 1, first + 2);
    format!("({column} LIKE ${a} OR {column} LIKE ${b} OR {column} LIKE ${c})")
}

fn patterns(domain: &str) -> [String; 3] {
    let d = domain.replace(['%', '_', '\\'], "");
    [
        format!("%://{d}/%"),
        format!("%://{d}:%"),
        format!("%.{d}/%"),
    ]
}

impl Db {
    /// Blocks a domain and removes from view everything stored from it, in one transaction:
    /// its posts are marked deleted, its forum posts removed, its items retired, its listings and library entries and
    /// their ratings removed, and its actors, follows, shares, jobs and profiles forgotten.
    pub async fn block_domain(
        &self,
        domain: &str,
        reason: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let _change = self.catalogue_change();
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO blocked_domains (domain, reason, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (domain) DO UPDATE SET reason = excluded.reason",
        )
        .bind(domain)
        .bind(reason)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let [p1, p2, p3] = patterns(domain);
        let mut statements = vec![
            format!(
                "UPDATE posts SET deleted_at = $4 WHERE is_local = 0 AND deleted_at IS NULL AND {}",
                on_domain("author_id", 1)
            ),
            format!(
                "UPDATE items SET state = 'retired', updated_at = $4 WHERE is_local = 0 AND {}",
                on_domain("owner_id", 1)
            ),
            // Forum posts keep their place in threads, blank, as removed posts do.
            format!(
                "UPDATE forum_posts SET removed_at = $4, content_html = '', content_md = NULL \
                 WHERE removed_at IS NULL AND {}",
                on_domain("author_id", 1)
            ),
            format!(
                "DELETE FROM ratings WHERE report_id IN (SELECT id FROM listings WHERE {})",
                on_domain("id", 1)
            ),
            format!(
                "DELETE FROM library_versions WHERE entry_id IN \
                 (SELECT id FROM library_entries WHERE is_local = 0 AND {})",
                on_domain("id", 1)
            ),
            format!(
                "DELETE FROM library_entries WHERE is_local = 0 AND {}",
                on_domain("id", 1)
            ),
            format!(
                "DELETE FROM listings WHERE is_local = 0 AND {}",
                on_domain("id", 1)
            ),
        ];
        for (table, column) in REMOTE_ROWS {
            statements.push(format!(
                "DELETE FROM {table} WHERE {}",
                on_domain(column, 1)
            ));
        }
        for sql in statements {
            let uses_now = sql.contains("$4");
            let mut q = sqlx::query(&sql).bind(&p1).bind(&p2).bind(&p3);
            if uses_now {
                q = q.bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn unblock_domain(&self, domain: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM blocked_domains WHERE domain = $1")
            .bind(domain)
            .execute(self.write())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn blocked_domains(&self) -> Result<Vec<BlockedDomainRow>, StoreError> {
        Ok(
            sqlx::query_as(
                "SELECT domain, reason, created_at FROM blocked_domains ORDER BY domain",
            )
            .fetch_all(self.read())
            .await?,
        )
    }

    /// Whether `authority` (host, or host:port) or a domain it belongs to is blocked.
    pub async fn is_domain_blocked(&self, authority: &str) -> Result<bool, StoreError> {
        let host = authority
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(authority, |(h, _)| h)
            .to_lowercase();
        let mut candidates = vec![authority.to_lowercase(), host.clone()];
        let mut rest = host.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if parent.contains('.') {
                candidates.push(parent.to_string());
            }
            rest = parent;
        }
        // One indexed look-up for all of them: this runs for every activity the inbox takes.
        let placeholders: Vec<String> = (1..=candidates.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT COUNT(*) FROM blocked_domains WHERE domain IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for c in &candidates {
            query = query.bind(c);
        }
        Ok(query.fetch_one(self.read()).await? > 0)
    }
}
