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

/// The catalogue, basket, order, enquiry and recommendation routes.
fn market_paths() -> Value {
    let item = json!({ "$ref": "#/components/schemas/Item" });
    let order = json!({ "$ref": "#/components/schemas/Order" });
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let list = |schema: &Value| json!({ "type": "array", "items": schema });
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let bearer = json!([{ "bearer": [] }]);
    let item_id = json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The last part of the item's id." });
    json!({
        "/api/v1/catalogue": { "get": {
            "summary": "The network catalogue: local items and those of followed workplaces",
            "parameters": [
                { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "Words to find (full text)." },
                { "name": "type", "in": "query", "schema": { "type": "string" }, "description": "A product type; its sub-types are included." },
                { "name": "workplace", "in": "query", "schema": { "type": "string" }, "description": "A workplace's actor id." },
                { "name": "region", "in": "query", "schema": { "type": "string" } },
                { "name": "in_stock", "in": "query", "schema": { "type": "boolean" } },
                { "name": "sort", "in": "query", "schema": { "type": "string", "enum": ["newest", "price", "price-desc", "name"] } },
                { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }
            ],
            "responses": with_errors(json!({ "200": ok("Twenty items a page.", list(&item)) }))
        } },
        "/api/v1/catalogue/item": { "get": {
            "summary": "One item, by its full id",
            "parameters": [{ "name": "id", "in": "query", "required": true, "schema": { "type": "string", "format": "uri" } }],
            "responses": with_errors(json!({ "200": ok("The item.", item.clone()) }))
        } },
        "/api/v1/coops/{handle}/items": {
            "get": { "summary": "A local workplace's items on sale", "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": ok("The items.", list(&item)) })) },
            "post": { "summary": "Enter a new item", "security": bearer, "parameters": [handle_param()],
                      "requestBody": body(json!({ "$ref": "#/components/schemas/ItemFields" })),
                      "responses": with_errors(json!({ "201": ok("Entered and sent to followers.", item.clone()) })) }
        },
        "/api/v1/coops/{handle}/items/{id}": { "put": {
            "summary": "Change an item (price, stock, description...)", "security": bearer,
            "parameters": [handle_param(), item_id.clone()],
            "requestBody": body(json!({ "$ref": "#/components/schemas/ItemFields" })),
            "responses": with_errors(json!({ "200": ok("Changed; followers receive an Update.", item.clone()), "409": { "$ref": "#/components/responses/Error" } }))
        } },
        "/api/v1/coops/{handle}/items/{id}/stock": { "post": {
            "summary": "Set the stock after a count; the change is logged", "security": bearer,
            "parameters": [handle_param(), item_id.clone()],
            "requestBody": body(json!({ "type": "object", "required": ["stock"], "properties": { "stock": { "type": "integer", "minimum": 0 }, "reason": { "type": "string" } } })),
            "responses": with_errors(json!({ "204": { "description": "Set." } }))
        } },
        "/api/v1/coops/{handle}/items/{id}/retire": { "post": {
            "summary": "Take an item off sale for good", "security": bearer,
            "parameters": [handle_param(), item_id],
            "responses": with_errors(json!({ "204": { "description": "Retired; followers remove it." } }))
        } },
        "/api/v1/coops/{handle}/items.csv": {
            "get": { "summary": "Export the catalogue as CSV", "security": bearer, "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": { "description": "CSV with a header row.", "content": { "text/csv": { "schema": { "type": "string" } } } } })) },
            "post": { "summary": "Import items from CSV (the export's columns); one bad row refuses the file", "security": bearer, "parameters": [handle_param()],
                      "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
                      "responses": with_errors(json!({ "201": ok("Imported.", json!({ "type": "object", "properties": { "imported": { "type": "integer" } } })) })) }
        },
        "/api/v1/basket": {
            "get": { "summary": "The basket", "security": bearer,
                     "responses": with_errors(json!({ "200": ok("Lines at the price seen when added.", json!({ "type": "array", "items": { "type": "object" } })) })) },
            "post": { "summary": "Add an item to the basket", "security": bearer,
                      "requestBody": body(json!({ "type": "object", "required": ["item_id", "quantity"], "properties": { "item_id": { "type": "string" }, "quantity": { "type": "integer", "minimum": 1 } } })),
                      "responses": with_errors(json!({ "204": { "description": "Added." } })) },
            "delete": { "summary": "Remove an item from the basket", "security": bearer,
                        "parameters": [{ "name": "id", "in": "query", "required": true, "schema": { "type": "string" } }],
                        "responses": with_errors(json!({ "204": { "description": "Removed." } })) }
        },
        "/api/v1/checkout": { "post": {
            "summary": "Order the basket: one order per workplace, as yourself or for a council",
            "security": bearer,
            "requestBody": body(json!({ "type": "object", "properties": { "council": { "type": "string", "description": "A local consumer council's handle." } } })),
            "responses": with_errors(json!({ "201": ok("The orders placed.", list(&order)), "409": { "$ref": "#/components/responses/Error" } }))
        } },
        "/api/v1/orders": { "get": {
            "summary": "Your orders, and those of the councils you act for", "security": bearer,
            "responses": with_errors(json!({ "200": ok("Newest first.", list(&order)) }))
        } },
        "/api/v1/orders/state": { "post": {
            "summary": "Move an order: dispatched, fulfilled or cancelled (with a reason)", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["id", "state"], "properties": { "id": { "type": "string" }, "state": { "type": "string", "enum": ["dispatched", "fulfilled", "cancelled"] }, "reason": { "type": "string" } } })),
            "responses": with_errors(json!({ "200": ok("The order now.", order.clone()), "409": { "$ref": "#/components/responses/Error" } }))
        } },
        "/api/v1/coops/{handle}/orders": { "get": {
            "summary": "A workplace's incoming orders, or a council's purchases", "security": bearer,
            "parameters": [handle_param()],
            "responses": with_errors(json!({ "200": ok("Newest first.", list(&order)) }))
        } },
        "/api/v1/coops/{handle}/enquiries": {
            "get": { "summary": "The co-op's bulk order enquiry threads", "security": bearer, "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": ok("Messages, thread by thread.", json!({ "type": "array", "items": { "type": "object" } })) })) },
            "post": { "summary": "Send an enquiry, or reply in a thread (privately, to the other party only)", "security": bearer, "parameters": [handle_param()],
                      "requestBody": body(json!({ "type": "object", "required": ["to", "text"], "properties": { "to": { "type": "string" }, "text": { "type": "string" }, "thread": { "type": "string" } } })),
                      "responses": with_errors(json!({ "201": ok("Sent.", json!({ "type": "object", "properties": { "thread": { "type": "string" } } })) })) }
        },
        "/api/v1/coops/{handle}/recommendations": { "post": {
            "summary": "A consumer council recommends an item to its members", "security": bearer,
            "parameters": [handle_param()],
            "requestBody": body(json!({ "type": "object", "required": ["item_id"], "properties": { "item_id": { "type": "string" }, "comment": { "type": "string" } } })),
            "responses": with_errors(json!({ "201": { "description": "Recommended; the council's followers and the workplace hear of it." }, "409": { "$ref": "#/components/responses/Error" } }))
        } }
    })
}

