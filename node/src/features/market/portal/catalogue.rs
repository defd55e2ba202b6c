//! The network catalogue as buyers meet it: every item of this node's workplaces and of the
//! workplaces it follows, filtered, sorted, paged and searched; the item page with its
//! workplace's profile and councils' recommendations; and the forms that recommend an item or
//! start a bulk order enquiry about it.
//!
//! Pages only read and call domain functions (`catalogue`, `activitypub::market`); they never
//! change stock or orders themselves.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, Form, Query},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::web::auth::{MaybeUser, Session, User};
use crate::core::web::enc;
use crate::core::web::person;
use crate::core::web::profile_href;
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{error_page, page};
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::coops::portal::councils_of;
use crate::features::directory::portal::averages_line;
use crate::features::directory::Average;
use crate::features::market::portal::item_href;
use crate::features::market::portal::price_per_unit;
use crate::features::market::portal::stock_status;
use crate::features::market::store::items::{CatalogueEntry, CatalogueQuery, ItemRow, Sort};
use crate::features::market::{wire as market, ProductType};

/// Items on one page of the catalogue.
const CATALOGUE_PAGE: i64 = 20;

pub fn routes() -> Router {
    Router::new()
        .route("/catalogue", get(catalogue))
        .route("/catalogue/item", get(any_item_page))
        .route("/catalogue/recommend", post(recommend))
        .route("/catalogue/enquire", post(enquire))
}

#[derive(Debug, Default, Deserialize)]
pub struct CatalogueParams {
    q: Option<String>,
    #[serde(rename = "type")]
    product_type: Option<String>,
    workplace: Option<String>,
    region: Option<String>,
    stock: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// What the buyer asked for, checked.
struct Filters {
    query: CatalogueQuery,
    sort: Sort,
    page: i64,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl Filters {
    fn parse(p: &CatalogueParams) -> Result<Filters, AppError> {
        let text = given(&p.q);
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(AppError::bad("a search may have at most 200 characters"));
        }
        let product_type = given(&p.product_type)
            .map(|t| ProductType::parse(&t).map(|t| t.as_str().to_string()))
            .transpose()?;
        let owner = given(&p.workplace)
            .map(|w| {
                url::Url::parse(&w)
                    .map(|u| u.to_string())
                    .map_err(|_| AppError::bad("the workplace is not an actor id"))
            })
            .transpose()?;
        let region = given(&p.region);
        if region.as_ref().is_some_and(|r| r.chars().count() > 200) {
            return Err(AppError::bad("a region may have at most 200 characters"));
        }
        let in_stock_only = match given(&p.stock).as_deref() {
            None => false,
            Some("1" | "on" | "true") => true,
            Some(_) => return Err(AppError::bad("'in stock only' is either on or off")),
        };
        let sort = match given(&p.sort) {
            None => Sort::Newest,
            Some(s) => Sort::parse(&s)
                .ok_or_else(|| AppError::bad("sort by newest, price, price-desc or name"))?,
        };
        let page = match given(&p.page) {
            None => 1,
            Some(n) => match n.parse::<i64>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => return Err(AppError::bad("no such page")),
            },
        };
        Ok(Filters {
            query: CatalogueQuery {
                text,
                product_type,
                owner,
                region,
                in_stock_only,
            },
            sort,
            page,
        })
    }

