//! The directory over ActivityPub: a co-op's profile data travels in its actor document
//! (`coopProfile`, sent again with Update(actor) whenever it changes), and listings are objects
//! a co-op creates, updates and deletes for its followers, as workplaces do with items.
//!
//! A listing from a peer is kept only if its owner is followed here; its id must be on the
//! owner's origin, its HTML is sanitised, its title is plain text and its scores are 0 to 5.

use activitypub_federation::config::Data;
use coopnet_federation::origin::same_origin;
use coopnet_schemas::{
    activities::{Activity, ActivityKind},
    actors::ActorDoc,
    directory::{self as wire, CoopProfileDoc, FlowDoc, ListingDoc, Place, PurchaseDoc, RatingDoc},
    objects::Source,
    PUBLIC,
};
use serde_json::Value;
use url::Url;

use crate::core::error::AppError;
use crate::core::federation::{convert, outgoing, KnownActor};
use crate::core::store::{now_ms, parse_time, rfc3339};
use crate::core::text;
use crate::core::text::format_minor;
use crate::core::AppState;
use crate::features::directory::flows::{Flow, PlanningProfile};
use crate::features::directory::store::{
    ListingRemoval, ListingRow, ListingWrite, ProfileVersionRow, RatingRow,
};
use crate::features::directory::{
    ListingDetails, ListingDraft, ListingFields, ListingKind, ProfileText, RatingInput, MAX_BODY,
    MAX_PROFILE_TEXT,
};

/// Most inputs or outputs a profile may list, and most purchase lines.
const MAX_FLOWS: usize = 100;
const MAX_PURCHASES: usize = 200;

fn flow_doc(f: &Flow) -> FlowDoc {
    FlowDoc {
        good: f.good.clone(),
        quantity: f.quantity,
        unit: f.unit.clone(),
        category: f.category.map(|c| c.as_str().to_string()),
    }
}