/// The planning round routes.
fn planning_paths() -> Value {
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let done = |description: &str| json!({ "description": description });
    let conflict = json!({ "$ref": "#/components/responses/Error" });
    let bearer = json!([{ "bearer": [] }]);
    let round_ref = json!({ "type": "string", "format": "uri", "description": "The round's id." });
    let quantities = json!({ "type": "array", "items": { "type": "number", "minimum": 0 }, "description": "One quantity per good, in the round's order of goods." });
    let profile = json!({ "type": "object", "properties": {
        "output": { "type": ["object", "null"], "properties": { "good": { "type": "string" }, "quantity": { "type": "number" } } },
        "inputs": { "type": "array", "items": { "type": "object", "properties": { "good": { "type": "string" }, "quantity": { "type": "number" } } } },
        "capacity": { "type": ["number", "null"], "description": "A workplace's capacity as a multiple of its output (1 to 10; 1.25 when unset)." },
        "budget": { "type": ["number", "null"], "description": "A council's budget of credits per period." }
    } });
    json!({
        "/api/v1/plans": {
            "get": { "summary": "Planning rounds the caller's co-ops take part in or run", "security": bearer,
                     "responses": with_errors(json!({ "200": ok("The rounds.", json!({ "type": "array", "items": { "type": "object", "properties": {
                        "id": { "type": "string" }, "name": { "type": "string" }, "period": { "type": "string" },
                        "status": { "type": "string", "enum": ["open", "adopted", "stopped"] }, "iteration": { "type": "integer" } } } })) })) },
            "post": { "summary": "A facilitation board opens a planning round", "security": bearer,
                      "requestBody": body(json!({ "type": "object", "required": ["board", "name", "period", "goods", "participants"], "properties": {
                        "board": { "type": "string", "description": "The local board's handle." },
                        "name": { "type": "string" }, "period": { "type": "string" },
                        "goods": { "type": "array", "items": { "type": "object", "required": ["name", "unit", "kind", "start_price"], "properties": {
                            "name": { "type": "string" }, "unit": { "type": "string" },
                            "kind": { "type": "string", "enum": ["final", "intermediate", "natural-resource", "labour", "capital-services", "import"] },
                            "start_price": { "type": "number" },
                            "available": { "type": "number", "description": "For natural resources, labour and capital services." } } } },
                        "participants": { "type": "array", "items": { "type": "string" }, "description": "Handles or actor ids of councils and workplaces." },
                        "rule": { "type": "string", "enum": ["pequod", "multiplicative"] },
                        "tolerance": { "type": "number", "description": "Adopt when feasible within this relative excess (0.05 by default)." },
                        "max_iterations": { "type": "integer", "maximum": 200 } } })),
                      "responses": with_errors(json!({ "201": ok("Opened; participants receive it.", json!({ "type": "object", "properties": { "id": { "type": "string" } } })) })) }
        },
        "/api/v1/plans/round": { "get": {
            "summary": "One round as its board published it, with members' own proposals the caller may see",
            "security": bearer,
            "parameters": [{ "name": "id", "in": "query", "required": true, "schema": round_ref }],
            "responses": with_errors(json!({ "200": ok("The round document (see docs/FEDERATION.md) and councils' member proposals.", json!({ "type": "object" })) }))
        } },
        "/api/v1/plans/answer": { "post": {
            "summary": "A participant answers the current iteration by hand, or goes back to answering automatically",
            "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["round", "coop"], "properties": {
                "round": round_ref, "coop": { "type": "string" }, "automatic": { "type": "boolean" },
                "produce": quantities, "consume": quantities } })),
            "responses": with_errors(json!({ "204": done("Answered."), "409": conflict }))
        } },
        "/api/v1/plans/member": { "post": {
            "summary": "A council member's own proposal, private to the member and the council",
            "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["round", "council", "quantities"], "properties": {
                "round": round_ref, "council": { "type": "string" }, "quantities": quantities } })),
            "responses": with_errors(json!({ "204": done("Saved; a council that answers automatically answers again."), "409": conflict }))
        } },
        "/api/v1/plans/close": { "post": {
            "summary": "The board closes the current iteration without waiting for every answer",
            "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["round"], "properties": { "round": round_ref } })),
            "responses": with_errors(json!({ "204": done("Closed; participants receive the next iteration or the plan.") }))
        } },
        "/api/v1/plans/stop": { "post": {
            "summary": "The board stops a round without a plan",
            "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["round"], "properties": { "round": round_ref, "reason": { "type": "string" } } })),
            "responses": with_errors(json!({ "204": done("Stopped."), "409": conflict }))
        } },
        "/api/v1/coops/{handle}/planning-profile": {
            "get": { "summary": "A co-op's planning profile", "security": bearer, "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": ok("The profile.", profile.clone()) })) },
            "put": { "summary": "Declare what a co-op answers rounds with automatically", "security": bearer, "parameters": [handle_param()],
                     "requestBody": body(profile), "responses": with_errors(json!({ "204": done("Saved.") })) }
        },
        "/api/v1/coops/{handle}/members": { "post": {
            "summary": "Add a user of this node as a member of a co-op",
            "security": bearer, "parameters": [handle_param()],
            "requestBody": body(json!({ "type": "object", "required": ["username"], "properties": { "username": { "type": "string" } } })),
            "responses": with_errors(json!({ "204": done("Added.") }))
        } }
    })
}

