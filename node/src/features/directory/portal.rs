//! The directory in the portal: listings (courses, research reports, finance, campaigns) from
//! this node and followed co-ops, filtered and searched; listing pages; co-ops known here with
//! their profile data, filtered and compared side by side; a co-op's profile section and the
//! ratings shown next to goods and workplaces; and the admin forms that publish listings and
//! edit a co-op's profile.
//!
//! Pages only read and call domain functions ([`crate::activitypub::directory`]).

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{
    extract::{rejection::QueryRejection, Form, Path, Query, RawQuery},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use coopnet_schemas::directory::{CoopProfileDoc, FlowDoc};
use maud::{html, Markup};
use serde::Deserialize;

use crate::core::config::Settings;
use crate::core::error::AppError;
use crate::core::federation as activitypub;
use crate::core::federation::KnownActor;
use crate::core::store::rfc3339;
use crate::core::web::auth::{MaybeUser, Session, User};
use crate::core::web::stored_html;
use crate::core::web::PageResult;
use crate::core::web::{enc, profile_href, Names};
use crate::core::web::{error_page, human_time, page};
use crate::core::AppState;
use crate::features::coops::portal::acting_coop;
use crate::features::coops::CoopKind;
use crate::features::directory::store::ListingRow;
use crate::features::directory::wire::{self as federated, CoopFilter};
use crate::features::directory::{
    parse_ratings, Average, DirectoryParams, ListingDetails, ListingFields, ListingKind,
    ProfileText, CAMPAIGN_KINDS, CRITERIA, TOPICS,
};

pub fn routes() -> Router {
    Router::new()
        .route("/directory", get(directory))
        .route("/directory/listing", get(any_listing_page))
        .route("/directory/coop", get(coop_page))
        .route("/directory/compare", get(compare))
        .route("/coops", get(coops))
        .route("/admin/{handle}/directory", get(admin))
        .route("/admin/{handle}/coop-profile", post(save_profile))
        .route("/admin/{handle}/listings", post(create))
        .route("/admin/{handle}/listings/edit", post(edit))
        .route("/admin/{handle}/listings/delete", post(remove))
}

fn kind_label(kind: &str) -> &'static str {
    kind.parse::<ListingKind>()
        .map(ListingKind::label)
        .unwrap_or("Listing")
}

/// Where a person reads a listing: ours at its id, a peer's here.
fn listing_href(data: &AppState, id: &str) -> String {
    match id.strip_prefix(data.settings.url("/").as_str()) {
        Some(path) if id.starts_with(data.settings.url("/listings/").as_str()) => {
            format!("/{path}")
        }
        _ => format!("/directory/listing?id={}", enc(id)),
    }
}

/// Where a person reads a co-op's directory profile.
pub fn coop_href(id: &str) -> String {
    format!("/directory/coop?id={}", enc(id))
}

/// Average ratings, one per criterion, in a few words.
pub fn averages_line(averages: &[Average]) -> Markup {
    html! {
        @if !averages.is_empty() {
            span.ratings {
                "Rated: "
                @for (i, a) in averages.iter().enumerate() {
                    @if i > 0 { " · " }
                    (a.criterion) " " strong { (a.display()) } "/5"
                    " (" (a.count) (if a.count == 1 { " report" } else { " reports" }) ")"
                }
            }
        }
    }
}

/// The ratings a subject (an item or a workplace) has, with links to the reports.
pub async fn ratings_section(data: &AppState, subject: &str) -> Result<Markup, AppError> {
    let mut averages = federated::averages(data, &[subject.to_string()]).await?;
    let averages = averages.remove(subject).unwrap_or_default();
    let ratings = data.db.ratings_for(subject).await?;
    let mut names = Names::default();
    let mut by = Vec::new();
    for r in &ratings {
        by.push(names.name(data, &r.owner_id).await?);
    }
    Ok(html! {
        section aria-labelledby="ratings" {
            h2 id="ratings" { "Ratings by research teams" }
            @if averages.is_empty() {
                p { "No research report known here rates this yet." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Criterion" } th scope="col" { "Average" } th scope="col" { "Reports" } } }
                    tbody {
                        @for a in &averages {
                            tr { td { (a.criterion) } td { (a.display()) " / 5" } td { (a.count) } }
                        }
                    }
                }
                ul {
                    @for (r, team) in ratings.iter().zip(&by) {
                        li {
                            a href=(listing_href(data, &r.report_id)) { (r.report_title) }
                            " by " (team) ": " (r.criterion) " " (r.score) "/5"
                            @if !r.comment.is_empty() { " \u{2014} " (r.comment) }
                        }
                    }
                }
            }
        }
    })
}

