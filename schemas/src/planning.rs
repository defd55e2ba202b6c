//! The planning vocabulary (Valueflows planning terms): a facilitation board's planning round
//! as a `Plan`, a participant's answer to an iteration as a `Proposal` of `Intent`s.
//!
//! A round is one document, owned by the board's node and sent whole to the round's
//! participants (never to anyone else) each time it changes: when it opens, at every new
//! iteration of indicative prices, and when the plan is adopted or the round stopped. Every node
//! that takes part keeps the latest copy and shows it, so all show the same round. Goods and
//! participants are listed once; per-good figures are arrays in the order of `goods`.
//!
//! A council or workplace answers the current iteration with a `Proposal` sent to the board
//! only: `consume` intents for what it asks for or uses up, `produce` intents for what it offers
//! to make, each naming a good of the round by id.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

/// Context terms of the planning vocabulary.
pub fn planning_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "coop": crate::context::COOPNET_NS,
            "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
            "vf": "https://w3id.org/valueflows/",
            "Plan": "vf:Plan",
            "Proposal": "vf:Proposal",
            "Intent": "vf:Intent",
            "ResourceSpecification": "vf:ResourceSpecification",
            "plannedWithin": "vf:plannedWithin",
            "publishes": "vf:publishes",
            "action": "vf:action",
            "provider": "vf:provider",
            "receiver": "vf:receiver",
            "resourceConformsTo": "vf:resourceConformsTo",
            "resourceQuantity": "vf:resourceQuantity",
            "hasUnit": "om2:hasUnit",
            "hasNumericalValue": "om2:hasNumericalValue",
            "period": "coop:planningPeriod",
            "planStatus": "coop:planStatus",
            "statusReason": "coop:planStatusReason",
            "iteration": "coop:iteration",
            "prices": "coop:indicativePrices",
            "priceRule": "coop:priceRule",
            "tolerance": "coop:tolerance",
            "maxIterations": "coop:maxIterations",
            "goods": "coop:plannedGoods",
            "goodKind": "coop:goodKind",
            "available": "coop:available",
            "startPrice": "coop:startPrice",
            "participants": "coop:participants",
            "role": "coop:participantRole",
            "history": "coop:iterations",
            "proposals": "coop:proposals",
            "adoptedIteration": "coop:adoptedIteration"
        }
    ])
}

/// Where a round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanStatus {
    /// Gathering proposals for the current iteration.
    Open,
    /// The plan of `adoptedIteration` is feasible and adopted.
    Adopted,
    /// Ended without a plan: diverged, out of iterations, or stopped by the board.
    Stopped,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Open => "open",
            PlanStatus::Adopted => "adopted",
            PlanStatus::Stopped => "stopped",
        }
    }

    /// Later states never go back: a copy may only move forward.
    pub fn rank(self) -> u8 {
        match self {
            PlanStatus::Open => 0,
            PlanStatus::Adopted | PlanStatus::Stopped => 1,
        }
    }
}

/// Who answers a round, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParticipantRole {
    /// Proposes what it consumes.
    Council,
    /// Proposes what it produces and the inputs it needs.
    Workplace,
}

impl ParticipantRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantRole::Council => "council",
            ParticipantRole::Workplace => "workplace",
        }
    }
}

/// A good planned in a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanGood {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub unit: String,
    /// One of the planning engine's kinds: final, intermediate, natural-resource, labour,
    /// capital-services, import.
    pub good_kind: String,
    /// The first iteration's price; an import's outside price.
    pub start_price: f64,
    /// For natural resources, labour and capital services: what the network has this period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanParticipant {
    pub actor: Url,
    pub role: ParticipantRole,
    /// Display name, as the board knew it when the round opened.
    #[serde(default)]
    pub name: String,
}

/// What one iteration saw, once every participant had answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IterationLog {
    pub iteration: u32,
    pub prices: Vec<f64>,
    pub supply: Vec<f64>,
    pub demand: Vec<f64>,
    /// Relative excess demand per good, `(d − s) / ((d + s) / 2)`; zero for imports.
    pub excess: Vec<f64>,
    pub worst_excess: f64,
    pub feasible: bool,
}

/// One participant's answer to one iteration, per good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalSummary {
    pub participant: Url,
    pub iteration: u32,
    pub produce: Vec<f64>,
    pub consume: Vec<f64>,
}

/// A planning round, as the board publishes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDoc {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    pub name: String,
    pub period: String,
    pub plan_status: PlanStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub price_rule: String,
    pub tolerance: f64,
    pub max_iterations: u32,
    pub goods: Vec<PlanGood>,
    pub participants: Vec<PlanParticipant>,
    /// The iteration whose prices are current (answered, while the round is open).
    pub iteration: u32,
    pub prices: Vec<f64>,
    pub history: Vec<IterationLog>,
    /// The proposals of the last completed iteration; of the adopted one once adopted.
    pub proposals: Vec<ProposalSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_iteration: Option<u32>,
    pub updated: String,
    #[serde(default)]
    pub to: Vec<String>,
}

impl PlanDoc {
    pub fn is_plan(object: &Value) -> bool {
        object.get("type").and_then(Value::as_str) == Some("Plan")
            && object.get("plannedWithin").is_none()
    }

    pub fn participant(&self, actor: &str) -> Option<&PlanParticipant> {
        self.participants.iter().find(|p| p.actor.as_str() == actor)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanQuantity {
    pub has_numerical_value: f64,
    pub has_unit: String,
}

/// One line of a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanIntent {
    #[serde(rename = "type")]
    pub kind: String,
    /// `produce` or `consume`.
    pub action: String,
    /// The id of one of the round's goods.
    pub resource_conforms_to: Url,
    pub resource_quantity: PlanQuantity,
}

/// A participant's answer to an iteration of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanProposal {
    #[serde(rename = "@context", default, skip_serializing_if = "Value::is_null")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub attributed_to: Url,
    pub planned_within: Url,
    pub iteration: u32,
    pub publishes: Vec<PlanIntent>,
    #[serde(default)]
    pub to: Vec<String>,
}

impl PlanProposal {
    pub fn is_plan_proposal(object: &Value) -> bool {
        object.get("type").and_then(Value::as_str) == Some("Proposal")
            && object.get("plannedWithin").is_some()
    }
}