/// The credits routes: a member's ledger, transfers, a co-op's remuneration rule and income.
fn credits_paths() -> Value {
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let bearer = json!([{ "bearer": [] }]);
    let conflict = json!({ "$ref": "#/components/responses/Error" });
    let amount = json!({ "type": "string", "description": "Credits with at most two decimals, such as \"12.50\"." });
    let rule = json!({ "type": "object", "required": ["rule", "rate"], "properties": {
        "rule": { "type": "string", "enum": ["hours", "effort"] },
        "rate": { "type": "string", "description": "Credits per hour, such as \"15.00\"." },
        "updated": { "type": "string", "format": "date-time", "readOnly": true } } });
    let ledger = json!({
        "type": "object", "required": ["account", "balance", "balance_minor", "entries"],
        "properties": {
            "account": { "type": "string", "format": "uri" },
            "balance": { "type": "string" }, "balance_minor": { "type": "integer" },
            "entries": { "type": "array", "items": { "type": "object", "properties": {
                "transfer": { "type": "string" }, "amount": { "type": "string" },
                "amount_minor": { "type": "integer", "description": "Positive in, negative out, in hundredths." },
                "kind": { "type": "string", "enum": ["income", "transfer", "federated-out", "federated-in", "refund", "hold", "payment", "release"] },
                "state": { "type": "string", "enum": ["pending", "settled", "refunded"] },
                "memo": { "type": "string" }, "other_party": { "type": "string" },
                "order": { "type": ["string", "null"], "description": "The order the credits were held for, paid for or given back for." },
                "at": { "type": "string", "format": "date-time" } } } } } });
    json!({
        "/api/v1/credits": { "get": {
            "summary": "Your credits: balance and latest entries (yours only)", "security": bearer,
            "responses": with_errors(json!({ "200": ok("The ledger, newest entry first.", ledger.clone()) }))
        } },
        "/api/v1/coops/{handle}/credits": { "get": {
            "summary": "A co-op's own credits (what orders paid it), for those who act for it", "security": bearer,
            "parameters": [handle_param()],
            "responses": with_errors(json!({ "200": ok("The co-op's ledger, newest entry first.", ledger) }))
        } },
        "/api/v1/credits/transfers": { "post": {
            "summary": "Send credits to a member or co-op here, or to a person on another node", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["to", "amount"], "properties": {
                "to": { "type": "string", "description": "`@name@host`, or a name on this node." },
                "amount": amount, "memo": { "type": "string", "maxLength": 500 } } })),
            "responses": with_errors(json!({
                "201": ok("Sent: settled at once here, pending until the other node accepts it otherwise.", json!({ "type": "object", "properties": {
                    "id": { "type": "string" }, "state": { "type": "string" }, "amount": { "type": "string" }, "recipient": { "type": "string" } } })),
                "409": conflict.clone() }))
        } },
        "/api/v1/coops/{handle}/remuneration": {
            "get": { "summary": "The co-op's remuneration rule", "security": bearer, "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": ok("The rule.", rule.clone()) })) },
            "put": { "summary": "Record how the co-op pays its members: by hours, or by hours times an effort rating", "security": bearer,
                     "parameters": [handle_param()], "requestBody": body(rule.clone()),
                     "responses": with_errors(json!({ "200": ok("The rule as recorded.", rule) })) }
        },
        "/api/v1/coops/{handle}/income": { "post": {
            "summary": "Record a member's work for a period and pay the income the rule gives", "security": bearer,
            "parameters": [handle_param()],
            "requestBody": body(json!({ "type": "object", "required": ["member", "period", "hours"], "properties": {
                "member": { "type": "string", "description": "A member of the co-op, by name." },
                "period": { "type": "string", "maxLength": 40, "description": "Such as 2025-05; each period is paid once." },
                "hours": { "type": "string", "description": "Hours worked, such as \"37.5\"." },
                "effort": { "type": "string", "description": "0.5 to 2.0; needed under the effort rule." } } })),
            "responses": with_errors(json!({
                "201": ok("Paid.", json!({ "type": "object", "properties": {
                    "transfer": { "type": "string" }, "member": { "type": "string" },
                    "amount": { "type": "string" }, "amount_minor": { "type": "integer" } } })),
                "409": conflict }))
        } }
    })
}

