//! Actor documents: the instance actor, co-ops and members.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

/// The ActivityStreams actor types a node publishes and accepts. Mastodon accepts exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorType {
    Application,
    Group,
    Organization,
    Person,
    Service,
}

impl ActorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorType::Application => "Application",
            ActorType::Group => "Group",
            ActorType::Organization => "Organization",
            ActorType::Person => "Person",
            ActorType::Service => "Service",
        }
    }

    pub fn parse(s: &str) -> Option<ActorType> {
        Some(match s {
            "Application" => ActorType::Application,
            "Group" => ActorType::Group,
            "Organization" => ActorType::Organization,
            "Person" => ActorType::Person,
            "Service" => ActorType::Service,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: Url,
    pub public_key_pem: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_inbox: Option<Url>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// An actor document as served at the actor's id and as read from peers. Unknown fields of
/// remote actors are ignored; the ones we need are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDoc {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_image"
    )]
    pub icon: Option<Image>,
    #[serde(default)]
    pub manually_approves_followers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_string"
    )]
    pub region: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_string"
    )]
    pub industry: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_string"
    )]
    pub coop_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// A co-op's profile data (our term), versioned.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_profile"
    )]
    pub coop_profile: Option<crate::directory::CoopProfileDoc>,
    /// Profile fields as `PropertyValue`s, which Mastodon shows on the profile.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient_list"
    )]
    pub attachment: Vec<Value>,
    /// A forum's moderators collection (FEP-1b12): who may act for the `Group`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_url"
    )]
    pub attributed_to: Option<Url>,
    /// A forum's pinned threads (Lemmy's `featured` collection).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_url"
    )]
    pub featured: Option<Url>,
    /// A forum where only moderators start threads (Lemmy's term).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_bool"
    )]
    pub posting_restricted_to_mods: Option<bool>,
}

/// A profile field as Mastodon shows it: a name and an HTML value.
pub fn property_value(name: &str, value_html: &str) -> Value {
    serde_json::json!({ "type": "PropertyValue", "name": name, "value": value_html })
}

impl ActorDoc {
    pub fn shared_inbox(&self) -> Option<&Url> {
        self.endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_ref())
    }
}

/// Peers send icons as one image, a list of images or a bare URL; we keep the first usable one.
fn lenient_image<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Image>, D::Error> {
    let value = Value::deserialize(d)?;
    let first = match value {
        Value::Array(items) => items.into_iter().next(),
        other => Some(other),
    };
    Ok(match first {
        Some(Value::String(url)) => Url::parse(&url).ok().map(|url| Image {
            kind: "Image".into(),
            url,
            media_type: None,
        }),
        Some(obj @ Value::Object(_)) => serde_json::from_value(obj).ok(),
        _ => None,
    })
}

fn lenient_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    })
}

/// A profile we cannot read is dropped, so the actor itself still reads; its fields are checked
/// by the receiver.
fn lenient_profile<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<crate::directory::CoopProfileDoc>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// Our own terms are plain strings; anything else from a peer is dropped rather than refused.
fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(Value::deserialize(d)?.as_bool())
}

fn lenient_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Url>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Url::parse(&s).ok(),
        _ => None,
    })
}
