//! `roles.*`: the default roles, and granting and revoking them without ever losing the last
//! active admin or a room's last owner.

use serde_json::{Value, json};

use crate::common::{TestApp, forbidden, not_logged_in};

fn domain(reason: &str, code: &str) -> Value {
    let error = match reason {
        "" => format!("[{code}]"),
        r => format!("{r} [{code}]"),
    };
    json!({"success": false, "error": error, "errorType": code})
}

/// A user's global roles, as users.info shows them.
async fn roles_of(app: &TestApp, user_id: &str) -> Value {
    let (_, body) = app
        .get(
            &format!("/api/v1/users.info?userId={user_id}"),
            Some(&app.admin),
        )
        .await;
    body["user"]["roles"].clone()
}

/// A member's room roles, as channels.roles shows them.
async fn room_roles(app: &TestApp, room: &str, username: &str) -> Value {
    let (_, body) = app
        .get(
            &format!("/api/v1/channels.roles?roomId={room}"),
            Some(&app.admin),
        )
        .await;
    body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["u"]["username"] == username)
        .map(|r| r["roles"].clone())
        .unwrap_or(json!([]))
}

#[tokio::test]
async fn roles_list_shows_the_twelve_default_roles_in_rocket_chats_order() {
    let app = TestApp::new().await;
    let (status, body) = app.get("/api/v1/roles.list", Some(&app.admin)).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "admin",
            "moderator",
            "leader",
            "owner",
            "user",
            "federated-external",
            "bot",
            "app",
            "guest",
            "anonymous",
            "livechat-agent",
            "livechat-manager"
        ]
    );
    assert_eq!(
        body["roles"][0],
        json!({"_id": "admin", "name": "admin", "scope": "Users", "description": "Admin", "protected": true, "mandatory2fa": false})
    );
    assert_eq!(body["roles"][3]["scope"], "Subscriptions");
    assert_eq!(
        app.get("/api/v1/roles.list", None).await,
        (401, not_logged_in())
    );
}