/// Forum routes (FEP-1b12): forums, threads, replies and moderation.
fn forum_paths() -> Value {
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let done = |description: &str| json!({ "description": description });
    let bearer = json!([{ "bearer": [] }]);
    let forum = json!({ "type": "object", "properties": {
        "id": { "type": "string", "format": "uri" }, "handle": { "type": "string" },
        "name": { "type": "string" }, "summary": { "type": "string" }, "local": { "type": "boolean" },
        "followed": { "type": "boolean", "description": "Someone here follows it, so its threads are here." } } });
    let post = json!({ "type": "object", "properties": {
        "id": { "type": "string", "format": "uri" }, "forum": { "type": "string" },
        "thread": { "type": "string", "description": "The thread's id; a thread's own id for a thread." },
        "parent": { "type": ["string", "null"] }, "author": { "type": "string" },
        "title": { "type": ["string", "null"], "description": "Plain text; threads only." },
        "content_html": { "type": "string", "description": "Sanitised HTML." },
        "pinned": { "type": "boolean" }, "locked": { "type": "boolean" }, "removed": { "type": "boolean" },
        "published": { "type": "string", "format": "date-time" },
        "updated": { "type": ["string", "null"], "format": "date-time" } } });
    let list = |schema: &Value| json!({ "type": "array", "items": schema });
    let forum_param = json!({ "name": "forum", "in": "query", "required": true,
        "schema": { "type": "string" }, "description": "The forum's id, or a local forum's handle." });
    json!({
        "/api/v1/forums": { "get": {
            "summary": "The network's forums known here: this node's, then remote ones followed here, then others",
            "responses": with_errors(json!({ "200": ok("The forums.", list(&forum)) }))
        } },
        "/api/v1/forums/threads": {
            "get": { "summary": "A forum's threads: pinned first, then latest activity first",
                     "parameters": [forum_param.clone()],
                     "responses": with_errors(json!({ "200": ok("The threads.", list(&post)) })) },
            "post": { "summary": "Start a thread (a Page); the forum announces it to its followers", "security": bearer,
                      "requestBody": body(json!({ "type": "object", "required": ["forum", "title", "text"], "properties": {
                        "forum": { "type": "string" }, "title": { "type": "string", "maxLength": 200 },
                        "text": { "type": "string", "maxLength": 20000, "description": "Markdown." } } })),
                      "responses": with_errors(json!({ "201": ok("Posted.", post.clone()) })) }
        },
        "/api/v1/forums/thread": { "get": {
            "summary": "A thread and its replies, oldest first",
            "parameters": [{ "name": "id", "in": "query", "required": true, "schema": { "type": "string", "format": "uri" } }],
            "responses": with_errors(json!({ "200": ok("The thread.", json!({ "type": "object", "properties": {
                "thread": post.clone(), "replies": list(&post) } })) }))
        } },
        "/api/v1/forums/replies": { "post": {
            "summary": "Reply (a Note) to a thread or a reply; 403 if the thread is locked", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["parent", "text"], "properties": {
                "parent": { "type": "string" }, "text": { "type": "string", "maxLength": 20000, "description": "Markdown." } } })),
            "responses": with_errors(json!({ "201": ok("Posted.", post.clone()) }))
        } },
        "/api/v1/forums/posts/edit": { "post": {
            "summary": "Edit one of your posts; federated as an Update", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["id", "text"], "properties": {
                "id": { "type": "string" }, "title": { "type": "string" }, "text": { "type": "string" } } })),
            "responses": with_errors(json!({ "200": ok("The post now.", post.clone()) }))
        } },
        "/api/v1/forums/posts/delete": { "post": {
            "summary": "Delete one of your posts; federated as a Delete", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } })),
            "responses": with_errors(json!({ "204": done("Deleted.") }))
        } },
        "/api/v1/forums/moderate": { "post": {
            "summary": "A moderator pins, unpins, locks, unlocks or removes a post of a local forum; removal is the forum's Delete",
            "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["post", "action"], "properties": {
                "post": { "type": "string" }, "action": { "type": "string", "enum": ["pin", "unpin", "lock", "unlock", "remove"] },
                "reason": { "type": "string", "maxLength": 1000 } } })),
            "responses": with_errors(json!({ "204": done("Done, logged and federated (Add/Remove to featured, Lock, Undo(Lock), Delete).") }))
        } },
        "/api/v1/forums/bans": {
            "get": { "summary": "Who is banned from a local forum; moderators only", "security": bearer,
                     "parameters": [forum_param.clone()],
                     "responses": with_errors(json!({ "200": ok("The bans.", list(&json!({ "type": "object", "properties": {
                        "person": { "type": "string" }, "moderator": { "type": "string" },
                        "reason": { "type": ["string", "null"] }, "at": { "type": "string", "format": "date-time" } } }))) })) },
            "post": { "summary": "Ban a person from a local forum (a Block announced by the forum and sent to the person)", "security": bearer,
                      "requestBody": body(json!({ "type": "object", "required": ["forum", "person"], "properties": {
                        "forum": { "type": "string" }, "person": { "type": "string", "description": "@name@host, a local name, or an actor id." },
                        "reason": { "type": "string", "maxLength": 1000 },
                        "remove_posts": { "type": "boolean", "description": "Also remove what they wrote there." } } })),
                      "responses": with_errors(json!({ "204": done("Banned, logged and federated.") })) }
        },
        "/api/v1/forums/settings": { "post": {
            "summary": "Choose whether only a local forum's moderators start threads (its postingRestrictedToMods); moderators only", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["forum", "moderators_only_threads"], "properties": {
                "forum": { "type": "string" }, "moderators_only_threads": { "type": "boolean" } } })),
            "responses": with_errors(json!({ "204": done("Saved, logged and sent to the forum's followers.") }))
        } },
        "/api/v1/forums/bans/lift": { "post": {
            "summary": "Lift a ban (Undo(Block))", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["forum", "person"], "properties": {
                "forum": { "type": "string" }, "person": { "type": "string" } } })),
            "responses": with_errors(json!({ "204": done("Lifted.") }))
        } },
        "/api/v1/forums/reports": {
            "get": { "summary": "Reports for the forums you moderate (all of them for node administrators); open ones unless all=true", "security": bearer,
                     "parameters": [{ "name": "all", "in": "query", "required": false, "schema": { "type": "boolean" } }],
                     "responses": with_errors(json!({ "200": ok("The reports.", list(&json!({ "type": "object", "properties": {
                        "id": { "type": "integer" }, "post": { "type": "string" }, "forum": { "type": "string" },
                        "reporter": { "type": "string" }, "reason": { "type": "string" },
                        "received": { "type": "string", "format": "date-time" },
                        "resolved": { "type": ["string", "null"], "format": "date-time" },
                        "resolved_by": { "type": ["string", "null"] } } }))) })) },
            "post": { "summary": "Report a post to its forum's and this node's moderators (a Flag to the forum and to the author's node)", "security": bearer,
                      "requestBody": body(json!({ "type": "object", "required": ["post", "reason"], "properties": {
                        "post": { "type": "string" }, "reason": { "type": "string", "maxLength": 1000 } } })),
                      "responses": with_errors(json!({ "201": done("Reported.") })) }
        },
        "/api/v1/forums/reports/resolve": { "post": {
            "summary": "Mark a report dealt with", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["id"], "properties": { "id": { "type": "integer" } } })),
            "responses": with_errors(json!({ "204": done("Resolved.") }))
        } },
        "/api/v1/forums/following": {
            "get": { "summary": "Threads you follow, those with new replies first", "security": bearer,
                     "responses": with_errors(json!({ "200": ok("The threads.", list(&json!({ "type": "object", "properties": {
                        "thread": { "type": "string" }, "forum": { "type": "string" }, "title": { "type": ["string", "null"] },
                        "last_activity": { "type": "string", "format": "date-time" },
                        "unread": { "type": "integer", "description": "Replies by others since you last read it." } } }))) })) },
            "post": { "summary": "Follow a thread (marks it read) or, with follow=false, stop", "security": bearer,
                      "requestBody": body(json!({ "type": "object", "required": ["thread"], "properties": {
                        "thread": { "type": "string" }, "follow": { "type": "boolean", "default": true } } })),
                      "responses": with_errors(json!({ "204": done("Done.") })) }
        },
        "/api/v1/forums/follow": { "post": {
            "summary": "Follow a forum on another node as yourself; its threads then show here", "security": bearer,
            "requestBody": body(json!({ "type": "object", "required": ["handle"], "properties": {
                "handle": { "type": "string", "description": "@name@host of the forum." } } })),
            "responses": with_errors(json!({ "202": ok("Follow sent; accepted when the forum answers.", forum.clone()) }))
        } },
        "/api/v1/forums/log": { "get": {
            "summary": "A forum's moderation log, newest first; moderators only", "security": bearer,
            "parameters": [forum_param],
            "responses": with_errors(json!({ "200": ok("The log.", list(&json!({ "type": "object", "properties": {
                "moderator": { "type": "string" }, "action": { "type": "string" }, "post": { "type": "string" },
                "reason": { "type": ["string", "null"] }, "at": { "type": "string", "format": "date-time" } } }))) }))
        } }
    })
}

