//! login, logout, me and the 401 rules.

use serde_json::json;

use crate::common::{Session, TestApp, not_logged_in};

#[tokio::test]
async fn login_returns_a_token_and_the_user_without_its_hash() {
    let app = TestApp::new().await;
    let (status, body) = app
        .post(
            "/api/v1/login",
            None,
            json!({"user": "admin", "password": crate::common::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "success");
    assert_eq!(body["success"], true);
    let token = body["data"]["authToken"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let me = &body["data"]["me"];
    assert_eq!(me["_id"], body["data"]["userId"]);
    assert_eq!(me["username"], "admin");
    // Rocket.Chat's admin from ADMIN_* holds `admin` alone.
    assert_eq!(me["roles"], json!(["admin"]));
    assert!(!body.to_string().contains("argon2"));
}

#[tokio::test]
async fn login_accepts_email_and_the_username_and_email_fields() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    for body in [
        json!({"user": "ADA@example.org", "password": "ada-password"}),
        json!({"username": "Ada", "password": "ada-password"}),
        json!({"email": "ada@example.org", "password": "ada-password"}),
    ] {
        let (status, resp) = app.post("/api/v1/login", None, body.clone()).await;
        assert_eq!(status, 200, "{body} -> {resp}");
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let before = app.snapshot();
    let expected = json!({"success": false, "status": "error", "error": "Unauthorized", "message": "Unauthorized"});
    let wrong = app
        .post(
            "/api/v1/login",
            None,
            json!({"user": "ada", "password": "nope"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/login",
            None,
            json!({"user": "ghost", "password": "nope"}),
        )
        .await;
    assert_eq!(wrong, (401, expected.clone()));
    assert_eq!(unknown, (401, expected));
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = TestApp::new().await;
    let dump = app.snapshot().join("\n");
    assert!(!dump.contains(&app.admin.token));
    let hash = rocketlite::model::LoginToken::from_client(app.admin.token.clone()).hash();
    assert!(dump.contains(&hash.0));
}

#[tokio::test]
async fn every_unauthenticated_case_gets_the_contract_401() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let cases = [
        None,
        Some(Session {
            user_id: app.admin.user_id.clone(),
            token: String::new(),
        }),
        Some(Session {
            user_id: String::new(),
            token: app.admin.token.clone(),
        }),
        Some(Session {
            user_id: app.admin.user_id.clone(),
            token: "unknown-token".into(),
        }),
        // A real token, presented with another user's id.
        Some(Session {
            user_id: app.admin.user_id.clone(),
            token: ada.token.clone(),
        }),
    ];
    for session in cases {
        let got = app.get("/api/v1/me", session.as_ref()).await;
        assert_eq!(got, (401, not_logged_in()), "{session:?}");
    }
}

#[tokio::test]
async fn logout_revokes_only_the_token_used() {
    let app = TestApp::new().await;
    let second = app.login("admin", crate::common::ADMIN_PASSWORD).await;
    let (status, body) = app.post("/api/v1/logout", Some(&second), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "success");
    assert_eq!(body["data"]["message"], "You've been logged out!");
    assert_eq!(
        app.get("/api/v1/me", Some(&second)).await,
        (401, not_logged_in())
    );
    assert_eq!(app.get("/api/v1/me", Some(&app.admin)).await.0, 200);
}

#[tokio::test]
async fn me_describes_the_caller() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/v1/me", Some(&app.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], true);
    assert_eq!(body["_id"], app.admin.user_id.as_str());
    assert_eq!(body["username"], "admin");
    assert_eq!(body["name"], "Administrator");
    assert_eq!(body["active"], true);
    assert_eq!(
        body["emails"],
        json!([{"address": "admin@example.org", "verified": true}])
    );
    assert!(body.get("password_hash").is_none() && !body.to_string().contains("argon2"));
}

#[tokio::test]
async fn non_ascii_and_huge_auth_headers_are_just_unauthorized() {
    let app = TestApp::new().await;
    let huge = "x".repeat(10_000);
    let resp = app
        .client
        .get("/api/v1/me")
        .header("X-User-Id", huge.as_str())
        .header(
            "X-Auth-Token",
            poem::http::HeaderValue::from_bytes(b"t\xc3\xa9").unwrap(),
        )
        .send()
        .await;
    resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    resp.assert_json(not_logged_in()).await;
}
