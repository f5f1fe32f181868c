//! `users.updateOwnBasicInfo`, `users.logoutOtherClients`, `users.removeOtherTokens`,
//! `users.getStatus`, `users.presence`, `users.autocomplete`, `rooms.isMember`,
//! `rooms.nameExists`, `rooms.autocomplete.*`, `*.setPurpose` and the settings they obey.

use serde_json::{Value, json};
use sha2::Digest;

use crate::common::{Session, TestApp, invalid_params};

fn domain(reason: &str, code: &str, details: Value) -> Value {
    json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code, "details": details})
}

fn digest(password: &str) -> String {
    sha2::Sha256::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn set(app: &TestApp, id: &str, value: Value) {
    let (status, body) = app
        .post(
            &format!("/api/v1/settings/{id}"),
            Some(&app.admin),
            json!({ "value": value }),
        )
        .await;
    assert_eq!(status, 200, "{id}: {body}");
}

async fn own(app: &TestApp, who: &Session, data: Value) -> (u16, Value) {
    app.post(
        "/api/v1/users.updateOwnBasicInfo",
        Some(who),
        json!({ "data": data }),
    )
    .await
}

#[tokio::test]
async fn own_basic_info_changes_the_profile_as_the_settings_allow() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let (status, body) = own(
        &app,
        &ada,
        json!({"name": "Ada L.", "nickname": "al", "bio": "maths"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["name"], "Ada L.");
    assert_eq!(body["user"]["nickname"], "al");
    assert_eq!(body["user"]["bio"], "maths");

    // Each Accounts_Allow*Change turned off refuses its change, and changes nothing.
    let refused = |reason: &str| {
        domain(
            reason,
            "error-action-not-allowed",
            json!({"method": "insertOrUpdateUser", "action": "Update_user"}),
        )
    };
    let cases = [
        (
            "Accounts_AllowUsernameChange",
            json!({"username": "ada2"}),
            refused("Edit username is not allowed"),
        ),
        (
            "Accounts_AllowRealNameChange",
            json!({"name": "Other"}),
            refused("Edit user real name is not allowed"),
        ),
        (
            "Accounts_AllowEmailChange",
            json!({"email": "new@example.org"}),
            refused("Edit user email is not allowed"),
        ),
        (
            "Accounts_AllowPasswordChange",
            json!({"newPassword": "x-new-password"}),
            refused("Edit user password is not allowed"),
        ),
        (
            "Accounts_AllowUserStatusMessageChange",
            json!({"statusText": "away"}),
            refused("Edit user status is not allowed"),
        ),
        (
            "Accounts_AllowUserProfileChange",
            json!({"bio": "new"}),
            domain(
                "Not allowed",
                "error-not-allowed",
                json!({"method": "saveUserProfile"}),
            ),
        ),
    ];
    for (setting, data, expected) in cases {
        set(&app, setting, json!(false)).await;
        let before = app.snapshot();
        assert_eq!(
            own(&app, &ada, data.clone()).await,
            (400, expected),
            "{setting}"
        );
        assert_eq!(
            app.snapshot(),
            before,
            "{setting}: a refusal changed nothing"
        );
        set(&app, setting, json!(true)).await;
    }
    // Keys Rocket.Chat's schema does not know are refused.
    let before = app.snapshot();
    let (status, body) = own(&app, &ada, json!({"roles": ["admin"]})).await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("invalid-params")),
        "{body}"
    );
    assert_eq!(app.snapshot(), before);
    // The same username again is no change, whatever the setting.
    set(&app, "Accounts_AllowUsernameChange", json!(false)).await;
    assert_eq!(own(&app, &ada, json!({"username": "ada"})).await.0, 200);
    set(&app, "Accounts_AllowUsernameChange", json!(true)).await;
    let (status, body) = own(&app, &ada, json!({"username": "ada2"})).await;
    assert_eq!(
        (status, &body["user"]["username"]),
        (200, &json!("ada2")),
        "{body}"
    );
    // Blocked names: Rocket.Chat's own and Accounts_BlockedUsernameList.
    set(&app, "Accounts_BlockedUsernameList", json!("boss, Chief")).await;
    let before = app.snapshot();
    let (status, body) = own(&app, &ada, json!({"username": "chief"})).await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-blocked-username")),
        "{body}"
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_new_password_or_email_needs_the_current_password_and_ends_other_sessions() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let other = app.login("ada", "ada-password").await;
    let before = app.snapshot();
    let required = own(&app, &ada, json!({"newPassword": "brand-new-password"})).await;
    assert_eq!(required.0, 400);
    assert_eq!(required.1["errorType"], "totp-required", "{}", required.1);
    let wrong = own(
        &app,
        &ada,
        json!({"email": "ada2@example.org", "currentPassword": digest("wrong")}),
    )
    .await;
    assert_eq!(wrong.1["errorType"], "totp-invalid", "{}", wrong.1);
    let same = own(
        &app,
        &ada,
        json!({"newPassword": "ada-password", "currentPassword": digest("ada-password")}),
    )
    .await;
    assert_eq!(
        same,
        (
            400,
            domain(
                "Entered password same as current password",
                "error-password-same-as-current",
                json!({"method": "saveUserProfile"})
            )
        )
    );
    assert_eq!(app.snapshot(), before, "refusals changed nothing");

    let (status, body) = own(
        &app,
        &ada,
        json!({"newPassword": "brand-new-password", "email": "ada2@example.org", "currentPassword": digest("ada-password")}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["emails"][0]["address"], "ada2@example.org");
    // The session that asked stays; the other one ends; the new password logs in.
    assert_eq!(app.get("/api/v1/me", Some(&ada)).await.0, 200);
    assert_eq!(app.get("/api/v1/me", Some(&other)).await.0, 401);
    app.login("ada", "brand-new-password").await;
}

#[tokio::test]
async fn other_sessions_end_and_the_one_used_stays() {
    let app = TestApp::new().await;
    let first = app.user_session("ada").await;
    let second = app.login("ada", "ada-password").await;
    let third = app.login("ada", "ada-password").await;
    let (status, body) = app
        .post("/api/v1/users.logoutOtherClients", Some(&first), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token"], first.token);
    assert!(
        body["tokenExpires"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );
    assert_eq!(app.get("/api/v1/me", Some(&second)).await.0, 401);
    assert_eq!(app.get("/api/v1/me", Some(&third)).await.0, 401);
    assert_eq!(app.get("/api/v1/me", Some(&first)).await.0, 200);

    let fourth = app.login("ada", "ada-password").await;
    let (status, body) = app
        .post("/api/v1/users.removeOtherTokens", Some(&fourth), json!({}))
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(app.get("/api/v1/me", Some(&first)).await.0, 401);
    assert_eq!(app.get("/api/v1/me", Some(&fourth)).await.0, 200);
}

#[tokio::test]
async fn status_presence_and_autocomplete_answer_as_rocket_chat() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob = app.create_user("bob").await;
    app.create_user("bobby").await;

    let (status, body) = app.get("/api/v1/users.getStatus", Some(&ada)).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"_id": ada.user_id, "connectionStatus": "offline", "status": "offline", "success": true})
        )
    );
    let (status, body) = app
        .get("/api/v1/users.getStatus?username=bob", Some(&ada))
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"_id": bob, "status": "offline", "success": true})
        )
    );
    let (status, body) = app
        .get("/api/v1/users.getStatus?username=nobody", Some(&ada))
        .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-invalid-user")),
        "{body}"
    );

    let (status, body) = app.get("/api/v1/users.presence", Some(&ada)).await;
    assert_eq!(
        (status, body),
        (200, json!({"users": [], "full": true, "success": true}))
    );
    let (status, body) = app
        .get(
            &format!("/api/v1/users.presence?ids={bob},nobody"),
            Some(&ada),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["full"], false);
    assert_eq!(body["users"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["users"][0]["username"], "bob");

    // Plain users hold view-outside-room: everyone active is searched.
    let selector = |s: Value| urlencode(&s.to_string());
    let (status, body) = app
        .get(
            &format!(
                "/api/v1/users.autocomplete?selector={}",
                selector(json!({"term": "BO", "exceptions": ["bobby"]}))
            ),
            Some(&ada),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bob"]);
    let (status, body) = app
        .get(
            "/api/v1/users.autocomplete?selector=%7Bnot-json",
            Some(&ada),
        )
        .await;
    assert_eq!((status, body["success"].clone()), (400, json!(false)));
    let (status, _) = app.get("/api/v1/users.autocomplete", Some(&ada)).await;
    assert_eq!(status, 400);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn room_look_ups_answer_membership_names_and_prefixes() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob = app.create_user("bob").await;
    let team = app.create_room("p", "team-room", &ada, &["bob"]).await;
    let secret = app.create_room("p", "secret", &app.admin, &[]).await;
    let chat = app.create_room("c", "team-chat", &app.admin, &[]).await;

    let get = |path: String, who: Session| {
        let app = &app;
        async move { app.get(&path, Some(&who)).await }
    };
    assert_eq!(
        get(
            format!("/api/v1/rooms.isMember?roomId={team}&username=bob"),
            ada.clone()
        )
        .await,
        (200, json!({"isMember": true, "success": true}))
    );
    assert_eq!(
        get(
            format!(
                "/api/v1/rooms.isMember?roomId={team}&userId={}",
                app.admin.user_id
            ),
            ada.clone()
        )
        .await,
        (200, json!({"isMember": false, "success": true}))
    );
    assert_eq!(
        get(
            format!("/api/v1/rooms.isMember?roomId={team}&username=nobody"),
            ada.clone()
        )
        .await,
        (
            400,
            json!({"success": false, "error": "error-user-not-found"})
        )
    );
    assert_eq!(
        get(
            format!("/api/v1/rooms.isMember?roomId={secret}&userId={bob}"),
            ada.clone()
        )
        .await,
        (403, json!({"success": false, "error": "unauthorized"}))
    );
    assert_eq!(
        get(
            format!("/api/v1/rooms.isMember?roomId={team}&userId={bob}&username=bob"),
            ada.clone()
        )
        .await
        .0,
        400
    );
    assert_eq!(
        get(
            "/api/v1/rooms.nameExists?roomName=secret".into(),
            ada.clone()
        )
        .await,
        (200, json!({"exists": true, "success": true}))
    );
    assert_eq!(
        get(
            "/api/v1/rooms.nameExists?roomName=nothing".into(),
            ada.clone()
        )
        .await,
        (200, json!({"exists": false, "success": true}))
    );

    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Ada's rooms starting with "TEAM": her group, not the channel she has not joined.
    let sel = urlencode(&json!({"name": "TEAM"}).to_string());
    let (status, body) = get(
        format!("/api/v1/rooms.autocomplete.channelAndPrivate?selector={sel}"),
        ada.clone(),
    )
    .await;
    assert_eq!(
        (status, names(&body)),
        (200, vec!["team-room".to_string()]),
        "{body}"
    );
    let (status, body) = get(
        format!(
            "/api/v1/rooms.autocomplete.channelAndPrivate.withPagination?selector={sel}&count=1"
        ),
        ada.clone(),
    )
    .await;
    assert_eq!((status, body["total"].clone()), (200, json!(1)), "{body}");
    // Admins search every room; others are refused as Rocket.Chat refuses them.
    let (status, body) = get(
        format!("/api/v1/rooms.autocomplete.adminRooms?selector={sel}"),
        app.admin.clone(),
    )
    .await;
    assert_eq!(
        (status, names(&body)),
        (200, vec!["team-chat".to_string(), "team-room".to_string()])
    );
    assert_eq!(
        get(
            format!("/api/v1/rooms.autocomplete.adminRooms?selector={sel}"),
            ada.clone()
        )
        .await,
        (
            400,
            json!({"success": false, "error": "error-not-authorized"})
        )
    );
    // channels.list keeps one room by `_id`.
    let (status, body) = get(format!("/api/v1/channels.list?_id={chat}"), ada.clone()).await;
    assert_eq!(
        (status, &body["total"], &body["channels"][0]["_id"]),
        (200, &json!(1), &json!(chat)),
        "{body}"
    );
    // Rooms Ada owns.
    let (status, body) = get(
        "/api/v1/rooms.autocomplete.availableForTeams?name=t".into(),
        ada.clone(),
    )
    .await;
    assert_eq!((status, names(&body)), (200, vec!["team-room".to_string()]));
}

#[tokio::test]
async fn set_purpose_writes_the_description() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let chan = app.create_room("c", "chan", &ada, &[]).await;
    let group = app.create_room("p", "grp", &ada, &[]).await;
    for (family, key, id) in [("channels", "channel", &chan), ("groups", "group", &group)] {
        let (status, body) = app
            .post(
                &format!("/api/v1/{family}.setPurpose"),
                Some(&ada),
                json!({"roomId": id, "purpose": "why"}),
            )
            .await;
        assert_eq!(
            (status, body),
            (200, json!({"purpose": "why", "success": true})),
            "{family}"
        );
        let (_, info) = app
            .get(&format!("/api/v1/{family}.info?roomId={id}"), Some(&ada))
            .await;
        assert_eq!(info[key]["description"], "why");
    }
    let bob = app.user_session("bob").await;
    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/channels.setPurpose",
            Some(&ada),
            json!({"roomId": chan, "purpose": "why"}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"success": false, "error": "The channel purpose (description) is the same as what it would be changed to."})
        )
    );
    let (status, body) = app
        .post(
            "/api/v1/channels.setPurpose",
            Some(&bob),
            json!({"roomId": chan, "purpose": "mine"}),
        )
        .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-action-not-allowed")),
        "{body}"
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn lists_obey_the_count_settings() {
    let app = TestApp::new().await;
    for name in ["u1", "u2", "u3", "u4"] {
        app.create_user(name).await;
    }
    let count = |body: &Value| body["users"].as_array().unwrap().len();
    set(&app, "API_Default_Count", json!(2)).await;
    set(&app, "API_Upper_Count_Limit", json!(3)).await;
    let (_, body) = app.get("/api/v1/users.list", Some(&app.admin)).await;
    assert_eq!(count(&body), 2);
    let (_, body) = app
        .get("/api/v1/users.list?count=50", Some(&app.admin))
        .await;
    assert_eq!(count(&body), 3);
    let (_, body) = app
        .get("/api/v1/users.list?count=0", Some(&app.admin))
        .await;
    assert!(count(&body) >= 5, "{body}");
    set(&app, "API_Allow_Infinite_Count", json!(false)).await;
    let (_, body) = app
        .get("/api/v1/users.list?count=0", Some(&app.admin))
        .await;
    assert_eq!(count(&body), 2);
}