/// Job post and application routes.
fn work_paths() -> Value {
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let done = |description: &str| json!({ "description": description });
    let conflict = json!({ "$ref": "#/components/responses/Error" });
    let bearer = json!([{ "bearer": [] }]);
    let job = json!({ "type": "object", "properties": {
        "id": { "type": "string" }, "workplace": { "type": "string" }, "local": { "type": "boolean" },
        "title": { "type": "string" }, "description_html": { "type": "string" },
        "hours": { "type": "string" }, "pay": { "type": "string" },
        "region": { "type": ["string", "null"] }, "industry": { "type": ["string", "null"] },
        "skills": { "type": "array", "items": { "type": "string" } },
        "closes_on": { "type": ["string", "null"], "format": "date" },
        "state": { "type": "string", "enum": ["open", "closed", "filled"] },
        "published": { "type": "string", "format": "date-time" } } });
    let fields = json!({ "type": "object", "required": ["title", "hours", "pay"], "properties": {
        "title": { "type": "string", "maxLength": 200 }, "description": { "type": "string", "description": "Markdown." },
        "hours": { "type": "string" }, "pay": { "type": "string", "description": "Pay or remuneration scheme." },
        "region": { "type": "string" },
        "skills": { "oneOf": [{ "type": "string", "description": "Comma-separated." }, { "type": "array", "items": { "type": "string" } }] },
        "closes_on": { "type": "string", "format": "date" } } });
    let application = json!({ "type": "object", "properties": {
        "id": { "type": "string" }, "kind": { "type": "string", "enum": ["job", "membership"] },
        "applicant": { "type": "string" }, "coop": { "type": "string" }, "job": { "type": ["string", "null"] },
        "letter_html": { "type": "string" }, "profile": { "type": "object" },
        "state": { "type": "string", "enum": ["received", "interview", "offered", "accepted", "declined"] },
        "events": { "type": "array", "items": { "type": "object", "properties": {
            "state": { "type": "string" }, "note": { "type": "string" }, "at": { "type": "string", "format": "date-time" } } } } } });
    let list = |schema: &Value| json!({ "type": "array", "items": schema });
    json!({
        "/api/v1/jobs": { "get": {
            "summary": "The jobs board: open posts of local workplaces and those followed here",
            "parameters": [
                { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "Words in the title, description or skills." },
                { "name": "region", "in": "query", "schema": { "type": "string" } },
                { "name": "industry", "in": "query", "schema": { "type": "string" } },
                { "name": "skill", "in": "query", "schema": { "type": "string" } },
                { "name": "all", "in": "query", "schema": { "type": "boolean" }, "description": "Include closed and filled posts." },
                { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }
            ],
            "responses": with_errors(json!({ "200": ok("Twenty posts a page, newest first.", list(&job)) }))
        } },
        "/api/v1/jobs/post": { "get": {
            "summary": "One job post, by its id",
            "parameters": [{ "name": "id", "in": "query", "required": true, "schema": { "type": "string", "format": "uri" } }],
            "responses": with_errors(json!({ "200": ok("The post.", job.clone()) }))
        } },
        "/api/v1/coops/{handle}/jobs": {
            "get": { "summary": "A workplace's job posts, all states", "security": bearer, "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": ok("The posts.", list(&job)) })) },
            "post": { "summary": "Publish a job post; followers receive it", "security": bearer, "parameters": [handle_param()],
                      "requestBody": body(fields.clone()),
                      "responses": with_errors(json!({ "201": ok("Published.", job.clone()) })) }
        },
        "/api/v1/coops/{handle}/jobs/change": { "post": {
            "summary": "Edit a job post, or close, fill or reopen it; followers receive an Update",
            "security": bearer, "parameters": [handle_param()],
            "requestBody": body(json!({ "type": "object", "required": ["id"], "properties": {
                "id": { "type": "string" }, "fields": fields, "state": { "type": "string", "enum": ["open", "closed", "filled"] } } })),
            "responses": with_errors(json!({ "200": ok("The post now.", job) }))
        } },
        "/api/v1/coops/{handle}/jobs/delete": { "post": {
            "summary": "Remove a job post; followers receive a Delete", "security": bearer, "parameters": [handle_param()],
            "requestBody": body(json!({ "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } })),
            "responses": with_errors(json!({ "204": done("Removed.") }))
        } },
        "/api/v1/applications": {
            "get": { "summary": "Your applications, with every change of state", "security": bearer,
                     "responses": with_errors(json!({ "200": ok("Newest change first.", list(&application)) })) },
            "post": { "summary": "Apply for a job post, or for membership of a consumer council; it goes to that co-op only",
                      "security": bearer,
                      "requestBody": body(json!({ "type": "object", "properties": {
                        "job": { "type": "string", "description": "A job post's id." },
                        "council": { "type": "string", "description": "A council's handle or id." },
                        "letter": { "type": "string", "description": "Markdown." } } })),
                      "responses": with_errors(json!({ "201": ok("Sent.", json!({ "type": "object", "properties": { "id": { "type": "string" } } })), "409": conflict.clone() })) }
        },
        "/api/v1/coops/{handle}/applications": { "get": {
            "summary": "The applications a co-op has received", "security": bearer, "parameters": [handle_param()],
            "responses": with_errors(json!({ "200": ok("Newest change first.", list(&application)) }))
        } },
        "/api/v1/coops/{handle}/applications/state": { "post": {
            "summary": "Move an application: interview, offered, accepted or declined; the applicant hears of it",
            "security": bearer, "parameters": [handle_param()],
            "requestBody": body(json!({ "type": "object", "required": ["id", "state"], "properties": {
                "id": { "type": "string" }, "state": { "type": "string", "enum": ["interview", "offered", "accepted", "declined"] },
                "note": { "type": "string", "maxLength": 2000 } } })),
            "responses": with_errors(json!({ "204": done("Moved."), "409": conflict }))
        } }
    })
}