    /// The catalogue's address for another page with the same filters.
    fn href(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let q = &self.query;
        for (key, value) in [
            ("q", &q.text),
            ("type", &q.product_type),
            ("workplace", &q.owner),
            ("region", &q.region),
        ] {
            if let Some(v) = value {
                s.append_pair(key, v);
            }
        }
        if q.in_stock_only {
            s.append_pair("stock", "1");
        }
        if self.sort != Sort::Newest {
            s.append_pair("sort", self.sort.as_str());
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let query = s.finish();
        if query.is_empty() {
            "/catalogue".into()
        } else {
            format!("/catalogue?{query}")
        }
    }
}

/// The category tree: every category in use and each of its ancestors, parents before their
/// children, with how many items each holds including its sub-categories.
fn category_tree(types: &[(String, i64)]) -> Vec<(String, usize, i64)> {
    let mut all: Vec<String> = Vec::new();
    for (t, _) in types {
        let segments: Vec<&str> = t.split('/').collect();
        for depth in 1..=segments.len() {
            let path = segments[..depth].join("/");
            if !all.contains(&path) {
                all.push(path);
            }
        }
    }
    // Segment by segment, so "food/bread" follows "food" and precedes "food-share".
    all.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    all.into_iter()
        .map(|path| {
            let prefix = format!("{path}/");
            let count = types
                .iter()
                .filter(|(t, _)| *t == path || t.starts_with(&prefix))
                .map(|(_, n)| n)
                .sum();
            let depth = path.matches('/').count();
            (path, depth, count)
        })
        .collect()
}

fn item_card(data: &AppState, e: &CatalogueEntry, ratings: &[Average]) -> Markup {
    let href = item_href(&data.settings, &e.id);
    html! {
        article.item {
            @if let Some(img) = &e.image_url {
                img src=(img) alt=(e.name) loading="lazy";
            }
            div {
                h2 { a href=(href) { (e.name) } }
                p.price { (price_per_unit(e.price_minor, &e.currency, &e.unit)) }
                p.stock { (stock_status(e.stock, e.low_stock_at)) }
                p.meta {
                    (e.owner_name.as_deref().unwrap_or("A workplace"))
                    @if let Some(r) = &e.region { " · " (r) }
                    " · " (e.product_type)
                }
                @if !ratings.is_empty() { p.meta { (averages_line(ratings)) } }
            }
        }
    }
}

pub async fn catalogue(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    params: Result<Query<CatalogueParams>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(params) = params.map_err(|e| AppError::bad(e.body_text()))?;
        let filters = Filters::parse(&params)?;
        let mut entries = data
            .db
            .catalogue(
                &filters.query,
                filters.sort,
                CATALOGUE_PAGE + 1,
                (filters.page - 1) * CATALOGUE_PAGE,
            )
            .await?;
        let more = entries.len() as i64 > CATALOGUE_PAGE;
        entries.truncate(CATALOGUE_PAGE as usize);
        let ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
        let mut ratings = crate::features::directory::wire::averages(&data, &ids).await?;
        let types = category_tree(&data.db.product_types().await?);
        let owners = data.db.item_owners().await?;
        let regions = data.db.item_regions().await?;
        let q = &filters.query;
        let sorts = [
            (Sort::Newest, "Newest first"),
            (Sort::PriceLow, "Price, low to high"),
            (Sort::PriceHigh, "Price, high to low"),
            (Sort::Name, "Name"),
        ];
        Ok::<_, AppError>(html! {
            h1 { "Catalogue" }
            p.hint { "Goods and services from the workplaces on this node and the workplaces it follows across the network." }
            form.filters method="get" action="/catalogue" role="search" {
                label for="q" { "Search the catalogue" }
                input type="search" id="q" name="q" value=(q.text.clone().unwrap_or_default());
                label for="type" { "Product type" }
                select id="type" name="type" {
                    option value="" { "All types" }
                    @for (path, depth, count) in &types {
                        option value=(path) selected[q.product_type.as_deref() == Some(path.as_str())] {
                            ("\u{a0}\u{a0}\u{a0}".repeat(*depth))
                            (path.rsplit('/').next().unwrap_or(path)) " (" (count) ")"
                        }
                    }
                }
                label for="workplace" { "Workplace" }
                select id="workplace" name="workplace" {
                    option value="" { "All workplaces" }
                    @for (id, name) in &owners {
                        option value=(id) selected[q.owner.as_deref() == Some(id.as_str())] { (name) }
                    }
                }
                label for="region" { "Region" }
                select id="region" name="region" {
                    option value="" { "All regions" }
                    @for r in &regions {
                        option value=(r) selected[q.region.as_deref() == Some(r.as_str())] { (r) }
                    }
                }
                p.check {
                    input type="checkbox" id="stock" name="stock" value="1" checked[q.in_stock_only];
                    label for="stock" { "In stock only" }
                }
                label for="sort" { "Sort by" }
                select id="sort" name="sort" {
                    @for (s, label) in sorts {
                        option value=(s.as_str()) selected[filters.sort == s] { (label) }
                    }
                }
                p { button type="submit" { "Show items" } }
            }
            @if entries.is_empty() {
                p.card { "No items match." }
            }
            @for e in &entries { (item_card(&data, e, &ratings.remove(&e.id).unwrap_or_default())) }
            nav.pager aria-label="Pages" {
                @if filters.page > 1 { a href=(filters.href(filters.page - 1)) rel="prev" { "Newer" } } @else { span {} }
                @if more { a href=(filters.href(filters.page + 1)) rel="next" { "Older" } }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Catalogue", session.as_ref(), body))
}

/// `/items/{id}` for people: one of this node's items.
pub async fn item_page(data: &Data<AppState>, id: &str, MaybeUser(session): MaybeUser) -> Response {
    let url = data.settings.url(&format!("/items/{id}"));
    let item = match data.db.item(url.as_str()).await {
        Ok(Some(item)) if item.is_local == 1 => item,
        Ok(_) => return error_page(data, session.as_ref(), AppError::NotFound),
        Err(e) => return error_page(data, session.as_ref(), e.into()),
    };
    show_item(data, item, session).await
}

#[derive(Debug, Deserialize)]
pub struct ItemQuery {
    id: String,
}

/// `/catalogue/item?id=`: any item this node knows, a peer's included.
pub async fn any_item_page(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    query: Result<Query<ItemQuery>, QueryRejection>,
) -> PageResult {
    let item = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        data.db.item(q.id.trim()).await?.ok_or(AppError::NotFound)
    }
    .await;
    let item = item?;
    Ok(show_item(&data, item, session).await)
}

async fn show_item(data: &AppState, item: ItemRow, session: Option<Session>) -> Response {
    let result = async {
        let owner = activitypub::stored_actor(data, &item.owner_id).await?;
        let recommendations = data.db.recommendations_for_item(&item.id).await?;
        let ratings = crate::features::directory::portal::ratings_section(data, &item.id).await?;
        let (councils, me) = match &session {
            Some(s) => (
                councils_of(data, &s.user).await?,
                Some(person(data, &s.user).await?),
            ),
            None => (Vec::new(), None),
        };
        let active = item.is_active();
        Ok::<_, AppError>((
            active,
            html! {
                h1 { (item.name) }
                @if !active { p.notice role="status" { "This item is no longer sold." } }
                @if let Some(img) = &item.image_url {
                    p { img.item-image src=(img) alt=(item.name); }
                }
                p.price { (price_per_unit(item.price_minor, &item.currency, &item.unit)) }
                p.stock { (stock_status(item.stock, item.low_stock_at)) }
                div.description { (stored_html(&item.description_html)) }
                dl.facts {
                    dt { "Product type" } dd { (item.product_type) }
                    dt { "Unit" } dd { (item.unit) }
                    @if !item.how_made.is_empty() { dt { "How it is made" } dd { (item.how_made) } }
                }
                section aria-labelledby="workplace" {
                    h2 id="workplace" { "The workplace" }
                    @match &owner {
                        Some(o) => {
                            p { a href=(profile_href(o)) { (o.name) } " " span.meta { (o.handle()) } }
                            dl.facts {
                                @if let Some(r) = &o.region { dt { "Region" } dd { (r) } }
                                @if let Some(i) = &o.industry { dt { "Industry" } dd { (i) } }
                            }
                        }
                        None => { p { "This workplace is no longer known here." } }
                    }
                }
                (ratings)
                section aria-labelledby="recommended" {
                    h2 id="recommended" { "Recommended by councils" }
                    @if recommendations.is_empty() { p { "No consumer council has recommended this yet." } }
                    @for r in &recommendations {
                        article.post {
                            header { span.who { (r.council_name.as_deref().unwrap_or("A consumer council")) } }
                            div.content { (stored_html(&r.comment_html)) }
                        }
                    }
                }
                @if let (Some(s), Some(me), true) = (&session, &me, active) {
                    section.card aria-labelledby="order" {
                        h2 id="order" { "Order" }
                        @if item.stock > 0 {
                            form method="post" action="/basket/add" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                input type="hidden" name="item_id" value=(item.id);
                                label for="quantity" { "Quantity" }
                                input type="number" id="quantity" name="quantity" min="1" max=(item.stock) step="1" value="1" required;
                                p { button type="submit" { "Add to basket" } }
                            }
                        } @else {
                            p { "Out of stock for now. The workplace may be able to make more: ask below." }
                        }
                    }
                    @if !councils.is_empty() {
                        section.card aria-labelledby="recommend" {
                            h2 id="recommend" { "Recommend to a council's members" }
                            form method="post" action="/catalogue/recommend" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                input type="hidden" name="item_id" value=(item.id);
                                label for="council" { "Council" }
                                select id="council" name="council" {
                                    @for c in &councils { option value=(c.username) { (c.name) } }
                                }
                                label for="comment" { "Comment" }
                                textarea id="comment" name="comment" {}
                                p { button type="submit" { "Recommend" } }
                            }
                        }
                    }
                    section.card aria-labelledby="enquiry" {
                        h2 id="enquiry" { "Bulk order enquiry" }
                        p.hint { "A private message to the workplace about a large order. Only the two of you see the thread." }
                        form method="post" action="/catalogue/enquire" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            input type="hidden" name="item_id" value=(item.id);
                            label for="enquire-as" { "Ask as" }
                            select id="enquire-as" name="as" {
                                option value="" { "Yourself (" (me.username) ")" }
                                @for c in &councils { option value=(c.username) { (c.name) } }
                            }
                            label for="message" { "Message" }
                            textarea id="message" name="message" required {}
                            p { button type="submit" { "Send enquiry" } }
                        }
                    }
                } @else if session.is_none() && active {
                    p { a href="/login" { "Log in" } " to order this, or to ask the workplace about a bulk order." }
                }
            },
        ))
    }
    .await;
    match result {
        Ok((active, body)) => {
            let mut response = page(data, &item.name, session.as_ref(), body);
            if !active {
                *response.status_mut() = StatusCode::GONE;
            }
            response
        }
        Err(e) => error_page(data, session.as_ref(), e),
    }
}

