//! Personal access tokens: named login tokens that never expire, created, renewed, listed
//! and removed as Rocket.Chat 8.8.1 does, with its second factor by password.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use rand::SeedableRng;
use serde_json::{Value, json};
use sha2::Digest;

use crate::common::{Session, TestApp, forbidden, service_login, test_store};

async fn me_with(app: &TestApp, who: &Session, token: &str) -> u16 {
    let session = Session {
        user_id: who.user_id.clone(),
        token: token.to_string(),
    };
    app.get("/api/v1/me", Some(&session)).await.0
}

fn domain(reason: &str, code: &str, method: &str) -> Value {
    json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code,
           "details": {"method": format!("personalAccessTokens:{method}")}})
}

#[tokio::test]
async fn a_personal_access_token_logs_in_until_it_is_renewed_or_removed() {
    let app = TestApp::new().await;
    let admin = app.admin.clone();
    let (status, list) = app
        .get("/api/v1/users.getPersonalAccessTokens", Some(&admin))
        .await;
    assert_eq!(
        (status, list),
        (200, json!({"tokens": [], "success": true}))
    );

    let generate = json!({"tokenName": "deploy"});
    let (status, body) = app
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            Some(&admin),
            generate.clone(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43);
    assert_eq!(me_with(&app, &admin, &token).await, 200);
    let (_, list) = app
        .get("/api/v1/users.getPersonalAccessTokens", Some(&admin))
        .await;
    assert_eq!(list["tokens"][0]["name"], "deploy");
    assert_eq!(list["tokens"][0]["lastTokenPart"], &token[37..]);
    assert_eq!(list["tokens"][0]["bypassTwoFactor"], false);

    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            Some(&admin),
            generate.clone(),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            domain(
                "A token with this name already exists",
                "error-token-already-exists",
                "generateToken"
            )
        )
    );
    assert_eq!(app.snapshot(), before);

    // Other sessions end; the personal access token lives on.
    let (status, _) = app
        .post("/api/v1/users.logoutOtherClients", Some(&admin), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(me_with(&app, &admin, &token).await, 200);

    let (status, body) = app
        .post(
            "/api/v1/users.regeneratePersonalAccessToken",
            Some(&admin),
            generate.clone(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let renewed = body["token"].as_str().unwrap().to_string();
    assert_eq!(me_with(&app, &admin, &token).await, 401);
    assert_eq!(me_with(&app, &admin, &renewed).await, 200);

    let (status, body) = app
        .post(
            "/api/v1/users.removePersonalAccessToken",
            Some(&admin),
            generate.clone(),
        )
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(me_with(&app, &admin, &renewed).await, 401);
    let before = app.snapshot();
    for (route, method) in [
        ("users.removePersonalAccessToken", "removeToken"),
        ("users.regeneratePersonalAccessToken", "regenerateToken"),
    ] {
        let got = app
            .post(&format!("/api/v1/{route}"), Some(&admin), generate.clone())
            .await;
        assert_eq!(
            got,
            (
                400,
                domain(
                    "Token does not exist",
                    "error-token-does-not-exists",
                    method
                )
            )
        );
        assert_eq!(app.snapshot(), before);
    }
}

#[tokio::test]
async fn without_the_permission_nothing_is_created_and_deactivation_ends_tokens() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let (status, body) = app
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            Some(&kim),
            json!({"tokenName": "cli"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let (status, _) = app.set_active(&app.admin, &kim.user_id, false, true).await;
    assert_eq!(status, 200);
    assert_eq!(
        me_with(&app, &kim, &token).await,
        401,
        "an inactive user never authenticates"
    );

    let lee = app.user_session("lee").await;
    let (status, _) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "create-personal-access-tokens", "roles": ["admin"]}]}),
        )
        .await;
    assert_eq!(status, 200);
    let before = app.snapshot();
    for (route, method) in [
        ("users.generatePersonalAccessToken", "generateToken"),
        ("users.regeneratePersonalAccessToken", "regenerateToken"),
        ("users.removePersonalAccessToken", "removeToken"),
    ] {
        let got = app
            .post(
                &format!("/api/v1/{route}"),
                Some(&lee),
                json!({"tokenName": "cli"}),
            )
            .await;
        assert_eq!(
            got,
            (400, domain("Not Authorized", "not-authorized", method)),
            "{route}"
        );
        assert_eq!(app.snapshot(), before);
    }
    let got = app
        .get("/api/v1/users.getPersonalAccessTokens", Some(&lee))
        .await;
    assert_eq!(got, (403, forbidden()));
}

