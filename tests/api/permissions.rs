//! permissions.listAll, permissions.update and first-start seeding.

use serde_json::json;

use crate::common::{TestApp, forbidden};

#[tokio::test]
async fn list_all_shows_the_default_grants() {
    let app = TestApp::new().await;
    let (status, body) = app
        .get("/api/v1/permissions.listAll", Some(&app.admin))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["remove"], json!([]));
    let update = body["update"].as_array().unwrap();
    let roles_of = |id: &str| {
        update
            .iter()
            .find(|p| p["_id"] == id)
            .map(|p| p["roles"].clone())
            .unwrap()
    };
    assert_eq!(roles_of("edit-other-user-active-status"), json!(["admin"]));
    assert_eq!(roles_of("manage-moderation-actions"), json!(["admin"]));
    assert_eq!(roles_of("create-c"), json!(["admin", "user", "bot"]));
    assert_eq!(roles_of("set-owner"), json!(["admin", "owner"]));
    assert_eq!(
        roles_of("add-user-to-joined-room"),
        json!(["admin", "owner", "moderator"])
    );
    assert_eq!(
        roles_of("view-d-room"),
        json!(["admin", "user", "bot", "guest"])
    );
}

#[tokio::test]
async fn update_changes_grants_and_they_take_effect() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob = app.create_user("bob").await;
    assert_eq!(app.set_active(&ada, &bob, false, false).await.0, 403);
    let (status, body) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "manage-moderation-actions", "roles": ["admin", "user"]}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let updated = body["permissions"].as_array().unwrap();
    assert!(
        updated.contains(&json!({"_id": "manage-moderation-actions", "roles": ["admin", "user"]}))
    );
    assert_eq!(app.set_active(&ada, &bob, false, false).await.0, 200);
}

#[tokio::test]
async fn update_refuses_unknown_ids_roles_and_callers_without_permission() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let before = app.snapshot();
    let update = |id: &str, role: &str| {
        json!({"permissions": [
            {"_id": "create-c", "roles": ["admin"]},
            {"_id": id, "roles": [role]}
        ]})
    };
    let got = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            update("no-such-permission", "user"),
        )
        .await;
    assert_eq!(
        got,
        (
            400,
            json!({"success": false, "error": "Invalid permission", "errorType": "error-invalid-permission"})
        )
    );
    let got = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            update("create-p", "emperor"),
        )
        .await;
    assert_eq!(
        got,
        (
            400,
            json!({"success": false, "error": "Invalid role", "errorType": "error-invalid-role"})
        )
    );
    let got = app
        .post(
            "/api/v1/permissions.update",
            Some(&ada),
            update("create-p", "user"),
        )
        .await;
    assert_eq!(got, (403, forbidden()));
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn seeding_again_never_overwrites_an_operators_change() {
    let app = TestApp::new().await;
    app.post(
        "/api/v1/permissions.update",
        Some(&app.admin),
        json!({"permissions": [{"_id": "create-c", "roles": ["admin"]}]}),
    )
    .await;
    assert_eq!(app.service.seed_permissions().unwrap(), 0);
    let (_, body) = app
        .get("/api/v1/permissions.listAll", Some(&app.admin))
        .await;
    let create_c = body["update"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["_id"] == "create-c")
        .unwrap()
        .clone();
    assert_eq!(create_c["roles"], json!(["admin"]));
}