/// Member profiles and interests in starting a co-op.
fn people_paths() -> Value {
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let bearer = json!([{ "bearer": [] }]);
    let visibility = json!({ "type": "string", "enum": ["public", "network", "private"],
        "description": "public: anyone, and the Person actor document; network: people logged in on this node, and co-ops the member applies to; private: the member only." });
    let text_part = json!({ "type": "object", "required": ["markdown", "visibility"], "properties": {
        "markdown": { "type": "string", "maxLength": 20000 }, "visibility": visibility } });
    let pdf = json!({ "type": "object", "required": ["url", "size_bytes", "sha256", "uploaded"], "properties": {
        "url": { "type": "string", "format": "uri" }, "size_bytes": { "type": "integer" },
        "sha256": { "type": "string" }, "uploaded": { "type": "string", "format": "date-time" } } });
    let profile = json!({ "type": "object", "required": ["general", "skills", "region", "resume"], "properties": {
        "general": { "type": "object", "properties": { "markdown": { "type": "string" }, "html": { "type": "string", "description": "Sanitised HTML." }, "visibility": visibility } },
        "skills": { "type": "object", "properties": { "tags": { "type": "array", "items": { "type": "string" } }, "visibility": visibility } },
        "region": { "type": "object", "properties": { "name": { "type": "string" }, "visibility": visibility } },
        "resume": { "type": "object", "properties": { "markdown": { "type": "string" }, "html": { "type": "string" }, "visibility": visibility,
            "pdf": { "oneOf": [pdf, { "type": "null" }] } } }
    } });
    let profile_input = json!({ "type": "object", "additionalProperties": false,
        "description": "Parts left out stay as they are. Nothing is changed unless every part given is valid.",
        "properties": {
            "general": text_part,
            "skills": { "type": "object", "required": ["tags", "visibility"], "properties": {
                "tags": { "type": "array", "maxItems": 30, "items": { "type": "string", "maxLength": 40 } }, "visibility": visibility } },
            "region": { "type": "object", "required": ["name", "visibility"], "properties": {
                "name": { "type": "string", "maxLength": 100 }, "visibility": visibility } },
            "resume": text_part
        } });
    let view = json!({ "type": "object", "required": ["username"], "description": "Parts the caller may not see, and empty parts, are null.", "properties": {
        "username": { "type": "string" },
        "general_html": { "type": ["string", "null"] },
        "skills": { "type": ["array", "null"], "items": { "type": "string" } },
        "region": { "type": ["string", "null"] },
        "resume_html": { "type": ["string", "null"] },
        "resume_pdf": { "type": ["string", "null"], "format": "uri", "description": "Where to download the resume PDF, with the same session or token." }
    } });
    let interest = json!({ "type": "object", "required": ["id", "username", "industry", "region", "note", "listed", "created"], "properties": {
        "id": { "type": "integer" }, "username": { "type": "string" }, "industry": { "type": "string" },
        "region": { "type": "string" }, "note": { "type": "string" }, "listed": { "type": "boolean" },
        "created": { "type": "string", "format": "date-time" } } });
    let interest_match = json!({ "allOf": [interest, { "type": "object", "properties": {
        "profile_url": { "type": "string", "format": "uri" }, "same_industry": { "type": "boolean" }, "same_region": { "type": "boolean" } } }] });
    json!({
        "/api/v1/profile": {
            "get": { "summary": "Your own profile, every part with its visibility", "security": bearer,
                "responses": with_errors(json!({ "200": ok("Your profile.", profile.clone()) })) },
            "put": { "summary": "Change parts of your profile", "security": bearer, "requestBody": body(profile_input),
                "responses": with_errors(json!({ "200": ok("The profile as saved.", profile) })) }
        },
        "/api/v1/profile/resume": {
            "post": { "summary": "Upload your resume as a PDF (replaces any earlier one)", "security": bearer,
                "description": "multipart/form-data with the file in a field called `file`, at most 5 MiB. The file must start with `%PDF-`; its name and claimed type are ignored.",
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["file"], "properties": { "file": { "type": "string", "format": "binary" } } } } } },
                "responses": with_errors(json!({ "201": ok("The stored PDF.", pdf),
                    "413": { "$ref": "#/components/responses/Error" } })) },
            "delete": { "summary": "Remove your resume PDF", "security": bearer,
                "responses": with_errors(json!({ "204": { "description": "Removed." } })) }
        },
        "/api/v1/members/{name}/profile": { "get": {
            "summary": "A member's profile, as far as the caller may see it",
            "description": "Without a token, only public parts; with a token of this node, network parts too; the member sees everything.",
            "parameters": [{ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } }],
            "security": [{}, { "bearer": [] }],
            "responses": with_errors(json!({ "200": ok("What the caller may see.", view) }))
        } },
        "/api/v1/interests": {
            "get": { "summary": "Your interests in starting a co-op, and other members' listed interests with the same industry or region", "security": bearer,
                "responses": with_errors(json!({ "200": ok("Yours and the matches.", json!({ "type": "object", "required": ["mine", "matches"], "properties": {
                    "mine": { "type": "array", "items": interest.clone() }, "matches": { "type": "array", "items": interest_match } } })) })) },
            "post": { "summary": "Record an interest in starting a co-op", "security": bearer,
                "requestBody": body(json!({ "type": "object", "required": ["industry", "region"], "additionalProperties": false, "properties": {
                    "industry": { "type": "string", "maxLength": 100 }, "region": { "type": "string", "maxLength": 100 },
                    "note": { "type": "string", "maxLength": 500 },
                    "listed": { "type": "boolean", "default": false, "description": "Whether members with the same industry or region may see it." } } })),
                "responses": with_errors(json!({ "201": ok("The interest.", interest), "409": { "$ref": "#/components/responses/Error" } })) }
        },
        "/api/v1/interests/{id}": { "delete": {
            "summary": "Remove one of your interests", "security": bearer,
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
            "responses": with_errors(json!({ "204": { "description": "Removed." } }))
        } }
    })
}

