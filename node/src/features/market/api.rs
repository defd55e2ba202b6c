//! The catalogue, baskets, orders, enquiries and recommendations in the JSON API.

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::{Path, Query},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::KnownActor;
use crate::core::store::rfc3339;
use crate::core::store::users::UserRow;
use crate::core::text::format_minor;
use crate::core::web::api::{ApiError, ApiResult, ApiUser};
use crate::core::AppState;
use crate::features::coops::api::{acting, local_coop};
use crate::features::market::orders::OrderState;
use crate::features::market::store::items::{CatalogueEntry, CatalogueQuery, ItemRow, Sort};
use crate::features::market::store::orders::{OrderLineRow, OrderRow};
use crate::features::market::{wire as market, ItemFields, Quantity};
use crate::features::{coops, market as catalogue};

pub fn routes() -> Router {
    Router::new()
        .route("/api/v1/catalogue", get(browse))
        .route("/api/v1/catalogue/item", get(item))
        .route(
            "/api/v1/coops/{handle}/items",
            get(items_of).post(create_item),
        )
        .route(
            "/api/v1/coops/{handle}/items/{id}",
            axum::routing::put(update_item),
        )
        .route("/api/v1/coops/{handle}/items/{id}/stock", post(set_stock))
        .route(
            "/api/v1/coops/{handle}/items/{id}/retire",
            post(retire_item),
        )
        .route(
            "/api/v1/coops/{handle}/items.csv",
            get(export_csv).post(import_csv),
        )
        .route(
            "/api/v1/basket",
            get(basket).post(add_to_basket).delete(remove_from_basket),
        )
        .route("/api/v1/checkout", post(checkout))
        .route("/api/v1/orders", get(my_orders))
        .route("/api/v1/orders/state", post(change_state))
        .route("/api/v1/coops/{handle}/orders", get(coop_orders))
        .route(
            "/api/v1/coops/{handle}/enquiries",
            get(enquiries).post(send_enquiry),
        )
        .route("/api/v1/coops/{handle}/recommendations", post(recommend))
}

#[derive(Serialize)]
pub struct ItemView {
    pub id: String,
    pub name: String,
    pub description_html: String,
    pub unit: String,
    pub price: String,
    pub price_minor: i64,
    pub currency: String,
    pub stock: i64,
    pub low_stock: bool,
    pub product_type: String,
    pub how_made: String,
    pub image_url: Option<String>,
    pub region: Option<String>,
    pub workplace_id: String,
    pub workplace_name: Option<String>,
    pub local: bool,
}

fn entry_view(e: CatalogueEntry) -> ItemView {
    ItemView {
        price: format_minor(e.price_minor),
        low_stock: e.stock <= e.low_stock_at,
        id: e.id,
        name: e.name,
        description_html: e.description_html,
        unit: e.unit,
        price_minor: e.price_minor,
        currency: e.currency,
        stock: e.stock,
        product_type: e.product_type,
        how_made: e.how_made,
        image_url: e.image_url,
        region: e.region,
        workplace_id: e.owner_id,
        workplace_name: e.owner_name,
        local: e.is_local == 1,
    }
}

fn row_view(r: ItemRow) -> ItemView {
    ItemView {
        price: format_minor(r.price_minor),
        low_stock: r.low_stock(),
        id: r.id,
        name: r.name,
        description_html: r.description_html,
        unit: r.unit,
        price_minor: r.price_minor,
        currency: r.currency,
        stock: r.stock,
        product_type: r.product_type,
        how_made: r.how_made,
        image_url: r.image_url,
        region: r.region,
        workplace_id: r.owner_id,
        workplace_name: None,
        local: r.is_local == 1,
    }
}

#[derive(Deserialize, Default)]
pub struct BrowseQuery {
    pub q: Option<String>,
    #[serde(rename = "type")]
    pub product_type: Option<String>,
    pub workplace: Option<String>,
    pub region: Option<String>,
    pub sort: Option<String>,
    pub in_stock: Option<bool>,
    pub page: Option<u32>,
}

pub const PAGE: i64 = 20;

/// Reads the catalogue's query parameters, refusing any that do not make sense.
pub fn catalogue_query(q: &BrowseQuery) -> Result<(CatalogueQuery, Sort, i64), AppError> {
    let sort = match q.sort.as_deref() {
        None | Some("") => Sort::Newest,
        Some(s) => Sort::parse(s).ok_or_else(|| AppError::bad(format!("unknown sort {s:?}")))?,
    };
    let page = match q.page {
        None => 1,
        Some(p) if (1..=10_000).contains(&p) => p as i64,
        Some(_) => return Err(AppError::bad("no such page")),
    };
    let product_type = match q.product_type.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(catalogue::ProductType::parse(t)?.as_str().to_string()),
    };
    let nonempty = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let text = nonempty(&q.q);
    if text.as_deref().is_some_and(|t| t.chars().count() > 200) {
        return Err(AppError::bad("a search may have at most 200 characters"));
    }
    Ok((
        CatalogueQuery {
            text,
            product_type,
            owner: nonempty(&q.workplace),
            region: nonempty(&q.region),
            in_stock_only: q.in_stock.unwrap_or(false),
        },
        sort,
        page,
    ))
}