#[tokio::test]
async fn roles_sync_lists_what_changed_after_a_date_and_refuses_a_bad_one() {
    let app = TestApp::new().await;
    let (status, all) = app.get("/api/v1/roles.sync", Some(&app.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(all["roles"]["update"].as_array().unwrap().len(), 12);
    assert_eq!(all["roles"]["remove"], json!([]));
    assert!(all["roles"]["update"][0]["_updatedAt"].is_string());

    let (_, later) = app
        .get(
            "/api/v1/roles.sync?updatedSince=2100-01-01T00:00:00.000Z",
            Some(&app.admin),
        )
        .await;
    assert_eq!(later["roles"]["update"], json!([]));

    // A description change moves that role (only) past the earlier cut.
    let cut = all["roles"]["update"][0]["_updatedAt"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = app
        .post(
            "/api/v1/roles.update",
            Some(&app.admin),
            json!({"roleId": "user", "name": "user", "description": "Everyone"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, since) = app
        .get(
            &format!("/api/v1/roles.sync?updatedSince={cut}"),
            Some(&app.admin),
        )
        .await;
    let changed: Vec<&Value> = since["roles"]["update"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["_id"], "user");
    assert_eq!(changed[0]["description"], "Everyone");

    assert_eq!(
        app.get(
            "/api/v1/roles.sync?updatedSince=yesterday",
            Some(&app.admin)
        )
        .await,
        (
            400,
            domain(
                "updatedSince must be a valid date string",
                "error-invalid-param"
            )
        )
    );
    let (status, body) = app
        .get("/api/v1/roles.sync?since=2020-01-01", Some(&app.admin))
        .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("invalid-params"))
    );
}

#[tokio::test]
async fn roles_create_is_not_served_as_in_the_community_edition() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/roles.create",
            Some(&app.admin),
            json!({"name": "auditor"}),
        )
        .await;
    assert_eq!(got, (404, json!("404 Not Found")));
    assert_eq!(
        app.post("/api/v1/roles.create", None, json!({"name": "auditor"}))
            .await,
        (401, not_logged_in())
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn roles_update_changes_a_description_but_never_a_name_or_scope() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let refusals = [
        (
            json!({"roleId": "admin", "name": "boss"}),
            domain("Role is protected", "error-role-protected"),
        ),
        // No scope means `Users`, which the room role `owner` is not.
        (
            json!({"roleId": "owner", "name": "owner"}),
            domain("Role is protected", "error-role-protected"),
        ),
        (
            json!({"roleId": "auditor", "name": "auditor"}),
            domain("This is an enterprise feature", "error-action-not-allowed"),
        ),
    ];
    for (body, expected) in refusals {
        let got = app
            .post("/api/v1/roles.update", Some(&app.admin), body.clone())
            .await;
        assert_eq!(got, (400, expected), "{body}");
    }
    let ada = app.user_session("ada").await;
    let after_ada = app.snapshot();
    let got = app
        .post(
            "/api/v1/roles.update",
            Some(&ada),
            json!({"roleId": "admin", "name": "admin", "description": "x"}),
        )
        .await;
    assert_eq!(
        got,
        (
            400,
            domain(
                "Accessing permissions is not allowed",
                "error-action-not-allowed"
            )
        )
    );
    assert_eq!(app.snapshot(), after_ada);
    assert_ne!(before, after_ada);

    let (status, body) = app
        .post(
            "/api/v1/roles.update",
            Some(&app.admin),
            json!({"roleId": "owner", "name": "owner", "scope": "Subscriptions", "description": "Room owner", "mandatory2fa": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"]["description"], "Room owner");
    assert_eq!(body["role"]["mandatory2fa"], true);
    let (_, list) = app.get("/api/v1/roles.list", Some(&app.admin)).await;
    assert_eq!(list["roles"][3]["description"], "Room owner");
}

#[tokio::test]
async fn roles_delete_refuses_every_default_role() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let before = app.snapshot();
    for (role, expected) in [
        (
            "admin",
            domain("Cannot delete a protected role", "error-role-protected"),
        ),
        (
            "livechat-agent",
            domain("Cannot delete a protected role", "error-role-protected"),
        ),
        (
            "auditor",
            domain("This role does not exist", "error-invalid-roleId"),
        ),
    ] {
        let got = app
            .post(
                "/api/v1/roles.delete",
                Some(&app.admin),
                json!({"roleId": role}),
            )
            .await;
        assert_eq!(got, (400, expected), "{role}");
    }
    assert_eq!(
        app.post("/api/v1/roles.delete", Some(&ada), json!({"roleId": "bot"}))
            .await,
        (403, forbidden())
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn add_user_to_role_grants_global_and_room_roles_with_rocket_chats_refusals() {
    let app = TestApp::new().await;
    let ada_id = app.create_user("ada").await;
    let bob = app.user_session("bob").await;
    let room = app.create_room("c", "hall", &app.admin, &["ada"]).await;
    let before = app.snapshot();
    let refusals = [
        (
            &app.admin,
            json!({"username": "ada"}),
            json!({"success": false, "error": "error-invalid-role-properties"}),
        ),
        (
            &app.admin,
            json!({"username": "ada", "roleId": "auditor"}),
            json!({"success": false, "error": "error-role-not-found", "errorType": "Role not found"}),
        ),
        (
            &app.admin,
            json!({"username": "nobody", "roleId": "bot"}),
            domain(
                r#"The required "userId" or "username" param provided does not match any users"#,
                "error-invalid-user",
            ),
        ),
        (
            &app.admin,
            json!({"username": "  ", "roleId": "bot"}),
            domain(
                r#"The required "userId" or "username" param was not provided"#,
                "error-user-param-not-provided",
            ),
        ),
        (
            &app.admin,
            json!({"username": "ada", "roleId": "user"}),
            domain("User already in role", "error-user-already-in-role"),
        ),
        (
            &bob,
            json!({"username": "ada", "roleId": "bot"}),
            json!({"success": false, "error": "Accessing permissions is not allowed [error-action-not-allowed]", "errorType": "error-action-not-allowed", "details": {"method": "authorization:addUserToRole", "action": "Accessing_permissions"}}),
        ),
        (
            &app.admin,
            json!({"username": "ada", "roleId": "bot", "extra": 1}),
            json!({"success": false, "error": "must NOT have additional properties [invalid-params]", "errorType": "invalid-params"}),
        ),
    ];
    for (who, body, expected) in refusals {
        let got = app
            .post("/api/v1/roles.addUserToRole", Some(who), body.clone())
            .await;
        assert_eq!(got, (400, expected), "{body}");
    }
    assert_eq!(app.snapshot(), before);

    let (status, body) = app
        .post(
            "/api/v1/roles.addUserToRole",
            Some(&app.admin),
            json!({"username": "ADA", "roleId": "admin"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"]["_id"], "admin");
    assert!(body["role"]["_updatedAt"].is_string());
    assert_eq!(roles_of(&app, &ada_id).await, json!(["user", "admin"]));

    let (status, _) = app
        .post(
            "/api/v1/roles.addUserToRole",
            Some(&app.admin),
            json!({"username": "ada", "roleId": "moderator", "roomId": room}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(room_roles(&app, &room, "ada").await, json!(["moderator"]));
    let again = app
        .post(
            "/api/v1/roles.addUserToRole",
            Some(&app.admin),
            json!({"username": "ada", "roleId": "moderator", "roomId": room}),
        )
        .await;
    assert_eq!(
        again,
        (
            400,
            domain("User already in role", "error-user-already-in-role")
        )
    );
    // A room role without a room changes nothing, as Rocket.Chat's query on no room.
    let quiet = app.snapshot();
    let (status, _) = app
        .post(
            "/api/v1/roles.addUserToRole",
            Some(&app.admin),
            json!({"username": "bob", "roleId": "owner"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.snapshot(), quiet);
}

#[tokio::test]
async fn remove_user_from_role_never_takes_the_last_active_admin_or_last_owner() {
    let app = TestApp::new().await;
    let ada_id = app.create_user_with_roles("ada", &["user", "admin"]).await;
    let bob = app.user_session("bob").await;
    let room = app.create_room("c", "hall", &bob, &["ada"]).await;
    app.set_active(&app.admin, &ada_id, false, false).await;
    let before = app.snapshot();
    let refusals = [
        // ada is an admin too, but inactive: admin is still the last active one.
        (
            json!({"username": "admin", "roleId": "admin"}),
            domain(
                "You need to have at least one admin",
                "error-admin-required",
            ),
        ),
        (
            json!({"username": "bob", "roleId": "owner", "scope": room}),
            json!({"success": false, "error": "This is the last owner. Please set a new owner before removing this one. [error-remove-last-owner]", "errorType": "error-remove-last-owner"}),
        ),
        (
            json!({"username": "bob", "roleId": "admin"}),
            domain("User is not in this role", "error-user-not-in-role"),
        ),
        (
            json!({"username": "bob", "roleId": "owner"}),
            domain("User is not in this role", "error-user-not-in-role"),
        ),
        (
            json!({"username": "BOB", "roleId": "user"}),
            domain("There is no user with this username", "error-invalid-user"),
        ),
        (
            json!({"username": "bob", "roleId": "auditor"}),
            domain("This role does not exist", "error-invalid-roleId"),
        ),
        (
            json!({"username": "bob"}),
            json!({"success": false, "error": "error-invalid-role-properties"}),
        ),
    ];
    for (body, expected) in refusals {
        let got = app
            .post(
                "/api/v1/roles.removeUserFromRole",
                Some(&app.admin),
                body.clone(),
            )
            .await;
        assert_eq!(got, (400, expected), "{body}");
    }
    assert_eq!(
        app.post(
            "/api/v1/roles.removeUserFromRole",
            Some(&bob),
            json!({"username": "admin", "roleId": "admin"}),
        )
        .await,
        (403, forbidden())
    );
    assert_eq!(app.snapshot(), before);

    // An inactive admin's role may go: it leaves the active admins as they are.
    let (status, body) = app
        .post(
            "/api/v1/roles.removeUserFromRole",
            Some(&app.admin),
            json!({"username": "ada", "roleId": "admin"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"]["_id"], "admin");
    assert_eq!(roles_of(&app, &ada_id).await, json!(["user"]));

    // With a co-owner, bob's ownership may go.
    let (status, _) = app
        .post(
            "/api/v1/roles.addUserToRole",
            Some(&app.admin),
            json!({"username": "admin", "roleId": "owner", "roomId": room}),
        )
        .await;
    assert_eq!(status, 200, "admin is not a member: nothing to grant");
    let (status, _) = app
        .post(
            "/api/v1/channels.invite",
            Some(&app.admin),
            json!({"roomId": room, "username": "admin"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            "/api/v1/roles.addUserToRole",
            Some(&app.admin),
            json!({"username": "admin", "roleId": "owner", "roomId": room}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post(
            "/api/v1/roles.removeUserFromRole",
            Some(&app.admin),
            json!({"username": "bob", "roleId": "owner", "scope": room}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.owners("channels", &room).await, ["admin"]);
}

#[tokio::test]
async fn get_users_in_role_pages_holders_and_checks_its_parameters() {
    let app = TestApp::new().await;
    app.create_user_with_roles("ada", &["user", "admin"]).await;
    let bob = app.user_session("bob").await;
    let room = app.create_room("c", "hall", &bob, &["ada"]).await;

    let (status, body) = app
        .get("/api/v1/roles.getUsersInRole?role=admin", Some(&app.admin))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 2);
    let names: Vec<&str> = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "admin"]);
    assert_eq!(body["users"][0]["emails"][0]["address"], "ada@example.org");

    let (_, page) = app
        .get(
            "/api/v1/roles.getUsersInRole?role=admin&count=1&offset=1",
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        (page["total"].clone(), page["users"][0]["username"].clone()),
        (json!(2), json!("admin"))
    );

    let (_, owners) = app
        .get(
            &format!("/api/v1/roles.getUsersInRole?role=owner&roomId={room}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(owners["users"][0]["username"], "bob");
    assert_eq!(owners["total"], 1);
    // Owners of any room: only bob (the test app has no GENERAL).
    let (_, any) = app
        .get("/api/v1/roles.getUsersInRole?role=owner", Some(&app.admin))
        .await;
    assert_eq!(any["total"], 1);

    let cases = [
        (
            "/api/v1/roles.getUsersInRole",
            json!({"success": false, "error": "must have required property 'role' [invalid-params]", "errorType": "invalid-params"}),
        ),
        (
            "/api/v1/roles.getUsersInRole?role=",
            domain(
                r#"Query param "role" is required"#,
                "error-param-not-provided",
            ),
        ),
        (
            "/api/v1/roles.getUsersInRole?role=auditor",
            domain("", "error-invalid-roleId"),
        ),
    ];
    for (path, expected) in cases {
        assert_eq!(
            app.get(path, Some(&app.admin)).await,
            (400, expected),
            "{path}"
        );
    }
    assert_eq!(
        app.get("/api/v1/roles.getUsersInRole?role=admin", Some(&bob))
            .await,
        (403, forbidden())
    );
    // access-permissions without view-other-user-channels may not name a room.
    let (status, _) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "access-permissions", "roles": ["admin", "user"]}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.get(
            &format!("/api/v1/roles.getUsersInRole?role=owner&roomId={room}"),
            Some(&bob)
        )
        .await,
        (400, domain("Not allowed", "error-not-allowed"))
    );
}

#[tokio::test]
async fn get_users_in_public_roles_lists_admins_with_their_public_roles() {
    let app = TestApp::new().await;
    app.create_user_with_roles("ada", &["user", "admin", "bot"])
        .await;
    app.create_user("bob").await;
    let (status, body) = app
        .get("/api/v1/roles.getUsersInPublicRoles", Some(&app.admin))
        .await;
    assert_eq!(status, 200);
    let admin_id = app.admin.user_id.clone();
    let ada = &body["users"][0];
    assert_eq!(ada["username"], "ada");
    assert_eq!(ada["roles"], json!(["admin"]));
    assert_eq!(
        body["users"][1],
        json!({"_id": admin_id, "username": "admin", "roles": ["admin"]})
    );
    assert_eq!(body["users"].as_array().unwrap().len(), 2);
}
