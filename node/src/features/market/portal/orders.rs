//! Buying and selling in the portal: the basket and checkout, a member's orders (as themselves
//! and for the consumer councils they act for), a workplace's incoming orders with the moves it
//! may make, and a council's purchase history.
//!
//! An order is private to its two sides: the buyer (a person, or a council and those who act for
//! it) and the workplace (and those who act for it). Anyone else is told there is nothing there.

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, Form, Path, Query},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::text::format_minor;
use crate::core::web::auth::{Session, User};
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{error_page, human_time, page};
use crate::core::web::{person, Names};
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::coops::portal::{acts_for_local_coop, councils_of};
use crate::features::market as catalogue;
use crate::features::market::orders::{OrderState, Party};
use crate::features::market::portal::money;
use crate::features::market::portal::order_href;
use crate::features::market::portal::workplace;
use crate::features::market::portal::{item_href, price_per_unit};
use crate::features::market::store::items::ItemRow;
use crate::features::market::store::orders::{
    BasketLineRow, OrderEventRow, OrderLineRow, OrderRow,
};
use crate::features::market::{wire as market, Quantity};

/// Orders listed on one page at most.
const ORDERS_SHOWN: i64 = 100;

pub fn routes() -> Router {
    Router::new()
        .route("/basket", get(basket))
        .route("/basket/add", post(add))
        .route("/basket/remove", post(remove))
        .route("/basket/checkout", post(checkout))
        .route("/orders", get(orders))
        .route("/orders/view", get(order_page))
        .route("/orders/cancel", post(cancel))
        .route("/admin/{handle}/orders", get(incoming))
        .route("/admin/{handle}/orders/state", post(move_order))
        .route("/admin/{handle}/purchases", get(purchases))
}

/// An order with what the page shows of it.
struct OrderView {
    order: OrderRow,
    lines: Vec<OrderLineRow>,
    events: Vec<OrderEventRow>,
    seller: String,
    buyer: String,
    placed_by: Option<String>,
}

async fn order_views(data: &AppState, orders: Vec<OrderRow>) -> Result<Vec<OrderView>, AppError> {
    let mut names = Names::default();
    let mut views = Vec::with_capacity(orders.len());
    for order in orders {
        let placed_by = match &order.placed_by {
            Some(p) => Some(names.name(data, p).await?),
            None => None,
        };
        views.push(OrderView {
            lines: data.db.order_lines(&order.id).await?,
            events: data.db.order_events(&order.id).await?,
            seller: names.name(data, &order.seller_id).await?,
            buyer: names.name(data, &order.buyer_id).await?,
            placed_by,
            order,
        });
    }
    Ok(views)
}

/// The forms an order card offers, by the side the viewer is on.
struct Actions<'a> {
    csrf: &'a str,
    buyer: bool,
    /// The seller's admin address, when the viewer acts for the workplace.
    seller_base: Option<String>,
}

fn allowed(to: OrderState, party: Party, state: &str) -> bool {
    to.reachable_from(party).contains(&state)
}

