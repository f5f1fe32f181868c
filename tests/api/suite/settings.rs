//! `settings.*`: the settings rocketlite serves, read and changed as Rocket.Chat's settings
//! API reads and changes them, checked against their types, audited, and refused without
//! changing anything.

use serde_json::{Value, json};

use crate::common::{TestApp, forbidden, invalid_params};

fn ids(body: &Value) -> Vec<String> {
    body["settings"]
        .as_array()
        .unwrap_or_else(|| panic!("no settings in {body}"))
        .iter()
        .map(|s| s["_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn admins_list_every_setting_with_its_groups_and_others_only_the_public_ones() {
    let app = TestApp::new().await;
    let (status, body) = app
        .get(
            "/api/v1/settings?includeDefaults=true&count=0",
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let all = ids(&body);
    assert!(all.contains(&"API_Enable_Rate_Limiter_Limit_Calls_Default".to_string()));
    assert!(
        all.contains(&"Rate Limiter".to_string()),
        "the group: {all:?}"
    );
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "by _id");
    let calls = body["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["_id"] == "API_Enable_Rate_Limiter_Limit_Calls_Default")
        .unwrap();
    assert_eq!(
        calls,
        &json!({"_id": "API_Enable_Rate_Limiter_Limit_Calls_Default", "value": 10, "enterprise": false, "packageValue": 10})
    );
    assert_eq!(
        (&body["count"], &body["total"]),
        (&json!(all.len()), &json!(all.len()))
    );
    // Paged and reversed by _id.
    let (_, page) = app
        .get(
            "/api/v1/settings?count=2&offset=1&sort=%7B%22_id%22%3A-1%7D",
            Some(&app.admin),
        )
        .await;
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert_eq!(ids(&page), reversed[1..3].to_vec());
    assert_eq!(
        (&page["offset"], &page["total"]),
        (&json!(1), &json!(all.len()))
    );

    // Nobody else sees a private setting, logged in or not.
    let ada = app.user_session("ada").await;
    for session in [Some(&ada), None] {
        let path = match session {
            Some(_) => "/api/v1/settings",
            None => "/api/v1/settings.public",
        };
        let (status, body) = app.get(path, session).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            ids(&body)
                .iter()
                .all(|id| !id.starts_with("API_Enable_Rate")),
            "{path}: {body}"
        );
    }
    let (status, body) = app.get("/api/v1/settings.public?fields=x", None).await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("invalid-params"))
    );
    let (status, body) = app.get("/api/v1/settings.oauth", None).await;
    assert_eq!(
        (status, body),
        (200, json!({"services": [], "success": true}))
    );
}

