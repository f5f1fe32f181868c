//! Finishing the generated OpenAPI document: what poem-openapi cannot express is added here,
//! once, and the result is what the server serves and the repository commits.

use serde_json::{Value, json};

use super::auth::{AUTH_TOKEN_SCHEME, USER_ID_SCHEME};
use super::envelope::NOT_LOGGED_IN;
use super::validate::CLOSED_MARKER;

/// The document's description.
pub const DESCRIPTION: &str = "rocketlite speaks the Rocket.Chat REST API for user and room \
administration. Authenticate with `POST /api/v1/login`, then send `X-User-Id` and \
`X-Auth-Token` together on every other call.";

/// Applies every fix-up to the raw document and pretty-prints it.
pub fn patch(raw: &str) -> String {
    let mut doc: Value = serde_json::from_str(raw).expect("poem-openapi writes valid JSON");
    close_marked_schemas(&mut doc);
    for_each_operation(&mut doc, |operation| {
        require_both_auth_headers(operation);
        add_examples(operation);
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("a Value serialises");
    text.push('\n');
    text
}

fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&mut Value)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            f(operation);
        }
    }
}

/// `additionalProperties: false` where the validator refuses extra properties.
fn close_marked_schemas(doc: &mut Value) {
    let marker = json!({ "type": CLOSED_MARKER });
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    for schema in schemas.into_iter().flat_map(|s| s.values_mut()) {
        if schema.get("additionalProperties") == Some(&marker) {
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
}

/// poem-openapi lists an extractor's schemes as alternatives; both headers are needed.
fn require_both_auth_headers(operation: &mut Value) {
    if operation.get("security").is_some() {
        operation["security"] = json!([{ USER_ID_SCHEME: [], AUTH_TOKEN_SCHEME: [] }]);
    }
}

/// Examples for each response: the operation's own where it has them, the shared error
/// bodies otherwise.
fn add_examples(operation: &mut Value) {
    let id = operation["operationId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        let examples = examples_for(&id, status);
        for media in content.values_mut() {
            match examples.as_slice() {
                [] => {}
                [(_, one)] => media["example"] = one.clone(),
                many => {
                    let named: serde_json::Map<String, Value> = many
                        .iter()
                        .map(|(name, value)| (name.to_string(), json!({ "value": value })))
                        .collect();
                    media["examples"] = Value::Object(named);
                }
            }
        }
    }
}

fn examples_for(operation: &str, status: &str) -> Vec<(&'static str, Value)> {
    let invalid = |m: &str| json!({"success": false, "error": format!("{m}\n[invalid-params]"), "errorType": "invalid-params"});
    match (operation, status) {
        ("usersSetActiveStatus", "200") => vec![(
            "ok",
            json!({"user": {"_id": "jJNyu4BQFqdgEcqnR", "active": false}, "success": true}),
        )],
        ("usersSetActiveStatus", "400") => vec![
            (
                "invalidParams",
                invalid("must have required property 'activeStatus'"),
            ),
            (
                "lastOwner",
                json!({"success": false, "error": "[user-last-owner]", "errorType": "user-last-owner", "details": {"shouldChangeOwner": ["general"], "shouldBeRemoved": []}}),
            ),
            (
                "lastAdmin",
                json!({"success": false, "error": "Leaving the app without an active admin is not allowed [error-action-not-allowed]", "errorType": "error-action-not-allowed", "details": {"method": "removeUserFromRole", "action": "Remove_last_admin"}}),
            ),
            (
                "userNotFound",
                json!({"success": false, "error": "User not found"}),
            ),
        ],
        ("login", "200") => vec![(
            "ok",
            json!({"status": "success", "data": {"userId": "jJNyu4BQFqdgEcqnR", "authToken": "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq", "me": {"_id": "jJNyu4BQFqdgEcqnR", "username": "ada", "name": "Ada", "emails": [{"address": "ada@example.org", "verified": true}], "type": "user", "status": "offline", "active": true, "roles": ["user"], "createdAt": "2026-11-26T12:00:00.000Z", "_updatedAt": "2026-11-26T12:00:00.000Z"}}, "success": true}),
        )],
        ("login", "401") => vec![
            (
                "unauthorized",
                json!({"success": false, "status": "error", "error": "Unauthorized", "message": "Unauthorized"}),
            ),
            (
                "notActivated",
                json!({"success": false, "status": "error", "error": "error-user-is-not-activated", "message": "User is not activated"}),
            ),
        ],
        ("info", "200") => vec![(
            "ok",
            json!({"version": crate::RC_API_VERSION, "success": true}),
        )],
        (_, "400") => vec![(
            "invalidParams",
            invalid("must have required property 'userId'"),
        )],
        (_, "401") => vec![(
            "notLoggedIn",
            json!({"success": false, "error": NOT_LOGGED_IN, "status": "error", "message": NOT_LOGGED_IN}),
        )],
        (_, "403") => vec![(
            "forbidden",
            json!({"success": false, "error": "User does not have the permissions required for this action [error-unauthorized]"}),
        )],
        (_, "413") => vec![(
            "tooLarge",
            invalid("request entity too large: the body may be at most 1 MiB"),
        )],
        (_, "500") => vec![(
            "internal",
            json!({"success": false, "error": "Internal server error"}),
        )],
        _ => vec![],
    }
}
