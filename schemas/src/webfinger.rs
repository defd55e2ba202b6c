//! WebFinger (RFC 7033) documents.

use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webfinger {
    pub subject: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub links: Vec<WebfingerLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebfingerLink {
    pub rel: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<Url>,
}

impl Webfinger {
    /// The JRD for an actor: `self` points at its ActivityPub id, the profile page beside it.
    pub fn for_actor(acct: String, actor_id: Url, profile_page: Url) -> Webfinger {
        Webfinger {
            subject: acct,
            aliases: vec![actor_id.to_string()],
            links: vec![
                WebfingerLink {
                    rel: "self".into(),
                    kind: Some(crate::ACTIVITY_JSON.into()),
                    href: Some(actor_id),
                },
                WebfingerLink {
                    rel: "http://webfinger.net/rel/profile-page".into(),
                    kind: Some("text/html".into()),
                    href: Some(profile_page),
                },
            ],
        }
    }

    /// The ActivityPub id a JRD points at.
    pub fn actor_id(&self) -> Option<&Url> {
        self.links
            .iter()
            .find(|l| {
                l.rel == "self"
                    && l.kind.as_deref().is_some_and(|k| {
                        k == crate::ACTIVITY_JSON || k.starts_with("application/ld+json")
                    })
            })
            .and_then(|l| l.href.as_ref())
    }
}