fn flows_table(caption: &str, flows: &[FlowDoc]) -> Markup {
    html! {
        @if !flows.is_empty() {
            table {
                caption { (caption) }
                thead { tr { th scope="col" { "Good" } th scope="col" { "Quantity" } th scope="col" { "Unit" } th scope="col" { "Category" } } }
                tbody {
                    @for f in flows {
                        tr {
                            td { (f.good) } td { (f.quantity) }
                            td { (f.unit.as_deref().unwrap_or("")) }
                            td { (f.category.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

/// A co-op's profile data as its profile page shows it.
pub async fn profile_section(data: &AppState, actor: &KnownActor) -> Result<Markup, AppError> {
    let profile = federated::profile_doc(data, actor).await?;
    let workplace = actor.coop_kind.as_deref() == Some("workplace");
    let mut names = Names::default();
    let mut sellers = Vec::new();
    if let Some(p) = &profile {
        for purchase in &p.purchases {
            sellers.push(names.name(data, purchase.seller.as_str()).await?);
        }
    }
    let ratings = if workplace {
        Some(ratings_section(data, actor.id.as_str()).await?)
    } else {
        None
    };
    Ok(html! {
        section aria-labelledby="coop-profile" {
            h2 id="coop-profile" { "How this co-op works" }
            @match &profile {
                None => { p { "This co-op has not described itself yet." } }
                Some(p) => {
                    p.meta { "Profile version " (p.version) @if let Some(u) = &p.updated { ", " (u) } }
                    dl.facts {
                        @if let Some(v) = &p.working_conditions { dt { "Working conditions" } dd { (v) } }
                        @if let Some(v) = &p.decision_making { dt { "How decisions are made" } dd { (v) } }
                        @if let Some(v) = &p.remuneration { dt { "Remuneration and tasks" } dd { (v) } }
                        @if let Some(v) = &p.production { dt { "How the products are made" } dd { (v) } }
                        @if let Some(v) = p.participants { dt { "Participants" } dd { (v) } }
                        @if let Some(v) = &p.decisions { dt { "Decisions taken" } dd { (v) } }
                        @if let Some(v) = &p.external_factors { dt { "External factors" } dd { (v) } }
                    }
                    (flows_table("Inputs per year", &p.inputs))
                    (flows_table("Outputs per year", &p.outputs))
                    @if !p.purchases.is_empty() {
                        table {
                            caption { "Purchases" }
                            thead { tr { th scope="col" { "Workplace" } th scope="col" { "Product type" } th scope="col" { "Orders" } th scope="col" { "Total" } } }
                            tbody {
                                @for (purchase, seller) in p.purchases.iter().zip(&sellers) {
                                    tr {
                                        td { a href=(coop_href(purchase.seller.as_str())) { (seller) } }
                                        td { (purchase.product_type) }
                                        td { (purchase.orders) }
                                        td { (purchase.total) " " (purchase.currency) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(r) = ratings { (r) }
    })
}

fn listing_card(data: &AppState, row: &ListingRow, owner: &str) -> Markup {
    let details: ListingDetails = serde_json::from_str(&row.details).unwrap_or_default();
    html! {
        article.post {
            header {
                a.who href=(listing_href(data, &row.id)) { (row.title) }
                " " span.meta { (kind_label(&row.kind)) " · " (owner)
                    @if let Some(r) = &row.region { " · " (r) }
                    @if let Some(t) = &row.topic { " · " (t) }
                    @if let Some(s) = details.starts_at { " · starts " (rfc3339(s)) }
                }
            }
        }
    }
}

pub async fn directory(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    params: Result<Query<DirectoryParams>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(params) = params.map_err(|e| AppError::bad(e.body_text()))?;
        let query = params.query()?;
        let rows = data.db.listings(&query, 100).await?;
        let mut names = Names::default();
        let mut owners = Vec::new();
        for r in &rows {
            owners.push(names.name(&data, &r.owner_id).await?);
        }
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok::<_, AppError>(html! {
            h1 { "Directory" }
            p.hint { "Training courses, research reports, sources of finance and campaigns from co-ops on this node and those it follows." }
            form.card method="get" action="/directory" role="search" {
                label for="q" { "Search" }
                input type="search" id="q" name="q" value=(value(&params.q));
                label for="kind" { "Kind" }
                select id="kind" name="kind" {
                    option value="" { "All kinds" }
                    @for k in ListingKind::ALL {
                        option value=(k.as_str()) selected[query.kind.as_deref() == Some(k.as_str())] { (k.label()) }
                    }
                }
                label for="region" { "Region" }
                input type="text" id="region" name="region" value=(value(&params.region));
                label for="topic" { "Topic" }
                input type="text" id="topic" name="topic" list="topics" value=(value(&params.topic));
                datalist id="topics" { @for t in TOPICS { option value=(t) {} } }
                p { button type="submit" { "Filter" } }
            }
            @if rows.is_empty() { p { "Nothing listed matches." } }
            @for (r, owner) in rows.iter().zip(&owners) { (listing_card(&data, r, owner)) }
            p { a href="/coops" { "Co-ops by region and industry" } }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Directory", session.as_ref(), body))
}

#[derive(Deserialize)]
pub struct IdParam {
    id: String,
}

pub async fn any_listing_page(
    data: Data<AppState>,
    session: MaybeUser,
    params: Result<Query<IdParam>, QueryRejection>,
) -> Response {
    match params {
        Ok(Query(p)) => listing_page(&data, p.id.trim(), session).await,
        Err(e) => error_page(&data, session.0.as_ref(), AppError::bad(e.body_text())),
    }
}

/// A listing's page: what it is, who lists it, and a report's ratings.
pub async fn listing_page(data: &AppState, id: &str, MaybeUser(session): MaybeUser) -> Response {
    let result = async {
        let row = data
            .db
            .listing(id)
            .await?
            .filter(|l| l.deleted_at.is_none())
            .ok_or(AppError::NotFound)?;
        let owner = activitypub::stored_actor(data, &row.owner_id).await?;
        let details: ListingDetails = serde_json::from_str(&row.details).unwrap_or_default();
        let ratings = data.db.ratings_of(&row.id).await?;
        let mut subjects = Vec::new();
        let mut names = Names::default();
        for r in &ratings {
            let subject = match data.db.item(&r.subject_id).await? {
                Some(item) => (item_page_href(&data.settings, &item.id), item.name),
                None => (coop_href(&r.subject_id), names.name(data, &r.subject_id).await?),
            };
            subjects.push(subject);
        }
        Ok::<_, AppError>((
            row.title.clone(),
            html! {
                h1 { (row.title) }
                p.meta {
                    (kind_label(&row.kind)) " · "
                    @match &owner {
                        Some(o) => { a href=(coop_href(o.id.as_str())) { (o.name) } " " span { (o.handle()) } }
                        None => { "a co-op no longer known here" }
                    }
                    " · updated " (human_time(row.updated_at))
                }
                div.description { (stored_html(&row.body_html)) }
                dl.facts {
                    @if let Some(r) = &row.region { dt { "Region" } dd { (r) } }
                    @if let Some(t) = &row.topic { dt { "Topic" } dd { (t) } }
                    @if let Some(s) = details.starts_at { dt { "Starts" } dd { (rfc3339(s)) } }
                    @if let Some(e) = details.ends_at { dt { "Ends" } dd { (rfc3339(e)) } }
                    @if let Some(l) = &details.location { dt { "Place" } dd { (l) } }
                    @if let Some(u) = &details.online_url { dt { "Online" } dd { a href=(u) rel="nofollow" { (u) } } }
                    @if let Some(l) = &details.lender { dt { "Lender" } dd { (l) } }
                    @if let Some(l) = &details.lends_for { dt { "Lends for" } dd { (l) } }
                    @if let Some(c) = &details.campaign_kind { dt { "Campaign" } dd { (c) } }
                }
                @if let Some(u) = &details.enrol_url {
                    p { a.button href=(u) rel="nofollow" { "Enrol" } }
                }
                @if !ratings.is_empty() {
                    table {
                        caption { "Ratings" }
                        thead { tr { th scope="col" { "Subject" } th scope="col" { "Criterion" } th scope="col" { "Score" } th scope="col" { "Comment" } } }
                        tbody {
                            @for (r, (href, name)) in ratings.iter().zip(&subjects) {
                                tr { td { a href=(href) { (name) } } td { (r.criterion) } td { (r.score) "/5" } td { (r.comment) } }
                            }
                        }
                    }
                }
                @if !details.suggestions.is_empty() {
                    h2 { "Suggestions to consumer councils" }
                    ul { @for s in &details.suggestions { li { (s) } } }
                }
            },
        ))
    }
    .await;
    match result {
        Ok((title, body)) => page(data, &title, session.as_ref(), body),
        Err(e) => error_page(data, session.as_ref(), e),
    }
}

pub async fn coop_page(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    params: Result<Query<IdParam>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(p) = params.map_err(|e| AppError::bad(e.body_text()))?;
        let actor = activitypub::stored_actor(&data, p.id.trim())
            .await?
            .filter(|a| a.coop_kind.is_some())
            .ok_or(AppError::NotFound)?;
        let section = profile_section(&data, &actor).await?;
        let listings = data
            .db
            .listings(
                &crate::features::directory::store::ListingQuery {
                    owner: Some(actor.id.to_string()),
                    ..Default::default()
                },
                50,
            )
            .await?;
        Ok::<_, AppError>((
            actor.name.clone(),
            html! {
                h1 { (actor.name) }
                p.meta { (actor.handle()) " · " (kind_name(actor.coop_kind.as_deref()))
                    " · " a href=(profile_href(&actor)) { "profile and announcements" } }
                @if !actor.summary.is_empty() { div.card { (stored_html(&actor.summary)) } }
                dl.facts {
                    @if let Some(r) = &actor.region { dt { "Region" } dd { (r) } }
                    @if let Some(i) = &actor.industry { dt { "Industry" } dd { (i) } }
                }
                (section)
                @if !listings.is_empty() {
                    h2 { "Listings" }
                    @for l in &listings { (listing_card(&data, l, &actor.name)) }
                }
            },
        ))
    }
    .await;
    let (title, body) = result?;
    Ok(page(&data, &title, session.as_ref(), body))
}

fn kind_name(kind: Option<&str>) -> &'static str {
    kind.and_then(|k| k.parse::<CoopKind>().ok())
        .map(CoopKind::label)
        .unwrap_or("Co-op")
}

pub async fn coops(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    params: Result<Query<CoopFilter>, QueryRejection>,
) -> PageResult {
    let result = async {
        let Query(filter) = params.map_err(|e| AppError::bad(e.body_text()))?;
        if let Some(k) = filter.kind.as_deref().filter(|k| !k.is_empty()) {
            k.parse::<CoopKind>()?;
        }
        let coops = federated::known_coops(&data, &filter).await?;
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok::<_, AppError>(html! {
            h1 { "Co-ops" }
            p.hint { "Co-ops on this node and those it has met on others. Tick two to four to compare them." }
            form.card method="get" action="/coops" {
                label for="region" { "Region" }
                input type="text" id="region" name="region" value=(value(&filter.region));
                label for="industry" { "Industry" }
                input type="text" id="industry" name="industry" value=(value(&filter.industry));
                label for="kind" { "Kind" }
                select id="kind" name="kind" {
                    option value="" { "All kinds" }
                    @for k in CoopKind::ALL {
                        option value=(k.as_str()) selected[filter.kind.as_deref() == Some(k.as_str())] { (k.label()) }
                    }
                }
                p { button type="submit" { "Filter" } }
            }
            @if coops.is_empty() { p { "No co-op matches." } }
            form method="get" action="/directory/compare" {
                table {
                    thead { tr { th scope="col" { "Compare" } th scope="col" { "Co-op" } th scope="col" { "Kind" } th scope="col" { "Region" } th scope="col" { "Industry" } } }
                    tbody {
                        @for (i, (a, _)) in coops.iter().enumerate() {
                            tr {
                                td { input type="checkbox" id={"c" (i)} name="id" value=(a.id); label.skip for={"c" (i)} { "Compare " (a.name) } }
                                td { a href=(coop_href(a.id.as_str())) { (a.name) } " " span.meta { (a.handle()) } }
                                td { (kind_name(a.coop_kind.as_deref())) }
                                td { (a.region.as_deref().unwrap_or("")) }
                                td { (a.industry.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
                @if coops.len() > 1 { p { button type="submit" { "Compare" } } }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Co-ops", session.as_ref(), body))
}

fn flows_text(flows: &[FlowDoc]) -> String {
    flows
        .iter()
        .map(|f| {
            format!(
                "{} {}{}",
                f.good,
                f.quantity,
                f.unit
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Two to four co-ops side by side.
pub async fn compare(
    data: Data<AppState>,
    MaybeUser(session): MaybeUser,
    RawQuery(query): RawQuery,
) -> PageResult {
    let result = async {
        let ids: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .filter(|(k, _)| k == "id")
            .map(|(_, v)| v.into_owned())
            .collect();
        if !(2..=4).contains(&ids.len()) {
            return Err(AppError::bad("choose two to four co-ops to compare"));
        }
        let mut coops: Vec<(KnownActor, Option<CoopProfileDoc>)> = Vec::new();
        for id in &ids {
            let actor = activitypub::stored_actor(&data, id)
                .await?
                .filter(|a| a.coop_kind.is_some())
                .ok_or_else(|| AppError::bad(format!("{id} is not a co-op known here")))?;
            let profile = federated::profile_doc(&data, &actor).await?;
            coops.push((actor, profile));
        }
        let mut averages: HashMap<String, Vec<Average>> = federated::averages(&data, &ids).await?;
        type Row = (&'static str, Box<dyn Fn(&KnownActor, &CoopProfileDoc) -> String>);
        let text = |f: fn(&CoopProfileDoc) -> &Option<String>| {
            Box::new(move |_: &KnownActor, p: &CoopProfileDoc| f(p).clone().unwrap_or_default())
                as Box<dyn Fn(&KnownActor, &CoopProfileDoc) -> String>
        };
        let rows: Vec<Row> = vec![
            ("Kind", Box::new(|a, _| kind_name(a.coop_kind.as_deref()).to_string())),
            ("Region", Box::new(|a, _| a.region.clone().unwrap_or_default())),
            ("Industry", Box::new(|a, _| a.industry.clone().unwrap_or_default())),
            ("Working conditions", text(|p| &p.working_conditions)),
            ("How decisions are made", text(|p| &p.decision_making)),
            ("Remuneration and tasks", text(|p| &p.remuneration)),
            ("How the products are made", text(|p| &p.production)),
            ("Inputs per year", Box::new(|_, p| flows_text(&p.inputs))),
            ("Outputs per year", Box::new(|_, p| flows_text(&p.outputs))),
            ("Participants", Box::new(|_, p| p.participants.map(|n| n.to_string()).unwrap_or_default())),
            ("Decisions taken", text(|p| &p.decisions)),
            ("External factors", text(|p| &p.external_factors)),
            ("Purchases", Box::new(|_, p| p.purchases.iter().map(|x| format!("{} × {} ({} {})", x.orders, x.product_type, x.total, x.currency)).collect::<Vec<_>>().join("; "))),
        ];
        let empty = CoopProfileDoc::default();
        Ok::<_, AppError>(html! {
            h1 { "Comparing co-ops" }
            table.compare {
                thead { tr { th scope="col" { span.skip { "Field" } } @for (a, _) in &coops { th scope="col" { a href=(coop_href(a.id.as_str())) { (a.name) } } } } }
                tbody {
                    @for (label, value) in &rows {
                        tr { th scope="row" { (label) } @for (a, p) in &coops { td { (value(a, p.as_ref().unwrap_or(&empty))) } } }
                    }
                    tr { th scope="row" { "Ratings" } @for (a, _) in &coops { td { (averages_line(&averages.remove(a.id.as_str()).unwrap_or_default())) } } }
                }
            }
            p { a href="/coops" { "Back to the list" } }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Compare co-ops", session.as_ref(), body))
}

/// The form that writes or changes a listing.
fn listing_form(
    action: &str,
    csrf: &str,
    prefix: &str,
    row: Option<(&ListingRow, &str)>,
) -> Markup {
    let details: ListingDetails = row
        .map(|(r, _)| serde_json::from_str(&r.details).unwrap_or_default())
        .unwrap_or_default();
    let time = |t: Option<i64>| {
        t.and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    };
    let id = |name: &str| format!("{prefix}{name}");
    let kind = row.map(|(r, _)| r.kind.as_str()).unwrap_or("course");
    html! {
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            @if let Some((r, _)) = row { input type="hidden" name="listing_id" value=(r.id); }
            label for=(id("kind")) { "Kind" }
            select id=(id("kind")) name="kind" {
                @for k in ListingKind::ALL { option value=(k.as_str()) selected[k.as_str() == kind] { (k.label()) } }
            }
            label for=(id("title")) { "Title" }
            input type="text" id=(id("title")) name="title" required value=(row.map(|(r, _)| r.title.as_str()).unwrap_or(""));
            label for=(id("body")) { "Description (Markdown)" }
            textarea id=(id("body")) name="body" { (row.and_then(|(r, _)| r.body_md.clone()).unwrap_or_default()) }
            label for=(id("region")) { "Region" }
            input type="text" id=(id("region")) name="region" value=(row.and_then(|(r, _)| r.region.clone()).unwrap_or_default());
            label for=(id("topic")) { "Topic" }
            input type="text" id=(id("topic")) name="topic" list="topics" value=(row.and_then(|(r, _)| r.topic.clone()).unwrap_or_default());
            fieldset {
                legend { "Training course" }
                label for=(id("starts")) { "Starts (UTC)" }
                input type="datetime-local" id=(id("starts")) name="starts" value=(time(details.starts_at));
                label for=(id("ends")) { "Ends (UTC)" }
                input type="datetime-local" id=(id("ends")) name="ends" value=(time(details.ends_at));
                label for=(id("location")) { "Place" }
                input type="text" id=(id("location")) name="location" value=(details.location.clone().unwrap_or_default());
                label for=(id("online_url")) { "Online link" }
                input type="text" id=(id("online_url")) name="online_url" value=(details.online_url.clone().unwrap_or_default());
                label for=(id("enrol_url")) { "Enrolment link" }
                input type="text" id=(id("enrol_url")) name="enrol_url" value=(details.enrol_url.clone().unwrap_or_default());
            }
            fieldset {
                legend { "Source of finance" }
                label for=(id("lender")) { "Lender (a credit union, a fund…)" }
                input type="text" id=(id("lender")) name="lender" value=(details.lender.clone().unwrap_or_default());
                label for=(id("lends_for")) { "What it lends for" }
                input type="text" id=(id("lends_for")) name="lends_for" value=(details.lends_for.clone().unwrap_or_default());
            }
            fieldset {
                legend { "Campaign or group" }
                label for=(id("campaign_kind")) { "About" }
                select id=(id("campaign_kind")) name="campaign_kind" {
                    option value="" { "(not a campaign)" }
                    @for c in CAMPAIGN_KINDS { option value=(c) selected[details.campaign_kind.as_deref() == Some(c)] { (c) } }
                }
            }
            fieldset {
                legend { "Research report (research teams: co-ops of kind group)" }
                label for=(id("ratings")) { "Ratings" }
                p.hint { "One per line: the item's or workplace's address | criterion (" (CRITERIA.join(", ")) " or your own) | score 0 to 5 | comment." }
                textarea id=(id("ratings")) name="ratings" { (row.map(|(_, r)| r).unwrap_or("")) }
                label for=(id("suggestions")) { "Suggestions to consumer councils, one per line" }
                textarea id=(id("suggestions")) name="suggestions" { (details.suggestions.join("\n")) }
            }
            p { button type="submit" { (if row.is_some() { "Save changes" } else { "Publish" }) } }
        }
    }
}

pub async fn admin(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
) -> PageResult {
    let result = async {
        let coop = acting_coop(&data, &session, &handle).await?;
        let text = federated::stored_profile(&data, coop.id.as_str())
            .await?
            .map(|d| federated::profile_text(&d))
            .unwrap_or_default();
        let own = data
            .db
            .listings(
                &crate::features::directory::store::ListingQuery {
                    owner: Some(coop.id.to_string()),
                    ..Default::default()
                },
                200,
            )
            .await?;
        let mut forms = Vec::new();
        for l in &own {
            let ratings: String = data
                .db
                .ratings_of(&l.id)
                .await?
                .iter()
                .map(|r| format!("{} | {} | {} | {}\n", r.subject_id, r.criterion, r.score, r.comment))
                .collect();
            forms.push(ratings);
        }
        let base = format!("/admin/{}", coop.username);
        let kind = coop.coop_kind.as_deref();
        Ok::<_, AppError>(html! {
            h1 { "Directory and profile of " (coop.name) }
            p.meta { a href=(base) { "Back to managing " (coop.name) } }
            datalist id="topics" { @for t in TOPICS { option value=(t) {} } }
            section.card aria-labelledby="about" {
                h2 id="about" { "How the co-op works" }
                p.hint { "Shown on the co-op's profile here and on every node that follows it. Each save keeps a new version."
                    @if kind == Some("workplace") { " Inputs and outputs per year come from the " a href={(base) "/planning"} { "planning profile" } "." } }
                form method="post" action={(base) "/coop-profile"} {
                    input type="hidden" name="csrf" value=(session.csrf);
                    @if kind == Some("consumer-council") {
                        label for="participants" { "Number of participants" }
                        input type="number" id="participants" name="participants" min="0" value=(text.participants.map(|p| p.to_string()).unwrap_or_default());
                        label for="decisions" { "Decisions taken" }
                        textarea id="decisions" name="decisions" { (text.decisions) }
                        label for="external_factors" { "External factors that affect the council" }
                        textarea id="external_factors" name="external_factors" { (text.external_factors) }
                    } @else {
                        label for="working_conditions" { "Working conditions" }
                        textarea id="working_conditions" name="working_conditions" { (text.working_conditions) }
                        label for="decision_making" { "How decisions are made" }
                        textarea id="decision_making" name="decision_making" { (text.decision_making) }
                        label for="remuneration" { "How remuneration and tasks are balanced" }
                        textarea id="remuneration" name="remuneration" { (text.remuneration) }
                        label for="production" { "How the products are made" }
                        textarea id="production" name="production" { (text.production) }
                    }
                    p { button type="submit" { "Save profile" } }
                }
            }
            section.card aria-labelledby="publish" {
                h2 id="publish" { "Publish a listing" }
                p.hint { "Followers on any node see it in their directory; Mastodon shows it as a post. Fill in the part for the kind you choose." }
                (listing_form(&format!("{base}/listings"), &session.csrf, "new-", None))
            }
            section aria-labelledby="own" {
                h2 id="own" { "Listings" }
                @if own.is_empty() { p { "None yet." } }
                @for (i, (l, ratings)) in own.iter().zip(&forms).enumerate() {
                    (listing_card(&data, l, &coop.name))
                    details {
                        summary { "Edit this listing" }
                        (listing_form(&format!("{base}/listings/edit"), &session.csrf, &format!("edit{i}-"), Some((l, ratings))))
                    }
                    form method="post" action={(base) "/listings/delete"} {
                        input type="hidden" name="csrf" value=(session.csrf);
                        input type="hidden" name="listing_id" value=(l.id);
                        button.secondary type="submit" { "Delete this listing" }
                    }
                }
            }
        })
    }
    .await;
    let body = result?;
    Ok(page(&data, "Directory and profile", Some(&session), body))
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    csrf: String,
    #[serde(default)]
    working_conditions: String,
    #[serde(default)]
    decision_making: String,
    #[serde(default)]
    remuneration: String,
    #[serde(default)]
    production: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    decisions: String,
    #[serde(default)]
    external_factors: String,
}

fn back(data: &AppState, session: &Session, result: Result<String, AppError>) -> Response {
    match result {
        Ok(username) => Redirect::to(&format!("/admin/{username}/directory")).into_response(),
        Err(e) => error_page(data, Some(session), e),
    }
}

pub async fn save_profile(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ProfileForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        let participants = match form.participants.trim() {
            "" => None,
            n => Some(
                n.parse::<u64>()
                    .map_err(|_| AppError::bad("the number of participants is a whole number"))?,
            ),
        };
        let text = ProfileText {
            working_conditions: form.working_conditions,
            decision_making: form.decision_making,
            remuneration: form.remuneration,
            production: form.production,
            participants,
            decisions: form.decisions,
            external_factors: form.external_factors,
        };
        federated::save_profile(&data, &coop, &text).await?;
        Ok(coop.username)
    }
    .await;
    back(&data, &session, result)
}

#[derive(Debug, Deserialize)]
pub struct ListingForm {
    csrf: String,
    #[serde(default)]
    listing_id: String,
    kind: String,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    online_url: String,
    #[serde(default)]
    enrol_url: String,
    #[serde(default)]
    lender: String,
    #[serde(default)]
    lends_for: String,
    #[serde(default)]
    campaign_kind: String,
    #[serde(default)]
    ratings: String,
    #[serde(default)]
    suggestions: String,
}

impl ListingForm {
    fn fields(&self) -> Result<ListingFields, AppError> {
        let kind: ListingKind = self.kind.parse()?;
        let report = kind == ListingKind::Report;
        Ok(ListingFields {
            kind: self.kind.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            region: self.region.clone(),
            topic: self.topic.clone(),
            starts: self.starts.clone(),
            ends: self.ends.clone(),
            location: self.location.clone(),
            online_url: self.online_url.clone(),
            enrol_url: self.enrol_url.clone(),
            lender: self.lender.clone(),
            lends_for: self.lends_for.clone(),
            campaign_kind: self.campaign_kind.clone(),
            // Fields of other kinds left in the form are not an error.
            ratings: if report {
                parse_ratings(&self.ratings)?
            } else {
                Vec::new()
            },
            suggestions: if report {
                self.suggestions
                    .lines()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            } else {
                Vec::new()
            },
        })
    }
}

pub async fn create(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ListingForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        federated::publish_listing(&data, &coop, &form.fields()?).await?;
        Ok(coop.username)
    }
    .await;
    back(&data, &session, result)
}

pub async fn edit(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<ListingForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        federated::edit_listing(&data, &coop, form.listing_id.trim(), &form.fields()?).await?;
        Ok(coop.username)
    }
    .await;
    back(&data, &session, result)
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    csrf: String,
    listing_id: String,
}

pub async fn remove(
    data: Data<AppState>,
    User(session): User,
    Path(handle): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let result = async {
        session.check_csrf(&form.csrf)?;
        let coop = acting_coop(&data, &session, &handle).await?;
        federated::delete_listing(&data, &coop, form.listing_id.trim()).await?;
        Ok(coop.username)
    }
    .await;
    back(&data, &session, result)
}

/// A rated good's page: the catalogue's, on this node or as the copy held here.
fn item_page_href(settings: &Settings, id: &str) -> String {
    crate::core::web::object_href(settings, id, "/items/", "/catalogue/item")
}
