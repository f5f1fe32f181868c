//! `users.register`: self-service sign-up with Rocket.Chat's checks, errors and shape.

use serde_json::{Value, json};

use crate::common::{TestApp, invalid_params};

const REGISTER: &str = "/api/v1/users.register";

fn plain(error: &str) -> Value {
    json!({"success": false, "error": error})
}

fn body(username: &str) -> Value {
    json!({"username": username, "email": format!("{username}@example.org"), "pass": "pw-12345", "name": "New One"})
}

#[tokio::test]
async fn a_sign_up_creates_an_active_user_who_can_log_in() {
    let app = TestApp::new().await;
    let (status, resp) = app.post(REGISTER, None, body("newbie")).await;
    assert_eq!(status, 200, "{resp}");
    let user = &resp["user"];
    assert_eq!(
        (
            &user["username"],
            &user["name"],
            &user["active"],
            &user["type"],
            &user["status"]
        ),
        (
            &json!("newbie"),
            &json!("New One"),
            &json!(true),
            &json!("user"),
            &json!("offline")
        )
    );
    assert!(
        user.get("emails").is_none() && user.get("roles").is_none(),
        "{resp}"
    );
    let session = app.login("newbie", "pw-12345").await;
    let (_, me) = app.get("/api/v1/me", Some(&session)).await;
    assert_eq!(me["roles"], json!(["user"]));
    assert_eq!(me["emails"][0]["verified"], json!(false));
}

#[tokio::test]
async fn refusals_follow_rocket_chats_order_and_change_nothing() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let before = app.snapshot();
    let with = |changes: Value| {
        let mut b = body("newbie");
        for (k, v) in changes.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let mut no_name = body("newbie");
    no_name.as_object_mut().unwrap().remove("name");
    let cases = [
        (
            with(json!({"name": "<b>x</b>"})),
            plain("Name contains invalid characters"),
        ),
        (
            with(json!({"username": "new one"})),
            plain("The username provided is not valid"),
        ),
        (
            with(json!({"username": "Admin"})),
            json!({"success": false, "error": "Admin is blocked and can't be used! [error-blocked-username]", "errorType": "error-blocked-username", "details": {"method": "checkUsernameAvailability", "field": "Admin"}}),
        ),
        (
            with(json!({"username": "ADA"})),
            plain("Username is already in use"),
        ),
        (
            with(json!({"email": "Ada@Example.org"})),
            plain("Email already exists"),
        ),
        (
            no_name,
            plain("Match error: Expected string, got undefined in field name"),
        ),
        (
            with(json!({"pass": " "})),
            json!({"success": false, "error": "The password provided does not meet the server's password policy. [error-password-policy-not-met]", "errorType": "error-password-policy-not-met"}),
        ),
        (
            with(json!({"email": "nope"})),
            json!({"success": false, "error": "Invalid email nope [error-invalid-email]", "errorType": "error-invalid-email", "details": {"function": "RocketChat.validateEmailDomain", "email": "nope"}}),
        ),
        (
            with(json!({"extra": 1})),
            invalid_params("must NOT have additional properties"),
        ),
        (
            json!({"username": "x", "email": "x@example.org"}),
            invalid_params("must have required property 'pass'"),
        ),
    ];
    for (body, expected) in cases {
        let got = app.post(REGISTER, None, body.clone()).await;
        assert_eq!(got, (400, expected), "{body}");
    }
    assert_eq!(app.snapshot(), before);
    // The headers of a logged-in caller are no refusal: Rocket.Chat 8.8.1's own test
    // helper signs users up with the admin's headers.
    let (status, answer) = app.post(REGISTER, Some(&app.admin), body("newbie")).await;
    assert_eq!(
        (status, &answer["user"]["username"]),
        (200, &json!("newbie")),
        "{answer}"
    );
}

#[tokio::test]
async fn sign_up_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let service = rocketlite::service::Service::new(
        rocketlite::store::Store::open(&dir.path().join("db.redb")).unwrap(),
        crate::common::test_clock(),
        Box::new(<rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7)),
    )
    .with_registration(false);
    let got = service.register_user(rocketlite::service::Registration {
        username: "newbie".into(),
        email: "newbie@example.org".into(),
        password: "pw".into(),
        name: Some("N".into()),
        custom_fields: None,
    });
    assert!(
        matches!(
            got,
            Err(rocketlite::service::ServiceError::RegistrationDisabled)
        ),
        "{got:?}"
    );
    let dump = service.store().dump().unwrap();
    assert!(
        !dump.iter().any(|row| row.contains("newbie")),
        "nothing stored"
    );
}
