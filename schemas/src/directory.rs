//! The co-op directory on the wire: a co-op's profile data (embedded in its actor document as
//! `coopProfile`) and directory listings (training courses as `Event`, sources of finance,
//! campaigns and research reports as `Note`), with the ratings research reports give.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::{context::COOPNET_NS, objects::Source};

/// The terms the directory adds to the coop: namespace.
pub fn directory_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "coop": COOPNET_NS,
            "listingKind": "coop:listingKind",
            "region": "coop:region",
            "topic": "coop:topic",
            "enrolUrl": { "@id": "coop:enrolUrl", "@type": "@id" },
            "onlineUrl": { "@id": "coop:onlineUrl", "@type": "@id" },
            "lendsFor": "coop:lendsFor",
            "lender": "coop:lender",
            "campaignKind": "coop:campaignKind",
            "ratings": { "@id": "coop:ratings", "@container": "@list" },
            "subject": { "@id": "coop:subject", "@type": "@id" },
            "criterion": "coop:criterion",
            "score": "coop:score",
            "comment": "coop:comment",
            "suggestions": { "@id": "coop:suggestions", "@container": "@list" }
        }
    ])
}

/// The context entries for the profile terms, merged into the actor context.
pub fn profile_terms() -> Value {
    json!({
        "coopProfile": "coop:coopProfile",
        "version": "coop:version",
        "workingConditions": "coop:workingConditions",
        "decisionMaking": "coop:decisionMaking",
        "remuneration": "coop:remuneration",
        "production": "coop:production",
        "participants": "coop:participants",
        "decisions": "coop:decisions",
        "externalFactors": "coop:externalFactors",
        "inputs": "coop:inputs",
        "outputs": "coop:outputs",
        "good": "coop:good",
        "quantity": "coop:quantity",
        "unit": "coop:unit",
        "category": "coop:category",
        "purchases": "coop:purchases",
        "seller": { "@id": "coop:seller", "@type": "@id" },
        "productType": "coop:productType",
        "orders": "coop:orders",
        "total": "coop:total",
        "currency": "coop:currency"
    })
}

/// A co-op's profile data as its actor document carries it. Every change is a new version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoopProfileDoc {
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    // A workplace's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_conditions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_making: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remuneration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production: Option<String>,
    /// Inputs used per year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<FlowDoc>,
    /// Outputs produced per year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<FlowDoc>,
    // A consumer council's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_factors: Option<String>,
    /// What a council has bought, summed per workplace and product type; no buyers' names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purchases: Vec<PurchaseDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowDoc {
    pub good: String,
    pub quantity: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// natural-resource, capital, labour, material or other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseDoc {
    pub seller: Url,
    pub product_type: String,
    pub orders: u64,
    /// A decimal amount, as prices are written.
    pub total: String,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
}

/// One rating in a research report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingDoc {
    /// An item's id or a workplace's actor id.
    pub subject: Url,
    /// `worker-standards`, `environment` or a criterion of the team's own.
    pub criterion: String,
    /// 0 to 5.
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

/// A directory listing: a training course (`Event`), or a source of finance, a campaign or a
/// research report (`Note`, which Mastodon shows in full).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingDoc {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    /// course, report, finance or campaign.
    pub listing_kind: String,
    pub name: String,
    /// HTML; receivers sanitise it.
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    // A course's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Place>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_url: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrol_url: Option<Url>,
    // A source of finance's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lends_for: Option<String>,
    // A campaign's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_kind: Option<String>,
    // A research report's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<RatingDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::objects::one_or_many"
    )]
    pub to: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::objects::one_or_many"
    )]
    pub cc: Vec<String>,
}

impl ListingDoc {
    /// Does this JSON look like a directory listing?
    pub fn is_listing(object: &Value) -> bool {
        object.get("listingKind").and_then(Value::as_str).is_some()
    }
}
