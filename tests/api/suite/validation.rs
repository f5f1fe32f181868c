//! Request validation, envelopes and headers common to every endpoint.

use serde_json::json;

use crate::common::{TestApp, invalid_params, not_logged_in};

const SET_ACTIVE: &str = "/api/v1/users.setActiveStatus";

#[tokio::test]
async fn body_failures_follow_ajv_order_and_change_nothing() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let before = app.snapshot();
    let cases = [
        (json!([1]), "must be object"),
        (json!({}), "must have required property 'userId'"),
        (
            json!({"userId": ada}),
            "must have required property 'activeStatus'",
        ),
        (
            json!({"activeStatus": false}),
            "must have required property 'userId'",
        ),
        (
            json!({"userId": ada, "activeStatus": false, "extra": 1}),
            "must NOT have additional properties",
        ),
        (
            json!({"userId": ada, "activeStatus": "no"}),
            "must be boolean",
        ),
        (
            json!({"userId": ada, "activeStatus": null}),
            "must be boolean",
        ),
        (
            json!({"userId": {}, "activeStatus": false}),
            "must be string",
        ),
        (
            json!({"userId": ada, "activeStatus": false, "confirmRelinquish": "yes"}),
            "must be boolean",
        ),
    ];
    for (body, message) in cases {
        let got = app.post(SET_ACTIVE, Some(&app.admin), body.clone()).await;
        assert_eq!(got, (400, invalid_params(message)), "{body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn booleans_and_strings_are_coerced_like_rocket_chat() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let (status, body) = app
        .post(
            SET_ACTIVE,
            Some(&app.admin),
            json!({"userId": ada, "activeStatus": "false"}),
        )
        .await;
    assert_eq!((status, &body["user"]["active"]), (200, &json!(false)));
    let (status, body) = app
        .post(
            SET_ACTIVE,
            Some(&app.admin),
            json!({"userId": ada, "activeStatus": 1}),
        )
        .await;
    assert_eq!((status, &body["user"]["active"]), (200, &json!(true)));
}

#[tokio::test]
async fn malformed_json_is_invalid_params() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let (status, body) = app
        .send_raw(
            "POST",
            SET_ACTIVE,
            Some(&app.admin),
            Some("application/json"),
            b"{\"userId\":".to_vec(),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errorType"], "invalid-params");
    assert!(
        body["error"].as_str().unwrap().contains("malformed JSON"),
        "{body}"
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn missing_or_foreign_content_type_is_read_as_json() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let body = format!(r#"{{"userId":"{ada}","activeStatus":false}}"#).into_bytes();
    for content_type in [None, Some("text/plain"), Some("application/octet-stream")] {
        let (status, resp) = app
            .send_raw(
                "POST",
                SET_ACTIVE,
                Some(&app.admin),
                content_type,
                body.clone(),
            )
            .await;
        assert_eq!(status, 200, "{content_type:?}: {resp}");
    }
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413_and_the_server_keeps_serving() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let big = format!(
        r#"{{"userId":"{}","activeStatus":false}}"#,
        "x".repeat(1024 * 1024)
    );
    let (status, body) = app
        .send_raw(
            "POST",
            SET_ACTIVE,
            Some(&app.admin),
            Some("application/json"),
            big.into_bytes(),
        )
        .await;
    assert_eq!(status, 413);
    assert_eq!(body["success"], false);
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.get("/api/v1/me", Some(&app.admin)).await.0, 200);
}

#[tokio::test]
async fn authentication_is_checked_before_validation_and_validation_before_permission() {
    let app = TestApp::new().await;
    let bob = app.user_session("bob").await;
    assert_eq!(
        app.post(SET_ACTIVE, None, json!({})).await,
        (401, not_logged_in())
    );
    assert_eq!(
        app.post(SET_ACTIVE, Some(&bob), json!({})).await,
        (400, invalid_params("must have required property 'userId'"))
    );
}

#[tokio::test]
async fn unknown_paths_get_the_404_envelope() {
    let app = TestApp::new().await;
    for (method, path) in [
        ("GET", "/api/v1/nope"),
        ("POST", "/nope"),
        ("GET", "/api/v1/users.setActiveStatus"),
    ] {
        let got = app.send_raw(method, path, None, None, vec![]).await;
        assert_eq!(
            got,
            (
                404,
                json!({"success": false, "error": "Resource not found"})
            ),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn every_response_is_json_and_not_cacheable() {
    let app = TestApp::new().await;
    for path in ["/api/info", "/api/v1/me", "/nope"] {
        let resp = app.client.get(path).send().await;
        resp.assert_header("cache-control", "no-store");
        let content_type = resp
            .0
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
    }
}

#[tokio::test]
async fn bad_query_parameters_are_invalid_params() {
    let app = TestApp::new().await;
    let (status, body) = app
        .get("/api/v1/users.list?count=abc", Some(&app.admin))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errorType"], "invalid-params");
    let got = app.get("/api/v1/users.info", Some(&app.admin)).await;
    let each = [
        "userId",
        "username",
        "importId",
        "email",
        "freeSwitchExtension",
    ]
    .map(|k| format!("must have required property '{k}'\n "));
    let message = format!("{}must match a schema in anyOf", each.concat());
    assert_eq!(got, (400, invalid_params(&message)));
}

#[tokio::test]
async fn info_needs_no_authentication() {
    let app = TestApp::new().await;
    let anonymous = json!({
        "version": "8.8",
        "minimumClientVersions": {"desktop": "3.9.6", "mobile": "4.39.0"},
        "cloudWorkspaceId": "",
        "success": true
    });
    assert_eq!(app.get("/api/info", None).await, (200, anonymous.clone()));
    // Bad headers are no error here, and a user without view-statistics sees the same.
    let bogus = crate::common::Session {
        user_id: "nobody".into(),
        token: "nothing".into(),
    };
    assert_eq!(
        app.get("/api/info", Some(&bogus)).await,
        (200, anonymous.clone())
    );
    let ada = app.user_session("ada").await;
    assert_eq!(app.get("/api/info", Some(&ada)).await, (200, anonymous));

    let (status, body) = app.get("/api/info", Some(&app.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(body["version"], rocketlite::RC_API_VERSION);
    assert_eq!(body["info"]["version"], rocketlite::RC_API_VERSION);
    assert!(
        body["info"]["build"]["cpus"].as_u64().unwrap() >= 1,
        "{body}"
    );
    assert!(
        body["info"]["build"]["totalMemory"].as_u64().unwrap() > 0,
        "{body}"
    );
}

#[tokio::test]
async fn licenses_info_answers_as_a_community_edition_without_a_licence() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let prevented = json!({"activeUsers": false, "guestUsers": false, "roomsPerGuest": false, "privateApps": false, "marketplaceApps": false, "monthlyActiveContacts": false});
    let licence = |limits: serde_json::Value| json!({"license": {"activeModules": [], "externalModules": [], "preventedActions": prevented, "limits": limits, "tags": [], "trial": false, "hasValidLicense": false}, "success": true});
    let limits = json!({"activeUsers": {"max": -1}, "guestUsers": {"max": -1}, "privateApps": {"max": 3}, "marketplaceApps": {"max": 5}, "monthlyActiveContacts": {"max": -1}});
    let got = app.get("/api/v1/licenses.info", Some(&app.admin)).await;
    assert_eq!(got, (200, licence(limits)));
    let got = app.get("/api/v1/licenses.info", Some(&ada)).await;
    assert_eq!(got, (200, licence(json!({}))));
    let (status, body) = app
        .get("/api/v1/licenses.info?loadValues=true", Some(&app.admin))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["license"]["limits"]["activeUsers"],
        json!({"value": 2, "max": -1})
    );
    assert_eq!(
        body["license"]["limits"]["privateApps"],
        json!({"value": 0, "max": 3})
    );
    app.set_active(&app.admin, &ada.user_id, false, false).await;
    let (_, body) = app
        .get("/api/v1/licenses.info?loadValues=true", Some(&app.admin))
        .await;
    assert_eq!(
        body["license"]["limits"]["activeUsers"]["value"], 1,
        "{body}"
    );

    assert_eq!(
        app.get("/api/v1/licenses.info", None).await,
        (401, not_logged_in())
    );
    for q in ["loadValues=maybe", "other=1"] {
        let (status, body) = app
            .get(&format!("/api/v1/licenses.info?{q}"), Some(&app.admin))
            .await;
        assert_eq!(
            (status, &body["errorType"]),
            (400, &json!("invalid-params")),
            "{q}"
        );
    }
}

/// Cases the 8.8.1 validators corpus (`tests/e2e/validators`) found answered unlike
/// Rocket.Chat: each is refused with ajv's message and changes nothing.
#[tokio::test]
async fn routes_refuse_what_their_own_8_8_1_validator_refuses() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let rid = app.create_room("c", "hall", &ada, &[]).await;
    let one_of = "must match exactly one schema in oneOf";
    let posts = [
        (
            "/api/v1/rooms.join",
            json!({}),
            format!(
                "must have required property 'roomId'\n must have required property 'roomName'\n {one_of}"
            ),
        ),
        (
            "/api/v1/rooms.join",
            json!({"roomId": rid, "roomName": "hall"}),
            format!(
                "must NOT have additional properties\n must NOT have additional properties\n {one_of}"
            ),
        ),
        (
            "/api/v1/rooms.join",
            json!({"roomId": ""}),
            format!(
                "must NOT have fewer than 1 characters\n must have required property 'roomName'\n {one_of}"
            ),
        ),
        (
            "/api/v1/rooms.saveRoomSettings",
            json!({"rid": rid, "favorite": true}),
            "must be object".to_string(),
        ),
        // Rocket.Chat's own users suite sends these two.
        (
            "/api/v1/users.update",
            json!({"userId": "", "data": {}}),
            "must NOT have fewer than 1 characters".to_string(),
        ),
        (
            "/api/v1/users.update",
            json!({"userId": ada.user_id, "data": {"joinDefaultChannels": true}}),
            "must NOT have additional properties".to_string(),
        ),
        (
            "/api/v1/rooms.saveRoomSettings",
            json!({"rid": rid, "favorite": {"favorite": true}}),
            "must have required property 'defaultValue'".to_string(),
        ),
    ];
    let before = app.snapshot();
    for (path, body, message) in posts {
        let got = app.post(path, Some(&app.admin), body.clone()).await;
        assert_eq!(got, (400, invalid_params(&message)), "{path} {body}");
    }
    let gets = [
        // Compiled with the plain `ajv`: an array is no string (no `coerceTypes: 'array'`).
        (
            format!("/api/v1/rooms.adminRooms.getRoom?rid[]={rid}"),
            "must be string",
        ),
        (
            format!("/api/v1/channels.online?_id[]={rid}"),
            "must be string",
        ),
        (
            "/api/v1/users.checkUsernameAvailability?username[]=free".to_string(),
            "must be string",
        ),
        (
            format!("/api/v1/rooms.membersOrderedByRole?roomId={rid}&count=1.5"),
            "must be integer",
        ),
        (
            "/api/v1/settings.public?query=%7B%7D".to_string(),
            "the parameter 'query' is not supported",
        ),
    ];
    for (path, message) in gets {
        let (status, body) = app.get(&path, Some(&app.admin)).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"].as_str().unwrap().starts_with(message),
            "{path}: {body}"
        );
    }
    assert_eq!(app.snapshot(), before);
    // `customFields: null` is "not sent", as 8.8.1's nullable schema has it.
    let (status, body) = app
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            Some(&ada),
            json!({"data": {"nickname": "Ada"}, "customFields": null}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}
