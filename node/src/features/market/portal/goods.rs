//! A workplace's own goods and services: entering, editing and retiring items, counting stock,
//! and moving the catalogue in and out as CSV.
//!
//! Every form here acts for one local workplace, so each handler first checks the session's
//! CSRF token and that the member may act for it; the checks on the item itself are the domain's
//! (`crate::catalogue`).

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, Form, Path, Query},
    http::header,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::federation::KnownActor;
use crate::core::text::format_minor;
use crate::core::web::auth::{Session, User};
use crate::core::web::enc;
use crate::core::web::PageResult;
use crate::core::web::{error_page, human_time, page};
use crate::core::AppState;
use crate::features::market as catalogue;
use crate::features::market::portal::workplace;
use crate::features::market::portal::{item_href, price_per_unit, stock_status};
use crate::features::market::store::items::ItemRow;
use crate::features::market::{ItemFields, CSV_COLUMNS, SUGGESTED_TYPES};

pub fn routes() -> Router {
    Router::new()
        .route("/admin/{handle}/items", get(items).post(add_item))
        .route("/admin/{handle}/items/edit", get(edit_page).post(edit_item))
        .route("/admin/{handle}/items/stock", post(set_stock))
        .route("/admin/{handle}/items/retire", post(retire))
        .route("/admin/{handle}/items.csv", get(export))
        .route("/admin/{handle}/items/import", post(import))
}

/// The trading links on a co-op's admin page, by kind of co-op.
pub fn admin_links(coop: &KnownActor) -> Markup {
    let base = format!("/admin/{}", coop.username);
    html! {
        nav.admin-links aria-label="Trading" {
            @match coop.coop_kind.as_deref() {
                Some("workplace") => {
                    a href={(base) "/items"} { "Catalogue and stock" }
                    a href={(base) "/orders"} { "Incoming orders" }
                    a href={(base) "/jobs"} { "Job posts" }
                    a href={(base) "/applications"} { "Applications" }
                }
                Some("consumer-council") => {
                    a href={(base) "/purchases"} { "Purchases" }
                    a href={(base) "/applications"} { "Membership applications" }
                }
                _ => {}
            }
            a href={(base) "/enquiries"} { "Enquiries" }
            a href={(base) "/library"} { "Library entries" }
            @if coop.coop_kind.as_deref() == Some("facilitation-board") {
                a href={"/plans/new?board=" (coop.username)} { "Open a planning round" }
            }
            a href={(base) "/planning"} { "Planning profile and members" }
            a href={(base) "/directory"} { "Profile and directory listings" }
        }
    }
}

/// An item form as sent; every field optional here so that a missing one gets the domain's
/// clear message rather than a bare rejection.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    csrf: String,
    id: String,
    name: String,
    description: String,
    unit: String,
    price: String,
    currency: String,
    stock: String,
    low_stock_at: String,
    product_type: String,
    how_made: String,
    image_url: String,
}

