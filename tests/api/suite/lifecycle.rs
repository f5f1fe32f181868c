//! `users.delete` and `users.deactivateIdle`: the same guarantees as users.setActiveStatus.

use serde_json::{Value, json};

use crate::common::{TestApp, not_logged_in};

fn last_owner(rooms: &[&str]) -> Value {
    json!({"success": false, "error": "[user-last-owner]", "errorType": "user-last-owner", "details": {"shouldChangeOwner": rooms, "shouldBeRemoved": [], "resolution": rocketlite::api::LAST_OWNER_RESOLUTION}})
}

#[tokio::test]
async fn deleting_the_last_owner_needs_confirmation_then_hands_over_and_leaves_nothing() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.create_user("ada").await;
    let room = app.create_room("c", "hall", &olga, &["ada"]).await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.delete",
            Some(&app.admin),
            json!({"username": "olga"}),
        )
        .await;
    assert_eq!(got, (400, last_owner(&["hall"])));
    assert_eq!(app.snapshot(), before);

    let (status, body) = app
        .post(
            "/api/v1/users.delete",
            Some(&app.admin),
            json!({"userId": olga.user_id, "confirmRelinquish": true}),
        )
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(app.owners("channels", &room).await, ["ada"]);
    let (_, info) = app
        .get(
            &format!("/api/v1/rooms.info?roomId={room}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(info["room"]["usersCount"], 1);
    // Gone everywhere but its tombstone and the room record that names its creator.
    let dump = app.snapshot();
    let left = rocketlite_testkit::harness::rows_naming(&dump, &olga.user_id);
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        app.get("/api/v1/me", Some(&olga)).await,
        (401, not_logged_in())
    );
    let (status, body) = app
        .get(
            &format!("/api/v1/users.info?userId={}", olga.user_id),
            Some(&app.admin),
        )
        .await;
    assert_eq!((status, &body["error"]), (400, &json!("User not found.")));
    // The name is free again; the id is not.
    app.create_user("olga").await;
    let _ = ada;
}

