//! Federated objects: co-op announcements (`Note`) and tombstones.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

/// A co-op announcement. Mastodon renders a `Note` in full, so announcements are Notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    /// HTML; receivers sanitise it before showing it.
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Url>,
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
    /// The conversation a private message belongs to (a bulk order enquiry's thread).
    #[serde(rename = "context", default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Url>,
    /// Marks a private bulk order enquiry (our term).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enquiry: bool,
    /// The catalogue item a consumer council recommends with this note (our term).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommends: Option<Url>,
}

impl Note {
    /// Addressed to everyone?
    pub fn is_public(&self) -> bool {
        self.to
            .iter()
            .chain(self.cc.iter())
            .any(|a| crate::is_public_address(a))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub content: String,
    pub media_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tombstone {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
}

/// Addressing fields come as one string or a list of them.
pub fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}
