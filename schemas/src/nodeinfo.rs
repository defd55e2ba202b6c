//! NodeInfo 2.1 and its discovery document.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub version: String,
    pub software: Software,
    pub protocols: Vec<String>,
    pub services: Value,
    pub open_registrations: bool,
    pub usage: Usage,
    pub metadata: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Software {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub users: UsageUsers,
    pub local_posts: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageUsers {
    pub total: u64,
}

impl NodeInfo {
    pub fn new(users: u64, local_posts: u64, node_name: &str) -> NodeInfo {
        NodeInfo {
            version: "2.1".into(),
            software: Software {
                name: "coopnet".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                repository: None,
            },
            protocols: vec!["activitypub".into()],
            services: json!({ "inbound": [], "outbound": [] }),
            open_registrations: false,
            usage: Usage {
                users: UsageUsers { total: users },
                local_posts,
            },
            metadata: json!({ "nodeName": node_name }),
        }
    }
}

/// `/.well-known/nodeinfo`: where the 2.1 document lives.
pub fn discovery(href: &str) -> Value {
    json!({
        "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": href
        }]
    })
}
