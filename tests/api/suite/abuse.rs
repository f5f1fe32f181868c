//! Abuse limits: login brute force, panics, hostile headers.

use poem::EndpointExt;
use poem::endpoint::make_sync;
use poem::test::TestClient;
use rocketlite::api::ApiConfig;
use rocketlite::service::LoginLimits;
use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, TestApp};

fn blocked_for_user() -> Value {
    json!({"success": false, "status": "error", "error": "error-login-blocked-for-user", "message": "Login has been temporarily blocked For User"})
}

fn blocked_for_ip() -> Value {
    json!({"success": false, "status": "error", "error": "error-login-blocked-for-ip", "message": "Login has been temporarily blocked For IP"})
}

async fn login_from(app: &TestApp, user: &str, password: &str, ip: &str) -> (u16, Value) {
    // What the client wrote itself, then what the one trusted proxy appended.
    login_forwarded(app, user, password, &format!("198.18.0.1, {ip}")).await
}

/// An app behind `hops` proxies that append to `X-Forwarded-For` (0: the header is ignored).
async fn behind_proxies(limits: LoginLimits, hops: usize) -> TestApp {
    let config = ApiConfig {
        trusted_proxies: hops,
        ..ApiConfig::default()
    };
    TestApp::with_settings(limits, config).await
}

#[tokio::test]
async fn ten_failures_for_a_username_block_it_whatever_the_password() {
    let app = TestApp::with_settings(LoginLimits::default(), ApiConfig::default()).await;
    for _ in 0..10 {
        let (status, body) = app
            .post(
                "/api/v1/login",
                None,
                json!({"user": "admin", "password": "wrong"}),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("Unauthorized"))
        );
    }
    let right = app
        .post(
            "/api/v1/login",
            None,
            json!({"user": "ADMIN", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(right, (401, blocked_for_user()));
    // Another username is not affected.
    app.create_user("ada").await;
    assert_eq!(
        app.post(
            "/api/v1/login",
            None,
            json!({"user": "ada", "password": "ada-password"})
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn a_successful_login_resets_its_usernames_counter() {
    let limits = LoginLimits {
        max_failures_per_user: 3,
        ..LoginLimits::default()
    };
    let app = TestApp::with_settings(limits, ApiConfig::default()).await;
    for round in 0..3 {
        for _ in 0..2 {
            app.post(
                "/api/v1/login",
                None,
                json!({"user": "admin", "password": "wrong"}),
            )
            .await;
        }
        let ok = app
            .post(
                "/api/v1/login",
                None,
                json!({"user": "admin", "password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(ok.0, 200, "round {round}: {}", ok.1);
    }
}

#[tokio::test]
async fn failures_from_one_trusted_forwarded_address_block_that_address_only() {
    let limits = LoginLimits {
        max_failures_per_user: 100,
        max_failures_per_ip: 5,
        ..LoginLimits::default()
    };
    let app = behind_proxies(limits, 1).await;
    for i in 0..5 {
        let (status, _) = login_from(&app, &format!("nobody{i}"), "x", "203.0.113.7").await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.7").await,
        (401, blocked_for_ip())
    );
    assert_eq!(
        login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.8")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_trusted() {
    let limits = LoginLimits {
        max_failures_per_user: 100,
        max_failures_per_ip: 2,
        ..LoginLimits::default()
    };
    let app = behind_proxies(limits, 0).await;
    for (i, ip) in ["198.51.100.1", "198.51.100.2"].into_iter().enumerate() {
        login_from(&app, &format!("nobody{i}"), "x", ip).await;
    }
    // TestClient requests have no socket address, and the header is not believed: the
    // address counter never fills, only a trusted header would have split them.
    assert_eq!(
        login_from(&app, "admin", ADMIN_PASSWORD, "198.51.100.3")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_panicking_handler_becomes_a_500_envelope_and_serving_goes_on() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let ep = make_sync(move |_| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            panic!("boom");
        }
        "fine"
    });
    let client = TestClient::new(rocketlite::api::with_envelopes(ep).boxed());
    let resp = client.get("/").send().await;
    resp.assert_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR);
    resp.assert_header("cache-control", "no-store");
    resp.assert_json(json!({"success": false, "error": "Internal server error"}))
        .await;
    client.get("/").send().await.assert_status_is_ok();
}

/// Logs in with a raw `X-Forwarded-For` header.
async fn login_forwarded(app: &TestApp, user: &str, password: &str, xff: &str) -> (u16, Value) {
    let body = serde_json::to_vec(&json!({"user": user, "password": password})).unwrap();
    let resp = app
        .client
        .post("/api/v1/login")
        .header("X-Forwarded-For", xff)
        .body(body)
        .send()
        .await
        .0;
    let status = resp.status().as_u16();
    let body = resp.into_body().into_bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn a_client_cannot_escape_the_address_limit_by_writing_its_own_forwarded_entries() {
    let limits = LoginLimits {
        max_failures_per_user: 1000,
        max_failures_per_ip: 5,
        ..LoginLimits::default()
    };
    let app = behind_proxies(limits, 1).await;
    // 30 guesses, each with a different made-up left-most entry; the proxy appended the same
    // real address every time.
    let mut judged = 0;
    for i in 0..30 {
        let xff = format!("10.9.{i}.1, 203.0.113.9");
        let (status, body) = login_forwarded(&app, &format!("nobody{i}"), "x", &xff).await;
        assert_eq!(status, 401);
        judged += usize::from(body != blocked_for_ip());
    }
    assert_eq!(judged, 5, "only the first 5 of 30 guesses may be judged");
    assert_eq!(
        login_from(&app, "admin", ADMIN_PASSWORD, "203.0.113.9").await,
        (401, blocked_for_ip())
    );
    // Two trusted hops: the entry second from the right is the client.
    let app = behind_proxies(limits, 2).await;
    for i in 0..5 {
        let xff = format!("10.9.{i}.1, 203.0.113.10, 192.0.2.1");
        assert_eq!(login_forwarded(&app, "nobody", "x", &xff).await.0, 401);
    }
    assert_eq!(
        login_forwarded(
            &app,
            "admin",
            ADMIN_PASSWORD,
            "1.1.1.1, 203.0.113.10, 192.0.2.1"
        )
        .await,
        (401, blocked_for_ip())
    );
    assert_eq!(
        login_forwarded(&app, "admin", ADMIN_PASSWORD, "203.0.113.11, 192.0.2.1")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn failures_count_per_account_whatever_name_the_login_uses() {
    let app = TestApp::with_settings(LoginLimits::default(), ApiConfig::default()).await;
    // Five wrong guesses by username, five by email address: one account, one budget.
    for user in ["admin", "ADMIN", "admin", "admin", "admin"] {
        assert_eq!(
            app.post(
                "/api/v1/login",
                None,
                json!({"user": user, "password": "x"})
            )
            .await
            .0,
            401
        );
    }
    for _ in 0..5 {
        let (status, _) = app
            .post(
                "/api/v1/login",
                None,
                json!({"user": "admin@example.org", "password": "x"}),
            )
            .await;
        assert_eq!(status, 401);
    }
    let (status, body) = app
        .post(
            "/api/v1/login",
            None,
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!((status, body), (401, blocked_for_user()));
    let (status, body) = app
        .post(
            "/api/v1/login",
            None,
            json!({"email": "admin@example.org", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!((status, body), (401, blocked_for_user()));
}
