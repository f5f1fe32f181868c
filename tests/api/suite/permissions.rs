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
    assert_eq!(
        roles_of("create-c"),
        json!(["admin", "user", "federated-external", "bot", "app"])
    );
    assert_eq!(roles_of("set-owner"), json!(["admin", "owner"]));
    assert_eq!(
        roles_of("add-user-to-joined-room"),
        json!(["admin", "owner", "moderator"])
    );
    assert_eq!(
        roles_of("view-d-room"),
        json!(["admin", "user", "federated-external", "bot", "app", "guest"])
    );
    // Every permission of Rocket.Chat's, also those guarding features rocketlite does not
    // serve, and one per setting and settings group (granted to nobody).
    assert_eq!(
        roles_of("view-l-room"),
        json!([
            "livechat-manager",
            "livechat-monitor",
            "livechat-agent",
            "admin"
        ])
    );
    assert_eq!(roles_of("create-team"), json!(["admin", "user"]));
    let base = update
        .iter()
        .filter(|p| !p["_id"].as_str().unwrap().starts_with("change-setting-"))
        .count();
    assert_eq!(base, rocketlite::model::PERMISSION_CATALOG.len());
    assert_eq!(base, 172 + 2, "Rocket.Chat's 172 and rocketlite's own 2");
    let setting = update
        .iter()
        .find(|p| p["_id"] == "change-setting-API_Enable_Rate_Limiter")
        .unwrap();
    assert_eq!(setting["roles"], json!([]));
    assert_eq!(setting["level"], "settings");
    assert_eq!(setting["settingId"], "API_Enable_Rate_Limiter");
    assert_eq!(setting["group"], "Rate Limiter");
    assert_eq!(setting["groupPermissionId"], "change-setting-Rate Limiter");
    for p in update {
        assert!(
            rocketlite::model::is_iso8601(p["_updatedAt"].as_str().unwrap()),
            "{p}"
        );
    }
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
    let changed = updated
        .iter()
        .find(|p| p["_id"] == "manage-moderation-actions")
        .unwrap();
    assert_eq!(changed["roles"], json!(["admin", "user"]));
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

#[tokio::test]
async fn an_update_that_would_leave_nobody_able_to_manage_permissions_is_refused() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    for roles in [json!([]), json!(["bot"]), json!(["owner", "guest"])] {
        let (status, body) = app
            .post(
                "/api/v1/permissions.update",
                Some(&app.admin),
                json!({"permissions": [{"_id": "access-permissions", "roles": roles}]}),
            )
            .await;
        assert_eq!(status, 400, "{roles}: {body}");
        assert_eq!(body["errorType"], "error-action-not-allowed", "{body}");
        assert_eq!(
            body["details"]["action"], "Remove_last_permission_manager",
            "{body}"
        );
        assert_eq!(app.snapshot(), before, "a refused update changed the store");
    }
    // Handing it to another role whose holder is active is fine, and so is keeping admin.
    app.create_user_with_roles("robo", &["bot"]).await;
    let (status, body) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "access-permissions", "roles": ["bot", "bot"]}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let updated = body["permissions"].as_array().unwrap();
    let changed = updated
        .iter()
        .find(|p| p["_id"] == "access-permissions")
        .unwrap();
    assert_eq!(
        changed["roles"],
        json!(["bot"]),
        "duplicate roles are stored once"
    );
}

#[tokio::test]
async fn restore_permissions_gives_access_permissions_back_to_admin() {
    // The lock-out the update guard cannot see: the only holder is deactivated later.
    let app = TestApp::new().await;
    let robo = app.create_user_with_roles("robo", &["bot"]).await;
    let (status, _) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "access-permissions", "roles": ["bot"]}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.set_active(&app.admin, &robo, false, false).await.0, 200);
    let (status, _) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "create-c", "roles": ["admin"]}]}),
        )
        .await;
    assert_eq!(status, 403, "nobody active can manage permissions now");
    assert!(app.service.restore_permission_manager().unwrap());
    assert!(
        !app.service.restore_permission_manager().unwrap(),
        "idempotent"
    );
    let (status, body) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "create-c", "roles": ["admin"]}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[test]
fn the_restore_permissions_command_works_on_a_stopped_servers_file() {
    let dir = tempfile::tempdir().unwrap();
    {
        let service = crate::common::service_over(
            rocketlite::store::Store::open(&dir.path().join("rocketlite.redb")).unwrap(),
        );
        drop(service);
    }
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_rocketlite"))
            .args(["restore-permissions", "--data-dir"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = run();
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already holds"),
        "{out:?}"
    );
}
