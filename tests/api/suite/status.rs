//! `users.createToken`, `users.setStatus`, `users.getPresence`, and the profile fields of
//! `users.update`.

use serde_json::{Value, json};

use crate::common::{Session, TestApp, not_logged_in};

const SECRET: &str = "token-secret";

fn domain(reason: &str, code: &str) -> Value {
    json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code})
}

fn invalid(message: &str) -> Value {
    json!({"success": false, "error": format!("{message} [invalid-params]"), "errorType": "invalid-params"})
}

async fn info(app: &TestApp, user_id: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/users.info?userId={user_id}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["user"].clone()
}

#[tokio::test]
async fn create_token_needs_the_secret_and_the_permission_and_an_active_user() {
    let app = TestApp::with_token_secret(SECRET).await;
    let ada = app.user_session("ada").await;
    let bob_id = app.create_user("bob").await;
    let carl_id = app.create_user("carl").await;
    app.set_active(&app.admin, &carl_id, false, false).await;
    let before = app.snapshot();
    let not_authorized = json!({"success": false, "error": "Not authorized [error-not-authorized]", "errorType": "error-not-authorized"});
    let refusals = [
        (
            &ada,
            json!({"userId": ada.user_id, "secret": "wrong"}),
            not_authorized.clone(),
        ),
        // Another user's token needs user-generate-access-token, which only admins hold.
        (
            &ada,
            json!({"userId": bob_id, "secret": SECRET}),
            not_authorized.clone(),
        ),
        (
            &app.admin,
            json!({"userId": carl_id, "secret": SECRET}),
            domain("User is not activated", "error-user-is-not-activated"),
        ),
        (
            &app.admin,
            json!({"userId": "nobody", "secret": SECRET}),
            domain(
                r#"The required "userId" or "username" param provided does not match any users"#,
                "error-invalid-user",
            ),
        ),
        (
            &app.admin,
            json!({"userId": "  ", "secret": SECRET}),
            domain(
                r#"The required "userId" or "username" param was not provided"#,
                "error-user-param-not-provided",
            ),
        ),
        (
            &app.admin,
            json!({"userId": bob_id}),
            invalid("must have required property 'secret'"),
        ),
        (
            &app.admin,
            json!({"userId": bob_id, "secret": ""}),
            invalid("must NOT have fewer than 1 characters"),
        ),
        (
            &app.admin,
            json!({"username": "bob", "secret": SECRET}),
            invalid("must have required property 'userId'"),
        ),
    ];
    for (who, body, expected) in refusals {
        let got = app
            .post("/api/v1/users.createToken", Some(who), body.clone())
            .await;
        assert_eq!(got, (400, expected), "{body}");
    }
    assert_eq!(app.snapshot(), before);

    for (who, target) in [(&ada, ada.user_id.clone()), (&app.admin, bob_id.clone())] {
        let (status, body) = app
            .post(
                "/api/v1/users.createToken",
                Some(who),
                json!({"userId": target, "secret": SECRET}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["userId"], json!(target));
        let minted = Session {
            user_id: target.clone(),
            token: body["data"]["authToken"].as_str().unwrap().into(),
        };
        let (status, me) = app.get("/api/v1/me", Some(&minted)).await;
        assert_eq!((status, &me["_id"]), (200, &json!(target)));
    }
}

#[tokio::test]
async fn create_token_refuses_everything_without_a_configured_secret() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.createToken",
            Some(&app.admin),
            json!({"userId": app.admin.user_id, "secret": "anything"}),
        )
        .await;
    assert_eq!(got, (400, domain("Not authorized", "error-not-authorized")));
    assert_eq!(
        app.post(
            "/api/v1/users.createToken",
            None,
            json!({"userId": "x", "secret": "y"})
        )
        .await,
        (401, not_logged_in())
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn set_status_stores_the_status_message_and_refuses_like_rocket_chat() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob_id = app.create_user("bob").await;
    let before = app.snapshot();
    let match_error = json!({"success": false, "error": "Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation"});
    let refusals = [
        (&ada, json!({}), 400, match_error.clone()),
        (&ada, json!({"userId": ada.user_id}), 400, match_error),
        (
            &ada,
            json!({"status": "invisible"}),
            400,
            json!({
                "success": false,
                "error": "Valid status types include online, away, offline, and busy. [error-invalid-status]",
                "errorType": "error-invalid-status",
                "details": {"method": "users.setStatus"}
            }),
        ),
        (
            &ada,
            json!({"status": "busy", "note": 1}),
            400,
            invalid("must NOT have additional properties"),
        ),
        // Another user needs edit-other-user-info; refused before the lookup.
        (
            &ada,
            json!({"username": "bob", "status": "away"}),
            403,
            json!({"success": false, "error": "unauthorized"}),
        ),
        (
            &ada,
            json!({"username": "nobody", "status": "away"}),
            403,
            json!({"success": false, "error": "unauthorized"}),
        ),
        (
            &app.admin,
            json!({"username": "nobody", "status": "away"}),
            400,
            domain(
                r#"The required "userId" or "username" param provided does not match any users"#,
                "error-invalid-user",
            ),
        ),
        (
            &ada,
            json!({"status": "away", "expiresAt": "soon"}),
            400,
            json!({"success": false, "error": "Invalid expiresAt date string [error-invalid-date]", "errorType": "error-invalid-date", "details": {"method": "users.setStatus"}}),
        ),
        (
            &ada,
            json!({"status": "away", "expiresAt": "2001-01-01T00:00:00Z"}),
            400,
            json!({"success": false, "error": "expiresAt must be a future date [error-invalid-date]", "errorType": "error-invalid-date", "details": {"method": "users.setStatus"}}),
        ),
    ];
    for (who, body, status, expected) in refusals {
        let got = app
            .post("/api/v1/users.setStatus", Some(who), body.clone())
            .await;
        assert_eq!(got, (status, expected), "{body}");
    }
    assert_eq!(app.snapshot(), before);

    let long = format!("  {}  ", "x".repeat(200));
    let ok = app
        .post(
            "/api/v1/users.setStatus",
            Some(&ada),
            json!({"status": "busy", "message": long, "expiresAt": "2100-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(ok, (200, json!({"success": true})));
    assert_eq!(
        info(&app, &ada.user_id).await["statusText"],
        "x".repeat(120)
    );

    // A message-only change keeps the chosen status; `online` without a message clears it.
    let ok = app
        .post(
            "/api/v1/users.setStatus",
            Some(&ada),
            json!({"message": "lunch"}),
        )
        .await;
    assert_eq!(ok.0, 200);
    assert_eq!(info(&app, &ada.user_id).await["statusText"], "lunch");
    let ok = app
        .post(
            "/api/v1/users.setStatus",
            Some(&ada),
            json!({"status": "online"}),
        )
        .await;
    assert_eq!(ok.0, 200);
    assert!(info(&app, &ada.user_id).await.get("statusText").is_none());

    // An admin sets another user's.
    let ok = app
        .post(
            "/api/v1/users.setStatus",
            Some(&app.admin),
            json!({"userId": bob_id, "status": "away", "message": "on leave"}),
        )
        .await;
    assert_eq!(ok.0, 200);
    assert_eq!(info(&app, &bob_id).await["statusText"], "on leave");
}

#[tokio::test]
async fn get_presence_answers_the_caller_in_full_and_others_in_short() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob_id = app.create_user("bob").await;
    let (status, own) = app.get("/api/v1/users.getPresence", Some(&ada)).await;
    assert_eq!(status, 200);
    assert_eq!(own["presence"], "offline");
    assert_eq!(own["connectionStatus"], "offline");
    assert!(own["lastLogin"].as_str().is_some_and(|t| t.ends_with('Z')));
    let (_, named) = app
        .get("/api/v1/users.getPresence?username=ada", Some(&ada))
        .await;
    assert_eq!(named, own);
    let got = app
        .get(
            &format!("/api/v1/users.getPresence?userId={bob_id}"),
            Some(&ada),
        )
        .await;
    assert_eq!(got, (200, json!({"presence": "offline", "success": true})));
    assert_eq!(
        app.get("/api/v1/users.getPresence?user=nobody", Some(&ada))
            .await,
        (
            400,
            domain(
                r#"The required "userId" or "username" param provided does not match any users"#,
                "error-invalid-user"
            )
        )
    );
    assert_eq!(
        app.get("/api/v1/users.getPresence?name=ada", Some(&ada))
            .await,
        (400, invalid("must NOT have additional properties"))
    );
    assert_eq!(
        app.get("/api/v1/users.getPresence", None).await,
        (401, not_logged_in())
    );
}

#[tokio::test]
async fn users_update_stores_bio_nickname_and_status_text_within_rocket_chats_limits() {
    let app = TestApp::new().await;
    let ada_id = app.create_user("ada").await;
    let update = |data: Value| json!({"userId": ada_id, "data": data});
    let (status, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"bio": "  Countess  ", "nickname": "Ada", "statusText": " thinking "})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["bio"], "Countess");
    assert_eq!(body["user"]["nickname"], "Ada");
    assert_eq!(body["user"]["statusText"], "thinking");
    // Fields not sent stay as they were (Rocket.Chat would drop bio and nickname).
    let (_, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"name": "Ada L"})),
        )
        .await;
    assert_eq!(body["user"]["bio"], "Countess");
    let (_, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"bio": " "})),
        )
        .await;
    assert!(body["user"].get("bio").is_none());

    let before = app.snapshot();
    let refusals = [
        (
            json!({"bio": "b".repeat(261)}),
            json!({"success": false, "error": "Bio size exceeds 260 characters [error-bio-size-exceeded]", "errorType": "error-bio-size-exceeded", "details": {"method": "saveUserProfile"}}),
        ),
        (
            json!({"nickname": "n".repeat(121)}),
            json!({"success": false, "error": "Nickname size exceeds 120 characters [error-nickname-size-exceeded]", "errorType": "error-nickname-size-exceeded", "details": {"method": "saveUserProfile"}}),
        ),
        (
            json!({"roles": ["user", "emperor"]}),
            json!({"success": false, "error": "The field Roles consist invalid role id [error-action-not-allowed]", "errorType": "error-action-not-allowed", "details": {"method": "insertOrUpdateUser", "action": "Assign_role"}}),
        ),
    ];
    for (data, expected) in refusals {
        let got = app
            .post(
                "/api/v1/users.update",
                Some(&app.admin),
                update(data.clone()),
            )
            .await;
        assert_eq!(got, (400, expected), "{data}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn making_an_admin_through_users_update_needs_assign_admin_role() {
    let app = TestApp::new().await;
    let ada_id = app.create_user("ada").await;
    let bob = app.user_session("bob").await;
    // bob may edit users and assign roles, but not the admin role.
    for permission in ["edit-other-user-info", "assign-roles"] {
        let (status, _) = app
            .post(
                "/api/v1/permissions.update",
                Some(&app.admin),
                json!({"permissions": [{"_id": permission, "roles": ["admin", "user"]}]}),
            )
            .await;
        assert_eq!(status, 200);
    }
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.update",
            Some(&bob),
            json!({"userId": ada_id, "data": {"roles": ["user", "admin"]}}),
        )
        .await;
    assert_eq!(
        got,
        (
            400,
            json!({"success": false, "error": "Assigning admin is not allowed [error-action-not-allowed]", "errorType": "error-action-not-allowed", "details": {"method": "insertOrUpdateUser", "action": "Assign_admin"}})
        )
    );
    assert_eq!(app.snapshot(), before);
    let (status, _) = app
        .post(
            "/api/v1/users.update",
            Some(&bob),
            json!({"userId": ada_id, "data": {"roles": ["user", "bot"]}}),
        )
        .await;
    assert_eq!(status, 200);
}
