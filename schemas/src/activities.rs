//! Activities: Follow, Accept, Reject, Undo, Create, Update, Delete, Announce.
//!
//! One envelope serves every activity type; its `object` stays JSON until the receiver knows
//! the type and reads it as the matching object (an id, a Follow, a Note, an actor).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::objects::one_or_many;

/// The activity types a node acts on. Anything else is acknowledged and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    Follow,
    Accept,
    Reject,
    Undo,
    Create,
    Update,
    Delete,
    Announce,
    Offer,
    /// A report of objects to their moderators (Mastodon, Lemmy).
    Flag,
}

impl ActivityKind {
    pub fn parse(s: &str) -> Option<ActivityKind> {
        Some(match s {
            "Follow" => ActivityKind::Follow,
            "Accept" => ActivityKind::Accept,
            "Reject" => ActivityKind::Reject,
            "Undo" => ActivityKind::Undo,
            "Create" => ActivityKind::Create,
            "Update" => ActivityKind::Update,
            "Delete" => ActivityKind::Delete,
            "Announce" => ActivityKind::Announce,
            "Offer" => ActivityKind::Offer,
            "Flag" => ActivityKind::Flag,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Follow => "Follow",
            ActivityKind::Accept => "Accept",
            ActivityKind::Reject => "Reject",
            ActivityKind::Undo => "Undo",
            ActivityKind::Create => "Create",
            ActivityKind::Update => "Update",
            ActivityKind::Delete => "Delete",
            ActivityKind::Announce => "Announce",
            ActivityKind::Offer => "Offer",
            ActivityKind::Flag => "Flag",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "id_of")]
    pub actor: Url,
    pub object: Value,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// What an Accept produced (FEP-0837: the Agreement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// What an Offer answers (FEP-0837: the proposal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Value>,
    /// A short human reason, as on a Reject or a ban (`Block`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Where an `Add` or `Remove` puts its object (a forum's `featured`), or what a ban is
    /// from (a `Block`'s forum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Value>,
    /// A report's (`Flag`'s) text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The forum an activity concerns (FEP-1b12).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Value>,
}

impl Activity {
    pub fn new(kind: ActivityKind, id: Url, actor: Url, object: Value) -> Activity {
        Activity::of_type(kind.as_str(), id, actor, object)
    }

    /// An activity of a type we only send inside an `Announce` (`Add`, `Remove`, `Lock`,
    /// `Block`), or of any other type.
    pub fn of_type(kind: &str, id: Url, actor: Url, object: Value) -> Activity {
        Activity {
            context: crate::context::object_context(),
            id,
            kind: kind.to_string(),
            actor,
            object,
            to: Vec::new(),
            cc: Vec::new(),
            published: None,
            result: None,
            in_reply_to: None,
            summary: None,
            target: None,
            content: None,
            audience: None,
        }
    }

    pub fn to(mut self, to: Vec<String>) -> Activity {
        self.to = to;
        self
    }

    pub fn cc(mut self, cc: Vec<String>) -> Activity {
        self.cc = cc;
        self
    }

    pub fn published(mut self, published: String) -> Activity {
        self.published = Some(published);
        self
    }

    pub fn known_kind(&self) -> Option<ActivityKind> {
        ActivityKind::parse(&self.kind)
    }

    /// The id of `object`, whether it was sent as a bare id or embedded.
    pub fn object_id(&self) -> Option<Url> {
        value_id(&self.object)
    }

    /// The `type` of an embedded object, if it was embedded.
    pub fn object_type(&self) -> Option<&str> {
        self.object.get("type").and_then(Value::as_str)
    }

    /// Reads the activity without its `@context`, as embedded in another activity.
    pub fn embedded(&self) -> Value {
        let mut copy = self.clone();
        copy.context = Value::Null;
        serde_json::to_value(copy).unwrap_or(Value::Null)
    }
}

/// The id of a reference that may be a string or an object with an `id`.
pub fn value_id(value: &Value) -> Option<Url> {
    match value {
        Value::String(s) => Url::parse(s).ok(),
        Value::Object(map) => map
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| Url::parse(s).ok()),
        _ => None,
    }
}

fn id_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    let value = Value::deserialize(d)?;
    value_id(&value)
        .ok_or_else(|| serde::de::Error::custom("expected an id or an object with an id"))
}
