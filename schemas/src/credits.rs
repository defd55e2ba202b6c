//! Credits between nodes: a transfer from a member of one node to a member of another travels
//! as a ValueFlows `EconomicEvent` with the action `transfer`, created by the provider and
//! answered by the receiver's node with `Accept` or `Reject` of the event's id.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

/// The unit of credits on the wire.
pub const CREDIT_UNIT: &str = "credit";

/// Context terms of a credit transfer.
pub fn credits_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
            "vf": "https://w3id.org/valueflows/",
            "EconomicEvent": "vf:EconomicEvent",
            "action": "vf:action",
            "provider": "vf:provider",
            "receiver": "vf:receiver",
            "resourceQuantity": "vf:resourceQuantity",
            "hasUnit": "om2:hasUnit",
            "hasNumericalValue": "om2:hasNumericalValue",
            "note": "vf:note",
            "realizationOf": { "@id": "vf:realizationOf", "@type": "@id" }
        }
    ])
}

/// An amount of credits. Senders write the value as a decimal string ("12.50"); a JSON number
/// is read too, so `hasNumericalValue` stays raw JSON until the receiver checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditQuantity {
    pub has_unit: String,
    pub has_numerical_value: Value,
}

/// One transfer of credits from `provider` to `receiver`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EconomicEvent {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub action: String,
    pub provider: Url,
    pub receiver: Url,
    pub resource_quantity: CreditQuantity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The agreement (an order) this transfer pays for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realization_of: Option<Url>,
}

impl EconomicEvent {
    pub const TYPE: &'static str = "EconomicEvent";

    /// A transfer of `amount` (a decimal string) from `provider` to `receiver`.
    pub fn transfer(
        id: Url,
        provider: Url,
        receiver: Url,
        amount: String,
        note: Option<String>,
    ) -> EconomicEvent {
        EconomicEvent {
            id,
            kind: Self::TYPE.into(),
            action: "transfer".into(),
            provider,
            receiver,
            resource_quantity: CreditQuantity {
                has_unit: CREDIT_UNIT.into(),
                has_numerical_value: Value::String(amount),
            },
            note,
            realization_of: None,
        }
    }

    /// Is this JSON object an economic event?
    pub fn is_event(object: &Value) -> bool {
        object.get("type").and_then(Value::as_str) == Some(Self::TYPE)
    }
}