#[tokio::test]
async fn delete_refusals_change_nothing() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let before = app.snapshot();
    let cases = [
        (
            Some(&app.admin),
            json!({"userId": app.admin.user_id}),
            400,
            json!({"success": false, "error": "Leaving the app without an admin is not allowed [error-action-not-allowed]", "errorType": "error-action-not-allowed", "details": {"method": "deleteUser", "action": "Remove_last_admin"}}),
        ),
        (
            Some(&app.admin),
            json!({"userId": "ghost"}),
            400,
            json!({"success": false, "error": "The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]", "errorType": "error-invalid-user"}),
        ),
        (
            Some(&app.admin),
            json!({}),
            400,
            json!({"success": false, "error": "The required \"userId\" or \"username\" param was not provided [error-user-param-not-provided]", "errorType": "error-user-param-not-provided"}),
        ),
        (
            Some(&ada),
            json!({"userId": app.admin.user_id}),
            403,
            crate::common::forbidden(),
        ),
        (None, json!({"userId": ada.user_id}), 401, not_logged_in()),
    ];
    for (session, body, status, expected) in cases {
        let got = app
            .post("/api/v1/users.delete", session, body.clone())
            .await;
        assert_eq!(got, (status, expected), "{body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn idle_users_are_deactivated_with_handovers_and_the_last_admin_stays() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    app.create_user("ada").await;
    let room = app.create_room("p", "den", &olga, &["ada"]).await;
    // Nobody is idle for 1 day yet.
    let got = app
        .post(
            "/api/v1/users.deactivateIdle",
            Some(&app.admin),
            json!({"daysIdle": 1}),
        )
        .await;
    assert_eq!(got, (200, json!({"count": 0, "success": true})));
    // Everyone with the role user is idle for 0 days: all but the admin, who is the last one.
    let (status, body) = app
        .post(
            "/api/v1/users.deactivateIdle",
            Some(&app.admin),
            json!({"daysIdle": "0", "role": "user"}),
        )
        .await;
    assert_eq!((status, &body["count"]), (200, &json!(2)), "{body}");
    let (_, info) = app
        .get(
            &format!("/api/v1/users.info?userId={}", olga.user_id),
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        (&info["user"]["active"], &info["user"]["inactiveReason"]),
        (&json!(false), &json!("idle_too_long"))
    );
    assert!(info["user"]["lastLogin"].is_string(), "{info}");
    assert_eq!(
        app.get("/api/v1/me", Some(&olga)).await,
        (401, not_logged_in())
    );
    // olga owned den; ada, its other member, is idle too: den keeps no active member, and
    // no active owner is needed. The admin is still active.
    let (_, me) = app.get("/api/v1/me", Some(&app.admin)).await;
    assert_eq!(me["active"], true);
    let _ = room;
    let before = app.snapshot();
    for body in [json!({}), json!({"daysIdle": -1}), json!({"daysIdle": "x"})] {
        let (status, resp) = app
            .post(
                "/api/v1/users.deactivateIdle",
                Some(&app.admin),
                body.clone(),
            )
            .await;
        assert_eq!(
            (status, &resp["errorType"]),
            (400, &json!("invalid-params")),
            "{body}"
        );
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn idle_deactivation_hands_rooms_to_active_members() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let room = app.create_room("c", "hall", &olga, &[]).await;
    // The admin joins after olga; only users (not admins) are deactivated when the role is
    // "user" and the admin is the last one.
    app.post(
        "/api/v1/channels.invite",
        Some(&app.admin),
        json!({"roomId": room, "userId": app.admin.user_id}),
    )
    .await;
    let (status, body) = app
        .post(
            "/api/v1/users.deactivateIdle",
            Some(&app.admin),
            json!({"daysIdle": 0}),
        )
        .await;
    assert_eq!((status, &body["count"]), (200, &json!(1)), "{body}");
    let owners = app.owners("channels", &room).await;
    assert_eq!(
        owners,
        ["admin", "olga"],
        "admin took over, olga keeps the role inactive"
    );
}

/// Idle users who own nothing leave together, between those whose departures hand rooms
/// on one by one; the outcome and the trail are those of one departure after another.
#[tokio::test]
async fn idle_deactivation_hands_rooms_along_a_chain_in_order_with_bystanders_between() {
    let app = TestApp::new().await;
    // Idle in this order: olga, bob, ada, cid.
    let olga = app.user_session("olga").await;
    let bob = app.create_user("bob").await;
    let ada = app.create_user("ada").await;
    let cid = app.create_user("cid").await;
    let hall = app.create_room("c", "hall", &olga, &["ada"]).await;
    app.post(
        "/api/v1/channels.invite",
        Some(&app.admin),
        json!({"roomId": hall, "userId": app.admin.user_id}),
    )
    .await;
    let (_, before) = app
        .get("/api/v1/rocketlite.audit?count=1", Some(&app.admin))
        .await;
    let (status, body) = app
        .post(
            "/api/v1/users.deactivateIdle",
            Some(&app.admin),
            json!({"daysIdle": 0}),
        )
        .await;
    assert_eq!((status, &body["count"]), (200, &json!(4)), "{body}");
    // olga handed hall to ada, its earliest active member then; ada, leaving after bob,
    // handed it to the admin.
    let mut owners = app.owners("channels", &hall).await;
    owners.sort();
    assert_eq!(owners, ["ada", "admin", "olga"]);
    let (_, trail) = app
        .get("/api/v1/rocketlite.audit?count=6", Some(&app.admin))
        .await;
    assert_eq!(
        trail["total"].as_u64().unwrap() - before["total"].as_u64().unwrap(),
        6,
        "{trail}"
    );
    let got: Vec<(String, String)> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            let action = e["action"].as_str().unwrap().to_string();
            (action, e["userId"].as_str().unwrap().to_string())
        })
        .collect();
    let step = |action: &str, user: &str| (action.to_string(), user.to_string());
    assert_eq!(
        got,
        [
            step("user.deactivate", &olga.user_id),
            step("room.owner.add", &ada),
            step("user.deactivate", &bob),
            step("user.deactivate", &ada),
            step("room.owner.add", &app.admin.user_id),
            step("user.deactivate", &cid),
        ]
    );
    for user in [&olga.user_id, &bob, &ada, &cid] {
        let (_, info) = app
            .get(
                &format!("/api/v1/users.info?userId={user}"),
                Some(&app.admin),
            )
            .await;
        assert_eq!(info["user"]["active"], false, "{info}");
    }
    assert_eq!(
        app.get("/api/v1/me", Some(&olga)).await,
        (401, not_logged_in())
    );
}