fn optional(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The text a co-op last saved, read back from its latest profile version.
pub fn profile_text(doc: &CoopProfileDoc) -> ProfileText {
    ProfileText {
        working_conditions: doc.working_conditions.clone().unwrap_or_default(),
        decision_making: doc.decision_making.clone().unwrap_or_default(),
        remuneration: doc.remuneration.clone().unwrap_or_default(),
        production: doc.production.clone().unwrap_or_default(),
        participants: doc.participants,
        decisions: doc.decisions.clone().unwrap_or_default(),
        external_factors: doc.external_factors.clone().unwrap_or_default(),
    }
}

/// The latest stored version of a co-op's profile, if it has one.
pub async fn stored_profile(
    state: &AppState,
    actor_id: &str,
) -> Result<Option<CoopProfileDoc>, AppError> {
    Ok(match state.db.latest_profile(actor_id).await? {
        Some(row) => serde_json::from_str(&row.document).ok(),
        None => None,
    })
}

/// A local council's purchases from its orders: per workplace and product type, no buyers.
pub async fn purchases_of(state: &AppState, council: &str) -> Result<Vec<PurchaseDoc>, AppError> {
    Ok(state
        .db
        .purchase_totals(council)
        .await?
        .into_iter()
        .filter_map(|p| {
            Some(PurchaseDoc {
                seller: Url::parse(&p.seller_id).ok()?,
                product_type: p.product_type.unwrap_or_else(|| "other".into()),
                orders: p.orders.max(0) as u64,
                total: format_minor(p.total_minor),
                currency: p.currency,
            })
        })
        .collect())
}

/// The profile as an actor document carries it: the latest version, with a council's
/// purchases as they stand.
pub async fn profile_doc(
    state: &AppState,
    actor: &KnownActor,
) -> Result<Option<CoopProfileDoc>, AppError> {
    let Some(mut doc) = stored_profile(state, actor.id.as_str()).await? else {
        return Ok(None);
    };
    if actor.is_local() && actor.coop_kind.as_deref() == Some("consumer-council") {
        doc.purchases = purchases_of(state, actor.id.as_str()).await?;
    }
    Ok(Some(doc))
}

/// The actor document of one of ours, with its profile data.
pub async fn local_actor_doc(state: &AppState, actor: &KnownActor) -> Result<ActorDoc, AppError> {
    let profile = if actor.coop_kind.is_some() {
        profile_doc(state, actor).await?
    } else {
        None
    };
    let kind = actor
        .coop_kind
        .as_deref()
        .and_then(|k| k.parse::<crate::features::coops::CoopKind>().ok());
    Ok(convert::actor_doc(
        actor,
        &state.settings,
        profile,
        kind.map(|k| k.label()),
    ))
}

/// Saves what a co-op says about itself: a new profile version if anything changed, and an
/// Update of its actor to its followers.
pub async fn save_profile(
    state: &AppState,
    coop: &KnownActor,
    profile: &ProfileText,
) -> Result<(), AppError> {
    profile.check()?;
    record_profile(state, coop, profile).await
}

/// After the planning profile changed: the inputs and outputs the profile shows change too.
pub async fn refresh_profile(state: &AppState, coop: &KnownActor) -> Result<(), AppError> {
    let text = stored_profile(state, coop.id.as_str())
        .await?
        .map(|d| profile_text(&d))
        .unwrap_or_default();
    record_profile(state, coop, &text).await
}

async fn record_profile(
    state: &AppState,
    coop: &KnownActor,
    profile: &ProfileText,
) -> Result<(), AppError> {
    let planning = crate::features::directory::flows::profile_of(state, coop.id.as_str()).await?;
    let workplace = coop.coop_kind.as_deref() == Some("workplace");
    let council = coop.coop_kind.as_deref() == Some("consumer-council");
    let mut doc = CoopProfileDoc {
        version: 0,
        updated: None,
        working_conditions: optional(&profile.working_conditions),
        decision_making: optional(&profile.decision_making),
        remuneration: optional(&profile.remuneration),
        production: optional(&profile.production),
        inputs: if workplace {
            planning.inputs.iter().map(flow_doc).collect()
        } else {
            Vec::new()
        },
        outputs: if workplace {
            PlanningProfile::outputs(&planning)
                .iter()
                .map(flow_doc)
                .collect()
        } else {
            Vec::new()
        },
        participants: profile.participants.filter(|_| council),
        decisions: optional(&profile.decisions),
        external_factors: optional(&profile.external_factors),
        purchases: Vec::new(),
    };
    let latest = state.db.latest_profile(coop.id.as_str()).await?;
    let previous: Option<CoopProfileDoc> = latest
        .as_ref()
        .and_then(|row| serde_json::from_str(&row.document).ok());
    if let Some(prev) = &previous {
        let same = CoopProfileDoc {
            version: 0,
            updated: None,
            ..prev.clone()
        };
        if same == doc {
            return Ok(());
        }
    }
    let now = now_ms();
    doc.version = latest.map(|r| r.version + 1).unwrap_or(1) as u32;
    doc.updated = Some(rfc3339(now));
    state
        .db
        .put_profile_version(&ProfileVersionRow {
            actor_id: coop.id.to_string(),
            version: doc.version as i64,
            document: serde_json::to_string(&doc)?,
            recorded_at: now,
        })
        .await?;
    outgoing::update_profile(state, coop).await
}

fn check_peer_text(what: &str, value: &Option<String>, max: usize) -> Result<(), AppError> {
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        return Err(AppError::bad(format!("the profile's {what} is too long")));
    }
    Ok(())
}