/// The library: entries, versions, uploads.
fn library_paths() -> Value {
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let err = json!({ "$ref": "#/components/responses/Error" });
    let bearer = json!([{ "bearer": [] }]);
    let version = json!({ "type": "object", "properties": {
        "version": { "type": "string" }, "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
        "size": { "type": "integer" }, "media_type": { "type": "string" }, "file_name": { "type": "string" },
        "url": { "type": "string", "format": "uri", "description": "The download, always on the entry's own node." },
        "uploaded": { "type": "string", "format": "date-time" } } });
    let kinds = json!([
        "handbook",
        "guide",
        "brochure",
        "spreadsheet",
        "software",
        "other"
    ]);
    let entry = json!({ "type": "object", "properties": {
        "id": { "type": "string", "format": "uri" }, "coop": { "type": "string", "format": "uri" },
        "local": { "type": "boolean" }, "title": { "type": "string" }, "summary_html": { "type": "string" },
        "licence": { "type": "string" }, "topic": { "type": "string" }, "kind": { "type": "string", "enum": kinds.clone() },
        "published": { "type": "string", "format": "date-time" }, "updated": { "type": "string", "format": "date-time" },
        "versions": { "type": "array", "items": version, "description": "Oldest first; the last is current." } } });
    let list = json!({ "type": "array", "items": entry.clone() });
    let fields = json!({
        "title": { "type": "string", "maxLength": 200, "description": "Plain text: no < or >." },
        "summary": { "type": "string", "maxLength": 10000, "description": "Markdown, sanitised." },
        "licence": { "type": "string", "maxLength": 100, "description": "An SPDX identifier or words." },
        "topic": { "type": "string", "maxLength": 60 },
        "kind": { "type": "string", "enum": kinds } });
    let mut upload = fields.clone();
    if let Some(map) = upload.as_object_mut() {
        map.insert("version".into(), json!({ "type": "string", "maxLength": 40, "description": "Defaults to the next number." }));
        map.insert("file".into(), json!({ "type": "string", "format": "binary", "description": "At most `files.max_upload_bytes`; its type is read from its bytes. HTML, SVG, XML and script are refused (415), as is a claimed type its bytes contradict." }));
    }
    let multipart = |properties: Value, required: Value| json!({ "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": required, "properties": properties } } } });
    let upload_errors = |ok_code: &str, done: Value| {
        let mut r = with_errors(json!({ ok_code: done }));
        if let Some(map) = r.as_object_mut() {
            map.insert("409".into(), err.clone());
            map.insert("413".into(), err.clone());
            map.insert("415".into(), err.clone());
        }
        r
    };
    let mut edit = fields.clone();
    if let Some(map) = edit.as_object_mut() {
        map.insert("id".into(), json!({ "type": "string", "format": "uri" }));
    }
    json!({
        "/api/v1/library": { "get": {
            "summary": "The library: entries of local co-ops and of the co-ops followed here",
            "parameters": [
                { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "Words in the title, summary, topic or licence." },
                { "name": "topic", "in": "query", "schema": { "type": "string" } },
                { "name": "kind", "in": "query", "schema": { "type": "string" } },
                { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }
            ],
            "responses": with_errors(json!({ "200": ok("Twenty entries a page, newest change first.", list.clone()) }))
        } },
        "/api/v1/library/entry": { "get": {
            "summary": "One library entry with all its versions, by its id",
            "parameters": [{ "name": "id", "in": "query", "required": true, "schema": { "type": "string", "format": "uri" } }],
            "responses": with_errors(json!({ "200": ok("The entry.", entry.clone()) }))
        } },
        "/api/v1/coops/{handle}/library": {
            "get": { "summary": "A local co-op's library entries", "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": ok("The entries.", list) })) },
            "post": { "summary": "Upload a new entry with its first file; followers receive a Create of a Document",
                      "security": bearer, "parameters": [handle_param()],
                      "requestBody": multipart(upload, json!(["title", "file"])),
                      "responses": upload_errors("201", ok("Published.", entry.clone())) }
        },
        "/api/v1/coops/{handle}/library/version": { "post": {
            "summary": "Upload a new version of an entry; earlier versions stay downloadable; followers receive an Update",
            "security": bearer, "parameters": [handle_param()],
            "requestBody": multipart(json!({
                "id": { "type": "string", "format": "uri" },
                "version": { "type": "string", "maxLength": 40 },
                "file": { "type": "string", "format": "binary" } }), json!(["id", "file"])),
            "responses": upload_errors("201", ok("The entry with its new version.", entry.clone()))
        } },
        "/api/v1/coops/{handle}/library/edit": { "post": {
            "summary": "Change an entry's title, summary, licence, topic or kind; followers receive an Update",
            "security": bearer, "parameters": [handle_param()],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["id", "title"], "properties": edit } } } },
            "responses": with_errors(json!({ "200": ok("The entry now.", entry) }))
        } },
        "/api/v1/coops/{handle}/library/delete": { "post": {
            "summary": "Remove an entry and its files; followers receive a Delete",
            "security": bearer, "parameters": [handle_param()],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } } } } },
            "responses": with_errors(json!({ "204": { "description": "Removed." } }))
        } }
    })
}

/// The directory routes: listings, co-ops known here with their profile data, ratings.
fn directory_paths() -> Value {
    let ok = |description: &str, schema: Value| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    let done = |description: &str| json!({ "description": description });
    let list = |schema: &Value| json!({ "type": "array", "items": schema });
    let body = |schema: Value| json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    let bearer = json!([{ "bearer": [] }]);
    let text = json!({ "type": "string" });
    let average = json!({ "type": "object", "properties": {
        "criterion": text, "tenths": { "type": "integer", "description": "The average score times ten, rounded half up." },
        "count": { "type": "integer" } } });
    let rating = json!({ "type": "object", "required": ["subject", "criterion", "score"], "properties": {
        "subject": { "type": "string", "format": "uri", "description": "An item's id or a workplace's actor id." },
        "criterion": { "type": "string", "description": "worker-standards, environment or a criterion of the team's own." },
        "score": { "type": "integer", "minimum": 0, "maximum": 5 },
        "comment": text } });
    let fields = json!({ "type": "object", "required": ["kind", "title"], "properties": {
        "kind": { "type": "string", "enum": ["course", "report", "finance", "campaign"] },
        "title": { "type": "string", "maxLength": 200, "description": "One line of plain text, without < or >." },
        "body": { "type": "string", "description": "Markdown, at most 20,000 characters." },
        "region": text, "topic": text,
        "starts": { "type": "string", "description": "A course's start: RFC 3339 or YYYY-MM-DDTHH:MM (UTC). Required for courses." },
        "ends": text, "location": text,
        "online_url": { "type": "string", "format": "uri" }, "enrol_url": { "type": "string", "format": "uri" },
        "lender": text, "lends_for": { "type": "string", "description": "Required for sources of finance." },
        "campaign_kind": { "type": "string", "enum": ["claiming-spaces", "grants-and-loans", "tax-incentives", "participatory-budgeting", "political-group", "other"] },
        "ratings": { "type": "array", "items": rating.clone(), "description": "A report's ratings (1 to 200); reports are published by co-ops of kind group." },
        "suggestions": { "type": "array", "items": text } } });
    let listing = json!({ "type": "object", "properties": {
        "id": { "type": "string", "format": "uri" }, "owner_id": { "type": "string", "format": "uri" },
        "owner_name": text, "local": { "type": "boolean" }, "kind": text, "title": text,
        "body_html": text, "body_markdown": text, "region": text, "topic": text,
        "details": { "type": "object", "description": "Kind-specific: starts_at, ends_at (ms), location, online_url, enrol_url, lender, lends_for, campaign_kind, suggestions." },
        "ratings": { "type": "array", "items": rating },
        "published": { "type": "string", "format": "date-time" }, "updated": { "type": "string", "format": "date-time" } } });
    let profile_text = json!({ "type": "object", "properties": {
        "working_conditions": text, "decision_making": text, "remuneration": text, "production": text,
        "participants": { "type": "integer", "minimum": 0 }, "decisions": text, "external_factors": text } });
    let profile = json!({ "type": "object", "description": "The coopProfile of the co-op's actor: version, updated, the texts, inputs and outputs per year ({good, quantity, unit, category}), participants and purchases ({seller, productType, orders, total, currency})." });
    let coop = json!({ "allOf": [{ "$ref": "#/components/schemas/Coop" }, { "type": "object", "properties": {
        "profile": profile.clone(), "ratings": { "type": "array", "items": average.clone() } } }] });
    let listing_id = json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The last part of the listing's id." });
    json!({
        "/api/v1/directory": { "get": {
            "summary": "Listings of this node's co-ops and of followed co-ops, newest first",
            "parameters": [
                { "name": "kind", "in": "query", "schema": { "type": "string", "enum": ["course", "report", "finance", "campaign"] } },
                { "name": "region", "in": "query", "schema": { "type": "string" } },
                { "name": "topic", "in": "query", "schema": { "type": "string" } },
                { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "Words to find in titles, descriptions and topics." }
            ],
            "responses": with_errors(json!({ "200": ok("At most 100 listings.", list(&listing)) }))
        } },
        "/api/v1/directory/listing": { "get": {
            "summary": "One listing, by its full id",
            "parameters": [{ "name": "id", "in": "query", "required": true, "schema": { "type": "string", "format": "uri" } }],
            "responses": with_errors(json!({ "200": ok("The listing.", listing.clone()) }))
        } },
        "/api/v1/directory/coops": { "get": {
            "summary": "Co-ops known here (local and remote) with their profile data and ratings",
            "parameters": [
                { "name": "region", "in": "query", "schema": { "type": "string" } },
                { "name": "industry", "in": "query", "schema": { "type": "string" } },
                { "name": "kind", "in": "query", "schema": { "type": "string" } },
                { "name": "ids", "in": "query", "schema": { "type": "string" }, "description": "Actor ids separated by commas, to compare just these." }
            ],
            "responses": with_errors(json!({ "200": ok("The co-ops.", list(&coop)) }))
        } },
        "/api/v1/directory/coop": { "get": {
            "summary": "One co-op known here, with every version of its profile",
            "parameters": [{ "name": "id", "in": "query", "required": true, "schema": { "type": "string", "format": "uri" } }],
            "responses": with_errors(json!({ "200": ok("The co-op; versions newest first.", coop.clone()) }))
        } },
        "/api/v1/ratings": { "get": {
            "summary": "Average scores per criterion for an item or a workplace, and the ratings behind them",
            "parameters": [{ "name": "subject", "in": "query", "required": true, "schema": { "type": "string", "format": "uri" } }],
            "responses": with_errors(json!({ "200": ok("Averages and ratings.", json!({ "type": "object", "properties": {
                "averages": list(&average), "ratings": { "type": "array", "items": { "type": "object" } } } })) }))
        } },
        "/api/v1/coops/{handle}/listings": { "post": {
            "summary": "Publish a listing and send it to the co-op's followers",
            "security": bearer, "parameters": [handle_param()], "requestBody": body(fields.clone()),
            "responses": with_errors(json!({ "201": ok("Published.", json!({ "type": "object", "properties": { "id": { "type": "string", "format": "uri" } } })) }))
        } },
        "/api/v1/coops/{handle}/listings/{id}": {
            "put": { "summary": "Change a listing; followers receive an Update", "security": bearer,
                     "parameters": [handle_param(), listing_id.clone()], "requestBody": body(fields),
                     "responses": with_errors(json!({ "204": done("Saved.") })) },
            "delete": { "summary": "Delete a listing; followers receive a Delete", "security": bearer,
                        "parameters": [handle_param(), listing_id],
                        "responses": with_errors(json!({ "204": done("Deleted.") })) }
        },
        "/api/v1/coops/{handle}/coop-profile": {
            "get": { "summary": "A local co-op's profile data as its actor carries it", "parameters": [handle_param()],
                     "responses": with_errors(json!({ "200": ok("The latest version, or null.", profile) })) },
            "put": { "summary": "Describe how the co-op works: a new profile version, sent to followers", "security": bearer,
                     "parameters": [handle_param()], "requestBody": body(profile_text),
                     "responses": with_errors(json!({ "204": done("Saved.") })) }
        }
    })
}