#[tokio::test]
async fn a_setting_is_read_and_changed_by_id_checked_audited_and_refused_without_a_trace() {
    let app = TestApp::new().await;
    let path = "/api/v1/settings/API_Enable_Rate_Limiter_Limit_Calls_Default";
    let (status, body) = app.get(path, Some(&app.admin)).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"_id": "API_Enable_Rate_Limiter_Limit_Calls_Default", "value": 10, "success": true})
        )
    );
    let ada = app.user_session("ada").await;
    let before = app.snapshot();
    let bare = json!({"success": false});
    let invalid = |problem: &str| {
        json!({
            "success": false,
            "error": format!("Value for setting API_Enable_Rate_Limiter_Limit_Calls_Default {problem} [error-invalid-setting-value]"),
            "errorType": "error-invalid-setting-value",
            "details": {"method": "saveSettings"},
        })
    };
    let refusals = [
        (Some(&ada), path, json!({"value": 3}), 403, forbidden()),
        (
            Some(&app.admin),
            "/api/v1/settings/Site_Nope",
            json!({"value": 3}),
            400,
            bare.clone(),
        ),
        (Some(&app.admin), path, json!({}), 400, bare.clone()),
        (
            Some(&app.admin),
            path,
            json!({"value": "many"}),
            400,
            invalid("must be a int"),
        ),
        (
            Some(&app.admin),
            path,
            json!({"value": 0}),
            400,
            invalid("must be greater than or equal to 1"),
        ),
        (
            Some(&app.admin),
            "/api/v1/settings/API_Enable_Rate_Limiter",
            json!({"value": "yes"}),
            400,
            json!({
                "success": false,
                "error": "Value for setting API_Enable_Rate_Limiter must be a boolean [error-invalid-setting-value]",
                "errorType": "error-invalid-setting-value",
                "details": {"method": "saveSettings"},
            }),
        ),
    ];
    for (session, path, body, status, expected) in refusals {
        let got = app.post(path, session, body.clone()).await;
        assert_eq!(got, (status, expected), "{path} {body}");
        assert_eq!(app.snapshot(), before, "{path} {body}");
    }
    let (status, body) = app.get(path, Some(&ada)).await;
    assert_eq!((status, body), (403, forbidden()));
    let (status, body) = app
        .get("/api/v1/settings/Site_Nope", Some(&app.admin))
        .await;
    assert_eq!((status, body), (400, bare));

    // A number as a form sends it.
    let (status, body) = app
        .post_form(path, Some(&app.admin), &[("value", "3")])
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    let (_, body) = app.get(path, Some(&app.admin)).await;
    assert_eq!(body["value"], 3);
    let (_, trail) = app
        .get(
            &format!(
                "/api/v1/rocketlite.audit?action=setting.update&actorId={}",
                app.admin.user_id
            ),
            Some(&app.admin),
        )
        .await;
    assert_eq!(trail["total"], 1, "{trail}");
    assert_eq!(
        (
            &trail["entries"][0]["before"],
            &trail["entries"][0]["after"]
        ),
        (
            &json!({"setting": "API_Enable_Rate_Limiter_Limit_Calls_Default", "value": 10}),
            &json!({"setting": "API_Enable_Rate_Limiter_Limit_Calls_Default", "value": 3})
        )
    );
    // The same value again changes and records nothing.
    let unchanged = app.snapshot();
    let (status, _) = app.post(path, Some(&app.admin), json!({"value": 3})).await;
    assert_eq!(status, 200);
    assert_eq!(app.snapshot(), unchanged);
}

#[tokio::test]
async fn bulk_changes_apply_together_or_not_at_all() {
    let app = TestApp::new().await;
    let calls = "API_Enable_Rate_Limiter_Limit_Calls_Default";
    let bulk = |settings: Value| json!({ "settings": settings });
    let (status, body) = app
        .post(
            "/api/v1/settings",
            Some(&app.admin),
            bulk(json!([
                {"_id": calls, "value": 7},
                {"_id": "Accounts_AllowUserProfileChange", "value": false},
                {"_id": "Site_Nope", "value": "ignored"},
            ])),
        )
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
    let (_, got) = app
        .get(&format!("/api/v1/settings/{calls}"), Some(&app.admin))
        .await;
    assert_eq!(got["value"], 7);
    let (_, got) = app
        .get(
            "/api/v1/settings/Accounts_AllowUserProfileChange",
            Some(&app.admin),
        )
        .await;
    assert_eq!(got["value"], false);

    // A manager of selected settings may change those its roles hold change-setting-<id> for.
    let ada = app.user_session("ada").await;
    let ada_id = ada.user_id.clone();
    for (permission, roles) in [
        ("manage-selected-settings", json!(["admin", "user"])),
        (
            &*format!("change-setting-{calls}"),
            json!(["admin", "user"]),
        ),
    ] {
        let (status, body) = app
            .post(
                "/api/v1/permissions.update",
                Some(&app.admin),
                json!({"permissions": [{"_id": permission, "roles": roles}]}),
            )
            .await;
        assert_eq!(status, 200, "{ada_id}: {body}");
    }
    let before = app.snapshot();
    let refusals = [
        (
            bulk(
                json!([{"_id": calls, "value": 5}, {"_id": "Accounts_AllowUserProfileChange", "value": true}]),
            ),
            json!({"success": false, "error": "Editing settings is not allowed [error-action-not-allowed]",
                   "errorType": "error-action-not-allowed",
                   "details": {"method": "saveSettings", "settingIds": ["Accounts_AllowUserProfileChange"]}}),
        ),
        (
            bulk(json!([{"_id": calls, "value": 0}])),
            json!({"success": false,
                   "error": format!("Value for setting {calls} must be greater than or equal to 1 [error-invalid-setting-value]"),
                   "errorType": "error-invalid-setting-value", "details": {"method": "saveSettings"}}),
        ),
        (
            bulk(json!([])),
            invalid_params("must NOT have fewer than 1 items"),
        ),
        (
            json!({}),
            invalid_params("must have required property 'settings'"),
        ),
        (
            bulk(json!([{"_id": calls}])),
            invalid_params("must have required property 'value'"),
        ),
    ];
    for (body, expected) in refusals {
        let got = app.post("/api/v1/settings", Some(&ada), body.clone()).await;
        assert_eq!(got, (400, expected), "{body}");
        assert_eq!(app.snapshot(), before, "{body}");
    }
    let (status, body) = app
        .post(
            "/api/v1/settings",
            Some(&ada),
            bulk(json!([{"_id": calls, "value": 5}])),
        )
        .await;
    assert_eq!((status, body), (200, json!({"success": true})));
}

