//! Forum posts (FEP-1b12): a thread is a `Page` with a `name`, a reply is a `Note` that answers
//! a thread or another reply. Both name their forum in `audience`; replies name their thread in
//! `context`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::objects::{one_or_many, Source};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForumPost {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    /// The thread's title; only threads have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HTML; receivers sanitise it. Link and image posts of other software may have none.
    #[serde(default)]
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Url>,
    /// The forum.
    pub audience: Url,
    /// The thread a reply belongs to.
    #[serde(rename = "context", default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
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
    /// A thread pinned to the top of its forum (Lemmy's term).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stickied: Option<bool>,
    /// False once a thread is locked (Lemmy's term).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments_enabled: Option<bool>,
}

impl ForumPost {
    /// A `Page` or `Note` that names an `audience`: a post in a forum.
    pub fn is_forum_post(object: &Value) -> bool {
        matches!(
            object.get("type").and_then(Value::as_str),
            Some("Page" | "Note")
        ) && object.get("audience").is_some()
    }

    /// Addressed to everyone? Forums are public places: nothing else is taken into one.
    pub fn is_public(&self) -> bool {
        self.to
            .iter()
            .chain(self.cc.iter())
            .any(|a| crate::is_public_address(a))
    }

    /// Is this a thread (a `Page` that answers nothing)?
    pub fn is_thread(&self) -> bool {
        self.in_reply_to.is_none()
    }
}