/// Checks a peer's profile data and makes its text plain: what is stored is what is shown.
pub fn check_peer_profile(doc: &CoopProfileDoc) -> Result<CoopProfileDoc, AppError> {
    for (what, value) in [
        ("working conditions", &doc.working_conditions),
        ("decision making", &doc.decision_making),
        ("remuneration", &doc.remuneration),
        ("production", &doc.production),
        ("decisions", &doc.decisions),
        ("external factors", &doc.external_factors),
    ] {
        check_peer_text(what, value, MAX_PROFILE_TEXT)?;
    }
    if doc.inputs.len() > MAX_FLOWS || doc.outputs.len() > MAX_FLOWS {
        return Err(AppError::bad(
            "the profile lists too many inputs or outputs",
        ));
    }
    if doc.purchases.len() > MAX_PURCHASES {
        return Err(AppError::bad("the profile lists too many purchases"));
    }
    for f in doc.inputs.iter().chain(&doc.outputs) {
        if !(f.quantity.is_finite() && f.quantity >= 0.0 && f.quantity <= 1e12) {
            return Err(AppError::bad(format!(
                "the profile's quantity of {:?} is not a number from 0 to 10^12",
                f.good
            )));
        }
        if f.good.trim().is_empty() || f.good.chars().count() > 100 {
            return Err(AppError::bad(
                "a good's name in the profile is empty or too long",
            ));
        }
        check_peer_text("unit", &f.unit, 40)?;
        check_peer_text("category", &f.category, 40)?;
    }
    for p in &doc.purchases {
        if p.product_type.chars().count() > 200
            || p.currency.chars().count() > 10
            || p.total.chars().count() > 30
        {
            return Err(AppError::bad("a purchase line in the profile is too long"));
        }
    }
    let plain = |v: &Option<String>| v.as_deref().map(text::html_to_text);
    Ok(CoopProfileDoc {
        working_conditions: plain(&doc.working_conditions),
        decision_making: plain(&doc.decision_making),
        remuneration: plain(&doc.remuneration),
        production: plain(&doc.production),
        decisions: plain(&doc.decisions),
        external_factors: plain(&doc.external_factors),
        ..doc.clone()
    })
}

/// Keeps the profile data a peer's actor document carries, as the version it says it is.
pub async fn store_peer_profile(state: &AppState, doc: &ActorDoc) -> Result<(), AppError> {
    let Some(profile) = &doc.coop_profile else {
        return Ok(());
    };
    let profile = check_peer_profile(profile)?;
    state
        .db
        .put_profile_version(&ProfileVersionRow {
            actor_id: doc.id.to_string(),
            version: profile.version as i64,
            document: serde_json::to_string(&profile)?,
            recorded_at: now_ms(),
        })
        .await?;
    Ok(())
}

fn listing_url(state: &AppState) -> Url {
    state
        .settings
        .url(&format!("/listings/{}", uuid::Uuid::new_v4()))
}

/// A listing as its followers receive it.
pub fn listing_doc(
    row: &ListingRow,
    ratings: &[RatingRow],
    owner: &Url,
) -> Result<ListingDoc, AppError> {
    let id = Url::parse(&row.id).map_err(|_| AppError::Internal("stored listing id".into()))?;
    let kind: ListingKind = row.kind.parse()?;
    let details: ListingDetails = serde_json::from_str(&row.details)?;
    let url = |u: &Option<String>| u.as_deref().and_then(|u| Url::parse(u).ok());
    Ok(ListingDoc {
        context: Value::Null,
        url: Some(id.clone()),
        id,
        kind: kind.object_type().into(),
        attributed_to: owner.clone(),
        listing_kind: kind.as_str().into(),
        name: row.title.clone(),
        content: listing_content(row, kind, &details),
        source: row.body_md.as_ref().map(|md| Source {
            content: md.clone(),
            media_type: "text/markdown".into(),
        }),
        published: Some(rfc3339(row.published_at)),
        updated: Some(rfc3339(row.updated_at)),
        region: row.region.clone(),
        topic: row.topic.clone(),
        start_time: details.starts_at.map(rfc3339),
        end_time: details.ends_at.map(rfc3339),
        location: details.location.clone().map(|name| Place {
            kind: "Place".into(),
            name,
        }),
        online_url: url(&details.online_url),
        enrol_url: url(&details.enrol_url),
        lender: details.lender.clone(),
        lends_for: details.lends_for.clone(),
        campaign_kind: details.campaign_kind.clone(),
        ratings: ratings
            .iter()
            .filter_map(|r| {
                Some(RatingDoc {
                    subject: Url::parse(&r.subject_id).ok()?,
                    criterion: r.criterion.clone(),
                    score: r.score,
                    comment: r.comment.clone(),
                })
            })
            .collect(),
        suggestions: details.suggestions.clone(),
        to: vec![PUBLIC.into()],
        cc: vec![convert::followers_of(owner).to_string()],
    })
}