pub fn spec() -> Value {
    let mut doc = spec_core();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for extra in [
            market_paths(),
            planning_paths(),
            credits_paths(),
            work_paths(),
            forum_paths(),
            directory_paths(),
            people_paths(),
            library_paths(),
        ] {
            if let Some(extra) = extra.as_object() {
                for (k, v) in extra {
                    paths.insert(k.clone(), v.clone());
                }
            }
        }
    }
    doc
}

fn spec_core() -> Value {
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
                "Item": {
                    "type": "object",
                    "required": ["id", "name", "unit", "price", "price_minor", "currency", "stock", "product_type", "workplace_id", "local"],
                    "properties": {
                        "id": { "type": "string", "format": "uri" },
                        "name": { "type": "string" },
                        "description_html": { "type": "string" },
                        "unit": { "type": "string" },
                        "price": { "type": "string", "examples": ["3.20"] },
                        "price_minor": { "type": "integer", "description": "The price in the currency's smallest unit." },
                        "currency": { "type": "string", "examples": ["EUR"] },
                        "stock": { "type": "integer", "minimum": 0 },
                        "low_stock": { "type": "boolean" },
                        "product_type": { "type": "string", "examples": ["food/bread"] },
                        "how_made": { "type": "string" },
                        "image_url": { "type": ["string", "null"] },
                        "region": { "type": ["string", "null"] },
                        "workplace_id": { "type": "string" },
                        "workplace_name": { "type": ["string", "null"] },
                        "local": { "type": "boolean" }
                    }
                },
                "ItemFields": {
                    "type": "object",
                    "required": ["name", "unit", "price", "currency", "stock", "product_type"],
                    "properties": {
                        "name": { "type": "string", "maxLength": 200 },
                        "description": { "type": "string", "description": "Markdown." },
                        "unit": { "type": "string", "examples": ["loaf", "kg", "hour"] },
                        "price": { "type": "string", "examples": ["3.20"] },
                        "currency": { "type": "string", "examples": ["EUR"] },
                        "stock": { "type": "string", "examples": ["40"] },
                        "low_stock_at": { "type": "string" },
                        "product_type": { "type": "string", "examples": ["food/bread"] },
                        "how_made": { "type": "string" },
                        "image_url": { "type": "string" }
                    }
                },
                "Order": {
                    "type": "object",
                    "required": ["id", "buyer_id", "seller_id", "state", "total", "currency", "lines"],
                    "properties": {
                        "id": { "type": "string" },
                        "buyer_id": { "type": "string" },
                        "seller_id": { "type": "string" },
                        "state": { "type": "string", "enum": ["requested", "accepted", "rejected", "dispatched", "fulfilled", "cancelled"] },
                        "reason": { "type": ["string", "null"] },
                        "total": { "type": "string" },
                        "currency": { "type": "string" },
                        "created": { "type": "string", "format": "date-time" },
                        "lines": { "type": "array", "items": { "type": "object", "properties": {
                            "item_id": { "type": "string" }, "name": { "type": "string" },
                            "quantity": { "type": "integer" }, "unit": { "type": "string" }, "unit_price": { "type": "string" }
                        } } }
                    }
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