#[tokio::test]
async fn registration_follows_its_setting() {
    let app = TestApp::new().await;
    let register = |username: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/users.register",
                None,
                json!({"username": username, "email": format!("{username}@example.org"), "pass": "a-long-password", "name": username}),
            )
            .await
        }
    };
    assert_eq!(register("first").await.0, 200);
    set(&app, "Accounts_RegistrationForm", json!("Disabled")).await;
    let before = app.snapshot();
    let (status, body) = register("second").await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-user-registration-disabled"))
    );
    assert_eq!(app.snapshot(), before);
    let (status, body) = app
        .post(
            "/api/v1/settings/Accounts_RegistrationForm",
            Some(&app.admin),
            json!({"value": "Sometimes"}),
        )
        .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-invalid-setting-value")),
        "{body}"
    );
    set(&app, "Accounts_RegistrationForm", json!("Public")).await;
    assert_eq!(register("third").await.0, 200);
}

#[tokio::test]
async fn preferences_are_saved_read_back_and_merged_over_the_defaults() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let bob = app.user_session("bob").await;
    let refused = (
        400,
        json!({"success": false, "error": "FAILED TO RETRIEVE USER PREFERENCES BECAUSE THEY HAVEN'T BEEN SET UP BY THE USER YET"}),
    );
    assert_eq!(
        app.get("/api/v1/users.getPreferences", Some(&ada)).await,
        refused
    );
    // /me shows the defaults (the Accounts_Default_User_Preferences_* settings).
    let (_, me) = app.get("/api/v1/me", Some(&ada)).await;
    assert_eq!(
        me["settings"]["preferences"]["sidebarViewMode"], "medium",
        "{me}"
    );
    assert_eq!(me["settings"]["preferences"]["idleTimeLimit"], 300);

    let save = |who: Session, body: Value| {
        let app = &app;
        async move {
            app.post("/api/v1/users.setPreferences", Some(&who), body)
                .await
        }
    };
    let (status, body) = save(
        ada.clone(),
        json!({"data": {"sidebarViewMode": "condensed", "emailNotificationMode": "all", "highlights": ["urgent"]}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["_id"], ada.user_id);
    let saved = json!({"sidebarViewMode": "condensed", "emailNotificationMode": "mentions", "highlights": ["urgent"]});
    assert_eq!(body["user"]["settings"]["preferences"], saved);
    assert_eq!(
        app.get("/api/v1/users.getPreferences", Some(&ada)).await,
        (200, json!({"preferences": saved, "success": true}))
    );
    let (_, me) = app.get("/api/v1/me", Some(&ada)).await;
    assert_eq!(
        me["settings"]["preferences"]["sidebarViewMode"],
        "condensed"
    );
    assert_eq!(me["settings"]["preferences"]["useEmojis"], true);
    // A changed default shows for those who did not choose.
    set(
        &app,
        "Accounts_Default_User_Preferences_useEmojis",
        json!(false),
    )
    .await;
    let (_, me) = app.get("/api/v1/me", Some(&ada)).await;
    assert_eq!(me["settings"]["preferences"]["useEmojis"], false);

    // Refusals change nothing.
    let before = app.snapshot();
    let cases = [
        (
            json!({"userId": ada.user_id, "data": {"hideRoles": true}}),
            json!({"success": false, "error": "Editing user is not allowed [error-action-not-allowed]", "errorType": "error-action-not-allowed"}),
        ),
        (
            json!({"data": {"idleTimeLimit": 30}}),
            json!({"success": false, "error": "Invalid idleTimeLimit [invalid-idle-time-limit-value]", "errorType": "invalid-idle-time-limit-value"}),
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            save(bob.clone(), body.clone()).await,
            (400, expected),
            "{body}"
        );
    }
    let (status, _) = save(bob.clone(), json!({"data": {"noSuchPreference": 1}})).await;
    assert_eq!(status, 400);
    let (status, body) = save(
        app.admin.clone(),
        json!({"userId": "nobody", "data": {"hideRoles": true}}),
    )
    .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-invalid-user")),
        "{body}"
    );
    assert_eq!(app.snapshot(), before);
    // An admin sets another user's.
    let (status, body) = save(
        app.admin.clone(),
        json!({"userId": bob.user_id, "data": {"hideRoles": true}}),
    )
    .await;
    assert_eq!(
        (status, &body["user"]["settings"]["preferences"]),
        (200, &json!({"hideRoles": true}))
    );
}

