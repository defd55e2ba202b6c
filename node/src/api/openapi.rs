//! The OpenAPI 3.1 document for `/api/v1`, served at `/api/openapi.json`.
//!
//! Written out rather than derived: the API is small, and one readable document is easier to
//! keep true than annotations spread over every handler. The API tests check that every route
//! the router serves appears here.

use axum::{response::IntoResponse, Json};
use serde_json::{json, Value};

fn error_responses() -> Value {
    json!({
        "400": { "$ref": "#/components/responses/Error" },
        "401": { "$ref": "#/components/responses/Error" },
        "403": { "$ref": "#/components/responses/Error" },
        "404": { "$ref": "#/components/responses/Error" }
    })
}

fn with_errors(ok: Value) -> Value {
    let mut responses = error_responses();
    if let (Some(map), Some(ok)) = (responses.as_object_mut(), ok.as_object()) {
        for (k, v) in ok {
            map.insert(k.clone(), v.clone());
        }
    }
    responses
}

fn handle_param() -> Value {
    json!({ "name": "handle", "in": "path", "required": true, "schema": { "type": "string" },
            "description": "A local co-op's handle, such as `bakery`." })
}

pub fn spec() -> Value {
    let json_of = |schema: &str| json!({ "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    let json_list = |schema: &str| json!({ "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } } } } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Coopnet node API",
            "version": env!("CARGO_PKG_VERSION"),
            "license": { "name": "AGPL-3.0-only", "identifier": "AGPL-3.0-only" },
            "description": "What the portal does, as JSON. Reading is public; acting needs a bearer token from `coopnode token create`."
        },
        "servers": [{ "url": "/" }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "responses": {
                "Error": { "description": "The request was refused.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } },
                "Post": {
                    "type": "object",
                    "required": ["id", "author_id", "author_handle", "content_html", "published"],
                    "properties": {
                        "id": { "type": "string", "format": "uri" },
                        "author_id": { "type": "string", "format": "uri" },
                        "author_name": { "type": ["string", "null"] },
                        "author_handle": { "type": "string" },
                        "content_html": { "type": "string", "description": "Sanitised HTML." },
                        "in_reply_to": { "type": ["string", "null"] },
                        "published": { "type": "string", "format": "date-time" },
                        "updated": { "type": ["string", "null"], "format": "date-time" },
                        "shared_by": { "type": ["string", "null"], "description": "Set when a followed actor shared the post." }
                    }
                },
                "Coop": {
                    "type": "object",
                    "required": ["id", "handle", "name", "actor_type", "summary", "local"],
                    "properties": {
                        "id": { "type": "string", "format": "uri" },
                        "handle": { "type": "string", "examples": ["@bakery@coop.example"] },
                        "name": { "type": "string" },
                        "kind": { "type": ["string", "null"], "enum": ["workplace", "consumer-council", "facilitation-board", "group", null] },
                        "actor_type": { "type": "string" },
                        "summary": { "type": "string" },
                        "region": { "type": ["string", "null"] },
                        "industry": { "type": ["string", "null"] },
                        "local": { "type": "boolean" }
                    }
                },
                "CoopDetail": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Coop" },
                        { "type": "object", "required": ["followers", "following", "posts"], "properties": {
                            "followers": { "type": "integer" },
                            "following": { "type": "integer" },
                            "posts": { "type": "array", "items": { "$ref": "#/components/schemas/Post" } }
                        } }
                    ]
                },
                "Me": {
                    "type": "object", "required": ["username", "admin", "coops"],
                    "properties": {
                        "username": { "type": "string" },
                        "admin": { "type": "boolean" },
                        "coops": { "type": "array", "items": { "$ref": "#/components/schemas/Coop" } }
                    }
                },
                "Follow": {
                    "type": "object", "required": ["target", "state"],
                    "properties": {
                        "target": { "type": "string", "format": "uri" },
                        "state": { "type": "string", "enum": ["pending", "accepted", "rejected"] }
                    }
                },
                "NewPost": {
                    "type": "object", "required": ["text"],
                    "properties": { "text": { "type": "string", "description": "Markdown, at most 10,000 characters." } }
                },
                "FollowRequest": {
                    "type": "object", "required": ["target"],
                    "properties": { "target": { "type": "string", "description": "A handle, `@name@host[:port]`." } }
                },
                "ShareRequest": {
                    "type": "object", "required": ["post_id"],
                    "properties": { "post_id": { "type": "string", "format": "uri", "description": "The id of a post this node has." } }
                },
                "Created": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string", "format": "uri" } } }
            }
        },
        "paths": {
            "/api/v1/me": { "get": {
                "summary": "The token's user and the co-ops they may act for",
                "security": [{ "bearer": [] }],
                "responses": with_errors(json!({ "200": described("The user.", json_of("Me")) }))
            } },
            "/api/v1/feed": { "get": {
                "summary": "The network feed, newest first",
                "parameters": [{ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }],
                "responses": with_errors(json!({ "200": described("Twenty posts a page.", json_list("Post")) }))
            } },
            "/api/v1/coops": { "get": {
                "summary": "Co-ops on this node",
                "responses": with_errors(json!({ "200": described("The co-ops.", json_list("Coop")) }))
            } },
            "/api/v1/coops/{handle}": { "get": {
                "summary": "A local co-op with its latest posts",
                "parameters": [handle_param()],
                "responses": with_errors(json!({ "200": described("The co-op.", json_of("CoopDetail")) }))
            } },
            "/api/v1/coops/{handle}/posts": { "post": {
                "summary": "Publish an announcement as the co-op",
                "security": [{ "bearer": [] }],
                "parameters": [handle_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewPost" } } } },
                "responses": with_errors(json!({ "201": described("Published and queued for followers.", json_of("Created")) }))
            } },
            "/api/v1/coops/{handle}/posts/{id}": {
                "put": {
                    "summary": "Change the text of one of the co-op's announcements",
                    "security": [{ "bearer": [] }],
                    "parameters": [handle_param(), { "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The last part of the post's id." }],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewPost" } } } },
                    "responses": with_errors(json!({ "204": { "description": "Changed here; followers receive an Update." } }))
                },
                "delete": {
                    "summary": "Delete one of the co-op's announcements",
                    "security": [{ "bearer": [] }],
                    "parameters": [handle_param(), { "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The last part of the post's id." }],
                    "responses": with_errors(json!({ "204": { "description": "Deleted here; followers are told." } }))
                }
            },
            "/api/v1/coops/{handle}/following": {
                "get": {
                    "summary": "Who the co-op follows, with each follow's state",
                    "parameters": [handle_param()],
                    "responses": with_errors(json!({ "200": described("The follows.", json_list("Follow")) }))
                },
                "post": {
                    "summary": "Follow a co-op on another node",
                    "security": [{ "bearer": [] }],
                    "parameters": [handle_param()],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/FollowRequest" } } } },
                    "responses": with_errors(json!({
                        "202": described("The Follow is on its way; the state turns accepted when the other node answers.", json_of("Follow")),
                        "409": { "$ref": "#/components/responses/Error" },
                        "502": { "$ref": "#/components/responses/Error" }
                    }))
                }
            },
            "/api/v1/coops/{handle}/following/unfollow": { "post": {
                "summary": "Stop following a co-op",
                "security": [{ "bearer": [] }],
                "parameters": [handle_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/FollowRequest" } } } },
                "responses": with_errors(json!({ "204": { "description": "Unfollowed; the other node is told." } }))
            } },
            "/api/v1/coops/{handle}/shares": { "post": {
                "summary": "Share (boost) a post with the co-op's followers",
                "security": [{ "bearer": [] }],
                "parameters": [handle_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ShareRequest" } } } },
                "responses": with_errors(json!({ "201": { "description": "Shared; followers receive an Announce." }, "409": { "$ref": "#/components/responses/Error" } }))
            } },
            "/api/v1/lookup": { "get": {
                "summary": "Find a co-op anywhere on the network by handle",
                "security": [{ "bearer": [] }],
                "parameters": [{ "name": "handle", "in": "query", "required": true, "schema": { "type": "string" } }],
                "responses": with_errors(json!({ "200": described("The co-op.", json_of("Coop")), "502": { "$ref": "#/components/responses/Error" } }))
            } }
        }
    })
}

fn described(description: &str, content: Value) -> Value {
    let mut v = content;
    if let Some(map) = v.as_object_mut() {
        map.insert("description".into(), json!(description));
    }
    v
}

pub async fn document() -> impl IntoResponse {
    Json(spec())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_path_has_responses() {
        let spec = super::spec();
        let paths = spec["paths"].as_object().unwrap();
        assert!(paths.len() >= 8);
        for (path, ops) in paths {
            for (method, op) in ops.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|k| k.starts_with('2')),
                    "{method} {path} has no success response"
                );
                for r in responses.values() {
                    assert!(r.get("description").is_some() || r.get("$ref").is_some());
                }
            }
        }
    }
}
