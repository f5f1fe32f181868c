//! HTML form bodies: every POST operation reads `application/x-www-form-urlencoded` with the
//! same validation and errors as JSON.

use serde_json::json;

use crate::common::{ADMIN_PASSWORD, TestApp, invalid_params};

const SET_ACTIVE: &str = "/api/v1/users.setActiveStatus";

#[tokio::test]
async fn a_form_login_gets_a_token_like_a_json_one() {
    let app = TestApp::new().await;
    let (status, body) = app
        .post_form(
            "/api/v1/login",
            None,
            &[("user", "admin"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["username"], "admin");
    let (status, _) = app
        .post_form(
            "/api/v1/login",
            None,
            &[("user", "admin"), ("password", "wrong")],
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn form_strings_are_coerced_and_refusals_match_json_and_change_nothing() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let before = app.snapshot();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "must have required property 'userId'"),
        (
            &[("userId", &ada)],
            "must have required property 'activeStatus'",
        ),
        (
            &[("userId", &ada), ("activeStatus", "no")],
            "must be boolean",
        ),
        (
            &[("userId", &ada), ("activeStatus", "false"), ("extra", "1")],
            "must NOT have additional properties",
        ),
        (
            &[
                ("userId", &ada),
                ("activeStatus", "false"),
                ("activeStatus", "1"),
            ],
            "must be boolean",
        ),
    ];
    for (pairs, message) in cases {
        let got = app.post_form(SET_ACTIVE, Some(&app.admin), pairs).await;
        assert_eq!(got, (400, invalid_params(message)), "{pairs:?}");
    }
    assert_eq!(app.snapshot(), before);

    let (status, body) = app
        .post_form(
            SET_ACTIVE,
            Some(&app.admin),
            &[("userId", &ada), ("activeStatus", "false")],
        )
        .await;
    assert_eq!(
        (status, &body["user"]["active"]),
        (200, &json!(false)),
        "{body}"
    );
}

#[tokio::test]
async fn forms_are_flat_so_arrays_cannot_be_sent_as_in_rocket_chat() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let before = app.snapshot();
    for pairs in [
        &[("name", "formed"), ("members", "ada")][..],
        &[("name", "formed"), ("members", "ada"), ("members", "bob")][..],
    ] {
        let got = app
            .post_form("/api/v1/channels.create", Some(&app.admin), pairs)
            .await;
        assert_eq!(got, (400, invalid_params("must be array")), "{pairs:?}");
    }
    // `members[]` is a key of its own, which channels.create ignores like any extra key.
    let (status, body) = app
        .post_form(
            "/api/v1/channels.create",
            Some(&app.admin),
            &[("name", "formed"), ("members[]", "ada")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["channel"]["usersCount"], 1, "{body}");
    assert_ne!(app.snapshot(), before);
}

#[tokio::test]
async fn a_form_content_type_with_parameters_is_still_a_form() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let body = format!("userId={ada}&activeStatus=false").into_bytes();
    let (status, resp) = app
        .send_raw(
            "POST",
            SET_ACTIVE,
            Some(&app.admin),
            Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
            body,
        )
        .await;
    assert_eq!(status, 200, "{resp}");
}