/// One order. `n` keeps the ids of its fields unique on a page of many.
fn order_card(
    data: &AppState,
    v: &OrderView,
    for_seller: bool,
    actions: Option<&Actions>,
    n: usize,
) -> Markup {
    let o = &v.order;
    html! {
        article.order {
            h2 {
                @if for_seller { "Order from " (v.buyer) } @else { "Order with " (v.seller) }
            }
            p.meta {
                "Placed " (human_time(o.created_at))
                @if !for_seller { " · for " (v.buyer) }
                @if let Some(p) = &v.placed_by { " · placed by " (p) }
                " · " a href=(order_href(&o.id)) { "Order details" }
            }
            p.state {
                "Status: " strong { (o.state) }
                @if let Some(r) = &o.reason { " (" (r) ")" }
            }
            div.scroll {
                table {
                    thead { tr {
                        th scope="col" { "Item" } th scope="col" { "Quantity" }
                        th scope="col" { "Unit price" } th scope="col" { "Line total" }
                    } }
                    tbody {
                        @for l in &v.lines {
                            tr {
                                td { a href=(item_href(&data.settings, &l.item_id)) { (l.name) } }
                                td { (l.quantity) " " (l.unit) }
                                td { (money(l.unit_price_minor, &o.currency)) }
                                td { (money(l.quantity.saturating_mul(l.unit_price_minor), &o.currency)) }
                            }
                        }
                    }
                }
            }
            p.total { "Total: " strong { (money(o.total_minor, &o.currency)) } }
            h3 { "History" }
            ol.history {
                @for e in &v.events {
                    li {
                        (human_time(e.at)) ": " (e.state)
                        @if let Some(r) = &e.reason { " (" (r) ")" }
                    }
                }
            }
            @if let Some(a) = actions {
                @if a.buyer && allowed(OrderState::Cancelled, Party::Buyer, &o.state) {
                    form method="post" action="/orders/cancel" {
                        input type="hidden" name="csrf" value=(a.csrf);
                        input type="hidden" name="id" value=(o.id);
                        label for={"buyer-reason-" (n)} { "Reason for cancelling" }
                        input type="text" id={"buyer-reason-" (n)} name="reason" required maxlength="500";
                        p { button.secondary type="submit" { "Cancel order" } }
                    }
                }
                @if let Some(base) = &a.seller_base {
                    @for (to, label) in [(OrderState::Dispatched, "Mark dispatched"), (OrderState::Fulfilled, "Mark fulfilled")] {
                        @if allowed(to, Party::Seller, &o.state) {
                            form method="post" action={(base) "/orders/state"} {
                                input type="hidden" name="csrf" value=(a.csrf);
                                input type="hidden" name="id" value=(o.id);
                                input type="hidden" name="to" value=(to.as_str());
                                p { button type="submit" { (label) } }
                            }
                        }
                    }
                    @if allowed(OrderState::Cancelled, Party::Seller, &o.state) {
                        form method="post" action={(base) "/orders/state"} {
                            input type="hidden" name="csrf" value=(a.csrf);
                            input type="hidden" name="id" value=(o.id);
                            input type="hidden" name="to" value="cancelled";
                            label for={"seller-reason-" (n)} { "Reason for cancelling" }
                            input type="text" id={"seller-reason-" (n)} name="reason" required maxlength="500";
                            p { button.secondary type="submit" { "Cancel order" } }
                        }
                    }
                }
            }
        }
    }
}

/// A basket line with the item as it is now.
struct BasketView {
    line: BasketLineRow,
    item: Option<ItemRow>,
}

