//! `Accounts_CustomFields`: per-user values of the fields an administrator defines, checked
//! by Rocket.Chat's `validateCustomFields` rules on users.create, users.update,
//! users.register and users.updateOwnBasicInfo, merged on change, shown by users.info and
//! `/me`; a refusal changes nothing.

use crate::common::*;
use serde_json::{Value, json};

/// Rocket.Chat's own test definition (`tests/end-to-end/api/users.ts`) plus a select field.
fn definitions() -> Value {
    json!({
        "customFieldText": {"type": "text", "required": true, "minLength": 2, "maxLength": 10},
        "team": {"type": "select", "options": ["red", "blue"], "required": false}
    })
}

async fn define(app: &TestApp, fields: &Value) {
    let text = match fields {
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let (status, body) = app
        .post(
            "/api/v1/settings/Accounts_CustomFields",
            Some(&app.admin),
            json!({ "value": text }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

fn refused(message: &str) -> Value {
    json!({
        "success": false,
        "error": format!("{message} [error-user-registration-custom-field]"),
        "errorType": "error-user-registration-custom-field",
        "details": {"method": "registerUser"}
    })
}

fn new_user(name: &str, custom_fields: Value) -> Value {
    json!({"username": name, "email": format!("{name}@example.org"), "name": name,
           "password": "pw-123456", "customFields": custom_fields})
}

#[tokio::test]
async fn users_create_checks_stores_and_shows_custom_fields() {
    let app = TestApp::new().await;
    define(&app, &definitions()).await;

    for (value, message) in [
        (
            json!({"customFieldText": ""}),
            "Field customFieldText is required",
        ),
        (
            json!({"customFieldText": "  "}),
            "Field customFieldText is required",
        ),
        (
            json!({"customFieldText": "0"}),
            "Min length of field customFieldText 2",
        ),
        (
            json!({"customFieldText": "0123456789-0"}),
            "Max length of field customFieldText 10",
        ),
        (
            json!({"customFieldText": "ok", "team": "green"}),
            "Value for field team is invalid",
        ),
    ] {
        let before = app.snapshot();
        let got = app
            .post(
                "/api/v1/users.create",
                Some(&app.admin),
                new_user("kim", value.clone()),
            )
            .await;
        assert_eq!(got, (400, refused(message)), "{value}");
        assert_eq!(app.snapshot(), before, "{value}");
    }

    // Fields the setting does not define are dropped; the rest are kept as sent.
    let (status, body) = app
        .post(
            "/api/v1/users.create",
            Some(&app.admin),
            new_user(
                "kim",
                json!({"customFieldText": "success", "team": "red", "shoeSize": 44}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let expected = json!({"customFieldText": "success", "team": "red"});
    assert_eq!(body["user"]["customFields"], expected);
    let id = body["user"]["_id"].as_str().unwrap().to_string();
    let (_, info) = app
        .get(&format!("/api/v1/users.info?userId={id}"), Some(&app.admin))
        .await;
    assert_eq!(info["user"]["customFields"], expected);
    let kim = app.login("kim", "pw-123456").await;
    let (_, me) = app.get("/api/v1/me", Some(&kim)).await;
    assert_eq!(me["customFields"], expected, "{me}");

    // Without `customFields` nothing is checked (Rocket.Chat checks only what is sent).
    let (status, body) = app
        .post("/api/v1/users.create", Some(&app.admin), {
            let mut b = new_user("lee", Value::Null);
            b.as_object_mut().unwrap().remove("customFields");
            b
        })
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["user"].get("customFields").is_none(), "{body}");
}

#[tokio::test]
async fn users_update_merges_custom_fields_and_refuses_a_bad_merge() {
    let app = TestApp::new().await;
    define(
        &app,
        &json!({"customFieldText1": {"type": "text"}, "customFieldText2": {"type": "text", "maxLength": 5}}),
    )
    .await;
    let id = app.create_user("ada").await;
    let update = |fields: Value| json!({"userId": id, "data": {"customFields": fields}});

    let (status, _) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"customFieldText1": "value1", "customFieldText2": "value"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"customFieldText1": "updated1"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["user"]["customFields"],
        json!({"customFieldText1": "updated1", "customFieldText2": "value"})
    );
    // Null and the empty string are values like any other.
    let (_, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"customFieldText1": null, "customFieldText2": ""})),
        )
        .await;
    assert_eq!(
        body["user"]["customFields"],
        json!({"customFieldText1": null, "customFieldText2": ""})
    );

    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            json!({"userId": id, "data": {"name": "Ada L", "customFields": {"customFieldText2": "toolong"}}}),
        )
        .await;
    assert_eq!(
        got,
        (400, refused("Max length of field customFieldText2 5"))
    );
    assert_eq!(app.snapshot(), before, "the name must not change either");

    // The change is audited.
    let (_, audit) = app
        .get(
            &format!("/api/v1/rocketlite.audit?userId={id}"),
            Some(&app.admin),
        )
        .await;
    let changes: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["after"].get("customFields").is_some())
        .collect();
    assert_eq!(changes.len(), 3, "{audit}");
}

#[tokio::test]
async fn own_basic_info_and_register_take_custom_fields_and_a_blank_setting_ignores_them() {
    let app = TestApp::new().await;
    define(&app, &definitions()).await;
    let id = app.create_user("ada").await;
    let ada = app.login("ada", "ada-password").await;

    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            Some(&ada),
            json!({"data": {}, "customFields": {"team": "green"}}),
        )
        .await;
    // ada holds no customFieldText yet, so the merged values lack the required field.
    assert_eq!(got, (400, refused("Field customFieldText is required")));
    assert_eq!(app.snapshot(), before);
    let (status, body) = app
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            Some(&ada),
            json!({"data": {}, "customFields": {"customFieldText": "mine", "team": "blue"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["user"]["customFields"],
        json!({"customFieldText": "mine", "team": "blue"})
    );

    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.register",
            None,
            json!({"username": "newbie", "email": "newbie@example.org", "pass": "pw-123456",
                   "name": "New", "customFields": {"customFieldText": "x"}}),
        )
        .await;
    assert_eq!(got, (400, refused("Min length of field customFieldText 2")));
    assert_eq!(app.snapshot(), before);

    // A definition that is no JSON object refuses every change that sends values.
    define(&app, &json!("not an object")).await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            json!({"userId": id, "data": {"customFields": {"customFieldText": "zz"}}}),
        )
        .await;
    assert_eq!(
        got,
        (
            400,
            json!({"success": false,
                   "error": "Invalid JSON for Custom Fields [error-invalid-customfield-json]",
                   "errorType": "error-invalid-customfield-json"})
        )
    );
    assert_eq!(app.snapshot(), before);

    // Blank again: values sent are ignored, values held are still shown.
    define(&app, &Value::Null).await;
    let (status, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            json!({"userId": id, "data": {"customFields": {"customFieldText": ""}}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["user"]["customFields"],
        json!({"customFieldText": "mine", "team": "blue"})
    );
}