/// What Mastodon and other servers that know none of our terms show: the title, the body and
/// the kind's facts in words.
fn listing_content(row: &ListingRow, kind: ListingKind, d: &ListingDetails) -> String {
    let mut facts = vec![kind.label().to_string()];
    if let Some(t) = &row.topic {
        facts.push(format!("Topic: {}", text::escape(t)));
    }
    if let Some(r) = &row.region {
        facts.push(format!("Region: {}", text::escape(r)));
    }
    if let Some(s) = d.starts_at {
        facts.push(format!("Starts: {}", rfc3339(s)));
    }
    if let Some(p) = &d.location {
        facts.push(format!("Place: {}", text::escape(p)));
    }
    if let Some(l) = &d.lends_for {
        facts.push(format!("Lends for: {}", text::escape(l)));
    }
    if let Some(c) = &d.campaign_kind {
        facts.push(format!("Campaign: {}", text::escape(c)));
    }
    format!(
        "<p><strong>{}</strong></p>{}<p>{}</p>",
        text::escape(&row.title),
        row.body_html,
        facts.join(" · ")
    )
}

fn rating_rows(report_id: &str, draft: &ListingDraft) -> Vec<RatingRow> {
    draft
        .ratings
        .iter()
        .enumerate()
        .map(|(i, r)| RatingRow {
            report_id: report_id.to_string(),
            position: i as i64,
            subject_id: r.subject.to_string(),
            criterion: r.criterion.clone(),
            score: r.score.get(),
            comment: r.comment.clone(),
        })
        .collect()
}

fn listing_row(
    id: &str,
    owner: &KnownActor,
    is_local: bool,
    draft: &ListingDraft,
    published_at: i64,
    updated_at: i64,
) -> Result<ListingRow, AppError> {
    Ok(ListingRow {
        id: id.to_string(),
        owner_id: owner.id.to_string(),
        is_local: is_local as i64,
        kind: draft.kind.as_str().into(),
        title: draft.title.clone(),
        body_md: draft.body_md.clone(),
        body_html: draft.body_html.clone(),
        region: draft.region.clone(),
        topic: draft.topic.clone(),
        details: serde_json::to_string(&draft.details)?,
        published_at,
        updated_at,
        deleted_at: None,
    })
}

fn check_local_draft(owner: &KnownActor, fields: &ListingFields) -> Result<ListingDraft, AppError> {
    let draft = fields.check()?;
    if draft.kind == ListingKind::Report && owner.coop_kind.as_deref() != Some("group") {
        return Err(AppError::Forbidden(
            "research reports are published by research teams: co-ops of kind group".into(),
        ));
    }
    Ok(draft)
}

/// Publishes a new listing and sends it to the co-op's followers.
pub async fn publish_listing(
    state: &AppState,
    owner: &KnownActor,
    fields: &ListingFields,
) -> Result<ListingRow, AppError> {
    let draft = check_local_draft(owner, fields)?;
    let id = listing_url(state);
    let now = now_ms();
    let row = listing_row(id.as_str(), owner, true, &draft, now, now)?;
    let ratings = rating_rows(&row.id, &draft);
    write_and_send(state, owner, &row, &ratings, true).await?;
    Ok(row)
}

/// One of the co-op's own listings, not deleted.
pub async fn own_listing(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
) -> Result<ListingRow, AppError> {
    state
        .db
        .listing(id)
        .await?
        .filter(|l| l.deleted_at.is_none() && l.is_local == 1 && l.owner_id == owner.id.as_str())
        .ok_or(AppError::NotFound)
}

