//! The shared library in the network: each entry is an ActivityStreams `Document` whose `url`
//! lists one `Link` per version, each with its download address on the owning node, its media
//! type, size and SHA-256, so a reader anywhere can check what they download.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::objects::one_or_many;

/// Context terms of library documents.
pub fn library_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "coop": crate::context::COOPNET_NS,
            "licence": "coop:licence",
            "topic": "coop:topic",
            "documentKind": "coop:documentKind",
            "sha256": "coop:sha256",
            "size": "coop:size",
            "version": "coop:version",
            "fileName": "coop:fileName"
        }
    ])
}

/// One version of a library document: where it downloads from and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionLink {
    #[serde(rename = "type")]
    pub kind: String,
    pub href: Url,
    #[serde(default)]
    pub media_type: Option<String>,
    /// The file's SHA-256, lower-case hex.
    pub sha256: String,
    /// In bytes.
    pub size: i64,
    /// The version label, as its co-op wrote it.
    pub version: String,
    /// The file's name, as shown beside the download.
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub published: Option<String>,
}

/// A library entry as followers receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LibraryDocument {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    /// The title.
    pub name: String,
    /// The summary, as HTML.
    #[serde(default)]
    pub summary: Option<String>,
    /// HTML for servers that show posts: title, summary, terms and a link.
    #[serde(default)]
    pub content: Option<String>,
    /// The versions, oldest first; the last is the current one.
    #[serde(default, deserialize_with = "links")]
    pub url: Vec<VersionLink>,
    /// An SPDX identifier or the licence in words.
    #[serde(default)]
    pub licence: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    /// handbook, guide, brochure, spreadsheet, software or other.
    #[serde(default)]
    pub document_kind: Option<String>,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub cc: Vec<String>,
}

/// One link or a list of them; anything unreadable in it refuses the whole document.
fn links<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<VersionLink>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
            .collect(),
        Value::Null => Ok(Vec::new()),
        one => Ok(vec![serde_json::from_value(one).map_err(D::Error::custom)?]),
    }
}

impl LibraryDocument {
    pub fn is_document(object: &Value) -> bool {
        object.get("type").and_then(Value::as_str) == Some("Document")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_back() {
        let doc = json!({
            "id": "https://a.example/library/1",
            "type": "Document",
            "attributedTo": "https://a.example/coops/bakery",
            "name": "Handbook",
            "url": {
                "type": "Link",
                "href": "https://a.example/library/files/ab",
                "mediaType": "application/pdf",
                "sha256": "ab",
                "size": 3,
                "version": "1"
            },
            "documentKind": "handbook"
        });
        assert!(LibraryDocument::is_document(&doc));
        let d: LibraryDocument = serde_json::from_value(doc).unwrap();
        assert_eq!(d.url.len(), 1);
        assert_eq!(d.url[0].size, 3);
    }
}
