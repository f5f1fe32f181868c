//! The default channel `GENERAL`: created once per store, owned by the bootstrap admin,
//! joined by every new user; never over a room already named `general`.

use rocketlite::service::DefaultChannelOutcome;
use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn general_is_created_once_owned_by_the_admin_and_joined_by_new_users() {
    let app = TestApp::new().await;
    let service = &app.service;
    assert_eq!(
        service.ensure_default_channel().unwrap(),
        DefaultChannelOutcome::Created {
            owner: "admin".into()
        }
    );
    let before = app.snapshot();
    assert_eq!(
        service.ensure_default_channel().unwrap(),
        DefaultChannelOutcome::AlreadyDone
    );
    assert_eq!(app.snapshot(), before, "the second run writes nothing");

    let (status, body) = app
        .get("/api/v1/rooms.info?roomName=general", Some(&app.admin))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            &body["room"]["_id"],
            &body["room"]["t"],
            &body["room"]["default"]
        ),
        (&json!("GENERAL"), &json!("c"), &json!(true))
    );
    assert_eq!(app.owners("channels", "GENERAL").await, ["admin"]);

    // users.create joins it unless told not to; users.register always does.
    app.create_user("ada").await;
    let (status, body) = app
        .post(
            "/api/v1/users.create",
            Some(&app.admin),
            json!({"username": "bob", "email": "bob@example.org", "name": "bob", "password": "bob-password", "joinDefaultChannels": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .post(
            "/api/v1/users.register",
            None,
            json!({"username": "cy", "email": "cy@example.org", "name": "Cy", "pass": "cy-password"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = app
        .get("/api/v1/channels.members?roomId=GENERAL", Some(&app.admin))
        .await;
    let members: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["ada", "admin", "cy"]);
    let (_, body) = app
        .get("/api/v1/rooms.info?roomId=GENERAL", Some(&app.admin))
        .await;
    assert_eq!(body["room"]["usersCount"], 3);
}

#[tokio::test]
async fn a_store_with_a_room_named_general_gets_no_second_one() {
    let app = TestApp::new().await;
    let room = app.create_room("p", "General", &app.admin, &[]).await;
    assert_eq!(
        app.service.ensure_default_channel().unwrap(),
        DefaultChannelOutcome::NameTaken
    );
    let (_, body) = app
        .get("/api/v1/rooms.info?roomName=general", Some(&app.admin))
        .await;
    assert_eq!(body["room"]["_id"], json!(room));
    assert!(body["room"].get("default").is_none(), "{body}");
    // Marked done: deleting or renaming that room later brings no GENERAL back.
    assert_eq!(
        app.service.ensure_default_channel().unwrap(),
        DefaultChannelOutcome::AlreadyDone
    );
}

#[tokio::test]
async fn the_owner_is_the_earliest_active_admin_and_a_deactivated_owner_hands_it_over() {
    let app = TestApp::new().await;
    let second = app
        .create_user_with_roles("second", &["admin", "user"])
        .await;
    app.set_active(&app.admin, &second, false, false).await;
    app.service.ensure_default_channel().unwrap();
    assert_eq!(app.owners("channels", "GENERAL").await, ["admin"]);
    // A new user joins; deactivating the admin then hands GENERAL to it, as any room.
    let ada = app.create_user("ada").await;
    let other_admin = app
        .create_user_with_roles("third", &["admin", "user"])
        .await;
    let third = app.login("third", "third-password").await;
    let admin_id = app.admin.user_id.clone();
    let (status, body) = app.set_active(&third, &admin_id, false, true).await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = app
        .get("/api/v1/channels.roles?roomId=GENERAL", Some(&third))
        .await;
    let owners: Vec<(&str, bool)> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let owner = r["roles"].as_array().unwrap().contains(&json!("owner"));
            (r["u"]["_id"].as_str().unwrap(), owner)
        })
        .collect();
    // By username: ada, who joined before third, is the new owner; admin keeps the role,
    // inactive.
    assert_eq!(
        owners,
        [(ada.as_str(), true), (admin_id.as_str(), true)],
        "{other_admin}"
    );
}
