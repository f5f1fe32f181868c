//! channels.*, groups.*, rooms.info and subscriptions.getOne.

use serde_json::json;

use crate::common::{TestApp, forbidden};

#[tokio::test]
async fn create_channel_returns_the_room_and_makes_the_creator_owner() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let (status, body) = app
        .post(
            "/api/v1/channels.create",
            Some(&app.admin),
            json!({"name": "general", "members": ["ada", "ghost"], "readOnly": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let room = &body["channel"];
    assert_eq!(room["_id"].as_str().unwrap().len(), 17);
    assert_eq!(room["name"], "general");
    assert_eq!(room["fname"], "general");
    assert_eq!(room["t"], "c");
    assert_eq!(room["usersCount"], 2, "unknown members are skipped");
    assert_eq!(room["u"]["username"], "admin");
    assert_eq!(room["ro"], true);
    assert!(room["ts"].is_string());
    assert_eq!(body["success"], true);
    assert_eq!(
        app.owners("channels", room["_id"].as_str().unwrap()).await,
        vec!["admin"]
    );
}

#[tokio::test]
async fn create_group_is_private_and_needs_create_p() {
    let app = TestApp::new().await;
    let id = app.create_room("p", "secret", &app.admin, &[]).await;
    let (_, body) = app
        .get(&format!("/api/v1/rooms.info?roomId={id}"), Some(&app.admin))
        .await;
    assert_eq!(body["room"]["t"], "p");
    let guest_id = app.create_user_with_roles("gus", &["guest"]).await;
    let gus = app.login("gus", "gus-password").await;
    let before = app.snapshot();
    let got = app
        .post("/api/v1/groups.create", Some(&gus), json!({"name": "mine"}))
        .await;
    assert_eq!(got, (403, forbidden()));
    assert_eq!(app.snapshot(), before);
    assert!(!guest_id.is_empty());
}

#[tokio::test]
async fn duplicate_and_invalid_room_names_are_refused() {
    let app = TestApp::new().await;
    app.create_room("c", "general", &app.admin, &[]).await;
    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/groups.create",
            Some(&app.admin),
            json!({"name": "GENERAL"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        "A channel with name 'GENERAL' exists [error-duplicate-channel-name]"
    );
    let (status, body) = app
        .post(
            "/api/v1/channels.create",
            Some(&app.admin),
            json!({"name": "bad name"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errorType"], "error-invalid-room-name");
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn invite_adds_a_member_once() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let room = app.create_room("c", "general", &app.admin, &[]).await;
    for _ in 0..2 {
        let (status, body) = app
            .post(
                "/api/v1/channels.invite",
                Some(&app.admin),
                json!({"roomId": room, "userId": ada}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["channel"]["usersCount"], 2);
    }
}

#[tokio::test]
async fn invite_refusals_change_nothing() {
    let app = TestApp::new().await;
    let bob = app.user_session("bob").await;
    let ada = app.create_user("ada").await;
    let room = app.create_room("c", "general", &app.admin, &[]).await;
    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/channels.invite",
            Some(&bob),
            json!({"roomId": room, "userId": ada}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("Not allowed [error-not-allowed]"))
    );
    let (status, body) = app
        .post(
            "/api/v1/channels.invite",
            Some(&app.admin),
            json!({"roomId": room, "userId": "ghost"}),
        )
        .await;
    // channels.invite swaps its two strings, as Rocket.Chat's does.
    assert_eq!(
        (status, body["error"].as_str(), body["errorType"].as_str()),
        (
            400,
            Some("invalid-user-invite-list"),
            Some("Cannot invite if no users are provided")
        )
    );
    let (status, body) = app
        .post(
            "/api/v1/channels.invite",
            Some(&app.admin),
            json!({"roomId": "nope", "userId": ada}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        r#"The required "roomId" or "roomName" param provided does not match any channel [error-room-not-found]"#
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_channel_id_is_not_a_group_and_vice_versa() {
    let app = TestApp::new().await;
    let channel = app.create_room("c", "general", &app.admin, &[]).await;
    let (status, body) = app
        .get(
            &format!("/api/v1/groups.roles?roomId={channel}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        r#"The required "roomId" or "roomName" param provided does not match any group [error-room-not-found]"#
    );
}

#[tokio::test]
async fn private_groups_are_invisible_to_outsiders_but_not_to_view_other_user_channels() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob = app.user_session("bob").await;
    let group = app.create_room("p", "secret", &ada, &[]).await;
    let missing = app
        .get("/api/v1/rooms.info?roomId=doesnotexist", Some(&bob))
        .await;
    let hidden = app
        .get(&format!("/api/v1/rooms.info?roomId={group}"), Some(&bob))
        .await;
    assert_eq!(hidden, missing);
    assert_eq!(hidden.1["errorType"], "error-room-not-found");
    let hidden_roles = app
        .get(&format!("/api/v1/groups.roles?roomId={group}"), Some(&bob))
        .await;
    let missing_roles = app
        .get("/api/v1/groups.roles?roomId=doesnotexist", Some(&bob))
        .await;
    assert_eq!(hidden_roles, missing_roles);
    assert_eq!(
        app.get(
            &format!("/api/v1/rooms.info?roomId={group}"),
            Some(&app.admin)
        )
        .await
        .0,
        200
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/groups.members?roomId={group}"),
            Some(&ada)
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn add_and_remove_owner_with_every_refusal() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob = app.create_user("bob").await;
    let carl = app.create_user("carl").await;
    let room = app.create_room("c", "general", &ada, &["bob"]).await;
    let call = |path: &'static str, user: String| {
        let room = room.clone();
        let app = &app;
        let ada = ada.clone();
        async move {
            app.post(path, Some(&ada), json!({"roomId": room, "userId": user}))
                .await
        }
    };
    let before = app.snapshot();
    let (s, b) = call("/api/v1/channels.addOwner", carl.clone()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            400,
            Some("User is not in this room [error-user-not-in-room]")
        )
    );
    assert_eq!(b["details"], json!({"method": "addRoomOwner"}));
    let (s, b) = call("/api/v1/channels.addOwner", ada.user_id.clone()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            400,
            Some("User is already an owner [error-user-already-owner]")
        )
    );
    let (s, b) = call("/api/v1/channels.removeOwner", bob.clone()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("User is not an owner [error-user-not-owner]"))
    );
    let (s, b) = call("/api/v1/channels.removeOwner", ada.user_id.clone()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (
            400,
            Some(
                "This is the last owner. Please set a new owner before removing this one. [error-remove-last-owner]"
            )
        )
    );
    assert_eq!(app.snapshot(), before);

    // As an owner of the room, ada holds set-owner there.
    assert_eq!(
        call("/api/v1/channels.addOwner", bob.clone()).await,
        (200, json!({"success": true}))
    );
    assert_eq!(app.owners("channels", &room).await, vec!["ada", "bob"]);
    assert_eq!(
        call("/api/v1/channels.removeOwner", ada.user_id.clone()).await,
        (200, json!({"success": true}))
    );
    assert_eq!(app.owners("channels", &room).await, vec!["bob"]);
    // ada is no longer an owner, so no longer holds set-owner in this room.
    let (s, b) = call("/api/v1/channels.addOwner", ada.user_id.clone()).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("Not allowed [error-not-allowed]"))
    );
}

#[tokio::test]
async fn removing_the_last_active_owner_is_refused_even_beside_an_inactive_one() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let bob = app.create_user("bob").await;
    let room = app
        .create_room("c", "general", &app.admin, &["ada", "bob"])
        .await;
    app.post(
        "/api/v1/channels.addOwner",
        Some(&app.admin),
        json!({"roomId": room, "userId": ada}),
    )
    .await;
    app.post(
        "/api/v1/channels.addOwner",
        Some(&app.admin),
        json!({"roomId": room, "userId": bob}),
    )
    .await;
    app.post(
        "/api/v1/channels.removeOwner",
        Some(&app.admin),
        json!({"roomId": room, "userId": app.admin.user_id}),
    )
    .await;
    assert_eq!(app.set_active(&app.admin, &ada, false, false).await.0, 200);
    let before = app.snapshot();
    let (s, b) = app
        .post(
            "/api/v1/channels.removeOwner",
            Some(&app.admin),
            json!({"roomId": room, "userId": bob}),
        )
        .await;
    assert_eq!(
        (s, b["errorType"].as_str()),
        (400, Some("error-remove-last-owner"))
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn roles_list_owners_sorted_by_username_and_members_only_active_ones() {
    let app = TestApp::new().await;
    let zed = app.create_user("zed").await;
    let ada = app.create_user("ada").await;
    let room = app
        .create_room("c", "general", &app.admin, &["zed", "ada"])
        .await;
    app.post(
        "/api/v1/channels.addOwner",
        Some(&app.admin),
        json!({"roomId": room, "userId": zed}),
    )
    .await;
    let (status, body) = app
        .get(
            &format!("/api/v1/channels.roles?roomId={room}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200);
    let roles = body["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0]["u"]["username"], "admin");
    assert_eq!(roles[1]["u"]["username"], "zed");
    assert_eq!(roles[1]["rid"], room.as_str());
    assert_eq!(roles[1]["roles"], json!(["owner"]));
    assert_eq!(app.set_active(&app.admin, &ada, false, false).await.0, 200);
    let (status, body) = app
        .get(
            &format!("/api/v1/channels.members?roomId={room}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200);
    let names: Vec<_> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].clone())
        .collect();
    assert_eq!(names, vec![json!("admin"), json!("zed")]);
    assert_eq!(body["total"], 2);
}

#[tokio::test]
async fn subscription_get_one_shows_roles_and_archived_or_null() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let room = app.create_room("c", "general", &app.admin, &[]).await;
    let (status, body) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={room}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["subscription"]["rid"], room.as_str());
    assert_eq!(body["subscription"]["roles"], json!(["owner"]));
    assert_eq!(body["subscription"]["archived"], false);
    assert_eq!(body["subscription"]["u"]["username"], "admin");
    let got = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={room}"),
            Some(&ada),
        )
        .await;
    assert_eq!(got, (200, json!({"subscription": null, "success": true})));
}
