//! The JSON-LD `@context` every Coopnet document carries.

use serde_json::{json, Value};

/// Namespace of Coopnet's own terms (region, industry, co-op kind).
pub const COOPNET_NS: &str = "https://coopnet.example/ns#";

/// The context for actors: ActivityStreams, the security vocabulary (for `publicKey`) and the
/// few terms of our own, each mapped so JSON-LD processors can expand them.
pub fn actor_context() -> Value {
    let mut context = json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "coop": COOPNET_NS,
            "schema": "http://schema.org#",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "region": "coop:region",
            "industry": "coop:industry",
            "coopKind": "coop:coopKind",
            "discoverable": "http://joinmastodon.org/ns#discoverable",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ]);
    if let (Some(map), Value::Object(terms)) = (
        context[2].as_object_mut(),
        crate::directory::profile_terms(),
    ) {
        map.extend(terms);
    }
    context
}

/// The context for activities and objects.
pub fn object_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        { "coop": COOPNET_NS }
    ])
}