/// Changes a listing and sends the new version as an Update.
pub async fn edit_listing(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
    fields: &ListingFields,
) -> Result<ListingRow, AppError> {
    let old = own_listing(state, owner, id).await?;
    let draft = check_local_draft(owner, fields)?;
    let row = listing_row(&old.id, owner, true, &draft, old.published_at, now_ms())?;
    let ratings = rating_rows(&row.id, &draft);
    write_and_send(state, owner, &row, &ratings, false).await?;
    Ok(row)
}

/// Deletes a listing here and tells followers.
pub async fn delete_listing(
    state: &AppState,
    owner: &KnownActor,
    id: &str,
) -> Result<(), AppError> {
    let row = own_listing(state, owner, id).await?;
    let now = now_ms();
    let id = Url::parse(&row.id).map_err(|_| AppError::Internal("stored listing id".into()))?;
    let activity = outgoing::public_delete(state, owner, id, now)?;
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    let removal = ListingRemoval { id: &row.id, now };
    outgoing::queue_alongside(state, &activity, inboxes, false, Some(&row.id), &[&removal]).await
}

/// Writes a listing with its ratings and queues the activity that tells followers, at once.
async fn write_and_send(
    state: &AppState,
    owner: &KnownActor,
    row: &ListingRow,
    ratings: &[RatingRow],
    created: bool,
) -> Result<(), AppError> {
    let object = serde_json::to_value(listing_doc(row, ratings, &owner.id)?)?;
    let mut activity = Activity::new(
        if created {
            ActivityKind::Create
        } else {
            ActivityKind::Update
        },
        outgoing::new_id(state, "activities"),
        owner.id.clone(),
        object,
    )
    .to(vec![PUBLIC.into()])
    .cc(vec![convert::followers_of(&owner.id).to_string()])
    .published(rfc3339(now_ms()));
    activity.context = wire::directory_context();
    let inboxes = outgoing::follower_inboxes(state, &owner.id).await?;
    let rows = ListingWrite { row, ratings };
    outgoing::queue_alongside(state, &activity, inboxes, created, Some(&row.id), &[&rows]).await
}

/// Reads a peer's listing (Create or Update) into the directory if its owner is followed here
/// (or it comes from a backfill). Returns whether it was stored.
pub async fn store_listing(
    data: &Data<AppState>,
    owner: &KnownActor,
    object: &Value,
    from_backfill: bool,
) -> Result<bool, AppError> {
    let doc: ListingDoc = serde_json::from_value(object.clone())
        .map_err(|e| AppError::bad(format!("unreadable listing: {e}")))?;
    if !same_origin(&doc.id, &owner.id) || doc.attributed_to != owner.id {
        return Err(AppError::bad("the listing is not its sender's"));
    }
    for rating in &doc.ratings {
        // A subject may be on any node; it must at least be a web address.
        if !matches!(rating.subject.scheme(), "https" | "http") {
            return Err(AppError::bad("a rated subject is not a web address"));
        }
    }
    if doc.content.len() > 2 * MAX_BODY {
        return Err(AppError::bad("the listing's content is too long"));
    }
    let kind: ListingKind = doc.listing_kind.parse()?;
    if kind.object_type() != doc.kind {
        return Err(AppError::bad(format!(
            "a {} listing is sent as {}, not {}",
            kind.as_str(),
            kind.object_type(),
            doc.kind
        )));
    }
    let fields = ListingFields {
        kind: kind.as_str().into(),
        title: doc.name.clone(),
        // The body as text, only for its checks; what is kept is the sanitised HTML.
        body: text::limit(text::html_to_text(&doc.content), MAX_BODY),
        region: doc.region.clone().unwrap_or_default(),
        topic: doc.topic.clone().unwrap_or_default(),
        starts: doc.start_time.clone().unwrap_or_default(),
        ends: doc.end_time.clone().unwrap_or_default(),
        location: doc
            .location
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        online_url: doc
            .online_url
            .as_ref()
            .map(Url::to_string)
            .unwrap_or_default(),
        enrol_url: doc
            .enrol_url
            .as_ref()
            .map(Url::to_string)
            .unwrap_or_default(),
        lender: doc.lender.clone().unwrap_or_default(),
        lends_for: doc.lends_for.clone().unwrap_or_default(),
        campaign_kind: doc.campaign_kind.clone().unwrap_or_default(),
        ratings: doc
            .ratings
            .iter()
            .map(|r| RatingInput {
                subject: r.subject.to_string(),
                criterion: r.criterion.clone(),
                score: r.score,
                comment: r.comment.clone(),
            })
            .collect(),
        suggestions: doc.suggestions.clone(),
    };
    let mut draft = fields.check_common(kind)?;
    if !from_backfill && !data.db.is_followed_locally(owner.id.as_str()).await? {
        return Ok(false);
    }
    draft.body_html = text::sanitize_html(&doc.content);
    draft.body_md = None;
    let now = now_ms();
    let time = |t: &Option<String>| t.as_deref().and_then(parse_time).map(|t| t.min(now));
    let published = time(&doc.published).unwrap_or(now);
    let updated = time(&doc.updated).unwrap_or(published);
    let row = listing_row(doc.id.as_str(), owner, false, &draft, published, updated)?;
    let ratings = rating_rows(&row.id, &draft);
    Ok(data.db.put_listing(&row, &ratings).await?)
}

