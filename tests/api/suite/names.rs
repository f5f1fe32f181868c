//! Every way Rocket.Chat names a room (`roomId`, `roomName`) or a user (`userId`, `username`,
//! `user`, `userIds`, `usernames`), with its precedence and its refusals.

use serde_json::{Value, json};

use crate::common::TestApp;

fn domain(reason: &str, code: &str) -> Value {
    json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code})
}

#[tokio::test]
async fn rooms_are_found_by_name_on_every_room_read() {
    let app = TestApp::new().await;
    let c = app.create_room("c", "Lobby", &app.admin, &[]).await;
    let p = app.create_room("p", "secret", &app.admin, &[]).await;
    let reads = [
        ("/api/v1/rooms.info?roomName=lobby", "room", &c),
        ("/api/v1/rooms.info?roomName=secret", "room", &p),
        ("/api/v1/channels.roles?roomName=Lobby", "roles", &c),
        ("/api/v1/channels.members?roomName=Lobby", "members", &c),
        ("/api/v1/groups.roles?roomName=secret", "roles", &p),
        ("/api/v1/groups.members?roomName=secret", "members", &p),
    ];
    for (path, key, id) in reads {
        let (status, body) = app.get(path, Some(&app.admin)).await;
        assert_eq!(status, 200, "{path}: {body}");
        match key {
            "room" => assert_eq!(body["room"]["_id"], json!(id), "{path}"),
            "roles" => assert_eq!(body["roles"][0]["rid"], json!(id), "{path}"),
            _ => assert_eq!(body["members"][0]["username"], "admin", "{path}"),
        }
    }
    // roomId wins over roomName when both are sent, even an empty one.
    let (status, body) = app
        .get(
            "/api/v1/rooms.info?roomId=&roomName=lobby",
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn a_missing_room_name_is_refused_in_each_familys_words_and_changes_nothing() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let before = app.snapshot();
    let channel_miss = domain(
        r#"The required "roomId" or "roomName" param provided does not match any channel"#,
        "error-room-not-found",
    );
    let group_missing = domain(
        r#"The parameter "roomId" or "roomName" is required"#,
        "error-room-param-not-provided",
    );
    let info_missing = domain(
        r#"The parameter "roomId" or "roomName" is required"#,
        "error-roomid-param-not-provided",
    );
    let body = json!({"userId": ada});
    let posts = [
        ("/api/v1/channels.addOwner", &channel_miss),
        ("/api/v1/channels.invite", &channel_miss),
        ("/api/v1/groups.addOwner", &group_missing),
        ("/api/v1/groups.removeOwner", &group_missing),
    ];
    for (path, expected) in posts {
        let got = app.post(path, Some(&app.admin), body.clone()).await;
        assert_eq!(got, (400, expected.clone()), "{path}");
    }
    let gets = [
        ("/api/v1/rooms.info", &info_missing),
        ("/api/v1/rooms.info?roomId=&roomName=", &info_missing),
        ("/api/v1/channels.members", &channel_miss),
        ("/api/v1/groups.roles", &group_missing),
    ];
    for (path, expected) in gets {
        let got = app.get(path, Some(&app.admin)).await;
        assert_eq!(got, (400, expected.clone()), "{path}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn owners_are_named_by_username_or_user_and_user_id_wins() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let bob = app.create_user("bob").await;
    app.create_room("c", "hall", &app.admin, &["ada", "bob"])
        .await;
    let (status, body) = app
        .post(
            "/api/v1/channels.addOwner",
            Some(&app.admin),
            json!({"roomName": "hall", "username": "ADA"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // userId wins over username: bob becomes owner, not ada (already one).
    let (status, body) = app
        .post(
            "/api/v1/channels.addOwner",
            Some(&app.admin),
            json!({"roomName": "hall", "userId": bob, "username": "ada"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/channels.removeOwner",
            Some(&app.admin),
            json!({"roomName": "hall", "user": "ada"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let owners = app.owners("channels", &room_id(&app, "hall").await).await;
    assert_eq!(owners.len(), 2, "admin and bob: {owners:?}");

    let before = app.snapshot();
    let none = domain(
        r#"The required "userId" or "username" param was not provided"#,
        "error-user-param-not-provided",
    );
    for body in [
        json!({"roomName": "hall"}),
        json!({"roomName": "hall", "userId": " ", "username": ""}),
    ] {
        let got = app
            .post("/api/v1/channels.addOwner", Some(&app.admin), body.clone())
            .await;
        assert_eq!(got, (400, none.clone()), "{body}");
    }
    let (status, body) = app
        .post(
            "/api/v1/groups.addOwner",
            Some(&app.admin),
            json!({"roomName": "hall", "username": "ada"}),
        )
        .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-room-not-found"))
    );
    assert_eq!(app.snapshot(), before);
}

async fn room_id(app: &TestApp, name: &str) -> String {
    let (_, body) = app
        .get(
            &format!("/api/v1/rooms.info?roomName={name}"),
            Some(&app.admin),
        )
        .await;
    body["room"]["_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn invites_take_lists_of_usernames_or_ids_and_skip_unknown_names() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let bob = app.create_user("bob").await;
    app.create_user("cy").await;
    app.create_room("c", "hall", &app.admin, &[]).await;
    app.create_room("p", "den", &app.admin, &[]).await;
    let (status, body) = app
        .post(
            "/api/v1/channels.invite",
            Some(&app.admin),
            json!({"roomName": "hall", "usernames": ["ada", "ghost", "bob"], "username": "cy"}),
        )
        .await;
    assert_eq!(
        (status, &body["channel"]["usersCount"]),
        (200, &json!(4)),
        "{body}"
    );
    let (status, body) = app
        .post(
            "/api/v1/groups.invite",
            Some(&app.admin),
            json!({"roomName": "den", "userIds": [ada, bob]}),
        )
        .await;
    assert_eq!(
        (status, &body["group"]["usersCount"]),
        (200, &json!(3)),
        "{body}"
    );

    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/groups.invite",
            Some(&app.admin),
            json!({"roomName": "den", "usernames": ["ghost"]}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            domain(
                "Cannot invite if no valid users are provided",
                "error-empty-invite-list"
            )
        )
    );
    let (status, body) = app
        .post(
            "/api/v1/groups.invite",
            Some(&app.admin),
            json!({"roomName": "den"}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            domain(
                r#"Please provide "userId" or "username" or "userIds" or "usernames" as param"#,
                "error-users-params-not-provided"
            )
        )
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn users_info_takes_exactly_one_identifier() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let by = |q: &str| format!("/api/v1/users.info?{q}");
    // userId and username each match the id or the username, the username exactly.
    for q in [
        format!("userId={ada}"),
        "userId=ada".into(),
        format!("username={ada}"),
        "username=ada".into(),
        "email=ADA@example.org".into(),
    ] {
        let (status, body) = app.get(&by(&q), Some(&app.admin)).await;
        assert_eq!(
            (status, &body["user"]["_id"]),
            (200, &json!(ada)),
            "{q}: {body}"
        );
    }
    let not_found = json!({"success": false, "error": "User not found."});
    for q in ["username=ADA", "importId=x1", "userId=ghost"] {
        assert_eq!(
            app.get(&by(q), Some(&app.admin)).await,
            (400, not_found.clone()),
            "{q}"
        );
    }
    let empty = json!({"success": false, "error": "Invalid search query."});
    assert_eq!(
        app.get(&by("userId="), Some(&app.admin)).await,
        (400, empty)
    );
    for q in ["userId=a&username=b", "userId=a&extra=1"] {
        let (status, body) = app.get(&by(q), Some(&app.admin)).await;
        assert_eq!(
            (status, &body["errorType"]),
            (400, &json!("invalid-params")),
            "{q}"
        );
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("must NOT have additional"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn email_lookups_and_rooms_are_for_oneself_and_the_permitted() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    app.create_user("bob").await;
    app.create_room("c", "hall", &app.admin, &["ada"]).await;
    app.create_room("p", "den", &app.admin, &["ada"]).await;
    // Bob's email is hidden from ada, so a lookup by it finds nobody.
    let (status, body) = app
        .get("/api/v1/users.info?email=bob@example.org", Some(&ada))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("User not found.")),
        "{body}"
    );
    let (status, body) = app
        .get("/api/v1/users.info?email=ada@example.org", Some(&ada))
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, body) = app
        .get(
            "/api/v1/users.info?username=ada&includeUserRooms=true",
            Some(&ada),
        )
        .await;
    let rooms: Vec<(&str, &str)> = body["user"]["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["t"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    assert_eq!(rooms, [("c", "hall"), ("p", "den")], "{body}");
    assert!(body["user"]["rooms"][0].get("roles").is_none(), "{body}");
    // The admin may see them too (view-other-user-channels), with ada's roles if any.
    let (_, body) = app
        .get(
            "/api/v1/users.info?username=admin&includeUserRooms=true",
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        body["user"]["rooms"][0]["roles"],
        json!(["owner"]),
        "{body}"
    );
    // Bob may not: the flag is silently ignored.
    let bob = app.login("bob", "bob-password").await;
    let (status, body) = app
        .get(
            "/api/v1/users.info?username=ada&includeUserRooms=true",
            Some(&bob),
        )
        .await;
    assert_eq!(status, 200);
    assert!(body["user"].get("rooms").is_none(), "{body}");
}
