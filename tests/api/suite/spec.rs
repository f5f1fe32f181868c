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
    for union in ["oneOf", "anyOf"] {
        if let Some(branches) = schema[union].as_array() {
            return match branches.iter().any(|b| conforms(spec, b, value).is_ok()) {
                true => Ok(()),
                false => Err(format!("{value} fits no branch of {union}")),
            };
        }
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
        json!({"success": false, "error": "must have required property 'activeStatus' [invalid-params]", "errorType": "invalid-params"})
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
            .contains("earliest-joined active member")
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

/// Every request body has an example that fits its schema, and that Swagger UI's "Try it
/// out" can send as is: the server reads it without an `invalid-params` refusal (a refusal
/// of the domain, such as an unknown user, is what the operation says of that example).
#[tokio::test]
async fn every_request_body_has_an_example_the_server_reads() {
    let spec = spec();
    let app = crate::common::TestApp::new().await;
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            else {
                continue;
            };
            let id = op["operationId"].as_str().unwrap();
            for (media_type, media) in content {
                let example = media
                    .get("example")
                    .unwrap_or_else(|| panic!("{id} {media_type}: no example"));
                if let Err(e) = conforms(&spec, &media["schema"], example) {
                    panic!("{id} {media_type}: the example does not fit: {e}\n{example}");
                }
            }
            let example = &content["application/json"]["example"];
            assert_ne!(example, &json!({}), "{id}: an empty example");
            let path = path.replace("{_id}", "API_Enable_Rate_Limiter");
            let (status, body) = match method.as_str() {
                "post" => app.post(&path, Some(&app.admin), example.clone()).await,
                other => panic!("{id}: a body on {other}"),
            };
            assert!(
                body["errorType"] != "invalid-params" && ![413, 415, 500].contains(&status),
                "{id}: the example {example} is refused as {status} {body}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "{checked} bodies");
}

/// Swagger UI shows the families in the order an administrator works, and `count` and
/// `offset` as integers.
#[test]
fn tags_come_in_working_order_and_paging_is_typed_as_integers() {
    let spec = spec();
    let tags: Vec<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "Authentication",
            "Users",
            "Channels",
            "Groups",
            "Rooms",
            "Subscriptions",
            "Permissions",
            "Settings",
            "Info",
            "Extensions"
        ]
    );
    let mut paging = 0;
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["name"] == "count" || param["name"] == "offset" {
                    assert_eq!(param["schema"]["type"], "integer", "{}", op["operationId"]);
                    paging += 1;
                }
            }
        }
    }
    assert!(paging >= 20, "{paging}");
}
