//! `rooms.banUser`, `rooms.unbanUser` and `rooms.bannedUsers`: a ban is a kick that keeps the
//! user out until it is lifted; exact bodies, and refusals that change nothing.

use serde_json::{Value, json};

use crate::common::{Session, TestApp, invalid_params};

async fn post(app: &TestApp, who: &Session, route: &str, body: Value) -> (u16, Value) {
    app.post(&format!("/api/v1/{route}"), Some(who), body).await
}

async fn room_info(app: &TestApp, who: &Session, rid: &str) -> Value {
    let path = format!("/api/v1/rooms.info?roomId={rid}");
    app.get(&path, Some(who)).await.1["room"].clone()
}

fn plain(error: &str) -> Value {
    json!({"success": false, "error": error})
}

#[tokio::test]
async fn a_banned_member_leaves_and_stays_out_until_unbanned() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let lee = app.user_session("lee").await;
    let lee_id = lee.user_id.clone();
    let rid = app.create_room("c", "hall", &kim, &["lee"]).await;
    let ok = json!({"success": true});

    let (status, body) = post(
        &app,
        &kim,
        "rooms.banUser",
        json!({"roomId": rid, "username": "lee"}),
    )
    .await;
    assert_eq!((status, body), (200, ok.clone()));
    let (_, members) = app
        .get(
            &format!("/api/v1/channels.members?roomId={rid}"),
            Some(&kim),
        )
        .await;
    assert_eq!(members["total"], 1, "{members}");
    let (status, banned) = app
        .get(
            &format!("/api/v1/rooms.bannedUsers?roomId={rid}"),
            Some(&lee),
        )
        .await;
    assert_eq!(
        (status, banned),
        (
            200,
            json!({"bannedUsers": [{"_id": lee_id, "username": "lee", "name": "lee"}],
                     "count": 1, "offset": 0, "total": 1, "success": true})
        )
    );

    // Neither an invite nor a join lets the banned user back; a second ban is refused.
    let before = app.snapshot();
    let refusals = [
        (
            &kim,
            "channels.invite",
            json!({"roomId": rid, "userId": lee_id}),
            json!({"success": false, "error": "User is banned from this room [error-user-is-banned]",
                "errorType": "error-user-is-banned", "details": {"method": "addUsersToRoom"}}),
        ),
        (
            &lee,
            "channels.join",
            json!({"roomId": rid}),
            json!({"success": false, "error": "Not allowed [error-not-allowed]",
                "errorType": "error-not-allowed", "details": {"method": "joinRoom"}}),
        ),
        (
            &kim,
            "rooms.banUser",
            json!({"roomId": rid, "userId": lee_id}),
            plain("User is already banned from this room"),
        ),
    ];
    for (who, route, body, expected) in refusals {
        assert_eq!(
            post(&app, who, route, body).await,
            (400, expected),
            "{route}"
        );
        assert_eq!(app.snapshot(), before, "{route}");
    }

    let (status, body) = post(
        &app,
        &kim,
        "rooms.unbanUser",
        json!({"roomId": rid, "userId": lee_id}),
    )
    .await;
    assert_eq!((status, body), (200, ok.clone()));
    let (_, members) = app
        .get(
            &format!("/api/v1/channels.members?roomId={rid}"),
            Some(&kim),
        )
        .await;
    assert_eq!(members["total"], 1, "an unban adds nobody");
    let (status, _) = post(&app, &lee, "channels.join", json!({"roomId": rid})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bans_keep_the_rules_of_a_kick_and_refuse_without_a_trace() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let lee = app.user_session("lee").await;
    app.create_user("max").await;
    app.create_user("ned").await;
    let rid = app.create_room("p", "vault", &kim, &["lee", "ned"]).await;
    let before = app.snapshot();
    let refusals = [
        // lee holds no ban-user in the room.
        (
            &lee,
            "rooms.banUser",
            json!({"roomId": rid, "username": "ned"}),
            400,
            plain("Not allowed"),
        ),
        (
            &kim,
            "rooms.banUser",
            json!({"roomId": "nowhere", "username": "ned"}),
            400,
            plain("Not allowed"),
        ),
        (
            &kim,
            "rooms.banUser",
            json!({"roomId": rid, "username": "max"}),
            400,
            plain("User is not in this room"),
        ),
        (
            &kim,
            "rooms.banUser",
            json!({"roomId": rid, "username": "kim"}),
            400,
            plain("You are the last owner. Please set new owner before banning the user."),
        ),
        (
            &kim,
            "rooms.banUser",
            json!({"roomId": rid, "username": "nobody"}),
            400,
            json!({"success": false,
                "error": "The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]",
                "errorType": "error-invalid-user"}),
        ),
        (
            &kim,
            "rooms.unbanUser",
            json!({"roomId": rid, "username": "ned"}),
            400,
            plain("error-user-not-banned"),
        ),
        (
            &kim,
            "rooms.unbanUser",
            json!({"roomId": rid, "username": "max"}),
            400,
            plain("error-invalid-subscription"),
        ),
        (
            &kim,
            "rooms.banUser",
            json!({"roomId": rid}),
            400,
            invalid_params(
                "must have required property 'userId'\n must have required property 'username'\n must match exactly one schema in oneOf",
            ),
        ),
        (
            &kim,
            "rooms.banUser",
            json!({"roomId": rid, "userId": "x", "username": "ned"}),
            400,
            invalid_params(
                "must NOT have additional properties\n must NOT have additional properties\n must match exactly one schema in oneOf",
            ),
        ),
    ];
    for (who, route, body, status, expected) in refusals {
        assert_eq!(
            post(&app, who, route, body.clone()).await,
            (status, expected),
            "{route} {body}"
        );
        assert_eq!(app.snapshot(), before, "{route} {body}");
    }
    let outsider = app.user_session("oz").await;
    let (status, body) = app
        .get(
            &format!("/api/v1/rooms.bannedUsers?roomId={rid}"),
            Some(&outsider),
        )
        .await;
    assert_eq!((status, body), (401, plain("unauthorized")));

    // An owner among others may be banned; its ownership goes with it.
    let (status, _) = post(
        &app,
        &kim,
        "groups.addOwner",
        json!({"roomId": rid, "username": "lee"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &app,
        &kim,
        "rooms.banUser",
        json!({"roomId": rid, "username": "lee"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(app.owners("groups", &rid).await, ["kim"]);
}

#[tokio::test]
async fn mutes_keep_rocket_chats_lists_and_refuse_without_a_trace() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let lee = app.user_session("lee").await;
    app.create_user("max").await;
    let rid = app.create_room("c", "hall", &kim, &["lee"]).await;
    let room = |app| room_info(app, &kim, &rid);
    let ok = (200, json!({"success": true}));
    assert_eq!(
        post(
            &app,
            &kim,
            "rooms.muteUser",
            json!({"roomId": rid, "username": "lee"})
        )
        .await,
        ok
    );
    assert_eq!(room(&app).await["muted"], json!(["lee"]));
    // Repeating it changes nothing.
    let before = app.snapshot();
    assert_eq!(
        post(
            &app,
            &kim,
            "rooms.muteUser",
            json!({"roomId": rid, "username": "lee"})
        )
        .await,
        ok
    );
    assert_eq!(app.snapshot(), before);
    assert_eq!(
        post(
            &app,
            &kim,
            "rooms.unmuteUser",
            json!({"roomId": rid, "userId": lee.user_id})
        )
        .await,
        ok
    );
    assert_eq!(room(&app).await.get("muted"), None);

    // In a read-only room, unmuting lets one speak.
    let (status, _) = post(
        &app,
        &kim,
        "channels.setReadOnly",
        json!({"roomId": rid, "readOnly": true}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        post(
            &app,
            &kim,
            "rooms.unmuteUser",
            json!({"roomId": rid, "username": "lee"})
        )
        .await,
        ok
    );
    assert_eq!(room(&app).await["unmuted"], json!(["lee"]));
    assert_eq!(
        post(
            &app,
            &kim,
            "rooms.muteUser",
            json!({"roomId": rid, "username": "lee"})
        )
        .await,
        ok
    );
    assert_eq!(
        (
            room(&app).await.get("unmuted"),
            room(&app).await.get("muted")
        ),
        (None, None)
    );

    let details = |method: &str| json!({"method": method});
    let domain = |reason: &str, code: &str, method: &str| json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code, "details": details(method)});
    let before = app.snapshot();
    let refusals = [
        (
            &lee,
            "rooms.muteUser",
            json!({"roomId": rid, "username": "kim"}),
            domain("Not allowed", "error-not-allowed", "muteUserInRoom"),
        ),
        (
            &kim,
            "rooms.unmuteUser",
            json!({"roomId": rid, "username": "max"}),
            domain(
                "User is not in this room",
                "error-user-not-in-room",
                "unmuteUserInRoom",
            ),
        ),
        (
            &app.admin,
            "rooms.muteUser",
            json!({"roomId": "nowhere", "username": "lee"}),
            domain("Invalid room", "error-invalid-room", "muteUserInRoom"),
        ),
        (
            &kim,
            "rooms.muteUser",
            json!({"roomId": rid, "username": "nobody"}),
            json!({"success": false,
                "error": "The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]",
                "errorType": "error-invalid-user"}),
        ),
    ];
    for (who, route, body, expected) in refusals {
        assert_eq!(
            post(&app, who, route, body.clone()).await,
            (400, expected),
            "{route} {body}"
        );
        assert_eq!(app.snapshot(), before, "{route} {body}");
    }
}