impl ItemForm {
    fn fields(&self) -> ItemFields {
        ItemFields {
            name: self.name.clone(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            price: self.price.clone(),
            currency: self.currency.clone(),
            stock: self.stock.clone(),
            low_stock_at: self.low_stock_at.clone(),
            product_type: self.product_type.clone(),
            how_made: self.how_made.clone(),
            image_url: self.image_url.clone(),
        }
    }
}

fn fields_of(item: &ItemRow) -> ItemFields {
    ItemFields {
        name: item.name.clone(),
        description: item.description_md.clone().unwrap_or_default(),
        unit: item.unit.clone(),
        price: format_minor(item.price_minor),
        currency: item.currency.clone(),
        stock: item.stock.to_string(),
        low_stock_at: item.low_stock_at.to_string(),
        product_type: item.product_type.clone(),
        how_made: item.how_made.clone(),
        image_url: item.image_url.clone().unwrap_or_default(),
    }
}

/// The labelled fields of an item, filled with `f`. When editing, stock is not among them: it
/// changes only through the stock form, so a form opened before a sale cannot undo the sale.
fn item_fields(f: &ItemFields, editing: bool) -> Markup {
    html! {
        label for="name" { "Name" }
        input type="text" id="name" name="name" value=(f.name) required maxlength="200";
        label for="description" { "Description (Markdown)" }
        textarea id="description" name="description" { (f.description) }
        label for="unit" { "Unit" }
        p.hint id="unit-hint" { "What one is sold as: loaf, kg, hour, box of 12." }
        input type="text" id="unit" name="unit" value=(f.unit) required maxlength="40" aria-describedby="unit-hint";
        label for="price" { "Price per unit" }
        p.hint id="price-hint" { "Like 3.20, in the currency below." }
        input type="text" id="price" name="price" value=(f.price) required inputmode="decimal" aria-describedby="price-hint";
        label for="currency" { "Currency" }
        input type="text" id="currency" name="currency" value=(f.currency) required maxlength="3" autocapitalize="characters";
        @if editing {
            input type="hidden" name="stock" value=(f.stock);
        } @else {
            label for="stock" { "Stock" }
            input type="number" id="stock" name="stock" value=(f.stock) required min="0" step="1";
        }
        label for="low_stock_at" { "Low-stock level" }
        p.hint id="low-hint" { "At or below this many, the item is marked as low on stock." }
        input type="number" id="low_stock_at" name="low_stock_at" value=(f.low_stock_at) min="0" step="1" aria-describedby="low-hint";
        label for="product_type" { "Product type" }
        p.hint id="type-hint" { "A category such as food/bread: lower-case words joined by '/'." }
        input type="text" id="product_type" name="product_type" value=(f.product_type) required list="product-types" aria-describedby="type-hint";
        datalist id="product-types" {
            @for t in SUGGESTED_TYPES { option value=(t) {} }
        }
        label for="how_made" { "How it is made" }
        textarea id="how_made" name="how_made" { (f.how_made) }
        label for="image_url" { "Image URL" }
        input type="url" id="image_url" name="image_url" value=(f.image_url);
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ItemsQuery {
    imported: Option<usize>,
}

/// The items page, with the add form holding `draft` and an error if the last try failed.
async fn items_body(
    data: &AppState,
    session: &Session,
    coop: &KnownActor,
    draft: &ItemFields,
    error: Option<&AppError>,
    imported: Option<usize>,
    csv: &str,
) -> Result<Markup, AppError> {
    let items = data.db.items_of(coop.id.as_str(), true).await?;
    let base = format!("/admin/{}", coop.username);
    Ok(html! {
        h1 { "Catalogue and stock of " (coop.name) }
        p.meta { a href=(base) { "Back to managing " (coop.name) } " · " a href={(base) "/items.csv"} { "Download the catalogue as CSV" } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        @if let Some(n) = imported { p.notice role="status" { "Imported " (n) " items." } }
        @if items.is_empty() {
            p.card { "No goods or services entered yet." }
        } @else {
            div.scroll {
                table {
                    thead { tr {
                        th scope="col" { "Item" } th scope="col" { "Price" } th scope="col" { "Stock" }
                        th scope="col" { "State" } th scope="col" { span.skip { "Actions" } }
                    } }
                    tbody {
                        @for item in &items {
                            tr {
                                td { a href=(item_href(&data.settings, &item.id)) { (item.name) } }
                                td { (price_per_unit(item.price_minor, &item.currency, &item.unit)) }
                                td { (stock_status(item.stock, item.low_stock_at)) }
                                td { @if item.is_active() { "on sale" } @else { "retired" } }
                                td {
                                    @if item.is_active() {
                                        a href={(base) "/items/edit?id=" (enc(&item.id))} { "Edit" span.skip { " " (item.name) } }
                                        " "
                                        form.inline method="post" action={(base) "/items/retire"} {
                                            input type="hidden" name="csrf" value=(session.csrf);
                                            input type="hidden" name="id" value=(item.id);
                                            button.secondary type="submit" { "Retire" span.skip { " " (item.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card aria-labelledby="add" {
            h2 id="add" { "Add an item" }
            form method="post" action={(base) "/items"} {
                input type="hidden" name="csrf" value=(session.csrf);
                (item_fields(draft, false))
                p { button type="submit" { "Add item" } }
            }
        }
        section.card aria-labelledby="import" {
            h2 id="import" { "Import from CSV" }
            p.hint id="csv-hint" {
                "Paste a CSV file with a header row. Columns: " (CSV_COLUMNS.join(", "))
                ". Every row is checked first: one bad row and nothing is imported."
            }
            form method="post" action={(base) "/items/import"} {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="csv" { "CSV file contents" }
                textarea id="csv" name="csv" required aria-describedby="csv-hint" { (csv) }
                p { button type="submit" { "Import" } }
            }
        }
    })
}

fn empty_draft() -> ItemFields {
    ItemFields {
        currency: "EUR".into(),
        stock: "0".into(),
        low_stock_at: "0".into(),
        ..ItemFields::default()
    }
}

pub async fn items(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    query: Result<Query<ItemsQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let coop = workplace(&data, &session, &handle).await?;
        items_body(&data, &session, &coop, &empty_draft(), None, q.imported, "").await
    }
    .await;
    let body = result?;
    Ok(page(&data, "Catalogue and stock", Some(&session), body))
}

/// Shows the items page again with what was sent and why it was refused, with the error's
/// status, so nothing typed is lost.
async fn refused(
    data: &AppState,
    session: &Session,
    coop: &KnownActor,
    draft: &ItemFields,
    csv: &str,
    error: AppError,
) -> Response {
    match items_body(data, session, coop, draft, Some(&error), None, csv).await {
        Ok(body) => {
            let mut response = page(data, "Catalogue and stock", Some(session), body);
            *response.status_mut() = error.status();
            response
        }
        Err(e) => error_page(data, Some(session), e),
    }
}

pub async fn add_item(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ItemForm>,
) -> Response {
    let coop = match session.check_csrf(&form.csrf) {
        Ok(()) => workplace(&data, &session, &handle).await,
        Err(e) => Err(e),
    };
    let coop = match coop {
        Ok(c) => c,
        Err(e) => return error_page(&data, Some(&session), e),
    };
    let fields = form.fields();
    let created = async {
        let draft = fields.check()?;
        catalogue::create_item(&data, &coop, &draft).await
    }
    .await;
    match created {
        Ok(_) => Redirect::to(&format!("/admin/{}/items", coop.username)).into_response(),
        Err(e) => refused(&data, &session, &coop, &fields, "", e).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct EditQuery {
    id: String,
}

pub async fn edit_page(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    query: Result<Query<EditQuery>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(q) = query.map_err(|e| AppError::bad(e.body_text()))?;
        let coop = workplace(&data, &session, &handle).await?;
        let item = catalogue::own_item(&data, &coop, q.id.trim()).await?;
        edit_body(&data, &session, &coop, &item, &fields_of(&item), None).await
    }
    .await;
    let body = result?;
    Ok(page(&data, "Edit an item", Some(&session), body))
}

async fn edit_body(
    data: &AppState,
    session: &Session,
    coop: &KnownActor,
    item: &ItemRow,
    draft: &ItemFields,
    error: Option<&AppError>,
) -> Result<Markup, AppError> {
    let changes = data.db.stock_changes(&item.id, 10).await?;
    let base = format!("/admin/{}/items", coop.username);
    Ok(html! {
        h1 { "Edit " (item.name) }
        p.meta { a href=(base) { "Back to the catalogue and stock" } " · " a href=(item_href(&data.settings, &item.id)) { "The item's page" } }
        @if let Some(e) = error { p.error role="alert" { (e) } }
        @if !item.is_active() {
            p.notice { "This item is retired: it is no longer sold and cannot be changed." }
        } @else {
            section.card aria-labelledby="stock-h" {
                h2 id="stock-h" { "Stock" }
                p { "Now: " (stock_status(item.stock, item.low_stock_at)) }
                form method="post" action={(base) "/stock"} {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="id" value=(item.id);
                    label for="new-stock" { "New stock" }
                    input type="number" id="new-stock" name="stock" min="0" step="1" value=(item.stock) required;
                    label for="reason" { "Reason" }
                    input type="text" id="reason" name="reason" maxlength="200" placeholder="counted by hand";
                    p { button type="submit" { "Set stock" } }
                }
                @if !changes.is_empty() {
                    h3 { "Last stock changes" }
                    div.scroll {
                        table {
                            thead { tr { th scope="col" { "When" } th scope="col" { "Change" } th scope="col" { "Stock after" } th scope="col" { "Reason" } } }
                            tbody {
                                @for c in &changes {
                                    tr {
                                        td { (human_time(c.at)) }
                                        td { @if c.delta > 0 { "+" } (c.delta) }
                                        td { (c.stock_after) }
                                        td { (c.reason) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.card aria-labelledby="details" {
                h2 id="details" { "Details" }
                form method="post" action={(base) "/edit"} {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="id" value=(item.id);
                    (item_fields(draft, true))
                    p { button type="submit" { "Save changes" } }
                }
            }
            form method="post" action={(base) "/retire"} {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="id" value=(item.id);
                button.secondary type="submit" { "Retire this item" }
            }
        }
    })
}

pub async fn edit_item(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ItemForm>,
) -> Response {
    let found = async {
        session.check_csrf(&form.csrf)?;
        let coop = workplace(&data, &session, &handle).await?;
        let item = catalogue::own_item(&data, &coop, form.id.trim()).await?;
        Ok::<_, AppError>((coop, item))
    }
    .await;
    let (coop, item) = match found {
        Ok(found) => found,
        Err(e) => return error_page(&data, Some(&session), e),
    };
    let fields = form.fields();
    let updated = async {
        let draft = fields.check()?;
        catalogue::update_item(&data, &coop, &item.id, &draft).await
    }
    .await;
    match updated {
        Ok(_) => Redirect::to(&format!("/admin/{}/items", coop.username)).into_response(),
        Err(error) => match edit_body(&data, &session, &coop, &item, &fields, Some(&error)).await {
            Ok(body) => {
                let mut response = page(&data, "Edit an item", Some(&session), body);
                *response.status_mut() = error.status();
                response
            }
            Err(e) => error_page(&data, Some(&session), e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct StockForm {
    csrf: String,
    id: String,
    stock: String,
    #[serde(default)]
    reason: String,
}

pub async fn set_stock(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<StockForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = workplace(&data, &session, &handle).await?;
        let stock = catalogue::parse_stock(&form.stock)?;
        catalogue::set_stock(&data, &coop, form.id.trim(), stock, &form.reason).await?;
        Ok::<_, AppError>(format!(
            "/admin/{}/items/edit?id={}",
            coop.username,
            enc(form.id.trim())
        ))
    }
    .await;
    let to = result?;
    Ok(Redirect::to(&to).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RetireForm {
    csrf: String,
    id: String,
}

pub async fn retire(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<RetireForm>,
) -> PageResult {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = workplace(&data, &session, &handle).await?;
        catalogue::retire_item(&data, &coop, form.id.trim()).await?;
        Ok::<_, AppError>(format!("/admin/{}/items", coop.username))
    }
    .await;
    let to = result?;
    Ok(Redirect::to(&to).into_response())
}

pub async fn export(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> Response {
    let result = async {
        let coop = workplace(&data, &session, &handle).await?;
        let csv = catalogue::export_csv(&data, &coop).await?;
        Ok::<_, AppError>((coop.username, csv))
    }
    .await;
    match result {
        // Handles are a-z, 0-9, '_' and '-', so the file name needs no quoting rules.
        Ok((username, csv)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{username}-catalogue.csv\""),
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => error_page(&data, Some(&session), e),
    }
}

#[derive(Debug, Deserialize)]
pub struct ImportForm {
    csrf: String,
    #[serde(default)]
    csv: String,
}

pub async fn import(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ImportForm>,
) -> Response {
    let coop = match session.check_csrf(&form.csrf) {
        Ok(()) => workplace(&data, &session, &handle).await,
        Err(e) => Err(e),
    };
    let coop = match coop {
        Ok(c) => c,
        Err(e) => return error_page(&data, Some(&session), e),
    };
    match catalogue::import_csv(&data, &coop, &form.csv).await {
        Ok(n) => {
            Redirect::to(&format!("/admin/{}/items?imported={n}", coop.username)).into_response()
        }
        Err(e) => refused(&data, &session, &coop, &empty_draft(), &form.csv, e).await,
    }
}
