//! The marketplace vocabulary (FEP-0837 with Valueflows terms): catalogue items as proposals,
//! orders as agreements.
//!
//! An item is a proposal whose primary intent transfers a resource (so much of a unit, so much
//! available) and whose reciprocal intent is the price. Its `type` is `Note`, which FEP-0837
//! allows for interoperability: Mastodon shows it as a post (name, price, stock, region, image
//! and link are in its HTML `content`), and Coopnet nodes recognise it by its `publishes` intent.
//! An order is an `Agreement` with one commitment per line and a reciprocal commitment for the
//! total, offered by the buyer (`Offer`) and accepted or rejected by the seller; later changes of
//! state travel as `Update`s of the agreement.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::objects::one_or_many;

/// Context terms of the marketplace vocabulary.
pub fn market_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "coop": crate::context::COOPNET_NS,
            "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
            "vf": "https://w3id.org/valueflows/",
            "Proposal": "vf:Proposal",
            "Intent": "vf:Intent",
            "Agreement": "vf:Agreement",
            "Commitment": "vf:Commitment",
            "receiver": "vf:receiver",
            "provider": "vf:provider",
            "action": "vf:action",
            "unitBased": "vf:unitBased",
            "publishes": "vf:publishes",
            "reciprocal": "vf:reciprocal",
            "satisfies": "vf:satisfies",
            "commitments": "vf:commitments",
            "resourceClassifiedAs": "vf:resourceClassifiedAs",
            "resourceConformsTo": "vf:resourceConformsTo",
            "resourceQuantity": "vf:resourceQuantity",
            "availableQuantity": "vf:availableQuantity",
            "hasUnit": "om2:hasUnit",
            "hasNumericalValue": "om2:hasNumericalValue",
            "region": "coop:region",
            "howMade": "coop:howMade",
            "productType": "coop:productType",
            "orderState": "coop:orderState",
            "stateReason": "coop:stateReason",
            "lowStock": "coop:lowStock",
            "unitPrice": "coop:unitPrice",
            "enquiry": "coop:enquiry",
            "recommends": "coop:recommends"
        }
    ])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quantity {
    pub has_unit: String,
    /// A decimal number as a string, as FEP-0837 writes it.
    pub has_numerical_value: String,
}

impl Quantity {
    pub fn new(unit: &str, value: impl ToString) -> Quantity {
        Quantity {
            has_unit: unit.to_string(),
            has_numerical_value: value.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_conforms_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_classified_as: Option<String>,
    pub resource_quantity: Quantity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_quantity: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A catalogue item: a proposal typed `Note` so every fediverse server can show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProposal {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    pub name: String,
    /// Readable HTML: description, price, stock, region and a link back.
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub publishes: Intent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reciprocal: Option<Intent>,
    pub unit_based: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_made: Option<String>,
    /// A path in the category tree, `food/bread`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// The item's own description, without the price and stock lines of `content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_description: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub to: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub cc: Vec<String>,
}

impl ItemProposal {
    /// Is this JSON object a marketplace proposal (whatever its `type`)?
    pub fn is_proposal(value: &Value) -> bool {
        value.get("publishes").is_some_and(Value::is_object)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Commitment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Url>,
    #[serde(rename = "type")]
    pub kind: String,
    /// The intent this commitment satisfies: an item's `#primary`, or `#reciprocal` for payment.
    pub satisfies: Url,
    pub resource_quantity: Quantity,
    /// The price per unit the buyer saw (our term): the seller refuses the order if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Quantity>,
}

/// An order: what the buyer commits to receive (one commitment per line) and to give in return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub commitments: Vec<Commitment>,
    /// The total the buyer gives, in the seller's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reciprocal: Option<Commitment>,
    /// Who receives the goods: a person, or a consumer council ordering for its members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
}
