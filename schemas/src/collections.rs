//! Paged `OrderedCollection`s: outbox, followers and following.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub total_items: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollectionPage {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub part_of: Url,
    #[serde(default)]
    pub total_items: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<Url>,
    #[serde(default)]
    pub ordered_items: Vec<Value>,
}

impl OrderedCollection {
    /// A collection whose items are on pages; `first` links to page 1.
    pub fn paged(id: Url, total_items: u64, first: Url) -> OrderedCollection {
        OrderedCollection {
            context: crate::context::object_context(),
            id,
            kind: "OrderedCollection".into(),
            total_items,
            first: Some(Value::String(first.into())),
            last: None,
            ordered_items: None,
        }
    }
}
