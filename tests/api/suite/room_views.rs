//! `rooms.open`, `rooms.hide`, `rooms.roles`, `channels.counters` / `groups.counters` and
//! `channels.online` / `groups.online`: exact bodies, and refusals that change nothing.

use serde_json::{Value, json};

use crate::common::{TestApp, invalid_params};

/// Each (method, path, body, status, answer) as `who` sends it; the store is unchanged.
async fn refusals_change_nothing(
    app: &TestApp,
    who: &crate::common::Session,
    cases: &[(&str, String, Value, u16, Value)],
) {
    let before = app.snapshot();
    for (method, path, body, status, expected) in cases {
        let got = match *method {
            "GET" => app.get(path, Some(who)).await,
            _ => app.post(path, Some(who), body.clone()).await,
        };
        assert_eq!((got.0, &got.1), (*status, expected), "{method} {path}");
        assert_eq!(app.snapshot(), before, "{method} {path} changed the store");
    }
}

async fn subscription_open(app: &TestApp, who: &crate::common::Session, rid: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
            Some(who),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["subscription"]["open"].clone()
}

#[tokio::test]
async fn hide_and_open_change_only_the_callers_own_subscription() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let lee = app.user_session("lee").await;
    let rid = app.create_room("c", "hall", &kim, &["lee"]).await;
    let secret = app.create_room("p", "vault", &kim, &[]).await;

    let (status, body) = app
        .post("/api/v1/rooms.hide", Some(&kim), json!({"roomId": rid}))
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(subscription_open(&app, &kim, &rid).await, json!(false));
    assert_eq!(subscription_open(&app, &lee, &rid).await, json!(true));

    let unauthorized = json!({"success": false, "error": "unauthorized"});
    let hidden = json!({"success": false, "error": "error-room-already-hidden"});
    let no_member = app.user_session("max").await;
    refusals_change_nothing(
        &app,
        &kim,
        &[(
            "POST",
            "/api/v1/rooms.hide".into(),
            json!({"roomId": rid}),
            400,
            hidden.clone(),
        )],
    )
    .await;
    refusals_change_nothing(
        &app,
        &no_member,
        &[
            (
                "POST",
                "/api/v1/rooms.hide".into(),
                json!({"roomId": rid}),
                400,
                hidden.clone(),
            ),
            (
                "POST",
                "/api/v1/rooms.hide".into(),
                json!({"roomId": secret}),
                401,
                unauthorized.clone(),
            ),
            (
                "POST",
                "/api/v1/rooms.hide".into(),
                json!({"roomId": "nowhere"}),
                401,
                unauthorized,
            ),
            (
                "POST",
                "/api/v1/rooms.hide".into(),
                json!({"roomId": ""}),
                400,
                invalid_params("must NOT have fewer than 1 characters"),
            ),
            (
                "POST",
                "/api/v1/rooms.hide".into(),
                json!({"roomId": rid, "extra": 1}),
                400,
                invalid_params("must NOT have additional properties"),
            ),
        ],
    )
    .await;

    // Opening refuses nothing: a room that is not one's own, or open, stays as it is.
    for who in [&no_member, &lee] {
        let before = app.snapshot();
        let (status, body) = app
            .post("/api/v1/rooms.open", Some(who), json!({"roomId": rid}))
            .await;
        assert_eq!((status, body), (200, json!({"success": true})));
        assert_eq!(app.snapshot(), before);
    }
    let (status, _) = app
        .post("/api/v1/rooms.open", Some(&kim), json!({"roomId": rid}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(subscription_open(&app, &kim, &rid).await, json!(true));
}

#[tokio::test]
async fn rooms_roles_lists_holders_of_either_kind_for_those_who_may_see_it() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let lee = app.user_session("lee").await;
    let rid = app.create_room("p", "vault", &kim, &["lee"]).await;
    let (status, via_rooms) = app
        .get(&format!("/api/v1/rooms.roles?rid={rid}"), Some(&lee))
        .await;
    assert_eq!(status, 200, "{via_rooms}");
    let (_, via_groups) = app
        .get(&format!("/api/v1/groups.roles?roomId={rid}"), Some(&lee))
        .await;
    assert_eq!(via_rooms, via_groups);
    assert_eq!(via_rooms["roles"][0]["u"]["username"], "kim");
    assert_eq!(via_rooms["roles"][0]["roles"], json!(["owner"]));

    let outsider = app.user_session("max").await;
    let details = json!({"method": "getRoomRoles"});
    refusals_change_nothing(
        &app,
        &outsider,
        &[
            (
                "GET",
                format!("/api/v1/rooms.roles?rid={rid}"),
                Value::Null,
                400,
                json!({"success": false, "error": "Invalid user [error-invalid-user]",
                       "errorType": "error-invalid-user", "details": details}),
            ),
            (
                "GET",
                "/api/v1/rooms.roles?rid=nowhere".into(),
                Value::Null,
                400,
                json!({"success": false, "error": "Invalid room [error-invalid-room]",
                       "errorType": "error-invalid-room", "details": details}),
            ),
            (
                "GET",
                "/api/v1/rooms.roles".into(),
                Value::Null,
                400,
                invalid_params("must have required property 'rid'"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn counters_count_active_members_for_members_and_admins_only() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let lee_id = app.create_user("lee").await;
    let outsider = app.user_session("max").await;
    let rid = app.create_room("c", "hall", &kim, &["lee"]).await;
    let gid = app.create_room("p", "vault", &kim, &["lee"]).await;
    let (status, _) = app.set_active(&app.admin, &lee_id, false, false).await;
    assert_eq!(status, 200);

    let (status, mine) = app
        .get(
            &format!("/api/v1/channels.counters?roomId={rid}"),
            Some(&kim),
        )
        .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["joined"], true);
    assert_eq!(mine["members"], 1, "the deactivated member is not counted");
    assert_eq!(
        (mine["msgs"].clone(), mine["unreads"].clone()),
        (json!(0), json!(0))
    );
    assert!(
        mine["unreadsFrom"].is_string() && mine["latest"].is_string(),
        "{mine}"
    );

    let (_, theirs) = app
        .get("/api/v1/channels.counters?roomName=hall", Some(&outsider))
        .await;
    assert_eq!(
        theirs,
        json!({"joined": false, "members": null, "unreads": null, "unreadsFrom": null,
               "msgs": null, "latest": null, "userMentions": null, "success": true})
    );
    let (_, by_admin) = app
        .get(
            &format!("/api/v1/groups.counters?roomId={gid}&userId={lee_id}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        (by_admin["joined"].clone(), by_admin["members"].clone()),
        (json!(true), json!(1))
    );

    let unauthorized = json!({"success": false, "error": "unauthorized"});
    refusals_change_nothing(
        &app,
        &outsider,
        &[
            (
                "GET",
                format!("/api/v1/channels.counters?roomId=nowhere&userId={lee_id}"),
                Value::Null,
                403,
                unauthorized.clone(),
            ),
            (
                "GET",
                format!("/api/v1/groups.counters?roomId={gid}&userId={lee_id}"),
                Value::Null,
                403,
                unauthorized,
            ),
            (
                "GET",
                format!("/api/v1/groups.counters?roomId={rid}"),
                Value::Null,
                400,
                json!({"success": false,
                       "error": "The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]",
                       "errorType": "error-room-not-found"}),
            ),
            (
                "GET",
                "/api/v1/channels.counters".into(),
                Value::Null,
                400,
                invalid_params(
                    "must have required property 'roomId'\n must have required property 'roomName'\n must match a schema in anyOf",
                ),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn online_lists_nobody_and_refuses_rooms_one_may_not_see() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let outsider = app.user_session("max").await;
    let rid = app.create_room("c", "hall", &kim, &[]).await;
    let gid = app.create_room("p", "vault", &kim, &[]).await;
    for (path, who) in [
        (format!("/api/v1/channels.online?_id={rid}"), &outsider),
        (format!("/api/v1/groups.online?_id={gid}"), &kim),
    ] {
        let (status, body) = app.get(&path, Some(who)).await;
        assert_eq!(
            (status, body),
            (200, json!({"online": [], "success": true}))
        );
    }
    refusals_change_nothing(
        &app,
        &outsider,
        &[
            (
                "GET",
                format!("/api/v1/groups.online?_id={gid}"),
                Value::Null,
                400,
                json!({"success": false, "error": "Not Allowed [error-not-allowed]",
                       "errorType": "error-not-allowed"}),
            ),
            (
                "GET",
                format!("/api/v1/groups.online?_id={rid}"),
                Value::Null,
                400,
                json!({"success": false, "error": "Group does not exists"}),
            ),
            (
                "GET",
                "/api/v1/channels.online?_id=nowhere".into(),
                Value::Null,
                400,
                json!({"success": false, "error": "Channel does not exists"}),
            ),
            (
                "GET",
                "/api/v1/channels.online".into(),
                Value::Null,
                400,
                json!({"success": false, "error": "Invalid query"}),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn admins_read_any_room_and_list_private_groups() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let gid = app.create_room("p", "vault", &kim, &[]).await;
    app.create_room("p", "attic", &kim, &[]).await;
    app.create_room("c", "vaulted-hall", &kim, &[]).await;

    // The admin is no member of the group, and still reads it, fields at the top level.
    let (status, room) = app
        .get(
            &format!("/api/v1/rooms.adminRooms.getRoom?rid={gid}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200, "{room}");
    assert_eq!(
        (room["_id"].clone(), room["t"].clone()),
        (json!(gid), json!("p"))
    );
    assert_eq!(room["success"], true);
    assert!(
        room["customFields"].is_object() && room["u"]["username"] == "kim",
        "{room}"
    );

    let (status, page) = app
        .get(
            "/api/v1/rooms.adminRooms.privateRooms?filter=VAULT",
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let names: Vec<&str> = page["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["vault"], "channels are not private rooms");
    assert_eq!(
        (page["total"].clone(), page["count"].clone()),
        (json!(1), json!(1))
    );
    let (_, all) = app
        .get(
            "/api/v1/rooms.adminRooms.privateRooms?count=1&offset=1",
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        (all["total"].clone(), all["rooms"][0]["name"].clone()),
        (json!(2), json!("vault"))
    );

    refusals_change_nothing(
        &app,
        &kim,
        &[
            (
                "GET",
                format!("/api/v1/rooms.adminRooms.getRoom?rid={gid}"),
                Value::Null,
                400,
                json!({"success": false, "error": "error-not-authorized"}),
            ),
            (
                "GET",
                "/api/v1/rooms.adminRooms.privateRooms".into(),
                Value::Null,
                403,
                crate::common::forbidden(),
            ),
        ],
    )
    .await;
    refusals_change_nothing(
        &app,
        &app.admin,
        &[(
            "GET",
            "/api/v1/rooms.adminRooms.getRoom?rid=nowhere".into(),
            Value::Null,
            400,
            json!({"success": false, "error": "not-allowed", "errorType": "Not Allowed"}),
        )],
    )
    .await;
}

#[tokio::test]
async fn members_ordered_by_role_put_owners_then_leaders_then_moderators_first() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    for name in ["ann", "bob", "cy", "dee"] {
        app.create_user(name).await;
    }
    let rid = app
        .create_room("c", "hall", &kim, &["ann", "bob", "cy", "dee"])
        .await;
    for (route, who) in [
        ("channels.addModerator", "ann"),
        ("channels.addLeader", "dee"),
        ("channels.addOwner", "cy"),
    ] {
        let (status, body) = app
            .post(
                &format!("/api/v1/{route}"),
                Some(&kim),
                json!({"roomId": rid, "username": who}),
            )
            .await;
        assert_eq!(status, 200, "{route}: {body}");
    }
    let order = |body: &Value| -> Vec<String> {
        body["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["username"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, body) = app
        .get(
            &format!("/api/v1/rooms.membersOrderedByRole?roomId={rid}"),
            Some(&kim),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(order(&body), ["cy", "kim", "dee", "ann", "bob"]);
    assert_eq!(body["members"][0]["roles"], json!(["owner"]));
    assert_eq!(body["members"][4].get("roles"), None);
    assert!(body["members"][4]["subscription"]["ts"].is_string());
    assert_eq!(
        (body["total"].clone(), body["count"].clone()),
        (json!(5), json!(5))
    );
    let sort: String = form_urlencoded::byte_serialize(br#"{"rolePriority":-1}"#).collect();
    let (_, reversed) = app
        .get(
            &format!("/api/v1/rooms.membersOrderedByRole?roomName=hall&sort={sort}&count=2"),
            Some(&kim),
        )
        .await;
    assert_eq!(order(&reversed), ["bob", "ann"]);
    let (_, filtered) = app
        .get(
            &format!("/api/v1/rooms.membersOrderedByRole?roomId={rid}&filter=E"),
            Some(&kim),
        )
        .await;
    assert_eq!(order(&filtered), ["dee"]);

    let gid = app.create_room("p", "vault", &kim, &[]).await;
    let outsider = app.user_session("max").await;
    refusals_change_nothing(
        &app,
        &outsider,
        &[
            (
                "GET",
                format!("/api/v1/rooms.membersOrderedByRole?roomId={gid}"),
                Value::Null,
                404,
                json!({"success": false,
                       "error": "The required \"roomId\" or \"roomName\" param provided does not match any room"}),
            ),
            (
                "GET",
                "/api/v1/rooms.membersOrderedByRole".into(),
                Value::Null,
                400,
                invalid_params(
                    "must have required property 'roomId'\n must have required property 'roomName'\n must match exactly one schema in oneOf",
                ),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_username_suggestion_is_free_and_follows_the_name() {
    let app = TestApp::new().await;
    let (status, body) = app
        .post(
            "/api/v1/users.create",
            Some(&app.admin),
            json!({"username": "adalove", "email": "ada@example.org", "name": "Ada Lovelace",
                   "password": "ada-password-1"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ada = app.login("adalove", "ada-password-1").await;
    let suggest = || async {
        app.get("/api/v1/users.getUsernameSuggestion", Some(&ada))
            .await
    };
    assert_eq!(
        suggest().await,
        (200, json!({"result": "ada.lovelace", "success": true}))
    );
    // Taken names are skipped, in Rocket.Chat's order of candidates.
    app.create_user("ada.lovelace").await;
    assert_eq!(suggest().await.1["result"], "alovelace");
    app.create_user("alovelace").await;
    assert_eq!(suggest().await.1["result"], "adal");
    app.create_user("adal").await;
    assert_eq!(suggest().await.1["result"], "ada.lovelace-0");
    // Numbering starts at how many `ada.lovelace-<digit>…` names exist (two here: `-x` is
    // no number, and the `.` matches only itself), then skips taken ones.
    for name in [
        "ada.lovelace-0",
        "ada.lovelace-7",
        "ada.lovelace-x",
        "adaxlovelace-5",
    ] {
        app.create_user(name).await;
    }
    assert_eq!(suggest().await.1["result"], "ada.lovelace-2");
    app.create_user("ada.lovelace-3").await;
    // Three now: -3 is tried first and taken, so -4.
    assert_eq!(suggest().await.1["result"], "ada.lovelace-4");
}

#[tokio::test]
async fn notification_settings_are_the_members_own_and_all_or_nothing() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let rid = app.create_room("c", "hall", &kim, &[]).await;
    // Rocket.Chat's own end-to-end test sends these.
    let (status, body) = app
        .post(
            "/api/v1/rooms.saveNotification",
            Some(&kim),
            json!({"roomId": rid, "notifications": {"disableNotifications": "0",
                   "emailNotifications": "nothing", "audioNotificationValue": "beep",
                   "desktopNotifications": "nothing", "mobilePushNotifications": "mentions",
                   "hideUnreadStatus": 1}}),
        )
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    let (_, one) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
            Some(&kim),
        )
        .await;
    let sub = &one["subscription"];
    assert_eq!(
        (
            &sub["desktopNotifications"],
            &sub["desktopPrefOrigin"],
            &sub["mobilePushNotifications"],
            &sub["disableNotifications"],
            &sub["hideUnreadStatus"],
            &sub["audioNotificationValue"]
        ),
        (
            &json!("nothing"),
            &json!("subscription"),
            &json!("mentions"),
            &json!(false),
            &json!(true),
            &json!("beep")
        ),
        "{sub}"
    );
    // `default` follows the member's own preference, or unsets.
    let (status, _) = app
        .post(
            "/api/v1/users.setPreferences",
            Some(&kim),
            json!({"data": {"desktopNotifications": "all"}}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            "/api/v1/rooms.saveNotification",
            Some(&kim),
            json!({"roomId": rid, "notifications": {"desktopNotifications": "default",
                   "emailNotifications": "default", "audioNotificationValue": "default"}}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, one) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={rid}"),
            Some(&kim),
        )
        .await;
    let sub = &one["subscription"];
    assert_eq!(
        (&sub["desktopNotifications"], &sub["desktopPrefOrigin"]),
        (&json!("all"), &json!("user"))
    );
    assert_eq!(
        (
            sub.get("emailNotifications"),
            sub.get("audioNotificationValue")
        ),
        (None, None)
    );

    let settings = |reason: &str| {
        json!({"success": false, "error": format!("{reason} [error-invalid-settings]"),
               "errorType": "error-invalid-settings", "details": {"method": "saveNotificationSettings"}})
    };
    let outsider = app.user_session("max").await;
    refusals_change_nothing(
        &app,
        &kim,
        &[
            (
                "POST",
                "/api/v1/rooms.saveNotification".into(),
                json!({"roomId": rid, "notifications": {"unreadAlert": "all", "desktopNotificationDuration": "3"}}),
                400,
                settings("Invalid settings field"),
            ),
            (
                "POST",
                "/api/v1/rooms.saveNotification".into(),
                json!({"roomId": rid, "notifications": {"unreadAlert": "all", "emailNotifications": "loud"}}),
                400,
                settings("Invalid settings value"),
            ),
            (
                "POST",
                "/api/v1/rooms.saveNotification".into(),
                json!({"roomId": rid, "notifications": {}}),
                400,
                invalid_params("must NOT have fewer than 1 properties"),
            ),
        ],
    )
    .await;
    refusals_change_nothing(
        &app,
        &outsider,
        &[(
            "POST",
            "/api/v1/rooms.saveNotification".into(),
            json!({"roomId": rid, "notifications": {"unreadAlert": "all"}}),
            400,
            json!({"success": false, "error": "Invalid subscription [error-invalid-subscription]",
                   "errorType": "error-invalid-subscription", "details": {"method": "saveNotificationSettings"}}),
        )],
    )
    .await;
}