/// An account older than half an hour with a password must send its digest as the second
/// factor, unless the setting turns second factors off.
#[test]
fn an_older_account_needs_its_password_as_second_factor() {
    use rocketlite::service::{ServiceError, TokenChange};
    let now = Arc::new(AtomicI64::new(1_764_000_000_000));
    let clock = {
        let now = now.clone();
        Arc::new(move || now.fetch_add(1, Ordering::SeqCst))
    };
    let service = rocketlite::service::Service::new(
        test_store(),
        clock,
        Box::new(rand::rngs::StdRng::seed_from_u64(9)),
    );
    service.seed_permissions().unwrap();
    service
        .bootstrap_admin(&rocketlite::service::AdminSeed {
            username: "admin".into(),
            password: Some("admin-password-1".into()),
            email: None,
            name: "Admin".into(),
        })
        .unwrap();
    now.fetch_add(31 * 60 * 1000, Ordering::SeqCst);
    let caller = service_login(&service, "admin", "admin-password-1");
    let change = |code: Option<&str>| {
        service.change_personal_access_token(&caller, TokenChange::Generate, "ci", false, code)
    };
    assert!(matches!(
        change(None),
        Err(ServiceError::PasswordConfirmationRequired)
    ));
    let wrong: String = sha2::Sha256::digest(b"guess")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(matches!(
        change(Some(&wrong)),
        Err(ServiceError::PasswordConfirmationInvalid)
    ));
    let right: String = sha2::Sha256::digest(b"admin-password-1")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(matches!(change(Some(&right.to_uppercase())), Ok(Some(_))));
    service
        .overwrite_settings(&[(
            "Accounts_TwoFactorAuthentication_Enabled".into(),
            "false".into(),
        )])
        .unwrap();
    let renew =
        service.change_personal_access_token(&caller, TokenChange::Regenerate, "ci", false, None);
    assert!(matches!(renew, Ok(Some(_))));
}

#[tokio::test]
async fn token_names_and_counts_are_bounded_and_ended_tokens_do_not_pile_up() {
    let app = TestApp::new().await;
    let admin = app.admin.clone();
    let generate = |name: String| {
        let admin = admin.clone();
        let app = &app;
        async move {
            app.post(
                "/api/v1/users.generatePersonalAccessToken",
                Some(&admin),
                json!({ "tokenName": name }),
            )
            .await
        }
    };
    let before = app.snapshot();
    let got = generate("n".repeat(121)).await;
    assert_eq!(
        got,
        (
            400,
            crate::common::invalid_params("/tokenName must NOT have more than 120 characters")
        )
    );
    assert_eq!(app.snapshot(), before);

    for i in 0..100 {
        let (status, body) = generate(format!("t{i}")).await;
        assert_eq!(status, 200, "{i}: {body}");
    }
    let before = app.snapshot();
    let got = generate("one-too-many".into()).await;
    assert_eq!(
        got,
        (
            400,
            domain(
                "A user holds at most 100 personal access tokens",
                "error-too-many-tokens",
                "generateToken"
            )
        )
    );
    assert_eq!(app.snapshot(), before);

    // An administrator's logout of the user ends all of them; the next token sweeps their
    // records away instead of keeping 100 dead ones.
    let pat_rows = |app: &TestApp| {
        app.snapshot()
            .iter()
            .filter(|row| row.contains("userid_name_pat") || row.contains("personal_access_tokens"))
            .count()
    };
    assert_eq!(pat_rows(&app), 100);
    let (status, body) = app
        .post(
            "/api/v1/users.logout",
            Some(&admin),
            json!({ "userId": admin.user_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let admin = app.login("admin", "admin-password").await;
    let (status, body) = app
        .post(
            "/api/v1/users.generatePersonalAccessToken",
            Some(&admin),
            json!({ "tokenName": "fresh" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(pat_rows(&app), 1);
}
