//! The OpenAPI document: committed, served, and shaped for SDK generators.

use serde_json::{Value, json};

use crate::common::TestApp;

fn spec() -> Value {
    serde_json::from_str(&rocketlite::api::spec_json()).unwrap()
}

#[test]
fn committed_spec_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    assert!(
        committed == rocketlite::api::spec_json(),
        "openapi/openapi.json is out of date; regenerate it with:\n    cargo run -- openapi > openapi/openapi.json"
    );
}

#[test]
fn every_operation_has_an_id_summary_description_tag_and_both_auth_headers() {
    let spec = spec();
    let mut ids = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            ids.push(id.to_string());
            assert!(op["summary"].is_string(), "{id} summary");
            assert!(op["description"].is_string(), "{id} description");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} tags"
            );
            // The operations that need no login.
            let open = [
                "/api/info",
                "/api/v1/login",
                "/api/v1/users.register",
                "/api/v1/settings.public",
                "/api/v1/settings.oauth",
            ];
            if !open.contains(&path.as_str()) {
                assert_eq!(
                    op["security"],
                    json!([{"UserId": [], "AuthToken": []}]),
                    "{id}"
                );
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let media = response["content"]
                    .as_object()
                    .unwrap()
                    .values()
                    .next()
                    .unwrap();
                let examples: Vec<&Value> = match (media.get("example"), media.get("examples")) {
                    (Some(one), _) => vec![one],
                    (None, Some(many)) => many
                        .as_object()
                        .unwrap()
                        .values()
                        .map(|e| &e["value"])
                        .collect(),
                    (None, None) => panic!("{id} {status} has no example"),
                };
                for example in examples {
                    if let Err(e) = conforms(&spec, &media["schema"], example) {
                        panic!("{id} {status}: example does not fit its schema: {e}\n{example}");
                    }
                }
            }
        }
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    for id in [
        "usersSetActiveStatus",
        "login",
        "channelsAddOwner",
        "groupsRemoveOwner",
        "permissionsListAll",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id}");
    }
}

/// Whether `value` fits `schema`: types, required properties, no undeclared properties.
fn conforms(spec: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return conforms(spec, &spec["components"]["schemas"][name], value);
    }
    if let Some(all) = schema["allOf"].as_array() {
        // poem-openapi's flatten: every part must fit, ignoring the others' properties.
        let mut merged = json!({"type": "object", "properties": {}, "required": []});
        for part in all {
            let part = match part["$ref"].as_str() {
                Some(r) => {
                    &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")]
                }
                None => part,
            };
            for (k, v) in part["properties"].as_object().into_iter().flatten() {
                merged["properties"][k] = v.clone();
            }
            for r in part["required"].as_array().into_iter().flatten() {
                merged["required"].as_array_mut().unwrap().push(r.clone());
            }
        }
        return conforms(spec, &merged, value);
    }
    match (schema["type"].as_str(), value) {
        (Some("object"), Value::Object(map)) => {
            for required in schema["required"].as_array().into_iter().flatten() {
                let key = required.as_str().unwrap();
                if !map.contains_key(key) {
                    return Err(format!("missing {key}"));
                }
            }
            let properties = schema["properties"].as_object();
            for (key, field) in map {
                match properties.and_then(|p| p.get(key)) {
                    Some(field_schema) => {
                        conforms(spec, field_schema, field).map_err(|e| format!("{key}: {e}"))?
                    }
                    None if schema.get("additionalProperties").is_some() => {}
                    None => return Err(format!("undeclared property {key}")),
                }
            }
            Ok(())
        }
        (Some("array"), Value::Array(items)) => items
            .iter()
            .try_for_each(|i| conforms(spec, &schema["items"], i)),
        (Some("string"), Value::String(_))
        | (Some("boolean"), Value::Bool(_))
        | (Some("integer"), Value::Number(_))
        | (Some("number"), Value::Number(_))
        | (None, _) => Ok(()),
        (_, Value::Null) if schema["nullable"] == json!(true) => Ok(()),
        (ty, v) => Err(format!("{v} is not {ty:?}")),
    }
}

#[test]
fn set_active_status_documents_the_contract() {
    let spec = spec();
    let op = &spec["paths"]["/api/v1/users.setActiveStatus"]["post"];
    let description = op["description"].as_str().unwrap();
    assert!(description.contains("edit-other-user-active-status"));
    assert!(description.contains("manage-moderation-actions"));
    for status in ["200", "400", "401", "403", "413"] {
        assert!(op["responses"][status].is_object(), "{status}");
    }
    let ok = op["responses"]["200"]["content"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(
        ok["example"],
        json!({"user": {"_id": "jJNyu4BQFqdgEcqnR", "active": false}, "success": true})
    );
    let bad = op["responses"]["400"]["content"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(
        bad["examples"]["invalidParams"]["value"],
        json!({"success": false, "error": "must have required property 'activeStatus'\n[invalid-params]", "errorType": "invalid-params"})
    );
    assert_eq!(
        bad["examples"]["lastOwner"]["value"]["errorType"],
        "user-last-owner"
    );
    let body = &spec["components"]["schemas"]["SetActiveStatusBody"];
    assert_eq!(body["additionalProperties"], json!(false));
    assert!(
        body["properties"]["confirmRelinquish"]["description"]
            .as_str()
            .unwrap()
            .contains("oldest member")
    );
    assert_eq!(
        spec["components"]["securitySchemes"]["UserId"]["name"],
        "X-User-Id"
    );
    assert_eq!(
        spec["components"]["securitySchemes"]["AuthToken"]["in"],
        "header"
    );
}

#[tokio::test]
async fn the_spec_and_swagger_ui_are_served_with_the_patched_document() {
    let app = TestApp::new().await;
    let resp = app.client.get("/openapi.json").send().await;
    resp.assert_status_is_ok();
    let served: Value =
        serde_json::from_str(&resp.0.into_body().into_string().await.unwrap()).unwrap();
    assert_eq!(served, spec());
    let resp = app.client.get("/docs").send().await;
    resp.assert_status_is_ok();
    let html = resp.0.into_body().into_string().await.unwrap();
    assert!(html.contains("swagger"));
    assert!(html.contains(r#""additionalProperties": false"#));
}