async fn active_item(data: &AppState, id: &str) -> Result<ItemRow, AppError> {
    data.db
        .item(id.trim())
        .await?
        .filter(ItemRow::is_active)
        .ok_or_else(|| AppError::bad("that item is not for sale"))
}

#[derive(Debug, Deserialize)]
pub struct RecommendForm {
    csrf: String,
    item_id: String,
    council: String,
    #[serde(default)]
    comment: String,
}

pub async fn recommend(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<RecommendForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let council = acting_coop(&data, &session, &form.council).await?;
        let item = active_item(&data, &form.item_id).await?;
        market::recommend(&data, &council, &item, &form.comment).await?;
        Ok::<_, AppError>(item_href(&data.settings, &item.id))
    }
    .await;
    let to = result?;
    Ok(Redirect::to(&to).into_response())
}

#[derive(Debug, Deserialize)]
pub struct EnquireForm {
    csrf: String,
    item_id: String,
    #[serde(rename = "as", default)]
    as_handle: String,
    message: String,
}

pub async fn enquire(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<EnquireForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let item = active_item(&data, &form.item_id).await?;
        let (from, base) = if form.as_handle.trim().is_empty() {
            (
                person(&data, &session.user).await?,
                "/enquiries".to_string(),
            )
        } else {
            let council = acting_coop(&data, &session, &form.as_handle).await?;
            if council.coop_kind.as_deref() != Some("consumer-council") {
                return Err(AppError::bad(
                    "enquiries are sent by members or by consumer councils",
                ));
            }
            let base = format!("/admin/{}/enquiries", council.username);
            (council, base)
        };
        let workplace = activitypub::stored_actor(&data, &item.owner_id)
            .await?
            .ok_or_else(|| AppError::bad("the item's workplace is no longer known here"))?;
        let thread = market::send_enquiry(&data, &from, &workplace, None, &form.message).await?;
        Ok::<_, AppError>(format!("{base}/thread?id={}", enc(&thread)))
    }
    .await;
    let to = result?;
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_form_a_tree_with_inclusive_counts() {
        let types = vec![
            ("food/bread".to_string(), 2),
            ("food-share".to_string(), 1),
            ("food".to_string(), 1),
            ("services/repair/bikes".to_string(), 4),
        ];
        let tree = category_tree(&types);
        let paths: Vec<&str> = tree.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "food",
                "food/bread",
                "food-share",
                "services",
                "services/repair",
                "services/repair/bikes"
            ]
        );
        assert_eq!(tree[0].2, 3, "food includes food/bread");
        assert_eq!(tree[2].2, 1, "food-share is not under food");
        assert_eq!(tree[5].1, 2);
    }

    #[test]
    fn filters_are_checked_and_kept_in_links() {
        let params = CatalogueParams {
            q: Some("rye bread".into()),
            product_type: Some("Food/Bread".into()),
            stock: Some("1".into()),
            sort: Some("price".into()),
            ..CatalogueParams::default()
        };
        let f = Filters::parse(&params).unwrap();
        assert_eq!(f.query.product_type.as_deref(), Some("food/bread"));
        assert_eq!(
            f.href(2),
            "/catalogue?q=rye+bread&type=food%2Fbread&stock=1&sort=price&page=2"
        );
        for bad in [
            CatalogueParams {
                sort: Some("cheapest".into()),
                ..CatalogueParams::default()
            },
            CatalogueParams {
                page: Some("0".into()),
                ..CatalogueParams::default()
            },
            CatalogueParams {
                product_type: Some("food bread".into()),
                ..CatalogueParams::default()
            },
            CatalogueParams {
                workplace: Some("not a url".into()),
                ..CatalogueParams::default()
            },
            CatalogueParams {
                stock: Some("maybe".into()),
                ..CatalogueParams::default()
            },
        ] {
            assert!(Filters::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