async fn basket_body(
    data: &AppState,
    session: &Session,
    error: Option<&AppError>,
) -> Result<Markup, AppError> {
    let mut names = Names::default();
    // One group per workplace, in the order first added.
    let mut groups: Vec<(String, String, Vec<BasketView>)> = Vec::new();
    for line in data.db.basket(session.user.id).await? {
        let item = data.db.item(&line.item_id).await?;
        let owner = item
            .as_ref()
            .map(|i| i.owner_id.clone())
            .unwrap_or_default();
        let view = BasketView { line, item };
        match groups.iter_mut().find(|(o, _, _)| *o == owner) {
            Some((_, _, lines)) => lines.push(view),
            None => {
                let name = if owner.is_empty() {
                    "Items no longer in the catalogue".to_string()
                } else {
                    names.name(data, &owner).await?
                };
                groups.push((owner, name, vec![view]));
            }
        }
    }
    let councils = councils_of(data, &session.user).await?;
    let balance = data
        .db
        .credit_balance(
            crate::features::credits::store::account::MEMBER,
            &session.user.actor_id,
        )
        .await?;
    let mut council_balances = Vec::new();
    for c in &councils {
        let b = data
            .db
            .credit_balance(
                crate::features::credits::store::account::COOP,
                c.id.as_str(),
            )
            .await?;
        council_balances.push((c.name.clone(), b));
    }
    Ok(html! {
        h1 { "Basket" }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        p.balance {
            "Your credits: " strong.credit-balance { (format_minor(balance)) " credits" }
            @for (name, b) in &council_balances { " · " (name) ": " strong { (format_minor(*b)) " credits" } }
            ". Items priced in credits are paid from them when the workplace accepts the order; "
            "until then the credits are held for it."
        }
        @if groups.is_empty() {
            p.card { "Your basket is empty. " a href="/catalogue" { "Browse the catalogue." } }
        }
        @for (g, (_, name, lines)) in groups.iter().enumerate() {
            section aria-labelledby={"from-" (g)} {
                h2 id={"from-" (g)} { "From " (name) }
                div.scroll {
                    table {
                        thead { tr {
                            th scope="col" { "Item" } th scope="col" { "Quantity" } th scope="col" { "Unit price" }
                            th scope="col" { "Line total" } th scope="col" { span.skip { "Remove" } }
                        } }
                        tbody {
                            @for v in lines {
                                tr {
                                    td {
                                        @match &v.item {
                                            Some(item) => {
                                                a href=(item_href(&data.settings, &item.id)) { (item.name) }
                                                @if !item.is_active() { " " strong.out { "No longer sold" } }
                                                @else if item.price_minor != v.line.price_minor || item.currency != v.line.currency {
                                                    " " strong.low { "Price now " (price_per_unit(item.price_minor, &item.currency, &item.unit)) }
                                                }
                                            }
                                            None => { "An item no longer in the catalogue" }
                                        }
                                    }
                                    td { (v.line.quantity) @if let Some(i) = &v.item { " " (i.unit) } }
                                    td { (money(v.line.price_minor, &v.line.currency)) }
                                    td { (money(v.line.quantity.saturating_mul(v.line.price_minor), &v.line.currency)) }
                                    td {
                                        form.inline method="post" action="/basket/remove" {
                                            input type="hidden" name="csrf" value=(session.csrf);
                                            input type="hidden" name="item_id" value=(v.line.item_id);
                                            button.secondary type="submit" {
                                                "Remove"
                                                span.skip { " " (v.item.as_ref().map(|i| i.name.as_str()).unwrap_or("this item")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p.total { "Total for " (name) ": " strong { (group_total(lines)) } }
            }
        }
        @if !groups.is_empty() {
            section.card aria-labelledby="checkout" {
                h2 id="checkout" { "Check out" }
                p.hint { "One order goes to each workplace. Workplaces on other nodes answer within moments; you see their answer under Orders." }
                form method="post" action="/basket/checkout" {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="as" { "Order as" }
                    select id="as" name="as" {
                        option value="" { "Yourself (" (session.user.username) ")" }
                        @for c in &councils { option value=(c.username) { (c.name) } }
                    }
                    p { button type="submit" { "Place order" } }
                }
            }
        }
    })
}

/// A workplace's lines added up, per currency.
fn group_total(lines: &[BasketView]) -> String {
    let mut totals: Vec<(&str, i64)> = Vec::new();
    for v in lines {
        let amount = v.line.quantity.saturating_mul(v.line.price_minor);
        match totals.iter_mut().find(|(c, _)| *c == v.line.currency) {
            Some((_, sum)) => *sum = sum.saturating_add(amount),
            None => totals.push((&v.line.currency, amount)),
        }
    }
    totals
        .iter()
        .map(|(c, sum)| money(*sum, c))
        .collect::<Vec<_>>()
        .join(" + ")
}

pub async fn basket(data: Data<AppState>, User(session): User) -> Response {
    match basket_body(&data, &session, None).await {
        Ok(body) => page(&data, "Basket", Some(&session), body),
        Err(e) => error_page(&data, Some(&session), e),
    }
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    csrf: String,
    item_id: String,
    quantity: String,
}

pub async fn add(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<AddForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let quantity = Quantity::parse(&form.quantity)?;
        catalogue::add_to_basket(&data, &session.user, form.item_id.trim(), quantity).await
    }
    .await;
    let () = result?;
    Ok(Redirect::to("/basket").into_response())
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    csrf: String,
    item_id: String,
}

pub async fn remove(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<RemoveForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        data.db
            .remove_from_basket(session.user.id, form.item_id.trim())
            .await?;
        Ok::<_, AppError>(())
    }
    .await;
    let () = result?;
    Ok(Redirect::to("/basket").into_response())
}

#[derive(Debug, Deserialize)]
pub struct CheckoutForm {
    csrf: String,
    #[serde(rename = "as", default)]
    as_handle: String,
}

pub async fn checkout(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<CheckoutForm>,
) -> Response {
    if let Err(e) = session.check_csrf(&form.csrf) {
        return error_page(&data, Some(&session), e);
    }
    let result = async {
        let council = match form.as_handle.trim() {
            "" => None,
            handle => Some(acting_coop(&data, &session, handle).await?),
        };
        catalogue::checkout(&data, &session.user, council.as_ref()).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/orders").into_response(),
        // The basket again, with why the order was not placed: a price that changed, an item
        // no longer sold.
        Err(error) => match basket_body(&data, &session, Some(&error)).await {
            Ok(body) => {
                let mut response = page(&data, "Basket", Some(&session), body);
                *response.status_mut() = error.status();
                response
            }
            Err(e) => error_page(&data, Some(&session), e),
        },
    }
}

pub async fn orders(data: Data<AppState>, User(session): User) -> PageResult {
    let result = async {
        let mut buyers = vec![session.user.actor_id.clone()];
        buyers.extend(
            councils_of(&data, &session.user)
                .await?
                .into_iter()
                .map(|c| c.id),
        );
        let views = order_views(
            &data,
            data.db.orders_of_buyers(&buyers, ORDERS_SHOWN).await?,
        )
        .await?;
        let actions = Actions {
            csrf: &session.csrf,
            buyer: true,
            seller_base: None,
        };
        Ok::<_, AppError>(html! {
            h1 { "Orders" }
            p.meta { "Your own orders and those of the consumer councils you act for. " a href="/enquiries" { "Your enquiries" } }
            @if views.is_empty() { p.card { "No orders yet. " a href="/catalogue" { "Browse the catalogue." } } }
            @for (n, v) in views.iter().enumerate() { (order_card(&data, v, false, Some(&actions), n)) }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Orders", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct OrderQuery {
    id: String,
}

/// Is the member on the buyer's side of the order: the buyer, or acting for the buying council?
async fn on_buyer_side(
    data: &AppState,
    session: &Session,
    order: &OrderRow,
) -> Result<bool, AppError> {
    Ok(order.buyer_id == session.user.actor_id
        || acts_for_local_coop(data, &session.user, &order.buyer_id).await?)
}

pub async fn order_page(
    data: Data<AppState>,
    User(session): User,
    query: Result<Query<OrderQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let order = data
            .db
            .order(q.id.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        let buyer = on_buyer_side(&data, &session, &order).await?;
        let seller = acts_for_local_coop(&data, &session.user, &order.seller_id).await?;
        if !buyer && !seller {
            return Err(AppError::NotFound);
        }
        let seller_base = match seller {
            true => data
                .db
                .local_actor(&order.seller_id)
                .await?
                .map(|s| format!("/admin/{}", s.username)),
            false => None,
        };
        let actions = Actions {
            csrf: &session.csrf,
            buyer,
            seller_base,
        };
        let views = order_views(&data, vec![order]).await?;
        Ok::<_, AppError>(html! {
            h1 { "Order details" }
            @for v in &views { (order_card(&data, v, !buyer, Some(&actions), 0)) }
            p { a href="/orders" { "All your orders" } }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Order details", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    csrf: String,
    id: String,
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    data: Data<AppState>,
    User(session): User,
    Form(form): Form<CancelForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let order = data
            .db
            .order(form.id.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        let buyer = if order.buyer_id == session.user.actor_id {
            person(&data, &session.user).await?
        } else if acts_for_local_coop(&data, &session.user, &order.buyer_id).await? {
            activitypub::stored_actor(&data, &order.buyer_id)
                .await?
                .ok_or(AppError::NotFound)?
        } else {
            return Err(AppError::NotFound);
        };
        market::change_order_state(
            &data,
            &order.id,
            &buyer,
            OrderState::Cancelled,
            Some(&form.reason),
        )
        .await?;
        Ok::<_, AppError>(order_href(&order.id))
    }
    .await;
    let to = result?;
    Ok(Redirect::to(&to).into_response())
}

pub async fn incoming(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = workplace(&data, &session, &handle).await?;
        let views = order_views(
            &data,
            data.db
                .orders_of_seller(coop.id.as_str(), ORDERS_SHOWN)
                .await?,
        )
        .await?;
        let actions = Actions {
            csrf: &session.csrf,
            buyer: false,
            seller_base: Some(format!("/admin/{}", coop.username)),
        };
        Ok::<_, AppError>(html! {
            h1 { "Incoming orders for " (coop.name) }
            p.meta { a href={"/admin/" (coop.username)} { "Back to managing " (coop.name) } }
            p.hint { "Orders are accepted as they arrive when the stock is there, and refused when it is not. Mark each as dispatched, then fulfilled; a cancelled order's goods go back into stock." }
            @if views.is_empty() { p.card { "No orders yet." } }
            @for (n, v) in views.iter().enumerate() { (order_card(&data, v, true, Some(&actions), n)) }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Incoming orders", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    csrf: String,
    id: String,
    to: String,
    #[serde(default)]
    reason: String,
}

pub async fn move_order(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = workplace(&data, &session, &handle).await?;
        let order = data
            .db
            .order(form.id.trim())
            .await?
            .filter(|o| o.seller_id == coop.id.as_str())
            .ok_or(AppError::NotFound)?;
        let to = OrderState::parse(form.to.trim())?;
        let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
        market::change_order_state(&data, &order.id, &coop, to, reason).await?;
        Ok::<_, AppError>(format!("/admin/{}/orders", coop.username))
    }
    .await;
    let to = result?;
    Ok(Redirect::to(&to).into_response())
}

pub async fn purchases(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        if coop.coop_kind.as_deref() != Some("consumer-council") {
            return Err(AppError::Forbidden(
                "only consumer councils order on behalf of their members".into(),
            ));
        }
        let views = order_views(
            &data,
            data.db
                .orders_of_buyers(&[coop.id.to_string()], ORDERS_SHOWN)
                .await?,
        )
        .await?;
        let actions = Actions {
            csrf: &session.csrf,
            buyer: true,
            seller_base: None,
        };
        Ok::<_, AppError>(html! {
            h1 { "Purchases of " (coop.name) }
            p.meta { a href={"/admin/" (coop.username)} { "Back to managing " (coop.name) } }
            p.hint { "Orders placed on behalf of the council. Place one from the basket by choosing the council under \u{201c}Order as\u{201d}." }
            @if views.is_empty() { p.card { "No purchases yet." } }
            @for (n, v) in views.iter().enumerate() { (order_card(&data, v, false, Some(&actions), n)) }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Purchases", Some(&session), body))
}

/// What a consumer council's public profile shows of its trading: what it bought (goods and
/// workplaces, not who placed the order) and what it recommends.
pub async fn council_sections(data: &AppState, council_id: &str) -> Result<Markup, AppError> {
    let bought: Vec<OrderRow> = data
        .db
        .orders_of_buyers(&[council_id.to_string()], 50)
        .await?
        .into_iter()
        .filter(|o| matches!(o.state.as_str(), "accepted" | "dispatched" | "fulfilled"))
        .collect();
    let mut names = Names::default();
    let mut purchases = Vec::new();
    for order in bought {
        let seller = names.name(data, &order.seller_id).await?;
        let lines = data.db.order_lines(&order.id).await?;
        purchases.push((order, seller, lines));
    }
    let recommendations = data.db.recommendations_by(council_id).await?;
    Ok(html! {
        section aria-labelledby="purchase-history" {
            h2 id="purchase-history" { "Purchase history" }
            @if purchases.is_empty() { p { "No purchases yet." } }
            ul {
                @for (order, seller, lines) in &purchases {
                    li {
                        (human_time(order.created_at)) " · from " (seller) ": "
                        @for (i, l) in lines.iter().enumerate() {
                            @if i > 0 { ", " }
                            (l.quantity) " × " a href=(item_href(&data.settings, &l.item_id)) { (l.name) }
                        }
                        " · " (order.state)
                    }
                }
            }
        }
        section aria-labelledby="recommendations" {
            h2 id="recommendations" { "Recommendations" }
            @if recommendations.is_empty() { p { "No recommendations yet." } }
            @for r in &recommendations {
                article.post {
                    header {
                        a.who href=(item_href(&data.settings, &r.item_id)) {
                            (r.item_name.as_deref().unwrap_or("An item"))
                        }
                    }
                    div.content { (stored_html(&r.comment_html)) }
                }
            }
        }
    })
}
