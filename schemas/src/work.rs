//! Work in the network: job posts (schema.org `JobPosting` terms on a `Note`, so Mastodon shows
//! them as posts) and applications (to a workplace's job, or for membership of a consumer
//! council), which travel privately between the applicant and the co-op.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::objects::one_or_many;

/// Context terms of job posts and applications.
pub fn work_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "coop": crate::context::COOPNET_NS,
            "schema": "https://schema.org/",
            "title": "schema:title",
            "employmentType": "schema:employmentType",
            "baseSalary": "schema:baseSalary",
            "jobLocation": "schema:jobLocation",
            "skills": "schema:skills",
            "validThrough": "schema:validThrough",
            "datePosted": "schema:datePosted",
            "industry": "schema:industry",
            "jobStatus": "coop:jobStatus",
            "Application": "coop:Application",
            "applicationKind": "coop:applicationKind",
            "applicationState": "coop:applicationState",
            "stateNote": "coop:stateNote",
            "applicantProfile": "coop:applicantProfile"
        }
    ])
}

/// A job post as followers receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPost {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    /// The title, also as `name` for servers that show names.
    pub title: String,
    #[serde(default)]
    pub name: Option<String>,
    /// HTML for servers that show posts: title, terms and a link.
    pub content: String,
    /// The description alone, as HTML.
    #[serde(default)]
    pub summary: Option<String>,
    /// Hours, such as "30 hours a week".
    pub employment_type: String,
    /// Pay or remuneration scheme, in words.
    pub base_salary: String,
    #[serde(default)]
    pub job_location: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    /// The closing date, `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_through: Option<String>,
    /// `open`, `closed` or `filled`.
    pub job_status: String,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub url: Option<Url>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub cc: Vec<String>,
}

impl JobPost {
    pub fn is_job(object: &Value) -> bool {
        object.get("jobStatus").is_some() && object.get("employmentType").is_some()
    }
}

/// An application, as the applicant sends it to the co-op and the co-op answers changes of
/// its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationDoc {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    /// The applicant.
    pub attributed_to: Url,
    /// `job` or `membership`.
    pub application_kind: String,
    /// The co-op applied to.
    pub target: Url,
    /// The job post applied for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Url>,
    /// The applicant's letter, as HTML.
    #[serde(default)]
    pub content: String,
    /// The parts of the applicant's profile they share with the co-op.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub applicant_profile: Value,
    /// Where the co-op has moved it: received, interview, offered, accepted, declined.
    #[serde(default)]
    pub application_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_note: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub to: Vec<String>,
}

impl ApplicationDoc {
    pub fn is_application(object: &Value) -> bool {
        object.get("type").and_then(Value::as_str) == Some("Application")
    }
}