async fn browse(data: Data<AppState>, Query(q): Query<BrowseQuery>) -> ApiResult<Vec<ItemView>> {
    let (query, sort, page) = catalogue_query(&q)?;
    let entries = data
        .db
        .catalogue(&query, sort, PAGE, (page - 1) * PAGE)
        .await?;
    Ok(Json(entries.into_iter().map(entry_view).collect()))
}

#[derive(Deserialize)]
pub struct IdQuery {
    pub id: String,
}

async fn item(data: Data<AppState>, Query(q): Query<IdQuery>) -> ApiResult<ItemView> {
    let entry = data
        .db
        .catalogue_entry(&q.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(entry_view(entry)))
}

async fn items_of(data: Data<AppState>, Path(handle): Path<String>) -> ApiResult<Vec<ItemView>> {
    let coop = local_coop(&data, &handle).await?;
    Ok(Json(
        data.db
            .items_of(coop.id.as_str(), false)
            .await?
            .into_iter()
            .map(row_view)
            .collect(),
    ))
}

fn item_id(data: &AppState, id: &str) -> String {
    data.settings.url(&format!("/items/{id}")).to_string()
}

async fn create_item(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(fields): Json<ItemFields>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let draft = fields.check()?;
    let item = catalogue::create_item(&data, &coop, &draft).await?;
    Ok((StatusCode::CREATED, Json(row_view(item))))
}

async fn update_item(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
    Json(fields): Json<ItemFields>,
) -> ApiResult<ItemView> {
    let coop = acting(&data, &user, &handle).await?;
    let draft = fields.check()?;
    let item = catalogue::update_item(&data, &coop, &item_id(&data, &id), &draft).await?;
    Ok(Json(row_view(item)))
}

#[derive(Deserialize)]
pub struct StockRequest {
    pub stock: i64,
    #[serde(default)]
    pub reason: String,
}