/// A Delete of a followed co-op's listing. Returns false if the id is not a listing we have.
pub async fn receive_listing_delete(
    data: &Data<AppState>,
    owner: &KnownActor,
    target: &Url,
) -> Result<bool, AppError> {
    let Some(listing) = data.db.listing(target.as_str()).await? else {
        return Ok(false);
    };
    if listing.owner_id != owner.id.as_str() {
        return Err(AppError::Forbidden(
            "only its co-op can delete a listing".into(),
        ));
    }
    data.db.delete_listing(&listing.id, now_ms()).await?;
    Ok(true)
}

/// Which known co-ops to list; empty fields do not filter.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CoopFilter {
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

fn matches(field: &Option<String>, wanted: &Option<String>) -> bool {
    match wanted.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        None => true,
        Some(w) => field
            .as_deref()
            .is_some_and(|f| f.trim().eq_ignore_ascii_case(w)),
    }
}

/// Co-ops this node knows, here and elsewhere, with their latest profile data.
pub async fn known_coops(
    state: &AppState,
    filter: &CoopFilter,
) -> Result<Vec<(KnownActor, Option<CoopProfileDoc>)>, AppError> {
    let mut actors: Vec<KnownActor> = state
        .db
        .local_coops()
        .await?
        .iter()
        .map(|r| convert::local_actor(r, &state.settings))
        .filter(|a| a.actor_type != "Application")
        .collect();
    actors.extend(
        state
            .db
            .remote_coops()
            .await?
            .iter()
            .filter_map(convert::remote_actor),
    );
    let mut out = Vec::new();
    for a in actors {
        if matches(&a.region, &filter.region)
            && matches(&a.industry, &filter.industry)
            && matches(&a.coop_kind, &filter.kind)
        {
            let profile = profile_doc(state, &a).await?;
            out.push((a, profile));
        }
    }
    out.sort_by_key(|x| x.0.name.to_lowercase());
    Ok(out)
}

/// Average scores per criterion for each of the given subjects, from reports known here.
pub async fn averages(
    state: &AppState,
    subjects: &[String],
) -> Result<std::collections::HashMap<String, Vec<crate::features::directory::Average>>, AppError> {
    let mut out: std::collections::HashMap<String, Vec<crate::features::directory::Average>> =
        Default::default();
    for s in state.db.score_sums(subjects).await? {
        out.entry(s.subject_id.clone())
            .or_default()
            .push(crate::features::directory::Average::of(
                &s.criterion,
                s.total,
                s.count,
            ));
    }
    Ok(out)
}
