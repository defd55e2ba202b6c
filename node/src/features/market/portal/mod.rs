//! The catalogue, the workplaces' goods and stock, orders and enquiries, as portal pages; the
//! links and figures every market page shows sit here.

pub mod catalogue;
pub mod enquiries;
pub mod goods;
pub mod orders;

use crate::core::config::Settings;
use crate::core::error::AppError;
use crate::core::web::auth::Session;
use crate::core::web::enc;
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::market::format_minor;
use crate::features::market::KnownActor;
use maud::{html, Markup};

/// Where the portal shows an item: a local item at its own address, a peer's through
/// `/catalogue/item`.
pub(crate) fn item_href(settings: &Settings, id: &str) -> String {
    crate::core::web::object_href(settings, id, "/items/", "/catalogue/item")
}

/// "3.20 EUR per loaf".
pub(crate) fn price_per_unit(minor: i64, currency: &str, unit: &str) -> String {
    format!(
        "{} per {unit}",
        crate::features::market::portal::money(minor, currency)
    )
}

/// "12 in stock", with a low-stock marker, or "Out of stock".
pub(crate) fn stock_status(stock: i64, low_stock_at: i64) -> Markup {
    html! {
        @if stock <= 0 {
            strong.out { "Out of stock" }
        } @else {
            (stock) " in stock"
            @if stock <= low_stock_at { " " strong.low { "Low stock" } }
        }
    }
}

/// Money with its currency: "12.40 EUR", or "12.40 credits" for an item paid in credits.
pub(crate) fn money(minor: i64, currency: &str) -> String {
    if currency == crate::features::credits::CREDITS_CURRENCY {
        format!("{} credits", format_minor(minor))
    } else {
        format!("{} {currency}", format_minor(minor))
    }
}

pub(crate) fn order_href(id: &str) -> String {
    format!("/orders/view?id={}", enc(id))
}

/// The local workplace a member asked to act as, if they may.
pub(crate) async fn workplace(
    data: &AppState,
    session: &Session,
    handle: &str,
) -> Result<KnownActor, AppError> {
    let coop = acting_coop(data, session, handle).await?;
    if coop.coop_kind.as_deref() != Some("workplace") {
        return Err(AppError::Forbidden(
            "only workplaces sell goods and services".into(),
        ));
    }
    Ok(coop)
}