async fn set_stock(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
    Json(body): Json<StockRequest>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let stock = catalogue::parse_stock(&body.stock.to_string())?;
    catalogue::set_stock(&data, &coop, &item_id(&data, &id), stock, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn retire_item(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path((handle, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    catalogue::retire_item(&data, &coop, &item_id(&data, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn export_csv(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> Result<Response, ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let csv = catalogue::export_csv(&data, &coop).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

#[derive(Serialize)]
pub struct Imported {
    pub imported: usize,
}

async fn import_csv(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    let coop = acting(&data, &user, &handle).await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| AppError::bad("the CSV file is not UTF-8"))?;
    let imported = catalogue::import_csv(&data, &coop, text).await?;
    Ok((StatusCode::CREATED, Json(Imported { imported })))
}

#[derive(Serialize)]
pub struct BasketLineView {
    pub item_id: String,
    pub quantity: i64,
    pub price: String,
    pub currency: String,
}

async fn basket(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<Vec<BasketLineView>> {
    Ok(Json(
        data.db
            .basket(user.id)
            .await?
            .into_iter()
            .map(|l| BasketLineView {
                item_id: l.item_id,
                quantity: l.quantity,
                price: format_minor(l.price_minor),
                currency: l.currency,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct AddToBasket {
    pub item_id: String,
    pub quantity: i64,
}

async fn add_to_basket(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<AddToBasket>,
) -> Result<StatusCode, ApiError> {
    catalogue::add_to_basket(&data, &user, &body.item_id, Quantity::new(body.quantity)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_from_basket(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<IdQuery>,
) -> Result<StatusCode, ApiError> {
    data.db.remove_from_basket(user.id, &q.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct OrderView {
    pub id: String,
    pub buyer_id: String,
    pub seller_id: String,
    pub state: String,
    pub reason: Option<String>,
    pub total: String,
    pub currency: String,
    pub created: String,
    pub lines: Vec<OrderLineView>,
}

#[derive(Serialize)]
pub struct OrderLineView {
    pub item_id: String,
    pub name: String,
    pub quantity: i64,
    pub unit: String,
    pub unit_price: String,
}

async fn order_view(data: &AppState, o: OrderRow) -> Result<OrderView, AppError> {
    let lines: Vec<OrderLineRow> = data.db.order_lines(&o.id).await?;
    Ok(OrderView {
        total: format_minor(o.total_minor),
        created: rfc3339(o.created_at),
        lines: lines
            .into_iter()
            .map(|l| OrderLineView {
                unit_price: format_minor(l.unit_price_minor),
                item_id: l.item_id,
                name: l.name,
                quantity: l.quantity,
                unit: l.unit,
            })
            .collect(),
        id: o.id,
        buyer_id: o.buyer_id,
        seller_id: o.seller_id,
        state: o.state,
        reason: o.reason,
        currency: o.currency,
    })
}

#[derive(Deserialize)]
pub struct CheckoutRequest {
    /// A local consumer council's handle, to order on its behalf.
    pub council: Option<String>,
}

async fn checkout(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<CheckoutRequest>,
) -> Result<(StatusCode, Json<Vec<OrderView>>), ApiError> {
    let council = match &body.council {
        Some(handle) => Some(local_coop(&data, handle).await?),
        None => None,
    };
    let orders = catalogue::checkout(&data, &user, council.as_ref()).await?;
    let mut views = Vec::new();
    for o in orders {
        views.push(order_view(&data, o).await?);
    }
    Ok((StatusCode::CREATED, Json(views)))
}

/// The actors a user buys as: themselves and the councils they may act for.
async fn buyer_ids(data: &AppState, user: &UserRow) -> Result<Vec<String>, AppError> {
    let mut ids = vec![user.actor_id.clone()];
    for c in coops::coops_of(&data.db, user).await? {
        if c.coop_kind.as_deref() == Some("consumer-council") {
            ids.push(c.id);
        }
    }
    Ok(ids)
}

async fn my_orders(data: Data<AppState>, ApiUser(user): ApiUser) -> ApiResult<Vec<OrderView>> {
    let ids = buyer_ids(&data, &user).await?;
    let mut views = Vec::new();
    for o in data.db.orders_of_buyers(&ids, 100).await? {
        views.push(order_view(&data, o).await?);
    }
    Ok(Json(views))
}

/// A workplace's incoming orders, or a council's purchases.
async fn coop_orders(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<Vec<OrderView>> {
    let coop = acting(&data, &user, &handle).await?;
    let orders = if coop.coop_kind.as_deref() == Some("workplace") {
        data.db.orders_of_seller(coop.id.as_str(), 100).await?
    } else {
        data.db
            .orders_of_buyers(&[coop.id.to_string()], 100)
            .await?
    };
    let mut views = Vec::new();
    for o in orders {
        views.push(order_view(&data, o).await?);
    }
    Ok(Json(views))
}

#[derive(Deserialize)]
pub struct StateChange {
    pub id: String,
    pub state: String,
    pub reason: Option<String>,
}

/// Moves an order the user is party to: as its workplace, its council or its buyer.
async fn change_state(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<StateChange>,
) -> ApiResult<OrderView> {
    let to = OrderState::parse(&body.state)?;
    let order = data.db.order(&body.id).await?.ok_or(AppError::NotFound)?;
    let acting_for = party_actor(&data, &user, &order).await?;
    let order =
        market::change_order_state(&data, &order.id, &acting_for, to, body.reason.as_deref())
            .await?;
    Ok(Json(order_view(&data, order).await?))
}

/// The local actor through which the user is a party to the order, if any.
async fn party_actor(
    data: &AppState,
    user: &UserRow,
    order: &OrderRow,
) -> Result<KnownActor, AppError> {
    for id in [&order.seller_id, &order.buyer_id] {
        let Some(actor) = activitypub::stored_actor(data, id).await? else {
            continue;
        };
        if !actor.is_local() {
            continue;
        }
        if *id == user.actor_id || coops::may_act_for(&data.db, user, id).await? {
            return Ok(actor);
        }
    }
    Err(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct EnquiryRequest {
    /// The other party: a handle `@name@host` or an actor id.
    pub to: String,
    pub text: String,
    pub thread: Option<String>,
}

#[derive(Serialize)]
pub struct EnquiryView {
    pub id: String,
    pub thread: String,
    pub author_id: String,
    pub recipient_id: String,
    pub body_html: String,
    pub created: String,
}

async fn send_enquiry(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<EnquiryRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let from = acting(&data, &user, &handle).await?;
    let to = if body.to.starts_with("http") {
        activitypub::stored_actor(&data, &body.to)
            .await?
            .ok_or(AppError::NotFound)?
    } else {
        let h =
            coopnet_schemas::Handle::parse(&body.to).map_err(|e| AppError::bad(e.to_string()))?;
        activitypub::resolve_handle(&h, &data.reset_request_count()).await?
    };
    let thread =
        market::send_enquiry(&data, &from, &to, body.thread.as_deref(), &body.text).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "thread": thread })),
    ))
}

async fn enquiries(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> ApiResult<Vec<EnquiryView>> {
    let coop = acting(&data, &user, &handle).await?;
    let mut all = Vec::new();
    for last in data.db.enquiry_threads_of(coop.id.as_str()).await? {
        for m in data.db.enquiry_thread(&last.thread_id).await? {
            all.push(EnquiryView {
                created: rfc3339(m.created_at),
                id: m.id,
                thread: m.thread_id,
                author_id: m.author_id,
                recipient_id: m.recipient_id,
                body_html: m.body_html,
            });
        }
    }
    Ok(Json(all))
}

#[derive(Deserialize)]
pub struct RecommendRequest {
    pub item_id: String,
    #[serde(default)]
    pub comment: String,
}

async fn recommend(
    data: Data<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
    Json(body): Json<RecommendRequest>,
) -> Result<StatusCode, ApiError> {
    let council = acting(&data, &user, &handle).await?;
    let item = data
        .db
        .item(&body.item_id)
        .await?
        .filter(ItemRow::is_active)
        .ok_or(AppError::NotFound)?;
    market::recommend(&data, &council, &item, &body.comment).await?;
    Ok(StatusCode::CREATED)
}