#[tokio::test]
async fn custom_fields_given_at_creation_are_stored_and_shown() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    for (family, key) in [("channels", "channel"), ("groups", "group")] {
        let name = format!("{family}-with-fields");
        let (status, body) = app
            .post(
                &format!("/api/v1/{family}.create"),
                Some(&ada),
                json!({"name": name, "customFields": {"team": "ops", "floor": 3}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body[key]["customFields"],
            json!({"team": "ops", "floor": 3})
        );
        let id = body[key]["_id"].as_str().unwrap().to_string();
        let (_, info) = app
            .get(&format!("/api/v1/{family}.info?roomId={id}"), Some(&ada))
            .await;
        assert_eq!(
            info[key]["customFields"],
            json!({"team": "ops", "floor": 3})
        );
    }
    let before = app.snapshot();
    let (status, _) = app
        .post(
            "/api/v1/channels.create",
            Some(&ada),
            json!({"name": "too-big", "customFields": {"x": "y".repeat(5000)}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn username_availability_answers_as_rocket_chat() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    app.create_user("bob").await;
    let check = |name: &str| {
        let app = &app;
        let ada = ada.clone();
        let path = format!("/api/v1/users.checkUsernameAvailability?username={name}");
        async move { app.get(&path, Some(&ada)).await }
    };
    let yes = (200, json!({"result": true, "success": true}));
    let no = (200, json!({"result": false, "success": true}));
    assert_eq!(check("ada").await, yes);
    assert_eq!(check("free-name").await, yes);
    assert_eq!(check("BOB").await, no);
    let (status, body) = check("admin").await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-blocked-username")),
        "{body}"
    );
    assert_eq!(
        check("").await,
        (
            400,
            domain(
                "Invalid username",
                "error-invalid-username",
                json!({"method": "setUsername"})
            )
        )
    );
    set(&app, "Accounts_AllowUsernameChange", json!(false)).await;
    assert_eq!(
        check("free-name").await,
        (
            400,
            domain(
                "Not allowed",
                "error-not-allowed",
                json!({"method": "setUsername"})
            )
        )
    );
}

#[tokio::test]
async fn add_all_obeys_api_user_limit() {
    let app = TestApp::new().await;
    for name in ["u1", "u2", "u3"] {
        app.create_user(name).await;
    }
    let room = app.create_room("c", "everyone", &app.admin, &[]).await;
    set(&app, "API_User_Limit", json!(2)).await;
    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/channels.addAll",
            Some(&app.admin),
            json!({"roomId": room}),
        )
        .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-user-limit-exceeded")),
        "{body}"
    );
    assert_eq!(app.snapshot(), before);
    set(&app, "API_User_Limit", json!(500)).await;
    let (status, body) = app
        .post(
            "/api/v1/channels.addAll",
            Some(&app.admin),
            json!({"roomId": room}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn rooms_join_joins_channels_as_channels_join_and_no_group_uninvited() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let open = app.create_room("c", "open-room", &app.admin, &[]).await;
    let coded = app.create_room("c", "coded-room", &app.admin, &[]).await;
    let group = app.create_room("p", "closed-group", &app.admin, &[]).await;
    let (status, _) = app
        .post(
            "/api/v1/channels.setJoinCode",
            Some(&app.admin),
            json!({"roomId": coded, "joinCode": "123"}),
        )
        .await;
    assert_eq!(status, 200);
    let join = |body: Value| {
        let app = &app;
        let ada = ada.clone();
        async move { app.post("/api/v1/rooms.join", Some(&ada), body).await }
    };
    let before = app.snapshot();
    for (body, code) in [
        (json!({"roomId": "nowhere"}), "error-room-not-found"),
        (json!({"roomId": group}), "error-not-allowed"),
        (json!({"roomId": coded}), "error-code-required"),
        (
            json!({"roomId": coded, "joinCode": "WRONG"}),
            "error-code-invalid",
        ),
    ] {
        let (status, answer) = join(body.clone()).await;
        assert_eq!(
            (status, &answer["errorType"]),
            (400, &json!(code)),
            "{body}: {answer}"
        );
    }
    assert_eq!(app.snapshot(), before, "refusals changed nothing");
    let (status, answer) = join(json!({"roomName": "open-room"})).await;
    assert_eq!(
        (status, &answer["room"]["_id"]),
        (200, &json!(open)),
        "{answer}"
    );
    let (status, answer) = join(json!({"roomId": coded, "joinCode": "123"})).await;
    assert_eq!(
        (status, &answer["room"]["_id"]),
        (200, &json!(coded)),
        "{answer}"
    );
    let (_, member) = app
        .get(
            &format!(
                "/api/v1/rooms.isMember?roomId={coded}&userId={}",
                ada.user_id
            ),
            Some(&ada),
        )
        .await;
    assert_eq!(member["isMember"], true);
}

#[tokio::test]
async fn users_delete_their_own_account_only_when_allowed_and_never_leave_a_room_ownerless() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    app.create_user("lee").await;
    let rid = app.create_room("p", "vault", &kim, &["lee"]).await;
    let kims = digest("kim-password");
    let delete = |body: Value| {
        let kim = &kim;
        let app = &app;
        async move {
            app.post("/api/v1/users.deleteOwnAccount", Some(kim), body)
                .await
        }
    };
    let before = app.snapshot();
    let off = delete(json!({"password": kims})).await;
    assert_eq!(
        off,
        (
            400,
            json!({"success": false, "error": "Not allowed [error-not-allowed]", "errorType": "error-not-allowed"})
        )
    );
    assert_eq!(
        delete(json!({})).await,
        (
            400,
            invalid_params("must have required property 'password'")
        )
    );
    assert_eq!(app.snapshot(), before);

    let (status, _) = app
        .post(
            "/api/v1/settings/Accounts_AllowDeleteOwnAccount",
            Some(&app.admin),
            json!({"value": true}),
        )
        .await;
    assert_eq!(status, 200);
    let before = app.snapshot();
    assert_eq!(
        delete(json!({"password": digest("wrong")})).await,
        (
            400,
            json!({"success": false, "error": "Invalid password [error-invalid-password]",
                     "errorType": "error-invalid-password", "details": {"method": "deleteUserOwnAccount"}})
        )
    );
    let (status, last_owner) = delete(json!({"password": kims})).await;
    assert_eq!(status, 400, "{last_owner}");
    assert_eq!(
        (&last_owner["error"], &last_owner["errorType"]),
        (&json!("[user-last-owner]"), &json!("user-last-owner"))
    );
    assert_eq!(app.snapshot(), before);

    // Upper-case hex is the same digest; the room passes to its other member.
    let (status, body) =
        delete(json!({"password": kims.to_uppercase(), "confirmRelinquish": true})).await;
    assert_eq!((status, body), (200, json!({"success": true})));
    assert_eq!(app.owners("groups", &rid).await, ["lee"]);
    let (status, _) = app.get("/api/v1/me", Some(&kim)).await;
    assert_eq!(status, 401, "the deleted account's session is gone");
    let (status, _) = app
        .get("/api/v1/users.info?username=kim", Some(&app.admin))
        .await;
    assert_eq!(status, 400);
}

/// As in Rocket.Chat, `Accounts_TwoFactorAuthentication_Enabled` off lifts the second factor
/// by password: a new password needs no `currentPassword` (its own suite's password-policy
/// block turns it off and sends a stale one).
#[tokio::test]
async fn with_two_factor_off_a_new_password_needs_no_current_password() {
    let app = TestApp::new().await;
    let kim = app.user_session("kim").await;
    let change = json!({"data": {"newPassword": "kim-new-password-1"}});
    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            Some(&kim),
            change.clone(),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(app.snapshot(), before);
    let (status, _) = app
        .post(
            "/api/v1/settings/Accounts_TwoFactorAuthentication_Enabled",
            Some(&app.admin),
            json!({"value": false}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post("/api/v1/users.updateOwnBasicInfo", Some(&kim), change)
        .await;
    assert_eq!(status, 200, "{body}");
    app.login("kim", "kim-new-password-1").await;
}