#[tokio::test]
async fn users_update_changes_fields_and_active_runs_the_deactivation_rules() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    app.create_user("ada").await;
    let room = app.create_room("c", "hall", &olga, &["ada"]).await;
    let update = |data: Value| json!({"userId": olga.user_id, "data": data});
    let (status, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"name": "Olga K", "username": "olgak", "email": "olgak@example.org"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["user"]["username"], &body["user"]["name"]),
        (&json!("olgak"), &json!("Olga K"))
    );

    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            update(json!({"active": false})),
        )
        .await;
    assert_eq!(got, (400, last_owner(&["hall"])));
    assert_eq!(app.snapshot(), before);
    let (status, body) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            json!({"userId": olga.user_id, "data": {"active": false}, "confirmRelinquish": true}),
        )
        .await;
    assert_eq!(
        (status, &body["user"]["active"]),
        (200, &json!(false)),
        "{body}"
    );
    assert_eq!(app.owners("channels", &room).await, ["ada", "olgak"]);
    assert_eq!(
        app.get("/api/v1/me", Some(&olga)).await,
        (401, not_logged_in())
    );
}

#[tokio::test]
async fn users_update_refusals_change_nothing() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob = app.create_user("bob").await;
    let before = app.snapshot();
    let not_allowed = |reason: &str, action: &str| json!({"success": false, "error": format!("{reason} [error-action-not-allowed]"), "errorType": "error-action-not-allowed", "details": {"method": "insertOrUpdateUser", "action": action}});
    let cases = [
        (
            &ada,
            json!({"userId": bob, "data": {"name": "x"}}),
            not_allowed("Editing user is not allowed", "Editing_user"),
        ),
        (
            &ada,
            json!({"userId": ada.user_id, "data": {"roles": ["admin", "user"]}}),
            not_allowed("Assign roles is not allowed", "Assign_role"),
        ),
        (
            &ada,
            json!({"userId": ada.user_id, "data": {"active": false}}),
            not_allowed("Edit user active status is not allowed", "Update_user"),
        ),
        (
            &app.admin,
            json!({"userId": app.admin.user_id, "data": {"roles": ["user"]}}),
            json!({"success": false, "error": "Leaving the app without an active admin is not allowed [error-action-not-allowed]", "errorType": "error-action-not-allowed", "details": {"method": "removeUserFromRole", "action": "Remove_last_admin"}}),
        ),
        (
            &app.admin,
            json!({"userId": bob, "data": {"username": "ADA"}}),
            json!({"success": false, "error": "ADA is already in use :( [error-field-unavailable]", "errorType": "error-field-unavailable", "details": {"method": "insertOrUpdateUser", "field": "ADA"}}),
        ),
        (
            &app.admin,
            json!({"userId": "ghost", "data": {"name": "x"}}),
            json!({"success": false, "error": "User not found"}),
        ),
        (
            &app.admin,
            json!({"userId": bob, "data": {"name": "<b>"}}),
            json!({"success": false, "error": "Name contains invalid characters"}),
        ),
        (
            &app.admin,
            json!({"userId": bob, "data": {"settings": {}}}),
            crate::common::invalid_params("must NOT have additional properties"),
        ),
    ];
    for (session, body, expected) in cases {
        let got = app
            .post("/api/v1/users.update", Some(session), body.clone())
            .await;
        assert_eq!(got, (400, expected), "{body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_new_password_revokes_every_other_token() {
    let app = TestApp::new().await;
    let first = app.user_session("ada").await;
    let second = app.login("ada", "ada-password").await;
    let (status, body) = app
        .post(
            "/api/v1/users.update",
            Some(&second),
            json!({"userId": second.user_id, "data": {"password": "new-password"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.get("/api/v1/me", Some(&first)).await,
        (401, not_logged_in())
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&second)).await.0,
        200,
        "the caller's own token stays"
    );
    app.login("ada", "new-password").await;
    // An admin setting it revokes all of them.
    let (status, _) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            json!({"userId": second.user_id, "data": {"password": "third-password"}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.get("/api/v1/me", Some(&second)).await,
        (401, not_logged_in())
    );
}

#[tokio::test]
async fn users_list_by_status_filters_like_the_admin_ui() {
    let app = TestApp::new().await;
    let olga = app.create_user("olga").await;
    app.user_session("ada").await;
    app.create_user("bob").await;
    app.set_active(&app.admin, &olga, false, false).await;
    let names = |body: &Value| -> Vec<String> {
        body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_string())
            .collect()
    };
    let cases = [
        ("status=deactivated", vec!["olga"]),
        ("status=active&hasLoggedIn=false", vec!["bob"]),
        ("status=active&hasLoggedIn=true", vec!["ada", "admin"]),
        ("roles=admin", vec!["admin"]),
        ("roles%5B%5D=all&searchTerm=B", vec!["bob"]),
        ("inactiveReason%5B%5D=deactivated", vec!["olga"]),
        ("inactiveReason=idle_too_long", vec![]),
        ("type=bot", vec![]),
        (
            "sort=%7B%22username%22%3A-1%7D&count=2",
            vec!["olga", "bob"],
        ),
    ];
    for (q, expected) in cases {
        let (status, body) = app
            .get(&format!("/api/v1/users.listByStatus?{q}"), Some(&app.admin))
            .await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_eq!(names(&body), expected, "{q}");
    }
    let (_, body) = app
        .get(
            "/api/v1/users.listByStatus?status=deactivated",
            Some(&app.admin),
        )
        .await;
    assert_eq!(body["users"][0]["inactiveReason"], "deactivated");
    for q in [
        "status=gone",
        "inactiveReason=bored",
        "hasLoggedIn=maybe",
        "extra=1",
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/users.listByStatus?{q}"), Some(&app.admin))
            .await;
        assert_eq!(
            (status, &body["errorType"]),
            (400, &json!("invalid-params")),
            "{q}"
        );
    }
}

#[tokio::test]
async fn users_logout_ends_every_session_of_a_user() {
    let app = TestApp::new().await;
    let first = app.user_session("ada").await;
    let second = app.login("ada", "ada-password").await;
    let bob = app.user_session("bob").await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.logout",
            Some(&bob),
            json!({"userId": first.user_id}),
        )
        .await;
    assert_eq!(got, (403, crate::common::forbidden()));
    let got = app
        .post(
            "/api/v1/users.logout",
            Some(&app.admin),
            json!({"userId": "ghost"}),
        )
        .await;
    assert_eq!(
        got,
        (
            400,
            json!({"success": false, "error": "Invalid user id [error-invalid-user-id]", "errorType": "error-invalid-user-id"})
        )
    );
    assert_eq!(app.snapshot(), before);
    let (status, body) = app
        .post(
            "/api/v1/users.logout",
            Some(&app.admin),
            json!({"userId": first.user_id}),
        )
        .await;
    let message = format!("User {} has been logged out!", first.user_id);
    assert_eq!(
        (status, body),
        (200, json!({"message": message, "success": true}))
    );
    for session in [&first, &second] {
        assert_eq!(
            app.get("/api/v1/me", Some(session)).await,
            (401, not_logged_in())
        );
    }
    // Without userId: the caller's own sessions.
    let (status, _) = app
        .post("/api/v1/users.logout", Some(&bob), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.get("/api/v1/me", Some(&bob)).await,
        (401, not_logged_in())
    );
}