#[tokio::test]
async fn the_password_policy_refuses_weak_passwords_on_every_path_once_enabled() {
    let app = TestApp::new().await;
    // Off by default: a weak password is taken.
    app.create_user("weak").await;
    let (status, _) = app
        .post(
            "/api/v1/settings/Accounts_Password_Policy_Enabled",
            Some(&app.admin),
            json!({"value": true}),
        )
        .await;
    assert_eq!(status, 200);
    let reason = |error: &str, message: &str| json!({"error": error, "message": message});
    let refused = |reasons: Vec<Value>| {
        json!({"success": false,
               "error": "The password provided does not meet the server's password policy. [error-password-policy-not-met]",
               "errorType": "error-password-policy-not-met", "details": reasons})
    };
    let weak = app.login("weak", "weak-password").await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.create",
            Some(&app.admin),
            json!({"username": "kim", "email": "kim@example.org", "name": "Kim", "password": "aaaa"}),
        )
        .await;
    assert_eq!(
        got,
        (
            400,
            refused(vec![
                reason(
                    "error-password-policy-not-met-minLength",
                    "The password does not meet the minimum length password policy."
                ),
                reason(
                    "error-password-policy-not-met-repeatingCharacters",
                    "The password contains repeating characters which is against the password policy."
                ),
                reason(
                    "error-password-policy-not-met-oneUppercase",
                    "The password does not contain at least one uppercase character which is against the password policy."
                ),
                reason(
                    "error-password-policy-not-met-oneNumber",
                    "The password does not contain at least one numerical character which is against the password policy."
                ),
                reason(
                    "error-password-policy-not-met-oneSpecial",
                    "The password does not contain at least one special character which is against the password policy."
                ),
            ])
        )
    );
    let current: String = {
        use sha2::Digest;
        sha2::Sha256::digest(b"weak-password")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let (status, body) = app
        .post(
            "/api/v1/users.updateOwnBasicInfo",
            Some(&weak),
            json!({"data": {"currentPassword": current, "newPassword": "Short1!"}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"],
        json!([reason(
            "error-password-policy-not-met-minLength",
            "The password does not meet the minimum length password policy."
        )])
    );
    let (status, _) = app
        .post(
            "/api/v1/users.register",
            None,
            json!({"username": "lee", "email": "lee@example.org", "name": "Lee", "pass": "password"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.snapshot(), before);

    let (status, body) = app
        .post(
            "/api/v1/users.create",
            Some(&app.admin),
            json!({"username": "kim", "email": "kim@example.org", "name": "Kim",
                   "password": "Correct-Horse-7-Battery"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn failed_logins_block_as_the_block_settings_say_at_once() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let set = |id: &'static str, value: Value| {
        let app = &app;
        async move {
            let path = format!("/api/v1/settings/Block_Multiple_Failed_Logins_{id}");
            let (status, body) = app
                .post(&path, Some(&app.admin), json!({"value": value}))
                .await;
            assert_eq!(status, 200, "{id}: {body}");
        }
    };
    let login = |password: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/login",
                None,
                json!({"user": "ada", "password": password}),
            )
            .await
        }
    };
    set("Attempts_Until_Block_by_User", json!(2)).await;
    for _ in 0..2 {
        assert_eq!(login("wrong").await.0, 401);
    }
    let (status, body) = login("ada-password").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "error-login-blocked-for-user", "{body}");
    // Turning the blocking off lifts it at once.
    set("Enabled", json!(false)).await;
    assert_eq!(login("ada-password").await.0, 200);
    for _ in 0..5 {
        assert_eq!(login("wrong").await.0, 401);
    }
    assert_eq!(login("ada-password").await.0, 200);
}

#[tokio::test]
async fn name_patterns_govern_usernames_and_room_names_at_once() {
    let app = TestApp::new().await;
    let set = |id: &'static str, value: &'static str| {
        let app = &app;
        async move {
            app.post(
                &format!("/api/v1/settings/{id}"),
                Some(&app.admin),
                json!({"value": value}),
            )
            .await
        }
    };
    let create_user = |name: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/users.create",
                Some(&app.admin),
                json!({"username": name, "email": format!("{name}@example.org"), "name": name,
                       "password": "a-long-password-1"}),
            )
            .await
        }
    };
    assert_eq!(set("UTF8_User_Names_Validation", "[a-z]+").await.0, 200);
    let (status, body) = create_user("Ada").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errorType"], "error-input-is-not-a-valid-field",
        "{body}"
    );
    assert_eq!(create_user("ada").await.0, 200);

    assert_eq!(set("UTF8_Channel_Names_Validation", "[a-z ]+").await.0, 200);
    let (status, body) = app
        .post(
            "/api/v1/channels.create",
            Some(&app.admin),
            json!({"name": "team room"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .post(
            "/api/v1/channels.create",
            Some(&app.admin),
            json!({"name": "team-1"}),
        )
        .await;
    assert_eq!(status, 400);

    // A pattern that is no regular expression is refused and changes nothing.
    let before = app.snapshot();
    let (status, body) = set("UTF8_User_Names_Validation", "[a-").await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-invalid-setting-value")),
        "{body}"
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn email_domains_are_allowed_or_blocked_as_the_settings_list_them() {
    let app = TestApp::new().await;
    let create = |name: &'static str, email: &'static str| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/users.create",
                Some(&app.admin),
                json!({"username": name, "email": email, "name": name, "password": "a-long-password-1"}),
            )
            .await
        }
    };
    let set = |id: &'static str, value: &'static str| {
        let app = &app;
        async move {
            let path = format!("/api/v1/settings/{id}");
            assert_eq!(
                app.post(&path, Some(&app.admin), json!({"value": value}))
                    .await
                    .0,
                200
            );
        }
    };
    let details = json!({"function": "RocketChat.validateEmailDomain"});
    set("Accounts_BlockedDomainsList", "spam.example, junk.example").await;
    let before = app.snapshot();
    assert_eq!(
        create("kim", "kim@Junk.example").await,
        (
            400,
            json!({"success": false, "error": "The email domain is blacklisted [error-email-domain-blacklisted]",
                     "errorType": "error-email-domain-blacklisted", "details": details})
        )
    );
    set("Accounts_AllowedDomainsList", "example.org").await;
    let before_allowed = app.snapshot();
    assert_ne!(before, before_allowed);
    assert_eq!(
        create("kim", "kim@example.com").await,
        (
            400,
            json!({"success": false, "error": "The email domain is not allowed [error-invalid-domain]",
                     "errorType": "error-invalid-domain", "details": details})
        )
    );
    let (status, _) = app
        .post(
            "/api/v1/users.register",
            None,
            json!({"username": "lee", "email": "lee@other.org", "name": "Lee", "pass": "a-long-password-1"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.snapshot(), before_allowed);
    assert_eq!(create("kim", "kim@example.org").await.0, 200);
}
